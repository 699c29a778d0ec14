#pragma once
// A word-level language-model corpus (Penn Treebank layout): a vocabulary
// built from the training text with <eos> at line ends, token ids per split,
// and batches for truncated back-propagation through time.

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "automl/data/corpus.hpp"
#include "automl/data/tensor_data.hpp"

namespace automl::data {

class TextDataset : public Dataset, public TensorData {
 public:
  TextDataset(Corpus corpus, std::string source);
  DatasetInfo info() const override;
  const TensorData* tensors() const override { return this; }
  std::int64_t split_size(Split split) const override;
  /// Tokens as `batch_size` parallel streams; batches of `bptt` steps
  /// (the last may be shorter). The seed is unused: the order is fixed.
  std::unique_ptr<BatchStream> stream(Split split, const LoaderOptions& options, std::uint64_t seed) const override;
  const Corpus& corpus() const { return corpus_; }

 private:
  const std::vector<std::int64_t>& tokens(Split split) const;
  Corpus corpus_;
  std::string source_;
};

}  // namespace automl::data
