// ENAS (Pham et al. 2018), the micro-search controller as the reference code
// runs it (NAO reference §6.1): a one-layer LSTM that samples a cell pair one
// decision at a time, attending over the cell's states for input choices;
// trained by REINFORCE with an entropy bonus and a moving-average baseline.
// It is the weight-sharing evaluator's training sampler (its policy); with
// full training or a table it is plain REINFORCE NAS.

#include <cmath>
#include <sstream>

#include <torch/torch.h>

#include "automl/plugin.hpp"
#include "decisions.hpp"

namespace {

using automl::Architecture;
using torch::Tensor;
using automl::enas::Decision;
using automl::enas::Position;

struct Options {
  int lstm_size = 64;
  double tanh_constant = 1.10;
  double op_tanh_reduce = 2.5;
  double temperature = 0;  // 0: none
  std::vector<double> op_bias_init = {10, 10, 0, 0, 0};
  std::vector<double> normal_op_bias = {0.25, 0.25, -0.25, -0.25, -0.25};
  double reward_scale = 1.0;
  double entropy_weight = 1e-4;
  double baseline_decay = 0.99;
  double lr = 0.0035;
  int num_aggregate = 10;
  int samples_per_round = 300;
};

class Controller final : public torch::nn::Module {
 public:
  Controller(const Options& o, int ops)
      : w_lstm_(register_parameter("w_lstm", torch::empty({2 * o.lstm_size, 4 * o.lstm_size}))),
        g_emb_(register_parameter("g_emb", torch::empty({1, o.lstm_size}))),
        w_emb_(register_parameter("w_emb", torch::empty({ops, o.lstm_size}))),
        w_soft_(register_parameter("w_soft", torch::empty({o.lstm_size, ops}))),
        b_soft_(register_parameter("b_soft", torch::zeros({ops}))),
        w1_(register_parameter("w1", torch::empty({o.lstm_size, o.lstm_size}))),
        w2_(register_parameter("w2", torch::empty({o.lstm_size, o.lstm_size}))),
        v_(register_parameter("v", torch::empty({o.lstm_size, 1}))) {
    torch::NoGradGuard no_grad;
    for (auto& p : parameters()) p.uniform_(-0.1, 0.1);
  }
  void set_op_bias(const std::vector<double>& bias) {
    torch::NoGradGuard no_grad;
    b_soft_.copy_(torch::tensor(bias, torch::kFloat));
  }

  // The reference's LSTM: gates = [x, h] · W, no bias terms; split as
  // input, forget, output gates and the candidate.
  std::tuple<Tensor, Tensor> lstm(const Tensor& x, const std::tuple<Tensor, Tensor>& hc) const {
    const auto& [h, c] = hc;
    const auto gates = torch::matmul(torch::cat({x, h}, 1), w_lstm_).chunk(4, 1);
    const Tensor next_c = torch::sigmoid(gates[0]) * torch::tanh(gates[3]) + torch::sigmoid(gates[1]) * c;
    return {torch::sigmoid(gates[2]) * torch::tanh(next_c), next_c};
  }

