// Building an experiment's components from the registry, each with its own
// context: derived seed, threads, device and the components built before it.

#include "automl/run/components.hpp"

#include <algorithm>
#include <string>

#include "automl/host/registry.hpp"
#include "automl/parallel.hpp"

namespace automl {

namespace {

void check_device(const Experiment& exp) {
  const std::string& device = exp.options.device;
  if (device == "cpu") return;
  const int available = cuda_device_count();
  const int wanted = device == "cuda" ? 0 : std::stoi(device.substr(5));
  if (wanted >= available)
    throw ConfigError(exp.experiment_section.where("device"),
                      "[experiment] device = \"" + device + "\" but LibTorch sees " + std::to_string(available) +
                          " CUDA device(s)" + (available == 0 ? " (a CPU-only build or no GPU)" : "") +
                          "; use device = \"cpu\" or build against a CUDA LibTorch (-DTorch_DIR=...)");
}

Context base_context(const Experiment& exp) {
  Context ctx;
  ctx.threads = threads_per_trial(exp.options);
  ctx.device = exp.options.device;
  ctx.base_dir = exp.base_dir;
  return ctx;
}

std::uint64_t component_seed(const Experiment& exp, const char* component) {
  return derive_seed(static_cast<std::uint64_t>(exp.options.seed), component);
}

}  // namespace

int threads_per_trial(const ExperimentOptions& o) { return std::max(1, o.threads / o.parallel_trials); }

std::unique_ptr<Dataset> build_dataset(const Experiment& exp, const Registry& registry) {
  if (!exp.dataset)
    throw ConfigError(Location{exp.file.string()}, "the experiment has no [dataset] table");
  Context ctx = base_context(exp);
  ctx.seed = component_seed(exp, "dataset");
  return registry.make<Dataset>(exp.dataset->type, exp.dataset->section, ctx, exp.dataset->type_where);
}

Components build_components(const Experiment& exp, const Registry& registry) {
  check_device(exp);
  Context ctx = base_context(exp);
  Components c;
  if (exp.dataset) {
    c.dataset = build_dataset(exp, registry);
    ctx.dataset = c.dataset.get();
  }
  ctx.seed = component_seed(exp, "search_space");
  c.space = registry.make<SearchSpace>(exp.search_space.type, exp.search_space.section, ctx,
                                       exp.search_space.type_where);
  ctx.space = c.space.get();
  ctx.seed = component_seed(exp, "strategy");
  c.strategy = registry.make<Strategy>(exp.strategy.type, exp.strategy.section, ctx, exp.strategy.type_where);
  ctx.seed = component_seed(exp, "evaluator");
  c.evaluator = registry.make<Evaluator>(exp.evaluator.type, exp.evaluator.section, ctx, exp.evaluator.type_where);
  if (exp.final_stage) {
    ctx.seed = component_seed(exp, "final");
    c.final_evaluator = registry.make<Evaluator>(exp.final_stage->type, exp.final_stage->section, ctx,
                                                 exp.final_stage->type_where);
  }
  return c;
}

}  // namespace automl
