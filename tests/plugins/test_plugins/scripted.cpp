// Test evaluator: a deterministic score from the genes (sum of gene * (i+1)),
// with an optional delay, and failures, NaN scores or crashes (SIGSEGV, for
// the launchers' tests) on chosen trials.

#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <limits>
#include <mutex>
#include <set>
#include <thread>

#include "automl/plugin.hpp"

namespace {

class Scripted final : public automl::Evaluator {
 public:
  struct Options {
    int delay_ms = 0;
    int fail_every = 0;  // trial ids divisible by it (after 0) throw
    int nan_every = 0;   // trial ids divisible by it (after 0) return NaN
    int fail_round = -1;  // prepare_round() of this round throws (as a supernet whose loss became NaN)
    double max_fidelity = 0;  // > 0: fidelities [1, max_fidelity]; the score grows by 0.01 per unit
    int crash_every = 0;      // trial ids divisible by it (after 0) raise SIGSEGV
    bool crash_once = false;  // ... only the first time (a marker in the trial's directory)
    bool report_slot = false;  // metrics device_slot, and slot_shared = 1 when another trial held the slot
    bool one_process = false;  // says its trials share state, as a weight-sharing evaluator's do
  };
  static const automl::Schema<Options>& schema() {
    static const auto s = automl::Schema<Options>("Test evaluator with a deterministic score.")
                              .field("delay_ms", &Options::delay_ms, "Sleep per trial").at_least(0)
                              .field("fail_every", &Options::fail_every, "Throw on every n-th trial").at_least(0)
                              .field("nan_every", &Options::nan_every, "NaN on every n-th trial").at_least(0)
                              .field("fail_round", &Options::fail_round, "prepare_round() of this round throws")
                              .range(-1, 1000000)
                              .field("max_fidelity", &Options::max_fidelity,
                                     "Fidelities [1, max_fidelity] (0: none); each unit adds 0.01 to the score")
                              .range(0, 1000000)
                              .field("crash_every", &Options::crash_every,
                                     "Crash (SIGSEGV) on every n-th trial: only with a process or slurm launcher")
                              .at_least(0)
                              .field("crash_once", &Options::crash_once,
                                     "Crash only the first time a trial runs (a retry succeeds)")
                              .field("report_slot", &Options::report_slot,
                                     "Metrics device_slot and slot_shared (another running trial held the slot)")
                              .field("one_process", &Options::one_process,
                                     "Trials share state in one process (as weight sharing): a Slurm run is one job")
                              .example("");
    return s;
  }
  Scripted(const Options& o, const automl::Context&) : o_(o) {}

  bool concurrent() const override { return true; }
  bool trials_share_state() const override { return o_.one_process; }

  std::optional<automl::FidelityRange> fidelities() const override {
    if (o_.max_fidelity <= 0) return std::nullopt;
    return automl::FidelityRange{1, o_.max_fidelity, "epochs", {}};
  }

  void prepare_round(const automl::RoundContext& round) override {
    if (o_.fail_round >= 0 && round.round == static_cast<std::uint64_t>(o_.fail_round))
      throw automl::Error("scripted: the training loss became NaN in round " + std::to_string(round.round));
  }

  automl::TrialResult evaluate(const automl::Architecture& arch, const automl::TrialContext& t) override {
    bool shared = false;
    if (o_.report_slot) {
      std::lock_guard<std::mutex> lock(slots_mutex_);
      shared = !busy_slots_.insert(t.device_slot).second;
    }
    if (o_.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(o_.delay_ms));
    if (o_.report_slot) {
      std::lock_guard<std::mutex> lock(slots_mutex_);
      if (!shared) busy_slots_.erase(t.device_slot);
    }
    if (o_.crash_every > 0 && t.trial > 0 && t.trial % o_.crash_every == 0) {
      const auto marker = t.dir / "crashed";
      if (!o_.crash_once || !std::filesystem::exists(marker)) {
        std::filesystem::create_directories(t.dir);
        std::ofstream(marker) << "crashed once\n";
        std::raise(SIGSEGV);
      }
    }
    if (o_.fail_every > 0 && t.trial > 0 && t.trial % o_.fail_every == 0)
      throw std::runtime_error("scripted failure on trial " + std::to_string(t.trial));
    automl::TrialResult r;
    r.score = 0;
    for (std::size_t i = 0; i < arch.genes.size(); ++i) r.score += arch.genes[i] * static_cast<double>(i + 1);
    if (o_.nan_every > 0 && t.trial > 0 && t.trial % o_.nan_every == 0)
      r.score = std::numeric_limits<double>::quiet_NaN();
    r.score += 0.01 * t.fidelity;
    r.metrics["genes"] = static_cast<double>(arch.genes.size());
    if (o_.report_slot) {
      r.metrics["device_slot"] = t.device_slot;
      r.metrics["slot_shared"] = shared ? 1 : 0;
      if (t.device != "cpu") throw std::runtime_error("scripted: trial on device '" + t.device + "', not cpu");
    }
    return r;
  }

 private:
  Options o_;
  std::mutex slots_mutex_;
  std::set<int> busy_slots_;
};

void register_components(automl::Registrar& r) { r.add<Scripted>(); }

}  // namespace

AUTOML_PLUGIN(register_components)
