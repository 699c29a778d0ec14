#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

#include "automl/experiment/experiment.hpp"
#include "automl/run/fidelity.hpp"
#include "automl/run/report.hpp"
#include "automl/run/run_lock.hpp"
#include "automl/run/run_loop.hpp"
#include "test_support.hpp"

// Not anonymous: the suite's test cases derive from its Fixture.
namespace run_loop {

namespace fs = std::filesystem;

// Runs entirely on test plugins: no data files needed.
std::string experiment(const std::string& strategy, const std::string& evaluator_extra = "") {
  return "[experiment]\nname = \"t\"\nseed = 5\nbudget_trials = 12\n\n[search_space]\ntype = \"nasbench201\"\n\n"
         "[strategy]\ntype = \"" + strategy + "\"\n\n[evaluator]\ntype = \"scripted\"\n" + evaluator_extra;
}

struct Fixture {
  automl::test::Plugins plugins{true};
};

automl::RunSummary run(Fixture& f, const std::string& text, const fs::path& out,
                       const std::vector<std::string>& sets = {}) {
  auto all = sets;
  all.push_back("experiment.output_dir=" + out.string());
  const auto exp = automl::parse_experiment(text, "exp.toml", out, all);
  return automl::start_run(exp, f.plugins.registry, automl::build_components(exp, f.plugins.registry),
                           automl::RunControl{});
}

std::vector<std::pair<std::string, double>> outcomes(const fs::path& run_dir) {
  auto store = automl::ResultsStore::open(run_dir / "results.db");
  std::vector<std::pair<std::string, double>> out;
  for (const auto& t : store->trials()) out.emplace_back(t.arch_text, t.score);
  return out;
}

}  // namespace run_loop

BOOST_FIXTURE_TEST_SUITE(run_loop, Fixture)

BOOST_AUTO_TEST_CASE(runs_to_the_trial_budget_and_keeps_the_best) {
  const auto s = run(*this, experiment("regularized_evolution"), automl::test::scratch_dir("loop_budget"));
  BOOST_TEST(s.trials_ok == 12);
  BOOST_TEST(s.stop_reason == "trial budget");
  BOOST_REQUIRE(s.best.has_value());
  for (const auto& [arch, score] : outcomes(s.run_dir)) BOOST_TEST(score <= s.best->score);
  BOOST_TEST(fs::exists(s.run_dir / "resolved.toml"));
  BOOST_TEST(fs::exists(s.run_dir / "log.txt"));
}

// [reference] scores every successful trial again, for the record: the
// strategy never sees it, so the run is the same as without it.
BOOST_AUTO_TEST_CASE(a_reference_scores_every_trial_for_the_record) {
  const auto dir = automl::test::scratch_dir("loop_reference");
  const auto plain = run(*this, experiment("regularized_evolution"), dir / "plain");
  const auto with = run(*this, experiment("regularized_evolution") + "\n[reference]\ntype = \"scripted\"\nfail_every = 5\n",
                        dir / "with");
  BOOST_TEST(outcomes(plain.run_dir) == outcomes(with.run_dir));
  auto store = automl::ResultsStore::open(with.run_dir / "results.db");
  double best_referenced = -1;
  for (const auto& t : store->trials()) {
    BOOST_TEST_CONTEXT("trial " << t.id) {
      const bool failed = t.id == 5 || t.id == 10;  // the reference throws on these: no reference score
      BOOST_TEST(t.metrics.count(automl::kReferenceMetric) == (failed ? 0u : 1u));
      if (failed) continue;
      BOOST_TEST(t.metrics.at(automl::kReferenceMetric) == t.score);
      BOOST_TEST(t.metrics.at(automl::kReferenceMetric + ".genes") == 6.0);
      best_referenced = std::max(best_referenced, t.score);
    }
  }
  BOOST_REQUIRE(with.fidelity.has_value());
  BOOST_TEST(!plain.fidelity.has_value());
  BOOST_TEST(with.fidelity->all.n == 10u);
  BOOST_TEST(with.fidelity->all.kendall_tau == 1.0);
  BOOST_TEST(with.fidelity->best_reference == best_referenced);
  std::ostringstream show;
  automl::show_run(with.run_dir, 3, show);
  BOOST_TEST(show.str().find("ranking against the [reference]") != std::string::npos, show.str());
  BOOST_TEST(show.str().find("Kendall tau") != std::string::npos, show.str());
}

