// Anytime figures of a comparison report: best-so-far bands per variant and
// the gnuplot script that draws them.

#include "figures.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>

#include <fmt/format.h>

#include "automl/compare/stats.hpp"
#include "automl/text.hpp"

namespace automl::detail {

namespace fs = std::filesystem;

namespace {

const double kNan = std::nan("");

// Best-so-far of one run after each of its trials (in id order): the score,
// or the metric of the best-scoring trial so far; a trial at a higher
// fidelity beats any at a lower one (as better_trial()). NaN before the
// first success.
std::vector<double> best_so_far(const CompareRun& run, bool metric) {
  std::vector<double> out;
  double best = kNan, best_fidelity = 0, value = kNan;
  for (const auto& t : run.trial_list) {
    if (t.ok && (!std::isfinite(best) || t.fidelity > best_fidelity ||
                 (t.fidelity == best_fidelity && t.score > best))) {
      best = t.score;
      best_fidelity = t.fidelity;
      value = metric ? t.metric : t.score;
    }
    out.push_back(value);
  }
  return out;
}

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

// Each trial's x: the run's wall time when it finished, or the fidelity the
// run had spent by then.
std::vector<double> positions(const CompareRun& run, bool fidelity) {
  std::vector<double> out;
  double spent = 0;
  for (const auto& t : run.trial_list) out.push_back(fidelity ? (spent += t.fidelity) : t.elapsed_s);
  return out;
}

// Best-so-far at the x of `grid` (trials in id order, x non-decreasing).
Band on_grid(const std::vector<const CompareRun*>& runs, bool metric, const std::vector<double>& grid,
             bool fidelity) {
  std::vector<std::vector<double>> curves, xs;
  for (const auto* r : runs) curves.push_back(best_so_far(*r, metric)), xs.push_back(positions(*r, fidelity));
  Band band;
  for (double x : grid) {
    std::vector<double> values;
    for (std::size_t k = 0; k < runs.size(); ++k) {
      double v = kNan;
      for (std::size_t i = 0; i < xs[k].size() && xs[k][i] <= x; ++i) v = curves[k][i];
      values.push_back(v);
    }
    add_point(band, x, values, runs.size());
  }
  return band;
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

}  // namespace

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
  return on_grid(runs, metric, grid, false);
}

Band by_fidelity(const std::vector<const CompareRun*>& runs, bool metric, const std::vector<double>& grid) {
  return on_grid(runs, metric, grid, true);
}

double fidelity_spent(const CompareRun& run) {
  double spent = 0;
  for (const auto& t : run.trial_list) spent += t.fidelity;
  return spent;
}

std::vector<double> fidelity_grid(const std::vector<CompareRun>& runs) {
  double hi = 0;
  for (const auto& r : runs) hi = std::max(hi, fidelity_spent(r));
  std::vector<double> grid;
  if (hi <= 0) return grid;
  const int points = 150;
  for (int i = 1; i <= points; ++i) grid.push_back(hi * i / points);
  return grid;
}

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

std::string capitalized(std::string text) {
  if (!text.empty() && text[0] >= 'a' && text[0] <= 'z') text[0] = static_cast<char>(text[0] - 'a' + 'A');
  return text;
}

Drawn draw_anytime_figures(const fs::path& dir, const std::vector<std::string>& names,
                           const std::vector<Band>& evaluations, const std::vector<Band>& times,
                           const std::string& curve_name, bool log_time, const std::vector<Band>& fidelities) {
  if (!have_gnuplot()) return Drawn::no_gnuplot;
  // A metric's curve follows the best-scoring trial, so it can go down: say so.
  const std::string ylabel = curve_name;
  std::string script = "# Draws the report's figures from the .dat files beside it: gnuplot figures.gp\n";
  script += figure_script(dir, "best_vs_evaluations", names, evaluations,
                          capitalized(curve_name) + " vs evaluations (median, band: interquartile range)",
                          "evaluations", ylabel, false);
  script += figure_script(dir, "best_vs_time", names, times,
                          capitalized(curve_name) + " vs wall time (median, band: interquartile range)",
                          log_time ? "wall time of the run (s, log scale)" : "wall time of the run (s)", ylabel,
                          log_time);
  if (!fidelities.empty())
    script += figure_script(dir, "best_vs_fidelity", names, fidelities,
                            capitalized(curve_name) + " vs fidelity spent (median, band: interquartile range)",
                            "fidelity spent (e.g. epochs, summed over the run's trials)", ylabel, false);
  std::ofstream(dir / "figures.gp") << script;
  const std::string command = "cd " + shell_quote(dir.string()) + " && gnuplot figures.gp > gnuplot.log 2>&1";
  return std::system(command.c_str()) == 0 ? Drawn::yes : Drawn::failed;
}

Drawn draw_scatter_figure(const fs::path& dir, const std::vector<std::string>& names,
                          const std::vector<Scatter>& points, const std::string& title) {
  if (!have_gnuplot()) return Drawn::no_gnuplot;
  const std::string name = "score_vs_reference";
  std::ofstream data(dir / (name + ".dat"));
  data << "# search score, reference score; one block per variant (gnuplot index), in the order of the report\n";
  std::string plot;
  for (std::size_t v = 0; v < points.size(); ++v) {
    data << "# " << names[v] << "\n";
    for (std::size_t i = 0; i < points[v].score.size(); ++i)
      data << fmt::format("{:.6g} {:.6g}\n", points[v].score[i], points[v].reference[i]);
    data << "\n\n";
    plot += fmt::format("'{}.dat' index {} using 1:2 with points pt {} ps 0.8 lc rgb '{}' title '{}', ", name, v,
                        7 + 2 * static_cast<int>(v / kColors.size()), kColors[v % kColors.size()], names[v]);
  }
  data.close();
  if (plot.empty()) return Drawn::failed;
  plot.resize(plot.size() - 2);
  const std::string script = fmt::format(
      "# Draws the report's scatter figure from {0}.dat beside it: gnuplot scatter.gp\n"
      "set terminal svg size 900,540 dynamic noenhanced font 'sans,13' background rgb 'white'\n"
      "set output '{0}.svg'\nset title \"{1}\"\nset xlabel \"search score\"\nset ylabel \"reference score\"\n"
      "set key bottom right opaque box\nset grid lc rgb '#dddddd'\nplot {2}\n"
      "set terminal pngcairo size 1000,600 noenhanced font 'sans,11'\nset output '{0}.png'\nreplot\nunset output\n",
      name, title, plot);
  std::ofstream(dir / "scatter.gp") << script;
  const std::string command = "cd " + shell_quote(dir.string()) + " && gnuplot scatter.gp > gnuplot-scatter.log 2>&1";
  return std::system(command.c_str()) == 0 ? Drawn::yes : Drawn::failed;
}

}  // namespace automl::detail
