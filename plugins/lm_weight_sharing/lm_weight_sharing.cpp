// Weight sharing for recurrent cells (NAO-WS and ENAS on PTB, NAO reference
// §4.11): one language-model supernet built by the search space; every node
// keeps separate weights per (predecessor, activation). Between batches it
// trains, one candidate per minibatch from the strategy's sampler; a
// candidate's score is -(cross entropy) with the shared weights on a random
// validation window (lower perplexity = higher score).

#include <cmath>

#include <fmt/format.h>
#include <torch/torch.h>

#include "automl/log.hpp"
#include "automl/nn/language_model.hpp"
#include "automl/plugin.hpp"
#include "automl/nn/round_epochs.hpp"

namespace {

class LmWeightSharing final : public automl::Evaluator {
 public:
  struct Options : automl::nn::LmOptions {
    Options() {  // the reference's search (NAO reference §4.11)
      batch_size = 256;
      lr = 0.25;
      grad_clip = 10;
      weight_decay = 5e-7;
      bptt_draw = "search";
    }
    int epochs_per_round = 200;
    int total_epochs = 1000;
    int steps_per_epoch = 0;
    int eval_batch_size = 256;
    int eval_batches = 1;
    std::string eval_window = "head";
  };
  static const automl::Schema<Options>& schema() {
    static const auto s =
        automl::nn::add_lm_fields(automl::Schema<Options>(
            "Weight sharing for recurrent cells (NAO-WS / ENAS on PTB): one language-model supernet built "
            "by the search space (rnn_cell: per node, separate weights per predecessor and activation). "
            "Before each batch of candidates it trains `epochs_per_round` epochs, one candidate per BPTT "
            "window from the strategy's sampler (uniform when it has none). Score = -(cross entropy) of a "
            "candidate with the shared weights on `eval_batches` random validation windows, eval mode. "
            "Metrics: ws_ppl, supernet_epochs."))
            .field("epochs_per_round", &Options::epochs_per_round,
                   "Supernet epochs before each batch of candidates is scored (reference: 200)")
            .range(0, 100000)
            .field("total_epochs", &Options::total_epochs, "Supernet training stops there (reference: 1000)")
            .range(1, 100000)
            .field("steps_per_epoch", &Options::steps_per_epoch,
                   "BPTT windows per epoch; 0: one pass over the training text (a smaller value continues "
                   "where the last epoch stopped)")
            .range(0, 10000000)
            .field("eval_batch_size", &Options::eval_batch_size, "Parallel validation streams (reference: 256)")
            .range(1, 65536)
            .field("eval_batches", &Options::eval_batches,
                   "Random validation windows of bptt steps per candidate; 0: the whole validation text")
            .range(0, 1000000)
            .field("eval_window", &Options::eval_window,
                   "Where a random validation window starts: head (the reference: a position in [0, steps / bptt), "
                   "so every candidate reads the first few windows of each stream) or anywhere (uniform over the "
                   "validation text: less correlated scores, not the reference's)")
            .one_of({"head", "anywhere"})
            .example("size = 16\nepochs_per_round = 1\ntotal_epochs = 2\nsteps_per_epoch = 2\nbatch_size = 4\n"
                     "bptt = 8\neval_batch_size = 4\n[search_space]\ntype = \"rnn_cell\"\n[dataset]\n"
                     "type = \"ptb\"\nroot = \"../shared/data/ptb/ptb.zip\"");
    return s;
  }

  LmWeightSharing(const Options& o, const automl::Context& ctx)
      : options_(o), seed_(ctx.seed), device_(ctx.device),
        epochs_(o.epochs_per_round, o.total_epochs),
        data_(automl::nn::lm_data(ctx, "lm_weight_sharing", o.batch_size, o.eval_batch_size, false)) {
    automl::nn::check_precision(automl::nn::parse_precision(o.precision), device_);
    torch::manual_seed(ctx.seed);
    supernet_ = data_.builder->build_supernet(automl::nn::model_config(o), data_.vocabulary);
    supernet_->to(device_);
    optimizer_ = std::make_unique<torch::optim::SGD>(supernet_->parameters(),
                                                     torch::optim::SGDOptions(o.lr).weight_decay(o.weight_decay));
  }

  bool concurrent() const override { return false; }  // one supernet
  bool trials_share_state() const override { return true; }  // the supernet lives in this process
  bool scores_drift() const override { return true; }

