// Depthwise convolution with its own weight gradient for k >= 5
// (automl/nn/depthwise_conv.hpp).

#include "automl/nn/depthwise_conv.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

#include <ATen/Parallel.h>
#include <ATen/record_function.h>
#include <torch/torch.h>

#include "automl/nn/precision.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#define AUTOML_DW_KERNELS 1
#endif

namespace automl::nn {

namespace {

using at::Tensor;

// What torch::conv2d calls (and what autocast intercepts).
at::Tensor conv(const Tensor& x, const Tensor& w, std::int64_t stride, std::int64_t padding) {
  return at::conv2d(x, w, {}, {stride, stride}, {padding, padding}, {1, 1}, x.size(1));
}

bool avx2_fma() {
#ifdef AUTOML_DW_KERNELS
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
#else
  return false;
#endif
}

// The geometry of one depthwise convolution, channels-last.
struct Shape {
  std::int64_t c, h, w, oh, ow, stride, pad;
};

#ifdef AUTOML_DW_KERNELS
#pragma GCC push_options
#pragma GCC target("avx2,fma")

// The taps of one output row, for P chunks of 8 channels from d (the last
// one possibly masked): part[tap * lanes + ch] += the sum over the row's
// pixels of x * dy, in pixel order, each tap in a register.
template <int K, int P>
void row_taps(const float* xrow, const float* grow, float* out, std::int64_t d, const Shape& s, std::int64_t lanes,
              __m256i mask, bool tail) {
  const auto load = [&](const float* p, int j) {
    return tail && j == P - 1 ? _mm256_maskload_ps(p, mask) : _mm256_loadu_ps(p);
  };
  __m256 acc[P][K];
#pragma GCC unroll 8
  for (int j = 0; j < P; ++j)
#pragma GCC unroll 8
    for (int kx = 0; kx < K; ++kx) acc[j][kx] = _mm256_load_ps(out + kx * lanes + 8 * j);
  const auto pixel = [&](std::int64_t ow, bool border) __attribute__((always_inline)) {
    const std::int64_t base = ow * s.stride - s.pad;
#pragma GCC unroll 8
    for (int j = 0; j < P; ++j) {
      const __m256 g = load(grow + ow * s.c + d + 8 * j, j);
      const float* xp = xrow + base * s.c + d + 8 * j;
#pragma GCC unroll 8
      for (int kx = 0; kx < K; ++kx)
        if (!border || (base + kx >= 0 && base + kx < s.w))
          acc[j][kx] = _mm256_fmadd_ps(load(xp + kx * s.c, j), g, acc[j][kx]);
    }
  };
  // The pixels whose K taps all fall inside the row: [lo, hi).
  const std::int64_t lo = std::min(s.ow, (s.pad + s.stride - 1) / s.stride);
  const std::int64_t room = s.w - K + s.pad;
  const std::int64_t hi = room < 0 ? lo : std::max(lo, std::min(s.ow, room / s.stride + 1));
  for (std::int64_t ow = 0; ow < lo; ++ow) pixel(ow, true);
  for (std::int64_t ow = lo; ow < hi; ++ow) pixel(ow, false);
  for (std::int64_t ow = hi; ow < s.ow; ++ow) pixel(ow, true);
#pragma GCC unroll 8
  for (int j = 0; j < P; ++j)
#pragma GCC unroll 8
    for (int kx = 0; kx < K; ++kx) _mm256_store_ps(out + kx * lanes + 8 * j, acc[j][kx]);
}

// One image's weight gradient into part[tap * lanes + ch]: output rows in
// order, and for each the kernel rows it reaches; channels two chunks of 8
// at a time where the registers allow (independent sums, more of them in
// flight), the last C mod 8 masked.
template <int K>
void image_weight_grad(const float* x, const float* dy, float* part, const Shape& s, std::int64_t lanes) {
  const std::int64_t full = s.c - s.c % 8;
  alignas(32) std::int32_t bits[8];
  for (int i = 0; i < 8; ++i) bits[i] = i < s.c % 8 ? -1 : 0;
  const __m256i mask = _mm256_load_si256(reinterpret_cast<const __m256i*>(bits));
  constexpr bool pairs = 2 * K <= 10;
  for (std::int64_t oh = 0; oh < s.oh; ++oh)
    for (int ky = 0; ky < K; ++ky) {
      const std::int64_t ih = oh * s.stride + ky - s.pad;
      if (ih < 0 || ih >= s.h) continue;
      const float* xrow = x + ih * s.w * s.c;
      const float* grow = dy + oh * s.ow * s.c;
      float* out = part + ky * K * lanes;
      std::int64_t d = 0;
      if (pairs)
        for (; d + 16 <= s.c || (d + 8 < s.c && d + 8 == full); d += 16)
          row_taps<K, 2>(xrow, grow, out + d, d, s, lanes, mask, d + 16 > s.c);
      for (; d < s.c; d += 8) row_taps<K, 1>(xrow, grow, out + d, d, s, lanes, mask, d == full);
    }
}

#pragma GCC pop_options

template <int K>
Tensor weight_grad(const Tensor& dy_in, const Tensor& x, const Tensor& w, const Shape& s) {
  RECORD_USER_SCOPE("automl::nn::depthwise_weight_grad");  // for profiles (bench/profile.hpp)
  const Tensor dy = dy_in.contiguous(at::MemoryFormat::ChannelsLast);
  const std::int64_t n = x.size(0), lanes = (s.c + 7) / 8 * 8, taps = K * K;
  // One float partial per image, summed below in image order, so the result
  // is the same for every thread count (LibTorch's allocator aligns to 64 bytes).
  const Tensor partials = at::zeros({n * taps * lanes}, x.options().memory_format(at::MemoryFormat::Contiguous));
  float* parts = partials.data_ptr<float>();
  const float* xp = x.data_ptr<float>();
  const float* gp = dy.data_ptr<float>();
  at::parallel_for(0, n, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i)
      image_weight_grad<K>(xp + i * s.h * s.w * s.c, gp + i * s.oh * s.ow * s.c, parts + i * taps * lanes, s, lanes);
  });
  Tensor dw = at::empty_like(w);
  float* out = dw.data_ptr<float>();
  const auto st = dw.strides();
  for (std::int64_t ch = 0; ch < s.c; ++ch)
    for (std::int64_t t = 0; t < taps; ++t) {
      double sum = 0.0;
      for (std::int64_t i = 0; i < n; ++i) sum += parts[(i * taps + t) * lanes + ch];
      out[ch * st[0] + (t / K) * st[2] + (t % K) * st[3]] = static_cast<float>(sum);
    }
  return dw;
}
#endif  // AUTOML_DW_KERNELS

