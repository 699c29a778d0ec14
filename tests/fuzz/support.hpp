#pragma once
// What every fuzz target shares: which exceptions count as a clean rejection,
// the checks on their messages, and the registry of every plugin's schema.
//
// A target returns normally for input it accepts or rejects with an
// automl::Error whose message passes check_message(); anything else (another
// exception, a failed property, a sanitizer report) is a finding.

#include <cstddef>
#include <cstdint>
#include <string>

namespace automl {
class Error;
class Registry;
}  // namespace automl

namespace fuzz {

/// Stops the process with `what` on stderr: libFuzzer keeps the input.
[[noreturn]] void fail(const std::string& what);

/// A rejection's message is bounded (input echoed in it is truncated) and
/// holds no raw control characters or NUL (they are escaped). With `placed`
/// (experiment text, where nothing places errors later), a ConfigError must
/// carry its file:line:col or --set.
void check_message(const automl::Error& e, bool placed = false);

/// The bytes as a string.
inline std::string text(const std::uint8_t* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

/// Every plugin's schema, read from the JSON that `automl describe --json`
/// prints (the file named by $AUTOML_FUZZ_SCHEMAS, else the one the build
/// generated). Entries carry fields and documentation, no makers.
const automl::Registry& schemas();

}  // namespace fuzz
