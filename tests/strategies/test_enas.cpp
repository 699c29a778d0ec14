// The ENAS controller: the reference's decision order, baseline and LSTM;
// valid samples on cell and op-only spaces, learning from a synthetic
// reward, exact continuation after save/load; random_ws.

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <set>
#include <sstream>

#include <torch/torch.h>

#include "decisions.hpp"
#include "test_support.hpp"

namespace enas {
namespace {

automl::Components build(const automl::Registry& registry, const std::string& space, const std::string& strategy,
                         int seed = 4) {
  const std::string text = "[experiment]\nbudget_trials=1\nseed=" + std::to_string(seed) +
                           "\n[search_space]\ntype=\"" + space + "\"\n[strategy]\n" + strategy +
                           "\n[evaluator]\ntype=\"scripted\"\n";
  return automl::build_components(automl::parse_experiment(text, "exp.toml", "/"), registry);
}

// Fraction of genes equal to `op` (NAS-Bench-201: every gene is an op).
double share_of(const std::vector<automl::Architecture>& batch, int op) {
  double hits = 0, total = 0;
  for (const auto& a : batch)
    for (int g : a.genes) hits += g == op, ++total;
  return hits / total;
}

std::vector<automl::Observation> reward(const std::vector<automl::Architecture>& batch, int op) {
  std::vector<automl::Observation> out;
  for (const auto& a : batch) out.push_back({a, true, share_of({a}, op)});
  return out;
}

}  // namespace
}  // namespace enas

BOOST_AUTO_TEST_SUITE(enas)

BOOST_AUTO_TEST_CASE(each_node_chooses_both_inputs_before_both_operations) {
  automl::test::Plugins p(true);
  auto c = build(p.registry, "nasnet_cnn", "type=\"enas\"");
  const auto positions = automl::enas::layout(*c.space->tokens());
  const auto order = automl::enas::decision_order(positions);
  // Tokens of a node: x_id, x_op, y_id, y_op. Decisions: x_id, y_id, then
  // x_op (its step fed the anchor of y, the last chosen input), y_op.
  BOOST_TEST_REQUIRE(positions.size() == 40u);
  BOOST_TEST_REQUIRE(order.size() == 40u);
  for (std::size_t node = 0; node < 10; ++node) {
    const std::size_t t = 4 * node;
    BOOST_TEST(order[t].position == t);
    BOOST_TEST(order[t + 1].position == t + 2);
    BOOST_TEST(order[t + 2].position == t + 1);
    BOOST_TEST(order[t + 3].position == t + 3);
    BOOST_TEST(positions[order[t + 1].position].state);
    BOOST_TEST(!positions[order[t + 2].position].state);
    for (std::size_t k = 0; k < 3; ++k) BOOST_TEST(!order[t + k].ends_node);
    BOOST_TEST(order[t + 3].ends_node);
  }
  BOOST_TEST(positions[20].cell_start);  // the reduction cell starts at node 5
  // An op-only space is decided in token order, with no nodes.
  auto nb = build(p.registry, "nasbench201", "type=\"enas\"");
  const auto nb_order = automl::enas::decision_order(automl::enas::layout(*nb.space->tokens()));
  BOOST_TEST_REQUIRE(nb_order.size() == 6u);
  for (std::size_t i = 0; i < 6; ++i) {
    BOOST_TEST(nb_order[i].position == i);
    BOOST_TEST(!nb_order[i].ends_node);
  }
}

BOOST_AUTO_TEST_CASE(the_baseline_starts_at_zero_and_the_lstm_has_no_bias) {
  automl::test::Plugins p(true);
  auto c = build(p.registry, "nasbench201", "type=\"enas\"\nsamples_per_round=1\nbaseline_decay=0.9");
  c.strategy->tell(reward(c.strategy->ask(automl::AskContext{1}), 2));
  const auto d = c.strategy->diagnostics();
  // b = 0 - (1 - 0.9)(0 - R): a tenth of the first reward (it was R itself).
  BOOST_TEST(d.at("baseline") == 0.1 * d.at("mean_reward"), boost::test_tools::tolerance(1e-12));
  automl::StateWriter w;
  c.strategy->save(w);
  automl::StateReader in(w.bytes(), "enas");
  std::istringstream bytes(in.get_string());
  torch::serialize::InputArchive archive;
  archive.load_from(bytes);
  const auto keys = archive.keys();
  BOOST_TEST(std::count(keys.begin(), keys.end(), "w_lstm") == 1);
  for (const auto& k : keys) BOOST_TEST(k.find("bias") == std::string::npos, k);
  torch::Tensor w_lstm;
  BOOST_TEST_REQUIRE(archive.try_read("w_lstm", w_lstm));
  BOOST_TEST(w_lstm.size(0) == 2 * 64);  // [x, h] -> 4 gates, as matmul(concat[x, h], w)
  BOOST_TEST(w_lstm.size(1) == 4 * 64);
}

