#pragma once
// The plugin ABI. A plugin is a shared object exporting one Boost.DLL alias,
// `automl_plugin`, to a function returning its PluginInfo. The host reads
// api_version first, then compares the build fingerprint, and only then calls
// register_components() with a Registrar that accepts exactly one component
// of the plugin's kind under the plugin's name (its folder's name).
//
//   namespace { void register_components(automl::Registrar& r) { r.add<RandomSearch>(); } }
//   AUTOML_PLUGIN(register_components)
//
// AUTOML_PLUGIN_NAME, _KIND and _VERSION are defined by automl_add_plugin().
// Plugins stay loaded for the life of the process, so the objects they make
// never outlive their code.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include <boost/dll/alias.hpp>

#include "automl/context.hpp"
#include "automl/dataset.hpp"
#include "automl/evaluator.hpp"
#include "automl/params.hpp"
#include "automl/search_space.hpp"
#include "automl/strategy.hpp"

namespace automl {

/// Bumped whenever an interface in this directory changes incompatibly.
inline constexpr std::uint32_t kApiVersion = 9;

#define AUTOML_STR_(x) #x
#define AUTOML_STR(x) AUTOML_STR_(x)
#if defined(__clang__)
#define AUTOML_COMPILER_ID "clang-" AUTOML_STR(__clang_major__) "." AUTOML_STR(__clang_minor__)
#elif defined(__GNUC__)
#define AUTOML_COMPILER_ID "gcc-" AUTOML_STR(__GNUC__) "." AUTOML_STR(__GNUC_MINOR__)
#else
#define AUTOML_COMPILER_ID "unknown-compiler"
#endif
// The LibTorch version automl was built with (a generated header, installed
// beside this one), so that a plugin compiled with pkg-config's flags alone
// carries it too.
#if __has_include("automl/build_config.hpp")
#include "automl/build_config.hpp"
#endif
#ifndef AUTOML_TORCH_VERSION
#define AUTOML_TORCH_VERSION "none"
#endif
#ifndef AUTOML_TORCH_BACKEND
#define AUTOML_TORCH_BACKEND "cpu"
#endif
/// Compiler, LibTorch version and backend (cpu or cuda) and C++ ABI of the
/// translation unit that expands it; host and plugin must agree exactly.
#define AUTOML_BUILD_FINGERPRINT                                                                        \
  AUTOML_COMPILER_ID " libtorch-" AUTOML_TORCH_VERSION "-" AUTOML_TORCH_BACKEND " cxx11abi-" AUTOML_STR( \
      _GLIBCXX_USE_CXX11_ABI)

enum class Kind { dataset, search_space, strategy, evaluator };
/// "dataset", "search_space", "strategy", "evaluator".
const char* kind_name(Kind kind);

template <class I>
using Maker = std::function<std::unique_ptr<I>(const Section&, const Context&)>;

/// What `automl describe` shows and the conformance tests use.
struct ComponentDoc {
  std::string doc;
  std::vector<Field> fields;
  std::string example;  ///< minimal TOML body that builds a working instance
};

class Registrar {
 public:
  /// Registers Impl, which derives from one of the four interfaces, has a
  /// nested Options struct, a static `const Schema<Options>& schema()` and a
  /// constructor Impl(const Options&, const Context&).
  template <class Impl>
  void add() {
    const auto& schema = Impl::schema();
    ComponentDoc doc{schema.doc(), schema.fields(), schema.example()};
    auto make = [](const Section& s, const Context& c) {
      return std::make_unique<Impl>(Impl::schema().parse(s), c);
    };
    if constexpr (std::is_base_of_v<Dataset, Impl>) add_dataset(std::move(doc), make);
    else if constexpr (std::is_base_of_v<SearchSpace, Impl>) add_search_space(std::move(doc), make);
    else if constexpr (std::is_base_of_v<Strategy, Impl>) add_strategy(std::move(doc), make);
    else {
      static_assert(std::is_base_of_v<Evaluator, Impl>, "Impl must implement an automl interface");
      add_evaluator(std::move(doc), make);
    }
  }

  virtual void add_dataset(ComponentDoc doc, Maker<Dataset> make) = 0;
  virtual void add_search_space(ComponentDoc doc, Maker<SearchSpace> make) = 0;
  virtual void add_strategy(ComponentDoc doc, Maker<Strategy> make) = 0;
  virtual void add_evaluator(ComponentDoc doc, Maker<Evaluator> make) = 0;

 protected:
  ~Registrar() = default;
};

/// Returned by a plugin's entry. api_version stays the first member forever.
struct PluginInfo {
  std::uint32_t api_version;
  const char* kind;
  const char* name;
  const char* version;
  const char* fingerprint;
  void (*register_components)(Registrar&);
};

using PluginEntry = const PluginInfo*();

}  // namespace automl

/// Exports the plugin's entry. Use once per plugin, at namespace scope.
#define AUTOML_PLUGIN(register_function)                                              \
  namespace {                                                                         \
  const ::automl::PluginInfo* automl_plugin_info_() {                                \
    static const ::automl::PluginInfo info{::automl::kApiVersion, AUTOML_PLUGIN_KIND, \
                                           AUTOML_PLUGIN_NAME, AUTOML_PLUGIN_VERSION, \
                                           AUTOML_BUILD_FINGERPRINT, &register_function}; \
    return &info;                                                                     \
  }                                                                                   \
  }                                                                                   \
  BOOST_DLL_ALIAS(automl_plugin_info_, automl_plugin)
