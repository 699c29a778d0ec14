// Running a comparison: every variant x seed not finished yet as a child
// process forked from the host, `jobs` at a time (or as Slurm tasks:
// compare_slurm.cpp); compare.db records each run as it ends, and the
// report is written from it at the end.

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <thread>

#include <fmt/format.h>

#include "automl/compare/compare.hpp"
#include "automl/log.hpp"
#include "automl/parallel.hpp"
#include "automl/run/results_store.hpp"
#include "automl/run/run_lock.hpp"
#include "automl/run/run_loop.hpp"
#include "compare_db.hpp"
#include "compare_runs.hpp"

namespace automl {

namespace fs = std::filesystem;

namespace {

int thread_count() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  return 0;
}

bool has_experiment(const fs::path& run_dir) {
  if (!fs::exists(run_dir / "results.db")) return false;
  try {
    return ResultsStore::open(run_dir / "results.db")->meta("experiment").has_value();
  } catch (const Error&) {
    return false;
  }
}

}  // namespace

std::string RunJob::label() const { return fmt::format("{} seed {}", variant->name, seed); }

std::vector<RunJob> comparison_runs(const Comparison& c) {
  std::vector<RunJob> runs;
  for (std::int64_t k = 0; k < c.options.seeds; ++k)
    for (const auto& v : c.variants) {
      const std::int64_t seed = c.options.first_seed + k;
      runs.push_back(RunJob{&v, seed, static_cast<std::int64_t>(runs.size()),
                            c.directory() / "runs" / v.name / ("seed-" + std::to_string(seed))});
    }
  return runs;
}

// The run builds its own components rather than inheriting the parent's
// checked ones: plugins seed LibTorch's global generator when they are
// built, and a run must see the state its own build leaves, as it would
// when run alone.
namespace {

int run_or_resume(const Comparison& c, const RunJob& job, const Registry& registry, const CompareControl& control) {
  RunControl rc;
  rc.stop = control.stop;
  const Experiment exp = c.run_experiment(*job.variant, job.seed);
  Components components = build_components(exp, registry);
  RunSummary summary;
  if (has_experiment(job.dir)) {
    summary = resume_run(job.dir, exp, std::move(components), rc);
  } else {
    fs::remove_all(job.dir);  // a start killed before its database held the experiment
    summary = start_run_in(exp, registry, std::move(components), job.dir, rc);
  }
  return summary.stop_reason == "interrupted" ? 130 : 0;
}

}  // namespace

int run_one(const Comparison& c, const RunJob& job, const Registry& registry, const CompareControl& control) {
  try {
    return run_or_resume(c, job, registry, control);
  } catch (const Error& e) {
    std::cerr << "automl: error: " << e.what() << "\n";
    return e.exit_code();
  } catch (const std::exception& e) {
    std::cerr << "automl: error: " << e.what() << "\n";
    return 1;
  }
}

namespace {

pid_t launch(const Comparison& c, const RunJob& job, const Registry& registry, const CompareControl& control) {
  fs::create_directories(job.dir.parent_path());
  std::cout.flush();
  std::cerr.flush();
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) throw Error(std::string("cannot start a run: fork failed: ") + std::strerror(errno));
  if (pid > 0) return pid;
  // The child: dies with the comparison (kill -9 included), writes to its log.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(1);
  const int fd = open(job.log().c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd >= 0) {
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    close(fd);
  }
  const int code = run_one(c, job, registry, control);
  std::cout.flush();
  std::cerr.flush();
  _exit(code);
}

std::string describe_exit(int status) {
  if (WIFSIGNALED(status))
    return fmt::format("killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
  return fmt::format("exit code {}", WEXITSTATUS(status));
}

// Records the comparison in compare.db, or checks that the directory was
// started with this one; keeps the comparison file beside it.
void record_comparison(const Comparison& c, const Registry& registry, CompareDb& db) {
  std::vector<CompareVariant> variants;
  for (const auto& v : c.variants)
    variants.push_back({v.name, v.experiment.strategy.type,
                        resolved_toml(c.run_experiment(v, c.options.first_seed), registry)});
  const auto& o = c.options;
  const ExperimentOptions budget = c.run_experiment(c.variants.front(), o.first_seed).options;
  db.start(c.text,
           {{"name", o.name},
            {"file", c.file.string()},
            {"experiment", o.experiment},
            {"seeds", std::to_string(o.seeds)},
            {"first_seed", std::to_string(o.first_seed)},
            {"budget_trials", std::to_string(budget.budget_trials)},
            {"budget_seconds", fmt::format("{}", budget.budget_seconds)},
            {"budget_fidelity", fmt::format("{}", budget.budget_fidelity)},
            {"baseline", o.baseline},
            {"metric", o.metric}},
           variants);
  std::ofstream(c.directory() / "comparison.toml", std::ios::binary) << c.text;
}

// The runs compare.db has not recorded as finished, seed by seed.
std::vector<RunJob> pending_jobs(const Comparison& c, const CompareDb& db) {
  std::vector<RunJob> queue;
  for (auto& job : comparison_runs(c))
    if (!db.finished(job.variant->name, job.seed)) queue.push_back(job);
  return queue;
}

// Slurm tasks at once: [launcher] array_parallelism, else --jobs, else the
// file's `jobs`, else all.
int slurm_slots(const Comparison& c, const CompareControl& control, std::size_t runs) {
  if (c.launcher.array_parallelism > 0) return c.launcher.array_parallelism;
  if (control.jobs > 0) return control.jobs;
  if (c.options.jobs > 0) return static_cast<int>(c.options.jobs);
  return static_cast<int>(std::max<std::size_t>(1, runs));
}

// Runs at once: --jobs, else the file's `jobs`, else the cores over the
// largest thread count of a variant.
int job_slots(const Comparison& c, const CompareControl& control) {
  int threads = 1;
  for (const auto& v : c.variants) threads = std::max(threads, v.experiment.options.threads);
  int jobs = control.jobs > 0 ? control.jobs : static_cast<int>(c.options.jobs);
  if (jobs <= 0) jobs = std::max(1, available_cores() / threads);
  return jobs;
}

// Keeps `slots` runs going until the queue is done or a stop is requested
// (then forwarded to the runs), and records each run as it ends.
class Scheduler {
 public:
  Scheduler(const Comparison& c, const Registry& registry, const CompareControl& control, RunBook& book)
      : c_(c), registry_(registry), control_(control), book_(book) {}

  void run(const std::vector<RunJob>& queue, int slots) {
    std::size_t next = 0;
    bool forwarded = false;
    while (true) {
      const bool stop = control_.stop && control_.stop->load();
      if (stop && !forwarded) {
        for (const auto& [pid, job] : running_) kill(pid, SIGINT);
        forwarded = true;
      }
      while (!stop && static_cast<int>(running_.size()) < slots && next < queue.size()) {
        const RunJob& job = queue[next++];
        running_.emplace(launch(c_, job, registry_, control_), job);
      }
      if (running_.empty()) return;
      wait_for_one();
    }
  }

 private:
  void wait_for_one() {
    int status = 0;
    const pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid == 0 || (pid < 0 && errno == EINTR)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      return;
    }
    if (pid < 0) throw Error(std::string("waiting for runs failed: ") + std::strerror(errno));
    const auto it = running_.find(pid);
    if (it == running_.end()) return;
    const RunJob job = it->second;
    running_.erase(it);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
      book_.finished(job);
    else if (WIFEXITED(status) && WEXITSTATUS(status) == 130)
      book_.interrupted(job);
    else
      book_.failed(job, describe_exit(status), job.log());
  }

  const Comparison& c_;
  const Registry& registry_;
  const CompareControl& control_;
  RunBook& book_;
  std::map<pid_t, RunJob> running_;
};

}  // namespace

