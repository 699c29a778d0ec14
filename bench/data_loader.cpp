// Image loader throughput on CIFAR-sized data: 50,000 random 3x32x32 uint8
// images, batches of 64 through crop (padding 4) + flip + normalize, with and
// without cutout 16, on one thread, on the CPU path (per-pixel loops) and on
// the tensor-op path that a GPU loader runs (here on the CPU). Goal for the
// CPU path: >= 20,000 images/s. bench_gpu_check measures the tensor path on
// a GPU.
//   build/bin/bench_data_loader [passes]

#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>

#include <ATen/Parallel.h>

#include "automl/parallel.hpp"
#include "random_images.hpp"

namespace {

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
  auto train = bench::random_cifar(50000);
  auto test = bench::random_cifar(100);
  const automl::data::ImageDataset plain(train, test, 10, {5000, 0}, {{}, {}, 4, true, 0}, 0, "random");
  const automl::data::ImageDataset cutout(std::move(train), std::move(test), 10, {5000, 0}, {{}, {}, 4, true, 16}, 0,
                                          "random");
  automl::LoaderOptions o;
  o.batch_size = 64;
  bench::images_per_second(plain, o, 1);  // warm-up: the allocator settles on reusing batch buffers
  std::printf("CIFAR-sized loader, batch 64, 45,000 training images, one thread, %d passes\n", passes);
  std::printf("%-34s %14s %14s\n", "", "CPU path", "tensor path");
  auto line = [&](const char* what, const automl::data::ImageDataset& data, bool augment, const char* note) {
    o.augment = augment;
    o.tensor_transform = false;
    const double cpu = bench::images_per_second(data, o, passes);
    o.tensor_transform = true;
    const double tensor = bench::images_per_second(data, o, passes);
    std::printf("  %-32s %8.0f img/s %8.0f img/s%s\n", what, cpu, tensor, note);
  };
  line("normalize only", plain, false, "");
  line("crop + flip + normalize", plain, true, "   (goal for the CPU path >= 20,000)");
  line("crop + flip + normalize + cutout", cutout, true, "");
  std::printf("  peak RSS %.0f MB (two copies of the uint8 data: 2 x 154 MB)\n", peak_rss_mb());
  return 0;
}
