// The run loop (Runner): rounds of ask, prepare, evaluate, tell and
// checkpoint; the [final] stage; starting, loading and resuming runs.

#include "automl/run/run_loop.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <cmath>
#include <map>
#include <mutex>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "automl/host/logging.hpp"
#include "automl/log.hpp"
#include "automl/parallel.hpp"
#include "automl/run/components.hpp"
#include "automl/random.hpp"
#include "automl/run/fidelity.hpp"
#include "automl/run/launcher.hpp"
#include "automl/run/progress.hpp"
#include "automl/run/report.hpp"
#include "automl/run/run_page.hpp"
#include "automl/run/run_lock.hpp"
#include "automl/run/trial_task.hpp"
#include "automl/text.hpp"
#include "trial_plan.hpp"

namespace automl {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// The stop reason of a run that is running, or was killed before it could say.
constexpr const char* kRunning = "running or killed";

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
  Runner(const Experiment& exp, Components components, fs::path run_dir, std::unique_ptr<ResultsStore> store,
         const RunControl& control)
      : exp_(exp), c_(std::move(components)), run_dir_(std::move(run_dir)), store_(std::move(store)),
        control_(control), strategy_tag_("strategy '" + exp.strategy.type + "'"),
        evaluator_tag_("evaluator '" + exp.evaluator.type + "'"), slots_(device_slots(exp)) {}

  RunSummary run(bool resume) {
    set_torch_threads(threads_per_trial(exp_.options));
    RunLog run_log(run_dir_ / "log.txt", !control_.progress_line);
    if (exp_.options.threads > available_cores())
      log_warning(fmt::format("[experiment] threads = {} exceeds the {} cores here; threads will compete",
                              exp_.options.threads, available_cores()));
    if (exp_.launcher.type == "slurm" && c_.evaluator->trials_share_state())
      throw ConfigError(exp_.launcher_section.where("type"),
                        "evaluator '" + exp_.evaluator.type + "' trains one supernet in one process, so this run is "
                        "one Slurm job as a whole: `automl run` submits it and `automl resume` re-attaches to it");
    launcher_ = make_launcher(exp_.launcher, run_dir_, *store_, threads_per_trial(exp_.options),
                              exp_.options.parallel_trials, exp_.options.name, slots_);
    if (launcher_) {
      write_launch_experiment(run_dir_, store_->meta("experiment").value_or(""), store_->meta("base_dir").value_or(""));
      log_info(fmt::format("trials run through the {} launcher (`automl trial`); their output: {}", exp_.launcher.type,
                           launch_dir(run_dir_).string()));
    }
    log_devices();
    fidelities_ = c_.evaluator->fidelities();
    if (exp_.options.budget_fidelity > 0 && !fidelities_)
      throw ConfigError::for_key("budget_fidelity",
                                 "[experiment] budget_fidelity counts the fidelity trials spend, but evaluator '" +
                                     exp_.evaluator.type +
                                     "' evaluates at one fidelity only; use budget_trials or an evaluator with "
                                     "fidelities (tabular)");
    const std::int64_t next_round = resume ? restore() : 0;
    const auto trials = store_->trials();
    trials_total_ = static_cast<std::int64_t>(trials.size());
    for (const auto& t : trials) note_best(t), fidelity_total_ += t.fidelity;
    Progress progress(control_.progress_line, exp_.options.budget_trials, exp_.options.budget_seconds,
                      done_count(trials));
    progress_ = &progress;
    store_->set_meta("stop_reason", kRunning);
    std::string reason;
    try {
      reason = search(next_round);
      progress.clear();
      progress_ = nullptr;
      if (c_.final_evaluator && reason != "interrupted" && !run_final()) reason = "interrupted";
    } catch (const std::exception& e) {
      // Recorded, so that `automl show` says why the run stopped.
      progress.clear();
      progress_ = nullptr;
      save_elapsed();
      store_->set_meta("stop_reason", "error: " + printable(e.what(), 2000));
      try {
        write_reports();
      } catch (const std::exception& report_error) {
        log_warning(std::string("could not write the run's reports: ") + report_error.what());
      }
      throw;
    }
    save_elapsed();
    store_->set_meta("stop_reason", reason);
    RunSummary s = summary(reason);
    std::tie(s.report_txt, s.report_html) = write_reports();
    return s;
  }

