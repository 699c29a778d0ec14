#include <boost/test/unit_test.hpp>

#include "automl/run/results_store.hpp"
#include "test_support.hpp"

BOOST_AUTO_TEST_SUITE(results_store)

BOOST_AUTO_TEST_CASE(trials_and_checkpoints_survive_reopening) {
  const auto dir = automl::test::scratch_dir("results_store");
  {
    auto store = automl::ResultsStore::create(dir / "results.db");
    std::vector<automl::TrialRecord> round(2);
    round[0].id = 0, round[0].arch_text = "a", round[0].seed = UINT64_MAX;
    round[1].id = 1, round[1].arch_text = "b";
    store->begin_round(0, round, "S0");
    round[0].status = automl::TrialStatus::ok;
    round[0].score = 0.75;
    round[0].metrics = {{"test_acc", 93.5}};
    store->finish_trial(round[0]);
    store->prepared(0, "E0");
    store->set_meta("k", "v");
  }
  auto store = automl::ResultsStore::open(dir / "results.db");
  const auto trials = store->trials();
  BOOST_REQUIRE(trials.size() == 2u);
  BOOST_TEST(trials[0].status == automl::TrialStatus::ok);
  BOOST_TEST(trials[0].score == 0.75);
  BOOST_TEST(trials[0].seed == UINT64_MAX);
  BOOST_TEST(trials[0].metrics.at("test_acc") == 93.5);
  BOOST_TEST(trials[1].status == automl::TrialStatus::pending);
  const auto ck = store->checkpoint();
  BOOST_REQUIRE(ck.has_value());
  BOOST_TEST(!ck->told);
  BOOST_TEST(ck->strategy == "S0");
  BOOST_TEST(ck->evaluator == "E0");
  BOOST_TEST(ck->evaluator_prepared);
  store->end_round(0, "S1", "E1");
  BOOST_TEST(store->checkpoint()->told);
  BOOST_TEST(store->checkpoint()->strategy == "S1");
  BOOST_TEST(*store->meta("k") == "v");
}

BOOST_AUTO_TEST_CASE(refuses_to_overwrite_or_to_open_a_stranger) {
  const auto dir = automl::test::scratch_dir("results_store_errors");
  automl::ResultsStore::create(dir / "results.db");
  BOOST_CHECK_THROW(automl::ResultsStore::create(dir / "results.db"), automl::Error);
  BOOST_CHECK_THROW(automl::ResultsStore::open(dir / "missing.db"), automl::DataError);
  automl::test::write_file(dir / "junk.db", "not a database at all, just text");
  BOOST_CHECK_THROW(automl::ResultsStore::open(dir / "junk.db"), automl::DataError);
}

BOOST_AUTO_TEST_SUITE_END()
