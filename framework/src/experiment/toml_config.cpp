// TOML++ glue: located parse errors, --set overrides, tables as Sections.

#include "toml_config.hpp"


#include "automl/text.hpp"

namespace automl::detail {

std::string read_config_file(const std::filesystem::path& file, const std::string& what) {
  auto text = read_text(file);
  if (!text)
    throw ConfigError("cannot read " + what + " '" + file.string() + "': " +
                      (std::filesystem::exists(file) ? "permission denied" : "no such file"));
  return std::move(*text);
}

Location location_of(const toml::node& node) {
  const auto& src = node.source();
  Location where;
  where.source = src.path ? *src.path : "";
  where.line = static_cast<int>(src.begin.line);
  where.column = static_cast<int>(src.begin.column);
  return where;
}

toml::table parse_toml(const std::string& text, const std::string& source) {
  try {
    return toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    Location where{source, static_cast<int>(e.source().begin.line), static_cast<int>(e.source().begin.column)};
    throw ConfigError(where, "TOML syntax error: " + printable(std::string(e.description()), 400) +
                                 ". See https://toml.io for the syntax; strings need double quotes.");
  }
}

void apply_override(toml::table& root, const std::string& assignment, OverrideSources& sources) {
  const auto eq = assignment.find('=');
  const std::string path = assignment.substr(0, eq);
  const auto dot = path.find('.');
  if (eq == std::string::npos || dot == std::string::npos || dot == 0 || dot + 1 == path.size())
    throw UsageError("--set '" + printable(assignment) + "': expected section.key=value, e.g. --set experiment.seed=3");
  const std::string section = path.substr(0, dot);
  const std::string key = path.substr(dot + 1);
  const std::string value = assignment.substr(eq + 1);
  const std::string source = "--set " + printable(path);
  toml::table parsed;
  try {
    parsed = toml::parse("v = " + value, source);
  } catch (const toml::parse_error&) {
    // Not TOML: take the bare text as a string, as a shell user would mean it.
    try {
      parsed = toml::parse("v = " + to_toml(Value{value}), source);
    } catch (const toml::parse_error& e) {  // not UTF-8
      throw ConfigError(Location{source}, "the value '" + printable(value) + "' is neither TOML nor text: " +
                                              printable(std::string(e.description()), 200));
    }
  }
  auto* table = root[section].as_table();
  if (table == nullptr) {
    if (root.contains(section))
      throw ConfigError(Location{source}, "'" + printable(section) + "' is not a table in the experiment");
    root.insert(section, toml::table{});
    table = root[section].as_table();
    sources[{section, ""}] = Location{source};  // a table made by --set is placed there
  }
  table->insert_or_assign(key, *parsed.get("v"));
  sources[{section, key}] = Location{source};
}

namespace {

template <class T>
std::vector<T> list_of(const toml::array& array) {
  std::vector<T> out;
  for (const auto& item : array) out.push_back(*item.value<T>());
  return out;
}

Value array_value(const toml::array& array, const std::string& key, const Location& where) {
  bool ints = true, numbers = true, strings = true;
  for (const auto& item : array) {
    ints = ints && item.is_integer();
    numbers = numbers && item.is_number();
    strings = strings && item.is_string();
  }
  if (ints) return list_of<std::int64_t>(array);
  if (numbers) return list_of<double>(array);
  if (strings) return list_of<std::string>(array);
  throw ConfigError(where, "'" + printable(key) + "': arrays must hold only numbers or only strings");
}

// `where` is the key's place: its line in the file, or the --set that wrote
// it (a node copied out of a --set's own parse keeps no source).
Value value_of(const toml::node& node, const std::string& key, const Location& where) {
  if (auto v = node.value_exact<bool>()) return *v;
  if (auto v = node.value_exact<std::int64_t>()) return *v;
  if (auto v = node.value_exact<double>()) return *v;
  if (auto v = node.value_exact<std::string>()) return *v;
  if (const auto* a = node.as_array()) return array_value(*a, key, where);
  if (node.is_table())
    throw ConfigError(where, "'" + printable(key) + "' is a table; plugin settings are plain keys (see `automl describe`)");
  throw ConfigError(where, "'" + printable(key) + "': dates and times are not accepted as settings");
}

}  // namespace

Section to_section(const toml::table& table, const std::string& name, const std::string& type,
                   const OverrideSources& overrides) {
  std::map<std::string, Entry> entries;
  for (const auto& [key, node] : table) {
    const std::string k(key.str());
    if (k == "type") continue;
    const auto set = overrides.find({name, k});
    Location where = set != overrides.end() ? set->second : location_of(node);
    if (set == overrides.end() && key.source().begin.line > 0) {
      where.line = static_cast<int>(key.source().begin.line);
      where.column = static_cast<int>(key.source().begin.column);
    }
    entries[k] = Entry{value_of(node, k, where), where};
  }
  return Section(name, type, table_location(table, name, overrides), std::move(entries));
}

Location table_location(const toml::table& table, const std::string& name, const OverrideSources& overrides) {
  const auto made = overrides.find({name, ""});
  return made != overrides.end() ? made->second : location_of(table);
}

}  // namespace automl::detail
