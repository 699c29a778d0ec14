#include <boost/test/unit_test.hpp>

#include "automl/experiment/experiment.hpp"
#include "automl/devices.hpp"
#include "automl/run/components.hpp"
#include "automl/run/launcher.hpp"
#include "test_support.hpp"

namespace experiment {
namespace {

const std::string kValid = R"(
[experiment]
seed = 3
budget_trials = 10

[search_space]
type = "nasbench201"

[strategy]
type = "random"

[evaluator]
type = "tabular"
table = "t.csv"
)";

automl::Experiment parse(const std::string& text, const std::vector<std::string>& sets = {}) {
  return automl::parse_experiment(text, "exp.toml", "/base", sets);
}

std::string error(const std::string& text, const std::vector<std::string>& sets = {}) {
  return automl::test::error_of([&] { parse(text, sets); });
}

}  // namespace
}  // namespace experiment

BOOST_AUTO_TEST_SUITE(experiment)

BOOST_AUTO_TEST_CASE(valid_file_is_read_with_locations) {
  const auto exp = parse(kValid);
  BOOST_TEST(exp.options.seed == 3);
  BOOST_TEST(exp.options.threads == 1);
  BOOST_TEST(exp.strategy.type == "random");
  BOOST_TEST(exp.strategy.type_where.str() == "exp.toml:10:8");
  BOOST_TEST(!exp.dataset.has_value());
  BOOST_TEST(exp.evaluator.section.entries().count("table") == 1u);
  BOOST_TEST(exp.evaluator.section.entries().count("type") == 0u);
}

BOOST_AUTO_TEST_CASE(reference_is_an_evaluator_table_built_after_the_evaluator) {
  const auto exp = parse(kValid + "\n[reference]\ntype = \"tabular\"\nsearch_column = \"c10_test_200\"\n");
  BOOST_REQUIRE(exp.reference.has_value());
  BOOST_TEST((exp.reference->kind == automl::Kind::evaluator));
  BOOST_TEST(exp.reference->type_where.str() == "exp.toml:17:8");
  const auto order = exp.components();
  BOOST_REQUIRE(order.size() == 4u);
  BOOST_TEST(order[2] == &exp.evaluator);
  BOOST_TEST(order[3] == &*exp.reference);
  const auto msg = error(kValid + "\n[refrence]\ntype = \"tabular\"\n");
  BOOST_TEST(msg.find("(did you mean 'reference'?)") != std::string::npos, msg);
  const auto untyped = error(kValid + "\n[reference]\ntable = \"t.csv\"\n");
  BOOST_TEST(untyped.find("[reference] needs a `type` key") != std::string::npos, untyped);
}

BOOST_AUTO_TEST_CASE(launcher_table_is_optional_and_strict) {
  BOOST_TEST(parse(kValid).launcher.local());
  const auto slurm = parse(kValid + "\n[launcher]\ntype = \"slurm\"\npartition = \"gpu\"\ngres = \"gpu:1\"\n"
                                    "setup = [\"module load cuda\"]\nmax_retries = 2\n");
  BOOST_TEST(slurm.launcher.type == "slurm");
  BOOST_TEST(slurm.launcher.partition == "gpu");
  BOOST_TEST(slurm.launcher.gres == "gpu:1");
  BOOST_TEST(slurm.launcher.setup.size() == 1u);
  BOOST_TEST(slurm.launcher.max_retries == 2);
  BOOST_TEST(parse(kValid, {"launcher.type=process"}).launcher.type == "process");
  const auto typo = error(kValid + "\n[launcher]\ntype = \"slrum\"\n");
  BOOST_TEST(typo.find("exp.toml:17:") != std::string::npos, typo);
  BOOST_TEST(typo.find("(did you mean 'slurm'?)") != std::string::npos, typo);
  const auto not_slurm = error(kValid + "\n[launcher]\ntype = \"process\"\npartition = \"gpu\"\n");
  BOOST_TEST(not_slurm.find("exp.toml:18:") != std::string::npos, not_slurm);
  BOOST_TEST(not_slurm.find("partition is a Slurm setting, but type is \"process\"") != std::string::npos, not_slurm);
  const auto unknown = error(kValid + "\n[launcher]\ntype = \"slurm\"\npartiton = \"gpu\"\n");
  BOOST_TEST(unknown.find("did you mean 'partition'") != std::string::npos, unknown);
}

