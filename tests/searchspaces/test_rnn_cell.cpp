// The recurrent cell space: text forms, NAO's token encoding, sampling, and
// the language models built around the cell, checked against a direct
// computation of the reference's recurrence.

#include <boost/test/unit_test.hpp>

#include <map>
#include <set>

#include <torch/torch.h>

#include "automl/nn/language_model.hpp"
#include "test_support.hpp"

namespace rnn_cell {
namespace {

const std::string kNaonet = "0 1 1 1 2 2 1 2 4 1 4 1 4 1 7 1 8 2 1 0 4 1";

std::unique_ptr<automl::SearchSpace> make_space(const automl::Registry& registry) {
  return registry.make<automl::SearchSpace>("rnn_cell", automl::Section("search_space", "rnn_cell", {}, {}),
                                            automl::Context{}, {});
}

std::vector<int> ints(const std::string& text) {
  std::istringstream in(text);
  std::vector<int> out;
  for (int v; in >> v;) out.push_back(v);
  return out;
}

at::Tensor param(const torch::nn::Module& m, const std::string& name) { return m.named_parameters()[name]; }

}  // namespace
}  // namespace rnn_cell

BOOST_AUTO_TEST_SUITE(rnn_cell)

BOOST_AUTO_TEST_CASE(text_forms_round_trip) {
  automl::test::Plugins p;
  const auto space = make_space(p.registry);
  const auto arch = space->parse("naonet_ptb");
  BOOST_TEST(arch.genes == ints(kNaonet));
  const std::string text = space->to_text(arch);
  BOOST_TEST(text.rfind("s1 = relu(s0), s2 = relu(s1), s3 = sigmoid(s2), s4 = sigmoid(s1)", 0) == 0u, text);
  BOOST_TEST(space->parse(text).genes == arch.genes);
  BOOST_TEST(space->parse(kNaonet).genes == arch.genes);
  BOOST_TEST(space->decisions().size() == 22u);
  BOOST_TEST(space->decisions()[20].choices.size() == 11u);  // node 11 reads s0..s10
  BOOST_TEST(*automl::count_combinations(*space) == 39916800ull * 4194304ull);  // 11! * 4^11
}

BOOST_AUTO_TEST_CASE(malformed_cells_say_what_was_expected) {
  automl::test::Plugins p;
  const auto space = make_space(p.registry);
  const auto future = automl::test::error_of([&] { space->parse("0 1 2 1 2 2 1 2 4 1 4 1 4 1 7 1 8 2 1 0 4 1"); });
  BOOST_TEST(future.find("node 2 takes state 2, but only states 0..1 exist before it") != std::string::npos, future);
  const auto act = automl::test::error_of([&] { space->parse("0 4 1 1 2 2 1 2 4 1 4 1 4 1 7 1 8 2 1 0 4 1"); });
  BOOST_TEST(act.find("activation 4, expected 0..3") != std::string::npos, act);
  const auto count = automl::test::error_of([&] { space->parse("0 1 1 1"); });
  BOOST_TEST(count.find("found 4 numbers, expected 22") != std::string::npos, count);
  const auto word = automl::test::error_of([&] { space->parse("s1 = gelu(s0)"); });
  BOOST_TEST(word.find("unknown activation 'gelu'") != std::string::npos, word);
  const auto order = automl::test::error_of([&] { space->parse("s2 = relu(s0)"); });
  BOOST_TEST(order.find("node 1 must define s1") != std::string::npos, order);
}

// NAO reference §1.4 / §7: pred + 1, act + 12, vocabulary 16, 22 tokens.
BOOST_AUTO_TEST_CASE(tokens_follow_the_reference) {
  automl::test::Plugins p;
  const auto space = make_space(p.registry);
  const auto* tokens = space->tokens();
  BOOST_REQUIRE(tokens != nullptr);
  BOOST_TEST(tokens->vocab_size() == 16);
  BOOST_TEST(tokens->length() == 22);
  const auto arch = space->parse("naonet_ptb");
  BOOST_TEST(tokens->encode(arch) ==
             std::vector<int>({1, 13, 2, 13, 3, 14, 2, 14, 5, 13, 5, 13, 5, 13, 8, 13, 9, 14, 2, 12, 5, 13}));
  BOOST_TEST((tokens->token_range(0) == std::pair{1, 1}));
  BOOST_TEST((tokens->token_range(20) == std::pair{1, 11}));
  BOOST_TEST((tokens->token_range(21) == std::pair{12, 15}));
  BOOST_TEST(tokens->selects_state(4));
  BOOST_TEST(!tokens->selects_state(5));
  BOOST_TEST(tokens->symmetric_variants(arch).empty());
  automl::Random rng(5);
  for (int i = 0; i < 200; ++i) {
    const auto a = space->sample(rng);
    BOOST_TEST(space->invalid_reason(a).empty());
    BOOST_TEST(tokens->decode(tokens->encode(a)).genes == a.genes);
    BOOST_TEST(space->parse(space->to_text(a)).genes == a.genes);
  }
  auto bad = tokens->encode(arch);
  bad[2] = 3;  // node 1 can read s0 or s1 only (tokens 1..2)
  BOOST_CHECK_THROW(tokens->decode(bad), automl::Error);
}

