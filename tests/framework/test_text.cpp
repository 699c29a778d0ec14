#include <boost/test/unit_test.hpp>

#include "automl/text.hpp"

BOOST_AUTO_TEST_SUITE(text)

BOOST_AUTO_TEST_CASE(edit_distance_counts_single_edits) {
  BOOST_TEST(automl::edit_distance("population", "population") == 0u);
  BOOST_TEST(automl::edit_distance("populaton", "population") == 1u);
  BOOST_TEST(automl::edit_distance("kitten", "sitting") == 3u);
  BOOST_TEST(automl::edit_distance("", "abc") == 3u);
}

BOOST_AUTO_TEST_CASE(nearest_suggests_only_plausible_typos) {
  const std::vector<std::string> keys{"population", "sample_size"};
  BOOST_TEST(automl::nearest("populaton", keys) == "population");
  BOOST_TEST(automl::nearest("sample-size", keys) == "sample_size");
  BOOST_TEST(automl::nearest("learning_rate", keys).empty());
  // A name cut short or with something added, beyond what a typo changes.
  const std::vector<std::string> types{"random", "regularized_evolution", "nao", "random_ws"};
  BOOST_TEST(automl::nearest("regularized_evo", types) == "regularized_evolution");
  BOOST_TEST(automl::nearest("nao_search", types) == "nao");
  BOOST_TEST(automl::nearest("xy", types).empty());
  BOOST_TEST(automl::did_you_mean("poplation", keys) == " (did you mean 'population'?)");
}

BOOST_AUTO_TEST_CASE(split_keeps_empty_parts) {
  const auto parts = automl::split("a::b", ':');
  BOOST_TEST(parts.size() == 3u);
  BOOST_TEST(parts[1].empty());
}

BOOST_AUTO_TEST_CASE(printable_escapes_control_bytes_and_cuts_long_text) {
  BOOST_TEST(automl::printable("a\tb\nc") == "a\\tb\\nc");
  BOOST_TEST(automl::printable(std::string("nul\0bell\x07", 9)) == "nul\\x00bell\\x07");
  BOOST_TEST(automl::printable("caf\xc3\xa9") == "caf\xc3\xa9");  // UTF-8 passes through
  BOOST_TEST(automl::printable(std::string(500, 'y'), 10) == "yyyyyyyyyy... (500 bytes in all)");
  BOOST_TEST(automl::printable("short", 10) == "short");
}

BOOST_AUTO_TEST_SUITE_END()
