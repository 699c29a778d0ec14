#include <boost/test/unit_test.hpp>

#include <cmath>

#include "automl/data/images.hpp"

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

// Raw pixel value a normalized output stands for (mean 0, std 1/255 undone).
int raw(float v) { return static_cast<int>(std::lround(v)); }

}  // namespace

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
