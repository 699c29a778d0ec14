// Fuzz target: the word-level corpus reader (Penn Treebank). The input is
// split at the first two form feeds into train, valid and test text.

#include <cstddef>
#include <cstdint>

#include "automl/data/corpus.hpp"
#include "automl/error.hpp"
#include "support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string all = fuzz::text(data, size);
  const std::size_t a = std::min(all.find('\f'), all.size());
  const std::size_t b = a < all.size() ? std::min(all.find('\f', a + 1), all.size()) : all.size();
  const std::string train = all.substr(0, a);
  const std::string valid = a < all.size() ? all.substr(a + 1, b - a - 1) : "";
  const std::string test = b < all.size() ? all.substr(b + 1) : "";
  try {
    const automl::data::Corpus c =
        automl::data::build_corpus(train, valid, test, {"ptb.train.txt", "ptb.valid.txt", "ptb.test.txt"});
    const auto words = static_cast<std::int64_t>(c.words.size());
    for (const auto* split : {&c.train, &c.valid, &c.test})
      for (auto id : *split)
        if (id < 0 || id >= words) fuzz::fail("a token id outside the vocabulary");
  } catch (const automl::Error& e) {
    fuzz::check_message(e);
  }
  return 0;
}
