// The automl command line: one function per command, sharing option parsing
// and plugin loading.

#include "commands.hpp"
#include "launch_commands.hpp"
#include "printing.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <functional>
#include <map>
#include <set>

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "automl/compare/compare.hpp"
#include "automl/experiment/experiment.hpp"
#include "automl/host/logging.hpp"
#include "automl/host/plugin_host.hpp"
#include "automl/run/launcher.hpp"
#include "automl/run/report.hpp"
#include "automl/run/run_loop.hpp"
#include "automl/run/run_page.hpp"
#include "automl/serve/serve.hpp"
#include "automl/text.hpp"
#include "automl/parallel.hpp"

namespace automl::cli {

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_interrupt(int) {
  g_stop = true;
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process at once
}

struct Args {
  std::vector<std::string> words;  // the command's own arguments
  std::ostream& out;
  std::ostream& err;
};

struct Command {
  const char* summary;
  const char* usage;
  std::function<int(const Args&)> run;
};

const std::map<std::string, Command>& commands();

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

// The default plugins, then those of each experiment's plugin_paths (each
// path once: variants of a comparison often share them).
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

// A run's search space from its resolved experiment and plugins alone (no
// dataset read), for pictures of its architectures.
struct RunSpace {
  explicit RunSpace(const fs::path& run_dir) : exp(load_run_experiment(run_dir, {})), host(registry) {
    load_plugins(host, &exp);
    space = build_search_space(exp, registry);
  }
  Experiment exp;
  Registry registry;
  PluginHost host;
  std::unique_ptr<SearchSpace> space;
};

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

RunControl run_control() {
  g_stop = false;
  std::signal(SIGINT, on_interrupt);
  RunControl control;
  control.stop = &g_stop;
  control.progress_line = isatty(STDERR_FILENO) != 0;
  return control;
}

// The shape of run, check, data and resume: one positional argument and
// --set; the experiment `load` makes of them, its plugins loaded, then `body`.
using Loader = std::function<Experiment(const std::string&, const std::vector<std::string>&)>;
using Body = std::function<int(const std::string& argument, const Experiment&, const Registry&)>;

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

// The launcher's requirements (UsageError) and its warnings, on stderr.
void check_launcher_here(const Experiment& exp, std::ostream& err) {
  std::vector<fs::path> plugin_files;
  for (const auto& p : exp.options.plugin_paths) plugin_files.push_back(exp.base_dir / p);
  for (const auto& w : check_launcher(exp.launcher, exp.options.output_dir, plugin_files)) err << "warning: " << w << "\n";
}

int cmd_run(const Args& a) {
  return experiment_command(a, "run", "experiment", "experiment file (TOML)", from_file,
                            [&](const std::string&, const Experiment& exp, const Registry& registry) {
                              check_launcher_here(exp, a.err);
                              Components components = build_components(exp, registry);
                              return print_summary(start_run(exp, registry, std::move(components), run_control()),
                                                   a.out);
                            });
}

int cmd_check(const Args& a) {
  return experiment_command(a, "check", "experiment", "experiment file (TOML)", from_file,
                            [&](const std::string& file, const Experiment& exp, const Registry& registry) {
                              check_launcher_here(exp, a.err);
                              const Components c = build_components(exp, registry);
                              a.out << file << ": ok\n";
                              if (exp.launcher.type == "process")
                                a.out << "# trials run as processes of their own (automl trial), at most "
                                      << exp.options.parallel_trials << " at once\n";
                              else if (exp.launcher.type == "slurm")
                                a.out << "# trials run as Slurm jobs: one job array of `automl trial` tasks per round\n";
                              else if (c.evaluator->trials_share_state())
                                a.out << "# evaluator '" << exp.evaluator.type
                                      << "' trains one supernet in this process: the search runs as one process "
                                         "(under Slurm, one job); comparisons of such searches fan out by run\n";
                              if (const auto f = c.evaluator->fidelities()) {  // multi-fidelity strategies use them
                                std::string levels;
                                for (double l : f->levels) levels += (levels.empty() ? "" : ", ") + fmt::format("{}", l);
                                a.out << fmt::format("# evaluator '{}' offers fidelities {} to {} {}{}\n",
                                                     exp.evaluator.type, f->min, f->max, f->unit,
                                                     levels.empty() ? "" : " (levels " + levels + ")");
                              }
                              a.out << resolved_toml(exp, registry);
                              return 0;
                            });
}

int cmd_data(const Args& a) {
  const Loader dataset_only = [](const std::string& file, const std::vector<std::string>& overrides) {
    return load_experiment(file, overrides, Needs::dataset);
  };
  return experiment_command(a, "data", "experiment", "experiment file (TOML) with a [dataset]", dataset_only,
                            [&](const std::string&, const Experiment& exp, const Registry& registry) {
                              const auto dataset = build_dataset(exp, registry);
                              print_dataset(exp.dataset->type, dataset->info(), a.out);
                              return 0;
                            });
}

int cmd_resume(const Args& a) {
  return experiment_command(a, "resume", "run_dir", "run directory", load_run_experiment,
                            [&](const std::string& dir, const Experiment& exp, const Registry& registry) {
                              check_launcher_here(exp, a.err);
                              return print_summary(
                                  resume_run(dir, exp, build_components(exp, registry), run_control()), a.out);
                            });
}

// inspect and train: an experiment plus --arch, the architecture in the
// space's text form (or a name the space knows, e.g. naonet_b).
struct ArchArgs {
  Experiment exp;
  std::string arch;
  po::variables_map vm;
};

ArchArgs arch_command(const Args& a, const std::string& name, po::options_description o) {
  add_set_option(o);
  o.add_options()("experiment", po::value<std::string>(), "experiment file (TOML)")(
      "arch", po::value<std::string>(), "architecture: the search space's text form or a known name");
  po::positional_options_description p;
  p.add("experiment", 1);
  ArchArgs out;
  out.vm = parse(a, o, p);
  if (wants_help(out.vm, name, o, a.out)) return out;
  out.exp = load_experiment(required_positional(out.vm, "experiment", name), sets(out.vm));
  out.arch = required_positional(out.vm, "arch", name);
  return out;
}

int cmd_inspect(const Args& a) {
  auto o = base_options();
  o.add_options()("tokens", "also print the token sequence")(
      "draw", po::value<std::string>(), "draw the architecture's cells to FILE (.svg, .png or .dot)");
  const ArchArgs args = arch_command(a, "inspect", o);
  if (args.arch.empty()) return 0;
  Registry registry;
  PluginHost host(registry);
  load_plugins(host, &args.exp);
  const Components c = build_components(args.exp, registry);
  const Architecture arch = c.space->parse(args.arch);
  a.out << "architecture  " << c.space->to_text(arch) << "\n";
  if (args.vm.count("draw")) {
    const fs::path file = args.vm["draw"].as<std::string>();
    draw_architecture(*c.space, args.exp.search_space.type, arch, c.space->to_text(arch), file);
    a.out << "drawn         " << file.string() << "\n";
  }
  if (args.vm.count("tokens")) {
    if (c.space->tokens() == nullptr) throw UsageError("this search space has no token encoding (--tokens)");
    std::string tokens;
    for (int t : c.space->tokens()->encode(arch)) tokens += (tokens.empty() ? "" : " ") + std::to_string(t);
    a.out << "tokens        " << tokens << "\n";
  }
  const std::string text = c.evaluator->inspect(arch);
  a.out << (text.empty() ? std::string("(the evaluator '" + args.exp.evaluator.type + "' builds no network)\n") : text);
  return 0;
}

int cmd_train(const Args& a) {
  auto o = base_options();
  o.add_options()("out", po::value<std::string>(),
                  "training directory (default: OUTPUT_DIR/NAME-train); an unfinished training there resumes");
  const ArchArgs args = arch_command(a, "train", o);
  if (args.arch.empty()) return 0;
  Registry registry;
  PluginHost host(registry);
  load_plugins(host, &args.exp);
  set_torch_threads(args.exp.options.threads);
  const Components c = build_components(args.exp, registry);
  if (!c.evaluator->can_train())
    throw UsageError("the evaluator '" + args.exp.evaluator.type +
                     "' cannot train a network; use type = \"full_training\" (images) or \"lm_training\" "
                     "(language models)");
  const Architecture arch = c.space->parse(args.arch);
  TrainJob job;
  job.dir = args.vm.count("out") ? fs::path(args.vm["out"].as<std::string>())
                                 : fs::path(args.exp.options.output_dir) / (args.exp.options.name + "-train");
  job.seed = derive_seed(static_cast<std::uint64_t>(args.exp.options.seed), "train");
  job.threads = args.exp.options.threads;
  const RunControl control = run_control();
  job.stop = [stop = control.stop] { return stop->load(); };
  job.progress = [&a, tty = control.progress_line](const std::string& line) {
    if (tty) a.err << "\r\033[K" << line << std::flush;
    else if (line.find(" ETA ") != std::string::npos) a.err << line << "\n";
    if (tty && line.find(" ETA ") != std::string::npos) a.err << "\n";
  };
  const TrialResult r = c.evaluator->train(arch, job);
  a.out << fmt::format("{}: score {:.4f}", job.dir.string(), r.score);
  for (const auto& [k, v] : r.metrics) a.out << fmt::format("  {} {:.6g}", k, v);
  a.out << "\n";
  return g_stop ? 130 : 0;
}

int cmd_list(const Args& a) {
  auto o = base_options();
  const auto vm = parse(a, o, {});
  if (wants_help(vm, "list", o, a.out)) return 0;
  Registry registry;
  PluginHost host(registry);
  load_plugins(host, nullptr);
  for (Kind kind : kAllKinds) {
    a.out << kind_name(kind) << ":\n";
    const auto entries = registry.list(kind);
    if (entries.empty()) a.out << "  (none)\n";
    for (const auto& e : entries) a.out << fmt::format("  {:<24} {:<8} {}\n", e.name, e.version, e.origin);
  }
  return 0;
}

Kind parse_kind(const std::string& word) {
  Kind kind;
  if (kind_from_name(word, kind)) return kind;
  std::vector<std::string> kinds;
  for (Kind k : kAllKinds) kinds.emplace_back(kind_name(k));
  throw UsageError("unknown kind '" + word + "'" + did_you_mean(word, kinds) + "; kinds: " + quoted_list(kinds));
}

int cmd_describe(const Args& a) {
  auto o = base_options();
  o.add_options()("kind", po::value<std::string>(), "dataset, search_space, strategy or evaluator")(
      "name", po::value<std::string>(), "plugin name")(
      "json", "print the schema as JSON; without KIND and NAME, every plugin's (and [experiment]'s)");
  po::positional_options_description p;
  p.add("kind", 1).add("name", 1);
  const auto vm = parse(a, o, p);
  if (wants_help(vm, "describe", o, a.out)) return 0;
  const bool json = vm.count("json") > 0;
  Registry registry;
  PluginHost host(registry);
  if (json && !vm.count("kind")) {
    load_plugins(host, nullptr);
    a.out << schemas_json(registry) << "\n";
    return 0;
  }
  const Kind kind = parse_kind(required_positional(vm, "kind", "describe"));
  const std::string name = required_positional(vm, "name", "describe");
  load_plugins(host, nullptr);
  const Registered& r = registry.find(kind, name, Location{"automl describe"});
  if (json) {
    a.out << schema_json(r) << "\n";
    return 0;
  }
  a.out << fmt::format("{} '{}' {} ({})\n\n{}\n\nKeys:\n", kind_name(kind), r.name, r.version, r.origin, r.doc.doc);
  for (const auto& f : r.doc.fields)
    a.out << fmt::format("  {:<18} {:<24} default {}\n      {}\n", f.key, f.constraint(),
                         f.required ? "(required)" : to_toml(f.default_value), f.doc);
  a.out << fmt::format("\nExample:\n  [{}]\n  type = \"{}\"\n", kind_name(kind), r.name);
  for (const auto& line : split(r.doc.example, '\n'))
    if (!line.empty()) a.out << "  " << line << "\n";
  return 0;
}

int cmd_show(const Args& a) {
  auto o = base_options();
  o.add_options()("run_dir", po::value<std::string>(), "run directory")(
      "top", po::value<std::size_t>()->default_value(10), "how many best candidates to list")(
      "draw", po::value<std::string>(),
      "draw the best distinct candidates (at most --top, 5 by default here) into DIR as .svg and .png");
  po::positional_options_description p;
  p.add("run_dir", 1);
  const auto vm = parse(a, o, p);
  if (wants_help(vm, "show", o, a.out)) return 0;
  const fs::path run_dir = required_positional(vm, "run_dir", "show");
  show_run(run_dir, vm["top"].as<std::size_t>(), a.out);
  if (vm.count("draw")) {
    const RunSpace r(run_dir);
    const std::size_t count = vm["top"].defaulted() ? 5 : vm["top"].as<std::size_t>();
    draw_best(run_dir, *r.space, r.exp.search_space.type, vm["draw"].as<std::string>(), count, a.out);
  }
  return 0;
}

extern "C" void on_stop_signal(int) { g_stop = true; }

int cmd_trial(const Args& a) {
  auto o = base_options();
  o.add_options()("run_dir", po::value<std::string>(), "run directory")("trial", po::value<std::int64_t>(), "trial id");
  po::positional_options_description p;
  p.add("run_dir", 1).add("trial", 1);
  const auto vm = parse(a, o, p);
  if (wants_help(vm, "trial", o, a.out)) return 0;
  const fs::path run_dir = fs::absolute(required_positional(vm, "run_dir", "trial")).lexically_normal();
  if (!vm.count("trial")) throw UsageError("trial needs a trial id: automl trial RUN_DIR ID");
  g_stop = false;
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);  // scancel, a Slurm time limit
  return run_trial_task(run_dir, vm["trial"].as<std::int64_t>(), g_stop,
                        [](PluginHost& host, const Experiment* exp) { load_plugins(host, exp); }, a.out);
}

