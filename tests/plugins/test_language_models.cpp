// The language-model evaluators on real Penn Treebank (../shared/data/ptb;
// skipped with a message when absent): a small model trained briefly falls
// well below the unigram perplexity; a fixed seed repeats its losses; the
// weight-sharing supernet learns the path it trains, saves and resumes.

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <fstream>
#include <map>

#include "automl/data/text.hpp"
#include "automl/evaluator.hpp"
#include "test_support.hpp"

namespace language_models {
namespace {

namespace fs = std::filesystem;

fs::path ptb_zip() { return automl::test::shared_dir() / "data/ptb/ptb.zip"; }

bool have_ptb() {
  if (fs::exists(ptb_zip())) return true;
  BOOST_TEST_MESSAGE("SKIPPED: " << ptb_zip() << " is absent (Penn Treebank beside the checkout, see its SOURCE.md)");
  return false;
}

automl::Components build(const automl::Registry& registry, const std::string& evaluator,
                         const std::string& space = "rnn_cell") {
  const auto exp = automl::parse_experiment(
      "[experiment]\nbudget_trials = 1\nseed = 5\n[dataset]\ntype = \"ptb\"\nroot = \"" + ptb_zip().string() +
          "\"\n[search_space]\ntype = \"" + space + "\"\n[strategy]\ntype = \"random\"\n[evaluator]\n" + evaluator,
      "exp.toml", "/");
  return automl::build_components(exp, registry);
}

// Perplexity on the validation text of word frequencies in the training text.
double unigram_perplexity(const automl::Dataset& dataset) {
  const auto& corpus = dynamic_cast<const automl::data::TextDataset&>(dataset).corpus();
  std::map<std::int64_t, double> counts;
  for (auto w : corpus.train) counts[w] += 1;
  double nll = 0;
  for (auto w : corpus.valid) nll -= std::log(counts[w] / static_cast<double>(corpus.train.size()));
  return std::exp(nll / static_cast<double>(corpus.valid.size()));
}

automl::RoundContext round_of(std::uint64_t r, const automl::Architecture& only) {
  automl::RoundContext round;
  round.round = r;
  round.sampler = [only](automl::Random&) { return only; };
  return round;
}

const std::string kAllTanhOnS0 = "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0";

// A 16-unit model trained for 4 windows per epoch: seconds, for checks of
// bookkeeping rather than of learning.
std::string tiny_training(int epochs) {
  return "type = \"lm_training\"\nsize = 16\nbatch_size = 8\nbptt = 10\nepochs = " + std::to_string(epochs) +
         "\nsteps_per_epoch = 4\neval_batch_size = 256\n";
}

const std::string kSmallTraining =
    "type = \"lm_training\"\nsize = 64\nbatch_size = 32\nbptt = 20\nepochs = 2\nsteps_per_epoch = 250\n"
    "dropout_output = 0.2\ndropout_hidden = 0.1\ndropout_x = 0.1\ndropout_input = 0.1\neval_batch_size = 64\n";

}  // namespace
}  // namespace language_models

BOOST_AUTO_TEST_SUITE(language_models)

BOOST_AUTO_TEST_CASE(evaluators_refuse_spaces_and_data_they_cannot_use) {
  automl::test::Plugins p;
  const auto image_space = automl::test::error_of([&] {
    automl::build_components(
        automl::parse_experiment("[experiment]\nbudget_trials = 1\n[dataset]\ntype = \"fashion_mnist\"\n"
                                 "[search_space]\ntype = \"nasnet_cnn\"\n[strategy]\ntype = \"random\"\n"
                                 "[evaluator]\ntype = \"lm_training\"\n",
                                 "exp.toml", "/"),
        p.registry);
  });
  BOOST_TEST(image_space.find("builds no language models; use one that does (rnn_cell)") != std::string::npos,
             image_space);
  const auto image_data = automl::test::error_of([&] {
    automl::build_components(
        automl::parse_experiment("[experiment]\nbudget_trials = 1\n[dataset]\ntype = \"fashion_mnist\"\n"
                                 "[search_space]\ntype = \"rnn_cell\"\n[strategy]\ntype = \"random\"\n"
                                 "[evaluator]\ntype = \"lm_weight_sharing\"\n",
                                 "exp.toml", "/"),
        p.registry);
  });
  BOOST_TEST(image_data.find("needs a language-model [dataset]") != std::string::npos, image_data);
}

BOOST_AUTO_TEST_CASE(a_short_training_falls_well_below_the_unigram_perplexity) {
  if (!have_ptb()) return;
  automl::test::Plugins p;
  auto c = build(p.registry, kSmallTraining);
  const double unigram = unigram_perplexity(*c.dataset);
  const auto r = c.evaluator->evaluate(c.space->parse("naonet_ptb"), {0, 11, 1});
  BOOST_TEST_MESSAGE("unigram perplexity " << unigram << ", trained " << r.metrics.at("valid_ppl") << " (train "
                                           << r.metrics.at("train_ppl") << ")");
  BOOST_TEST(unigram > 600);
  BOOST_TEST(r.metrics.at("valid_ppl") < 0.6 * unigram);
  BOOST_TEST(r.score == -std::log(r.metrics.at("valid_ppl")), boost::test_tools::tolerance(1e-9));
  // Its learning curve: train_ppl per epoch, valid_ppl at the last.
  BOOST_REQUIRE(!r.curve.empty());
  BOOST_TEST(r.curve.back().values.at("train_ppl") == r.metrics.at("train_ppl"));
  BOOST_TEST(r.curve.back().values.at("valid_ppl") == r.metrics.at("valid_ppl"));
  BOOST_TEST(r.curve.front().step == 1);
}

