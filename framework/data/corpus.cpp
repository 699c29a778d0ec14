// Word-level corpora (Penn Treebank layout): vocabulary and token ids per split.

#include "automl/data/corpus.hpp"

#include <sstream>
#include <unordered_map>

#include "automl/error.hpp"
#include "automl/text.hpp"

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
        throw DataError(name + ":" + std::to_string(line) + ": word '" + printable(w) +
                        "' is not in the training vocabulary, which has no <unk> to map it to");
      out.push_back(unk->second);
    });
  };
  encode(valid, names.at(1), c.valid);
  encode(test, names.at(2), c.test);
  return c;
}

}  // namespace automl::data
