#pragma once
// The host's registry of components, one table per kind, filled by the plugin
// host. Lookups that fail list every registered name of that kind and the
// nearest match.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "automl/plugin.hpp"

namespace automl {

struct Registered {
  Kind kind = Kind::strategy;
  std::string name;
  std::string origin;   ///< the plugin file it came from
  std::string version;  ///< the plugin's version
  ComponentDoc doc;
  Maker<Dataset> make_dataset;
  Maker<SearchSpace> make_search_space;
  Maker<Strategy> make_strategy;
  Maker<Evaluator> make_evaluator;
};

class Registry final {
 public:
  /// Adds an entry; throws PluginError naming both origins when the name is
  /// already registered for that kind.
  void add(Registered entry);

  /// The entry, or ConfigError at `where` listing the registered names and
  /// the nearest one.
  const Registered& find(Kind kind, const std::string& name, const Location& where) const;
  const Registered* try_find(Kind kind, const std::string& name) const;
  /// Registered entries of one kind, sorted by name.
  std::vector<const Registered*> list(Kind kind) const;

  /// Builds a component; `where` is the location of its `type` key.
  template <class I>
  std::unique_ptr<I> make(const std::string& name, const Section& section, const Context& ctx,
                          const Location& where) const;

 private:
  std::map<std::pair<Kind, std::string>, Registered> entries_;
};

}  // namespace automl
