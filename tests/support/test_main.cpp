#define BOOST_TEST_MODULE automl
#include <boost/test/unit_test.hpp>
