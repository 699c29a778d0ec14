#pragma once
// Rank statistics shared by strategies (predictor quality) and reports.

#include <vector>

namespace automl {

/// Fraction of pairs (i < j) ordered alike by `predicted` and `actual`, ties
/// counted as ">=" on both sides (NAO's pairwise accuracy). NaN for < 2 items.
double pairwise_accuracy(const std::vector<double>& predicted, const std::vector<double>& actual);

/// Kendall's tau-b rank correlation. NaN for < 2 items or a constant input.
double kendall_tau(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace automl
