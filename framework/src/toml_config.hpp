#pragma once
// TOML++ glue, private to the core: parsing with located errors, --set
// overrides, and conversion of a table into a Section.

#include <string>

#include <toml++/toml.h>

#include "automl/params.hpp"

namespace automl::detail {

/// Parses TOML text; syntax errors become ConfigError at file:line:col.
toml::table parse_toml(const std::string& text, const std::string& source);
/// Applies "section.key=value" (value in TOML syntax; bare words are strings).
void apply_override(toml::table& root, const std::string& assignment);
Location location_of(const toml::node& node);
/// The keys of a table (except `type`) as a Section; nested tables and
/// unsupported values are ConfigErrors.
Section to_section(const toml::table& table, const std::string& name, const std::string& type);

}  // namespace automl::detail