int cmd_cancel(const Args& a) {
  auto o = base_options();
  o.add_options()("run_dir", po::value<std::string>(), "run directory");
  po::positional_options_description p;
  p.add("run_dir", 1);
  const auto vm = parse(a, o, p);
  if (wants_help(vm, "cancel", o, a.out)) return 0;
  return cancel_run(fs::absolute(required_positional(vm, "run_dir", "cancel")).lexically_normal(), a.out);
}

extern "C" void on_serve_signal(int) { g_stop = true; }

int cmd_serve(const Args& a) {
  auto o = base_options();
  ServeOptions options;
  o.add_options()("dir", po::value<std::string>(), "run directory or comparison directory")(
      "port", po::value<int>(&options.port)->default_value(options.port), "TCP port (0: any free one)")(
      "host", po::value<std::string>(&options.host)->default_value(options.host),
      "address to listen on (0.0.0.0: every interface, visible to the network)")(
      "refresh", po::value<double>(&options.refresh_s)->default_value(options.refresh_s),
      "seconds between a page's checks for new trials");
  po::positional_options_description p;
  p.add("dir", 1);
  const auto vm = parse(a, o, p);
  if (wants_help(vm, "serve", o, a.out)) return 0;
  const fs::path dir = required_positional(vm, "dir", "serve");
  if (options.port < 0 || options.port > 65535) throw UsageError("serve --port must be in [0, 65535]");
  if (!(options.refresh_s >= 0.1)) throw UsageError("serve --refresh must be at least 0.1 seconds");
  // Each run's search space, kept for the server's lifetime: pictures refer to it.
  std::vector<std::unique_ptr<RunSpace>> spaces;
  const PicturesFor pictures = [&spaces](const fs::path& run_dir) {
    spaces.push_back(std::make_unique<RunSpace>(run_dir));
    return cell_pictures(*spaces.back()->space);
  };
  g_stop = false;
  std::signal(SIGINT, on_serve_signal);
  std::signal(SIGTERM, on_serve_signal);
  serve(dir, options, pictures, a.out, g_stop);
  return 0;
}

