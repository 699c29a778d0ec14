#include "automl/host/run_loop.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <cmath>
#include <mutex>
#include <set>

#include <fmt/format.h>

#include "automl/host/logging.hpp"
#include "automl/host/progress.hpp"
#include "automl/host/registry.hpp"
#include "automl/host/text.hpp"
#include "automl/log.hpp"
#include "automl/parallel.hpp"

namespace automl {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

int threads_per_trial(const ExperimentOptions& o) { return std::max(1, o.threads / o.parallel_trials); }

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

}  // namespace

namespace {

Context base_context(const Experiment& exp) {
  Context ctx;
  ctx.threads = threads_per_trial(exp.options);
  ctx.device = exp.options.device;
  ctx.base_dir = exp.base_dir;
  return ctx;
}

}  // namespace

std::unique_ptr<Dataset> build_dataset(const Experiment& exp, const Registry& registry) {
  if (!exp.dataset)
    throw ConfigError(Location{exp.file.string()}, "the experiment has no [dataset] table");
  Context ctx = base_context(exp);
  ctx.seed = derive_seed(static_cast<std::uint64_t>(exp.options.seed), "dataset");
  return registry.make<Dataset>(exp.dataset->type, exp.dataset->section, ctx, exp.dataset->type_where);
}

Components build_components(const Experiment& exp, const Registry& registry) {
  check_device(exp);
  Context ctx = base_context(exp);
  const auto seed = static_cast<std::uint64_t>(exp.options.seed);
  Components c;
  if (exp.dataset) {
    c.dataset = build_dataset(exp, registry);
    ctx.dataset = c.dataset.get();
  }
  ctx.seed = derive_seed(seed, "search_space");
  c.space = registry.make<SearchSpace>(exp.search_space.type, exp.search_space.section, ctx,
                                       exp.search_space.type_where);
  ctx.space = c.space.get();
  ctx.seed = derive_seed(seed, "strategy");
  c.strategy = registry.make<Strategy>(exp.strategy.type, exp.strategy.section, ctx, exp.strategy.type_where);
  ctx.seed = derive_seed(seed, "evaluator");
  c.evaluator = registry.make<Evaluator>(exp.evaluator.type, exp.evaluator.section, ctx, exp.evaluator.type_where);
  if (exp.final_stage) {
    ctx.seed = derive_seed(seed, "final");
    c.final_evaluator = registry.make<Evaluator>(exp.final_stage->type, exp.final_stage->section, ctx,
                                                 exp.final_stage->type_where);
  }
  return c;
}

namespace {

std::string save_state(const std::string& tag, const std::function<void(StateWriter&)>& save) {
  StateWriter w;
  w.put_string(tag);
  save(w);
  return w.bytes();
}

void load_state(const std::string& tag, const std::string& bytes, const std::function<void(StateReader&)>& load) {
  StateReader r(bytes, tag);
  if (r.get_string() != tag) throw DataError("saved state was written by another plugin than " + tag);
  load(r);
  if (!r.at_end()) throw DataError("saved state of " + tag + " has unread bytes; was the plugin changed?");
}

class Runner {
 public:
  Runner(const Experiment& exp, const Registry& registry, fs::path run_dir, std::unique_ptr<ResultsStore> store,
         const RunControl& control)
      : exp_(exp), c_(build_components(exp, registry)), run_dir_(std::move(run_dir)), store_(std::move(store)),
        control_(control), strategy_tag_("strategy '" + exp.strategy.type + "'"),
        evaluator_tag_("evaluator '" + exp.evaluator.type + "'") {}

  RunSummary run(bool resume) {
    set_torch_threads(threads_per_trial(exp_.options));
    RunLog run_log(run_dir_ / "log.txt", !control_.progress_line);
    if (exp_.options.threads > available_cores())
      log_warning(fmt::format("[experiment] threads = {} exceeds the {} cores here; threads will compete",
                              exp_.options.threads, available_cores()));
    std::int64_t batch = 0;
    if (resume) batch = restore();
    const auto trials = store_->trials();
    trials_total_ = static_cast<std::int64_t>(trials.size());
    for (const auto& t : trials) note_best(t);
    Progress progress(control_.progress_line, exp_.options.budget_trials, exp_.options.budget_seconds,
                      done_count(trials));
    progress_ = &progress;
    const auto checkpoint = store_->checkpoint();
    std::string reason;
    if (checkpoint && !checkpoint->told && !process_batch(checkpoint->batch, checkpoint->evaluator_prepared))
      reason = stop_reason();
    while (reason.empty()) {
      reason = stop_reason();
      if (!reason.empty()) break;
      AskContext ask;
      ask.suggested = static_cast<std::size_t>(exp_.options.parallel_trials);
      ask.remaining = exp_.options.budget_trials > 0 ? exp_.options.budget_trials - trials_total_ : -1;
      ask.scores_drift = c_.evaluator->scores_drift();
      const auto candidates = c_.strategy->ask(ask);
      if (candidates.empty()) {
        reason = "strategy finished";
        break;
      }
      begin_batch(batch, candidates);
      if (!process_batch(batch, false)) reason = stop_reason();
      ++batch;
    }
    progress.clear();
    progress_ = nullptr;
    if (c_.final_evaluator && reason != "interrupted" && !run_final()) reason = "interrupted";
    save_elapsed();
    store_->set_meta("stop_reason", reason);
    return summary(reason);
  }

