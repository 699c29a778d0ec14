// NAO's controller on a synthetic objective over nasnet_cnn, and the strategy
// end to end.

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <set>

#include <torch/torch.h>

#include "automl/ranking.hpp"
#include "test_support.hpp"
#include "trainer.hpp"

namespace nao {
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
}  // namespace nao

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

// NAO-WS/rnn's controller: attention scores o_t . e_j (no input
// projection), output tanh(W_out [ctx; o_t] + b); predictor U(-0.04, 0.04)
// with zero biases. Checked against a direct computation.
BOOST_AUTO_TEST_CASE(dot_attention_and_predictor_init_as_the_rnn_reference) {
  torch::set_num_threads(1);
  torch::manual_seed(0);
  nao::ControllerOptions o;
  o.vocab = 16, o.length = 22, o.mlp_layers = 4, o.attention = "dot", o.predictor_init = 0.04;
  nao::Controller net(o);
  auto params = net->named_parameters();
  BOOST_TEST(!params.contains("attention_in.weight"));
  BOOST_TEST(params.contains("attention_out.bias"));
  for (const std::string layer : {"mlp0", "mlp1", "mlp2", "mlp3", "regressor"}) {
    const double largest = params[layer + ".weight"].abs().max().item<double>();
    BOOST_TEST(largest <= 0.04, layer);
    BOOST_TEST(largest > 0.03, layer);
    BOOST_TEST(params[layer + ".bias"].abs().max().item<double>() == 0.0, layer);
  }

  net->eval();
  torch::NoGradGuard no_grad;
  const auto tokens = torch::randint(1, 12, {3, 22}, torch::kLong);
  const auto encoding = net->encode(tokens);
  const auto lstm = std::dynamic_pointer_cast<torch::nn::LSTMImpl>(net->named_children()["decoder_lstm"]);
  const auto embed = std::dynamic_pointer_cast<torch::nn::EmbeddingImpl>(net->named_children()["decoder_embedding"]);
  const auto inputs = torch::cat({torch::zeros({3, 1}, torch::kLong), tokens.narrow(1, 0, 21)}, 1);
  const auto state = std::make_tuple(encoding.embedding.unsqueeze(0), encoding.embedding.unsqueeze(0));
  const auto out = std::get<0>(lstm->forward(embed->forward(inputs), state));       // [B, T, H]
  const auto weights = torch::softmax(torch::bmm(out, encoding.outputs.transpose(1, 2)), -1);  // o_t . e_j
  const auto context = torch::bmm(weights, encoding.outputs);
  const auto mixed = torch::tanh(torch::nn::functional::linear(torch::cat({context, out}, -1), params["attention_out.weight"],
                                                                params["attention_out.bias"]));
  const auto expected = torch::log_softmax(
      torch::nn::functional::linear(mixed, params["vocab_out.weight"], params["vocab_out.bias"]), -1);
  BOOST_TEST(torch::allclose(net->reconstruct(encoding, tokens), expected, 1e-5, 1e-6));

  nao::ControllerOptions general = o;
  general.attention = "general", general.predictor_init = 0;
  params = nao::Controller(general)->named_parameters();
  BOOST_TEST(params.contains("attention_in.weight"));
  BOOST_TEST(!params.contains("attention_out.bias"));
  BOOST_TEST(params["mlp0.weight"].abs().max().item<double>() > 0.05);  // torch's U(+-1/sqrt(96))
}

// One Adam for the whole search keeps its moments and step count from round
// to round; a fresh Adam per round starts over. The first round is the same.
BOOST_AUTO_TEST_CASE(a_kept_optimizer_carries_its_moments_into_the_next_round) {
  torch::set_num_threads(1);
  automl::test::Plugins plugins;
  const auto space = nasnet(plugins.registry);
  const auto& tokens = *space->tokens();
  automl::Random sampler(7);
  std::vector<nao::Scored> data;
  for (int i = 0; i < 60; ++i) {
    const auto a = space->sample(sampler);
    data.push_back({a, synthetic(a)});
  }
  nao::TrainOptions o;
  o.epochs = 3;
  auto kept = controller(tokens), fresh = controller(tokens);
  const auto adam = nao::make_optimizer(kept, o);
  automl::Random rng_kept(1), rng_fresh(1);
  const auto same = [&] {
    const auto a = kept->parameters(), b = fresh->parameters();
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!torch::equal(a[i], b[i])) return false;
    return true;
  };
  nao::train_controller(kept, tokens, data, o, rng_kept, {}, adam.get());
  nao::train_controller(fresh, tokens, data, o, rng_fresh);
  BOOST_TEST(same());
  nao::train_controller(kept, tokens, data, o, rng_kept, {}, adam.get());
  nao::train_controller(fresh, tokens, data, o, rng_fresh);
  BOOST_TEST(!same());
}

// On rnn_cell NAO's "auto" settings keep one Adam: its state travels with
// the strategy's, so a resumed search proposes what an uninterrupted one
// does; a strategy that starts a fresh Adam each round proposes otherwise.
BOOST_AUTO_TEST_CASE(on_rnn_cells_the_kept_optimizer_saves_and_resumes) {
  torch::set_num_threads(1);
  automl::test::Plugins p(true);
  const auto build = [&](const std::string& extra) {
    const std::string text =
        "[experiment]\nseed = 3\nbudget_trials = 100\n[search_space]\ntype = \"rnn_cell\"\n[strategy]\n"
        "type = \"nao\"\npool_size = 16\nnew_archs = 6\nseeds = 6\nepochs = 15\nrounds = 0\n" + extra +
        "[evaluator]\ntype = \"scripted\"\n";
    return automl::build_components(automl::parse_experiment(text, "exp.toml", "/"), p.registry);
  };
  const auto observe = [](const std::vector<Architecture>& batch) {
    std::vector<automl::Observation> out;
    for (const auto& a : batch) {
      double score = 0;
      for (std::size_t i = 0; i < a.genes.size(); ++i) score += a.genes[i] * std::sin(static_cast<double>(i + 1));
      out.push_back({a, true, score});
    }
    return out;
  };
  auto a = build("");
  for (int round = 0; round < 3; ++round) a.strategy->tell(observe(a.strategy->ask(automl::AskContext{1})));
  automl::StateWriter w;
  a.strategy->save(w);
  auto resumed = build("");
  auto per_round = build("optimizer_scope = \"round\"\n");
  automl::StateReader r(w.bytes(), "strategy"), r2(w.bytes(), "strategy");
  resumed.strategy->load(r);
  per_round.strategy->load(r2);  // reads and ignores the kept Adam
  BOOST_TEST(r.at_end());
  bool differs = false;
  for (int round = 0; round < 2; ++round) {
    const auto next = a.strategy->ask(automl::AskContext{1});
    const auto again = resumed.strategy->ask(automl::AskContext{1});
    const auto other = per_round.strategy->ask(automl::AskContext{1});
    BOOST_TEST(next == again);
    a.strategy->tell(observe(next));
    resumed.strategy->tell(observe(again));
    per_round.strategy->tell(observe(other));
    const double loss = a.strategy->diagnostics().at("train_mse");
    BOOST_TEST(resumed.strategy->diagnostics().at("train_mse") == loss);
    differs = differs || per_round.strategy->diagnostics().at("train_mse") != loss;
  }
  BOOST_TEST(differs);
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
