// The report of a comparison (report.md, report.html, figures) from its
// compare.db alone: per-variant statistics, a rank test against the baseline,
// anytime curves drawn by gnuplot, and the best candidates.

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <map>
#include <set>

#include <fmt/format.h>

#include "automl/compare/compare.hpp"
#include "automl/compare/stats.hpp"
#include "automl/graph.hpp"
#include "automl/log.hpp"
#include "automl/run/components.hpp"
#include "automl/search_space.hpp"
#include "automl/text.hpp"
#include "automl/run/fidelity.hpp"
#include "compare_db.hpp"
#include "figures.hpp"
#include "report_page.hpp"

namespace automl {

namespace fs = std::filesystem;
using detail::Band;
using detail::Block;

namespace {

// Decimals for a value of this size: 4 below 10, 2 below 100, else 1.
int decimals(double x) {
  const double a = std::abs(x);
  return a >= 100 ? 1 : a >= 10 ? 2 : 4;
}

std::string num(double x, int digits = -1) {
  if (!std::isfinite(x)) return "–";
  return fmt::format("{:.{}f}", x, digits < 0 ? decimals(x) : digits);
}

// "93.89 ± 0.30": the spread with the mean's decimals.
std::string pm(const Summary& s) { return num(s.mean) + " ± " + num(s.std, decimals(s.mean)); }

struct VariantResult {
  std::string name, strategy;
  std::vector<const CompareRun*> runs;  // finished
  std::size_t failed = 0;
  Summary value, score;
  double evaluations = 0, fidelity = 0, wall = 0;  // means per run; fidelity spent (0: none)
  RankTest test;
  std::vector<double> values;
};

// What the report reads from compare.db: its facts, runs and variants.
struct ReportInput {
  std::string name, metric, baseline;
  std::vector<CompareRun> runs;
  bool has_metric = false;
  std::string value_name;  // the metric, or "score"
};

ReportInput read_input(const CompareDb& db, const fs::path& dir) {
  ReportInput in;
  in.name = db.meta("name").value_or(dir.filename().string());
  in.metric = db.meta("metric").value_or("");
  in.baseline = db.meta("baseline").value_or("");
  in.runs = db.runs();
  in.has_metric = !in.metric.empty();
  if (in.has_metric &&
      std::none_of(in.runs.begin(), in.runs.end(), [](const CompareRun& r) { return std::isfinite(r.best_metric); })) {
    log_warning("no finished run has the metric '" + in.metric + "': the report shows the score only");
    in.has_metric = false;
  }
  in.value_name = in.has_metric ? in.metric : "score";
  return in;
}

// Per variant: its finished runs, their summaries and the rank test against
// the baseline.
std::vector<VariantResult> variant_results(const CompareDb& db, const ReportInput& in) {
  std::vector<VariantResult> results;
  for (const auto& v : db.variants()) {
    VariantResult r;
    r.name = v.name;
    r.strategy = v.strategy;
    std::vector<double> scores, evaluations, fidelities, walls;
    for (const auto& run : in.runs) {
      if (run.variant != v.name) continue;
      if (!run.finished) {
        ++r.failed;
        continue;
      }
      r.runs.push_back(&run);
      scores.push_back(run.best_score);
      r.values.push_back(in.has_metric ? run.best_metric : run.best_score);
      evaluations.push_back(static_cast<double>(run.trials));
      fidelities.push_back(detail::fidelity_spent(run));
      walls.push_back(run.elapsed_s);
    }
    r.value = summarize(r.values);
    r.score = summarize(scores);
    r.evaluations = summarize(evaluations, 0).mean;
    r.fidelity = summarize(fidelities, 0).mean;
    r.wall = summarize(walls, 0).mean;
    results.push_back(std::move(r));
  }
  const auto base = std::find_if(results.begin(), results.end(), [&](const auto& r) { return r.name == in.baseline; });
  for (auto& r : results)
    if (base != results.end()) r.test = mann_whitney(r.values, base->values);
  return results;
}

void add_overview(std::vector<Block>& blocks, const CompareDb& db, const ReportInput& in, std::size_t variants) {
  blocks.push_back({Block::heading, "# Comparison `" + in.name + "`"});
  double compute = 0;
  for (const auto& run : in.runs) compute += run.elapsed_s;
  blocks.push_back({Block::paragraph,
                    fmt::format("Base experiment `{}`; {} variants × {} seeds (first seed {}); budget {} trials{}. "
                                "Reported per run: {}. Baseline for the rank test: `{}`. {} runs finished, "
                                "{:.0f} s of run time in all. Comparison file: `{}`.",
                                db.meta("experiment").value_or("?"), variants, db.meta("seeds").value_or("?"),
                                db.meta("first_seed").value_or("0"), db.meta("budget_trials").value_or("?"),
                                (db.meta("budget_seconds").value_or("0") == "0"
                                     ? ""
                                     : " / " + db.meta("budget_seconds").value_or("") + " s") +
                                    (db.meta("budget_fidelity").value_or("0") == "0"
                                         ? ""
                                         : " / " + db.meta("budget_fidelity").value_or("") + " fidelity units"),
                                in.has_metric ? "`" + in.metric + "` of its best-scoring candidate" : "its best score",
                                in.baseline, in.runs.size(), compute, db.meta("file").value_or("?"))});
}

// Whether any variant's runs spent fidelity (a multi-fidelity comparison):
// the results table then shows it beside the evaluations.
bool any_fidelity(const std::vector<VariantResult>& results) {
  return std::any_of(results.begin(), results.end(), [](const VariantResult& r) { return r.fidelity > 0; });
}

std::vector<std::string> result_row(const VariantResult& r, const ReportInput& in, bool fidelity) {
  const int digits = decimals(r.value.mean);
  std::vector<std::string> row = {
      "`" + r.name + "`", "`" + r.strategy + "`",
      std::to_string(r.runs.size()) + (r.failed ? fmt::format(" ({} failed)", r.failed) : ""), pm(r.value),
      num(r.value.median), "[" + num(r.value.ci95.low, digits) + ", " + num(r.value.ci95.high, digits) + "]"};
  if (in.has_metric) row.push_back(pm(r.score));
  const bool is_base = r.name == in.baseline;
  row.push_back(is_base ? "baseline" : fmt::format("{:g}", r.test.u));
  row.push_back(is_base || !std::isfinite(r.test.p) ? "–" : fmt::format("{:.3g}", r.test.p));
  row.push_back(fmt::format("{:.0f}", r.evaluations));
  if (fidelity) row.push_back(fmt::format("{:.0f}", r.fidelity));
  row.push_back(fmt::format("{:.1f}", r.wall));
  return row;
}

void add_results(std::vector<Block>& blocks, const std::vector<VariantResult>& results, const ReportInput& in) {
  blocks.push_back({Block::heading, "## Results"});
  Block table{Block::table};
  std::vector<std::string> header = {"variant", "strategy", "runs", in.value_name + " mean ± std", "median",
                                     "95 % CI of mean"};
  if (in.has_metric) header.push_back("score mean ± std");
  const bool fidelity = any_fidelity(results);
  for (const char* h : {"U vs baseline", "p", "evaluations"}) header.push_back(h);
  if (fidelity) header.push_back("fidelity spent");
  header.push_back("wall s");
  table.rows.push_back(header);
  for (const auto& r : results) table.rows.push_back(result_row(r, in, fidelity));
  blocks.push_back(table);
  const std::string means =
      fidelity ? "Evaluations (trials, at whatever fidelity each ran), the fidelity spent (the sum of the trials' "
                 "fidelities, e.g. epochs) and wall time are means per run."
               : "Evaluations and wall time are means per run.";
  blocks.push_back({Block::paragraph,
                    "Per variant, over its seeds: mean ± standard deviation (n − 1), median, and the 95 % "
                    "percentile-bootstrap interval of the mean (10,000 resamples). The rank test is the two-sided "
                    "Mann–Whitney U test of the variant's per-seed values against the baseline's; U counts the "
                    "(variant, baseline) pairs the variant wins (ties ½), so U / (n·m) estimates P(variant > "
                    "baseline). p is exact without ties, else from the normal approximation with tie and "
                    "continuity corrections. " + means});
}

// The anytime curves section; true when the figures were drawn.
bool add_curves(std::vector<Block>& blocks, const fs::path& dir, const std::vector<VariantResult>& results,
                const ReportInput& in) {
  bool log_time = false;
  const auto grid = detail::time_grid(in.runs, log_time);
  const auto fidelity_grid = detail::fidelity_grid(in.runs);
  std::vector<std::string> names;
  std::vector<Band> evals, times, spent;
  for (const auto& r : results) {
    if (r.runs.empty()) continue;
    names.push_back(r.name);
    evals.push_back(detail::by_evaluations(r.runs, in.has_metric));
    times.push_back(detail::by_time(r.runs, in.has_metric, grid));
    if (!fidelity_grid.empty()) spent.push_back(detail::by_fidelity(r.runs, in.has_metric, fidelity_grid));
  }
  blocks.push_back({Block::heading, "## Anytime curves"});
  if (names.empty()) {
    blocks.push_back({Block::paragraph, "No finished run yet."});
    return false;
  }
  const std::string curve =
      in.has_metric ? in.value_name + " of the best-scoring trial so far" : "best " + in.value_name + " so far";
  switch (detail::draw_anytime_figures(dir, names, evals, times, curve, log_time, spent)) {
    case detail::Drawn::no_gnuplot:
      log_warning("gnuplot is not installed: the report has no figures (apt install gnuplot-nox)");
      blocks.push_back({Block::paragraph, "Figures skipped: gnuplot is not installed (`apt install gnuplot-nox`)."});
      return false;
    case detail::Drawn::failed:
      log_warning("gnuplot failed; see " + (dir / "gnuplot.log").string());
      blocks.push_back({Block::paragraph, "Figures failed: see `gnuplot.log`."});
      return false;
    case detail::Drawn::yes: break;
  }
  blocks.push_back(
      {Block::figure, detail::capitalized(curve) + " against evaluations.", {}, "best_vs_evaluations"});
  blocks.push_back({Block::figure, detail::capitalized(curve) + " against the run's wall time.", {},
                    "best_vs_time"});
  if (!spent.empty())
    blocks.push_back({Block::figure,
                      detail::capitalized(curve) +
                          " against the fidelity the run had spent (e.g. epochs): the axis on which multi-fidelity "
                          "and full-fidelity strategies compare at equal cost.",
                      {}, "best_vs_fidelity"});
  return true;
}

// A variant's five best distinct architectures by search score over all its
// runs, with the number of runs that evaluated each.
std::vector<std::pair<const CompareTrial*, std::size_t>> best_candidates(const VariantResult& r) {
  std::map<std::string, std::pair<const CompareTrial*, std::set<std::int64_t>>> seen;
  for (const auto* run : r.runs)
    for (const auto& t : run->trial_list) {
      if (!t.ok) continue;
      auto& entry = seen[t.arch];
      if (entry.first == nullptr || t.score > entry.first->score) entry.first = &t;
      entry.second.insert(run->seed);
    }
  std::vector<std::pair<const CompareTrial*, std::size_t>> ranked;
  for (const auto& [arch, e] : seen) ranked.emplace_back(e.first, e.second.size());
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first->score > b.first->score; });
  if (ranked.size() > 5) ranked.resize(5);
  return ranked;
}

