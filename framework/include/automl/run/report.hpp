#pragma once
// Reading a finished (or running) run directory: `automl show` and `export`.

#include <filesystem>
#include <ostream>
#include <string>

namespace automl {

class ResultsStore;

/// Best candidates, counts by status, budget and time of a run.
void show_run(const std::filesystem::path& run_dir, std::size_t top, std::ostream& out);
/// Writes what show_run() prints (top 10) to RUN_DIR/report.txt; returns its path.
std::filesystem::path write_run_report(const std::filesystem::path& run_dir);
/// Every trial as CSV (one metric per column) or JSON (an array of objects,
/// with each trial's learning curve), or format "curves": the learning curves
/// as CSV, one row per trial, step and value name.
void export_run(const std::filesystem::path& run_dir, const std::string& format, std::ostream& out);
/// The same from an open database (`automl serve` reads it read-only).
void export_run(const ResultsStore& store, const std::string& format, std::ostream& out);

}  // namespace automl
