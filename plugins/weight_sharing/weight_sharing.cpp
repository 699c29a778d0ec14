// Weight-sharing evaluator (NAO-WS, ENAS, random-WS): one supernet built by
// the search space holds the weights of every candidate. Between batches it
// trains, one candidate per minibatch drawn from the strategy's sampler; a
// candidate's score is its accuracy with the shared weights on a random
// validation batch (NAO reference §4.6-4.7).

#include <cmath>

#include <fmt/format.h>
#include <torch/torch.h>

#include "automl/data/tensor_data.hpp"
#include "automl/log.hpp"
#include "automl/nn/network.hpp"
#include "automl/nn/memory_format.hpp"
#include "automl/nn/precision.hpp"
#include "automl/plugin.hpp"
#include "automl/nn/round_epochs.hpp"
#include "automl/nn/sgd_options.hpp"
#include "automl/parallel.hpp"

namespace {

using automl::Split;

class WeightSharing final : public automl::Evaluator {
 public:
  struct Options : automl::nn::SgdOptions {  // lr_max, lr_min, momentum, ...: automl/nn/sgd_options.hpp
    Options() { lr_min = 0.001; }
    int layers = 3;
    int channels = 20;
    double drop_path_keep = 0.9;
    double dropout = 0.0;
    int epochs_per_round = 30;
    int total_epochs = 150;
    int batch_size = 64;
    int steps_per_epoch = 0;
    int eval_batch_size = 500;
    int eval_batches = 1;
    std::string schedule = "search";
    bool recompute = false;
  };
  static const automl::Schema<Options>& schema() {
    static const auto s =
        automl::nn::add_sgd_fields(automl::Schema<Options>(
            "Weight sharing (NAO-WS): one supernet built by the search space holds every candidate's "
            "weights. Before each round of candidates it trains `epochs_per_round` epochs, one candidate "
            "per minibatch from the strategy's sampler (uniform when it has none), SGD with a cosine "
            "learning rate over `total_epochs`. Score = accuracy (fraction) with the shared weights on "
            "`eval_batches` random validation batches of `eval_batch_size`, batch-statistics BN.")
            .field("layers", &Options::layers, "Cells per stage (N) of the supernet").range(1, 16)
            .field("channels", &Options::channels, "Channels of the first stage (C)").range(2, 1024)
            .field("drop_path_keep", &Options::drop_path_keep, "Drop-path keep probability (last cell, end); 1: off")
            .range(0.01, 1)
            .field("dropout", &Options::dropout, "Dropout before the classifier").range(0, 0.99)
            .field("epochs_per_round", &Options::epochs_per_round,
                   "Supernet epochs before each round of candidates is scored (reference: 30)")
            .range(0, 100000)
            .field("total_epochs", &Options::total_epochs,
                   "Length of the cosine schedule and of drop-path's progress; training stops there "
                   "(reference: 150)")
            .range(1, 100000)
            .field("batch_size", &Options::batch_size, "Training batch size").range(2, 65536)
            .field("steps_per_epoch", &Options::steps_per_epoch,
                   "Training steps per epoch; 0: one pass over the training split")
            .range(0, 10000000))
            .field("eval_batch_size", &Options::eval_batch_size, "Validation images per scoring batch").range(2, 65536)
            .field("eval_batches", &Options::eval_batches,
                   "Random validation batches per candidate; 0: the whole validation split")
            .range(0, 1000000)
            .field("schedule", &Options::schedule,
                   "search: one cosine and one drop-path progress over total_epochs (NAO V1); round: both restart "
                   "at every round and run over epochs_per_round (NAO V2's 4 x 50-epoch runs)")
            .one_of({"search", "round"})
            .field("recompute", &Options::recompute,
                   "Recompute the separable convolutions' activations in the backward pass instead of saving them: "
                   "less memory, more time per step (nasnet_cnn; README)")
            .rule("schedule",
                  [](const Options& o) {
                    return o.schedule == "round" && o.epochs_per_round < 1 ? "\"round\" needs epochs_per_round >= 1"
                                                                           : "";
                  })
            .example("layers = 1\nchannels = 4\nepochs_per_round = 1\ntotal_epochs = 2\nsteps_per_epoch = 2\n"
                     "batch_size = 8\neval_batch_size = 16\n[search_space]\ntype = \"nasnet_cnn\"\n[dataset]\n"
                     "type = \"fashion_mnist\"\nvalid_count = 100");
    return s;
  }

