#pragma once
// Mixed-precision training for the evaluators that train (full training,
// weight sharing, the language models): `precision = "fp32" | "bf16" |
// "fp16"`. The forward pass and the loss run under LibTorch's autocast (its
// op lists decide which ops run in the low precision: convolutions and
// matrix products do, reductions and the loss stay fp32); the weights, their
// gradients and the optimizer stay fp32 ("master weights"). fp16's narrow
// range needs loss scaling (LossScaler): LibTorch's C++ API has no
// GradScaler. Brings LibTorch.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>


namespace torch::optim {
class Optimizer;
}

namespace automl::nn {

enum class Precision { fp32, bf16, fp16 };

/// "fp32", "bf16", "fp16" (the schema's one_of has checked it).
Precision parse_precision(const std::string& text);
const char* precision_name(Precision precision);

/// Throws ConfigError (key "precision") when `precision` cannot train on
/// `device`: fp16 autocast is CUDA's only.
void check_precision(Precision precision, const c10::Device& device);

/// Whether autocast is on for the CPU or for CUDA on this thread.
bool autocast_active();

/// This thread's autocast switches and dtypes, CPU and CUDA: what a
/// computation repeated later (recompute's backward pass) must run under.
struct AutocastState {
  bool cpu = false, cuda = false;
  c10::ScalarType cpu_dtype = c10::ScalarType::BFloat16, cuda_dtype = c10::ScalarType::Half;
  static AutocastState current();
};

/// `state` on this thread while alive; the state before is restored after
/// (and the cast-weight cache cleared where the state had autocast on).
class AutocastScope {
 public:
  explicit AutocastScope(const AutocastState& state);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  AutocastState before_;
  bool nested_ = false;
};

/// Autocast for `device` in `precision` on this thread while alive (nothing
/// for fp32); the state before is restored after. Wrap the forward pass and
/// the loss, not backward().
class Autocast {
 public:
  Autocast(Precision precision, const c10::Device& device);

 private:
  std::optional<AutocastScope> scope_;  // empty for fp32
};

/// Dynamic loss scaling, GradScaler's algorithm: the loss is multiplied by
/// the scale before backward(); unscale() divides the gradients by it and
/// says whether they are all finite. A step with an overflow is skipped and
/// the scale halved; after `growth_interval` finite steps in a row it
/// doubles. Disabled (scale 1, nothing checked) for fp32 and bf16.
class LossScaler {
 public:
  struct Options {
    double init_scale = 65536.0;
    double growth_factor = 2.0;
    double backoff_factor = 0.5;
    int growth_interval = 2000;
  };
  explicit LossScaler(bool enabled) : LossScaler(enabled, Options{}) {}
  LossScaler(bool enabled, Options options);

  bool enabled() const { return enabled_; }
  /// `loss` times the scale (the loss itself when disabled).
  at::Tensor scale(const at::Tensor& loss) const;
  /// Unscales the gradients of `params` in place (before any clipping) and
  /// updates the scale. True: take the optimizer step; false: an inf/NaN
  /// gradient, skip it (the gradients are then garbage: zero them).
  bool unscale(const std::vector<at::Tensor>& params);

  double scale_value() const { return scale_; }
  std::int64_t skipped_steps() const { return skipped_; }
  /// (scale, finite steps in a row, skipped steps): what a checkpoint keeps.
  std::vector<double> state() const;
  void set_state(const std::vector<double>& state);

 private:
  bool enabled_;
  Options options_;
  double scale_;
  std::int64_t growth_tracker_ = 0;
  std::int64_t skipped_ = 0;
};

/// backward() of `loss` scaled by `scaler`, then, when the gradients are
/// finite, clipping of their global norm to `grad_clip` (0: none) and the
/// optimizer's step. False: an fp16 overflow, the step was skipped.
bool backward_and_step(const at::Tensor& loss, torch::optim::Optimizer& optimizer, double grad_clip,
                       LossScaler& scaler);

}  // namespace automl::nn
