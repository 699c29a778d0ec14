// The process launcher (a child `automl trial` per trial on this machine),
// what both launchers share, and the checks made before a run starts.

#include "automl/run/launcher.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <deque>
#include <fstream>
#include <map>
#include <thread>
#include <variant>

#include <fmt/format.h>

#include "automl/error.hpp"
#include "automl/log.hpp"
#include "automl/run/trial_task.hpp"
#include "automl/text.hpp"
#include "launchers.hpp"
#include "subprocess.hpp"

namespace automl {

namespace fs = std::filesystem;

namespace detail {

fs::path automl_executable() {
  std::error_code error;
  const fs::path self = fs::read_symlink("/proc/self/exe", error);
  if (error) throw Error("cannot find this program's own file (/proc/self/exe): " + error.message());
  return self;
}

std::map<std::int64_t, JobRecord> latest_jobs(const std::vector<JobRecord>& jobs) {
  std::map<std::int64_t, JobRecord> latest;
  for (auto& j : jobs) latest[j.trial] = j;  // jobs are in (id, attempt) order
  return latest;
}

void sleep_seconds(double seconds) {
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
}

}  // namespace detail

namespace {

// True while `pid` is `automl trial RUN_DIR ID` (not a PID reused since).
bool trial_process_alive(pid_t pid, const fs::path& run_dir, std::int64_t trial) {
  if (pid <= 0 || ::kill(pid, 0) != 0) return false;
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  const std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string tail = std::string("trial") + '\0' + run_dir.string() + '\0' + std::to_string(trial) + '\0';
  return cmdline.size() >= tail.size() && cmdline.compare(cmdline.size() - tail.size(), tail.size(), tail) == 0;
}

class ProcessLauncher final : public Launcher {
 public:
  ProcessLauncher(const LauncherOptions& o, fs::path run_dir, ResultsStore& store, int parallel,
                  std::vector<std::string> devices)
      : o_(o), run_dir_(std::move(run_dir)), store_(store), parallel_(parallel),
        poll_(o.poll_seconds > 0 ? o.poll_seconds : 0.05), exe_(detail::automl_executable()),
        devices_(std::move(devices)) {}

  void run(std::int64_t, const std::vector<std::int64_t>& ids, const std::function<void(const LaunchOutcome&)>& finished,
           const LaunchStop& stop) override {
    std::deque<std::pair<std::int64_t, int>> queue;  // (trial, attempt)
    std::map<pid_t, JobRecord> running;              // our children
    std::map<pid_t, JobRecord> adopted;              // an earlier host's, still running
    const auto latest = detail::latest_jobs(store_.jobs());
    for (const auto id : ids) {
      if (auto result = read_trial_result(run_dir_, id)) {  // finished while no host watched
        finished({id, std::move(result), ""});
        continue;
      }
      const auto it = latest.find(id);
      if (it != latest.end() && it->second.launcher == "process" && it->second.state == "RUNNING" &&
          it->second.host == host_name() &&
          trial_process_alive(static_cast<pid_t>(std::stoll(it->second.job)), run_dir_, id)) {
        log_info(fmt::format("trial {}: re-attached to its process {}, still running", id, it->second.job));
        adopted[static_cast<pid_t>(std::stoll(it->second.job))] = it->second;
        continue;
      }
      queue.emplace_back(id, it == latest.end() ? 0 : it->second.attempt + 1);
    }
    bool forwarded = false;
    while (true) {
      while (!stop.no_more() && !queue.empty() && running.size() + adopted.size() < static_cast<std::size_t>(parallel_)) {
        const auto [id, attempt] = queue.front();
        queue.pop_front();
        int slot = 0;  // the lowest slot none of our children holds
        while (std::any_of(slot_of_.begin(), slot_of_.end(), [&](const auto& p) { return p.second == slot; })) ++slot;
        JobRecord job = start(id, attempt, slot);
        const auto pid = static_cast<pid_t>(std::stoll(job.job));
        running[pid] = job;
        slot_of_[pid] = slot;
      }
      if (running.empty() && (adopted.empty() || stop.no_more()) && (queue.empty() || stop.no_more())) return;
      if (stop.interrupted() && !forwarded) {
        for (const auto& [pid, job] : running) ::kill(pid, SIGINT);
        forwarded = true;
      }
      for (auto it = running.begin(); it != running.end();) {
        int status = 0;
        const pid_t done = ::waitpid(it->first, &status, WNOHANG);
        if (done == 0 || (done < 0 && errno == EINTR)) {
          ++it;
          continue;
        }
        JobRecord job = it->second;
        slot_of_.erase(it->first);
        it = running.erase(it);
        ended(job, done < 0 ? std::optional<int>() : std::optional<int>(status), queue, finished);
      }
      for (auto it = adopted.begin(); it != adopted.end();) {
        if (trial_process_alive(it->first, run_dir_, it->second.trial)) {
          ++it;
          continue;
        }
        JobRecord job = it->second;
        it = adopted.erase(it);
        ended(job, std::nullopt, queue, finished);
      }
      detail::sleep_seconds(poll_);
    }
  }

