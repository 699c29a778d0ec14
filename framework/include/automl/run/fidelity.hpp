#pragma once
// Ranking fidelity: how well a search's scores order its candidates like a
// reference scoring of the same candidates (the [reference] evaluator's,
// e.g. the benchmark table's true accuracy beside a supernet's shared-weight
// accuracy). Read from a run's trials by `automl show`, the run summary and
// `automl compare`'s report.

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "automl/ranking.hpp"
#include "automl/run/results_store.hpp"

namespace automl {

/// The trial metric holding the [reference] evaluator's score; its other
/// metrics are stored as "reference.<name>".
inline const std::string kReferenceMetric = "reference";

/// One successful trial with a reference score.
struct ReferencePoint {
  std::int64_t round = 0;
  double score = 0;      ///< the search's
  double reference = 0;  ///< the reference's
};

struct Fidelity {
  /// Per round with two or more points, in round order.
  std::vector<std::pair<std::int64_t, RankAgreement>> rounds;
  /// The last of those rounds (round -1 when none): with weight sharing the
  /// scores of the most trained shared weights.
  std::int64_t last_round = -1;
  RankAgreement last;
  /// Every point at once (scores of different rounds mixed).
  RankAgreement all;
  /// The reference score of the best trial by search score (NaN when none).
  double best_reference = 0;

  bool empty() const { return all.n == 0; }
};

/// The trials' points: successful trials with a finite reference metric.
std::vector<ReferencePoint> reference_points(const std::vector<TrialRecord>& trials);
/// Rank agreement per round and overall; best_reference from the best point.
Fidelity ranking_fidelity(const std::vector<ReferencePoint>& points);

/// One line for a run's summary: the best-by-search reference score and the
/// correlations of the last round and of all trials.
std::string fidelity_line(const Fidelity& fidelity);
/// The table `automl show` prints: per round (the last `max_rounds`), last
/// round and all trials.
std::string fidelity_table(const Fidelity& fidelity, std::size_t max_rounds = 30);

/// The [final] stage's agreement: search scores against final scores of its
/// successful candidates.
RankAgreement final_agreement(const std::vector<FinalRecord>& finals);

}  // namespace automl