int cmd_export(const Args& a) {
  auto o = base_options();
  o.add_options()("run_dir", po::value<std::string>(), "run directory")(
      "format", po::value<std::string>()->default_value("csv"), "csv, json (with learning curves) or curves (trial,step,name,value)")(
      "output,o", po::value<std::string>(), "write to this file instead of standard output");
  po::positional_options_description p;
  p.add("run_dir", 1);
  const auto vm = parse(a, o, p);
  if (wants_help(vm, "export", o, a.out)) return 0;
  const fs::path dir = required_positional(vm, "run_dir", "export");
  if (!vm.count("output")) {
    export_run(dir, vm["format"].as<std::string>(), a.out);
    return 0;
  }
  std::ofstream file(vm["output"].as<std::string>());
  if (!file) throw Error("cannot write " + vm["output"].as<std::string>());
  export_run(dir, vm["format"].as<std::string>(), file);
  return 0;
}

int cmd_compare(const Args& a) {
  auto o = base_options();
  o.add_options()("file", po::value<std::string>(), "comparison file (TOML), or with --report-only its directory")(
      "report-only", "only write the report of a comparison directory (its compare.db)")(
      "check", "only check the comparison file and every variant's experiment")(
      "jobs,j", po::value<int>()->default_value(0), "runs at once (0: the file's `jobs`)")(
      "task", po::value<std::int64_t>(),
      "only run N of the comparison (seed-major, then the variants in file order), in this process: what the "
      "comparison's Slurm tasks run");
  po::positional_options_description p;
  p.add("file", 1);
  const auto vm = parse(a, o, p);
  if (wants_help(vm, "compare", o, a.out)) return 0;
  const std::string file = required_positional(vm, "file", "compare");
  if (vm.count("report-only")) {
    Registry registry;  // the default plugins, for pictures of the best cells
    PluginHost host(registry);
    load_plugins(host, nullptr);
    write_compare_report(file, a.out, &registry);
    return 0;
  }
  const Comparison comparison = load_comparison(file);
  Registry registry;
  PluginHost host(registry);
  std::vector<const Experiment*> experiments;
  for (const auto& v : comparison.variants) experiments.push_back(&v.experiment);
  load_plugins(host, experiments);
  if (vm.count("check")) {
    check_comparison(comparison, registry);
    a.out << fmt::format("{}: ok, {} variants x {} seeds\n", file, comparison.variants.size(),
                         comparison.options.seeds);
    if (comparison.launcher.type == "slurm")
      a.out << "# runs go to Slurm: one job array of `automl compare --task N` tasks, each run whole in its job\n";
    return 0;
  }
  CompareControl control;
  const RunControl rc = run_control();  // Ctrl-C: runs stop cleanly, the comparison resumes later
  control.stop = rc.stop;
  control.jobs = vm["jobs"].as<int>();
  if (vm.count("task")) return run_comparison_task(comparison, registry, control, vm["task"].as<std::int64_t>());
  if (comparison.launcher.type == "slurm") {
    std::vector<fs::path> plugin_files;
    for (const auto* exp : experiments)
      for (const auto& p : exp->options.plugin_paths) plugin_files.push_back(exp->base_dir / p);
    for (const auto& w : check_launcher(comparison.launcher, comparison.directory(), plugin_files))
      a.err << "warning: " << w << "\n";
  }
  return run_comparison(comparison, registry, control, a.out);
}

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
      out << "automl " << AUTOML_VERSION << "\n";
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
