// Successive halving and Hyperband: the bracket schedule against the paper's
// table, promotions of the best, the state machine saved mid-bracket, and
// whole runs on NAS-Bench-201's 12- and 200-epoch columns.

#include <boost/test/unit_test.hpp>

#include <map>
#include <set>
#include <sstream>

#include "automl/halving.hpp"
#include "automl/run/results_store.hpp"
#include "test_support.hpp"

namespace halving {
namespace {

using automl::Bracket;
using automl::FidelityRange;

std::string text_of(const std::vector<Bracket>& brackets) {
  std::string out;
  for (const auto& b : brackets) {
    for (const auto& r : b) {
      std::ostringstream f;
      f << r.fidelity;
      out += std::to_string(r.n) + "@" + f.str() + " ";
    }
    out += "| ";
  }
  return out;
}

double score_of(const automl::Architecture& a) {
  double s = 0;
  for (std::size_t i = 0; i < a.genes.size(); ++i) s += a.genes[i] * static_cast<double>(i + 1);
  return s;
}

std::string run_experiment(const std::string& dir, const std::string& strategy, const std::string& budget) {
  return "[experiment]\nseed = 4\n" + budget + "\noutput_dir = \"" + dir +
         "\"\n[search_space]\ntype = \"nasbench201\"\n[strategy]\n" + strategy +
         "[evaluator]\ntype = \"tabular\"\ntable = \"" + automl::test::nb201_table().string() + "\"\n";
}

}  // namespace
}  // namespace halving

BOOST_AUTO_TEST_SUITE(halving)

// Li et al. (JMLR 2018), Table 1: R = 81, eta = 3.
BOOST_AUTO_TEST_CASE(hyperband_brackets_follow_the_papers_table) {
  const auto brackets = automl::hyperband_brackets(FidelityRange{1, 81, "epochs", {}}, 3);
  BOOST_TEST(text_of(brackets) ==
             "81@1 27@3 9@9 3@27 1@81 | 34@3 11@9 3@27 1@81 | 15@9 5@27 1@81 | 8@27 2@81 | 5@81 | ");
  // In the evaluator's units: R = 81 from a minimum of 2 epochs.
  BOOST_TEST(text_of(automl::hyperband_brackets(FidelityRange{2, 162, "epochs", {}}, 3)).rfind("81@2 27@6 9@18", 0) == 0u);
  // A table with two levels: s_max = 1.
  BOOST_TEST(text_of(automl::hyperband_brackets(FidelityRange{12, 200, "epochs", {12, 200}}, 3)) ==
             "3@12 1@200 | 2@200 | ");
  BOOST_TEST(text_of({automl::successive_halving_bracket(FidelityRange{1, 9, "epochs", {}}, 3, 20)}) ==
             "20@1 6@3 2@9 | ");
  const auto eta = automl::test::error_of([] { automl::hyperband_brackets(FidelityRange{1, 9, "epochs", {}}, 1); });
  BOOST_TEST(eta.find("greater than 1") != std::string::npos, eta);
}

BOOST_AUTO_TEST_CASE(the_range_comes_from_the_evaluator_and_the_keys) {
  const auto none = automl::test::error_of([] { automl::narrowed_range(std::nullopt, 0, 0, "hyperband"); });
  BOOST_TEST(none.find("[strategy] hyperband evaluates candidates at several fidelities") != std::string::npos, none);
  const auto r = automl::narrowed_range(FidelityRange{1, 200, "epochs", {1, 12, 50, 200}}, 10, 100, "hyperband");
  BOOST_TEST(r.levels == (std::vector<double>{12, 50}), boost::test_tools::per_element());
  BOOST_TEST(r.min == 12.0);
  BOOST_TEST(r.max == 50.0);
  const auto empty = automl::test::error_of(
      [] { automl::narrowed_range(FidelityRange{12, 200, "epochs", {12, 200}}, 13, 199, "successive_halving"); });
  BOOST_TEST(empty.find("leave none of the evaluator's fidelities") != std::string::npos, empty);
}

