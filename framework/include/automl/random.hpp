#pragma once
// Seeded randomness. Every random choice in a run flows from the experiment
// seed through derive_seed(), so a CPU run repeated gives identical results.
// The draws below are defined here (not by <random> distributions, whose
// algorithms differ between standard libraries), so streams are portable.

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

namespace automl {

/// A seed for one named stream ("strategy", "trial", ...) and index, derived
/// from a parent seed by SplitMix64 mixing. Distinct names or indices give
/// independent-looking streams.
std::uint64_t derive_seed(std::uint64_t seed, std::string_view stream, std::uint64_t index = 0);

/// A random number generator (64-bit Mersenne Twister) with portable draws and
/// a serializable state. Not thread-safe: give each thread its own.
class Random final {
 public:
  explicit Random(std::uint64_t seed = 0);

  std::uint64_t next_u64() { return engine_(); }
  /// Uniform integer in [lo, hi], both inclusive; requires lo <= hi. Unbiased.
  int uniform_int(int lo, int hi);
  /// Uniform index in [0, n); requires n > 0.
  std::size_t index(std::size_t n);
  /// Uniform double in [0, 1) with 53 random bits.
  double uniform01();

  /// The complete engine state as text; set_state() restores it exactly.
  std::string state() const;
  void set_state(const std::string& state);

 private:
  std::mt19937_64 engine_;
};

}  // namespace automl
