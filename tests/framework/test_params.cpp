#include <boost/test/unit_test.hpp>

#include <cstdlib>

#include "automl/params.hpp"
#include "test_support.hpp"

namespace params {
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
}  // namespace params

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

// An int key checked only as a 64-bit value would be stored wrapped:
// 4294967306 as 10, 4294967296 as 0.
BOOST_AUTO_TEST_CASE(integers_must_fit_the_member_they_are_stored_in) {
  for (const std::int64_t big : {std::int64_t{4294967296}, std::int64_t{4294967306}, std::int64_t{2147483648}}) {
    const auto msg = automl::test::error_of([&] { schema().parse(section({{"population", big}})); });
    BOOST_TEST(msg.find("exp.toml:2:1: [strategy] population = " + std::to_string(big) +
                        " does not fit the key's 32-bit integer (-2147483648 to 2147483647)") != std::string::npos,
               msg);
  }
  const auto list = automl::test::error_of(
      [] { schema().parse(section({{"sizes", std::vector<std::int64_t>{1, std::int64_t{1} << 40}}})); });
  BOOST_TEST(list.find("does not fit") != std::string::npos, list);
  BOOST_TEST(schema().parse(section({{"population", std::int64_t{2147483647}}})).population == 2147483647);
}

BOOST_AUTO_TEST_CASE(subnormal_numbers_print_and_read_back) {
  const double tiny = 1e-320;
  const std::string text = automl::to_toml(automl::Value{tiny});
  BOOST_TEST(std::strtod(text.c_str(), nullptr) == tiny, text);
  // A subnormal given to an integer key is a wrong type, said with the value.
  const auto msg = automl::test::error_of([&] { schema().parse(section({{"population", tiny}})); });
  BOOST_TEST(msg.find("found number 1e-320") != std::string::npos, msg);
}

BOOST_AUTO_TEST_CASE(echoed_input_is_escaped_and_cut) {
  const std::string huge(1 << 20, 'x');
  const auto msg = automl::test::error_of([&] { schema().parse(section({{"mode", huge}})); });
  BOOST_TEST(msg.size() < 2000u);
  BOOST_TEST(msg.find("bytes in all") != std::string::npos, msg.substr(0, 300));
  const auto key = automl::test::error_of([] { schema().parse(section({{std::string("po\npul\0x", 9), true}})); });
  BOOST_TEST(key.find("po\\npul\\x00x") != std::string::npos, key);
  BOOST_TEST(key.find('\0') == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
