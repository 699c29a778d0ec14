// The NASNet CNN cell space against the NAO reference's test vectors (§7).

#include <boost/test/unit_test.hpp>

#include <sstream>

#include "test_support.hpp"

namespace nasnet_cnn {
namespace {

std::vector<int> ints(const std::string& text) {
  std::istringstream in(text);
  std::vector<int> out;
  std::string w;
  while (in >> w)
    if (w != "|") out.push_back(std::stoi(w));
  return out;
}

std::unique_ptr<automl::SearchSpace> make_space(const automl::Registry& registry, const std::string& body = "") {
  const std::string text = "[experiment]\nbudget_trials=1\n[search_space]\ntype=\"nasnet_cnn\"\n" + body +
                           "\n[strategy]\ntype=\"random\"\n[evaluator]\ntype=\"tabular\"\ntable=\"x\"\n";
  const auto exp = automl::parse_experiment(text, "exp.toml", "/");
  return registry.make<automl::SearchSpace>("nasnet_cnn", exp.search_space.section, automl::Context{}, {});
}

const std::string kNaonetB = "0 1 0 2 0 1 2 2 1 3 0 2 4 0 1 3 2 1 0 3 | 1 1 1 0 2 1 2 4 1 0 2 3 3 1 2 2 0 2 0 2";

}  // namespace
}  // namespace nasnet_cnn

BOOST_AUTO_TEST_SUITE(nasnet_cnn)

BOOST_AUTO_TEST_CASE(naonet_b_tokens_match_the_reference) {
  automl::test::Plugins p;
  const auto space = make_space(p.registry);
  const auto arch = space->parse(kNaonetB);
  BOOST_TEST(arch.genes == ints(kNaonetB));
  BOOST_TEST(space->parse("naonet_b") == arch);
  const auto* tokens = space->tokens();
  BOOST_TEST(tokens->vocab_size() == 12);
  BOOST_TEST(tokens->length() == 40);
  BOOST_TEST(tokens->encode(arch) ==
             ints("1 8 1 9 1 8 3 9 2 10 1 9 5 7 2 10 3 8 1 10 | 2 8 2 7 3 8 3 11 2 7 3 10 4 8 3 9 1 9 1 9"));
  BOOST_TEST(tokens->decode(tokens->encode(arch)) == arch);
}

BOOST_AUTO_TEST_CASE(branch_swap_matches_the_reference_vector) {
  automl::test::Plugins p;
  const auto space = make_space(p.registry);
  const auto arch = space->parse("naonet_b");
  const auto variants = space->tokens()->symmetric_variants(arch);
  BOOST_REQUIRE(variants.size() == 25u);
  // np.random.seed(0) draws a = 4 (normal node), b = 0 (reduction node): variant 4 * 5 + 0.
  BOOST_TEST(space->tokens()->encode(variants[20]) ==
             ints("1 8 1 9 1 8 3 9 2 10 1 9 5 7 2 10 1 10 3 8 | 2 7 2 8 3 8 3 11 2 7 3 10 4 8 3 9 1 9 1 9"));
  for (const auto& v : variants) BOOST_TEST(space->tokens()->symmetric_variants(v).size() == 25u);
}

BOOST_AUTO_TEST_CASE(token_ranges_follow_the_constrained_decoder) {
  automl::test::Plugins p;
  const auto space = make_space(p.registry);
  const auto* t = space->tokens();
  BOOST_TEST((t->token_range(0) == std::pair<int, int>{1, 2}));
  BOOST_TEST((t->token_range(1) == std::pair<int, int>{7, 11}));
  BOOST_TEST((t->token_range(18) == std::pair<int, int>{1, 6}));
  BOOST_TEST((t->token_range(20) == std::pair<int, int>{1, 2}));
  auto bad = t->encode(space->parse("naonet_b"));
  bad[4] = 4;  // node 1 may read inputs 0..2 (tokens 1..3)
  BOOST_CHECK_THROW(t->decode(bad), automl::Error);
}

BOOST_AUTO_TEST_CASE(readable_text_round_trips) {
  automl::test::Plugins p;
  const auto space = make_space(p.registry);
  const auto arch = space->parse("naonet_b");
  const std::string text = space->to_text(arch);
  BOOST_TEST(text.rfind("normal: 0 sep_conv_5x5 + 0 avg_pool_3x3, 0 sep_conv_5x5 + 2 avg_pool_3x3,", 0) == 0, text);
  BOOST_TEST(space->parse(text) == arch);
  automl::Random rng(3);
  for (int i = 0; i < 100; ++i) {
    const auto a = space->sample(rng);
    BOOST_REQUIRE(space->invalid_reason(a).empty());
    BOOST_TEST(space->parse(space->to_text(a)) == a);
  }
}

BOOST_AUTO_TEST_CASE(naonet_a_needs_the_naonet_op_set) {
  automl::test::Plugins p;
  const auto ws = make_space(p.registry);
  const auto msg = automl::test::error_of([&] { ws->parse("naonet_a"); });
  BOOST_TEST(msg.find("set op_set = \"naonet\"") != std::string::npos, msg);
  const auto full = make_space(p.registry, "op_set = \"naonet\"");
  const auto a = full->parse("naonet_a");
  BOOST_TEST(full->tokens()->vocab_size() == 18);
  BOOST_TEST(full->to_text(a).rfind("normal: 0 conv_3x3 + 1 avg_pool_5x5,", 0) == 0, full->to_text(a));
}

BOOST_AUTO_TEST_CASE(bad_text_and_bad_options) {
  automl::test::Plugins p;
  const auto space = make_space(p.registry);
  const auto op = automl::test::error_of([&] { space->parse("normal: 0 conv_9x9 + 1 identity | reduce: x"); });
  BOOST_TEST(op.find("'conv_9x9' is not an operation of this space") != std::string::npos, op);
  const auto range = automl::test::error_of([&] { space->parse("0 1 0 2 9 1 2 2 1 3 0 2 4 0 1 3 2 1 0 3 | " + kNaonetB.substr(42)); });
  BOOST_TEST(range.find("gene 4 (normal node 1 x input) = 9") != std::string::npos, range);
  BOOST_CHECK_THROW(space->parse("1 2 3"), automl::ConfigError);
  const auto custom = automl::test::error_of([&] { make_space(p.registry, "op_set = \"custom\"\nops = [\"sep_conv_3x3\", \"conv_9x9\"]"); });
  BOOST_TEST(custom.find("unknown operation 'conv_9x9'") != std::string::npos, custom);
  const auto space3 = make_space(p.registry, "op_set = \"custom\"\nops = [\"identity\", \"conv_3x3\"]\nnodes = 3");
  BOOST_TEST(space3->decisions().size() == 24u);
  BOOST_TEST(space3->tokens()->vocab_size() == 9);
}

BOOST_AUTO_TEST_SUITE_END()
