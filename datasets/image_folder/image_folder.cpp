// image_folder: images in the layout ROOT/<split>/<class>/*.jpg|*.jpeg|*.png
// (torchvision's ImageFolder), from a folder or a .tar, .tar.gz or .zip,
// decoded once into memory; the class index is the folder's position in
// sorted order.

#include "automl/data/image_options.hpp"
#include "automl/plugin.hpp"
#include "reader.hpp"

namespace {

class ImageFolder final : public automl::data::ImageDataset {
 public:
  struct Options : automl::data::ImageOptions {
    std::string train_split = "train";
    std::string test_split = "test";
    int channels = 3;
    std::vector<int> resize;
    std::vector<double> mean, std;
  };
  static const automl::Schema<Options>& schema() {
    static const auto s = [] {
      automl::Schema<Options> s(
          "Images in class folders (torchvision's ImageFolder layout): ROOT/<train_split>/<class>/*.jpg and "
          "ROOT/<test_split>/<class>/*.jpg (or .jpeg, .png), from a folder or straight from a .tar, .tar.gz "
          "or .zip. Classes are the sorted folder names; the training split is carved into train and valid "
          "by a seeded shuffle. Decoded once with TurboJPEG and libpng; normalized by the training split's "
          "per-channel mean and std unless given.");
      automl::data::add_image_fields(s, "Folder or archive (.tar, .tar.gz, .zip) holding the split folders", true)
          .field("train_split", &Options::train_split, "Name of the folder of training images (it holds the class folders)")
          .field("test_split", &Options::test_split, "Name of the folder of test images")
          .field("channels", &Options::channels, "Decode to 3 (RGB) or 1 (grayscale) channels")
          .range(1, 3)
          .field("resize", &Options::resize,
                 "[height, width] every image is resampled to (bilinear); [] requires one size throughout")
          .range(1, 4096)
          .field("mean", &Options::mean, "Per-channel mean of pixels in [0, 1]; [] computes it from the training split")
          .range(0, 1)
          .field("std", &Options::std, "Per-channel standard deviation; [] computes it from the training split")
          .range(1e-6, 1)
          .rule("channels", [](const Options& o) { return o.channels == 2 ? "expected 1 or 3" : ""; })
          .rule("resize", [](const Options& o) {
            return o.resize.empty() || o.resize.size() == 2 ? "" : "expected [] or [height, width]";
          })
          .rule("mean", [](const Options& o) {
            return o.mean.empty() || o.mean.size() == static_cast<std::size_t>(o.channels)
                       ? ""
                       : "expected [] or one value per channel (" + std::to_string(o.channels) + ")";
          })
          .rule("std", [](const Options& o) {
            return o.std.empty() || o.std.size() == static_cast<std::size_t>(o.channels)
                       ? ""
                       : "expected [] or one value per channel (" + std::to_string(o.channels) + ")";
          })
          .rule("test_split", [](const Options& o) {
            return o.test_split == o.train_split ? "the test split must differ from train_split" : "";
          })
          .example("root = \"data/cifar10-jpeg.tar.gz\"\nvalid_count = 5000");
      return s;
    }();
    return s;
  }

  ImageFolder(const Options& o, const automl::Context& ctx) : ImageFolder(o, ctx, read(o, ctx)) {}

 private:
  ImageFolder(const Options& o, const automl::Context& ctx, image_folder::Folder folder)
      : ImageDataset(std::move(folder.train), std::move(folder.test),
                     static_cast<std::int64_t>(folder.classes.size()), o.split(), transform(o), ctx.seed,
                     folder.source) {
    set_class_names(std::move(folder.classes));
  }

  static image_folder::Folder read(const Options& o, const automl::Context& ctx) {
    image_folder::ReadOptions r;
    r.train_split = o.train_split;
    r.test_split = o.test_split;
    r.channels = o.channels;
    r.resize = o.resize;
    return image_folder::read_image_folder(ctx.resolve(o.root), r);
  }

  static automl::data::ImageTransform transform(const Options& o) {
    automl::data::ImageTransform t = o.transform();
    t.mean = o.mean;
    t.std = o.std;
    return t;
  }
};

void register_components(automl::Registrar& r) { r.add<ImageFolder>(); }

}  // namespace

AUTOML_PLUGIN(register_components)
