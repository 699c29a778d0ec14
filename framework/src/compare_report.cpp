// The report of a comparison (report.md, report.html, figures) from its
// compare.db alone: per-variant statistics, a rank test against the baseline,
// anytime curves drawn by gnuplot, and the best candidates.

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "automl/host/compare.hpp"
#include "automl/host/text.hpp"
#include "automl/log.hpp"
#include "automl/stats.hpp"
#include "compare_db.hpp"
#include "report_page.hpp"

namespace automl {

namespace fs = std::filesystem;
using detail::Block;

namespace {

const double kNan = std::nan("");

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

// Best-so-far of one run after each of its trials (in id order): the score,
// or the metric of the best-scoring trial so far. NaN before the first success.
std::vector<double> best_so_far(const CompareRun& run, bool metric) {
  std::vector<double> out;
  double best = kNan, value = kNan;
  for (const auto& t : run.trial_list) {
    if (t.ok && (!std::isfinite(best) || t.score > best)) {
      best = t.score;
      value = metric ? t.metric : t.score;
    }
    out.push_back(value);
  }
  return out;
}

struct Band {
  std::vector<double> x, median, q25, q75;
};

void add_point(Band& band, double x, const std::vector<double>& values, std::size_t runs) {
  std::vector<double> present;
  for (double v : values)
    if (std::isfinite(v)) present.push_back(v);
  band.x.push_back(x);
  const bool enough = !present.empty() && 2 * present.size() >= runs;  // a median over at least half the runs
  band.median.push_back(enough ? quantile(present, 0.5) : kNan);
  band.q25.push_back(enough ? quantile(present, 0.25) : kNan);
  band.q75.push_back(enough ? quantile(present, 0.75) : kNan);
}

Band by_evaluations(const std::vector<const CompareRun*>& runs, bool metric) {
  std::vector<std::vector<double>> curves;
  std::size_t longest = 0;
  for (const auto* r : runs) {
    curves.push_back(best_so_far(*r, metric));
    longest = std::max(longest, curves.back().size());
  }
  Band band;
  for (std::size_t i = 0; i < longest; ++i) {
    std::vector<double> values;
    for (const auto& c : curves)
      if (!c.empty()) values.push_back(c[std::min(i, c.size() - 1)]);  // a finished run keeps its best
    add_point(band, static_cast<double>(i + 1), values, runs.size());
  }
  return band;
}

Band by_time(const std::vector<const CompareRun*>& runs, bool metric, const std::vector<double>& grid) {
  std::vector<std::vector<double>> curves;
  for (const auto* r : runs) curves.push_back(best_so_far(*r, metric));
  Band band;
  for (double t : grid) {
    std::vector<double> values;
    for (std::size_t k = 0; k < runs.size(); ++k) {
      double v = kNan;
      for (std::size_t i = 0; i < runs[k]->trial_list.size() && runs[k]->trial_list[i].elapsed_s <= t; ++i)
        v = curves[k][i];
      values.push_back(v);
    }
    add_point(band, t, values, runs.size());
  }
  return band;
}

// A time grid over all runs, logarithmic when the times span two decades.
std::vector<double> time_grid(const std::vector<CompareRun>& runs, bool& log_scale) {
  double lo = 0, hi = 0;
  for (const auto& r : runs)
    for (const auto& t : r.trial_list) {
      if (t.elapsed_s > 0 && (lo == 0 || t.elapsed_s < lo)) lo = t.elapsed_s;
      hi = std::max(hi, t.elapsed_s);
    }
  std::vector<double> grid;
  if (hi <= 0) return grid;
  log_scale = lo > 0 && hi / lo > 100;
  const int points = 150;
  for (int i = 0; i <= points; ++i) {
    const double f = static_cast<double>(i) / points;
    grid.push_back(log_scale ? lo * std::pow(hi / lo, f) : hi * f);
  }
  return grid;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

bool have_gnuplot() { return std::system("command -v gnuplot > /dev/null 2>&1") == 0; }

const std::vector<std::string> kColors = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                          "#9467bd", "#8c564b", "#e377c2", "#17becf"};

// Writes <name>.dat and the gnuplot commands that draw it as SVG and PNG.
std::string figure_script(const fs::path& dir, const std::string& name, const std::vector<std::string>& variants,
                          const std::vector<Band>& bands, const std::string& title, const std::string& xlabel,
                          const std::string& ylabel, bool log_x) {
  std::ofstream data(dir / (name + ".dat"));
  data << "# x median q25 q75, one block per variant (gnuplot index), in the order of the report\n";
  for (std::size_t v = 0; v < bands.size(); ++v) {
    data << "# " << variants[v] << "\n";
    for (std::size_t i = 0; i < bands[v].x.size(); ++i) {
      const auto cell = [](double x) { return std::isfinite(x) ? fmt::format("{:.6g}", x) : std::string("?"); };
      data << cell(bands[v].x[i]) << " " << cell(bands[v].median[i]) << " " << cell(bands[v].q25[i]) << " "
           << cell(bands[v].q75[i]) << "\n";
    }
    data << "\n\n";
  }
  std::string plot;  // every band first, then every median line on top
  for (std::size_t v = 0; v < bands.size(); ++v)
    plot += fmt::format("'{}.dat' index {} using 1:3:4 with filledcurves lc rgb '{}' notitle, ", name, v,
                        kColors[v % kColors.size()]);
  for (std::size_t v = 0; v < bands.size(); ++v)
    plot += fmt::format("'{}.dat' index {} using 1:2 with lines lw 2.5 dt {} lc rgb '{}' title '{}', ", name, v,
                        1 + v / kColors.size(), kColors[v % kColors.size()], variants[v]);
  plot.resize(plot.size() - 2);
  // The y range: the medians after their first tenth (the early climb would
  // flatten everything else), the bands' upper quartiles, a margin.
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& b : bands) {
    std::size_t defined = 0;
    for (std::size_t i = 0; i < b.x.size(); ++i) {
      if (!std::isfinite(b.median[i])) continue;
      if (++defined * 10 > b.x.size() || b.x.size() < 10) lo = std::min(lo, b.median[i]);
      hi = std::max(hi, b.q75[i]);
    }
  }
  std::string yrange;
  if (std::isfinite(lo) && std::isfinite(hi) && hi > lo)
    yrange = fmt::format("set yrange [{:.6g}:{:.6g}]\n", lo - 0.1 * (hi - lo), hi + 0.05 * (hi - lo));
  std::string common = yrange + fmt::format(
      "set title \"{}\"\nset xlabel \"{}\"\nset ylabel \"{}\"\n{}set key bottom right opaque box\n"
      "set grid lc rgb '#dddddd'\nset datafile missing '?'\nset style fill transparent solid 0.18 noborder\n",
      title, xlabel, ylabel, log_x ? "set logscale x\n" : "unset logscale x\n");
  return fmt::format("set terminal svg size 900,540 dynamic noenhanced font 'sans,13' background rgb 'white'\n"
                     "set output '{0}.svg'\n{1}plot {2}\n"
                     "set terminal pngcairo size 1000,600 noenhanced font 'sans,11'\nset output '{0}.png'\nreplot\n"
                     "unset output\n\n",
                     name, common, plot);
}

struct VariantResult {
  std::string name, strategy;
  std::vector<const CompareRun*> runs;  // finished
  std::size_t failed = 0;
  Summary value, score;
  double evaluations = 0, wall = 0;
  RankTest test;
  std::vector<double> values;
};

}  // namespace

