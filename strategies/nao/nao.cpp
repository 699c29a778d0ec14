// Neural Architecture Optimization (Luo et al., NeurIPS 2018), following the
// authors' PyTorch code (NAO_pytorch V1, options for V2): a pool of evaluated
// architectures trains an encoder-predictor-decoder controller; gradient
// ascent on the predictor in embedding space, then decoding, proposes new
// architectures.

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <torch/torch.h>

#include "automl/log.hpp"
#include "automl/plugin.hpp"
#include "automl/ranking.hpp"
#include "trainer.hpp"

namespace {

using automl::Architecture;

class Nao final : public automl::Strategy {
 public:
  // The controller's and the trainer's options are inherited, so each key
  // has one home; the strategy adds the pool and generation keys.
  struct Options : nao::ControllerOptions, nao::TrainOptions {
    Options() {  // "auto": as the space's reference controller
      attention = "auto";
      predictor_init = -1;
    }
    std::string optimizer_scope = "auto";
    int pool_size = 600;
    int new_archs = 300;
    int seeds = 100;
    int max_step_size = 50;
    int rounds = 4;
    int random_new = 0;
    int candidates = 0;
    int unlabeled = 0;
    std::string pool_update = "v1";
    double holdout_fraction = 0.0;
  };
  static const automl::Schema<Options>& schema();

  Nao(const Options& o, const automl::Context& ctx)
      : o_(resolve(o, *require_tokens(ctx))), space_(*ctx.space), tokens_(require_tokens(ctx)), rng_(ctx.seed),
        controller_(make_controller(o_, *tokens_, automl::derive_seed(ctx.seed, "controller"))) {
    if (o_.optimizer_scope == "search") adam_ = nao::make_optimizer(controller_, o_);
    automl::log_info(fmt::format("nao: controller with {} attention, predictor init {}, {}", o_.attention,
                                 o_.predictor_init > 0 ? fmt::format("U(+-{})", o_.predictor_init) : "torch's default",
                                 o_.optimizer_scope == "search" ? "one Adam for the search" : "a fresh Adam per round"));
  }

  std::vector<Architecture> ask(const automl::AskContext& context) override {
    drift_ = context.scores_drift;
    if (finished_) return {};
    if (round_ == 0 && pool_.empty()) start_pool();
    return pending_;
  }

  void tell(const std::vector<automl::Observation>& results) override {
    diagnostics_.clear();
    record(results);
    if (o_.rounds > 0 && round_ >= o_.rounds) return finish();
    const auto training = training_set();
    if (training.size() < 2) return finish();
    train(training);
    const auto fresh = propose();
    if (fresh.empty()) return finish();
    update_pool(fresh);
    ++round_;
  }

  automl::Sampler training_sampler() const override {
    const auto& from = (o_.pool_update == "v2" && !last_new_.empty()) ? last_new_ : pool_archs();
    if (from.empty()) return nullptr;
    return [from](automl::Random& rng) { return from[rng.index(from.size())]; };
  }

  std::map<std::string, double> diagnostics() const override { return diagnostics_; }

  void save(automl::StateWriter& out) const override;
  void load(automl::StateReader& in) override;

 private:
  static const automl::TokenEncoding* require_tokens(const automl::Context& ctx) {
    const auto* t = ctx.space->tokens();
    if (t == nullptr)
      throw automl::ConfigError("[strategy] nao needs a search space with a token encoding; this one has none");
    return t;
  }

  // "auto" settings become those of the space's reference controller.
  static Options resolve(Options o, const automl::TokenEncoding& tokens) {
    const auto reference = tokens.controller_reference();
    if (o.attention == "auto") o.attention = reference.attention;
    if (o.predictor_init < 0) o.predictor_init = reference.predictor_init;
    if (o.optimizer_scope == "auto") o.optimizer_scope = reference.one_optimizer ? "search" : "round";
    return o;
  }

  // Initial weights come from torch's generator, seeded here from the
  // experiment seed so that a run repeats exactly.
  static nao::Controller make_controller(const Options& o, const automl::TokenEncoding& tokens, std::uint64_t seed) {
    torch::manual_seed(seed);
    nao::ControllerOptions c = o;
    c.vocab = tokens.vocab_size();
    c.length = tokens.length();
    return nao::Controller(c);
  }

