#include "child.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "automl/error.hpp"

extern char** environ;

namespace command {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// The environment the child gets: ours, with spec.env on top.
std::vector<std::string> child_environment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    const std::string key = entry.substr(0, entry.find('='));
    bool replaced = false;
    for (const auto& x : extra) replaced = replaced || x.substr(0, x.find('=')) == key;
    if (!replaced) env.push_back(entry);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Only async-signal-safe calls between fork and exec: this process has
// threads. A failure is reported through `report` (close-on-exec) as errno.
// The child writes its pid file itself, before exec: a run killed at any
// moment after the command started leaves the file that lets the resumed
// run find the command's group.
void write_pid_file(const char* pid_file) {
  if (pid_file[0] == '\0') return;
  const int fd = open(pid_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return;  // the parent writes it too, once exec has succeeded
  char reversed[24], text[24];
  int n = 0, k = 0;
  for (long v = getpid(); v > 0 && n < 20; v /= 10) reversed[n++] = static_cast<char>('0' + v % 10);
  while (n > 0) text[k++] = reversed[--n];
  text[k++] = '\n';
  (void)!write(fd, text, static_cast<std::size_t>(k));
  close(fd);
}

[[noreturn]] void exec_child(pid_t parent, const char* workdir, const char* out, const char* err, char** argv,
                             char** envp, int report, const char* pid_file) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);  // a killed run does not leave its trial running
  if (getppid() != parent) _exit(127);
  setpgid(0, 0);
  write_pid_file(pid_file);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  signal(SIGPIPE, SIG_DFL);
  int stage = 0;
  const int in = open("/dev/null", O_RDONLY);
  const int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (in < 0 || o < 0 || e < 0) {
    stage = 1;
  } else {
    dup2(in, STDIN_FILENO);
    dup2(o, STDOUT_FILENO);
    dup2(e, STDERR_FILENO);
    if (chdir(workdir) != 0) {
      stage = 2;
    } else {
      environ = envp;
      execvp(argv[0], argv);
      stage = 3;
    }
  }
  const int report_value[2] = {stage, errno};
  (void)!write(report, report_value, sizeof report_value);
  _exit(127);
}

void kill_group(pid_t group, int sig) {
  if (group > 0) kill(-group, sig);
}

}  // namespace

