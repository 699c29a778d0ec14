// NAO's controller on a synthetic objective over nasnet_cnn, and the strategy
// end to end.

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <set>

#include <torch/torch.h>

#include "automl/ranking.hpp"
#include "test_support.hpp"
#include "trainer.hpp"

namespace {

using automl::Architecture;

std::unique_ptr<automl::SearchSpace> nasnet(const automl::Registry& registry) {
  return registry.make<automl::SearchSpace>("nasnet_cnn", automl::Section("search_space", "nasnet_cnn", {}, {}),
                                            automl::Context{}, {});
}

// A weighted count of operations and connections: separable convs and
// inputs from earlier nodes pay, pools and identities cost.
double synthetic(const Architecture& a) {
  static const double op_weight[] = {1.0, 1.5, -0.5, -0.3, -1.0};
  double s = 0;
  for (std::size_t i = 0; i < a.genes.size(); i += 2) {
    s += op_weight[a.genes[i + 1]];
    s += 0.4 * (a.genes[i] >= 2);
  }
  return s;
}

nao::Controller controller(const automl::TokenEncoding& tokens) {
  torch::manual_seed(0);
  nao::ControllerOptions o;
  o.vocab = tokens.vocab_size();
  o.length = tokens.length();
  return nao::Controller(o);
}

struct Trained {
  std::unique_ptr<automl::SearchSpace> space;
  nao::Controller net{nullptr};
  std::vector<Architecture> held_out;
};

Trained train_on_synthetic(const automl::Registry& registry) {
  Trained t;
  t.space = nasnet(registry);
  t.net = controller(*t.space->tokens());
  automl::Random rng(1);
  std::vector<nao::Scored> data;
  for (int i = 0; i < 400; ++i) {
    const auto a = t.space->sample(rng);
    if (i < 300) data.push_back({a, synthetic(a)});
    else t.held_out.push_back(a);
  }
  nao::TrainOptions o;
  o.epochs = 150;
  nao::train_controller(t.net, *t.space->tokens(), data, o, rng);
  return t;
}

// Trained once for the whole suite (about 20 s on one core).
Trained& trained() {
  torch::set_num_threads(1);
  static automl::test::Plugins plugins;
  static Trained t = train_on_synthetic(plugins.registry);
  return t;
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

// Decodes `seeds` moved by a fixed step size.
std::vector<Architecture> decode_moved(Trained& t, const std::vector<Architecture>& seeds, double step) {
  const auto& tokens = *t.space->tokens();
  std::vector<std::int64_t> flat;
  for (const auto& a : seeds)
    for (int x : tokens.encode(a)) flat.push_back(x);
  t.net->eval();
  const auto outputs =
      t.net->encode(torch::tensor(flat).reshape({static_cast<std::int64_t>(seeds.size()), tokens.length()}))
          .outputs.detach();
  const auto g = t.net->gradient(outputs);
  std::vector<std::pair<int, int>> ranges;
  for (int i = 0; i < tokens.length(); ++i) ranges.push_back(tokens.token_range(i));
  torch::NoGradGuard no_grad;
  const auto decoded = t.net->decode_greedy(nao::ControllerImpl::move(outputs, g, step), ranges).contiguous();
  std::vector<Architecture> out;
  const auto* p = decoded.data_ptr<std::int64_t>();
  for (std::size_t r = 0; r < seeds.size(); ++r)
    out.push_back(tokens.decode(std::vector<int>(p + r * tokens.length(), p + (r + 1) * tokens.length())));
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(nao)

BOOST_AUTO_TEST_CASE(predictor_ranks_held_out_architectures) {
  auto& t = trained();
  std::vector<double> actual;
  for (const auto& a : t.held_out) actual.push_back(synthetic(a));
  const auto predicted = nao::predict(t.net, *t.space->tokens(), t.held_out);
  const double accuracy = automl::pairwise_accuracy(predicted, actual);
  BOOST_TEST_MESSAGE("held-out pairwise accuracy " << accuracy);
  BOOST_TEST(accuracy >= 0.9);
}

BOOST_AUTO_TEST_CASE(generation_yields_valid_novel_architectures) {
  auto& t = trained();
  const std::vector<Architecture> seeds(t.held_out.begin(), t.held_out.begin() + 50);
  const std::set<Architecture> seed_set(seeds.begin(), seeds.end());
  const auto g = nao::generate(t.net, *t.space->tokens(), seeds, 50, 50,
                               [&](const Architecture& a) { return !seed_set.count(a); });
  BOOST_TEST(g.archs.size() == 50u);
  for (const auto& a : g.archs) BOOST_TEST(t.space->invalid_reason(a).empty());
  BOOST_TEST(std::set<Architecture>(g.archs.begin(), g.archs.end()).size() == g.archs.size());
}

BOOST_AUTO_TEST_CASE(generation_tries_step_sizes_one_past_the_limit) {
  // The reference's loop checks `step > max_step_size` after the step: with
  // max_step_size = 3 it decodes at steps 1, 2, 3 and 4.
  auto& t = trained();
  const std::vector<Architecture> seeds(t.held_out.begin(), t.held_out.begin() + 5);
  const auto g = nao::generate(t.net, *t.space->tokens(), seeds, 1000000, 3, [](const Architecture&) { return true; });
  BOOST_TEST(g.last_step == 4);
  for (const auto& [step, n] : g.novel_at_step) BOOST_TEST((step >= 1 && step <= 4), step);
  BOOST_TEST(g.archs.size() <= 20u);  // at most 5 seeds x 4 steps
}

BOOST_AUTO_TEST_CASE(gradient_ascent_raises_predicted_and_true_scores) {
  auto& t = trained();
  const std::vector<Architecture> seeds(t.held_out.begin(), t.held_out.begin() + 50);
  const auto before = nao::predict(t.net, *t.space->tokens(), seeds);
  double truth_before = 0;
  for (const auto& a : seeds) truth_before += synthetic(a) / 50;
  for (double step : {5.0, 10.0}) {
    const auto moved = decode_moved(t, seeds, step);
    const auto after = nao::predict(t.net, *t.space->tokens(), moved);
    double truth_after = 0;
    for (const auto& a : moved) truth_after += synthetic(a) / 50;
    BOOST_TEST_MESSAGE("step " << step << ": predicted " << mean(before) << " -> " << mean(after) << ", true "
                               << truth_before << " -> " << truth_after);
    BOOST_TEST(mean(after) > mean(before));
    BOOST_TEST(truth_after > truth_before);
  }
}

BOOST_AUTO_TEST_CASE(decoder_learns_to_reconstruct) {
  auto& t = trained();
  const auto r = nao::reconstruction(t.net, *t.space->tokens(), t.held_out);
  BOOST_TEST_MESSAGE("held-out reconstruction token accuracy " << r.at("reconstruction_token_acc"));
  BOOST_TEST(r.at("reconstruction_token_acc") > 0.9);
}

BOOST_AUTO_TEST_CASE(moving_along_the_gradient_raises_the_prediction) {
  auto& t = trained();
  std::vector<std::int64_t> flat;
  for (const auto& a : t.held_out)
    for (int tok : t.space->tokens()->encode(a)) flat.push_back(tok);
  const auto tokens = torch::tensor(flat).reshape({static_cast<std::int64_t>(t.held_out.size()), 40});
  t.net->eval();
  const auto outputs = t.net->encode(tokens).outputs.detach();
  const auto g = t.net->gradient(outputs);
  torch::NoGradGuard no_grad;
  const double base = t.net->predict(nao::ControllerImpl::move(outputs, g, 0).embedding).mean().item<double>();
  const double moved = t.net->predict(nao::ControllerImpl::move(outputs, g, 1).embedding).mean().item<double>();
  BOOST_TEST(moved > base);
}

BOOST_AUTO_TEST_CASE(best_predicted_keeps_the_highest_rated) {
  auto& t = trained();
  const auto& tokens = *t.space->tokens();
  const auto kept = nao::best_predicted(t.net, tokens, t.held_out, 10);
  BOOST_REQUIRE(kept.size() == 10u);
  const auto kept_scores = nao::predict(t.net, tokens, kept);
  BOOST_TEST(std::is_sorted(kept_scores.rbegin(), kept_scores.rend()));  // best first
  const std::set<Architecture> kept_set(kept.begin(), kept.end());
  std::vector<Architecture> dropped;
  for (const auto& a : t.held_out)
    if (!kept_set.count(a)) dropped.push_back(a);
  BOOST_TEST(dropped.size() == t.held_out.size() - 10);  // kept ones come from the input
  const auto dropped_scores = nao::predict(t.net, tokens, dropped);
  BOOST_TEST(kept_scores.back() >= *std::max_element(dropped_scores.begin(), dropped_scores.end()));
  BOOST_TEST(nao::best_predicted(t.net, tokens, kept, 50).size() == 10u);
}

// With 20 scored NAS-Bench-201 cells the decoder memorizes them; random
// cells that only the reconstruction loss sees teach it the whole space.
BOOST_AUTO_TEST_CASE(unlabeled_architectures_teach_the_decoder_the_space) {
  torch::set_num_threads(1);
  automl::test::Plugins plugins;
  const auto space = plugins.registry.make<automl::SearchSpace>(
      "nasbench201", automl::Section("search_space", "nasbench201", {}, {}), automl::Context{}, {});
  const auto& tokens = *space->tokens();
  automl::Random rng(3);
  std::vector<nao::Scored> labeled;
  std::vector<Architecture> unlabeled, held_out;
  for (int i = 0; i < 20; ++i) {
    const auto a = space->sample(rng);
    labeled.push_back({a, static_cast<double>(a.genes[0] + a.genes[5])});
  }
  for (int i = 0; i < 500; ++i) unlabeled.push_back(space->sample(rng));
  for (int i = 0; i < 200; ++i) held_out.push_back(space->sample(rng));
  nao::TrainOptions o;
  o.epochs = 300;  // about six rounds of the NAS-Bench-201 experiment's 50
  auto exact = [&](const std::vector<Architecture>& extra) {
    auto net = controller(tokens);
    automl::Random train_rng(4);
    nao::train_controller(net, tokens, labeled, o, train_rng, extra);
    return nao::reconstruction(net, tokens, held_out).at("reconstruction_exact");
  };
  const double without = exact({}), with = exact(unlabeled);
  BOOST_TEST_MESSAGE("held-out exact reconstruction: " << without << " labeled only, " << with
                                                       << " with 500 unlabeled");
  BOOST_TEST(with > 0.6);
  BOOST_TEST(with > without + 0.3);
}

BOOST_AUTO_TEST_CASE(strategy_runs_with_branch_swaps_and_repeats_exactly) {
  torch::set_num_threads(1);
  automl::test::Plugins p(true);
  auto run = [&](const std::string& name) {
    const auto dir = automl::test::scratch_dir(name);
    const std::string text =
        "[experiment]\nseed = 2\nbudget_trials = 40\noutput_dir = \"" + dir.string() +
        "\"\n[search_space]\ntype = \"nasnet_cnn\"\n[strategy]\ntype = \"nao\"\npool_size = 20\nnew_archs = 10\n"
        "seeds = 10\nepochs = 60\nrounds = 2\nrandom_new = 2\nholdout_fraction = 0.2\n[evaluator]\ntype = \"scripted\"\n";
    const auto exp = automl::parse_experiment(text, "exp.toml", dir);
    const auto s = automl::start_run(exp, p.registry, automl::build_components(exp, p.registry), automl::RunControl{});
    auto store = automl::ResultsStore::open(s.run_dir / "results.db");
    std::vector<std::pair<std::string, double>> trials;
    for (const auto& t : store->trials()) trials.emplace_back(t.arch_text, t.score);
    return std::make_tuple(s, trials, store->diagnostics());
  };
  const auto [a, trials_a, diagnostics] = run("nao_a");
  const auto [b, trials_b, unused] = run("nao_b");
  BOOST_TEST(a.trials_ok == 40);
  BOOST_CHECK(trials_a == trials_b);
  BOOST_REQUIRE(diagnostics.count(0) == 1u);
  BOOST_TEST(diagnostics.at(0).at("new_archs") + diagnostics.at(0).at("random_new") >= 10.0);
  BOOST_TEST(diagnostics.at(0).count("holdout_pairwise_acc") == 1u);
  std::set<std::string> distinct;
  for (const auto& [arch, score] : trials_a) distinct.insert(arch);
  BOOST_TEST(distinct.size() == trials_a.size());  // final scores: nothing is queried twice
}

BOOST_AUTO_TEST_CASE(a_space_without_tokens_is_refused) {
  automl::test::Plugins p(true);
  const auto dir = automl::test::scratch_dir("nao_no_tokens");
  // The test plugins hold no token-less space; the refusal path is checked
  // through the message of a controller whose shapes cannot pair.
  const std::string text =
      "[experiment]\nbudget_trials = 4\n[search_space]\ntype = \"nasbench201\"\n[strategy]\ntype = \"nao\"\n"
      "embedding = 40\n[evaluator]\ntype = \"scripted\"\n";
  const auto msg = automl::test::error_of(
      [&] { automl::build_components(automl::parse_experiment(text, "exp.toml", dir), p.registry); });
  BOOST_TEST(msg.find("hidden = 2 * embedding") != std::string::npos, msg);
}

BOOST_AUTO_TEST_SUITE_END()
