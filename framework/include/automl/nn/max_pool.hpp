#pragma once
// Max pooling of channels-last float tensors, as torch::max_pool2d computes
// it, without int64 indices. Brings LibTorch.
//
// LibTorch 1.13's channels-last max pooling keeps a running maximum and an
// int64 index per output element in memory, updating both at every tap of
// the window, and moves the last C mod 8 channels of every pixel one at a
// time: at 64 x 20 x 32 x 32 (the NAO-WS supernet's first stage) a 3 x 3
// window takes about 10 ms forward, one thread (bench_max_pool). The
// forward kernel here keeps the maximum in registers, 8 channels at a time
// (masked for the last C mod 8), with LibTorch's rule: a tap replaces the
// maximum where it is greater or NaN, so the first maximum of the window in
// row-major order is taken. With autograd it records that tap's number in
// the window as one byte per output element (LibTorch saves 8), and the
// backward pass gathers into each input element the gradients of the output
// pixels that chose it, in the order LibTorch's backward adds them: outputs
// and input gradients are bit-identical to torch::max_pool2d's
// (tests/framework/test_max_pool.cpp).

#include <cstdint>

#include <ATen/core/Tensor.h>

namespace automl::nn {

/// torch::max_pool2d(x, {k, k}, {stride, stride}, {padding, padding}): the
/// same output and gradient. The kernels here run where
/// own_max_pool_kernel(x) holds: without autograd always, with autograd
/// where C is not a multiple of 8 (with whole chunks LibTorch's forward and
/// backward together are as fast, and its backward alone faster).
at::Tensor max_pool2d(const at::Tensor& x, std::int64_t k, std::int64_t stride, std::int64_t padding);

/// Whether max_pool2d runs its own kernels for `x`: a float CPU channels-last
/// tensor on an x86-64 CPU with AVX2 (exposed for tests and benchmarks).
bool own_max_pool_kernel(const at::Tensor& x);

}  // namespace automl::nn