// A file name's stem for a variant: letters, digits, '-' and '_' kept.
std::string file_stem(const std::string& variant) {
  std::string out = "best_cell_";
  for (char c : variant) out += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : '_';
  return out;
}

// Draws `arch` of the variant's search space (from its resolved experiment)
// into DIR/STEM.svg and .png; false with nothing drawn when the space draws
// no pictures, its plugin is not loaded or Graphviz is missing.
bool draw_best_cell(const fs::path& dir, const std::string& stem, const CompareVariant& variant,
                    const std::string& arch, const Registry& registry) {
  if (!have_graphviz()) return false;
  try {
    const Experiment exp = parse_experiment(variant.resolved, "compare.db (variant " + variant.name + ")", dir.string(), {});
    const auto space = build_search_space(exp, registry);
    const auto cells = space->graphs(space->parse(arch));
    if (cells.empty()) return false;
    const std::string dot = to_dot(cells, variant.name + ": " + arch);
    for (const char* ext : {".svg", ".png"}) draw_dot(dot, dir / (stem + ext));
    return true;
  } catch (const std::exception& e) {
    log_warning("no picture of " + variant.name + "'s best cell: " + first_line(e.what()));
    return false;
  }
}

void add_best_candidates(std::vector<Block>& blocks, const std::vector<VariantResult>& results,
                         const ReportInput& in, const CompareDb& db, const fs::path& dir, const Registry* registry) {
  std::map<std::string, CompareVariant> variants;
  for (auto& v : db.variants()) variants.emplace(v.name, v);
  blocks.push_back({Block::heading, "## Best candidates"});
  blocks.push_back({Block::paragraph, "Per variant, the five best distinct architectures by search score over all "
                                      "its runs, and in how many runs each was evaluated."});
  for (const auto& r : results) {
    const auto ranked = best_candidates(r);
    if (ranked.empty()) continue;
    blocks.push_back({Block::heading, "### `" + r.name + "`"});
    Block t{Block::table};
    t.rows.push_back({"score", in.has_metric ? in.metric : "", "runs", "architecture"});
    if (!in.has_metric) t.rows[0].erase(t.rows[0].begin() + 1);
    for (const auto& [trial, count] : ranked) {
      std::vector<std::string> row = {num(trial->score), num(trial->metric), std::to_string(count),
                                      "`" + trial->arch + "`"};
      if (!in.has_metric) row.erase(row.begin() + 1);
      t.rows.push_back(row);
    }
    blocks.push_back(t);
    const std::string stem = file_stem(r.name);
    if (registry && draw_best_cell(dir, stem, variants.at(r.name), ranked.front().first->arch, *registry))
      blocks.push_back({Block::figure, "The best cell of `" + r.name + "` (" + stem + ".svg, .png).", {}, stem});
  }
}

