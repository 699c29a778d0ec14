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
  BOOST_TEST(automl::did_you_mean("poplation", keys) == " (did you mean 'population'?)");
}

BOOST_AUTO_TEST_CASE(split_keeps_empty_parts) {
  const auto parts = automl::split("a::b", ':');
  BOOST_TEST(parts.size() == 3u);
  BOOST_TEST(parts[1].empty());
}

BOOST_AUTO_TEST_SUITE_END()