BOOST_AUTO_TEST_CASE(failures_and_nans_are_recorded_and_the_run_goes_on) {
  const auto s = run(*this, experiment("random", "fail_every = 4\nnan_every = 5\n"),
                     automl::test::scratch_dir("loop_failures"));
  BOOST_TEST(s.trials_ok + s.trials_failed == 12);
  BOOST_TEST(s.trials_failed == 4);  // trials 4, 8 fail; 5, 10 give NaN
  auto store = automl::ResultsStore::open(s.run_dir / "results.db");
  const auto trials = store->trials();
  BOOST_TEST(trials[4].error == "scripted failure on trial 4");
  BOOST_TEST(trials[5].error.find("non-finite score") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(same_seed_same_run_and_parallel_trials_do_not_change_it) {
  const auto a = run(*this, experiment("regularized_evolution"), automl::test::scratch_dir("loop_det_a"));
  const auto b = run(*this, experiment("regularized_evolution"), automl::test::scratch_dir("loop_det_b"));
  BOOST_CHECK(outcomes(a.run_dir) == outcomes(b.run_dir));
  const auto c = run(*this, experiment("random"), automl::test::scratch_dir("loop_par_a"));
  const auto d = run(*this, experiment("random"), automl::test::scratch_dir("loop_par_b"),
                     {"experiment.parallel_trials=2", "experiment.threads=2"});
  BOOST_CHECK(outcomes(c.run_dir) == outcomes(d.run_dir));
  const auto e = run(*this, experiment("random"), automl::test::scratch_dir("loop_seed"), {"experiment.seed=6"});
  BOOST_CHECK(outcomes(c.run_dir) != outcomes(e.run_dir));
}

// Parallel trials hold device slots: two trials running at once never share
// one, both slots are used, and the run is the one a single device gives.
BOOST_AUTO_TEST_CASE(parallel_trials_hold_device_slots_of_their_own) {
  const std::string text = experiment("random", "report_slot = true\ndelay_ms = 30\n");
  const auto one = run(*this, text, automl::test::scratch_dir("loop_slots_one"));
  const auto two = run(*this, text, automl::test::scratch_dir("loop_slots_two"),
                       {"experiment.parallel_trials=2", "experiment.threads=2", "experiment.devices=[\"cpu\", \"cpu\"]"});
  BOOST_TEST(two.trials_ok == 12);
  BOOST_CHECK(outcomes(one.run_dir) == outcomes(two.run_dir));
  std::set<double> slots;
  auto store = automl::ResultsStore::open(two.run_dir / "results.db");
  for (const auto& t : store->trials()) {
    slots.insert(t.metrics.at("device_slot"));
    BOOST_TEST(t.metrics.at("slot_shared") == 0, "trial " << t.id << " ran on a slot another trial held");
  }
  BOOST_CHECK(slots == (std::set<double>{0, 1}));
  std::ifstream log(two.run_dir / "log.txt");
  const std::string text_log((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  BOOST_TEST(text_log.find("devices: cpu, cpu; one parallel trial on each") != std::string::npos, text_log);
  BOOST_TEST(text_log.find(" on cpu (slot 1)") != std::string::npos, text_log);
}

BOOST_AUTO_TEST_CASE(resume_with_a_larger_budget_equals_one_long_run) {
  const auto dir = automl::test::scratch_dir("loop_resume");
  const auto first = run(*this, experiment("regularized_evolution"), dir, {"experiment.budget_trials=7"});
  const auto before = outcomes(first.run_dir);
  const auto exp = automl::load_run_experiment(first.run_dir, {"experiment.budget_trials=12"});
  const auto resumed =
      automl::resume_run(first.run_dir, exp, automl::build_components(exp, plugins.registry), automl::RunControl{});
  BOOST_TEST(resumed.trials_ok == 12);
  const auto after = outcomes(first.run_dir);
  const decltype(before) head(after.begin(), after.begin() + 7);
  BOOST_CHECK(head == before);
  const auto whole = run(*this, experiment("regularized_evolution"), automl::test::scratch_dir("loop_whole"));
  BOOST_CHECK(after == outcomes(whole.run_dir));
  BOOST_CHECK_THROW(automl::load_run_experiment(first.run_dir, {"strategy.population=3"}), automl::UsageError);
}

BOOST_AUTO_TEST_CASE(a_stop_request_ends_the_run_cleanly) {
  std::atomic<bool> stop{true};
  automl::RunControl control;
  control.stop = &stop;
  const auto dir = automl::test::scratch_dir("loop_stop");
  const auto exp = automl::parse_experiment(experiment("random"), "exp.toml", dir,
                                            {"experiment.output_dir=" + dir.string()});
  const auto s = automl::start_run(exp, plugins.registry, automl::build_components(exp, plugins.registry), control);
  BOOST_TEST(s.stop_reason == "interrupted");
  BOOST_TEST(s.trials_ok == 0);
}

BOOST_AUTO_TEST_CASE(configuration_errors_leave_no_run_directory) {
  const auto dir = automl::test::scratch_dir("loop_bad_config");
  BOOST_CHECK_THROW(run(*this, experiment("random", "delay_ms = -1\n"), dir), automl::ConfigError);
  BOOST_TEST(fs::is_empty(dir));
}

BOOST_AUTO_TEST_CASE(a_run_directory_has_one_writer) {
  const auto dir = automl::test::scratch_dir("loop_lock");
  const auto first = run(*this, experiment("random"), dir, {"experiment.budget_trials=3"});
  const auto exp = automl::load_run_experiment(first.run_dir, {"experiment.budget_trials=6"});
  {
    const automl::DirectoryLock held(first.run_dir);  // as another `automl resume` would hold it
    const auto msg = automl::test::error_of(
        [&] { automl::resume_run(first.run_dir, exp, automl::build_components(exp, plugins.registry), {}); });
    BOOST_TEST(msg.find(" is in use by automl PID " + std::to_string(getpid()) + " on host ") != std::string::npos,
               msg);
    BOOST_TEST(outcomes(first.run_dir).size() == 3u);  // nothing was evaluated twice
  }
  const auto resumed =
      automl::resume_run(first.run_dir, exp, automl::build_components(exp, plugins.registry), automl::RunControl{});
  BOOST_TEST(resumed.trials_ok == 6);
}

BOOST_AUTO_TEST_CASE(a_failed_run_records_why_it_stopped) {
  const auto dir = automl::test::scratch_dir("loop_error");
  const auto msg = automl::test::error_of([&] { run(*this, experiment("random", "fail_round = 1\n"), dir); });
  BOOST_TEST(msg.find("the training loss became NaN in round 1") != std::string::npos, msg);
  const fs::path run_dir = dir / "t";
  const auto store = automl::ResultsStore::open(run_dir / "results.db");
  BOOST_TEST(store->meta("stop_reason").value_or("") ==
             "error: scripted: the training loss became NaN in round 1");
  std::ostringstream shown;
  automl::show_run(run_dir, 5, shown);
  BOOST_TEST(shown.str().find("stopped    error: scripted: the training loss became NaN in round 1") !=
                 std::string::npos,
             shown.str());
}

BOOST_AUTO_TEST_SUITE_END()
