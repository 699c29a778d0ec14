// Channels-last batch norm with masked loads for the last C mod 8 channels
// (automl/nn/batch_norm.hpp). Every expression mirrors one in LibTorch 1.13's
// native batch norm (Normalization.cpp and cpu/batch_norm_kernel.cpp), with
// the fused multiply-adds its AVX2 and AVX-512 builds compile them to: this
// file is compiled with -ffp-contract=off, so each fusion here is written out
// and nothing else is fused.

#include "automl/nn/batch_norm.hpp"
#include "automl/nn/recompute.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <ATen/record_function.h>
#include <torch/torch.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define AUTOML_X86_KERNELS 1
#endif

namespace automl::nn {

namespace {

using at::Tensor;

#ifdef AUTOML_X86_KERNELS
// LibTorch runs its AVX2 or AVX-512 kernels ("CPU capability usage" in its
// configuration), the ones whose arithmetic the kernels below repeat.
bool vector_kernels() {
  static const bool yes = [] {
    const std::string config = at::show_config();
    const auto at = config.find("CPU capability usage: ");
    if (at == std::string::npos) return false;
    const std::string capability = config.substr(at + 22, 6);
    return (capability.rfind("AVX2", 0) == 0 || capability.rfind("AVX512", 0) == 0) &&
           __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }();
  return yes;
}

#else
bool vector_kernels() { return false; }  // the kernels below are x86-64 only
#endif

bool float_param(const Tensor& t) {
  return t.defined() && t.dim() == 1 && t.scalar_type() == at::kFloat && t.device().is_cpu() && t.is_contiguous();
}

#ifdef AUTOML_X86_KERNELS
// The statistics of one training forward pass.
struct Stats {
  std::vector<float> mean, var_sum;
};

#pragma GCC push_options
#pragma GCC target("avx2,fma")

// The 8-lane chunks of a row of c floats: full ones, then a masked tail.
struct Chunks {
  explicit Chunks(std::int64_t c) : full(c - c % 8), tail(c % 8) {
    alignas(32) std::int32_t bits[8];
    for (int i = 0; i < 8; ++i) bits[i] = i < tail ? -1 : 0;
    mask = _mm256_load_si256(reinterpret_cast<const __m256i*>(bits));
  }
  __m256 load(const float* p) const { return _mm256_maskload_ps(p, mask); }
  void store(float* p, __m256 v) const { _mm256_maskstore_ps(p, mask, v); }
  // 8 lanes at p, or the masked tail.
  __m256 lanes(const float* p, bool at_tail) const { return at_tail ? load(p) : _mm256_loadu_ps(p); }
  void put(float* p, __m256 v, bool at_tail) const { at_tail ? store(p, v) : _mm256_storeu_ps(p, v); }
  std::int64_t full, tail;
  __m256i mask;
};

// Per-channel sums of `rows` rows of c floats, K of them at once, in row
// order: one partial sum per thread of at::parallel_for as LibTorch splits
// the rows, then added up in double. `step(acc, at, d, tail)` adds the row
// element at offset `at` (channels d to d + 7, or the masked tail) to the K
// accumulators `acc`.
template <int K, class Step>
std::array<std::vector<double>, K> channel_sums(std::int64_t rows, std::int64_t c, const Step& step) {
  const int threads = at::get_num_threads();
  std::vector<float> partial(static_cast<std::size_t>(K * threads * c), 0.0f);
  const Chunks chunks(c);
  at::parallel_for(0, rows, 1, [&](std::int64_t begin, std::int64_t end) {
    float* part = partial.data() + K * at::get_thread_num() * c;
    __m256 acc[K];
    for (std::int64_t i = begin; i < end; ++i) {
      std::int64_t d = 0;
      for (; d < chunks.full; d += 8) {
        for (int j = 0; j < K; ++j) acc[j] = _mm256_loadu_ps(part + j * c + d);
        step(acc, i * c + d, d, false);
        for (int j = 0; j < K; ++j) _mm256_storeu_ps(part + j * c + d, acc[j]);
      }
      if (chunks.tail > 0) {
        for (int j = 0; j < K; ++j) acc[j] = chunks.load(part + j * c + d);
        step(acc, i * c + d, d, true);
        for (int j = 0; j < K; ++j) chunks.store(part + j * c + d, acc[j]);
      }
    }
  });
  std::array<std::vector<double>, K> sums;
  for (int j = 0; j < K; ++j) {
    sums[j].assign(static_cast<std::size_t>(c), 0.0);
    for (std::int64_t ch = 0; ch < c; ++ch)
      for (int t = 0; t < threads; ++t) sums[j][ch] += partial[(K * t + j) * c + ch];
  }
  return sums;
}

// c rounded up to whole 8-lane chunks.
std::size_t width(std::int64_t c) { return static_cast<std::size_t>((c + 7) / 8 * 8); }

// A per-channel vector padded with zeros to whole 8-lane chunks.
std::vector<float> padded(const float* v, std::int64_t c) {
  std::vector<float> p(width(c), 0.0f);
  std::copy(v, v + c, p.begin());
  return p;
}

Stats collect_stats(const float* x, std::int64_t rows, std::int64_t c) {
  const Chunks chunks(c);
  Stats s;
  const auto sums = channel_sums<1>(rows, c, [&](__m256* acc, std::int64_t at, std::int64_t, bool tail) {
    acc[0] = _mm256_add_ps(chunks.lanes(x + at, tail), acc[0]);
  });
  s.mean.resize(c);
  for (std::int64_t ch = 0; ch < c; ++ch) s.mean[ch] = static_cast<float>(sums[0][ch] / static_cast<double>(rows));
  const std::vector<float> mean = padded(s.mean.data(), c);
  const auto var = channel_sums<1>(rows, c, [&](__m256* acc, std::int64_t at, std::int64_t d, bool tail) {
    const __m256 diff = _mm256_sub_ps(chunks.lanes(x + at, tail), _mm256_loadu_ps(mean.data() + d));
    acc[0] = _mm256_fmadd_ps(diff, diff, acc[0]);
  });
  s.var_sum.resize(c);
  for (std::int64_t ch = 0; ch < c; ++ch) s.var_sum[ch] = static_cast<float>(var[0][ch]);
  return s;
}

// y = x * alpha + beta per channel, alpha = invstd * w, beta = b - mean * alpha;
// with `relu`, then max(0, y) as LibTorch's clamp_min computes it (NaN stays NaN).
void transform(const float* x, float* y, std::int64_t rows, std::int64_t c, const float* mean, const float* invstd,
               const float* w, const float* b, bool relu) {
  std::vector<float> alpha(width(c), 0.0f), beta(width(c), 0.0f);
  for (std::int64_t ch = 0; ch < c; ++ch) {
    alpha[ch] = invstd[ch] * w[ch];
    beta[ch] = std::fma(-mean[ch], alpha[ch], b[ch]);
  }
  const Chunks chunks(c);
  at::parallel_for(0, rows, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) {
      const float* in = x + i * c;
      float* out = y + i * c;
      for (std::int64_t d = 0; d < chunks.full + chunks.tail; d += 8) {
        const bool tail = d == chunks.full;
        const __m256 v = _mm256_fmadd_ps(chunks.lanes(in + d, tail), _mm256_loadu_ps(alpha.data() + d),
                                         _mm256_loadu_ps(beta.data() + d));
        chunks.put(out + d, relu ? _mm256_max_ps(_mm256_setzero_ps(), v) : v, tail);
      }
    }
  });
}

