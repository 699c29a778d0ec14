// Channels-last 3 x 3 max pooling (padding 1) at the NAO-WS supernet's shapes,
// torch::max_pool2d against automl::nn::max_pool2d (automl/nn/max_pool.hpp),
// side by side in one process: milliseconds for a forward pass with autograd
// and its backward, and for a forward pass without (scoring's 500 images),
// best of 7.
//   build/bin/bench_max_pool [threads]

#include <cstdio>
#include <cstdlib>

#include <torch/torch.h>

#include "automl/nn/max_pool.hpp"
#include "timing.hpp"

namespace {

using bench::Times;

Times time(bool own, std::int64_t n, std::int64_t c, std::int64_t hw, std::int64_t stride, bool grad) {
  torch::manual_seed(0);
  const auto x = torch::randn({n, c, hw, hw}).contiguous(at::MemoryFormat::ChannelsLast).requires_grad_(grad);
  const std::int64_t out = (hw - 1) / stride + 1;
  const auto dy = torch::randn({n, c, out, out}).contiguous(at::MemoryFormat::ChannelsLast);
  return bench::best_forward_backward(
      [&] {
        return own ? automl::nn::max_pool2d(x, 3, stride, 1) : torch::max_pool2d(x, {3, 3}, {stride, stride}, {1, 1});
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
    std::int64_t n, c, hw, stride;
    bool grad;
    const char* what;
  };
  const Shape shapes[] = {{64, 20, 32, 1, true, "first stage"},
                          {64, 20, 32, 2, true, "first reduction"},
                          {64, 40, 16, 1, true, "second stage"},
                          {64, 80, 8, 1, true, "third stage"},
                          {500, 20, 32, 1, false, "scoring, first stage"},
                          {500, 40, 16, 1, false, "scoring, second stage"},
                          {500, 80, 8, 1, false, "scoring, third stage"}};
  std::printf(
      "channels-last 3x3 max pooling, %d thread(s), best of 7; ms "
      "forward + backward\n",
      threads);
  std::printf("%-22s %-18s %20s %20s %8s\n", "", "shape, stride", "torch::max_pool2d", "automl::nn", "ratio");
  for (const auto& s : shapes) {
    const torch::AutoGradMode grad_mode(s.grad);
    const Times a = time(false, s.n, s.c, s.hw, s.stride, s.grad), o = time(true, s.n, s.c, s.hw, s.stride, s.grad);
    const double ta = a.forward + (s.grad ? a.backward : 0.0), to = o.forward + (s.grad ? o.backward : 0.0);
    char shape[40];
    std::snprintf(shape, sizeof shape, "%ldx%ldx%ldx%ld, %ld", static_cast<long>(s.n), static_cast<long>(s.c),
                  static_cast<long>(s.hw), static_cast<long>(s.hw), static_cast<long>(s.stride));
    std::printf("%-22s %-18s %9.2f + %-8.2f %9.2f + %-8.2f %7.2fx\n", s.what, shape, a.forward,
                s.grad ? a.backward : 0.0, o.forward, s.grad ? o.backward : 0.0, ta / to);
  }
  return 0;
}
