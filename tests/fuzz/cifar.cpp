// Fuzz target: the CIFAR binary reader. The first byte picks the layout:
// even, CIFAR-10 (one label byte, 10 classes); odd, CIFAR-100 (coarse and
// fine label bytes, fine label, 100 classes). Record counts are not checked
// (official_sizes = false), so that small inputs reach the records.

#include <cstddef>
#include <cstdint>

#include "automl/data/files.hpp"
#include "automl/error.hpp"
#include "support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const bool hundred = data[0] & 1;
  const int label_bytes = hundred ? 2 : 1;
  const std::int64_t classes = hundred ? 100 : 10;
  automl::data::ImageSet set;
  try {
    automl::data::parse_cifar(fuzz::text(data + 1, size - 1), "data_batch_1.bin", label_bytes, label_bytes - 1,
                              classes, 0, set);
    if (set.size() * set.image_bytes() != static_cast<std::int64_t>(set.pixels.size()))
      fuzz::fail("accepted CIFAR records whose pixels are not labels x 3 x 32 x 32");
    for (auto label : set.labels)
      if (label < 0 || label >= classes) fuzz::fail("accepted a label out of range");
  } catch (const automl::Error& e) {
    fuzz::check_message(e);
  }
  return 0;
}
