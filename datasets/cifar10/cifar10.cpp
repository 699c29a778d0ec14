// CIFAR-10, binary version: data_batch_1..5.bin (50,000 training images) and
// test_batch.bin (10,000), records of 1 label byte + 3,072 pixel bytes (R, G,
// B planes of 32x32). Read from the extracted folder or cifar-10-binary.tar.gz.

#include "automl/data/files.hpp"
#include "automl/data/image_options.hpp"
#include "automl/plugin.hpp"

namespace {

const char* kHint = "the binary version, cifar-10-binary.tar.gz, from https://www.cs.toronto.edu/~kriz/cifar.html";

class Cifar10 final : public automl::data::ImageDataset {
 public:
  struct Options : automl::data::ImageOptions {
    bool official_sizes = true;
  };
  static const automl::Schema<Options>& schema() {
    static const auto s = [] {
      automl::Schema<Options> s(
          "CIFAR-10 (binary version): 50,000 training images carved into train and valid by a seeded "
          "shuffle, 10,000 test images; 32x32 RGB, 10 classes. Normalized by the training file's "
          "per-channel mean and std.");
      automl::data::add_image_fields(s, "Folder with data_batch_1.bin ... test_batch.bin, or cifar-10-binary.tar.gz", true)
          .field("official_sizes", &Options::official_sizes,
                 "Require each file's official record count (10,000); false accepts smaller files you cut yourself")
          .example("root = \"data/cifar-10-batches-bin\"");
      return s;
    }();
    return s;
  }

  Cifar10(const Options& o, const automl::Context& ctx)
      : ImageDataset(read(ctx.resolve(o.root), o.official_sizes), 10, o.split(), o.transform(), ctx.seed, ctx.resolve(o.root).string()) {}

 private:
  using Sets = std::pair<automl::data::ImageSet, automl::data::ImageSet>;

  // One read of the folder or archive: the five training batches, then the test batch.
  static Sets read(const std::filesystem::path& root, bool official_sizes) {
    const auto files = automl::data::read_named_files(
        root, {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin",
               "test_batch.bin"},
        kHint);
    Sets sets;
    for (std::size_t i = 0; i < files.size(); ++i)
      automl::data::parse_cifar(files[i].bytes, files[i].where, 1, 0, 10, official_sizes ? 10000 : 0,
                                i < 5 ? sets.first : sets.second);
    return sets;
  }
};

void register_components(automl::Registrar& r) { r.add<Cifar10>(); }

}  // namespace

AUTOML_PLUGIN(register_components)
