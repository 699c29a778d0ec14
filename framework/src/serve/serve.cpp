// automl serve: routes, the live script, the comparison's page; each request
// reads the databases read-only and renders the page anew.

#include "automl/serve/serve.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <tuple>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <httplib.h>

#include "automl/error.hpp"
#include "automl/run/html.hpp"
#include "automl/run/report.hpp"
#include "automl/run/results_store.hpp"
#include "automl/text.hpp"

namespace automl {

namespace fs = std::filesystem;

namespace {

// Asks api/version every refresh; when it differs from the shown content's
// data-version, fetches the page again and swaps #report for the new one
// (keeping the tables' sort order).
std::string live_script(double refresh_s) {
  return fmt::format(R"(<script>
const automlRefreshMs = {};
async function automlPoll() {{
  const live = document.getElementById('live');
  try {{
    const version = await (await fetch('api/version', {{cache: 'no-store'}})).text();
    if (version !== document.getElementById('report').dataset.version) {{
      const page = await (await fetch(location.pathname, {{cache: 'no-store'}})).text();
      const fresh = new DOMParser().parseFromString(page, 'text/html').getElementById('report');
      if (fresh) {{ document.getElementById('report').replaceWith(fresh); sortable_tables(); }}
    }}
    live.textContent = 'live, checked ' + new Date().toLocaleTimeString();
  }} catch (e) {{
    live.textContent = 'not live: the server does not answer (' + e + ')';
  }}
  setTimeout(automlPoll, automlRefreshMs);
}}
document.addEventListener('DOMContentLoaded', () => {{
  document.getElementById('live').textContent = 'live';
  setTimeout(automlPoll, automlRefreshMs);
}});
</script>
)",
                     static_cast<long>(std::lround(refresh_s * 1000)));
}

// What a run's database says about its progress; changes with every commit.
struct RunState {
  std::size_t ok = 0, failed = 0, pending = 0, finals = 0, rounds = 0;
  double best = NAN, elapsed_s = 0;
  std::string stop_reason;

