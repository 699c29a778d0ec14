// The weight-sharing evaluator over the nasnet_cnn supernet on real
// Fashion-MNIST: training through one path makes that path score well,
// untrained paths stay near chance; state saves and loads exactly; a round
// interrupted between epochs continues where it stopped; recomputing
// activations changes nothing but memory.

#include <boost/test/unit_test.hpp>

#include "automl/evaluator.hpp"
#include "test_support.hpp"

namespace weight_sharing {
namespace {

namespace fs = std::filesystem;

bool have_fmnist() {
  if (fs::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")) return true;
  BOOST_TEST_MESSAGE("SKIPPED: /usr/share/datasets/fashion-mnist is absent (apt-get install dataset-fashion-mnist)");
  return false;
}

automl::Components build(const automl::Registry& registry, const std::string& evaluator) {
  const auto exp = automl::parse_experiment(
      "[experiment]\nbudget_trials = 1\nseed = 5\n[dataset]\ntype = \"fashion_mnist\"\nvalid_count = 500\n"
      "[search_space]\ntype = \"nasnet_cnn\"\n[strategy]\ntype = \"random\"\n"
      "[evaluator]\ntype = \"weight_sharing\"\nlayers = 1\nchannels = 8\nbatch_size = 64\nlr_max = 0.05\n"
      "eval_batch_size = 250\n" + evaluator,
      "exp.toml", "/");
  return automl::build_components(exp, registry);
}

automl::RoundContext round_of(std::uint64_t r, const automl::Architecture& only) {
  automl::RoundContext round;
  round.round = r;
  round.sampler = [only](automl::Random&) { return only; };
  return round;
}

}  // namespace
}  // namespace weight_sharing

BOOST_AUTO_TEST_SUITE(weight_sharing)

// Every minibatch trains the same candidate; its path must then score far
// above candidates whose separable convs read other inputs (other, still
// random weight slices) and use other operations.
BOOST_AUTO_TEST_CASE(the_trained_path_scores_above_untrained_paths) {
  if (!have_fmnist()) return;
  automl::test::Plugins p;
  auto c = build(p.registry, "epochs_per_round = 2\ntotal_epochs = 4\nsteps_per_epoch = 30\n");
  const auto trained = c.space->parse("naonet_b");
  c.evaluator->prepare_round(round_of(0, trained));
  const double own = c.evaluator->evaluate(trained, {0, 1, 1}).score;
  automl::Random rng(3);
  double others = 0;
  const int n = 6;
  for (int i = 0; i < n; ++i) others += c.evaluator->evaluate(c.space->sample(rng), {1, static_cast<std::uint64_t>(2 + i), 1}).score / n;
  BOOST_TEST_MESSAGE("trained path " << own << ", random paths " << others);
  BOOST_TEST(own > 0.55);
  BOOST_TEST(own > others + 0.2);
}

BOOST_AUTO_TEST_CASE(state_round_trips_and_an_interrupted_round_continues) {
  if (!have_fmnist()) return;
  automl::test::Plugins p;
  const std::string keys = "epochs_per_round = 2\ntotal_epochs = 4\nsteps_per_epoch = 4\n";
  // Uninterrupted: round 0 (two epochs), then a score.
  auto a = build(p.registry, keys);
  const auto cell = a.space->parse("naonet_b");
  a.evaluator->prepare_round(round_of(0, cell));
  const double whole = a.evaluator->evaluate(cell, {0, 1, 1}).score;
  // Interrupted after one epoch: the checkpoint taken then, loaded into a
  // fresh evaluator, finishes the same round to the same weights.
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
  auto c = build(p.registry, keys);
  automl::StateReader r(saved, "evaluator");
  c.evaluator->load(r);
  BOOST_TEST(r.at_end());
  c.evaluator->prepare_round(round_of(0, cell));
  BOOST_TEST(c.evaluator->evaluate(cell, {0, 1, 1}).score == whole);
}

// NAO V2's schedule: the cosine and drop-path's progress restart every
// round. Round 0 of a "round" schedule over 2 x 1 epochs trains exactly as a
// 1-epoch search; the "search" schedule over 2 epochs trains round 0 at
// other learning rates.
BOOST_AUTO_TEST_CASE(a_round_schedule_restarts_every_round) {
  if (!have_fmnist()) return;
  automl::test::Plugins p;
  // The scores of the trained cell and of three others on fixed batches.
  const auto trained = [&](const std::string& keys) {
    auto c = build(p.registry, keys + "epochs_per_round = 1\nsteps_per_epoch = 3\n");
    const auto cell = c.space->parse("naonet_b");
    c.evaluator->prepare_round(round_of(0, cell));
    automl::Random rng(3);
    std::vector<double> scores{c.evaluator->evaluate(cell, {0, 1, 1}).score};
    for (int i = 0; i < 3; ++i) scores.push_back(c.evaluator->evaluate(c.space->sample(rng), {1, 2u + i, 1}).score);
    return scores;
  };
  const auto per_round = trained("schedule = \"round\"\ntotal_epochs = 2\n");
  BOOST_TEST(per_round == trained("total_epochs = 1\n"), boost::test_tools::per_element());
  BOOST_CHECK(per_round != trained("total_epochs = 2\n"));
  const auto message =
      automl::test::error_of([&] { build(p.registry, "schedule = \"round\"\nepochs_per_round = 0\n"); });
  BOOST_TEST(message.find("epochs_per_round >= 1") != std::string::npos, message);
}

// recompute = true saves memory, not results: the same training gives the
// same scores. NAS-Bench-201's supernet does not offer it and says so.
BOOST_AUTO_TEST_CASE(recomputing_activations_gives_the_same_scores) {
  if (!have_fmnist()) return;
  automl::test::Plugins p;
  const auto scores = [&](const std::string& keys) {
    auto c = build(p.registry, keys + "epochs_per_round = 1\ntotal_epochs = 2\nsteps_per_epoch = 3\n");
    c.evaluator->prepare_round(round_of(0, c.space->parse("naonet_b")));
    automl::Random rng(4);
    std::vector<double> out;
    for (int i = 0; i < 3; ++i) out.push_back(c.evaluator->evaluate(c.space->sample(rng), {0, 1u + i, 1}).score);
    return out;
  };
  BOOST_TEST(scores("recompute = true\n") == scores(""), boost::test_tools::per_element());
  const auto exp = automl::parse_experiment(
      "[experiment]\nbudget_trials = 1\n[dataset]\ntype = \"fashion_mnist\"\n[search_space]\ntype = \"nasbench201\"\n"
      "[strategy]\ntype = \"random\"\n[evaluator]\ntype = \"weight_sharing\"\nrecompute = true\n",
      "exp.toml", "/");
  const std::string message = automl::test::error_of([&] { automl::build_components(exp, p.registry); });
  BOOST_TEST(message.find("recompute = false") != std::string::npos, message);
}

BOOST_AUTO_TEST_CASE(spaces_without_a_supernet_are_refused) {
  if (!have_fmnist()) return;
  automl::test::Plugins p;
  const auto exp = automl::parse_experiment(
      "[experiment]\nbudget_trials = 1\n[dataset]\ntype = \"fashion_mnist\"\n[search_space]\ntype = \"nasnet_cnn\"\n"
      "op_set = \"naonet\"\n[strategy]\ntype = \"random\"\n[evaluator]\ntype = \"weight_sharing\"\n",
      "exp.toml", "/");
  const std::string message = automl::test::error_of([&] { automl::build_components(exp, p.registry); });
  BOOST_TEST(message.find("use op_set = \"nao_ws\"") != std::string::npos, message);
}

BOOST_AUTO_TEST_SUITE_END()