BOOST_AUTO_TEST_CASE(sampling_reaches_every_predecessor_and_activation) {
  automl::test::Plugins p;
  const auto space = make_space(p.registry);
  automl::Random rng(7);
  std::set<std::pair<int, int>> seen;
  for (int i = 0; i < 3000; ++i) {
    const auto a = space->sample(rng);
    for (int g = 0; g < 22; ++g) seen.insert({g, a.genes[g]});
  }
  std::size_t expected = 0;
  for (int node = 0; node < 11; ++node) expected += (node + 1) + 4;
  BOOST_TEST(seen.size() == expected);
}

// The stand-alone model in eval mode equals the recurrence written out
// directly: s0 = h + sig(c0) * (tanh(h0) - h), [c0, h0] = [x, h] W0; node
// s = s_p + sig(c) * (act(h) - s_p), [c, h] = s_p W_i; output = mean of
// s1..s11; logits = output E^T + b.
BOOST_AUTO_TEST_CASE(the_model_computes_the_reference_recurrence) {
  automl::test::Plugins p;
  const auto space = make_space(p.registry);
  const auto arch = space->parse("naonet_ptb");
  torch::manual_seed(0);
  automl::nn::LanguageModelConfig config;
  config.size = 4;
  auto model = space->language_models()->build(arch, config, 7);
  model->eval();
  const auto tokens = torch::tensor({3, 5, 1, 6, 0, 2}, torch::kLong).view({3, 2});
  const auto h_init = torch::randn({2, 4});
  const auto out = model->forward(tokens, h_init);
  BOOST_TEST(out.logits.sizes() == (std::vector<std::int64_t>{6, 7}));
  BOOST_TEST(out.hidden.sizes() == (std::vector<std::int64_t>{2, 4}));

  const auto E = param(*model, "embedding"), b = param(*model, "decoder_bias"), W0 = param(*model, "w0");
  torch::NoGradGuard no_grad;
  auto h = h_init;
  std::vector<at::Tensor> logits;
  for (int t = 0; t < 3; ++t) {
    const auto x = E.index_select(0, tokens[t]);
    const auto ch0 = torch::cat({x, h}, 1).mm(W0);
    std::vector<at::Tensor> s{h + torch::sigmoid(ch0.narrow(1, 0, 4)) * (torch::tanh(ch0.narrow(1, 4, 4)) - h)};
    for (int i = 0; i < 11; ++i) {
      const auto& prev = s[static_cast<std::size_t>(arch.genes[2 * i])];
      const auto ch = prev.mm(param(*model, "w" + std::to_string(i + 1)));
      auto v = ch.narrow(1, 4, 4);
      const int act = arch.genes[2 * i + 1];
      v = act == 0 ? torch::tanh(v) : act == 1 ? torch::relu(v) : act == 2 ? torch::sigmoid(v) : v;
      s.push_back(prev + torch::sigmoid(ch.narrow(1, 0, 4)) * (v - prev));
    }
    h = torch::stack(at::TensorList(s).slice(1)).mean(0);
    logits.push_back(h.mm(E.t()) + b);
  }
  BOOST_TEST(torch::allclose(out.logits, torch::cat(logits, 0), 1e-5, 1e-6));
  BOOST_TEST(torch::allclose(out.hidden, h, 1e-5, 1e-6));
}

// Supernet node i owns a [4 (i + 1) H, 2H] matrix; a selected cell trains
// only its blocks: rows [(4 pred + act) H, + H) of each node.
BOOST_AUTO_TEST_CASE(the_supernet_trains_only_the_selected_blocks) {
  automl::test::Plugins p;
  const auto space = make_space(p.registry);
  torch::manual_seed(1);
  automl::nn::LanguageModelConfig config;
  config.size = 3;
  config.dropout_output = config.dropout_hidden = config.dropout_x = config.dropout_input = 0;  // no zeroed rows
  auto supernet = space->language_models()->build_supernet(config, 9);
  BOOST_TEST(param(*supernet, "w11").sizes() == (std::vector<std::int64_t>{4 * 11 * 3, 6}));
  const auto arch = space->parse("naonet_ptb");
  supernet->select(arch);
  supernet->train();
  supernet->reseed(3);
  const auto tokens = torch::randint(0, 9, {5, 2}, torch::kLong);
  const auto out = supernet->forward(tokens, supernet->initial_hidden(2));
  torch::cross_entropy_loss(out.logits, tokens.reshape({-1})).backward();
  for (int i = 0; i < 11; ++i) {
    const auto grad = param(*supernet, "w" + std::to_string(i + 1)).grad().abs().sum(1);  // per row
    const int block = 4 * arch.genes[2 * i] + arch.genes[2 * i + 1];
    for (int row = 0; row < grad.size(0); ++row) {
      const bool inside = row / 3 == block;
      BOOST_TEST((grad[row].item<double>() > 0) == inside, "node " << i + 1 << " row " << row);
    }
  }
}

