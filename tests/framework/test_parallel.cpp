#include <boost/test/unit_test.hpp>

#include <atomic>
#include <stdexcept>

#include "automl/parallel.hpp"

BOOST_AUTO_TEST_SUITE(parallel)

BOOST_AUTO_TEST_CASE(every_index_runs_once) {
  std::vector<std::atomic<int>> hits(100);
  automl::parallel_for(hits.size(), 2, [&](std::size_t i) { ++hits[i]; });
  for (auto& h : hits) BOOST_TEST(h.load() == 1);
}

BOOST_AUTO_TEST_CASE(exceptions_leave_the_parallel_region) {
  BOOST_CHECK_THROW(automl::parallel_for(10, 2,
                                         [](std::size_t i) {
                                           if (i == 3) throw std::invalid_argument("three");
                                         }),
                    std::invalid_argument);
  BOOST_CHECK_THROW(automl::parallel_for(10, 1, [](std::size_t) { throw std::runtime_error("x"); }),
                    std::runtime_error);
}

BOOST_AUTO_TEST_SUITE_END()
