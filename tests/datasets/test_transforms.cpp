#include <boost/test/unit_test.hpp>

#include <cmath>

#include <ATen/ATen.h>

#include "automl/data/images.hpp"
#include "automl/error.hpp"

namespace transforms {
namespace {

using automl::data::ImageSet;
using automl::data::ImageTransform;

// Two 1x4x4 images with distinct pixel values.
ImageSet tiny() {
  ImageSet s;
  s.channels = 1, s.height = 4, s.width = 4;
  for (int i = 0; i < 32; ++i) s.pixels.push_back(static_cast<std::uint8_t>(10 + 7 * i));
  s.labels = {0, 1};
  return s;
}

std::vector<float> run(const ImageSet& s, const ImageTransform& t, bool augment, std::uint64_t seed,
                       std::int64_t index = 0) {
  std::vector<float> out(16);
  automl::Random rng(seed);
  automl::data::transform_batch(s, {index}, t, augment, rng, out.data());
  return out;
}

// 60 random 3x7x9 images (not square, so that rows and columns can't be
// swapped unnoticed), in a dataset with every augmentation.
automl::data::ImageDataset random_dataset(const ImageTransform& t) {
  ImageSet s;
  s.channels = 3, s.height = 7, s.width = 9;
  automl::Random rng(5);
  for (int i = 0; i < 60 * 3 * 7 * 9; ++i) s.pixels.push_back(static_cast<std::uint8_t>(rng.next_u64()));
  for (int i = 0; i < 60; ++i) s.labels.push_back(i % 4);
  ImageSet test = s;
  return {std::move(s), std::move(test), 4, {10, 0}, t, 3, "random"};
}

// Every batch of a pass, inputs then targets.
std::vector<at::Tensor> pass(const automl::data::ImageDataset& data, automl::LoaderOptions o) {
  std::vector<at::Tensor> out;
  auto stream = data.stream(automl::Split::train, o, 11);
  automl::Batch b;
  while (stream->next(b)) out.push_back(b.inputs.clone()), out.push_back(b.targets.clone());
  return out;
}

// Raw pixel value a normalized output stands for (mean 0, std 1/255 undone).
int raw(float v) { return static_cast<int>(std::lround(v)); }

}  // namespace
}  // namespace transforms

BOOST_AUTO_TEST_SUITE(transforms)

BOOST_AUTO_TEST_CASE(normalization_is_exact) {
  const auto s = tiny();
  const ImageTransform t{{0.5}, {0.25}, 0, false, 0};
  const auto out = run(s, t, false, 1, 1);
  for (int k = 0; k < 16; ++k) BOOST_TEST(std::abs(out[k] - (s.pixels[16 + k] / 255.0 - 0.5) / 0.25) < 1e-5);
}

BOOST_AUTO_TEST_CASE(flip_alone_gives_the_image_or_its_mirror) {
  const auto s = tiny();
  const ImageTransform t{{0.0}, {1.0 / 255}, 0, true, 0};
  int mirrored = 0;
  for (std::uint64_t seed = 0; seed < 40; ++seed) {
    const auto out = run(s, t, true, seed);
    const bool same = raw(out[0]) == s.pixels[0];
    for (int y = 0; y < 4; ++y)
      for (int x = 0; x < 4; ++x) BOOST_REQUIRE(raw(out[y * 4 + x]) == s.pixels[y * 4 + (same ? x : 3 - x)]);
    mirrored += !same;
  }
  BOOST_TEST(mirrored > 5);
  BOOST_TEST(mirrored < 35);
}

BOOST_AUTO_TEST_CASE(padded_crop_is_a_shift_with_zero_fill) {
  const auto s = tiny();
  const ImageTransform t{{0.0}, {1.0 / 255}, 1, false, 0};
  for (std::uint64_t seed = 0; seed < 40; ++seed) {
    const auto out = run(s, t, true, seed);
    bool found = false;
    for (int dy = -1; dy <= 1 && !found; ++dy)
      for (int dx = -1; dx <= 1 && !found; ++dx) {
        bool match = true;
        for (int y = 0; y < 4; ++y)
          for (int x = 0; x < 4; ++x) {
            const int sy = y + dy, sx = x + dx;
            const int want = (sy < 0 || sy > 3 || sx < 0 || sx > 3) ? 0 : s.pixels[sy * 4 + sx];
            match = match && raw(out[y * 4 + x]) == want;
          }
        found = match;
      }
    BOOST_TEST(found, "seed " << seed);
  }
}