Shape shape_of(const Tensor& x, const Tensor& w, std::int64_t stride, std::int64_t padding) {
  const std::int64_t k = w.size(2);
  return {x.size(1), x.size(2), x.size(3), (x.size(2) + 2 * padding - k) / stride + 1,
          (x.size(3) + 2 * padding - k) / stride + 1, stride, padding};
}

class DepthwiseFunction : public torch::autograd::Function<DepthwiseFunction> {
 public:
  static Tensor forward(torch::autograd::AutogradContext* ctx, const Tensor& x, const Tensor& w, std::int64_t stride,
                        std::int64_t padding) {
    ctx->save_for_backward({x, w});
    ctx->saved_data["stride"] = stride;
    ctx->saved_data["padding"] = padding;
    return conv(x, w, stride, padding);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const Tensor &x = saved[0], &w = saved[1], &dy = grads[0];
    const std::int64_t stride = ctx->saved_data["stride"].toInt(), padding = ctx->saved_data["padding"].toInt();
    Tensor dx, dw;
    if (ctx->needs_input_grad(0))
      dx = std::get<0>(at::convolution_backward(dy, x, w, c10::nullopt, {stride, stride}, {padding, padding}, {1, 1},
                                                false, {0, 0}, x.size(1), {true, false, false}));
    if (ctx->needs_input_grad(1))
      dw = dy.scalar_type() == at::kFloat
               ? depthwise_weight_grad(dy, x, w, stride, padding)
               : std::get<1>(at::convolution_backward(dy, x, w, c10::nullopt, {stride, stride}, {padding, padding},
                                                      {1, 1}, false, {0, 0}, x.size(1), {false, true, false}));
    return {dx, dw, Tensor(), Tensor()};
  }
};

}  // namespace

bool own_depthwise_weight_grad(const Tensor& x, const Tensor& w) {
  const auto cpu_float = [](const Tensor& t) {
    return t.defined() && t.dim() == 4 && t.scalar_type() == at::kFloat && t.device().is_cpu();
  };
  return cpu_float(x) && cpu_float(w) && x.is_contiguous(at::MemoryFormat::ChannelsLast) && x.numel() > 0 &&
         w.size(0) == x.size(1) && w.size(1) == 1 && w.size(2) == w.size(3) && w.size(2) >= 5 && w.size(2) <= 7 &&
         w.size(2) % 2 == 1 && avx2_fma();
}

Tensor depthwise_weight_grad(const Tensor& dy, const Tensor& x, const Tensor& w, std::int64_t stride,
                             std::int64_t padding) {
  TORCH_CHECK(own_depthwise_weight_grad(x, w), "depthwise_weight_grad: no kernel for these tensors");
  const Shape s = shape_of(x, w, stride, padding);
  TORCH_CHECK(dy.dim() == 4 && dy.size(0) == x.size(0) && dy.size(1) == s.c && dy.size(2) == s.oh &&
                  dy.size(3) == s.ow && dy.scalar_type() == at::kFloat,
              "depthwise_weight_grad: a gradient of shape ", dy.sizes(), " for an output of ", s.oh, " x ", s.ow);
#ifdef AUTOML_DW_KERNELS
  return w.size(2) == 5 ? weight_grad<5>(dy, x, w, s) : weight_grad<7>(dy, x, w, s);
#else
  return {};
#endif
}

Tensor depthwise_conv2d(const Tensor& x, const Tensor& w, std::int64_t stride, std::int64_t padding) {
  // Under autocast the convolution runs in bf16/fp16, as torch::conv2d's.
  const bool grad = torch::GradMode::is_enabled() && w.requires_grad() && !autocast_active();
  if (grad && own_depthwise_weight_grad(x, w)) return DepthwiseFunction::apply(x, w, stride, padding);
  return conv(x, w, stride, padding);
}

}  // namespace automl::nn
