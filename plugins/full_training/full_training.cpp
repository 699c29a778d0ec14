// Full-training evaluator: every candidate is built by the search space as a
// stand-alone network and trained from scratch on the dataset (the original,
// non-weight-sharing NAO); score = validation accuracy. Also the final
// training of a discovered cell (`automl train`), checkpointed every epoch.

#include <chrono>
#include <cmath>
#include <fstream>
#include <mutex>

#include <fmt/format.h>
#include <torch/torch.h>

#include "automl/log.hpp"
#include "automl/plugin.hpp"
#include "automl/nn/train_dir.hpp"
#include "training.hpp"

namespace {

namespace fs = std::filesystem;
using full_training::Options;

// Network construction draws its initial weights from torch's global
// generator; parallel trials take turns so that each build sees its own seed.
std::mutex build_mutex;

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string out;
  for (auto d : shape) out += (out.empty() ? "" : "x") + std::to_string(d);
  return out;
}

std::string duration_text(double seconds) {
  const auto s = static_cast<long>(seconds);
  return s >= 3600 ? fmt::format("{}h{:02}m", s / 3600, s % 3600 / 60) : fmt::format("{}m{:02}s", s / 60, s % 60);
}

class FullTraining final : public automl::Evaluator {
 public:
  using Options = full_training::Options;
  static const automl::Schema<Options>& schema() {
    static const auto s =
        automl::nn::add_sgd_fields(automl::Schema<Options>(
            "Trains every candidate from scratch as a stand-alone network built by the search space "
            "(nasnet_cnn: stem, 3 stages of `layers` cells, auxiliary head) and scores it by validation "
            "accuracy (fraction). SGD with momentum, per-epoch cosine learning rate, weight decay, global "
            "grad-norm clipping, drop-path, optional bf16/fp16 autocast. Parallel trials run on the run's "
            "device slots ([experiment] devices). Augmentation (crop, flip, cutout) is the dataset's. Metrics: "
            "valid_acc, test_acc (report_test), params, multiply_adds, train_loss, train_seconds.")
            .field("layers", &Options::layers, "Cells per stage (N); 3N + 2 cells in all").range(1, 64)
            .field("channels", &Options::channels, "Channels of the first stage (F); doubled at each reduction")
            .range(2, 4096)
            .field("dropout", &Options::dropout, "Dropout before the classifier (reference: 1 - keep_prob)")
            .range(0, 0.99)
            .field("drop_path_keep", &Options::drop_path_keep,
                   "Drop-path keep probability at the last cell at the end of training; 1: off")
            .range(0.01, 1)
            .field("aux_weight", &Options::aux_weight, "Weight of the auxiliary head's loss; 0: no auxiliary head")
            .range(0, 10)
            .field("epochs", &Options::epochs, "Training epochs per candidate").range(1, 100000)
            .field("batch_size", &Options::batch_size, "Training batch size").range(2, 65536)
            .field("eval_batch_size", &Options::eval_batch_size, "Evaluation batch size").range(1, 65536)
            .field("steps_per_epoch", &Options::steps_per_epoch,
                   "Training steps per epoch; 0: one pass over the training split (a smaller value makes "
                   "quick, low-fidelity trials)")
            .range(0, 10000000))
            .field("report_test", &Options::report_test, "Also measure test accuracy (metric test_acc)")
            .rule("epochs",
                  [](const Options& o) {
                    return o.epochs == 1 && o.lr_min == 0
                               ? "with one epoch the cosine schedule (stepped at the start of each epoch, as the "
                                 "reference) trains at lr_min = 0 throughout; set lr_min > 0 or epochs >= 2"
                               : "";
                  })
            .example("layers = 1\nchannels = 4\nepochs = 1\nlr_min = 0.01\nsteps_per_epoch = 2\nbatch_size = 16\n"
                     "eval_batch_size = 100\n[search_space]\ntype = \"nasnet_cnn\"\n[dataset]\n"
                     "type = \"fashion_mnist\"\nvalid_count = 100");
    return s;
  }

