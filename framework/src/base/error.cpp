// Locations in experiment files and the messages of the error hierarchy.

#include "automl/error.hpp"

namespace automl {

std::string Location::str() const {
  if (source.empty()) return "";
  if (line <= 0) return source;
  if (column <= 0) return source + ":" + std::to_string(line);
  return source + ":" + std::to_string(line) + ":" + std::to_string(column);
}

namespace {
std::string with_place(const Location& where, const std::string& message) {
  const std::string at = where.str();
  return at.empty() ? message : at + ": " + message;
}
}  // namespace

// Out-of-line destructors anchor each class's type information in the core
// library, so plugins and host agree on it when catching.
Error::Error(const std::string& message, int exit_code)
    : std::runtime_error(message), exit_code_(exit_code) {}
Error::~Error() = default;

ConfigError::ConfigError(const Location& where, const std::string& message)
    : Error(with_place(where, message), 2), located_(!where.str().empty()) {}
ConfigError::ConfigError(const std::string& message) : Error(message, 2) {}
ConfigError ConfigError::for_key(const std::string& key, const std::string& message) {
  ConfigError e(message);
  e.key_ = key;
  return e;
}
ConfigError::~ConfigError() = default;

PluginError::PluginError(const std::string& message) : Error(message, 2) {}
PluginError::~PluginError() = default;

UsageError::UsageError(const std::string& message) : Error(message, 2) {}
UsageError::~UsageError() = default;

DataError::DataError(const std::string& message) : Error(message, 1) {}
DataError::~DataError() = default;

}  // namespace automl
