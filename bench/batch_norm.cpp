// Channels-last batch norm, torch::batch_norm against automl::nn::batch_norm
// (automl/nn/batch_norm.hpp), side by side in one process, at the shapes of
// the NAO-WS supernet (batch 64; C = 20 in its first stage, 60 in its stem,
// 40 in its second), of NAONet's C = 36 stage, and of scoring (500 images, no
// autograd): milliseconds for a training forward and its backward, best of 7.
//   build/bin/bench_batch_norm [threads]

#include <cstdio>
#include <cstdlib>

#include <torch/torch.h>

#include "automl/nn/batch_norm.hpp"
#include "timing.hpp"

namespace {

using bench::Times;

Times time(bool own, std::int64_t n, std::int64_t c, std::int64_t hw, bool grad) {
  torch::manual_seed(0);
  const auto x = torch::randn({n, c, hw, hw}).contiguous(at::MemoryFormat::ChannelsLast).requires_grad_(grad);
  const auto dy = torch::randn({n, c, hw, hw}).contiguous(at::MemoryFormat::ChannelsLast);
  const auto w = torch::ones({c}, torch::requires_grad(grad)), b = torch::zeros({c}, torch::requires_grad(grad));
  auto rm = torch::zeros({c}), rv = torch::ones({c});
  return bench::best_forward_backward(
      [&] {
        return own ? automl::nn::batch_norm(x, w, b, rm, rv, true, 0.1, 1e-5)
                   : torch::batch_norm(x, w, b, rm, rv, true, 0.1, 1e-5, false);
      },
      [&](const torch::Tensor& y) {
        if (grad) y.backward(dy);
      });
}

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
  torch::set_num_threads(threads);
  struct Shape {
    std::int64_t n, c, hw;
    bool grad;
    const char* what;
  };
  const Shape shapes[] = {{64, 20, 32, true, "NAO-WS first stage"}, {64, 60, 32, true, "NAO-WS stem"},
                          {64, 40, 16, true, "NAO-WS second stage (no tail)"}, {64, 36, 32, true, "NAONet C=36"},
                          {500, 20, 32, false, "scoring, first stage"}};
  std::printf("channels-last batch norm, %d thread(s), best of 7; ms forward + backward\n", threads);
  std::printf("%-32s %-16s %18s %18s %8s\n", "", "shape", "torch::batch_norm", "automl::nn", "ratio");
  for (const auto& s : shapes) {
    const torch::AutoGradMode grad_mode(s.grad);
    const Times a = time(false, s.n, s.c, s.hw, s.grad), o = time(true, s.n, s.c, s.hw, s.grad);
    const double ta = a.forward + (s.grad ? a.backward : 0.0), to = o.forward + (s.grad ? o.backward : 0.0);
    char shape[32];
    std::snprintf(shape, sizeof shape, "%ldx%ldx%ldx%ld", static_cast<long>(s.n), static_cast<long>(s.c),
                  static_cast<long>(s.hw), static_cast<long>(s.hw));
    std::printf("%-32s %-16s %8.2f + %-7.2f %8.2f + %-7.2f %7.2fx\n", s.what, shape, a.forward,
                s.grad ? a.backward : 0.0, o.forward, s.grad ? o.backward : 0.0, ta / to);
  }
  return 0;
}