 private:
  std::int64_t restore() {
    const auto ck = store_->checkpoint();
    elapsed_before_ = std::stod(store_->meta("elapsed_s").value_or("0"));
    if (!ck) return 0;
    load_state(strategy_tag_, ck->strategy, [&](StateReader& r) { c_.strategy->load(r); });
    if (!ck->evaluator.empty())
      load_state(evaluator_tag_, ck->evaluator, [&](StateReader& r) { c_.evaluator->load(r); });
    log_info(fmt::format("resuming {} after batch {}{}", run_dir_.string(), ck->batch,
                         ck->told ? "" : " (finishing its pending trials first)"));
    return ck->batch + 1;
  }

  static std::int64_t done_count(const std::vector<TrialRecord>& trials) {
    return std::count_if(trials.begin(), trials.end(),
                         [](const TrialRecord& t) { return t.status != TrialStatus::pending; });
  }

  double elapsed_s() const {
    return elapsed_before_ + std::chrono::duration<double>(Clock::now() - start_).count();
  }
  void save_elapsed() { store_->set_meta("elapsed_s", fmt::format("{:.3f}", elapsed_s())); }

  std::string stop_reason() const {
    if (control_.stop && control_.stop->load()) return "interrupted";
    const auto& o = exp_.options;
    if (o.budget_seconds > 0 && elapsed_s() >= o.budget_seconds) return "time budget";
    if (o.budget_trials > 0 && trials_total_ >= o.budget_trials) return "trial budget";
    return "";
  }

  void begin_batch(std::int64_t batch, std::vector<Architecture> candidates) {
    const auto& o = exp_.options;
    if (o.budget_trials > 0)
      candidates.resize(std::min<std::size_t>(candidates.size(), o.budget_trials - trials_total_));
    std::vector<TrialRecord> records;
    for (const auto& arch : candidates)
      records.push_back(new_trial(batch, arch, trials_total_ + static_cast<std::int64_t>(records.size())));
    const std::string state = save_state(strategy_tag_, [&](StateWriter& w) { c_.strategy->save(w); });
    store_->begin_batch(batch, records, state);
    trials_total_ += static_cast<std::int64_t>(records.size());
  }

  TrialRecord new_trial(std::int64_t batch, const Architecture& arch, std::int64_t id) {
    const std::string reason = c_.space->invalid_reason(arch);
    if (!reason.empty())
      throw Error(strategy_tag_ + " proposed an invalid architecture: " + reason + ". This is a bug in the strategy.");
    TrialRecord t;
    t.id = id;
    t.batch = batch;
    t.arch = c_.space->to_text(arch);
    if (c_.space->parse(t.arch) != arch)
      throw Error("search space '" + exp_.search_space.type + "': text form '" + t.arch +
                  "' does not parse back to the same architecture. This is a bug in the search space.");
    t.seed = derive_seed(static_cast<std::uint64_t>(exp_.options.seed), "trial", static_cast<std::uint64_t>(t.id));
    return t;
  }

  // Evaluates the batch's pending trials; tells the strategy once all are
  // done. Returns false when a stop left some pending.
  bool process_batch(std::int64_t batch, bool prepared) {
    if (!prepared) prepare(batch);
    auto trials = store_->trials(batch);
    std::vector<TrialRecord*> pending;
    for (auto& t : trials)
      if (t.status == TrialStatus::pending) pending.push_back(&t);
    const int workers = c_.evaluator->concurrent() ? exp_.options.parallel_trials : 1;
    parallel_for(pending.size(), workers, [&](std::size_t i) {
      if (stop_reason_within_batch()) return;
      run_trial(*pending[i]);
    });
    for (const auto& t : trials)
      if (t.status == TrialStatus::pending) return false;
    std::vector<Observation> observations;
    for (const auto& t : trials)
      observations.push_back({c_.space->parse(t.arch), t.status == TrialStatus::ok, t.score});
    c_.strategy->tell(observations);
    const auto diagnostics = c_.strategy->diagnostics();
    store_->end_batch(batch, save_state(strategy_tag_, [&](StateWriter& w) { c_.strategy->save(w); }),
                      save_state(evaluator_tag_, [&](StateWriter& w) { c_.evaluator->save(w); }), diagnostics);
    log_diagnostics(batch, diagnostics);
    save_elapsed();
    return true;
  }

