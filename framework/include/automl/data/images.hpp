#pragma once
// Image classification data held as uint8 in memory and transformed per
// batch (normalization, padded random crop, horizontal flip, cutout), plus a
// ready Dataset base for plugins that only read files.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "automl/data/image_set.hpp"
#include "automl/data/tensor_data.hpp"
#include "automl/random.hpp"

namespace automl::data {

/// Per-batch transforms. Normalization always; the rest only when a loader
/// asks for augmentation.
struct ImageTransform {
  std::vector<double> mean;  ///< per channel, pixel scale [0, 1]
  std::vector<double> std;
  int crop_padding = 0;      ///< random crop of the image size from a zero-padded image; 0: off
  bool flip = false;         ///< horizontal flip with probability 1/2
  int cutout = 0;            ///< side of a zeroed square (after normalization); 0: off
};

/// How the training file is divided into train and valid splits.
struct SplitOptions {
  std::int64_t valid_count = 0;  ///< images held out for validation
  double valid_fraction = 0;     ///< or this fraction of them (when > 0)
};

/// Per-channel mean and standard deviation of pixel values in [0, 1].
void channel_stats(const ImageSet& set, std::vector<double>& mean, std::vector<double>& std);

/// Writes images `indices` of `set`, transformed, into `out` (float
/// [indices.size(), C, H, W], contiguous). Draws from `rng` only when augmenting.
void transform_batch(const ImageSet& set, const std::vector<std::int64_t>& indices, const ImageTransform& t,
                     bool augment, Random& rng, float* out);

/// Implements Dataset and TensorData for a train file (carved into train and
/// valid by a seeded shuffle) and a test file.
class ImageDataset : public Dataset, public TensorData {
 public:
  /// `seed` fixes the train/valid split; `source` is shown by `automl data`.
  ImageDataset(ImageSet train, ImageSet test, std::int64_t classes, const SplitOptions& split,
               ImageTransform transform, std::uint64_t seed, std::string source);
  /// The same with (training file, test file) as one pair, as readers return them.
  ImageDataset(std::pair<ImageSet, ImageSet> files, std::int64_t classes, const SplitOptions& split,
               ImageTransform transform, std::uint64_t seed, std::string source)
      : ImageDataset(std::move(files.first), std::move(files.second), classes, split, std::move(transform), seed,
                     std::move(source)) {}

  /// Names the classes in info() (label order).
  void set_class_names(std::vector<std::string> names) { class_names_ = std::move(names); }

  DatasetInfo info() const override;
  const TensorData* tensors() const override { return this; }
  std::int64_t split_size(Split split) const override;
  std::unique_ptr<BatchStream> stream(Split split, const LoaderOptions& options, std::uint64_t seed) const override;

 private:
  ImageSet train_;
  ImageSet test_;
  std::int64_t classes_;
  ImageTransform transform_;
  std::vector<std::int64_t> train_indices_;
  std::vector<std::int64_t> valid_indices_;
  std::vector<double> mean_, std_;
  std::string source_;
  std::vector<std::string> class_names_;
};

}  // namespace automl::data
