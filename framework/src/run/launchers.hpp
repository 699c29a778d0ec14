#pragma once
// What the launchers share, private to the core (launcher.cpp,
// slurm_launcher.cpp).

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "automl/run/launcher.hpp"

namespace automl::detail {

/// This program's own file, which launchers run as `automl trial`.
std::filesystem::path automl_executable();
/// Each id's latest attempt, from job records in (id, attempt) order.
std::map<std::int64_t, JobRecord> latest_jobs(const std::vector<JobRecord>& jobs);
void sleep_seconds(double seconds);

std::unique_ptr<Launcher> make_slurm_launcher(const LauncherOptions& options, const std::filesystem::path& run_dir,
                                              ResultsStore& store, int trial_threads, int parallel,
                                              const std::string& job_name);

}  // namespace automl::detail
