// Random-WS: the weight-sharing baseline without a controller. The supernet
// trains on uniformly drawn candidates (the strategy offers no sampler, so
// the host samples uniformly); then `candidates` random architectures are
// scored with the shared weights and ranked by those scores (NAO reference
// §6.2, an inferred protocol).

#include <set>

#include "automl/plugin.hpp"

namespace {

class RandomWs final : public automl::Strategy {
 public:
  struct Options {
    int candidates = 100;
    int rounds = 1;
  };
  static const automl::Schema<Options>& schema() {
    static const auto s =
        automl::Schema<Options>(
            "Random-WS: no controller. Each of `rounds` batches proposes `candidates` distinct uniformly "
            "random architectures; a weight-sharing evaluator trains its supernet with uniform sampling "
            "before each batch and ranks them by their shared-weight scores. With "
            "epochs_per_round = total_epochs and rounds = 1 the candidates are scored once, after the "
            "whole supernet training.")
            .field("candidates", &Options::candidates, "Random architectures scored per batch").range(1, 1000000)
            .field("rounds", &Options::rounds, "Batches of fresh candidates").range(1, 1000000)
            .example("candidates = 10\nrounds = 20");
    return s;
  }

  RandomWs(const Options& o, const automl::Context& ctx) : options_(o), space_(*ctx.space), rng_(ctx.seed) {}

  std::vector<automl::Architecture> ask(const automl::AskContext&) override {
    if (round_ >= options_.rounds) return {};
    std::vector<automl::Architecture> batch;
    std::set<automl::Architecture> drawn;
    for (int tries = 0; static_cast<int>(batch.size()) < options_.candidates && tries < 100 * options_.candidates; ++tries) {
      auto arch = space_.sample(rng_);
      if (drawn.insert(arch).second) batch.push_back(std::move(arch));
    }
    return batch;
  }

  void tell(const std::vector<automl::Observation>&) override { ++round_; }

  void save(automl::StateWriter& out) const override {
    out.put_string(rng_.state());
    out.put_int(round_);
  }
  void load(automl::StateReader& in) override {
    rng_.set_state(in.get_string());
    round_ = static_cast<int>(in.get_int());
  }

 private:
  Options options_;
  const automl::SearchSpace& space_;
  automl::Random rng_;
  int round_ = 0;
};

void register_components(automl::Registrar& r) { r.add<RandomWs>(); }

}  // namespace

AUTOML_PLUGIN(register_components)
