#pragma once
// The keys every image dataset plugin shares. A plugin's Options derives from
// ImageOptions (changing defaults in its constructor) and declares the shared
// keys with add_image_fields().

#include <cstdint>
#include <string>

#include "automl/data/images.hpp"
#include "automl/params.hpp"

namespace automl::data {

struct ImageOptions {
  std::string root;
  std::int64_t valid_count = 5000;
  double valid_fraction = 0;
  int crop_padding = 4;
  bool flip = true;
  int cutout = 0;

  SplitOptions split() const { return {valid_count, valid_fraction}; }
  ImageTransform transform() const { return {{}, {}, crop_padding, flip, cutout}; }
};

/// Declares the shared keys; `root_required` when the plugin has no default root.
template <class T>
Schema<T>& add_image_fields(Schema<T>& s, const std::string& root_doc, bool root_required) {
  using B = ImageOptions;
  s.field("root", static_cast<std::string T::*>(&B::root), root_doc);
  if (root_required) s.required();
  return s.field("valid_count", static_cast<std::int64_t T::*>(&B::valid_count),
             "Training images held out (seeded shuffle) as the validation split")
      .range(0, 100000000)
      .field("valid_fraction", static_cast<double T::*>(&B::valid_fraction),
             "Held-out fraction instead of valid_count (used when > 0)")
      .range(0, 0.99)
      .field("crop_padding", static_cast<int T::*>(&B::crop_padding),
             "Augmentation: random crop from an image zero-padded by this many pixels; 0: off")
      .range(0, 64)
      .field("flip", static_cast<bool T::*>(&B::flip), "Augmentation: random horizontal flip")
      .field("cutout", static_cast<int T::*>(&B::cutout), "Augmentation: side of a zeroed square (cutout); 0: off")
      .range(0, 1024)
      .rule("valid_fraction", [](const T& o) {
        return o.valid_fraction > 0 && o.valid_count != B{}.valid_count && o.valid_count != 0
                   ? "set valid_count or valid_fraction, not both"
                   : "";
      });
}

}  // namespace automl::data
