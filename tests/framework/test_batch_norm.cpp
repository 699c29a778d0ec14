// automl::nn::batch_norm (automl/nn/batch_norm.hpp) against torch::batch_norm,
// bit for bit: outputs, running statistics, gradients, for channel counts
// with and without a tail of C mod 8 channels, in training and evaluation,
// with and without autograd, on one and two threads; batch_norm_relu against
// torch::relu of torch::batch_norm the same way; a gradient in another
// layout against torch's backward of its channels-last copy.

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

// Without autograd, and in evaluation:
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

// A gradient in another layout (contiguous, or a slice of cat's gradient)
// is copied to channels-last and goes through the kernel: the gradients of
// torch's backward given that copy. (Given the gradient itself, LibTorch
// takes its generic path, which sums in another order and is 10-20 times
// slower: bench/README.md.)
BOOST_AUTO_TEST_CASE(a_gradient_in_another_layout_gives_torch_backward_of_its_channels_last_copy) {
  torch::manual_seed(4);
  for (const std::int64_t c : {20, 16}) {
    const Tensor x0 = channels_last(torch::randn({4, c, 6, 6})), w0 = torch::rand({c}) + 0.5;
    const Tensor wide = channels_last(torch::randn({4, 3 * c, 6, 6}));
    const Tensor layouts[] = {torch::randn({4, c, 6, 6}), wide.narrow(1, c, c)};
    for (const Tensor& dy : layouts)
      for (const bool relu : {false, true}) {
        Tensor grads[2][3];
        for (int i = 0; i < 2; ++i) {
          const Tensor x = x0.clone().requires_grad_();
          const Tensor w = w0.clone().requires_grad_(), b = torch::zeros({c}, torch::requires_grad());
          Tensor y;
          if (i == 0) {
            y = torch::batch_norm(x, w, b, {}, {}, true, 0.1, 1e-5, false);
            if (relu) y = torch::relu(y);
            y.backward(channels_last(dy));
          } else {
            y = relu ? automl::nn::batch_norm_relu(x, w, b, {}, {}, true, 0.1, 1e-5)
                     : automl::nn::batch_norm(x, w, b, {}, {}, true, 0.1, 1e-5);
            y.backward(dy);
          }
          grads[i][0] = x.grad(), grads[i][1] = w.grad(), grads[i][2] = b.grad();
        }
        const std::string what = "C=" + std::to_string(c) + (dy.is_contiguous() ? " contiguous" : " slice") +
                                 (relu ? " with ReLU" : "");
        for (int g = 0; g < 3; ++g)
          BOOST_TEST(differences(grads[0][g], grads[1][g]) == "", what << ": gradient " << g);
      }
  }
}

// With autograd in training the own kernel runs at every channel count
// (multiples of 8 included), for its backward's way with other layouts.
BOOST_AUTO_TEST_CASE(training_with_autograd_takes_the_own_kernel_at_every_channel_count) {
  if (!automl::nn::own_batch_norm_kernel(channels_last(torch::randn({2, 20, 4, 4})))) return;  // see above
  for (const std::int64_t c : {16, 20}) {
    const Tensor x = channels_last(torch::randn({2, c, 4, 4})).requires_grad_();
    const Tensor y = automl::nn::batch_norm(x, torch::ones({c}), torch::zeros({c}), {}, {}, true, 0.1, 1e-5);
    BOOST_TEST(y.grad_fn()->name().find("TrainFunction") != std::string::npos, "C=" << c << ": " << y.grad_fn()->name());
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
