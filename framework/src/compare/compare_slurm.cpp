// A comparison's runs as the tasks of one Slurm job array: each task is
// `automl compare FILE --task N`, an ordinary run directory started or
// resumed on a compute node; compare.db keeps the tasks' job ids and
// imports each run as it ends, so that a comparison started again
// re-attaches instead of submitting twice.

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "automl/error.hpp"
#include "automl/parallel.hpp"
#include "automl/run/results_store.hpp"
#include "automl/text.hpp"
#include "compare_runs.hpp"
#include "run/launchers.hpp"
#include "run/slurm.hpp"

namespace automl {

namespace fs = std::filesystem;

fs::path run_exit_file(const fs::path& comparison_dir, std::int64_t index) {
  return comparison_dir / "launch" / fmt::format("run-{}.exit", index);
}

namespace {

std::optional<int> read_exit(const fs::path& file) {
  std::ifstream in(file);
  int code = 0;
  if (!(in >> code)) return std::nullopt;
  return code;
}

// What the tasks of one comparison share: where their files and job records go.
detail::SlurmWork comparison_work(const fs::path& dir, CompareDb& db, std::function<std::string(std::int64_t)> label) {
  detail::SlurmWork w;
  w.what = "run";
  w.dir = dir / "launch";
  w.label = std::move(label);
  w.has_result = [dir](std::int64_t id) { return fs::exists(run_exit_file(dir, id)); };
  w.result_path = [dir](std::int64_t id) { return run_exit_file(dir, id).string(); };
  w.jobs = [&db] { return db.jobs(); };
  w.put_job = [&db](const JobRecord& j) { db.put_job(j); };
  return w;
}

}  // namespace

void run_on_slurm(const Comparison& c, const CompareControl& control, CompareDb& db, RunBook& book,
                  const std::vector<RunJob>& queue, int parallel) {
  const fs::path dir = c.directory();
  const auto runs = comparison_runs(c);
  // A run that failed or was interrupted before runs again (as a local
  // comparison does): its old exit code must not end it at once.
  for (const auto& job : queue) {
    const fs::path exit = run_exit_file(dir, job.index);
    if (fs::exists(exit) && read_exit(exit) != 0) fs::remove(exit);
  }
  auto w = comparison_work(dir, db, [&runs](std::int64_t id) { return runs.at(static_cast<std::size_t>(id)).label(); });
  w.job_name = c.options.name;
  w.cpus = 1;
  for (const auto& v : c.variants) w.cpus = std::max(w.cpus, v.experiment.options.threads);
  w.parallel = parallel;
  w.refused_hint = "Fix [launcher] in " + c.file.string() +
                   " (of a comparison file, only that table may change between starts) and start the comparison "
                   "again.";
  w.stopped_hint = fmt::format("`automl compare {}` re-attaches to them, `automl cancel {}` cancels them",
                               c.file.string(), dir.string());
  w.command = "exec " + detail::shell_quote(detail::automl_executable().string()) + " compare " +
              detail::shell_quote(c.file.string()) + " --task \"${ids[$SLURM_ARRAY_TASK_ID]}\"";
  detail::SlurmArrays arrays(c.launcher, w);
  std::vector<std::int64_t> ids;
  for (const auto& job : queue) ids.push_back(job.index);
  arrays.run(
      "runs", ids,
      [&](std::int64_t id, const std::string& failure) {
        const RunJob& job = runs.at(static_cast<std::size_t>(id));
        fs::path log = job.log();
        for (const auto& j : db.jobs())
          if (j.trial == id) log = j.log;
        if (!failure.empty()) return book.failed(job, failure, log);
        const auto code = read_exit(run_exit_file(dir, id));
        if (code == 0) return book.finished(job);
        if (code == 130) return book.interrupted(job);
        book.failed(job, code ? fmt::format("exit code {}", *code) : "an unreadable exit file", log);
      },
      [&] { return control.stop && control.stop->load(); });
}

int run_comparison_task(const Comparison& c, const Registry& registry, const CompareControl& control,
                        std::int64_t index) {
  const fs::path dir = c.directory();
  const auto kept = read_text(dir / "comparison.toml");
  if (!kept)
    throw UsageError("no comparison directory at " + dir.string() +
                     ": --task runs one run of a comparison `automl compare` has started");
  if (without_launcher(*kept) != without_launcher(c.text))
    throw ConfigError(c.file.string() + " has changed since the comparison in " + dir.string() +
                      " was started (it keeps the first version in comparison.toml)");
  const auto runs = comparison_runs(c);
  if (index < 0 || index >= static_cast<std::int64_t>(runs.size()))
    throw UsageError(fmt::format("--task {}: the comparison has runs 0 to {}", index, runs.size() - 1));
  const RunJob& job = runs[static_cast<std::size_t>(index)];
  std::cout << fmt::format("run {} of {} on {} (PID {}): {}, {}\n", index, dir.string(), host_name(), getpid(),
                           job.label(), job.dir.string())
            << std::flush;
  set_torch_threads(1);
  fs::create_directories(job.dir.parent_path());
  const int code = run_one(c, job, registry, control);
  const fs::path exit = run_exit_file(dir, index);
  write_text_atomically(exit, std::to_string(code) + "\n");
  std::cout << fmt::format("{}: exit code {}\n", job.label(), code) << std::flush;
  return code;
}

std::vector<std::string> cancel_comparison(const fs::path& dir) {
  CompareDb db(dir / "compare.db", false);
  const auto variants = db.variants();
  const std::int64_t first_seed = std::stoll(db.meta("first_seed").value_or("0"));
  const auto n = static_cast<std::int64_t>(std::max<std::size_t>(1, variants.size()));
  auto w = comparison_work(dir, db, [&](std::int64_t id) {
    return fmt::format("{} seed {}", variants.empty() ? "?" : variants[static_cast<std::size_t>(id % n)].name,
                       first_seed + id / n);
  });
  return detail::SlurmArrays({}, w).cancel();
}

}  // namespace automl