 private:
  std::int64_t restore() {
    const auto ck = store_->checkpoint();
    elapsed_before_ = std::stod(store_->meta("elapsed_s").value_or("0"));
    if (!ck) return 0;
    load_state(strategy_tag_, ck->strategy, [&](StateReader& r) { c_.strategy->load(r); });
    if (!ck->evaluator.empty())
      load_state(evaluator_tag_, ck->evaluator, [&](StateReader& r) { c_.evaluator->load(r); });
    log_info(fmt::format("resuming {} after round {}{}", run_dir_.string(), ck->round,
                         ck->told ? "" : " (finishing its pending trials first)"));
    return ck->round + 1;
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
    if (stop_requested()) return "interrupted";
    const auto& o = exp_.options;
    if (o.budget_seconds > 0 && elapsed_s() >= o.budget_seconds) return "time budget";
    if (o.budget_trials > 0 && trials_total_ >= o.budget_trials) return "trial budget";
    if (o.budget_fidelity > 0 && fidelity_total_ >= o.budget_fidelity) return "fidelity budget";
    return "";
  }

  // Finishes the round a stop left pending, then runs rounds from `round` on
  // until there is a reason to stop, which it returns.
  std::string search(std::int64_t round) {
    const auto checkpoint = store_->checkpoint();
    if (checkpoint && !checkpoint->told)
      process_round(checkpoint->round, checkpoint->evaluator_prepared, load_round(checkpoint->round));
    for (;; ++round) {
      const std::string reason = stop_reason();
      if (!reason.empty()) return reason;
      AskContext ask;
      ask.suggested = static_cast<std::size_t>(exp_.options.parallel_trials);
      ask.remaining = exp_.options.budget_trials > 0 ? exp_.options.budget_trials - trials_total_ : -1;
      ask.scores_drift = c_.evaluator->scores_drift();
      ask.fidelities = fidelities_;
      auto candidates = c_.strategy->ask(ask);
      if (candidates.empty()) return "strategy finished";
      const auto fidelity = budgets(candidates.size());
      auto records = begin_round(round, std::move(candidates), fidelity);
      if (records.empty()) return "fidelity budget";  // the next candidate would overspend it
      process_round(round, false, std::move(records));
    }
  }

  std::vector<double> budgets(std::size_t count) const {
    return detail::trial_fidelities(c_.strategy->fidelities(), count, fidelities_, strategy_tag_, exp_.evaluator.type);
  }

  // Records the round's candidates (cut to the trial and fidelity budgets)
  // as pending trials.
  std::vector<TrialRecord> begin_round(std::int64_t round, std::vector<Architecture> candidates,
                                       const std::vector<double>& fidelity) {
    const auto& o = exp_.options;
    if (o.budget_trials > 0)
      candidates.resize(std::min<std::size_t>(candidates.size(), o.budget_trials - trials_total_));
    if (o.budget_fidelity > 0) {
      double spent = fidelity_total_;
      std::size_t fit = 0;
      while (fit < candidates.size() && spent + fidelity[fit] <= o.budget_fidelity) spent += fidelity[fit++];
      candidates.resize(fit);
    }
    if (candidates.empty()) return {};
    std::vector<TrialRecord> records;
    for (auto& arch : candidates) {
      const std::size_t i = records.size();
      records.push_back(new_trial(round, std::move(arch), trials_total_ + static_cast<std::int64_t>(i)));
      records.back().fidelity = fidelity[i];
      fidelity_total_ += fidelity[i];
    }
    const std::string state = save_state(strategy_tag_, [&](StateWriter& w) { c_.strategy->save(w); });
    store_->begin_round(round, records, state);
    trials_total_ += static_cast<std::int64_t>(records.size());
    return records;
  }

