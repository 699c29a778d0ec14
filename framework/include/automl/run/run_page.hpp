#pragma once
// A run as one self-contained HTML page: report.html beside report.txt
// (written when a run ends) and the page `automl serve` shows while it runs.
// Facts, the best candidates with pictures of their cells, best-so-far
// curves against trials and time, the score histogram, the ranking against
// the [reference], the [final] stage, the strategy's diagnostics per round,
// failed trials with their messages and every trial in a sortable table.

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>

namespace automl {

class ResultsStore;
class SearchSpace;

/// An architecture's picture as an inline <svg> element, from its text form
/// and a title; "" when there is none.
using PictureFn = std::function<std::string(const std::string& arch_text, const std::string& title)>;

/// Pictures of `space`'s architectures drawn by Graphviz (cached by text);
/// an empty function when the space draws no pictures or Graphviz is
/// missing. `space` must outlive the function.
PictureFn cell_pictures(const SearchSpace& space);

struct RunPageOptions {
  std::size_t top = 5;      ///< best distinct candidates shown with pictures
  PictureFn picture;        ///< none: no pictures (the page says why)
  std::string head_extra;   ///< extra <head> content (the live page's script)
  std::string version;      ///< the content's version (data-version of #report), for the live page
};

/// The page of the run in `run_dir` from its database `store`.
std::string run_page(const std::filesystem::path& run_dir, const ResultsStore& store,
                     const RunPageOptions& options);

/// Writes run_page() to RUN_DIR/report.html, pictures drawn by `space`
/// (nullptr: none); returns its path.
std::filesystem::path write_run_page(const std::filesystem::path& run_dir, const ResultsStore& store,
                                     const SearchSpace* space);

}  // namespace automl
