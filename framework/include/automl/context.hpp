#pragma once
// What the host hands every component it builds: its own seed, its share of
// the threads, the device, and the components built before it. Components
// never read globals or the environment for these.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "automl/params.hpp"

namespace automl {

class SearchSpace;
class Dataset;

struct Context {
  std::uint64_t seed = 0;         ///< this component's seed, derived from the experiment seed
  int threads = 1;                ///< intra-op threads this component may use
  std::string device = "cpu";     ///< "cpu", "cuda" or "cuda:N"
  std::filesystem::path base_dir; ///< relative paths in the experiment resolve against this
  const SearchSpace* space = nullptr;  ///< set for strategies and evaluators
  const Dataset* dataset = nullptr;    ///< set when the experiment has a [dataset]
  /// The experiment's [dataset] table, every default filled in (its `type`
  /// apart), for evaluators that hand the data's description on to a user's
  /// own code; empty without a [dataset].
  std::string dataset_type;
  std::map<std::string, Value> dataset_options;

  /// `path` as written in the experiment, made absolute against base_dir.
  std::filesystem::path resolve(const std::string& path) const {
    const std::filesystem::path p(path);
    return p.is_absolute() || path.empty() ? p : base_dir / p;
  }
};

}  // namespace automl
