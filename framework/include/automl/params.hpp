#pragma once
// Plugin parameters: a plain struct with defaults (the single source of truth)
// plus a small declarative schema over its members. The schema drives strict
// validation of the experiment file, `automl describe`, and the resolved
// configuration written beside every run.
//
//   struct Options { int population = 10; std::string column = "c10valid_val_200"; };
//   static const automl::Schema<Options>& schema() {
//     static const auto s = automl::Schema<Options>("Regularized evolution (Real et al. 2019).")
//         .field("population", &Options::population, "Individuals kept alive").at_least(2)
//         .example("population = 10");
//     return s;
//   }

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "automl/error.hpp"

namespace automl {

enum class ValueType { boolean, integer, real, string, integer_list, real_list, string_list };

/// A configuration value as TOML gives it (integers as int64, floats as double).
using Value = std::variant<bool, std::int64_t, double, std::string, std::vector<std::int64_t>,
                           std::vector<double>, std::vector<std::string>>;

/// "integer", "array of strings", ...
std::string type_name(ValueType type);
/// The TOML spelling of a value: 3, 0.5, "text", [1, 2].
std::string to_toml(const Value& value);

/// One documented key of a plugin's (or the experiment's) table.
struct Field {
  std::string key;
  ValueType type = ValueType::integer;
  std::string doc;
  Value default_value;
  std::optional<double> min;         ///< inclusive lower bound for numbers and list elements
  std::optional<double> max;         ///< inclusive upper bound
  /// What the member's C++ type can hold (an `int` key: 32 bits); checked
  /// before min and max, so that a value is never stored wrapped.
  std::optional<double> type_min, type_max;
  std::vector<std::string> choices;  ///< allowed strings (empty: any)
  bool required = false;             ///< no default: the key must be given

  /// "integer >= 1", "one of \"cpu\", \"cuda\"", ... for messages and describe.
  std::string constraint() const;
};

/// One key of a table as read from the experiment, with where it was written.
struct Entry {
  Value value;
  Location where;
};

/// The keys of one experiment table ([strategy], ...) except `type`, each
/// with its source location. Built by the host; read by Schema::parse.
class Section final {
 public:
  Section() = default;
  /// `name` is the table ("strategy"), `type` the plugin it configures.
  Section(std::string name, std::string type, Location where, std::map<std::string, Entry> entries)
      : name_(std::move(name)), type_(std::move(type)), where_(std::move(where)),
        entries_(std::move(entries)) {}

  const std::string& name() const { return name_; }
  const std::string& type() const { return type_; }
  const Location& where() const { return where_; }
  /// Where `key` was written, or where the table starts when it was not.
  const Location& where(const std::string& key) const;
  const std::map<std::string, Entry>& entries() const { return entries_; }

