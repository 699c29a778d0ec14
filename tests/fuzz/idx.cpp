// Fuzz target: the IDX reader (MNIST, Fashion-MNIST). The first four bytes
// (little endian) say how many of the rest belong to the image file; the
// remainder is the label file.

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "automl/data/files.hpp"
#include "automl/error.hpp"
#include "support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 4) return 0;
  std::uint32_t split = 0;
  std::memcpy(&split, data, 4);
  const std::string rest = fuzz::text(data + 4, size - 4);
  const std::size_t at = std::min<std::size_t>(split, rest.size());
  const automl::data::NamedFile images{"train-images-idx3-ubyte", rest.substr(0, at)};
  const automl::data::NamedFile labels{"train-labels-idx1-ubyte", rest.substr(at)};
  try {
    const automl::data::ImageSet set = automl::data::idx_image_set(images, labels, 10);
    // What the dataset relies on: one label per image, every image whole.
    if (set.size() * set.image_bytes() != static_cast<std::int64_t>(set.pixels.size()))
      fuzz::fail("accepted IDX files whose pixels are not labels x rows x cols");
    for (auto label : set.labels)
      if (label < 0 || label >= 10) fuzz::fail("accepted a label out of range");
  } catch (const automl::Error& e) {
    fuzz::check_message(e);
  }
  return 0;
}
