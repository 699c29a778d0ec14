// Experiment files: the [experiment] schema, the plugin tables, --set
// overrides, and the resolved form written beside every run.

#include "automl/experiment/experiment.hpp"

#include <fstream>
#include <regex>
#include <sstream>

#include "automl/host/registry.hpp"
#include "automl/text.hpp"
#include "experiment_table.hpp"
#include "toml_config.hpp"

namespace automl {

namespace fs = std::filesystem;

const Schema<ExperimentOptions>& ExperimentOptions::schema() {
  using O = ExperimentOptions;
  static const auto s =
      Schema<O>("The run itself: seed, budgets, parallelism and where results go.")
          .field("name", &O::name, "Run name; the run directory is <output_dir>/<name>[-N]. Default: the file's stem")
          .field("seed", &O::seed, "Experiment seed; every random choice derives from it").range(0, 9007199254740991)
          .field("budget_trials", &O::budget_trials, "Stop after this many trials (queries); 0: no limit").range(0, 1000000000)
          .field("budget_seconds", &O::budget_seconds, "Stop starting trials after this much wall time; 0: no limit")
          .range(0, 315360000)
          .field("budget_fidelity", &O::budget_fidelity,
                 "Stop starting trials once they have spent this much fidelity in the evaluator's unit (e.g. "
                 "30000 epochs: 150 trials at 200 epochs, or many more at low fidelity); 0: no limit")
          .range(0, 1e15)
          .field("parallel_trials", &O::parallel_trials, "Trials evaluated at once (when the evaluator allows)")
          .range(1, 1024)
          .field("threads", &O::threads, "Cores the run may use; each of the parallel trials gets threads/parallel_trials")
          .range(1, 1024)
          .field("device", &O::device, "\"cpu\", \"cuda\" or \"cuda:N\"")
          .field("devices", &O::devices,
                 "Devices for parallel trials, one slot each, round robin (\"cpu\", \"cuda:N\"; [\"cuda\"]: every "
                 "visible CUDA device); a weight-sharing supernet uses the first; []: [device]")
          .field("deterministic", &O::deterministic,
                 "CUDA: cuDNN's deterministic algorithms and no autotuning (slower); CPU runs with one thread per "
                 "trial are deterministic either way")
          .field("output_dir", &O::output_dir, "Folder for run directories, relative to the current directory")
          .field("plugin_paths", &O::plugin_paths, "Extra plugin files or folders, relative to the experiment file")
          .rule("budget_trials",
                [](const O& o) {
                  return o.budget_trials == 0 && o.budget_seconds == 0 && o.budget_fidelity == 0
                             ? "no budget: set budget_trials, budget_seconds and/or budget_fidelity to a positive "
                               "value"
                             : "";
                })
          .rule("parallel_trials",
                [](const O& o) {
                  return o.parallel_trials > o.threads
                             ? "parallel_trials (" + std::to_string(o.parallel_trials) + ") exceeds threads (" +
                                   std::to_string(o.threads) + "); each trial needs a thread: raise threads"
                             : "";
                })
          .rule("name",
                [](const O& o) {
                  const bool component = o.name.find_first_of(std::string("/\\\0", 3)) == std::string::npos &&
                                         o.name != "." && o.name != "..";
                  return component ? ""
                                   : "\"" + printable(o.name) +
                                         "\" is not a folder name: the run directory is <output_dir>/<name>, so "
                                         "the name is one path component (no '/', not \".\" or \"..\"); put "
                                         "folders in output_dir";
                })
          .rule("device", [](const O& o) {
            static const std::regex valid("cpu|cuda|cuda:[0-9]{1,3}");
            return std::regex_match(o.device, valid) ? "" : "expected \"cpu\", \"cuda\" or \"cuda:N\", found \"" + printable(o.device) + "\"";
          })
          .rule("devices", [](const O& o) -> std::string {
            static const std::regex valid("cpu|cuda:[0-9]{1,3}");
            if (o.devices.size() == 1 && o.devices[0] == "cuda") return "";
            for (const auto& d : o.devices)
              if (!std::regex_match(d, valid))
                return "expected \"cpu\" or \"cuda:N\" in each element, or [\"cuda\"] alone for every visible CUDA "
                       "device; found \"" + printable(d) + "\"";
            if (!o.devices.empty() && o.device != "cpu")
              return "set device (one device) or devices (one per parallel trial), not both";
            return "";
          });
  return s;
}

const Schema<LauncherOptions>& LauncherOptions::schema() {
  using O = LauncherOptions;
  static const auto s =
      Schema<O>("Where trials run: type = \"local\" (threads of this process), \"process\" (a process per "
                "trial) or \"slurm\" (a Slurm job array per round).")
          .field("max_retries", &O::max_retries,
                 "Times a trial whose process crashed or whose Slurm task failed (FAILED, TIMEOUT, OUT_OF_MEMORY, "
                 "CANCELLED, NODE_FAIL, PREEMPTED) is run again before it counts as failed")
          .range(0, 100)
          .field("poll_seconds", &O::poll_seconds, "How often trial states are polled; 0: 0.05 s (process), 2 s (slurm)")
          .range(0, 3600)
          .field("partition", &O::partition, "slurm: sbatch --partition; \"\": the cluster's default")
          .field("account", &O::account, "slurm: sbatch --account")
          .field("qos", &O::qos, "slurm: sbatch --qos")
          .field("time", &O::time, "slurm: time limit per trial, sbatch --time syntax (\"30\", \"2:00:00\", \"1-00:00:00\")")
          .field("cpus_per_task", &O::cpus_per_task, "slurm: sbatch --cpus-per-task; 0: the trial's threads")
          .range(0, 4096)
          .field("mem", &O::mem, "slurm: sbatch --mem (e.g. \"8G\")")
          .field("gres", &O::gres, "slurm: sbatch --gres (e.g. \"gpu:1\")")
          .field("constraint", &O::constraint, "slurm: sbatch --constraint")
          .field("array_parallelism", &O::array_parallelism,
                 "slurm: tasks of a round's job array running at once (--array=0-K%P); 0: parallel_trials")
          .range(0, 100000)
          .field("sbatch_args", &O::sbatch_args, "slurm: more sbatch options, one per element (\"--exclusive\")")
          .field("setup", &O::setup,
                 "slurm: shell lines the job script runs before the trial (\"module load cuda\", \"source venv/bin/activate\")");
  return s;
}

const std::vector<std::string>& experiment_sections() {
  static const std::vector<std::string> sections = {"experiment", "dataset",   "search_space", "strategy",
                                                    "evaluator",  "reference", "final",        "launcher"};
  return sections;
}

std::vector<const ComponentSpec*> Experiment::components() const {
  std::vector<const ComponentSpec*> out;
  if (dataset) out.push_back(&*dataset);
  for (const ComponentSpec* spec : {&search_space, &strategy, &evaluator})
    if (!spec->type.empty()) out.push_back(spec);
  if (reference) out.push_back(&*reference);
  if (final_stage) out.push_back(&*final_stage);
  return out;
}

namespace {

const std::vector<std::string>& kSections = experiment_sections();

Kind kind_of(const std::string& section) {
  if (section == "dataset") return Kind::dataset;
  if (section == "search_space") return Kind::search_space;
  if (section == "strategy") return Kind::strategy;
  return Kind::evaluator;
}

Location file_location(const std::string& source) { return Location{source, 1, 1}; }

void check_top_level(const toml::table& root, const std::string& source, const detail::OverrideSources& sets,
                     Needs needs) {
  for (const auto& [key, node] : root) {
    const std::string k(key.str());
    const Location where = node.is_table() ? detail::table_location(*node.as_table(), k, sets) : detail::location_of(node);
    if (std::find(kSections.begin(), kSections.end(), k) == kSections.end())
      throw ConfigError(where, "unknown section [" + printable(k) + "]" + did_you_mean(k, kSections) +
                                                       "; an experiment has " + quoted_list(kSections));
    if (!node.is_table())
      throw ConfigError(where, "'" + printable(k) + "' must be a table: write it as [" + printable(k) + "]");
  }
  const auto required_sections = needs == Needs::dataset
                                     ? std::vector<const char*>{"experiment", "dataset"}
                                     : std::vector<const char*>{"experiment", "search_space", "strategy", "evaluator"};
  for (const char* required : required_sections)
    if (!root.contains(required))
      throw ConfigError(file_location(source), std::string("missing section [") + required + "]" +
                                                   (std::string(required) == "experiment"
                                                        ? " (it holds the seed and the budget)"
                                                        : " with a `type` key; `automl list` shows the choices"));
}

ComponentSpec component(const toml::table& root, const std::string& name, const detail::OverrideSources& sets) {
  const auto& table = *root[name].as_table();
  ComponentSpec spec;
  spec.kind = kind_of(name);
  const auto* type = table.get("type");
  if (type == nullptr)
    throw ConfigError(detail::table_location(table, name, sets),
                      "[" + name + "] needs a `type` key naming the plugin, e.g. type = \"random\"; "
                      "`automl list` shows the registered plugins");
  if (!type->is_string())
    throw ConfigError(detail::location_of(*type), "[" + name + "] type must be a string naming the plugin");
  spec.type = *type->value<std::string>();
  spec.type_where = detail::location_of(*type);
  if (spec.type.empty())
    throw ConfigError(spec.type_where, "[" + name + "] type is empty: name the plugin, e.g. type = \"random\"; "
                                       "`automl list` shows the registered plugins");
  spec.section = detail::to_section(table, name, spec.type, sets);
  return spec;
}

// [final]: an evaluator table plus the host's own keys top_k, random and
// select, taken out before the plugin sees the table.
ComponentSpec final_stage(const toml::table& root, const detail::OverrideSources& sets, Experiment& exp) {
  ComponentSpec spec = component(root, "final", sets);
  auto entries = spec.section.entries();
  const auto take = [&entries](const char* key, int& out, std::int64_t least, const char* meaning) {
    const auto it = entries.find(key);
    if (it == entries.end()) return;
    const auto* value = std::get_if<std::int64_t>(&it->second.value);
    if (value == nullptr || *value < least || *value > 1000000)
      throw ConfigError(it->second.where, std::string("[final] ") + key + ": expected an integer >= " +
                                              std::to_string(least) + " (" + meaning + ")");
    out = static_cast<int>(*value);
    entries.erase(it);
  };
  take("top_k", exp.final_top_k, 1, "how many of the search's best candidates the final evaluator re-evaluates");
  take("random", exp.final_random, 0, "how many architectures drawn at random the final evaluator trains beside them");
  if (const auto it = entries.find("select"); it != entries.end()) {
    const auto* value = std::get_if<std::string>(&it->second.value);
    if (value == nullptr || (*value != "auto" && *value != "last_round" && *value != "best_ever"))
      throw ConfigError(it->second.where, "[final] select: expected \"auto\", \"last_round\" or \"best_ever\" "
                                          "(which trials compete for the top k)");
    exp.final_select = *value;
    entries.erase(it);
  }
  spec.section = Section("final", spec.type, spec.section.where(), std::move(entries));
  return spec;
}

}  // namespace

namespace detail {

// [launcher]: `type` (default "local") and LauncherOptions' keys; keys only
// the Slurm launcher reads are refused for the others.
LauncherOptions parse_launcher_table(const toml::table& table, const OverrideSources& sets,
                                     const std::vector<std::string>& types, Section& section) {
  section = to_section(table, "launcher", "", sets);
  LauncherOptions launcher = LauncherOptions::schema().parse(section);
  if (const auto* type = table.get("type")) {
    const auto value = type->value<std::string>();
    const Location where = sets.count({"launcher", "type"}) ? sets.at({"launcher", "type"}) : location_of(*type);
    if (!value || std::find(types.begin(), types.end(), *value) == types.end())
      throw ConfigError(where, "[launcher] type: expected " + quoted_list(types) +
                                   (value ? ", found \"" + printable(*value) + "\"" + did_you_mean(*value, types) : ""));
    launcher.type = *value;
  }
  if (launcher.type == "slurm") return launcher;
  for (const auto& [key, entry] : section.entries())
    if (key != "max_retries" && key != "poll_seconds")
      throw ConfigError(entry.where, "[launcher] " + printable(key) + " is a Slurm setting, but type is \"" +
                                         launcher.type + "\": set type = \"slurm\" or remove it");
  return launcher;
}

}  // namespace detail

namespace {

std::string table_toml(const std::string& name, const std::string& type, const std::vector<Field>& fields,
                       const Section& section) {
  const auto values = resolve_fields(fields, section);
  std::string out = "[" + name + "]\n";
  if (!type.empty()) out += "type = \"" + type + "\"\n";
  for (const auto& f : fields) out += f.key + " = " + to_toml(values.at(f.key)) + "\n";
  return out;
}

}  // namespace

Experiment parse_experiment(const std::string& text, const std::string& source, const fs::path& base_dir,
                            const std::vector<std::string>& overrides, Needs needs) {
  toml::table root = detail::parse_toml(text, source);
  detail::OverrideSources sets;
  for (const auto& o : overrides) detail::apply_override(root, o, sets);
  return detail::experiment_from_table(root, source, base_dir, sets, needs);
}

Experiment detail::experiment_from_table(const toml::table& root, const std::string& source,
                                         const fs::path& base_dir, const OverrideSources& sets, Needs needs) {
  check_top_level(root, source, sets, needs);

  Experiment exp;
  exp.base_dir = base_dir;
  exp.experiment_section = detail::to_section(*root["experiment"].as_table(), "experiment", "", sets);
  if (root["experiment"].as_table()->contains("type"))
    throw ConfigError(sets.count({"experiment", "type"}) ? sets.at({"experiment", "type"})
                                                         : detail::location_of(*root["experiment"]["type"].node()),
                      "[experiment] takes no `type`; plugin types go in [search_space], [strategy], ...");
  exp.options = ExperimentOptions::schema().parse(exp.experiment_section);
  if (root.contains("dataset")) exp.dataset = component(root, "dataset", sets);
  if (root.contains("search_space")) exp.search_space = component(root, "search_space", sets);
  if (root.contains("strategy")) exp.strategy = component(root, "strategy", sets);
  if (root.contains("evaluator")) exp.evaluator = component(root, "evaluator", sets);
  if (root.contains("reference")) exp.reference = component(root, "reference", sets);
  if (root.contains("final")) exp.final_stage = final_stage(root, sets, exp);
  if (root.contains("launcher"))
    exp.launcher = detail::parse_launcher_table(*root["launcher"].as_table(), sets, {"local", "process", "slurm"},
                                                exp.launcher_section);
  return exp;
}

Experiment load_experiment(const fs::path& file, const std::vector<std::string>& overrides, Needs needs) {
  const fs::path absolute = fs::absolute(file);
  Experiment exp = parse_experiment(detail::read_config_file(file, "experiment file"), file.string(),
                                    absolute.parent_path(), overrides, needs);
  exp.file = absolute;
  if (exp.options.name.empty()) exp.options.name = file.stem().string();
  return exp;
}

std::string resolved_toml(const Experiment& exp, const Registry& registry) {
  std::string out = "# Resolved experiment: every default filled in.\n";
  ExperimentOptions options = exp.options;
  Section experiment = exp.experiment_section;
  auto entries = experiment.entries();
  entries["name"] = Entry{options.name, {}};
  out += table_toml("experiment", "", ExperimentOptions::schema().fields(),
                    Section("experiment", "", experiment.where(), entries));
  for (const ComponentSpec* spec : exp.components()) {
    const Registered& r = registry.find(spec->kind, spec->type, spec->type_where);
    out += "\n# " + std::string(kind_name(spec->kind)) + " plugin '" + r.name + "' version " + r.version +
           " from " + r.origin + "\n";
    out += table_toml(spec->section.name(), spec->type, r.doc.fields, spec->section);
    if (exp.final_stage && spec == &*exp.final_stage)
      out += "top_k = " + std::to_string(exp.final_top_k) + "\nrandom = " + std::to_string(exp.final_random) +
             "\nselect = \"" + exp.final_select + "\"\n";
  }
  if (!exp.launcher.local()) {
    out += "\n";
    std::vector<Field> fields;  // only the Slurm launcher has the Slurm keys
    for (const auto& f : LauncherOptions::schema().fields())
      if (exp.launcher.type == "slurm" || f.key == "max_retries" || f.key == "poll_seconds") fields.push_back(f);
    out += table_toml("launcher", exp.launcher.type, fields, exp.launcher_section);
  }
  return out;
}

}  // namespace automl