  FullTraining(const Options& o, const automl::Context& ctx)
      : options_(o), space_(ctx.space), device_(parse_device(ctx.device)) {
    automl::nn::check_precision(automl::nn::parse_precision(o.precision), device_);
    builder_ = space_->networks();
    if (builder_ == nullptr)
      throw automl::ConfigError("[evaluator] full_training: the search space builds no networks; use one that does "
                                "(nasnet_cnn), or the tabular / weight_sharing evaluators");
    if (ctx.dataset == nullptr || ctx.dataset->tensors() == nullptr)
      throw automl::ConfigError("[evaluator] full_training trains networks and needs a [dataset] with batches "
                                "(e.g. type = \"fashion_mnist\")");
    data_ = ctx.dataset->tensors();
    info_ = ctx.dataset->info();
    if (info_.task != builder_->task())
      throw automl::ConfigError("[evaluator] full_training: the search space builds '" + builder_->task() +
                                "' networks but the dataset's task is '" + info_.task + "'");
    automl::Random rng(ctx.seed);
    build(space_->sample(rng), 0);  // fails now, not at the first trial, when the data cannot fit the network
  }

  // Parallel trials each train their own network, on the device slot the
  // host gives them (TrialContext::device).
  bool concurrent() const override { return true; }

  // Epochs as fidelity: a trial asked for f epochs trains the first f
  // epochs of the full schedule (the cosine and drop-path run over `epochs`).
  std::optional<automl::FidelityRange> fidelities() const override {
    return automl::FidelityRange{1, static_cast<double>(options_.epochs), "epochs", {}};
  }

