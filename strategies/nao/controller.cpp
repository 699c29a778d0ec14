#include "controller.hpp"

#include <torch/torch.h>

#include "automl/error.hpp"

namespace nao {

namespace F = torch::nn::functional;

namespace {
at::Tensor l2_normalize(const at::Tensor& x) { return F::normalize(x, F::NormalizeFuncOptions().p(2).dim(-1)); }
}  // namespace

ControllerImpl::ControllerImpl(const ControllerOptions& o) : options_(o) {
  if (o.pair_tokens && (o.length % 2 != 0 || 2 * o.embedding != o.hidden))
    throw automl::ConfigError("[strategy] nao: pairing tokens needs an even sequence length (" +
                              std::to_string(o.length) + ") and hidden = 2 * embedding (" + std::to_string(o.hidden) +
                              " vs " + std::to_string(o.embedding) + ")");
  if (!o.pair_tokens && o.embedding != o.hidden)
    throw automl::ConfigError("[strategy] nao: without token pairing, embedding must equal hidden");
  encoder_embedding_ = register_module("encoder_embedding", torch::nn::Embedding(o.vocab, o.embedding));
  encoder_dropout_ = register_module("encoder_dropout", torch::nn::Dropout(o.encoder_dropout));
  encoder_lstm_ = register_module(
      "encoder_lstm", torch::nn::LSTM(torch::nn::LSTMOptions(o.hidden, o.hidden).num_layers(1).batch_first(true)));
  int width = o.hidden;
  for (int i = 0; i < o.mlp_layers; ++i) {
    mlp_.push_back(register_module("mlp" + std::to_string(i), torch::nn::Linear(width, o.mlp_hidden)));
    width = o.mlp_hidden;
  }
  regressor_ = register_module("regressor", torch::nn::Linear(width, 1));
  decoder_embedding_ = register_module("decoder_embedding", torch::nn::Embedding(o.vocab, o.hidden));
  decoder_lstm_ = register_module(
      "decoder_lstm", torch::nn::LSTM(torch::nn::LSTMOptions(o.hidden, o.hidden).num_layers(1).batch_first(true)));
  if (o.attention != "general" && o.attention != "dot")
    throw automl::ConfigError("[strategy] nao: attention must be \"general\" or \"dot\", got \"" + o.attention + "\"");
  const bool general = o.attention == "general";
  if (general)
    attention_in_ =
        register_module("attention_in", torch::nn::Linear(torch::nn::LinearOptions(o.hidden, o.hidden).bias(false)));
  attention_out_ = register_module(
      "attention_out", torch::nn::Linear(torch::nn::LinearOptions(2 * o.hidden, o.hidden).bias(!general)));
  vocab_out_ = register_module("vocab_out", torch::nn::Linear(o.hidden, o.vocab));
  if (o.predictor_init > 0) {
    torch::NoGradGuard no_grad;
    std::vector<torch::nn::Linear> predictor = mlp_;
    predictor.push_back(regressor_);
    for (auto& layer : predictor) {
      layer->weight.uniform_(-o.predictor_init, o.predictor_init);
      layer->bias.zero_();
    }
  }
}

Encoding ControllerImpl::encode(const at::Tensor& tokens) {
  auto x = encoder_dropout_(encoder_embedding_(tokens));
  if (options_.pair_tokens) x = x.reshape({x.size(0), options_.length / 2, 2 * options_.embedding});
  const auto out = l2_normalize(std::get<0>(encoder_lstm_(x)));
  return {out, l2_normalize(out.mean(1))};
}

at::Tensor ControllerImpl::predict(const at::Tensor& embedding) {
  auto x = embedding;
  for (auto& layer : mlp_) x = F::dropout(torch::relu(layer(x)), F::DropoutFuncOptions().p(options_.mlp_dropout).training(is_training()));
  return torch::sigmoid(regressor_(x)).squeeze(-1);
}

at::Tensor ControllerImpl::attend(const at::Tensor& out, const at::Tensor& memory) {
  return torch::log_softmax(logits(out, memory), -1);
}

at::Tensor ControllerImpl::logits(const at::Tensor& out, const at::Tensor& memory) {
  // Luong attention after the LSTM, no input feeding: scores q . e_j with
  // q = W_in o_t ("general") or o_t ("dot"), context first in the output
  // projection.
  const at::Tensor query = attention_in_ ? attention_in_(out) : out;
  at::Tensor context;
  if (out.size(1) == 1) {
    // One decoding step: a batch of 1-row products is faster as a broadcast
    // multiply and sum than as bmm's loop of tiny matrix products.
    const auto scores = (query * memory).sum(-1, true);           // [B, S, 1]
    context = (torch::softmax(scores, 1) * memory).sum(1, true);  // [B, 1, H]
  } else {
    const auto scores = torch::bmm(query, memory.transpose(1, 2));
    context = torch::bmm(torch::softmax(scores, -1), memory);
  }
  const auto mixed = torch::tanh(attention_out_(torch::cat({context, out}, -1)));
  return vocab_out_(mixed);
}

at::Tensor ControllerImpl::reconstruct(const Encoding& e, const at::Tensor& targets) {
  // Teacher forcing feeds known tokens and the attention output is not fed
  // back, so one LSTM call over the whole sequence equals the reference's
  // step-by-step loop.
  const auto start = torch::zeros({targets.size(0), 1}, targets.options());
  const auto inputs = torch::cat({start, targets.narrow(1, 0, targets.size(1) - 1)}, 1);
  const auto state = std::make_tuple(e.embedding.unsqueeze(0), e.embedding.unsqueeze(0));
  const auto out = std::get<0>(decoder_lstm_(decoder_embedding_(inputs), state));
  return attend(out, e.outputs);
}

at::Tensor ControllerImpl::decode_greedy(const Encoding& e, const std::vector<std::pair<int, int>>& ranges) {
  // One fused LSTM cell per step; the argmax of the logits equals that of the
  // log-softmax, so the normalization is skipped.
  const auto& p = decoder_lstm_->named_parameters();
  const auto &w_ih = p["weight_ih_l0"], &w_hh = p["weight_hh_l0"], &b_ih = p["bias_ih_l0"], &b_hh = p["bias_hh_l0"];
  at::Tensor h = e.embedding, c = e.embedding;
  auto token = torch::zeros({e.embedding.size(0)}, torch::kLong);
  std::vector<at::Tensor> chosen;
  for (std::size_t t = 0; t < ranges.size(); ++t) {
    std::tie(h, c) = torch::lstm_cell(decoder_embedding_(token), {h, c}, w_ih, w_hh, b_ih, b_hh);
    const auto scores = logits(h.unsqueeze(1), e.outputs).squeeze(1);
    const auto [lo, hi] = ranges[t];
    token = scores.narrow(1, lo, hi - lo + 1).argmax(1) + lo;
    chosen.push_back(token);
  }
  return torch::stack(chosen, 1);
}

at::Tensor ControllerImpl::gradient(const at::Tensor& outputs) {
  const auto leaf = outputs.detach().requires_grad_(true);
  const auto embedding = l2_normalize(leaf.mean(1));
  const auto total = predict(embedding).sum();
  return torch::autograd::grad({total}, {leaf})[0];
}

Encoding ControllerImpl::move(const at::Tensor& outputs, const at::Tensor& gradient, double step) {
  const auto moved = l2_normalize(outputs + step * gradient);
  return {moved, l2_normalize(moved.mean(1))};
}

}  // namespace nao