  std::vector<std::string> cancel() override {
    std::vector<std::string> lines;
    for (auto& [trial, job] : detail::latest_jobs(store_.jobs())) {
      if (job.launcher != "process" || job.state != "RUNNING") continue;
      const pid_t pid = static_cast<pid_t>(std::stoll(job.job));
      if (job.host == host_name() && trial_process_alive(pid, run_dir_, trial)) {
        ::kill(pid, SIGTERM);
        lines.push_back(fmt::format("trial {}: stopped its process {}", trial, pid));
      }
      job.state = "CANCELLED";
      store_.put_job(job);
    }
    return lines;
  }

 private:
  JobRecord start(std::int64_t id, int attempt, int slot) {
    JobRecord job;
    job.trial = id;
    job.attempt = attempt;
    job.launcher = "process";
    job.host = host_name();
    job.log = (launch_dir(run_dir_) / fmt::format("trial-{}-attempt-{}.log", id, attempt)).string();
    std::vector<std::string> env;
    if (!devices_.empty())
      env.push_back(std::string(kTrialDeviceVariable) + "=" + devices_[static_cast<std::size_t>(slot) % devices_.size()]);
    const pid_t pid = detail::spawn({exe_.string(), "trial", run_dir_.string(), std::to_string(id)}, job.log, env);
    job.job = std::to_string(pid);
    job.state = "RUNNING";
    store_.put_job(job);
    return job;
  }

  // A trial process ended (`status` from waitpid; none for an adopted one):
  // its result is imported, or it is queued again, or it fails.
  void ended(JobRecord job, std::optional<int> status, std::deque<std::pair<std::int64_t, int>>& queue,
             const std::function<void(const LaunchOutcome&)>& finished) {
    if (status) job.exit_code = detail::describe_wait_status(*status);
    if (auto result = read_trial_result(run_dir_, job.trial)) {
      job.state = "DONE";
      store_.put_job(job);
      finished({job.trial, std::move(result), ""});
      return;
    }
    if (status && WIFEXITED(*status) && WEXITSTATUS(*status) == kTrialStoppedExit) {
      job.state = "STOPPED";  // pending; a resumed run starts it again
      store_.put_job(job);
      return;
    }
    job.state = status && WIFSIGNALED(*status) ? "SIGNALED" : "FAILED";
    store_.put_job(job);
    const std::string what = fmt::format("its process ended ({}) without a result; its output: {}",
                                         job.exit_code.empty() ? "after the host that started it" : job.exit_code,
                                         job.log);
    if (job.attempt < o_.max_retries) {
      log_warning(fmt::format("trial {}: {}; running it again (retry {} of {})", job.trial, what, job.attempt + 1,
                              o_.max_retries));
      queue.emplace_back(job.trial, job.attempt + 1);
      return;
    }
    finished({job.trial, std::nullopt, what});
  }

