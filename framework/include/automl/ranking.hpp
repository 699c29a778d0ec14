#pragma once
// Rank agreement between two scorings of the same items: how well a
// predictor (NAO's) or a cheap evaluator orders candidates like the truth.
// Strategies use these, so they live in the core beside the interfaces.

#include <vector>

namespace automl {

/// Fraction of pairs (i < j) ordered alike by `predicted` and `actual`, ties
/// counted as ">=" on both sides (NAO's pairwise accuracy). NaN for < 2 items.
double pairwise_accuracy(const std::vector<double>& predicted, const std::vector<double>& actual);

/// Kendall's tau-b rank correlation. NaN for < 2 items or a constant input.
double kendall_tau(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace automl