 private:
  std::string name_;
  std::string type_;
  Location where_;
  std::map<std::string, Entry> entries_;
};

/// Checks a section against its fields: unknown keys (with "did you mean"),
/// missing required keys, types and ranges. Returns every field's value,
/// defaults filled in, converted to the field's type. Throws ConfigError.
std::map<std::string, Value> resolve_fields(const std::vector<Field>& fields, const Section& section);

namespace detail {
template <class M> struct ValueOf;
template <> struct ValueOf<bool> {
  static constexpr ValueType type = ValueType::boolean;
  static Value to(bool v) { return v; }
  static bool from(const Value& v) { return std::get<bool>(v); }
};
template <> struct ValueOf<int> {
  static constexpr ValueType type = ValueType::integer;
  static Value to(int v) { return std::int64_t{v}; }
  static int from(const Value& v) { return static_cast<int>(std::get<std::int64_t>(v)); }
};
template <> struct ValueOf<std::int64_t> {
  static constexpr ValueType type = ValueType::integer;
  static Value to(std::int64_t v) { return v; }
  static std::int64_t from(const Value& v) { return std::get<std::int64_t>(v); }
};
template <> struct ValueOf<double> {
  static constexpr ValueType type = ValueType::real;
  static Value to(double v) { return v; }
  static double from(const Value& v) { return std::get<double>(v); }
};
template <> struct ValueOf<std::string> {
  static constexpr ValueType type = ValueType::string;
  static Value to(const std::string& v) { return v; }
  static std::string from(const Value& v) { return std::get<std::string>(v); }
};
template <> struct ValueOf<std::vector<int>> {
  static constexpr ValueType type = ValueType::integer_list;
  static Value to(const std::vector<int>& v) { return std::vector<std::int64_t>(v.begin(), v.end()); }
  static std::vector<int> from(const Value& v) {
    const auto& l = std::get<std::vector<std::int64_t>>(v);
    return std::vector<int>(l.begin(), l.end());
  }
};
template <> struct ValueOf<std::vector<double>> {
  static constexpr ValueType type = ValueType::real_list;
  static Value to(const std::vector<double>& v) { return v; }
  static std::vector<double> from(const Value& v) { return std::get<std::vector<double>>(v); }
};
template <> struct ValueOf<std::vector<std::string>> {
  static constexpr ValueType type = ValueType::string_list;
  static Value to(const std::vector<std::string>& v) { return v; }
  static std::vector<std::string> from(const Value& v) { return std::get<std::vector<std::string>>(v); }
};
}  // namespace detail

/// The declarative schema of an Options struct T (default-constructible).
template <class T>
class Schema final {
 public:
  explicit Schema(std::string doc) : doc_(std::move(doc)) {}

  /// Declares `key`, stored in `member`; its default is T{}.*member.
  template <class M>
  Schema& field(std::string key, M T::*member, std::string doc) {
    using V = detail::ValueOf<M>;
    Field f;
    f.key = std::move(key);
    f.type = V::type;
    f.doc = std::move(doc);
    f.default_value = V::to(T{}.*member);
    if constexpr (std::is_same_v<M, int> || std::is_same_v<M, std::vector<int>>) {
      f.type_min = static_cast<double>(std::numeric_limits<int>::min());
      f.type_max = static_cast<double>(std::numeric_limits<int>::max());
    }
    fields_.push_back(std::move(f));
    setters_.push_back([member](T& out, const Value& v) { out.*member = V::from(v); });
    return *this;
  }
  /// Constrains the last declared field.
  Schema& at_least(double lo) { return last().min = lo, *this; }
  Schema& at_most(double hi) { return last().max = hi, *this; }
  Schema& range(double lo, double hi) { return at_least(lo).at_most(hi); }
  Schema& one_of(std::vector<std::string> choices) { return last().choices = std::move(choices), *this; }
  Schema& required() { return last().required = true, *this; }
  /// A rule across fields: returns "" when `options` are fine, else what is
  /// wrong with `key` and how to fix it.
  Schema& rule(std::string key, std::function<std::string(const T&)> check) {
    rules_.emplace_back(std::move(key), std::move(check));
    return *this;
  }
  /// A minimal table (TOML body, without `type`) that makes a working
  /// instance quickly; the conformance tests and `describe` use it.
  Schema& example(std::string toml_body) { return example_ = std::move(toml_body), *this; }

  /// Strictly parses a section into options. Throws ConfigError with the
  /// file:line:col of the offending key.
  T parse(const Section& section) const {
    const auto values = resolve_fields(fields_, section);
    T out{};
    for (std::size_t i = 0; i < fields_.size(); ++i) setters_[i](out, values.at(fields_[i].key));
    for (const auto& [key, check] : rules_) {
      const std::string problem = check(out);
      if (!problem.empty())
        throw ConfigError(section.where(key), "[" + section.name() + "] " + key + ": " + problem);
    }
    return out;
  }

  const std::string& doc() const { return doc_; }
  const std::vector<Field>& fields() const { return fields_; }
  const std::string& example() const { return example_; }

 private:
  Field& last() { return fields_.back(); }

  std::string doc_;
  std::string example_;
  std::vector<Field> fields_;
  std::vector<std::function<void(T&, const Value&)>> setters_;
  std::vector<std::pair<std::string, std::function<std::string(const T&)>>> rules_;
};

}  // namespace automl
