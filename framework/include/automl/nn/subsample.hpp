#pragma once
// The two pixel subsamplings of a FactorizedReduce (NASNet/NAO): every second
// row and column from the first pixel, and from the second. Brings LibTorch.
//
// Taken as slices (x[:, :, ::2, ::2] and x[:, :, 1::2, 1::2]), autograd's
// backward of each slice fills a zero tensor of the sliced tensor's size and
// copies the gradient into it, and the two paths' gradients are then added:
// six fills, six copies and an addition of x's size per FactorizedReduce
// (about a tenth of the NAO-WS supernet's training step at N=1/C=16). Here
// both subsamplings come from one pass over x, and the backward pass writes
// x's gradient in one pass: the two gradients where the subsamplings read,
// zero elsewhere; the same values as the slices' (tests/framework/test_subsample.cpp).

#include <utility>

#include <ATen/core/Tensor.h>

namespace automl::nn {

/// For x of shape [N, C, H, W] with H and W even: the pixels (2i, 2j) and
/// (2i + 1, 2j + 1), each as an [N, C, H / 2, W / 2] channels-last tensor,
/// with their gradient. On a CPU tensor in one pass each way (any dtype);
/// elsewhere through slices. Throws c10::Error for an odd height or width.
std::pair<at::Tensor, at::Tensor> even_odd_pixels(const at::Tensor& x);

}  // namespace automl::nn