  // Trains up to epochs_per_round epochs (fewer once total_epochs is reached).
  void prepare_round(const automl::RoundContext& round) override {
    epochs_.run(
        round, [&](int epoch) { return train_epoch(round.sampler, epoch); },
        [&](int epoch, double nll) {
          automl::log_info(
              fmt::format("supernet epoch {}/{}: train ppl {:.2f}", epoch + 1, options_.total_epochs, std::exp(nll)));
        });
  }

  automl::TrialResult evaluate(const automl::Architecture& arch, const automl::TrialContext& trial) override {
    supernet_->select(arch);
    double nll = 0;
    if (options_.eval_batches == 0) {
      nll = automl::nn::evaluate_nll(*supernet_, data_.valid, options_.bptt);
    } else {
      // Each window starts from a zero state at a random position.
      automl::Random rng(trial.seed);
      const std::int64_t steps = data_.valid.size(0);
      for (int b = 0; b < options_.eval_batches; ++b) {
        const auto start =
            automl::nn::validation_window_start(steps, options_.bptt, options_.eval_window == "head", rng);
        const std::int64_t length = std::min<std::int64_t>(options_.bptt, steps - 1 - start);
        nll += automl::nn::evaluate_nll(*supernet_, data_.valid.narrow(0, start, length + 1), length);
      }
      nll /= options_.eval_batches;
    }
    automl::TrialResult r;
    r.score = -nll;
    r.metrics["ws_ppl"] = std::exp(nll);
    r.metrics["supernet_epochs"] = epochs_.done();
    return r;
  }

  std::string inspect(const automl::Architecture&) const override {
    const auto params = automl::nn::parameter_count(*supernet_);
    return fmt::format("language-model supernet: embedding = hidden = {}, parameters {} ({:.3f} M)\n", options_.size,
                       params, params / 1e6);
  }

  void save(automl::StateWriter& out) const override {
    automl::nn::save_training_state(*supernet_, *optimizer_, out);
    epochs_.save(out);
    out.put_int(cursor_.position);
    std::vector<double> hidden;  // the state carried into the next window
    if (cursor_.hidden.defined()) {
      const auto h = cursor_.hidden.to(torch::kCPU, torch::kDouble).contiguous();
      hidden.assign(h.data_ptr<double>(), h.data_ptr<double>() + h.numel());
    }
    out.put_doubles(hidden);
  }

  void load(automl::StateReader& in) override {
    automl::nn::load_training_state(*supernet_, *optimizer_, in, device_, "lm_weight_sharing");
    epochs_.load(in);
    cursor_ = {};
    cursor_.position = in.get_int();
    const auto hidden = in.get_doubles();
    if (!hidden.empty()) {
      if (static_cast<std::int64_t>(hidden.size()) != data_.train.size(1) * options_.size)
        throw automl::DataError("lm_weight_sharing: the saved state does not match this supernet");
      cursor_.hidden =
          torch::tensor(hidden, torch::kDouble).view({data_.train.size(1), options_.size}).to(device_, torch::kFloat);
    }
  }

 private:
  // One epoch; returns its mean training cross entropy. Candidates, window
  // lengths and dropout masks derive from the seed and the epoch, so a
  // resumed search repeats them.
  double train_epoch(const automl::Sampler& sampler, int epoch) {
    automl::Random rng(automl::derive_seed(seed_, "candidates", epoch));
    supernet_->reseed(automl::derive_seed(seed_, "network", epoch));
    supernet_->train();
    const auto train = automl::nn::train_options(options_);
    double sum = 0, tokens = 0;
    for (std::int64_t step = 0; options_.steps_per_epoch == 0 || step < options_.steps_per_epoch; ++step) {
      supernet_->select(sampler(rng));
      double nll = 0;
      try {
        nll = automl::nn::lm_train_step(*supernet_, *optimizer_, data_.train, cursor_, train, rng);
      } catch (const automl::Error& e) {
        throw automl::Error("lm_weight_sharing, supernet epoch " + std::to_string(epoch + 1) + ": " + e.what());
      }
      sum += nll * static_cast<double>(cursor_.length), tokens += static_cast<double>(cursor_.length);
      if (cursor_.wrapped && options_.steps_per_epoch == 0) break;
    }
    return sum / tokens;
  }

  Options options_;
  std::uint64_t seed_;
  torch::Device device_;
  std::shared_ptr<automl::nn::LmSupernet> supernet_;
  std::unique_ptr<torch::optim::SGD> optimizer_;
  automl::nn::LmCursor cursor_;
  automl::nn::RoundEpochs epochs_;
  automl::nn::LmData data_;
};

void register_components(automl::Registrar& r) { r.add<LmWeightSharing>(); }

}  // namespace

AUTOML_PLUGIN(register_components)
