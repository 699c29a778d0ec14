#pragma once
// One trial as a task of its own: what the host writes for `automl trial
// RUN_DIR ID` (RUN_DIR/launch/trial-ID.task.json) and what that command
// writes back (trial-ID.result.json, atomically: a rename after the whole
// file is on disk, so a reader sees all of it or nothing). The host reads
// both; a trial's process never opens the results database.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "automl/evaluator.hpp"
#include "automl/experiment/experiment.hpp"
#include "automl/run/results_store.hpp"

namespace automl {

/// The run's resolved experiment and base directory, written once by the
/// host to RUN_DIR/launch/experiment.json for its trial processes (which so
/// never open results.db: SQLite's WAL does not work across the network
/// filesystems clusters share).
void write_launch_experiment(const std::filesystem::path& run_dir, const std::string& resolved_toml,
                             const std::string& base_dir);
/// That experiment, parsed; DataError when missing.
Experiment read_launch_experiment(const std::filesystem::path& run_dir);

struct TrialTask {
  std::int64_t trial = 0;
  std::int64_t round = 0;
  std::string arch_text;
  std::uint64_t seed = 0;
  int threads = 1;
  double fidelity = 0;           ///< as the host sets TrialContext::fidelity
  double previous_fidelity = 0;  ///< TrialContext::previous_fidelity
  std::filesystem::path previous_dir;
  std::filesystem::path dir;     ///< TrialContext::dir (RUN_DIR/trials/ID)
};

std::filesystem::path task_file(const std::filesystem::path& run_dir, std::int64_t trial);
std::filesystem::path result_file(const std::filesystem::path& run_dir, std::int64_t trial);

void write_trial_task(const std::filesystem::path& run_dir, const TrialTask& task);
/// DataError naming the file when it is missing or not a task.
TrialTask read_trial_task(const std::filesystem::path& run_dir, std::int64_t trial);

/// Writes the finished trial (status, score, metrics, curve, error, times, fidelity).
void write_trial_result(const std::filesystem::path& run_dir, const TrialRecord& trial);
/// The trial as `automl trial` finished it, or nullopt when no result is
/// there yet; DataError when the file is there but unreadable.
std::optional<TrialRecord> read_trial_result(const std::filesystem::path& run_dir, std::int64_t trial);

/// Evaluates t.arch with `ctx` into t's status, score, metrics, curve,
/// error, fidelity and times: a throw or a non-finite score fails the
/// trial; TrialStopped leaves it pending. Shared by the run loop and
/// `automl trial`, so that both give the same record.
void evaluate_trial(Evaluator& evaluator, TrialRecord& t, const TrialContext& ctx);

/// What `automl trial` exits with when it was stopped before the trial
/// finished (no result written; the host leaves the trial pending).
inline constexpr int kTrialStoppedExit = 75;

}  // namespace automl
