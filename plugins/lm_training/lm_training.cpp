// Trains every candidate's language model from scratch (NAO's PTB models;
// the DARTS-derived reference code): truncated BPTT with variable length,
// SGD with the learning rate scaled by window length, gradient clipping,
// weight decay, activation regularization. Score = -ln(validation
// perplexity), so lower perplexity scores higher.

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <mutex>

#include <fmt/format.h>
#include <torch/torch.h>

#include "automl/log.hpp"
#include "automl/nn/language_model.hpp"
#include "automl/plugin.hpp"
#include "automl/nn/train_dir.hpp"

namespace {

namespace fs = std::filesystem;

// Model construction draws its initial weights from torch's global
// generator; parallel trials take turns so that each build sees its own seed.
std::mutex build_mutex;

class LmTraining final : public automl::Evaluator {
 public:
  struct Options : automl::nn::LmOptions {
    int epochs = 5;
    int steps_per_epoch = 0;
    int eval_batch_size = 10;
    int valid_windows = 0;
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
            .range(1, 100000)
            .field("steps_per_epoch", &Options::steps_per_epoch,
                   "BPTT steps per epoch; 0: one pass over the training text (a smaller value makes quick, "
                   "low-fidelity trials; the next epoch continues where this one stopped)")
            .range(0, 10000000)
            .field("eval_batch_size", &Options::eval_batch_size, "Parallel streams when measuring perplexity")
            .range(1, 65536)
            .field("valid_windows", &Options::valid_windows,
                   "Validation windows of bptt steps per measurement, from the start of the validation text; "
                   "0: the whole text (the reference; a smaller value makes quick, low-fidelity scores)")
            .range(0, 10000000)
            .field("report_test", &Options::report_test, "Also measure test perplexity (metric test_ppl)")
            .example("size = 16\nepochs = 1\nsteps_per_epoch = 2\nbatch_size = 4\nbptt = 8\neval_batch_size = 256\n"
                     "valid_windows = 4\n"
                     "[search_space]\n"
                     "type = \"rnn_cell\"\n[dataset]\ntype = \"ptb\"\nroot = \"../shared/data/ptb/ptb.zip\"");
    return s;
  }

  LmTraining(const Options& o, const automl::Context& ctx) : options_(o),
        space_(ctx.space),
        device_(ctx.device),
        data_(automl::nn::lm_data(ctx, "lm_training", o.batch_size, o.eval_batch_size, o.report_test)) {
    automl::nn::check_precision(automl::nn::parse_precision(o.precision), device_);
  }

  bool concurrent() const override { return device_.is_cpu(); }

  // Epochs as fidelity: a trial asked for f epochs trains the first f.
  std::optional<automl::FidelityRange> fidelities() const override {
    return automl::FidelityRange{1, static_cast<double>(options_.epochs), "epochs", {}};
  }

