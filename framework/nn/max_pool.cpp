// Channels-last max pooling without int64 indices (automl/nn/max_pool.hpp).
// The scan of a window, its order and its update rule are those of LibTorch
// 1.13's cpu_max_pool_channels_last; the backward pass adds the gradients in
// the order of its cpu_max_pool_backward_channels_last.

#include "automl/nn/max_pool.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include <ATen/Parallel.h>
#include <ATen/record_function.h>
#include <torch/torch.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define AUTOML_POOL_KERNELS 1
#endif

namespace automl::nn {
namespace pooling {
namespace {

using at::Tensor;

struct Geometry {
  std::int64_t n, c, h, w, oh, ow, k, stride, pad;
};

// The window of output pixel (oh, ow), clipped to the image: rows
// [ih0, ih1), columns [iw0, iw1).
struct Window {
  std::int64_t ih0, ih1, iw0, iw1;
};

Window window_of(const Geometry& g, std::int64_t oh, std::int64_t ow) {
  const std::int64_t ih0 = oh * g.stride - g.pad, iw0 = ow * g.stride - g.pad;
  return {std::max<std::int64_t>(ih0, 0), std::min(ih0 + g.k, g.h), std::max<std::int64_t>(iw0, 0),
          std::min(iw0 + g.k, g.w)};
}

#ifdef AUTOML_POOL_KERNELS
#pragma GCC push_options
#pragma GCC target("avx2,fma")

// The 8-lane chunks of a pixel's c channels, the last one masked.
struct Lanes {
  explicit Lanes(std::int64_t c) : full(c - c % 8) {
    alignas(32) std::int32_t bits[8];
    for (int i = 0; i < 8; ++i) bits[i] = i < c % 8 ? -1 : 0;
    mask = _mm256_load_si256(reinterpret_cast<const __m256i*>(bits));
  }
  __m256 load(const float* p, bool tail) const { return tail ? _mm256_maskload_ps(p, mask) : _mm256_loadu_ps(p); }
  void store(float* p, __m256 v, bool tail) const { tail ? _mm256_maskstore_ps(p, mask, v) : _mm256_storeu_ps(p, v); }
  std::int64_t full;
  __m256i mask;
};

// LibTorch's rule: tap v replaces the running maximum m where v > m or v is NaN.
inline __m256 replaces(__m256 v, __m256 m) {
  return _mm256_or_ps(_mm256_cmp_ps(v, m, _CMP_GT_OQ), _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
}

// The maximum of one window for channels d..d+7, and in `tap` the number
// (0, 1, ... in row-major order) of the tap that holds it.
template <bool Track>
__m256 scan(const float* image, const Geometry& g, const Window& win, std::int64_t d, const Lanes& lanes, bool tail,
            __m256* tap) {
  __m256 m = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
  __m256 best = _mm256_setzero_ps();
  float t = 0.0f;
  for (std::int64_t ih = win.ih0; ih < win.ih1; ++ih)
    for (std::int64_t iw = win.iw0; iw < win.iw1; ++iw, t += 1.0f) {
      const __m256 v = lanes.load(image + (ih * g.w + iw) * g.c + d, tail);
      const __m256 take = replaces(v, m);
      m = _mm256_blendv_ps(m, v, take);
      if (Track) best = _mm256_blendv_ps(best, _mm256_set1_ps(t), take);
    }
  if (Track) *tap = best;
  return m;
}

// The 8 tap numbers of `tap` (whole floats below 256) as 8 bytes.
inline std::uint64_t tap_bytes(__m256 tap) {
  const __m256i lanes = _mm256_cvttps_epi32(tap);
  // Byte 0 of each 32-bit lane to the low 4 bytes of its 128-bit half.
  const __m256i low =
      _mm256_shuffle_epi8(lanes, _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 4, 8,
                                                  12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1));
  return static_cast<std::uint32_t>(_mm256_extract_epi32(low, 0)) |
         static_cast<std::uint64_t>(static_cast<std::uint32_t>(_mm256_extract_epi32(low, 4))) << 32;
}

// y, and where `taps` is given, each output element's tap number as a byte
// (what the backward pass needs instead of LibTorch's int64 indices).
template <bool Track>
void forward_kernel(const float* x, float* y, std::uint8_t* taps, const Geometry& g) {
  const Lanes lanes(g.c);
  at::parallel_for(0, g.n * g.oh, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t row = begin; row < end; ++row) {
      const std::int64_t n = row / g.oh, oh = row % g.oh;
      const float* image = x + n * g.h * g.w * g.c;
      for (std::int64_t ow = 0; ow < g.ow; ++ow) {
        const Window win = window_of(g, oh, ow);
        const std::int64_t at = (row * g.ow + ow) * g.c;
        for (std::int64_t d = 0; d < g.c; d += 8) {
          const bool tail = d == lanes.full;
          __m256 tap;
          lanes.store(y + at + d, scan<Track>(image, g, win, d, lanes, tail, &tap), tail);
          if (Track) {
            const std::uint64_t bytes = tap_bytes(tap);
            std::memcpy(taps + at + d, &bytes, tail ? static_cast<std::size_t>(g.c - d) : 8);
          }
        }
      }
    }
  });
}

// dx from dy and the taps: each input element gathers the gradients of the
// output pixels whose chosen tap it is, those pixels in increasing order,
// which is the order in which LibTorch's backward adds them into it. Other
// pixels add +0.0, which leaves every sum as it is (the sum never holds
// -0.0: it starts at +0.0, and +0.0 + -0.0 is +0.0).
void backward_kernel(const std::uint8_t* taps, const float* dy, float* dx, const Geometry& g) {
  const Lanes lanes(g.c);
  // Per output row and column: where its clipped window starts, and its width.
  std::vector<std::int64_t> row0(g.oh), col0(g.ow), width(g.ow);
  for (std::int64_t oh = 0; oh < g.oh; ++oh) row0[oh] = window_of(g, oh, 0).ih0;
  for (std::int64_t ow = 0; ow < g.ow; ++ow) {
    const Window win = window_of(g, 0, ow);
    col0[ow] = win.iw0, width[ow] = win.iw1 - win.iw0;
  }
  at::parallel_for(0, g.n * g.h, 1, [&](std::int64_t begin, std::int64_t end) {
    std::int64_t offset[256];
    int tap[256];
    for (std::int64_t row = begin; row < end; ++row) {
      const std::int64_t n = row / g.h, ih = row % g.h;
      // The output rows whose windows hold row ih:
      // oh * stride - pad <= ih < oh * stride - pad + k.
      const std::int64_t oh0 = std::max<std::int64_t>(0, (ih + g.pad - g.k + g.stride) / g.stride);
      const std::int64_t oh1 = std::min(g.oh, (ih + g.pad) / g.stride + 1);
      for (std::int64_t iw = 0; iw < g.w; ++iw) {
        const std::int64_t ow0 = std::max<std::int64_t>(0, (iw + g.pad - g.k + g.stride) / g.stride);
        const std::int64_t ow1 = std::min(g.ow, (iw + g.pad) / g.stride + 1);
        // The output pixels that hold (ih, iw), in order, and its tap number in each.
        int count = 0;
        for (std::int64_t oh = oh0; oh < oh1; ++oh)
          for (std::int64_t ow = ow0; ow < ow1; ++ow, ++count) {
            offset[count] = ((n * g.oh + oh) * g.ow + ow) * g.c;
            tap[count] = static_cast<int>((ih - row0[oh]) * width[ow] + (iw - col0[ow]));
          }
        float* out = dx + (row * g.w + iw) * g.c;
        for (std::int64_t d = 0; d < g.c; d += 8) {
          const bool tail = d == lanes.full;
          __m256 sum = _mm256_setzero_ps();
          for (int i = 0; i < count; ++i) {
            const __m256i mine = _mm256_cmpeq_epi32(
                _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(taps + offset[i] + d))),
                _mm256_set1_epi32(tap[i]));
            sum = _mm256_add_ps(sum, _mm256_and_ps(lanes.load(dy + offset[i] + d, tail), _mm256_castsi256_ps(mine)));
          }
          lanes.store(out + d, sum, tail);
        }
      }
    }
  });
}

