#pragma once
// Finds, checks and loads plugin files into a Registry. Loaded libraries stay
// loaded for the life of the PluginHost, which must outlive every component
// the plugins made (declare it first in main()).

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "automl/host/registry.hpp"

namespace automl {

struct LoadedPlugin {
  std::filesystem::path file;
  std::string kind;
  std::string name;
  std::string version;
};

class PluginHost final {
 public:
  explicit PluginHost(Registry& registry);
  ~PluginHost();
  PluginHost(const PluginHost&) = delete;
  PluginHost& operator=(const PluginHost&) = delete;

  /// Loads one plugin file: checks it is a shared object with the entry
  /// symbol, the API version and the build fingerprint, then registers it.
  /// A file already loaded is skipped. Throws PluginError naming the file and
  /// the fix.
  void load_file(const std::filesystem::path& file);
  /// Loads every *.so in a directory (sorted by name); a file is loaded as by
  /// load_file(). A path that is a file is loaded as one.
  void load_path(const std::filesystem::path& path);
  /// The default plugin directory and the entries of AUTOML_PLUGIN_PATH.
  void load_defaults();

  const std::vector<LoadedPlugin>& loaded() const { return loaded_; }
  /// Where the plugins built or installed with this core live.
  static std::filesystem::path builtin_directory();

 private:
  struct Library;
  Registry& registry_;
  std::vector<std::unique_ptr<Library>> libraries_;
  std::vector<LoadedPlugin> loaded_;
};

}  // namespace automl