  std::vector<Architecture> pool_archs() const {
    std::vector<Architecture> out;
    for (const auto& m : pool_) out.push_back(m.arch);
    return out;
  }

  // The first batch: pool_size distinct uniform samples (NAO's seed archs).
  void start_pool() {
    std::set<Architecture> seen;
    for (int attempt = 0; static_cast<int>(pending_.size()) < o_.pool_size && attempt < 100 * o_.pool_size; ++attempt) {
      auto a = space_.sample(rng_);
      if (seen.insert(a).second) pending_.push_back(std::move(a));
    }
    for (const auto& a : pending_) pool_.push_back({a, NAN});
  }

  // Scores from the host: evaluated archs are remembered; pool members asked
  // for but not scored (failed, or cut by the budget) leave the pool.
  void record(const std::vector<automl::Observation>& results) {
    std::map<Architecture, double> batch;
    for (const auto& r : results)
      if (r.ok) batch[r.arch] = r.score, evaluated_[r.arch] = r.score;
    const std::set<Architecture> asked(pending_.begin(), pending_.end());
    std::vector<nao::Scored> kept;
    for (auto& m : pool_) {
      const auto it = batch.find(m.arch);
      if (it != batch.end()) m.score = it->second;
      if (it != batch.end() || !asked.count(m.arch)) kept.push_back(m);
    }
    pool_ = std::move(kept);
    pending_.clear();
    diagnostics_["pool_size"] = static_cast<double>(pool_.size());
  }

  void finish() {
    finished_ = true;
    pending_.clear();
  }

  std::vector<nao::Scored> training_set() const {
    std::vector<nao::Scored> data;
    if (o_.pool_update == "v2") {
      for (const auto& [arch, score] : evaluated_) data.push_back({arch, score});
    } else {
      for (const auto& m : pool_)
        if (!std::isnan(m.score)) data.push_back(m);
    }
    return data;
  }

  // Trains on the data minus a held-out slice (when holdout_fraction > 0),
  // and measures the predictor on that slice (else on the training data).
  void train(std::vector<nao::Scored> data) {
    for (std::size_t i = data.size(); i > 1; --i) std::swap(data[i - 1], data[rng_.index(i)]);
    const auto held = static_cast<std::size_t>(std::floor(o_.holdout_fraction * static_cast<double>(data.size())));
    const std::vector<nao::Scored> holdout(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(held));
    const std::vector<nao::Scored> train(data.begin() + static_cast<std::ptrdiff_t>(held), data.end());
    std::vector<Architecture> unlabeled;
    for (int i = 0; i < o_.unlabeled; ++i) unlabeled.push_back(space_.sample(rng_));
    for (const auto& [k, v] : nao::train_controller(controller_, *tokens_, train, o_, rng_, unlabeled, adam_.get()))
      diagnostics_[k] = v;
    const auto& measured = holdout.size() >= 2 ? holdout : train;
    const std::string prefix = holdout.size() >= 2 ? "holdout_" : "train_";
    std::vector<Architecture> archs;
    std::vector<double> actual;
    for (const auto& d : measured) archs.push_back(d.arch), actual.push_back(d.score);
    const auto predicted = nao::predict(controller_, *tokens_, archs);
    diagnostics_[prefix + "pairwise_acc"] = automl::pairwise_accuracy(predicted, actual);
    diagnostics_[prefix + "kendall_tau"] = automl::kendall_tau(predicted, actual);
    std::vector<Architecture> train_archs;
    for (const auto& d : train) train_archs.push_back(d.arch);
    for (const auto& [k, v] : nao::reconstruction(controller_, *tokens_, train_archs)) diagnostics_[k] = v;
    diagnostics_["train_size"] = static_cast<double>(train.size());
  }

