#pragma once
// The directory of a long, resumable training (`automl train`): which
// architecture it belongs to, and its per-epoch metrics CSV; and the
// checkpoint a trial at a lower fidelity keeps for its promotion.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "automl/evaluator.hpp"

namespace automl::nn {

/// Claims `dir` for the training of the architecture whose text form is
/// `arch_text` (writes arch.txt); throws UsageError when `dir` holds the
/// training of another architecture: resuming its checkpoint would mix them.
void claim_training_dir(const std::filesystem::path& dir, const std::string& arch_text);

/// Keeps the first line and the next `rows` lines of `csv` (rows past the
/// checkpoint's epoch were written by a run killed before its checkpoint
/// landed and are redone); a missing or empty file gets `header`.
void trim_csv(const std::filesystem::path& csv, int rows, const std::string& header);

/// The whole epochs a trial trains: TrialContext::fidelity rounded up, in
/// [1, epochs]; `epochs` when it asks for none.
int fidelity_epochs(const TrialContext& trial, int epochs);

/// Where a trial's training starts: the checkpoint of the architecture's
/// lower-fidelity trial (TrialContext::previous_dir) with that trial's seed,
/// so that the promotion ends where one training straight on would; else
/// nothing to load and the trial's own seed.
struct Continuation {
  std::filesystem::path checkpoint;  ///< empty: train from scratch
  std::uint64_t seed = 0;
};
Continuation continuation(const TrialContext& trial);

/// Keeps a trial's training for a later promotion when it trained fewer than
/// `epochs` and has a directory: `save` writes the checkpoint to
/// TRIAL_DIR/checkpoint.pt, the seed goes beside it (checkpoint.seed).
void keep_for_promotion(const TrialContext& trial, int trained, int epochs, std::uint64_t seed,
                        const std::function<void(const std::filesystem::path&)>& save);

}  // namespace automl::nn
