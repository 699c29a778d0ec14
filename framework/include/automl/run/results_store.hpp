#pragma once
// The results database of one run (SQLite, results.db in the run directory):
// the experiment, every trial (committed as it finishes) and the latest
// checkpoint of the strategy and evaluator state. Safe to kill at any point:
// what was committed stays, and `automl resume` picks up from it.

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "automl/architecture.hpp"
#include "automl/evaluator.hpp"

namespace SQLite { class Database; }

namespace automl {

enum class TrialStatus { pending, ok, failed };
const char* status_name(TrialStatus status);

struct TrialRecord {
  std::int64_t id = 0;     ///< 0-based trial number
  std::int64_t round = 0;  ///< the round (ask()) it came from
  std::string arch_text;   ///< the architecture in the search space's text form, as stored
  /// The architecture itself, parsed once by the run loop; empty (no genes)
  /// in records read from the database, which holds only the text.
  Architecture arch;
  TrialStatus status = TrialStatus::pending;
  double score = 0;
  std::map<std::string, double> metrics;
  std::uint64_t seed = 0;
  double wall_s = 0;
  std::string error;
  std::string finished_at;  ///< UTC, ISO 8601
  double elapsed_s = 0;     ///< the run's wall time when it finished, resumes included
  /// The budget it was asked for (begin_round) and then what it cost
  /// (finish_trial), in the evaluator's fidelity unit; 0: the evaluator has
  /// no fidelities.
  double fidelity = 0;
  /// The learning curve the evaluator recorded; written by finish_trial(),
  /// read back by curves() (trials() leaves it empty).
  std::vector<CurvePoint> curve;
};

/// True when ok trial `a` is a better result than ok trial `b`: one at a
/// higher fidelity beats any at a lower fidelity (a 12-epoch score does not
/// compete with 200-epoch ones), then the higher score.
inline bool better_trial(const TrialRecord& a, const TrialRecord& b) {
  return a.fidelity != b.fidelity ? a.fidelity > b.fidelity : a.score > b.score;
}

/// One candidate of the [final] stage: re-evaluated by the final evaluator.
struct FinalRecord {
  /// id = rank by search score (0 = best), or -1 - i for the i-th random
  /// architecture ([final] random); round = -1.
  TrialRecord trial;
  double search_score = 0;   ///< its score in the search (NaN for a random architecture)

  /// An architecture drawn at random beside the search's best, not one of them.
  bool random_baseline() const { return trial.id < 0; }
};

/// One launch of a trial out of this process (launcher process or slurm):
/// which process or Slurm task ran it, and how that ended. A trial retried
/// has one record per attempt.
struct JobRecord {
  std::int64_t trial = 0;
  int attempt = 0;       ///< 0 first, 1 the first retry, ...
  std::string launcher;  ///< "process" or "slurm"
  std::string job;       ///< a PID, or a Slurm job id as ARRAYJOB_TASK
  std::string host;      ///< where the process runs (process), "" for slurm
  std::string state;     ///< QUEUED, RUNNING, DONE, or how it failed (FAILED, CANCELLED, TIMEOUT, SIGNALED, ...)
  std::string exit_code; ///< Slurm's "code:signal", or the process's exit status
  std::string log;       ///< its output
};

/// The state saved after a round was asked (told = false) or told.
struct Checkpoint {
  std::int64_t round = 0;
  bool told = false;
  std::string strategy;
  std::string evaluator;
  bool evaluator_prepared = false;  ///< prepare_round() of `round` has run
};

class ResultsStore final {
 public:
  /// Creates a new database; throws Error when the file exists.
  static std::unique_ptr<ResultsStore> create(const std::filesystem::path& file);
  /// Opens an existing one; throws DataError when missing or not ours.
  static std::unique_ptr<ResultsStore> open(const std::filesystem::path& file);
  /// Opens an existing one for reading only, as `automl serve` does beside a
  /// running search: no write, no lock beyond SQLite's WAL read snapshot
  /// (the writer is never blocked). Throws DataError like open().
  static std::unique_ptr<ResultsStore> open_read_only(const std::filesystem::path& file);
  ~ResultsStore();

  void set_meta(const std::string& key, const std::string& value);
  std::optional<std::string> meta(const std::string& key) const;

  /// Records a new round: its trials as pending and the strategy state after
  /// ask(), in one transaction.
  void begin_round(std::int64_t round, const std::vector<TrialRecord>& trials,
                   const std::string& strategy_state);
  /// Records the evaluator state after prepare_round() (`done`), or in the
  /// middle of it (a resumed run then calls prepare_round() again on it).
  void prepared(std::int64_t round, const std::string& evaluator_state, bool done = true);
  /// Commits one finished trial. Thread-safe.
  void finish_trial(const TrialRecord& trial);
  /// Records the states after tell() and the strategy's diagnostics.
  void end_round(std::int64_t round, const std::string& strategy_state, const std::string& evaluator_state,
                 const std::map<std::string, double>& diagnostics = {});
  /// The strategy's diagnostics of every round that has them: round -> key -> value.
  std::map<std::int64_t, std::map<std::string, double>> diagnostics() const;

  /// Commits one candidate of the [final] stage (replacing an earlier record of its rank).
  void add_final(const TrialRecord& trial, double search_score);
  /// The [final] stage's candidates in rank order, then its random architectures.
  std::vector<FinalRecord> finals() const;

  /// Records (or updates) one attempt of one trial.
  void put_job(const JobRecord& job);
  /// Every attempt recorded, by trial then attempt.
  std::vector<JobRecord> jobs() const;

  std::optional<Checkpoint> checkpoint() const;
  /// Trials in id order; only those of `round` when given.
  std::vector<TrialRecord> trials(std::optional<std::int64_t> round = std::nullopt) const;
  /// The learning curves of the trials that have one: trial id -> points in step order.
  std::map<std::int64_t, std::vector<CurvePoint>> curves() const;

 private:
  explicit ResultsStore(std::unique_ptr<SQLite::Database> db);
  std::unique_ptr<SQLite::Database> db_;
  mutable std::mutex mutex_;
};

}  // namespace automl