// The training backward pass: grad_input, grad_weight, grad_bias. Where
// `relu_out` is given (a ReLU followed), dy is first what ReLU's backward
// makes of it, LibTorch's threshold_backward: 0 where relu_out <= 0.
void backward_kernel(const float* dy_in, const float* relu_out, const float* x, const float* mean,
                     const float* invstd, const float* w, float* dx, float* dw, float* db, std::int64_t rows,
                     std::int64_t c) {
  const Chunks chunks(c);
  const auto grad = [&](std::int64_t at, bool tail) {
    const __m256 g = chunks.lanes(dy_in + at, tail);
    if (relu_out == nullptr) return g;
    const __m256 y = chunks.lanes(relu_out + at, tail);
    return _mm256_blendv_ps(g, _mm256_setzero_ps(), _mm256_cmp_ps(y, _mm256_setzero_ps(), _CMP_LE_OQ));
  };
  const std::vector<float> mean_in = padded(mean, c);
  // One pass, as LibTorch's: the sum of dy, and the dot product of x - mean with dy.
  const auto sums = channel_sums<2>(rows, c, [&](__m256* acc, std::int64_t at, std::int64_t d, bool tail) {
    const __m256 g = grad(at, tail);
    acc[0] = _mm256_add_ps(acc[0], g);
    acc[1] = _mm256_fmadd_ps(_mm256_sub_ps(chunks.lanes(x + at, tail), _mm256_loadu_ps(mean_in.data() + d)), g,
                             acc[1]);
  });
  const std::vector<double>&sum = sums[0], &dot = sums[1];
  // Per channel, as 8-lane arithmetic: k = dotp * invstd * invstd / N and
  // grad_mean = sum / N, then per element dx = (dy - grad_mean - (x - mean) * k) * invstd * w.
  const std::size_t lanes = width(c);
  std::vector<float> sumf(lanes, 0.0f), dotf(lanes, 0.0f), k(lanes), grad_mean(lanes);
  const std::vector<float> scale_in = padded(invstd, c), w_in = padded(w, c);
  for (std::int64_t ch = 0; ch < c; ++ch) {
    sumf[ch] = static_cast<float>(sum[ch]);
    dotf[ch] = static_cast<float>(dot[ch]);
  }
  const __m256 n = _mm256_set1_ps(static_cast<float>(rows));
  for (std::size_t d = 0; d < lanes; d += 8) {
    const __m256 s = _mm256_loadu_ps(scale_in.data() + d);
    const __m256 dot_s = _mm256_mul_ps(_mm256_loadu_ps(dotf.data() + d), s);
    _mm256_storeu_ps(k.data() + d, _mm256_div_ps(_mm256_mul_ps(dot_s, s), n));
    _mm256_storeu_ps(grad_mean.data() + d, _mm256_div_ps(_mm256_loadu_ps(sumf.data() + d), n));
  }
  at::parallel_for(0, rows, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i)
      for (std::int64_t d = 0; d < chunks.full + chunks.tail; d += 8) {
        const bool tail = d == chunks.full;
        const std::int64_t at = i * c + d;
        const __m256 centered = _mm256_sub_ps(chunks.lanes(x + at, tail), _mm256_loadu_ps(mean_in.data() + d));
        const __m256 shifted = _mm256_sub_ps(grad(at, tail), _mm256_loadu_ps(grad_mean.data() + d));
        const __m256 g = _mm256_fnmadd_ps(centered, _mm256_loadu_ps(k.data() + d), shifted);
        const __m256 r = _mm256_mul_ps(_mm256_mul_ps(g, _mm256_loadu_ps(scale_in.data() + d)),
                                       _mm256_loadu_ps(w_in.data() + d));
        chunks.put(dx + at, r, tail);
      }
  });
  for (std::int64_t ch = 0; ch < c; ++ch) {
    dw[ch] = dotf[ch] * invstd[ch];
    db[ch] = sumf[ch];
  }
}

