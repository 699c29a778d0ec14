// automl::nn::depthwise_conv2d (automl/nn/depthwise_conv.hpp) against
// torch::conv2d: the output and the input gradient bit for bit, the weight
// gradient of its own kernel against a double-precision reference (as close
// as oneDNN's), for kernels of 3, 5 and 7, strides 1 and 2, channel counts
// with and without a tail of C mod 8, borders narrower than the kernel, on
// one and two threads.

#include <boost/test/unit_test.hpp>

#include <string>

#include <torch/torch.h>

#include "automl/nn/depthwise_conv.hpp"
#include "automl/nn/precision.hpp"
#include "tensor_support.hpp"

namespace depthwise_conv {
namespace {

using automl::test::channels_last;
using automl::test::differences;
using torch::Tensor;

double max_error(const Tensor& a, const Tensor& exact) {
  return (a.to(torch::kDouble) - exact).abs().max().item<double>();
}

struct Case {
  std::int64_t n, c, h, w, k, stride;
};

std::string name(const Case& k) {
  return "C=" + std::to_string(k.c) + " " + std::to_string(k.h) + "x" + std::to_string(k.w) + " k=" +
         std::to_string(k.k) + " stride " + std::to_string(k.stride);
}

struct Grads {
  Tensor y, dx, dw;
};

Grads run(const Case& k, const Tensor& x0, const Tensor& w0, const Tensor& dy, bool own) {
  const Tensor x = x0.clone().requires_grad_(), w = w0.clone().requires_grad_();
  const Tensor y = own ? automl::nn::depthwise_conv2d(x, w, k.stride, k.k / 2)
                       : torch::conv2d(x, w, {}, k.stride, k.k / 2, 1, k.c);
  y.backward(dy);
  return {y.detach(), x.grad(), w.grad()};
}

void check(const Case& k) {
  torch::manual_seed(k.c * 131 + k.h * 7 + k.k);
  const Tensor x = channels_last(torch::randn({k.n, k.c, k.h, k.w}));
  const Tensor w = channels_last(torch::randn({k.c, 1, k.k, k.k}) * 0.3);
  const Tensor y0 = torch::conv2d(x, w, {}, k.stride, k.k / 2, 1, k.c);
  const Tensor dy = channels_last(torch::randn(y0.sizes()));
  const Grads a = run(k, x, w, dy, false), b = run(k, x, w, dy, true);
  BOOST_TEST(differences(a.y, b.y) == "", name(k) << ": output: " << differences(a.y, b.y));
  BOOST_TEST(differences(a.dx, b.dx) == "", name(k) << ": input gradient: " << differences(a.dx, b.dx));
  if (!automl::nn::own_depthwise_weight_grad(x, w)) {
    BOOST_TEST(differences(a.dw, b.dw) == "", name(k) << ": weight gradient (oneDNN's on both sides)");
    return;
  }
  // The exact weight gradient, in double precision, contiguous.
  const Tensor xd = x.to(torch::kDouble).contiguous(), wd = w.to(torch::kDouble).contiguous().requires_grad_();
  torch::conv2d(xd, wd, {}, k.stride, k.k / 2, 1, k.c).backward(dy.to(torch::kDouble).contiguous());
  const Tensor exact = wd.grad();
  const double scale = exact.abs().max().item<double>();
  const double ours = max_error(b.dw, exact), theirs = max_error(a.dw, exact);
  BOOST_TEST(ours <= 2e-6 * scale + 1e-6, name(k) << ": weight gradient off by " << ours << " (oneDNN's by "
                                                  << theirs << ", largest " << scale << ")");
  BOOST_TEST(b.dw.sizes() == w.sizes());
  BOOST_TEST(b.dw.strides() == w.strides());
}

// The last two: the supernet's second-stage reduction and third stage.
const Case cases[] = {{4, 20, 8, 8, 5, 1}, {3, 20, 7, 9, 5, 2}, {2, 16, 6, 6, 5, 1},   {2, 3, 9, 5, 5, 1},
                      {2, 40, 4, 4, 5, 1}, {1, 12, 3, 3, 5, 1}, {2, 20, 8, 8, 7, 1},   {2, 20, 9, 9, 7, 2},
                      {4, 20, 8, 8, 3, 1}, {3, 20, 7, 7, 3, 2}, {2, 40, 16, 16, 5, 2}, {2, 80, 8, 8, 5, 1}};

}  // namespace
}  // namespace depthwise_conv

BOOST_AUTO_TEST_SUITE(depthwise_conv)