  WeightSharing(const Options& o, const automl::Context& ctx)
      : options_(o), seed_(ctx.seed), device_(ctx.device), precision_(automl::nn::parse_precision(o.precision)),
        scaler_(precision_ == automl::nn::Precision::fp16), epochs_(o.epochs_per_round, o.total_epochs) {
    automl::nn::check_precision(precision_, device_);
    const auto* builder = ctx.space->networks();
    if (ctx.dataset == nullptr || ctx.dataset->tensors() == nullptr)
      throw automl::ConfigError("[evaluator] weight_sharing trains a supernet and needs a [dataset] with batches "
                                "(e.g. type = \"fashion_mnist\")");
    data_ = ctx.dataset->tensors();
    info_ = ctx.dataset->info();
    torch::manual_seed(ctx.seed);
    if (builder != nullptr) supernet_ = builder->build_supernet({o.layers, o.channels, false, o.dropout, o.drop_path_keep, o.recompute}, info_);
    if (!supernet_)
      throw automl::ConfigError("[evaluator] weight_sharing: the search space has no weight-sharing supernet; use "
                                "one that does (nasnet_cnn) or the full_training / tabular evaluators");
    supernet_->to(device_);
    channels_last_ = automl::nn::channels_last(o.memory_format, device_);
    if (channels_last_) automl::nn::to_channels_last(*supernet_);
    optimizer_ = std::make_unique<torch::optim::SGD>(
        supernet_->parameters(),
        torch::optim::SGDOptions(o.lr_max).momentum(o.momentum).nesterov(o.nesterov).weight_decay(o.weight_decay));
    const std::int64_t batches = data_->split_size(Split::train) / o.batch_size;
    if (batches < 1) throw automl::ConfigError("[evaluator] weight_sharing: fewer training images than one batch");
    steps_per_epoch_ = o.steps_per_epoch > 0 ? o.steps_per_epoch : batches;
    if (data_->split_size(Split::valid) < 1)
      throw automl::ConfigError("[evaluator] weight_sharing scores on the validation split, which is empty; set "
                                "[dataset] valid_count");
  }

  bool concurrent() const override { return false; }  // one supernet, and scoring updates BN statistics
  bool trials_share_state() const override { return true; }  // the supernet lives in this process
  bool scores_drift() const override { return true; }

  // Trains up to epochs_per_round epochs (fewer once total_epochs is reached).
  void prepare_round(const automl::RoundContext& round) override {
    epochs_.run(
        round, [&](int epoch) { return train_epoch(round.sampler, epoch); },
        [&](int epoch, double loss) {
          automl::log_info(fmt::format("supernet epoch {}/{}: loss {:.4f}, lr {:.5f}", epoch + 1,
                                       options_.total_epochs, loss, learning_rate(epoch)));
        });
    // Scoring's large validation batches would otherwise land beside the
    // training steps' freed activations, which the tuned allocator keeps.
    automl::release_free_memory();
  }

  automl::TrialResult evaluate(const automl::Architecture& arch, const automl::TrialContext& trial) override {
    torch::NoGradGuard no_grad;
    supernet_->select(arch);
    supernet_->set_scoring(true);
    automl::LoaderOptions loader;
    loader.batch_size = options_.eval_batch_size;
    loader.device = automl::nn::loader_device(options_.data_on_device, device_);
    auto stream = data_->stream(Split::valid, loader, trial.seed);  // a fresh random batch per candidate
    automl::Batch batch;
    double correct = 0, seen = 0;
    for (int b = 0; (options_.eval_batches == 0 || b < options_.eval_batches) && stream->next(batch); ++b) {
      const torch::Tensor y = batch.targets.to(device_);
      const automl::nn::Autocast autocast(precision_, device_);
      correct += supernet_->forward(inputs(batch)).logits.argmax(1).eq(y).sum().item<double>();
      seen += static_cast<double>(y.size(0));
    }
    supernet_->set_scoring(false);
    automl::TrialResult r;
    r.score = correct / seen;
    r.metrics["ws_acc"] = r.score;
    r.metrics["supernet_epochs"] = epochs_.done();
    return r;
  }

  std::string inspect(const automl::Architecture& arch) const override {
    supernet_->select(arch);
    const auto trace = automl::nn::trace(*supernet_, info_.shape);
    std::string out = fmt::format("supernet (layers = {}, channels = {}), path of this architecture\n",
                                  options_.layers, options_.channels);
    for (const auto& [name, shape] : trace.stages) {
      std::string dims;
      for (auto d : shape) dims += (dims.empty() ? "" : "x") + std::to_string(d);
      out += fmt::format("  {:<20} {}\n", name, dims);
    }
    out += fmt::format("supernet parameters  {} ({:.3f} M)\n", automl::nn::parameter_count(*supernet_),
                       automl::nn::parameter_count(*supernet_) / 1e6);
    out += fmt::format("multiply-adds        {:.1f} M per input on this path\n", trace.multiply_adds / 1e6);
    return out;
  }

