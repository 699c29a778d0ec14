// The directory of a resumable training: its architecture claim and metrics CSV.

#include "automl/nn/train_dir.hpp"

#include <fstream>
#include <vector>

#include "automl/error.hpp"

namespace automl::nn {

namespace fs = std::filesystem;

void claim_training_dir(const fs::path& dir, const std::string& arch_text) {
  const fs::path file = dir / "arch.txt";
  if (fs::exists(file)) {
    std::ifstream in(file);
    std::string found;
    std::getline(in, found);
    if (found != arch_text)
      throw UsageError(dir.string() + " holds the training of another architecture (" + found +
                       "); choose another --out directory");
    return;
  }
  std::ofstream(file) << arch_text << "\n";
}

void trim_csv(const fs::path& csv, int rows, const std::string& header) {
  std::vector<std::string> lines;
  if (fs::exists(csv)) {
    std::ifstream in(csv);
    for (std::string line; static_cast<int>(lines.size()) <= rows && std::getline(in, line);) lines.push_back(line);
  }
  std::ofstream out(csv, std::ios::trunc);
  if (lines.empty()) lines.push_back(header);
  for (const auto& line : lines) out << line << "\n";
}

}  // namespace automl::nn
