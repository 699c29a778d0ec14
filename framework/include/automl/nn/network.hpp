#pragma once
// Networks a search space builds for its architectures, and the evaluators
// that train them. A space that can build stand-alone networks returns a
// NetworkBuilder from SearchSpace::networks(); the full-training evaluator
// asks it for a model per candidate and never needs to know the space.
// Brings LibTorch: include it only where networks are built or trained.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Generator.h>
#include <torch/nn/module.h>

#include "automl/architecture.hpp"
#include "automl/dataset.hpp"
#include "automl/state.hpp"

namespace torch::optim {
class Optimizer;
}

namespace automl::nn {

/// The size and regularization of a stand-alone network; evaluators own
/// these (a search trains small networks, a final training large ones).
struct NetworkConfig {
  int layers = 3;               ///< CNN: cells per stage (N)
  int channels = 20;            ///< CNN: channels of the first stage (F)
  bool aux_head = false;        ///< auxiliary classifier (CNN: after the second reduction)
  double dropout = 0;           ///< before the final classifier
  double drop_path_keep = 1.0;  ///< keep probability of drop-path at the last cell, end of training
  /// Recompute activations in the backward pass instead of saving them
  /// (automl/nn/recompute.hpp): less memory, more time. Read by the
  /// supernets that support it (nasnet_cnn); the others throw ConfigError.
  bool recompute = false;
};

/// Logits of the main classifier and, in training with an auxiliary head,
/// of the auxiliary one (undefined otherwise).
struct Output {
  at::Tensor logits;
  at::Tensor aux_logits;
};

/// A CPU generator seeded with `seed`.
at::Generator make_generator(std::uint64_t seed);

/// A trainable model. forward() is called from one thread at a time.
class Network : public torch::nn::Module {
 public:
  /// Random choices inside forward() (drop-path, dropout) draw from this
  /// network's own generator, never torch's global one, so parallel trials
  /// stay reproducible. Trainers reseed it (e.g. every epoch).
  void reseed(std::uint64_t seed) { generator_ = make_generator(seed); }

  /// Inputs as the dataset's batches hold them (images: float [B, C, H, W]).
  virtual Output forward(const at::Tensor& inputs) = 0;
  /// Where training is: step `step` (0-based) of `total`. Networks with a
  /// schedule inside (drop-path) read progress_.
  void set_progress(std::int64_t step, std::int64_t total) {
    progress_ = total > 0 ? static_cast<double>(step + 1) / static_cast<double>(total) : 1.0;
  }

 protected:
  at::Generator generator_ = make_generator(0);
  double progress_ = 1.0;  ///< (step + 1) / total of the last set_progress(); 1 before any
};

/// Drop-path keep probability of cell `cell` (0-based) of `cells` (NAO
/// reference §4.5): 1 - (cell + 1) / cells * (1 - keep), then scaled by the
/// training progress in (0, 1]: 1 - progress * (1 - that).
inline double drop_path_keep(double keep, std::size_t cell, std::size_t cells, double progress) {
  const double by_depth = 1.0 - static_cast<double>(cell + 1) / static_cast<double>(cells) * (1.0 - keep);
  return 1.0 - progress * (1.0 - by_depth);
}

/// Cosine learning rate from lr_max to lr_min over `epochs`, as the reference
/// steps it at the start of each epoch: epoch 0 already uses t = 1 / epochs,
/// the last epoch lr_min.
double cosine_lr(double lr_max, double lr_min, int epoch, int epochs);

/// Per-sample drop-path: each sample of `x` [B, ...] is zeroed with
/// probability 1 - keep, the rest divided by keep. The mask is drawn on the
/// CPU from `generator` (identical on every device).
at::Tensor drop_path(const at::Tensor& x, double keep, at::Generator& generator);
/// Dropout with probability `p` drawn from `generator`; identity when !training.
at::Tensor dropout(const at::Tensor& x, double p, bool training, at::Generator& generator);
/// The head image networks end with: global average pool of `features`
/// [B, C, H, W], dropout `p` (when `drop`), then the linear classifier
/// (`weight` [classes, C], `bias`); counted and traced as "classifier".
at::Tensor classifier_head(const at::Tensor& features, const at::Tensor& weight, const at::Tensor& bias, double p,
                           bool drop, at::Generator& generator);

/// One set of weights shared by every architecture of a space (weight
/// sharing, NAO-WS / ENAS). select() picks the architecture whose path the
/// next forward() computes; only that path's weights take part.
class Supernet : public Network {
 public:
  /// The architecture of the following forward() calls (valid, of the space).
  virtual void select(const Architecture& arch) = 0;
  /// Scoring mode, as the reference scores candidates with shared weights:
  /// no drop-path or dropout, batch-norm on batch statistics. Call
  /// forward() under a NoGradGuard while it is on.
  virtual void set_scoring(bool on) = 0;
};

class NetworkBuilder {
 public:
  virtual ~NetworkBuilder() = default;
  /// The dataset task this builder makes networks for ("image_classification").
  virtual std::string task() const = 0;
  /// A fresh, randomly initialized network (torch's global generator: seed
  /// it first) for a valid `arch` and the dataset `data`. Throws
  /// ConfigError when the network cannot be built for that data (say why).
  virtual std::shared_ptr<Network> build(const Architecture& arch, const NetworkConfig& config,
                                         const DatasetInfo& data) const = 0;
  /// A weight-sharing supernet over the whole space, or nullptr when the
  /// space has none. Same seeding and errors as build().
  virtual std::shared_ptr<Supernet> build_supernet(const NetworkConfig& config, const DatasetInfo& data) const {
    (void)config, (void)data;
    return nullptr;
  }
};

/// What one forward pass on a single input went through: named stages with
/// their output shapes, and multiply-adds of convolutions and linear layers.
struct Trace {
  std::vector<std::pair<std::string, std::vector<std::int64_t>>> stages;
  double multiply_adds = 0;
};

/// Runs `network` in eval mode on one zero input of `shape` (no batch
/// dimension) and returns its trace; restores the training flag.
Trace trace(Network& network, const std::vector<std::int64_t>& shape);
/// Called by networks: records a stage when a trace is running (cheap otherwise).
void trace_stage(const std::string& name, const at::Tensor& output);
/// Called by networks after a convolution with `weight` [O, I/groups, kh, kw]
/// produced `output` [B, O, H, W]; counts per sample when a trace is running.
void count_conv(const at::Tensor& weight, const at::Tensor& output);
/// As count_conv for a linear layer with `weight` [out, in] (per sample).
void count_linear(const at::Tensor& weight);

/// Saves a module under training: its weights, `optimizer`'s state, and
/// which parameters hold a (zero-filled) gradient: a weight-sharing path
/// once used keeps receiving weight decay and momentum, so that is state too.
void save_training_state(const torch::nn::Module& module, const torch::optim::Optimizer& optimizer,
                         StateWriter& out);
/// Loads what save_training_state() wrote onto `device`; throws DataError
/// naming `who` when it does not fit the module.
void load_training_state(torch::nn::Module& module, torch::optim::Optimizer& optimizer, StateReader& in,
                         const at::Device& device, const std::string& who);

/// Trainable parameters (auxiliary head included unless `without` names a
/// submodule prefix to skip, e.g. "aux").
std::int64_t parameter_count(const torch::nn::Module& module, const std::string& without = "");

}  // namespace automl::nn
