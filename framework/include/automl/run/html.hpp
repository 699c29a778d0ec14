#pragma once
// Pieces of self-contained HTML pages (a run's report.html, the pages of
// `automl serve`, a comparison's report.html): escaping, a common style, a
// sortable-table script, and charts written directly as inline SVG (no
// library, no external file, nothing fetched by the browser).

#include <string>
#include <utility>
#include <vector>

namespace automl::html {

/// `text` with &, <, > and " escaped for HTML text and attribute values.
std::string escape(const std::string& text);

/// The <svg>...</svg> element of an SVG document (its XML prolog and
/// doctype dropped) for inlining into a page; "" when it has none.
std::string inline_svg(const std::string& document);

/// "<!DOCTYPE html>...<body>": charset, `title`, the common style sheet and
/// `head_extra` (e.g. a <script>) in <head>.
std::string page_start(const std::string& title, const std::string& head_extra = "");
/// The script that makes every <table class="sortable"> sortable by a click
/// on a header (numbers as numbers, a second click reverses), as a
/// <script> element. Idempotent: sortable_tables() re-applies the last sort,
/// for a page that replaces its tables.
std::string sortable_script();

/// One line of a chart: (x, y) points in x order.
struct Series {
  std::string name;
  std::vector<std::pair<double, double>> points;
  bool steps = false;  ///< draw as a staircase (best so far), not straight segments
};

struct LineChart {
  std::string title, x_label, y_label;
  std::vector<Series> series;
  bool log_x = false;  ///< logarithmic x axis (points with x <= 0 are left out)
};
/// The chart as an inline <svg> element (legend at the right when there are
/// two series or more); a note in place of axes when no series has a point.
std::string line_chart(const LineChart& chart, int width = 660, int height = 300);

struct Histogram {
  std::string title, x_label;
  std::vector<double> values;  ///< non-finite values are left out
  int bins = 20;
};
std::string histogram(const Histogram& chart, int width = 660, int height = 260);

}  // namespace automl::html
