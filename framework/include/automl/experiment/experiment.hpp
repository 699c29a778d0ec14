#pragma once
// The experiment file: [experiment] (name, seed, budgets, parallelism,
// threads, device, output dir, plugin paths), then [dataset] (optional),
// [search_space], [strategy] and [evaluator], optionally [reference] and
// [final], each with `type` and that plugin's own keys. Parsing is strict: errors carry file:line:col.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "automl/params.hpp"
#include "automl/plugin.hpp"

namespace automl {

class Registry;

struct ExperimentOptions {
  std::string name;                       ///< default: the file's stem
  std::int64_t seed = 0;
  std::int64_t budget_trials = 0;         ///< 0: no limit
  double budget_seconds = 0;              ///< 0: no limit
  double budget_fidelity = 0;             ///< fidelity units (e.g. epochs) all trials may spend; 0: no limit
  int parallel_trials = 1;
  int threads = 1;                        ///< cores the run may use in total
  std::string device = "cpu";
  /// Device slots for parallel trials, round robin ("cuda:0", "cuda:1", ...;
  /// ["cuda"]: every visible CUDA device); empty: [device].
  std::vector<std::string> devices;
  bool deterministic = false;             ///< cuDNN's deterministic algorithms instead of autotuning
  std::string output_dir = "runs";        ///< relative to the current directory
  std::vector<std::string> plugin_paths;  ///< extra plugin files or folders

  static const Schema<ExperimentOptions>& schema();
  /// The key that names the run's devices ("devices" when given, else "device").
  const char* device_key() const { return devices.empty() ? "device" : "devices"; }
  /// The devices as written: `devices`, or [device].
  std::vector<std::string> device_list() const { return devices.empty() ? std::vector<std::string>{device} : devices; }
};

/// [launcher]: where trials execute (automl/run/launcher.hpp). Optional;
/// without it trials run in the host's process ("local").
struct LauncherOptions {
  std::string type = "local";  ///< "local", "process" or "slurm" (the table's `type`)
  int max_retries = 0;          ///< a crashed or lost trial is run again this many times
  double poll_seconds = 0;      ///< 0: 0.05 s for process, 2 s for slurm
  // Slurm only ("" / 0: sbatch's own default).
  std::string partition;
  std::string account;
  std::string qos;
  std::string time;           ///< per trial, in sbatch's syntax ("30", "2:00:00", "1-00:00:00")
  int cpus_per_task = 0;      ///< 0: the trial's threads
  std::string mem;            ///< e.g. "8G"
  std::string gres;           ///< e.g. "gpu:1"
  std::string constraint;
  int array_parallelism = 0;  ///< tasks of one array running at once (%P); 0: parallel_trials
  std::vector<std::string> sbatch_args;  ///< extra sbatch options, one per element
  std::vector<std::string> setup;        ///< lines the job script runs first (module load ..., source venv)

  static const Schema<LauncherOptions>& schema();
  bool local() const { return type == "local"; }
};

/// One plugin table: its `type` and the rest of its keys.
struct ComponentSpec {
  Kind kind = Kind::strategy;
  std::string type;
  Location type_where;
  Section section;
};

struct Experiment {
  std::filesystem::path file;      ///< the experiment file ("" for text)
  std::filesystem::path base_dir;  ///< relative paths resolve against this
  ExperimentOptions options;
  Section experiment_section;
  std::optional<ComponentSpec> dataset;
  ComponentSpec search_space;
  ComponentSpec strategy;
  ComponentSpec evaluator;
  /// The optional [reference]: an evaluator that scores every successful
  /// trial again, for the record only (the strategy never sees it), so that
  /// the search's ranking can be measured against it (run/fidelity.hpp).
  std::optional<ComponentSpec> reference;
  /// The optional [final] stage: its evaluator (`type` and that plugin's
  /// keys) re-evaluates the search's `final_top_k` best candidates, and
  /// `final_random` architectures drawn uniformly from the search space
  /// beside them (what the search bought over no search).
  /// `final_select` says which trials compete for the top k: "best_ever"
  /// (every round's), "last_round" (the last round's only: the reference
  /// re-ranks its last scoring, as shared-weight scores drift between
  /// rounds), or "auto": last_round when the search's evaluator says its
  /// scores drift (Evaluator::scores_drift), else best_ever.
  std::optional<ComponentSpec> final_stage;
  int final_top_k = 5;
  int final_random = 0;
  std::string final_select = "auto";
  /// [launcher] (none: local) and its table as written.
  LauncherOptions launcher;
  Section launcher_section;

  /// The plugin tables present, in build order (dataset first, then search
  /// space, strategy, evaluator, [reference], [final]).
  /// With Needs::dataset, absent tables are left out.
  std::vector<const ComponentSpec*> components() const;
};

/// The tables an experiment may have, in file order.
const std::vector<std::string>& experiment_sections();

/// The tables a command needs: all of them (a search), or [experiment] and
/// [dataset] only (`automl data`); tables present but not needed are still
/// checked, and those absent stay empty (type "").
enum class Needs { search, dataset };

/// Reads and checks an experiment file. `overrides` are "section.key=value"
/// strings (--set), applied before any check and reported as "--set ...".
Experiment load_experiment(const std::filesystem::path& file,
                           const std::vector<std::string>& overrides = {}, Needs needs = Needs::search);
/// The same from text; `source` names it in messages.
Experiment parse_experiment(const std::string& text, const std::string& source,
                            const std::filesystem::path& base_dir,
                            const std::vector<std::string>& overrides = {}, Needs needs = Needs::search);

/// The experiment with every default filled in, as TOML that
/// parse_experiment() accepts; plugin origins and versions as comments.
std::string resolved_toml(const Experiment& experiment, const Registry& registry);

}  // namespace automl
