// Fashion-MNIST (Xiao et al. 2017): 60,000 training and 10,000 test images of
// clothing, 28x28 grey, 10 classes, in MNIST's IDX format. Defaults to the
// Debian package dataset-fashion-mnist, so it works offline.

#include "automl/data/files.hpp"
#include "automl/data/image_options.hpp"
#include "automl/plugin.hpp"

namespace {

const char* kHint = "install the Debian package dataset-fashion-mnist, or get the files from "
        "https://github.com/zalandoresearch/fashion-mnist";

class FashionMnist final : public automl::data::ImageDataset {
 public:
  struct Options : automl::data::ImageOptions {
    Options() {
      root = "/usr/share/datasets/fashion-mnist";
      crop_padding = 2;
    }
  };
  static const automl::Schema<Options>& schema() {
    static const auto s = [] {
      automl::Schema<Options> s(
          "Fashion-MNIST: 60,000 training images carved into train and valid by a seeded shuffle, "
          "10,000 test images; 28x28 grey, 10 classes. IDX files, gzipped or not.");
      automl::data::add_image_fields(
          s, "Folder with the four IDX files (default: the Debian package dataset-fashion-mnist)", false)
          .example("");
      return s;
    }();
    return s;
  }

  FashionMnist(const Options& o, const automl::Context& ctx)
      : ImageDataset(automl::data::read_mnist_layout(ctx.resolve(o.root), 10, kHint), 10, o.split(), o.transform(),
                     ctx.seed, ctx.resolve(o.root).string()) {}
};

void register_components(automl::Registrar& r) { r.add<FashionMnist>(); }

}  // namespace

AUTOML_PLUGIN(register_components)