// bf16 autocast on CPU: a short training stays finite and learns (uniform
// guessing is 10,000); fp16 needs CUDA and says so.
BOOST_AUTO_TEST_CASE(bf16_trains_and_fp16_needs_cuda) {
  if (!have_ptb()) return;
  automl::test::Plugins p;
  auto c = build(p.registry, "type = \"lm_training\"\nsize = 32\nbatch_size = 16\nbptt = 10\nepochs = 1\n"
                             "steps_per_epoch = 60\neval_batch_size = 256\nprecision = \"bf16\"\n");
  const auto r = c.evaluator->evaluate(c.space->parse("naonet_ptb"), {0, 11, 1});
  BOOST_TEST_MESSAGE("bf16: valid perplexity " << r.metrics.at("valid_ppl"));
  BOOST_TEST(std::isfinite(r.metrics.at("valid_ppl")));
  BOOST_TEST(r.metrics.at("valid_ppl") < 2000);
  const auto msg = automl::test::error_of([&] { build(p.registry, tiny_training(1) + "precision = \"fp16\"\n"); });
  BOOST_TEST(msg.find("use \"bf16\" (CPU autocast) or \"fp32\"") != std::string::npos, msg);
}

BOOST_AUTO_TEST_CASE(a_fixed_seed_repeats_the_training) {
  if (!have_ptb()) return;
  automl::test::Plugins p;
  auto c = build(p.registry, tiny_training(2));
  automl::Random rng(2);
  const auto arch = c.space->sample(rng);
  const auto a = c.evaluator->evaluate(arch, {0, 3, 1}), b = c.evaluator->evaluate(arch, {0, 3, 1});
  const auto other = c.evaluator->evaluate(arch, {0, 4, 1});
  BOOST_TEST(a.score == b.score);
  BOOST_TEST(a.metrics.at("train_ppl") == b.metrics.at("train_ppl"));
  BOOST_TEST(a.score != other.score);
}

// valid_windows measures the head of the validation text: the training is
// the same, the perplexity another, and a count past the text's end is the
// whole text.
BOOST_AUTO_TEST_CASE(valid_windows_measure_the_head_of_the_validation_text) {
  if (!have_ptb()) return;
  automl::test::Plugins p;
  auto whole = build(p.registry, tiny_training(1));
  auto head = build(p.registry, tiny_training(1) + "valid_windows = 3\n");
  auto all = build(p.registry, tiny_training(1) + "valid_windows = 10000000\n");
  automl::Random rng(2);
  const auto arch = whole.space->sample(rng);
  const auto w = whole.evaluator->evaluate(arch, {0, 1, 1});
  const auto h = head.evaluator->evaluate(arch, {0, 1, 1});
  const auto a = all.evaluator->evaluate(arch, {0, 1, 1});
  BOOST_TEST(h.metrics.at("train_ppl") == w.metrics.at("train_ppl"));
  BOOST_TEST(h.metrics.at("valid_ppl") != w.metrics.at("valid_ppl"));
  BOOST_TEST(a.metrics.at("valid_ppl") == w.metrics.at("valid_ppl"));
}

// Epochs as fidelity: a 1-epoch trial keeps its checkpoint (model,
// optimizer, position and state in the text); a promotion to 3 epochs
// continues it and ends where a straight 3-epoch training of its seed ends.
BOOST_AUTO_TEST_CASE(a_promotion_continues_the_lower_fidelity_training) {
  if (!have_ptb()) return;
  automl::test::Plugins p;
  auto c = build(p.registry, tiny_training(4));
  BOOST_TEST(c.evaluator->fidelities()->max == 4.0);
  const auto arch = c.space->parse("naonet_ptb");
  const auto dir = automl::test::scratch_dir("lm_training_fidelity");
  automl::TrialContext low{0, 3, 1};
  low.fidelity = 1;
  low.dir = dir / "0";
  BOOST_TEST(c.evaluator->evaluate(arch, low).fidelity == 1.0);
  automl::TrialContext promoted{1, 9, 1};
  promoted.fidelity = 3;
  promoted.dir = dir / "1";
  promoted.previous_dir = low.dir;
  const auto continued = c.evaluator->evaluate(arch, promoted);
  BOOST_TEST(continued.metrics.at("resumed_at_epoch") == 1.0);
  BOOST_TEST(continued.curve.size() == 2u);
  automl::TrialContext straight{2, 3, 1};
  straight.fidelity = 3;
  const auto whole = c.evaluator->evaluate(arch, straight);
  BOOST_TEST(continued.score == whole.score);
  BOOST_TEST(continued.metrics.at("train_ppl") == whole.metrics.at("train_ppl"));
}

