// automl/nn/subsample.hpp: both subsamplings of a FactorizedReduce in one pass.

#include "automl/nn/subsample.hpp"

#include <cstdint>
#include <cstring>

#include <ATen/Parallel.h>
#include <ATen/record_function.h>
#include <torch/torch.h>

namespace automl::nn {

namespace {

using at::Tensor;

constexpr auto kLayout = at::MemoryFormat::ChannelsLast;

// Channels-last memory: pixel (b, r, c) of a [*, C, H, W] tensor starts at
// ((b * H + r) * W + c) * C elements. Output row `row` (image row / h, row
// row % h) reads input rows 2 * row and 2 * row + 1 of the same numbering.
class EvenOddPixels : public torch::autograd::Function<EvenOddPixels> {
 public:
  static torch::autograd::variable_list forward(torch::autograd::AutogradContext* ctx, const Tensor& input) {
    RECORD_USER_SCOPE("automl::nn::even_odd_pixels");  // for profiles (bench/profile.hpp)
    const Tensor x = input.contiguous(kLayout);
    const std::int64_t n = x.size(0), c = x.size(1), h = x.size(2) / 2, w = x.size(3) / 2;
    ctx->saved_data["shape"] = x.sizes();
    Tensor even = at::empty({n, c, h, w}, x.options().memory_format(kLayout));
    Tensor odd = at::empty_like(even);
    const std::size_t pixel = static_cast<std::size_t>(c) * x.element_size();
    const auto* in = static_cast<const char*>(x.data_ptr());
    auto* e = static_cast<char*>(even.data_ptr());
    auto* o = static_cast<char*>(odd.data_ptr());
    at::parallel_for(0, n * h, 1, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t row = begin; row < end; ++row) {
        const char* top = in + 2 * row * 2 * w * pixel;
        const char* bottom = top + 2 * w * pixel;
        for (std::int64_t j = 0; j < w; ++j) {
          std::memcpy(e + (row * w + j) * pixel, top + 2 * j * pixel, pixel);
          std::memcpy(o + (row * w + j) * pixel, bottom + (2 * j + 1) * pixel, pixel);
        }
      }
    });
    return {even, odd};
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    RECORD_USER_SCOPE("automl::nn::even_odd_pixels_backward");
    const auto shape = ctx->saved_data["shape"].toIntVector();
    const Tensor& any = grads[0].defined() ? grads[0] : grads[1];
    if (!any.defined()) return {Tensor()};
    const Tensor ge = grads[0].defined() ? grads[0].contiguous(kLayout) : at::zeros_like(any, kLayout);
    const Tensor go = grads[1].defined() ? grads[1].contiguous(kLayout) : at::zeros_like(any, kLayout);
    Tensor dx = at::empty(shape, any.options().memory_format(kLayout));
    const std::int64_t h = shape[2] / 2, w = shape[3] / 2;
    const std::size_t pixel = static_cast<std::size_t>(shape[1]) * dx.element_size();
    const auto* e = static_cast<const char*>(ge.data_ptr());
    const auto* o = static_cast<const char*>(go.data_ptr());
    auto* out = static_cast<char*>(dx.data_ptr());
    at::parallel_for(0, shape[0] * h, 1, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t row = begin; row < end; ++row) {
        char* top = out + 2 * row * 2 * w * pixel;
        char* bottom = top + 2 * w * pixel;
        for (std::int64_t j = 0; j < w; ++j) {
          std::memcpy(top + 2 * j * pixel, e + (row * w + j) * pixel, pixel);
          std::memset(top + (2 * j + 1) * pixel, 0, pixel);
          std::memset(bottom + 2 * j * pixel, 0, pixel);
          std::memcpy(bottom + (2 * j + 1) * pixel, o + (row * w + j) * pixel, pixel);
        }
      }
    });
    return {dx};
  }
};

Tensor every_second_pixel(const Tensor& x, std::int64_t first) {
  return x.slice(2, first, c10::nullopt, 2).slice(3, first, c10::nullopt, 2).contiguous(kLayout);
}

}  // namespace

std::pair<Tensor, Tensor> even_odd_pixels(const Tensor& x) {
  TORCH_CHECK(x.dim() == 4 && x.size(2) % 2 == 0 && x.size(3) % 2 == 0,
              "even_odd_pixels: expected [N, C, H, W] with H and W even, got ", x.sizes());
  if (!x.device().is_cpu()) return {every_second_pixel(x, 0), every_second_pixel(x, 1)};
  const auto pixels = EvenOddPixels::apply(x);
  return {pixels[0], pixels[1]};
}

}  // namespace automl::nn
