#pragma once
// A search strategy, ask/tell: it proposes candidates and is told their
// results. It never evaluates, spawns threads or touches files; the host owns
// the loop, the budget and the checkpoints. A round is one ask(), the
// evaluation of the candidates it returned, and the tell() of their results.

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "automl/architecture.hpp"
#include "automl/fidelity_range.hpp"
#include "automl/random.hpp"
#include "automl/sampler.hpp"
#include "automl/state.hpp"

namespace automl {

/// The result of one evaluated candidate, as a strategy sees it.
struct Observation {
  Architecture arch;
  bool ok = true;  ///< false: the trial failed (exception or NaN); score is NaN
  double score = 0;  ///< higher is better
  /// The fidelity it was evaluated at (what it cost, in the evaluator's
  /// unit); 0 when the evaluator has no fidelities.
  double fidelity = 0;
};

/// What the host says when it asks for candidates.
struct AskContext {
  std::size_t suggested = 1;    ///< trials the host can evaluate at once (parallel_trials)
  std::int64_t remaining = -1;  ///< trials left in the budget; -1: no trial limit
  /// The evaluator's score of a candidate changes between rounds (weight
  /// sharing): strategies that keep a pool re-propose it to have it re-scored.
  bool scores_drift = false;
  /// The evaluator's fidelities; none: it evaluates at one fidelity only.
  std::optional<FidelityRange> fidelities = std::nullopt;
};

class Strategy {
 public:
  virtual ~Strategy() = default;

  /// The candidates of the next round. `context.suggested` is how
  /// many the host can evaluate at once (parallel trials); a strategy may
  /// return more (a pool to re-score) or fewer; the host evaluates at most
  /// `remaining` of them. Candidates may repeat earlier ones. An empty list
  /// ends the search. Called again only after tell().
  virtual std::vector<Architecture> ask(const AskContext& context) = 0;

  /// Results of the round's candidates, in ask() order. When the budget ran out it
  /// covers only a prefix of them.
  virtual void tell(const std::vector<Observation>& results) = 0;

  /// The fidelity of each candidate of the last ask(), in order, within
  /// AskContext::fidelities (multi-fidelity strategies: successive halving,
  /// Hyperband). Empty (the default): every candidate at full fidelity.
  virtual std::vector<double> fidelities() const { return {}; }

  /// The sampler a weight-sharing evaluator trains with (NAO-WS: uniform over
  /// the pool; ENAS: the policy). Empty: the host samples uniformly from the
  /// space. Valid until the next ask().
  virtual Sampler training_sampler() const { return nullptr; }

  /// Figures about the last tell() (e.g. predictor quality), stored with the
  /// round in the results database and logged. Default: none.
  virtual std::map<std::string, double> diagnostics() const { return {}; }

  /// Full state (including random generators): load(save()) continues
  /// exactly as an uninterrupted run would.
  virtual void save(StateWriter& out) const = 0;
  virtual void load(StateReader& in) = 0;
};

}  // namespace automl
