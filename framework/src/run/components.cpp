// Building an experiment's components from the registry, each with its own
// context: derived seed, threads, device and the components built before it.

#include "automl/run/components.hpp"

#include <algorithm>
#include <string>

#include "automl/host/registry.hpp"
#include "automl/devices.hpp"
#include "automl/parallel.hpp"
#include "automl/text.hpp"

namespace automl {

namespace {

ConfigError unseen_device(const Experiment& exp, const char* key, const std::string& device, int available) {
  return ConfigError(exp.experiment_section.where(key),
                     std::string("[experiment] ") + key + " names \"" + device + "\" but LibTorch sees " +
                         std::to_string(available) + " CUDA device(s)" +
                         (available == 0 ? " (a CPU-only build or no GPU)" : "") +
                         "; use \"cpu\" or build against a CUDA LibTorch (README: Running on GPUs)");
}

}  // namespace

std::vector<std::string> device_slots(const Experiment& exp) {
  const auto& o = exp.options;
  const char* key = o.device_key();
  std::vector<std::string> slots = o.device_list();
  const bool cuda = std::any_of(slots.begin(), slots.end(), [](const std::string& d) { return d != "cpu"; });
  if (!cuda) return slots;
  const int available = cuda_device_count();
  if (slots == std::vector<std::string>{"cuda"} && !o.devices.empty()) {
    if (available == 0) throw unseen_device(exp, key, "cuda", available);
    slots.clear();
    for (int i = 0; i < available; ++i) slots.push_back("cuda:" + std::to_string(i));
    return slots;
  }
  for (const auto& d : slots) {
    if (d == "cpu") continue;
    const int wanted = d == "cuda" ? 0 : std::stoi(d.substr(5));
    if (wanted >= available) throw unseen_device(exp, key, d, available);
  }
  return slots;
}

namespace {

Context base_context(const Experiment& exp) {
  Context ctx;
  ctx.threads = threads_per_trial(exp.options);
  ctx.device = exp.options.device_list().front();
  ctx.base_dir = exp.base_dir;
  return ctx;
}

std::uint64_t component_seed(const Experiment& exp, const char* component) {
  return derive_seed(static_cast<std::uint64_t>(exp.options.seed), component);
}

// Builds one component. Whatever goes wrong while it is built was caused by
// its table: an error without a place is placed at the key it names, else at
// the table's `type`, and becomes a configuration error (exit code 2).
template <class I>
std::unique_ptr<I> make(const Registry& registry, const ComponentSpec& spec, const Context& ctx) {
  const std::string table = "[" + spec.section.name() + "] type = \"" + spec.type + "\": ";
  try {
    return registry.make<I>(spec.type, spec.section, ctx, spec.type_where);
  } catch (const ConfigError& e) {
    if (e.located()) throw;
    if (!e.key().empty()) throw ConfigError(spec.section.where(e.key()), e.what());
    throw ConfigError(spec.type_where, table + e.what());
  } catch (const UsageError&) {
    throw;
  } catch (const Error& e) {
    throw ConfigError(spec.type_where, table + e.what());
  } catch (const std::exception& e) {
    // Library errors (LibTorch's carry a backtrace after their first line).
    throw ConfigError(spec.type_where, table + printable(first_line(e.what()), 2000));
  }
}

}  // namespace

int threads_per_trial(const ExperimentOptions& o) { return std::max(1, o.threads / o.parallel_trials); }

std::unique_ptr<Dataset> build_dataset(const Experiment& exp, const Registry& registry) {
  if (!exp.dataset)
    throw ConfigError(Location{exp.file.string()}, "the experiment has no [dataset] table");
  Context ctx = base_context(exp);
  ctx.seed = component_seed(exp, "dataset");
  return make<Dataset>(registry, *exp.dataset, ctx);
}

std::unique_ptr<SearchSpace> build_search_space(const Experiment& exp, const Registry& registry) {
  Context ctx = base_context(exp);
  ctx.seed = component_seed(exp, "search_space");
  return make<SearchSpace>(registry, exp.search_space, ctx);
}

namespace {

// Every component, or (`search` false) only those a trial's evaluation
// needs: the dataset, the search space and the evaluator. Each gets the same
// derived seed either way.
Components build(const Experiment& exp, const Registry& registry, bool search) {
  // A trial process checks only the device it is given (in a Slurm task,
  // the host's numbering of devices is not the task's).
  const auto slots = search ? device_slots(exp) : exp.options.device_list();
  if (std::any_of(slots.begin(), slots.end(), [](const std::string& d) { return d != "cpu"; }))
    configure_cudnn(exp.options.deterministic);
  Context ctx = base_context(exp);
  Components c;
  if (exp.dataset) {
    c.dataset = build_dataset(exp, registry);
    ctx.dataset = c.dataset.get();
    ctx.dataset_type = exp.dataset->type;
    ctx.dataset_options =
        resolve_fields(registry.find(Kind::dataset, exp.dataset->type, exp.dataset->type_where).doc.fields,
                       exp.dataset->section);
  }
  ctx.seed = component_seed(exp, "search_space");
  c.space = make<SearchSpace>(registry, exp.search_space, ctx);
  ctx.space = c.space.get();
  if (search) {
    ctx.seed = component_seed(exp, "strategy");
    c.strategy = make<Strategy>(registry, exp.strategy, ctx);
  }
  ctx.seed = component_seed(exp, "evaluator");
  c.evaluator = make<Evaluator>(registry, exp.evaluator, ctx);
  if (exp.launcher.type == "process" && c.evaluator->trials_share_state())
    throw ConfigError(exp.launcher_section.where("type"),
                      "[launcher] type = \"process\": evaluator '" + exp.evaluator.type +
                          "' trains one supernet in one process, so its trials cannot run as processes of their "
                          "own. Use type = \"local\" (or \"slurm\", where the whole run is one job)");
  if (!search) return c;
  if (exp.reference) {
    ctx.seed = component_seed(exp, "reference");
    c.reference_evaluator = make<Evaluator>(registry, *exp.reference, ctx);
  }
  if (exp.final_stage) {
    ctx.seed = component_seed(exp, "final");
    c.final_evaluator = make<Evaluator>(registry, *exp.final_stage, ctx);
  }
  return c;
}

}  // namespace

Components build_components(const Experiment& exp, const Registry& registry) { return build(exp, registry, true); }

Components build_trial_components(const Experiment& exp, const Registry& registry) {
  return build(exp, registry, false);
}

}  // namespace automl
