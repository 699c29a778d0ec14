#pragma once
// Word-level language models a search space builds around its recurrent
// cell, and what the language-model evaluators share: batchified token
// streams, variable-length BPTT, the regularized loss and perplexity.
// A space that builds them returns a LanguageModelBuilder from
// SearchSpace::language_models(). Brings LibTorch.

#include <cstdint>
#include <memory>
#include <string>

#include <torch/optim/sgd.h>

#include "automl/context.hpp"
#include "automl/data/tensor_data.hpp"
#include "automl/nn/lm_options.hpp"
#include "automl/nn/network.hpp"
#include "automl/nn/precision.hpp"
#include "automl/random.hpp"

namespace automl::nn {

/// Sizes and regularization of a language model (defaults: the NAO-WS PTB
/// supernet, reference §4.11).
struct LanguageModelConfig {
  int size = 300;                  ///< embedding = recurrent state size (the decoder is tied to the embedding)
  double dropout_output = 0.75;    ///< locked dropout on the cell's outputs
  double dropout_hidden = 0.25;    ///< mask on the previous state / node inputs (per sequence)
  double dropout_x = 0.75;         ///< mask on the input to the initial highway state (per sequence)
  double dropout_input = 0.2;      ///< locked dropout on the embedded words
  double dropout_embedding = 0.0;  ///< drops whole words from the embedding matrix
};

/// One forward pass over [T, B] tokens.
struct LmOutput {
  at::Tensor logits;   ///< [T * B, vocabulary]
  at::Tensor hidden;   ///< [B, hidden]: the state after the last step (carry it, detached)
  at::Tensor raw;      ///< [T, B, hidden]: cell outputs before output dropout (for TAR)
  at::Tensor dropped;  ///< [T, B, hidden]: cell outputs after output dropout (for AR)
};

/// A language model: embedding, a recurrent cell unrolled over time, tied
/// decoder. Random choices (dropout masks) draw from its own generator.
class LanguageModel : public torch::nn::Module {
 public:
  void reseed(std::uint64_t seed) { generator_ = make_generator(seed); }
  /// tokens: int64 [T, B]; hidden: [B, H] (zeros to start).
  virtual LmOutput forward(const at::Tensor& tokens, const at::Tensor& hidden) = 0;
  virtual int hidden_size() const = 0;
  /// A zero state for `batch` streams on the model's device.
  at::Tensor initial_hidden(std::int64_t batch) const;

