#pragma once
// compare.db, the one database of a comparison (private to the core): the
// comparison file as started, its variants, and every finished run with its
// trials, copied from the run's own results database when the run ends.

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace SQLite { class Database; }

namespace automl {

struct JobRecord;

struct CompareTrial {
  std::int64_t id = 0;
  bool ok = false;
  double score = 0;
  double metric = 0;  ///< the comparison's metric (NaN when absent)
  std::string arch;
  double elapsed_s = 0;
  std::int64_t round = 0;
  double reference = 0;  ///< the [reference] score (NaN when absent)
  double fidelity = 0;   ///< what it cost in the evaluator's fidelity unit (0: no fidelities)
};

struct CompareRun {
  std::string variant;
  std::int64_t seed = 0;
  std::string run_dir;
  bool finished = false;       ///< false: failed (error says why)
  std::string stop_reason;
  std::string error;
  double elapsed_s = 0;
  std::int64_t trials = 0;
  double best_score = 0;   ///< NaN when no trial succeeded
  double best_metric = 0;  ///< the metric of the best-scoring trial (NaN when absent)
  std::vector<CompareTrial> trial_list;  ///< filled by CompareDb::runs()
};

struct CompareVariant {
  std::string name;
  std::string strategy;  ///< its [strategy] type
  std::string resolved;  ///< its resolved experiment (seed of the first run)
};

/// A comparison file's text without its [launcher] table: what must stay
/// the same between starts of one comparison (the launcher may change: another
/// partition, a longer time limit).
std::string without_launcher(const std::string& comparison_text);

class CompareDb final {
 public:
  /// Opens (creating when missing) the database; DataError when unreadable.
  explicit CompareDb(const std::filesystem::path& file, bool create = true);
  ~CompareDb();

  /// Records the comparison (its file's text, facts for the report, its
  /// variants), or checks that it is the one the directory was started with
  /// (ConfigError when the file has changed since).
  void start(const std::string& comparison_text, const std::map<std::string, std::string>& meta,
             const std::vector<CompareVariant>& variants);
  bool finished(const std::string& variant, std::int64_t seed) const;
  /// Copies a finished run's trials from its results database.
  CompareRun import_run(const std::string& variant, std::int64_t seed, const std::filesystem::path& run_dir,
                        const std::string& metric);
  void record_failure(const std::string& variant, std::int64_t seed, const std::filesystem::path& run_dir,
                      const std::string& error);

  /// A run's Slurm job, by the run's index (JobRecord::trial): seed-major,
  /// then the variants in file order.
  void put_job(const JobRecord& job);
  /// Every job attempt, in (run, attempt) order.
  std::vector<JobRecord> jobs() const;

  std::optional<std::string> meta(const std::string& key) const;
  std::vector<CompareVariant> variants() const;
  /// Every recorded run with its trials, by variant order then seed.
  std::vector<CompareRun> runs() const;

 private:
  std::unique_ptr<SQLite::Database> db_;
};

}  // namespace automl
