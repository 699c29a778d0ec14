#pragma once
// Helpers shared by the suites that compare kernels with LibTorch's
// (tests/framework/test_batch_norm.cpp, test_depthwise_conv.cpp,
// test_max_pool.cpp). Brings LibTorch.

#include <cstdint>
#include <string>

#include <torch/torch.h>

namespace automl::test {

inline at::Tensor channels_last(const at::Tensor& t) { return t.contiguous(at::MemoryFormat::ChannelsLast); }

/// How many elements of a and b differ in their bits (float tensors are
/// compared as integers, so -0.0 against +0.0 and NaN payloads count), and by
/// how much at most: "" is the expectation of a bit-identical result.
inline std::string differences(const at::Tensor& a, const at::Tensor& b) {
  if (!a.defined() || !b.defined()) return a.defined() == b.defined() ? "" : "one side undefined";
  if (a.sizes() != b.sizes() || a.scalar_type() != b.scalar_type()) return "sizes or types differ";
  const at::Tensor ca = a.contiguous(), cb = b.contiguous();
  const bool as_bits = ca.scalar_type() == at::kFloat;
  const at::Tensor differ = as_bits ? ca.view(at::kInt).ne(cb.view(at::kInt)) : ca.ne(cb);
  const auto count = differ.sum().item<std::int64_t>();
  if (count == 0) return "";
  return std::to_string(count) + " of " + std::to_string(a.numel()) + " differ, by up to " +
         std::to_string((ca - cb).abs().max().item<double>());
}

}  // namespace automl::test
