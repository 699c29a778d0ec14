#pragma once
// How a weight-sharing evaluator draws the candidate of each training step.
// Its own header: strategies provide samplers and evaluators consume them,
// and neither interface needs the other.

#include <functional>

#include "automl/architecture.hpp"
#include "automl/random.hpp"

namespace automl {

/// Draws one candidate for a weight-sharing evaluator's training step. Called
/// from the evaluator's thread only; must be deterministic given `rng`.
using Sampler = std::function<Architecture(Random& rng)>;

}  // namespace automl
