#pragma once
// Training the controller on scored architectures, measuring it, and
// generating new architectures by gradient ascent in embedding space.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "automl/random.hpp"
#include "automl/search_space.hpp"
#include "controller.hpp"

namespace torch::optim {
class Adam;
}

namespace nao {

struct TrainOptions {
  int epochs = 1000;
  int batch_size = 100;
  double lr = 1e-3;
  double weight_decay = 1e-4;
  double grad_clip = 5.0;
  double trade_off = 0.8;          ///< weight of the MSE; 1 - trade_off weighs the reconstruction NLL
  std::string augmentation = "online";  ///< "online", "offline" or "none"
  int expand = 10;                 ///< offline: copies per architecture, originals included
  std::string targets = "minmax";  ///< predictor targets: "minmax" (reference) or "rank" (rank / (n - 1))
};

struct Scored {
  automl::Architecture arch;
  double score;
};

/// Trains `controller` on `data` with normalized scores (min-max or ranks,
/// `options.targets`), with `optimizer` when given (kept across calls: one
/// Adam for the whole search, as NAO-WS/rnn) or else a fresh Adam (as
/// NAO_pytorch re-creates it each round). Each step may add a batch of
/// `unlabeled` architectures (cycled through) that only the reconstruction
/// loss sees. Returns {"train_mse", "train_nll"} of the last epoch.
std::map<std::string, double> train_controller(Controller& controller, const automl::TokenEncoding& tokens,
                                               const std::vector<Scored>& data, const TrainOptions& options,
                                               automl::Random& rng,
                                               const std::vector<automl::Architecture>& unlabeled = {},
                                               torch::optim::Adam* optimizer = nullptr);

/// The Adam that train_controller() creates, for a caller that keeps one.
std::unique_ptr<torch::optim::Adam> make_optimizer(Controller& controller, const TrainOptions& options);

/// Predictions (in (0, 1)) for architectures, in eval mode.
std::vector<double> predict(Controller& controller, const automl::TokenEncoding& tokens,
                            const std::vector<automl::Architecture>& archs);

/// The `count` of `archs` the predictor rates highest, best first (ties in
/// the given order).
std::vector<automl::Architecture> best_predicted(Controller& controller, const automl::TokenEncoding& tokens,
                                                 std::vector<automl::Architecture> archs, int count);

/// Greedy reconstructions of `archs`: {"reconstruction_token_acc", "reconstruction_exact"}.
std::map<std::string, double> reconstruction(Controller& controller, const automl::TokenEncoding& tokens,
                                             const std::vector<automl::Architecture>& archs);

struct Generated {
  std::vector<automl::Architecture> archs;
  std::map<int, int> novel_at_step;  ///< step size -> novel architectures found with it
  int last_step = 0;
};

/// NAO's generation: from `seeds`, step sizes 1, 2, ... applied afresh to the
/// original encodings, greedy constrained decoding, keeping architectures
/// `is_novel` accepts (and not already kept) until `count` are kept or the
/// step size max_step + 1 has been tried (the reference's loop tests
/// `step > max_step_size` after each step, so V1 runs 1 ... 51 for 50).
Generated generate(Controller& controller, const automl::TokenEncoding& tokens,
                   const std::vector<automl::Architecture>& seeds, int count, int max_step,
                   const std::function<bool(const automl::Architecture&)>& is_novel);

}  // namespace nao