#pragma GCC pop_options

bool avx2() {
  static const bool yes = __builtin_cpu_supports("avx2");
  return yes;
}

// y, and the taps where `taps` is given.
Tensor forward(const Tensor& x, const Geometry& g, Tensor* taps) {
  RECORD_USER_SCOPE("automl::nn::max_pool2d");  // for profiles (bench/profile.hpp)
  Tensor y = at::empty({g.n, g.c, g.oh, g.ow}, x.options().memory_format(at::MemoryFormat::ChannelsLast));
  if (taps == nullptr) {
    forward_kernel<false>(x.data_ptr<float>(), y.data_ptr<float>(), nullptr, g);
  } else {  // 8 bytes of room at the end: the backward pass reads 8 taps at a time
    *taps = at::empty({y.numel() + 8}, x.options().dtype(at::kByte).memory_format(at::MemoryFormat::Contiguous));
    taps->narrow(0, y.numel(), 8).zero_();
    forward_kernel<true>(x.data_ptr<float>(), y.data_ptr<float>(), taps->data_ptr<std::uint8_t>(), g);
  }
  return y;
}

class MaxPoolFunction : public torch::autograd::Function<MaxPoolFunction> {
 public:
  static Tensor forward(torch::autograd::AutogradContext* ctx, const Tensor& x, const Geometry& g) {
    Tensor taps;
    Tensor y = pooling::forward(x, g, &taps);
    ctx->save_for_backward({taps});
    ctx->saved_data["geometry"] = c10::List<std::int64_t>({g.n, g.c, g.h, g.w, g.oh, g.ow, g.k, g.stride, g.pad});
    return y;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const Tensor taps = ctx->get_saved_variables()[0];
    const auto v = ctx->saved_data["geometry"].toIntList().vec();
    const Geometry g{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]};
    const Tensor dy = grads[0].contiguous(at::MemoryFormat::ChannelsLast);
    Tensor dx = at::empty({g.n, g.c, g.h, g.w}, dy.options().memory_format(at::MemoryFormat::ChannelsLast));
    backward_kernel(taps.data_ptr<std::uint8_t>(), dy.data_ptr<float>(), dx.data_ptr<float>(), g);
    return {dx, Tensor()};
  }
};
#else
bool avx2() { return false; }  // the kernels above are x86-64 only
#endif  // AUTOML_POOL_KERNELS

}  // namespace
}  // namespace pooling

