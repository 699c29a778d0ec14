// A plugin whose own code is broken: its register function executes an
// illegal instruction (as corrupted code would). Loading and listing it must
// not run that code; only a command that uses it may crash.

#include "automl/plugin.hpp"

namespace {

void register_components(automl::Registrar&) { __builtin_trap(); }

}  // namespace

AUTOML_PLUGIN(register_components)
