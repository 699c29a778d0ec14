#pragma once
// Head-to-head comparisons (`automl compare`): one base experiment, named
// variants of it (another [strategy], or any key changed), each run for the
// same seeds and budget. Runs go into one comparison directory:
//
//   <output_dir>/<name>/comparison.toml   the comparison file as started
//                      /compare.db        every finished run and its trials
//                      /runs/<variant>/seed-<k>/   each run's own directory
//                      /report.md, report.html, *.svg, *.png
//
// Each run is a child process (forked from the host with its plugins loaded),
// several at once as the cores allow; a run's own results database makes it
// resumable, and compare.db records it once it has finished, so a comparison
// started again after an interruption redoes nothing finished.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "automl/experiment/experiment.hpp"
#include "automl/params.hpp"

namespace automl {

class Registry;

struct CompareOptions {
  std::string name;                ///< default: the file's stem
  std::string experiment;          ///< the base experiment file, relative to the comparison file
  std::int64_t seeds = 10;         ///< runs per variant
  std::int64_t first_seed = 0;     ///< seeds first_seed, first_seed + 1, ...
  std::int64_t budget_trials = 0;  ///< replaces the base's [experiment] budget_trials (0: keep)
  double budget_seconds = 0;       ///< replaces its budget_seconds (0: keep)
  double budget_fidelity = 0;      ///< replaces its budget_fidelity (0: keep)
  std::int64_t jobs = 0;           ///< runs at once; 0: cores / the experiment's threads
  std::string baseline;            ///< the variant others are tested against; default: the first
  std::string metric;              ///< a trial metric to report beside the score ("" = score only)
  std::string output_dir = "comparisons";

  static const Schema<CompareOptions>& schema();
};

struct Variant {
  std::string name;
  Experiment experiment;  ///< the base with the variant's changes, seed and budget not yet set
};

struct Comparison {
  std::filesystem::path file;
  std::string text;  ///< the file as read
  CompareOptions options;
  std::vector<Variant> variants;  ///< in file order
  /// [launcher] of the comparison file: "local" (runs forked here) or
  /// "slurm" (each run a task of one Slurm job array).
  LauncherOptions launcher;
  Section launcher_section;

  /// The experiment of one run: the variant's, with this seed, the budget,
  /// and its run directory's name.
  Experiment run_experiment(const Variant& variant, std::int64_t seed) const;
  std::filesystem::path directory() const;
};

/// Reads a comparison file:
///
///   [comparison]
///   experiment = "nb201_random.toml"   # base experiment
///   seeds = 20
///   budget_trials = 150
///   baseline = "random"
///   metric = "c10_test_200"
///
///   [variants.random]                  # the base as it is
///   [variants.rea.strategy]            # a table with `type` replaces the base's
///   type = "regularized_evolution"
///   [variants.big_pool.strategy]       # without `type`, its keys change the base's
///   pool_size = 50
///
/// A variant may also name its own base: `experiment = "other.toml"`.
/// An optional [launcher] table (the experiment's keys, type "local" or
/// "slurm") sends every run to Slurm as a task of one job array; the runs'
/// own trials then run inside their job.
/// Every variant is parsed strictly; errors point into the comparison file.
Comparison load_comparison(const std::filesystem::path& file);

struct CompareControl {
  const std::atomic<bool>* stop = nullptr;  ///< set on Ctrl-C
  int jobs = 0;                             ///< overrides the file's jobs when > 0
};

/// Builds every variant's components without running anything (ConfigError
/// on the first problem).
void check_comparison(const Comparison& comparison, const Registry& registry);

/// Runs every variant × seed not yet finished, then writes the report.
/// Returns the process exit code: 0 all runs finished, 1 some failed, 130
/// interrupted.
int run_comparison(const Comparison& comparison, const Registry& registry, const CompareControl& control,
                   std::ostream& out);

/// Runs the comparison's run number `index` (seed-major, then the variants
/// in file order) in this process, starting or resuming its run directory,
/// and leaves its exit code in COMPARISON_DIR/launch/run-INDEX.exit: what
/// the Slurm tasks of a comparison run (`automl compare FILE --task N`).
int run_comparison_task(const Comparison& comparison, const Registry& registry, const CompareControl& control,
                        std::int64_t index);

/// Cancels the Slurm tasks of the comparison in `dir` not known to have
/// ended (automl cancel); a line per task.
std::vector<std::string> cancel_comparison(const std::filesystem::path& dir);

/// Writes report.md, report.html and the figures from a comparison
/// directory's compare.db; prints where they are. With a `registry` holding
/// the variants' plugins, each variant's best cell is drawn too
/// (best_cell_VARIANT.svg/.png, through its search space and Graphviz).
void write_compare_report(const std::filesystem::path& dir, std::ostream& out, const Registry* registry = nullptr);

}  // namespace automl