ChildOutcome run_child(const ChildSpec& spec, const std::function<bool()>& stop) {
  if (spec.argv.empty()) throw automl::Error("no command to run");
  std::vector<std::string> args = spec.argv;
  std::vector<std::string> env = child_environment(spec.env);
  std::vector<char*> argv = pointers(args), envp = pointers(env);
  const std::string workdir = spec.workdir.string(), out = spec.stdout_file.string(), err = spec.stderr_file.string();
  int pipe_fd[2];
  if (pipe2(pipe_fd, O_CLOEXEC) != 0) throw automl::Error(std::string("pipe: ") + std::strerror(errno));
  const pid_t parent = getpid();
  const auto start = Clock::now();
  const pid_t pid = fork();
  if (pid < 0) {
    close(pipe_fd[0]);
    close(pipe_fd[1]);
    throw automl::Error(std::string("fork: ") + std::strerror(errno));
  }
  const std::string pid_path = spec.pid_file.string();
  if (pid == 0)
    exec_child(parent, workdir.c_str(), out.c_str(), err.c_str(), argv.data(), envp.data(), pipe_fd[1],
               pid_path.c_str());
  setpgid(pid, pid);  // also here: no window in which a kill of the group misses it
  close(pipe_fd[1]);
  int report[2] = {0, 0};
  const ssize_t got = read(pipe_fd[0], report, sizeof report);  // 0 bytes: exec succeeded
  close(pipe_fd[0]);
  if (got == static_cast<ssize_t>(sizeof report)) {
    waitpid(pid, nullptr, 0);
    std::error_code ec;
    if (!spec.pid_file.empty()) fs::remove(spec.pid_file, ec);
    const std::string why = std::strerror(report[1]);
    if (report[0] == 1) throw automl::Error("cannot open the trial's output files " + out + ", " + err + ": " + why);
    if (report[0] == 2) throw automl::Error("cannot enter the working directory " + workdir + ": " + why);
    throw automl::Error("cannot start '" + spec.argv[0] + "': " + why +
                        (report[1] == ENOENT ? " (not on the PATH, or a relative path not found from " + workdir + ")"
                                             : ""));
  }
  // Written by the child before exec; here only if it could not.
  if (!spec.pid_file.empty() && !fs::exists(spec.pid_file)) std::ofstream(spec.pid_file) << pid << "\n";

  const auto forget_pid = [&spec] {
    std::error_code ec;
    if (!spec.pid_file.empty()) fs::remove(spec.pid_file, ec);
  };
  ChildOutcome outcome;
  int status = 0;
  Clock::time_point term_sent{};
  auto pause = std::chrono::milliseconds(5);
  for (;;) {
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) {
      const int error = errno;
      kill_group(pid, SIGKILL);
      forget_pid();
      throw automl::Error("lost track of '" + spec.argv[0] + "' (process " + std::to_string(pid) +
                          "): waitpid failed: " + std::strerror(error) + "; its process group was killed");
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    if (outcome.end == ChildOutcome::End::exited) {
      if (stop && stop()) outcome.end = ChildOutcome::End::stopped;
      else if (spec.time_limit_s > 0 && elapsed > spec.time_limit_s) outcome.end = ChildOutcome::End::timed_out;
      if (outcome.end != ChildOutcome::End::exited) {
        kill_group(pid, SIGTERM);
        term_sent = Clock::now();
      }
    } else if (std::chrono::duration<double>(Clock::now() - term_sent).count() > spec.grace_s) {
      kill_group(pid, SIGKILL);
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(100));
  }
  kill_group(pid, SIGKILL);  // what the child left behind in its group
  forget_pid();
  outcome.wall_s = std::chrono::duration<double>(Clock::now() - start).count();
  if (outcome.end == ChildOutcome::End::exited) {
    if (WIFSIGNALED(status)) {
      outcome.end = ChildOutcome::End::signaled;
      outcome.code = WTERMSIG(status);
    } else {
      outcome.code = WEXITSTATUS(status);
    }
  }
  return outcome;
}

namespace {

// The process group of process `pid` (field 5 of /proc/PID/stat), or -1.
long group_of(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/stat");
  std::string stat;
  std::getline(in, stat);
  const auto paren = stat.rfind(')');
  if (paren == std::string::npos) return -1;
  std::istringstream fields(stat.substr(paren + 1));
  std::string state;
  long ppid = 0, pgrp = -1;
  fields >> state >> ppid >> pgrp;
  return fields ? pgrp : -1;
}

bool environment_has(const std::string& pid, const std::string& marker) {
  std::ifstream in("/proc/" + pid + "/environ", std::ios::binary);
  for (std::string entry; std::getline(in, entry, '\0');)
    if (entry == marker) return true;
  return false;
}

}  // namespace

void kill_leftover(const fs::path& pid_file, const std::string& marker) {
  std::ifstream in(pid_file);
  long group = 0;
  if (!(in >> group)) return;
  in.close();
  // The group's leader died with the run (it was asked to), but what it
  // started may live on. Only processes of that group whose environment
  // holds the marker are this trial's: the number may have been reused.
  std::error_code ec;
  for (int pass = 0, killed = 1; pass < 10 && killed > 0; ++pass) {  // again for what forked meanwhile
    killed = 0;
    for (const auto& entry : fs::directory_iterator("/proc", ec)) {
      const std::string pid = entry.path().filename().string();
      if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
      if (group_of(pid) == group && environment_has(pid, marker) &&
          kill(static_cast<pid_t>(std::stol(pid)), SIGKILL) == 0)
        ++killed;
    }
  }
  fs::remove(pid_file, ec);
}

std::string tail_of(const fs::path& file, int lines) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return "";
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  const std::streamoff from = std::max<std::streamoff>(0, size - 4096);
  in.seekg(from);
  std::string text(static_cast<std::size_t>(size - from), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  std::size_t begin = text.size();
  for (int i = 0; i < lines && begin > 0; ++i) {
    const std::size_t nl = text.rfind('\n', begin - 1);
    begin = nl == std::string::npos ? 0 : nl;
    if (nl == std::string::npos) break;
  }
  return text.substr(begin < text.size() && text[begin] == '\n' ? begin + 1 : begin);
}

}  // namespace command
