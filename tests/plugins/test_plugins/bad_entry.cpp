// An entry whose API version or fingerprint the host must refuse.
#define AUTOML_PLUGIN_NAME "bad"
#define AUTOML_PLUGIN_KIND "strategy"
#define AUTOML_PLUGIN_VERSION "0.0.0"
#include "automl/plugin.hpp"

namespace {
void register_nothing(automl::Registrar&) {}

const automl::PluginInfo* bad_info() {
#if defined(BAD_api)
  static const automl::PluginInfo info{automl::kApiVersion + 98, "strategy", "bad", "0", AUTOML_BUILD_FINGERPRINT,
                                       &register_nothing};
#else
  static const automl::PluginInfo info{automl::kApiVersion, "strategy", "bad", "0", "gcc-0.0 libtorch-0.0 cxx11abi-0",
                                       &register_nothing};
#endif
  return &info;
}
}  // namespace

BOOST_DLL_ALIAS(bad_info, automl_plugin)
