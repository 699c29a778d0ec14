#pragma once
// One error hierarchy for the whole framework. Every message says what went
// wrong, where, what was expected and how to fix it. The host catches these at
// its boundaries (CLI, trial evaluation) and maps them to exit codes:
// 2 for usage and configuration errors, 1 for failures at run time.

#include <stdexcept>
#include <string>

namespace automl {

/// Where a value came from: a TOML file position, a command-line override or a
/// file and byte offset. An empty source means "nowhere in particular".
struct Location {
  std::string source;  ///< file path, or a description such as "--set strategy.seed"
  int line = 0;        ///< 1-based; 0 when unknown
  int column = 0;      ///< 1-based; 0 when unknown

  /// "file:line:col", "file:line", "file" or "" depending on what is known.
  std::string str() const;
};

/// Base of all framework errors. exit_code() is what `automl` exits with.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, int exit_code = 1);
  ~Error() override;
  int exit_code() const noexcept { return exit_code_; }

 private:
  int exit_code_;
};

/// A bad experiment file, key, type or value. Exit code 2.
class ConfigError final : public Error {
 public:
  ConfigError(const Location& where, const std::string& message);
  /// Without a place. Thrown while a component is built, the host places it
  /// at the component's `type` key.
  explicit ConfigError(const std::string& message);
  /// Caused by one key of the component's table (a plugin knows the key but
  /// not where it was written): the host places it there.
  static ConfigError for_key(const std::string& key, const std::string& message);
  ~ConfigError() override;

  bool located() const noexcept { return located_; }
  /// The key named by for_key(), else "".
  const std::string& key() const noexcept { return key_; }

 private:
  bool located_ = false;
  std::string key_;
};

/// A plugin file that cannot be loaded or registered. Exit code 2.
class PluginError final : public Error {
 public:
  explicit PluginError(const std::string& message);
  ~PluginError() override;
};

/// A wrong command line. Exit code 2.
class UsageError final : public Error {
 public:
  explicit UsageError(const std::string& message);
  ~UsageError() override;
};

/// A missing, truncated or corrupt data or state file. Exit code 1.
class DataError final : public Error {
 public:
  explicit DataError(const std::string& message);
  ~DataError() override;
};

}  // namespace automl
