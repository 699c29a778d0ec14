#pragma once
// An experiment from already parsed TOML tables, private to the core: defined
// in experiment.cpp beside parse_experiment(), which calls it after applying
// --set overrides, and used by `automl compare`, whose variants edit a base
// experiment's tables first.

#include <filesystem>
#include <string>
#include <vector>

#include "automl/experiment/experiment.hpp"
#include "toml_config.hpp"

namespace automl::detail {

/// An experiment from its parsed tables; keys listed in `sets` are located
/// there instead of at their node.
Experiment experiment_from_table(const toml::table& root, const std::string& source,
                                 const std::filesystem::path& base_dir, const OverrideSources& sets,
                                 Needs needs = Needs::search);

/// A [launcher] table: `type` one of `types` (default "local"), its keys
/// strict; Slurm keys refused unless type is "slurm". `section` receives
/// the table as written.
LauncherOptions parse_launcher_table(const toml::table& table, const OverrideSources& sets,
                                     const std::vector<std::string>& types, Section& section);

}  // namespace automl::detail
