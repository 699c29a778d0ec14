// A run as text (automl show, report.txt) and its trials as CSV or JSON
// (automl export); the exports keep the column name `batch` for the round.

#include "automl/run/report.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "automl/error.hpp"
#include "automl/run/fidelity.hpp"
#include "automl/run/results_store.hpp"

namespace automl {

namespace {

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string number(double v) { return std::isfinite(v) ? fmt::format("{}", v) : ""; }

void check_export_format(const std::string& format) {
  if (format != "csv" && format != "json" && format != "curves")
    throw UsageError("export --format must be 'csv', 'json' or 'curves', not '" + format + "'");
}

}  // namespace

void show_run(const std::filesystem::path& run_dir, std::size_t top, std::ostream& out) {
  auto store = ResultsStore::open(run_dir / "results.db");
  auto trials = store->trials();
  std::size_t ok = 0, failed = 0, pending = 0;
  double wall = 0, spent = 0;
  std::map<double, std::size_t> at_fidelity;  // finished trials per fidelity
  for (const auto& t : trials) {
    ok += t.status == TrialStatus::ok;
    failed += t.status == TrialStatus::failed;
    pending += t.status == TrialStatus::pending;
    wall += t.wall_s;
    if (t.status != TrialStatus::pending && t.fidelity > 0) spent += t.fidelity, ++at_fidelity[t.fidelity];
  }
  out << fmt::format("run        {}\n", run_dir.string());
  out << fmt::format("created    {}\n", store->meta("created_at").value_or("?"));
  if (const auto version = store->meta("automl_version"))
    out << fmt::format("made by    automl {} ({}), LibTorch {}, on {}\n", *version,
                       store->meta("automl_commit").value_or("?"), store->meta("libtorch_version").value_or("?"),
                       store->meta("host").value_or("?"));
  out << fmt::format("trials     {} ok, {} failed, {} pending\n", ok, failed, pending);
  if (!at_fidelity.empty()) {
    std::string counts;
    for (const auto& [f, n] : at_fidelity) counts += fmt::format("{}{} at {}", counts.empty() ? "" : ", ", n, f);
    out << fmt::format("fidelity   {} spent by finished trials ({})\n", spent, counts);
  }
  if (const auto jobs = store->jobs(); !jobs.empty()) {  // trials run through a launcher
    std::map<std::int64_t, const JobRecord*> latest;
    for (const auto& j : jobs) latest[j.trial] = &j;
    std::map<std::string, std::size_t> states;
    std::size_t retried = 0;
    for (const auto& [trial, j] : latest) ++states[j->state], retried += j->attempt > 0;
    std::string counts;
    for (const auto& [state, n] : states) counts += fmt::format("{}{} {}", counts.empty() ? "" : ", ", n, state);
    out << fmt::format("launched   {}: {}{}\n", latest.begin()->second->launcher, counts,
                       retried ? fmt::format(" ({} retried)", retried) : "");
  }
  out << fmt::format("time       {:.1f} s elapsed, {:.1f} s in trials\n",
                     std::stod(store->meta("elapsed_s").value_or("0")), wall);
  out << fmt::format("stopped    {}\n", store->meta("stop_reason").value_or("running or killed"));
  std::vector<const TrialRecord*> best;
  for (const auto& t : trials)
    if (t.status == TrialStatus::ok) best.push_back(&t);
  std::stable_sort(best.begin(), best.end(), [](auto* a, auto* b) { return better_trial(*a, *b); });
  if (best.size() > top) best.resize(top);
  out << fmt::format("\ntop {} by score{}:\n", best.size(), at_fidelity.empty() ? "" : " (the highest fidelity first)");
  for (const auto* t : best) {
    std::string metrics;
    for (const auto& [k, v] : t->metrics) metrics += fmt::format("  {}={}", k, v);
    const std::string fidelity = t->fidelity > 0 ? fmt::format(" @{}", t->fidelity) : "";
    out << fmt::format("  #{:<5} {:>10.4f}{}  {}{}\n", t->id, t->score, fidelity, t->arch_text, metrics);
  }
  const auto finals = store->finals();
  if (!finals.empty()) {
    const FinalRecord* winner = nullptr;
    std::size_t searched = 0;
    for (const auto& f : finals) {
      searched += !f.random_baseline();
      if (!f.random_baseline() && f.trial.status == TrialStatus::ok && (!winner || f.trial.score > winner->trial.score))
        winner = &f;
    }
    out << fmt::format("\nfinal stage ({} candidates re-evaluated; rank = place in the search{}):\n", searched,
                       searched < finals.size() ? "; random = drawn at random beside them" : "");
    for (const auto& f : finals) {
      const std::string score =
          f.trial.status == TrialStatus::ok ? fmt::format("{:>10.4f}", f.trial.score) : "    failed";
      const std::string place = f.random_baseline() ? fmt::format("random {:<2}        ", -f.trial.id)
                                                    : fmt::format("rank {:<3} search {:>10.4f}", f.trial.id, f.search_score);
      out << fmt::format("  {}{}  final {}  {}{}\n", &f == winner ? "* " : "  ", place, score, f.trial.arch_text,
                         f.trial.error.empty() ? "" : "  (" + f.trial.error + ")");
    }
    if (winner) out << fmt::format("winner: rank {} with {:.4f}\n", winner->trial.id, winner->trial.score);
    const RankAgreement a = final_agreement(finals);
    if (a.n >= 2)
      out << fmt::format("final scores against search scores: Kendall tau {:.3f}, Spearman rho {:.3f} ({} candidates)\n",
                         a.kendall_tau, a.spearman_rho, a.n);
  }
  const Fidelity fidelity = ranking_fidelity(reference_points(trials));
  if (!fidelity.empty()) {
    out << "\nranking against the [reference] (its score: metric \"" << kReferenceMetric << "\"):\n";
    out << "  " << fidelity_line(fidelity) << "\n" << fidelity_table(fidelity);
  }
  const auto diagnostics = store->diagnostics();
  if (!diagnostics.empty()) {
    const auto& [round, figures] = *diagnostics.rbegin();
    out << fmt::format("\nstrategy diagnostics after round {}:\n", round);
    for (const auto& [k, v] : figures) out << fmt::format("  {:<28} {:.4g}\n", k, v);
  }
  std::size_t shown = 0;
  for (const auto& t : trials) {
    if (t.status != TrialStatus::failed || shown++ >= 5) continue;
    if (shown == 1) out << "\nfailed trials (first 5):\n";
    out << fmt::format("  #{:<5} {}: {}\n", t.id, t.arch_text, t.error);
  }
}

std::filesystem::path write_run_report(const std::filesystem::path& run_dir) {
  const auto file = run_dir / "report.txt";
  std::ofstream out(file);
  show_run(run_dir, 10, out);
  return file;
}

void export_run(const std::filesystem::path& run_dir, const std::string& format, std::ostream& out) {
  check_export_format(format);
  export_run(*ResultsStore::open(run_dir / "results.db"), format, out);
}

void export_run(const ResultsStore& store, const std::string& format, std::ostream& out) {
  check_export_format(format);
  if (format == "curves") {  // long form: one row per (trial, step, value)
    out << "trial,step,name,value\n";
    for (const auto& [id, points] : store.curves())
      for (const auto& p : points)
        for (const auto& [name, value] : p.values)
          out << id << "," << number(p.step) << "," << csv_field(name) << "," << number(value) << "\n";
    return;
  }
  const auto trials = store.trials();
  if (format == "json") {
    const auto curves = store.curves();
    nlohmann::json all = nlohmann::json::array();
    for (const auto& t : trials) {
      nlohmann::json j{{"id", t.id}, {"batch", t.round}, {"arch", t.arch_text}, {"status", status_name(t.status)},
                       {"seed", std::to_string(t.seed)}, {"wall_s", t.wall_s}, {"error", t.error}, {"finished_at", t.finished_at},
                       {"elapsed_s", t.elapsed_s}, {"fidelity", t.fidelity}};
      j["score"] = std::isfinite(t.score) ? nlohmann::json(t.score) : nlohmann::json(nullptr);
      j["metrics"] = t.metrics;
      if (const auto it = curves.find(t.id); it != curves.end()) {
        j["curve"] = nlohmann::json::array();
        for (const auto& p : it->second) {
          nlohmann::json point(p.values);  // NaN is written as null
          point["step"] = p.step;
          j["curve"].push_back(std::move(point));
        }
      }
      all.push_back(std::move(j));
    }
    out << all.dump(2) << "\n";
    return;
  }
  std::set<std::string> metric_names;
  for (const auto& t : trials)
    for (const auto& [k, v] : t.metrics) metric_names.insert(k);
  out << "id,batch,status,score,arch,seed,wall_s,finished_at,elapsed_s,error,fidelity";
  for (const auto& m : metric_names) out << "," << csv_field(m);
  out << "\n";
  for (const auto& t : trials) {
    out << t.id << "," << t.round << "," << status_name(t.status) << ","
        << (t.status == TrialStatus::ok ? number(t.score) : "") << "," << csv_field(t.arch_text) << "," << t.seed
        << "," << number(t.wall_s) << "," << t.finished_at << "," << number(t.elapsed_s) << ","
        << csv_field(t.error) << "," << number(t.fidelity);
    for (const auto& m : metric_names) {
      const auto it = t.metrics.find(m);
      out << "," << (it == t.metrics.end() ? "" : number(it->second));
    }
    out << "\n";
  }
}

}  // namespace automl
