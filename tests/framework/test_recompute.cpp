// automl::nn::recompute (automl/nn/recompute.hpp) against the function it
// wraps, bit for bit: outputs and every gradient, with and without a
// gradient for the input; batch norm's running statistics and
// num_batches_tracked updated once; the second pass under the first's
// autocast; nothing but the input and the weights in the graph; the plain
// function without autograd.

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include <torch/torch.h>

#include "automl/nn/batch_norm.hpp"
#include "automl/nn/depthwise_conv.hpp"
#include "automl/nn/precision.hpp"
#include "automl/nn/recompute.hpp"
#include "tensor_support.hpp"

namespace recompute {
namespace {

using automl::test::channels_last;
using automl::test::differences;
using torch::Tensor;

// ReLU, 1x1 conv, BN + ReLU (module form), 5x5 depthwise conv, BN (tensor
// form with running statistics): the shape of a separable convolution.
struct Block {
  Tensor pw, dw, weight, bias, mean, var;
  torch::nn::BatchNorm2d bn{nullptr};
  int calls = 0;

  explicit Block(std::int64_t c) {
    torch::manual_seed(3);
    pw = channels_last(torch::randn({c, c, 1, 1})).requires_grad_();
    dw = channels_last(torch::randn({c, 1, 5, 5})).requires_grad_();
    weight = (torch::rand({c}) + 0.5).requires_grad_();
    bias = torch::randn({c}).requires_grad_();
    mean = torch::zeros({c});
    var = torch::ones({c});
    bn = torch::nn::BatchNorm2d(c);
    bn->train();
  }
  std::vector<Tensor> weights() const {
    return {pw, dw, weight, bias, bn->weight, bn->bias};
  }
  Tensor operator()(const Tensor& x) {
    ++calls;
    Tensor y = torch::conv2d(torch::relu(x), pw);
    y = automl::nn::batch_norm_relu(*bn, y);
    y = automl::nn::depthwise_conv2d(y, dw, 1, 2);
    return automl::nn::batch_norm(y, weight, bias, mean, var, true, 0.1, 1e-5);
  }
  std::vector<Tensor> grads() const {
    std::vector<Tensor> g;
    for (const auto& w : weights()) g.push_back(w.grad());
    return g;
  }
  std::vector<Tensor> statistics() const { return {mean, var, bn->running_mean, bn->running_var, bn->num_batches_tracked}; }
};

struct Run {
  Tensor y, dx;
  std::vector<Tensor> grads, statistics;
  int calls;
};

// One forward and backward pass through `c` channels, recomputed or not.
Run run(std::int64_t c, bool recomputed, bool x_grad = true, bool bf16 = false) {
  Block block(c);
  torch::manual_seed(4);
  const Tensor x = channels_last(torch::randn({4, c, 9, 9})).requires_grad_(x_grad);
  const Tensor dy = channels_last(torch::randn({4, c, 9, 9}));
  Tensor y;
  {
    const automl::nn::Autocast autocast(bf16 ? automl::nn::Precision::bf16 : automl::nn::Precision::fp32,
                                        torch::Device("cpu"));
    y = recomputed ? automl::nn::recompute([&block](const Tensor& in) { return block(in); }, x, block.weights())
                   : block(x);
  }
  y.backward(dy.to(y.scalar_type()));  // outside autocast, as trainers call it
  return {y.detach(), x_grad ? x.grad() : Tensor(), block.grads(), block.statistics(), block.calls};
}

void compare(const Run& plain, const Run& again, const std::string& what) {
  BOOST_TEST(differences(plain.y, again.y) == "", what << ": output: " << differences(plain.y, again.y));
  BOOST_TEST(differences(plain.dx, again.dx) == "", what << ": input gradient: " << differences(plain.dx, again.dx));
  for (std::size_t i = 0; i < plain.grads.size(); ++i)
    BOOST_TEST(differences(plain.grads[i], again.grads[i]) == "",
               what << ": gradient of weight " << i << ": " << differences(plain.grads[i], again.grads[i]));
  for (std::size_t i = 0; i < plain.statistics.size(); ++i)
    BOOST_TEST(differences(plain.statistics[i], again.statistics[i]) == "",
               what << ": running statistic " << i << ": " << differences(plain.statistics[i], again.statistics[i]));
}

}  // namespace
}  // namespace recompute

BOOST_AUTO_TEST_SUITE(recompute)

// 12 channels take this project's batch-norm kernels, 16 LibTorch's for
// the BN without a ReLU; both update the running statistics once.
BOOST_AUTO_TEST_CASE(gradients_and_statistics_are_those_of_the_plain_function) {
  torch::set_num_threads(1);
  for (std::int64_t c : {12, 16}) {
    const Run plain = run(c, false), again = run(c, true);
    compare(plain, again, "C=" + std::to_string(c));
    BOOST_TEST(plain.calls == 1);
    BOOST_TEST(again.calls == 2);  // once forward, once in the backward pass
    BOOST_TEST(again.statistics[4].item<std::int64_t>() == 1);
  }
}

BOOST_AUTO_TEST_CASE(an_input_without_a_gradient_still_trains_the_weights) {
  torch::set_num_threads(1);
  const Run plain = run(12, false, false), again = run(12, true, false);
  compare(plain, again, "input without gradient");
  BOOST_TEST(!again.dx.defined());
}

// The second pass must run in bf16 where the first did: in fp32 its
// gradients would differ from the plain function's.
BOOST_AUTO_TEST_CASE(the_second_pass_runs_under_the_first_passs_autocast) {
  torch::set_num_threads(1);
  const Run plain = run(12, false, true, true), again = run(12, true, true, true);
  BOOST_TEST(plain.y.scalar_type() == torch::kBFloat16);
  compare(plain, again, "bf16 autocast");
  BOOST_TEST(!automl::nn::autocast_active());
}

BOOST_AUTO_TEST_CASE(the_graph_holds_only_the_input_and_the_weights) {
  Block block(12);
  const Tensor x = channels_last(torch::randn({2, 12, 5, 5})).requires_grad_();
  const Tensor y = automl::nn::recompute([&block](const Tensor& in) { return block(in); }, x, block.weights());
  BOOST_REQUIRE(y.grad_fn() != nullptr);
  BOOST_TEST(y.grad_fn()->num_inputs() == 1u);
  BOOST_TEST(y.grad_fn()->next_edges().size() == 1 + block.weights().size());
  for (const auto& edge : y.grad_fn()->next_edges())
    BOOST_TEST(edge.function->name().find("AccumulateGrad") != std::string::npos);
  BOOST_TEST(!automl::nn::recomputing());
}

BOOST_AUTO_TEST_CASE(without_autograd_it_is_the_function) {
  Block block(12), other(12);
  const Tensor x = channels_last(torch::randn({2, 12, 5, 5}));
  torch::NoGradGuard no_grad;
  const Tensor y = automl::nn::recompute([&block](const Tensor& in) { return block(in); }, x, block.weights());
  BOOST_TEST(block.calls == 1);
  BOOST_TEST(differences(y, other(x)) == "");
  BOOST_TEST(differences(block.mean, other.mean) == "");
}

BOOST_AUTO_TEST_SUITE_END()
