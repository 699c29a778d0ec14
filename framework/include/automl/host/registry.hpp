#pragma once
// The host's registry of components, one table per kind, filled by the plugin
// host. Lookups that fail list every registered name of that kind and the
// nearest match.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "automl/plugin.hpp"

namespace automl {

/// Every kind, in the order of the enum.
inline constexpr Kind kAllKinds[] = {Kind::dataset, Kind::search_space, Kind::strategy, Kind::evaluator};
/// The kind named `word` (as kind_name spells it); false when it names none.
bool kind_from_name(const std::string& word, Kind& kind);

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

/// What `automl list` shows of an entry: known without running plugin code.
struct Listed {
  Kind kind = Kind::strategy;
  std::string name;
  std::string origin;
  std::string version;
};

class Registry final {
 public:
  /// Fills in an entry's documentation and makers (a plugin's registration).
  using Completion = std::function<void(Registered&)>;

  /// Adds an entry; throws PluginError naming both origins when the name is
  /// already registered for that kind. With `complete`, the entry holds only
  /// kind, name, origin and version until its first lookup (find, try_find)
  /// calls complete: a plugin's own code runs only when it is used, so one
  /// that crashes harms only the commands that use it. Lookups complete
  /// entries under a lock; completion errors propagate to the lookup.
  void add(Registered entry, Completion complete = nullptr);

  /// The entry, or ConfigError at `where` listing the registered names and
  /// the nearest one.
  const Registered& find(Kind kind, const std::string& name, const Location& where) const;
  const Registered* try_find(Kind kind, const std::string& name) const;
  /// The entries of one kind, sorted by name, without completing them.
  std::vector<Listed> list(Kind kind) const;

  /// Builds a component; `where` is the location of its `type` key.
  template <class I>
  std::unique_ptr<I> make(const std::string& name, const Section& section, const Context& ctx,
                          const Location& where) const;

 private:
  struct Slot {
    Registered entry;
    Completion complete;  ///< cleared once it ran
    std::string failure;  ///< what the completion threw; lookups throw it again
  };
  mutable std::mutex mutex_;
  mutable std::map<std::pair<Kind, std::string>, Slot> entries_;
};

}  // namespace automl
