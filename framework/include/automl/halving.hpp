#pragma once
// Successive halving and Hyperband (Li, Jamieson, DeSalvo, Rostamizadeh &
// Talwalkar, JMLR 2018): the bracket schedule, and the state machine that
// runs brackets through ask/tell. Torch-free; the `successive_halving` and
// `hyperband` strategies are thin plugins around it.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "automl/architecture.hpp"
#include "automl/fidelity_range.hpp"
#include "automl/random.hpp"
#include "automl/state.hpp"
#include "automl/strategy.hpp"

namespace automl {

class SearchSpace;

/// One rung of a bracket: `n` candidates evaluated at `fidelity`.
struct Rung {
  std::int64_t n = 0;
  double fidelity = 0;
};
using Bracket = std::vector<Rung>;

/// Hyperband's brackets s = s_max, ..., 0 (Algorithm 1): with R = max / min
/// and s_max = floor(log_eta R), bracket s starts n = ceil((s_max + 1) eta^s /
/// (s + 1)) candidates at max eta^-s; rung i has floor(n eta^-i) candidates at
/// max eta^(i - s). With `range.levels`, the fidelities are the levels
/// instead: s_max = (levels) - 1 and rung i of bracket s uses level
/// s_max - s + i. Throws ConfigError for eta <= 1 or an empty range.
std::vector<Bracket> hyperband_brackets(const FidelityRange& range, double eta);

/// Successive halving's one bracket: Hyperband's most exploratory one
/// (s = s_max), started with `n` candidates instead (0: its own n = eta^s_max).
Bracket successive_halving_bracket(const FidelityRange& range, double eta, std::int64_t n);

/// The evaluator's range (`offered`, from AskContext) narrowed to [min, max]
/// (0: the evaluator's own bound; levels outside are dropped). Throws
/// ConfigError naming `strategy` when the evaluator has no fidelities or the
/// bounds leave nothing.
FidelityRange narrowed_range(const std::optional<FidelityRange>& offered, double min, double max,
                             const std::string& strategy);

/// Runs brackets one after another, each with fresh candidates drawn
/// uniformly (distinct within the bracket); after a rung, the best
/// n of the next rung by score (failures last) are evaluated again at its
/// fidelity. When the schedule is exhausted it starts over.
class HalvingSchedule {
 public:
  explicit HalvingSchedule(std::uint64_t seed) : rng_(seed) {}

  /// The candidates of the next rung and their fidelities (fidelities()).
  std::vector<Architecture> ask(const SearchSpace& space, const std::vector<Bracket>& brackets);
  const std::vector<double>& fidelities() const { return fidelities_; }
  /// Scores of the last ask(), in its order (a prefix when the budget cut it).
  void tell(const std::vector<double>& scores);

  /// Where the schedule stands (for diagnostics): bracket, rung.
  std::int64_t bracket() const { return bracket_; }
  std::int64_t rung() const { return rung_; }

  void save(StateWriter& out) const;
  void load(StateReader& in);

 private:
  Random rng_;
  std::int64_t bracket_ = 0;  ///< index into the schedule (cycling)
  std::int64_t rung_ = 0;
  std::vector<Architecture> current_;  ///< the rung's candidates, asked
  std::vector<double> fidelities_;
  std::int64_t next_n_ = 0;  ///< how many the last asked rung promotes
};

/// The ask/tell of a multi-fidelity strategy around a HalvingSchedule: the
/// `successive_halving` and `hyperband` plugins say only which brackets.
class HalvingStrategy : public Strategy {
 public:
  HalvingStrategy(const SearchSpace& space, std::uint64_t seed) : space_(space), schedule_(seed) {}

  std::vector<Architecture> ask(const AskContext& context) override {
    return schedule_.ask(space_, brackets(context.fidelities));
  }
  std::vector<double> fidelities() const override { return schedule_.fidelities(); }
  void tell(const std::vector<Observation>& results) override;
  std::map<std::string, double> diagnostics() const override;
  void save(StateWriter& out) const override { schedule_.save(out); }
  void load(StateReader& in) override { schedule_.load(in); }

 protected:
  /// The schedule for the evaluator's fidelities (AskContext::fidelities).
  virtual std::vector<Bracket> brackets(const std::optional<FidelityRange>& offered) const = 0;

 private:
  const SearchSpace& space_;
  HalvingSchedule schedule_;
};

}  // namespace automl
