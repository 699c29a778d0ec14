// automl::nn::max_pool2d (automl/nn/max_pool.hpp) against torch::max_pool2d,
// bit for bit (compared as integers, so -0.0, +0.0 and NaN payloads count):
// outputs and input gradients for windows of 2, 3 and 5, strides 1 and 2,
// channel counts with and without a tail of C mod 8, ties, -inf and NaN
// inputs, with and without autograd, a gradient in the other layout, one
// and two threads.

#include <boost/test/unit_test.hpp>

#include <limits>
#include <string>

#include <torch/torch.h>

#include "automl/nn/max_pool.hpp"
#include "tensor_support.hpp"

namespace max_pool {
namespace {

using automl::test::channels_last;
using automl::test::differences;
using torch::Tensor;

struct Case {
  std::int64_t n, c, h, w, k, stride, pad;
};

std::string name(const Case& k) {
  return "C=" + std::to_string(k.c) + " " + std::to_string(k.h) + "x" + std::to_string(k.w) +
         " k=" + std::to_string(k.k) + " stride " + std::to_string(k.stride) + " pad " + std::to_string(k.pad);
}

// `x0`'s values through both, and `dy` back.
void compare(const Case& k, const Tensor& x0, const Tensor& dy_or_empty, const std::string& what) {
  Tensor y[2], dx[2], dy = dy_or_empty;
  for (int i = 0; i < 2; ++i) {
    const Tensor x = x0.clone().requires_grad_();
    y[i] = i == 0 ? torch::max_pool2d(x, {k.k, k.k}, {k.stride, k.stride}, {k.pad, k.pad})
                  : automl::nn::max_pool2d(x, k.k, k.stride, k.pad);
    if (!dy.defined()) dy = channels_last(torch::randn(y[0].sizes()));
    y[i].backward(dy);
    dx[i] = x.grad();
  }
  BOOST_TEST(y[1].is_contiguous(at::MemoryFormat::ChannelsLast), name(k));
  BOOST_TEST(differences(y[0], y[1]) == "", name(k) << what << ": output: " << differences(y[0], y[1]));
  BOOST_TEST(differences(dx[0], dx[1]) == "", name(k) << what << ": input gradient: " << differences(dx[0], dx[1]));
  // Without autograd (scoring) the own kernel runs for every channel count.
  torch::NoGradGuard no_grad;
  const Tensor plain = automl::nn::max_pool2d(x0, k.k, k.stride, k.pad);
  BOOST_TEST(differences(y[0], plain) == "", name(k) << what << ": output without autograd");
}

void check(const Case& k) {
  torch::manual_seed(k.c * 31 + k.h * 7 + k.k);
  const Tensor x = channels_last(torch::randn({k.n, k.c, k.h, k.w}));
  torch::manual_seed(1);
  const Tensor dy =
      channels_last(torch::randn(torch::max_pool2d(x, {k.k, k.k}, {k.stride, k.stride}, {k.pad, k.pad}).sizes()));
  compare(k, x, dy, "");
  // Ties everywhere (values rounded to a few levels, zeros of both signs):
  // the first maximum of each window is the one that takes the gradient.
  const Tensor ties = channels_last(torch::round(torch::randn({k.n, k.c, k.h, k.w}) * 0.7) * torch::sign(x));
  compare(k, ties, dy, " (ties)");
}

const Case cases[] = {{4, 20, 8, 8, 3, 1, 1}, {3, 20, 7, 9, 3, 2, 1}, {2, 16, 6, 6, 3, 1, 1},
                      {2, 3, 5, 5, 3, 1, 1},  {2, 40, 4, 4, 3, 2, 1}, {2, 12, 9, 9, 5, 1, 2},
                      {2, 20, 8, 8, 2, 2, 0}, {2, 20, 9, 7, 2, 1, 1}, {1, 36, 3, 3, 3, 1, 0}};

}  // namespace
}  // namespace max_pool

BOOST_AUTO_TEST_SUITE(max_pool)

BOOST_AUTO_TEST_CASE(the_own_kernel_is_taken_for_channels_last_float) {
  const Tensor x = channels_last(torch::randn({2, 20, 4, 4}));
  BOOST_TEST(!automl::nn::own_max_pool_kernel(torch::randn({2, 20, 4, 4})));  // contiguous: LibTorch's
  BOOST_TEST(!automl::nn::own_max_pool_kernel(x.to(torch::kDouble)));
  if (!automl::nn::own_max_pool_kernel(x))
    BOOST_TEST_MESSAGE("no AVX2 here: every call goes to torch::max_pool2d, and the comparisons below compare it "
                       "with itself");
}

BOOST_AUTO_TEST_CASE(outputs_and_gradients_match_torch_bit_for_bit) {
  for (const auto& k : cases) check(k);
}

BOOST_AUTO_TEST_CASE(minus_infinity_and_nan_are_taken_as_torch_takes_them) {
  const Case k{2, 20, 6, 6, 3, 1, 1};
  torch::manual_seed(7);
  Tensor x = torch::randn({k.n, k.c, k.h, k.w});
  x.index_put_({0, torch::indexing::Slice(), torch::indexing::Slice(0, 3), torch::indexing::Slice(0, 3)},
               -std::numeric_limits<float>::infinity());
  x.index_put_({1, 3, 2, 2}, std::numeric_limits<float>::quiet_NaN());
  x.index_put_({1, 17, 4, 1}, -std::numeric_limits<float>::quiet_NaN());
  x.index_put_({1, 17, 4, 2}, std::numeric_limits<float>::quiet_NaN());
  compare(k, channels_last(x), Tensor(), " (-inf, NaN)");
}

BOOST_AUTO_TEST_CASE(two_threads_and_a_contiguous_gradient_match_torch) {
  const Case k{6, 20, 8, 8, 3, 1, 1};
  torch::manual_seed(8);
  const Tensor x = channels_last(torch::randn({k.n, k.c, k.h, k.w}));
  const int threads = torch::get_num_threads();
  torch::set_num_threads(2);
  compare(k, x, Tensor(), " (2 threads)");
  torch::set_num_threads(threads);
  compare(k, x, torch::randn({k.n, k.c, k.h, k.w}), " (contiguous gradient)");
}

BOOST_AUTO_TEST_CASE(without_autograd_and_on_other_layouts_it_is_torch_max_pool2d) {
  torch::manual_seed(9);
  const Tensor x = channels_last(torch::randn({3, 20, 8, 8}));
  torch::NoGradGuard no_grad;
  BOOST_TEST(differences(automl::nn::max_pool2d(x, 3, 2, 1), torch::max_pool2d(x, {3, 3}, {2, 2}, {1, 1})) == "");
  const Tensor plain = torch::randn({3, 20, 8, 8});
  const Tensor theirs = torch::max_pool2d(plain, {3, 3}, {1, 1}, {1, 1});
  BOOST_TEST(differences(automl::nn::max_pool2d(plain, 3, 1, 1), theirs) == "");
  // Padding over half the window: torch's own error.
  BOOST_CHECK_THROW(automl::nn::max_pool2d(x, 3, 1, 2), c10::Error);
}

BOOST_AUTO_TEST_SUITE_END()