  std::string version() const {
    return fmt::format("{}-{}-{}-{}-{}-{}", ok, failed, pending, finals, rounds, stop_reason);
  }
};

RunState run_state(const ResultsStore& store) {
  RunState s;
  for (const auto& t : store.trials()) {
    s.ok += t.status == TrialStatus::ok;
    s.failed += t.status == TrialStatus::failed;
    s.pending += t.status == TrialStatus::pending;
    if (t.status == TrialStatus::ok && !(t.score <= s.best)) s.best = t.score;
    s.elapsed_s = std::max(s.elapsed_s, t.elapsed_s);
  }
  s.finals = store.finals().size();
  s.rounds = store.diagnostics().size();
  s.stop_reason = store.meta("stop_reason").value_or("");
  return s;
}

// The runs of a comparison directory: DIR/runs/VARIANT/seed-N with a database.
struct ComparedRun {
  std::string variant;
  long seed = 0;
  fs::path dir;
};

std::vector<ComparedRun> compared_runs(const fs::path& dir) {
  std::vector<ComparedRun> runs;
  if (!fs::is_directory(dir / "runs")) return runs;
  for (const auto& v : fs::directory_iterator(dir / "runs")) {
    if (!v.is_directory()) continue;
    for (const auto& r : fs::directory_iterator(v.path())) {
      const std::string name = r.path().filename().string();
      if (name.rfind("seed-", 0) != 0 || !fs::exists(r.path() / "results.db")) continue;
      runs.push_back({v.path().filename().string(), std::atol(name.c_str() + 5), r.path()});
    }
  }
  std::sort(runs.begin(), runs.end(), [](const auto& a, const auto& b) {
    return std::tie(a.variant, a.seed) < std::tie(b.variant, b.seed);
  });
  return runs;
}

// Per variant, the median over its runs of the best score after n
// successful trials (for n that half of its runs have reached).
html::Series median_best(const std::string& variant, const std::vector<std::vector<double>>& curves) {
  html::Series series{variant, {}, true};
  for (std::size_t n = 0;; ++n) {
    std::vector<double> at;
    for (const auto& c : curves)
      if (n < c.size()) at.push_back(c[n]);
    if (at.empty() || 2 * at.size() < curves.size()) break;
    std::sort(at.begin(), at.end());
    const std::size_t m = at.size() / 2;
    series.points.emplace_back(static_cast<double>(n + 1), at.size() % 2 ? at[m] : (at[m - 1] + at[m]) / 2);
  }
  return series;
}

std::vector<double> best_so_far(const ResultsStore& store) {
  auto trials = store.trials();
  std::stable_sort(trials.begin(), trials.end(), [](auto& a, auto& b) { return a.elapsed_s < b.elapsed_s; });
  std::vector<double> curve;
  double best = -INFINITY;
  for (const auto& t : trials)
    if (t.status == TrialStatus::ok) curve.push_back(best = std::max(best, t.score));
  return curve;
}

// One run of a comparison as its row shows it, and its best-so-far curve.
struct RunRow {
  ComparedRun run;
  std::string state = "unreadable", trials, best, elapsed;
  std::vector<double> curve;
};

struct ComparisonState {
  std::vector<RunRow> rows;
  std::string version;  ///< changes whenever a run commits something
};

ComparisonState comparison_state(const fs::path& dir) {
  ComparisonState c;
  const auto runs = compared_runs(dir);
  c.version = std::to_string(runs.size());
  for (const auto& r : runs) {
    RunRow row;
    row.run = r;
    try {
      const auto store = ResultsStore::open_read_only(r.dir / "results.db");
      const RunState s = run_state(*store);
      c.version += "|" + s.version();
      row.curve = best_so_far(*store);
      row.state = s.stop_reason.empty() ? "starting" : s.stop_reason;
      row.best = std::isfinite(s.best) ? fmt::format("{:.4f}", s.best) : "";
      row.trials = fmt::format("{} ok, {} failed", s.ok, s.failed);
      row.elapsed = fmt::format("{:.0f}", s.elapsed_s);
    } catch (const std::exception& e) {
      row.state = std::string("unreadable: ") + e.what();
    }
    c.rows.push_back(std::move(row));
  }
  return c;
}

std::string run_rows(const ComparisonState& c) {
  std::string rows;
  for (const auto& r : c.rows)
    rows += fmt::format("<tr><td class=\"t\"><a href=\"runs/{0}/seed-{1}/\">{0}</a></td><td>{1}</td>"
                        "<td class=\"t\">{2}</td><td>{3}</td><td>{4}</td><td>{5}</td></tr>\n",
                        html::escape(r.run.variant), r.run.seed, html::escape(r.state), r.trials, r.best, r.elapsed);
  return rows;
}

// The comparison's page: counts by state, a median curve per variant, the runs.
std::string compare_page(const fs::path& dir, const ComparisonState& c, const std::string& head_extra) {
  std::map<std::string, std::vector<std::vector<double>>> curves;
  std::map<std::string, std::size_t> states;
  for (const auto& r : c.rows) {
    if (r.state.rfind("unreadable", 0) != 0) curves[r.run.variant].push_back(r.curve);
    ++states[r.state.rfind("error", 0) == 0 ? "failed" : r.state.rfind("running", 0) == 0 ? "running" : "stopped"];
  }
  html::LineChart chart{"Best score so far (median over each variant's runs)", "successful trials", "score", {}};
  for (const auto& [variant, runs] : curves) chart.series.push_back(median_best(variant, runs));
  std::string s = html::page_start("automl comparison " + dir.filename().string(), head_extra);
  s += "<div class=\"live\" id=\"live\"></div><h1>Comparison " + html::escape(dir.filename().string()) + "</h1>\n";
  s += "<div id=\"report\" data-version=\"" + html::escape(c.version) + "\">\n<p>";
  s += fmt::format("{} runs started: {} running, {} stopped, {} failed.", c.rows.size(), states["running"],
                   states["stopped"], states["failed"]);
  if (fs::exists(dir / "report.html")) s += " The comparison's report: <a href=\"report.html\">report.html</a>.";
  s += "</p>\n<figure>" + html::line_chart(chart) + "</figure>\n";
  s += "<table class=\"sortable\" id=\"runs\"><thead><tr><th class=\"t\">variant</th><th>seed</th>"
       "<th class=\"t\">state</th><th>trials</th><th>best score</th><th>run time (s)</th></tr></thead><tbody>\n" +
       run_rows(c) + "</tbody></table>\n</div>\n</body></html>\n";
  return s;
}

class Server {
 public:
  Server(fs::path dir, const ServeOptions& options, PicturesFor pictures)
      : dir_(std::move(dir)), options_(options), pictures_(std::move(pictures)),
        head_extra_(html::sortable_script() + live_script(options.refresh_s)) {
    compare_ = !fs::exists(dir_ / "results.db");
    if (compare_ && !fs::exists(dir_ / "compare.db") && !fs::is_directory(dir_ / "runs"))
      throw UsageError("serve: " + dir_.string() + " is neither a run directory (with results.db, made by automl run) "
                       "nor a comparison directory (with compare.db, made by automl compare)");
    http_.Get(R"(/.*)", [this](const httplib::Request& request, httplib::Response& response) {
      try {
        answer(request.path, response);
      } catch (const std::exception& e) {
        response.status = 500;
        response.set_content(std::string("automl serve: ") + e.what() + "\n", "text/plain");
      }
    });
  }

