// Self-contained HTML pieces: escaping, the common style, a sortable-table
// script and SVG charts drawn by hand (axes with round ticks, lines, bars).

#include "automl/run/html.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace automl::html {

namespace {

constexpr const char* kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
                                    "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"};

constexpr const char* kStyle =
    "body{font-family:sans-serif;max-width:1150px;margin:2em auto;padding:0 1em;color:#222}"
    "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right;"
    "vertical-align:top}td.t,th.t{text-align:left}th{background:#f3f3f3}"
    "table.sortable th{cursor:pointer}table.sortable th:hover{background:#e4e4e4}"
    "code{background:#f3f3f3;padding:0 3px;word-break:break-all}figure{margin:1em 0}"
    "svg{max-width:100%;height:auto}.cell svg{max-height:560px;max-width:100%}.note{color:#666}"
    ".failed{color:#b00}.live{float:right;color:#666;font-size:90%}";

// Axis range [lo, hi] widened to round ticks; `step` between ticks.
struct Axis {
  double lo = 0, hi = 1, step = 0.2;
  bool log = false;
};

// `integers`: the values are whole numbers (rounds, counts): no tick between.
Axis nice_axis(double lo, double hi, bool log, bool integers = false) {
  Axis a;
  a.log = log;
  if (log) {
    a.lo = std::floor(std::log10(lo));
    a.hi = std::ceil(std::log10(hi));
    if (a.hi <= a.lo) a.hi = a.lo + 1;
    a.step = 1;
    return a;
  }
  if (!(hi > lo)) {
    const double pad = lo == 0 ? 1 : std::abs(lo) * 0.05;
    lo -= pad;
    hi += pad;
  }
  const double raw = (hi - lo) / 5;
  const double magnitude = std::pow(10, std::floor(std::log10(raw)));
  const double fraction = raw / magnitude;
  a.step = magnitude * (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10);
  if (integers) a.step = std::max(a.step, 1.0);
  a.lo = std::floor(lo / a.step) * a.step;
  a.hi = std::ceil(hi / a.step) * a.step;
  return a;
}

std::string tick_label(double v, const Axis& a) {
  if (a.log) return fmt::format("{:g}", std::pow(10, v));
  if (std::abs(v) < a.step * 1e-6) v = 0;
  return fmt::format("{:.6g}", v);
}

// The frame of a chart: plot area, ticks, labels; maps data to pixels.
struct Frame {
  Frame(int w, int h) : width(w), height(h) {}
  int width, height, left = 64, right = 16, top = 30, bottom = 46;
  Axis x, y;

  double px(double v) const {
    const double t = x.log ? std::log10(v) : v;
    return left + (t - x.lo) / (x.hi - x.lo) * (width - left - right);
  }
  double py(double v) const { return height - bottom - (v - y.lo) / (y.hi - y.lo) * (height - top - bottom); }

  std::string draw(const std::string& title, const std::string& x_label, const std::string& y_label) const {
    std::string s = fmt::format(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
        "font-family=\"sans-serif\" font-size=\"12\">\n<text x=\"{2}\" y=\"18\" font-size=\"14\" "
        "font-weight=\"bold\">{3}</text>\n",
        width, height, left, escape(title));
    const double x0 = left, x1 = width - right, y0 = height - bottom, y1 = top;
    s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#888\"/>\n", x0, y1,
                     x1 - x0, y0 - y1);
    for (double v = y.lo; v <= y.hi + y.step * 1e-9; v += y.step) {
      const double p = py(v);
      s += fmt::format("<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"#eee\"/>"
                       "<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n",
                       x0, p, x1, p, x0 - 4, p + 4, tick_label(v, y));
    }
    for (double t = x.lo; t <= x.hi + x.step * 1e-9; t += x.step) {
      const double p = left + (t - x.lo) / (x.hi - x.lo) * (width - left - right);
      s += fmt::format("<line x1=\"{:.1f}\" y1=\"{}\" x2=\"{:.1f}\" y2=\"{}\" stroke=\"#eee\"/>"
                       "<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
                       p, y0, p, y1, p, y0 + 16, tick_label(t, x));
    }
    s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", (x0 + x1) / 2, height - 8,
                     escape(x_label));
    s += fmt::format("<text transform=\"translate(14,{}) rotate(-90)\" text-anchor=\"middle\">{}</text>\n",
                     (y0 + y1) / 2, escape(y_label));
    return s;
  }
};

std::string empty_chart(const std::string& title, int width, int height, const std::string& note) {
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"sans-serif\" font-size=\"12\"><text x=\"10\" y=\"18\" font-size=\"14\" font-weight=\"bold\">"
      "{2}</text><text x=\"10\" y=\"44\" fill=\"#666\">{3}</text></svg>",
      width, height, escape(title), escape(note));
}

}  // namespace

std::string escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else if (c == '"') out += "&quot;";
    else out += c;
  }
  return out;
}

std::string inline_svg(const std::string& document) {
  const auto start = document.find("<svg");
  const auto end = document.rfind("</svg>");
  if (start == std::string::npos || end == std::string::npos || end < start) return "";
  return document.substr(start, end + 6 - start);
}

std::string page_start(const std::string& title, const std::string& head_extra) {
  return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + escape(title) + "</title>\n<style>" +
         kStyle + "</style>\n" + head_extra + "</head><body>\n";
}

