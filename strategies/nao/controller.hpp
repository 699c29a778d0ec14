#pragma once
// NAO's controller (Luo et al. 2018; reference: NAO_pytorch V1/V2): an LSTM
// encoder from token sequences to a continuous embedding, an MLP predictor of
// the normalized score, and an attention LSTM decoder back to tokens.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/rnn.h>
#include <torch/nn/pimpl.h>

namespace nao {

struct ControllerOptions {
  int vocab = 12;             ///< token vocabulary, 0 = start symbol
  int length = 40;            ///< tokens per architecture
  bool pair_tokens = true;    ///< encoder sees (token, token) pairs: 2 * embedding == hidden
  int embedding = 48;
  int hidden = 96;
  int mlp_layers = 3;
  int mlp_hidden = 200;
  double mlp_dropout = 0.1;
  double encoder_dropout = 0.0;
  /// "general" (NAO_pytorch: score (W_in o_t) . e_j, tanh(W_out [ctx; o_t]),
  /// no biases) or "dot" (NAO-WS/rnn: score o_t . e_j, W_out with a bias).
  std::string attention = "general";
  /// Predictor weights U(-r, r) and biases 0 (NAO-WS/rnn: 0.04); 0: torch's
  /// default initialization (NAO_pytorch).
  double predictor_init = 0;
};

/// Per-step L2-normalized encoder outputs [B, S, H] and the normalized mean [B, H].
struct Encoding {
  at::Tensor outputs;
  at::Tensor embedding;
};

class ControllerImpl : public torch::nn::Module {
 public:
  explicit ControllerImpl(const ControllerOptions& options);

  /// tokens: int64 [B, length].
  Encoding encode(const at::Tensor& tokens);
  /// The predictor's output in (0, 1) for embeddings [B, H]: [B].
  at::Tensor predict(const at::Tensor& embedding);
  /// Teacher-forced log-probabilities [B, length, vocab] of `targets`
  /// (decoder inputs: start token then targets without the last).
  at::Tensor reconstruct(const Encoding& encoding, const at::Tensor& targets);
  /// Greedy decoding restricted to `ranges[t]` (inclusive) at step t: [B, length].
  at::Tensor decode_greedy(const Encoding& encoding, const std::vector<std::pair<int, int>>& ranges);
  /// The encoding moved by `step` along the predictor's gradient (computed
  /// once by gradient()), re-normalized per step, re-pooled, re-normalized.
  static Encoding move(const at::Tensor& outputs, const at::Tensor& gradient, double step);
  /// d(sum of predictions)/d(encoder outputs) for the encoder outputs given.
  at::Tensor gradient(const at::Tensor& outputs);

  const ControllerOptions& options() const { return options_; }

 private:
  at::Tensor attend(const at::Tensor& decoder_out, const at::Tensor& memory);
  at::Tensor logits(const at::Tensor& decoder_out, const at::Tensor& memory);

  ControllerOptions options_;
  torch::nn::Embedding encoder_embedding_{nullptr};
  torch::nn::Dropout encoder_dropout_{nullptr};
  torch::nn::LSTM encoder_lstm_{nullptr};
  std::vector<torch::nn::Linear> mlp_;
  torch::nn::Linear regressor_{nullptr};
  torch::nn::Embedding decoder_embedding_{nullptr};
  torch::nn::LSTM decoder_lstm_{nullptr};
  torch::nn::Linear attention_in_{nullptr};  ///< empty for "dot" attention
  torch::nn::Linear attention_out_{nullptr};
  torch::nn::Linear vocab_out_{nullptr};
};
TORCH_MODULE(Controller);

}  // namespace nao