  // A round's trials as stored (a resumed run), each architecture parsed once.
  std::vector<TrialRecord> load_round(std::int64_t round) const {
    auto trials = store_->trials(round);
    for (auto& t : trials) t.arch = c_.space->parse(t.arch_text);
    return trials;
  }

  TrialRecord new_trial(std::int64_t round, Architecture arch, std::int64_t id) {
    const std::string reason = c_.space->invalid_reason(arch);
    if (!reason.empty())
      throw Error(strategy_tag_ + " proposed an invalid architecture: " + reason + ". This is a bug in the strategy.");
    TrialRecord t;
    t.id = id;
    t.round = round;
    t.arch_text = c_.space->to_text(arch);
    if (c_.space->parse(t.arch_text) != arch)
      throw Error("search space '" + exp_.search_space.type + "': text form '" + t.arch_text +
                  "' does not parse back to the same architecture. This is a bug in the search space.");
    t.arch = std::move(arch);
    t.seed = derive_seed(static_cast<std::uint64_t>(exp_.options.seed), "trial", static_cast<std::uint64_t>(t.id));
    return t;
  }

  // Evaluates the round's pending trials; tells the strategy once all are
  // done. A stop may leave some pending (the round is then finished first
  // when the run resumes).
  void process_round(std::int64_t round, bool prepared, std::vector<TrialRecord> trials) {
    if (!prepared) prepare(round);
    std::vector<TrialRecord*> pending;
    for (auto& t : trials)
      if (t.status == TrialStatus::pending) pending.push_back(&t);
    if (launcher_) {
      launch(round, pending);
    } else {
      const int workers = c_.evaluator->concurrent() ? exp_.options.parallel_trials : 1;
      parallel_for_slots(pending.size(), workers, [&](std::size_t i, int slot) {
        if (stop_requested_within_round()) return;
        run_trial(*pending[i], slot);
      });
    }
    for (const auto& t : trials)
      if (t.status == TrialStatus::pending) return;
    std::vector<Observation> observations;
    for (auto& t : trials)
      observations.push_back({std::move(t.arch), t.status == TrialStatus::ok, t.score, t.fidelity});
    c_.strategy->tell(observations);
    const auto diagnostics = c_.strategy->diagnostics();
    store_->end_round(round, save_state(strategy_tag_, [&](StateWriter& w) { c_.strategy->save(w); }),
                      save_state(evaluator_tag_, [&](StateWriter& w) { c_.evaluator->save(w); }), diagnostics);
    log_diagnostics(round, diagnostics);
    save_elapsed();
  }

  void log_diagnostics(std::int64_t round, const std::map<std::string, double>& diagnostics) {
    if (diagnostics.empty()) return;
    std::string line;
    for (const auto& [k, v] : diagnostics) line += fmt::format(" {}={:.4g}", k, v);
    if (progress_) progress_->clear();
    log_info(fmt::format("round {} {}:{}", round, strategy_tag_, line));
  }

  bool stop_requested() const { return control_.stop && control_.stop->load(); }

  bool stop_requested_within_round() const {
    if (stop_requested()) return true;
    return exp_.options.budget_seconds > 0 && elapsed_s() >= exp_.options.budget_seconds;
  }

  void prepare(std::int64_t round) {
    RoundContext ctx;
    ctx.round = static_cast<std::uint64_t>(round);
    ctx.seed = derive_seed(static_cast<std::uint64_t>(exp_.options.seed), "round", ctx.round);
    ctx.sampler = c_.strategy->training_sampler();
    if (!ctx.sampler) {
      const SearchSpace* space = c_.space.get();
      ctx.sampler = [space](Random& rng) { return space->sample(rng); };
    }
    ctx.checkpoint = [&] {
      store_->prepared(round, save_state(evaluator_tag_, [&](StateWriter& w) { c_.evaluator->save(w); }), false);
    };
    ctx.stop = [&] { return stop_requested(); };
    c_.evaluator->prepare_round(ctx);
    if (ctx.stop()) return;
    store_->prepared(round, save_state(evaluator_tag_, [&](StateWriter& w) { c_.evaluator->save(w); }));
  }

