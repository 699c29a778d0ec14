#pragma once
// What `automl data` and `automl describe --json` print, apart from the
// commands that parse the options and load the plugins.

#include <ostream>
#include <string>

#include "automl/dataset.hpp"
#include "automl/host/registry.hpp"

namespace automl::cli {

/// A dataset's task, source, shape, classes, split sizes (per class when
/// known) and channel statistics, as `automl data` prints them.
void print_dataset(const std::string& type, const DatasetInfo& info, std::ostream& out);

/// One component's schema as `describe --json KIND NAME` prints it (format 1).
std::string schema_json(const Registered& component);
/// Every registered component's schema and [experiment]'s, as `describe --json` prints them.
std::string schemas_json(const Registry& registry);

}  // namespace automl::cli