  std::vector<Architecture> propose() {
    std::vector<nao::Scored> ranked;
    for (const auto& m : pool_)
      if (!std::isnan(m.score)) ranked.push_back(m);
    std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.score > b.score; });
    std::vector<Architecture> seeds;
    for (std::size_t i = 0; i < ranked.size() && static_cast<int>(i) < o_.seeds; ++i) seeds.push_back(ranked[i].arch);
    const auto pool = pool_archs();
    const std::set<Architecture> members(pool.begin(), pool.end());
    // Novel: not in the controller's pool; with final scores (no weight
    // sharing) also never evaluated, since a repeat would waste a query.
    auto is_novel = [&](const Architecture& a) {
      return !members.count(a) && (drift_ || !evaluated_.count(a)) && space_.invalid_reason(a).empty();
    };
    auto g = nao::generate(controller_, *tokens_, seeds, std::max(o_.new_archs, o_.candidates), o_.max_step_size,
                           is_novel);
    diagnostics_["candidates"] = static_cast<double>(g.archs.size());
    if (static_cast<int>(g.archs.size()) > o_.new_archs)
      g.archs = nao::best_predicted(controller_, *tokens_, std::move(g.archs), o_.new_archs);
    diagnostics_["new_archs"] = static_cast<double>(g.archs.size());
    diagnostics_["last_step_size"] = g.last_step;
    for (const auto& [step, n] : g.novel_at_step) diagnostics_["novel_at_step_" + std::to_string(step)] = n;
    std::set<Architecture> taken(g.archs.begin(), g.archs.end());
    int added = 0;
    for (int attempt = 0; added < o_.random_new && attempt < 100 * o_.random_new; ++attempt) {
      auto a = space_.sample(rng_);
      if (!is_novel(a) || !taken.insert(a).second) continue;
      g.archs.push_back(std::move(a));
      ++added;
    }
    diagnostics_["random_new"] = added;
    return g.archs;
  }

  // V1: the worst |new| of the sorted pool make room for the new archs.
  // V2: the pool accumulates. With drifting scores the whole pool is
  // proposed again (NAO-WS re-scores it); otherwise only the new archs.
  void update_pool(const std::vector<Architecture>& fresh) {
    if (o_.pool_update == "v1") {
      std::stable_sort(pool_.begin(), pool_.end(), [](const auto& a, const auto& b) {
        return std::isnan(b.score) ? !std::isnan(a.score) : (!std::isnan(a.score) && a.score > b.score);
      });
      pool_.resize(pool_.size() > fresh.size() ? pool_.size() - fresh.size() : 0);
    }
    for (const auto& a : fresh) pool_.push_back({a, NAN});
    last_new_ = fresh;
    pending_ = drift_ ? pool_archs() : fresh;
  }

  Options o_;
  const automl::SearchSpace& space_;
  const automl::TokenEncoding* tokens_;
  automl::Random rng_;
  nao::Controller controller_;
  std::unique_ptr<torch::optim::Adam> adam_;  ///< optimizer_scope "search": kept across rounds
  std::vector<nao::Scored> pool_;
  std::map<Architecture, double> evaluated_;
  std::vector<Architecture> pending_;
  std::vector<Architecture> last_new_;
  int round_ = 0;
  bool finished_ = false;
  bool drift_ = false;
  std::map<std::string, double> diagnostics_;
};

namespace {
// A base-class member as a member of Nao::Options, for the schema.
template <class M, class B>
M Nao::Options::*member(M B::*m) {
  return static_cast<M Nao::Options::*>(m);
}
}  // namespace