BOOST_AUTO_TEST_CASE(cutout_zeroes_one_square) {
  auto s = tiny();
  for (auto& p : s.pixels) p = 200;
  const ImageTransform t{{0.0}, {1.0}, 0, false, 2};
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    const auto out = run(s, t, true, seed);
    int zeros = 0;
    for (float v : out) zeros += v == 0.0f;
    BOOST_TEST(zeros >= 1);
    BOOST_TEST(zeros <= 4);
  }
}

BOOST_AUTO_TEST_CASE(same_seed_same_batch) {
  const auto s = tiny();
  const ImageTransform t{{0.3}, {0.2}, 2, true, 2};
  BOOST_TEST(run(s, t, true, 9) == run(s, t, true, 9));
  BOOST_TEST(run(s, t, false, 9) == run(s, t, false, 10));
}

BOOST_AUTO_TEST_CASE(the_tensor_path_gives_the_cpu_paths_batches_bit_for_bit) {
  // Padding 3 on a 7-row image crops from the zero border; cutout 4 reaches
  // past the edges. Batch 16 of 50 images leaves a smaller last batch.
  for (const ImageTransform& t : {ImageTransform{{}, {}, 3, true, 4}, ImageTransform{{}, {}, 0, true, 0},
                                  ImageTransform{{}, {}, 2, false, 0}, ImageTransform{{}, {}, 0, false, 5}}) {
    const auto data = random_dataset(t);
    for (bool augment : {true, false}) {
      automl::LoaderOptions o;
      o.batch_size = 16;
      o.augment = augment;
      const auto expected = pass(data, o);
      o.tensor_transform = true;
      const auto got = pass(data, o);
      BOOST_REQUIRE_EQUAL(got.size(), expected.size());
      BOOST_REQUIRE_EQUAL(got.size(), 8u);
      for (std::size_t i = 0; i < got.size(); ++i) {
        BOOST_TEST_CONTEXT("crop " << t.crop_padding << ", flip " << t.flip << ", cutout " << t.cutout << ", augment "
                                   << augment << ", tensor " << i) {
          BOOST_TEST(got[i].sizes() == expected[i].sizes());
          BOOST_TEST(got[i].scalar_type() == expected[i].scalar_type());
          BOOST_TEST(got[i].is_contiguous());
          BOOST_TEST(got[i].equal(expected[i]));
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(the_tensor_path_augments) {
  const auto data = random_dataset({{}, {}, 3, true, 4});
  automl::LoaderOptions o;
  o.tensor_transform = true;
  const auto plain = pass(data, o);
  o.augment = true;
  const auto augmented = pass(data, o);
  BOOST_TEST(!plain[0].equal(augmented[0]));
  BOOST_TEST(plain[1].equal(augmented[1]));  // the same images, in the same order
}

BOOST_AUTO_TEST_CASE(a_loader_device_that_is_not_one_is_refused) {
  const auto data = random_dataset({});
  automl::LoaderOptions o;
  o.device = "gpu0";
  BOOST_CHECK_EXCEPTION(data.stream(automl::Split::train, o, 1), automl::Error, [](const automl::Error& e) {
    return std::string(e.what()).find("\"gpu0\" is not a device; expected cpu, cuda or cuda:N") != std::string::npos;
  });
  if (at::hasCUDA()) return;
  o.device = "cuda";
  BOOST_CHECK_EXCEPTION(data.stream(automl::Split::train, o, 1), automl::Error, [](const automl::Error& e) {
    return std::string(e.what()).find("this LibTorch has no CUDA") != std::string::npos;
  });
}

BOOST_AUTO_TEST_CASE(channel_statistics) {
  ImageSet s;
  s.channels = 2, s.height = 1, s.width = 2;
  s.pixels = {0, 255, 51, 51};
  s.labels = {0};
  std::vector<double> mean, std;
  automl::data::channel_stats(s, mean, std);
  BOOST_TEST(mean[0] == 0.5, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(std[0] == 0.5, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(mean[1] == 0.2, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(std[1] == 0.0, boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_SUITE_END()
