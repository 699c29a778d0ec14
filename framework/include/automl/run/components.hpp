#pragma once
// The components of an experiment, built once per command: building them is
// also the experiment's check (every plugin validates its keys and opens its
// data when it is constructed), and the run uses the same objects.

#include <memory>
#include <string>
#include <vector>

#include "automl/experiment/experiment.hpp"

namespace automl {

class Registry;

/// Built in order (dataset, search space, strategy, evaluator, [reference]
/// and [final] evaluators), each with its own context and derived seed; each later one
/// sees the earlier ones through its Context.
struct Components {
  std::unique_ptr<Dataset> dataset;
  std::unique_ptr<SearchSpace> space;
  std::unique_ptr<Strategy> strategy;
  std::unique_ptr<Evaluator> evaluator;
  std::unique_ptr<Evaluator> reference_evaluator;  ///< the [reference]'s, when the experiment has one
  std::unique_ptr<Evaluator> final_evaluator;  ///< the [final] stage's, when the experiment has one
};

/// Builds every component of `experiment` (`automl check` does only this).
/// ConfigError on the first problem; nothing is written.
Components build_components(const Experiment& experiment, const Registry& registry);
/// Only what evaluating one trial needs: the dataset, search space and
/// evaluator, built exactly as build_components() builds them (`automl trial`).
Components build_trial_components(const Experiment& experiment, const Registry& registry);
/// Only the [search_space] of an experiment, without its dataset (drawing a
/// run's architectures).
std::unique_ptr<SearchSpace> build_search_space(const Experiment& experiment, const Registry& registry);
/// Only the [dataset] of an experiment (automl data); ConfigError when it has none.
std::unique_ptr<Dataset> build_dataset(const Experiment& experiment, const Registry& registry);

/// The device slots of a run: [experiment] devices as given, ["cuda"]
/// expanded to every visible CUDA device ("cuda:0", "cuda:1", ...), or
/// [device] when devices is empty. Parallel trial slot k runs on slot
/// k % size; the evaluators are built on the first. ConfigError, placed at
/// the key, when a CUDA device is named that LibTorch does not see.
std::vector<std::string> device_slots(const Experiment& experiment);

/// Intra-op threads of one trial: the experiment's threads shared by its
/// parallel trials.
int threads_per_trial(const ExperimentOptions& options);

}  // namespace automl
