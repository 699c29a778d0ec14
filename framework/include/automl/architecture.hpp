#pragma once
// An architecture is a plain value: one integer per decision of its search
// space. What the integers mean, and the stable human-readable text form, are
// the search space's business (SearchSpace::to_text / parse).

#include <cstddef>
#include <functional>
#include <vector>

namespace automl {

struct Architecture {
  std::vector<int> genes;

  friend bool operator==(const Architecture& a, const Architecture& b) { return a.genes == b.genes; }
  friend bool operator!=(const Architecture& a, const Architecture& b) { return !(a == b); }
  friend bool operator<(const Architecture& a, const Architecture& b) { return a.genes < b.genes; }
};

struct ArchitectureHash {
  std::size_t operator()(const Architecture& a) const noexcept {
    std::size_t h = 1469598103934665603ull;
    for (int g : a.genes) h = (h ^ static_cast<std::size_t>(g + 0x9e3779b9)) * 1099511628211ull;
    return h;
  }
};

}  // namespace automl
