// A run's HTML page: read everything from the database once (collect), then
// write one section after the other (render); charts and escaping from
// automl/run/html.hpp, pictures from the search space through Graphviz.

#include "automl/run/run_page.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include <fmt/format.h>

#include "automl/graph.hpp"
#include "automl/run/fidelity.hpp"
#include "automl/run/html.hpp"
#include "automl/run/results_store.hpp"
#include "automl/search_space.hpp"
#include "automl/text.hpp"

namespace automl {

namespace fs = std::filesystem;

namespace {

struct RunData {
  std::string name;
  std::map<std::string, std::string> meta;
  std::vector<TrialRecord> trials;
  std::vector<FinalRecord> finals;
  std::map<std::int64_t, std::map<std::string, double>> diagnostics;
  std::map<std::int64_t, std::vector<CurvePoint>> curves;
};

RunData collect(const fs::path& run_dir, const ResultsStore& store) {
  RunData d;
  d.name = run_dir.filename().empty() ? run_dir.parent_path().filename().string() : run_dir.filename().string();
  for (const char* key : {"created_at", "automl_version", "automl_commit", "libtorch_version", "host", "elapsed_s",
                          "stop_reason", "experiment_file"})
    if (const auto v = store.meta(key)) d.meta[key] = *v;
  d.trials = store.trials();
  d.finals = store.finals();
  d.diagnostics = store.diagnostics();
  d.curves = store.curves();
  return d;
}

std::string meta_or(const RunData& d, const std::string& key, const std::string& fallback) {
  const auto it = d.meta.find(key);
  return it == d.meta.end() ? fallback : it->second;
}

std::string number(double v, const char* format = "{:.4f}") {
  return std::isfinite(v) ? fmt::format(fmt::runtime(format), v) : "";
}

// Cells of text (code, spans) are left-aligned, numbers right-aligned.
std::string row(const std::vector<std::string>& cells, const char* tag = "td") {
  std::string s = "<tr>";
  for (const auto& c : cells) {
    const bool text = c.rfind("<code>", 0) == 0 || c.rfind("<span", 0) == 0 || c == "architecture" ||
                      c == "metrics" || c == "error";
    s += fmt::format("<{0}{1}>{2}</{0}>", tag, text ? " class=\"t\"" : "", c);
  }
  return s + "</tr>\n";
}

std::string code(const std::string& text) { return "<code>" + html::escape(text) + "</code>"; }

std::string facts(const RunData& d, const fs::path& run_dir) {
  std::size_t ok = 0, failed = 0, pending = 0;
  double in_trials = 0;
  for (const auto& t : d.trials) {
    ok += t.status == TrialStatus::ok;
    failed += t.status == TrialStatus::failed;
    pending += t.status == TrialStatus::pending;
    in_trials += t.wall_s;
  }
  double spent = 0;  // fidelity spent by finished trials (e.g. epochs)
  std::map<double, int> at_fidelity;
  for (const auto& t : d.trials)
    if (t.status != TrialStatus::pending && t.fidelity > 0) spent += t.fidelity, ++at_fidelity[t.fidelity];
  std::string s = "<table class=\"facts\">\n";
  auto fact = [&](const std::string& k, const std::string& v) { s += "<tr><th class=\"t\">" + k + "</th><td class=\"t\">" + v + "</td></tr>\n"; };
  fact("run", code(run_dir.string()));
  fact("experiment", code(meta_or(d, "experiment_file", "?")));
  fact("created", html::escape(meta_or(d, "created_at", "?")));
  fact("made by", html::escape(fmt::format("automl {} ({}), LibTorch {}, on {}", meta_or(d, "automl_version", "?"),
                                           meta_or(d, "automl_commit", "?"), meta_or(d, "libtorch_version", "?"),
                                           meta_or(d, "host", "?"))));
  fact("trials", fmt::format("<span id=\"count-ok\">{}</span> ok, <span class=\"{}\">{} failed</span>, {} pending",
                             ok, failed ? "failed" : "", failed, pending));
  if (!at_fidelity.empty()) {
    std::string counts;
    for (const auto& [f, n] : at_fidelity) counts += fmt::format("{}{} at {}", counts.empty() ? "" : ", ", n, f);
    fact("fidelity", html::escape(fmt::format("{} spent by finished trials ({})", spent, counts)));
  }
  double elapsed = 0;
  if (!d.trials.empty()) elapsed = std::max_element(d.trials.begin(), d.trials.end(), [](auto& a, auto& b) {
                                     return a.elapsed_s < b.elapsed_s;
                                   })->elapsed_s;
  elapsed = std::max(elapsed, std::atof(meta_or(d, "elapsed_s", "0").c_str()));
  fact("time", fmt::format("{:.1f} s elapsed, {:.1f} s in trials", elapsed, in_trials));
  fact("stopped", html::escape(meta_or(d, "stop_reason", "running (or killed)")));
  return s + "</table>\n";
}

// The best `top` distinct architectures by score, best first.
std::vector<const TrialRecord*> best_distinct(const RunData& d, std::size_t top) {
  std::vector<const TrialRecord*> ok;
  for (const auto& t : d.trials)
    if (t.status == TrialStatus::ok) ok.push_back(&t);
  std::stable_sort(ok.begin(), ok.end(), [](auto* a, auto* b) { return better_trial(*a, *b); });
  std::vector<const TrialRecord*> best;
  std::set<std::string> seen;
  for (const auto* t : ok)
    if (best.size() < top && seen.insert(t->arch_text).second) best.push_back(t);
  return best;
}

std::string metrics_text(const TrialRecord& t) {
  std::string s;
  for (const auto& [k, v] : t.metrics) s += fmt::format("{}{} = {:.4g}", s.empty() ? "" : ", ", k, v);
  return s;
}

std::string best_section(const RunData& d, const RunPageOptions& o) {
  std::string s = "<h2>Best candidates</h2>\n";
  const auto best = best_distinct(d, o.top);
  if (best.empty()) return s + "<p class=\"note\">No successful trial yet.</p>\n";
  if (!o.picture) s += "<p class=\"note\">No pictures: the search space draws none, or Graphviz's <code>dot</code> "
                       "is missing (apt install graphviz).</p>\n";
  for (std::size_t r = 0; r < best.size(); ++r) {
    const TrialRecord& t = *best[r];
    s += fmt::format("<h3>{}. trial #{} (round {}): score {:.4f}</h3>\n<p>{}<br>{}</p>\n", r + 1, t.id, t.round,
                     t.score, code(t.arch_text), html::escape(metrics_text(t)));
    if (o.picture) {
      const std::string svg = o.picture(t.arch_text, "");
      if (!svg.empty()) s += "<figure class=\"cell\">" + svg + "</figure>\n";
    }
  }
  return s;
}

std::string progress_section(const RunData& d) {
  html::Series by_trial{"best score so far", {}, true}, by_time{"best score so far", {}, true};
  std::vector<const TrialRecord*> done;
  for (const auto& t : d.trials)
    if (t.status == TrialStatus::ok) done.push_back(&t);
  std::stable_sort(done.begin(), done.end(), [](auto* a, auto* b) { return a->elapsed_s < b->elapsed_s; });
  double best = -INFINITY;
  std::vector<double> scores;
  for (std::size_t i = 0; i < done.size(); ++i) {
    best = std::max(best, done[i]->score);
    by_trial.points.emplace_back(static_cast<double>(i + 1), best);
    by_time.points.emplace_back(done[i]->elapsed_s, best);
    scores.push_back(done[i]->score);
  }
  std::string s = "<h2>Search progress</h2>\n<figure id=\"curve-trials\">";
  s += html::line_chart({"Best score so far by successful trials", "successful trials (in finishing order)", "score",
                         {by_trial}}) +
       "</figure>\n<figure id=\"curve-time\">";
  s += html::line_chart({"Best score so far by time", "run time (s)", "score", {by_time}}) + "</figure>\n<figure>";
  return s + html::histogram({"Scores of successful trials", "score", scores}) + "</figure>\n";
}

const char* kSmallFigure = "<figure style=\"display:inline-block;width:49%;margin:0\">";

// The learning curves the evaluator recorded (result.json's "curve" of the
// command evaluator) for the best five candidates that have one: one chart
// per value name, at most six.
std::string curves_section(const RunData& d) {
  std::vector<const TrialRecord*> best;
  for (const auto* t : best_distinct(d, d.trials.size()))
    if (best.size() < 5 && d.curves.count(t->id)) best.push_back(t);
  if (best.empty()) return "";
  std::map<std::string, std::vector<html::Series>> by_name;
  for (const auto* t : best)
    for (const auto& p : d.curves.at(t->id))
      for (const auto& [name, value] : p.values) {
        auto& series = by_name[name];
        const std::string label = fmt::format("trial {} ({:.4g})", t->id, t->score);
        if (series.empty() || series.back().name != label) series.push_back({label, {}});
        if (std::isfinite(value)) series.back().points.emplace_back(p.step, value);
      }
  std::string s = fmt::format("<h2>Learning curves</h2>\n<p class=\"note\">The {} best candidates that recorded "
                              "one; <code>automl export --format curves</code> gives every trial's.</p>\n",
                              best.size());
  int charts = 0;
  for (const auto& [name, series] : by_name)
    if (charts++ < 6) s += kSmallFigure + html::line_chart({name, "step", name, series}, 540, 240) + "</figure>\n";
  return s;
}

std::string reference_section(const RunData& d) {
  const Fidelity f = ranking_fidelity(reference_points(d.trials));
  if (f.empty()) return "";
  html::Series tau{"Kendall tau", {}}, rho{"Spearman rho", {}};
  for (const auto& [round, a] : f.rounds) {
    tau.points.emplace_back(static_cast<double>(round), a.kendall_tau);
    rho.points.emplace_back(static_cast<double>(round), a.spearman_rho);
  }
  std::string s = "<h2>Ranking against the reference</h2>\n<p>" + html::escape(fidelity_line(f)) + "</p>\n";
  if (!tau.points.empty())
    s += "<figure>" + html::line_chart({"Search scores against reference scores, per round", "round",
                                        "rank correlation", {tau, rho}}) + "</figure>\n";
  return s + "<pre>" + html::escape(fidelity_table(f)) + "</pre>\n";
}

std::string final_section(const RunData& d) {
  if (d.finals.empty()) return "";
  std::string s = "<h2>Final stage</h2>\n<table>\n" +
                  row({"rank in search", "search score", "final score", "architecture", "metrics"}, "th");
  for (const auto& f : d.finals)
    s += row({f.random_baseline() ? "random " + std::to_string(-f.trial.id) : std::to_string(f.trial.id),
              number(f.search_score),
              f.trial.status == TrialStatus::ok ? number(f.trial.score)
                                                : "<span class=\"failed\">failed: " + html::escape(f.trial.error) + "</span>",
              code(f.trial.arch_text), "<span>" + html::escape(metrics_text(f.trial)) + "</span>"});
  const RankAgreement a = final_agreement(d.finals);
  s += "</table>\n";
  if (a.n >= 2)
    s += fmt::format("<p>Final scores against search scores: Kendall tau {:.3f}, Spearman rho {:.3f} ({} candidates).</p>\n",
                     a.kendall_tau, a.spearman_rho, a.n);
  return s;
}

// A diagnostic named PREFIX_at_step_N (NAO's novel_at_step_N: new cells
// first decoded at step size N) is one point of a curve over N: its prefix
// and N; "" when the key is a plain figure.
std::pair<std::string, double> step_key(const std::string& key) {
  const auto at = key.rfind("_at_step_");
  if (at == std::string::npos || at == 0) return {"", 0};
  const std::string n = key.substr(at + 9);
  if (n.empty() || n.find_first_not_of("0123456789") != std::string::npos) return {"", 0};
  return {key.substr(0, at), std::stod(n)};
}


// One chart per plain figure against the round, one per step-indexed
// family against the step (a line per round, the last six), and a table of
// the plain figures.
std::string diagnostics_section(const RunData& d) {
  if (d.diagnostics.empty()) return "";
  std::set<std::string> keys;
  std::map<std::string, std::vector<html::Series>> by_step;
  for (const auto& [round, figures] : d.diagnostics) {
    std::map<std::string, html::Series> of_round;
    for (const auto& [k, v] : figures) {
      const auto [prefix, step] = step_key(k);
      if (prefix.empty()) keys.insert(k);
      else of_round.try_emplace(prefix, html::Series{"round " + std::to_string(round), {}}).first->second.points.emplace_back(step, v);
    }
    for (auto& [prefix, series] : of_round) {
      std::sort(series.points.begin(), series.points.end());
      by_step[prefix].push_back(std::move(series));
    }
  }
  std::string s = "<h2>Strategy diagnostics per round</h2>\n";
  for (auto& [prefix, series] : by_step) {
    if (series.size() > 6) series.erase(series.begin(), series.end() - 6);
    s += kSmallFigure + html::line_chart({prefix + " by step", "step", prefix, series}, 540, 240) + "</figure>\n";
  }
  for (const auto& key : keys) {
    html::Series series{key, {}};
    for (const auto& [round, figures] : d.diagnostics)
      if (const auto it = figures.find(key); it != figures.end()) series.points.emplace_back(round, it->second);
    s += kSmallFigure + html::line_chart({key, "round", "", {series}}, 540, 240) + "</figure>\n";
  }
  std::vector<std::string> header{"round"};
  header.insert(header.end(), keys.begin(), keys.end());
  s += "<table class=\"sortable\" id=\"diagnostics\"><thead>" + row(header, "th") + "</thead><tbody>\n";
  for (const auto& [round, figures] : d.diagnostics) {
    std::vector<std::string> cells{std::to_string(round)};
    for (const auto& k : keys) {
      const auto it = figures.find(k);
      cells.push_back(it == figures.end() ? "" : fmt::format("{:.4g}", it->second));
    }
    s += row(cells);
  }
  return s + "</tbody></table>\n";
}

std::string failed_section(const RunData& d) {
  std::string rows;
  std::size_t n = 0;
  for (const auto& t : d.trials)
    if (t.status == TrialStatus::failed && n++ < 100)
      rows += row({std::to_string(t.id), std::to_string(t.round), code(t.arch_text),
                   "<span class=\"failed\">" + html::escape(t.error) + "</span>"});
  if (n == 0) return "";
  return fmt::format("<h2>Failed trials ({}{})</h2>\n<table>\n", n, n > 100 ? ", the first 100" : "") +
         row({"trial", "round", "architecture", "error"}, "th") + rows + "</table>\n";
}

std::string trials_section(const RunData& d) {
  std::set<std::string> metric_names;
  for (const auto& t : d.trials)
    for (const auto& [k, v] : t.metrics) metric_names.insert(k);
  std::vector<std::string> header{"trial", "round", "status", "score"};
  header.insert(header.end(), metric_names.begin(), metric_names.end());
  for (const char* h : {"wall (s)", "finished at run time (s)", "architecture"}) header.emplace_back(h);
  std::string s = fmt::format("<h2>All trials ({})</h2>\n<p class=\"note\">Click a column's header to sort.</p>\n"
                              "<table class=\"sortable\" id=\"trials\"><thead>",
                              d.trials.size()) +
                  row(header, "th") + "</thead><tbody>\n";
  for (const auto& t : d.trials) {
    const bool ok = t.status == TrialStatus::ok;
    std::vector<std::string> cells{std::to_string(t.id), std::to_string(t.round), status_name(t.status),
                                   ok ? number(t.score) : ""};
    for (const auto& m : metric_names) {
      const auto it = t.metrics.find(m);
      cells.push_back(it == t.metrics.end() ? "" : fmt::format("{:.4g}", it->second));
    }
    cells.push_back(number(t.wall_s, "{:.2f}"));
    cells.push_back(t.status == TrialStatus::pending ? "" : number(t.elapsed_s, "{:.1f}"));
    cells.push_back(code(t.arch_text));
    s += row(cells);
  }
  return s + "</tbody></table>\n";
}

// A temporary file name unique in this process and among processes.
fs::path temporary_svg() {
  static std::atomic<unsigned> counter{0};
  return fs::temp_directory_path() / fmt::format("automl-picture-{}-{}.svg", getpid(), counter++);
}

}  // namespace

PictureFn cell_pictures(const SearchSpace& space) {
  if (!have_graphviz()) return {};
  auto cache = std::make_shared<std::map<std::string, std::string>>();
  auto mutex = std::make_shared<std::mutex>();
  return [&space, cache, mutex](const std::string& arch_text, const std::string& title) -> std::string {
    std::lock_guard<std::mutex> lock(*mutex);
    const std::string key = title + "\n" + arch_text;
    if (const auto it = cache->find(key); it != cache->end()) return it->second;
    std::string svg;
    try {
      const auto cells = space.graphs(space.parse(arch_text));
      if (!cells.empty()) {
        const fs::path file = temporary_svg();
        draw_dot(to_dot(cells, title), file);
        const std::string text = read_text(file).value_or("");
        fs::remove(file);
        svg = html::inline_svg(text);
      }
    } catch (const std::exception& e) {
      svg = "<p class=\"failed\">(no picture: " + html::escape(e.what()) + ")</p>";
    }
    return cache->emplace(key, svg).first->second;
  };
}

std::string run_page(const fs::path& run_dir, const ResultsStore& store, const RunPageOptions& options) {
  const RunData d = collect(run_dir, store);
  std::string s = html::page_start("automl run " + d.name, html::sortable_script() + options.head_extra);
  s += "<div class=\"live\" id=\"live\"></div><h1>Run " + html::escape(d.name) + "</h1>\n<div id=\"report\" data-version=\"" +
       html::escape(options.version) + "\">\n";
  s += facts(d, run_dir) + best_section(d, options) + progress_section(d) + curves_section(d) + reference_section(d) +
       final_section(d) + diagnostics_section(d) + failed_section(d) + trials_section(d);
  return s + "</div>\n</body></html>\n";
}

fs::path write_run_page(const fs::path& run_dir, const ResultsStore& store, const SearchSpace* space) {
  RunPageOptions options;
  if (space) options.picture = cell_pictures(*space);
  const fs::path file = run_dir / "report.html";
  write_text_atomically(file, run_page(run_dir, store, options));
  return file;
}

}  // namespace automl
