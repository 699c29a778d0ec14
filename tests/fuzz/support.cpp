// Shared checks of the fuzz targets and the schema registry they bind against.

#include "support.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

#include "automl/error.hpp"
#include "automl/host/registry.hpp"

namespace fuzz {

void fail(const std::string& what) {
  std::fprintf(stderr, "fuzz finding: %s\n", what.c_str());
  std::abort();
}

void check_message(const automl::Error& e, bool placed) {
  const std::string message = e.what();
  // Long enough for a message that quotes a few truncated inputs, far below
  // what an unbounded echo of a fuzz input gives.
  if (message.size() > 8192) fail("a " + std::to_string(message.size()) + "-byte error message");
  for (char c : message)
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\n') || c == 0x7f)
      fail("a raw control character " + std::to_string(static_cast<int>(c)) + " in: " + message.substr(0, 400));
  if (const auto* config = dynamic_cast<const automl::ConfigError*>(&e); placed && config && !config->located())
    fail("a ConfigError without a place: " + message.substr(0, 400));
}

namespace {

automl::ValueType value_type(const std::string& name) {
  using automl::ValueType;
  for (ValueType t : {ValueType::boolean, ValueType::integer, ValueType::real, ValueType::string,
                      ValueType::integer_list, ValueType::real_list, ValueType::string_list})
    if (automl::type_name(t) == name) return t;
  fail("schema file: unknown type '" + name + "'");
}

automl::Value value_of(automl::ValueType type, const nlohmann::json& j) {
  using automl::ValueType;
  switch (type) {
    case ValueType::boolean: return j.get<bool>();
    case ValueType::integer: return j.get<std::int64_t>();
    case ValueType::real: return j.get<double>();
    case ValueType::string: return j.get<std::string>();
    case ValueType::integer_list: return j.get<std::vector<std::int64_t>>();
    case ValueType::real_list: return j.get<std::vector<double>>();
    case ValueType::string_list: return j.get<std::vector<std::string>>();
  }
  fail("schema file: bad value");
}

automl::Registered entry(const nlohmann::json& c, automl::Kind kind) {
  automl::Registered r;
  r.kind = kind;
  r.name = c.at("name").get<std::string>();
  r.origin = c.at("origin").get<std::string>();
  r.version = c.at("version").get<std::string>();
  r.doc.doc = c.at("doc").get<std::string>();
  r.doc.example = c.at("example").get<std::string>();
  for (const auto& f : c.at("fields")) {
    automl::Field field;
    field.key = f.at("key").get<std::string>();
    field.type = value_type(f.at("type").get<std::string>());
    field.doc = f.at("doc").get<std::string>();
    field.required = f.at("required").get<bool>();
    if (f.contains("default")) field.default_value = value_of(field.type, f.at("default"));
    if (f.contains("min")) field.min = f.at("min").get<double>();
    if (f.contains("max")) field.max = f.at("max").get<double>();
    if (f.contains("type_min")) field.type_min = f.at("type_min").get<double>();
    if (f.contains("type_max")) field.type_max = f.at("type_max").get<double>();
    if (f.contains("choices")) field.choices = f.at("choices").get<std::vector<std::string>>();
    r.doc.fields.push_back(std::move(field));
  }
  return r;
}

std::unique_ptr<automl::Registry> load_schemas() {
  const char* env = std::getenv("AUTOML_FUZZ_SCHEMAS");
  const std::string file = env && *env ? env : AUTOML_FUZZ_SCHEMAS_DEFAULT;
  std::ifstream in(file);
  if (!in) fail("cannot read the schema file " + file + " (write it with `automl describe --json`)");
  const nlohmann::json all = nlohmann::json::parse(in);
  if (all.at("format").get<int>() != 1) fail(file + ": schema format " + all.at("format").dump() + ", expected 1");
  auto registry = std::make_unique<automl::Registry>();
  std::size_t count = 0;
  for (const auto& c : all.at("components")) {
    automl::Kind kind;
    if (!automl::kind_from_name(c.at("kind").get<std::string>(), kind)) fail(file + ": unknown kind " + c.at("kind").dump());
    registry->add(entry(c, kind), {});
    ++count;
  }
  if (count == 0) fail(file + " lists no plugins");
  return registry;
}

}  // namespace

const automl::Registry& schemas() {
  static const std::unique_ptr<automl::Registry> registry = load_schemas();
  return *registry;
}

}  // namespace fuzz
