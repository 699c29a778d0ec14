// The fidelity of each asked candidate and the [final] stage's candidates.

#include "trial_plan.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "automl/error.hpp"
#include "automl/random.hpp"

namespace automl::detail {

std::vector<double> trial_fidelities(std::vector<double> asked, std::size_t count,
                                     const std::optional<FidelityRange>& range, const std::string& strategy,
                                     const std::string& evaluator) {
  if (asked.empty()) return std::vector<double>(count, range ? range->max : 0.0);
  if (asked.size() != count)
    throw Error(fmt::format("{} gave {} fidelities for {} candidates. This is a bug in the strategy.", strategy,
                            asked.size(), count));
  if (!range)
    throw ConfigError(fmt::format("{} asks for a fidelity per candidate, but evaluator '{}' evaluates at one "
                                  "fidelity only; use an evaluator with fidelities (tabular)",
                                  strategy, evaluator));
  for (double& f : asked) {
    if (f == 0) f = range->max;
    if (!(f >= range->min && f <= range->max))
      throw Error(fmt::format("{} asked for fidelity {} outside the evaluator's [{}, {}] {}. This is a bug in the "
                              "strategy.",
                              strategy, f, range->min, range->max, range->unit));
  }
  return asked;
}

std::vector<std::pair<TrialRecord, double>> final_candidates(std::vector<TrialRecord> trials, bool last_round_only,
                                                             int top_k, int random, std::uint64_t seed,
                                                             const SearchSpace& space) {
  std::vector<TrialRecord> ranked;
  for (auto& t : trials)
    if (t.status == TrialStatus::ok && std::isfinite(t.score)) ranked.push_back(std::move(t));
  if (last_round_only && !ranked.empty()) {
    const auto last =
        std::max_element(ranked.begin(), ranked.end(), [](auto& a, auto& b) { return a.round < b.round; })->round;
    ranked.erase(std::remove_if(ranked.begin(), ranked.end(), [&](auto& t) { return t.round != last; }), ranked.end());
  }
  std::stable_sort(ranked.begin(), ranked.end(), better_trial);
  std::vector<std::pair<TrialRecord, double>> out;
  for (const auto& t : ranked) {
    if (static_cast<int>(out.size()) == top_k) break;
    if (std::any_of(out.begin(), out.end(), [&](const auto& o) { return o.first.arch_text == t.arch_text; }))
      continue;
    TrialRecord f;
    f.id = static_cast<std::int64_t>(out.size());
    f.arch_text = t.arch_text;
    f.seed = derive_seed(seed, "final", static_cast<std::uint64_t>(f.id));
    out.emplace_back(f, t.score);
  }
  for (int i = 0; i < random; ++i) {
    Random rng(derive_seed(seed, "final-random", static_cast<std::uint64_t>(i)));
    TrialRecord f;
    f.id = -1 - i;
    f.arch_text = space.to_text(space.sample(rng));
    f.seed = derive_seed(seed, "final-random-training", static_cast<std::uint64_t>(i));
    out.emplace_back(f, std::nan(""));
  }
  return out;
}

}  // namespace automl::detail
