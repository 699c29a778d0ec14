// CIFAR-100, binary version: train.bin (50,000 images) and test.bin (10,000),
// records of a coarse label byte, a fine label byte and 3,072 pixel bytes.
// Read from the extracted folder or cifar-100-binary.tar.gz.

#include "automl/data/files.hpp"
#include "automl/data/image_options.hpp"
#include "automl/plugin.hpp"

namespace {

const char* kHint = "the binary version, cifar-100-binary.tar.gz, from https://www.cs.toronto.edu/~kriz/cifar.html";

class Cifar100 final : public automl::data::ImageDataset {
 public:
  struct Options : automl::data::ImageOptions {
    std::string labels = "fine";
    bool official_sizes = true;
  };
  static const automl::Schema<Options>& schema() {
    static const auto s = [] {
      automl::Schema<Options> s(
          "CIFAR-100 (binary version): 50,000 training images carved into train and valid by a seeded "
          "shuffle, 10,000 test images; 32x32 RGB, 100 fine or 20 coarse classes.");
      automl::data::add_image_fields(s, "Folder with train.bin and test.bin, or cifar-100-binary.tar.gz", true)
          .field("labels", &Options::labels, "Which labels: 100 fine classes or 20 coarse superclasses")
          .one_of({"fine", "coarse"})
          .field("official_sizes", &Options::official_sizes,
                 "Require the files' official record counts (50,000 and 10,000); false accepts smaller files "
                 "you cut yourself")
          .example("root = \"data/cifar-100-binary\"");
      return s;
    }();
    return s;
  }

  Cifar100(const Options& o, const automl::Context& ctx)
      : ImageDataset(read(ctx.resolve(o.root), o.labels, o.official_sizes), classes(o.labels), o.split(), o.transform(), ctx.seed,
                     ctx.resolve(o.root).string()) {}

 private:
  using Sets = std::pair<automl::data::ImageSet, automl::data::ImageSet>;

  static std::int64_t classes(const std::string& labels) { return labels == "fine" ? 100 : 20; }

  static Sets read(const std::filesystem::path& root, const std::string& labels, bool official_sizes) {
    const auto files = automl::data::read_named_files(root, {"train.bin", "test.bin"}, kHint);
    const int label_index = labels == "fine" ? 1 : 0;
    Sets sets;
    automl::data::parse_cifar(files[0].bytes, files[0].where, 2, label_index, classes(labels),
                              official_sizes ? 50000 : 0, sets.first);
    automl::data::parse_cifar(files[1].bytes, files[1].where, 2, label_index, classes(labels),
                              official_sizes ? 10000 : 0, sets.second);
    return sets;
  }
};

void register_components(automl::Registrar& r) { r.add<Cifar100>(); }

}  // namespace

AUTOML_PLUGIN(register_components)
