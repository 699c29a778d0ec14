#pragma once
// What the kernel benchmarks share: best-of-7 wall times after a warm-up.

#include <algorithm>
#include <chrono>

namespace bench {

inline double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

/// The best of 7 runs of `f()` in milliseconds, after one warm-up run.
template <class F>
double best_ms(const F& f) {
  double best = 1e9;
  for (int rep = 0; rep < 8; ++rep) {
    const auto start = std::chrono::steady_clock::now();
    f();
    if (rep > 0) best = std::min(best, ms_since(start));
  }
  return best;
}

struct Times {
  double forward = 1e9, backward = 1e9;
};

/// The best of 7 of `forward()` and, on its result, of `backward(y)`, after
/// one warm-up run of both.
template <class F, class B>
Times best_forward_backward(const F& forward, const B& backward) {
  Times t;
  for (int rep = 0; rep < 8; ++rep) {
    auto start = std::chrono::steady_clock::now();
    const auto y = forward();
    const double f = ms_since(start);
    start = std::chrono::steady_clock::now();
    backward(y);
    const double b = ms_since(start);
    if (rep > 0) t.forward = std::min(t.forward, f), t.backward = std::min(t.backward, b);
  }
  return t;
}

}  // namespace bench
