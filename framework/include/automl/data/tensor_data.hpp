#pragma once
// The batch side of a dataset, for evaluators that train: seeded streams of
// (inputs, targets) tensor pairs over a split. Brings LibTorch; include it
// only where batches are read.

#include <cstdint>
#include <memory>
#include <string>

#include <ATen/core/Tensor.h>

#include "automl/dataset.hpp"

namespace automl {

enum class Split { train, valid, test };
/// "train", "valid", "test".
const char* split_name(Split split);

struct Batch {
  /// Images: float [B, C, H, W], normalized. Text: int64 [T, B] token ids.
  at::Tensor inputs;
  /// Images: int64 [B] labels. Text: int64 [T, B], the inputs shifted by one.
  at::Tensor targets;
};

struct LoaderOptions {
  std::int64_t batch_size = 64;  ///< images per batch, or parallel text streams
  bool shuffle = true;           ///< images: reshuffle every pass (seeded)
  bool augment = false;          ///< images: the dataset's augmentation (crop, flip, cutout)
  bool drop_last = false;        ///< images: skip a final, smaller batch
  std::int64_t bptt = 35;        ///< text: sequence length of a batch
  /// Images: the device batches are delivered on. "cpu": transformed on the
  /// CPU, as float. Another ("cuda:0"): the uint8 images and the seeded
  /// augmentation decisions are copied there (pinned memory, non-blocking)
  /// and normalized, cropped, flipped and cut out with tensor ops on it; the
  /// decisions and, on CPU, the pixels are the same as the CPU path's.
  std::string device = "cpu";
  /// Images: the tensor-op path even when `device` is "cpu" (tests, benchmarks).
  bool tensor_transform = false;
};

/// One pass over a split. Not thread-safe; each stream owns its generator.
class BatchStream {
 public:
  virtual ~BatchStream() = default;
  /// Fills `out` with the next batch; false at the end of the pass.
  virtual bool next(Batch& out) = 0;
  /// Batches in one pass.
  virtual std::int64_t size() const = 0;
};

class TensorData {
 public:
  virtual ~TensorData() = default;
  /// Samples (images) or tokens in a split.
  virtual std::int64_t split_size(Split split) const = 0;
  /// A pass over `split`; the same seed gives the same batches.
  virtual std::unique_ptr<BatchStream> stream(Split split, const LoaderOptions& options,
                                              std::uint64_t seed) const = 0;
};

}  // namespace automl
