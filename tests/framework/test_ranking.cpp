// Rank correlations against values computed by hand and against SciPy, and
// the ranking fidelity of a run's trials against their reference scores.

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>

#include "automl/random.hpp"
#include "automl/ranking.hpp"
#include "automl/run/fidelity.hpp"
#include "test_support.hpp"

namespace tt = boost::test_tools;
using automl::kendall_tau;
using automl::spearman_rho;

BOOST_AUTO_TEST_SUITE(ranking)

BOOST_AUTO_TEST_CASE(correlations_by_hand) {
  // Pairs of {1,2,3,4} against {1,3,2,4}: 5 concordant, 1 discordant, so
  // tau = 4/6; rank differences 0,1,1,0: rho = 1 - 6*2/(4*15) = 0.8.
  BOOST_TEST(kendall_tau({1, 2, 3, 4}, {1, 3, 2, 4}) == 4.0 / 6.0, tt::tolerance(1e-12));
  BOOST_TEST(spearman_rho({1, 2, 3, 4}, {1, 3, 2, 4}) == 0.8, tt::tolerance(1e-12));
  // Only the order counts.
  BOOST_TEST(spearman_rho({10, 20, 30, 40}, {0.1, 0.9, 0.5, 7}) == 0.8, tt::tolerance(1e-12));
  BOOST_TEST(kendall_tau({1, 2, 3}, {3, 2, 1}) == -1.0, tt::tolerance(1e-12));
  BOOST_TEST(spearman_rho({1, 2, 3}, {3, 2, 1}) == -1.0, tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(ties_by_hand) {
  // {1,2,2,3} against {1,2,3,3}: 4 concordant pairs, one tied in x only,
  // one in y only: tau-b = 4 / sqrt(5 * 5). Mean ranks (1, 2.5, 2.5, 4) and
  // (1, 2, 3.5, 3.5): rho = 3.75 / sqrt(4.5 * 4.5).
  BOOST_TEST(kendall_tau({1, 2, 2, 3}, {1, 2, 3, 3}) == 0.8, tt::tolerance(1e-12));
  BOOST_TEST(spearman_rho({1, 2, 2, 3}, {1, 2, 3, 3}) == 3.75 / 4.5, tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(undefined_cases_are_nan) {
  BOOST_TEST(std::isnan(kendall_tau({1}, {2})));
  BOOST_TEST(std::isnan(spearman_rho({1}, {2})));
  BOOST_TEST(std::isnan(kendall_tau({1, 1, 1}, {1, 2, 3})));
  BOOST_TEST(std::isnan(spearman_rho({1, 2, 3}, {5, 5, 5})));
  const auto a = automl::rank_agreement({1, 2, 3}, {1, 3, 2});
  BOOST_TEST(a.n == 3u);
}

// SciPy's kendalltau (tau-b) and spearmanr on fixed samples with many ties,
// run by Debian's python3-scipy.
BOOST_AUTO_TEST_CASE(agrees_with_scipy) {
  const std::string python = "/usr/bin/python3";
  if (std::system((python + " -c 'import scipy.stats' > /dev/null 2>&1").c_str()) != 0) {
    BOOST_TEST_MESSAGE("SKIPPED: " << python << " cannot import scipy (apt install python3-scipy)");
    return;
  }
  const auto dir = automl::test::scratch_dir("ranking_scipy");
  automl::Random rng(7);
  std::vector<std::vector<double>> xs, ys;
  for (int sample = 0; sample < 6; ++sample) {
    const int n = 5 + 17 * sample;
    std::vector<double> x, y;
    for (int i = 0; i < n; ++i) {
      const double a = rng.uniform01();
      x.push_back(sample % 2 ? std::round(a * 6) : a);                    // ties in odd samples
      y.push_back(std::round((a + 0.6 * rng.uniform01()) * 10) / 10.0);  // ties, correlated with x
    }
    xs.push_back(x);
    ys.push_back(y);
  }
  {
    std::ofstream out(dir / "samples.txt");
    out << std::setprecision(17);
    for (std::size_t s = 0; s < xs.size(); ++s) {
      for (double v : xs[s]) out << v << " ";
      out << "\n";
      for (double v : ys[s]) out << v << " ";
      out << "\n";
    }
  }
  automl::test::write_file(dir / "check_scipy.py", R"(import sys
from scipy.stats import kendalltau, spearmanr
lines = open(sys.argv[1]).read().split("\n")
for i in range(0, len(lines) - 1, 2):
    x = [float(v) for v in lines[i].split()]
    y = [float(v) for v in lines[i + 1].split()]
    print(repr(kendalltau(x, y)[0]), repr(spearmanr(x, y)[0]))
)");
  const auto result = dir / "check_scipy.out";
  const std::string command =
      python + " " + (dir / "check_scipy.py").string() + " " + (dir / "samples.txt").string() + " > " + result.string();
  BOOST_REQUIRE(std::system(command.c_str()) == 0);
  std::ifstream in(result);
  for (std::size_t s = 0; s < xs.size(); ++s) {
    double tau = 0, rho = 0;
    BOOST_REQUIRE(in >> tau >> rho);
    BOOST_TEST_CONTEXT("sample " << s << " of " << xs[s].size() << " items") {
      BOOST_TEST(kendall_tau(xs[s], ys[s]) == tau, tt::tolerance(1e-12));
      BOOST_TEST(spearman_rho(xs[s], ys[s]) == rho, tt::tolerance(1e-12));
    }
  }
}

automl::TrialRecord trial(std::int64_t round, double score, double reference,
                          automl::TrialStatus status = automl::TrialStatus::ok) {
  automl::TrialRecord t;
  t.round = round;
  t.score = score;
  t.status = status;
  if (std::isfinite(reference)) t.metrics[automl::kReferenceMetric] = reference;
  return t;
}

BOOST_AUTO_TEST_CASE(fidelity_per_round_last_round_and_all) {
  const double none = std::nan("");
  const std::vector<automl::TrialRecord> trials = {
      trial(0, 0.1, 0.9), trial(0, 0.2, 0.8), trial(0, 0.3, 0.7),  // round 0 reversed
      trial(1, 0.5, 0.1), trial(1, 0.6, 0.2), trial(1, 0.7, 0.3),  // round 1 in order
      trial(1, 0.8, none),                                         // no reference: left out
      trial(1, 0.99, 0.5, automl::TrialStatus::failed),            // failed: left out
      trial(2, 0.4, 0.6)};                                         // a round of one: no correlation
  const auto f = automl::ranking_fidelity(automl::reference_points(trials));
  BOOST_TEST(f.all.n == 7u);
  BOOST_REQUIRE(f.rounds.size() == 2u);
  BOOST_TEST(f.rounds[0].first == 0);
  BOOST_TEST(f.rounds[0].second.kendall_tau == -1.0, tt::tolerance(1e-12));
  BOOST_TEST(f.last_round == 1);
  BOOST_TEST(f.last.n == 3u);
  BOOST_TEST(f.last.kendall_tau == 1.0, tt::tolerance(1e-12));
  BOOST_TEST(f.last.spearman_rho == 1.0, tt::tolerance(1e-12));
  BOOST_TEST(f.best_reference == 0.3);  // the best by search score with a reference: 0.7 -> 0.3
  const auto line = automl::fidelity_line(f);
  BOOST_TEST(line.find("0.3000 for the best by search") != std::string::npos, line);
  BOOST_TEST(line.find("over round 1's 3 candidates") != std::string::npos, line);
  BOOST_TEST(automl::ranking_fidelity({}).empty());
}

BOOST_AUTO_TEST_SUITE_END()
