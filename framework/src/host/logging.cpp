// Where log lines go: the process's stderr logger, the per-trial logger, and
// the run's log file while a RunLog is alive.

#include "automl/host/logging.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace automl {

namespace {
constexpr const char* kPattern = "[%Y-%m-%d %H:%M:%S] %^%l%$ %v";

// The level in colour when stderr is a terminal (spdlog's automatic mode),
// plain text when it is a file or a pipe.
std::shared_ptr<spdlog::sinks::sink> stderr_sink() { return std::make_shared<spdlog::sinks::stderr_color_sink_mt>(); }

std::shared_ptr<spdlog::logger> make_logger(const std::string& name) {
  auto logger = std::make_shared<spdlog::logger>(name, stderr_sink());
  logger->set_pattern(kPattern);
  return logger;
}

std::shared_ptr<spdlog::logger> trial_logger() {
  static auto logger = make_logger("trials");
  return logger;
}
}  // namespace

void setup_logging(bool verbose) {
  auto main = make_logger("automl");
  main->set_level(verbose ? spdlog::level::debug : spdlog::level::info);
  spdlog::set_default_logger(main);
}

void log_trial(const std::string& message) { trial_logger()->info(message); }

RunLog::RunLog(const std::filesystem::path& file, bool trials_to_stderr) {
  auto sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(file.string());
  sink->set_pattern(kPattern);
  spdlog::default_logger()->sinks().push_back(sink);
  auto trials = trial_logger();
  if (!trials_to_stderr) trials->sinks().clear();
  trials->sinks().push_back(sink);
  // Each line reaches the file as it is written: a killed run keeps its log.
  spdlog::default_logger()->flush_on(spdlog::level::debug);
  trials->flush_on(spdlog::level::debug);
}

RunLog::~RunLog() {
  auto& sinks = spdlog::default_logger()->sinks();
  if (!sinks.empty()) sinks.pop_back();
  auto trials = trial_logger();
  trials->sinks().clear();
  trials->sinks().push_back(stderr_sink());
  trials->set_pattern(kPattern);
}

}  // namespace automl
