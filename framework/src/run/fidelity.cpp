// Ranking fidelity of a run's scores against its reference scores.

#include "automl/run/fidelity.hpp"

#include <cmath>
#include <limits>
#include <map>

#include <fmt/format.h>

namespace automl {

std::vector<ReferencePoint> reference_points(const std::vector<TrialRecord>& trials) {
  std::vector<ReferencePoint> points;
  for (const auto& t : trials) {
    if (t.status != TrialStatus::ok || !std::isfinite(t.score)) continue;
    const auto it = t.metrics.find(kReferenceMetric);
    if (it == t.metrics.end() || !std::isfinite(it->second)) continue;
    points.push_back({t.round, t.score, it->second});
  }
  return points;
}

Fidelity ranking_fidelity(const std::vector<ReferencePoint>& points) {
  Fidelity f;
  f.best_reference = std::numeric_limits<double>::quiet_NaN();
  f.last = RankAgreement{0, f.best_reference, f.best_reference};
  std::map<std::int64_t, std::pair<std::vector<double>, std::vector<double>>> by_round;
  std::vector<double> scores, references;
  const ReferencePoint* best = nullptr;
  for (const auto& p : points) {
    by_round[p.round].first.push_back(p.score);
    by_round[p.round].second.push_back(p.reference);
    scores.push_back(p.score);
    references.push_back(p.reference);
    if (best == nullptr || p.score > best->score) best = &p;
  }
  for (const auto& [round, pair] : by_round) {
    if (pair.first.size() < 2) continue;
    f.rounds.emplace_back(round, rank_agreement(pair.first, pair.second));
    f.last_round = round;
    f.last = f.rounds.back().second;
  }
  f.all = rank_agreement(scores, references);
  if (best != nullptr) f.best_reference = best->reference;
  return f;
}

std::string fidelity_line(const Fidelity& f) {
  if (f.empty()) return "no successful trial has a reference score";
  std::string line = fmt::format("{:.4f} for the best by search", f.best_reference);
  if (f.all.n < 2) return line + " (one trial: no rank correlation yet)";
  if (f.last_round >= 0)
    line += fmt::format("; Kendall tau {:.3f}, Spearman rho {:.3f} over round {}'s {} candidates", f.last.kendall_tau,
                        f.last.spearman_rho, f.last_round, f.last.n);
  return line + fmt::format("; tau {:.3f} over all {}", f.all.kendall_tau, f.all.n);
}

std::string fidelity_table(const Fidelity& f, std::size_t max_rounds) {
  std::string out = fmt::format("  {:<10} {:>6} {:>12} {:>13}\n", "round", "n", "Kendall tau", "Spearman rho");
  auto row = [&](const std::string& name, const RankAgreement& a) {
    out += fmt::format("  {:<10} {:>6} {:>12.3f} {:>13.3f}\n", name, a.n, a.kendall_tau, a.spearman_rho);
  };
  const std::size_t skip = f.rounds.size() > max_rounds ? f.rounds.size() - max_rounds : 0;
  if (skip > 0) out += fmt::format("  ({} earlier rounds not shown)\n", skip);
  for (std::size_t i = skip; i < f.rounds.size(); ++i) row(std::to_string(f.rounds[i].first), f.rounds[i].second);
  row("all", f.all);
  return out;
}

RankAgreement final_agreement(const std::vector<FinalRecord>& finals) {
  std::vector<double> search, final_scores;
  for (const auto& f : finals)
    if (!f.random_baseline() && f.trial.status == TrialStatus::ok && std::isfinite(f.trial.score)) {
      search.push_back(f.search_score);
      final_scores.push_back(f.trial.score);
    }
  return rank_agreement(search, final_scores);
}

}  // namespace automl
