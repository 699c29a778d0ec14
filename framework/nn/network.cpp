// Shared helpers of the network evaluators: shape traces, parameter counts, training state.

#include "automl/nn/network.hpp"

#include <cmath>
#include <sstream>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include "automl/error.hpp"

namespace automl::nn {

namespace {
// One trace per thread: parallel trials build and run networks on their own
// threads, and only the thread running trace() records.
thread_local Trace* active = nullptr;
}  // namespace

void save_training_state(const torch::nn::Module& module, const torch::optim::Optimizer& optimizer,
                         StateWriter& out) {
  torch::serialize::OutputArchive archive;
  module.save(archive);
  torch::serialize::OutputArchive optimizer_archive;
  optimizer.save(optimizer_archive);
  archive.write("optimizer", optimizer_archive);
  std::ostringstream bytes;
  archive.save_to(bytes);
  out.put_string(bytes.str());
  std::vector<int> with_grad;
  const auto params = module.parameters();
  for (std::size_t i = 0; i < params.size(); ++i)
    if (params[i].grad().defined()) with_grad.push_back(static_cast<int>(i));
  out.put_ints(with_grad);
}

void load_training_state(torch::nn::Module& module, torch::optim::Optimizer& optimizer, StateReader& in,
                         const at::Device& device, const std::string& who) {
  std::istringstream bytes(in.get_string());
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(bytes, device);
    module.load(archive);
    torch::serialize::InputArchive optimizer_archive;
    archive.read("optimizer", optimizer_archive);
    optimizer.load(optimizer_archive);
  } catch (const c10::Error& e) {
    throw DataError(who + ": the saved state does not match this model (" + std::string(e.what_without_backtrace()) +
                    "); start the run in a new directory");
  }
  auto params = module.parameters();
  for (int i : in.get_ints()) {
    if (i < 0 || static_cast<std::size_t>(i) >= params.size())
      throw DataError(who + ": the saved state does not match this model; start the run in a new directory");
    params[static_cast<std::size_t>(i)].mutable_grad() = torch::zeros_like(params[static_cast<std::size_t>(i)]);
  }
}

double cosine_lr(double lr_max, double lr_min, int epoch, int epochs) {
  const double t = static_cast<double>(epoch + 1) / epochs;
  return lr_min + 0.5 * (lr_max - lr_min) * (1.0 + std::cos(M_PI * t));
}

at::Generator make_generator(std::uint64_t seed) { return at::detail::createCPUGenerator(seed); }

at::Tensor drop_path(const at::Tensor& x, double keep, at::Generator& generator) {
  if (keep >= 1.0) return x;
  std::vector<std::int64_t> shape(static_cast<std::size_t>(x.dim()), 1);
  shape[0] = x.size(0);
  at::Tensor mask = torch::empty(shape, torch::kFloat).bernoulli_(keep, generator).div_(keep);
  return x * mask.to(x.device(), x.scalar_type());
}

at::Tensor dropout(const at::Tensor& x, double p, bool training, at::Generator& generator) {
  if (!training || p <= 0) return x;
  at::Tensor mask = torch::empty(x.sizes(), torch::kFloat).bernoulli_(1.0 - p, generator).div_(1.0 - p);
  return x * mask.to(x.device(), x.scalar_type());
}

at::Tensor classifier_head(const at::Tensor& features, const at::Tensor& weight, const at::Tensor& bias, double p,
                           bool drop, at::Generator& generator) {
  at::Tensor pooled = dropout(torch::adaptive_avg_pool2d(features, {1, 1}).flatten(1), p, drop, generator);
  count_linear(weight);
  at::Tensor logits = torch::linear(pooled, weight, bias);
  trace_stage("classifier", logits);
  return logits;
}

Trace trace(Network& network, const std::vector<std::int64_t>& shape) {
  Trace out;
  std::vector<std::int64_t> batch_shape{1};
  batch_shape.insert(batch_shape.end(), shape.begin(), shape.end());
  const bool was_training = network.is_training();
  network.eval();
  torch::NoGradGuard no_grad;
  active = &out;
  try {
    network.forward(torch::zeros(batch_shape));
  } catch (...) {
    active = nullptr;
    network.train(was_training);
    throw;
  }
  active = nullptr;
  network.train(was_training);
  return out;
}

void trace_stage(const std::string& name, const at::Tensor& output) {
  if (active == nullptr) return;
  const auto sizes = output.sizes();
  active->stages.emplace_back(name, std::vector<std::int64_t>(sizes.begin() + 1, sizes.end()));
}

void count_conv(const at::Tensor& weight, const at::Tensor& output) {
  if (active == nullptr) return;
  const double per_output = static_cast<double>(weight.numel() / weight.size(0));
  active->multiply_adds += per_output * static_cast<double>(output.numel() / output.size(0));
}

void count_linear(const at::Tensor& weight) {
  if (active != nullptr) active->multiply_adds += static_cast<double>(weight.numel());
}

std::int64_t parameter_count(const torch::nn::Module& module, const std::string& without) {
  std::int64_t total = 0;
  for (const auto& item : module.named_parameters()) {
    if (!without.empty() && item.key().rfind(without, 0) == 0) continue;
    if (item.value().requires_grad()) total += item.value().numel();
  }
  return total;
}

}  // namespace automl::nn
