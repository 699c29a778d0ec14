// The plugins' log calls (automl/log.hpp), written to spdlog's default
// logger; where that logger's lines go is the host's business (host/logging).

#include "automl/log.hpp"

#include <spdlog/spdlog.h>

namespace automl {

void log(LogLevel level, const std::string& message) {
  switch (level) {
    case LogLevel::debug: spdlog::debug(message); break;
    case LogLevel::info: spdlog::info(message); break;
    case LogLevel::warning: spdlog::warn(message); break;
    case LogLevel::error: spdlog::error(message); break;
  }
}

}  // namespace automl
