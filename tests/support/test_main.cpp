#define BOOST_TEST_MODULE automl
#include <boost/test/unit_test.hpp>

#include "automl/parallel.hpp"

// The host's process settings, so that tests run as `automl` does.
struct ProcessSettings {
  ProcessSettings() { automl::tune_allocator(); }
};
BOOST_TEST_GLOBAL_FIXTURE(ProcessSettings);
