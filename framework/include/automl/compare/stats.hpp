#pragma once
// Statistics of the comparison reports (`automl compare`): quantiles,
// summaries with bootstrap intervals, and the Mann–Whitney U test. Rank
// correlations, which strategies use too, are in automl/ranking.hpp.

#include <cstdint>
#include <vector>

namespace automl {

/// The q-quantile (0 <= q <= 1) by linear interpolation between order
/// statistics (R's type 7, numpy's default). NaN for an empty sample.
double quantile(std::vector<double> values, double q);

/// Percentile-bootstrap confidence interval of the mean: `resamples` samples
/// drawn with replacement (a fixed generator seeded by `seed`, so reports are
/// reproducible), the (1-level)/2 and (1+level)/2 quantiles of their means.
struct Interval {
  double low = 0;
  double high = 0;
};
Interval bootstrap_mean_ci(const std::vector<double>& values, double level = 0.95, int resamples = 10000,
                           std::uint64_t seed = 0);

/// A sample's summary: size, mean, standard deviation (n - 1), median,
/// quartiles and the bootstrap 95 % interval of the mean. NaNs when empty.
struct Summary {
  std::size_t n = 0;
  double mean = 0;
  double std = 0;
  double median = 0;
  double q25 = 0;
  double q75 = 0;
  Interval ci95;
};
Summary summarize(const std::vector<double>& values, int resamples = 10000, std::uint64_t seed = 0);

/// Mann–Whitney U test of x against y, two-sided. u = #{(i, j): x_i > y_j}
/// + 0.5 #{x_i = y_j} (u / (n_x n_y) estimates P(X > Y)). The p-value is
/// exact (the permutation distribution of U) when there are no ties and
/// n_x n_y <= 2500, otherwise the normal approximation with tie and
/// continuity corrections. p = NaN when a sample is empty.
struct RankTest {
  double u = 0;
  double p = 0;
  bool exact = false;
};
RankTest mann_whitney(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace automl
