#pragma once
// A dataset: where the data of a task comes from. This header is torch-free:
// the host only needs info(). Evaluators that train read batches through
// tensors() (automl/data/tensor_data.hpp, which brings LibTorch).

#include <cstdint>
#include <string>
#include <vector>

namespace automl {

struct SplitInfo {
  std::string name;        ///< "train", "valid", "test"
  std::int64_t size = 0;   ///< samples (images) or tokens
  std::vector<std::int64_t> per_class;  ///< samples per class (image classification), else empty
};

struct DatasetInfo {
  std::string task;                 ///< "image_classification" or "language_model"
  std::vector<std::int64_t> shape;  ///< one sample, e.g. {3, 32, 32}; {} for text
  std::int64_t classes = 0;         ///< classes, or vocabulary size for language models
  std::vector<std::string> class_names;  ///< the classes' names, where the data has them (else empty)
  std::vector<SplitInfo> splits;
  std::vector<double> mean;         ///< per channel, pixel values in [0, 1], train split
  std::vector<double> std;          ///< per channel, as mean
  std::string source;               ///< where the data was read from
};

class TensorData;

class Dataset {
 public:
  virtual ~Dataset() = default;
  /// What the dataset holds. Cheap: computed when the dataset is built.
  virtual DatasetInfo info() const = 0;
  /// The batch interface, or nullptr for a dataset that has none.
  virtual const TensorData* tensors() const { return nullptr; }
};

}  // namespace automl