#pragma GCC pop_options

// The training forward pass: y, and the saved mean and inverse standard
// deviation; the running statistics updated as Normalization.cpp does.
Tensor forward_train(const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& running_mean,
                     const Tensor& running_var, double momentum, double eps, bool relu, Tensor& save_mean,
                     Tensor& save_invstd) {
  RECORD_USER_SCOPE("automl::nn::batch_norm");  // for profiles (bench/profile.hpp)
  const std::int64_t c = x.size(1), n = x.numel() / c;
  const Stats s = collect_stats(x.data_ptr<float>(), n, c);
  save_mean = at::empty({c}, x.options());
  save_invstd = at::empty({c}, x.options());
  float* sm = save_mean.data_ptr<float>();
  float* si = save_invstd.data_ptr<float>();
  float* rm = running_mean.defined() ? running_mean.data_ptr<float>() : nullptr;
  float* rv = running_var.defined() ? running_var.data_ptr<float>() : nullptr;
  const auto momentum_ = static_cast<float>(momentum);
  for (std::int64_t f = 0; f < c; ++f) {
    sm[f] = s.mean[f];
    const double var = s.var_sum[f] / static_cast<float>(n);  // a float division, as LibTorch's
    si[f] = var != 0.0 || eps != 0.0 ? static_cast<float>(1.0 / std::sqrt(var + eps)) : 0.0f;
    if (rm != nullptr) rm[f] = momentum_ * s.mean[f] + (1 - momentum_) * rm[f];
    if (rv != nullptr) {
      const double unbiased = s.var_sum[f] / static_cast<float>(n - 1);
      rv[f] = static_cast<float>(momentum_ * unbiased + (1 - momentum_) * rv[f]);
    }
  }
  Tensor y = at::empty_like(x, at::MemoryFormat::ChannelsLast);
  transform(x.data_ptr<float>(), y.data_ptr<float>(), n, c, sm, si, w.data_ptr<float>(), b.data_ptr<float>(), relu);
  return y;
}

