// Fuzz target: the image decoder of image_folder (JPEG through TurboJPEG, PNG
// through libpng) and the bilinear resize. The first byte picks the channels
// (even: RGB, odd: grayscale) and the resize target; the rest is the file.

#include <cstddef>
#include <cstdint>

#include "automl/error.hpp"
#include "reader.hpp"
#include "support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const int channels = (data[0] & 1) ? 1 : 3;
  try {
    const image_folder::Image image = image_folder::decode_image(fuzz::text(data + 1, size - 1), channels, "x.jpg");
    const auto expected = static_cast<std::size_t>(image.height) * static_cast<std::size_t>(image.width) *
                          static_cast<std::size_t>(channels);
    if (image.channels != channels || image.pixels.size() != expected)
      fuzz::fail("a decoded image whose pixels are not height x width x channels");
    const int h = 1 + (data[0] >> 1) % 9, w = 1 + (data[0] >> 4) % 7;
    if (image.pixels.size() <= (1u << 20)) {
      const auto small = image_folder::resize_bilinear(image, h, w);
      if (small.pixels.size() != static_cast<std::size_t>(h * w * channels)) fuzz::fail("a resized image of the wrong size");
    }
  } catch (const automl::Error& e) {
    fuzz::check_message(e);
  }
  return 0;
}
