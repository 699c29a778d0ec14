#pragma once
// The run loop, owned by the host: round after round, ask the strategy, let a
// weight-sharing evaluator train, evaluate the round's candidates (in
// parallel where allowed), commit each trial, tell the strategy, checkpoint;
// until the budget is spent, the strategy is done or a stop is requested.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "automl/experiment/experiment.hpp"
#include "automl/run/components.hpp"
#include "automl/run/fidelity.hpp"
#include "automl/run/results_store.hpp"

namespace automl {

class Registry;

struct RunSummary {
  std::filesystem::path run_dir;
  std::int64_t trials_ok = 0;
  std::int64_t trials_failed = 0;
  std::int64_t trials_pending = 0;
  std::optional<TrialRecord> best;
  std::optional<FinalRecord> final_best;  ///< the [final] stage's winner, when it ran
  std::vector<FinalRecord> final_random;  ///< its random architectures ([final] random)
  std::optional<Fidelity> fidelity;       ///< scores against the [reference]'s, when the experiment has one
  std::string stop_reason;  ///< "trial budget", "time budget", "strategy finished", "interrupted"
  std::filesystem::path report_txt;   ///< RUN_DIR/report.txt, written when the run ends
  std::filesystem::path report_html;  ///< RUN_DIR/report.html (automl/run/run_page.hpp)
};

struct RunControl {
  const std::atomic<bool>* stop = nullptr;  ///< set asynchronously to stop cleanly
  bool progress_line = false;               ///< redraw a progress line on stderr
};

/// Starts a new run of `experiment` in a fresh directory under its output
/// dir. `components` are build_components(experiment, registry): built (and
/// so checked) before the directory exists, then used by the run. The
/// registry names plugin versions in the resolved experiment.
RunSummary start_run(const Experiment& experiment, const Registry& registry, Components components,
                     const RunControl& control);
/// The same in the given directory, which must not hold a results database.
RunSummary start_run_in(const Experiment& experiment, const Registry& registry, Components components,
                        const std::filesystem::path& run_dir, const RunControl& control);
/// A fresh run directory holding the experiment and nothing run yet (a run
/// that is one Slurm job: automl/run/run_job.hpp).
std::filesystem::path create_run(const Experiment& experiment, const Registry& registry);
/// The experiment a run directory was started with (its resolved form).
/// `overrides` may only change [experiment] budget_trials and budget_seconds.
Experiment load_run_experiment(const std::filesystem::path& run_dir,
                               const std::vector<std::string>& overrides);
/// Continues a run from its directory with freshly built `components` of its
/// experiment: restores the strategy and evaluator state and evaluates what
/// was asked but not finished; nothing finished is redone.
RunSummary resume_run(const std::filesystem::path& run_dir, const Experiment& experiment, Components components,
                      const RunControl& control);

}  // namespace automl
