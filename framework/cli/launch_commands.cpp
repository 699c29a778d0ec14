// automl trial and automl cancel (of a run or a comparison).

#include "launch_commands.hpp"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <regex>
#include <thread>

#include <fmt/format.h>

#include "automl/compare/compare.hpp"
#include "automl/devices.hpp"
#include "automl/error.hpp"
#include "automl/host/plugin_host.hpp"
#include "automl/host/registry.hpp"
#include "automl/parallel.hpp"
#include "automl/run/components.hpp"
#include "automl/run/launcher.hpp"
#include "automl/run/results_store.hpp"
#include "automl/run/run_job.hpp"
#include "automl/run/run_lock.hpp"
#include "automl/run/run_loop.hpp"
#include "automl/run/trial_task.hpp"
#include "automl/text.hpp"

namespace automl::cli {

namespace fs = std::filesystem;

namespace {

// The device of a trial process: the slot the process launcher gave it, or
// in a Slurm task the GPU Slurm gave it (its first visible one), else the
// run's first device.
std::string trial_device(const Experiment& exp) {
  const std::string first = exp.options.device_list().front();
  if (const char* given = std::getenv(kTrialDeviceVariable); given != nullptr && *given != 0) return given;
  if (exp.launcher.type != "slurm" || first == "cpu") return first;
  if (cuda_device_count() == 0)
    throw ConfigError(exp.experiment_section.where(exp.options.device_key()),
                      "this Slurm task sees no CUDA device (CUDA_VISIBLE_DEVICES is \"" +
                          std::string(std::getenv("CUDA_VISIBLE_DEVICES") ? std::getenv("CUDA_VISIBLE_DEVICES") : "") +
                          "\"); ask Slurm for one per task with [launcher] gres = \"gpu:1\"");
  return device_in_task(first);
}

}  // namespace

int run_trial_task(const fs::path& run_dir, std::int64_t id, const std::atomic<bool>& stop,
                   const PluginLoader& load_plugins, std::ostream& out) {
  const Experiment exp = read_launch_experiment(run_dir);
  const TrialTask task = read_trial_task(run_dir, id);
  Registry registry;
  PluginHost host(registry);
  load_plugins(host, &exp);
  set_torch_threads(task.threads);
  Components c = build_trial_components(exp, registry);
  TrialRecord t;
  t.id = task.trial;
  t.round = task.round;
  t.arch_text = task.arch_text;
  t.arch = c.space->parse(task.arch_text);
  t.seed = task.seed;
  t.fidelity = task.fidelity;
  TrialContext ctx(static_cast<std::uint64_t>(id), task.seed, task.threads);
  ctx.fidelity = task.fidelity;
  ctx.previous_fidelity = task.previous_fidelity;
  ctx.previous_dir = task.previous_dir;
  ctx.dir = task.dir;
  ctx.stop = [&stop] { return stop.load(); };
  ctx.device = trial_device(exp);
  out << fmt::format("trial {} of {} on {} (PID {}, {}): {}\n", id, run_dir.string(), host_name(), getpid(),
                     ctx.device, task.arch_text)
      << std::flush;
  evaluate_trial(*c.evaluator, t, ctx);
  if (t.status == TrialStatus::pending) {
    out << "stopped before the trial finished; it stays pending\n";
    return kTrialStoppedExit;
  }
  write_trial_result(run_dir, t);
  out << fmt::format("trial {}: {} ({:.2f} s)\n", id,
                     t.status == TrialStatus::ok ? fmt::format("score {:.6g}", t.score) : "FAILED: " + t.error,
                     t.wall_s);
  return 0;
}

namespace {

// The PID of the process holding the run's lock, when it runs on this host.
std::optional<pid_t> local_holder(const fs::path& run_dir, std::string& holder) {
  holder = read_text(run_dir / "lock").value_or("");
  static const std::regex form("automl PID ([0-9]+) on host (\\S+) since .*");
  std::smatch m;
  if (!std::regex_match(holder, m, form)) return std::nullopt;
  if (m[2].str() != host_name()) return std::nullopt;
  return static_cast<pid_t>(std::stol(m[1].str()));
}

// Takes the directory's lock, first stopping (Ctrl-C) the automl that holds
// it when it runs on this machine.
void stop_holder(const fs::path& run_dir, std::optional<DirectoryLock>& lock, std::ostream& out) {
  for (int waited = 0; !lock; ++waited) {
    try {
      lock.emplace(run_dir);
    } catch (const UsageError&) {
      std::string holder;
      const auto pid = local_holder(run_dir, holder);
      if (!pid)
        throw UsageError(run_dir.string() + " is held by " + printable(holder) +
                         ", not on this machine: stop that automl first (Ctrl-C), then cancel");
      if (waited == 0) {
        out << fmt::format("stopping the host process {} (it holds {})\n", *pid, run_dir.string()) << std::flush;
        ::kill(*pid, SIGINT);
      }
      if (waited > 1200) throw Error(fmt::format("the run's host process {} did not stop within 60 s", *pid));
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

}  // namespace

int cancel_run(const fs::path& run_dir, std::ostream& out) {
  std::optional<DirectoryLock> lock;
  if (fs::exists(run_dir / "compare.db") && !fs::exists(run_dir / "results.db")) {
    stop_holder(run_dir, lock, out);
    const auto lines = cancel_comparison(run_dir);
    for (const auto& line : lines) out << line << "\n";
    out << fmt::format("{}: {} run{} cancelled; `automl compare` with its file starts them again\n",
                       run_dir.string(), lines.size(), lines.size() == 1 ? "" : "s");
    return 0;
  }
  if (is_run_job(run_dir)) {  // the job holds the run directory; its host, the launch folder
    stop_holder(launch_dir(run_dir), lock, out);
    const auto lines = cancel_run_job(run_dir);
    for (const auto& line : lines) out << line << "\n";
    out << fmt::format("{}: {}; `automl resume {}` submits it again\n", run_dir.string(),
                       lines.empty() ? "no job queued or running" : "its job cancelled", run_dir.string());
    return 0;
  }
  const Experiment exp = load_run_experiment(run_dir, {});
  stop_holder(run_dir, lock, out);
  if (exp.launcher.local()) {
    out << run_dir.string() << ": its trials run in the host's process; nothing else to cancel\n";
    return 0;
  }
  auto store = ResultsStore::open(run_dir / "results.db");
  const auto launcher = make_launcher(exp.launcher, run_dir, *store, threads_per_trial(exp.options),
                                      exp.options.parallel_trials, exp.options.name);
  const auto lines = launcher->cancel();
  for (const auto& line : lines) out << line << "\n";
  out << fmt::format("{}: {} trial{} cancelled; `automl resume {}` starts them again\n", run_dir.string(),
                     lines.size(), lines.size() == 1 ? "" : "s", run_dir.string());
  return 0;
}

}  // namespace automl::cli