  // The [final] stage: the search's top_k distinct candidates by score,
  // re-evaluated by the final evaluator; each committed as it finishes, so a
  // resumed run evaluates only the missing ones. False when stopped.
  bool run_final() {
    std::set<std::int64_t> done;
    for (const auto& f : store_->finals())
      if (f.trial.status != TrialStatus::pending) done.insert(f.trial.id);
    const auto candidates = final_candidates();
    log_info(fmt::format("final stage: {} candidates of {}{} with evaluator '{}'",
                         candidates.size() - static_cast<std::size_t>(exp_.final_random),
                         final_from_last_round() ? "the last round" : "all rounds",
                         exp_.final_random ? fmt::format(" and {} random architectures", exp_.final_random) : "",
                         exp_.final_stage->type));
    for (const auto& [candidate, search_score] : candidates) {
      if (done.count(candidate.id)) continue;
      if (stop_requested()) return false;
      TrialRecord f = candidate;
      f.arch = c_.space->parse(f.arch_text);
      evaluate_into(*c_.final_evaluator, f, exp_.options.threads, "final");
      if (f.status == TrialStatus::pending) return false;  // stopped: evaluated again on resume
      store_->add_final(f, search_score);
      const std::string what = f.id < 0 ? fmt::format("random #{}", -f.id) : fmt::format("#{} search {:.4f}", f.id, search_score);
      log_info(fmt::format("final {} -> final {} {}", what,
                           f.status == TrialStatus::ok ? fmt::format("{:.4f}", f.score) : "failed: " + f.error,
                           f.arch_text));
    }
    return true;
  }

  bool final_from_last_round() const {
    return exp_.final_select == "last_round" || (exp_.final_select == "auto" && c_.evaluator->scores_drift());
  }

  std::vector<std::pair<TrialRecord, double>> final_candidates() const {
    return detail::final_candidates(store_->trials(), final_from_last_round(), exp_.final_top_k, exp_.final_random,
                                    static_cast<std::uint64_t>(exp_.options.seed), *c_.space);
  }

  // One trial in this process, on the device of the worker slot it holds.
  void run_trial(TrialRecord& t, int slot) {
    const double asked = t.fidelity;
    TrialContext ctx = evaluation_context(*c_.evaluator, t, threads_per_trial(exp_.options), "trials");
    ctx.device_slot = slot;
    ctx.device = slots_[static_cast<std::size_t>(slot) % slots_.size()];
    evaluate_trial(*c_.evaluator, t, ctx);
    commit_trial(t, asked, slots_.size() > 1 ? " on " + ctx.device + " (slot " + std::to_string(slot) + ")" : "");
  }

  // Where the trials run: said when there is a choice (several slots, or
  // more parallel trials than devices).
  void log_devices() const {
    if (launcher_ || (slots_.size() == 1 && slots_[0] == "cpu")) return;
    const int parallel = c_.evaluator->concurrent() ? exp_.options.parallel_trials : 1;
    const auto devices = static_cast<int>(slots_.size());
    std::string line = fmt::format("devices: {}", fmt::join(slots_, ", "));
    if (c_.evaluator->trials_share_state())
      line += fmt::format("; evaluator '{}' keeps its shared weights on {}", exp_.evaluator.type, slots_[0]);
    else if (parallel > devices)
      line += fmt::format("; {} parallel trials share {} device slot(s): up to {} trials at once on one device, "
                          "their kernels interleaving on it", parallel, devices, (parallel + devices - 1) / devices);
    else if (parallel < devices)
      line += fmt::format("; only {} of them in use: parallel_trials = {}", parallel, parallel);
    else
      line += "; one parallel trial on each";
    log_info(line);
  }

