// Real Fashion-MNIST from the Debian package dataset-fashion-mnist.

#include <boost/test/unit_test.hpp>

#include <set>

#include <ATen/ATen.h>

#include "automl/data/tensor_data.hpp"
#include "test_support.hpp"

namespace fashion_mnist {
namespace {

const std::filesystem::path kRoot = "/usr/share/datasets/fashion-mnist";

bool have_fmnist() {
  if (std::filesystem::exists(kRoot / "train-images-idx3-ubyte.gz")) return true;
  BOOST_TEST_MESSAGE("SKIPPED: " << kRoot << " is absent (apt-get install dataset-fashion-mnist)");
  return false;
}

std::vector<std::int64_t> labels_of(const automl::TensorData& data, automl::Split split, std::int64_t n,
                                    std::int64_t batch = 64) {
  automl::LoaderOptions o;
  o.batch_size = batch;
  o.shuffle = false;
  auto stream = data.stream(split, o, 0);
  std::vector<std::int64_t> labels;
  automl::Batch b;
  while (static_cast<std::int64_t>(labels.size()) < n && stream->next(b))
    for (std::int64_t i = 0; i < b.targets.size(0); ++i) labels.push_back(b.targets[i].item<std::int64_t>());
  labels.resize(static_cast<std::size_t>(n));
  return labels;
}

}  // namespace
}  // namespace fashion_mnist

BOOST_AUTO_TEST_SUITE(fashion_mnist)

BOOST_AUTO_TEST_CASE(sizes_statistics_and_known_first_labels) {
  if (!have_fmnist()) return;
  automl::test::Plugins p;
  const auto ds = automl::test::make_dataset(p.registry, "type = \"fashion_mnist\"\nvalid_count = 0");
  const auto info = ds->info();
  BOOST_TEST(info.shape == std::vector<std::int64_t>({1, 28, 28}));
  BOOST_TEST(info.classes == 10);
  BOOST_TEST(info.splits[0].size == 60000);
  BOOST_TEST(info.splits[2].size == 10000);
  BOOST_TEST(info.mean[0] == 0.2860, boost::test_tools::tolerance(1e-3));
  BOOST_TEST(info.std[0] == 0.3530, boost::test_tools::tolerance(1e-3));
  const auto* data = ds->tensors();
  BOOST_REQUIRE(data != nullptr);
  BOOST_TEST(labels_of(*data, automl::Split::train, 10) == std::vector<std::int64_t>({9, 0, 0, 3, 0, 2, 7, 2, 5, 5}));
  BOOST_TEST(labels_of(*data, automl::Split::test, 10) == std::vector<std::int64_t>({9, 2, 1, 1, 6, 1, 4, 6, 5, 7}));
  // The first training image's pixels survive normalization exactly.
  automl::LoaderOptions o;
  o.batch_size = 1;
  o.shuffle = false;
  automl::Batch b;
  data->stream(automl::Split::train, o, 0)->next(b);
  const double sum = ((b.inputs * info.std[0] + info.mean[0]) * 255).round().sum().item<double>();
  BOOST_TEST(sum == 76247.0);
}

BOOST_AUTO_TEST_CASE(valid_split_is_seeded_disjoint_and_complete) {
  if (!have_fmnist()) return;
  automl::test::Plugins p;
  const auto ds = automl::test::make_dataset(p.registry, "type = \"fashion_mnist\"");
  BOOST_TEST(ds->info().splits[0].size == 55000);
  BOOST_TEST(ds->info().splits[1].size == 5000);
  const auto fraction = automl::test::make_dataset(p.registry, "type = \"fashion_mnist\"\nvalid_fraction = 0.1\nvalid_count = 0");
  BOOST_TEST(fraction->info().splits[1].size == 6000);
  // Label counts of train + valid equal those of the whole training file.
  const auto whole = automl::test::make_dataset(p.registry, "type = \"fashion_mnist\"\nvalid_count = 0");
  auto count = [](const std::vector<std::int64_t>& v) {
    std::vector<int> c(10);
    for (auto l : v) ++c[l];
    return c;
  };
  auto train = count(labels_of(*ds->tensors(), automl::Split::train, 55000, 1000));
  const auto valid = count(labels_of(*ds->tensors(), automl::Split::valid, 5000, 1000));
  for (int k = 0; k < 10; ++k) train[k] += valid[k];
  BOOST_TEST(train == count(labels_of(*whole->tensors(), automl::Split::train, 60000, 1000)));
}

BOOST_AUTO_TEST_CASE(augmented_shuffled_batches_are_reproducible) {
  if (!have_fmnist()) return;
  automl::test::Plugins p;
  const auto ds = automl::test::make_dataset(p.registry, "type = \"fashion_mnist\"\ncutout = 8");
  automl::LoaderOptions o;
  o.batch_size = 128;
  o.augment = true;
  o.drop_last = true;
  auto a = ds->tensors()->stream(automl::Split::train, o, 5);
  auto b = ds->tensors()->stream(automl::Split::train, o, 5);
  auto c = ds->tensors()->stream(automl::Split::train, o, 6);
  BOOST_TEST(a->size() == 55000 / 128);
  automl::Batch x, y, z;
  BOOST_REQUIRE(a->next(x) && b->next(y) && c->next(z));
  BOOST_TEST(x.inputs.sizes().vec() == std::vector<std::int64_t>({128, 1, 28, 28}));
  BOOST_TEST(x.inputs.equal(y.inputs));
  BOOST_TEST(x.targets.equal(y.targets));
  BOOST_TEST(!x.targets.equal(z.targets));
  std::int64_t batches = 1;
  while (a->next(x)) ++batches;
  BOOST_TEST(batches == a->size());
}

BOOST_AUTO_TEST_CASE(missing_folder_lists_the_files) {
  automl::test::Plugins p;
  const auto msg = automl::test::error_of(
      [&] { automl::test::make_dataset(p.registry, "type = \"fashion_mnist\"\nroot = \"/no/fmnist\""); });
  BOOST_TEST(msg.find("dataset root /no/fmnist does not exist") != std::string::npos, msg);
  BOOST_TEST(msg.find("train-images-idx3-ubyte, train-labels-idx1-ubyte") != std::string::npos, msg);
  BOOST_TEST(msg.find("dataset-fashion-mnist") != std::string::npos, msg);
}

BOOST_AUTO_TEST_SUITE_END()
