#include <boost/test/unit_test.hpp>

#include <set>

#include "test_support.hpp"

namespace nasbench201 {
namespace {

std::unique_ptr<automl::SearchSpace> make_space(const automl::Registry& registry) {
  return registry.make<automl::SearchSpace>("nasbench201", automl::Section("search_space", "nasbench201", {}, {}),
                                            automl::Context{}, {});
}

}  // namespace
}  // namespace nasbench201

BOOST_AUTO_TEST_SUITE(nasbench201)

BOOST_AUTO_TEST_CASE(official_string_form_round_trips) {
  automl::test::Plugins p;
  const auto space = make_space(p.registry);
  const std::string text = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|";
  const auto arch = space->parse(text);
  BOOST_TEST(arch.genes == std::vector<int>({3, 3, 4, 1, 3, 1}));
  BOOST_TEST(space->to_text(arch) == text);
  BOOST_TEST(space->decisions().size() == 6u);
  BOOST_TEST(space->decisions()[2].name == "edge 1->2");
  BOOST_TEST(*automl::count_combinations(*space) == 15625u);
}

BOOST_AUTO_TEST_CASE(malformed_strings_say_what_was_expected) {
  automl::test::Plugins p;
  const auto space = make_space(p.registry);
  const auto bad_op = automl::test::error_of(
      [&] { space->parse("|conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|"); });
  BOOST_TEST(bad_op.find("found 'conv_3x3'") != std::string::npos, bad_op);
  const auto bad_input = automl::test::error_of(
      [&] { space->parse("|none~1|+|none~0|none~1|+|none~0|none~1|none~2|"); });
  BOOST_TEST(bad_input.find("expected '0' at character 7") != std::string::npos, bad_input);
  BOOST_CHECK_THROW(space->parse("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|x"), automl::ConfigError);
}

BOOST_AUTO_TEST_CASE(tokens_are_op_plus_one) {
  automl::test::Plugins p;
  const auto space = make_space(p.registry);
  const auto* tokens = space->tokens();
  BOOST_REQUIRE(tokens != nullptr);
  BOOST_TEST(tokens->vocab_size() == 6);
  BOOST_TEST(tokens->encode(automl::Architecture{{0, 1, 2, 3, 4, 0}}) == std::vector<int>({1, 2, 3, 4, 5, 1}));
  BOOST_CHECK_THROW(tokens->decode({0, 1, 1, 1, 1, 1}), automl::Error);
}

BOOST_AUTO_TEST_CASE(uniform_sampling_reaches_every_op_on_every_edge) {
  automl::test::Plugins p;
  const auto space = make_space(p.registry);
  automl::Random rng(3);
  std::set<std::pair<int, int>> seen;
  for (int i = 0; i < 500; ++i) {
    const auto a = space->sample(rng);
    for (int e = 0; e < 6; ++e) seen.insert({e, a.genes[e]});
  }
  BOOST_TEST(seen.size() == 30u);
}

BOOST_AUTO_TEST_SUITE_END()
