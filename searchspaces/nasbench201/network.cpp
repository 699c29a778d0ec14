// The NAS-Bench-201 macro skeleton and cell: ReLU-Conv-BN operations, a node
// is the sum of its incoming edges, ResNet basic blocks reduce.

#include "network.hpp"

#include <array>

#include <torch/torch.h>

#include "automl/error.hpp"

namespace nb201 {

namespace {

using automl::nn::NetworkConfig;
using at::Tensor;

// Gene values, in the benchmark's operation order (nasbench201.cpp).
enum Op { none = 0, skip_connect = 1, nor_conv_1x1 = 2, nor_conv_3x3 = 3, avg_pool_3x3 = 4 };
constexpr int kOps = 5;
constexpr std::array<int, 6> kTo = {1, 2, 2, 3, 3, 3};
constexpr std::array<int, 6> kFrom = {0, 0, 1, 0, 1, 2};

torch::nn::BatchNorm2dOptions bn_options(int channels, bool affine) {
  return torch::nn::BatchNorm2dOptions(channels).affine(affine).track_running_stats(affine);
}

Tensor conv(torch::nn::Conv2d& c, const Tensor& x) {
  Tensor y = c->forward(x);
  automl::nn::count_conv(c->weight, y);
  return y;
}

// ReLU -> convolution (no bias) -> batch norm.
struct ReluConvBn : torch::nn::Module {
  ReluConvBn(int in, int out, int kernel, int stride, bool affine) {
    conv_ = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel)
                                                          .stride(stride)
                                                          .padding(kernel / 2)
                                                          .bias(false)));
    bn_ = register_module("bn", torch::nn::BatchNorm2d(bn_options(out, affine)));
  }
  Tensor forward(const Tensor& x) { return bn_->forward(conv(conv_, torch::relu(x))); }
  torch::nn::Conv2d conv_{nullptr};
  torch::nn::BatchNorm2d bn_{nullptr};
};

// A cell holding, per edge, the operations `allowed` lists; forward() runs the
// ones `genes` chooses.
struct Cell : torch::nn::Module {
  Cell(int channels, const std::array<std::vector<int>, 6>& allowed, bool affine) {
    for (std::size_t e = 0; e < 6; ++e) {
      convs_[e].resize(kOps);
      for (int op : allowed[e])
        if (op == nor_conv_1x1 || op == nor_conv_3x3)
          convs_[e][static_cast<std::size_t>(op)] = register_module(
              "edge" + std::to_string(e) + "_" + (op == nor_conv_1x1 ? "conv1x1" : "conv3x3"),
              std::make_shared<ReluConvBn>(channels, channels, op == nor_conv_1x1 ? 1 : 3, 1, affine));
    }
  }

  Tensor forward(const Tensor& x, const std::vector<int>& genes) {
    std::array<Tensor, 4> nodes;
    nodes[0] = x;
    for (int j = 1; j < 4; ++j) {
      Tensor sum;
      for (std::size_t e = 0; e < 6; ++e) {
        if (kTo[e] != j || genes[e] == none) continue;
        const Tensor& in = nodes[static_cast<std::size_t>(kFrom[e])];
        Tensor y;
        switch (genes[e]) {
          case skip_connect: y = in; break;
          case avg_pool_3x3: y = torch::avg_pool2d(in, 3, 1, 1, false, false); break;
          default: y = convs_[e][static_cast<std::size_t>(genes[e])]->forward(in);
        }
        sum = sum.defined() ? sum + y : y;
      }
      nodes[static_cast<std::size_t>(j)] = sum.defined() ? sum : torch::zeros_like(x);
    }
    return nodes[3];
  }

  std::array<std::vector<std::shared_ptr<ReluConvBn>>, 6> convs_;
};

// The residual reduction block: ReLU-Conv3x3(stride 2)-BN, ReLU-Conv3x3-BN,
// plus average pool 2x2 and a 1x1 convolution on the shortcut.
struct ResBlock : torch::nn::Module {
  ResBlock(int in, int out, bool affine) {
    a_ = register_module("conv_a", std::make_shared<ReluConvBn>(in, out, 3, 2, affine));
    b_ = register_module("conv_b", std::make_shared<ReluConvBn>(out, out, 3, 1, affine));
    shortcut_ = register_module("shortcut", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 1).bias(false)));
  }
  Tensor forward(const Tensor& x) {
    return conv(shortcut_, torch::avg_pool2d(x, 2, 2)) + b_->forward(a_->forward(x));
  }
  std::shared_ptr<ReluConvBn> a_, b_;
  torch::nn::Conv2d shortcut_{nullptr};
};

void check(const automl::DatasetInfo& data, const NetworkConfig& config) {
  if (data.task != "image_classification" || data.shape.size() != 3)
    throw automl::ConfigError("nasbench201 builds image classifiers; the dataset's task is '" + data.task +
                              "'. Pair it with an image dataset (cifar10, image_folder, ...)");
  if (data.shape[1] < 4 || data.shape[2] < 4)
    throw automl::ConfigError("nasbench201: images of " + std::to_string(data.shape[1]) + "x" +
                              std::to_string(data.shape[2]) + " pixels are too small for two reductions (need >= 4x4)");
  if (config.layers < 1 || config.channels < 1)
    throw automl::ConfigError("nasbench201: a network needs layers >= 1 and channels >= 1");
  if (config.aux_head)
    throw automl::ConfigError::for_key(
        "aux_weight", "nasbench201: the benchmark's network has no auxiliary head; set [evaluator] aux_weight = 0");
}