  void log_diagnostics(std::int64_t batch, const std::map<std::string, double>& diagnostics) {
    if (diagnostics.empty()) return;
    std::string line;
    for (const auto& [k, v] : diagnostics) line += fmt::format(" {}={:.4g}", k, v);
    if (progress_) progress_->clear();
    log_info(fmt::format("batch {} {}:{}", batch, strategy_tag_, line));
  }

  bool stop_reason_within_batch() const {
    if (control_.stop && control_.stop->load()) return true;
    return exp_.options.budget_seconds > 0 && elapsed_s() >= exp_.options.budget_seconds;
  }

  void prepare(std::int64_t batch) {
    RoundContext round;
    round.round = static_cast<std::uint64_t>(batch);
    round.seed = derive_seed(static_cast<std::uint64_t>(exp_.options.seed), "round", round.round);
    round.sampler = c_.strategy->training_sampler();
    if (!round.sampler) {
      const SearchSpace* space = c_.space.get();
      round.sampler = [space](Random& rng) { return space->sample(rng); };
    }
    round.checkpoint = [&] {
      store_->prepared(batch, save_state(evaluator_tag_, [&](StateWriter& w) { c_.evaluator->save(w); }), false);
    };
    round.stop = [&] { return control_.stop && control_.stop->load(); };
    c_.evaluator->prepare_round(round);
    if (round.stop()) return;
    store_->prepared(batch, save_state(evaluator_tag_, [&](StateWriter& w) { c_.evaluator->save(w); }));
  }

  // The [final] stage: the search's top_k distinct candidates by score,
  // re-evaluated by the final evaluator; each committed as it finishes, so a
  // resumed run evaluates only the missing ones. False when stopped.
  bool run_final() {
    std::vector<TrialRecord> ranked;
    for (auto& t : store_->trials())
      if (t.status == TrialStatus::ok && std::isfinite(t.score)) ranked.push_back(std::move(t));
    std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.score > b.score; });
    std::vector<TrialRecord> top;
    for (const auto& t : ranked) {
      if (static_cast<int>(top.size()) == exp_.final_top_k) break;
      if (std::none_of(top.begin(), top.end(), [&](const auto& o) { return o.arch == t.arch; })) top.push_back(t);
    }
    std::set<std::int64_t> done;
    for (const auto& f : store_->finals())
      if (f.trial.status != TrialStatus::pending) done.insert(f.trial.id);
    log_info(fmt::format("final stage: {} candidates with evaluator '{}'", top.size(), exp_.final_stage->type));
    for (std::size_t rank = 0; rank < top.size(); ++rank) {
      if (done.count(static_cast<std::int64_t>(rank))) continue;
      if (control_.stop && control_.stop->load()) return false;
      TrialRecord f = top[rank];
      const double search_score = f.score;
      f.id = static_cast<std::int64_t>(rank);
      f.seed = derive_seed(static_cast<std::uint64_t>(exp_.options.seed), "final", rank);
      f.metrics.clear();
      evaluate_into(*c_.final_evaluator, f, exp_.options.threads);
      store_->add_final(f, search_score);
      log_info(fmt::format("final #{} search {:.4f} -> final {} {}", rank, search_score,
                           f.status == TrialStatus::ok ? fmt::format("{:.4f}", f.score) : "failed: " + f.error, f.arch));
    }
    return true;
  }

  void run_trial(TrialRecord& t) {
    evaluate_into(*c_.evaluator, t, threads_per_trial(exp_.options));
    t.elapsed_s = elapsed_s();
    store_->finish_trial(t);
    report(t);
  }

  // Evaluates t.arch into t's status, score, metrics, error and times.
  void evaluate_into(Evaluator& evaluator, TrialRecord& t, int threads) {
    const auto start = Clock::now();
    try {
      const TrialContext ctx{static_cast<std::uint64_t>(t.id), t.seed, threads};
      TrialResult result = evaluator.evaluate(c_.space->parse(t.arch), ctx);
      t.metrics = std::move(result.metrics);
      t.score = result.score;
      t.status = std::isfinite(result.score) ? TrialStatus::ok : TrialStatus::failed;
      if (t.status == TrialStatus::failed)
        t.error = fmt::format("evaluator returned a non-finite score ({})", result.score);
    } catch (const std::exception& e) {
      t.status = TrialStatus::failed;
      t.error = e.what();
    }
    t.wall_s = std::chrono::duration<double>(Clock::now() - start).count();
    t.finished_at = utc_now();
  }

  void note_best(const TrialRecord& t) {
    if (t.status == TrialStatus::ok && (!best_ || t.score > best_->score)) best_ = t;
    if (t.status != TrialStatus::pending) ++done_;
  }

  void report(const TrialRecord& t) {
    std::lock_guard<std::mutex> lock(report_mutex_);
    note_best(t);
    const std::string outcome = t.status == TrialStatus::ok ? fmt::format("score {:.4f}", t.score)
                                                            : "FAILED: " + t.error;
    log_trial(fmt::format("trial {} {} {} ({:.2f} s)", t.id, outcome, t.arch, t.wall_s));
    if (progress_) progress_->update(done_, best_ ? std::optional<double>(best_->score) : std::nullopt);
  }

  RunSummary summary(const std::string& reason) const {
    RunSummary s;
    s.run_dir = run_dir_;
    s.stop_reason = reason;
    s.best = best_;
    for (const auto& f : store_->finals())
      if (f.trial.status == TrialStatus::ok && (!s.final_best || f.trial.score > s.final_best->trial.score))
        s.final_best = f;
    for (const auto& t : store_->trials()) {
      if (t.status == TrialStatus::ok) ++s.trials_ok;
      else if (t.status == TrialStatus::failed) ++s.trials_failed;
      else ++s.trials_pending;
    }
    return s;
  }

  const Experiment& exp_;
  Components c_;
  fs::path run_dir_;
  std::unique_ptr<ResultsStore> store_;
  RunControl control_;
  std::string strategy_tag_;
  std::string evaluator_tag_;
  Clock::time_point start_ = Clock::now();
  double elapsed_before_ = 0;
  std::int64_t trials_total_ = 0;
  std::int64_t done_ = 0;
  std::optional<TrialRecord> best_;
  std::mutex report_mutex_;
  Progress* progress_ = nullptr;
};

