#include <boost/test/unit_test.hpp>

#include <set>

#include "automl/experiment/experiment.hpp"
#include "automl/run/run_loop.hpp"
#include "test_support.hpp"

namespace strategies {
namespace {

automl::Components build(const automl::Registry& registry, const std::string& strategy_body, int seed = 4) {
  const std::string text = "[experiment]\nbudget_trials=1\nseed=" + std::to_string(seed) + "\n[search_space]\ntype=\"nasbench201\"\n"
                           "[strategy]\n" + strategy_body + "\n[evaluator]\ntype=\"scripted\"\n";
  return automl::build_components(automl::parse_experiment(text, "exp.toml", "/"), registry);
}

// A synthetic objective with its optimum at every edge = op 4.
double score(const automl::Architecture& a) {
  double s = 0;
  for (int g : a.genes) s += g;
  return s;
}

double best_after(automl::Strategy& strategy, int trials) {
  double best = -1;
  for (int t = 0; t < trials; ++t) {
    const auto batch = strategy.ask(automl::AskContext{1});
    best = std::max(best, score(batch[0]));
    strategy.tell({{batch[0], true, score(batch[0])}});
  }
  return best;
}

int hamming(const automl::Architecture& a, const automl::Architecture& b) {
  int d = 0;
  for (std::size_t i = 0; i < a.genes.size(); ++i) d += a.genes[i] != b.genes[i];
  return d;
}

}  // namespace
}  // namespace strategies

BOOST_AUTO_TEST_SUITE(strategies)

BOOST_AUTO_TEST_CASE(random_never_repeats_and_ends_when_exhausted) {
  automl::test::Plugins p(true);
  auto c = build(p.registry, "type=\"random\"\nmax_draws=50");
  std::set<automl::Architecture> seen;
  std::size_t total = 0;
  for (int round = 0; round < 1000; ++round) {
    const auto batch = c.strategy->ask(automl::AskContext{100});
    if (batch.empty()) break;
    total += batch.size();
    seen.insert(batch.begin(), batch.end());
  }
  BOOST_TEST(seen.size() == total);
  BOOST_TEST(total > 10000u);
  BOOST_TEST(total <= 15625u);
  BOOST_TEST(c.strategy->ask(automl::AskContext{1}).empty());
}

BOOST_AUTO_TEST_CASE(evolution_starts_random_then_mutates_one_decision) {
  automl::test::Plugins p(true);
  auto c = build(p.registry, "type=\"regularized_evolution\"\npopulation=5\nsample_size=2");
  std::vector<automl::Architecture> population;
  for (int i = 0; i < 5; ++i) {
    const auto a = c.strategy->ask(automl::AskContext{1})[0];
    population.push_back(a);
    c.strategy->tell({{a, true, score(a)}});
  }
  for (const auto& child : c.strategy->ask(automl::AskContext{20})) {
    int nearest = 99;
    for (const auto& parent : population) nearest = std::min(nearest, hamming(parent, child));
    BOOST_TEST(nearest == 1);
  }
}

BOOST_AUTO_TEST_CASE(evolution_beats_random_on_a_smooth_objective) {
  automl::test::Plugins p(true);
  double evolution = 0, random = 0;
  for (int seed = 0; seed < 5; ++seed) {
    auto e = build(p.registry, "type=\"regularized_evolution\"\npopulation=10\nsample_size=3", seed);
    auto r = build(p.registry, "type=\"random\"", seed);
    evolution += best_after(*e.strategy, 100);
    random += best_after(*r.strategy, 100);
  }
  BOOST_TEST(evolution > random);
  BOOST_TEST(evolution / 5 >= 22.0);  // optimum 24
}

BOOST_AUTO_TEST_CASE(sample_size_may_not_exceed_population) {
  automl::test::Plugins p(true);
  const auto msg = automl::test::error_of(
      [&] { build(p.registry, "type=\"regularized_evolution\"\npopulation=3\nsample_size=4"); });
  BOOST_TEST(msg.find("[strategy] sample_size: must not exceed population (3)") != std::string::npos, msg);
}

BOOST_AUTO_TEST_SUITE_END()
