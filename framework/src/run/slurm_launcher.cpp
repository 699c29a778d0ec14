// The Slurm launcher: each round's trials as one job array of `automl trial`
// tasks (slurm.hpp); their job ids and states go to the results database,
// so that a host killed and resumed re-attaches to its jobs.

#include <fmt/format.h>

#include "automl/run/trial_task.hpp"
#include "launchers.hpp"
#include "slurm.hpp"

namespace automl::detail {

namespace fs = std::filesystem;

namespace {

class SlurmLauncher final : public Launcher {
 public:
  SlurmLauncher(const LauncherOptions& o, const fs::path& run_dir, ResultsStore& store, int trial_threads,
                int parallel, const std::string& job_name)
      : run_dir_(run_dir), arrays_(o, work(run_dir, store, trial_threads, parallel, job_name)) {}

  void run(std::int64_t round, const std::vector<std::int64_t>& ids,
           const std::function<void(const LaunchOutcome&)>& finished, const LaunchStop& stop) override {
    arrays_.run(
        fmt::format("round-{}", round), ids,
        [&](std::int64_t id, const std::string& failure) {
          if (!failure.empty()) return finished({id, std::nullopt, failure});
          finished({id, read_trial_result(run_dir_, id), ""});
        },
        stop.interrupted);
  }

  std::vector<std::string> cancel() override { return arrays_.cancel(); }

 private:
  static SlurmWork work(const fs::path& run_dir, ResultsStore& store, int trial_threads, int parallel,
                        const std::string& job_name) {
    SlurmWork w;
    w.what = "trial";
    w.dir = launch_dir(run_dir);
    w.job_name = job_name;
    w.cpus = trial_threads;
    w.parallel = parallel;
    w.refused_hint = fmt::format("Fix [launcher] in the experiment (`automl resume {} --set launcher.KEY=VALUE` "
                                 "resumes with another value) and resume.",
                                 run_dir.string());
    w.stopped_hint = fmt::format("`automl resume {0}` re-attaches to them, `automl cancel {0}` cancels them",
                                 run_dir.string());
    w.label = [](std::int64_t id) { return "trial " + std::to_string(id); };
    w.has_result = [run_dir](std::int64_t id) { return fs::exists(result_file(run_dir, id)); };
    w.result_path = [run_dir](std::int64_t id) { return result_file(run_dir, id).string(); };
    w.command = "exec " + shell_quote(automl_executable().string()) + " trial " + shell_quote(run_dir.string()) +
                " \"${ids[$SLURM_ARRAY_TASK_ID]}\"";
    w.jobs = [&store] { return store.jobs(); };
    w.put_job = [&store](const JobRecord& j) { store.put_job(j); };
    return w;
  }

  fs::path run_dir_;
  SlurmArrays arrays_;
};

}  // namespace

std::unique_ptr<Launcher> make_slurm_launcher(const LauncherOptions& o, const fs::path& run_dir, ResultsStore& store,
                                              int trial_threads, int parallel, const std::string& job_name) {
  return std::make_unique<SlurmLauncher>(o, run_dir, store, trial_threads, parallel, job_name);
}

}  // namespace automl::detail
