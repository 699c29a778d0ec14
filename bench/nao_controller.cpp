// NAO controller speed at the reference's V1 sizes (embedding 48, hidden 96,
// MLP 3 x 200, batch 100) on nasnet_cnn token sequences (length 40, 5 ops):
//  - one controller epoch on 1,000 architectures with online branch swaps;
//  - one generation step: the gradient for 100 seeds plus one constrained
//    greedy decode of them.
// Compare with the authors' code side by side: bench/README.md.
//   build/bin/bench_nao_controller [threads]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <torch/torch.h>

#include "automl/parallel.hpp"
#include "profile.hpp"
#include "trainer.hpp"

namespace {

// NAO's 5-op nasnet encoding, without loading the plugin.
class Tokens final : public automl::TokenEncoding {
 public:
  int vocab_size() const override { return 12; }
  int length() const override { return 40; }
  std::pair<int, int> token_range(int p) const override {
    return p % 2 == 0 ? std::pair{1, (p % 20) / 4 + 2} : std::pair{7, 11};
  }
  std::vector<int> encode(const automl::Architecture& a) const override {
    std::vector<int> t;
    for (std::size_t i = 0; i < a.genes.size(); ++i) t.push_back(a.genes[i] + (i % 2 == 0 ? 1 : 7));
    return t;
  }
  automl::Architecture decode(const std::vector<int>& t) const override {
    automl::Architecture a;
    for (std::size_t i = 0; i < t.size(); ++i) a.genes.push_back(t[i] - (i % 2 == 0 ? 1 : 7));
    return a;
  }
  std::vector<automl::Architecture> symmetric_variants(const automl::Architecture& a) const override {
    std::vector<automl::Architecture> out;
    for (int x = 0; x < 5; ++x)
      for (int y = 0; y < 5; ++y) {
        auto v = a;
        for (int node : {x, 5 + y}) {
          std::swap(v.genes[4 * node], v.genes[4 * node + 2]);
          std::swap(v.genes[4 * node + 1], v.genes[4 * node + 3]);
        }
        out.push_back(v);
      }
    return out;
  }
};

automl::Architecture random_arch(automl::Random& rng) {
  automl::Architecture a;
  for (int cell = 0; cell < 2; ++cell)
    for (int node = 0; node < 5; ++node)
      for (int k = 0; k < 2; ++k) a.genes.push_back(rng.uniform_int(0, node + 1)), a.genes.push_back(rng.uniform_int(0, 4));
  return a;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
  automl::tune_allocator();
  const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
  torch::set_num_threads(threads);
  Tokens tokens;
  automl::Random rng(0);
  std::vector<nao::Scored> data;
  for (int i = 0; i < 1000; ++i) data.push_back({random_arch(rng), rng.uniform01()});
  torch::manual_seed(0);
  nao::Controller controller(nao::ControllerOptions{});
  nao::TrainOptions o;
  o.epochs = 1;
  nao::train_controller(controller, tokens, data, o, rng);  // warm-up
  if (std::getenv("AUTOML_PROFILE") != nullptr) {  // one profiled epoch before the timings
    bench::Profile profile;
    nao::train_controller(controller, tokens, data, o, rng);
  }
  // Best of three repetitions: the figures of a shared machine vary by 30 %.
  double epoch_s = 1e9, step_s = 1e9;
  for (int rep = 0; rep < 3; ++rep) {
    const int epochs = 3;
    const auto start = std::chrono::steady_clock::now();
    o.epochs = epochs;
    nao::train_controller(controller, tokens, data, o, rng);
    epoch_s = std::min(epoch_s, seconds_since(start) / epochs);
  }

  std::vector<automl::Architecture> seeds;
  for (int i = 0; i < 100; ++i) seeds.push_back(data[i].arch);
  auto never = [](const automl::Architecture&) { return false; };  // forces exactly max_step steps
  nao::generate(controller, tokens, seeds, 1, 1, never);
  for (int rep = 0; rep < 3; ++rep) {
    const int steps = 10;
    const auto start = std::chrono::steady_clock::now();
    nao::generate(controller, tokens, seeds, 1, steps, never);
    step_s = std::min(step_s, seconds_since(start) / steps);
  }
  std::printf("NAO controller, V1 sizes, %d thread(s)\n", threads);
  std::printf("  epoch on 1,000 architectures (batch 100, online swaps): %.3f s\n", epoch_s);
  std::printf("  gradient + decode of 100 seeds, per step size:         %.4f s\n", step_s);
  return 0;
}
