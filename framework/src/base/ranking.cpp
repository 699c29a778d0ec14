// Pairwise accuracy and Kendall's tau-b between two scorings.

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

}  // namespace automl
