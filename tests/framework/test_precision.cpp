// Mixed precision (automl/nn/precision.hpp): loss scaling with an injected
// overflow, the step it skips, the scale's growth, and autocast's scope.

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <limits>

#include <torch/torch.h>

#include "automl/nn/precision.hpp"
#include "test_support.hpp"

namespace precision {
namespace {

using automl::nn::LossScaler;

torch::Tensor with_grad(std::vector<float> grad) {
  auto p = torch::zeros({static_cast<std::int64_t>(grad.size())}, torch::requires_grad());
  p.mutable_grad() = torch::tensor(grad);
  return p;
}

}  // namespace
}  // namespace precision

BOOST_AUTO_TEST_SUITE(precision)

BOOST_AUTO_TEST_CASE(the_loss_scaler_unscales_skips_overflows_and_grows) {
  LossScaler scaler(true, {1024.0, 2.0, 0.5, 3});
  BOOST_TEST(scaler.scale(torch::tensor(2.0)).item<double>() == 2048.0);
  auto p = with_grad({1024.0f, -2048.0f});
  BOOST_TEST(scaler.unscale({p}));
  BOOST_TEST(p.grad()[0].item<float>() == 1.0f);
  BOOST_TEST(p.grad()[1].item<float>() == -2.0f);
  // An overflow anywhere: the step is skipped and the scale halved.
  auto q = with_grad({1.0f, std::numeric_limits<float>::infinity()});
  BOOST_TEST(!scaler.unscale({p, q}));
  BOOST_TEST(scaler.scale_value() == 512.0);
  BOOST_TEST(scaler.skipped_steps() == 1);
  BOOST_TEST(!scaler.unscale({with_grad({std::nanf("")})}));
  BOOST_TEST(scaler.scale_value() == 256.0);
  // growth_interval finite steps in a row double it.
  for (int i = 0; i < 3; ++i) BOOST_TEST(scaler.unscale({with_grad({1.0f})}));
  BOOST_TEST(scaler.scale_value() == 512.0);
  // Its state survives a checkpoint.
  LossScaler restored(true);
  restored.set_state(scaler.state());
  BOOST_TEST(restored.scale_value() == 512.0);
  BOOST_TEST(restored.skipped_steps() == 2);
  // Disabled (fp32, bf16): nothing scaled, nothing checked.
  LossScaler off(false);
  BOOST_TEST(off.scale(torch::tensor(3.0)).item<double>() == 3.0);
  BOOST_TEST(off.unscale({with_grad({std::numeric_limits<float>::infinity()})}));
}

BOOST_AUTO_TEST_CASE(an_overflowing_step_leaves_the_weights_as_they_were) {
  torch::manual_seed(0);
  auto w = torch::ones({2}, torch::requires_grad());
  torch::optim::SGD sgd({w}, torch::optim::SGDOptions(0.1));
  LossScaler scaler(true);  // 65536
  // 1e36 times the scale overflows fp32 in backward(): the step is skipped.
  sgd.zero_grad();
  BOOST_TEST(!automl::nn::backward_and_step((w * torch::tensor({1e36f, 1.0f})).sum(), sgd, 0, scaler));
  BOOST_TEST(torch::equal(w, torch::ones({2})));
  BOOST_TEST(scaler.scale_value() == 32768.0);
  // A finite one steps with the unscaled gradient (and clips it first).
  sgd.zero_grad();
  BOOST_TEST(automl::nn::backward_and_step((w * torch::tensor({3.0f, 4.0f})).sum(), sgd, 0, scaler));
  BOOST_TEST(w[0].item<float>() == 1.0f - 0.1f * 3.0f);
  BOOST_TEST(w[1].item<float>() == 1.0f - 0.1f * 4.0f);
  sgd.zero_grad();
  BOOST_TEST(automl::nn::backward_and_step((w * torch::tensor({30.0f, 40.0f})).sum(), sgd, 5.0, scaler));
  BOOST_TEST(std::abs(w[0].item<float>() - (0.7f - 0.1f * 3.0f)) < 1e-6);
}

BOOST_AUTO_TEST_CASE(autocast_covers_its_scope_on_this_thread) {
  torch::manual_seed(0);
  torch::nn::Conv2d conv(torch::nn::Conv2dOptions(3, 4, 3));
  const auto x = torch::randn({1, 3, 8, 8});
  {
    const automl::nn::Autocast bf16(automl::nn::Precision::bf16, torch::kCPU);
    BOOST_TEST(conv(x).scalar_type() == torch::kBFloat16);
    {
      const automl::nn::Autocast nested(automl::nn::Precision::fp32, torch::kCPU);  // fp32 changes nothing
      BOOST_TEST(conv(x).scalar_type() == torch::kBFloat16);
    }
    BOOST_TEST(conv->weight.scalar_type() == torch::kFloat);  // master weights stay fp32
  }
  BOOST_TEST(conv(x).scalar_type() == torch::kFloat);
  const auto msg = automl::test::error_of(
      [] { automl::nn::check_precision(automl::nn::Precision::fp16, torch::kCPU); });
  BOOST_TEST(msg.find("precision = \"fp16\" trains with CUDA autocast and loss scaling; on \"cpu\" use \"bf16\"") !=
                 std::string::npos, msg);
}

BOOST_AUTO_TEST_SUITE_END()