void write_compare_report(const fs::path& dir, std::ostream& out) {
  CompareDb db(dir / "compare.db", false);
  const std::string name = db.meta("name").value_or(dir.filename().string());
  const std::string metric = db.meta("metric").value_or("");
  const std::string baseline = db.meta("baseline").value_or("");
  const auto all_runs = db.runs();
  bool has_metric = !metric.empty();
  if (has_metric &&
      std::none_of(all_runs.begin(), all_runs.end(), [](const CompareRun& r) { return std::isfinite(r.best_metric); })) {
    log_warning("no finished run has the metric '" + metric + "': the report shows the score only");
    has_metric = false;
  }
  const std::string value_name = has_metric ? metric : "score";

  std::vector<VariantResult> results;
  for (const auto& v : db.variants()) {
    VariantResult r;
    r.name = v.name;
    r.strategy = v.strategy;
    std::vector<double> scores, evaluations, walls;
    for (const auto& run : all_runs) {
      if (run.variant != v.name) continue;
      if (!run.finished) {
        ++r.failed;
        continue;
      }
      r.runs.push_back(&run);
      scores.push_back(run.best_score);
      r.values.push_back(has_metric ? run.best_metric : run.best_score);
      evaluations.push_back(static_cast<double>(run.trials));
      walls.push_back(run.elapsed_s);
    }
    r.value = summarize(r.values);
    r.score = summarize(scores);
    r.evaluations = summarize(evaluations, 0).mean;
    r.wall = summarize(walls, 0).mean;
    results.push_back(std::move(r));
  }
  const auto base = std::find_if(results.begin(), results.end(), [&](const auto& r) { return r.name == baseline; });
  for (auto& r : results)
    if (base != results.end()) r.test = mann_whitney(r.values, base->values);

  std::vector<Block> blocks;
  blocks.push_back({Block::heading, "# Comparison `" + name + "`"});
  double compute = 0;
  for (const auto& run : all_runs) compute += run.elapsed_s;
  blocks.push_back({Block::paragraph,
                    fmt::format("Base experiment `{}`; {} variants × {} seeds (first seed {}); budget {} trials{}. "
                                "Reported per run: {}. Baseline for the rank test: `{}`. {} runs finished, "
                                "{:.0f} s of run time in all. Comparison file: `{}`.",
                                db.meta("experiment").value_or("?"), results.size(), db.meta("seeds").value_or("?"),
                                db.meta("first_seed").value_or("0"), db.meta("budget_trials").value_or("?"),
                                db.meta("budget_seconds").value_or("0") == "0"
                                    ? ""
                                    : " / " + db.meta("budget_seconds").value_or("") + " s",
                                has_metric ? "`" + metric + "` of its best-scoring candidate" : "its best score",
                                baseline, all_runs.size(), compute, db.meta("file").value_or("?"))});

  blocks.push_back({Block::heading, "## Results"});
  Block table{Block::table};
  std::vector<std::string> header = {"variant", "strategy", "runs", value_name + " mean ± std", "median",
                                     "95 % CI of mean"};
  if (has_metric) header.push_back("score mean ± std");
  for (const char* h : {"U vs baseline", "p", "evaluations", "wall s"}) header.push_back(h);
  table.rows.push_back(header);
  for (const auto& r : results) {
    std::vector<std::string> row = {"`" + r.name + "`", "`" + r.strategy + "`",
                                    std::to_string(r.runs.size()) + (r.failed ? fmt::format(" ({} failed)", r.failed) : ""),
                                    pm(r.value), num(r.value.median),
                                    "[" + num(r.value.ci95.low, decimals(r.value.mean)) + ", " + num(r.value.ci95.high, decimals(r.value.mean)) + "]"};
    if (has_metric) row.push_back(pm(r.score));
    const bool is_base = r.name == baseline;
    row.push_back(is_base ? "baseline" : fmt::format("{:g}", r.test.u));
    row.push_back(is_base || !std::isfinite(r.test.p) ? "–" : fmt::format("{:.3g}", r.test.p));
    row.push_back(fmt::format("{:.0f}", r.evaluations));
    row.push_back(fmt::format("{:.1f}", r.wall));
    table.rows.push_back(row);
  }
  blocks.push_back(table);
  blocks.push_back({Block::paragraph,
                    "Per variant, over its seeds: mean ± standard deviation (n − 1), median, and the 95 % "
                    "percentile-bootstrap interval of the mean (10,000 resamples). The rank test is the two-sided "
                    "Mann–Whitney U test of the variant's per-seed values against the baseline's; U counts the "
                    "(variant, baseline) pairs the variant wins (ties ½), so U / (n·m) estimates P(variant > "
                    "baseline). p is exact without ties, else from the normal approximation with tie and "
                    "continuity corrections. Evaluations and wall time are means per run."});

  bool log_time = false;
  const auto grid = time_grid(all_runs, log_time);
  std::vector<std::string> names;
  std::vector<Band> evals, times;
  for (const auto& r : results) {
    if (r.runs.empty()) continue;
    names.push_back(r.name);
    evals.push_back(by_evaluations(r.runs, has_metric));
    times.push_back(by_time(r.runs, has_metric, grid));
  }
  blocks.push_back({Block::heading, "## Anytime curves"});
  bool figures = false;
  if (names.empty()) {
    blocks.push_back({Block::paragraph, "No finished run yet."});
  } else if (!have_gnuplot()) {
    log_warning("gnuplot is not installed: the report has no figures (apt install gnuplot-nox)");
    blocks.push_back({Block::paragraph, "Figures skipped: gnuplot is not installed (`apt install gnuplot-nox`)."});
  } else {
    const std::string ylabel = "best " + value_name + " so far";
    std::string script = "# Draws the report's figures from the .dat files beside it: gnuplot figures.gp\n";
    script += figure_script(dir, "best_vs_evaluations", names, evals,
                            "Best " + value_name + " so far vs evaluations (median, band: interquartile range)",
                            "evaluations", ylabel, false);
    script += figure_script(dir, "best_vs_time", names, times,
                            "Best " + value_name + " so far vs wall time (median, band: interquartile range)",
                            log_time ? "wall time of the run (s, log scale)" : "wall time of the run (s)", ylabel,
                            log_time);
    std::ofstream(dir / "figures.gp") << script;
    const std::string command =
        "cd " + shell_quote(dir.string()) + " && gnuplot figures.gp > gnuplot.log 2>&1";
    figures = std::system(command.c_str()) == 0;
    if (!figures) {
      log_warning("gnuplot failed; see " + (dir / "gnuplot.log").string());
      blocks.push_back({Block::paragraph, "Figures failed: see `gnuplot.log`."});
    }
  }
  if (figures) {
    blocks.push_back({Block::figure, "Best-so-far " + value_name + " against evaluations.", {}, "best_vs_evaluations"});
    blocks.push_back({Block::figure, "Best-so-far " + value_name + " against the run's wall time.", {},
                      "best_vs_time"});
  }

  blocks.push_back({Block::heading, "## Best candidates"});
  blocks.push_back({Block::paragraph, "Per variant, the five best distinct architectures by search score over all "
                                      "its runs, and in how many runs each was evaluated."});
  for (const auto& r : results) {
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
    if (ranked.empty()) continue;
    blocks.push_back({Block::heading, "### `" + r.name + "`"});
    Block t{Block::table};
    t.rows.push_back({"score", has_metric ? metric : "", "runs", "architecture"});
    if (!has_metric) t.rows[0].erase(t.rows[0].begin() + 1);
    for (const auto& [trial, count] : ranked) {
      std::vector<std::string> row = {num(trial->score), num(trial->metric), std::to_string(count),
                                      "`" + trial->arch + "`"};
      if (!has_metric) row.erase(row.begin() + 1);
      t.rows.push_back(row);
    }
    blocks.push_back(t);
  }
  std::vector<std::string> failures;
  for (const auto& run : all_runs)
    if (!run.finished) failures.push_back(fmt::format("`{}` seed {}: {}", run.variant, run.seed, run.error));
  if (!failures.empty()) {
    blocks.push_back({Block::heading, "## Failed runs"});
    std::string text;
    for (const auto& f : failures) text += "- " + f + "\n";
    blocks.push_back({Block::paragraph, text});
  }

  std::ofstream(dir / "report.md") << detail::markdown(blocks);
  std::ofstream(dir / "report.html") << detail::html(blocks, dir, "Comparison " + name);
  out << "report: " << (dir / "report.md").string() << " and " << (dir / "report.html").string()
      << (figures ? ", figures best_vs_evaluations and best_vs_time (.svg, .png)" : "") << "\n";
}

}  // namespace automl
