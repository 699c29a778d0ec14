#pragma once
// Where log lines go: stderr always, and the run's log file while a RunLog is
// alive. Per-trial lines go to the file, and to stderr only when no progress
// line is drawn there.

#include <filesystem>
#include <memory>
#include <string>

namespace automl {

/// Configures stderr logging once per process; `verbose` adds debug lines.
void setup_logging(bool verbose);

/// One line per finished trial.
void log_trial(const std::string& message);

class RunLog final {
 public:
  /// Appends to `file` until destroyed; `trials_to_stderr` as above.
  RunLog(const std::filesystem::path& file, bool trials_to_stderr);
  ~RunLog();
  RunLog(const RunLog&) = delete;
  RunLog& operator=(const RunLog&) = delete;
};

}  // namespace automl
