#pragma once
// Benchmarks' optional profile: with AUTOML_PROFILE=FILE in the environment,
// the code in a Profile's scope is recorded by LibTorch's profiler as a
// Chrome trace in FILE (open it in chrome://tracing, or summarize it per
// operator with bench/profile_summary.py). Without it, nothing is recorded.

#include <cstdlib>
#include <memory>
#include <string>

#include <torch/csrc/autograd/profiler_legacy.h>

namespace bench {

class Profile {
 public:
  Profile() {
    if (const char* file = std::getenv("AUTOML_PROFILE"); file != nullptr && *file != '\0')
      record_ = std::make_unique<torch::autograd::profiler::RecordProfile>(std::string(file));
  }

 private:
  std::unique_ptr<torch::autograd::profiler::RecordProfile> record_;
};

}  // namespace bench
