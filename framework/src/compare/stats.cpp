// Summaries, bootstrap intervals and the Mann–Whitney U test for the
// reports of `automl compare`.

#include "automl/compare/stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

namespace automl {

double quantile(std::vector<double> values, double q) {
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(values.begin(), values.end());
  const double h = (static_cast<double>(values.size()) - 1) * q;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (h - static_cast<double>(lo)) * (values[hi] - values[lo]);
}

Interval bootstrap_mean_ci(const std::vector<double>& values, double level, int resamples, std::uint64_t seed) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (values.empty() || resamples < 1) return {nan, nan};
  std::mt19937_64 gen(seed);
  std::uniform_int_distribution<std::size_t> pick(0, values.size() - 1);
  std::vector<double> means(static_cast<std::size_t>(resamples));
  for (auto& m : means) {
    double sum = 0;
    for (std::size_t i = 0; i < values.size(); ++i) sum += values[pick(gen)];
    m = sum / static_cast<double>(values.size());
  }
  return {quantile(means, (1 - level) / 2), quantile(means, (1 + level) / 2)};
}

Summary summarize(const std::vector<double>& values, int resamples, std::uint64_t seed) {
  Summary s;
  s.n = values.size();
  if (values.empty()) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    s.mean = s.std = s.median = s.q25 = s.q75 = nan;
    s.ci95 = {nan, nan};
    return s;
  }
  double sum = 0;
  for (double v : values) sum += v;
  s.mean = sum / static_cast<double>(s.n);
  double squares = 0;
  for (double v : values) squares += (v - s.mean) * (v - s.mean);
  s.std = s.n > 1 ? std::sqrt(squares / static_cast<double>(s.n - 1)) : 0;
  s.median = quantile(values, 0.5);
  s.q25 = quantile(values, 0.25);
  s.q75 = quantile(values, 0.75);
  s.ci95 = bootstrap_mean_ci(values, 0.95, resamples, seed);
  return s;
}

namespace {

// P(U <= u) under the null for samples of sizes m and n without ties: the
// number of arrangements with U = k follows f(m, n, k) = f(m-1, n, k-n) +
// f(m, n-1, k), over all C(m+n, m) arrangements.
double exact_u_cdf(std::size_t m, std::size_t n, double u) {
  // counts[j][k] for the current i: arrangements of i x's and j y's with U = k.
  const std::size_t max_u = m * n;
  std::vector<std::vector<double>> prev(n + 1), cur(n + 1);
  for (std::size_t j = 0; j <= n; ++j) prev[j].assign(max_u + 1, 0), prev[j][0] = 1;  // i = 0
  for (std::size_t i = 1; i <= m; ++i) {
    for (std::size_t j = 0; j <= n; ++j) {
      cur[j].assign(max_u + 1, 0);
      for (std::size_t k = 0; k <= max_u; ++k) {
        // The largest value is an x (beats all j y's) or a y.
        double c = k >= j ? prev[j][k - j] : 0;
        if (j > 0) c += cur[j - 1][k];
        cur[j][k] = c;
      }
    }
    std::swap(prev, cur);
  }
  double below = 0, total = 0;
  for (std::size_t k = 0; k <= max_u; ++k) {
    total += prev[n][k];
    if (static_cast<double>(k) <= u + 1e-9) below += prev[n][k];
  }
  return below / total;
}

double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

}  // namespace

RankTest mann_whitney(const std::vector<double>& x, const std::vector<double>& y) {
  RankTest r;
  const std::size_t m = x.size(), n = y.size();
  if (m == 0 || n == 0) {
    r.u = r.p = std::numeric_limits<double>::quiet_NaN();
    return r;
  }
  bool ties = false;
  for (double a : x)
    for (double b : y) {
      if (a > b) r.u += 1;
      else if (a == b) r.u += 0.5, ties = true;
    }
  // Ties within a sample change the variance, not U.
  std::vector<double> all(x);
  all.insert(all.end(), y.begin(), y.end());
  std::sort(all.begin(), all.end());
  double tie_term = 0;
  for (std::size_t i = 0; i < all.size();) {
    std::size_t j = i;
    while (j < all.size() && all[j] == all[i]) ++j;
    const double t = static_cast<double>(j - i);
    tie_term += t * t * t - t;
    if (t > 1) ties = true;
    i = j;
  }
  const double mn = static_cast<double>(m * n);
  if (!ties && m * n <= 2500) {
    r.exact = true;
    const double lower = exact_u_cdf(m, n, r.u);
    const double upper = 1 - exact_u_cdf(m, n, r.u - 1);
    r.p = std::min(1.0, 2 * std::min(lower, upper));
    return r;
  }
  const double total = static_cast<double>(m + n);
  const double variance = mn / 12 * ((total + 1) - tie_term / (total * (total - 1)));
  if (variance <= 0) {
    r.p = 1;  // every value equal
    return r;
  }
  const double distance = std::max(0.0, std::abs(r.u - mn / 2) - 0.5);
  r.p = std::min(1.0, 2 * (1 - normal_cdf(distance / std::sqrt(variance))));
  return r;
}

}  // namespace automl
