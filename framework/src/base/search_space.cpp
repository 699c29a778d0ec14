// The default methods of SearchSpace and TokenEncoding, mutation and counting.

#include "automl/search_space.hpp"

#include "automl/error.hpp"

namespace automl {

std::vector<Architecture> TokenEncoding::symmetric_variants(const Architecture&) const { return {}; }

std::string SearchSpace::invalid_reason(const Architecture& arch) const {
  const auto& ds = decisions();
  if (arch.genes.size() != ds.size())
    return "expected " + std::to_string(ds.size()) + " genes, found " + std::to_string(arch.genes.size());
  for (std::size_t i = 0; i < ds.size(); ++i) {
    const int g = arch.genes[i];
    if (g < 0 || g >= static_cast<int>(ds[i].choices.size()))
      return "gene " + std::to_string(i) + " (" + ds[i].name + ") = " + std::to_string(g) +
             " is outside [0, " + std::to_string(ds[i].choices.size() - 1) + "]";
  }
  return "";
}

Architecture SearchSpace::sample(Random& rng) const {
  const auto& ds = decisions();
  // Spaces whose valid region is a small fraction of the product must
  // override sample(); this bound turns a silent hang into an error.
  for (int attempt = 0; attempt < 100000; ++attempt) {
    Architecture a;
    for (const auto& d : ds) a.genes.push_back(static_cast<int>(rng.index(d.choices.size())));
    if (invalid_reason(a).empty()) return a;
  }
  throw Error("search space: no valid architecture in 100000 uniform draws; the space must override sample()");
}

Architecture mutate_one(const SearchSpace& space, const Architecture& arch, Random& rng) {
  const auto& ds = space.decisions();
  std::vector<std::size_t> mutable_genes;
  for (std::size_t i = 0; i < ds.size(); ++i)
    if (ds[i].choices.size() > 1) mutable_genes.push_back(i);
  if (mutable_genes.empty()) throw Error("mutate_one: the search space has no decision with two choices");
  for (int attempt = 0; attempt < 10000; ++attempt) {
    Architecture child = arch;
    const std::size_t gene = mutable_genes[rng.index(mutable_genes.size())];
    const int n = static_cast<int>(ds[gene].choices.size());
    // Uniform over the other n-1 values.
    const int shift = rng.uniform_int(1, n - 1);
    child.genes[gene] = (arch.genes[gene] + shift) % n;
    if (space.invalid_reason(child).empty()) return child;
  }
  throw Error("mutate_one: no valid single-decision mutation found in 10000 draws");
}

std::optional<std::uint64_t> count_combinations(const SearchSpace& space) {
  std::uint64_t total = 1;
  for (const auto& d : space.decisions()) {
    const std::uint64_t n = d.choices.size();
    if (n != 0 && total > (UINT64_MAX >> 1) / n) return std::nullopt;
    total *= n;
  }
  return total;
}

}  // namespace automl
