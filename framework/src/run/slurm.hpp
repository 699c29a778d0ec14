#pragma once
// Slurm job arrays, private to the core: what the trial launcher (a run's
// trials, one array per round) and `automl compare` (a comparison's runs,
// one array) share. Tasks are numbered by the caller (a trial id, a run's
// index); their job ids and states are kept where the caller says
// (results.db, compare.db), so that a host killed and started again
// re-attaches to the tasks still queued or running.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "automl/experiment/experiment.hpp"
#include "automl/run/results_store.hpp"

namespace automl::detail {

/// What one array sends and how its tasks are told apart.
struct SlurmWork {
  std::string what;                 ///< "trial" or "run", for messages
  std::filesystem::path dir;        ///< job scripts and task logs go here
  std::string job_name;             ///< sbatch --job-name is automl-<job_name>
  int cpus = 1;                     ///< --cpus-per-task unless [launcher] cpus_per_task
  int parallel = 1;                 ///< tasks at once (%P) unless [launcher] array_parallelism
  std::string refused_hint;         ///< how to go on after sbatch refused a script
  std::string stopped_hint;         ///< how to re-attach to or cancel tasks left behind
  std::function<std::string(std::int64_t)> label;         ///< "trial 3", "rea seed 2"
  std::function<bool(std::int64_t)> has_result;           ///< the task left its result
  std::function<std::string(std::int64_t)> result_path;   ///< where it should have, for messages
  /// The script's last line; the task's id is "${ids[$SLURM_ARRAY_TASK_ID]}".
  std::string command;
  /// Where job records are kept: every attempt in (id, attempt) order, and one written.
  std::function<std::vector<JobRecord>()> jobs;
  std::function<void(const JobRecord&)> put_job;
};

class SlurmArrays {
 public:
  SlurmArrays(const LauncherOptions& options, SlurmWork work);

  /// Runs the tasks `ids` (`batch` names the job scripts: "round-3"):
  /// those that left their result already end at once, those an earlier
  /// host left queued or running are re-attached, the rest (and the lost)
  /// submitted as one array. Calls `ended(id, failure)` once per task, on
  /// this thread, as each ends: failure "" when it left its result, else
  /// its Slurm state, exit code and log, retries spent. Returns when all
  /// have ended, or at once when `interrupted` says so (the tasks stay in
  /// Slurm).
  void run(const std::string& batch, const std::vector<std::int64_t>& ids,
           const std::function<void(std::int64_t, const std::string&)>& ended,
           const std::function<bool()>& interrupted);

  /// scancel for every task not known to have ended; a line per task.
  std::vector<std::string> cancel();

 private:
  struct Task {
    JobRecord job;
    int unseen = 0;           ///< polls in a row that did not see it
    int completed_polls = 0;  ///< polls that saw it COMPLETED without a result
  };
  void submit(const std::string& batch, const std::vector<std::pair<std::int64_t, int>>& tasks,
              std::map<std::string, Task>& outstanding);

  LauncherOptions o_;
  SlurmWork w_;
};

/// sh's quoting of one word.
std::string shell_quote(const std::string& s);

}  // namespace automl::detail