 protected:
  at::Generator generator_ = make_generator(0);
};

/// One set of weights for every cell of a space; select() picks the cell of
/// the following forward() calls.
class LmSupernet : public LanguageModel {
 public:
  virtual void select(const Architecture& arch) = 0;
};

class LanguageModelBuilder {
 public:
  virtual ~LanguageModelBuilder() = default;
  /// A fresh model of a valid `arch` for a vocabulary of `vocabulary` words
  /// (torch's global generator initializes it: seed that first).
  virtual std::shared_ptr<LanguageModel> build(const Architecture& arch, const LanguageModelConfig& config,
                                               std::int64_t vocabulary) const = 0;
  /// The weight-sharing supernet of the space.
  virtual std::shared_ptr<LmSupernet> build_supernet(const LanguageModelConfig& config,
                                                     std::int64_t vocabulary) const = 0;
};

/// What a language-model evaluator takes from its context: the space's
/// builder, the corpus's vocabulary, the training text as `batch` streams,
/// validation (and, `with_test`, test) text as `eval_batch` streams, on the
/// context's device. Throws ConfigError naming `evaluator` when the space
/// builds no language models, the dataset is no corpus, or `batch` leaves
/// fewer than 3 steps per stream.
struct LmData {
  const LanguageModelBuilder* builder = nullptr;
  std::int64_t vocabulary = 0;
  at::Tensor train, valid, test;
};
LmData lm_data(const Context& ctx, const std::string& evaluator, std::int64_t batch, std::int64_t eval_batch,
               bool with_test);

/// A whole split as `batch` parallel streams: int64 [steps, batch] on
/// `device` (the remainder of the tokens dropped, as the reference's batchify).
at::Tensor batchify(const TensorData& data, Split split, std::int64_t batch, const at::Device& device);

/// How each truncated-BPTT window's length is drawn (NAO-WS/rnn): `search`
/// as its train_search.py (bptt, or bptt / 2 with probability 0.05), `final`
/// as its train.py (that, then N(that, 5), kept in [5, bptt + 20]), `fixed`
/// always bptt.
enum class BpttDraw { search, final, fixed };

/// The BpttDraw named by `name` ("search", "final", "fixed").
BpttDraw bptt_draw(const std::string& name);

/// One window length drawn from `rng` as `draw` says.
std::int64_t draw_sequence_length(std::int64_t bptt, BpttDraw draw, Random& rng);

/// Where a random validation window of `bptt` steps starts in a split of
/// `steps` steps [steps, B]: anywhere a whole window fits, or (`head`) at a
/// position in [0, steps / bptt), as NAO-WS/rnn's evaluate() does (it draws
/// a window index and uses it as a position).
std::int64_t validation_window_start(std::int64_t steps, std::int64_t bptt, bool head, Random& rng);

/// Training loss of one forward: cross entropy + alpha * mean(dropped^2)
/// (activation regularization) + beta * mean((raw[t+1] - raw[t])^2)
/// (temporal activation regularization). Returns {loss, cross entropy}.
std::pair<at::Tensor, at::Tensor> regularized_loss(const LmOutput& out, const at::Tensor& targets, double alpha,
                                                   double beta);

/// Truncated-BPTT training as the reference's language-model scripts do it.
struct LmTrainOptions {
  std::int64_t bptt = 35;
  BpttDraw draw = BpttDraw::final;  ///< window lengths
  double lr = 20;             ///< scaled by length / bptt for each step
  double grad_clip = 0.25;    ///< global L2 norm; 0: off
  double alpha = 0;           ///< activation regularization
  double beta = 1e-3;         ///< temporal activation regularization
  Precision precision = Precision::fp32;  ///< of the forward pass (autocast); fp16 scales the loss
};

inline LanguageModelConfig model_config(const LmOptions& o) {
  return {o.size, o.dropout_output, o.dropout_hidden, o.dropout_x, o.dropout_input, o.dropout_embedding};
}
inline LmTrainOptions train_options(const LmOptions& o) {
  return {o.bptt, bptt_draw(o.bptt_draw), o.lr, o.grad_clip, o.alpha, o.beta, parse_precision(o.precision)};
}

/// Where a pass over a batchified training split stands.
struct LmCursor {
  std::int64_t position = 0;  ///< first step of the next window
  at::Tensor hidden;          ///< carried state (undefined: zeros)
  std::int64_t length = 0;    ///< steps of the last window
  bool wrapped = false;       ///< set by lm_train_step when the pass ended and the cursor went back to 0
  /// fp16 loss scaling (enabled by the first fp16 step). Not part of a
  /// checkpoint: a resumed fp16 training starts its scale over.
  LossScaler scaler{false};
};

/// One SGD step of `model` (in training mode) on the window of `batches`
/// [steps, B] at the cursor; the cursor moves past it, back to the start
/// (state dropped, `wrapped` set) when no full step is left. Returns the
/// window's cross entropy. Throws automl::Error when the loss is not finite.
double lm_train_step(LanguageModel& model, torch::optim::SGD& optimizer, const at::Tensor& batches, LmCursor& cursor,
                     const LmTrainOptions& options, Random& rng);

/// Mean cross entropy (nats per token) of `model` in eval mode over
/// `batches` [steps, B] in windows of `bptt`, the state carried across
/// windows; restores the training flag.
double evaluate_nll(LanguageModel& model, const at::Tensor& batches, std::int64_t bptt);

}  // namespace automl::nn