  void run(std::ostream& out, const std::atomic<bool>& stop) {
    const int port = options_.port == 0 ? http_.bind_to_any_port(options_.host)
                                        : (http_.bind_to_port(options_.host, options_.port) ? options_.port : -1);
    if (port < 0)
      throw Error(fmt::format("serve: cannot listen on {}:{} (in use? choose another with --port, or --port 0 for "
                              "any free one)",
                              options_.host, options_.port));
    out << fmt::format("serving {} at http://{}:{}/  (Ctrl-C stops)\n", dir_.string(), options_.host, port)
        << std::flush;
    std::thread watcher([&] {
      while (!stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      http_.stop();
    });
    http_.listen_after_bind();
    watcher.join();
  }

 private:
  // "/", "/api/version", "/api/trials", "/report.html" (a comparison's) and
  // the same under "/runs/VARIANT/seed-N/" for a comparison's runs.
  void answer(const std::string& path, httplib::Response& response) {
    std::string prefix = path.substr(0, path.rfind('/') + 1);
    const std::string leaf = path.substr(prefix.size());
    if (prefix.size() >= 5 && prefix.compare(prefix.size() - 4, 4, "api/") == 0) prefix.resize(prefix.size() - 4);
    const auto run_dir = resolve(prefix);
    if (!run_dir) return not_found(response, path);
    const bool api = path.size() > prefix.size() && path.compare(prefix.size(), 4, "api/") == 0;
    response.set_header("Cache-Control", "no-store");
    if (run_dir->empty()) {  // the comparison itself
      if (api && leaf == "version") return response.set_content(comparison_state(dir_).version, "text/plain");
      if (!api && leaf.empty())
        return response.set_content(compare_page(dir_, comparison_state(dir_), head_extra_), "text/html");
      if (!api && leaf == "report.html" && fs::exists(dir_ / "report.html"))
        return response.set_content(read(dir_ / "report.html"), "text/html");
      return not_found(response, path);
    }
    const auto store = ResultsStore::open_read_only(*run_dir / "results.db");
    if (api && leaf == "version") return response.set_content(run_state(*store).version(), "text/plain");
    if (api && leaf == "trials") {
      std::ostringstream json;
      export_run(*store, "json", json);
      return response.set_content(json.str(), "application/json");
    }
    if (api || !leaf.empty()) return not_found(response, path);
    RunPageOptions page;
    page.picture = pictures(*run_dir);
    page.head_extra = head_extra_;
    page.version = run_state(*store).version();
    response.set_content(run_page(*run_dir, *store, page), "text/html");
  }

  // The run directory a page prefix names; "" for the comparison's own
  // pages; nothing when it names none (or tries to leave DIR).
  std::optional<fs::path> resolve(const std::string& prefix) const {
    if (prefix == "/") return compare_ ? fs::path() : dir_;
    if (!compare_) return std::nullopt;
    for (const auto& r : compared_runs(dir_))
      if (prefix == fmt::format("/runs/{}/seed-{}/", r.variant, r.seed)) return r.dir;
    return std::nullopt;
  }

  PictureFn pictures(const fs::path& run_dir) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = pictures_by_run_.find(run_dir);
    if (it != pictures_by_run_.end()) return it->second;
    PictureFn fn;
    try {
      if (pictures_) fn = pictures_(run_dir);
    } catch (const std::exception&) {
      // A run whose plugins cannot be loaded here is shown without pictures.
    }
    return pictures_by_run_.emplace(run_dir, fn).first->second;
  }

  static std::string read(const fs::path& file) {
    return read_text(file).value_or("");
  }

  static void not_found(httplib::Response& response, const std::string& path) {
    response.status = 404;
    response.set_content("automl serve: no page " + path + "\n", "text/plain");
  }

  fs::path dir_;
  ServeOptions options_;
  PicturesFor pictures_;
  std::string head_extra_;
  bool compare_ = false;
  httplib::Server http_;
  std::mutex mutex_;
  std::map<fs::path, PictureFn> pictures_by_run_;
};

}  // namespace

void serve(const fs::path& dir, const ServeOptions& options, const PicturesFor& pictures, std::ostream& out,
           const std::atomic<bool>& stop) {
  Server(dir, options, pictures).run(out, stop);
}

}  // namespace automl