Tensor forward_eval(const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& running_mean,
                    const Tensor& running_var, double eps, bool relu) {
  RECORD_USER_SCOPE("automl::nn::batch_norm");
  const std::int64_t c = x.size(1), n = x.numel() / c;
  std::vector<float> invstd(c);
  const float* rv = running_var.data_ptr<float>();
  for (std::int64_t f = 0; f < c; ++f) invstd[f] = 1 / std::sqrt(rv[f] + static_cast<float>(eps));
  Tensor y = at::empty_like(x, at::MemoryFormat::ChannelsLast);
  transform(x.data_ptr<float>(), y.data_ptr<float>(), n, c, running_mean.data_ptr<float>(), invstd.data(),
            w.data_ptr<float>(), b.data_ptr<float>(), relu);
  return y;
}

// The running statistics, which the forward pass updates and autograd does
// not see (possibly undefined, which a Function's tensor arguments cannot be).
struct Running {
  Tensor mean, var;
};

class TrainFunction : public torch::autograd::Function<TrainFunction> {
 public:
  static Tensor forward(torch::autograd::AutogradContext* ctx, const Tensor& x, const Tensor& w, const Tensor& b,
                        const Running& running, double momentum, double eps, bool relu) {
    Tensor save_mean, save_invstd;
    Tensor y = forward_train(x, w, b, running.mean, running.var, momentum, eps, relu, save_mean, save_invstd);
    if (relu)  // ReLU's backward needs its output
      ctx->save_for_backward({x, w, save_mean, save_invstd, y});
    else
      ctx->save_for_backward({x, w, save_mean, save_invstd});
    ctx->saved_data["eps"] = eps;
    return y;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const Tensor &x = saved[0], &w = saved[1], &save_mean = saved[2], &save_invstd = saved[3];
    const bool relu = saved.size() == 5;
    const auto channels_last = [](const Tensor& t) {
      return t.scalar_type() == at::kFloat && t.is_contiguous(at::MemoryFormat::ChannelsLast) && !t.is_contiguous();
    };
    Tensor dy = grads[0];
    Tensor dx, dw, db;
    if (!dy.defined()) return {dx, dw, db, Tensor(), Tensor(), Tensor(), Tensor()};
    // A float gradient in another layout (a slice of cat's gradient, say) is
    // copied to channels-last first: LibTorch's backward would take its
    // element-wise generic path for it, 10-20 times slower than the kernel.
    if (dy.scalar_type() == at::kFloat && dy.dim() == 4 && !channels_last(dy))
      dy = dy.contiguous(at::MemoryFormat::ChannelsLast);
    // ReLU's backward folded into the kernel's passes over dy; in another
    // layout, the two as the unfused operations would run them.
    const bool fold = relu && channels_last(dy);
    if (relu && !fold) dy = at::threshold_backward(dy, saved[4], 0);
    if (channels_last(dy)) {
      const std::int64_t c = x.size(1);
      dx = at::empty_like(x, at::MemoryFormat::ChannelsLast);
      dw = at::empty({c}, w.options());
      db = at::empty({c}, w.options());
      backward_kernel(dy.data_ptr<float>(), fold ? saved[4].data_ptr<float>() : nullptr, x.data_ptr<float>(),
                      save_mean.data_ptr<float>(), save_invstd.data_ptr<float>(), w.data_ptr<float>(),
                      dx.data_ptr<float>(), dw.data_ptr<float>(), db.data_ptr<float>(), x.numel() / c, c);
    } else {  // another layout of gradient: LibTorch's own backward, from the same saved statistics
      std::tie(dx, dw, db) = at::native_batch_norm_backward(dy, x, w, {}, {}, save_mean, save_invstd, true,
                                                            ctx->saved_data["eps"].toDouble(), {true, true, true});
    }
    return {dx, dw, db, Tensor(), Tensor(), Tensor(), Tensor()};
  }
};

