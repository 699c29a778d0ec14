#pragma once
// A word-level language-model corpus (Penn Treebank layout): a vocabulary
// built from the training text with <eos> at line ends, and token ids per
// split. No LibTorch: the reader is built and fuzzed without it.

#include <cstdint>
#include <string>
#include <vector>

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

}  // namespace automl::data
