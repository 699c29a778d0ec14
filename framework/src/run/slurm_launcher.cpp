// The Slurm launcher: each round's trials as one job array of `automl trial`
// tasks, submitted with sbatch and polled with scontrol (sacct where Slurm
// keeps accounting); states and job ids go to the results database, so
// that a host killed and resumed re-attaches to its jobs.

#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "automl/error.hpp"
#include "automl/log.hpp"
#include "automl/run/trial_task.hpp"
#include "automl/text.hpp"
#include "launchers.hpp"
#include "subprocess.hpp"

namespace automl::detail {

namespace fs = std::filesystem;

namespace {

// States after which a task runs no more, and it left no result (COMPLETED
// is handled apart: it should have one).
const std::set<std::string> kFailedStates = {"FAILED",    "TIMEOUT",  "OUT_OF_MEMORY", "CANCELLED",
                                             "NODE_FAIL", "PREEMPTED", "BOOT_FAIL",    "DEADLINE",
                                             "REVOKED",   "SPECIAL_EXIT", "LOST"};

bool finished_state(const std::string& state) {
  return state == "DONE" || state == "COMPLETED" || kFailedStates.count(state) > 0;
}

struct TaskState {
  std::string state;
  std::string exit_code;
};

// The value of `key=` in one line of `scontrol show job -o` (fields are
// space-separated key=value pairs).
std::string field(const std::string& line, const std::string& key) {
  std::size_t at = 0;
  while ((at = line.find(key + "=", at)) != std::string::npos) {
    if (at == 0 || line[at - 1] == ' ') {
      const std::size_t start = at + key.size() + 1;
      return line.substr(start, line.find(' ', start) - start);
    }
    at += key.size();
  }
  return "";
}

// Array task indices in Slurm's notation: "3", "0-7", "0-7%2", "1,4-5", "1-7:2".
std::vector<long> task_indices(std::string spec) {
  std::vector<long> out;
  spec = spec.substr(0, spec.find('%'));
  if (!spec.empty() && spec.front() == '[') spec = spec.substr(1, spec.find(']') - 1);
  std::stringstream parts(spec);
  std::string part;
  while (std::getline(parts, part, ',')) {
    try {
      const std::size_t dash = part.find('-');
      const std::size_t colon = part.find(':');
      const long first = std::stol(part.substr(0, dash));
      const long last = dash == std::string::npos ? first : std::stol(part.substr(dash + 1, colon - dash - 1));
      const long step = colon == std::string::npos ? 1 : std::max(1L, std::stol(part.substr(colon + 1)));
      for (long i = first; i <= last && out.size() < 1000000; i += step) out.push_back(i);
    } catch (const std::exception&) {
      // a form this parser does not know: those tasks stay unseen this poll
    }
  }
  return out;
}

// What Slurm says of the tasks of array job `array`: "ARRAY_INDEX" -> state.
std::map<std::string, TaskState> query_array(const std::string& array) {
  std::map<std::string, TaskState> out;
  const auto shown = run_command({"scontrol", "show", "job", "-o", array});
  if (shown.exit_code == 0) {
    std::stringstream lines(shown.out);
    std::string line;
    while (std::getline(lines, line)) {
      const std::string job = field(line, "ArrayJobId");
      if (job.empty()) continue;
      const TaskState st{field(line, "JobState"), field(line, "ExitCode")};
      for (const long i : task_indices(field(line, "ArrayTaskId"))) out[job + "_" + std::to_string(i)] = st;
    }
    return out;
  }
  // Gone from the controller's memory (MinJobAge): accounting may know it.
  const auto accounted = run_command({"sacct", "-n", "-P", "-X", "-j", array, "-o", "JobID,State,ExitCode"});
  if (accounted.exit_code != 0) return out;
  std::stringstream lines(accounted.out);
  std::string line;
  while (std::getline(lines, line)) {
    std::stringstream cols(line);
    std::string id, state, exit_code;
    std::getline(cols, id, '|');
    std::getline(cols, state, '|');
    std::getline(cols, exit_code, '|');
    state = state.substr(0, state.find(' '));  // "CANCELLED by 0"
    const std::size_t underscore = id.find('_');
    if (underscore == std::string::npos) continue;
    for (const long i : task_indices(id.substr(underscore + 1)))
      out[id.substr(0, underscore) + "_" + std::to_string(i)] = {state, exit_code};
  }
  return out;
}

std::string trim(const std::string& s) {
  const std::size_t first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (const char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

class SlurmLauncher final : public Launcher {
 public:
  SlurmLauncher(const LauncherOptions& o, fs::path run_dir, ResultsStore& store, int trial_threads, int parallel,
                std::string job_name)
      : o_(o), run_dir_(std::move(run_dir)), store_(store), cpus_(o.cpus_per_task > 0 ? o.cpus_per_task : trial_threads),
        parallel_(o.array_parallelism > 0 ? o.array_parallelism : parallel), poll_(o.poll_seconds > 0 ? o.poll_seconds : 2),
        job_name_(std::move(job_name)), exe_(automl_executable()) {}

  void run(std::int64_t round, const std::vector<std::int64_t>& ids,
           const std::function<void(const LaunchOutcome&)>& finished, const LaunchStop& stop) override {
    std::map<std::string, Task> outstanding;  // by Slurm id ARRAY_INDEX
    std::vector<std::pair<std::int64_t, int>> to_submit;
    const auto latest = latest_jobs(store_);
    std::map<std::string, std::map<std::string, TaskState>> known;  // array -> its tasks' states
    for (const auto id : ids) {
      if (auto result = read_trial_result(run_dir_, id)) {
        finished({id, std::move(result), ""});
        continue;
      }
      const auto it = latest.find(id);
      if (it == latest.end() || it->second.launcher != "slurm") {
        to_submit.emplace_back(id, it == latest.end() ? 0 : it->second.attempt + 1);
        continue;
      }
      const JobRecord& job = it->second;
      const std::string array = job.job.substr(0, job.job.find('_'));
      if (!known.count(array)) known[array] = query_array(array);
      const auto st = known[array].find(job.job);
      if (finished_state(job.state) || st == known[array].end()) {
        // Ended before (and left no result), or lost while no host watched:
        // submitted again.
        if (!finished_state(job.state))
          log_info(fmt::format("trial {}: Slurm no longer knows its task {} and it left no result; submitting it "
                               "again", id, job.job));
        to_submit.emplace_back(id, job.attempt + 1);
        continue;
      }
      log_info(fmt::format("trial {}: re-attached to Slurm task {} ({})", id, job.job, st->second.state));
      outstanding[job.job] = Task{job};
    }
    if (!to_submit.empty() && !stop.interrupted()) submit(round, to_submit, outstanding);
    while (!outstanding.empty()) {
      if (stop.interrupted()) {
        log_info(fmt::format("{} trial{} still queued or running in Slurm: `automl resume {}` re-attaches to them, "
                             "`automl cancel {}` cancels them",
                             outstanding.size(), outstanding.size() == 1 ? " is" : "s are", run_dir_.string(),
                             run_dir_.string()));
        return;
      }
      sleep_seconds(poll_);
      std::map<std::string, std::map<std::string, TaskState>> states;
      for (const auto& [slurm_id, task] : outstanding) {
        const std::string array = slurm_id.substr(0, slurm_id.find('_'));
        if (!states.count(array)) states[array] = query_array(array);
      }
      std::vector<std::pair<std::int64_t, int>> again;
      for (auto it = outstanding.begin(); it != outstanding.end();) {
        Task& task = it->second;
        const std::string array = it->first.substr(0, it->first.find('_'));
        const auto st = states[array].find(it->first);
        if (auto result = read_trial_result(run_dir_, task.job.trial)) {
          task.job.state = "DONE";
          if (st != states[array].end()) task.job.exit_code = st->second.exit_code;
          store_.put_job(task.job);
          finished({task.job.trial, std::move(result), ""});
          it = outstanding.erase(it);
          continue;
        }
        std::string failure;
        if (st == states[array].end()) {
          if (++task.unseen >= 3) {
            task.job.state = "LOST";
            failure = fmt::format("Slurm no longer knows task {} and it left no result", it->first);
          }
        } else {
          task.unseen = 0;
          const std::string& state = st->second.state;
          if (kFailedStates.count(state)) {
            task.job.state = state;
            task.job.exit_code = st->second.exit_code;
            failure = fmt::format("Slurm task {} ended {} (exit code {})", it->first, state, st->second.exit_code);
          } else if (state == "COMPLETED" && ++task.completed_polls >= 2) {
            task.job.state = "FAILED";
            task.job.exit_code = st->second.exit_code;
            failure = fmt::format("Slurm task {} completed but left no result at {}: does the compute node see the "
                                  "run directory (a shared filesystem)?", it->first,
                                  result_file(run_dir_, task.job.trial).string());
          } else if (state != task.job.state && state != "COMPLETED") {
            task.job.state = state;
            store_.put_job(task.job);
          }
        }
        if (failure.empty()) {
          ++it;
          continue;
        }
        store_.put_job(task.job);
        failure += "; its output: " + task.job.log;
        if (task.job.attempt < o_.max_retries) {
          log_warning(fmt::format("trial {}: {}; submitting it again (retry {} of {})", task.job.trial, failure,
                                  task.job.attempt + 1, o_.max_retries));
          again.emplace_back(task.job.trial, task.job.attempt + 1);
        } else {
          finished({task.job.trial, std::nullopt, failure});
        }
        it = outstanding.erase(it);
      }
      if (!again.empty()) submit(round, again, outstanding);
    }
  }

  std::vector<std::string> cancel() override {
    std::vector<std::string> lines;
    for (auto& [trial, job] : latest_jobs(store_)) {
      if (job.launcher != "slurm" || finished_state(job.state)) continue;
      const auto out = run_command({"scancel", job.job});
      if (out.exit_code != 0)
        lines.push_back(fmt::format("trial {}: scancel {} failed: {}", trial, job.job, printable(out.err, 500)));
      else
        lines.push_back(fmt::format("trial {}: cancelled Slurm task {}", trial, job.job));
      job.state = "CANCELLED";
      store_.put_job(job);
    }
    return lines;
  }

 private:
  struct Task {
    JobRecord job;
    int unseen = 0;           ///< polls in a row that did not see it
    int completed_polls = 0;  ///< polls that saw it COMPLETED without a result
  };

  // Writes the job script of `trials` (trial, attempt) and submits it as one array.
  void submit(std::int64_t round, const std::vector<std::pair<std::int64_t, int>>& trials,
              std::map<std::string, Task>& outstanding) {
    const fs::path dir = launch_dir(run_dir_);
    fs::create_directories(dir);
    fs::path script;
    for (int n = 0;; ++n) {
      script = dir / fmt::format("round-{}-submit-{}.sbatch", round, n);
      if (!fs::exists(script)) break;
    }
    std::string ids;
    for (const auto& [id, attempt] : trials) ids += (ids.empty() ? "" : " ") + std::to_string(id);
    std::string text = "#!/bin/bash\n";
    text += fmt::format("# automl: round {} of {}, trials {}.\n", round, run_dir_.string(), ids);
    text += "# Written by automl's slurm launcher; `sbatch " + script.string() + "` runs it again by hand.\n";
    text += "#SBATCH --job-name=" + shell_quote("automl-" + job_name_) + "\n";
    text += fmt::format("#SBATCH --array=0-{}%{}\n", trials.size() - 1, parallel_);
    text += "#SBATCH --output=" + (dir / "slurm-%A_%a.log").string() + "\n";
    text += fmt::format("#SBATCH --cpus-per-task={}\n", cpus_);
    const std::pair<const char*, const std::string*> options[] = {
        {"partition", &o_.partition}, {"account", &o_.account}, {"qos", &o_.qos}, {"time", &o_.time},
        {"mem", &o_.mem},             {"gres", &o_.gres},       {"constraint", &o_.constraint}};
    for (const auto& [name, value] : options)
      if (!value->empty()) text += fmt::format("#SBATCH --{}={}\n", name, *value);
    for (const auto& arg : o_.sbatch_args) text += "#SBATCH " + arg + "\n";
    for (const auto& line : o_.setup) text += line + "\n";
    text += "trials=(" + ids + ")\n";
    text += "exec " + shell_quote(exe_.string()) + " trial " + shell_quote(run_dir_.string()) +
            " \"${trials[$SLURM_ARRAY_TASK_ID]}\"\n";
    {
      std::ofstream out(script);
      out << text;
      if (!out) throw Error("cannot write the job script " + script.string());
    }
    fs::permissions(script, fs::perms::owner_exec | fs::perms::group_exec, fs::perm_options::add);
    const auto submitted = run_command({"sbatch", "--parsable", script.string()});
    if (submitted.exit_code != 0)
      throw Error(fmt::format("sbatch refused the job script {} (exit code {}):\n{}\nFix [launcher] in the "
                              "experiment (`automl resume {} --set launcher.KEY=VALUE` resumes with another "
                              "value) and resume.",
                              script.string(), submitted.exit_code, printable(trim(submitted.err + submitted.out), 4000),
                              run_dir_.string()));
    const std::string array = trim(submitted.out.substr(0, submitted.out.find(';')));
    log_info(fmt::format("round {}: submitted trials {} as Slurm job array {} ({})", round, ids, array, script.string()));
    for (std::size_t i = 0; i < trials.size(); ++i) {
      JobRecord job;
      job.trial = trials[i].first;
      job.attempt = trials[i].second;
      job.launcher = "slurm";
      job.job = array + "_" + std::to_string(i);
      job.state = "QUEUED";
      job.log = (dir / fmt::format("slurm-{}_{}.log", array, i)).string();
      store_.put_job(job);
      outstanding[job.job] = Task{job};
    }
  }

  LauncherOptions o_;
  fs::path run_dir_;
  ResultsStore& store_;
  int cpus_;
  int parallel_;
  double poll_;
  std::string job_name_;
  fs::path exe_;
};

}  // namespace

std::unique_ptr<Launcher> make_slurm_launcher(const LauncherOptions& o, const fs::path& run_dir, ResultsStore& store,
                                              int trial_threads, int parallel, const std::string& job_name) {
  return std::make_unique<SlurmLauncher>(o, run_dir, store, trial_threads, parallel, job_name);
}

}  // namespace automl::detail