std::string sortable_script() {
  // Sort state lives in window.automlSort so that a page that swaps its
  // tables in (automl serve) can sort the new ones the same way.
  return R"(<script>
window.automlSort = window.automlSort || {};
function automlCellValue(td) {
  const t = td.getAttribute('data-v') ?? td.textContent.trim();
  const n = parseFloat(t);
  return t !== '' && !isNaN(n) && /^[-+0-9.eE]+$/.test(t) ? n : t.toLowerCase();
}
function automlSortTable(table, col, dir) {
  const body = table.tBodies[0];
  const rows = Array.from(body.rows);
  rows.sort((a, b) => {
    const x = automlCellValue(a.cells[col]), y = automlCellValue(b.cells[col]);
    if (typeof x === typeof y) return (x < y ? -1 : x > y ? 1 : 0) * dir;
    return (typeof x === 'number' ? -1 : 1) * dir;
  });
  rows.forEach(r => body.appendChild(r));
  Array.from(table.tHead.rows[0].cells).forEach((th, i) => {
    th.textContent = th.textContent.replace(/ [\u25b2\u25bc]$/, '') + (i === col ? (dir > 0 ? ' \u25b2' : ' \u25bc') : '');
  });
}
function sortable_tables() {
  document.querySelectorAll('table.sortable').forEach(table => {
    const key = table.id;
    Array.from(table.tHead.rows[0].cells).forEach((th, col) => {
      th.onclick = () => {
        const s = window.automlSort[key];
        const dir = s && s.col === col ? -s.dir : 1;
        window.automlSort[key] = {col: col, dir: dir};
        automlSortTable(table, col, dir);
      };
    });
    const s = window.automlSort[key];
    if (s) automlSortTable(table, s.col, s.dir);
  });
}
document.addEventListener('DOMContentLoaded', sortable_tables);
</script>
)";
}

std::string line_chart(const LineChart& chart, int width, int height) {
  double x_lo = std::numeric_limits<double>::infinity(), x_hi = -x_lo, y_lo = x_lo, y_hi = -x_lo;
  for (const auto& s : chart.series)
    for (const auto& [x, y] : s.points) {
      if (!std::isfinite(x) || !std::isfinite(y) || (chart.log_x && x <= 0)) continue;
      x_lo = std::min(x_lo, x), x_hi = std::max(x_hi, x), y_lo = std::min(y_lo, y), y_hi = std::max(y_hi, y);
    }
  if (!std::isfinite(x_lo)) return empty_chart(chart.title, width, 60, "no points yet");
  Frame f(width, height);
  if (chart.series.size() > 1) f.right = 170;
  bool whole = true;
  for (const auto& s : chart.series)
    for (const auto& [x, y] : s.points) whole = whole && std::isfinite(x) && x == std::round(x);
  f.x = nice_axis(x_lo, x_hi, chart.log_x, whole);
  f.y = nice_axis(y_lo, y_hi, false);
  std::string s = f.draw(chart.title, chart.x_label, chart.y_label);
  for (std::size_t i = 0; i < chart.series.size(); ++i) {
    const auto& series = chart.series[i];
    const char* colour = kColours[i % std::size(kColours)];
    std::string path;
    double last_y = 0;
    for (const auto& [x, y] : series.points) {
      if (!std::isfinite(x) || !std::isfinite(y) || (chart.log_x && x <= 0)) continue;
      if (path.empty()) path = fmt::format("M{:.1f},{:.1f}", f.px(x), f.py(y));
      else if (series.steps) path += fmt::format(" H{:.1f} V{:.1f}", f.px(x), f.py(y));
      else path += fmt::format(" L{:.1f},{:.1f}", f.px(x), f.py(y));
      last_y = y;
    }
    if (path.find(' ') == std::string::npos)  // one point: a dot
      s += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"{}\"/>\n",
                       f.px(series.points.front().first), f.py(last_y), colour);
    s += fmt::format("<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.8\"/>\n", path, colour);
    if (chart.series.size() > 1)
      s += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"{3}\" stroke-width=\"3\"/>"
                       "<text x=\"{4}\" y=\"{5}\">{6}</text>\n",
                       width - 160, f.top + 10 + 18 * i, width - 140, colour, width - 134, f.top + 14 + 18 * i,
                       escape(series.name));
  }
  return s + "</svg>";
}

std::string histogram(const Histogram& chart, int width, int height) {
  std::vector<double> v;
  for (double x : chart.values)
    if (std::isfinite(x)) v.push_back(x);
  if (v.empty()) return empty_chart(chart.title, width, 60, "no scores yet");
  const auto [lo_it, hi_it] = std::minmax_element(v.begin(), v.end());
  double lo = *lo_it, hi = *hi_it;
  if (!(hi > lo)) lo -= 0.5, hi += 0.5;
  const int bins = std::max(1, chart.bins);
  std::vector<int> counts(static_cast<std::size_t>(bins), 0);
  for (double x : v) ++counts[static_cast<std::size_t>(std::min(bins - 1, static_cast<int>((x - lo) / (hi - lo) * bins)))];
  Frame f(width, height);
  f.x = nice_axis(lo, hi, false);
  f.y = nice_axis(0, *std::max_element(counts.begin(), counts.end()), false, true);
  std::string s = f.draw(chart.title, chart.x_label, "trials");
  const double w = (hi - lo) / bins;
  for (int b = 0; b < bins; ++b) {
    if (counts[static_cast<std::size_t>(b)] == 0) continue;
    const double x0 = f.px(lo + b * w), x1 = f.px(lo + (b + 1) * w), y = f.py(counts[static_cast<std::size_t>(b)]);
    s += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\" "
                     "stroke=\"#fff\"><title>{:.4g} to {:.4g}: {}</title></rect>\n",
                     x0, y, std::max(1.0, x1 - x0), f.py(0) - y, kColours[0], lo + b * w, lo + (b + 1) * w,
                     counts[static_cast<std::size_t>(b)]);
  }
  return s + "</svg>";
}

}  // namespace automl::html