  Tensor w_lstm_;
  Tensor g_emb_, w_emb_, w_soft_, b_soft_, w1_, w2_, v_;
};

struct Sample {
  Architecture arch;
  Tensor log_prob;  // sum over decisions (with grad when not sampling)
  double entropy = 0;
};

class Enas final : public automl::Strategy {
 public:
  using Options = ::Options;
  static const automl::Schema<Options>& schema() {
    static const auto s =
        automl::Schema<Options>(
            "ENAS (Pham et al. 2018), micro-search controller: a one-layer LSTM samples each decision of "
            "the token sequence, attending over a cell's states for input choices; REINFORCE with an "
            "entropy bonus and a moving-average baseline, Adam (beta1 = 0), gradients aggregated over "
            "num_aggregate samples. Proposes samples_per_round candidates per batch from its policy and "
            "is the weight-sharing evaluator's training sampler. Needs a token encoding.")
            .field("lstm_size", &Options::lstm_size, "LSTM units (and embedding size)").range(4, 1024)
            .field("tanh_constant", &Options::tanh_constant, "Logits become c * tanh(logits); 0: off").range(0, 100)
            .field("op_tanh_reduce", &Options::op_tanh_reduce, "Operation logits use tanh_constant / this").range(1, 100)
            .field("temperature", &Options::temperature, "Logits are divided by this first; 0: off").range(0, 100)
            .field("op_bias_init", &Options::op_bias_init,
                   "Initial bias of the operation logits, one per operation (cell spaces; empty: zeros)")
            .range(-100, 100)
            .field("normal_op_bias", &Options::normal_op_bias,
                   "Constant added to the first cell's operation logits (cell spaces; empty: none)")
            .range(-100, 100)
            .field("reward_scale", &Options::reward_scale,
                   "Scores are multiplied by this to make the reward (0.01 for a table in percent)")
            .range(0, 1000000)
            .field("entropy_weight", &Options::entropy_weight, "Reward bonus per nat of sample entropy").range(0, 100)
            .field("baseline_decay", &Options::baseline_decay, "Moving-average baseline decay").range(0, 1)
            .field("lr", &Options::lr, "Adam learning rate").range(0, 1)
            .field("num_aggregate", &Options::num_aggregate, "Samples whose gradients make one update").range(1, 100000)
            .field("samples_per_round", &Options::samples_per_round,
                   "Candidates proposed (and learned from) per batch; reference: 30 updates x 10")
            .range(1, 1000000)
            .example("samples_per_round = 20\nnum_aggregate = 5");
    return s;
  }

  Enas(const Options& o, const automl::Context& ctx)
      : options_(o), tokens_(require_tokens(ctx)), positions_(automl::enas::layout(*tokens_)),
        order_(automl::enas::decision_order(positions_)), rng_(ctx.seed) {
    cells_ = false;
    for (const auto& p : positions_) cells_ = cells_ || p.state;
    for (const auto& p : positions_)
      if (!p.state) op_lo_ = p.lo, ops_ = p.hi - p.lo + 1;
    for (const auto& p : positions_)
      if (!p.state && (p.lo != op_lo_ || p.hi - p.lo + 1 != ops_))
        throw automl::ConfigError("[strategy] enas needs the same operation tokens at every operation position");
    if (cells_) check_bias("op_bias_init", o.op_bias_init), check_bias("normal_op_bias", o.normal_op_bias);
    torch::manual_seed(automl::derive_seed(ctx.seed, "controller"));
    controller_ = std::make_shared<Controller>(o, ops_);
    if (cells_ && !o.op_bias_init.empty()) controller_->set_op_bias(o.op_bias_init);
    make_optimizer();
  }

  std::vector<Architecture> ask(const automl::AskContext& context) override {
    std::int64_t n = options_.samples_per_round;
    if (context.remaining >= 0) n = std::min<std::int64_t>(n, context.remaining);
    std::vector<Architecture> batch;
    torch::NoGradGuard no_grad;
    for (std::int64_t i = 0; i < n; ++i) batch.push_back(run(nullptr, &rng_).arch);
    return batch;
  }

  // REINFORCE over the told samples in order: each one's log-probability
  // under the current policy, reward = score + entropy bonus, baseline
  // updated first, one Adam step per num_aggregate samples.
  void tell(const std::vector<automl::Observation>& results) override {
    double reward_sum = 0, entropy_sum = 0;
    int told = 0;
    for (const auto& r : results) {
      if (!r.ok) continue;
      Sample s = run(&r.arch, nullptr);
      const double reward = options_.reward_scale * r.score + options_.entropy_weight * s.entropy;
      baseline_ -= (1 - options_.baseline_decay) * (baseline_ - reward);
      (-s.log_prob * (reward - baseline_) / options_.num_aggregate).backward();
      if (++aggregated_ == options_.num_aggregate) {
        optimizer_->step();
        optimizer_->zero_grad();
        aggregated_ = 0;
        ++updates_;
      }
      reward_sum += reward, entropy_sum += s.entropy, ++told;
    }
    last_ = {{"controller_updates", static_cast<double>(updates_)},
             {"baseline", baseline_},
             {"mean_reward", told ? reward_sum / told : NAN},
             {"mean_entropy", told ? entropy_sum / told : NAN}};
  }

