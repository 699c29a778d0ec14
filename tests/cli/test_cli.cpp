// The command line driven in-process: outputs, exit codes and error messages.

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>

#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "automl/text.hpp"
#include "commands.hpp"
#include "automl/graph.hpp"
#include "automl/run/results_store.hpp"
#include "test_support.hpp"

namespace cli {
namespace {

namespace fs = std::filesystem;

struct Result {
  int code;
  std::string out;
  std::string err;
};

Result automl_cli(std::vector<std::string> args) {
  args.insert(args.begin(), "automl");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  const int code = automl::cli::main(static_cast<int>(argv.size()), argv.data(), out, err);
  return {code, out.str(), err.str()};
}

// An experiment on test plugins only (no data), in a scratch folder.
fs::path write_experiment(const std::string& name, const std::string& strategy_lines = "type = \"random\"\n",
                          const std::string& extra = "") {
  const auto dir = automl::test::scratch_dir("cli_" + name);
  automl::test::write_file(dir / "exp.toml",
                           "[experiment]\nseed = 1\nbudget_trials = 8\noutput_dir = \"" + (dir / "runs").string() +
                               "\"\nplugin_paths = [\"" + automl::test::test_plugin_dir().string() + "\"]\n" +
                               extra + "\n[search_space]\ntype = \"nasbench201\"\n\n[strategy]\n" + strategy_lines +
                               "\n[evaluator]\ntype = \"scripted\"\n");
  return dir / "exp.toml";
}

// Adds `lines` at the end of the experiment file `exp`.
void append_to(const fs::path& exp, const std::string& lines) {
  std::ifstream in(exp);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  automl::test::write_file(exp, text + lines);
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace
}  // namespace cli

BOOST_AUTO_TEST_SUITE(cli)

BOOST_AUTO_TEST_CASE(help_and_version) {
  // The version, then the LibTorch build and what it sees (a CPU build here
  // unless the tests run against a CUDA LibTorch).
  const std::string version = automl_cli({"--version"}).out;
  BOOST_TEST(version.rfind("automl 0.1.0\nLibTorch ", 0) == 0, version);
  BOOST_TEST(version.find(std::string("(") + AUTOML_TORCH_BACKEND + " build)\n") != std::string::npos, version);
  BOOST_TEST(version.find("CUDA: ") != std::string::npos, version);
  const auto help = automl_cli({"--help"});
  BOOST_TEST(help.code == 0);
  BOOST_TEST(has(help.out, "resume"));
  BOOST_TEST(automl_cli({}).code == 2);
  const auto run_help = automl_cli({"run", "--help"});
  BOOST_TEST(has(run_help.out, "usage: automl run EXPERIMENT.toml"));
  const auto typo = automl_cli({"rnu"});
  BOOST_TEST(typo.code == 2);
  BOOST_TEST(has(typo.err, "unknown command 'rnu' (did you mean 'run'?)"), typo.err);
}

BOOST_AUTO_TEST_CASE(run_show_export_resume) {
  const auto exp = write_experiment("run");
  const auto run = automl_cli({"run", exp.string()});
  BOOST_TEST(run.code == 0, run.err);
  BOOST_TEST(has(run.out, "8 ok, 0 failed, 0 pending; stopped: trial budget"), run.out);
  const auto dir = exp.parent_path() / "runs" / "exp";
  BOOST_TEST(has(run.out, "database: " + (dir / "results.db").string()), run.out);
  BOOST_TEST(has(run.out, "report:   " + (dir / "report.txt").string()), run.out);
  std::ifstream report_file(dir / "report.txt");
  const std::string report((std::istreambuf_iterator<char>(report_file)), std::istreambuf_iterator<char>());
  BOOST_TEST(has(report, "top 8 by score"), report);
  const auto show = automl_cli({"show", dir.string(), "--top", "2"});
  BOOST_TEST(has(show.out, "trials     8 ok, 0 failed, 0 pending"), show.out);
  BOOST_TEST(has(show.out, "top 2 by score"), show.out);
  const auto csv = automl_cli({"export", dir.string(), "--format", "csv"});
  BOOST_TEST(std::count(csv.out.begin(), csv.out.end(), '\n') == 9);
  BOOST_TEST(has(csv.out, "id,batch,status,score,arch,seed,wall_s,finished_at,elapsed_s,error,fidelity,genes"), csv.out);
  const auto json = automl_cli({"export", dir.string(), "--format", "json"});
  BOOST_TEST(has(json.out, "\"status\": \"ok\""));
  // Seeds are unsigned 64-bit: a string in JSON (a double holds 53 bits), the same digits in CSV.
  const auto first = nlohmann::json::parse(json.out).at(0);
  BOOST_TEST_REQUIRE(first.at("seed").is_string());
  const std::string csv_row = automl::split(csv.out, '\n').at(1);
  BOOST_TEST(automl::split(csv_row, ',').at(5) == first.at("seed").get<std::string>(), csv_row);
  BOOST_TEST(has(show.out, "made by    automl "), show.out);
  BOOST_TEST(automl_cli({"export", dir.string(), "--format", "xml"}).code == 2);
  const auto resume = automl_cli({"resume", dir.string(), "--set", "experiment.budget_trials=10"});
  BOOST_TEST(resume.code == 0, resume.err);
  BOOST_TEST(has(resume.out, "10 ok"), resume.out);
  // A second run of the same file gets its own directory.
  BOOST_TEST(automl_cli({"run", exp.string()}).code == 0);
  BOOST_TEST(fs::exists(exp.parent_path() / "runs" / "exp-2" / "results.db"));
}

BOOST_AUTO_TEST_CASE(typo_in_a_key_gets_location_and_suggestion) {
  const auto exp = write_experiment("typo", "type = \"regularized_evolution\"\npopulaton = 5\n");
  const auto r = automl_cli({"run", exp.string()});
  BOOST_TEST(r.code == 2);
  BOOST_TEST(has(r.err, exp.string() + ":12:1: unknown key [strategy] populaton for strategy "
                                       "'regularized_evolution' (did you mean 'population'?)"), r.err);
  BOOST_TEST(!fs::exists(exp.parent_path() / "runs"));
}

BOOST_AUTO_TEST_CASE(unknown_type_lists_the_registered_ones) {
  const auto exp = write_experiment("type", "type = \"evolution\"\n");
  const auto r = automl_cli({"check", exp.string()});
  BOOST_TEST(r.code == 2);
  BOOST_TEST(has(r.err, ":11:8: unknown strategy type 'evolution'"), r.err);
  BOOST_TEST(has(r.err, "registered: 'enas', 'hyperband', 'nao', 'random', 'random_ws', 'regularized_evolution', "
                        "'successive_halving'"), r.err);
}

BOOST_AUTO_TEST_CASE(bad_value_says_the_expected_range) {
  const auto exp = write_experiment("value", "type = \"regularized_evolution\"\nsample_size = 0\n");
  const auto r = automl_cli({"check", exp.string()});
  BOOST_TEST(r.code == 2);
  BOOST_TEST(has(r.err, ":12:1: [strategy] sample_size = 0 is out of range: expected integer in [1, 1000000]"), r.err);
  const auto set = automl_cli({"check", write_experiment("set").string(), "--set", "experiment.threads=zero"});
  BOOST_TEST(has(set.err, "--set experiment.threads"), set.err);
  BOOST_TEST(has(set.err, "expected integer in [1, 1024], found string \"zero\""), set.err);
  BOOST_TEST(set.code == 2);
}

BOOST_AUTO_TEST_CASE(broken_toml_syntax) {
  const auto exp = write_experiment("syntax");
  std::ofstream(exp, std::ios::app) << "[broken\n";
  const auto r = automl_cli({"check", exp.string()});
  BOOST_TEST(r.code == 2);
  BOOST_TEST(has(r.err, exp.string() + ":15:"), r.err);
  BOOST_TEST(has(r.err, "TOML syntax error"), r.err);
}

BOOST_AUTO_TEST_CASE(wrong_plugin_file_in_the_plugin_path) {
  const auto dir = automl::test::scratch_dir("cli_plugin_dir");
  automl::test::write_file(dir / "strategy_broken.so", "garbage");
  const auto exp = write_experiment("plugin", "type = \"random\"\n");
  std::string text;
  {
    std::ifstream in(exp);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  text.replace(text.find("plugin_paths = [") + 16, 0, "\"" + dir.string() + "\", ");
  automl::test::write_file(exp, text);
  const auto r = automl_cli({"run", exp.string()});
  BOOST_TEST(r.code == 2);
  BOOST_TEST(has(r.err, "strategy_broken.so is not a shared object (no ELF header)"), r.err);
  const auto missing = automl_cli({"check", write_experiment("plugin_missing", "type = \"random\"\n",
                                                       "plugin_paths = [\"nowhere\"]\n").string()});
  BOOST_TEST(missing.code == 2);
}

BOOST_AUTO_TEST_CASE(list_and_describe) {
  const auto list = automl_cli({"list"});
  BOOST_TEST(list.code == 0);
  BOOST_TEST(has(list.out, "regularized_evolution"));
  BOOST_TEST(has(list.out, "strategy_regularized_evolution.so"));
  const auto d = automl_cli({"describe", "strategy", "regularized_evolution"});
  BOOST_TEST(d.code == 0, d.err);
  BOOST_TEST(has(d.out, "sample_size"));
  BOOST_TEST(has(d.out, "default 3"));
  BOOST_TEST(has(d.out, "type = \"regularized_evolution\""));
  const auto option = automl_cli({"export", "x", "--formt", "csv"});
  BOOST_TEST(option.code == 2);
  BOOST_TEST(has(option.err, "unknown option '--formt' (did you mean '--format'?)"), option.err);
  const auto wrong = automl_cli({"describe", "strategies", "random"});
  BOOST_TEST(has(wrong.err, "(did you mean 'strategy'?)"), wrong.err);
  BOOST_TEST(automl_cli({"describe", "strategy", "nope"}).code == 2);
}

BOOST_AUTO_TEST_CASE(describe_json_gives_every_schema) {
  const auto all = automl_cli({"describe", "--json"});
  BOOST_TEST_REQUIRE(all.code == 0, all.err);
  const auto j = nlohmann::json::parse(all.out);
  BOOST_TEST(j.at("format").get<int>() == 1);
  BOOST_TEST(j.at("experiment").at("name").get<std::string>() == "experiment");
  const nlohmann::json* evolution = nullptr;
  for (const auto& c : j.at("components"))
    if (c.at("kind") == "strategy" && c.at("name") == "regularized_evolution") evolution = &c;
  BOOST_TEST_REQUIRE(evolution != nullptr);
  bool seen = false;
  for (const auto& f : evolution->at("fields")) {
    if (f.at("key") != "population") continue;
    seen = true;
    BOOST_TEST(f.at("type").get<std::string>() == "integer");
    BOOST_TEST(f.at("default").get<int>() == 10);
    BOOST_TEST(f.at("min").get<double>() == 1.0);
    BOOST_TEST(f.at("type_max").get<double>() == 2147483647.0);  // an int member
  }
  BOOST_TEST(seen);
  const auto one = automl_cli({"describe", "--json", "strategy", "regularized_evolution"});
  BOOST_TEST_REQUIRE(one.code == 0, one.err);
  BOOST_TEST(nlohmann::json::parse(one.out).at("name").get<std::string>() == "regularized_evolution");
}

BOOST_AUTO_TEST_CASE(data_describes_the_dataset_of_an_experiment) {
  const auto exp = write_experiment("data", "type = \"random\"\n", "");
  append_to(exp, "\n[dataset]\ntype = \"fashion_mnist\"\nvalid_count = 6000\n");
  if (!fs::exists("/usr/share/datasets/fashion-mnist")) return;
  const auto r = automl_cli({"data", exp.string()});
  BOOST_TEST(r.code == 0, r.err);
  BOOST_TEST(has(r.out, "shape     1 x 28 x 28"), r.out);
  BOOST_TEST(has(r.out, "train     54000 images"), r.out);
  BOOST_TEST(has(r.out, "valid     6000 images"), r.out);
  BOOST_TEST(has(r.out, "channel 0 mean 0.2860 std 0.3530"), r.out);
  const auto none = automl_cli({"data", write_experiment("data_none").string()});
  BOOST_TEST(none.code == 2);
  BOOST_TEST(has(none.err, "missing section [dataset]"), none.err);
  // [experiment] and [dataset] are all `data` needs.
  const auto alone = exp.parent_path() / "dataset_only.toml";
  automl::test::write_file(alone, "[experiment]\nseed = 1\nbudget_trials = 1\n\n[dataset]\ntype = \"fashion_mnist\"\n");
  const auto only = automl_cli({"data", alone.string()});
  BOOST_TEST(only.code == 0, only.err);
  BOOST_TEST(has(only.out, "train     55000 images"), only.out);
  const auto missing = automl_cli({"data", exp.string(), "--set", "dataset.root=/nowhere"});
  BOOST_TEST(missing.code == 2);  // caused by the experiment: a configuration error, placed at [dataset]
  BOOST_TEST(has(missing.err, "dataset root /nowhere does not exist"), missing.err);
}

BOOST_AUTO_TEST_CASE(inspect_prints_the_network_and_tokens) {
  if (!fs::exists("/usr/share/datasets/fashion-mnist")) return;
  const auto dir = automl::test::scratch_dir("cli_inspect");
  automl::test::write_file(dir / "exp.toml",
                           "[experiment]\nbudget_trials = 1\n[dataset]\ntype = \"fashion_mnist\"\n"
                           "[search_space]\ntype = \"nasnet_cnn\"\n[strategy]\ntype = \"random\"\n"
                           "[evaluator]\ntype = \"full_training\"\nlayers = 1\nchannels = 16\n");
  const auto r = automl_cli({"inspect", (dir / "exp.toml").string(), "--arch", "naonet_b", "--tokens"});
  BOOST_TEST(r.code == 0, r.err);
  BOOST_TEST(has(r.out, "tokens        1 8 1 9 1 8 3 9 2 10"), r.out);
  BOOST_TEST(has(r.out, "stem                 48x28x28"), r.out);
  BOOST_TEST(has(r.out, "cell 3 (reduction)   192x7x7"), r.out);
  BOOST_TEST(has(r.out, "parameters     "), r.out);
  BOOST_TEST(has(r.out, "multiply-adds  "), r.out);
  const auto bad = automl_cli({"inspect", (dir / "exp.toml").string(), "--arch", "0 1 2"});
  BOOST_TEST(bad.code == 2);
  BOOST_TEST(has(bad.err, "nasnet_cnn: cannot parse '0 1 2'"), bad.err);
  const auto no_arch = automl_cli({"train", (dir / "exp.toml").string()});
  BOOST_TEST(no_arch.code == 2);
  BOOST_TEST(has(no_arch.err, "missing arch"), no_arch.err);
}

BOOST_AUTO_TEST_CASE(final_stage_re_evaluates_the_top_candidates) {
  const auto exp = write_experiment("final");
  append_to(exp, "\n[final]\ntype = \"scripted\"\ntop_k = 3\n");
  const auto run = automl_cli({"run", exp.string()});
  BOOST_TEST(run.code == 0, run.err);
  BOOST_TEST(has(run.out, "final: "), run.out);
  const auto dir = exp.parent_path() / "runs" / "exp";
  const auto show = automl_cli({"show", dir.string()});
  BOOST_TEST(has(show.out, "final stage (3 candidates re-evaluated"), show.out);
  BOOST_TEST(has(show.out, "winner: rank "), show.out);
  BOOST_TEST(has(automl_cli({"check", exp.string()}).out, "top_k = 3"));
  // Resuming a finished run redoes nothing; a bad top_k is a located error.
  BOOST_TEST(automl_cli({"resume", dir.string()}).code == 0);
  BOOST_TEST(has(automl_cli({"show", dir.string()}).out, "final stage (3 candidates"));
  const auto bad = automl_cli({"check", exp.string(), "--set", "final.top_k=0"});
  BOOST_TEST(bad.code == 2);
  BOOST_TEST(has(bad.err, "[final] top_k: expected an integer >= 1"), bad.err);
  const auto typo = automl_cli({"check", exp.string(), "--set", "final.delay=3"});
  BOOST_TEST(typo.code == 2);
  BOOST_TEST(has(typo.err, "[final]"), typo.err);
}

BOOST_AUTO_TEST_CASE(final_stage_trains_random_architectures_beside_the_best) {
  const auto exp = write_experiment("final_random");
  append_to(exp, "\n[final]\ntype = \"scripted\"\ntop_k = 2\nrandom = 2\n");
  const auto run = automl_cli({"run", exp.string()});
  BOOST_TEST(run.code == 0, run.err);
  BOOST_TEST(has(run.out, "final: "), run.out);
  BOOST_TEST(has(run.out, "random: "), run.out);
  BOOST_TEST(has(run.out, "the search's best against the best of 2 random ones: "), run.out);
  const auto dir = exp.parent_path() / "runs" / "exp";
  const auto show = automl_cli({"show", dir.string()});
  BOOST_TEST(has(show.out, "final stage (2 candidates re-evaluated; rank = place in the search; random = "), show.out);
  BOOST_TEST(has(show.out, "random 1 "), show.out);
  BOOST_TEST(has(show.out, "random 2 "), show.out);
  // The random architectures come from the seed: the same in a second run,
  // and never the winner.
  const auto finals = automl::ResultsStore::open(dir / "results.db")->finals();
  BOOST_TEST(finals.size() == 4u);
  BOOST_TEST(!finals[0].random_baseline());
  BOOST_TEST(finals[2].random_baseline());
  BOOST_TEST(std::isnan(finals[3].search_score));
  const auto again = automl_cli({"run", exp.string()});
  BOOST_TEST(again.code == 0, again.err);
  const auto repeat = automl::ResultsStore::open(exp.parent_path() / "runs" / "exp-2" / "results.db")->finals();
  BOOST_TEST(repeat.size() == 4u);
  for (std::size_t i = 0; i < repeat.size() && i < finals.size(); ++i) {
    BOOST_TEST(repeat[i].trial.arch_text == finals[i].trial.arch_text);
    BOOST_TEST(repeat[i].trial.score == finals[i].trial.score);
  }
  BOOST_TEST(has(automl_cli({"check", exp.string()}).out, "random = 2\nselect = \"auto\""));
  // select = "last_round": the candidates come from the last round's trials only.
  const auto last = automl_cli({"run", exp.string(), "--set", "final.select=\"last_round\""});
  BOOST_TEST(last.code == 0, last.err);
  std::ifstream log(exp.parent_path() / "runs" / "exp-3" / "log.txt");
  const std::string log_text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  BOOST_TEST(has(log_text, "candidates of the last round"), log_text);
  const auto store = automl::ResultsStore::open(exp.parent_path() / "runs" / "exp-3" / "results.db");
  std::int64_t last_round = 0;
  for (const auto& t : store->trials()) last_round = std::max(last_round, t.round);
  std::set<std::string> of_last;
  for (const auto& t : store->trials(last_round)) of_last.insert(t.arch_text);
  for (const auto& f : store->finals())
    if (!f.random_baseline()) BOOST_TEST(of_last.count(f.trial.arch_text) == 1u, f.trial.arch_text);
  const auto bad_select = automl_cli({"check", exp.string(), "--set", "final.select=\"best\""});
  BOOST_TEST(bad_select.code == 2);
  BOOST_TEST(has(bad_select.err, "[final] select: expected \"auto\", \"last_round\" or \"best_ever\""), bad_select.err);
  const auto bad = automl_cli({"check", exp.string(), "--set", "final.random=-1"});
  BOOST_TEST(bad.code == 2);
  BOOST_TEST(has(bad.err, "[final] random: expected an integer >= 0"), bad.err);
}

BOOST_AUTO_TEST_CASE(inspect_and_show_draw_architectures) {
  const auto exp = write_experiment("draw");
  const std::string cell = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|";
  const auto dir = exp.parent_path();
  const auto dot = automl_cli({"inspect", exp.string(), "--arch", cell, "--draw", (dir / "cell.dot").string()});
  BOOST_TEST(dot.code == 0, dot.err);
  BOOST_TEST(has(dot.out, "drawn         " + (dir / "cell.dot").string()), dot.out);
  std::ifstream in(dir / "cell.dot");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  BOOST_TEST(has(text, "[label=\"nor_conv_1x1\"]"), text);
  const auto bad = automl_cli({"inspect", exp.string(), "--arch", cell, "--draw", (dir / "cell.gif").string()});
  BOOST_TEST(bad.code == 2);
  BOOST_TEST(has(bad.err, "name a .svg, .png or .dot file"), bad.err);
  BOOST_TEST(automl_cli({"run", exp.string()}).code == 0);
  if (!automl::have_graphviz()) {
    BOOST_TEST_MESSAGE("SKIPPED show --draw: Graphviz's dot is not installed (apt install graphviz)");
    return;
  }
  const auto show = automl_cli({"show", (dir / "runs" / "exp").string(), "--top", "3", "--draw", (dir / "best").string()});
  BOOST_TEST(show.code == 0, show.err);
  BOOST_TEST(has(show.out, "drawn " + (dir / "best" / "rank-0-trial-").string()), show.out);
  std::size_t svgs = 0, pngs = 0;
  for (const auto& e : fs::directory_iterator(dir / "best")) {
    svgs += e.path().extension() == ".svg";
    pngs += e.path().extension() == ".png";
  }
  BOOST_TEST(svgs == 3u);
  BOOST_TEST(pngs == 3u);
}

BOOST_AUTO_TEST_CASE(missing_run_directory) {
  const auto r = automl_cli({"show", "/nonexistent/run"});
  BOOST_TEST(r.code == 1);
  BOOST_TEST(has(r.err, "no results database at /nonexistent/run/results.db"), r.err);
}

// Comparison files are checked strictly before any run starts; errors point
// into the comparison file. (Running one forks processes: see
// tests/scripts/compare.sh.)
BOOST_AUTO_TEST_CASE(compare_rejects_bad_comparison_files) {
  const fs::path exp = write_experiment("compare_base");
  const fs::path dir = exp.parent_path();
  const auto compare_file = [&](const std::string& text) {
    automl::test::write_file(dir / "cmp.toml", text);
    return automl_cli({"compare", (dir / "cmp.toml").string()});
  };
  const std::string head = "[comparison]\nexperiment = \"exp.toml\"\nseeds = 2\noutput_dir = \"" +
                           (dir / "cmp").string() + "\"\n";

  auto r = compare_file(head + "[variants.a]\n[variants.b.strategy]\ntype = \"regularized_evolution\"\n"
                               "populaton = 4\n");
  BOOST_TEST(r.code == 2);
  BOOST_TEST(has(r.err, "cmp.toml:8:"), r.err);
  BOOST_TEST(has(r.err, "did you mean 'population'"), r.err);
  BOOST_TEST(!fs::exists(dir / "cmp"));  // nothing started

  r = compare_file(head + "[variants.a]\n[variants.b.stratgy]\ntype = \"random\"\n");
  BOOST_TEST(r.code == 2);
  BOOST_TEST(has(r.err, "did you mean 'strategy'"), r.err);

  r = compare_file(head + "baseline = \"rnadom\"\n[variants.random]\n[variants.b]\n");
  BOOST_TEST(r.code == 2);
  BOOST_TEST(has(r.err, "baseline 'rnadom' is not a variant (did you mean 'random'?)"), r.err);

  r = compare_file("[comparison]\nseeds = 2\n[variants.a]\n");
  BOOST_TEST(r.code == 2);
  BOOST_TEST(has(r.err, "experiment"), r.err);

  r = compare_file(head);
  BOOST_TEST(r.code == 2);
  BOOST_TEST(has(r.err, "no variants"), r.err);

  r = compare_file(head + "[variants.a]\nbase = \"missing.toml\"\n");
  BOOST_TEST(r.code == 2);
  BOOST_TEST(has(r.err, "cmp.toml:6"), r.err);
  BOOST_TEST(has(r.err, "'missing.toml' does not exist"), r.err);

  // [launcher]: local or slurm, strict, and the runs' trials then run in their task.
  r = compare_file(head + "[variants.a]\n[launcher]\ntype = \"process\"\n");
  BOOST_TEST(r.code == 2);
  BOOST_TEST(has(r.err, "[launcher] type: expected"), r.err);
  r = compare_file(head + "[variants.a]\n[launcher]\npartition = \"gpu\"\n");
  BOOST_TEST(r.code == 2);
  BOOST_TEST(has(r.err, "is a Slurm setting"), r.err);
  r = compare_file(head + "[variants.a.launcher]\ntype = \"process\"\n[launcher]\ntype = \"slurm\"\n");
  BOOST_TEST(r.code == 2);
  BOOST_TEST(has(r.err, "variant 'a' has [launcher] type = \"process\""), r.err);
  automl::test::write_file(dir / "cmp.toml", head + "[variants.a]\n[launcher]\ntype = \"slurm\"\npoll_seconds = 1\n");
  r = automl_cli({"compare", "--check", (dir / "cmp.toml").string()});
  BOOST_TEST(r.code == 0, r.err);
  BOOST_TEST(has(r.out, "runs go to Slurm"), r.out);
  BOOST_TEST(!fs::exists(dir / "cmp"));

  r = automl_cli({"compare", "--report-only", (dir / "nowhere").string()});
  BOOST_TEST(r.code == 1);
  BOOST_TEST(has(r.err, "no comparison database"), r.err);
}

// Errors raised while components are built point at the key that caused
// them and are configuration errors (exit code 2).
BOOST_AUTO_TEST_CASE(errors_while_building_point_at_their_key) {
  const auto dir = automl::test::scratch_dir("cli_build_errors");
  automl::test::write_file(dir / "not_a_plugin.so", "plain text");
  automl::test::write_file(dir / "plugins.toml", "[experiment]\nbudget_trials = 2\nplugin_paths = [\"not_a_plugin.so\"]\n"
                                                 "[search_space]\ntype = \"nasbench201\"\n[strategy]\ntype = \"random\"\n"
                                                 "[evaluator]\ntype = \"tabular\"\ntable = \"t.csv\"\n");
  const auto plugin = automl_cli({"check", (dir / "plugins.toml").string()});
  BOOST_TEST(plugin.code == 2);
  BOOST_TEST(has(plugin.err, "plugins.toml:3:1: plugin file"), plugin.err);
  BOOST_TEST(has(plugin.err, "is not a shared object"), plugin.err);

  automl::test::write_file(dir / "lm.toml", "[experiment]\nbudget_trials = 2\n[search_space]\ntype = \"nasbench201\"\n"
                                            "[strategy]\ntype = \"random\"\n[evaluator]\ntype = \"lm_training\"\n");
  const auto lm = automl_cli({"check", (dir / "lm.toml").string()});
  BOOST_TEST(lm.code == 2);
  BOOST_TEST(has(lm.err, "lm.toml:8:8: [evaluator] type = \"lm_training\": "), lm.err);

  const auto table = automl_cli({"check", (dir / "plugins.toml").string(), "--set", "experiment.plugin_paths=[]"});
  BOOST_TEST(table.code == 2);
  BOOST_TEST(has(table.err, "plugins.toml:10:1: benchmark table"), table.err);
  BOOST_TEST(has(table.err, "t.csv does not exist"), table.err);
}

BOOST_AUTO_TEST_SUITE_END()
