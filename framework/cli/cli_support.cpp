// What the commands share: option parsing, plugin loading, the stop flag
// set by signals, the summary printed after a run.

#include "cli_support.hpp"

#include <unistd.h>

#include <csignal>
#include <set>

#include <fmt/format.h>

#include "automl/run/launcher.hpp"
#include "automl/run/report.hpp"
#include "automl/text.hpp"
#include "printing.hpp"

namespace automl::cli {

namespace fs = std::filesystem;

namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_interrupt(int) {
  g_stop = true;
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process at once
}

extern "C" void on_stop_signal(int) { g_stop = true; }

}  // namespace

po::variables_map parse(const Args& a, const po::options_description& options,
                        const po::positional_options_description& positional) {
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(a.words).options(options).positional(positional).run(), vm);
  } catch (const po::unknown_option& e) {
    std::vector<std::string> names;
    for (const auto& option : options.options()) names.push_back("--" + option->long_name());
    const std::string given = printable(e.get_option_name());
    throw UsageError("unknown option '" + given + "'" + did_you_mean(given, names) + "; options: " +
                     quoted_list(names));
  }
  po::notify(vm);
  return vm;
}

po::options_description base_options() {
  po::options_description o("Options");
  o.add_options()("help,h", "show this help");
  return o;
}

void add_set_option(po::options_description& o) {
  o.add_options()("set", po::value<std::vector<std::string>>()->composing(),
                  "override a key: --set section.key=value (repeatable)");
}

std::vector<std::string> sets(const po::variables_map& vm) {
  return vm.count("set") ? vm["set"].as<std::vector<std::string>>() : std::vector<std::string>{};
}

bool wants_help(const po::variables_map& vm, const std::string& name, const po::options_description& o,
                std::ostream& out) {
  if (!vm.count("help")) return false;
  const auto& c = commands().at(name);
  out << "usage: automl " << c.usage << "\n\n" << c.summary << "\n\n" << o << "\n";
  return true;
}

std::string required_positional(const po::variables_map& vm, const std::string& key, const std::string& name) {
  if (!vm.count(key))
    throw UsageError("automl " + name + ": missing " + key + "; usage: automl " + commands().at(name).usage);
  return vm[key].as<std::string>();
}

void load_plugins(PluginHost& host, const std::vector<const Experiment*>& experiments) {
  host.load_defaults();
  std::set<fs::path> loaded;
  for (const Experiment* exp : experiments)
    for (const auto& p : exp->options.plugin_paths) {
      const fs::path path = exp->base_dir / p;
      if (!fs::exists(path))
        throw ConfigError(exp->experiment_section.where("plugin_paths"),
                          "[experiment] plugin_paths names '" + p + "', which does not exist (" + path.string() + ")");
      if (!loaded.insert(fs::weakly_canonical(path)).second) continue;
      try {
        host.load_path(path);
      } catch (const PluginError& e) {
        throw ConfigError(exp->experiment_section.where("plugin_paths"), e.what());
      }
    }
}

void load_plugins(PluginHost& host, const Experiment* exp) {
  load_plugins(host, exp == nullptr ? std::vector<const Experiment*>{} : std::vector<const Experiment*>{exp});
}

RunSpace::RunSpace(const fs::path& run_dir) : exp(load_run_experiment(run_dir, {})), host(registry) {
  load_plugins(host, &exp);
  space = build_search_space(exp, registry);
}

int print_summary(const RunSummary& s, std::ostream& out) {
  out << fmt::format("{}: {} ok, {} failed, {} pending; stopped: {}\n", s.run_dir.string(), s.trials_ok,
                     s.trials_failed, s.trials_pending, s.stop_reason);
  if (s.best) out << fmt::format("best: {:.4f}  {}\n", s.best->score, s.best->arch_text);
  if (s.fidelity) out << "reference: " << fidelity_line(*s.fidelity) << "\n";
  if (s.final_best)
    out << fmt::format("final: {:.4f} (search {:.4f}, rank {})  {}\n", s.final_best->trial.score,
                       s.final_best->search_score, s.final_best->trial.id, s.final_best->trial.arch_text);
  for (const auto& f : s.final_random) {
    const bool ok = f.trial.status == TrialStatus::ok;
    out << fmt::format("random: {}  {}\n", ok ? fmt::format("{:.4f}", f.trial.score) : "failed: " + f.trial.error,
                       f.trial.arch_text);
  }
  // Like against like: the search's best of its top k by final score
  // against the best of the random ones (equal selection with random = top_k).
  const FinalRecord* best_random = nullptr;
  for (const auto& f : s.final_random)
    if (f.trial.status == TrialStatus::ok && (!best_random || f.trial.score > best_random->trial.score))
      best_random = &f;
  if (s.final_best && best_random)
    out << fmt::format("the search's best against {}: {:+.4f} with the [final] evaluator\n",
                       s.final_random.size() == 1 ? "a random architecture"
                                                  : fmt::format("the best of {} random ones", s.final_random.size()),
                       s.final_best->trial.score - best_random->trial.score);
  out << fmt::format("database: {}  (automl show / export / serve {})\nreport:   {} and {}\n",
                     (s.run_dir / "results.db").string(), s.run_dir.string(), s.report_txt.string(),
                     s.report_html.filename().string());
  return s.stop_reason == "interrupted" ? 130 : 0;
}

std::atomic<bool>& stop_on_signals() {
  g_stop = false;
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  return g_stop;
}

RunControl run_control() {
  g_stop = false;
  std::signal(SIGINT, on_interrupt);
  RunControl control;
  control.stop = &g_stop;
  control.progress_line = isatty(STDERR_FILENO) != 0;
  return control;
}

int experiment_command(const Args& a, const std::string& name, const char* positional, const char* doc,
                       const Loader& load, const Body& body) {
  auto o = base_options();
  add_set_option(o);
  o.add_options()(positional, po::value<std::string>(), doc);
  po::positional_options_description p;
  p.add(positional, 1);
  const auto vm = parse(a, o, p);
  if (wants_help(vm, name, o, a.out)) return 0;
  const std::string argument = required_positional(vm, positional, name);
  const Experiment exp = load(argument, sets(vm));
  Registry registry;
  PluginHost host(registry);
  load_plugins(host, &exp);
  return body(argument, exp, registry);
}

Experiment from_file(const std::string& file, const std::vector<std::string>& overrides) {
  return load_experiment(file, overrides);
}

void check_launcher_here(const Experiment& exp, std::ostream& err) {
  std::vector<fs::path> plugin_files;
  for (const auto& p : exp.options.plugin_paths) plugin_files.push_back(exp.base_dir / p);
  for (const auto& w : check_launcher(exp.launcher, exp.options.output_dir, plugin_files, experiment_paths(exp)))
    err << "warning: " << w << "\n";
}

}  // namespace automl::cli
