// Slurm job arrays: job scripts submitted with sbatch, tasks polled with
// scontrol (sacct where Slurm keeps accounting), retried, re-attached and
// cancelled; shared by the trial launcher and `automl compare`.

#include "slurm.hpp"

#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "automl/error.hpp"
#include "automl/log.hpp"
#include "automl/text.hpp"
#include "launchers.hpp"
#include "subprocess.hpp"

namespace automl::detail {

namespace fs = std::filesystem;

namespace {

// States after which a task runs no more, and it left no result (COMPLETED
// is handled apart: it should have one).
const std::set<std::string> kFailedStates = {"FAILED",    "TIMEOUT",   "OUT_OF_MEMORY", "CANCELLED",
                                             "NODE_FAIL", "PREEMPTED", "BOOT_FAIL",     "DEADLINE",
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

std::string array_of(const std::string& slurm_id) { return slurm_id.substr(0, slurm_id.find('_')); }

}  // namespace

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (const char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

SlurmArrays::SlurmArrays(const LauncherOptions& options, SlurmWork work) : o_(options), w_(std::move(work)) {
  if (o_.cpus_per_task > 0) w_.cpus = o_.cpus_per_task;
  if (o_.array_parallelism > 0) w_.parallel = o_.array_parallelism;
  if (o_.poll_seconds <= 0) o_.poll_seconds = 2;
}

void SlurmArrays::run(const std::string& batch, const std::vector<std::int64_t>& ids,
                      const std::function<void(std::int64_t, const std::string&)>& ended,
                      const std::function<bool()>& interrupted) {
  std::map<std::string, Task> outstanding;  // by Slurm id ARRAY_INDEX
  std::vector<std::pair<std::int64_t, int>> to_submit;
  const auto latest = latest_jobs(w_.jobs());
  std::map<std::string, std::map<std::string, TaskState>> known;  // array -> its tasks' states
  for (const auto id : ids) {
    if (w_.has_result(id)) {
      ended(id, "");
      continue;
    }
    const auto it = latest.find(id);
    if (it == latest.end() || it->second.launcher != "slurm") {
      to_submit.emplace_back(id, it == latest.end() ? 0 : it->second.attempt + 1);
      continue;
    }
    const JobRecord& job = it->second;
    const std::string array = array_of(job.job);
    if (!known.count(array)) known[array] = query_array(array);
    const auto st = known[array].find(job.job);
    if (finished_state(job.state) || st == known[array].end()) {
      // Ended before (and left no result), or lost while no host watched:
      // submitted again.
      if (!finished_state(job.state))
        log_info(fmt::format("{}: Slurm no longer knows its task {} and it left no result; submitting it again",
                             w_.label(id), job.job));
      to_submit.emplace_back(id, job.attempt + 1);
      continue;
    }
    log_info(fmt::format("{}: re-attached to Slurm task {} ({})", w_.label(id), job.job, st->second.state));
    outstanding[job.job] = Task{job};
  }
  if (!to_submit.empty() && !interrupted()) submit(batch, to_submit, outstanding);
  while (!outstanding.empty()) {
    if (interrupted()) {
      log_info(fmt::format("{} {}{} still queued or running in Slurm: {}", outstanding.size(), w_.what,
                           outstanding.size() == 1 ? " is" : "s are", w_.stopped_hint));
      return;
    }
    sleep_seconds(o_.poll_seconds);
    std::map<std::string, std::map<std::string, TaskState>> states;
    for (const auto& [slurm_id, task] : outstanding)
      if (!states.count(array_of(slurm_id))) states[array_of(slurm_id)] = query_array(array_of(slurm_id));
    std::vector<std::pair<std::int64_t, int>> again;
    for (auto it = outstanding.begin(); it != outstanding.end();) {
      Task& task = it->second;
      const auto& array = states[array_of(it->first)];
      const auto st = array.find(it->first);
      if (w_.has_result(task.job.trial)) {
        task.job.state = "DONE";
        if (st != array.end()) task.job.exit_code = st->second.exit_code;
        w_.put_job(task.job);
        ended(task.job.trial, "");
        it = outstanding.erase(it);
        continue;
      }
      std::string failure;
      if (st == array.end()) {
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
                                "directory (a shared filesystem)?",
                                it->first, w_.result_path(task.job.trial));
        } else if (state != task.job.state && state != "COMPLETED") {
          task.job.state = state;
          w_.put_job(task.job);
        }
      }
      if (failure.empty()) {
        ++it;
        continue;
      }
      w_.put_job(task.job);
      failure += "; its output: " + task.job.log;
      if (task.job.attempt < o_.max_retries) {
        log_warning(fmt::format("{}: {}; submitting it again (retry {} of {})", w_.label(task.job.trial), failure,
                                task.job.attempt + 1, o_.max_retries));
        again.emplace_back(task.job.trial, task.job.attempt + 1);
      } else {
        ended(task.job.trial, failure);
      }
      it = outstanding.erase(it);
    }
    if (!again.empty()) submit(batch, again, outstanding);
  }
}

std::vector<std::string> SlurmArrays::cancel() {
  std::vector<std::string> lines;
  for (auto& [id, job] : latest_jobs(w_.jobs())) {
    if (job.launcher != "slurm" || finished_state(job.state)) continue;
    const auto out = run_command({"scancel", job.job});
    if (out.exit_code != 0)
      lines.push_back(fmt::format("{}: scancel {} failed: {}", w_.label(id), job.job, printable(out.err, 500)));
    else
      lines.push_back(fmt::format("{}: cancelled Slurm task {}", w_.label(id), job.job));
    job.state = "CANCELLED";
    w_.put_job(job);
  }
  return lines;
}

// Writes the job script of `tasks` (id, attempt) and submits it as one array.
void SlurmArrays::submit(const std::string& batch, const std::vector<std::pair<std::int64_t, int>>& tasks,
                         std::map<std::string, Task>& outstanding) {
  fs::create_directories(w_.dir);
  fs::path script;
  for (int n = 0;; ++n) {
    script = w_.dir / fmt::format("{}-submit-{}.sbatch", batch, n);
    if (!fs::exists(script)) break;
  }
  std::string ids, labels;
  for (const auto& [id, attempt] : tasks) {
    ids += (ids.empty() ? "" : " ") + std::to_string(id);
    labels += (labels.empty() ? "" : ", ") + w_.label(id);
  }
  std::string text = "#!/bin/bash\n";
  text += fmt::format("# automl, {}: {}.\n", batch, labels);
  text += "# Written by automl's slurm launcher; `sbatch " + script.string() + "` runs it again by hand.\n";
  text += "#SBATCH --job-name=" + shell_quote("automl-" + w_.job_name) + "\n";
  text += fmt::format("#SBATCH --array=0-{}%{}\n", tasks.size() - 1, w_.parallel);
  text += "#SBATCH --output=" + (w_.dir / "slurm-%A_%a.log").string() + "\n";
  text += fmt::format("#SBATCH --cpus-per-task={}\n", w_.cpus);
  const std::pair<const char*, const std::string*> options[] = {
      {"partition", &o_.partition}, {"account", &o_.account}, {"qos", &o_.qos}, {"time", &o_.time},
      {"mem", &o_.mem},             {"gres", &o_.gres},       {"constraint", &o_.constraint}};
  for (const auto& [name, value] : options)
    if (!value->empty()) text += fmt::format("#SBATCH --{}={}\n", name, *value);
  for (const auto& arg : o_.sbatch_args) text += "#SBATCH " + arg + "\n";
  for (const auto& line : o_.setup) text += line + "\n";
  text += "ids=(" + ids + ")\n";
  text += w_.command + "\n";
  {
    std::ofstream out(script);
    out << text;
    if (!out) throw Error("cannot write the job script " + script.string());
  }
  fs::permissions(script, fs::perms::owner_exec | fs::perms::group_exec, fs::perm_options::add);
  const auto submitted = run_command({"sbatch", "--parsable", script.string()});
  if (submitted.exit_code != 0)
    throw Error(fmt::format("sbatch refused the job script {} (exit code {}):\n{}\n{}", script.string(),
                            submitted.exit_code, printable(trim(submitted.err + submitted.out), 4000),
                            w_.refused_hint));
  const std::string array = trim(submitted.out.substr(0, submitted.out.find(';')));
  log_info(fmt::format("{}: submitted {} as Slurm job array {} ({})", batch, labels, array, script.string()));
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    JobRecord job;
    job.trial = tasks[i].first;
    job.attempt = tasks[i].second;
    job.launcher = "slurm";
    job.job = array + "_" + std::to_string(i);
    job.state = "QUEUED";
    job.log = (w_.dir / fmt::format("slurm-{}_{}.log", array, i)).string();
    w_.put_job(job);
    outstanding[job.job] = Task{job};
  }
}

}  // namespace automl::detail
