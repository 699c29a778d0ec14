// The commands of plugins, results and comparisons: list, describe, show,
// serve, export and compare.

#include <fstream>
#include <set>

#include <fmt/format.h>

#include "automl/compare/compare.hpp"
#include "automl/error.hpp"
#include "automl/run/launcher.hpp"
#include "automl/run/report.hpp"
#include "automl/run/run_page.hpp"
#include "automl/serve/serve.hpp"
#include "automl/text.hpp"
#include "cli_support.hpp"
#include "printing.hpp"

namespace automl::cli {

namespace fs = std::filesystem;

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

namespace {

Kind parse_kind(const std::string& word) {
  Kind kind;
  if (kind_from_name(word, kind)) return kind;
  std::vector<std::string> kinds;
  for (Kind k : kAllKinds) kinds.emplace_back(kind_name(k));
  throw UsageError("unknown kind '" + word + "'" + did_you_mean(word, kinds) + "; kinds: " + quoted_list(kinds));
}

}  // namespace

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
  serve(dir, options, pictures, a.out, stop_on_signals());
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
  if (vm.count("task")) {  // a Slurm task: scancel and a time limit stop the run cleanly
    control.stop = &stop_on_signals();
    return run_comparison_task(comparison, registry, control, vm["task"].as<std::int64_t>());
  }
  if (comparison.launcher.type == "slurm") {
    std::vector<fs::path> plugin_files;
    std::vector<std::pair<std::string, fs::path>> data_paths;
    for (const auto* exp : experiments) {
      for (const auto& p : exp->options.plugin_paths) plugin_files.push_back(exp->base_dir / p);
      for (auto& d : experiment_paths(*exp)) data_paths.push_back(std::move(d));
    }
    std::set<std::string> said;  // variants often share a path
    for (const auto& w : check_launcher(comparison.launcher, comparison.directory(), plugin_files, data_paths))
      if (said.insert(w).second) a.err << "warning: " << w << "\n";
  }
  return run_comparison(comparison, registry, control, a.out);
}

}  // namespace automl::cli
