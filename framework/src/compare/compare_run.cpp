// Running a comparison: every variant x seed not finished yet as a child
// process forked from the host, `jobs` at a time; compare.db records each
// run as it ends, and the report is written from it at the end.

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

namespace automl {

namespace fs = std::filesystem;

namespace {

struct Job {
  const Variant* variant = nullptr;
  std::int64_t seed = 0;
  fs::path dir;  // the run directory
  fs::path log() const { return dir.parent_path() / (dir.filename().string() + ".log"); }
  std::string label() const { return fmt::format("{} seed {}", variant->name, seed); }
};

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

// In the child: build the run's components, then start the run or resume it
// from its own database. The child builds its own rather than inheriting the
// parent's checked ones: plugins seed LibTorch's global generator when they
// are built, and a run must see the state its own build leaves, as it would
// when run alone.
int run_child(const Comparison& c, const Job& job, const Registry& registry, const CompareControl& control) {
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

pid_t launch(const Comparison& c, const Job& job, const Registry& registry, const CompareControl& control) {
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
  int code = 1;
  try {
    code = run_child(c, job, registry, control);
  } catch (const Error& e) {
    std::cerr << "automl: error: " << e.what() << "\n";
    code = e.exit_code();
  } catch (const std::exception& e) {
    std::cerr << "automl: error: " << e.what() << "\n";
  }
  std::cout.flush();
  std::cerr.flush();
  _exit(code);
}

// The last line of a run's log that reports an error, for the summary.
std::string last_error(const fs::path& log) {
  std::ifstream in(log);
  std::string line, found;
  while (std::getline(in, line))
    if (line.find("error") != std::string::npos) found = line;
  return found.empty() ? "see " + log.string() : found;
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
std::vector<Job> pending_jobs(const Comparison& c, const CompareDb& db) {
  std::vector<Job> queue;
  for (std::int64_t k = 0; k < c.options.seeds; ++k)
    for (const auto& v : c.variants) {
      const std::int64_t seed = c.options.first_seed + k;
      if (!db.finished(v.name, seed))
        queue.push_back(Job{&v, seed, c.directory() / "runs" / v.name / ("seed-" + std::to_string(seed))});
    }
  return queue;
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
  Scheduler(const Comparison& c, const Registry& registry, const CompareControl& control, CompareDb& db,
            std::ostream& out, std::int64_t total, std::int64_t finished_before)
      : c_(c), registry_(registry), control_(control), db_(db), out_(out), total_(total), done_(finished_before) {}

  void run(const std::vector<Job>& queue, int slots) {
    std::size_t next = 0;
    bool forwarded = false;
    while (true) {
      const bool stop = control_.stop && control_.stop->load();
      if (stop && !forwarded) {
        for (const auto& [pid, job] : running_) kill(pid, SIGINT);
        forwarded = interrupted_ = true;
      }
      while (!stop && static_cast<int>(running_.size()) < slots && next < queue.size()) {
        const Job& job = queue[next++];
        running_.emplace(launch(c_, job, registry_, control_), job);
      }
      if (running_.empty()) return;
      wait_for_one();
    }
  }

  std::int64_t done() const { return done_; }
  std::int64_t failed() const { return failed_; }
  bool interrupted() const { return interrupted_; }

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
    const Job job = it->second;
    running_.erase(it);
    ended(job, status);
    out_.flush();
  }

  void ended(const Job& job, int status) {
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      const auto run = db_.import_run(job.variant->name, job.seed, job.dir, c_.options.metric);
      ++done_;
      const std::string& metric = c_.options.metric;
      out_ << fmt::format("[{:>{}}/{}] {}: best {:.4f}{} after {} trials, {:.1f} s\n", done_,
                          std::to_string(total_).size(), total_, job.label(), run.best_score,
                          metric.empty() || !std::isfinite(run.best_metric)
                              ? ""
                              : fmt::format(" ({} {:.4f})", metric, run.best_metric),
                          run.trials, run.elapsed_s);
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 130) {
      interrupted_ = true;
      out_ << fmt::format("{}: interrupted; it resumes when the comparison is started again\n", job.label());
    } else {
      ++failed_;
      const std::string why = describe_exit(status) + ": " + last_error(job.log());
      db_.record_failure(job.variant->name, job.seed, job.dir, why);
      out_ << fmt::format("{} FAILED ({}); log: {}\n", job.label(), why, job.log().string());
    }
  }

  const Comparison& c_;
  const Registry& registry_;
  const CompareControl& control_;
  CompareDb& db_;
  std::ostream& out_;
  std::int64_t total_;
  std::int64_t done_;
  std::int64_t failed_ = 0;
  bool interrupted_ = false;
  std::map<pid_t, Job> running_;
};

}  // namespace

int run_comparison(const Comparison& c, const Registry& registry, const CompareControl& control, std::ostream& out) {
  // Check every variant before anything starts: a typo fails now, not later.
  set_torch_threads(1);
  check_comparison(c, registry);
  const fs::path dir = c.directory();
  fs::create_directories(dir);
  const DirectoryLock lock(dir);
  CompareDb db(dir / "compare.db");
  record_comparison(c, registry, db);

  const std::vector<Job> queue = pending_jobs(c, db);
  const std::int64_t total = c.options.seeds * static_cast<std::int64_t>(c.variants.size());
  const std::int64_t finished_before = total - static_cast<std::int64_t>(queue.size());
  const int slots = job_slots(c, control);
  out << fmt::format("comparison {}: {} variants x {} seeds = {} runs, {} at a time{}\n", dir.string(),
                     c.variants.size(), c.options.seeds, total, slots,
                     finished_before > 0 ? fmt::format("; {} already finished", finished_before) : "");
  out.flush();
  if (thread_count() > 1)
    log_warning(fmt::format("the comparison process has {} threads before starting its runs; runs are forked "
                            "from it and expect one",
                            thread_count()));

  Scheduler scheduler(c, registry, control, db, out, total, finished_before);
  const auto start = std::chrono::steady_clock::now();
  scheduler.run(queue, slots);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out << fmt::format("{} of {} runs finished, {} failed, in {:.1f} s{}\n", scheduler.done(), total,
                     scheduler.failed(), wall,
                     scheduler.interrupted() ? "; interrupted: run the same command again to continue" : "");
  if (scheduler.done() > 0) write_compare_report(dir, out, &registry);
  if (scheduler.interrupted()) return 130;
  return scheduler.failed() > 0 ? 1 : 0;
}

}  // namespace automl