bool own_max_pool_kernel(const at::Tensor& x) {
  return x.defined() && x.dim() == 4 && x.scalar_type() == at::kFloat && x.device().is_cpu() && x.numel() > 0 &&
         x.is_contiguous(at::MemoryFormat::ChannelsLast) && !x.is_contiguous() && pooling::avx2();
}

at::Tensor max_pool2d(const at::Tensor& x, std::int64_t k, std::int64_t stride, std::int64_t padding) {
  // k <= 15: tap numbers fit a byte.
  const bool valid = k >= 1 && k <= 15 && stride >= 1 && padding >= 0 && 2 * padding <= k && x.dim() == 4 &&
                     x.size(2) + 2 * padding >= k && x.size(3) + 2 * padding >= k;
#ifdef AUTOML_POOL_KERNELS
  if (valid && own_max_pool_kernel(x)) {
    const std::int64_t oh = (x.size(2) + 2 * padding - k) / stride + 1, ow = (x.size(3) + 2 * padding - k) / stride + 1;
    const pooling::Geometry g{x.size(0), x.size(1), x.size(2), x.size(3), oh, ow, k, stride, padding};
    // With autograd LibTorch's pooling is as fast where the channels fill
    // whole 8-lane chunks (bench_max_pool); its forward pass alone never is.
    const bool grad = torch::GradMode::is_enabled() && x.requires_grad();
    if (!grad) return pooling::forward(x, g, nullptr);
    if (g.c % 8 != 0) return pooling::MaxPoolFunction::apply(x, g);
  }
#else
  (void)valid;
#endif
  return torch::max_pool2d(x, {k, k}, {stride, stride}, {padding, padding});
}

}  // namespace automl::nn
