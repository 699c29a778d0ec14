#include <boost/test/unit_test.hpp>

#include "automl/error.hpp"
#include "automl/state.hpp"

BOOST_AUTO_TEST_SUITE(state)

BOOST_AUTO_TEST_CASE(values_round_trip_in_order) {
  automl::StateWriter w;
  w.put_int(-5);
  w.put_double(0.25);
  w.put_string("hello");
  w.put_archs({{{1, 2}}, {{3}}});
  automl::StateReader r(w.bytes(), "test");
  BOOST_TEST(r.get_int() == -5);
  BOOST_TEST(r.get_double() == 0.25);
  BOOST_TEST(r.get_string() == "hello");
  const auto archs = r.get_archs();
  BOOST_TEST(archs.size() == 2u);
  BOOST_TEST(archs[0].genes == std::vector<int>({1, 2}));
  BOOST_TEST(r.at_end());
}

BOOST_AUTO_TEST_CASE(truncated_or_mismatched_state_is_an_error) {
  automl::StateWriter w;
  w.put_string("hello");
  automl::StateReader truncated(w.bytes().substr(0, 6), "strategy 'x'");
  BOOST_CHECK_THROW(truncated.get_string(), automl::DataError);
  automl::StateReader mismatched(w.bytes(), "strategy 'x'");
  try {
    mismatched.get_int();
    BOOST_FAIL("expected an error");
  } catch (const automl::DataError& e) {
    BOOST_TEST(std::string(e.what()).find("strategy 'x'") != std::string::npos);
  }
}

BOOST_AUTO_TEST_SUITE_END()
