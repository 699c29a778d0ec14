// Training throughput of a stand-alone NAONet (nasnet_cnn's network builder):
// forward + backward + SGD step on random 3x32x32 images, batch 64, CIFAR-10
// head, auxiliary head on, drop-path 0.8 (the reference's final-training
// setup, NAO reference §5). Prints images/s, seconds per step and the
// process's peak resident memory; run one configuration per process so the
// peak belongs to it.
//   build/bin/bench_nasnet_train LAYERS CHANNELS [threads] [steps] [cell]
// e.g. bench_nasnet_train 1 16 1 ; bench_nasnet_train 6 36 2 5
// bench/nasnet_train_pytorch.py runs the same model in eager PyTorch.

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <torch/torch.h>

#include "automl/nn/network.hpp"
#include "automl/parallel.hpp"
#include "nasnet_space.hpp"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s LAYERS CHANNELS [threads] [steps] [cell]\n", argv[0]);
    return 2;
  }
  const int layers = std::atoi(argv[1]), channels = std::atoi(argv[2]);
  const int threads = argc > 3 ? std::atoi(argv[3]) : 1;
  const int steps = argc > 4 ? std::atoi(argv[4]) : 10;
  const std::string cell = argc > 5 ? argv[5] : "naonet_b";
  automl::tune_allocator();  // as the automl host does
  automl::set_torch_threads(threads);

  const auto space = bench::nasnet_space(cell == "naonet_a" ? "naonet" : "nao_ws");
  const auto cifar = bench::cifar_info();
  torch::manual_seed(0);
  const auto net = space->networks()->build(space->parse(cell), {layers, channels, true, 0.4, 0.8}, cifar);
  torch::optim::SGD sgd(net->parameters(), torch::optim::SGDOptions(0.025).momentum(0.9).weight_decay(3e-4));
  const auto x = torch::randn({64, 3, 32, 32}), y = torch::randint(0, 10, {64});
  net->train();
  auto step = [&](int i) {
    net->set_progress(i, 1000);
    sgd.zero_grad();
    const auto out = net->forward(x);
    auto loss = torch::cross_entropy_loss(out.logits, y) + 0.4 * torch::cross_entropy_loss(out.aux_logits, y);
    loss.backward();
    torch::nn::utils::clip_grad_norm_(net->parameters(), 5.0);
    sgd.step();
  };
  step(0);  // warm-up: allocator and kernels
  const auto start = std::chrono::steady_clock::now();
  for (int i = 1; i <= steps; ++i) step(i);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / steps;
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("%s N=%d F=%d threads=%d params=%.3fM: %.3f s/step, %.1f images/s, peak RSS %.0f MiB\n", cell.c_str(),
              layers, channels, threads, automl::nn::parameter_count(*net, "aux") / 1e6, seconds, 64 / seconds,
              usage.ru_maxrss / 1024.0);
  return 0;
}