  void save(automl::StateWriter& out) const override {
    automl::nn::save_training_state(*supernet_, *optimizer_, out);
    epochs_.save(out);
    if (scaler_.enabled()) out.put_doubles(scaler_.state());
  }

  void load(automl::StateReader& in) override {
    automl::nn::load_training_state(*supernet_, *optimizer_, in, device_, "weight_sharing");
    if (channels_last_) automl::nn::to_channels_last(*supernet_);  // reading replaced the weights' storage
    epochs_.load(in);
    if (scaler_.enabled()) scaler_.set_state(in.get_doubles());
  }

 private:
  // The schedule's period in epochs and an epoch's place in it: the whole
  // search (total_epochs), or the epoch's round ("round").
  int period() const { return options_.schedule == "round" ? options_.epochs_per_round : options_.total_epochs; }
  int phase(int epoch) const { return options_.schedule == "round" ? epoch % options_.epochs_per_round : epoch; }

  double learning_rate(int epoch) const {
    return automl::nn::cosine_lr(options_.lr_max, options_.lr_min, phase(epoch), period());
  }

  // One epoch; returns its mean training loss.
  double train_epoch(const automl::Sampler& sampler, int epoch) {
    for (auto& group : optimizer_->param_groups())
      static_cast<torch::optim::SGDOptions&>(group.options()).lr(learning_rate(epoch));
    // Candidates, batches, augmentation and drop-path all derive from the
    // seed and the epoch, so a resumed search repeats them.
    automl::Random rng(automl::derive_seed(seed_, "candidates", epoch));
    supernet_->reseed(automl::derive_seed(seed_, "network", epoch));
    supernet_->train();
    automl::LoaderOptions loader;
    loader.batch_size = options_.batch_size;
    loader.augment = true;
    loader.drop_last = true;
    loader.device = automl::nn::loader_device(options_.data_on_device, device_);
    std::unique_ptr<automl::BatchStream> stream;
    automl::Batch batch;
    int pass = 0;
    double loss_sum = 0;
    const std::int64_t total_steps = steps_per_epoch_ * period();
    for (std::int64_t step = 0; step < steps_per_epoch_; ++step) {
      while (!stream || !stream->next(batch))
        stream = data_->stream(Split::train, loader, automl::derive_seed(seed_, "batches", 1000003ull * epoch + pass++));
      supernet_->select(sampler(rng));
      supernet_->set_progress(phase(epoch) * steps_per_epoch_ + step, total_steps);
      // Zero-filled, not freed (LibTorch 1.13's zero_grad, as the reference's
      // torch 1.13): once used, an op keeps receiving weight decay and
      // momentum on steps whose candidate does not use it.
      optimizer_->zero_grad();
      const torch::Tensor y = batch.targets.to(device_);
      torch::Tensor loss;
      {
        const automl::nn::Autocast autocast(precision_, device_);
        loss = torch::cross_entropy_loss(supernet_->forward(inputs(batch)).logits, y);
      }
      const double value = loss.item<double>();
      if (!std::isfinite(value))
        throw automl::Error("weight_sharing: the supernet's loss became " + std::to_string(value) + " at epoch " +
                            std::to_string(epoch + 1) + "; lower lr_max or set grad_clip");
      automl::nn::backward_and_step(loss, *optimizer_, options_.grad_clip, scaler_);
      loss_sum += value;
    }
    return loss_sum / static_cast<double>(steps_per_epoch_);
  }

  // A batch's inputs on the device, in the supernet's layout.
  torch::Tensor inputs(const automl::Batch& batch) const {
    return automl::nn::network_input(batch.inputs, device_, channels_last_);
  }

  Options options_;
  std::uint64_t seed_;
  torch::Device device_;
  bool channels_last_ = false;
  automl::nn::Precision precision_;
  automl::nn::LossScaler scaler_;
  const automl::TensorData* data_ = nullptr;
  automl::DatasetInfo info_;
  std::shared_ptr<automl::nn::Supernet> supernet_;
  std::unique_ptr<torch::optim::SGD> optimizer_;
  std::int64_t steps_per_epoch_ = 0;
  automl::nn::RoundEpochs epochs_;
};

void register_components(automl::Registrar& r) { r.add<WeightSharing>(); }

}  // namespace

AUTOML_PLUGIN(register_components)
