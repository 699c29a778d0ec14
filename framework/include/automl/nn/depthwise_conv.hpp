#pragma once
// Depthwise 2-d convolution of float tensors, as torch::conv2d computes it
// with groups = channels, with a faster weight gradient for channels-last
// tensors and kernels of 5 x 5 or more. Brings LibTorch.
//
// LibTorch 1.13 runs depthwise convolutions through oneDNN 2.6. Its forward
// pass and input gradient are fast; its weight gradient is not for k >= 5:
// at the NAO-WS supernet's channels-last shapes, one thread, the 5 x 5 weight gradient
// takes 4-7 times as long as the forward pass, where the 3 x 3 one takes
// less than the forward pass (bench_depthwise_conv). The function here runs
// the forward pass and the input gradient through the same oneDNN calls as
// torch::conv2d, so those are bit-identical to it, and computes the 5 x 5
// (and 7 x 7) weight gradient with a kernel of its own: vectorized over each
// pixel's channels, summed per image in float and over the images in
// double, in a fixed order, so the result does not depend on the thread
// count. Its rounding differs from oneDNN's (tests/framework/test_depthwise_conv.cpp
// bounds both against a double-precision reference).

#include <ATen/core/Tensor.h>

namespace automl::nn {

/// torch::conv2d(x, w, {}, stride, padding, 1, x.size(1)) for w of shape
/// [C, 1, k, k]: the same output and input gradient; the weight gradient
/// from the kernel above where own_depthwise_weight_grad(x, w) holds, else
/// oneDNN's.
at::Tensor depthwise_conv2d(const at::Tensor& x, const at::Tensor& w, std::int64_t stride, std::int64_t padding);

/// Whether depthwise_conv2d computes w's gradient with its own kernel: a
/// float CPU channels-last x, a square kernel of 5 to 7, an x86-64 CPU with
/// AVX2 and FMA (exposed for tests and benchmarks).
bool own_depthwise_weight_grad(const at::Tensor& x, const at::Tensor& w);

/// The weight gradient of the depthwise convolution above from its output
/// gradient `dy`, by the kernel above (for tests and benchmarks; requires
/// own_depthwise_weight_grad(x, w)).
at::Tensor depthwise_weight_grad(const at::Tensor& dy, const at::Tensor& x, const at::Tensor& w, std::int64_t stride,
                                 std::int64_t padding);

}  // namespace automl::nn