// Each rung re-evaluates the best of the last at the next fidelity; a
// schedule saved in the middle of a bracket continues the same way.
BOOST_AUTO_TEST_CASE(rungs_promote_the_best_and_resume_mid_bracket) {
  automl::test::Plugins p;
  const auto space = p.registry.make<automl::SearchSpace>(
      "nasbench201", automl::Section("search_space", "nasbench201", {}, {}), automl::Context{}, {});
  const auto brackets = automl::hyperband_brackets(FidelityRange{1, 9, "epochs", {}}, 3);  // 9 3 1 | 5 1 | 3
  automl::HalvingSchedule schedule(7), twin(8);
  const auto tell = [](automl::HalvingSchedule& s, const std::vector<automl::Architecture>& asked) {
    std::vector<double> scores;
    for (const auto& a : asked) scores.push_back(score_of(a));
    s.tell(scores);
  };
  const auto first = schedule.ask(*space, brackets);
  BOOST_REQUIRE(first.size() == 9u);
  BOOST_TEST(std::set<automl::Architecture>(first.begin(), first.end()).size() == 9u);  // distinct
  BOOST_TEST(schedule.fidelities() == std::vector<double>(9, 1.0), boost::test_tools::per_element());
  tell(schedule, first);
  auto ranked = first;
  std::stable_sort(ranked.begin(), ranked.end(), [](auto& a, auto& b) { return score_of(a) > score_of(b); });
  const auto second = schedule.ask(*space, brackets);
  BOOST_TEST(second == std::vector<automl::Architecture>(ranked.begin(), ranked.begin() + 3),
             boost::test_tools::per_element());
  BOOST_TEST(schedule.fidelities() == std::vector<double>(3, 3.0), boost::test_tools::per_element());

  automl::StateWriter w;
  schedule.save(w);
  automl::StateReader r(w.bytes(), "schedule");
  twin.load(r);
  BOOST_TEST(r.at_end());
  // A failure (NaN) is never promoted.
  std::vector<double> scores{std::nan(""), 1.0, 2.0};
  schedule.tell(scores);
  twin.tell(scores);
  const auto third = schedule.ask(*space, brackets);
  BOOST_TEST(third == std::vector<automl::Architecture>{second[2]}, boost::test_tools::per_element());
  BOOST_TEST(twin.ask(*space, brackets) == third, boost::test_tools::per_element());
  BOOST_TEST(schedule.fidelities() == std::vector<double>{9.0}, boost::test_tools::per_element());
  tell(schedule, third);
  tell(twin, third);
  const auto next = schedule.ask(*space, brackets);  // the second bracket: 5 fresh ones at 3
  BOOST_TEST(next.size() == 5u);
  BOOST_TEST(schedule.fidelities() == std::vector<double>(5, 3.0), boost::test_tools::per_element());
  BOOST_TEST(twin.ask(*space, brackets) == next, boost::test_tools::per_element());
}

// Hyperband on NAS-Bench-201 at an epoch budget: trials read the 12- or the
// 200-epoch column, the budget is never overspent, the run's best is a
// 200-epoch trial; random search on the same evaluator is at 200 epochs
// throughout, as before fidelities existed.
BOOST_AUTO_TEST_CASE(hyperband_and_random_search_on_the_two_columns) {
  if (!automl::test::have_nb201()) return;
  automl::test::Plugins p;
  const auto dir = automl::test::scratch_dir("halving_nb201").string();
  const auto exp = automl::parse_experiment(
      run_experiment(dir, "type = \"hyperband\"\neta = 3\n", "budget_fidelity = 3000"), "exp.toml", dir);
  const auto s = automl::start_run(exp, p.registry, automl::build_components(exp, p.registry), automl::RunControl{});
  BOOST_TEST(s.stop_reason == "fidelity budget");
  auto store = automl::ResultsStore::open(s.run_dir / "results.db");
  std::map<double, int> per_fidelity;
  double spent = 0;
  for (const auto& t : store->trials()) {
    ++per_fidelity[t.fidelity];
    spent += t.fidelity;
    const std::string column = t.fidelity == 12 ? "c10valid_val_12" : "c10valid_val_200";
    BOOST_TEST(t.metrics.at(column) == t.score, t.id);
  }
  // Brackets "3@12 1@200 | 2@200", 636 epochs a cycle: four cycles, then
  // 3@12, 1@200 and one of 2@200 (2980), then one of 3@12 (2992); its
  // promotion to 200 epochs would overspend.
  BOOST_TEST(spent == 2992.0);
  BOOST_TEST(per_fidelity.size() == 2u);
  BOOST_TEST(per_fidelity[12] == 16);
  BOOST_TEST(per_fidelity[200] == 14);
  BOOST_REQUIRE(s.best.has_value());
  BOOST_TEST(s.best->fidelity == 200.0);

  const auto random = automl::parse_experiment(run_experiment(dir, "type = \"random\"\n", "budget_trials = 10"),
                                               "exp.toml", dir);
  const auto r = automl::start_run(random, p.registry, automl::build_components(random, p.registry), {});
  for (const auto& t : automl::ResultsStore::open(r.run_dir / "results.db")->trials()) {
    BOOST_TEST(t.fidelity == 200.0);
    BOOST_TEST(t.metrics.at("c10valid_val_200") == t.score);
  }
}

BOOST_AUTO_TEST_CASE(a_strategy_asking_fidelities_of_an_evaluator_without_is_refused) {
  automl::test::Plugins p(true);
  const auto dir = automl::test::scratch_dir("halving_refused").string();
  const auto exp = automl::parse_experiment(
      "[experiment]\nbudget_trials = 5\noutput_dir = \"" + dir +
          "\"\n[search_space]\ntype = \"nasbench201\"\n[strategy]\ntype = \"successive_halving\"\n"
          "[evaluator]\ntype = \"scripted\"\n",
      "exp.toml", dir);
  const auto message = automl::test::error_of(
      [&] { automl::start_run(exp, p.registry, automl::build_components(exp, p.registry), {}); });
  BOOST_TEST(message.find("the [evaluator] has one fidelity only") != std::string::npos, message);
  const auto budget = automl::parse_experiment(
      "[experiment]\nbudget_fidelity = 50\noutput_dir = \"" + dir +
          "\"\n[search_space]\ntype = \"nasbench201\"\n[strategy]\ntype = \"random\"\n[evaluator]\ntype = \"scripted\"\n",
      "exp.toml", dir);
  const auto no_fidelity = automl::test::error_of(
      [&] { automl::start_run(budget, p.registry, automl::build_components(budget, p.registry), {}); });
  BOOST_TEST(no_fidelity.find("budget_fidelity counts the fidelity") != std::string::npos, no_fidelity);
}

BOOST_AUTO_TEST_SUITE_END()
