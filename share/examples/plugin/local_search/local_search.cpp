// Local search: first-improvement hill climbing over single-decision moves,
// restarting from a random architecture at a local optimum. An example of a
// strategy written outside the automl tree.

#include <algorithm>
#include <optional>

#include <automl/plugin.hpp>

namespace {

class LocalSearch final : public automl::Strategy {
 public:
  struct Options {
    bool shuffle = true;
  };
  static const automl::Schema<Options>& schema() {
    static const auto s = automl::Schema<Options>(
                              "First-improvement hill climbing over single-decision moves, with random restarts.")
                              .field("shuffle", &Options::shuffle, "Visit neighbours in random order")
                              .example("");
    return s;
  }

  LocalSearch(const Options& o, const automl::Context& ctx) : options_(o), space_(*ctx.space), rng_(ctx.seed) {}

  std::vector<automl::Architecture> ask(const automl::AskContext& context) override {
    if (!current_) return {space_.sample(rng_)};
    std::vector<automl::Architecture> batch;
    while (batch.size() < context.suggested && next_ < neighbours_.size()) batch.push_back(neighbours_[next_++]);
    return batch;
  }

  void tell(const std::vector<automl::Observation>& results) override {
    const automl::Observation* best = nullptr;
    for (const auto& r : results)
      if (r.ok && (!best || r.score > best->score)) best = &r;
    if (!current_) {
      if (best) move_to(*best);
      return;
    }
    if (best && best->score > current_->score) move_to(*best);
    else if (next_ >= neighbours_.size()) current_.reset();  // local optimum: restart
  }

  void save(automl::StateWriter& out) const override {
    out.put_string(rng_.state());
    out.put_int(current_ ? 1 : 0);
    if (current_) {
      out.put_arch(current_->arch);
      out.put_double(current_->score);
    }
    out.put_archs(neighbours_);
    out.put_int(static_cast<std::int64_t>(next_));
  }
  void load(automl::StateReader& in) override {
    rng_.set_state(in.get_string());
    current_.reset();
    if (in.get_int() == 1) {
      automl::Observation o;
      o.arch = in.get_arch();
      o.score = in.get_double();
      current_ = o;
    }
    neighbours_ = in.get_archs();
    next_ = static_cast<std::size_t>(in.get_int());
  }

 private:
  void move_to(const automl::Observation& o) {
    current_ = o;
    neighbours_.clear();
    next_ = 0;
    const auto& decisions = space_.decisions();
    for (std::size_t i = 0; i < decisions.size(); ++i) {
      for (int v = 0; v < static_cast<int>(decisions[i].choices.size()); ++v) {
        if (v == o.arch.genes[i]) continue;
        automl::Architecture n = o.arch;
        n.genes[i] = v;
        if (space_.invalid_reason(n).empty()) neighbours_.push_back(std::move(n));
      }
    }
    if (options_.shuffle)
      for (std::size_t i = neighbours_.size(); i > 1; --i) std::swap(neighbours_[i - 1], neighbours_[rng_.index(i)]);
  }

  Options options_;
  const automl::SearchSpace& space_;
  automl::Random rng_;
  std::optional<automl::Observation> current_;
  std::vector<automl::Architecture> neighbours_;
  std::size_t next_ = 0;
};

void register_components(automl::Registrar& r) { r.add<LocalSearch>(); }

}  // namespace

AUTOML_PLUGIN(register_components)