  automl::TrialResult evaluate(const automl::Architecture& arch, const automl::TrialContext& trial) override {
    const auto start = std::chrono::steady_clock::now();
    const int target = automl::nn::fidelity_epochs(trial, options_.epochs);
    const auto from = automl::nn::continuation(trial);  // a promotion continues its lower fidelity's training
    auto network = build(arch, from.seed);
    full_training::Training training(network, options_, *data_, from.seed,
                                     trial.device.empty() ? device_ : parse_device(trial.device));
    if (!from.checkpoint.empty()) training.load(from.checkpoint);
    const int resumed_at = training.epochs_done();
    automl::TrialResult result;
    while (training.epochs_done() < target) {
      const auto stats = training.train_epoch();
      result.metrics["train_loss"] = stats.train_loss;
      result.curve.push_back({static_cast<double>(stats.epoch),
                              {{"train_loss", stats.train_loss}, {"train_acc", stats.train_acc}, {"lr", stats.lr}}});
    }
    result.score = training.accuracy(automl::Split::valid);
    result.metrics["valid_acc"] = result.score;
    result.metrics["epochs"] = target;
    result.metrics["resumed_at_epoch"] = resumed_at;
    if (options_.precision == "fp16") result.metrics["skipped_steps"] = static_cast<double>(training.skipped_steps());
    result.fidelity = target;
    if (!result.curve.empty()) result.curve.back().values["valid_acc"] = result.score;
    automl::nn::keep_for_promotion(trial, target, options_.epochs, from.seed,
                                   [&](const fs::path& file) { training.save(file); });
    if (options_.report_test) result.metrics["test_acc"] = training.accuracy(automl::Split::test);
    add_size_metrics(*network, result);
    result.metrics["train_seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
  }

  std::string inspect(const automl::Architecture& arch) const override {
    auto network = build(arch, 0);
    const auto trace = automl::nn::trace(*network, info_.shape);
    std::string out = fmt::format("network (layers = {}, channels = {}, aux head {})\ninput {}\n", options_.layers,
                                  options_.channels, options_.aux_weight > 0 ? "on" : "off", shape_text(info_.shape));
    for (const auto& [name, shape] : trace.stages) out += fmt::format("  {:<20} {}\n", name, shape_text(shape));
    const auto params = automl::nn::parameter_count(*network);
    const auto aux = params - automl::nn::parameter_count(*network, "aux");
    out += fmt::format("parameters     {} ({:.3f} M; auxiliary head {})\n", params, params / 1e6, aux);
    out += fmt::format("multiply-adds  {:.0f} per input ({:.1f} M), auxiliary head excluded\n", trace.multiply_adds,
                       trace.multiply_adds / 1e6);
    return out;
  }

  bool can_train() const override { return true; }

  automl::TrialResult train(const automl::Architecture& arch, const automl::TrainJob& job) override {
    fs::create_directories(job.dir);
    automl::nn::claim_training_dir(job.dir, space_->to_text(arch));
    auto network = build(arch, job.seed);
    full_training::Training training(network, options_, *data_, job.seed, device_);
    const fs::path checkpoint = job.dir / "checkpoint.pt", csv = job.dir / "metrics.csv";
    if (fs::exists(checkpoint)) {
      training.load(checkpoint);
      automl::log_info(fmt::format("resuming {} after epoch {}", job.dir.string(), training.epochs_done()));
    }
    automl::nn::trim_csv(csv, training.epochs_done(), "epoch,lr,train_loss,train_acc,valid_acc,test_acc,seconds");
    double valid = NAN, test = NAN;
    while (training.epochs_done() < options_.epochs) {
      if (job.stop && job.stop()) break;
      const auto stats = training.train_epoch([&](std::int64_t step, std::int64_t steps, double loss) {
        if (job.progress)
          job.progress(fmt::format("epoch {}/{} step {}/{} loss {:.4f}", training.epochs_done() + 1, options_.epochs,
                                   step, steps, loss));
      });
      valid = training.accuracy(automl::Split::valid);
      if (options_.report_test) test = training.accuracy(automl::Split::test);
      append_csv(csv, stats, valid, test);  // before the checkpoint: a kill in between redoes this row
      training.save(checkpoint);
      if (job.progress)
        job.progress(fmt::format("epoch {}/{} loss {:.4f} train {:.2f}% valid {:.2f}%{} lr {:.5f} ETA {}", stats.epoch,
                                 options_.epochs, stats.train_loss, 100 * stats.train_acc, 100 * valid,
                                 std::isnan(test) ? "" : fmt::format(" test {:.2f}%", 100 * test), stats.lr,
                                 duration_text(stats.seconds * (options_.epochs - stats.epoch))));
    }
    automl::TrialResult result;
    if (std::isnan(valid)) valid = training.accuracy(automl::Split::valid);
    if (options_.report_test && std::isnan(test)) test = training.accuracy(automl::Split::test);
    result.score = valid;
    result.metrics["valid_acc"] = valid;
    if (options_.report_test) result.metrics["test_acc"] = test;
    result.metrics["epochs"] = training.epochs_done();
    add_size_metrics(*network, result);
    if (training.epochs_done() == options_.epochs) {
      torch::serialize::OutputArchive archive;
      network->save(archive);
      archive.save_to((job.dir / "model.pt").string());
    }
    return result;
  }

 private:
  static torch::Device parse_device(const std::string& device) {
    try {
      return torch::Device(device);
    } catch (const c10::Error&) {
      throw automl::ConfigError("[experiment] device = \"" + device + "\" is not a torch device; use \"cpu\" or \"cuda:0\"");
    }
  }

  std::shared_ptr<automl::nn::Network> build(const automl::Architecture& arch, std::uint64_t seed) const {
    std::lock_guard<std::mutex> lock(build_mutex);
    torch::manual_seed(seed);
    return builder_->build(arch, options_.network(), info_);
  }

  void add_size_metrics(automl::nn::Network& network, automl::TrialResult& result) const {
    result.metrics["params"] = static_cast<double>(automl::nn::parameter_count(network, "aux"));
    result.metrics["multiply_adds"] = automl::nn::trace(network, info_.shape).multiply_adds;
  }

  static void append_csv(const fs::path& csv, const full_training::EpochStats& s, double valid, double test) {
    std::ofstream(csv, std::ios::app) << fmt::format("{},{:.6g},{:.6g},{:.6g},{:.6g},{},{:.3f}\n", s.epoch, s.lr,
                                                     s.train_loss, s.train_acc, valid,
                                                     std::isnan(test) ? "" : fmt::format("{:.6g}", test), s.seconds);
  }

  Options options_;
  const automl::SearchSpace* space_;
  const automl::nn::NetworkBuilder* builder_ = nullptr;
  const automl::TensorData* data_ = nullptr;
  automl::DatasetInfo info_;
  torch::Device device_;
};

void register_components(automl::Registrar& r) { r.add<FullTraining>(); }

}  // namespace

AUTOML_PLUGIN(register_components)
