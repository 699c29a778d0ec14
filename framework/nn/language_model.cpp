// Shared helpers of the language-model evaluators: batchified text, BPTT windows, loss and steps.

#include "automl/nn/language_model.hpp"

#include <cmath>
#include <limits>

#include <torch/torch.h>

#include "automl/dataset.hpp"
#include "automl/error.hpp"
#include "automl/search_space.hpp"

namespace automl::nn {

at::Tensor LanguageModel::initial_hidden(std::int64_t batch) const {
  const auto params = parameters();
  const auto options = params.empty() ? torch::TensorOptions() : params.front().options();
  return torch::zeros({batch, hidden_size()}, options);
}

at::Tensor batchify(const TensorData& data, Split split, std::int64_t batch, const at::Device& device) {
  // The dataset's stream with one window longer than the split returns the
  // whole split in one batch: inputs are steps 0..n-2; add the last target row.
  LoaderOptions options;
  options.batch_size = batch;
  options.bptt = std::numeric_limits<std::int32_t>::max();
  Batch whole;
  if (!data.stream(split, options, 0)->next(whole))
    throw Error("language model: the split is too short for batch size " + std::to_string(batch));
  return torch::cat({whole.inputs, whole.targets.narrow(0, whole.targets.size(0) - 1, 1)}, 0).to(device);
}

LmData lm_data(const Context& ctx, const std::string& evaluator, std::int64_t batch, std::int64_t eval_batch,
               bool with_test) {
  LmData out;
  out.builder = ctx.space->language_models();
  if (out.builder == nullptr)
    throw ConfigError("[evaluator] " + evaluator + ": the search space builds no language models; use one that does "
                      "(rnn_cell); image cells train with full_training or weight_sharing");
  if (ctx.dataset == nullptr || ctx.dataset->tensors() == nullptr || ctx.dataset->info().task != "language_model")
    throw ConfigError("[evaluator] " + evaluator + " needs a language-model [dataset] (e.g. type = \"ptb\")");
  const auto& data = *ctx.dataset->tensors();
  const at::Device device(ctx.device);
  out.vocabulary = ctx.dataset->info().classes;
  out.train = batchify(data, Split::train, batch, device);
  out.valid = batchify(data, Split::valid, eval_batch, device);
  if (with_test) out.test = batchify(data, Split::test, eval_batch, device);
  if (out.train.size(0) < 3)
    throw ConfigError("[evaluator] " + evaluator + ": batch_size = " + std::to_string(batch) +
                      " leaves fewer than 3 steps per stream of the training text; lower it");
  return out;
}

BpttDraw bptt_draw(const std::string& name) {
  if (name == "search") return BpttDraw::search;
  if (name == "final") return BpttDraw::final;
  if (name == "fixed") return BpttDraw::fixed;
  throw ConfigError("bptt_draw: expected \"search\", \"final\" or \"fixed\", got \"" + name + "\"");
}

std::int64_t draw_sequence_length(std::int64_t bptt, BpttDraw draw, Random& rng) {
  if (draw == BpttDraw::fixed) return bptt;
  const double base = rng.uniform01() < 0.95 ? static_cast<double>(bptt) : static_cast<double>(bptt) / 2.0;
  if (draw == BpttDraw::search) return std::max<std::int64_t>(1, static_cast<std::int64_t>(base));
  // Box-Muller from the run's generator, so the draw is reproducible.
  const double u1 = 1.0 - rng.uniform01(), u2 = rng.uniform01();
  const double normal = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
  const auto length = std::max<std::int64_t>(5, static_cast<std::int64_t>(base + 5.0 * normal));
  return std::min<std::int64_t>(length, bptt + 20);  // the reference's max_seq_len_delta
}

std::int64_t validation_window_start(std::int64_t steps, std::int64_t bptt, bool head, Random& rng) {
  const std::int64_t full = std::min(bptt, steps - 1);
  const std::int64_t starts = head ? std::max<std::int64_t>(1, steps / bptt) : steps - full;
  return static_cast<std::int64_t>(rng.index(static_cast<std::size_t>(std::max<std::int64_t>(1, starts))));
}

std::pair<at::Tensor, at::Tensor> regularized_loss(const LmOutput& out, const at::Tensor& targets, double alpha,
                                                   double beta) {
  at::Tensor nll = torch::cross_entropy_loss(out.logits, targets.reshape({-1}));
  at::Tensor loss = nll;
  if (alpha > 0) loss = loss + alpha * out.dropped.pow(2).mean();
  if (beta > 0 && out.raw.size(0) > 1)
    loss = loss + beta * (out.raw.slice(0, 1) - out.raw.slice(0, 0, -1)).pow(2).mean();
  return {loss, nll};
}

double lm_train_step(LanguageModel& model, torch::optim::SGD& optimizer, const at::Tensor& batches, LmCursor& cursor,
                     const LmTrainOptions& options, Random& rng) {
  const std::int64_t steps = batches.size(0);
  if (steps < 3) throw Error("language model: a training split of fewer than 3 steps per stream");
  cursor.wrapped = false;
  const std::int64_t drawn = draw_sequence_length(options.bptt, options.draw, rng);
  const std::int64_t length = std::min(drawn, steps - 1 - cursor.position);
  if (!cursor.hidden.defined()) cursor.hidden = model.initial_hidden(batches.size(1));
  // A shorter window takes a proportionally smaller step (the reference's
  // lr * seq_len / bptt).
  for (auto& group : optimizer.param_groups())
    static_cast<torch::optim::SGDOptions&>(group.options())
        .lr(options.lr * static_cast<double>(length) / static_cast<double>(options.bptt));
  optimizer.zero_grad();
  if (options.precision == Precision::fp16 && !cursor.scaler.enabled()) cursor.scaler = LossScaler(true);
  LmOutput out;
  at::Tensor loss, nll;
  {
    const Autocast autocast(options.precision, batches.device());
    out = model.forward(batches.narrow(0, cursor.position, length), cursor.hidden);
    std::tie(loss, nll) = regularized_loss(out, batches.narrow(0, cursor.position + 1, length), options.alpha, options.beta);
  }
  const double value = nll.item<double>();
  if (!std::isfinite(value) || !std::isfinite(loss.item<double>()))
    throw Error("the language model's training loss became " + std::to_string(value) + " at step " +
                std::to_string(cursor.position) + " of " + std::to_string(steps) +
                "; lower the learning rate or grad_clip");
  backward_and_step(loss, optimizer, options.grad_clip, cursor.scaler);
  cursor.hidden = out.hidden.detach().to(at::kFloat);  // autocast may have left it in bf16 / fp16
  cursor.position += length;
  cursor.length = length;
  if (cursor.position >= steps - 2) {  // the reference stops when fewer than two steps are left
    cursor.position = 0;
    cursor.hidden = at::Tensor();
    cursor.wrapped = true;
  }
  return value;
}

double evaluate_nll(LanguageModel& model, const at::Tensor& batches, std::int64_t bptt) {
  torch::NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  at::Tensor hidden = model.initial_hidden(batches.size(1));
  double total = 0;
  std::int64_t tokens = 0;
  for (std::int64_t i = 0; i + 1 < batches.size(0); i += bptt) {
    const std::int64_t length = std::min(bptt, batches.size(0) - 1 - i);
    const at::Tensor targets = batches.narrow(0, i + 1, length);
    const LmOutput out = model.forward(batches.narrow(0, i, length), hidden);
    hidden = out.hidden;
    total += torch::cross_entropy_loss(out.logits, targets.reshape({-1})).item<double>() *
             static_cast<double>(targets.numel());
    tokens += targets.numel();
  }
  model.train(was_training);
  return total / static_cast<double>(tokens);
}

}  // namespace automl::nn