fs::path fresh_run_dir(const Experiment& exp) {
  const fs::path output = fs::absolute(exp.options.output_dir);
  fs::path dir = output / exp.options.name;
  for (int n = 2; fs::exists(dir); ++n) dir = output / (exp.options.name + "-" + std::to_string(n));
  return dir;
}

}  // namespace

void check_experiment(const Experiment& experiment, const Registry& registry) {
  build_components(experiment, registry);
}

RunSummary start_run(const Experiment& exp, const Registry& registry, const RunControl& control) {
  // Build first: a configuration error must not leave an empty run directory.
  check_experiment(exp, registry);
  return start_run_in(exp, registry, fresh_run_dir(exp), control);
}

RunSummary start_run_in(const Experiment& exp, const Registry& registry, const fs::path& dir,
                        const RunControl& control) {
  fs::create_directories(dir);
  auto store = ResultsStore::create(dir / "results.db");
  const std::string resolved = resolved_toml(exp, registry);
  store->set_meta("experiment", resolved);
  store->set_meta("base_dir", exp.base_dir.string());
  store->set_meta("experiment_file", exp.file.string());
  store->set_meta("created_at", utc_now());
  {
    std::ofstream out(dir / "resolved.toml");
    out << resolved;
  }
  log_info("run directory: " + dir.string());
  return Runner(exp, registry, dir, std::move(store), control).run(false);
}

Experiment load_run_experiment(const fs::path& run_dir, const std::vector<std::string>& overrides) {
  for (const auto& o : overrides) {
    const std::string key = o.substr(0, o.find('='));
    if (key != "experiment.budget_trials" && key != "experiment.budget_seconds")
      throw UsageError("resume accepts --set only for experiment.budget_trials and experiment.budget_seconds, not '" +
                       key + "': the rest of a run is fixed when it starts");
  }
  auto store = ResultsStore::open(run_dir / "results.db");
  const auto text = store->meta("experiment");
  const auto base = store->meta("base_dir");
  if (!text || !base) throw DataError(run_dir.string() + "/results.db holds no experiment: it was never started");
  return parse_experiment(*text, (run_dir / "results.db").string() + " (resolved experiment)", *base, overrides);
}

RunSummary resume_run(const fs::path& run_dir, const Experiment& exp, const Registry& registry,
                      const RunControl& control) {
  auto store = ResultsStore::open(run_dir / "results.db");
  return Runner(exp, registry, run_dir, std::move(store), control).run(true);
}

}  // namespace automl