  automl::TrialResult evaluate(const automl::Architecture& arch, const automl::TrialContext& trial) override {
    const auto start = std::chrono::steady_clock::now();
    const int target = automl::nn::fidelity_epochs(trial, options_.epochs);
    const auto from = automl::nn::continuation(trial);  // a promotion continues its lower fidelity's training
    Run run(build(arch, from.seed), options_);
    if (!from.checkpoint.empty()) load(run, from.checkpoint);
    const int resumed_at = run.epochs_done;
    automl::TrialResult result;
    double train_nll = NAN;
    while (run.epochs_done < target) {
      train_nll = train_epoch(run, from.seed, run.epochs_done);
      ++run.epochs_done;
      result.curve.push_back({static_cast<double>(run.epochs_done), {{"train_ppl", std::exp(train_nll)}}});
    }
    result.fidelity = target;
    result.metrics["epochs"] = target;
    result.metrics["resumed_at_epoch"] = resumed_at;
    automl::nn::keep_for_promotion(trial, target, options_.epochs, from.seed,
                                   [&](const fs::path& file) { save(run, file); });
    const double valid = automl::nn::evaluate_nll(*run.model, valid_text(), options_.bptt);
    result.score = -valid;
    result.metrics["valid_ppl"] = std::exp(valid);
    result.metrics["train_ppl"] = std::exp(train_nll);
    if (!result.curve.empty()) result.curve.back().values["valid_ppl"] = result.metrics["valid_ppl"];
    if (options_.report_test)
      result.metrics["test_ppl"] = std::exp(automl::nn::evaluate_nll(*run.model, data_.test, options_.bptt));
    result.metrics["params"] = static_cast<double>(automl::nn::parameter_count(*run.model));
    result.metrics["train_seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
  }

  bool can_train() const override { return true; }

  // The final training of a cell: a checkpoint after every epoch (resumed
  // when present), the best model by validation perplexity in model.pt, one
  // metrics.csv row per epoch. With the same seed and epochs it reaches the
  // weights evaluate() reaches.
  automl::TrialResult train(const automl::Architecture& arch, const automl::TrainJob& job) override {
    fs::create_directories(job.dir);
    automl::nn::claim_training_dir(job.dir, space_->to_text(arch));
    Run run(build(arch, job.seed), options_);
    const fs::path checkpoint = job.dir / "checkpoint.pt", csv = job.dir / "metrics.csv", best = job.dir / "model.pt";
    if (fs::exists(checkpoint)) {
      load(run, checkpoint);
      automl::log_info(fmt::format("resuming {} after epoch {}", job.dir.string(), run.epochs_done));
    }
    automl::nn::trim_csv(csv, run.epochs_done, "epoch,train_ppl,valid_ppl,test_ppl,seconds");
    while (run.epochs_done < options_.epochs) {
      if (job.stop && job.stop()) break;
      const auto start = std::chrono::steady_clock::now();
      const double train_nll = train_epoch(run, job.seed, run.epochs_done);
      const double valid = automl::nn::evaluate_nll(*run.model, valid_text(), options_.bptt);
      const double test = options_.report_test ? automl::nn::evaluate_nll(*run.model, data_.test, options_.bptt) : NAN;
      ++run.epochs_done;
      if (valid < run.best_valid) {
        run.best_valid = valid, run.best_test = test;
        torch::serialize::OutputArchive archive;
        run.model->save(archive);
        save_atomically(archive, best);
      }
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::ofstream(csv, std::ios::app) << fmt::format("{},{:.6g},{:.6g},{},{:.3f}\n", run.epochs_done,
                                                       std::exp(train_nll), std::exp(valid),
                                                       std::isnan(test) ? "" : fmt::format("{:.6g}", std::exp(test)),
                                                       seconds);
      save(run, checkpoint);  // after the row: a kill in between redoes this epoch and its row
      if (job.progress)
        job.progress(fmt::format("epoch {}/{} train ppl {:.2f} valid ppl {:.2f}{} (best {:.2f}) {:.0f} s/epoch",
                                 run.epochs_done, options_.epochs, std::exp(train_nll), std::exp(valid),
                                 std::isnan(test) ? "" : fmt::format(" test ppl {:.2f}", std::exp(test)),
                                 std::exp(run.best_valid), seconds));
    }
    automl::TrialResult result;
    result.score = -run.best_valid;
    result.metrics["valid_ppl"] = std::exp(run.best_valid);
    if (options_.report_test) result.metrics["test_ppl"] = std::exp(run.best_test);
    result.metrics["epochs"] = run.epochs_done;
    result.metrics["params"] = static_cast<double>(automl::nn::parameter_count(*run.model));
    return result;
  }

  std::string inspect(const automl::Architecture& arch) const override {
    auto model = build(arch, 0);
    const auto params = automl::nn::parameter_count(*model);
    return fmt::format("language model: vocabulary {}, embedding = hidden = {} (tied decoder)\n"
                       "parameters {} ({:.3f} M)\n",
                       data_.vocabulary, options_.size, params, params / 1e6);
  }

 private:
  // The validation text measured: all of it, or its first valid_windows
  // windows (each window's targets are the next bptt rows).
  at::Tensor valid_text() const {
    if (options_.valid_windows == 0) return data_.valid;
    const std::int64_t rows = std::int64_t{options_.valid_windows} * options_.bptt + 1;
    return data_.valid.narrow(0, 0, std::min(rows, data_.valid.size(0)));
  }

  // One model under training and where it stands.
  struct Run {
    Run(std::shared_ptr<automl::nn::LanguageModel> m, const Options& o)
        : model(std::move(m)),
          optimizer(model->parameters(), torch::optim::SGDOptions(o.lr).weight_decay(o.weight_decay)) {}
    std::shared_ptr<automl::nn::LanguageModel> model;
    torch::optim::SGD optimizer;
    automl::nn::LmCursor cursor;
    int epochs_done = 0;
    double best_valid = INFINITY, best_test = NAN;
  };

  // Epoch `epoch`; returns its mean training cross entropy. Dropout masks
  // and window lengths derive from (seed, epoch), so a resumed training
  // repeats them.
  double train_epoch(Run& run, std::uint64_t seed, int epoch) const {
    run.model->reseed(automl::derive_seed(seed, "dropout", static_cast<std::uint64_t>(epoch)));
    automl::Random rng(automl::derive_seed(seed, "bptt", static_cast<std::uint64_t>(epoch)));
    run.model->train();
    const auto options = automl::nn::train_options(options_);
    double sum = 0, tokens = 0;
    for (std::int64_t step = 0; options_.steps_per_epoch == 0 || step < options_.steps_per_epoch; ++step) {
      try {
        sum += automl::nn::lm_train_step(*run.model, run.optimizer, data_.train, run.cursor, options, rng) *
               static_cast<double>(run.cursor.length);
      } catch (const automl::Error& e) {
        throw automl::Error("lm_training, epoch " + std::to_string(epoch + 1) + ": " + e.what());
      }
      tokens += static_cast<double>(run.cursor.length);
      if (run.cursor.wrapped && options_.steps_per_epoch == 0) break;
    }
    return sum / tokens;
  }

  static void save_atomically(torch::serialize::OutputArchive& archive, const fs::path& file) {
    const fs::path tmp = file.string() + ".tmp";
    archive.save_to(tmp.string());
    fs::rename(tmp, file);
  }

  void save(const Run& run, const fs::path& file) const {
    torch::serialize::OutputArchive archive;
    run.model->save(archive);
    torch::serialize::OutputArchive optimizer;
    run.optimizer.save(optimizer);
    archive.write("optimizer", optimizer);
    archive.write("progress", torch::tensor({static_cast<double>(run.epochs_done), run.best_valid, run.best_test,
                                             static_cast<double>(run.cursor.position)},
                                            torch::kDouble));
    if (run.cursor.hidden.defined()) archive.write("hidden", run.cursor.hidden);
    save_atomically(archive, file);
  }

  void load(Run& run, const fs::path& file) const {
    torch::serialize::InputArchive archive;
    try {
      archive.load_from(file.string(), device_);
      run.model->load(archive);
      torch::serialize::InputArchive optimizer;
      archive.read("optimizer", optimizer);
      run.optimizer.load(optimizer);
      torch::Tensor progress;
      archive.read("progress", progress);
      run.epochs_done = static_cast<int>(progress[0].item<double>());
      run.best_valid = progress[1].item<double>();
      run.best_test = progress[2].item<double>();
      run.cursor.position = static_cast<std::int64_t>(progress[3].item<double>());
      torch::Tensor hidden;
      if (archive.try_read("hidden", hidden)) run.cursor.hidden = hidden;
    } catch (const c10::Error&) {
      throw automl::DataError("lm_training: cannot read checkpoint " + file.string() +
                              " (truncated, or from another model size?); delete it to start over");
    }
  }

  std::shared_ptr<automl::nn::LanguageModel> build(const automl::Architecture& arch, std::uint64_t seed) const {
    std::lock_guard<std::mutex> lock(build_mutex);
    torch::manual_seed(seed);
    auto model = data_.builder->build(arch, automl::nn::model_config(options_), data_.vocabulary);
    model->to(device_);
    return model;
  }

  Options options_;
  const automl::SearchSpace* space_;
  torch::Device device_;
  automl::nn::LmData data_;
};

void register_components(automl::Registrar& r) { r.add<LmTraining>(); }

}  // namespace

AUTOML_PLUGIN(register_components)
