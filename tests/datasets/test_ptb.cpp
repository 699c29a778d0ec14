// Penn Treebank from ../shared/data/ptb (when present) and small corpora
// written by the test.

#include <boost/test/unit_test.hpp>

#include <ATen/ATen.h>

#include "automl/data/tensor_data.hpp"
#include "automl/data/text.hpp"
#include "test_support.hpp"

namespace ptb {
namespace {

namespace fs = std::filesystem;

fs::path ptb_zip() { return automl::test::shared_dir() / "data/ptb/ptb.zip"; }

fs::path small_corpus(const std::string& name, const std::string& valid = "the cat\n") {
  const auto dir = automl::test::scratch_dir(name);
  automl::test::write_file(dir / "ptb.train.txt", " the cat sat \n the dog sat \n");
  automl::test::write_file(dir / "ptb.valid.txt", valid);
  automl::test::write_file(dir / "ptb.test.txt", "dog cat\n");
  return dir;
}

std::string error_for(const fs::path& root) {
  automl::test::Plugins p;
  return automl::test::error_of(
      [&] { automl::test::make_dataset(p.registry, "type = \"ptb\"\nroot = \"" + root.string() + "\""); });
}

}  // namespace
}  // namespace ptb

BOOST_AUTO_TEST_SUITE(ptb)

BOOST_AUTO_TEST_CASE(real_ptb_token_counts_and_vocabulary) {
  if (!fs::exists(ptb_zip())) {
    BOOST_TEST_MESSAGE("SKIPPED: " << ptb_zip() << " is absent");
    return;
  }
  automl::test::Plugins p;
  const auto ds = automl::test::make_dataset(p.registry, "type = \"ptb\"\nroot = \"" + ptb_zip().string() + "\"");
  const auto info = ds->info();
  BOOST_TEST(info.task == "language_model");
  BOOST_TEST(info.classes == 10000);
  BOOST_TEST(info.splits[0].size == 929589);
  BOOST_TEST(info.splits[1].size == 73760);
  BOOST_TEST(info.splits[2].size == 82430);
  automl::LoaderOptions o;
  o.batch_size = 20;
  o.bptt = 35;
  auto stream = ds->tensors()->stream(automl::Split::valid, o, 0);
  BOOST_TEST(stream->size() == (73760 / 20 - 1 + 34) / 35);
  automl::Batch b;
  BOOST_REQUIRE(stream->next(b));
  BOOST_TEST(b.inputs.sizes().vec() == std::vector<std::int64_t>({35, 20}));
  BOOST_TEST(b.inputs.narrow(0, 1, 34).equal(b.targets.narrow(0, 0, 34)));
}

BOOST_AUTO_TEST_CASE(vocabulary_eos_and_batches_of_a_small_corpus) {
  automl::test::Plugins p;
  const auto dir = small_corpus("ptb_small");
  const auto ds = automl::test::make_dataset(p.registry, "type = \"ptb\"\nroot = \"" + dir.string() + "\"");
  const auto& corpus = dynamic_cast<const automl::data::TextDataset&>(*ds).corpus();
  BOOST_TEST(corpus.words == std::vector<std::string>({"the", "cat", "sat", "<eos>", "dog"}));
  BOOST_TEST(corpus.train == std::vector<std::int64_t>({0, 1, 2, 3, 0, 4, 2, 3}));
  BOOST_TEST(corpus.test == std::vector<std::int64_t>({4, 1, 3}));
  automl::LoaderOptions o;
  o.batch_size = 2;
  o.bptt = 2;
  auto stream = ds->tensors()->stream(automl::Split::train, o, 0);
  BOOST_TEST(stream->size() == 2);  // 4 steps per stream: inputs of 2, then 1
  automl::Batch b;
  BOOST_REQUIRE(stream->next(b));
  // Stream 0 reads "the cat sat <eos>", stream 1 "the dog sat <eos>".
  BOOST_TEST(b.inputs[0][1].item<std::int64_t>() == 0);
  BOOST_TEST(b.inputs[1][1].item<std::int64_t>() == 4);
  BOOST_TEST(b.targets[1][0].item<std::int64_t>() == 2);
  BOOST_REQUIRE(stream->next(b));
  BOOST_TEST(b.inputs.size(0) == 1);
  BOOST_TEST(!stream->next(b));
}

BOOST_AUTO_TEST_CASE(empty_file_and_unknown_word_are_located) {
  const auto empty = small_corpus("ptb_empty", "  \n");
  const auto msg = error_for(empty);
  BOOST_TEST(msg.find("ptb.valid.txt is empty") != std::string::npos, msg);
  const auto oov = small_corpus("ptb_oov", "the cat\nthe bird\n");
  const auto oov_msg = error_for(oov);
  BOOST_TEST(oov_msg.find("ptb.valid.txt:2: word 'bird' is not in the training vocabulary") != std::string::npos,
             oov_msg);
  const auto missing = small_corpus("ptb_missing");
  fs::remove(missing / "ptb.test.txt");
  BOOST_TEST(error_for(missing).find("lacks ptb.test.txt") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
