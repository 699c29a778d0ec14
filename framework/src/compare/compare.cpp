// Comparison files: the [comparison] schema, variants as edits of a base
// experiment's tables, and the experiment of each variant x seed run.

#include "automl/compare/compare.hpp"

#include <algorithm>
#include <regex>

#include "automl/run/components.hpp"
#include "automl/text.hpp"
#include "experiment/experiment_table.hpp"
#include "experiment/toml_config.hpp"

namespace automl {

namespace fs = std::filesystem;

const Schema<CompareOptions>& CompareOptions::schema() {
  using O = CompareOptions;
  static const auto s =
      Schema<O>("A head-to-head comparison: variants of one base experiment, each run for the same seeds.")
          .field("name", &O::name, "Comparison name; its directory is <output_dir>/<name>. Default: the file's stem")
          .field("experiment", &O::experiment, "The base experiment file, relative to the comparison file")
          .required()
          .field("seeds", &O::seeds, "Runs per variant, seeds first_seed, first_seed + 1, ...").range(1, 10000)
          .field("first_seed", &O::first_seed, "The first experiment seed").range(0, 9007199254740991)
          .field("budget_trials", &O::budget_trials, "Every run's trial budget; 0: the base experiment's")
          .range(0, 1000000000)
          .field("budget_seconds", &O::budget_seconds, "Every run's time budget; 0: the base experiment's")
          .range(0, 315360000)
          .field("budget_fidelity", &O::budget_fidelity,
                 "Every run's fidelity budget (e.g. epochs, for an equal-epoch comparison of multi-fidelity and "
                 "full-fidelity strategies); 0: the base experiment's")
          .range(0, 1e15)
          .field("jobs", &O::jobs, "Runs at once; 0: the cores here divided by the experiment's threads")
          .range(0, 1024)
          .field("baseline", &O::baseline, "The variant the others are tested against. Default: the first")
          .field("metric", &O::metric,
                 "A trial metric reported beside the search score: the metric of each run's best-scoring "
                 "candidate (e.g. a test accuracy). \"\": the score only")
          .field("output_dir", &O::output_dir, "Folder for comparison directories, relative to the current directory");
  return s;
}

fs::path Comparison::directory() const { return fs::absolute(options.output_dir) / options.name; }

Experiment Comparison::run_experiment(const Variant& variant, std::int64_t seed) const {
  Experiment exp = variant.experiment;
  auto entries = exp.experiment_section.entries();
  const Location from{file.string() + " [comparison]"};
  entries["seed"] = Entry{seed, from};
  if (options.budget_trials > 0) entries["budget_trials"] = Entry{options.budget_trials, from};
  if (options.budget_seconds > 0) entries["budget_seconds"] = Entry{options.budget_seconds, from};
  if (options.budget_fidelity > 0) entries["budget_fidelity"] = Entry{options.budget_fidelity, from};
  entries["name"] = Entry{"seed-" + std::to_string(seed), from};
  exp.experiment_section = Section("experiment", "", exp.experiment_section.where(), std::move(entries));
  exp.options = ExperimentOptions::schema().parse(exp.experiment_section);
  return exp;
}

namespace {

const std::vector<std::string>& kExperimentSections = experiment_sections();

// Moves `node` (keeping its source position) into `table` under `key`.
void move_into(toml::table& table, const std::string& key, toml::node& node) {
  node.visit([&](auto& typed) { table.insert_or_assign(key, std::move(typed)); });
}

Variant parse_variant(const std::string& name, toml::table& changes, const fs::path& comparison_dir,
                      const std::string& default_base, const Location& default_base_where) {
  static const std::regex valid_name("[A-Za-z0-9_.-]+");
  if (!std::regex_match(name, valid_name) || name == "." || name == "..")
    throw ConfigError(detail::location_of(changes), "variant name '" + name +
                                                        "' must be letters, digits, '_', '-' or '.': it names a "
                                                        "folder of the comparison directory");
  std::string base = default_base;
  Location base_where = default_base_where;
  if (const auto* b = changes.get("base")) {
    if (!b->is_string())
      throw ConfigError(detail::location_of(*b), "[variants." + name + "] base must be a string: an experiment file");
    base = *b->value<std::string>();
    base_where = detail::location_of(*b);
  }
  const fs::path base_file = fs::absolute(comparison_dir / base);
  if (!fs::exists(base_file))
    throw ConfigError(base_where, "the experiment file '" + base + "' does not exist (" + base_file.string() +
                                      "); paths are relative to the comparison file");
  toml::table root = detail::parse_toml(detail::read_config_file(base_file, "experiment file"), base_file.string());
  for (auto&& [key, node] : changes) {
    const std::string section(key.str());
    if (section == "base") continue;
    if (std::find(kExperimentSections.begin(), kExperimentSections.end(), section) == kExperimentSections.end())
      throw ConfigError(detail::location_of(node),
                        "[variants." + name + "] has '" + section + "'" + did_you_mean(section, kExperimentSections) +
                            "; a variant holds `base` and tables named after the experiment's: " +
                            quoted_list(kExperimentSections));
    auto* table = node.as_table();
    if (table == nullptr)
      throw ConfigError(detail::location_of(node), "[variants." + name + "] '" + section +
                                                       "' must be a table: write it as [variants." + name + "." +
                                                       section + "]");
    if (table->contains("type") || !root.contains(section)) {
      // A whole table: another plugin (or a table the base lacks).
      if (section == "experiment" && table->contains("type"))
        throw ConfigError(detail::location_of(*table->get("type")), "[experiment] takes no `type`");
      move_into(root, section, node);
      continue;
    }
    auto* target = root[section].as_table();
    if (target == nullptr)
      throw ConfigError(base_where, "'" + section + "' is not a table in " + base_file.string());
    for (auto&& [k, value] : *table) move_into(*target, std::string(k.str()), value);
  }
  Variant v;
  v.name = name;
  v.experiment = detail::experiment_from_table(root, base_file.string(), base_file.parent_path(), {});
  v.experiment.file = base_file;
  return v;
}

}  // namespace

Comparison load_comparison(const fs::path& file) {
  Comparison c;
  c.file = fs::absolute(file);
  c.text = detail::read_config_file(file, "comparison file");
  toml::table root = detail::parse_toml(c.text, file.string());
  for (const auto& [key, node] : root) {
    const std::string k(key.str());
    if (k != "comparison" && k != "variants" && k != "launcher")
      throw ConfigError(detail::location_of(node), "unknown section [" + k + "]" +
                                                       did_you_mean(k, {"comparison", "variants", "launcher"}) +
                                                       "; a comparison file has [comparison], [variants.NAME] and "
                                                       "optionally [launcher]");
    if (!node.is_table())
      throw ConfigError(detail::location_of(node),
                        "'" + printable(k) + "' must be a table: write it as [" + printable(k) + "]");
  }
  if (!root.contains("comparison"))
    throw ConfigError(Location{file.string(), 1, 1},
                      "missing [comparison] (it names the base experiment, the seeds and the budget)");
  const Section section = detail::to_section(*root["comparison"].as_table(), "comparison", "", {});
  c.options = CompareOptions::schema().parse(section);
  if (c.options.name.empty()) c.options.name = file.stem().string();
  auto* variants = root["variants"].as_table();
  if (variants == nullptr || variants->empty())
    throw ConfigError(Location{file.string(), 1, 1},
                      "no variants: add at least one [variants.NAME] table (an empty one runs the base experiment)");
  for (auto&& [key, node] : *variants) {
    auto* table = node.as_table();
    if (table == nullptr)
      throw ConfigError(detail::location_of(node), "variant '" + std::string(key.str()) +
                                                       "' must be a table: write it as [variants." +
                                                       std::string(key.str()) + "]");
    c.variants.push_back(parse_variant(std::string(key.str()), *table, c.file.parent_path(),
                                       c.options.experiment, section.where("experiment")));
  }
  // toml++ keeps keys sorted; the report lists variants in file order.
  std::sort(c.variants.begin(), c.variants.end(), [&](const Variant& a, const Variant& b) {
    const auto line = [&](const Variant& v) { return detail::location_of(*variants->get(v.name)).line; };
    return line(a) < line(b);
  });
  if (const auto* launcher = root["launcher"].as_table()) {
    c.launcher = detail::parse_launcher_table(*launcher, {}, {"local", "slurm"}, c.launcher_section);
    if (c.launcher.type == "slurm")
      for (const auto& v : c.variants)
        if (!v.experiment.launcher.local())
          throw ConfigError(v.experiment.launcher_section.where("type"),
                            "variant '" + v.name + "' has [launcher] type = \"" + v.experiment.launcher.type +
                                "\", but the comparison's runs are Slurm jobs ([launcher] in " + file.string() +
                                ") and their trials run inside them: remove [launcher] from the experiment");
  }
  if (c.options.baseline.empty()) c.options.baseline = c.variants.front().name;
  std::vector<std::string> names;
  for (const auto& v : c.variants) names.push_back(v.name);
  if (std::find(names.begin(), names.end(), c.options.baseline) == names.end())
    throw ConfigError(section.where("baseline"), "baseline '" + c.options.baseline + "' is not a variant" +
                                                     did_you_mean(c.options.baseline, names) +
                                                     "; the variants are " + quoted_list(names));
  return c;
}

void check_comparison(const Comparison& c, const Registry& registry) {
  for (const auto& v : c.variants) build_components(c.run_experiment(v, c.options.first_seed), registry);
}

}  // namespace automl
