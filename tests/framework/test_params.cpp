#include <boost/test/unit_test.hpp>

#include "automl/params.hpp"
#include "test_support.hpp"

namespace {

struct Options {
  int population = 10;
  double rate = 0.5;
  std::string mode = "fast";
  std::vector<int> sizes = {1, 2};
  bool flag = false;
};

const automl::Schema<Options>& schema() {
  static const auto s = automl::Schema<Options>("test")
                            .field("population", &Options::population, "P").at_least(2)
                            .field("rate", &Options::rate, "r").range(0, 1)
                            .field("mode", &Options::mode, "m").one_of({"fast", "slow"})
                            .field("sizes", &Options::sizes, "s").at_least(1)
                            .field("flag", &Options::flag, "f")
                            .rule("rate", [](const Options& o) {
                              return o.flag && o.rate > 0.9 ? "must be <= 0.9 when flag is set" : "";
                            });
  return s;
}

automl::Section section(std::map<std::string, automl::Value> values) {
  std::map<std::string, automl::Entry> entries;
  int line = 2;
  for (auto& [k, v] : values) entries[k] = {v, automl::Location{"exp.toml", line++, 1}};
  return automl::Section("strategy", "demo", automl::Location{"exp.toml", 1, 1}, entries);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(params)

BOOST_AUTO_TEST_CASE(defaults_come_from_the_struct) {
  const Options o = schema().parse(section({}));
  BOOST_TEST(o.population == 10);
  BOOST_TEST(o.mode == "fast");
  BOOST_TEST(schema().fields().size() == 5u);
  BOOST_TEST(automl::to_toml(schema().fields()[3].default_value) == "[1, 2]");
}

BOOST_AUTO_TEST_CASE(values_are_read_and_integers_widen_to_reals) {
  const Options o = schema().parse(section({{"population", std::int64_t{20}}, {"rate", std::int64_t{1}},
                                            {"sizes", std::vector<std::int64_t>{3}}}));
  BOOST_TEST(o.population == 20);
  BOOST_TEST(o.rate == 1.0);
  BOOST_TEST(o.sizes == std::vector<int>{3});
}

BOOST_AUTO_TEST_CASE(unknown_key_names_place_and_suggestion) {
  const auto msg = automl::test::error_of([] { schema().parse(section({{"populaton", std::int64_t{3}}})); });
  BOOST_TEST(msg.find("exp.toml:2:1") != std::string::npos, msg);
  BOOST_TEST(msg.find("unknown key [strategy] populaton for strategy 'demo'") != std::string::npos, msg);
  BOOST_TEST(msg.find("did you mean 'population'?") != std::string::npos, msg);
}

BOOST_AUTO_TEST_CASE(wrong_type_says_expected_and_found) {
  const auto msg = automl::test::error_of([] { schema().parse(section({{"population", std::string("ten")}})); });
  BOOST_TEST(msg.find("expected integer >= 2, found string \"ten\"") != std::string::npos, msg);
  const auto real = automl::test::error_of([] { schema().parse(section({{"population", 2.5}})); });
  BOOST_TEST(real.find("found number 2.5") != std::string::npos, real);
}

BOOST_AUTO_TEST_CASE(out_of_range_and_bad_choice) {
  const auto low = automl::test::error_of([] { schema().parse(section({{"population", std::int64_t{1}}})); });
  BOOST_TEST(low.find("out of range: expected integer >= 2") != std::string::npos, low);
  const auto list = automl::test::error_of([] { schema().parse(section({{"sizes", std::vector<std::int64_t>{1, 0}}})); });
  BOOST_TEST(list.find("out of range") != std::string::npos, list);
  const auto choice = automl::test::error_of([] { schema().parse(section({{"mode", std::string("fsat")}})); });
  BOOST_TEST(choice.find("did you mean 'fast'?") != std::string::npos, choice);
  BOOST_TEST(choice.find("one of \"fast\", \"slow\"") != std::string::npos, choice);
}

BOOST_AUTO_TEST_CASE(rules_report_at_their_key) {
  const auto msg = automl::test::error_of([] { schema().parse(section({{"flag", true}, {"rate", 0.95}})); });
  BOOST_TEST(msg.find("[strategy] rate: must be <= 0.9 when flag is set") != std::string::npos, msg);
}

BOOST_AUTO_TEST_CASE(toml_spelling_of_values) {
  BOOST_TEST(automl::to_toml(automl::Value{2.0}) == "2.0");
  BOOST_TEST(automl::to_toml(automl::Value{std::string("a\"b")}) == "\"a\\\"b\"");
  BOOST_TEST(automl::to_toml(automl::Value{std::vector<std::string>{"x", "y"}}) == "[\"x\", \"y\"]");
}

BOOST_AUTO_TEST_SUITE_END()
