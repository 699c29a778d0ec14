// What the run loop evaluates, decided apart from the loop: the fidelity of
// each asked candidate and the candidates of the [final] stage.

#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "automl/fidelity_range.hpp"
#include "automl/run/results_store.hpp"
#include "automl/search_space.hpp"

namespace automl::detail {

/// The fidelity of each of an ask()'s `count` candidates: the strategy's
/// `asked` (0 = full), checked against the evaluator's `range`; the full
/// fidelity for all when the strategy asked for none (0 for an evaluator
/// without fidelities). A strategy's wrong count or out-of-range fidelity is
/// an Error naming `strategy`; asking one of an evaluator without fidelities,
/// a ConfigError naming `evaluator`.
std::vector<double> trial_fidelities(std::vector<double> asked, std::size_t count,
                                     const std::optional<FidelityRange>& range, const std::string& strategy,
                                     const std::string& evaluator);

/// The [final] stage's work with each one's search score: the best `top_k`
/// distinct architectures of `trials` by search score (of the last round
/// only with `last_round_only`; id = rank), then `random` drawn uniformly
/// from `space` (id = -1 - i, NaN score), each with its own seed derived
/// from `seed`.
std::vector<std::pair<TrialRecord, double>> final_candidates(std::vector<TrialRecord> trials, bool last_round_only,
                                                             int top_k, int random, std::uint64_t seed,
                                                             const SearchSpace& space);

}  // namespace automl::detail