// What the compute nodes of a Slurm run must see: the paths the tables name
// that exist (relative to the experiment's folder).
BOOST_AUTO_TEST_CASE(experiment_paths_lists_the_files_the_tables_name) {
  const auto dir = automl::test::scratch_dir("experiment_paths");
  BOOST_TEST(automl::experiment_paths(automl::parse_experiment(kValid, "exp.toml", dir)).empty());
  automl::test::write_file(dir / "t.csv", "x\n");
  const auto paths = automl::experiment_paths(automl::parse_experiment(kValid, "exp.toml", dir));
  BOOST_REQUIRE(paths.size() == 1u);
  BOOST_TEST(paths[0].first == "[evaluator] table");
  BOOST_TEST(paths[0].second == dir / "t.csv");
}

BOOST_AUTO_TEST_CASE(syntax_error_has_file_line_column) {
  const auto msg = error("[experiment]\nseed = \n");
  BOOST_TEST(msg.find("exp.toml:2:") != std::string::npos, msg);
  BOOST_TEST(msg.find("TOML syntax error") != std::string::npos, msg);
}

BOOST_AUTO_TEST_CASE(unknown_section_suggests_the_nearest) {
  const auto msg = error(kValid + "\n[stratgy]\nx = 1\n");
  BOOST_TEST(msg.find("exp.toml:16:1") != std::string::npos, msg);
  BOOST_TEST(msg.find("unknown section [stratgy] (did you mean 'strategy'?)") != std::string::npos, msg);
}

BOOST_AUTO_TEST_CASE(experiment_keys_are_strict) {
  auto text = kValid;
  text.replace(text.find("seed = 3"), 8, "sed = 3");
  const auto msg = error(text);
  BOOST_TEST(msg.find("exp.toml:3:1: unknown key [experiment] sed (did you mean 'seed'?)") != std::string::npos, msg);
}