  automl::Sampler training_sampler() const override {
    return [this](automl::Random& rng) {
      torch::NoGradGuard no_grad;
      return const_cast<Enas*>(this)->run(nullptr, &rng).arch;
    };
  }

  std::map<std::string, double> diagnostics() const override { return last_; }

  void save(automl::StateWriter& out) const override {
    torch::serialize::OutputArchive archive;
    controller_->save(archive);
    torch::serialize::OutputArchive adam;
    optimizer_->save(adam);
    archive.write("adam", adam);
    std::ostringstream bytes;
    archive.save_to(bytes);
    out.put_string(bytes.str());
    out.put_string(rng_.state());
    out.put_doubles({baseline_});
    out.put_ints({aggregated_, updates_});
    // Gradients aggregated towards the next update.
    std::vector<double> grads;
    for (const auto& p : controller_->parameters()) {
      const Tensor g = p.grad().defined() ? p.grad() : torch::zeros_like(p);
      const Tensor d = g.detach().to(torch::kDouble).contiguous();
      grads.insert(grads.end(), d.data_ptr<double>(), d.data_ptr<double>() + d.numel());
    }
    out.put_doubles(grads);
  }

  void load(automl::StateReader& in) override {
    std::istringstream bytes(in.get_string());
    torch::serialize::InputArchive archive;
    archive.load_from(bytes);
    controller_->load(archive);
    make_optimizer();
    torch::serialize::InputArchive adam;
    archive.read("adam", adam);
    optimizer_->load(adam);
    rng_.set_state(in.get_string());
    const auto b = in.get_doubles();
    baseline_ = b.at(0);
    const auto counts = in.get_ints();
    aggregated_ = counts.at(0), updates_ = counts.at(1);
    const auto grads = in.get_doubles();
    std::size_t at = 0;
    for (auto& p : controller_->parameters()) {
      const auto n = static_cast<std::size_t>(p.numel());
      if (at + n > grads.size()) throw automl::DataError("saved ENAS controller has another shape");
      std::vector<double> part(grads.begin() + at, grads.begin() + at + n);
      p.mutable_grad() = torch::from_blob(part.data(), p.sizes(), torch::kDouble).to(torch::kFloat).clone();
      at += n;
    }
  }

 private:
  static const automl::TokenEncoding* require_tokens(const automl::Context& ctx) {
    const auto* t = ctx.space->tokens();
    if (t == nullptr) throw automl::ConfigError("[strategy] enas needs a search space with a token encoding");
    return t;
  }

  void check_bias(const char* key, const std::vector<double>& bias) const {
    if (!bias.empty() && static_cast<int>(bias.size()) != ops_)
      throw automl::ConfigError(std::string("[strategy] enas: ") + key + " has " + std::to_string(bias.size()) +
                                " values but the space has " + std::to_string(ops_) + " operations; give " +
                                std::to_string(ops_) + " values or []");
  }

  void make_optimizer() {
    optimizer_ = std::make_unique<torch::optim::Adam>(
        controller_->parameters(), torch::optim::AdamOptions(options_.lr).betas({0.0, 0.999}).eps(1e-3));
  }

  Tensor shape_logits(Tensor logits, double tanh_constant) const {
    if (options_.temperature > 0) logits = logits / options_.temperature;
    if (tanh_constant > 0) logits = tanh_constant * torch::tanh(logits);
    return logits;
  }

