#pragma once
// Logging for the host and plugins: one line per event, to the terminal and
// to the run directory's log file when a run is active.

#include <string>

namespace automl {

enum class LogLevel { debug, info, warning, error };

void log(LogLevel level, const std::string& message);
inline void log_info(const std::string& message) { log(LogLevel::info, message); }
inline void log_warning(const std::string& message) { log(LogLevel::warning, message); }

}  // namespace automl
