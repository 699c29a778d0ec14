#pragma once
// What `automl data` and `automl describe --json` print and what `inspect
// --draw` and `show --draw` draw, apart from the commands that parse the
// options.

#include <filesystem>
#include <ostream>
#include <string>

#include "automl/dataset.hpp"
#include "automl/host/registry.hpp"
#include "automl/search_space.hpp"

namespace automl::cli {

/// A dataset's task, source, shape, classes, split sizes (per class when
/// known) and channel statistics, as `automl data` prints them.
void print_dataset(const std::string& type, const DatasetInfo& info, std::ostream& out);

/// One component's schema as `describe --json KIND NAME` prints it (format 1).
std::string schema_json(const Registered& component);
/// Every registered component's schema and [experiment]'s, as `describe --json` prints them.
std::string schemas_json(const Registry& registry);

/// Draws one architecture of `space` (its plugin name `type` in errors) to
/// `file` (.svg, .png or .dot) with `title` on top.
void draw_architecture(const SearchSpace& space, const std::string& type, const Architecture& arch,
                       const std::string& title, const std::filesystem::path& file);
/// The run's best `count` distinct architectures by score, each drawn into
/// `dir` as rank-R-trial-ID.svg and .png by its search space `space` (plugin
/// `type`); says what it drew on `out`.
void draw_best(const std::filesystem::path& run_dir, const SearchSpace& space, const std::string& type,
               const std::filesystem::path& dir, std::size_t count, std::ostream& out);

}  // namespace automl::cli