  // The round's pending trials through the launcher: each written as a task
  // (what evaluate_into would give the evaluator), run as `automl trial`,
  // and committed as its result comes back.
  void launch(std::int64_t round, const std::vector<TrialRecord*>& pending) {
    std::map<std::int64_t, std::pair<TrialRecord*, double>> by_id;  // trial, fidelity asked
    std::vector<std::int64_t> ids;
    for (TrialRecord* t : pending) {
      const TrialContext ctx = evaluation_context(*c_.evaluator, *t, threads_per_trial(exp_.options), "trials");
      TrialTask task;
      task.trial = t->id;
      task.round = round;
      task.arch_text = t->arch_text;
      task.seed = t->seed;
      task.threads = ctx.threads;
      task.fidelity = ctx.fidelity;
      task.previous_fidelity = ctx.previous_fidelity;
      task.previous_dir = ctx.previous_dir;
      task.dir = ctx.dir;
      write_trial_task(run_dir_, task);
      ids.push_back(t->id);
      by_id[t->id] = {t, t->fidelity};
    }
    LaunchStop stop;
    stop.no_more = [this] { return stop_requested_within_round(); };
    stop.interrupted = [this] { return stop_requested(); };
    launcher_->run(round, ids, [&](const LaunchOutcome& outcome) {
      auto& [t, asked] = by_id.at(outcome.trial);
      if (outcome.result) {
        const TrialRecord& r = *outcome.result;
        t->status = r.status;
        t->score = r.score;
        t->metrics = r.metrics;
        t->curve = r.curve;
        t->error = r.error;
        t->wall_s = r.wall_s;
        t->finished_at = r.finished_at;
        if (fidelities_ && r.status == TrialStatus::ok) t->fidelity = r.fidelity;
      } else {
        t->status = TrialStatus::failed;
        t->error = outcome.failure;
        t->finished_at = utc_now();
      }
      commit_trial(*t, asked);
    }, stop);
  }

  // Commits an evaluated trial: its cost, its [reference] score, the store and the log.
  void commit_trial(TrialRecord& t, double asked, const std::string& where = "") {
    if (t.fidelity != asked) {  // the evaluator spent another budget than asked (a table's nearest column)
      std::lock_guard<std::mutex> lock(report_mutex_);
      fidelity_total_ += t.fidelity - asked;
    }
    if (t.status == TrialStatus::pending) return;  // stopped: evaluated again on resume
    add_reference(t);
    t.elapsed_s = elapsed_s();
    store_->finish_trial(t);
    report(t, where);
  }

  // The [reference] evaluator's score of a successful trial, stored as the
  // metric "reference" and its metrics as "reference.<name>"; the strategy
  // never sees them. A failure is logged and leaves the trial without them.
  void add_reference(TrialRecord& t) {
    if (!c_.reference_evaluator || t.status != TrialStatus::ok) return;
    std::unique_lock<std::mutex> lock(reference_mutex_, std::defer_lock);
    if (!c_.reference_evaluator->concurrent()) lock.lock();
    try {
      const TrialContext ctx = trial_context(
          t.id, derive_seed(static_cast<std::uint64_t>(exp_.options.seed), "reference", static_cast<std::uint64_t>(t.id)),
          threads_per_trial(exp_.options), "reference");
      const TrialResult result = c_.reference_evaluator->evaluate(t.arch, ctx);
      if (!std::isfinite(result.score)) throw Error(fmt::format("a non-finite score ({})", result.score));
      for (const auto& [key, value] : result.metrics) t.metrics[kReferenceMetric + "." + key] = value;
      t.metrics[kReferenceMetric] = result.score;
    } catch (const TrialStopped&) {
      log_warning(fmt::format("trial {}: stopped before the [reference] evaluator finished; it has no reference score", t.id));
    } catch (const std::exception& e) {
      log_warning(fmt::format("trial {}: [reference] evaluator '{}' failed, the trial has no reference score: {}",
                              t.id, exp_.reference->type, printable(first_line(e.what()), 2000)));
    }
  }

