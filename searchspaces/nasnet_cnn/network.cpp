#include "network.hpp"

#include <torch/torch.h>

#include "automl/error.hpp"
#include "automl/nn/batch_norm.hpp"
#include "ops.hpp"

namespace nasnet {

namespace {

using automl::nn::NetworkConfig;

struct Shape {
  int channels = 0;
  std::int64_t size = 0;  // height (width follows the same arithmetic)
};

// One cell: calibrates its two inputs to `c` channels and the same size, runs
// the nodes, concatenates the loose ends (c * loose channels).
class Cell final : public torch::nn::Module {
 public:
  Cell(const int* genes, int nodes, const std::vector<std::string>& ops, Shape s0, Shape s1, int c, bool reduction)
      : nodes_(nodes), genes_(genes, genes + 4 * nodes) {
    if (s0.size > s1.size) calibrate0_ = register_module("calibrate0", std::make_shared<ReducePrevious>(s0.channels, c));
    else if (s0.channels != c) calibrate0_ = register_module("calibrate0", std::make_shared<ReluConvBn>(s0.channels, c, 1, 1, 1, 1));
    if (s1.channels != c) calibrate1_ = register_module("calibrate1", std::make_shared<ReluConvBn>(s1.channels, c, 1, 1, 1, 1));
    std::vector<bool> used(nodes + 2, false);
    for (int n = 0; n < nodes; ++n)
      for (int b = 0; b < 2; ++b) {
        const int id = genes_[4 * n + 2 * b];
        used[id] = true;
        const int stride = reduction && id < 2 ? 2 : 1;
        branches_.push_back(register_module("node" + std::to_string(n) + (b ? "_y" : "_x"),
                                            make_op(ops.at(genes_[4 * n + 2 * b + 1]), c, stride)));
      }
    for (int id = 0; id < nodes + 2; ++id) {
      if (used[id]) continue;
      loose_.push_back(id);
      if (reduction && id < 2)
        loose_reduce_.push_back(register_module("reduce_input" + std::to_string(id), std::make_shared<FactorizedReduce>(c, c)));
      else
        loose_reduce_.push_back(nullptr);
    }
    out_ = {c * static_cast<int>(loose_.size()), reduction ? (s1.size + 1) / 2 : s1.size};
  }

  Shape output_shape() const { return out_; }

  Tensor forward(const Tensor& s0, const Tensor& s1, double keep, at::Generator& gen) {
    std::vector<Tensor> states{calibrate0_ ? calibrate0_->forward(s0) : s0,
                               calibrate1_ ? calibrate1_->forward(s1) : s1};
    const bool drop = is_training() && keep < 1.0;
    for (int n = 0; n < nodes_; ++n) {
      Tensor x = branches_[2 * n]->forward(states[genes_[4 * n]]);
      Tensor y = branches_[2 * n + 1]->forward(states[genes_[4 * n + 2]]);
      if (drop) x = automl::nn::drop_path(x, keep, gen), y = automl::nn::drop_path(y, keep, gen);
      states.push_back(x + y);
    }
    std::vector<Tensor> ends;
    for (std::size_t i = 0; i < loose_.size(); ++i)
      ends.push_back(loose_reduce_[i] ? loose_reduce_[i]->forward(states[loose_[i]]) : states[loose_[i]]);
    return ends.size() == 1 ? ends[0] : torch::cat(ends, 1);
  }

 private:
  // ReLU then FactorizedReduce: the input two cells back is at twice the size.
  class ReducePrevious final : public Op {
   public:
    ReducePrevious(int c_in, int c_out) : reduce_(register_module("reduce", std::make_shared<FactorizedReduce>(c_in, c_out))) {}
    Tensor forward(const Tensor& x) override { return reduce_->forward(torch::relu(x)); }

   private:
    std::shared_ptr<FactorizedReduce> reduce_;
  };

  int nodes_;
  std::vector<int> genes_;
  std::shared_ptr<Op> calibrate0_, calibrate1_;
  std::vector<std::shared_ptr<Op>> branches_;
  std::vector<int> loose_;
  std::vector<std::shared_ptr<Op>> loose_reduce_;
  Shape out_;
};

// Auxiliary classifier after the second reduction (reference: 8 x 8 input):
// ReLU, 5x5 average pool stride 3, 1x1 conv 128, BN, ReLU, 2x2 conv 768, BN,
// ReLU, linear. Inputs of another size are pooled adaptively to 2 x 2 instead.
class AuxHead final : public torch::nn::Module {
 public:
  AuxHead(int c, std::int64_t size, int classes)
      : reference_pool_(size == 8),
        conv1_(register_module("conv1", make_conv(c, 128, 1, 1, 1, 1))),
        bn1_(register_module("bn1", torch::nn::BatchNorm2d(128))),
        conv2_(register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(128, 768, 2).bias(false)))),
        bn2_(register_module("bn2", torch::nn::BatchNorm2d(768))),
        linear_(register_module("linear", torch::nn::Linear(768, classes))) {}

