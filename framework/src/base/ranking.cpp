// Pairwise accuracy, Kendall's tau-b and Spearman's rho between two scorings.

#include "automl/ranking.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace automl {

double pairwise_accuracy(const std::vector<double>& predicted, const std::vector<double>& actual) {
  const std::size_t n = std::min(predicted.size(), actual.size());
  if (n < 2) return std::numeric_limits<double>::quiet_NaN();
  std::size_t agree = 0, pairs = 0;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j, ++pairs)
      agree += (predicted[i] >= predicted[j]) == (actual[i] >= actual[j]);
  return static_cast<double>(agree) / static_cast<double>(pairs);
}

double kendall_tau(const std::vector<double>& x, const std::vector<double>& y) {
  const std::size_t n = std::min(x.size(), y.size());
  double concordant = 0, discordant = 0, ties_x = 0, ties_y = 0;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j) {
      const double dx = x[i] - x[j], dy = y[i] - y[j];
      if (dx == 0 && dy == 0) continue;
      if (dx == 0) ++ties_x;
      else if (dy == 0) ++ties_y;
      else if ((dx > 0) == (dy > 0)) ++concordant;
      else ++discordant;
    }
  const double denominator = std::sqrt((concordant + discordant + ties_x) * (concordant + discordant + ties_y));
  if (n < 2 || denominator == 0) return std::numeric_limits<double>::quiet_NaN();
  return (concordant - discordant) / denominator;
}

namespace {

// 1-based ranks, ties sharing the mean of the ranks they span.
std::vector<double> mean_ranks(const std::vector<double>& v, std::size_t n) {
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
  std::vector<double> ranks(n);
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j + 1 < n && v[order[j + 1]] == v[order[i]]) ++j;
    const double rank = (static_cast<double>(i + j) / 2.0) + 1.0;
    for (std::size_t k = i; k <= j; ++k) ranks[order[k]] = rank;
    i = j + 1;
  }
  return ranks;
}

}  // namespace

double spearman_rho(const std::vector<double>& x, const std::vector<double>& y) {
  const std::size_t n = std::min(x.size(), y.size());
  if (n < 2) return std::numeric_limits<double>::quiet_NaN();
  const auto rx = mean_ranks(x, n), ry = mean_ranks(y, n);
  const double mean = (static_cast<double>(n) + 1.0) / 2.0;
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    sxy += (rx[i] - mean) * (ry[i] - mean);
    sxx += (rx[i] - mean) * (rx[i] - mean);
    syy += (ry[i] - mean) * (ry[i] - mean);
  }
  if (sxx == 0 || syy == 0) return std::numeric_limits<double>::quiet_NaN();
  return sxy / std::sqrt(sxx * syy);
}

RankAgreement rank_agreement(const std::vector<double>& x, const std::vector<double>& y) {
  return {std::min(x.size(), y.size()), kendall_tau(x, y), spearman_rho(x, y)};
}

}  // namespace automl
