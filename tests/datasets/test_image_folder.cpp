// image_folder on small trees the test writes (JPEG and PNG, folder and
// .tar.gz, corrupt and inconsistent variants) and on the real CIFAR-10 JPEG
// copy in shared/ when it is there.

#include <boost/test/unit_test.hpp>

#include <png.h>
#include <turbojpeg.h>

#include <ATen/ATen.h>

#include <chrono>

#include "automl/data/tensor_data.hpp"
#include "reader.hpp"
#include "test_support.hpp"

namespace image_folder {
namespace {

namespace fs = std::filesystem;

std::vector<std::uint8_t> flat(int h, int w, std::uint8_t r, std::uint8_t g, std::uint8_t b) {
  std::vector<std::uint8_t> rgb;
  for (int i = 0; i < h * w; ++i) rgb.insert(rgb.end(), {r, g, b});
  return rgb;
}

std::string jpeg(int h, int w, std::uint8_t r, std::uint8_t g, std::uint8_t b) {
  const auto rgb = flat(h, w, r, g, b);
  tjhandle tj = tjInitCompress();
  unsigned char* out = nullptr;
  unsigned long size = 0;
  BOOST_REQUIRE(tjCompress2(tj, rgb.data(), w, 0, h, TJPF_RGB, &out, &size, TJSAMP_444, 95, 0) == 0);
  std::string bytes(reinterpret_cast<const char*>(out), size);
  tjFree(out);
  tjDestroy(tj);
  return bytes;
}

std::string png(int h, int w, std::uint8_t r, std::uint8_t g, std::uint8_t b) {
  const auto rgb = flat(h, w, r, g, b);
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(w);
  image.height = static_cast<png_uint_32>(h);
  image.format = PNG_FORMAT_RGB;
  png_alloc_size_t size = 0;
  BOOST_REQUIRE(png_image_write_to_memory(&image, nullptr, &size, 0, rgb.data(), 0, nullptr));
  std::string bytes(size, '\0');
  BOOST_REQUIRE(png_image_write_to_memory(&image, bytes.data(), &size, 0, rgb.data(), 0, nullptr));
  bytes.resize(size);
  return bytes;
}

// ROOT/{train,test}/{cat,dog}: cats red JPEGs, dogs blue PNGs, 8x6 pixels;
// 3 + 2 training images per class... 3 cats, 2 dogs in train; 1 each in test.
fs::path small_tree(const std::string& name) {
  const auto root = automl::test::scratch_dir(name) / "pets";
  for (const char* split : {"train", "test"})
    for (const char* cls : {"cat", "dog"}) fs::create_directories(root / split / cls);
  for (int i = 0; i < 3; ++i) automl::test::write_file(root / "train/cat" / ("c" + std::to_string(i) + ".jpg"), jpeg(8, 6, 200, 20, 20));
  for (int i = 0; i < 2; ++i) automl::test::write_file(root / "train/dog" / ("d" + std::to_string(i) + ".png"), png(8, 6, 10, 20, 250));
  automl::test::write_file(root / "test/cat/t.JPEG", jpeg(8, 6, 200, 20, 20));
  automl::test::write_file(root / "test/dog/t.png", png(8, 6, 10, 20, 250));
  automl::test::write_file(root / "train/README.txt", "not an image: passed over");
  return root;
}

fs::path tar_gz(const fs::path& root) {
  const auto archive = root.parent_path() / (root.filename().string() + ".tar.gz");
  const std::string tar = "tar -czf " + archive.string() + " -C " + root.parent_path().string() + " " +
                          root.filename().string();
  BOOST_REQUIRE(std::system(tar.c_str()) == 0);
  return archive;
}

std::string body(const fs::path& root, const std::string& extra = "") {
  return "type = \"image_folder\"\nvalid_count = 1\nroot = \"" + root.string() + "\"\n" + extra;
}

std::string error_for(const fs::path& root, const std::string& extra = "") {
  automl::test::Plugins p;
  return automl::test::error_of([&] { automl::test::make_dataset(p.registry, body(root, extra)); });
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace
}  // namespace image_folder

BOOST_AUTO_TEST_SUITE(image_folder)

BOOST_AUTO_TEST_CASE(jpeg_and_png_from_folder_and_archive) {
  automl::test::Plugins p;
  const auto root = small_tree("if_ok");
  const auto folder = automl::test::make_dataset(p.registry, body(root));
  const auto info = folder->info();
  BOOST_TEST(info.shape == std::vector<std::int64_t>({3, 8, 6}));
  BOOST_TEST(info.classes == 2);
  BOOST_TEST(info.class_names == std::vector<std::string>({"cat", "dog"}));
  BOOST_TEST(info.splits[0].size + info.splits[1].size == 5);
  BOOST_TEST(info.splits[1].size == 1);
  BOOST_TEST(info.splits[2].size == 2);
  BOOST_TEST(info.splits[2].per_class == std::vector<std::int64_t>({1, 1}));
  // Mean of red over the training images: 3 cats at ~200, 2 dogs at 10 (PNG, exact).
  BOOST_TEST(std::abs(info.mean[0] * 255 - (3 * 200.0 + 2 * 10.0) / 5) < 2.0);
  const auto packed = automl::test::make_dataset(p.registry, body(tar_gz(root)));
  automl::LoaderOptions o;
  o.batch_size = 2;
  o.shuffle = false;
  automl::Batch a, b;
  BOOST_REQUIRE(folder->tensors()->stream(automl::Split::test, o, 0)->next(a));
  BOOST_REQUIRE(packed->tensors()->stream(automl::Split::test, o, 0)->next(b));
  BOOST_TEST(packed->info().mean == info.mean);
  BOOST_TEST(packed->info().splits[1].per_class == info.splits[1].per_class);
  BOOST_TEST(a.inputs.equal(b.inputs), a.inputs - b.inputs);
  BOOST_TEST(a.targets[0].item<std::int64_t>() == 0);  // cat (sorted first)
  BOOST_TEST(a.targets[1].item<std::int64_t>() == 1);  // dog
  // The dog's blue channel, un-normalized, is the PNG's 250 exactly.
  const double blue = (a.inputs[1][2][0][0].item<double>() * info.std[2] + info.mean[2]) * 255;
  BOOST_TEST(std::lround(blue) == 250);
}

BOOST_AUTO_TEST_CASE(grayscale_resize_and_given_statistics) {
  automl::test::Plugins p;
  const auto root = small_tree("if_gray");
  const auto ds = automl::test::make_dataset(
      p.registry, body(root, "channels = 1\nresize = [4, 3]\nmean = [0.5]\nstd = [0.25]\n"));
  BOOST_TEST(ds->info().shape == std::vector<std::int64_t>({1, 4, 3}));
  const auto wrong = error_for(root, "channels = 1\nmean = [0.5, 0.5, 0.5]\n");
  BOOST_TEST(has(wrong, "[dataset] mean: expected [] or one value per channel (1)"), wrong);
}

BOOST_AUTO_TEST_CASE(bad_trees_get_clear_errors) {
  // A corrupt image, named inside the archive.
  auto root = small_tree("if_corrupt");
  automl::test::write_file(root / "train/dog/d1.png", png(8, 6, 1, 2, 3).substr(0, 40));
  const auto corrupt = error_for(tar_gz(root));
  BOOST_TEST(has(corrupt, "pets.tar.gz: pets/train/dog/d1.png"), corrupt);
  BOOST_TEST(has(corrupt, "corrupt or truncated"), corrupt);
  automl::test::write_file(root / "train/dog/d1.png", "hello");
  const auto text = error_for(root);
  BOOST_TEST(has(text, "train/dog/d1.png: neither a JPEG nor a PNG"), text);
  // A class missing from the test split.
  root = small_tree("if_missing");
  fs::remove_all(root / "test/dog");
  const auto missing = error_for(root);
  BOOST_TEST(has(missing, "the class folder 'dog' of the train split is missing from the test split"), missing);
  // An empty class folder.
  root = small_tree("if_empty");
  fs::create_directories(root / "test/bird");
  const auto empty = error_for(root);
  BOOST_TEST(has(empty, "test/bird: the class folder holds no images"), empty);
  // Mixed sizes, unless resize says to what.
  root = small_tree("if_mixed");
  automl::test::write_file(root / "train/cat/big.jpg", jpeg(16, 12, 1, 2, 3));
  const auto mixed = error_for(root);
  BOOST_TEST(has(mixed, "train/cat/c0.jpg is 8 x 6 pixels, but"), mixed);
  BOOST_TEST(has(mixed, "train/cat/big.jpg is 16 x 12;"), mixed);
  BOOST_TEST(has(mixed, "set [dataset] resize = [height, width]"), mixed);
  automl::test::Plugins p;
  BOOST_TEST(automl::test::make_dataset(p.registry, body(root, "resize = [8, 6]\n"))->info().splits[0].size == 5);
  // An image beside the class folders.
  root = small_tree("if_loose");
  automl::test::write_file(root / "test/loose.png", png(8, 6, 1, 2, 3));
  const auto loose = error_for(root);
  BOOST_TEST(has(loose, "test/loose.png is not inside a class folder; expected test/<class>/<image>"), loose);
  // No split folders at all.
  const auto flat_dir = automl::test::scratch_dir("if_flat");
  automl::test::write_file(flat_dir / "a" / "x.jpg", jpeg(2, 2, 0, 0, 0));
  const auto none = error_for(flat_dir);
  BOOST_TEST(has(none, "no images (.jpg, .jpeg, .png) in train/<class>/ folders"), none);
  const auto nowhere = error_for("/no/such/images");
  BOOST_TEST(has(nowhere, "dataset root /no/such/images does not exist"), nowhere);
}

BOOST_AUTO_TEST_CASE(resize_is_bilinear_with_aligned_centres) {
  image_folder::Image in{1, 2, 1, {0, 100}};
  const auto out = image_folder::resize_bilinear(in, 1, 4);
  // Centres at 0.25, 0.75, 1.25, 1.75 of the input: clamped, 25, 75, clamped.
  BOOST_TEST(out.pixels == std::vector<std::uint8_t>({0, 25, 75, 100}));
}

BOOST_AUTO_TEST_CASE(real_cifar10_jpeg_copy) {
  const auto archive = automl::test::shared_dir() / "data/cifar10/cifar10-jpeg.tar.gz";
  if (!fs::exists(archive)) {
    BOOST_TEST_MESSAGE("skipped: " << archive << " is absent (see shared/data/cifar10/SOURCE.md)");
    return;
  }
  automl::test::Plugins p;
  const auto start = std::chrono::steady_clock::now();
  const auto ds = automl::test::make_dataset(p.registry, "type = \"image_folder\"\nroot = \"" + archive.string() + "\"\n");
  BOOST_TEST_MESSAGE("read and decoded 60,000 images in "
                     << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() << " s");
  const auto info = ds->info();
  BOOST_TEST(info.shape == std::vector<std::int64_t>({3, 32, 32}));
  BOOST_TEST(info.class_names == std::vector<std::string>({"airplane", "automobile", "bird", "cat", "deer", "dog",
                                                           "frog", "horse", "ship", "truck"}));
  BOOST_TEST(info.splits[0].size + info.splits[1].size == 50000);
  BOOST_TEST(info.splits[1].size == 5000);
  BOOST_TEST(info.splits[2].size == 10000);
  BOOST_TEST(info.splits[2].per_class == std::vector<std::int64_t>(10, 1000));
  std::int64_t train_cats = info.splits[0].per_class[3] + info.splits[1].per_class[3];
  BOOST_TEST(train_cats == 5000);
  // CIFAR-10's training mean per channel is about 0.491, 0.482, 0.447.
  BOOST_TEST(std::abs(info.mean[0] - 0.491) < 0.01);
  BOOST_TEST(std::abs(info.mean[2] - 0.447) < 0.01);
}

BOOST_AUTO_TEST_SUITE_END()
