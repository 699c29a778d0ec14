#pragma once
// TOML++ glue, private to the core: parsing with located errors, --set
// overrides, and conversion of a table into a Section.

#include <filesystem>
#include <map>
#include <string>
#include <utility>

#include <toml++/toml.h>

#include "automl/params.hpp"

namespace automl::detail {

/// The text of a configuration file; ConfigError naming `what` when unreadable.
std::string read_config_file(const std::filesystem::path& file, const std::string& what);
/// Parses TOML text; syntax errors become ConfigError at file:line:col.
toml::table parse_toml(const std::string& text, const std::string& source);
/// Where each --set key came from: (section, key) -> "--set section.key".
using OverrideSources = std::map<std::pair<std::string, std::string>, Location>;

/// Applies "section.key=value" (value in TOML syntax; bare words are strings)
/// and records its source; a table it makes is recorded as (section, "").
void apply_override(toml::table& root, const std::string& assignment, OverrideSources& sources);
Location location_of(const toml::node& node);
/// Where table `name` was written, or the --set that made it.
Location table_location(const toml::table& table, const std::string& name, const OverrideSources& overrides);
/// The keys of a table (except `type`) as a Section, each located at its key
/// (or its --set); nested tables and unsupported values are ConfigErrors.
Section to_section(const toml::table& table, const std::string& name, const std::string& type,
                   const OverrideSources& overrides);

}  // namespace automl::detail
