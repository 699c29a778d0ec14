#pragma once
// Helpers shared by the test suites.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "automl/host/plugin_host.hpp"
#include "automl/experiment/experiment.hpp"
#include "automl/host/registry.hpp"
#include "automl/run/run_loop.hpp"
#include "automl/run/results_store.hpp"
#include "automl/text.hpp"

namespace automl {
/// Lets BOOST_TEST print architectures.
inline std::ostream& boost_test_print_type(std::ostream& out, const Architecture& a) {
  out << "[";
  for (std::size_t i = 0; i < a.genes.size(); ++i) out << (i ? " " : "") << a.genes[i];
  return out << "]";
}
inline std::ostream& boost_test_print_type(std::ostream& out, TrialStatus s) { return out << status_name(s); }
}  // namespace automl

namespace automl::test {

inline std::filesystem::path source_dir() { return AUTOML_SOURCE_DIR; }
inline std::filesystem::path shared_dir() { return AUTOML_SHARED_DIR; }
inline std::filesystem::path test_plugin_dir() { return AUTOML_TEST_PLUGIN_DIR; }
inline std::filesystem::path nb201_table() { return shared_dir() / "data/nasbench201/nb201.csv"; }

/// Skips the calling test case (CTest sees exit code 77 for a whole-suite skip)
/// when the NAS-Bench-201 table is absent.
inline bool have_nb201() {
  if (std::filesystem::exists(nb201_table())) return true;
  BOOST_TEST_MESSAGE("SKIPPED: " << nb201_table() << " is absent (NAS-Bench-201 table beside the checkout)");
  return false;
}

/// A fresh empty directory under the build tree.
inline std::filesystem::path scratch_dir(const std::string& name) {
  const auto dir = std::filesystem::path(AUTOML_BINARY_DIR) / "tests" / "scratch" / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline void write_file(const std::filesystem::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary);
  out << text;
}

/// Message of the exception `body` throws, or "" when it throws none.
template <class F>
std::string error_of(F&& body) {
  try {
    body();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

/// Builds the [dataset] described by `body` (TOML lines with `type`),
/// relative paths resolved against `base`.
inline std::unique_ptr<Dataset> make_dataset(const Registry& registry, const std::string& body,
                                             const std::filesystem::path& base = "/") {
  const std::string text = "[experiment]\nbudget_trials = 1\n[dataset]\n" + body +
                           "\n[search_space]\ntype = \"nasbench201\"\n[strategy]\ntype = \"random\"\n"
                           "[evaluator]\ntype = \"tabular\"\ntable = \"x\"\n";
  return build_dataset(parse_experiment(text, "exp.toml", base), registry);
}

/// A registry with the built-in plugins (and optionally the test plugins).
struct Plugins {
  Registry registry;
  PluginHost host{registry};
  explicit Plugins(bool with_test_plugins = false) {
    host.load_path(PluginHost::builtin_directory());
    if (with_test_plugins) host.load_path(test_plugin_dir());
  }
};

}  // namespace automl::test