  // Picks index `forced` (teacher forcing) or draws one from `rng`.
  int choose(const Tensor& logits, int forced, automl::Random* rng, Sample& s) const {
    const Tensor log_p = torch::log_softmax(logits, -1);
    int pick = forced;
    if (rng != nullptr) {
      const Tensor p = log_p.exp().to(torch::kDouble).contiguous();
      const double* prob = p.data_ptr<double>();
      double u = rng->uniform01(), acc = 0;
      pick = static_cast<int>(p.numel()) - 1;
      for (int i = 0; i < p.numel(); ++i)
        if ((acc += prob[i]) > u) {
          pick = i;
          break;
        }
    }
    s.log_prob = s.log_prob.defined() ? s.log_prob + log_p[pick] : log_p[pick];
    s.entropy += -(log_p.exp() * log_p).sum().item<double>();
    return pick;
  }

  // Samples an architecture (rng) or scores a given one (forced).
  Sample run(const Architecture* forced, automl::Random* rng) {
    const auto forced_tokens = forced ? tokens_->encode(*forced) : std::vector<int>{};
    Controller& c = *controller_;
    const int hidden = options_.lstm_size;
    std::tuple<Tensor, Tensor> hc{torch::zeros({1, hidden}), torch::zeros({1, hidden})};
    std::vector<Tensor> anchors, anchors_w1;
    Tensor inputs = c.g_emb_;
    Sample s;
    std::vector<int> tokens(positions_.size(), 0);  // filled in decision order, stored in token order
    int cell = -1;
    auto step = [&] { hc = c.lstm(inputs, hc); return std::get<0>(hc); };
    for (const Decision& d : order_) {
      const auto& pos = positions_[d.position];
      if (pos.cell_start) {
        ++cell;
        anchors.clear(), anchors_w1.clear();
        inputs = c.g_emb_;
        for (int k = 0; k < pos.initial_states; ++k) {
          const Tensor h = step();
          anchors.push_back(torch::zeros({1, hidden}));
          anchors_w1.push_back(torch::matmul(h, c.w1_));
        }
      }
      const Tensor h = step();
      const int want = forced ? forced_tokens[d.position] - pos.lo : -1;
      if (pos.state) {
        const int n = pos.hi - pos.lo + 1;
        const Tensor query = torch::matmul(h, c.w2_);
        const Tensor keys = torch::cat(std::vector<Tensor>(anchors_w1.begin(), anchors_w1.begin() + n), 0);
        const Tensor logits = shape_logits(torch::matmul(torch::tanh(keys + query), c.v_).view({n}), options_.tanh_constant);
        const int pick = choose(logits, want, rng, s);
        inputs = anchors[static_cast<std::size_t>(pick)];
        tokens[d.position] = pos.lo + pick;
      } else {
        Tensor logits = shape_logits((torch::matmul(h, c.w_soft_) + c.b_soft_).view({ops_}),
                                     options_.tanh_constant / options_.op_tanh_reduce);
        if (cells_ && cell == 0 && !options_.normal_op_bias.empty())
          logits = logits + torch::tensor(options_.normal_op_bias, torch::kFloat);
        const int pick = choose(logits, want, rng, s);
        inputs = c.w_emb_[pick].view({1, hidden});
        tokens[d.position] = op_lo_ + pick;
      }
      if (d.ends_node) {
        const Tensor h_end = step();
        anchors.push_back(h_end);
        anchors_w1.push_back(torch::matmul(h_end, c.w1_));
        inputs = c.g_emb_;
      }
    }
    s.arch = forced ? *forced : tokens_->decode(tokens);
    return s;
  }

  Options options_;
  const automl::TokenEncoding* tokens_;
  std::vector<Position> positions_;
  std::vector<Decision> order_;  // the reference's decision order (decisions.hpp)
  bool cells_ = false;
  int op_lo_ = 0, ops_ = 0;
  automl::Random rng_;
  std::shared_ptr<Controller> controller_;
  std::unique_ptr<torch::optim::Adam> optimizer_;
  double baseline_ = 0;  // the reference's starts at 0
  int aggregated_ = 0;
  int updates_ = 0;
  std::map<std::string, double> last_;
};

void register_components(automl::Registrar& r) { r.add<Enas>(); }

}  // namespace

AUTOML_PLUGIN(register_components)
