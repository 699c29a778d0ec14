// Image loader throughput on CIFAR-sized data: 50,000 random 3x32x32 uint8
// images, batches of 64 through crop (padding 4) + flip + normalize, with and
// without cutout 16, on one thread. Goal: >= 20,000 images/s.
//   build/bin/bench_data_loader [passes]

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <ATen/Parallel.h>

#include "automl/data/images.hpp"
#include "automl/parallel.hpp"

namespace {

automl::data::ImageSet random_cifar(std::int64_t n) {
  automl::data::ImageSet set;
  set.channels = 3, set.height = 32, set.width = 32;
  automl::Random rng(0);
  set.pixels.resize(static_cast<std::size_t>(n * 3072));
  for (auto& p : set.pixels) p = static_cast<std::uint8_t>(rng.next_u64());
  for (std::int64_t i = 0; i < n; ++i) set.labels.push_back(i % 10);
  return set;
}

double images_per_second(const automl::data::ImageDataset& data, bool augment, int passes) {
  automl::LoaderOptions o;
  o.batch_size = 64;
  o.augment = augment;
  std::int64_t images = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int pass = 0; pass < passes; ++pass) {
    auto stream = data.stream(automl::Split::train, o, static_cast<std::uint64_t>(pass));
    automl::Batch b;
    while (stream->next(b)) images += b.inputs.size(0);
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return static_cast<double>(images) / s;
}

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

}  // namespace

int main(int argc, char** argv) {
  automl::tune_allocator();
  const int passes = argc > 1 ? std::atoi(argv[1]) : 2;
  at::set_num_threads(1);
  auto train = random_cifar(50000);
  auto test = random_cifar(100);
  const automl::data::ImageDataset plain(train, test, 10, {5000, 0}, {{}, {}, 4, true, 0}, 0, "random");
  const automl::data::ImageDataset cutout(std::move(train), std::move(test), 10, {5000, 0}, {{}, {}, 4, true, 16}, 0,
                                          "random");
  images_per_second(plain, true, 1);  // warm-up: the allocator settles on reusing batch buffers
  std::printf("CIFAR-sized loader, batch 64, 45,000 training images, one thread, %d passes\n", passes);
  std::printf("  normalize only                 %10.0f images/s\n", images_per_second(plain, false, passes));
  std::printf("  crop + flip + normalize        %10.0f images/s   (goal >= 20,000)\n",
              images_per_second(plain, true, passes));
  std::printf("  crop + flip + normalize+cutout %10.0f images/s\n", images_per_second(cutout, true, passes));
  std::printf("  peak RSS %.0f MB (two copies of the uint8 data: 2 x 154 MB)\n", peak_rss_mb());
  return 0;
}
