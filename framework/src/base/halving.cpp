// Successive halving and Hyperband's bracket schedule and its ask/tell
// state machine (Li et al., JMLR 2018).

#include "automl/halving.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include "automl/error.hpp"
#include "automl/search_space.hpp"

namespace automl {

std::vector<Bracket> hyperband_brackets(const FidelityRange& range, double eta) {
  if (!(eta > 1)) throw ConfigError::for_key("eta", "must be greater than 1 (Hyperband's eta, e.g. 3)");
  if (!(range.min > 0) || !(range.max >= range.min))
    throw ConfigError::for_key("min_fidelity", "the fidelity range must satisfy 0 < min <= max");
  const bool levels = !range.levels.empty();
  // A little slack, so that log_3(81) = 4 is not 3.9999.
  const auto s_max = levels ? static_cast<std::int64_t>(range.levels.size()) - 1
                            : static_cast<std::int64_t>(std::floor(std::log(range.max / range.min) / std::log(eta) + 1e-9));
  std::vector<Bracket> out;
  for (std::int64_t s = s_max; s >= 0; --s) {
    const auto n = static_cast<std::int64_t>(
        std::ceil(static_cast<double>(s_max + 1) * std::pow(eta, static_cast<double>(s)) / static_cast<double>(s + 1) - 1e-9));
    Bracket b;
    for (std::int64_t i = 0; i <= s; ++i) {
      const auto count = static_cast<std::int64_t>(std::floor(static_cast<double>(n) * std::pow(eta, -static_cast<double>(i)) + 1e-9));
      if (count < 1) break;
      const double fidelity = levels ? range.levels[static_cast<std::size_t>(s_max - s + i)]
                                     : range.max / std::pow(eta, static_cast<double>(s - i));
      b.push_back({count, fidelity});
    }
    out.push_back(std::move(b));
  }
  return out;
}

Bracket successive_halving_bracket(const FidelityRange& range, double eta, std::int64_t n) {
  Bracket b = hyperband_brackets(range, eta).front();
  if (n > 0)
    for (std::size_t i = 0; i < b.size(); ++i)
      b[i].n = std::max<std::int64_t>(
          1, static_cast<std::int64_t>(std::floor(static_cast<double>(n) * std::pow(eta, -static_cast<double>(i)) + 1e-9)));
  return b;
}

FidelityRange narrowed_range(const std::optional<FidelityRange>& offered, double min, double max,
                             const std::string& strategy) {
  if (!offered)
    throw ConfigError("[strategy] " + strategy +
                      " evaluates candidates at several fidelities, but the [evaluator] has one fidelity only; use "
                      "one with fidelities (tabular on NAS-Bench-201: 12 and 200 epochs)");
  FidelityRange r = *offered;
  if (min > 0) r.min = std::max(r.min, min);
  if (max > 0) r.max = std::min(r.max, max);
  if (!r.levels.empty()) {
    std::vector<double> kept;
    for (double l : r.levels)
      if (l >= r.min && l <= r.max) kept.push_back(l);
    r.levels = kept;
    if (!kept.empty()) r.min = kept.front(), r.max = kept.back();
  }
  if (!(r.min <= r.max) || (!offered->levels.empty() && r.levels.empty()))
    throw ConfigError::for_key("min_fidelity", "[strategy] " + strategy + ": min_fidelity and max_fidelity leave none of the evaluator's fidelities (" +
                                                   std::to_string(offered->min) + " to " +
                                                   std::to_string(offered->max) + " " + offered->unit + ")");
  return r;
}

std::vector<Architecture> HalvingSchedule::ask(const SearchSpace& space, const std::vector<Bracket>& brackets) {
  fidelities_.clear();
  if (brackets.empty()) return {};
  const Bracket& b = brackets[static_cast<std::size_t>(bracket_) % brackets.size()];
  if (rung_ == 0 && current_.empty()) {
    std::set<Architecture> seen;
    const std::int64_t n = b.front().n;
    for (std::int64_t attempt = 0; static_cast<std::int64_t>(current_.size()) < n && attempt < 100 * n; ++attempt) {
      auto a = space.sample(rng_);
      if (seen.insert(a).second) current_.push_back(std::move(a));
    }
  }
  fidelities_.assign(current_.size(), b[static_cast<std::size_t>(rung_)].fidelity);
  const auto next = static_cast<std::size_t>(rung_ + 1);
  next_n_ = next < b.size() ? b[next].n : 0;
  return current_;
}

void HalvingSchedule::tell(const std::vector<double>& told) {
  std::vector<double> scores = told;
  scores.resize(current_.size(), std::nan(""));
  // The best next_n_ by score (failures, NaN, never), ties in asked order.
  std::vector<std::size_t> order(current_.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  order.erase(std::remove_if(order.begin(), order.end(), [&](std::size_t i) { return !std::isfinite(scores[i]); }),
              order.end());
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
  if (order.size() > static_cast<std::size_t>(next_n_)) order.resize(static_cast<std::size_t>(next_n_));
  std::vector<Architecture> promoted;
  for (std::size_t i : order) promoted.push_back(current_[i]);
  if (promoted.empty()) {  // the bracket is done (or nothing survived): the next starts with fresh candidates
    ++bracket_;
    rung_ = 0;
  } else {
    ++rung_;
  }
  current_ = std::move(promoted);
}

void HalvingSchedule::save(StateWriter& out) const {
  out.put_string(rng_.state());
  out.put_int(bracket_);
  out.put_int(rung_);
  out.put_archs(current_);
  out.put_int(next_n_);
}

void HalvingSchedule::load(StateReader& in) {
  rng_.set_state(in.get_string());
  bracket_ = in.get_int();
  rung_ = in.get_int();
  current_ = in.get_archs();
  next_n_ = in.get_int();
}

void HalvingStrategy::tell(const std::vector<Observation>& results) {
  std::vector<double> scores;
  for (const auto& r : results) scores.push_back(r.ok ? r.score : std::nan(""));
  schedule_.tell(scores);
}

std::map<std::string, double> HalvingStrategy::diagnostics() const {
  return {{"bracket", static_cast<double>(schedule_.bracket())}, {"rung", static_cast<double>(schedule_.rung())}};
}

}  // namespace automl