  // What an evaluator gets for trial `id`: its seed, threads, a directory
  // of its own under `area` of the run directory, and the stop flag.
  TrialContext trial_context(std::int64_t id, std::uint64_t seed, int threads, const char* area) const {
    TrialContext ctx;
    ctx.trial = static_cast<std::uint64_t>(id);
    ctx.seed = seed;
    ctx.threads = threads;
    ctx.dir = run_dir_ / area / (id < 0 ? "random-" + std::to_string(-id) : std::to_string(id));
    ctx.stop = [this] { return stop_requested(); };
    return ctx;
  }

  // What `evaluator` gets for trial t: its context, the fidelity asked
  // (full for [final] and [reference]) and, for a promotion, the directory
  // and fidelity of the same architecture's latest lower-fidelity trial.
  TrialContext evaluation_context(const Evaluator& evaluator, const TrialRecord& t, int threads, const char* area) {
    TrialContext ctx = trial_context(t.id, t.seed, threads, area);
    const auto range = evaluator.fidelities();
    ctx.fidelity = t.fidelity > 0 ? t.fidelity : range ? range->max : 0.0;
    if (range && &evaluator == c_.evaluator.get()) {
      std::lock_guard<std::mutex> lock(report_mutex_);
      const auto it = lower_fidelity_.find(t.arch_text);
      if (it != lower_fidelity_.end() && it->second.first < ctx.fidelity) {
        ctx.previous_fidelity = it->second.first;
        ctx.previous_dir = trial_context(it->second.second, 0, threads, area).dir;
      }
    }
    return ctx;
  }

  // Evaluates t.arch into t's status, score, metrics, error and times; a
  // trial the evaluator gave up on when asked to stop stays pending.
  void evaluate_into(Evaluator& evaluator, TrialRecord& t, int threads, const char* area) {
    evaluate_trial(evaluator, t, evaluation_context(evaluator, t, threads, area));
  }

  void note_best(const TrialRecord& t) {
    if (t.status == TrialStatus::ok && (!best_ || better_trial(t, *best_))) best_ = t;
    if (t.status == TrialStatus::ok && t.fidelity > 0) {
      auto& latest = lower_fidelity_[t.arch_text];
      if (t.fidelity >= latest.first) latest = {t.fidelity, t.id};
    }
    if (t.status != TrialStatus::pending) ++done_;
  }

  void report(const TrialRecord& t, const std::string& where) {
    std::lock_guard<std::mutex> lock(report_mutex_);
    note_best(t);
    const std::string outcome = t.status == TrialStatus::ok ? fmt::format("score {:.4f}", t.score)
                                                            : "FAILED: " + t.error;
    log_trial(fmt::format("trial {} {} {} ({:.2f} s{})", t.id, outcome, t.arch_text, t.wall_s, where));
    if (progress_) progress_->update(done_, best_ ? std::optional<double>(best_->score) : std::nullopt);
  }

  // report.txt and report.html (with pictures of the best cells).
  std::pair<fs::path, fs::path> write_reports() const {
    return {write_run_report(run_dir_), write_run_page(run_dir_, *store_, c_.space.get())};
  }

