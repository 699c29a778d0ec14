#pragma once
// Batch normalization of 4-d float tensors, as torch::batch_norm computes it,
// faster for channels-last tensors whose channel count is not a multiple of 8.
// Brings LibTorch.
//
// LibTorch 1.13's CPU kernel for channels-last batch norm vectorizes over the
// channels of each pixel, 8 floats at a time, and goes through a copy into a
// scratch buffer for every pixel's last C mod 8 channels: at C = 20 (the
// NAO-WS supernet's first stage) forward and backward take 5-7 times as long
// as at C = 16. The kernel here does the same arithmetic in the same order,
// lane by lane, with masked loads for those channels instead, so its results
// are bit-identical to LibTorch's (tests/framework/test_batch_norm.cpp
// compares every output bit for bit). It applies on CPUs where LibTorch runs
// its AVX2 or AVX-512 kernels; everything else goes to torch::batch_norm.
//
// With autograd in training it runs at every channel count, for a second
// reason: LibTorch's backward takes its fast kernel only for a gradient in
// the input's layout, and a slice of a concatenation's gradient (a cell's
// states, in the supernet) is in none; it then takes an element-wise generic
// path, 10-20 times slower (18 against 0.9 ms at 64 x 16 x 32 x 32). The
// backward here copies such a gradient to channels-last and runs the kernel
// on it: the gradients LibTorch gives for that copy, which differ in their
// last bits from the ones its generic path gives for the slice.

#include <ATen/core/Tensor.h>

namespace torch::nn {
class BatchNorm2dImpl;
}

namespace automl::nn {

/// torch::batch_norm(x, weight, bias, running_mean, running_var, training,
/// momentum, eps): the same values, the same running-statistics update, the
/// same gradients (for a gradient in another layout than channels-last, torch's
/// for its channels-last copy: see above).
at::Tensor batch_norm(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias,
                      const at::Tensor& running_mean, const at::Tensor& running_var, bool training, double momentum,
                      double eps);

/// What `bn->forward(x)` computes (num_batches_tracked counted as it counts
/// them), through batch_norm above.
at::Tensor batch_norm(torch::nn::BatchNorm2dImpl& bn, const at::Tensor& x);

/// torch::relu(batch_norm(...)) and torch::relu(batch_norm(bn, x)): the same
/// values and gradients; where batch_norm runs its own kernel, the ReLU is
/// applied as each value is written and its backward is folded into the
/// batch-norm backward's passes over the gradient (one pass over the data
/// less each way); for that it runs at every channel count, multiples of 8
/// included, on the tensors own_batch_norm_kernel takes otherwise.
at::Tensor batch_norm_relu(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias,
                           const at::Tensor& running_mean, const at::Tensor& running_var, bool training,
                           double momentum, double eps);
at::Tensor batch_norm_relu(torch::nn::BatchNorm2dImpl& bn, const at::Tensor& x);

/// Whether batch_norm above runs its own kernel for `x` rather than
/// torch::batch_norm's without autograd or in evaluation; with autograd in
/// training it does so for every channels-last float `x` this holds for at
/// some channel count (exposed for tests and benchmarks).
bool own_batch_norm_kernel(const at::Tensor& x);

}  // namespace automl::nn
