#include "model.hpp"

#include <torch/torch.h>

#include "automl/error.hpp"
#include "cell.hpp"

namespace rnn {
namespace {

using automl::nn::LanguageModelConfig;
using automl::nn::LmOutput;

// The reference's INITRANGE (NAO-WS/rnn model.py and model_search.py).
constexpr double kCellInit = 0.04;       // cell weights U(-0.04, 0.04)
constexpr double kEmbeddingInit = 0.04;  // embedding U(-0.04, 0.04), decoder bias 0

// A dropout mask of `shape` (keep 1 - p, scaled by 1 / (1 - p)) drawn on the
// CPU from `generator`, on the device and type of `like`.
at::Tensor mask(at::IntArrayRef shape, double p, at::Generator& generator, const at::Tensor& like) {
  return torch::empty(shape, torch::kFloat)
      .bernoulli_(1.0 - p, generator)
      .div_(1.0 - p)
      .to(like.device(), like.scalar_type());
}

at::Tensor activate(const at::Tensor& x, int act) {
  switch (act) {
    case 0: return torch::tanh(x);
    case 1: return torch::relu(x);
    case 2: return torch::sigmoid(x);
    default: return x;
  }
}

// Everything but the node weights, shared by the stand-alone model and the
// supernet: they differ in where node i's [H, 2H] weight comes from and in
// which states the output averages.
template <class Base>
class CellLm : public Base {
 public:
  CellLm(const LanguageModelConfig& config, std::int64_t vocabulary, bool average_s0)
      : config_(config), average_s0_(average_s0) {
    if (config.size < 1) throw automl::ConfigError("rnn_cell: the model size must be at least 1");
    if (vocabulary < 2) throw automl::ConfigError("rnn_cell: a language model needs a vocabulary of 2 or more words");
    const std::int64_t h = config.size;
    embedding_ = this->register_parameter("embedding",
                                          torch::empty({vocabulary, h}).uniform_(-kEmbeddingInit, kEmbeddingInit));
    decoder_bias_ = this->register_parameter("decoder_bias", torch::zeros({vocabulary}));
    w0_ = this->register_parameter("w0", torch::empty({2 * h, 2 * h}).uniform_(-kCellInit, kCellInit));
  }

  int hidden_size() const override { return config_.size; }

  LmOutput forward(const at::Tensor& tokens, const at::Tensor& hidden) override {
    const bool training = this->is_training();
    auto& gen = this->generator_;
    const std::int64_t steps = tokens.size(0), batch = tokens.size(1), h = config_.size;

    at::Tensor table = embedding_;
    if (training && config_.dropout_embedding > 0)  // drops whole words
      table = table * mask({table.size(0), 1}, config_.dropout_embedding, gen, table);
    at::Tensor x = torch::embedding(table, tokens);  // [T, B, H]
    if (training && config_.dropout_input > 0) x = x * mask({1, batch, h}, config_.dropout_input, gen, x);
    at::Tensor x_mask, h_mask;  // one mask per sequence, as the reference
    if (training && config_.dropout_x > 0) x_mask = mask({batch, h}, config_.dropout_x, gen, x);
    if (training && config_.dropout_hidden > 0) h_mask = mask({batch, h}, config_.dropout_hidden, gen, x);
    const auto masked = [](const at::Tensor& t, const at::Tensor& m) { return m.defined() ? t * m : t; };

    // Nodes grouped by predecessor: one matrix product per state that feeds
    // any node ([s_p * mask] · [W_i | W_j | ...]), then split per node.
    std::vector<std::vector<int>> children(kNodes + 1);
    for (int i = 0; i < kNodes; ++i) children[static_cast<std::size_t>(pred_of(arch_, i))].push_back(i);
    std::vector<at::Tensor> group_weight(kNodes + 1);
    for (std::size_t p = 0; p < children.size(); ++p) {
      std::vector<at::Tensor> parts;
      for (int child : children[p]) parts.push_back(node_weight(child));
      if (!parts.empty()) group_weight[p] = parts.size() == 1 ? parts[0] : torch::cat(parts, 1);
    }

    // s0's input half for every step at once: [x * x_mask] · W0[:H].
    const at::Tensor xw = torch::matmul(masked(x, x_mask), w0_.narrow(0, 0, h));  // [T, B, 2H]
    const at::Tensor w0h = w0_.narrow(0, h, h);
    std::vector<at::Tensor> outputs, states(kNodes + 1), ch(kNodes);
    outputs.reserve(static_cast<std::size_t>(steps));
    at::Tensor state = hidden;
    for (std::int64_t t = 0; t < steps; ++t) {
      const auto c0h0 = torch::addmm(xw[t], masked(state, h_mask), w0h).chunk(2, 1);
      states[0] = state + torch::sigmoid(c0h0[0]) * (torch::tanh(c0h0[1]) - state);
      for (std::size_t k = 0; k < states.size(); ++k) {
        if (k > 0) {
          const int node = static_cast<int>(k) - 1;
          const auto c_h = ch[k - 1].chunk(2, 1);
          const at::Tensor& prev = states[static_cast<std::size_t>(pred_of(arch_, node))];
          states[k] = prev + torch::sigmoid(c_h[0]) * (activate(c_h[1], act_of(arch_, node)) - prev);
        }
        const auto& kids = children[k];
        if (kids.empty()) continue;
        const at::Tensor all = masked(states[k], h_mask).mm(group_weight[k]);
        for (std::size_t j = 0; j < kids.size(); ++j)
          ch[static_cast<std::size_t>(kids[j])] =
              kids.size() == 1 ? all : all.narrow(1, static_cast<std::int64_t>(j) * 2 * h, 2 * h);
      }
      state = average_s0_ ? torch::stack(states).mean(0)
                          : torch::stack(at::TensorList(states).slice(1)).mean(0);
      outputs.push_back(state);
    }

    LmOutput out;
    out.raw = torch::stack(outputs);  // [T, B, H]
    out.dropped = training && config_.dropout_output > 0 ? out.raw * mask({1, batch, h}, config_.dropout_output, gen, x)
                                                         : out.raw;
    out.logits = torch::addmm(decoder_bias_, out.dropped.reshape({steps * batch, h}), embedding_.t());
    out.hidden = state;
    return out;
  }

