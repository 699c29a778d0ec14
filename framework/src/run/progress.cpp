// The progress line on a terminal: trials done, best score, elapsed time and ETA.

#include "automl/run/progress.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <fmt/format.h>

namespace automl {

Progress::Progress(bool enabled, std::int64_t total_trials, double budget_s, std::int64_t already_done)
    : enabled_(enabled), total_(total_trials), budget_s_(budget_s), start_done_(already_done),
      start_(std::chrono::steady_clock::now()) {}

Progress::~Progress() {
  if (drawn_) std::fputs("\n", stderr);
}

std::string Progress::line(std::int64_t done, std::int64_t total, std::optional<double> best, double rate,
                           double eta_s) {
  const std::string count = total > 0 ? fmt::format("[{:>{}}/{}]", done, std::to_string(total).size(), total)
                                      : fmt::format("[{}]", done);
  const std::string best_text = best ? fmt::format("best {:.4f}", *best) : "best -";
  std::string eta = "ETA -";
  if (std::isfinite(eta_s) && eta_s >= 0) {
    const auto s = static_cast<long long>(std::llround(eta_s));
    eta = fmt::format("ETA {}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
  }
  return fmt::format("{} {} | {:.1f} trials/s | {}", count, best_text, rate, eta);
}

void Progress::update(std::int64_t done, std::optional<double> best) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  const bool last = total_ > 0 && done >= total_;
  if (drawn_ && !last && std::chrono::duration<double>(now - last_draw_).count() < kRedrawSeconds) return;
  last_draw_ = now;
  ++draws_;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done - start_done_) / elapsed : 0;
  double eta = NAN;
  if (total_ > 0 && rate > 0) eta = static_cast<double>(total_ - done) / rate;
  if (budget_s_ > 0) eta = std::isnan(eta) ? budget_s_ - elapsed : std::min(eta, budget_s_ - elapsed);
  std::fprintf(stderr, "\r\033[K%s", line(done, total_, best, rate, eta).c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void Progress::clear() {
  if (!drawn_) return;
  std::fputs("\r\033[K", stderr);
  drawn_ = false;
}

}  // namespace automl
