#pragma once
// The `automl` command line, callable in-process (the tests drive it so).

#include <ostream>

namespace automl::cli {

/// Runs one command line. Returns the exit code: 0 success, 1 runtime
/// failure, 2 usage or configuration error, 130 interrupted.
int main(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace automl::cli