#endif  // AUTOML_X86_KERNELS

// A tensor the kernels above take, whatever its channel count.
bool kernel_layout(const Tensor& x) {
  return x.defined() && x.dim() == 4 && x.scalar_type() == at::kFloat && x.device().is_cpu() && x.numel() > 0 &&
         x.is_contiguous(at::MemoryFormat::ChannelsLast) && !x.is_contiguous() && vector_kernels();
}

}  // namespace

bool own_batch_norm_kernel(const Tensor& x) { return kernel_layout(x) && x.size(1) % 8 != 0; }

namespace {

// batch_norm, followed by a ReLU where `relu`.
Tensor normalize(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean_in,
                 const Tensor& running_var_in, bool training, double momentum, double eps, bool relu) {
  // A recomputation's forward pass (recompute.hpp) repeats one whose update
  // of the running statistics has been made: it normalizes with the batch's.
  const bool repeat = training && recomputing();
  const Tensor running_mean = repeat ? Tensor() : running_mean_in, running_var = repeat ? Tensor() : running_var_in;
  const bool running = float_param(running_mean) && float_param(running_var);
  // Training with autograd takes the own kernel at every channel count: its
  // backward takes a gradient in any layout at the kernel's speed (see
  // TrainFunction), and with a ReLU to fold in it saves a pass each way.
  // Otherwise LibTorch's is as fast where it has no tail of channels.
  const bool grad = torch::GradMode::is_enabled() &&
                    (x.requires_grad() || weight.requires_grad() || bias.requires_grad());
  const bool own = (relu || (training && grad) ? kernel_layout(x) : own_batch_norm_kernel(x)) && float_param(weight) &&
                   float_param(bias) &&
                   (running || (training && !running_mean.defined() && !running_var.defined())) &&
                   weight.size(0) == x.size(1) && x.numel() / x.size(1) > 1;
#ifdef AUTOML_X86_KERNELS
  if (own && training && grad)
    return TrainFunction::apply(x, weight, bias, Running{running_mean, running_var}, momentum, eps, relu);
  if (own && !grad) {
    if (!training) return forward_eval(x, weight, bias, running_mean, running_var, eps, relu);
    Tensor save_mean, save_invstd;
    return forward_train(x, weight, bias, running_mean, running_var, momentum, eps, relu, save_mean, save_invstd);
  }
#else
  (void)own, (void)grad;
#endif
  const Tensor y = torch::batch_norm(x, weight, bias, running_mean, running_var, training, momentum, eps, false);
  return relu ? torch::relu(y) : y;
}

Tensor normalize(torch::nn::BatchNorm2dImpl& bn, const Tensor& x, bool relu) {
  const auto& o = bn.options;
  if (x.dim() != 4) return relu ? torch::relu(bn.forward(x)) : bn.forward(x);  // its own error message
  double factor = o.momentum().value_or(0.0);
  if (bn.is_training() && o.track_running_stats() && bn.num_batches_tracked.defined() && !recomputing()) {
    torch::NoGradGuard no_grad;
    bn.num_batches_tracked += 1;
    if (!o.momentum()) factor = 1.0 / bn.num_batches_tracked.item<double>();
  }
  const bool training = bn.is_training() || !o.track_running_stats();
  if (training)
    TORCH_CHECK(x.numel() / x.size(1) != 1, "Expected more than 1 value per channel when training, got input size ",
                x.sizes());
  return normalize(x, bn.weight, bn.bias, bn.running_mean, bn.running_var, training, factor, o.eps(), relu);
}

}  // namespace

Tensor batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                  const Tensor& running_var, bool training, double momentum, double eps) {
  return normalize(x, weight, bias, running_mean, running_var, training, momentum, eps, false);
}

Tensor batch_norm_relu(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                       const Tensor& running_var, bool training, double momentum, double eps) {
  return normalize(x, weight, bias, running_mean, running_var, training, momentum, eps, true);
}

Tensor batch_norm(torch::nn::BatchNorm2dImpl& bn, const Tensor& x) { return normalize(bn, x, false); }

Tensor batch_norm_relu(torch::nn::BatchNorm2dImpl& bn, const Tensor& x) { return normalize(bn, x, true); }

}  // namespace automl::nn
