#include "training.hpp"

#include <chrono>
#include <cmath>

#include <torch/torch.h>

#include "automl/error.hpp"
#include "automl/nn/memory_format.hpp"
#include "automl/random.hpp"

namespace full_training {

namespace fs = std::filesystem;
using automl::Split;

Training::Training(std::shared_ptr<automl::nn::Network> network, const Options& options,
                   const automl::TensorData& data, std::uint64_t seed, const torch::Device& device)
    : network_(std::move(network)), options_(options), data_(data), seed_(seed), device_(device),
      precision_(automl::nn::parse_precision(options.precision)),
      scaler_(precision_ == automl::nn::Precision::fp16) {
  automl::nn::check_precision(precision_, device_);
  network_->to(device_);
  channels_last_ = automl::nn::channels_last(options_.memory_format, device_);
  if (channels_last_) automl::nn::to_channels_last(*network_);
  optimizer_ = std::make_unique<torch::optim::SGD>(
      network_->parameters(), torch::optim::SGDOptions(options_.lr_max)
                                  .momentum(options_.momentum)
                                  .nesterov(options_.nesterov)
                                  .weight_decay(options_.weight_decay));
  const std::int64_t batches = data_.split_size(Split::train) / options_.batch_size;  // drop_last
  if (batches < 1)
    throw automl::ConfigError("full_training: the training split has " +
                              std::to_string(data_.split_size(Split::train)) + " samples, fewer than one batch of " +
                              std::to_string(options_.batch_size) + "; lower batch_size");
  steps_per_epoch_ = options_.steps_per_epoch > 0 ? options_.steps_per_epoch : batches;
}

torch::Tensor Training::inputs(const automl::Batch& batch) const {
  return automl::nn::network_input(batch.inputs, device_, channels_last_);
}

EpochStats Training::train_epoch(const std::function<void(std::int64_t, std::int64_t, double)>& progress) {
  const auto start = std::chrono::steady_clock::now();
  const int epoch = epochs_done_;
  EpochStats stats;
  stats.epoch = epoch + 1;
  stats.lr = automl::nn::cosine_lr(options_.lr_max, options_.lr_min, epoch, options_.epochs);
  for (auto& group : optimizer_->param_groups())
    static_cast<torch::optim::SGDOptions&>(group.options()).lr(stats.lr);
  // Every epoch's randomness (batch order, augmentation, drop-path) comes
  // from the seed and the epoch number, so a resumed training repeats it.
  network_->reseed(automl::derive_seed(seed_, "network", epoch));
  network_->train();
  automl::LoaderOptions loader;
  loader.batch_size = options_.batch_size;
  loader.augment = true;
  loader.drop_last = true;
  loader.device = automl::nn::loader_device(options_.data_on_device, device_);
  std::unique_ptr<automl::BatchStream> stream;
  int pass = 0;
  automl::Batch batch;
  double loss_sum = 0, correct = 0, seen = 0;
  const std::int64_t total_steps = steps_per_epoch_ * options_.epochs;
  for (std::int64_t step = 0; step < steps_per_epoch_; ++step) {
    while (!stream || !stream->next(batch))
      stream = data_.stream(Split::train, loader, automl::derive_seed(seed_, "batches", 1000003ull * epoch + pass++));
    const torch::Tensor x = inputs(batch), y = batch.targets.to(device_);
    network_->set_progress(epoch * steps_per_epoch_ + step, total_steps);
    optimizer_->zero_grad();
    automl::nn::Output out;
    torch::Tensor loss;
    {
      const automl::nn::Autocast autocast(precision_, device_);
      out = network_->forward(x);
      loss = torch::cross_entropy_loss(out.logits, y);
      if (out.aux_logits.defined()) loss = loss + options_.aux_weight * torch::cross_entropy_loss(out.aux_logits, y);
    }
    const double value = loss.item<double>();
    if (!std::isfinite(value))
      throw automl::Error("full_training: the loss became " + std::to_string(value) + " at epoch " +
                          std::to_string(epoch + 1) + ", step " + std::to_string(step + 1) +
                          "; lower lr_max or set grad_clip");
    if (!automl::nn::backward_and_step(loss, *optimizer_, options_.grad_clip, scaler_)) ++stats.skipped_steps;
    loss_sum += value * static_cast<double>(y.size(0));
    correct += out.logits.argmax(1).eq(y).sum().item<double>();
    seen += static_cast<double>(y.size(0));
    if (progress && (step % 10 == 9 || step + 1 == steps_per_epoch_)) progress(step + 1, steps_per_epoch_, loss_sum / seen);
  }
  ++epochs_done_;
  stats.train_loss = loss_sum / seen;
  stats.train_acc = correct / seen;
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return stats;
}

double Training::accuracy(Split split) {
  torch::NoGradGuard no_grad;
  network_->eval();
  automl::LoaderOptions loader;
  loader.batch_size = options_.eval_batch_size;
  loader.shuffle = false;
  loader.device = automl::nn::loader_device(options_.data_on_device, device_);
  auto stream = data_.stream(split, loader, 0);
  automl::Batch batch;
  double correct = 0, seen = 0;
  while (stream->next(batch)) {
    const torch::Tensor y = batch.targets.to(device_);
    const automl::nn::Autocast autocast(precision_, device_);
    correct += network_->forward(inputs(batch)).logits.argmax(1).eq(y).sum().item<double>();
    seen += static_cast<double>(y.size(0));
  }
  network_->train();
  if (seen == 0) throw automl::ConfigError(std::string("full_training: the ") + automl::split_name(split) +
                                           " split is empty; give the dataset a validation split (valid_count)");
  return correct / seen;
}

void Training::save(const fs::path& file) const {
  torch::serialize::OutputArchive archive;
  network_->save(archive);
  torch::serialize::OutputArchive optimizer;
  optimizer_->save(optimizer);
  archive.write("optimizer", optimizer);
  archive.write("epochs_done", torch::tensor(static_cast<std::int64_t>(epochs_done_)));
  if (scaler_.enabled()) archive.write("loss_scaler", torch::tensor(scaler_.state(), torch::kDouble));
  const fs::path tmp = file.string() + ".tmp";
  archive.save_to(tmp.string());
  fs::rename(tmp, file);
}

void Training::load(const fs::path& file) {
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(file.string(), device_);
  } catch (const c10::Error& e) {
    throw automl::DataError("full_training: cannot read checkpoint " + file.string() +
                            " (truncated or from another network?); delete it to start over");
  }
  network_->load(archive);
  if (channels_last_) automl::nn::to_channels_last(*network_);  // reading replaced the weights' storage
  torch::serialize::InputArchive optimizer;
  archive.read("optimizer", optimizer);
  optimizer_->load(optimizer);
  torch::Tensor done;
  archive.read("epochs_done", done);
  epochs_done_ = static_cast<int>(done.item<std::int64_t>());
  torch::Tensor scaler;
  if (scaler_.enabled() && archive.try_read("loss_scaler", scaler)) {
    scaler = scaler.to(torch::kCPU);
    scaler_.set_state({scaler.data_ptr<double>(), scaler.data_ptr<double>() + scaler.numel()});
  }
}

}  // namespace full_training
