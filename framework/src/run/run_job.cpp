// A run as one Slurm job (run_job.hpp): a one-task array through the code
// every Slurm array here goes through (slurm.hpp), its job records in a
// small JSON file instead of results.db.

#include "automl/run/run_job.hpp"

#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "automl/error.hpp"
#include "automl/run/launcher.hpp"
#include "automl/run/run_lock.hpp"
#include "automl/text.hpp"
#include "launchers.hpp"
#include "slurm.hpp"

namespace automl {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

fs::path jobs_file(const fs::path& run_dir) { return launch_dir(run_dir) / "jobs.json"; }
fs::path exit_file(const fs::path& run_dir) { return launch_dir(run_dir) / "run.exit"; }

std::vector<JobRecord> read_jobs(const fs::path& run_dir) {
  const auto text = read_text(jobs_file(run_dir));
  if (!text) return {};
  std::vector<JobRecord> jobs;
  try {
    for (const auto& j : json::parse(*text)) {
      JobRecord r;
      r.trial = 0;
      r.attempt = j.at("attempt").get<int>();
      r.launcher = "slurm";
      r.job = j.at("job").get<std::string>();
      r.state = j.at("state").get<std::string>();
      r.exit_code = j.value("exit_code", "");
      r.log = j.value("log", "");
      jobs.push_back(std::move(r));
    }
  } catch (const json::exception& e) {
    throw DataError(jobs_file(run_dir).string() + " is not a list of the run's Slurm jobs (" + e.what() +
                    "); remove it to submit the run again");
  }
  return jobs;
}

void put_job(const fs::path& run_dir, const JobRecord& job) {
  auto jobs = read_jobs(run_dir);
  bool replaced = false;
  for (auto& j : jobs)
    if (j.attempt == job.attempt) j = job, replaced = true;
  if (!replaced) jobs.push_back(job);
  json out = json::array();
  for (const auto& j : jobs)
    out.push_back({{"attempt", j.attempt}, {"job", j.job}, {"state", j.state}, {"exit_code", j.exit_code},
                   {"log", j.log}});
  write_text_atomically(jobs_file(run_dir), out.dump(1) + "\n");
}

std::optional<int> read_exit(const fs::path& run_dir) {
  std::ifstream in(exit_file(run_dir));
  int code = 0;
  if (!(in >> code)) return std::nullopt;
  return code;
}

detail::SlurmWork run_work(const fs::path& run_dir) {
  detail::SlurmWork w;
  w.what = "run";
  w.dir = launch_dir(run_dir);
  w.label = [](std::int64_t) { return std::string("the run"); };
  w.has_result = [run_dir](std::int64_t) { return fs::exists(exit_file(run_dir)); };
  w.result_path = [run_dir](std::int64_t) { return exit_file(run_dir).string(); };
  w.jobs = [run_dir] { return read_jobs(run_dir); };
  w.put_job = [run_dir](const JobRecord& j) { put_job(run_dir, j); };
  return w;
}

}  // namespace

bool is_run_job(const fs::path& run_dir) { return fs::exists(launch_dir(run_dir) / "run-job"); }

int watch_run_job(const Experiment& exp, const fs::path& run_dir, const std::atomic<bool>* stop, std::ostream& out) {
  fs::create_directories(launch_dir(run_dir));
  const DirectoryLock lock(launch_dir(run_dir));  // the job itself holds the run directory's lock
  if (!is_run_job(run_dir)) std::ofstream(launch_dir(run_dir) / "run-job") << "this run is one Slurm job\n";
  // A job that stopped before the run ended (interrupted, failed) runs again.
  if (read_exit(run_dir) != 0) fs::remove(exit_file(run_dir));
  auto w = run_work(run_dir);
  w.job_name = exp.options.name;
  w.cpus = exp.options.threads;
  w.parallel = 1;
  w.refused_hint = fmt::format("Fix [launcher] (`automl resume {} --set launcher.KEY=VALUE` resumes with another "
                               "value) and resume.",
                               run_dir.string());
  w.stopped_hint = fmt::format("`automl resume {0}` re-attaches to it, `automl cancel {0}` cancels it",
                               run_dir.string());
  w.command = "exec " + detail::shell_quote(detail::automl_executable().string()) + " run-job " +
              detail::shell_quote(run_dir.string());
  out << fmt::format("{}: evaluator '{}' trains one supernet in one process, so the whole run is one Slurm job; "
                     "its output: {}\n",
                     run_dir.string(), exp.evaluator.type, launch_dir(run_dir).string())
      << std::flush;
  std::string failure;
  bool ended = false;
  detail::SlurmArrays(exp.launcher, w).run(
      "run", {0},
      [&](std::int64_t, const std::string& why) {
        ended = true;
        failure = why;
      },
      [stop] { return stop != nullptr && stop->load(); });
  if (!ended) return 130;
  if (!failure.empty()) throw Error("the run's Slurm job failed: " + failure);
  const int code = read_exit(run_dir).value_or(1);
  if (code != 0 && code != 130)
    throw Error(fmt::format("the run's Slurm job ended with exit code {}; its output is in {}", code,
                            launch_dir(run_dir).string()));
  return code;
}

void write_run_job_exit(const fs::path& run_dir, int code) {
  write_text_atomically(exit_file(run_dir), std::to_string(code) + "\n");
}

std::vector<std::string> cancel_run_job(const fs::path& run_dir) {
  return detail::SlurmArrays({}, run_work(run_dir)).cancel();
}

}  // namespace automl
