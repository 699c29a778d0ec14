#pragma once
// An evaluator scores candidates: by training them (full training), with a
// shared supernet (weight sharing) or by table lookup (tabular). Scores are
// "higher is better"; raw metrics (accuracy, perplexity, params, cost) travel
// beside them. The same strategy runs against any evaluator.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "automl/architecture.hpp"
#include "automl/fidelity_range.hpp"
#include "automl/state.hpp"
#include "automl/sampler.hpp"

namespace automl {

/// One point of a trial's learning curve: what its training measured after
/// `step` units of it (epochs, steps: the evaluator's README says which).
struct CurvePoint {
  double step = 0;
  std::map<std::string, double> values;  ///< e.g. {"valid_acc", 71.2}, {"train_loss", 0.81}
};

struct TrialResult {
  double score = 0;                       ///< higher is better; NaN marks a failure
  std::map<std::string, double> metrics;  ///< raw figures, e.g. {"test_acc", 93.1}
  /// Intermediate values during the trial's training, in step order; empty
  /// when the evaluator records none. Stored in the results database
  /// (table `curves`) and drawn on the run's page.
  std::vector<CurvePoint> curve;
  /// The fidelity this evaluation cost, in the evaluator's unit, when it
  /// differs from the one asked for (a table with 12- and 200-epoch columns
  /// asked for 9 epochs answers from the 12-epoch column: 12); 0: as asked.
  double fidelity = 0;
};


struct TrialContext {
  TrialContext() = default;
  TrialContext(std::uint64_t trial_, std::uint64_t seed_, int threads_) : trial(trial_), seed(seed_), threads(threads_) {}

  std::uint64_t trial = 0;  ///< 0-based trial number in the run
  std::uint64_t seed = 0;   ///< derived from the experiment seed and the trial number
  int threads = 1;          ///< intra-op threads this trial may use
  /// The device this trial runs on ("cpu", "cuda:N"): the run's device slot
  /// that this parallel trial holds ([experiment] devices). Empty: the
  /// device the evaluator was built with (Context::device).
  std::string device;
  int device_slot = 0;      ///< which slot: no other trial holds it while this one runs
  /// The budget asked for, within the evaluator's fidelities(); the host
  /// sets it to the full fidelity when the strategy asked for none. 0 for
  /// evaluators without fidelities.
  double fidelity = 0;
  /// The trial directory of this architecture's latest successful trial at
  /// a lower fidelity in this run (a multi-fidelity strategy promoted it),
  /// and that fidelity: an evaluator that trains may continue from the
  /// checkpoint it left there instead of starting over. Empty, 0: none.
  std::filesystem::path previous_dir;
  double previous_fidelity = 0;
  /// A directory of this trial's own in the run directory (trials/ID,
  /// reference/ID, final/ID) for evaluators that keep files; the host names
  /// it and the evaluator creates it when it needs one. A run killed in the
  /// middle of the trial may have left files there. Empty outside a run.
  std::filesystem::path dir;
  /// True once the user asked to stop (Ctrl-C). A long evaluation may then
  /// give up by throwing TrialStopped; unset outside a run.
  std::function<bool()> stop;
};

/// Thrown by evaluate() that gave up because TrialContext::stop() turned
/// true: the host leaves the trial pending, and a resumed run evaluates it
/// again from the start with the same seed.
struct TrialStopped : std::runtime_error {
  TrialStopped() : std::runtime_error("the trial was stopped before it finished") {}
};

struct RoundContext {
  std::uint64_t round = 0;  ///< 0-based round number in the run (one ask() and its candidates)
  std::uint64_t seed = 0;   ///< derived from the experiment seed and the round
  Sampler sampler;          ///< the strategy's sampler, or uniform over the space
  /// Saves the evaluator's state now, in the middle of the round (call it
  /// between epochs of long training). A run killed later resumes with that
  /// state loaded and calls prepare_round() again: the evaluator must tell
  /// from its state how much of the round is done.
  std::function<void()> checkpoint;
  /// True when the user asked to stop (Ctrl-C): checkpoint and return early.
  std::function<bool()> stop;
};

/// A long, resumable training of one architecture (`automl train`).
struct TrainJob {
  /// Checkpoints, the final model and the metrics CSV go here. A checkpoint
  /// already there for the same architecture is resumed.
  std::filesystem::path dir;
  std::uint64_t seed = 0;
  int threads = 1;
  std::function<bool()> stop;                          ///< polled between steps; true: checkpoint and return
  std::function<void(const std::string&)> progress;    ///< one status line (epoch, loss, accuracy, ETA)
};

class Evaluator {
 public:
  virtual ~Evaluator() = default;

  /// True when evaluate() may run on several threads at once (the host then
  /// runs parallel trials); false serializes them.
  virtual bool concurrent() const = 0;

  /// True when the score of one candidate changes between rounds (shared
  /// weights keep training); strategies then re-propose candidates to have
  /// them re-scored. Default: false (scores are final).
  virtual bool scores_drift() const { return false; }

  /// The fidelities evaluate() accepts (TrialContext::fidelity); none (the
  /// default): every evaluation is at the one full fidelity.
  virtual std::optional<FidelityRange> fidelities() const { return std::nullopt; }

  /// Called once before each round's candidates are evaluated. Weight-sharing evaluators
  /// train their shared weights here with `round.sampler`; others do nothing.
  virtual void prepare_round(const RoundContext& round) { (void)round; }

  /// True when evaluate() uses state that prepare_round() built in this
  /// process (a supernet's weights): its trials cannot run in processes of
  /// their own, so the host refuses the `process` and `slurm` launchers.
  /// Default: false (a trial needs only its architecture, seed and fidelity).
  virtual bool trials_share_state() const { return false; }

  /// Scores one valid candidate. Throws (any std::exception) on failure; the
  /// host records the trial as failed with the message and goes on.
  virtual TrialResult evaluate(const Architecture& arch, const TrialContext& trial) = 0;

  /// A description of what evaluate() builds for `arch` (layers, output
  /// shapes, parameters, multiply-adds), for `automl inspect`; "" when the
  /// evaluator builds nothing.
  virtual std::string inspect(const Architecture& arch) const { (void)arch; return ""; }

  /// True when train() is supported.
  virtual bool can_train() const { return false; }
  /// Trains `arch` fully (the final training of a discovered cell), resuming
  /// from a checkpoint in `job.dir`. Returns the final metrics; throws on
  /// failure. Only called when can_train().
  virtual TrialResult train(const Architecture& arch, const TrainJob& job) {
    (void)arch, (void)job;
    return {};
  }

  /// Full state, for evaluators that have one (supernet weights, optimizer,
  /// schedule position, random generators). Default: stateless.
  virtual void save(StateWriter& out) const { (void)out; }
  virtual void load(StateReader& in) { (void)in; }
};

}  // namespace automl
