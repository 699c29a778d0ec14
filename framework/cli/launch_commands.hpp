#pragma once
// The commands of runs whose trials run through a launcher: `automl trial`
// (what a launcher runs for one trial) and `automl cancel`.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <ostream>

namespace automl {
class PluginHost;
struct Experiment;
}  // namespace automl

namespace automl::cli {

/// Loads the default plugins and the experiment's plugin_paths into a host.
using PluginLoader = std::function<void(PluginHost&, const Experiment*)>;

/// Evaluates trial `id` of the run in `run_dir` from its task file and
/// writes its result file. 0 when a result was written (the trial may have
/// failed in its evaluator), kTrialStoppedExit when `stop` came first.
int run_trial_task(const std::filesystem::path& run_dir, std::int64_t id, const std::atomic<bool>& stop,
                   const PluginLoader& load_plugins, std::ostream& out);

/// Stops the run's host (SIGINT, when it runs on this machine) and cancels
/// the trials it has queued or running; `automl resume` later starts them
/// again.
int cancel_run(const std::filesystem::path& run_dir, std::ostream& out);

}  // namespace automl::cli
