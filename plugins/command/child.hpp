#pragma once
// A child process in a process group of its own, with its output in files,
// waited for with a time limit and a stop flag; whatever is left of its group
// when it ends, times out or is stopped is killed.

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace command {

struct ChildSpec {
  std::vector<std::string> argv;        ///< argv[0] is looked up on the PATH when it has no '/'
  std::filesystem::path workdir;        ///< the child's working directory
  std::vector<std::string> env;         ///< "KEY=VALUE" set on top of this process's environment
  std::filesystem::path stdout_file;    ///< truncated, then written by the child
  std::filesystem::path stderr_file;
  std::filesystem::path pid_file;       ///< holds the child's process group while it runs
  double time_limit_s = 0;              ///< 0: none
  double grace_s = 5;                   ///< SIGTERM to SIGKILL
};

struct ChildOutcome {
  enum class End { exited, signaled, timed_out, stopped } end = End::exited;
  int code = 0;         ///< exit code, or the signal's number
  double wall_s = 0;
};

/// Runs `spec` to its end. Polls `stop` (may be empty) while it waits; when
/// it turns true, or the time limit passes, the child's whole group gets
/// SIGTERM, then SIGKILL after the grace period. Throws automl::Error when
/// the child cannot be started (the program is missing, the directory is
/// not there), saying which.
ChildOutcome run_child(const ChildSpec& spec, const std::function<bool()>& stop);

/// Kills what is left of the process group recorded in `pid_file` by a run
/// that was killed before its child ended (it could still be writing the
/// trial's files): each process of that group whose environment holds the
/// entry `marker` (KEY=VALUE). Removes the file; nothing to do without one.
void kill_leftover(const std::filesystem::path& pid_file, const std::string& marker);

/// The last `lines` lines of `file` (at most 4 KiB of them), "" when it is
/// missing or empty.
std::string tail_of(const std::filesystem::path& file, int lines);

}  // namespace command
