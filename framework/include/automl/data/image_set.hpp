#pragma once
// Decoded images as the readers return them: uint8 pixels and labels, no
// LibTorch (the readers are built and fuzzed without it).

#include <cstdint>
#include <vector>

namespace automl::data {

/// Images [N, C, H, W] as uint8 and their labels.
struct ImageSet {
  std::vector<std::uint8_t> pixels;
  std::vector<std::int64_t> labels;
  std::int64_t channels = 0, height = 0, width = 0;

  std::int64_t size() const { return static_cast<std::int64_t>(labels.size()); }
  std::int64_t image_bytes() const { return channels * height * width; }
};

}  // namespace automl::data
