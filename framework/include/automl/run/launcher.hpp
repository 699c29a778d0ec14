#pragma once
// Launchers: where a run's trials execute. The host keeps the loop, the
// budget, the strategy and the results database; a launcher only runs
// `automl trial RUN_DIR ID` for each trial of a round and hands back what
// each wrote (or why it wrote nothing).
//   local    in this process, on parallel threads (the default; no launcher object)
//   process  one child process per trial on this machine
//   slurm    one Slurm job array per round, submitted with sbatch
// The [launcher] table of an experiment selects one; its keys are strict.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "automl/experiment/experiment.hpp"
#include "automl/run/results_store.hpp"

namespace automl {


/// What a launcher reports for one trial that ended.
struct LaunchOutcome {
  std::int64_t trial = 0;
  /// The trial as `automl trial` finished it (ok, or failed by its evaluator).
  std::optional<TrialRecord> result;
  /// Else why it left no result (a crash, a Slurm state), retries spent:
  /// the trial fails with this message.
  std::string failure;
};

/// When a launcher stops early: `no_more` (a budget or a stop) starts
/// nothing new; `interrupted` (Ctrl-C) also stops this machine's trial
/// processes, which then leave their trials pending.
struct LaunchStop {
  std::function<bool()> no_more;
  std::function<bool()> interrupted;
};

/// Where the launcher's files for a run live: RUN_DIR/launch.
std::filesystem::path launch_dir(const std::filesystem::path& run_dir);

class Launcher {
 public:
  virtual ~Launcher() = default;
  /// Runs the trials `ids` of `round` (their task files are written:
  /// write_trial_task) and calls `finished` once per trial that ends, in
  /// the order they end, on this thread. Returns when all have ended, or
  /// soon after a stop (the others then stay pending). Trials
  /// whose jobs or processes an earlier host left running are re-attached,
  /// those that finished meanwhile imported, only the lost ones started again.
  virtual void run(std::int64_t round, const std::vector<std::int64_t>& ids,
                   const std::function<void(const LaunchOutcome&)>& finished, const LaunchStop& stop) = 0;
  /// Cancels what the run has queued or running (automl cancel); returns a line per job cancelled.
  virtual std::vector<std::string> cancel() = 0;
};

/// The launcher `options` name for the run in `run_dir` (nullptr for
/// local). `trial_threads` is what each trial gets; `job_name` names jobs.
/// `devices`: the run's device slots; the process launcher gives each trial
/// process the slot it holds (environment AUTOML_TRIAL_DEVICE), a Slurm
/// task uses the GPU Slurm gives it.
std::unique_ptr<Launcher> make_launcher(const LauncherOptions& options, const std::filesystem::path& run_dir,
                                        ResultsStore& store, int trial_threads, int parallel,
                                        const std::string& job_name, std::vector<std::string> devices = {});

/// The environment variable through which the process launcher names a trial
/// process's device.
inline constexpr const char* kTrialDeviceVariable = "AUTOML_TRIAL_DEVICE";

/// The files and folders an experiment's plugin tables name (string values
/// that exist as paths, relative to its base directory), as
/// ("[dataset] root", path): what compute nodes must see.
std::vector<std::pair<std::string, std::filesystem::path>> experiment_paths(const Experiment& experiment);

/// Checks that the launcher can work here before a run starts: sbatch on
/// PATH for slurm (UsageError with how to fix it). Returns warnings (paths
/// compute nodes may not see: the output folder, this program, plugins,
/// `data_paths`).
std::vector<std::string> check_launcher(
    const LauncherOptions& options, const std::filesystem::path& output_dir,
    const std::vector<std::filesystem::path>& plugin_files,
    const std::vector<std::pair<std::string, std::filesystem::path>>& data_paths = {});

}  // namespace automl