BOOST_AUTO_TEST_CASE(same_seed_same_model_and_masks) {
  automl::test::Plugins p;
  const auto space = make_space(p.registry);
  const auto arch = space->parse("naonet_ptb");
  automl::nn::LanguageModelConfig config;
  config.size = 8;
  config.dropout_embedding = 0.1;
  const auto tokens = torch::randint(0, 11, {6, 3}, torch::kLong);
  auto run = [&](std::uint64_t seed) {
    torch::manual_seed(4);
    auto m = space->language_models()->build(arch, config, 11);
    m->train();
    m->reseed(seed);
    return m->forward(tokens, m->initial_hidden(3)).logits;
  };
  BOOST_TEST(torch::equal(run(1), run(1)));
  BOOST_TEST(!torch::equal(run(1), run(2)));
}

// NAO-WS/rnn's INITRANGE: embedding (tied decoder) and cell weights
// U(-0.04, 0.04); its controller, which NAO's "auto" settings follow.
BOOST_AUTO_TEST_CASE(initial_weights_and_controller_follow_the_reference) {
  automl::test::Plugins p;
  const auto space = make_space(p.registry);
  automl::nn::LanguageModelConfig config;
  config.size = 32;
  torch::manual_seed(0);
  for (const bool supernet : {false, true}) {
    std::shared_ptr<automl::nn::LanguageModel> model;
    if (supernet) model = space->language_models()->build_supernet(config, 50);
    else model = space->language_models()->build(space->parse("naonet_ptb"), config, 50);
    for (const std::string name : {"embedding", "w0"}) {
      const double largest = param(*model, name).abs().max().item<double>();
      BOOST_TEST(largest <= 0.04, name << " " << largest);
      BOOST_TEST(largest > 0.035, name << " " << largest);  // drawn over the whole range
    }
    BOOST_TEST(param(*model, "decoder_bias").abs().max().item<double>() == 0.0);
  }
  const auto reference = space->tokens()->controller_reference();
  BOOST_TEST(reference.attention == "dot");
  BOOST_TEST(reference.predictor_init == 0.04);
  BOOST_TEST(reference.one_optimizer);
}

// The search draws bptt or bptt / 2 (train_search.py); the final training
// adds N(., 5) kept in [5, bptt + 20] (train.py).
BOOST_AUTO_TEST_CASE(window_lengths_follow_the_reference_draws) {
  using automl::nn::BpttDraw;
  automl::Random rng(4);
  std::map<std::int64_t, int> search;
  std::set<std::int64_t> final_lengths;
  for (int i = 0; i < 4000; ++i) {
    ++search[automl::nn::draw_sequence_length(35, BpttDraw::search, rng)];
    final_lengths.insert(automl::nn::draw_sequence_length(35, BpttDraw::final, rng));
    BOOST_TEST(automl::nn::draw_sequence_length(35, BpttDraw::fixed, rng) == 35);
  }
  BOOST_TEST(search.size() == 2u);
  BOOST_TEST(search[17] > 120);  // about 5 %: 200 of 4000
  BOOST_TEST(search[17] < 300);
  BOOST_TEST(*final_lengths.begin() >= 5);
  BOOST_TEST(*final_lengths.rbegin() <= 55);
  BOOST_TEST(final_lengths.size() > 25u);
  BOOST_CHECK_THROW(automl::nn::bptt_draw("jitter"), automl::ConfigError);
}

// NAO-WS/rnn scores on a window that starts in [0, steps / bptt) ("head");
// "anywhere" spreads the starts over the whole split.
BOOST_AUTO_TEST_CASE(validation_windows_start_where_asked) {
  automl::Random rng(5);
  std::set<std::int64_t> head, anywhere;
  for (int i = 0; i < 2000; ++i) {
    head.insert(automl::nn::validation_window_start(288, 35, true, rng));
    anywhere.insert(automl::nn::validation_window_start(288, 35, false, rng));
  }
  BOOST_TEST(head.size() == 8u);  // 288 / 35
  BOOST_TEST(*head.rbegin() == 7);
  BOOST_TEST(*anywhere.rbegin() == 288 - 35 - 1);
  BOOST_TEST(anywhere.size() > 200u);
  BOOST_TEST(automl::nn::validation_window_start(20, 35, false, rng) == 0);  // shorter than a window
}

BOOST_AUTO_TEST_SUITE_END()
