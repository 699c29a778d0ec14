#pragma once
// The anytime figures of a comparison report (private to automl::compare):
// best-so-far curves per variant as median and interquartile band, against
// evaluations and against wall time, and search score against the
// [reference] score; drawn by gnuplot as SVG and PNG.

#include <filesystem>
#include <string>
#include <vector>

#include "compare_db.hpp"

namespace automl::detail {

/// One variant's curve: at each x, the median and quartiles over its runs
/// (NaN where fewer than half the runs have a value yet).
struct Band {
  std::vector<double> x, median, q25, q75;
};

/// Best-so-far (the score, or with `metric` the metric of the best-scoring
/// trial so far) after each evaluation; a finished run keeps its last value.
Band by_evaluations(const std::vector<const CompareRun*>& runs, bool metric);
/// The same at the times of `grid` (seconds of each run's wall time).
Band by_time(const std::vector<const CompareRun*>& runs, bool metric, const std::vector<double>& grid);
/// A time grid over all runs, logarithmic (`log_scale`) when the times span
/// two decades; empty when no trial has a time.
std::vector<double> time_grid(const std::vector<CompareRun>& runs, bool& log_scale);
/// The same against the fidelity the run had spent (summed over its trials).
Band by_fidelity(const std::vector<const CompareRun*>& runs, bool metric, const std::vector<double>& grid);
/// A linear grid up to the most fidelity a run spent; empty when no trial
/// has one (evaluators without fidelities).
std::vector<double> fidelity_grid(const std::vector<CompareRun>& runs);
/// What one run's trials spent in the evaluator's fidelity unit (0: no fidelities).
double fidelity_spent(const CompareRun& run);

enum class Drawn { yes, no_gnuplot, failed };
/// Writes best_vs_evaluations, best_vs_time and (given bands) best_vs_fidelity (.dat, and .svg/.png through
/// figures.gp and gnuplot) into `dir`, one band per variant of `names`;
/// `curve_name` is the y axis ("best score so far").
/// The text with its first letter in upper case.
std::string capitalized(std::string text);

Drawn draw_anytime_figures(const std::filesystem::path& dir, const std::vector<std::string>& names,
                           const std::vector<Band>& evaluations, const std::vector<Band>& times,
                           const std::string& curve_name, bool log_time,
                           const std::vector<Band>& fidelities = {});

/// One variant's points of the scatter figure: (search score, reference).
struct Scatter {
  std::vector<double> score, reference;
};

/// Writes score_vs_reference (.dat, .svg, .png through scatter.gp and
/// gnuplot) into `dir`: one colour per variant of `names`.
Drawn draw_scatter_figure(const std::filesystem::path& dir, const std::vector<std::string>& names,
                          const std::vector<Scatter>& points, const std::string& title);

}  // namespace automl::detail
