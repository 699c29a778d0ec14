#pragma once
// Rank agreement between two scorings of the same items: how well a
// predictor (NAO's) or a cheap evaluator orders candidates like the truth.
// Strategies use these, so they live in the core beside the interfaces.

#include <cstddef>
#include <vector>

namespace automl {

/// Fraction of pairs (i < j) ordered alike by `predicted` and `actual`, ties
/// counted as ">=" on both sides (NAO's pairwise accuracy). NaN for < 2 items.
double pairwise_accuracy(const std::vector<double>& predicted, const std::vector<double>& actual);

/// Kendall's tau-b rank correlation. NaN for < 2 items or a constant input.
double kendall_tau(const std::vector<double>& x, const std::vector<double>& y);

/// Spearman's rank correlation: Pearson's correlation of the ranks, tied
/// values sharing their mean rank (as SciPy's spearmanr). NaN for < 2 items
/// or a constant input.
double spearman_rho(const std::vector<double>& x, const std::vector<double>& y);

/// Both correlations of two scorings of the same `n` items.
struct RankAgreement {
  std::size_t n = 0;
  double kendall_tau = 0;
  double spearman_rho = 0;
};
RankAgreement rank_agreement(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace automl
