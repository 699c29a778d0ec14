#include <boost/test/unit_test.hpp>

#include <cmath>

#include "automl/run/progress.hpp"

BOOST_AUTO_TEST_SUITE(progress)

BOOST_AUTO_TEST_CASE(line_shows_count_best_rate_and_eta) {
  BOOST_TEST(automl::Progress::line(37, 100, 91.60671, 12.5, 65) ==
             "[ 37/100] best 91.6067 | 12.5 trials/s | ETA 0:01:05");
  BOOST_TEST(automl::Progress::line(3, 0, std::nullopt, 0, NAN) == "[3] best - | 0.0 trials/s | ETA -");
}

BOOST_AUTO_TEST_CASE(redraws_are_throttled) {
  automl::Progress p(true, 200, 0, 0);
  for (int done = 1; done <= 200; ++done) p.update(done, 0.5);  // far faster than 10 per second
  p.clear();
  BOOST_TEST(p.draws() >= 2);  // the first and the last
  BOOST_TEST(p.draws() <= 5);
  p.update(200, 0.5);  // after clear() the line comes back at once
  BOOST_TEST(p.draws() >= 3);
  p.clear();
}

BOOST_AUTO_TEST_SUITE_END()
