#pragma once
// Training one network from scratch on an image dataset: SGD with momentum,
// per-epoch cosine learning rate, weight decay, global grad-norm clipping,
// auxiliary loss, drop-path schedule. Shared by evaluate() (a search trial)
// and train() (a long, checkpointed final training).

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include <torch/optim/sgd.h>

#include "automl/data/tensor_data.hpp"
#include "automl/nn/network.hpp"
#include "automl/nn/precision.hpp"
#include "automl/nn/sgd_options.hpp"

namespace full_training {

struct Options : automl::nn::SgdOptions {  // lr_max, lr_min, momentum, ...: automl/nn/sgd_options.hpp
  // The network.
  int layers = 3;
  int channels = 20;
  double dropout = 0.4;
  double drop_path_keep = 0.8;
  double aux_weight = 0.4;  ///< 0: no auxiliary head
  // The optimization.
  int epochs = 20;
  int batch_size = 128;
  int eval_batch_size = 500;
  int steps_per_epoch = 0;  ///< 0: one pass over the training split
  bool report_test = false;

  automl::nn::NetworkConfig network() const { return {layers, channels, aux_weight > 0, dropout, drop_path_keep}; }
};

struct EpochStats {
  int epoch = 0;  ///< 1-based
  double lr = 0;
  double train_loss = 0;
  double train_acc = 0;
  double seconds = 0;
  std::int64_t skipped_steps = 0;  ///< fp16 steps skipped for an overflow (loss scaling)
};

class Training {
 public:
  Training(std::shared_ptr<automl::nn::Network> network, const Options& options, const automl::TensorData& data,
           std::uint64_t seed, const torch::Device& device);

  /// Epochs completed so far.
  int epochs_done() const { return epochs_done_; }
  /// Trains the next epoch. `progress(step, steps, loss)` is called every few
  /// steps. Throws automl::Error when the loss becomes NaN or infinite.
  EpochStats train_epoch(const std::function<void(std::int64_t, std::int64_t, double)>& progress = nullptr);
  /// Top-1 accuracy (fraction) on a split, eval mode, no augmentation.
  double accuracy(automl::Split split);

  /// Network, optimizer and epoch counter to `file` (written atomically) and back.
  void save(const std::filesystem::path& file) const;
  void load(const std::filesystem::path& file);

  automl::nn::Network& network() { return *network_; }
  /// fp16 steps skipped for an overflow since this Training was made or loaded.
  std::int64_t skipped_steps() const { return scaler_.skipped_steps(); }

 private:
  std::shared_ptr<automl::nn::Network> network_;
  Options options_;
  const automl::TensorData& data_;
  std::uint64_t seed_;
  torch::Device device_;
  std::unique_ptr<torch::optim::SGD> optimizer_;
  automl::nn::Precision precision_;
  automl::nn::LossScaler scaler_;
  bool channels_last_ = false;  ///< memory_format: the network and its inputs in channels-last
  std::int64_t steps_per_epoch_ = 0;
  int epochs_done_ = 0;

  // A batch's inputs on the device, in the network's layout.
  torch::Tensor inputs(const automl::Batch& batch) const;
};

}  // namespace full_training