std::vector<ReferencePoint> points_of(const CompareRun& run) {
  std::vector<ReferencePoint> points;
  for (const auto& t : run.trial_list)
    if (t.ok && std::isfinite(t.score) && std::isfinite(t.reference)) points.push_back({t.round, t.score, t.reference});
  return points;
}

// Mean ± std over runs of one figure of their fidelity; "–" without values.
std::string fidelity_cell(const std::vector<Fidelity>& runs, double (*figure)(const Fidelity&), int digits = 3) {
  std::vector<double> values;
  for (const auto& f : runs) {
    const double value = figure(f);
    if (std::isfinite(value)) values.push_back(value);
  }
  if (values.empty()) return "–";
  const Summary s = summarize(values, 0);
  if (digits < 0) digits = decimals(s.mean);
  return values.size() == 1 ? num(s.mean, digits) : num(s.mean, digits) + " ± " + num(s.std, digits);
}

// How each variant's search scores rank its candidates against the
// [reference] scores, and a scatter figure of one seed; nothing when no trial
// has a reference score. True when the figure was drawn.
bool add_ranking(std::vector<Block>& blocks, const fs::path& dir, const std::vector<VariantResult>& results) {
  std::vector<std::vector<Fidelity>> fidelities;
  bool any = false;
  for (const auto& r : results) {
    fidelities.emplace_back();
    for (const auto* run : r.runs) {
      fidelities.back().push_back(ranking_fidelity(points_of(*run)));
      any = any || !fidelities.back().back().empty();
    }
  }
  if (!any) return false;
  blocks.push_back({Block::heading, "## Ranking against the reference"});
  Block table{Block::table};
  table.rows.push_back({"variant", "runs", "Kendall τ, last round", "Spearman ρ, last round", "Kendall τ, all trials",
                        "candidates in the last round", "reference of the best by search"});
  std::vector<std::string> names;
  std::vector<detail::Scatter> scatter;
  std::int64_t scatter_seed = -1;
  bool every_trial = false;
  for (std::size_t v = 0; v < results.size(); ++v) {
    const auto& f = fidelities[v];
    const auto count = std::count_if(f.begin(), f.end(), [](const Fidelity& x) { return !x.empty(); });
    table.rows.push_back({"`" + results[v].name + "`", std::to_string(count),
                          fidelity_cell(f, [](const Fidelity& x) { return x.last.kendall_tau; }),
                          fidelity_cell(f, [](const Fidelity& x) { return x.last.spearman_rho; }),
                          fidelity_cell(f, [](const Fidelity& x) { return x.all.kendall_tau; }),
                          fidelity_cell(f, [](const Fidelity& x) { return static_cast<double>(x.last.n); }, 0),
                          fidelity_cell(f, [](const Fidelity& x) { return x.best_reference; }, -1)});
    // The scatter figure: every variant's run of the lowest seed with reference
    // scores: its last round of two or more candidates, else every trial.
    for (std::size_t k = 0; k < results[v].runs.size(); ++k)
      if (!f[k].empty() && (scatter_seed < 0 || results[v].runs[k]->seed < scatter_seed))
        scatter_seed = results[v].runs[k]->seed;
  }
  blocks.push_back(table);
  blocks.push_back({Block::paragraph,
                    "Every successful trial was scored again by the [reference] evaluator (the strategy never sees "
                    "that score). Kendall's τ-b and Spearman's ρ compare the search's scores of a round's "
                    "candidates with their reference scores; the last round is the one scored with the most "
                    "trained shared weights. \"All trials\" mixes every round's scores. Mean ± standard deviation "
                    "over the variant's runs; the last column is the reference score of each run's best candidate "
                    "by search score."});
  for (std::size_t v = 0; v < results.size(); ++v)
    for (std::size_t k = 0; k < results[v].runs.size(); ++k)
      if (results[v].runs[k]->seed == scatter_seed) {
        names.push_back(results[v].name);
        detail::Scatter s;
        const std::int64_t last = fidelities[v][k].last_round;
        every_trial = every_trial || last < 0;
        for (const auto& p : points_of(*results[v].runs[k])) {
          if (last >= 0 && p.round != last) continue;
          s.score.push_back(p.score);
          s.reference.push_back(p.reference);
        }
        scatter.push_back(std::move(s));
      }
  const std::string title =
      fmt::format("Search score vs reference score, seed {}: {}", scatter_seed,
                  every_trial ? "each run's last round, or every trial where rounds hold one candidate"
                              : "the candidates of each run's last round");
  if (detail::draw_scatter_figure(dir, names, scatter, title) != detail::Drawn::yes) {
    blocks.push_back({Block::paragraph, "Scatter figure skipped: gnuplot is not installed or failed."});
    return false;
  }
  blocks.push_back({Block::figure, title + ".", {}, "score_vs_reference"});
  return true;
}

