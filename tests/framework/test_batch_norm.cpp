// automl::nn::batch_norm (automl/nn/batch_norm.hpp) against torch::batch_norm,
// bit for bit: outputs, running statistics, gradients, for channel counts
// with and without a tail of C mod 8 channels, in training and evaluation,
// with and without autograd, on one and two threads; batch_norm_relu against
// torch::relu of torch::batch_norm the same way.

#include <boost/test/unit_test.hpp>

#include <limits>
#include <string>

#include <torch/torch.h>

#include "automl/nn/batch_norm.hpp"
#include "tensor_support.hpp"

namespace batch_norm {
namespace {

using automl::test::channels_last;
using automl::test::differences;
using torch::Tensor;

struct Case {
  std::int64_t n, c, h, w;
};

// One training step through both, from the same parameters and statistics;
// with `relu`, batch_norm_relu against torch::relu(torch::batch_norm(...)).
void check_training(const Case& k, double momentum, bool relu = false) {
  torch::manual_seed(k.c * 131 + k.h);
  const Tensor x0 = channels_last(torch::randn({k.n, k.c, k.h, k.w}) * 3 + 0.5);
  const Tensor dy = channels_last(torch::randn({k.n, k.c, k.h, k.w}));
  const Tensor w0 = torch::rand({k.c}) + 0.5, b0 = torch::randn({k.c});
  const Tensor rm0 = torch::randn({k.c}), rv0 = torch::rand({k.c}) + 0.5;
  Tensor x[2], w[2], b[2], rm[2], rv[2], y[2];
  for (int i = 0; i < 2; ++i) {
    x[i] = x0.clone().requires_grad_(), w[i] = w0.clone().requires_grad_(), b[i] = b0.clone().requires_grad_();
    rm[i] = rm0.clone(), rv[i] = rv0.clone();
  }
  y[0] = torch::batch_norm(x[0], w[0], b[0], rm[0], rv[0], true, momentum, 1e-5, false);
  if (relu) y[0] = torch::relu(y[0]);
  y[1] = relu ? automl::nn::batch_norm_relu(x[1], w[1], b[1], rm[1], rv[1], true, momentum, 1e-5)
              : automl::nn::batch_norm(x[1], w[1], b[1], rm[1], rv[1], true, momentum, 1e-5);
  for (int i = 0; i < 2; ++i) y[i].backward(dy);
  const std::string shape = "C=" + std::to_string(k.c) + " HxW=" + std::to_string(k.h) + "x" + std::to_string(k.w) +
                            (relu ? " with ReLU" : "");
  BOOST_TEST(y[1].is_contiguous(at::MemoryFormat::ChannelsLast), shape);
  BOOST_TEST(differences(y[0], y[1]) == "", shape << ": output: " << differences(y[0], y[1]));
  BOOST_TEST(differences(rm[0], rm[1]) == "", shape << ": running mean");
  BOOST_TEST(differences(rv[0], rv[1]) == "", shape << ": running variance");
  BOOST_TEST(differences(x[0].grad(), x[1].grad()) == "", shape << ": input gradient");
  BOOST_TEST(differences(w[0].grad(), w[1].grad()) == "", shape << ": weight gradient");
  BOOST_TEST(differences(b[0].grad(), b[1].grad()) == "", shape << ": bias gradient");
}

const Case cases[] = {{8, 20, 8, 8}, {4, 60, 6, 6}, {3, 36, 5, 7}, {2, 3, 9, 9}, {6, 12, 4, 4}, {5, 16, 4, 4}};

}  // namespace
}  // namespace batch_norm

BOOST_AUTO_TEST_SUITE(batch_norm)

BOOST_AUTO_TEST_CASE(the_own_kernel_is_taken_for_channels_last_tails_only) {
  const Tensor x = channels_last(torch::randn({2, 20, 4, 4}));
  BOOST_TEST(!automl::nn::own_batch_norm_kernel(torch::randn({2, 20, 4, 4})));  // contiguous: LibTorch's
  BOOST_TEST(!automl::nn::own_batch_norm_kernel(channels_last(torch::randn({2, 16, 4, 4}))));  // no tail
  BOOST_TEST(!automl::nn::own_batch_norm_kernel(x.to(torch::kDouble)));
  if (!automl::nn::own_batch_norm_kernel(x))
    BOOST_TEST_MESSAGE("LibTorch does not run its AVX2/AVX-512 kernels here: every call goes to torch::batch_norm, "
                       "and the comparisons below compare it with itself");
}

BOOST_AUTO_TEST_CASE(training_matches_torch_bit_for_bit) {
  for (const auto& k : cases) check_training(k, 0.1);
  check_training({4, 20, 4, 4}, 0.0);
}

BOOST_AUTO_TEST_CASE(training_matches_torch_on_two_threads) {
  const int threads = torch::get_num_threads();
  torch::set_num_threads(2);
  check_training({8, 20, 8, 8}, 0.1);
  check_training({8, 20, 8, 8}, 0.1, true);
  torch::set_num_threads(threads);
}

