// MNIST (LeCun et al. 1998): 60,000 training and 10,000 test images of
// handwritten digits, 28x28 grey, 10 classes, IDX format (gzipped or not).

#include "automl/data/files.hpp"
#include "automl/data/image_options.hpp"
#include "automl/plugin.hpp"

namespace {

const char* kHint = "the four files from http://yann.lecun.com/exdb/mnist/";

class Mnist final : public automl::data::ImageDataset {
 public:
  struct Options : automl::data::ImageOptions {
    Options() {
      crop_padding = 2;
      flip = false;  // a mirrored digit is another symbol
    }
  };
  static const automl::Schema<Options>& schema() {
    static const auto s = [] {
      automl::Schema<Options> s(
          "MNIST: 60,000 training images carved into train and valid by a seeded shuffle, "
          "10,000 test images; 28x28 grey, 10 classes. IDX files, gzipped or not.");
      automl::data::add_image_fields(s, "Folder with the four IDX files (train-images-idx3-ubyte, ...)", true)
          .example("root = \"data/mnist\"");
      return s;
    }();
    return s;
  }

  Mnist(const Options& o, const automl::Context& ctx)
      : ImageDataset(automl::data::read_mnist_layout(ctx.resolve(o.root), 10, kHint), 10, o.split(), o.transform(),
                     ctx.seed, ctx.resolve(o.root).string()) {}
};

void register_components(automl::Registrar& r) { r.add<Mnist>(); }

}  // namespace

AUTOML_PLUGIN(register_components)