BOOST_AUTO_TEST_CASE(missing_pieces_are_named) {
  auto no_type = kValid;
  no_type.replace(no_type.find("type = \"random\""), 15, "");
  BOOST_TEST(error(no_type).find("[strategy] needs a `type` key") != std::string::npos);
  auto empty_type = kValid;
  empty_type.replace(empty_type.find("type = \"tabular\""), 16, "type = \"\"");
  BOOST_TEST(error(empty_type).find("exp.toml:13:8: [evaluator] type is empty") != std::string::npos, error(empty_type));
  auto no_budget = kValid;
  no_budget.replace(no_budget.find("budget_trials = 10"), 18, "");
  BOOST_TEST(error(no_budget).find("no budget") != std::string::npos);
  BOOST_TEST(error("[experiment]\nbudget_trials = 1\n").find("missing section [search_space]") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(parallel_trials_cannot_exceed_threads) {
  const auto msg = error(kValid, {"experiment.parallel_trials=2"});
  BOOST_TEST(msg.find("exceeds threads") != std::string::npos, msg);
  BOOST_TEST(parse(kValid, {"experiment.parallel_trials=2", "experiment.threads=2"}).options.parallel_trials == 2);
}

BOOST_AUTO_TEST_CASE(overrides_go_through_the_same_checks) {
  BOOST_TEST(parse(kValid, {"experiment.seed=9"}).options.seed == 9);
  BOOST_TEST(parse(kValid, {"experiment.device=cpu"}).options.device == "cpu");
  const auto msg = error(kValid, {"experiment.seed=-1"});
  BOOST_TEST(msg.find("--set experiment.seed") != std::string::npos, msg);
  BOOST_TEST(msg.find("out of range") != std::string::npos, msg);
  BOOST_TEST(error(kValid, {"experiment.device=tpu"}).find("expected \"cpu\", \"cuda\" or \"cuda:N\"") !=
             std::string::npos);
  BOOST_TEST(error(kValid, {"seed=1"}).find("expected section.key=value") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(run_names_are_one_path_component) {
  for (const std::string bad : {"../../escaped", ".", "..", "a/b"}) {
    const auto msg = error(kValid, {"experiment.name=\"" + bad + "\""});
    BOOST_TEST(msg.find("--set experiment.name") != std::string::npos, msg);
    BOOST_TEST(msg.find("is not a folder name") != std::string::npos, msg);
  }
  BOOST_TEST(parse(kValid, {"experiment.name=\"nb201-rea.2\""}).options.name == "nb201-rea.2");
}

BOOST_AUTO_TEST_CASE(device_numbers_are_checked_not_overflowed) {
  const auto msg = error(kValid, {"experiment.device=\"cuda:99999999999\""});
  BOOST_TEST(msg.find("expected \"cpu\", \"cuda\" or \"cuda:N\"") != std::string::npos, msg);
}

BOOST_AUTO_TEST_CASE(device_slots_are_checked_and_expanded) {
  // One slot per parallel trial; the same device may be named twice.
  const auto two = parse(kValid, {"experiment.devices=[\"cpu\", \"cpu\"]"});
  BOOST_TEST(automl::device_slots(two) == (std::vector<std::string>{"cpu", "cpu"}));
  BOOST_TEST(automl::device_slots(parse(kValid)) == std::vector<std::string>{"cpu"});
  for (const std::string bad : {"[\"tpu\"]", "[\"cuda\", \"cpu\"]", "[\"cuda:x\"]"}) {
    const auto msg = error(kValid, {"experiment.devices=" + bad});
    BOOST_TEST(msg.find("--set experiment.devices") != std::string::npos, msg);
    BOOST_TEST(msg.find("[\"cuda\"] alone for every visible CUDA device") != std::string::npos, msg);
  }
  const auto both = error(kValid, {"experiment.device=\"cuda\"", "experiment.devices=[\"cuda:0\"]"});
  BOOST_TEST(both.find("set device (one device) or devices (one per parallel trial), not both") != std::string::npos,
             both);
  // A CUDA device that LibTorch does not see: the error says where and what to do.
  if (automl::cuda_device_count() > 0) return;
  for (const std::string set : {"experiment.devices=[\"cpu\", \"cuda:1\"]", "experiment.devices=[\"cuda\"]",
                                "experiment.device=\"cuda\""}) {
    const auto msg = automl::test::error_of([&] {
      automl::device_slots(automl::parse_experiment(kValid, "exp.toml", "/base", {set}));
    });
    BOOST_TEST(msg.find("--set experiment.device") != std::string::npos, msg);
    BOOST_TEST(msg.find("but LibTorch sees 0 CUDA device(s) (a CPU-only build or no GPU); use \"cpu\" or build "
                        "against a CUDA LibTorch") != std::string::npos, msg);
  }
}

// Found by the experiment and --set fuzz targets (tests/fuzz/regressions/).
BOOST_AUTO_TEST_CASE(tables_made_by_set_are_placed_there) {
  const auto section = error(kValid, {"strateg.population=3"});
  BOOST_TEST(section.find("--set strateg.population: unknown section [strateg]") != std::string::npos, section);
  const auto final_type = error(kValid, {"final.top_k=3"});
  BOOST_TEST(final_type.find("--set final.top_k: [final] needs a `type` key") != std::string::npos, final_type);
  const auto experiment_type = error(kValid, {"experiment.type=x"});
  BOOST_TEST(experiment_type.find("--set experiment.type: [experiment] takes no `type`") != std::string::npos,
             experiment_type);
}

BOOST_AUTO_TEST_CASE(control_characters_are_escaped_in_values_and_messages) {
  // A bare --set value with a control character is a string, not a crash.
  const auto exp = parse(kValid, {std::string("evaluator.table=a\x01b")});
  BOOST_TEST(std::get<std::string>(exp.evaluator.section.entries().at("table").value) == "a\x01b");
  BOOST_TEST(automl::to_toml(automl::Value{std::string("a\x01\x7f\"")}) == "\"a\\u0001\\u007F\\\"\"");
  const auto syntax = error(std::string("[experiment]\nseed = t\x05\n"));
  BOOST_TEST(syntax.find('\x05') == std::string::npos, syntax);
  BOOST_TEST(syntax.find("exp.toml:2:") != std::string::npos, syntax);
  const auto bad = error(kValid, {std::string("strat\x02.x=1")});
  BOOST_TEST(bad.find('\x02') == std::string::npos, bad);
}

BOOST_AUTO_TEST_SUITE_END()