void add_failures(std::vector<Block>& blocks, const ReportInput& in) {
  std::vector<std::string> failures;
  for (const auto& run : in.runs)
    if (!run.finished) failures.push_back(fmt::format("`{}` seed {}: {}", run.variant, run.seed, run.error));
  if (failures.empty()) return;
  blocks.push_back({Block::heading, "## Failed runs"});
  std::string text;
  for (const auto& f : failures) text += "- " + f + "\n";
  blocks.push_back({Block::paragraph, text});
}

}  // namespace

void write_compare_report(const fs::path& dir, std::ostream& out, const Registry* registry) {
  CompareDb db(dir / "compare.db", false);
  const ReportInput in = read_input(db, dir);
  const std::vector<VariantResult> results = variant_results(db, in);
  std::vector<Block> blocks;
  add_overview(blocks, db, in, results.size());
  add_results(blocks, results, in);
  const bool figures = add_curves(blocks, dir, results, in);
  const bool scatter = add_ranking(blocks, dir, results);
  add_best_candidates(blocks, results, in, db, dir, registry);
  add_failures(blocks, in);
  std::ofstream(dir / "report.md") << detail::markdown(blocks);
  std::ofstream(dir / "report.html") << detail::html(blocks, dir, "Comparison " + in.name);
  out << "report: " << (dir / "report.md").string() << " and " << (dir / "report.html").string()
      << (figures ? ", figures best_vs_evaluations and best_vs_time" : "")
      << (scatter ? (figures ? ", score_vs_reference" : ", figure score_vs_reference") : "")
      << (figures || scatter ? " (.svg, .png)" : "") << "\n";
}

}  // namespace automl
