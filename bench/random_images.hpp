#pragma once
// CIFAR-sized random images for the loader benchmarks: n uint8 3x32x32
// images with 10 labels, and the loader's rate over a training pass.

#include <chrono>
#include <cstdint>
#include <functional>

#include "automl/data/images.hpp"

namespace bench {

inline automl::data::ImageSet random_cifar(std::int64_t n) {
  automl::data::ImageSet set;
  set.channels = 3, set.height = 32, set.width = 32;
  automl::Random rng(0);
  set.pixels.resize(static_cast<std::size_t>(n * 3072));
  for (auto& p : set.pixels) p = static_cast<std::uint8_t>(rng.next_u64());
  for (std::int64_t i = 0; i < n; ++i) set.labels.push_back(i % 10);
  return set;
}

/// Images per second over `passes` passes of the training split; `each`
/// runs on every batch (a copy to the device), `done` at the end (a device
/// synchronization, where batches are on a GPU).
inline double images_per_second(const automl::data::ImageDataset& data, const automl::LoaderOptions& o, int passes,
                                const std::function<void(const automl::Batch&)>& each = nullptr,
                                const std::function<void()>& done = nullptr) {
  std::int64_t images = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int pass = 0; pass < passes; ++pass) {
    auto stream = data.stream(automl::Split::train, o, static_cast<std::uint64_t>(pass));
    automl::Batch b;
    while (stream->next(b)) {
      images += b.inputs.size(0);
      if (each) each(b);
    }
  }
  if (done) done();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return static_cast<double>(images) / s;
}

}  // namespace bench