BOOST_AUTO_TEST_CASE(batch_norm_relu_matches_torch_relu_of_batch_norm_bit_for_bit) {
  for (const auto& k : cases) check_training(k, 0.1, true);
  torch::manual_seed(6);
  const Tensor x = channels_last(torch::randn({6, 20, 5, 5}) * 2 - 1);
  const Tensor w = torch::rand({20}) + 0.5, b = torch::randn({20});
  torch::NoGradGuard no_grad;
  for (const bool training : {true, false}) {
    const Tensor rm = torch::randn({20}), rv = torch::rand({20}) + 0.5;
    const Tensor a = torch::relu(torch::batch_norm(x, w, b, rm.clone(), rv.clone(), training, 0.1, 1e-5, false));
    const Tensor c = automl::nn::batch_norm_relu(x, w, b, rm.clone(), rv.clone(), training, 0.1, 1e-5);
    BOOST_TEST(differences(a, c) == "", (training ? "training" : "evaluation") << " without autograd");
  }
  // A NaN stays NaN through the ReLU, as through torch::relu.
  Tensor bad = x.clone();
  bad.index_put_({0, 3, 0, 0}, std::numeric_limits<float>::quiet_NaN());
  const Tensor a = torch::relu(torch::batch_norm(bad, w, b, {}, {}, true, 0.1, 1e-5, false));
  const Tensor c = automl::nn::batch_norm_relu(bad, w, b, {}, {}, true, 0.1, 1e-5);
  BOOST_TEST(a.isnan().sum().item<std::int64_t>() == c.isnan().sum().item<std::int64_t>());
  BOOST_TEST(c.isnan().sum().item<std::int64_t>() > 0);
}

BOOST_AUTO_TEST_CASE(forward_only_and_evaluation_match_torch) {
  torch::manual_seed(3);
  const Tensor x = channels_last(torch::randn({6, 20, 5, 5}) * 2 - 1);
  const Tensor w = torch::rand({20}) + 0.5, b = torch::randn({20});
  for (const bool training : {true, false}) {
    Tensor rm[2] = {torch::randn({20}), Tensor()}, rv[2] = {torch::rand({20}) + 0.5, Tensor()};
    rm[1] = rm[0].clone(), rv[1] = rv[0].clone();
    torch::NoGradGuard no_grad;
    const Tensor a = torch::batch_norm(x, w, b, rm[0], rv[0], training, 0.1, 1e-5, false);
    const Tensor c = automl::nn::batch_norm(x, w, b, rm[1], rv[1], training, 0.1, 1e-5);
    BOOST_TEST(differences(a, c) == "", (training ? "training" : "evaluation"));
    BOOST_TEST(differences(rm[0], rm[1]) == "");
    BOOST_TEST(differences(rv[0], rv[1]) == "");
  }
}

BOOST_AUTO_TEST_CASE(a_contiguous_gradient_goes_through_torch_backward) {
  torch::manual_seed(4);
  const Tensor x0 = channels_last(torch::randn({4, 20, 6, 6}));
  const Tensor dy = torch::randn({4, 20, 6, 6});  // contiguous, as some consumers give it
  for (const bool relu : {false, true}) {
    Tensor grads[2];
    for (int i = 0; i < 2; ++i) {
      const Tensor x = x0.clone().requires_grad_();
      const Tensor w = torch::ones({20}, torch::requires_grad()), b = torch::zeros({20}, torch::requires_grad());
      Tensor y;
      if (i == 0) {
        y = torch::batch_norm(x, w, b, {}, {}, true, 0.1, 1e-5, false);
        if (relu) y = torch::relu(y);
      } else {
        y = relu ? automl::nn::batch_norm_relu(x, w, b, {}, {}, true, 0.1, 1e-5)
                 : automl::nn::batch_norm(x, w, b, {}, {}, true, 0.1, 1e-5);
      }
      y.backward(dy);
      grads[i] = x.grad();
    }
    BOOST_TEST(differences(grads[0], grads[1]) == "", (relu ? "with ReLU" : "without ReLU"));
  }
}

BOOST_AUTO_TEST_CASE(the_module_form_counts_batches_as_the_module_does) {
  torch::manual_seed(5);
  torch::nn::BatchNorm2d a(torch::nn::BatchNorm2dOptions(20).momentum(c10::nullopt));
  torch::nn::BatchNorm2d c(torch::nn::BatchNorm2dOptions(20).momentum(c10::nullopt));
  for (int step = 0; step < 3; ++step) {
    const Tensor x = channels_last(torch::randn({4, 20, 4, 4}));
    BOOST_TEST(differences(a->forward(x), automl::nn::batch_norm(*c, x)) == "");
  }
  BOOST_TEST(c->num_batches_tracked.item<std::int64_t>() == 3);
  BOOST_TEST(differences(a->running_mean, c->running_mean) == "");
  BOOST_TEST(differences(a->running_var, c->running_var) == "");
  a->eval(), c->eval();
  const Tensor x = channels_last(torch::randn({4, 20, 4, 4}));
  BOOST_TEST(differences(a->forward(x), automl::nn::batch_norm(*c, x)) == "");
  BOOST_TEST(differences(torch::relu(a->forward(x)), automl::nn::batch_norm_relu(*c, x)) == "");
}

BOOST_AUTO_TEST_SUITE_END()
