// Channels-last depthwise convolution at the NAO-WS supernet's shapes (batch
// 64; 20 channels at 32 x 32, 40 at 16 x 16, 80 at 8 x 8, and the stride-2
// first convolution of a reduction cell), in one process: oneDNN's forward
// pass, input gradient and weight gradient (through at::convolution_backward,
// as torch::conv2d's autograd calls them), the weight gradient of
// automl::nn::depthwise_weight_grad, and forward + backward of torch::conv2d
// against automl::nn::depthwise_conv2d. Milliseconds, best of 7.
//   build/bin/bench_depthwise_conv [threads]

#include <cstdio>
#include <cstdlib>

#include <torch/torch.h>

#include "automl/nn/depthwise_conv.hpp"
#include "timing.hpp"

using bench::best_ms;

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
  torch::set_num_threads(threads);
  struct Shape {
    std::int64_t c, hw, stride;
  };
  const Shape shapes[] = {{20, 32, 1}, {40, 16, 1}, {80, 8, 1}, {20, 32, 2}};
  const auto cl = at::MemoryFormat::ChannelsLast;
  std::printf("channels-last depthwise convolution, batch 64, %d thread(s), best of 7, ms\n", threads);
  std::printf("%-18s %8s %8s %9s %9s %7s   %-22s %7s\n", "shape", "forward", "dx", "dw oneDNN", "dw own", "ratio",
              "fwd+bwd torch / own", "ratio");
  for (const int k : {3, 5})
    for (const auto& s : shapes) {
      torch::manual_seed(0);
      const auto x = torch::randn({64, s.c, s.hw, s.hw}).contiguous(cl);
      const auto w = torch::randn({s.c, 1, k, k}).contiguous(cl);
      const std::int64_t p = k / 2;
      const auto y = at::convolution(x, w, {}, {s.stride, s.stride}, {p, p}, {1, 1}, false, {0, 0}, s.c);
      const auto dy = torch::randn(y.sizes()).contiguous(cl);
      const auto backward = [&](bool input, bool weight) {
        return at::convolution_backward(dy, x, w, c10::nullopt, {s.stride, s.stride}, {p, p}, {1, 1}, false, {0, 0},
                                        s.c, {input, weight, false});
      };
      const double fwd = best_ms([&] { at::convolution(x, w, {}, {s.stride, s.stride}, {p, p}, {1, 1}, false, {0, 0}, s.c); });
      const double dx = best_ms([&] { backward(true, false); });
      const double dw = best_ms([&] { backward(false, true); });
      const bool own = automl::nn::own_depthwise_weight_grad(x, w);
      const double dw_own = own ? best_ms([&] { automl::nn::depthwise_weight_grad(dy, x, w, s.stride, p); }) : dw;
      const auto step = [&](bool ours) {
        return best_ms([&] {
          const auto xg = x.detach().requires_grad_(), wg = w.detach().requires_grad_();
          const auto out = ours ? automl::nn::depthwise_conv2d(xg, wg, s.stride, p)
                                : torch::conv2d(xg, wg, {}, s.stride, p, 1, s.c);
          out.backward(dy);
        });
      };
      const double full_torch = step(false), full_own = step(true);
      char shape[40];
      std::snprintf(shape, sizeof shape, "%ldx%ldx%ld k%d s%ld", static_cast<long>(s.c), static_cast<long>(s.hw),
                    static_cast<long>(s.hw), k, static_cast<long>(s.stride));
      std::printf("%-18s %8.2f %8.2f %9.2f %9.2f %6.2fx   %9.2f / %-10.2f %6.2fx%s\n", shape, fwd, dx, dw, dw_own,
                  dw / dw_own, full_torch, full_own, full_torch / full_own, own ? "" : "  (oneDNN's on both sides)");
    }
  return 0;
}
