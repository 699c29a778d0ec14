// Experiment text -> parsed tables -> options bound by every plugin's schema.

#include "bind.hpp"

#include "automl/error.hpp"
#include "automl/experiment/experiment.hpp"
#include "automl/host/registry.hpp"
#include "support.hpp"

namespace fuzz {

namespace {

void bind(const automl::Experiment& exp) {
  for (const automl::ComponentSpec* spec : exp.components()) {
    const automl::Registered& r = schemas().find(spec->kind, spec->type, spec->type_where);
    automl::resolve_fields(r.doc.fields, spec->section);
  }
}

}  // namespace

void check_experiment(const std::string& text, const std::vector<std::string>& overrides) {
  automl::Experiment exp;
  try {
    exp = automl::parse_experiment(text, "fuzz.toml", "/nonexistent", overrides);
    if (exp.options.name.empty()) exp.options.name = "fuzz";  // as load_experiment names it after the file
    bind(exp);
  } catch (const automl::Error& e) {
    check_message(e, true);
    return;
  }
  const std::string resolved = automl::resolved_toml(exp, schemas());
  automl::Experiment again;
  try {
    again = automl::parse_experiment(resolved, "resolved.toml", "/nonexistent");
    bind(again);
  } catch (const automl::Error& e) {
    fail(std::string("the resolved form of an accepted experiment is rejected: ") + e.what() + "\n" + resolved);
  }
  const std::string twice = automl::resolved_toml(again, schemas());
  if (twice != resolved) fail("resolving the resolved form changes it:\n" + resolved + "\n---\n" + twice);
}

}  // namespace fuzz
