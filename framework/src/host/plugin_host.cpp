// Loading plugin files: ELF and entry checks, API version and build fingerprint, registration.

#include "automl/host/plugin_host.hpp"

#include <dlfcn.h>
#include <elf.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/dll/shared_library.hpp>

#include "automl/text.hpp"

namespace automl {

namespace fs = std::filesystem;

struct PluginHost::Library {
  boost::dll::shared_library library;
};

namespace {

constexpr const char* kHostFingerprint = AUTOML_BUILD_FINGERPRINT;

bool is_elf(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  return in.gcount() == 4 && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F';
}

// The loader maps a truncated object and crashes on first touch, so check
// that every segment and the section table lie inside the file first.
std::string elf_problem(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  Elf64_Ehdr header{};
  const auto size = static_cast<std::uint64_t>(fs::file_size(file));
  if (!in.read(reinterpret_cast<char*>(&header), sizeof header))
    return "is truncated (shorter than an ELF header)";
  if (header.e_ident[EI_CLASS] != ELFCLASS64 || header.e_type != ET_DYN)
    return "is not a 64-bit shared object";
  if (header.e_shoff + std::uint64_t{header.e_shnum} * header.e_shentsize > size)
    return "is truncated (" + std::to_string(size) + " bytes; its section table ends at byte " +
           std::to_string(header.e_shoff + std::uint64_t{header.e_shnum} * header.e_shentsize) + ")";
  for (int i = 0; i < header.e_phnum; ++i) {
    Elf64_Phdr segment{};
    in.seekg(static_cast<std::streamoff>(header.e_phoff + std::uint64_t(i) * header.e_phentsize));
    if (!in.read(reinterpret_cast<char*>(&segment), sizeof segment)) return "is truncated (program headers)";
    if (segment.p_offset + segment.p_filesz > size) return "is truncated (a segment ends past the file)";
  }
  return "";
}

// Accepts exactly one component, of the plugin's declared kind, under the
// plugin's own name: registration can neither rename nor multiply.
class PluginRegistrar final : public Registrar {
 public:
  PluginRegistrar(Registry& registry, const PluginInfo& info, std::string origin)
      : registry_(registry), info_(info), origin_(std::move(origin)) {}

  void add_dataset(ComponentDoc doc, Maker<Dataset> make) override {
    auto e = entry(Kind::dataset, std::move(doc));
    e.make_dataset = std::move(make);
    registry_.add(std::move(e));
  }
  void add_search_space(ComponentDoc doc, Maker<SearchSpace> make) override {
    auto e = entry(Kind::search_space, std::move(doc));
    e.make_search_space = std::move(make);
    registry_.add(std::move(e));
  }
  void add_strategy(ComponentDoc doc, Maker<Strategy> make) override {
    auto e = entry(Kind::strategy, std::move(doc));
    e.make_strategy = std::move(make);
    registry_.add(std::move(e));
  }
  void add_evaluator(ComponentDoc doc, Maker<Evaluator> make) override {
    auto e = entry(Kind::evaluator, std::move(doc));
    e.make_evaluator = std::move(make);
    registry_.add(std::move(e));
  }
  int added() const { return added_; }

 private:
  Registered entry(Kind kind, ComponentDoc doc) {
    if (kind_name(kind) != std::string(info_.kind))
      throw PluginError(origin_ + ": plugin declares kind '" + info_.kind + "' but registers a " +
                        kind_name(kind) + "; build it with automl_add_plugin(KIND " + kind_name(kind) + " ...)");
    if (++added_ > 1)
      throw PluginError(origin_ + ": registers more than one component; one plugin holds one component");
    Registered e;
    e.kind = kind;
    e.name = info_.name;
    e.origin = origin_;
    e.version = info_.version;
    e.doc = std::move(doc);
    return e;
  }

