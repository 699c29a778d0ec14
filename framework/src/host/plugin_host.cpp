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

#if defined(__x86_64__)
constexpr std::uint16_t kHostMachine = EM_X86_64;
#elif defined(__aarch64__)
constexpr std::uint16_t kHostMachine = EM_AARCH64;
#else
constexpr std::uint16_t kHostMachine = EM_NONE;  // not checked
#endif

std::string machine_name(std::uint16_t machine) {
  switch (machine) {
    case EM_X86_64: return "x86-64";
    case EM_AARCH64: return "aarch64";
    case EM_386: return "x86 (32-bit)";
    case EM_ARM: return "arm (32-bit)";
    case EM_RISCV: return "riscv";
    case EM_PPC64: return "ppc64";
    case EM_S390: return "s390x";
    default: return "ELF machine " + std::to_string(machine);
  }
}

// The loader maps a truncated object and crashes on first touch, so check
// that every segment and the section table lie inside the file first.
std::string elf_problem(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  Elf64_Ehdr header{};
  const auto size = static_cast<std::uint64_t>(fs::file_size(file));
  if (!in.read(reinterpret_cast<char*>(&header), sizeof header))
    return "is truncated (shorter than an ELF header)";
  if (header.e_ident[EI_CLASS] != ELFCLASS64) return "is not a 64-bit shared object";
  if (kHostMachine != EM_NONE && header.e_machine != kHostMachine)
    return "was built for " + machine_name(header.e_machine) + ", but this host is " + machine_name(kHostMachine);
  if (header.e_type != ET_DYN) return "is not a 64-bit shared object";
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
// plugin's own name, into the registry entry made from its PluginInfo:
// registration can neither rename nor multiply.
class PluginRegistrar final : public Registrar {
 public:
  PluginRegistrar(Registered& entry, std::string declared_kind)
      : entry_(entry), declared_kind_(std::move(declared_kind)) {}

  void add_dataset(ComponentDoc doc, Maker<Dataset> make) override {
    accept(Kind::dataset, std::move(doc)).make_dataset = std::move(make);
  }
  void add_search_space(ComponentDoc doc, Maker<SearchSpace> make) override {
    accept(Kind::search_space, std::move(doc)).make_search_space = std::move(make);
  }
  void add_strategy(ComponentDoc doc, Maker<Strategy> make) override {
    accept(Kind::strategy, std::move(doc)).make_strategy = std::move(make);
  }
  void add_evaluator(ComponentDoc doc, Maker<Evaluator> make) override {
    accept(Kind::evaluator, std::move(doc)).make_evaluator = std::move(make);
  }
  int added() const { return added_; }

 private:
  Registered& accept(Kind kind, ComponentDoc doc) {
    if (kind_name(kind) != declared_kind_)
      throw PluginError(entry_.origin + ": plugin declares kind '" + declared_kind_ + "' but registers a " +
                        kind_name(kind) + "; build it with automl_add_plugin(KIND " + kind_name(kind) + " ...)");
    if (++added_ > 1)
      throw PluginError(entry_.origin + ": registers more than one component; one plugin holds one component");
    entry_.doc = std::move(doc);
    return entry_;
  }

  Registered& entry_;
  std::string declared_kind_;
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

  Registered entry;
  if (!kind_from_name(info->kind, entry.kind))
    throw PluginError(where + " declares the unknown kind '" + printable(info->kind) +
                      "'; kinds: dataset, search_space, strategy, evaluator");
  entry.name = info->name;
  entry.origin = path.string();
  entry.version = info->version;
  // The plugin's own code (its register function, its schemas) runs only
  // when the component is first looked up; listing it needs none of it.
  const std::string declared_kind = info->kind;
  auto* const register_components = info->register_components;
  registry_.add(std::move(entry), [register_components, declared_kind, where](Registered& e) {
    PluginRegistrar registrar(e, declared_kind);
    register_components(registrar);
    if (registrar.added() != 1)
      throw PluginError(where + ": its register function added no component; call r.add<YourClass>().");
  });
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
