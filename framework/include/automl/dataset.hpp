#pragma once
// A dataset: where the data of a task comes from. The batch interface that
// training evaluators read is added with the first dataset plugins; today the
// host only builds a configured dataset and reports what it holds.

#include <cstdint>
#include <string>
#include <vector>

namespace automl {

struct SplitInfo {
  std::string name;        ///< "train", "valid", "test"
  std::int64_t size = 0;   ///< samples (images) or tokens
};

struct DatasetInfo {
  std::string task;                 ///< "image_classification" or "language_model"
  std::vector<std::int64_t> shape;  ///< one sample, e.g. {3, 32, 32}
  std::int64_t classes = 0;         ///< classes, or vocabulary size for language models
  std::vector<SplitInfo> splits;
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual DatasetInfo info() const = 0;
};

}  // namespace automl