  RunSummary summary(const std::string& reason) const {
    RunSummary s;
    s.run_dir = run_dir_;
    s.stop_reason = reason;
    s.best = best_;
    for (const auto& f : store_->finals()) {
      if (f.random_baseline()) s.final_random.push_back(f);
      else if (f.trial.status == TrialStatus::ok && (!s.final_best || f.trial.score > s.final_best->trial.score))
        s.final_best = f;
    }
    const auto trials = store_->trials();
    if (c_.reference_evaluator) s.fidelity = ranking_fidelity(reference_points(trials));
    for (const auto& t : trials) {
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
  std::vector<std::string> slots_;  // the run's device slots: parallel trial slot k runs on slots_[k % size]
  Clock::time_point start_ = Clock::now();
  double elapsed_before_ = 0;
  std::int64_t trials_total_ = 0;
  std::optional<FidelityRange> fidelities_;  ///< the evaluator's
  double fidelity_total_ = 0;                ///< fidelity asked for by the run's trials (what they cost once done)
  /// Per architecture text: the highest fidelity a successful trial reached, and that trial's id.
  std::map<std::string, std::pair<double, std::int64_t>> lower_fidelity_;
  std::int64_t done_ = 0;
  std::optional<TrialRecord> best_;
  std::mutex report_mutex_;
  std::mutex reference_mutex_;
  Progress* progress_ = nullptr;
  std::unique_ptr<Launcher> launcher_;  ///< null: trials run in this process
};

fs::path fresh_run_dir(const Experiment& exp) {
  const fs::path output = fs::absolute(exp.options.output_dir);
  fs::path dir = output / exp.options.name;
  for (int n = 2; fs::exists(dir); ++n) dir = output / (exp.options.name + "-" + std::to_string(n));
  return dir;
}

}  // namespace

RunSummary start_run(const Experiment& exp, const Registry& registry, Components components,
                     const RunControl& control) {
  return start_run_in(exp, registry, std::move(components), fresh_run_dir(exp), control);
}

namespace {

// Creates the run's results database with its resolved experiment and
// provenance, and resolved.toml beside it.
std::unique_ptr<ResultsStore> record_run(const Experiment& exp, const Registry& registry, const fs::path& dir) {
  auto store = ResultsStore::create(dir / "results.db");
  const std::string resolved = resolved_toml(exp, registry);
  store->set_meta("experiment", resolved);
  store->set_meta("base_dir", exp.base_dir.string());
  store->set_meta("experiment_file", exp.file.string());
  store->set_meta("created_at", utc_now());
  // Provenance: what made the run, and where.
  store->set_meta("automl_version", AUTOML_VERSION);
  store->set_meta("automl_commit", AUTOML_GIT_COMMIT);
  store->set_meta("libtorch_version", AUTOML_TORCH_VERSION);
  store->set_meta("libtorch_backend", AUTOML_TORCH_BACKEND);
  store->set_meta("host", host_name());
  {
    std::ofstream out(dir / "resolved.toml");
    out << resolved;
  }
  log_info("run directory: " + dir.string());
  return store;
}

}  // namespace

RunSummary start_run_in(const Experiment& exp, const Registry& registry, Components components, const fs::path& dir,
                        const RunControl& control) {
  fs::create_directories(dir);
  const DirectoryLock lock(dir);
  auto store = record_run(exp, registry, dir);
  return Runner(exp, std::move(components), dir, std::move(store), control).run(false);
}

fs::path create_run(const Experiment& exp, const Registry& registry) {
  const fs::path dir = fresh_run_dir(exp);
  fs::create_directories(dir);
  const DirectoryLock lock(dir);
  record_run(exp, registry, dir);
  return dir;
}

Experiment load_run_experiment(const fs::path& run_dir, const std::vector<std::string>& overrides) {
  for (const auto& o : overrides) {
    const std::string key = o.substr(0, o.find('='));
    if (key != "experiment.budget_trials" && key != "experiment.budget_seconds" && key.rfind("launcher.", 0) != 0)
      throw UsageError("resume accepts --set only for experiment.budget_trials, experiment.budget_seconds and "
                       "launcher.* (where trials run), not '" + key + "': the rest of a run is fixed when it starts");
  }
  auto store = ResultsStore::open(run_dir / "results.db");
  const auto text = store->meta("experiment");
  const auto base = store->meta("base_dir");
  if (!text || !base) throw DataError(run_dir.string() + "/results.db holds no experiment: it was never started");
  return parse_experiment(*text, (run_dir / "results.db").string() + " (resolved experiment)", *base, overrides);
}

RunSummary resume_run(const fs::path& run_dir, const Experiment& exp, Components components,
                      const RunControl& control) {
  const DirectoryLock lock(run_dir);
  auto store = ResultsStore::open(run_dir / "results.db");
  return Runner(exp, std::move(components), run_dir, std::move(store), control).run(true);
}

}  // namespace automl
