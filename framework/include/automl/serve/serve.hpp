#pragma once
// `automl serve DIR`: a local web server (cpp-httplib) that shows one run or
// one comparison live from its databases. Read-only: every request opens the
// databases read-only for the time of the request, so a running search is
// never blocked (SQLite WAL) nor written to.
//
// Pages: "/" is the run's page (automl/run/run_page.hpp) or, for a comparison
// directory, a table of its runs with best-so-far curves per variant and
// links to "/runs/VARIANT/seed-N/", each run's own page. Every page polls
// "api/version" (relative to itself) and swaps in its new content when a
// trial, a round or the run's state was committed; "api/trials" is the run's
// trials as JSON (as `automl export --format json`).

#include <atomic>
#include <filesystem>
#include <functional>
#include <ostream>
#include <string>

#include "automl/run/run_page.hpp"

namespace automl {

struct ServeOptions {
  std::string host = "127.0.0.1";  ///< the address to bind; 127.0.0.1 keeps it on this machine
  int port = 8080;                 ///< 0: any free port (the address printed says which)
  double refresh_s = 2;            ///< how often a page asks whether something changed
};

/// Pictures for the run in a run directory (its search space's); an empty
/// function for none. Called once per run directory served.
using PicturesFor = std::function<PictureFn(const std::filesystem::path& run_dir)>;

/// Serves `dir` until `stop` becomes true (checked ten times a second);
/// prints "serving DIR at http://HOST:PORT/" on `out` once listening.
/// UsageError when `dir` is neither a run nor a comparison directory, Error
/// when the address cannot be bound.
void serve(const std::filesystem::path& dir, const ServeOptions& options, const PicturesFor& pictures,
           std::ostream& out, const std::atomic<bool>& stop);

}  // namespace automl
