// The directory of a resumable training: its architecture claim and metrics
// CSV; the checkpoint a lower-fidelity trial keeps for its promotion.

#include "automl/nn/train_dir.hpp"

#include <algorithm>
#include <cmath>
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

int fidelity_epochs(const TrialContext& trial, int epochs) {
  if (!(trial.fidelity > 0)) return epochs;
  return std::clamp(static_cast<int>(std::ceil(trial.fidelity - 1e-9)), 1, epochs);
}

Continuation continuation(const TrialContext& trial) {
  Continuation c;
  c.seed = trial.seed;
  if (trial.previous_dir.empty() || !fs::exists(trial.previous_dir / "checkpoint.pt")) return c;
  std::ifstream in(trial.previous_dir / "checkpoint.seed");
  if (!(in >> c.seed))
    throw DataError((trial.previous_dir / "checkpoint.seed").string() +
                    " is missing or unreadable: the lower-fidelity trial's checkpoint cannot be continued");
  c.checkpoint = trial.previous_dir / "checkpoint.pt";
  return c;
}

void keep_for_promotion(const TrialContext& trial, int trained, int epochs, std::uint64_t seed,
                        const std::function<void(const fs::path&)>& save) {
  if (trained >= epochs || trial.dir.empty()) return;
  fs::create_directories(trial.dir);
  save(trial.dir / "checkpoint.pt");
  std::ofstream(trial.dir / "checkpoint.seed") << seed << "\n";
}

}  // namespace automl::nn
