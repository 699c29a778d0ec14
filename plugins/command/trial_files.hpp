#pragma once
// The files a `command` trial is handed over in and answers with: trial.json
// (written by the host) and result.json (written by the user's code). The
// format is documented in this folder's README and versioned ("format": 1).

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "automl/architecture.hpp"
#include "automl/context.hpp"
#include "automl/evaluator.hpp"

namespace command {

inline constexpr int kFormat = 1;

/// trial.json's text for `arch` in trial `trial`.
std::string trial_json(const automl::Architecture& arch, const automl::TrialContext& trial, const automl::Context& ctx,
                       const std::filesystem::path& result_file);

/// The AUTOML_* variables for the same trial (and OMP_NUM_THREADS /
/// MKL_NUM_THREADS set to its threads), "KEY=VALUE" each.
std::vector<std::string> trial_environment(const automl::Architecture& arch, const automl::TrialContext& trial,
                                           const automl::Context& ctx, const std::filesystem::path& trial_file,
                                           const std::filesystem::path& result_file);

/// The metrics of result.json (its "metrics" object, numbers; null: NaN)
/// and its optional "curve": a list of objects, each a "step" and numbers.
/// The score is left 0. Throws automl::Error naming the file and what is
/// wrong with it.
automl::TrialResult read_result(const std::filesystem::path& result_file);

}  // namespace command