const automl::Schema<Nao::Options>& Nao::schema() {
  using O = Options;
  static const auto s =
      automl::Schema<O>(
          "Neural Architecture Optimization (Luo et al. 2018): an LSTM encoder, an MLP performance "
          "predictor and an attention LSTM decoder trained on the evaluated pool; new architectures by "
          "gradient ascent on the predictor in embedding space, then constrained greedy decoding. "
          "Defaults are the reference's (NAO_pytorch V1). Needs a search space with a token encoding.")
          .field("pool_size", &O::pool_size, "Random architectures in the first pool (V1 600, V2 1000)").range(2, 1000000)
          .field("new_archs", &O::new_archs, "New architectures generated per round (controller_new_arch)").range(1, 100000)
          .field("seeds", &O::seeds, "Top architectures of the pool moved by gradient ascent").range(1, 100000)
          .field("max_step_size", &O::max_step_size, "The reference's max_step_size: step sizes eta = 1, 2, ... max_step_size + 1, each from the original "
                 "encoding (its loop tests the limit after the step)")
          .range(1, 1000000)
          .field("rounds", &O::rounds, "Generation rounds before the final evaluation; 0: until the budget ends")
          .range(0, 1000000)
          .field("random_new", &O::random_new,
                 "Fresh random architectures added per round beside the generated ones (PyTorch V1: 0; "
                 "the TensorFlow NAO-WS code: 50)")
          .range(0, 1000000)
          .field("candidates", &O::candidates,
                 "Novel architectures generated per round before selection: when above new_archs, the new_archs "
                 "the predictor rates highest are kept (0: generate new_archs and keep them all, as the reference)")
          .range(0, 1000000)
          .field("unlabeled", &O::unlabeled,
                 "Random architectures drawn each round that train only the encoder-decoder's reconstruction "
                 "(no query spent): each training step adds up to batch_size of them (0: none, as the reference)")
          .range(0, 10000000)
          .field("pool_update", &O::pool_update,
                 "v1: new archs replace the pool's worst, controller trained on the pool; v2: the pool "
                 "accumulates, controller trained on everything evaluated, supernet sampler on the new archs")
          .one_of({"v1", "v2"})
          .field("augmentation", member(&nao::TrainOptions::augmentation),
                 "Symmetric-variant augmentation: online (V1, a fresh branch swap per sample), offline (V2, "
                 "expand copies), none")
          .one_of({"online", "offline", "none"})
          .field("expand", member(&nao::TrainOptions::expand), "Offline augmentation: copies per architecture, original included").range(1, 1000)
          .field("targets", member(&nao::TrainOptions::targets),
                 "Predictor targets: minmax (the reference: (score - min) / (max - min)) or rank (rank / (n - 1), "
                 "insensitive to outlying scores)")
          .one_of({"minmax", "rank"})
          .field("holdout_fraction", &O::holdout_fraction,
                 "Fraction of the training data held out each round to measure the predictor (0: train on "
                 "all, as the reference, and measure on the training data)")
          .range(0, 0.5)
          .field("epochs", member(&nao::TrainOptions::epochs), "Controller epochs per round").range(1, 100000)
          .field("batch_size", member(&nao::TrainOptions::batch_size), "Controller batch size").range(1, 65536)
          .field("lr", member(&nao::TrainOptions::lr), "Adam learning rate").range(0, 10)
          .field("optimizer_scope", &O::optimizer_scope,
                 "round: a fresh Adam each round (NAO_pytorch); search: one Adam, its moments kept, for the whole "
                 "search (NAO-WS/rnn); auto: the space's reference (search for rnn_cell, else round)")
          .one_of({"auto", "round", "search"})
          .field("weight_decay", member(&nao::TrainOptions::weight_decay), "Adam weight decay (V1 1e-4, V2 0)").range(0, 1)
          .field("grad_clip", member(&nao::TrainOptions::grad_clip), "Global gradient-norm clipping").range(0, 1000000)
          .field("trade_off", member(&nao::TrainOptions::trade_off), "lambda: loss = lambda * MSE + (1 - lambda) * NLL").range(0, 1)
          .field("embedding", member(&nao::ControllerOptions::embedding), "Encoder token embedding size (V1 48, V2 32)").range(1, 4096)
          .field("hidden", member(&nao::ControllerOptions::hidden), "Encoder and decoder LSTM size (V1 96, V2 64)").range(1, 4096)
          .field("pair_tokens", member(&nao::ControllerOptions::pair_tokens), "Encoder steps see token pairs (needs hidden = 2 * embedding)")
          .field("mlp_layers", member(&nao::ControllerOptions::mlp_layers), "Predictor hidden layers (V1 3, V2 0)").range(0, 16)
          .field("mlp_hidden", member(&nao::ControllerOptions::mlp_hidden), "Predictor hidden width").range(1, 4096)
          .field("mlp_dropout", member(&nao::ControllerOptions::mlp_dropout), "Predictor dropout").range(0, 0.99)
          .field("encoder_dropout", member(&nao::ControllerOptions::encoder_dropout), "Dropout on encoder embeddings").range(0, 0.99)
          .field("attention", member(&nao::ControllerOptions::attention),
                 "Decoder attention: general (NAO_pytorch: score (W_in o) . e, output tanh(W_out [ctx; o]) without "
                 "biases), dot (NAO-WS/rnn: score o . e, W_out with a bias), auto: the space's reference (dot for "
                 "rnn_cell, else general)")
          .one_of({"auto", "general", "dot"})
          .field("predictor_init", member(&nao::ControllerOptions::predictor_init),
                 "Predictor weights U(-r, r), biases 0; 0: torch's default initialization (NAO_pytorch); -1: the "
                 "space's reference (0.04 for rnn_cell, else 0)")
          .range(-1, 1)
          .rule("seeds", [](const O& o) { return o.seeds > o.pool_size ? "must not exceed pool_size" : ""; })
          .example("pool_size = 20\nnew_archs = 10\nseeds = 10\nepochs = 20\nrounds = 0");
  return s;
}