 protected:
  /// Node `node`'s [H, 2H] weight for the current architecture.
  virtual at::Tensor node_weight(int node) const = 0;

  LanguageModelConfig config_;
  automl::Architecture arch_;

 private:
  bool average_s0_;
  at::Tensor embedding_, decoder_bias_, w0_;
};

// A stand-alone model of one cell: its own [H, 2H] weight per node; the
// output averages states 1..11 (reference final model).
class FixedLm final : public CellLm<automl::nn::LanguageModel> {
 public:
  FixedLm(const automl::Architecture& arch, const LanguageModelConfig& config, std::int64_t vocabulary)
      : CellLm(config, vocabulary, false) {
    arch_ = arch;
    for (int i = 0; i < kNodes; ++i)
      weights_.push_back(register_parameter(
          "w" + std::to_string(i + 1), torch::empty({config.size, 2 * config.size}).uniform_(-kCellInit, kCellInit)));
  }

 private:
  at::Tensor node_weight(int node) const override { return weights_[static_cast<std::size_t>(node)]; }
  std::vector<at::Tensor> weights_;
};

// The supernet: node i owns a [4 (i + 1) H, 2H] matrix whose rows
// [(4 pred + act) H, +H) serve predecessor `pred` with activation `act`;
// the output averages all 12 states (reference search model).
class SuperLm final : public CellLm<automl::nn::LmSupernet> {
 public:
  SuperLm(const LanguageModelConfig& config, std::int64_t vocabulary) : CellLm(config, vocabulary, true) {
    for (int i = 0; i < kNodes; ++i)
      weights_.push_back(register_parameter(
          "w" + std::to_string(i + 1),
          torch::empty({4 * (i + 1) * config.size, 2 * config.size}).uniform_(-kCellInit, kCellInit)));
    arch_.genes.assign(2 * kNodes, 0);
  }
  void select(const automl::Architecture& arch) override { arch_ = arch; }

 private:
  at::Tensor node_weight(int node) const override {
    const std::int64_t block = 4 * pred_of(arch_, node) + act_of(arch_, node);
    return weights_[static_cast<std::size_t>(node)].narrow(0, block * config_.size, config_.size);
  }
  std::vector<at::Tensor> weights_;
};

}  // namespace

std::shared_ptr<automl::nn::LanguageModel> LmBuilder::build(const automl::Architecture& arch,
                                                            const LanguageModelConfig& config,
                                                            std::int64_t vocabulary) const {
  return std::make_shared<FixedLm>(arch, config, vocabulary);
}

std::shared_ptr<automl::nn::LmSupernet> LmBuilder::build_supernet(const LanguageModelConfig& config,
                                                                  std::int64_t vocabulary) const {
  return std::make_shared<SuperLm>(config, vocabulary);
}

}  // namespace rnn
