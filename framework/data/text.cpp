// Word-level text corpora (Penn Treebank): vocabulary and token streams per split.

#include "automl/data/text.hpp"

#include <algorithm>

#include <ATen/ATen.h>

#include "automl/error.hpp"

namespace automl::data {

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
  info.splits = {{"train", split_size(Split::train), {}}, {"valid", split_size(Split::valid), {}},
                 {"test", split_size(Split::test), {}}};
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
