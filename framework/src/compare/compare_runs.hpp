#pragma once
// A comparison's runs, private to the core: what running them here (forked
// children, compare_run.cpp) and on Slurm (one job array, compare_slurm.cpp)
// share.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "automl/compare/compare.hpp"
#include "compare_db.hpp"

namespace automl {

class Registry;

/// One variant x seed run.
struct RunJob {
  const Variant* variant = nullptr;
  std::int64_t seed = 0;
  std::int64_t index = 0;     ///< seed-major, then the variants in file order
  std::filesystem::path dir;  ///< the run directory
  std::filesystem::path log() const { return dir.parent_path() / (dir.filename().string() + ".log"); }
  std::string label() const;
};

/// Every run of the comparison, by index.
std::vector<RunJob> comparison_runs(const Comparison& c);

/// Builds the run's components, then starts the run or resumes it from its
/// own database; returns its exit code (0 finished, 130 interrupted, an
/// error's code after printing it to stderr).
int run_one(const Comparison& c, const RunJob& job, const Registry& registry, const CompareControl& control);

/// The last line of a run's log that reports an error, for the summary.
std::string last_error(const std::filesystem::path& log);

/// Records runs as they end in compare.db and prints a line for each.
class RunBook {
 public:
  RunBook(const Comparison& c, CompareDb& db, std::ostream& out, std::int64_t total, std::int64_t finished_before)
      : c_(c), db_(db), out_(out), total_(total), done_(finished_before) {}
  void finished(const RunJob& job);
  void interrupted(const RunJob& job);
  void failed(const RunJob& job, const std::string& why, const std::filesystem::path& log);

  std::int64_t done() const { return done_; }
  std::int64_t failures() const { return failed_; }
  bool was_interrupted() const { return interrupted_; }

 private:
  const Comparison& c_;
  CompareDb& db_;
  std::ostream& out_;
  std::int64_t total_;
  std::int64_t done_;
  std::int64_t failed_ = 0;
  bool interrupted_ = false;
};

/// COMPARISON_DIR/launch/run-INDEX.exit: a run task's exit code, written
/// when it ends.
std::filesystem::path run_exit_file(const std::filesystem::path& comparison_dir, std::int64_t index);

/// Runs `queue` as one Slurm job array (`parallel` at once), re-attaching to
/// the tasks an earlier start left queued or running.
void run_on_slurm(const Comparison& c, const CompareControl& control, CompareDb& db, RunBook& book,
                  const std::vector<RunJob>& queue, int parallel);

}  // namespace automl
