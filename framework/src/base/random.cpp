// Seed derivation (SplitMix64 over the stream name) and the components' random generator.

#include "automl/random.hpp"

#include <sstream>

#include "automl/error.hpp"

namespace automl {

namespace {
std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}
}  // namespace

std::uint64_t derive_seed(std::uint64_t seed, std::string_view stream, std::uint64_t index) {
  std::uint64_t h = splitmix64(seed);
  for (char c : stream) h = splitmix64(h ^ static_cast<unsigned char>(c));
  return splitmix64(h ^ splitmix64(index));
}

Random::Random(std::uint64_t seed) : engine_(seed) {}

std::size_t Random::index(std::size_t n) {
  // Rejection sampling removes the modulo bias.
  const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  std::uint64_t x = engine_();
  while (x >= limit) x = engine_();
  return static_cast<std::size_t>(x % n);
}

int Random::uniform_int(int lo, int hi) {
  const auto span = static_cast<std::size_t>(static_cast<std::int64_t>(hi) - lo + 1);
  return lo + static_cast<int>(index(span));
}

double Random::uniform01() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

std::string Random::state() const {
  std::ostringstream out;
  out << engine_;
  return out.str();
}

void Random::set_state(const std::string& state) {
  std::istringstream in(state);
  in >> engine_;
  if (!in) throw DataError("random generator state is corrupt (expected 312 integers)");
}

}  // namespace automl
