// Fuzz target: the benchmark-table reader (NAS-Bench-201 CSV), with the
// columns the tabular evaluator reads by default.

#include <cstddef>
#include <cstdint>
#include <sstream>

#include "automl/error.hpp"
#include "support.hpp"
#include "table.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(fuzz::text(data, size));
  try {
    const tabular::Table table(in, "nb201.csv", {"arch", "table"},
                               {{"c10valid_val_200", "metric"}, {"c10valid_test_200", "test_metric"}});
    for (std::size_t row = 0; row < table.rows(); ++row) {
      const long r = static_cast<long>(row);
      if (table.find(table.key(r)) != r) fuzz::fail("a row's key does not find the row");
      if (table.line(r) < 2) fuzz::fail("a row on the header's line");
    }
  } catch (const automl::Error& e) {
    fuzz::check_message(e);
  }
  return 0;
}
