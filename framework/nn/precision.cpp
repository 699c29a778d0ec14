// Mixed precision: autocast on the forward pass and dynamic loss scaling.

#include "automl/nn/precision.hpp"

#include <cmath>

#include <ATen/ATen.h>
#include <ATen/autocast_mode.h>
#include <torch/types.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/optimizer.h>
#include <torch/version.h>

#include "automl/error.hpp"

// PyTorch 2.4 replaced the per-backend autocast switches by functions taking the device type.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define AUTOML_AUTOCAST_BY_DEVICE_TYPE 1
#endif

namespace automl::nn {

namespace {

bool autocast_enabled(bool cuda) {
#if defined(AUTOML_AUTOCAST_BY_DEVICE_TYPE)
  return at::autocast::is_autocast_enabled(cuda ? at::kCUDA : at::kCPU);
#else
  return cuda ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
#endif
}

c10::ScalarType autocast_dtype(bool cuda) {
#if defined(AUTOML_AUTOCAST_BY_DEVICE_TYPE)
  return at::autocast::get_autocast_dtype(cuda ? at::kCUDA : at::kCPU);
#else
  return cuda ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
#endif
}

void set_autocast(bool cuda, bool enabled, c10::ScalarType dtype) {
#if defined(AUTOML_AUTOCAST_BY_DEVICE_TYPE)
  at::autocast::set_autocast_dtype(cuda ? at::kCUDA : at::kCPU, dtype);
  at::autocast::set_autocast_enabled(cuda ? at::kCUDA : at::kCPU, enabled);
#else
  if (cuda) {
    at::autocast::set_autocast_gpu_dtype(dtype);
    at::autocast::set_enabled(enabled);
  } else {
    at::autocast::set_autocast_cpu_dtype(dtype);
    at::autocast::set_cpu_enabled(enabled);
  }
#endif
}

}  // namespace

bool autocast_active() { return autocast_enabled(false) || autocast_enabled(true); }

AutocastState AutocastState::current() {
  return {autocast_enabled(false), autocast_enabled(true), autocast_dtype(false), autocast_dtype(true)};
}

AutocastScope::AutocastScope(const AutocastState& state) : before_(AutocastState::current()) {
  set_autocast(false, state.cpu, state.cpu_dtype);
  set_autocast(true, state.cuda, state.cuda_dtype);
  nested_ = state.cpu || state.cuda;
  if (nested_) at::autocast::increment_nesting();
}

AutocastScope::~AutocastScope() {
  // As torch.autocast's exit: the cast weights are cached until the
  // outermost autocast region ends.
  if (nested_ && at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  set_autocast(false, before_.cpu, before_.cpu_dtype);
  set_autocast(true, before_.cuda, before_.cuda_dtype);
}

Precision parse_precision(const std::string& text) {
  if (text == "fp32") return Precision::fp32;
  if (text == "bf16") return Precision::bf16;
  if (text == "fp16") return Precision::fp16;
  throw ConfigError::for_key("precision", "precision = \"" + text + "\": expected \"fp32\", \"bf16\" or \"fp16\"");
}

const char* precision_name(Precision p) {
  switch (p) {
    case Precision::bf16: return "bf16";
    case Precision::fp16: return "fp16";
    default: return "fp32";
  }
}

void check_precision(Precision precision, const c10::Device& device) {
  if (precision == Precision::fp16 && !device.is_cuda())
    throw ConfigError::for_key("precision", "precision = \"fp16\" trains with CUDA autocast and loss scaling; on \"" +
                                                device.str() + "\" use \"bf16\" (CPU autocast) or \"fp32\"");
}

Autocast::Autocast(Precision precision, const c10::Device& device) {
  if (precision == Precision::fp32) return;
  AutocastState state = AutocastState::current();
  const c10::ScalarType dtype = precision == Precision::fp16 ? at::kHalf : at::kBFloat16;
  if (device.is_cuda()) state.cuda = true, state.cuda_dtype = dtype;
  else state.cpu = true, state.cpu_dtype = dtype;
  scope_.emplace(state);
}

LossScaler::LossScaler(bool enabled, Options options)
    : enabled_(enabled), options_(options), scale_(enabled ? options.init_scale : 1.0) {}

at::Tensor LossScaler::scale(const at::Tensor& loss) const { return enabled_ ? loss * scale_ : loss; }

bool LossScaler::unscale(const std::vector<at::Tensor>& params) {
  if (!enabled_) return true;
  bool finite = true;
  {
    at::NoGradGuard no_grad;
    const double inverse = 1.0 / scale_;
    at::Tensor all_finite;  // on the gradients' device: one synchronization per step, not one per tensor
    for (const auto& p : params) {
      if (!p.grad().defined()) continue;
      at::Tensor g = p.grad();
      g.mul_(inverse);
      const at::Tensor ok = g.isfinite().all();
      all_finite = all_finite.defined() ? all_finite.logical_and(ok) : ok;
    }
    if (all_finite.defined()) finite = all_finite.item<bool>();
  }
  if (!finite) {
    scale_ *= options_.backoff_factor;
    growth_tracker_ = 0;
    ++skipped_;
    return false;
  }
  if (++growth_tracker_ >= options_.growth_interval) {
    scale_ *= options_.growth_factor;
    growth_tracker_ = 0;
  }
  return true;
}

std::vector<double> LossScaler::state() const {
  return {scale_, static_cast<double>(growth_tracker_), static_cast<double>(skipped_)};
}

void LossScaler::set_state(const std::vector<double>& state) {
  if (state.size() != 3) throw DataError("loss scaler state: expected 3 numbers, found " + std::to_string(state.size()));
  scale_ = state[0];
  growth_tracker_ = static_cast<std::int64_t>(state[1]);
  skipped_ = static_cast<std::int64_t>(state[2]);
}

bool backward_and_step(const at::Tensor& loss, torch::optim::Optimizer& optimizer, double grad_clip,
                       LossScaler& scaler) {
  scaler.scale(loss).backward();
  std::vector<at::Tensor> params;
  for (const auto& group : optimizer.param_groups())
    for (const auto& p : group.params()) params.push_back(p);
  if (!scaler.unscale(params)) return false;
  if (grad_clip > 0) torch::nn::utils::clip_grad_norm_(params, grad_clip);
  optimizer.step();
  return true;
}

}  // namespace automl::nn
