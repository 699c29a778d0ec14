#pragma once
// A word-level language-model corpus (Penn Treebank layout): a vocabulary
// built from the training text with <eos> at line ends, token ids per split,
// and batches for truncated back-propagation through time.

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "automl/data/tensor_data.hpp"

namespace automl::data {

struct Corpus {
  std::vector<std::string> words;  ///< id -> word, in order of first appearance in train
  std::vector<std::int64_t> train, valid, test;
};

/// Builds the corpus from the three texts; `names` label them in messages
/// (file names). A word of valid/test missing from the vocabulary maps to
/// <unk> when the vocabulary has it, else is a DataError with file:line.
Corpus build_corpus(const std::string& train, const std::string& valid, const std::string& test,
                    const std::vector<std::string>& names);

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
