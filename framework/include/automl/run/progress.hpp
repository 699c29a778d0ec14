#pragma once
// The live progress line on a terminal: done/total, best so far, rate, ETA.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace automl {

class Progress final {
 public:
  /// `total_trials` 0: unknown; `budget_s` 0: none. Draws only when enabled.
  Progress(bool enabled, std::int64_t total_trials, double budget_s, std::int64_t already_done);
  ~Progress();
  /// Redraws the line after a trial finished: at most every
  /// kRedrawSeconds, except the first, the last and after clear().
  void update(std::int64_t done, std::optional<double> best);
  /// How often the line was drawn (for tests).
  std::int64_t draws() const { return draws_; }

  static constexpr double kRedrawSeconds = 0.1;
  /// Erases the line so that a log line can be printed cleanly.
  void clear();

  /// The line itself (for tests): "[ 37/100] best 91.6067 | 12.5 trials/s | ETA 0:00:05".
  static std::string line(std::int64_t done, std::int64_t total, std::optional<double> best, double rate,
                          double eta_s);

 private:
  bool enabled_;
  std::int64_t total_;
  double budget_s_;
  std::int64_t start_done_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  bool drawn_ = false;
  std::int64_t draws_ = 0;
};

}  // namespace automl
