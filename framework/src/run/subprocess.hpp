#pragma once
// Child processes for the launchers, private to the core: a command run to
// its end with its output captured (sbatch, scontrol, squeue, scancel), and
// a process started in the background with its output going to a log file.

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace automl::detail {

struct CommandOutput {
  int exit_code = 0;  ///< the exit status; 128 + N when killed by signal N; 127 when it could not start
  std::string out;
  std::string err;
};

/// Runs argv[0] (looked up on PATH) with `argv` and waits for it.
CommandOutput run_command(const std::vector<std::string>& argv);

/// The full path of `program` on PATH, or nullopt.
std::optional<std::filesystem::path> find_on_path(const std::string& program);

/// Starts `argv` (argv[0] a path) in the background, its stdin /dev/null and
/// its stdout and stderr appended to `log`, this process's environment with
/// `env` ("NAME=value" each) added; returns its PID. Throws Error when it
/// cannot fork or the log cannot be opened.
pid_t spawn(const std::vector<std::string>& argv, const std::filesystem::path& log,
            const std::vector<std::string>& env = {});

/// How a child ended, from a waitpid status: "exit code N" or "signal N (NAME)".
std::string describe_wait_status(int status);

}  // namespace automl::detail
