// Fuzz target: --set overrides on the example experiments. The first byte
// picks the experiment from share/experiments; the rest, split at newlines,
// are up to 16 "section.key=value" strings applied in order.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "automl/text.hpp"
#include "bind.hpp"
#include "support.hpp"

namespace {

const std::vector<std::string>& experiments() {
  static const std::vector<std::string> texts = [] {
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(AUTOML_FUZZ_EXPERIMENTS))
      if (e.path().extension() == ".toml") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    std::vector<std::string> out;
    for (const auto& f : files) {
      std::ifstream in(f);
      std::ostringstream s;
      s << in.rdbuf();
      out.push_back(s.str());
    }
    if (out.empty()) fuzz::fail("no experiments in " AUTOML_FUZZ_EXPERIMENTS);
    return out;
  }();
  return texts;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string& base = experiments()[data[0] % experiments().size()];
  std::vector<std::string> overrides = automl::split(fuzz::text(data + 1, size - 1), '\n');
  if (overrides.size() > 16) overrides.resize(16);
  fuzz::check_experiment(base, overrides);
  return 0;
}
