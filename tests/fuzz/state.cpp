// Fuzz target: the reader of saved strategy and evaluator state (what
// checkpoints in a run directory hold). The first byte is the number of reads
// (at most 32), the next bytes say which (int, double, string, ints, doubles,
// architecture, architectures, a random generator's state); the rest is the
// state. What was read, written again, must give back the bytes it came from.

#include <cstddef>
#include <cstdint>

#include "automl/error.hpp"
#include "automl/random.hpp"
#include "automl/state.hpp"
#include "support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t reads = std::min<std::size_t>(data[0] % 33, size - 1);
  const std::uint8_t* ops = data + 1;
  const std::string bytes = fuzz::text(data + 1 + reads, size - 1 - reads);
  automl::StateReader in(bytes, "fuzz");
  automl::StateWriter out;
  try {
    for (std::size_t i = 0; i < reads; ++i) {
      switch (ops[i] % 8) {
        case 0: out.put_int(in.get_int()); break;
        case 1: out.put_double(in.get_double()); break;
        case 2: out.put_string(in.get_string()); break;
        case 3: out.put_ints(in.get_ints()); break;
        case 4: out.put_doubles(in.get_doubles()); break;
        case 5: out.put_arch(in.get_arch()); break;
        case 6: out.put_archs(in.get_archs()); break;
        case 7: {
          const std::string state = in.get_string();
          automl::Random rng(0);
          rng.set_state(state);
          out.put_string(state);
          break;
        }
      }
    }
  } catch (const automl::Error& e) {
    fuzz::check_message(e);
    return 0;
  }
  if (out.bytes() != bytes.substr(0, out.bytes().size())) fuzz::fail("state read and written again differs");
  return 0;
}
