// Fuzz target: an experiment file's text, parsed and bound (see bind.hpp).

#include <cstddef>
#include <cstdint>

#include "bind.hpp"
#include "support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::check_experiment(fuzz::text(data, size), {});
  return 0;
}
