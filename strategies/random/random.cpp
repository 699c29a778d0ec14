// Random search: each candidate drawn uniformly from the search space.

#include <optional>
#include <set>

#include "automl/plugin.hpp"

namespace {

class RandomSearch final : public automl::Strategy {
 public:
  struct Options {
    bool unique = true;
    int max_draws = 1000;
  };
  static const automl::Schema<Options>& schema() {
    static const auto s =
        automl::Schema<Options>("Random search: candidates drawn uniformly from the search space, "
                                "`suggested` (parallel_trials) at a time.")
            .field("unique", &Options::unique,
                   "Never propose an architecture twice; the search ends when the space is exhausted")
            .field("max_draws", &Options::max_draws,
                   "With unique: draws tried per candidate before the space counts as exhausted")
            .range(1, 1000000000000)
            .example("");
    return s;
  }

  RandomSearch(const Options& o, const automl::Context& ctx) : options_(o), space_(*ctx.space), rng_(ctx.seed) {}

  std::vector<automl::Architecture> ask(const automl::AskContext& context) override {
    std::vector<automl::Architecture> batch;
    while (batch.size() < context.suggested && !exhausted_) {
      auto arch = draw();
      if (arch) batch.push_back(std::move(*arch));
      else exhausted_ = true;  // return what there is; the next, empty batch ends the search
    }
    return batch;
  }

  void tell(const std::vector<automl::Observation>&) override {}

  void save(automl::StateWriter& out) const override {
    out.put_string(rng_.state());
    out.put_archs(std::vector<automl::Architecture>(seen_.begin(), seen_.end()));
    out.put_int(exhausted_ ? 1 : 0);
  }
  void load(automl::StateReader& in) override {
    rng_.set_state(in.get_string());
    const auto seen = in.get_archs();
    seen_ = {seen.begin(), seen.end()};
    exhausted_ = in.get_int() != 0;
  }

 private:
  std::optional<automl::Architecture> draw() {
    if (!options_.unique) return space_.sample(rng_);
    for (int i = 0; i < options_.max_draws; ++i) {
      auto arch = space_.sample(rng_);
      if (seen_.insert(arch).second) return arch;
    }
    return std::nullopt;
  }

  Options options_;
  const automl::SearchSpace& space_;
  automl::Random rng_;
  // Ordered, so that the saved state does not depend on hashing.
  std::set<automl::Architecture> seen_;
  bool exhausted_ = false;
};

void register_components(automl::Registrar& r) { r.add<RandomSearch>(); }

}  // namespace

AUTOML_PLUGIN(register_components)
