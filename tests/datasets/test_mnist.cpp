// MNIST-layout IDX files written by the test, plain and gzipped, and broken.

#include <boost/test/unit_test.hpp>

#include <zlib.h>

#include <ATen/ATen.h>

#include "automl/data/tensor_data.hpp"
#include "test_support.hpp"

namespace mnist {
namespace {

namespace fs = std::filesystem;

std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

std::string idx_images(std::uint32_t n) {
  std::string s = std::string("\0\0\x08\x03", 4) + be32(n) + be32(28) + be32(28);
  for (std::uint32_t i = 0; i < n * 784; ++i) s += static_cast<char>(i % 251);
  return s;
}

std::string idx_labels(std::uint32_t n) {
  std::string s = std::string("\0\0\x08\x01", 4) + be32(n);
  for (std::uint32_t i = 0; i < n; ++i) s += static_cast<char>(i % 10);
  return s;
}

void write_gz(const fs::path& file, const std::string& bytes) {
  gzFile out = gzopen(file.c_str(), "wb");
  gzwrite(out, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(out);
}

// A folder in MNIST layout: training file 50 images (train gzipped), test 20.
fs::path layout(const std::string& name) {
  const auto dir = automl::test::scratch_dir(name);
  write_gz(dir / "train-images-idx3-ubyte.gz", idx_images(50));
  write_gz(dir / "train-labels-idx1-ubyte.gz", idx_labels(50));
  automl::test::write_file(dir / "t10k-images-idx3-ubyte", idx_images(20));
  automl::test::write_file(dir / "t10k-labels-idx1-ubyte", idx_labels(20));
  return dir;
}

std::string error_for(const fs::path& dir) {
  automl::test::Plugins p;
  return automl::test::error_of([&] {
    automl::test::make_dataset(p.registry, "type = \"mnist\"\nvalid_count = 10\nroot = \"" + dir.string() + "\"");
  });
}

}  // namespace
}  // namespace mnist

BOOST_AUTO_TEST_SUITE(mnist)

BOOST_AUTO_TEST_CASE(plain_and_gzipped_files_load) {
  automl::test::Plugins p;
  const auto dir = layout("mnist_ok");
  const auto ds = automl::test::make_dataset(p.registry, "type = \"mnist\"\nvalid_count = 10\nroot = \"" + dir.string() + "\"");
  const auto info = ds->info();
  BOOST_TEST(info.splits[0].size == 40);
  BOOST_TEST(info.splits[1].size == 10);
  BOOST_TEST(info.splits[2].size == 20);
  automl::LoaderOptions o;
  o.batch_size = 20;
  o.shuffle = false;
  automl::Batch b;
  BOOST_REQUIRE(ds->tensors()->stream(automl::Split::test, o, 0)->next(b));
  BOOST_TEST(b.targets[13].item<std::int64_t>() == 3);
  BOOST_TEST(b.inputs.sizes().vec() == std::vector<std::int64_t>({20, 1, 28, 28}));
}

BOOST_AUTO_TEST_CASE(missing_file_is_named) {
  const auto dir = layout("mnist_missing");
  fs::remove(dir / "t10k-labels-idx1-ubyte");
  const auto msg = error_for(dir);
  BOOST_TEST(msg.find("lacks t10k-labels-idx1-ubyte") != std::string::npos, msg);
  BOOST_TEST(msg.find("yann.lecun.com") != std::string::npos, msg);
}

BOOST_AUTO_TEST_CASE(wrong_magic) {
  const auto dir = layout("mnist_magic");
  automl::test::write_file(dir / "t10k-images-idx3-ubyte", "GIF89a........");
  const auto msg = error_for(dir);
  BOOST_TEST(msg.find("t10k-images-idx3-ubyte: wrong IDX magic number at byte 0") != std::string::npos, msg);
}

BOOST_AUTO_TEST_CASE(truncated_payload_and_gzip) {
  const auto dir = layout("mnist_truncated");
  automl::test::write_file(dir / "t10k-images-idx3-ubyte", idx_images(20).substr(0, 16 + 784 * 19 + 5));
  const auto msg = error_for(dir);
  BOOST_TEST(msg.find("but its header promises 15696 (truncated from byte 14917)") != std::string::npos, msg);
  const auto gz = layout("mnist_truncated_gz");
  std::ifstream in(gz / "train-images-idx3-ubyte.gz", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  automl::test::write_file(gz / "train-images-idx3-ubyte.gz", bytes.substr(0, bytes.size() / 2));
  const auto gz_msg = error_for(gz);
  BOOST_TEST(gz_msg.find("train-images-idx3-ubyte.gz") != std::string::npos, gz_msg);
  BOOST_TEST(gz_msg.find("truncated") != std::string::npos, gz_msg);
}

BOOST_AUTO_TEST_CASE(counts_and_labels_are_checked) {
  const auto dir = layout("mnist_counts");
  automl::test::write_file(dir / "t10k-labels-idx1-ubyte", idx_labels(19));
  BOOST_TEST(error_for(dir).find("holds 20 images but") != std::string::npos);
  auto bad = idx_labels(20);
  bad[8 + 4] = 12;
  automl::test::write_file(dir / "t10k-labels-idx1-ubyte", bad);
  const auto msg = error_for(dir);
  BOOST_TEST(msg.find("label 12 at byte 12 is not below 10") != std::string::npos, msg);
}

BOOST_AUTO_TEST_SUITE_END()