BOOST_AUTO_TEST_CASE(samples_are_valid_on_cell_and_op_spaces) {
  automl::test::Plugins p(true);
  for (const std::string space : {"nasnet_cnn", "nasbench201"}) {
    auto c = build(p.registry, space, "type=\"enas\"\nsamples_per_round=200");
    std::set<automl::Architecture> distinct;
    for (const auto& a : c.strategy->ask(automl::AskContext{1})) {
      BOOST_TEST(c.space->invalid_reason(a).empty(), c.space->invalid_reason(a));
      distinct.insert(a);
    }
    BOOST_TEST(distinct.size() > 100u, space);  // a policy, not a constant
    automl::Random rng(1);
    const auto sampler = c.strategy->training_sampler();
    BOOST_TEST(c.space->invalid_reason(sampler(rng)).empty());
  }
}

BOOST_AUTO_TEST_CASE(the_policy_learns_a_rewarded_operation) {
  automl::test::Plugins p(true);
  // NAS-Bench-201, reward = share of edges with op 2; no op biases on an op-only space.
  auto c = build(p.registry, "nasbench201", "type=\"enas\"\nsamples_per_round=20\nnum_aggregate=5\nlr=0.02");
  const double before = share_of(c.strategy->ask(automl::AskContext{1}), 2);
  c.strategy->tell(reward(c.strategy->ask(automl::AskContext{1}), 2));
  for (int round = 0; round < 40; ++round) {
    const auto batch = c.strategy->ask(automl::AskContext{1});
    c.strategy->tell(reward(batch, 2));
  }
  double after = 0;
  for (int i = 0; i < 5; ++i) after += share_of(c.strategy->ask(automl::AskContext{1}), 2) / 5;
  BOOST_TEST_MESSAGE("share of the rewarded op: " << before << " -> " << after);
  BOOST_TEST(after > before + 0.2);
  BOOST_TEST(c.strategy->diagnostics().at("controller_updates") > 100);
}

BOOST_AUTO_TEST_CASE(save_load_continue_equals_an_uninterrupted_run) {
  automl::test::Plugins p(true);
  const std::string body = "type=\"enas\"\nsamples_per_round=7\nnum_aggregate=3";
  auto a = build(p.registry, "nasnet_cnn", body);
  auto b = build(p.registry, "nasnet_cnn", body);
  for (int r = 0; r < 2; ++r) a.strategy->tell(reward(a.strategy->ask(automl::AskContext{1}), 2));
  automl::StateWriter w;
  a.strategy->save(w);
  automl::StateReader in(w.bytes(), "enas");
  b.strategy->load(in);
  BOOST_TEST(in.at_end());
  for (int r = 0; r < 3; ++r) {
    const auto from_a = a.strategy->ask(automl::AskContext{1});
    const auto from_b = b.strategy->ask(automl::AskContext{1});
    BOOST_TEST(from_a == from_b);
    a.strategy->tell(reward(from_a, 2));
    b.strategy->tell(reward(from_b, 2));
  }
}

BOOST_AUTO_TEST_CASE(random_ws_proposes_distinct_candidates_for_each_round) {
  automl::test::Plugins p(true);
  auto c = build(p.registry, "nasbench201", "type=\"random_ws\"\ncandidates=50\nrounds=2");
  const auto first = c.strategy->ask(automl::AskContext{1});
  BOOST_TEST(first.size() == 50u);
  BOOST_TEST(std::set<automl::Architecture>(first.begin(), first.end()).size() == 50u);
  c.strategy->tell({});
  BOOST_TEST(c.strategy->ask(automl::AskContext{1}).size() == 50u);
  c.strategy->tell({});
  BOOST_TEST(c.strategy->ask(automl::AskContext{1}).empty());
  BOOST_TEST(!c.strategy->training_sampler());
}

BOOST_AUTO_TEST_SUITE_END()
