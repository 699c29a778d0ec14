// An entry whose API version or fingerprint the host must refuse: another
// API version, another compiler and LibTorch, or the same LibTorch version
// built for the other backend (a CPU plugin in a CUDA host, or back).
#define AUTOML_PLUGIN_NAME "bad"
#define AUTOML_PLUGIN_KIND "strategy"
#define AUTOML_PLUGIN_VERSION "0.0.0"
#if defined(BAD_backend)
#include "automl/build_config.hpp"
#if defined(AUTOML_TORCH_BACKEND)
#undef AUTOML_TORCH_BACKEND
#endif
#define AUTOML_TORCH_BACKEND AUTOML_OTHER_BACKEND
#endif
#include "automl/plugin.hpp"

namespace {
void register_nothing(automl::Registrar&) {}

const automl::PluginInfo* bad_info() {
#if defined(BAD_backend)
  static const automl::PluginInfo info{automl::kApiVersion, "strategy", "bad", "0", AUTOML_BUILD_FINGERPRINT,
                                       &register_nothing};
#elif defined(BAD_api)
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
