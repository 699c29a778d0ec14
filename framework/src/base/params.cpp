// Plugin parameters: typed values, their TOML spelling, and checking a Section against fields.

#include "automl/params.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iomanip>
#include <sstream>

#include "automl/text.hpp"

namespace automl {

std::string type_name(ValueType type) {
  switch (type) {
    case ValueType::boolean: return "boolean";
    case ValueType::integer: return "integer";
    case ValueType::real: return "number";
    case ValueType::string: return "string";
    case ValueType::integer_list: return "array of integers";
    case ValueType::real_list: return "array of numbers";
    case ValueType::string_list: return "array of strings";
  }
  return "?";
}

namespace {

// A TOML basic string; control characters (which TOML forbids raw) as \u00XX.
std::string quote(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') out += '\\';
    if (u < 0x20 || u == 0x7f) out += std::string("\\u00") + hex[u >> 4] + hex[u & 15];
    else out += c;
  }
  return out + "\"";
}

std::string real_text(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  // The shortest text that reads back as the same double (0.2, not
  // 0.20000000000000001; 1e-320, not 9.99988867182683e-321).
  std::string s;
  for (int precision = 1; precision <= 17; ++precision) {
    std::ostringstream out;
    out << std::setprecision(precision) << v;
    s = out.str();
    // strtod, not stod: stod throws on subnormal numbers (1e-320) that read back fine.
    if (std::strtod(s.c_str(), nullptr) == v) break;
  }
  // TOML floats need a fraction or exponent to stay floats.
  if (s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}

template <class L, class F>
std::string list_text(const L& list, F item) {
  std::string out = "[";
  for (std::size_t i = 0; i < list.size(); ++i) out += (i ? ", " : "") + item(list[i]);
  return out + "]";
}

std::string bound_text(double v) {
  if (std::floor(v) == v && std::abs(v) < 1e15) return std::to_string(static_cast<std::int64_t>(v));
  std::ostringstream out;
  out << v;
  return out.str();
}

// The natural type of a value as read from TOML, for messages.
std::string found_type(const Value& v) {
  switch (v.index()) {
    case 0: return "boolean";
    case 1: return "integer";
    case 2: return "number";
    case 3: return "string";
    case 4: return "array of integers";
    case 5: return "array of numbers";
    default: return "array of strings";
  }
}

std::optional<Value> coerce(const Value& v, ValueType want) {
  const bool empty_list = (std::holds_alternative<std::vector<std::int64_t>>(v) &&
                           std::get<std::vector<std::int64_t>>(v).empty());
  switch (want) {
    case ValueType::boolean:
      if (std::holds_alternative<bool>(v)) return v;
      break;
    case ValueType::integer:
      if (std::holds_alternative<std::int64_t>(v)) return v;
      break;
    case ValueType::real:
      if (std::holds_alternative<double>(v)) return v;
      if (std::holds_alternative<std::int64_t>(v)) return static_cast<double>(std::get<std::int64_t>(v));
      break;
    case ValueType::string:
      if (std::holds_alternative<std::string>(v)) return v;
      break;
    case ValueType::integer_list:
      if (std::holds_alternative<std::vector<std::int64_t>>(v)) return v;
      break;
    case ValueType::real_list:
      if (std::holds_alternative<std::vector<double>>(v)) return v;
      if (std::holds_alternative<std::vector<std::int64_t>>(v)) {
        const auto& l = std::get<std::vector<std::int64_t>>(v);
        return std::vector<double>(l.begin(), l.end());
      }
      break;
    case ValueType::string_list:
      if (std::holds_alternative<std::vector<std::string>>(v)) return v;
      if (empty_list) return std::vector<std::string>{};
      break;
  }
  return std::nullopt;
}

std::vector<double> numbers_of(const Value& v) {
  if (auto* i = std::get_if<std::int64_t>(&v)) return {static_cast<double>(*i)};
  if (auto* d = std::get_if<double>(&v)) return {*d};
  if (auto* l = std::get_if<std::vector<std::int64_t>>(&v)) return {l->begin(), l->end()};
  if (auto* l = std::get_if<std::vector<double>>(&v)) return *l;
  return {};
}

std::vector<std::string> strings_of(const Value& v) {
  if (auto* s = std::get_if<std::string>(&v)) return {*s};
  if (auto* l = std::get_if<std::vector<std::string>>(&v)) return *l;
  return {};
}

std::string key_name(const Section& section, const std::string& key) {
  return "[" + section.name() + "] " + key;
}

void check_range(const Field& field, const Value& v, const Section& section) {
  for (double x : numbers_of(v)) {
    if ((field.type_min && x < *field.type_min) || (field.type_max && x > *field.type_max))
      throw ConfigError(section.where(field.key),
                        key_name(section, field.key) + " = " + printable(to_toml(v)) +
                            " does not fit the key's 32-bit integer (" + bound_text(*field.type_min) + " to " +
                            bound_text(*field.type_max) + "); expected " + field.constraint());
    const bool low = field.min && (std::isnan(x) || x < *field.min);
    const bool high = field.max && (std::isnan(x) || x > *field.max);
    if (low || high)
      throw ConfigError(section.where(field.key), key_name(section, field.key) + " = " + printable(to_toml(v)) +
                                                      " is out of range: expected " + field.constraint());
  }
  if (field.choices.empty()) return;
  for (const auto& s : strings_of(v)) {
    if (std::find(field.choices.begin(), field.choices.end(), s) == field.choices.end())
      throw ConfigError(section.where(field.key),
                        key_name(section, field.key) + " = " + printable(quote(s)) + " is not a valid choice" +
                            did_you_mean(s, field.choices) + "; expected " + field.constraint());
  }
}

}  // namespace

std::string to_toml(const Value& value) {
  struct Visitor {
    std::string operator()(bool v) const { return v ? "true" : "false"; }
    std::string operator()(std::int64_t v) const { return std::to_string(v); }
    std::string operator()(double v) const { return real_text(v); }
    std::string operator()(const std::string& v) const { return quote(v); }
    std::string operator()(const std::vector<std::int64_t>& v) const {
      return list_text(v, [](std::int64_t x) { return std::to_string(x); });
    }
    std::string operator()(const std::vector<double>& v) const { return list_text(v, real_text); }
    std::string operator()(const std::vector<std::string>& v) const { return list_text(v, quote); }
  };
  return std::visit(Visitor{}, value);
}

std::string Field::constraint() const {
  std::string text = type_name(type);
  if (!choices.empty()) {
    std::string list;
    for (const auto& c : choices) list += (list.empty() ? "" : ", ") + quote(c);
    return text + ", one of " + list;
  }
  if (min && max) return text + " in [" + bound_text(*min) + ", " + bound_text(*max) + "]";
  if (min) return text + " >= " + bound_text(*min);
  if (max) return text + " <= " + bound_text(*max);
  return text;
}

const Location& Section::where(const std::string& key) const {
  const auto it = entries_.find(key);
  return it == entries_.end() ? where_ : it->second.where;
}

std::map<std::string, Value> resolve_fields(const std::vector<Field>& fields, const Section& section) {
  std::vector<std::string> keys;
  for (const auto& f : fields) keys.push_back(f.key);
  for (const auto& [key, entry] : section.entries()) {
    if (std::find(keys.begin(), keys.end(), key) != keys.end()) continue;
    const std::string owner = section.type().empty() ? "" : " for " + section.name() + " '" + section.type() + "'";
    throw ConfigError(entry.where, "unknown key " + key_name(section, printable(key)) + owner +
                                       did_you_mean(key, keys) + "; valid keys: " + quoted_list(keys));
  }
  std::map<std::string, Value> out;
  for (const auto& field : fields) {
    const auto it = section.entries().find(field.key);
    if (it == section.entries().end()) {
      if (field.required)
        throw ConfigError(section.where(), "missing required key " + key_name(section, field.key) + " (" +
                                               field.constraint() + "): " + field.doc);
      out[field.key] = field.default_value;
      continue;
    }
    auto value = coerce(it->second.value, field.type);
    if (!value)
      throw ConfigError(it->second.where, key_name(section, field.key) + " has the wrong type: expected " +
                                              field.constraint() + ", found " +
                                              found_type(it->second.value) + " " +
                                              printable(to_toml(it->second.value)));
    check_range(field, *value, section);
    out[field.key] = std::move(*value);
  }
  return out;
}

}  // namespace automl
