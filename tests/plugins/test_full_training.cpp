// The full-training evaluator on real Fashion-MNIST (Debian package
// dataset-fashion-mnist): a small NASNet learns, train() checkpoints and
// resumes to the same numbers, bad combinations fail with clear messages.

#include <boost/test/unit_test.hpp>

#include <cmath>

#include "automl/evaluator.hpp"
#include "test_support.hpp"

namespace full_training {
namespace {

namespace fs = std::filesystem;

bool have_fmnist() {
  if (fs::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")) return true;
  BOOST_TEST_MESSAGE("SKIPPED: /usr/share/datasets/fashion-mnist is absent (apt-get install dataset-fashion-mnist)");
  return false;
}

automl::Experiment experiment(const std::string& evaluator, const std::string& space = "nasnet_cnn") {
  return automl::parse_experiment(
      "[experiment]\nbudget_trials = 1\nseed = 3\n[dataset]\ntype = \"fashion_mnist\"\nvalid_count = 500\n"
      "[search_space]\ntype = \"" + space + "\"\n[strategy]\ntype = \"random\"\n"
      "[evaluator]\ntype = \"full_training\"\nlayers = 1\nchannels = 8\nbatch_size = 64\naux_weight = 0\n"
      "dropout = 0\ndrop_path_keep = 1\nlr_max = 0.05\n" + evaluator,
      "exp.toml", "/");
}

std::vector<std::vector<std::string>> rows(const fs::path& csv) {
  std::ifstream in(csv);
  std::vector<std::vector<std::string>> out;
  for (std::string line; std::getline(in, line);) out.push_back(automl::split(line, ','));
  return out;
}

}  // namespace
}  // namespace full_training

BOOST_AUTO_TEST_SUITE(full_training)

BOOST_AUTO_TEST_CASE(a_small_network_learns_fashion_mnist) {
  if (!have_fmnist()) return;
  automl::test::Plugins p;
  const auto c = automl::build_components(experiment("epochs = 3\nsteps_per_epoch = 40\nlr_min = 0.001\n"), p.registry);
  automl::TrainJob job;
  job.dir = automl::test::scratch_dir("full_training_learns");
  const auto result = c.evaluator->train(c.space->parse("naonet_b"), job);
  const auto r = rows(job.dir / "metrics.csv");
  BOOST_REQUIRE(r.size() == 4u);  // header + 3 epochs
  BOOST_TEST(r[0][2] == "train_loss");
  const double loss1 = std::stod(r[1][2]), loss3 = std::stod(r[3][2]);
  const double acc1 = std::stod(r[1][4]), acc3 = std::stod(r[3][4]);
  BOOST_TEST_MESSAGE("loss " << loss1 << " -> " << loss3 << ", valid accuracy " << acc1 << " -> " << acc3);
  BOOST_TEST(loss3 < 0.8 * loss1);
  BOOST_TEST(acc3 > acc1);
  BOOST_TEST(acc3 > 0.6);  // chance is 0.1
  BOOST_TEST(result.score == acc3);
  BOOST_TEST(fs::exists(job.dir / "model.pt"));
  BOOST_TEST(result.metrics.at("params") > 0);
}

BOOST_AUTO_TEST_CASE(train_resumes_to_the_same_numbers) {
  if (!have_fmnist()) return;
  automl::test::Plugins p;
  const auto exp = experiment("epochs = 2\nsteps_per_epoch = 12\n");
  const auto arch_text = "naonet_b";
  automl::TrainJob whole;
  whole.dir = automl::test::scratch_dir("full_training_whole");
  {
    const auto c = automl::build_components(exp, p.registry);
    c.evaluator->train(c.space->parse(arch_text), whole);
  }
  automl::TrainJob parts = whole;
  parts.dir = automl::test::scratch_dir("full_training_parts");
  {
    const auto c = automl::build_components(exp, p.registry);
    int polls = 0;
    parts.stop = [&polls] { return polls++ >= 1; };  // stops after the first epoch
    c.evaluator->train(c.space->parse(arch_text), parts);
    BOOST_REQUIRE(rows(parts.dir / "metrics.csv").size() == 2u);
    BOOST_TEST(!fs::exists(parts.dir / "model.pt"));
  }
  {
    const auto c = automl::build_components(exp, p.registry);  // a fresh process would do the same
    parts.stop = nullptr;
    c.evaluator->train(c.space->parse(arch_text), parts);
  }
  const auto a = rows(whole.dir / "metrics.csv"), b = rows(parts.dir / "metrics.csv");
  BOOST_REQUIRE(a.size() == 3u);
  BOOST_REQUIRE(b.size() == 3u);
  for (std::size_t i = 1; i < a.size(); ++i)
    for (std::size_t col = 0; col < 5; ++col) BOOST_TEST(a[i][col] == b[i][col]);  // all but the timing
}

BOOST_AUTO_TEST_CASE(training_another_arch_in_the_same_directory_is_refused) {
  if (!have_fmnist()) return;
  automl::test::Plugins p;
  const auto c = automl::build_components(experiment("epochs = 2\nsteps_per_epoch = 1\n"), p.registry);
  automl::TrainJob job;
  job.dir = automl::test::scratch_dir("full_training_other");
  c.evaluator->train(c.space->parse("naonet_b"), job);
  automl::Random rng(1);
  const std::string message = automl::test::error_of([&] { c.evaluator->train(c.space->sample(rng), job); });
  BOOST_TEST(message.find("holds the training of another architecture") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(evaluate_scores_by_validation_accuracy_with_size_metrics) {
  if (!have_fmnist()) return;
  automl::test::Plugins p;
  const auto c = automl::build_components(experiment("epochs = 2\nsteps_per_epoch = 3\nreport_test = true\n"), p.registry);
  automl::Random rng(5);
  const auto r = c.evaluator->evaluate(c.space->sample(rng), automl::TrialContext{0, 11, 1});
  BOOST_TEST(r.score >= 0.0);
  BOOST_TEST(r.score <= 1.0);
  BOOST_TEST(r.metrics.at("valid_acc") == r.score);
  for (const char* key : {"test_acc", "params", "multiply_adds", "train_loss", "train_seconds"})
    BOOST_TEST(r.metrics.count(key) == 1u, key);
  // A learning curve: one point per epoch, the validation accuracy at the last.
  BOOST_REQUIRE(r.curve.size() == 2u);
  BOOST_TEST(r.curve[0].step == 1);
  BOOST_TEST(r.curve[1].step == 2);
  BOOST_TEST(r.curve[1].values.at("train_loss") == r.metrics.at("train_loss"));
  BOOST_TEST(r.curve[0].values.count("valid_acc") == 0u);
  BOOST_TEST(r.curve[1].values.at("valid_acc") == r.score);
  BOOST_TEST(r.curve[0].values.at("lr") > r.curve[1].values.at("lr"));
  BOOST_TEST(!c.evaluator->inspect(c.space->parse("naonet_b")).empty());
}

// Epochs as fidelity: a 1-epoch trial keeps its checkpoint; a promotion to 3
// epochs continues it and ends where a straight 3-epoch training with the
// first trial's seed ends.
BOOST_AUTO_TEST_CASE(a_promotion_continues_the_lower_fidelity_training) {
  if (!have_fmnist()) return;
  automl::test::Plugins p;
  const auto c = automl::build_components(experiment("epochs = 4\nsteps_per_epoch = 3\nlr_min = 0.001\n"), p.registry);
  const auto range = c.evaluator->fidelities();
  BOOST_REQUIRE(range.has_value());
  BOOST_TEST(range->max == 4.0);
  const auto arch = c.space->parse("naonet_b");
  const auto dir = automl::test::scratch_dir("full_training_fidelity");
  automl::TrialContext low{0, 21, 1};
  low.fidelity = 1;
  low.dir = dir / "0";
  const auto first = c.evaluator->evaluate(arch, low);
  BOOST_TEST(first.fidelity == 1.0);
  BOOST_TEST(first.curve.size() == 1u);
  BOOST_TEST(fs::exists(low.dir / "checkpoint.pt"));
  automl::TrialContext promoted{1, 22, 1};
  promoted.fidelity = 2.5;  // rounds up to 3 epochs
  promoted.dir = dir / "1";
  promoted.previous_dir = low.dir;
  promoted.previous_fidelity = 1;
  const auto continued = c.evaluator->evaluate(arch, promoted);
  BOOST_TEST(continued.fidelity == 3.0);
  BOOST_TEST(continued.metrics.at("resumed_at_epoch") == 1.0);
  BOOST_REQUIRE(continued.curve.size() == 2u);  // epochs 2 and 3 trained here
  BOOST_TEST(continued.curve[0].step == 2);
  automl::TrialContext straight{2, 21, 1};  // the first trial's seed
  straight.fidelity = 3;
  const auto whole = c.evaluator->evaluate(arch, straight);
  BOOST_TEST(continued.score == whole.score);
  BOOST_TEST(continued.metrics.at("train_loss") == whole.metrics.at("train_loss"));
  // At full fidelity (or none asked) nothing is kept.
  automl::TrialContext full{3, 23, 1};
  full.dir = dir / "3";
  BOOST_TEST(c.evaluator->evaluate(arch, full).fidelity == 4.0);
  BOOST_TEST(!fs::exists(full.dir / "checkpoint.pt"));
}

BOOST_AUTO_TEST_CASE(trains_nasbench201_cells) {
  if (!have_fmnist()) return;
  automl::test::Plugins p;
  const auto c = automl::build_components(experiment("epochs = 2\nsteps_per_epoch = 3\nlr_min = 0.001\n", "nasbench201"),
                                          p.registry);
  const auto arch = c.space->parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|");
  const auto r = c.evaluator->evaluate(arch, automl::TrialContext{0, 11, 1});
  BOOST_TEST(r.score >= 0.0);
  BOOST_TEST(r.score <= 1.0);
  BOOST_TEST(r.metrics.at("params") > 0);
}

// bf16 autocast (CPU autocast supports it): the network trains in bf16 with
// fp32 master weights and learns; fp16 needs CUDA and says so.
BOOST_AUTO_TEST_CASE(bf16_trains_and_fp16_needs_cuda) {
  if (!have_fmnist()) return;
  automl::test::Plugins p;
  const auto c = automl::build_components(
      experiment("precision = \"bf16\"\nepochs = 2\nsteps_per_epoch = 20\nlr_min = 0.001\n"), p.registry);
  const auto r = c.evaluator->evaluate(c.space->parse("naonet_b"), automl::TrialContext{0, 11, 1});
  BOOST_REQUIRE(r.curve.size() == 2u);
  const double loss1 = r.curve[0].values.at("train_loss"), loss2 = r.curve[1].values.at("train_loss");
  BOOST_TEST_MESSAGE("bf16: train loss " << loss1 << " -> " << loss2 << ", valid accuracy " << r.score);
  BOOST_TEST(loss2 < loss1);
  BOOST_TEST(r.score > 0.3);  // chance is 0.1
  const std::string fp16 = automl::test::error_of(
      [&] { automl::build_components(experiment("precision = \"fp16\"\nepochs = 2\n"), p.registry); });
  BOOST_TEST(fp16.find("exp.toml") != std::string::npos, fp16);
  BOOST_TEST(fp16.find("use \"bf16\" (CPU autocast) or \"fp32\"") != std::string::npos, fp16);
}

// A trial on a device slot (TrialContext::device) trains as one on the
// evaluator's own device: a slot changes where, not what.
BOOST_AUTO_TEST_CASE(a_trial_on_a_device_slot_equals_one_on_the_default_device) {
  if (!have_fmnist()) return;
  automl::test::Plugins p;
  const auto c = automl::build_components(experiment("epochs = 2\nsteps_per_epoch = 3\n"), p.registry);
  const auto arch = c.space->parse("naonet_b");
  automl::TrialContext slot{0, 11, 1};
  slot.device = "cpu";
  slot.device_slot = 1;
  const auto on_slot = c.evaluator->evaluate(arch, slot);
  const auto plain = c.evaluator->evaluate(arch, automl::TrialContext{0, 11, 1});
  BOOST_TEST(on_slot.score == plain.score);
  BOOST_TEST(on_slot.metrics.at("train_loss") == plain.metrics.at("train_loss"));
  BOOST_TEST(c.evaluator->concurrent());
}

// memory_format = "channels_last" (auto's choice on a GPU) computes the same
// network in another layout: on CPU the same losses up to rounding.
// A wiring test: memory_format reaches the model and the batches, and "auto" is contiguous
// on CPU. On 1-channel 28x28 images every weight here is layout-ambiguous (C_in = 1 or
// 1x1 kernels), so the two runs agree exactly; the 3-channel numerics are checked in
// searchspaces/nasnet_network.
BOOST_AUTO_TEST_CASE(channels_last_trains_the_same_network) {
  if (!have_fmnist()) return;
  automl::test::Plugins p;
  auto run = [&](const std::string& format) {
    const auto c = automl::build_components(
        experiment("epochs = 1\nsteps_per_epoch = 4\nlr_min = 0.001\nmemory_format = \"" + format + "\"\n"), p.registry);
    return c.evaluator->evaluate(c.space->parse("naonet_b"), automl::TrialContext{0, 11, 1});
  };
  const auto last = run("channels_last"), contiguous = run("contiguous"), automatic = run("auto");
  const double a = last.metrics.at("train_loss"), b = contiguous.metrics.at("train_loss");
  BOOST_TEST_MESSAGE("train loss channels_last " << a << ", contiguous " << b << ", difference " << a - b);
  BOOST_TEST(std::abs(a - b) < 1e-3 * b);
  BOOST_TEST(std::abs(last.score - contiguous.score) <= 0.01);
  BOOST_TEST(automatic.metrics.at("train_loss") == b);  // auto is contiguous on CPU
}

BOOST_AUTO_TEST_CASE(clear_errors_for_spaces_without_networks_and_degenerate_schedules) {
  if (!have_fmnist()) return;
  automl::test::Plugins p;
  const std::string no_networks = automl::test::error_of(
      [&] { automl::build_components(experiment("", "rnn_cell"), p.registry); });
  BOOST_TEST(no_networks.find("builds no networks") != std::string::npos, no_networks);
  const std::string one_epoch = automl::test::error_of(
      [&] { automl::build_components(experiment("epochs = 1\n"), p.registry); });
  BOOST_TEST(one_epoch.find("lr_min") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