// The skeleton, shared by the network and the supernet.
class Skeleton : public torch::nn::Module {
 public:
  Skeleton(const std::array<std::vector<int>, 6>& allowed, bool affine, const NetworkConfig& cfg,
           const automl::DatasetInfo& data)
      : dropout_(cfg.dropout) {
    const int c = cfg.channels, n = cfg.layers;
    stem_ = register_module("stem", torch::nn::Conv2d(torch::nn::Conv2dOptions(data.shape[0], c, 3).padding(1).bias(false)));
    stem_bn_ = register_module("stem_bn", torch::nn::BatchNorm2d(bn_options(c, true)));
    int channels = c;
    for (int stage = 0; stage < 3; ++stage) {
      if (stage > 0) {
        reductions_.push_back(register_module("reduce" + std::to_string(stage),
                                              std::make_shared<ResBlock>(channels, 2 * channels, true)));
        channels *= 2;
      }
      for (int i = 0; i < n; ++i)
        cells_.push_back(register_module("cell" + std::to_string(stage) + "_" + std::to_string(i),
                                         std::make_shared<Cell>(channels, allowed, affine)));
    }
    last_bn_ = register_module("last_bn", torch::nn::BatchNorm2d(bn_options(channels, true)));
    classifier_ = register_module("classifier", torch::nn::Linear(channels, data.classes));
    layers_ = n;
  }

  automl::nn::Output run(const Tensor& inputs, const std::vector<int>& genes, bool drop, at::Generator& generator) {
    Tensor x = stem_bn_->forward(conv(stem_, inputs));
    automl::nn::trace_stage("stem", x);
    for (std::size_t i = 0; i < cells_.size(); ++i) {
      if (i > 0 && i % static_cast<std::size_t>(layers_) == 0) {
        x = reductions_[i / static_cast<std::size_t>(layers_) - 1]->forward(x);
        automl::nn::trace_stage("reduction " + std::to_string(i / static_cast<std::size_t>(layers_)), x);
      }
      x = cells_[i]->forward(x, genes);
      automl::nn::trace_stage("cell " + std::to_string(i), x);
    }
    x = torch::relu(last_bn_->forward(x));
    automl::nn::Output out;
    out.logits = automl::nn::classifier_head(x, classifier_->weight, classifier_->bias, dropout_, drop, generator);
    return out;
  }

 private:
  double dropout_;
  int layers_ = 1;
  torch::nn::Conv2d stem_{nullptr};
  torch::nn::BatchNorm2d stem_bn_{nullptr}, last_bn_{nullptr};
  std::vector<std::shared_ptr<Cell>> cells_;
  std::vector<std::shared_ptr<ResBlock>> reductions_;
  torch::nn::Linear classifier_{nullptr};
};

void check_genes(const std::vector<int>& genes) {
  if (genes.size() != 6)
    throw automl::Error("nasbench201: an architecture of " + std::to_string(genes.size()) + " genes, expected 6");
  for (int g : genes)
    if (g < 0 || g >= kOps) throw automl::Error("nasbench201: operation index " + std::to_string(g) + " out of range");
}

class Nb201Network final : public automl::nn::Network {
 public:
  Nb201Network(const std::vector<int>& genes, const NetworkConfig& cfg, const automl::DatasetInfo& data)
      : genes_(genes) {
    std::array<std::vector<int>, 6> allowed;
    for (std::size_t e = 0; e < 6; ++e) allowed[e] = {genes[e]};
    skeleton_ = register_module("net", std::make_shared<Skeleton>(allowed, true, cfg, data));
  }
  automl::nn::Output forward(const Tensor& inputs) override {
    return skeleton_->run(inputs, genes_, is_training(), generator_);
  }

 private:
  std::vector<int> genes_;
  std::shared_ptr<Skeleton> skeleton_;
};

class Nb201Supernet final : public automl::nn::Supernet {
 public:
  Nb201Supernet(const NetworkConfig& cfg, const automl::DatasetInfo& data) {
    std::array<std::vector<int>, 6> allowed;
    for (auto& a : allowed) a = {none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3};
    skeleton_ = register_module("net", std::make_shared<Skeleton>(allowed, false, cfg, data));
  }
  void select(const automl::Architecture& arch) override {
    check_genes(arch.genes);
    genes_ = arch.genes;
  }
  void set_scoring(bool on) override {
    scoring_ = on;
    train(true);  // cells normalize with batch statistics either way
  }
  automl::nn::Output forward(const Tensor& inputs) override {
    if (genes_.empty()) throw automl::Error("nasbench201 supernet: select() an architecture before forward()");
    return skeleton_->run(inputs, genes_, is_training() && !scoring_, generator_);
  }

 private:
  std::vector<int> genes_;
  bool scoring_ = false;
  std::shared_ptr<Skeleton> skeleton_;
};

}  // namespace

std::shared_ptr<automl::nn::Network> NetworkBuilder::build(const automl::Architecture& arch, const NetworkConfig& config,
                                                           const automl::DatasetInfo& data) const {
  check(data, config);
  check_genes(arch.genes);
  return std::make_shared<Nb201Network>(arch.genes, config, data);
}

std::shared_ptr<automl::nn::Supernet> NetworkBuilder::build_supernet(const NetworkConfig& config,
                                                                     const automl::DatasetInfo& data) const {
  check(data, config);
  if (config.recompute)
    throw automl::ConfigError::for_key("recompute", "recompute = true: the nasbench201 supernet saves its activations "
                                                    "(its cells are small); set recompute = false");
  return std::make_shared<Nb201Supernet>(config, data);
}

}  // namespace nb201