  Tensor forward(const Tensor& x) {
    Tensor y = torch::relu(x);
    y = reference_pool_ ? torch::avg_pool2d(y, {5, 5}, {3, 3}, {0, 0}, false, false)
                        : torch::adaptive_avg_pool2d(y, {2, 2});
    y = torch::relu(bn1_->forward(conv(conv1_, y)));
    y = torch::relu(bn2_->forward(conv(conv2_, y)));
    automl::nn::count_linear(linear_->weight);
    return linear_->forward(y.flatten(1));
  }

 private:
  bool reference_pool_;
  torch::nn::Conv2d conv1_;
  torch::nn::BatchNorm2d bn1_;
  torch::nn::Conv2d conv2_;
  torch::nn::BatchNorm2d bn2_;
  torch::nn::Linear linear_;
};

class NasNetwork final : public automl::nn::Network {
 public:
  NasNetwork(const std::vector<int>& genes, int nodes, const std::vector<std::string>& ops, const NetworkConfig& cfg,
             const automl::DatasetInfo& data)
      : keep_(cfg.drop_path_keep), dropout_(cfg.dropout) {
    const int n = cfg.layers, stem_c = 3 * cfg.channels;
    const int total = 3 * n + 2;
    stem_ = register_module("stem", make_conv(static_cast<int>(data.shape[0]), stem_c, 3, 3, 1, 1));
    stem_bn_ = register_module("stem_bn", torch::nn::BatchNorm2d(stem_c));
    Shape s0{stem_c, data.shape[1]}, s1 = s0;
    int c = cfg.channels;
    for (int i = 0; i < total; ++i) {
      const bool reduction = i == n || i == 2 * n + 1;
      if (reduction) c *= 2;
      const int* cell_genes = genes.data() + (reduction ? 4 * nodes : 0);
      reduction_.push_back(reduction);
      cells_.push_back(register_module("cell" + std::to_string(i),
                                       std::make_shared<Cell>(cell_genes, nodes, ops, s0, s1, c, reduction)));
      s0 = s1;
      s1 = cells_.back()->output_shape();
      if (cfg.aux_head && i == 2 * n + 1) {
        aux_cell_ = i;
        aux_ = register_module("aux", std::make_shared<AuxHead>(s1.channels, s1.size, static_cast<int>(data.classes)));
      }
    }
    classifier_ = register_module("classifier", torch::nn::Linear(s1.channels, data.classes));
    // As the reference: Kaiming-normal (fan in) for every weight of two or
    // more dimensions; BN and biases keep torch's defaults.
    torch::NoGradGuard no_grad;
    for (auto& p : parameters())
      if (p.dim() >= 2) torch::nn::init::kaiming_normal_(p);
    to_channels_last(*this);  // same numbers, faster layout (bench/nasnet_train.cpp)
  }

  automl::nn::Output forward(const Tensor& inputs) override {
    automl::nn::Output out;
    Tensor s0 = automl::nn::batch_norm(*stem_bn_, stem_conv(stem_, inputs));
    automl::nn::trace_stage("stem", s0);
    Tensor s1 = s0;
    for (std::size_t i = 0; i < cells_.size(); ++i) {
      // Keep probability falls linearly with depth and with training progress.
      const double keep = automl::nn::drop_path_keep(keep_, i, cells_.size(), progress_);
      Tensor next = cells_[i]->forward(s0, s1, keep, generator_);
      s0 = s1;
      s1 = next;
      automl::nn::trace_stage("cell " + std::to_string(i) + (reduction_[i] ? " (reduction)" : ""), s1);
      if (aux_ && is_training() && static_cast<int>(i) == aux_cell_) out.aux_logits = aux_->forward(s1);
    }
    out.logits = automl::nn::classifier_head(s1, classifier_->weight, classifier_->bias, dropout_, is_training(),
                                             generator_);
    return out;
  }

 private:
  double keep_;
  double dropout_;
  torch::nn::Conv2d stem_{nullptr};
  torch::nn::BatchNorm2d stem_bn_{nullptr};
  std::vector<std::shared_ptr<Cell>> cells_;
  std::vector<bool> reduction_;
  int aux_cell_ = -1;
  std::shared_ptr<AuxHead> aux_;
  torch::nn::Linear classifier_{nullptr};
};

}  // namespace

void check_image_data(const automl::DatasetInfo& data, const NetworkConfig& config) {
  if (data.task != "image_classification" || data.shape.size() != 3)
    throw automl::ConfigError("nasnet_cnn builds image classifiers; the dataset's task is '" + data.task +
                              "'. Pair it with an image dataset (fashion_mnist, cifar10, ...)");
  if (data.shape[1] < 4 || data.shape[2] < 4)
    throw automl::ConfigError("nasnet_cnn: images of " + std::to_string(data.shape[1]) + "x" +
                              std::to_string(data.shape[2]) + " pixels are too small for two reductions (need >= 4x4)");
  if (config.layers < 1 || config.channels < 2)
    throw automl::ConfigError("nasnet_cnn: a network needs layers >= 1 and channels >= 2");
}

std::shared_ptr<automl::nn::Network> NetworkBuilder::build(const automl::Architecture& arch, const NetworkConfig& config,
                                                           const automl::DatasetInfo& data) const {
  check_image_data(data, config);
  return std::make_shared<NasNetwork>(arch.genes, nodes_, ops_, config, data);
}

}  // namespace nasnet
