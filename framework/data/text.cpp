// Word-level text corpora (Penn Treebank): vocabulary and token streams per split.

#include "automl/data/text.hpp"

#include <algorithm>
#include <sstream>

#include <ATen/ATen.h>

#include "automl/error.hpp"

namespace automl::data {

namespace {

constexpr const char* kEos = "<eos>";

template <class F>
void for_each_word(const std::string& text, const std::string& name, F&& on_word) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos)
    throw DataError(name + " is empty: expected word-level text, one sentence per line");
  std::istringstream lines(text);
  std::string line;
  for (std::size_t number = 1; std::getline(lines, line); ++number) {
    std::istringstream words(line);
    std::string word;
    while (words >> word) on_word(word, number);
    on_word(kEos, number);
  }
}

}  // namespace

Corpus build_corpus(const std::string& train, const std::string& valid, const std::string& test,
                    const std::vector<std::string>& names) {
  Corpus c;
  std::unordered_map<std::string, std::int64_t> ids;
  for_each_word(train, names.at(0), [&](const std::string& w, std::size_t) {
    auto [it, added] = ids.emplace(w, static_cast<std::int64_t>(c.words.size()));
    if (added) c.words.push_back(w);
    c.train.push_back(it->second);
  });
  const auto unk = ids.find("<unk>");
  auto encode = [&](const std::string& text, const std::string& name, std::vector<std::int64_t>& out) {
    for_each_word(text, name, [&](const std::string& w, std::size_t line) {
      const auto it = ids.find(w);
      if (it != ids.end()) return out.push_back(it->second);
      if (unk == ids.end())
        throw DataError(name + ":" + std::to_string(line) + ": word '" + w +
                        "' is not in the training vocabulary, which has no <unk> to map it to");
      out.push_back(unk->second);
    });
  };
  encode(valid, names.at(1), c.valid);
  encode(test, names.at(2), c.test);
  return c;
}

namespace {

class TextStream final : public BatchStream {
 public:
  TextStream(const std::vector<std::int64_t>& tokens, const LoaderOptions& o) : bptt_(o.bptt) {
    if (o.batch_size < 1 || o.bptt < 1)
      throw Error("text batches need batch_size >= 1 and bptt >= 1");
    steps_ = static_cast<std::int64_t>(tokens.size()) / o.batch_size;
    if (steps_ < 2)
      throw Error("a split of " + std::to_string(tokens.size()) + " tokens is too short for batch_size " +
                  std::to_string(o.batch_size));
    // Column j holds the j-th contiguous stretch of the text.
    data_ = at::from_blob(const_cast<std::int64_t*>(tokens.data()), {o.batch_size, steps_}, at::kLong)
                .t()
                .contiguous();
  }
  std::int64_t size() const override { return (steps_ - 1 + bptt_ - 1) / bptt_; }
  bool next(Batch& out) override {
    if (pos_ >= steps_ - 1) return false;
    const std::int64_t length = std::min(bptt_, steps_ - 1 - pos_);
    out.inputs = data_.narrow(0, pos_, length);
    out.targets = data_.narrow(0, pos_ + 1, length);
    pos_ += length;
    return true;
  }

 private:
  std::int64_t bptt_;
  std::int64_t steps_ = 0;
  std::int64_t pos_ = 0;
  at::Tensor data_;
};

}  // namespace

TextDataset::TextDataset(Corpus corpus, std::string source) : corpus_(std::move(corpus)), source_(std::move(source)) {}

DatasetInfo TextDataset::info() const {
  DatasetInfo info;
  info.task = "language_model";
  info.classes = static_cast<std::int64_t>(corpus_.words.size());
  info.splits = {{"train", split_size(Split::train)}, {"valid", split_size(Split::valid)},
                 {"test", split_size(Split::test)}};
  info.source = source_;
  return info;
}

const std::vector<std::int64_t>& TextDataset::tokens(Split split) const {
  return split == Split::train ? corpus_.train : split == Split::valid ? corpus_.valid : corpus_.test;
}

std::int64_t TextDataset::split_size(Split split) const { return static_cast<std::int64_t>(tokens(split).size()); }

std::unique_ptr<BatchStream> TextDataset::stream(Split split, const LoaderOptions& options, std::uint64_t) const {
  return std::make_unique<TextStream>(tokens(split), options);
}

}  // namespace automl::data