// automl train: interrupted after one epoch and resumed, it ends where an
// evaluation of the same seed ends; the directory keeps its architecture.
BOOST_AUTO_TEST_CASE(a_final_training_resumes_and_matches_the_trial) {
  if (!have_ptb()) return;
  automl::test::Plugins p;
  auto c = build(p.registry, tiny_training(3));
  const auto arch = c.space->parse("naonet_ptb");
  const auto trial = c.evaluator->evaluate(arch, {0, 9, 1});
  automl::TrainJob job;
  job.dir = automl::test::scratch_dir("lm_train");
  job.seed = 9;
  int epochs = 0;
  job.progress = [&](const std::string&) { ++epochs; };
  job.stop = [&] { return epochs >= 1; };
  BOOST_TEST(c.evaluator->train(arch, job).metrics.at("epochs") == 1);
  job.stop = nullptr;
  const auto done = c.evaluator->train(arch, job);
  BOOST_TEST(done.metrics.at("epochs") == 3);
  BOOST_TEST(epochs == 3);
  std::ifstream csv(job.dir / "metrics.csv");
  std::vector<std::string> rows;
  for (std::string line; std::getline(csv, line);) rows.push_back(line);
  BOOST_REQUIRE(rows.size() == 4u);
  const auto last = rows.back();
  const double valid = std::stod(last.substr(last.find(',', last.find(',') + 1) + 1));
  BOOST_TEST(valid == trial.metrics.at("valid_ppl"), boost::test_tools::tolerance(1e-5));
  BOOST_TEST(fs::exists(job.dir / "model.pt"));
  const auto other = automl::test::error_of([&] { c.evaluator->train(c.space->parse(kAllTanhOnS0), job); });
  BOOST_TEST(other.find("holds the training of another architecture") != std::string::npos, other);
}

// Every window trains one cell; it must then score far above random cells,
// whose blocks of the shared weights are still at their initial values.
BOOST_AUTO_TEST_CASE(the_supernet_learns_the_path_it_trains) {
  if (!have_ptb()) return;
  automl::test::Plugins p;
  auto c = build(p.registry,
                 "type = \"lm_weight_sharing\"\nsize = 32\nbatch_size = 32\nbptt = 20\nlr = 20\ngrad_clip = 1\n"
                 "epochs_per_round = 2\ntotal_epochs = 2\nsteps_per_epoch = 150\neval_batch_size = 64\n"
                 "dropout_output = 0.1\ndropout_hidden = 0.1\ndropout_x = 0.1\ndropout_input = 0.1\n"
                 "eval_batches = 2\n");
  const auto trained = c.space->parse("naonet_ptb");
  c.evaluator->prepare_round(round_of(0, trained));
  const auto own = c.evaluator->evaluate(trained, {0, 1, 1});
  automl::Random rng(3);
  double others = 0;
  const int n = 4;
  for (int i = 0; i < n; ++i) others += c.evaluator->evaluate(c.space->sample(rng), {1, 2u + i, 1}).score / n;
  BOOST_TEST_MESSAGE("trained path ppl " << own.metrics.at("ws_ppl") << ", random paths ppl " << std::exp(-others));
  BOOST_TEST(own.metrics.at("ws_ppl") < 600);
  BOOST_TEST(own.score > others + 0.15);
}

BOOST_AUTO_TEST_CASE(supernet_state_round_trips_and_an_interrupted_round_continues) {
  if (!have_ptb()) return;
  automl::test::Plugins p;
  const std::string keys =
      "type = \"lm_weight_sharing\"\nsize = 16\nbatch_size = 16\nbptt = 10\nepochs_per_round = 2\n"
      "total_epochs = 4\nsteps_per_epoch = 3\neval_batch_size = 64\n";
  auto a = build(p.registry, keys);
  const auto cell = a.space->parse("naonet_ptb");
  a.evaluator->prepare_round(round_of(0, cell));
  const double whole = a.evaluator->evaluate(cell, {0, 1, 1}).score;

  auto b = build(p.registry, keys);
  std::string saved;
  auto round = round_of(0, cell);
  int epochs = 0;
  round.checkpoint = [&] {
    automl::StateWriter w;
    b.evaluator->save(w);
    saved = w.bytes();
    ++epochs;
  };
  round.stop = [&] { return epochs >= 1; };
  b.evaluator->prepare_round(round);
  BOOST_REQUIRE(epochs == 1);

  auto resumed = build(p.registry, keys);
  automl::StateReader r(saved, "evaluator");
  resumed.evaluator->load(r);
  BOOST_TEST(r.at_end());
  resumed.evaluator->prepare_round(round_of(0, cell));
  BOOST_TEST(resumed.evaluator->evaluate(cell, {0, 1, 1}).score == whole);
}

BOOST_AUTO_TEST_SUITE_END()
