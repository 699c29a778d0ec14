#pragma once
// The directory of a long, resumable training (`automl train`): which
// architecture it belongs to, and its per-epoch metrics CSV.

#include <filesystem>
#include <string>

namespace automl::nn {

/// Claims `dir` for the training of the architecture whose text form is
/// `arch_text` (writes arch.txt); throws UsageError when `dir` holds the
/// training of another architecture: resuming its checkpoint would mix them.
void claim_training_dir(const std::filesystem::path& dir, const std::string& arch_text);

/// Keeps the first line and the next `rows` lines of `csv` (rows past the
/// checkpoint's epoch were written by a run killed before its checkpoint
/// landed and are redone); a missing or empty file gets `header`.
void trim_csv(const std::filesystem::path& csv, int rows, const std::string& header);

}  // namespace automl::nn