BOOST_AUTO_TEST_CASE(the_own_weight_gradient_is_taken_for_channels_last_5x5_and_7x7) {
  const Tensor x = channels_last(torch::randn({2, 20, 8, 8}));
  const Tensor w5 = torch::randn({20, 1, 5, 5}), w3 = torch::randn({20, 1, 3, 3});
  BOOST_TEST(!automl::nn::own_depthwise_weight_grad(x, w3));  // oneDNN's is fast at 3 x 3
  BOOST_TEST(!automl::nn::own_depthwise_weight_grad(torch::randn({2, 20, 8, 8}), w5));  // contiguous
  BOOST_TEST(!automl::nn::own_depthwise_weight_grad(x.to(torch::kDouble), w5.to(torch::kDouble)));
  BOOST_TEST(!automl::nn::own_depthwise_weight_grad(x, torch::randn({20, 2, 5, 5})));  // not depthwise
  if (!automl::nn::own_depthwise_weight_grad(x, w5))
    BOOST_TEST_MESSAGE("no AVX2 and FMA here: every call goes to torch::conv2d, and the comparisons below compare "
                       "it with itself");
}

BOOST_AUTO_TEST_CASE(outputs_and_input_gradients_match_torch_weight_gradients_are_exact_to_float) {
  for (const auto& k : cases) check(k);
}

BOOST_AUTO_TEST_CASE(the_weight_gradient_does_not_depend_on_the_thread_count) {
  torch::manual_seed(9);
  const Tensor x = channels_last(torch::randn({6, 20, 8, 8}));
  const Tensor w = channels_last(torch::randn({20, 1, 5, 5}));
  const Tensor dy = channels_last(torch::randn({6, 20, 8, 8}));
  if (!automl::nn::own_depthwise_weight_grad(x, w)) return;
  const int threads = torch::get_num_threads();
  const Tensor one = automl::nn::depthwise_weight_grad(dy, x, w, 1, 2);
  torch::set_num_threads(2);
  const Tensor two = automl::nn::depthwise_weight_grad(dy, x, w, 1, 2);
  torch::set_num_threads(threads);
  BOOST_TEST(differences(one, two) == "");
  // A gradient in the other layout gives the same weight gradient.
  BOOST_TEST(differences(one, automl::nn::depthwise_weight_grad(dy.contiguous(), x, w, 1, 2)) == "");
}

BOOST_AUTO_TEST_CASE(an_input_without_gradient_and_evaluation_go_through_as_torch) {
  torch::manual_seed(10);
  const Tensor x = channels_last(torch::randn({2, 20, 8, 8}));
  const Tensor w0 = channels_last(torch::randn({20, 1, 5, 5}));
  const Tensor w = w0.clone().requires_grad_();
  automl::nn::depthwise_conv2d(x, w, 1, 2).sum().backward();  // x needs no gradient
  BOOST_TEST(w.grad().defined());
  BOOST_TEST(!x.grad().defined());
  torch::NoGradGuard no_grad;
  BOOST_TEST(differences(automl::nn::depthwise_conv2d(x, w0, 2, 2), torch::conv2d(x, w0, {}, 2, 2, 1, 20)) == "");
}

BOOST_AUTO_TEST_CASE(under_bf16_autocast_it_is_torch_conv2d) {
  torch::manual_seed(11);
  const Tensor x = channels_last(torch::randn({2, 20, 8, 8}));
  const Tensor w0 = channels_last(torch::randn({20, 1, 5, 5}));
  Tensor y[2], dw[2];
  for (int i = 0; i < 2; ++i) {
    const Tensor w = w0.clone().requires_grad_();
    {
      const automl::nn::Autocast autocast(automl::nn::Precision::bf16, torch::kCPU);
      BOOST_TEST(automl::nn::autocast_active());
      y[i] = i == 0 ? torch::conv2d(x, w, {}, 1, 2, 1, 20) : automl::nn::depthwise_conv2d(x, w, 1, 2);
    }
    BOOST_TEST(!automl::nn::autocast_active());
    y[i].to(torch::kFloat).sum().backward();
    dw[i] = w.grad();
  }
  BOOST_TEST((y[1].scalar_type() == y[0].scalar_type()));
  BOOST_TEST(differences(y[0].to(torch::kFloat), y[1].to(torch::kFloat)) == "");
  BOOST_TEST(differences(dw[0], dw[1]) == "");
}

BOOST_AUTO_TEST_CASE(a_wrong_gradient_shape_is_refused) {
  const Tensor x = channels_last(torch::randn({2, 20, 8, 8}));
  const Tensor w = channels_last(torch::randn({20, 1, 5, 5}));
  if (!automl::nn::own_depthwise_weight_grad(x, w)) return;
  BOOST_CHECK_THROW(automl::nn::depthwise_weight_grad(torch::randn({2, 20, 4, 4}), x, w, 1, 2), c10::Error);
}

BOOST_AUTO_TEST_SUITE_END()