std::string last_error(const fs::path& log) {
  std::ifstream in(log);
  std::string line, found;
  while (std::getline(in, line))
    if (line.find("error") != std::string::npos) found = line;
  return found.empty() ? "see " + log.string() : found;
}

void RunBook::finished(const RunJob& job) {
  const auto run = db_.import_run(job.variant->name, job.seed, job.dir, c_.options.metric);
  ++done_;
  const std::string& metric = c_.options.metric;
  out_ << fmt::format("[{:>{}}/{}] {}: best {:.4f}{} after {} trials, {:.1f} s\n", done_,
                      std::to_string(total_).size(), total_, job.label(), run.best_score,
                      metric.empty() || !std::isfinite(run.best_metric)
                          ? ""
                          : fmt::format(" ({} {:.4f})", metric, run.best_metric),
                      run.trials, run.elapsed_s);
  out_.flush();
}

void RunBook::interrupted(const RunJob& job) {
  interrupted_ = true;
  out_ << fmt::format("{}: interrupted; it resumes when the comparison is started again\n", job.label());
  out_.flush();
}

void RunBook::failed(const RunJob& job, const std::string& why, const fs::path& log) {
  ++failed_;
  const std::string what = why + ": " + last_error(log);
  db_.record_failure(job.variant->name, job.seed, job.dir, what);
  out_ << fmt::format("{} FAILED ({}); log: {}\n", job.label(), what, log.string());
  out_.flush();
}

int run_comparison(const Comparison& c, const Registry& registry, const CompareControl& control, std::ostream& out) {
  // Check every variant before anything starts: a typo fails now, not later.
  set_torch_threads(1);
  check_comparison(c, registry);
  const fs::path dir = c.directory();
  fs::create_directories(dir);
  const DirectoryLock lock(dir);
  CompareDb db(dir / "compare.db");
  record_comparison(c, registry, db);

  const std::vector<RunJob> queue = pending_jobs(c, db);
  const std::int64_t total = c.options.seeds * static_cast<std::int64_t>(c.variants.size());
  const std::int64_t finished_before = total - static_cast<std::int64_t>(queue.size());
  const bool slurm = c.launcher.type == "slurm";
  const int slots = slurm ? slurm_slots(c, control, queue.size()) : job_slots(c, control);
  out << fmt::format("comparison {}: {} variants x {} seeds = {} runs, {} at a time{}{}\n", dir.string(),
                     c.variants.size(), c.options.seeds, total, slots, slurm ? " as Slurm tasks" : "",
                     finished_before > 0 ? fmt::format("; {} already finished", finished_before) : "");
  out.flush();
  if (!slurm && thread_count() > 1)
    log_warning(fmt::format("the comparison process has {} threads before starting its runs; runs are forked "
                            "from it and expect one",
                            thread_count()));

  RunBook book(c, db, out, total, finished_before);
  const auto start = std::chrono::steady_clock::now();
  if (slurm)
    run_on_slurm(c, control, db, book, queue, slots);
  else
    Scheduler(c, registry, control, book).run(queue, slots);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const bool interrupted = book.was_interrupted() || (control.stop && control.stop->load());
  out << fmt::format("{} of {} runs finished, {} failed, in {:.1f} s{}\n", book.done(), total, book.failures(),
                     wall, interrupted ? "; interrupted: run the same command again to continue" : "");
  if (book.done() > 0) write_compare_report(dir, out, &registry);
  if (interrupted) return 130;
  return book.failures() > 0 ? 1 : 0;
}

}  // namespace automl