  Registry& registry_;
  const PluginInfo& info_;
  std::string origin_;
  int added_ = 0;
};

}  // namespace

PluginHost::PluginHost(Registry& registry) : registry_(registry) {}
PluginHost::~PluginHost() = default;

fs::path PluginHost::builtin_directory() {
  // The core library sits in <prefix>/<libdir>; plugins in <libdir>/automl/plugins,
  // both in the build tree and after `cmake --install`.
  const fs::path core = boost::dll::this_line_location().native();
  return core.parent_path() / "automl" / "plugins";
}

void PluginHost::load_file(const fs::path& file) {
  std::error_code ec;
  const fs::path canonical = fs::weakly_canonical(file, ec);
  const fs::path path = ec ? file : canonical;
  for (const auto& p : loaded_)
    if (p.file == path) return;
  const std::string where = "plugin file " + path.string();
  if (!fs::exists(path))
    throw PluginError(where + " does not exist. Check `plugin_paths` in [experiment] and AUTOML_PLUGIN_PATH.");
  if (!fs::is_regular_file(path))
    throw PluginError(where + " is not a regular file.");
  if (!is_elf(path))
    throw PluginError(where + " is not a shared object (no ELF header). Plugin folders may only hold "
                      "plugins built with automl_add_plugin(); move other files elsewhere.");

  if (const std::string problem = elf_problem(path); !problem.empty())
    throw PluginError(where + " " + problem + ". Rebuild or reinstall the plugin.");
  auto lib = std::make_unique<Library>();
  try {
    // RTLD_NODELETE keeps the code mapped for the life of the process, whatever
    // order the host's objects are destroyed in.
    const auto mode = boost::dll::load_mode::rtld_now | static_cast<boost::dll::load_mode::type>(RTLD_NODELETE);
    lib->library.load(boost::dll::fs::path(path.native()), mode);
  } catch (const std::exception& e) {
    throw PluginError(where + " cannot be loaded: " + e.what() +
                      ". Rebuild it against this automl installation.");
  }
  if (!lib->library.has("automl_plugin"))
    throw PluginError(where + " has no `automl_plugin` entry symbol: it is not an automl plugin. Build it "
                      "with automl_add_plugin() and end one source file with AUTOML_PLUGIN(register_function).");
  const PluginInfo* info = lib->library.get_alias<PluginEntry>("automl_plugin")();
  if (info == nullptr) throw PluginError(where + ": its entry returned no plugin information.");
  if (info->api_version != kApiVersion)
    throw PluginError(where + " was built for plugin API version " + std::to_string(info->api_version) +
                      "; this automl supports version " + std::to_string(kApiVersion) +
                      ". Rebuild the plugin against this automl.");
  if (std::string(info->fingerprint) != kHostFingerprint)
    throw PluginError(where + " was built with '" + info->fingerprint + "' but this automl with '" +
                      kHostFingerprint + "'. Rebuild the plugin with the same compiler and LibTorch.");

  PluginRegistrar registrar(registry_, *info, path.string());
  info->register_components(registrar);
  if (registrar.added() != 1)
    throw PluginError(where + ": its register function added no component; call r.add<YourClass>().");
  loaded_.push_back({path, info->kind, info->name, info->version});
  libraries_.push_back(std::move(lib));
}

void PluginHost::load_path(const fs::path& path) {
  if (!fs::is_directory(path)) return load_file(path);
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(path))
    if (entry.path().extension() == ".so") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) load_file(f);
}

void PluginHost::load_defaults() {
  const fs::path builtin = builtin_directory();
  if (fs::is_directory(builtin)) load_path(builtin);
  if (const char* env = std::getenv("AUTOML_PLUGIN_PATH")) {
    for (const auto& part : split(env, ':')) {
      if (part.empty()) continue;
      if (!fs::exists(part))
        throw PluginError("AUTOML_PLUGIN_PATH names '" + part + "', which does not exist. Fix or unset the variable.");
      load_path(part);
    }
  }
}

}  // namespace automl
