// CIFAR-10 and CIFAR-100 files written by the test in the official binary
// layout (folder and .tar.gz), and corrupt variants.

#include <boost/test/unit_test.hpp>

#include <ATen/ATen.h>

#include "automl/data/tensor_data.hpp"
#include "test_support.hpp"

namespace cifar {
namespace {

namespace fs = std::filesystem;

// `n` records; label bytes then 3072 pixel bytes, pixels encode the record.
std::string records(int n, int label_bytes, int first) {
  std::string s;
  for (int i = 0; i < n; ++i) {
    const int k = first + i;
    if (label_bytes == 2) s += static_cast<char>(k % 20);
    s += static_cast<char>(label_bytes == 2 ? k % 100 : k % 10);
    for (int p = 0; p < 3072; ++p) s += static_cast<char>((k * 7 + p) % 256);
  }
  return s;
}

fs::path cifar10_folder(const std::string& name) {
  const auto dir = automl::test::scratch_dir(name) / "cifar-10-batches-bin";
  fs::create_directories(dir);
  for (int b = 1; b <= 5; ++b)
    automl::test::write_file(dir / ("data_batch_" + std::to_string(b) + ".bin"), records(20, 1, 20 * (b - 1)));
  automl::test::write_file(dir / "test_batch.bin", records(10, 1, 1000));
  return dir;
}

// The test's files are small: the official record counts are not required.
std::string body(const std::string& type, const fs::path& root, const std::string& extra = "") {
  return "type = \"" + type + "\"\nvalid_count = 20\nofficial_sizes = false\nroot = \"" + root.string() + "\"\n" +
         extra;
}

std::string error_for(const std::string& type, const fs::path& root) {
  automl::test::Plugins p;
  return automl::test::error_of([&] { automl::test::make_dataset(p.registry, body(type, root)); });
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace
}  // namespace cifar

BOOST_AUTO_TEST_SUITE(cifar)

BOOST_AUTO_TEST_CASE(cifar10_folder_and_archive_load_the_same) {
  automl::test::Plugins p;
  const auto dir = cifar10_folder("cifar10_ok");
  const auto folder = automl::test::make_dataset(p.registry, body("cifar10", dir));
  const auto info = folder->info();
  BOOST_TEST(info.shape == std::vector<std::int64_t>({3, 32, 32}));
  BOOST_TEST(info.splits[0].size == 80);
  BOOST_TEST(info.splits[1].size == 20);
  BOOST_TEST(info.splits[2].size == 10);
  const auto archive = dir.parent_path() / "cifar-10-binary.tar.gz";
  const std::string tar = "tar -czf " + archive.string() + " -C " + dir.parent_path().string() + " cifar-10-batches-bin";
  BOOST_REQUIRE(std::system(tar.c_str()) == 0);
  const auto packed = automl::test::make_dataset(p.registry, body("cifar10", archive));
  automl::LoaderOptions o;
  o.batch_size = 10;
  o.shuffle = false;
  automl::Batch a, b;
  BOOST_REQUIRE(folder->tensors()->stream(automl::Split::test, o, 0)->next(a));
  BOOST_REQUIRE(packed->tensors()->stream(automl::Split::test, o, 0)->next(b));
  BOOST_TEST(a.inputs.equal(b.inputs));
  BOOST_TEST(a.targets[3].item<std::int64_t>() == 3);  // record 1003
  // Channel planes: the first green pixel of test record 0 is (1000*7 + 1024) % 256.
  const double green = (a.inputs[0][1][0][0].item<double>() * info.std[1] + info.mean[1]) * 255;
  BOOST_TEST(std::lround(green) == (1000 * 7 + 1024) % 256);
}

BOOST_AUTO_TEST_CASE(cifar10_missing_file_lists_expected_names_and_download) {
  const auto dir = cifar10_folder("cifar10_missing");
  fs::remove(dir / "data_batch_3.bin");
  const auto msg = error_for("cifar10", dir);
  BOOST_TEST(has(msg, "lacks data_batch_3.bin; expected data_batch_1.bin, data_batch_2.bin"), msg);
  BOOST_TEST(has(msg, "cifar-10-binary.tar.gz, from https://www.cs.toronto.edu/~kriz/cifar.html"), msg);
  const auto nowhere = error_for("cifar10", "/no/such/cifar");
  BOOST_TEST(has(nowhere, "dataset root /no/such/cifar does not exist"), nowhere);
}

BOOST_AUTO_TEST_CASE(cifar10_truncated_and_bad_labels) {
  const auto dir = cifar10_folder("cifar10_truncated");
  automl::test::write_file(dir / "data_batch_2.bin", records(20, 1, 0).substr(0, 3073 * 19 + 100));
  const auto msg = error_for("cifar10", dir);
  BOOST_TEST(has(msg, "data_batch_2.bin: 58487 bytes is not a whole number of 3073-byte records (truncated from byte 58387"), msg);
  auto bad = records(20, 1, 0);
  bad[3073 * 4] = 10;
  automl::test::write_file(dir / "data_batch_2.bin", bad);
  const auto label = error_for("cifar10", dir);
  BOOST_TEST(has(label, "data_batch_2.bin: label 10 at byte 12292 (record 4) is not below 10"), label);
}

BOOST_AUTO_TEST_CASE(truncated_archive_is_refused) {
  const auto dir = cifar10_folder("cifar10_archive_cut");
  const auto archive = dir.parent_path() / "cifar-10-binary.tar.gz";
  const std::string tar = "tar -czf " + archive.string() + " -C " + dir.parent_path().string() + " cifar-10-batches-bin";
  BOOST_REQUIRE(std::system(tar.c_str()) == 0);
  std::ifstream in(archive, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  in.close();
  automl::test::write_file(archive, bytes.substr(0, bytes.size() / 2));
  const auto msg = error_for("cifar10", archive);
  BOOST_TEST(has(msg, "cifar-10-binary.tar.gz"), msg);
  BOOST_TEST((has(msg, "truncated") || has(msg, "corrupt") || has(msg, "lacks")), msg);
}

BOOST_AUTO_TEST_CASE(cifar100_fine_and_coarse_labels) {
  automl::test::Plugins p;
  const auto dir = automl::test::scratch_dir("cifar100") / "cifar-100-binary";
  fs::create_directories(dir);
  automl::test::write_file(dir / "train.bin", records(60, 2, 0));
  automl::test::write_file(dir / "test.bin", records(30, 2, 0));
  const auto fine = automl::test::make_dataset(p.registry, body("cifar100", dir));
  const auto coarse = automl::test::make_dataset(p.registry, body("cifar100", dir, "labels = \"coarse\""));
  BOOST_TEST(fine->info().classes == 100);
  BOOST_TEST(coarse->info().classes == 20);
  automl::LoaderOptions o;
  o.batch_size = 30;
  o.shuffle = false;
  automl::Batch f, c;
  fine->tensors()->stream(automl::Split::test, o, 0)->next(f);
  coarse->tensors()->stream(automl::Split::test, o, 0)->next(c);
  BOOST_TEST(f.targets[25].item<std::int64_t>() == 25);
  BOOST_TEST(c.targets[25].item<std::int64_t>() == 5);
  automl::test::write_file(dir / "test.bin", records(30, 1, 0));
  const auto msg = error_for("cifar100", dir);
  BOOST_TEST(has(msg, "test.bin: 92190 bytes is not a whole number of 3074-byte records"), msg);
}

BOOST_AUTO_TEST_CASE(unknown_label_kind_suggests) {
  automl::test::Plugins p;
  const auto msg = automl::test::error_of(
      [&] { automl::test::make_dataset(p.registry, "type = \"cifar100\"\nroot = \"x\"\nlabels = \"fien\""); });
  BOOST_TEST(has(msg, "did you mean 'fine'?"), msg);
}

BOOST_AUTO_TEST_CASE(a_file_short_of_its_official_record_count_is_refused) {
  // As a data_batch_1.bin cut to exactly 5,000 records would be: whole
  // records, valid labels, but fewer than the official 10,000.
  automl::test::Plugins p;
  const auto dir = cifar10_folder("cifar10_cut");
  const std::string exp = "type = \"cifar10\"\nvalid_count = 20\nroot = \"" + dir.string() + "\"\n";
  const auto msg = automl::test::error_of([&] { automl::test::make_dataset(p.registry, exp); });
  BOOST_TEST(has(msg, "data_batch_1.bin: 20 records, but the official file has 10000 (cut short)"), msg);
  BOOST_TEST(has(msg, "official_sizes = false"), msg);
}

BOOST_AUTO_TEST_SUITE_END()
