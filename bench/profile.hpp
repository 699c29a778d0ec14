#pragma once
// Benchmarks' optional profile: with AUTOML_PROFILE=FILE in the environment,
// every LibTorch operator and autograd backward function run in a Profile's
// scope is timed, and at the end of the scope FILE (FILE.part for a
// Profile("part")) gets one line per operator: its calls, its self time (its time minus that of the operators it
// called) and its share of the scope's wall time, largest first. Without it,
// nothing is recorded.
//
// It is a RecordFunction observer that reads a steady clock at each start and
// end and keeps nothing else: no events, shapes or tensors. LibTorch 1.13's
// legacy profiler (torch::autograd::profiler::RecordProfile) records every
// event for a Chrome trace, and at the supernet's sizes it made the process
// spend half its time in page faults and inflated element-wise kernels tenfold;
// this one's cost is a few microseconds per operator, and the file says how
// much of the wall time its operators account for.
//
// With AUTOML_PROFILE_CALLERS=1 as well, each line is one operator under one
// caller, "operator < caller" (the operator or autograd function it ran in,
// "-" at the top level): where a fill_ or a copy_ comes from, say.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <ATen/record_function.h>

namespace bench {

class Profile {
 public:
  explicit Profile(const std::string& part = "") {
    const char* file = std::getenv("AUTOML_PROFILE");
    if (file == nullptr || *file == '\0') return;
    file_ = part.empty() ? std::string(file) : std::string(file) + "." + part;
    const char* callers = std::getenv("AUTOML_PROFILE_CALLERS");
    by_caller() = callers != nullptr && std::string(callers) == "1";
    totals().clear();
    start_ = std::chrono::steady_clock::now();
    handle_ = at::addGlobalCallback(at::RecordFunctionCallback(&enter, &leave).needsInputs(false).needsOutputs(false));
  }
  Profile(const Profile&) = delete;
  Profile& operator=(const Profile&) = delete;

  ~Profile() {
    if (file_.empty()) return;
    at::removeCallback(handle_);
    const double wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_).count();
    std::vector<std::pair<std::string, Total>> rows(totals().begin(), totals().end());
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second.self_ms > b.second.self_ms; });
    double traced_ms = 0.0;
    for (const auto& row : rows) traced_ms += row.second.self_ms;
    std::FILE* out = std::fopen(file_.c_str(), "w");
    if (out == nullptr) {
      std::fprintf(stderr, "AUTOML_PROFILE: cannot write '%s'\n", file_.c_str());
      return;
    }
    std::fprintf(out, "# %.1f ms wall, %.1f ms (%.1f %%) inside operators\n", wall_ms, traced_ms,
                 100.0 * traced_ms / wall_ms);
    const std::size_t width = by_caller() ? 88 : 44;
    std::fprintf(out, "%-*s %8s %10s %7s\n", static_cast<int>(width), by_caller() ? "operator < caller" : "operator",
                 "calls", "self ms", "share");
    for (const auto& [name, t] : rows)
      std::fprintf(out, "%-*s %8ld %10.1f %6.1f%%\n", static_cast<int>(width), name.substr(0, width).c_str(), t.calls,
                   t.self_ms, 100.0 * t.self_ms / wall_ms);
    std::fclose(out);
  }

 private:
  struct Total {
    long calls = 0;
    double self_ms = 0.0;
  };
  struct Open {
    std::chrono::steady_clock::time_point start;
    double child_ms;
    std::string name;  // kept for its callees' lines with AUTOML_PROFILE_CALLERS=1
  };

  static bool& by_caller() {
    static bool on = false;
    return on;
  }

  static std::map<std::string, Total>& totals() {
    static std::map<std::string, Total> t;
    return t;
  }
  static std::vector<Open>& open() {
    thread_local std::vector<Open> stack;
    return stack;
  }

  static std::unique_ptr<at::ObserverContext> enter(const at::RecordFunction& fn) {
    open().push_back({std::chrono::steady_clock::now(), 0.0, by_caller() ? std::string(fn.name()) : std::string()});
    return nullptr;
  }
  static void leave(const at::RecordFunction& fn, at::ObserverContext*) {
    auto& stack = open();
    if (stack.empty()) return;  // started before the observer was added
    const Open o = stack.back();
    stack.pop_back();
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - o.start).count();
    if (!stack.empty()) stack.back().child_ms += ms;
    static std::mutex mutex;
    const std::lock_guard<std::mutex> lock(mutex);
    Total& t = totals()[by_caller() ? std::string(fn.name()) + " < " + (stack.empty() ? "-" : stack.back().name)
                                    : std::string(fn.name())];
    ++t.calls;
    t.self_ms += ms - o.child_ms;
  }

  std::string file_;
  std::chrono::steady_clock::time_point start_;
  at::CallbackHandle handle_ = 0;
};

}  // namespace bench
