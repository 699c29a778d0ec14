// Trains every candidate's language model from scratch (NAO's PTB models;
// the DARTS-derived reference code): truncated BPTT with variable length,
// SGD with the learning rate scaled by window length, gradient clipping,
// weight decay, activation regularization. Score = -ln(validation
// perplexity), so lower perplexity scores higher.

#include <chrono>
#include <cmath>
#include <mutex>

#include <fmt/format.h>
#include <torch/torch.h>

#include "automl/log.hpp"
#include "automl/nn/language_model.hpp"
#include "automl/plugin.hpp"

namespace {

using automl::Split;

// Model construction draws its initial weights from torch's global
// generator; parallel trials take turns so that each build sees its own seed.
std::mutex build_mutex;

class LmTraining final : public automl::Evaluator {
 public:
  struct Options : automl::nn::LmOptions {
    int epochs = 5;
    int steps_per_epoch = 0;
    int eval_batch_size = 10;
    bool report_test = false;
  };
  static const automl::Schema<Options>& schema() {
    static const auto s =
        automl::nn::add_lm_fields(automl::Schema<Options>(
            "Trains every candidate's word-level language model from scratch (a recurrent cell built by "
            "the search space, e.g. rnn_cell, with tied embedding) and scores it by -ln(validation "
            "perplexity). Truncated BPTT with the reference's variable length, SGD with lr scaled by "
            "window length / bptt, gradient clipping, weight decay, AR/TAR. Metrics: valid_ppl, test_ppl "
            "(report_test), train_ppl, params, train_seconds."))
            .field("epochs", &Options::epochs, "Training epochs per candidate (reference final training: 4000)")
            .at_least(1)
            .field("steps_per_epoch", &Options::steps_per_epoch,
                   "BPTT steps per epoch; 0: one pass over the training text (a smaller value makes quick, "
                   "low-fidelity trials; the next epoch continues where this one stopped)")
            .at_least(0)
            .field("eval_batch_size", &Options::eval_batch_size, "Parallel streams when measuring perplexity")
            .at_least(1)
            .field("report_test", &Options::report_test, "Also measure test perplexity (metric test_ppl)")
            .example("size = 16\nepochs = 1\nsteps_per_epoch = 2\nbatch_size = 4\nbptt = 8\neval_batch_size = 256\n"
                     "[search_space]\n"
                     "type = \"rnn_cell\"\n[dataset]\ntype = \"ptb\"\nroot = \"../shared/data/ptb/ptb.zip\"");
    return s;
  }

  LmTraining(const Options& o, const automl::Context& ctx) : options_(o), device_(ctx.device) {
    builder_ = ctx.space->language_models();
    if (builder_ == nullptr)
      throw automl::ConfigError("[evaluator] lm_training: the search space builds no language models; use one "
                                "that does (rnn_cell), or full_training for image networks");
    if (ctx.dataset == nullptr || ctx.dataset->tensors() == nullptr || ctx.dataset->info().task != "language_model")
      throw automl::ConfigError("[evaluator] lm_training needs a language-model [dataset] (e.g. type = \"ptb\")");
    const auto& data = *ctx.dataset->tensors();
    vocabulary_ = ctx.dataset->info().classes;
    train_ = automl::nn::batchify(data, Split::train, o.batch_size, device_);
    valid_ = automl::nn::batchify(data, Split::valid, o.eval_batch_size, device_);
    if (o.report_test) test_ = automl::nn::batchify(data, Split::test, o.eval_batch_size, device_);
    if (train_.size(0) < 3)
      throw automl::ConfigError("[evaluator] lm_training: batch_size = " + std::to_string(o.batch_size) +
                                " leaves fewer than 3 steps per stream of the training text; lower it");
  }

  bool concurrent() const override { return device_.is_cpu(); }

  automl::TrialResult evaluate(const automl::Architecture& arch, const automl::TrialContext& trial) override {
    const auto start = std::chrono::steady_clock::now();
    auto model = build(arch, trial.seed);
    model->reseed(automl::derive_seed(trial.seed, "dropout"));
    automl::Random rng(automl::derive_seed(trial.seed, "bptt"));
    torch::optim::SGD optimizer(model->parameters(), torch::optim::SGDOptions(options_.lr).weight_decay(options_.weight_decay));
    const auto train = automl::nn::train_options(options_);
    automl::nn::LmCursor cursor;
    double epoch_nll = 0;
    for (int epoch = 0; epoch < options_.epochs; ++epoch) {
      model->train();
      double sum = 0, tokens = 0;
      for (std::int64_t step = 0; options_.steps_per_epoch == 0 || step < options_.steps_per_epoch; ++step) {
        double nll = 0;
        try {
          nll = automl::nn::lm_train_step(*model, optimizer, train_, cursor, train, rng);
        } catch (const automl::Error& e) {
          throw automl::Error("lm_training, epoch " + std::to_string(epoch + 1) + ": " + e.what());
        }
        sum += nll * static_cast<double>(cursor.length), tokens += static_cast<double>(cursor.length);
        if (cursor.wrapped && options_.steps_per_epoch == 0) break;
      }
      epoch_nll = sum / tokens;
    }
    const double valid = automl::nn::evaluate_nll(*model, valid_, options_.bptt);
    automl::TrialResult result;
    result.score = -valid;
    result.metrics["valid_ppl"] = std::exp(valid);
    result.metrics["train_ppl"] = std::exp(epoch_nll);
    if (options_.report_test) result.metrics["test_ppl"] = std::exp(automl::nn::evaluate_nll(*model, test_, options_.bptt));
    result.metrics["params"] = static_cast<double>(automl::nn::parameter_count(*model));
    result.metrics["train_seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
  }

  std::string inspect(const automl::Architecture& arch) const override {
    auto model = build(arch, 0);
    const auto params = automl::nn::parameter_count(*model);
    return fmt::format("language model: vocabulary {}, embedding = hidden = {} (tied decoder)\nparameters {} ({:.3f} M)\n",
                       vocabulary_, options_.size, params, params / 1e6);
  }

 private:
  std::shared_ptr<automl::nn::LanguageModel> build(const automl::Architecture& arch, std::uint64_t seed) const {
    std::lock_guard<std::mutex> lock(build_mutex);
    torch::manual_seed(seed);
    auto model = builder_->build(arch, automl::nn::model_config(options_), vocabulary_);
    model->to(device_);
    return model;
  }

  Options options_;
  torch::Device device_;
  const automl::nn::LanguageModelBuilder* builder_ = nullptr;
  std::int64_t vocabulary_ = 0;
  torch::Tensor train_, valid_, test_;
};

void register_components(automl::Registrar& r) { r.add<LmTraining>(); }

}  // namespace

AUTOML_PLUGIN(register_components)
