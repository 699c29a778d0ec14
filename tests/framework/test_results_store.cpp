#include <boost/test/unit_test.hpp>

#include <cmath>
#include <sstream>

#include <SQLiteCpp/SQLiteCpp.h>

#include "automl/run/report.hpp"
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

// A trial's fidelity: as asked at begin_round, replaced by what it cost at
// finish_trial; a database made before the column gets it (as 0) on open.
BOOST_AUTO_TEST_CASE(fidelities_round_trip_and_old_databases_gain_the_column) {
  const auto dir = automl::test::scratch_dir("results_store_fidelity");
  {
    auto store = automl::ResultsStore::create(dir / "results.db");
    std::vector<automl::TrialRecord> round(2);
    round[0].id = 0, round[0].arch_text = "a", round[0].fidelity = 9;
    round[1].id = 1, round[1].arch_text = "b", round[1].fidelity = 200;
    store->begin_round(0, round, "S0");
    BOOST_TEST(store->trials()[0].fidelity == 9.0);
    round[0].status = automl::TrialStatus::ok;
    round[0].score = 0.5;
    round[0].fidelity = 12;  // the table's nearest column
    store->finish_trial(round[0]);
  }
  auto store = automl::ResultsStore::open(dir / "results.db");
  const auto trials = store->trials();
  BOOST_TEST(trials[0].fidelity == 12.0);
  BOOST_TEST(trials[1].fidelity == 200.0);
  std::ostringstream csv;
  automl::export_run(*store, "csv", csv);
  BOOST_TEST(csv.str().find(",error,fidelity\n") != std::string::npos, csv.str());
  BOOST_TEST(csv.str().find(",12\n") != std::string::npos, csv.str());
  store.reset();
  {  // the same database as an older version wrote it: no fidelity column
    SQLite::Database db((dir / "results.db").string(), SQLite::OPEN_READWRITE);
    db.exec("ALTER TABLE trials DROP COLUMN fidelity");
  }
  BOOST_TEST(automl::ResultsStore::open_read_only(dir / "results.db")->trials()[0].fidelity == 0.0);
  BOOST_TEST(automl::ResultsStore::open(dir / "results.db")->trials()[1].fidelity == 0.0);
}

BOOST_AUTO_TEST_CASE(refuses_to_overwrite_or_to_open_a_stranger) {
  const auto dir = automl::test::scratch_dir("results_store_errors");
  automl::ResultsStore::create(dir / "results.db");
  BOOST_CHECK_THROW(automl::ResultsStore::create(dir / "results.db"), automl::Error);
  BOOST_CHECK_THROW(automl::ResultsStore::open(dir / "missing.db"), automl::DataError);
  automl::test::write_file(dir / "junk.db", "not a database at all, just text");
  BOOST_CHECK_THROW(automl::ResultsStore::open(dir / "junk.db"), automl::DataError);
}

BOOST_AUTO_TEST_CASE(learning_curves_round_trip_and_export) {
  const auto dir = automl::test::scratch_dir("results_store_curves");
  {
    auto store = automl::ResultsStore::create(dir / "results.db");
    std::vector<automl::TrialRecord> round(2);
    round[0].id = 0, round[0].arch_text = "a";
    round[1].id = 1, round[1].arch_text = "b";
    store->begin_round(0, round, "S0");
    round[0].status = automl::TrialStatus::ok;
    round[0].score = 70;
    round[0].curve = {{1, {{"valid_acc", 50.0}}}, {2, {{"valid_acc", 60.0}, {"train_loss", 0.5}}}};
    store->finish_trial(round[0]);
    // Finishing a trial again (a resumed run) replaces its curve.
    round[0].curve = {{1, {{"valid_acc", 55.0}}}, {2, {{"valid_acc", 70.0}, {"train_loss", std::nan("")}}}};
    store->finish_trial(round[0]);
    round[1].status = automl::TrialStatus::failed;
    store->finish_trial(round[1]);
  }
  const auto store = automl::ResultsStore::open_read_only(dir / "results.db");
  const auto curves = store->curves();
  BOOST_REQUIRE(curves.size() == 1u);
  const auto& c = curves.at(0);
  BOOST_REQUIRE(c.size() == 2u);
  BOOST_TEST(c[0].step == 1);
  BOOST_TEST(c[0].values.size() == 1u);
  BOOST_TEST(c[0].values.at("valid_acc") == 55);
  BOOST_TEST(c[1].values.at("valid_acc") == 70);
  BOOST_TEST(std::isnan(c[1].values.at("train_loss")));
  BOOST_TEST(store->trials()[0].curve.empty());  // trials() leaves curves to curves()

  std::ostringstream json, csv;
  automl::export_run(*store, "json", json);
  BOOST_TEST((json.str().find("\"curve\": [") != std::string::npos), json.str());
  BOOST_TEST((json.str().find("\"train_loss\": null") != std::string::npos), json.str());
  automl::export_run(*store, "curves", csv);
  BOOST_TEST(csv.str() == "trial,step,name,value\n0,1,valid_acc,55\n0,2,train_loss,\n0,2,valid_acc,70\n",
             csv.str());
}

BOOST_AUTO_TEST_SUITE_END()
