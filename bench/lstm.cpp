// The NAO controller's recurrent layer at V1 sizes (batch 100, hidden 96;
// the encoder's 20 steps and the decoder's 40), forward + backward:
// LibTorch's `torch::lstm` (per-step autograd in the backward) against a
// prototype layer with its own backward, which does per step one recurrent
// product and one fused element-wise loop each way, and the weight gradients
// of all steps as single products after the loop. Prints both times, their
// ratio and the largest differences of outputs and gradients (the prototype
// rounds differently, so the controller does not use it yet; see
// bench/README.md).
//   build/bin/bench_lstm [reps]

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include <torch/torch.h>

#include "automl/parallel.hpp"

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

// One LSTM layer, batch first, gate order i, f, g, o as torch's.
struct Lstm : torch::autograd::Function<Lstm> {
  static tensor_list forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& h0, const at::Tensor& c0,
                             const at::Tensor& w_ih, const at::Tensor& w_hh, const at::Tensor& b_ih,
                             const at::Tensor& b_hh) {
    const auto B = x.size(0), T = x.size(1), H = h0.size(1);
    const auto xt = x.transpose(0, 1).contiguous();  // [T, B, in]
    auto gates = torch::addmm(b_ih + b_hh, xt.view({T * B, x.size(2)}), w_ih.t()).view({T, B, 4 * H});
    auto h = torch::empty({T + 1, B, H}), c = torch::empty({T + 1, B, H}), tanh_c = torch::empty({T, B, H});
    h[0].copy_(h0), c[0].copy_(c0);
    const auto w_hh_t = w_hh.t();
    for (std::int64_t t = 0; t < T; ++t) {
      // Vectorized activations in place (kept activated for the backward),
      // then the cell and hidden state.
      auto g = gates[t];
      g.addmm_(h[t], w_hh_t);
      g.narrow(1, 0, 2 * H).sigmoid_();
      g.narrow(1, 2 * H, H).tanh_();
      g.narrow(1, 3 * H, H).sigmoid_();
      auto cn = c[t + 1];
      torch::mul_out(cn, g.narrow(1, H, H), c[t]);
      cn.addcmul_(g.narrow(1, 0, H), g.narrow(1, 2 * H, H));
      auto tc = tanh_c[t];
      torch::tanh_out(tc, cn);
      auto hn = h[t + 1];
      torch::mul_out(hn, g.narrow(1, 3 * H, H), tc);
    }
    ctx->save_for_backward({xt, gates, h, c, tanh_c, w_ih, w_hh});
    auto out = h.narrow(0, 1, T).transpose(0, 1).contiguous();
    return {out, h[T].clone(), c[T].clone()};
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto &xt = saved[0], &gates = saved[1], &h = saved[2], &c = saved[3], &tanh_c = saved[4], &w_ih = saved[5],
               &w_hh = saved[6];
    const auto T = gates.size(0), B = gates.size(1), H = h.size(2);
    const auto dout = grads[0].defined() ? grads[0].transpose(0, 1).contiguous() : torch::zeros({T, B, H});
    auto dh = grads[1].defined() ? grads[1].clone() : torch::zeros({B, H});
    auto dc = grads[2].defined() ? grads[2].clone() : torch::zeros({B, H});
    auto dg = torch::empty({T, B, 4 * H});
    for (std::int64_t t = T - 1; t >= 0; --t) {
      dh.add_(dout[t]);
      const float* gp = gates[t].data_ptr<float>();
      const float* cp = c[t].data_ptr<float>();
      const float* tcp = tanh_c[t].data_ptr<float>();
      const float* dhp = dh.data_ptr<float>();
      float* dcp = dc.data_ptr<float>();
      float* dgp = dg[t].data_ptr<float>();
      for (std::int64_t b = 0; b < B; ++b) {
        const float* row = gp + b * 4 * H;
        float* drow = dgp + b * 4 * H;
        for (std::int64_t j = 0; j < H; ++j) {
          const float i = row[j], f = row[H + j], gg = row[2 * H + j], o = row[3 * H + j];
          const float tc = tcp[b * H + j];
          const float dhv = dhp[b * H + j];
          const float dcv = dcp[b * H + j] + dhv * o * (1 - tc * tc);
          drow[j] = dcv * gg * i * (1 - i);
          drow[H + j] = dcv * cp[b * H + j] * f * (1 - f);
          drow[2 * H + j] = dcv * i * (1 - gg * gg);
          drow[3 * H + j] = dhv * tc * o * (1 - o);
          dcp[b * H + j] = dcv * f;
        }
      }
      dh = torch::mm(dg[t], w_hh);
    }
    const auto flat = dg.view({T * B, 4 * H});
    const auto dw_hh = torch::mm(flat.t(), h.narrow(0, 0, T).reshape({T * B, H}));
    const auto dw_ih = torch::mm(flat.t(), xt.view({T * B, xt.size(2)}));
    const auto db = flat.sum(0);
    const auto dx = torch::mm(flat, w_ih).view({T, B, xt.size(2)}).transpose(0, 1).contiguous();
    return {dx, dh, dc, dw_ih, dw_hh, db, db};
  }
};

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
  automl::tune_allocator();
  torch::set_num_threads(1);
  const int reps = argc > 1 ? std::atoi(argv[1]) : 20;
  torch::manual_seed(0);
  const std::int64_t B = 100, H = 96;
  torch::nn::LSTM layer(torch::nn::LSTMOptions(H, H).batch_first(true));
  auto p = layer->named_parameters();
  const auto &w_ih = p["weight_ih_l0"], &w_hh = p["weight_hh_l0"], &b_ih = p["bias_ih_l0"], &b_hh = p["bias_hh_l0"];
  double torch_total = 0, fused_total = 0;
  for (const std::int64_t T : {20, 40}) {
    const auto x = torch::randn({B, T, H}).requires_grad_(true);
    const auto h0 = torch::randn({B, H}).requires_grad_(true), c0 = torch::randn({B, H}).requires_grad_(true);
    const auto weights = torch::randn({B, T, H});  // a loss that weighs every output
    auto run_torch = [&] {
      auto out = std::get<0>(layer(x, std::make_tuple(h0.unsqueeze(0), c0.unsqueeze(0))));
      (out * weights).sum().backward();
      return out.detach();
    };
    auto run_fused = [&] {
      auto out = Lstm::apply(x, h0, c0, w_ih, w_hh, b_ih, b_hh)[0];
      (out * weights).sum().backward();
      return out.detach();
    };
    auto grads = [&] {
      std::vector<at::Tensor> g;
      for (const auto* t : {&x, &h0, &c0, &w_ih, &w_hh, &b_ih}) {
        g.push_back(t->grad().clone());
        t->grad().zero_();
      }
      return g;
    };
    const auto out_torch = run_torch();
    const auto g_torch = grads();
    const auto out_fused = run_fused();
    const auto g_fused = grads();
    double diff = (out_torch - out_fused).abs().max().item<double>(), grad_diff = 0;
    for (std::size_t k = 0; k < g_torch.size(); ++k)
      grad_diff = std::max(grad_diff, ((g_torch[k] - g_fused[k]).abs().max() /
                                       g_torch[k].abs().max().clamp_min(1e-12)).item<double>());
    double best_torch = 1e9, best_fused = 1e9;
    for (int r = 0; r < reps; ++r) {
      auto start = std::chrono::steady_clock::now();
      run_torch();
      best_torch = std::min(best_torch, seconds_since(start));
      start = std::chrono::steady_clock::now();
      run_fused();
      best_fused = std::min(best_fused, seconds_since(start));
      grads();
    }
    torch_total += best_torch, fused_total += best_fused;
    std::printf("T=%2lld B=%lld H=%lld forward+backward: torch::lstm %.2f ms, own backward %.2f ms (%.2fx); "
                "max |out diff| %.1e, max relative grad diff %.1e\n",
                static_cast<long long>(T), static_cast<long long>(B), static_cast<long long>(H), 1e3 * best_torch,
                1e3 * best_fused, best_torch / best_fused, diff, grad_diff);
  }
  std::printf("encoder + decoder per batch: torch::lstm %.2f ms, own backward %.2f ms (%.2fx)\n", 1e3 * torch_total,
              1e3 * fused_total, torch_total / fused_total);
  return 0;
}
