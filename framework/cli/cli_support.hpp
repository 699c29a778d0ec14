#pragma once
// What the commands of the automl command line share (private to the CLI):
// their arguments, the command table, option parsing, plugin loading, the
// stop flag that signals set, and the summary printed after a run. The
// commands themselves are in run_commands.cpp (experiments and runs) and
// view_commands.cpp (plugins, results, comparisons).

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "automl/experiment/experiment.hpp"
#include "automl/host/plugin_host.hpp"
#include "automl/host/registry.hpp"
#include "automl/run/components.hpp"
#include "automl/run/run_loop.hpp"
#include "automl/search_space.hpp"

namespace automl::cli {

namespace po = boost::program_options;

struct Args {
  std::vector<std::string> words;  ///< the command's own arguments
  std::ostream& out;
  std::ostream& err;
};

struct Command {
  const char* summary;
  const char* usage;
  std::function<int(const Args&)> run;
};

/// Every command by name (commands.cpp).
const std::map<std::string, Command>& commands();

/// The command's options and positionals; UsageError with a suggestion for an unknown option.
po::variables_map parse(const Args& a, const po::options_description& options,
                        const po::positional_options_description& positional);
po::options_description base_options();  ///< --help
void add_set_option(po::options_description& o);  ///< --set section.key=value (repeatable)
std::vector<std::string> sets(const po::variables_map& vm);
/// Prints the command's usage when --help was given.
bool wants_help(const po::variables_map& vm, const std::string& name, const po::options_description& o,
                std::ostream& out);
/// The positional `key` of command `name`; UsageError with its usage when missing.
std::string required_positional(const po::variables_map& vm, const std::string& key, const std::string& name);

/// The default plugins, then those of each experiment's plugin_paths (each
/// path once: variants of a comparison often share them).
void load_plugins(PluginHost& host, const std::vector<const Experiment*>& experiments);
void load_plugins(PluginHost& host, const Experiment* exp);

/// A run's search space from its resolved experiment and plugins alone (no
/// dataset read), for pictures of its architectures.
struct RunSpace {
  explicit RunSpace(const std::filesystem::path& run_dir);
  Experiment exp;
  Registry registry;
  PluginHost host;
  std::unique_ptr<SearchSpace> space;
};

/// Prints what a run ended with; returns the exit code (130 interrupted).
int print_summary(const RunSummary& s, std::ostream& out);
/// Ctrl-C stops the run cleanly (a second one ends the process).
RunControl run_control();
/// The stop flag, cleared, set from now on by SIGINT and SIGTERM (scancel,
/// a Slurm time limit).
std::atomic<bool>& stop_on_signals();

/// The shape of run, check, data and resume: one positional argument and
/// --set; the experiment `load` makes of them, its plugins loaded, then `body`.
using Loader = std::function<Experiment(const std::string&, const std::vector<std::string>&)>;
using Body = std::function<int(const std::string& argument, const Experiment&, const Registry&)>;
int experiment_command(const Args& a, const std::string& name, const char* positional, const char* doc,
                       const Loader& load, const Body& body);
Experiment from_file(const std::string& file, const std::vector<std::string>& overrides);
/// The launcher's requirements (UsageError) and its warnings, on stderr.
void check_launcher_here(const Experiment& exp, std::ostream& err);

// run_commands.cpp
int cmd_run(const Args& a);
int cmd_check(const Args& a);
int cmd_data(const Args& a);
int cmd_resume(const Args& a);
int cmd_run_job(const Args& a);
int cmd_inspect(const Args& a);
int cmd_train(const Args& a);
int cmd_trial(const Args& a);
int cmd_cancel(const Args& a);
// view_commands.cpp
int cmd_list(const Args& a);
int cmd_describe(const Args& a);
int cmd_show(const Args& a);
int cmd_serve(const Args& a);
int cmd_export(const Args& a);
int cmd_compare(const Args& a);

}  // namespace automl::cli
