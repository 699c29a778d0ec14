// automl::nn::even_odd_pixels (automl/nn/subsample.hpp) against the slices
// it replaces, x[:, :, ::2, ::2] and x[:, :, 1::2, 1::2], bit for bit:
// outputs, their layout, and the input gradient with both outputs used, one
// of them, and a gradient in the other layout; float and double; an input
// that is not channels-last; no autograd; an odd size refused, and padded
// to even (as FactorizedReduce does) giving the reference's shifted slices.

#include <boost/test/unit_test.hpp>

#include <string>

#include <torch/torch.h>

#include "automl/nn/subsample.hpp"
#include "tensor_support.hpp"

namespace subsample {
namespace {

using automl::test::channels_last;
using automl::test::differences;
using torch::Tensor;

Tensor slice_pixels(const Tensor& x, std::int64_t first) {
  return x.slice(2, first, c10::nullopt, 2).slice(3, first, c10::nullopt, 2).contiguous(at::MemoryFormat::ChannelsLast);
}

// `use`: 3 both outputs, 1 the even pixels only, 2 the odd ones only.
void compare(const Tensor& x0, int use, bool contiguous_grads, const std::string& what) {
  Tensor out[2][2], dx[2];
  torch::manual_seed(7);
  const Tensor ge = torch::randn({x0.size(0), x0.size(1), x0.size(2) / 2, x0.size(3) / 2}, x0.options());
  const Tensor go = torch::randn(ge.sizes(), x0.options());
  for (int i = 0; i < 2; ++i) {
    const Tensor x = x0.clone().requires_grad_();
    if (i == 0) {
      out[i][0] = slice_pixels(x, 0), out[i][1] = slice_pixels(x, 1);
    } else {
      std::tie(out[i][0], out[i][1]) = automl::nn::even_odd_pixels(x);
    }
    const Tensor de = contiguous_grads ? ge : channels_last(ge), dod = contiguous_grads ? go : channels_last(go);
    Tensor loss = torch::zeros({}, x0.options());
    if (use & 1) loss = loss + (out[i][0] * de).sum();
    if (use & 2) loss = loss + (out[i][1] * dod).sum();
    loss.backward();
    dx[i] = x.grad();
  }
  for (int k = 0; k < 2; ++k) {
    BOOST_TEST(out[1][k].is_contiguous(at::MemoryFormat::ChannelsLast), what);
    BOOST_TEST(differences(out[0][k], out[1][k]) == "", what << ": output " << k);
  }
  BOOST_TEST(differences(dx[0], dx[1]) == "", what << ": input gradient: " << differences(dx[0], dx[1]));
}

}  // namespace
}  // namespace subsample

BOOST_AUTO_TEST_SUITE(subsample)

BOOST_AUTO_TEST_CASE(both_subsamplings_and_their_gradient_match_the_slices_bit_for_bit) {
  using namespace subsample;
  torch::manual_seed(1);
  for (const auto& shape : {std::vector<std::int64_t>{2, 20, 8, 8}, {3, 16, 6, 10}, {1, 3, 2, 2}, {4, 7, 4, 12}})
    for (const int use : {3, 1, 2}) {
      const std::string what = "shape " + std::to_string(shape[1]) + "x" + std::to_string(shape[2]) + "x" +
                               std::to_string(shape[3]) + " use " + std::to_string(use);
      compare(channels_last(torch::randn(shape)), use, false, what);
      compare(channels_last(torch::randn(shape)), use, true, what + ", contiguous gradients");
    }
  compare(channels_last(torch::randn({2, 12, 6, 6}, torch::kDouble)), 3, false, "double");
  compare(torch::randn({2, 12, 6, 6}), 3, false, "a contiguous input");
}

BOOST_AUTO_TEST_CASE(without_autograd_it_gives_the_same_pixels) {
  using namespace subsample;
  const Tensor x = channels_last(torch::randn({3, 10, 8, 6}));
  torch::NoGradGuard no_grad;
  const auto [even, odd] = automl::nn::even_odd_pixels(x);
  BOOST_TEST(differences(even, slice_pixels(x, 0)) == "");
  BOOST_TEST(differences(odd, slice_pixels(x, 1)) == "");
}

// FactorizedReduce (searchspaces/nasnet_cnn/ops.cpp) pads an odd height or
// width by one zero at the bottom/right; the reference's second path is the
// image padded by one at the bottom/right, shifted up-left, subsampled.
BOOST_AUTO_TEST_CASE(an_odd_size_padded_to_even_gives_the_shifted_subsampling) {
  using namespace subsample;
  namespace F = torch::nn::functional;
  torch::manual_seed(3);
  for (const auto& shape : {std::vector<std::int64_t>{2, 6, 7, 7}, {2, 6, 7, 8}, {2, 6, 8, 5}}) {
    const Tensor x0 = channels_last(torch::randn(shape));
    const std::int64_t h = x0.size(2), w = x0.size(3);
    const Tensor ge = torch::randn({2, 6, (h + 1) / 2, (w + 1) / 2}), go = torch::randn(ge.sizes());
    Tensor out[2][2], dx[2];
    for (int i = 0; i < 2; ++i) {
      const Tensor x = x0.clone().requires_grad_();
      if (i == 0) {
        const Tensor shifted = F::pad(x, F::PadFuncOptions({0, 1, 0, 1})).slice(2, 1).slice(3, 1);
        out[i][0] = slice_pixels(x, 0), out[i][1] = slice_pixels(shifted, 0);
      } else {
        std::tie(out[i][0], out[i][1]) = automl::nn::even_odd_pixels(F::pad(x, F::PadFuncOptions({0, w % 2, 0, h % 2})));
      }
      ((out[i][0] * ge).sum() + (out[i][1] * go).sum()).backward();
      dx[i] = x.grad();
    }
    const std::string what = std::to_string(h) + "x" + std::to_string(w);
    for (int k = 0; k < 2; ++k) BOOST_TEST(differences(out[0][k], out[1][k]) == "", what << ": output " << k);
    BOOST_TEST(differences(dx[0], dx[1]) == "", what << ": input gradient");
  }
}

BOOST_AUTO_TEST_CASE(an_odd_height_or_width_is_refused) {
  BOOST_CHECK_THROW(automl::nn::even_odd_pixels(torch::randn({1, 4, 5, 4})), c10::Error);
  BOOST_CHECK_THROW(automl::nn::even_odd_pixels(torch::randn({1, 4, 4, 7})), c10::Error);
  BOOST_CHECK_THROW(automl::nn::even_odd_pixels(torch::randn({4, 4, 4})), c10::Error);
}

BOOST_AUTO_TEST_SUITE_END()
