// Regularized (aging) evolution, Real et al. 2019, Algorithm 1: a population
// of P individuals; each child mutates the best of S individuals sampled
// uniformly (with replacement) and replaces the oldest individual.

#include <deque>

#include "automl/plugin.hpp"

namespace {

class RegularizedEvolution final : public automl::Strategy {
 public:
  struct Options {
    int population = 10;
    int sample_size = 3;
  };
  static const automl::Schema<Options>& schema() {
    static const auto s =
        automl::Schema<Options>(
            "Regularized evolution (Real et al., AAAI 2019): random initial population, tournament "
            "selection, one-decision mutation, the oldest individual dies. Defaults follow the "
            "NAS-Bench-201 paper's R-EA setting (P = 10, S = 3).")
            .field("population", &Options::population, "Population size P (first P candidates are random)")
            .range(1, 1000000)
            .field("sample_size", &Options::sample_size, "Tournament size S")
            .range(1, 1000000)
            .rule("sample_size",
                  [](const Options& o) {
                    return o.sample_size > o.population ? "must not exceed population (" +
                                                              std::to_string(o.population) + ")"
                                                        : "";
                  })
            .example("population = 10\nsample_size = 3");
    return s;
  }

  RegularizedEvolution(const Options& o, const automl::Context& ctx)
      : options_(o), space_(*ctx.space), rng_(ctx.seed) {}

  std::vector<automl::Architecture> ask(const automl::AskContext& context) override {
    std::vector<automl::Architecture> batch;
    const std::size_t missing = static_cast<std::size_t>(options_.population) - population_.size();
    for (std::size_t i = 0; i < context.suggested; ++i)
      batch.push_back(i < missing || population_.empty() ? space_.sample(rng_) : child());
    return batch;
  }

  void tell(const std::vector<automl::Observation>& results) override {
    for (const auto& r : results) {
      if (!r.ok) continue;  // a failed child never joins the population
      population_.push_back({r.arch, r.score});
      if (population_.size() > static_cast<std::size_t>(options_.population)) population_.pop_front();
    }
  }

  void save(automl::StateWriter& out) const override {
    out.put_string(rng_.state());
    out.put_int(static_cast<std::int64_t>(population_.size()));
    for (const auto& m : population_) {
      out.put_arch(m.arch);
      out.put_double(m.score);
    }
  }
  void load(automl::StateReader& in) override {
    rng_.set_state(in.get_string());
    population_.clear();
    for (auto n = in.get_int(); n > 0; --n) {
      Member m{in.get_arch(), 0};
      m.score = in.get_double();
      population_.push_back(std::move(m));
    }
  }

 private:
  struct Member {
    automl::Architecture arch;
    double score;
  };

  automl::Architecture child() {
    const Member* parent = nullptr;
    for (int i = 0; i < options_.sample_size; ++i) {
      const Member& m = population_[rng_.index(population_.size())];
      if (parent == nullptr || m.score > parent->score) parent = &m;
    }
    return automl::mutate_one(space_, parent->arch, rng_);
  }

  Options options_;
  const automl::SearchSpace& space_;
  automl::Random rng_;
  std::deque<Member> population_;  // oldest first
};

void register_components(automl::Registrar& r) { r.add<RegularizedEvolution>(); }

}  // namespace

AUTOML_PLUGIN(register_components)
