#pragma once
// The run loop, owned by the host: ask the strategy, let a weight-sharing
// evaluator train, evaluate the batch (in parallel where allowed), commit each
// trial, tell the strategy, checkpoint; until the budget is spent, the
// strategy is done or a stop is requested.

#include <atomic>
#include <cstdint>
#include <memory>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "automl/host/experiment.hpp"
#include "automl/host/results_store.hpp"

namespace automl {


class Registry;

struct RunSummary {
  std::filesystem::path run_dir;
  std::int64_t trials_ok = 0;
  std::int64_t trials_failed = 0;
  std::int64_t trials_pending = 0;
  std::optional<TrialRecord> best;
  std::optional<FinalRecord> final_best;  ///< the [final] stage's winner, when it ran
  std::string stop_reason;  ///< "trial budget", "time budget", "strategy finished", "interrupted"
};

struct RunControl {
  const std::atomic<bool>* stop = nullptr;  ///< set asynchronously to stop cleanly
  bool progress_line = false;               ///< redraw a progress line on stderr
};

/// Starts a new run of `experiment` in a fresh directory under its output dir.
RunSummary start_run(const Experiment& experiment, const Registry& registry,
                     const RunControl& control);
/// The same in the given directory, which must not hold a results database.
RunSummary start_run_in(const Experiment& experiment, const Registry& registry,
                        const std::filesystem::path& run_dir, const RunControl& control);
/// The experiment a run directory was started with (its resolved form).
/// `overrides` may only change [experiment] budget_trials and budget_seconds.
Experiment load_run_experiment(const std::filesystem::path& run_dir,
                               const std::vector<std::string>& overrides);
/// Continues a run from its directory: restores the strategy and evaluator
/// state and evaluates what was asked but not finished; nothing finished is
/// redone.
RunSummary resume_run(const std::filesystem::path& run_dir, const Experiment& experiment,
                      const Registry& registry, const RunControl& control);

/// The components of an experiment, built in order (dataset, search space,
/// strategy, evaluator), each with its own context and derived seed.
struct Components {
  std::unique_ptr<Dataset> dataset;
  std::unique_ptr<SearchSpace> space;
  std::unique_ptr<Strategy> strategy;
  std::unique_ptr<Evaluator> evaluator;
  std::unique_ptr<Evaluator> final_evaluator;  ///< the [final] stage's, when the experiment has one
};
Components build_components(const Experiment& experiment, const Registry& registry);
/// Only the [dataset] of an experiment (automl data); ConfigError when it has none.
std::unique_ptr<Dataset> build_dataset(const Experiment& experiment, const Registry& registry);

/// Builds every component of an experiment without running it (automl check).
void check_experiment(const Experiment& experiment, const Registry& registry);

}  // namespace automl
