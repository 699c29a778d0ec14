// The automl command line: the command table, help, and dispatch. The
// commands are in run_commands.cpp and view_commands.cpp.

#include "commands.hpp"

#include <fmt/format.h>

#include "automl/devices.hpp"
#include "automl/error.hpp"
#include "automl/host/logging.hpp"
#include "automl/text.hpp"
#include "cli_support.hpp"

namespace automl::cli {

const std::map<std::string, Command>& commands() {
  static const std::map<std::string, Command> table = {
      {"run", {"Run an experiment in a new run directory.", "run EXPERIMENT.toml [--set section.key=value]...", cmd_run}},
      {"check", {"Validate an experiment (and build its components) without running it.",
                 "check EXPERIMENT.toml [--set section.key=value]...", cmd_check}},
      {"resume", {"Continue a stopped or killed run; nothing finished is redone.",
                  "resume RUN_DIR [--set experiment.budget_trials=N] [--set launcher.KEY=VALUE]", cmd_resume}},
      {"data", {"Check an experiment's [dataset]: splits, sizes, shapes, classes, channel statistics.",
                "data EXPERIMENT.toml [--set dataset.key=value]...", cmd_data}},
      {"inspect", {"Print the network an experiment's evaluator builds for one architecture: shapes, "
                   "parameters, multiply-adds.",
                   "inspect EXPERIMENT.toml --arch CELL [--tokens] [--set section.key=value]...", cmd_inspect}},
      {"train", {"Train one architecture fully with the experiment's evaluator: checkpoint every epoch, "
                 "resumable, metrics CSV and final model.",
                 "train EXPERIMENT.toml --arch CELL [--out DIR] [--set section.key=value]...", cmd_train}},
      {"compare", {"Run variants of an experiment over many seeds, in parallel and resumably, and report "
                   "statistics, significance and anytime curves.",
                   "compare COMPARISON.toml [--jobs N] [--check] [--task N] | compare --report-only DIR",
                   cmd_compare}},
      {"trial", {"Evaluate one trial of a run from its task file (what the process and slurm launchers run).",
                 "trial RUN_DIR ID", cmd_trial}},
      {"run-job", {"Run a whole run in this process: what the Slurm job of a run whose evaluator trains one "
                   "supernet runs.", "run-job RUN_DIR", cmd_run_job}},
      {"cancel", {"Stop a run and cancel the trials it has queued or running (processes, Slurm jobs), or a "
                  "comparison and its runs' Slurm jobs; resume (compare) starts them again.",
                  "cancel RUN_DIR | cancel COMPARISON_DIR", cmd_cancel}},
      {"list", {"List the registered plugins by kind, with the file each came from.", "list", cmd_list}},
      {"describe", {"Show a plugin's keys, types, defaults and documentation (--json: as JSON).", "describe [--json] KIND NAME", cmd_describe}},
      {"show", {"Summarize a run: counts, time and the best candidates.", "show RUN_DIR [--top N] [--draw DIR]",
                cmd_show}},
      {"serve", {"Show a run or a comparison in the browser, live from its database (read-only).",
                 "serve DIR [--port 8080] [--host 127.0.0.1] [--refresh 2]", cmd_serve}},
      {"export", {"Write every trial of a run as CSV or JSON, or its learning curves as CSV.",
                  "export RUN_DIR [--format csv|json|curves] [-o FILE]", cmd_export}},
  };
  return table;
}

namespace {

void print_help(std::ostream& out) {
  out << "usage: automl COMMAND [ARGS] (automl COMMAND --help for more)\n\nCommands:\n";
  for (const auto& [name, c] : commands()) out << fmt::format("  {:<10} {}\n", name, c.summary);
  out << "\nOptions:\n  --help      show this help\n  --version   print the version\n"
         "  --verbose   debug log lines (before the command)\n";
}

std::vector<std::string> command_names() {
  std::vector<std::string> names;
  for (const auto& [name, c] : commands()) names.push_back(name);
  return names;
}

}  // namespace

int main(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  std::vector<std::string> words(argv + 1, argv + argc);
  bool verbose = false;
  if (!words.empty() && words.front() == "--verbose") verbose = true, words.erase(words.begin());
  setup_logging(verbose);
  try {
    if (words.empty() || words.front() == "--help" || words.front() == "-h" || words.front() == "help") {
      print_help(out);
      return words.empty() ? 2 : 0;
    }
    if (words.front() == "--version") {
      out << "automl " << AUTOML_VERSION << "\n" << torch_build_text(torch_build());
      return 0;
    }
    const auto it = commands().find(words.front());
    if (it == commands().end())
      throw UsageError("unknown command '" + words.front() + "'" + did_you_mean(words.front(), command_names()) +
                       "; commands: " + quoted_list(command_names()) + ". See automl --help.");
    return it->second.run(Args{{words.begin() + 1, words.end()}, out, err});
  } catch (const Error& e) {
    err << "automl: error: " << e.what() << "\n";
    return e.exit_code();
  } catch (const po::error& e) {
    err << "automl: error: " << e.what() << " (see automl " << words.front() << " --help)\n";
    return 2;
  } catch (const std::exception& e) {
    err << "automl: error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace automl::cli