  LauncherOptions o_;
  fs::path run_dir_;
  ResultsStore& store_;
  int parallel_;
  double poll_;
  fs::path exe_;
  std::vector<std::string> devices_;  // the run's device slots
  std::map<pid_t, int> slot_of_;       // the slot each child holds
};

bool local_only_path(const fs::path& p) {
  const std::string s = fs::absolute(p).lexically_normal().string();
  for (const char* prefix : {"/tmp/", "/var/tmp/", "/dev/shm/", "/run/"})
    if (s.rfind(prefix, 0) == 0) return true;
  return false;
}

}  // namespace

std::unique_ptr<Launcher> make_launcher(const LauncherOptions& o, const fs::path& run_dir, ResultsStore& store,
                                        int trial_threads, int parallel, const std::string& job_name,
                                        std::vector<std::string> devices) {
  const fs::path dir = fs::absolute(run_dir).lexically_normal();
  if (o.type == "process") return std::make_unique<ProcessLauncher>(o, dir, store, parallel, std::move(devices));
  if (o.type == "slurm") return detail::make_slurm_launcher(o, dir, store, trial_threads, parallel, job_name);
  return nullptr;
}

std::vector<std::pair<std::string, fs::path>> experiment_paths(const Experiment& exp) {
  std::vector<std::pair<std::string, fs::path>> out;
  const auto add = [&](const char* table, const ComponentSpec* spec) {
    if (spec == nullptr) return;
    for (const auto& [key, entry] : spec->section.entries()) {
      const auto* text = std::get_if<std::string>(&entry.value);
      if (text == nullptr || text->empty() || text->find('\n') != std::string::npos) continue;
      std::error_code error;
      const fs::path path = exp.base_dir / *text;
      if (fs::exists(path, error)) out.emplace_back(std::string("[") + table + "] " + key, path);
    }
  };
  add("dataset", exp.dataset ? &*exp.dataset : nullptr);
  add("search_space", &exp.search_space);
  add("strategy", &exp.strategy);
  add("evaluator", &exp.evaluator);
  add("reference", exp.reference ? &*exp.reference : nullptr);
  add("final", exp.final_stage ? &*exp.final_stage : nullptr);
  return out;
}

std::vector<std::string> check_launcher(const LauncherOptions& o, const fs::path& output_dir,
                                        const std::vector<fs::path>& plugin_files,
                                        const std::vector<std::pair<std::string, fs::path>>& data_paths) {
  std::vector<std::string> warnings;
  if (o.type != "slurm") return warnings;
  if (!detail::find_on_path("sbatch"))
    throw UsageError(
        "[launcher] type = \"slurm\", but sbatch is not on PATH: run automl where Slurm's commands work (a login "
        "node; `module load slurm` on clusters that need it; on Debian, apt-get install slurm-client), or use "
        "type = \"process\" to run the trials on this machine");
  for (const char* tool : {"squeue", "scontrol", "scancel"})
    if (!detail::find_on_path(tool))
      throw UsageError(std::string("[launcher] type = \"slurm\", but ") + tool +
                       " is not on PATH beside sbatch: automl polls and cancels jobs with it");
  if (local_only_path(output_dir))
    warnings.push_back("the run directory's folder " + fs::absolute(output_dir).string() +
                       " is under a node-local path: Slurm's compute nodes must see the run directory (write "
                       "output_dir on a shared filesystem)");
  const fs::path exe = detail::automl_executable();
  if (local_only_path(exe))
    warnings.push_back("this automl (" + exe.string() + ") is under a node-local path: the compute nodes run it");
  for (const auto& f : plugin_files)
    if (local_only_path(f))
      warnings.push_back("plugin " + f.string() + " is under a node-local path: the compute nodes load it");
  for (const auto& [what, path] : data_paths)
    if (local_only_path(path))
      warnings.push_back(what + " (" + fs::absolute(path).lexically_normal().string() +
                         ") is under a node-local path: the compute nodes read it");
  return warnings;
}

}  // namespace automl
