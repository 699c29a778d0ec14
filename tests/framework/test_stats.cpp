// Statistics of reports and strategies against values computed by hand.

#include <boost/test/unit_test.hpp>

#include <cmath>

#include "automl/compare/stats.hpp"

namespace tt = boost::test_tools;

BOOST_AUTO_TEST_SUITE(stats)

BOOST_AUTO_TEST_CASE(quantiles_interpolate_between_order_statistics) {
  BOOST_TEST(automl::quantile({4, 1, 3, 2}, 0.25) == 1.75, tt::tolerance(1e-12));
  BOOST_TEST(automl::quantile({4, 1, 3, 2}, 0.5) == 2.5, tt::tolerance(1e-12));
  BOOST_TEST(automl::quantile({7}, 0.9) == 7.0);
  BOOST_TEST(std::isnan(automl::quantile({}, 0.5)));
}

BOOST_AUTO_TEST_CASE(summary_uses_the_sample_standard_deviation) {
  const auto s = automl::summarize({2, 4, 4, 4, 5, 5, 7, 9});
  BOOST_TEST(s.n == 8u);
  BOOST_TEST(s.mean == 5.0, tt::tolerance(1e-12));
  BOOST_TEST(s.std == std::sqrt(32.0 / 7.0), tt::tolerance(1e-12));  // 2.1381
  BOOST_TEST(s.median == 4.5, tt::tolerance(1e-12));
  BOOST_TEST(s.ci95.low < s.mean);
  BOOST_TEST(s.ci95.high > s.mean);
  BOOST_TEST(s.ci95.low >= 2.0);
  BOOST_TEST(s.ci95.high <= 9.0);
}

BOOST_AUTO_TEST_CASE(bootstrap_interval_by_hand) {
  // Resampling {0, 1} twice gives means 0, 0.5, 1 with probabilities 1/4,
  // 1/2, 1/4: the 2.5 % and 97.5 % quantiles are 0 and 1.
  const auto two = automl::bootstrap_mean_ci({0, 1});
  BOOST_TEST(two.low == 0.0);
  BOOST_TEST(two.high == 1.0);
  const auto same = automl::bootstrap_mean_ci({5, 5, 5});
  BOOST_TEST(same.low == 5.0, tt::tolerance(1e-12));
  BOOST_TEST(same.high == 5.0, tt::tolerance(1e-12));
  // Fixed seed: the same interval every time; another seed, another draw.
  const std::vector<double> sample = {1, 3, 4, 8, 9, 10, 12};
  BOOST_TEST(automl::bootstrap_mean_ci(sample).low == automl::bootstrap_mean_ci(sample).low);
  BOOST_TEST(automl::bootstrap_mean_ci(sample, 0.95, 2000, 1).low != automl::bootstrap_mean_ci(sample).low);
  // A wider level gives a wider interval.
  const auto i90 = automl::bootstrap_mean_ci(sample, 0.90), i99 = automl::bootstrap_mean_ci(sample, 0.99);
  BOOST_TEST(i99.low < i90.low);
  BOOST_TEST(i99.high > i90.high);
}

BOOST_AUTO_TEST_CASE(mann_whitney_exact_without_ties) {
  // x entirely below y: U = 0, the most extreme of C(6, 3) = 20 equally
  // likely arrangements on each side, so p = 2 / 20.
  const auto below = automl::mann_whitney({1, 2, 3}, {4, 5, 6});
  BOOST_TEST(below.u == 0.0);
  BOOST_TEST(below.exact);
  BOOST_TEST(below.p == 0.1, tt::tolerance(1e-12));
  // x entirely above y with sizes 3 and 2: U = 6 = 3 * 2, p = 2 / C(5, 2).
  const auto above = automl::mann_whitney({3, 4, 5}, {1, 2});
  BOOST_TEST(above.u == 6.0);
  BOOST_TEST(above.p == 0.2, tt::tolerance(1e-12));
  // x = {1, 4}, y = {2, 3}: U = 2 (4 beats both), the centre: P(U <= 2) =
  // 4/6 (arrangements with U = 0, 1, 2, 2 of the 6), so p = min(1, 2 * 4/6) = 1.
  const auto middle = automl::mann_whitney({1, 4}, {2, 3});
  BOOST_TEST(middle.u == 2.0);
  BOOST_TEST(middle.p == 1.0, tt::tolerance(1e-12));
  // x = {1, 2, 5, 6}, y = {3, 4}: U = 4 of 8; P(U <= 4) = 9/15 and
  // P(U >= 4) = 9/15 (U over C(6, 2) = 15 arrangements: 1 1 2 2 3 2 2 1 1),
  // so p = 1.
  BOOST_TEST(automl::mann_whitney({1, 2, 5, 6}, {3, 4}).p == 1.0, tt::tolerance(1e-12));
  // x = {5, 6}, y = {1, 2, 3, 4}: U = 8, P(U >= 8) = 1/15, p = 2/15.
  BOOST_TEST(automl::mann_whitney({5, 6}, {1, 2, 3, 4}).p == 2.0 / 15.0, tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(mann_whitney_normal_approximation_with_ties) {
  // x = {1, 2, 2, 5}, y = {2, 3, 4}: U = 0 + 0.5 + 0.5 + 3 = 4; mean 6;
  // one tie group of three (t^3 - t = 24): variance = 12/12 * (8 - 24/42)
  // = 7.428571; z = (|4 - 6| - 0.5) / sqrt(7.428571) = 0.550350;
  // p = 2 (1 - Phi(z)) = 0.582080.
  const auto r = automl::mann_whitney({1, 2, 2, 5}, {2, 3, 4});
  BOOST_TEST(r.u == 4.0);
  BOOST_TEST(!r.exact);
  BOOST_TEST(r.p == 0.5820797, tt::tolerance(1e-6));
  // Every value equal: no evidence either way.
  BOOST_TEST(automl::mann_whitney({1, 1}, {1, 1, 1}).p == 1.0);
  BOOST_TEST(automl::mann_whitney({1, 1}, {1, 1, 1}).u == 3.0);
  BOOST_TEST(std::isnan(automl::mann_whitney({}, {1.0}).p));
}

BOOST_AUTO_TEST_SUITE_END()
