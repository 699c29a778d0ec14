#pragma once
// The epoch schedule of a weight-sharing evaluator: before each round of
// candidates, `per_round` more epochs of shared-weight training, `total` in
// all. A round interrupted between epochs and resumed from a checkpoint
// continues to the same target. Torch-free, beside the training helpers.

#include <algorithm>
#include <cstdint>
#include <functional>

#include "automl/evaluator.hpp"
#include "automl/state.hpp"

namespace automl::nn {

class RoundEpochs {
 public:
  RoundEpochs(int per_round, int total) : per_round_(per_round), total_(total) {}

  /// Epochs trained so far.
  int done() const { return done_; }

  /// Trains the epochs `round` still needs: `train(epoch)` (0-based) returns
  /// the epoch's loss; then the round's checkpoint is taken and
  /// `trained(epoch, loss)` called (log there: a logged epoch is never
  /// trained again). Returns early when the round asks to stop.
  void run(const RoundContext& round, const std::function<double(int)>& train,
           const std::function<void(int, double)>& trained) {
    if (round_ != static_cast<std::int64_t>(round.round)) {
      round_ = static_cast<std::int64_t>(round.round);
      target_ = std::min(total_, done_ + per_round_);
    }
    while (done_ < target_) {
      if (round.stop && round.stop()) return;
      const int epoch = done_;
      const double loss = train(epoch);
      ++done_;
      if (round.checkpoint) round.checkpoint();
      trained(epoch, loss);
    }
  }

  void save(StateWriter& out) const {
    out.put_int(done_);
    out.put_int(round_);
    out.put_int(target_);
  }
  void load(StateReader& in) {
    done_ = static_cast<int>(in.get_int());
    round_ = in.get_int();
    target_ = static_cast<int>(in.get_int());
  }

 private:
  int per_round_, total_;
  int done_ = 0;
  std::int64_t round_ = -1;
  int target_ = 0;
};

}  // namespace automl::nn