void Nao::save(automl::StateWriter& out) const {
  out.put_string(rng_.state());
  out.put_int(round_);
  out.put_int(finished_ ? 1 : 0);
  out.put_int(drift_ ? 1 : 0);
  std::vector<Architecture> archs;
  std::vector<double> scores;
  for (const auto& m : pool_) archs.push_back(m.arch), scores.push_back(m.score);
  out.put_archs(archs);
  out.put_doubles(scores);
  archs.clear(), scores.clear();
  for (const auto& [a, s] : evaluated_) archs.push_back(a), scores.push_back(s);
  out.put_archs(archs);
  out.put_doubles(scores);
  out.put_archs(pending_);
  out.put_archs(last_new_);
  const auto params = controller_->named_parameters();
  out.put_int(static_cast<std::int64_t>(params.size()));
  for (const auto& p : params) {
    const auto values = p.value().detach().to(torch::kDouble).contiguous();
    out.put_string(p.key());
    out.put_doubles(std::vector<double>(values.data_ptr<double>(), values.data_ptr<double>() + values.numel()));
  }
  std::string adam;  // the kept optimizer's moments and step counts
  if (adam_) {
    torch::serialize::OutputArchive archive;
    adam_->save(archive);
    std::ostringstream bytes;
    archive.save_to(bytes);
    adam = bytes.str();
  }
  out.put_string(adam);
}

void Nao::load(automl::StateReader& in) {
  rng_.set_state(in.get_string());
  round_ = static_cast<int>(in.get_int());
  finished_ = in.get_int() != 0;
  drift_ = in.get_int() != 0;
  auto archs = in.get_archs();
  auto scores = in.get_doubles();
  pool_.clear();
  for (std::size_t i = 0; i < archs.size(); ++i) pool_.push_back({archs[i], scores.at(i)});
  archs = in.get_archs();
  scores = in.get_doubles();
  evaluated_.clear();
  for (std::size_t i = 0; i < archs.size(); ++i) evaluated_[archs[i]] = scores.at(i);
  pending_ = in.get_archs();
  last_new_ = in.get_archs();
  auto params = controller_->named_parameters();
  if (in.get_int() != static_cast<std::int64_t>(params.size()))
    throw automl::DataError("saved NAO controller has another shape; was the [strategy] changed?");
  torch::NoGradGuard no_grad;
  for (auto& p : params) {
    const std::string name = in.get_string();
    auto values = in.get_doubles();
    if (name != p.key() || static_cast<std::int64_t>(values.size()) != p.value().numel())
      throw automl::DataError("saved NAO controller parameter '" + name + "' does not match '" + p.key() + "'");
    p.value().copy_(torch::from_blob(values.data(), p.value().sizes(), torch::kDouble).to(torch::kFloat));
  }
  std::istringstream adam(in.get_string());
  if (adam_ && adam.rdbuf()->in_avail() > 0) {
    try {
      torch::serialize::InputArchive archive;
      archive.load_from(adam);
      adam_->load(archive);
    } catch (const c10::Error& e) {
      throw automl::DataError("saved NAO optimizer state does not match this controller (" +
                              std::string(e.what_without_backtrace()) + "); was the [strategy] changed?");
    }
  }
}

void register_components(automl::Registrar& r) { r.add<Nao>(); }

}  // namespace

AUTOML_PLUGIN(register_components)
