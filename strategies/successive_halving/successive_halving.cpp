// Successive halving (Jamieson & Talwalkar 2016; as the inner loop of
// Hyperband, Li et al. 2018): `candidates` random architectures at the lowest
// fidelity, the best 1/eta of them again at eta times the fidelity, and so on
// up to the full fidelity; then a fresh bracket.

#include "automl/halving.hpp"
#include "automl/plugin.hpp"

namespace {

class SuccessiveHalving final : public automl::HalvingStrategy {
 public:
  struct Options {
    double min_fidelity = 0;
    double max_fidelity = 0;
    double eta = 3;
    std::int64_t candidates = 0;
  };
  static const automl::Schema<Options>& schema() {
    static const auto s =
        automl::Schema<Options>(
            "Successive halving: random candidates at the lowest fidelity, the best 1/eta promoted to eta "
            "times the fidelity, up to the full one; then a fresh bracket, until the budget ends. Needs an "
            "evaluator with fidelities (tabular on NAS-Bench-201: 12 and 200 epochs).")
            .field("min_fidelity", &Options::min_fidelity, "Lowest fidelity; 0: the evaluator's").range(0, 1e9)
            .field("max_fidelity", &Options::max_fidelity, "Highest (full) fidelity; 0: the evaluator's").range(0, 1e9)
            .field("eta", &Options::eta, "Keep the best 1/eta of each rung (Hyperband's eta)").range(1.01, 1000)
            .field("candidates", &Options::candidates,
                   "Candidates in the first rung; 0: eta^s_max, Hyperband's most exploratory bracket")
            .range(0, 100000000)
            .example("");
    return s;
  }

  SuccessiveHalving(const Options& o, const automl::Context& ctx) : HalvingStrategy(*ctx.space, ctx.seed), o_(o) {}

 protected:
  std::vector<automl::Bracket> brackets(const std::optional<automl::FidelityRange>& offered) const override {
    const auto range = automl::narrowed_range(offered, o_.min_fidelity, o_.max_fidelity, "successive_halving");
    return {automl::successive_halving_bracket(range, o_.eta, o_.candidates)};
  }

 private:
  Options o_;
};

void register_components(automl::Registrar& r) { r.add<SuccessiveHalving>(); }

}  // namespace

AUTOML_PLUGIN(register_components)
