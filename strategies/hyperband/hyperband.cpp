// Hyperband (Li, Jamieson, DeSalvo, Rostamizadeh & Talwalkar, JMLR 2018):
// successive halving in brackets that trade the number of candidates against
// the fidelity they start at, from the most exploratory (many candidates at
// the lowest fidelity) to plain evaluation at full fidelity; repeated until
// the budget ends.

#include "automl/halving.hpp"
#include "automl/plugin.hpp"

namespace {

class Hyperband final : public automl::HalvingStrategy {
 public:
  struct Options {
    double min_fidelity = 0;
    double max_fidelity = 0;
    double eta = 3;
    std::int64_t brackets = 0;
  };
  static const automl::Schema<Options>& schema() {
    static const auto s =
        automl::Schema<Options>(
            "Hyperband: brackets s = s_max ... 0 of successive halving, bracket s starting ceil((s_max + 1) "
            "eta^s / (s + 1)) random candidates at max * eta^-s (or, for an evaluator with fidelity levels, "
            "at level s_max - s); repeated until the budget ends. Needs an evaluator with fidelities.")
            .field("min_fidelity", &Options::min_fidelity, "Lowest fidelity; 0: the evaluator's").range(0, 1e9)
            .field("max_fidelity", &Options::max_fidelity, "Highest (full) fidelity R; 0: the evaluator's").range(0, 1e9)
            .field("eta", &Options::eta, "Keep the best 1/eta of each rung").range(1.01, 1000)
            .field("brackets", &Options::brackets,
                   "Brackets per cycle, the most exploratory first; 0: all s_max + 1")
            .range(0, 1000)
            .example("");
    return s;
  }

  Hyperband(const Options& o, const automl::Context& ctx) : HalvingStrategy(*ctx.space, ctx.seed), o_(o) {}

 protected:
  std::vector<automl::Bracket> brackets(const std::optional<automl::FidelityRange>& offered) const override {
    const auto range = automl::narrowed_range(offered, o_.min_fidelity, o_.max_fidelity, "hyperband");
    auto all = automl::hyperband_brackets(range, o_.eta);
    if (o_.brackets > 0 && static_cast<std::size_t>(o_.brackets) < all.size())
      all.resize(static_cast<std::size_t>(o_.brackets));
    return all;
  }

 private:
  Options o_;
};

void register_components(automl::Registrar& r) { r.add<Hyperband>(); }

}  // namespace

AUTOML_PLUGIN(register_components)
