#include <boost/test/unit_test.hpp>

#include <fstream>
#include <iterator>

#include "automl/plugin.hpp"
#include "test_support.hpp"

namespace plugin_host {
namespace {

namespace fs = std::filesystem;
const fs::path kBad = fs::path(AUTOML_BINARY_DIR) / "tests/bad_plugins";

std::string load_error(const fs::path& path) {
  automl::Registry registry;
  automl::PluginHost host(registry);
  return automl::test::error_of([&] { host.load_path(path); });
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace
}  // namespace plugin_host

BOOST_AUTO_TEST_SUITE(plugin_host)

BOOST_AUTO_TEST_CASE(builtin_plugins_register_under_their_folder_names) {
  automl::test::Plugins p;
  BOOST_TEST(p.registry.try_find(automl::Kind::search_space, "nasbench201") != nullptr);
  BOOST_TEST(p.registry.try_find(automl::Kind::evaluator, "tabular") != nullptr);
  BOOST_TEST(p.registry.try_find(automl::Kind::strategy, "random") != nullptr);
  BOOST_TEST(p.registry.try_find(automl::Kind::strategy, "regularized_evolution") != nullptr);
  std::size_t files = 0;
  for (const auto& f : fs::directory_iterator(automl::PluginHost::builtin_directory())) files += f.path().extension() == ".so";
  BOOST_TEST(p.host.loaded().size() == files);
  // Loading the same file again is a no-op, not a duplicate.
  p.host.load_path(automl::PluginHost::builtin_directory());
  BOOST_TEST(p.host.loaded().size() == files);
}

BOOST_AUTO_TEST_CASE(missing_file) {
  const auto msg = load_error("/nonexistent/strategy_x.so");
  BOOST_TEST(contains(msg, "plugin file /nonexistent/strategy_x.so does not exist"), msg);
}

BOOST_AUTO_TEST_CASE(not_a_shared_object) {
  const auto dir = automl::test::scratch_dir("plugin_host_text");
  automl::test::write_file(dir / "corrupt.so", "this is not ELF");
  const auto msg = load_error(dir / "corrupt.so");
  BOOST_TEST(contains(msg, "corrupt.so is not a shared object (no ELF header)"), msg);
}

BOOST_AUTO_TEST_CASE(truncated_shared_object) {
  const auto dir = automl::test::scratch_dir("plugin_host_truncated");
  const auto original = automl::PluginHost::builtin_directory() / "strategy_random.so";
  std::ifstream in(original, std::ios::binary);
  std::string bytes(4096, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  automl::test::write_file(dir / "strategy_cut.so", bytes);
  const auto msg = load_error(dir / "strategy_cut.so");
  BOOST_TEST(contains(msg, "strategy_cut.so is truncated"), msg);
}

#if defined(__x86_64__)
BOOST_AUTO_TEST_CASE(a_plugin_for_another_processor_says_which) {
  const auto dir = automl::test::scratch_dir("plugin_host_arch");
  std::ifstream in(automl::PluginHost::builtin_directory() / "strategy_random.so", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  bytes[18] = static_cast<char>(183), bytes[19] = 0;  // e_machine = EM_AARCH64
  automl::test::write_file(dir / "strategy_arm.so", bytes);
  const auto msg = load_error(dir / "strategy_arm.so");
  BOOST_TEST(contains(msg, "strategy_arm.so was built for aarch64, but this host is x86-64"), msg);
}
#endif

BOOST_AUTO_TEST_CASE(a_plugin_runs_no_code_of_its_own_until_it_is_used) {
  // The trap plugin's register function executes an illegal instruction.
  automl::Registry registry;
  automl::PluginHost host(registry);
  host.load_path(kBad / "trap");
  const auto listed = registry.list(automl::Kind::strategy);
  BOOST_REQUIRE(listed.size() == 1u);
  BOOST_TEST(listed[0].name == "trap");
  BOOST_TEST(contains(listed[0].origin, "strategy_trap.so"));
}

BOOST_AUTO_TEST_CASE(shared_object_without_entry) {
  const auto msg = load_error(kBad / "no_entry");
  BOOST_TEST(contains(msg, "has no `automl_plugin` entry symbol"), msg);
}

BOOST_AUTO_TEST_CASE(api_version_mismatch_says_got_and_supported) {
  const auto msg = load_error(kBad / "api");
  BOOST_TEST(contains(msg, "built for plugin API version " + std::to_string(automl::kApiVersion + 98) + "; this automl supports version " + std::to_string(automl::kApiVersion)), msg);
}

BOOST_AUTO_TEST_CASE(fingerprint_mismatch) {
  const auto msg = load_error(kBad / "fingerprint");
  BOOST_TEST(contains(msg, "was built with 'gcc-0.0 libtorch-0.0 cxx11abi-0' but this automl with"), msg);
  BOOST_TEST(contains(msg, "Rebuild the plugin"), msg);
}

// The same compiler and LibTorch version, built for the other backend: a
// plugin built against the CPU LibTorch in a CUDA host (or back) is refused.
BOOST_AUTO_TEST_CASE(fingerprint_tells_cpu_from_cuda_builds) {
  const std::string host = AUTOML_BUILD_FINGERPRINT;
  BOOST_TEST(contains(host, std::string("-") + AUTOML_TORCH_BACKEND + " "), host);
  const auto msg = load_error(kBad / "backend");
  const std::string other = std::string(AUTOML_TORCH_BACKEND) == "cpu" ? "-cuda " : "-cpu ";
  BOOST_TEST(contains(msg, other), msg);
  BOOST_TEST(contains(msg, "but this automl with '" + host + "'"), msg);
}

BOOST_AUTO_TEST_CASE(duplicate_name_names_both_origins) {
  automl::Registry registry;
  automl::PluginHost host(registry);
  host.load_path(automl::PluginHost::builtin_directory());
  const auto msg = automl::test::error_of([&] { host.load_path(kBad / "duplicate"); });
  BOOST_TEST(contains(msg, "strategy 'random' is registered twice"), msg);
  BOOST_TEST(contains(msg, "lib/automl/plugins/strategy_random.so"), msg);
  BOOST_TEST(contains(msg, "bad_plugins/duplicate/strategy_random.so"), msg);
}

BOOST_AUTO_TEST_CASE(unknown_name_lists_registered_and_nearest) {
  automl::test::Plugins p;
  const auto msg = automl::test::error_of(
      [&] { p.registry.find(automl::Kind::strategy, "randm", automl::Location{"exp.toml", 9, 8}); });
  BOOST_TEST(contains(msg, "exp.toml:9:8: unknown strategy type 'randm' (did you mean 'random'?)"), msg);
  BOOST_TEST(contains(msg, "registered: 'enas', 'hyperband', 'nao', 'random', 'random_ws', 'regularized_evolution', 'successive_halving'"), msg);
}

BOOST_AUTO_TEST_SUITE_END()
