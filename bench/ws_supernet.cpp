// The NAO-WS supernet of nasnet_cnn (NAO reference §4): seconds per training
// step (one uniformly drawn candidate per minibatch of 64 random 3x32x32
// images: forward, backward, clip 5, SGD), seconds to score one candidate on
// 500 images (no autograd, batch-statistics BN), and the process's peak
// resident memory: after the training steps (and how much the first
// step's forward adds while its graph is alive), then after the scorings.
// One configuration per process so the peaks are its own. With
// AUTOML_BENCH_MALLOC=default, glibc's malloc keeps its default thresholds
// instead of automl::tune_allocator's (to measure that setting's share).
// With AUTOML_BENCH_ARCH="40 integers" (the reference's gene form, which its
// bench_child.py takes as --fixed_arch) every step and scoring uses that one
// candidate instead of drawing one, so both sides do the same work. With
// AUTOML_BENCH_RECOMPUTE=1 the supernet recomputes its separable
// convolutions' activations in the backward pass (NetworkConfig::recompute).
// With AUTOML_PROFILE=FILE the timed steps' operators are summed in FILE.step and
// the timed scorings' in FILE.score (bench/profile.hpp).
//   build/bin/bench_ws_supernet LAYERS CHANNELS [threads] [steps] [scores]
// Compare with the authors' supernet side by side: bench/README.md.

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>

#include <torch/torch.h>

#include "automl/nn/network.hpp"
#include "automl/parallel.hpp"
#include "nasnet_space.hpp"
#include "profile.hpp"

namespace {
double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

double current_rss_mib() {  // resident pages now, from /proc/self/statm
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s LAYERS CHANNELS [threads] [steps] [scores]\n", argv[0]);
    return 2;
  }
  const int layers = std::atoi(argv[1]), channels = std::atoi(argv[2]);
  const int threads = argc > 3 ? std::atoi(argv[3]) : 1;
  const int steps = argc > 4 ? std::atoi(argv[4]) : 10;
  const int scores = argc > 5 ? std::atoi(argv[5]) : 3;
  const char* malloc_setting = std::getenv("AUTOML_BENCH_MALLOC");
  const bool default_malloc = malloc_setting != nullptr && std::strcmp(malloc_setting, "default") == 0;
  if (!default_malloc) automl::tune_allocator();  // as the automl host does
  automl::set_torch_threads(threads);

  const auto space = bench::nasnet_space();
  const auto cifar = bench::cifar_info();
  torch::manual_seed(0);
  const char* recompute = std::getenv("AUTOML_BENCH_RECOMPUTE");
  const bool recompute_on = recompute != nullptr && std::strcmp(recompute, "1") == 0;
  const auto net = space->networks()->build_supernet({layers, channels, false, 0.0, 0.9, recompute_on}, cifar);
  torch::optim::SGD sgd(net->parameters(), torch::optim::SGDOptions(0.025).momentum(0.9).weight_decay(3e-4));
  const auto x = torch::randn({64, 3, 32, 32}), y = torch::randint(0, 10, {64});
  automl::Random rng(1);
  const char* fixed = std::getenv("AUTOML_BENCH_ARCH");
  const auto fixed_arch = fixed != nullptr && *fixed != '\0' ? std::optional(space->parse(fixed)) : std::nullopt;
  auto candidate = [&] { return fixed_arch ? *fixed_arch : space->sample(rng); };
  net->train();
  auto step = [&](int i) {
    net->select(candidate());
    net->set_progress(i, 1000);
    sgd.zero_grad();
    torch::cross_entropy_loss(net->forward(x).logits, y).backward();
    torch::nn::utils::clip_grad_norm_(net->parameters(), 5.0);
    sgd.step();
  };
  // The first step, its forward's growth of the resident memory read while
  // the graph (the saved activations) is alive.
  double graph_mib = 0.0;
  {
    net->select(candidate());
    net->set_progress(0, 1000);
    const double before = current_rss_mib();
    const auto loss = torch::cross_entropy_loss(net->forward(x).logits, y);
    graph_mib = current_rss_mib() - before;
    loss.backward();
    torch::nn::utils::clip_grad_norm_(net->parameters(), 5.0);
    sgd.step();
  }
  auto start = std::chrono::steady_clock::now();
  {
    bench::Profile profile("step");
    for (int i = 1; i <= steps; ++i) step(i);
  }
  const double step_s = seconds_since(start) / steps;
  const double train_peak_mib = peak_rss_mib();
  automl::release_free_memory();  // as the weight_sharing evaluator does before it scores

  const auto valid = torch::randn({500, 3, 32, 32});
  auto score = [&] {
    torch::NoGradGuard no_grad;
    net->select(candidate());
    net->set_scoring(true);
    net->forward(valid).logits.argmax(1);
    net->set_scoring(false);
  };
  score();
  start = std::chrono::steady_clock::now();
  {
    bench::Profile profile("score");
    for (int i = 0; i < scores; ++i) score();
  }
  const double score_s = seconds_since(start) / scores;
  std::printf("supernet N=%d C=%d threads=%d params=%.2fM: %.3f s/step (%.1f images/s), %.3f s per scored candidate "
              "(500 images), peak RSS %.0f MiB\n",
              layers, channels, threads, automl::nn::parameter_count(*net) / 1e6, step_s, 64 / step_s, score_s,
              peak_rss_mib());
  std::printf("memory (%s malloc%s): peak RSS %.0f MiB after the training steps (the first forward, its graph alive, "
              "had added %.0f MiB), %.0f MiB after the scorings\n",
              default_malloc ? "default" : "tuned", recompute_on ? ", recompute" : "", train_peak_mib, graph_mib,
              peak_rss_mib());
  return 0;
}
