// The NAO-WS supernet of the nasnet_cnn space (NAO reference §4.2-4.5, V1
// model_search.py): per cell, node and branch one instance of every
// operation; separable-conv weights and BN affine parameters indexed by the
// branch's input id (BN running statistics shared); the loose ends projected
// back to c channels by a 1x1 conv whose weight slices are indexed by state id.

#include <torch/torch.h>

#include "automl/error.hpp"
#include "automl/nn/batch_norm.hpp"
#include "automl/nn/depthwise_conv.hpp"
#include "automl/nn/max_pool.hpp"
#include "automl/nn/recompute.hpp"
#include "network.hpp"
#include "ops.hpp"

namespace nasnet {

namespace {

using automl::nn::NetworkConfig;

enum class Kind { sep3, sep5, avg3, max3, identity };

Kind kind_of(const std::string& op) {
  if (op == "sep_conv_3x3") return Kind::sep3;
  if (op == "sep_conv_5x5") return Kind::sep5;
  if (op == "avg_pool_3x3") return Kind::avg3;
  if (op == "max_pool_3x3") return Kind::max3;
  if (op == "identity") return Kind::identity;
  throw automl::ConfigError("nasnet_cnn: the weight-sharing supernet has the NAO-WS operations (sep_conv_3x3, "
                            "sep_conv_5x5, avg_pool_3x3, max_pool_3x3, identity), not '" + op +
                            "'; use op_set = \"nao_ws\"");
}


// Batch norm with affine parameters per input id and shared running statistics.
class WsBn final : public torch::nn::Module {
 public:
  WsBn(int inputs, int c) {
    for (int i = 0; i < inputs; ++i) {
      weight_.push_back(register_parameter("weight" + std::to_string(i), torch::ones({c})));
      bias_.push_back(register_parameter("bias" + std::to_string(i), torch::zeros({c})));
    }
    mean_ = register_buffer("running_mean", torch::zeros({c}));
    var_ = register_buffer("running_var", torch::ones({c}));
  }
  std::vector<Tensor> affine(int id) const { return {weight_[id], bias_[id]}; }
  // With `relu`, ReLU(BN(x)) in one pass (automl::nn::batch_norm_relu).
  Tensor forward(const Tensor& x, int id, bool relu = false) {
    if (relu) return automl::nn::batch_norm_relu(x, weight_[id], bias_[id], mean_, var_, is_training(), 0.1, 1e-5);
    return automl::nn::batch_norm(x, weight_[id], bias_[id], mean_, var_, is_training(), 0.1, 1e-5);
  }

 private:
  std::vector<Tensor> weight_, bias_;
  Tensor mean_, var_;
};

// (ReLU, depthwise k x k, pointwise, WsBn) twice, weights per input id.
// With `recompute`, its activations are computed again in the backward pass
// rather than saved (only its input is kept).
class WsSepConv final : public torch::nn::Module {
 public:
  WsSepConv(int inputs, int c, int k, bool recompute) : k_(k), recompute_(recompute) {
    for (int i = 0; i < inputs; ++i)
      for (int half = 0; half < 2; ++half) {
        const std::string n = std::to_string(half + 1) + "_" + std::to_string(i);
        dw_[half].push_back(register_parameter("dw" + n, torch::empty({c, 1, k, k})));
        pw_[half].push_back(register_parameter("pw" + n, torch::empty({c, c, 1, 1})));
      }
    bn_[0] = register_module("bn1", std::make_shared<WsBn>(inputs, c));
    bn_[1] = register_module("bn2", std::make_shared<WsBn>(inputs, c));
  }
  Tensor forward(const Tensor& x, int id, int stride) {
    if (!recompute_) return compute(x, id, stride);
    std::vector<Tensor> weights{dw_[0][id], pw_[0][id], dw_[1][id], pw_[1][id]};
    for (const auto& bn : bn_)
      for (const auto& t : bn->affine(id)) weights.push_back(t);
    return automl::nn::recompute([this, id, stride](const Tensor& in) { return compute(in, id, stride); }, x,
                                 weights);
  }

 private:
  Tensor compute(const Tensor& x, int id, int stride) {
    Tensor y = torch::relu(x);  // the second half's ReLU comes with the first half's BN
    for (int h = 0; h < 2; ++h) {
      y = automl::nn::depthwise_conv2d(y, dw_[h][id], h == 0 ? stride : 1, k_ / 2);
      automl::nn::count_conv(dw_[h][id], y);
      y = torch::conv2d(y, pw_[h][id]);
      automl::nn::count_conv(pw_[h][id], y);
      y = bn_[h]->forward(y, id, h == 0);
    }
    return y;
  }

  int k_;
  bool recompute_;
  std::vector<Tensor> dw_[2], pw_[2];
  std::shared_ptr<WsBn> bn_[2];
};

// One branch of one node: every operation, for any input id.
class WsBranch final : public torch::nn::Module {
 public:
  WsBranch(int inputs, int c, bool reduction, bool recompute)
      : sep3_(register_module("sep3", std::make_shared<WsSepConv>(inputs, c, 3, recompute))),
        sep5_(register_module("sep5", std::make_shared<WsSepConv>(inputs, c, 5, recompute))) {
    if (reduction)  // identity on a reduced input (0/1) is a FactorizedReduce, one per input
      for (int i = 0; i < 2; ++i)
        reduce_.push_back(register_module("reduce" + std::to_string(i), std::make_shared<FactorizedReduce>(c, c)));
  }
  Tensor forward(const Tensor& x, int id, Kind kind, int stride) {
    switch (kind) {
      case Kind::sep3: return sep3_->forward(x, id, stride);
      case Kind::sep5: return sep5_->forward(x, id, stride);
      case Kind::avg3: return torch::avg_pool2d(x, {3, 3}, {stride, stride}, {1, 1}, false, false);
      case Kind::max3: return automl::nn::max_pool2d(x, 3, stride, 1);
      case Kind::identity: return stride == 1 ? x : reduce_[id]->forward(x);
    }
    return x;
  }

 private:
  std::shared_ptr<WsSepConv> sep3_, sep5_;
  std::vector<std::shared_ptr<FactorizedReduce>> reduce_;
};

class WsCell final : public torch::nn::Module {
 public:
  WsCell(int nodes, int c0, std::int64_t size0, int c1, std::int64_t size1, int c, bool reduction, bool recompute)
      : nodes_(nodes), c_(c), reduction_(reduction) {
    if (size0 > size1) calibrate0_ = register_module("calibrate0", std::make_shared<FactorizedReduce>(c0, c)), relu0_ = true;
    else if (c0 != c) calibrate0_ = register_module("calibrate0", std::make_shared<ReluConvBn>(c0, c, 1, 1, 1, 1));
    if (c1 != c) calibrate1_ = register_module("calibrate1", std::make_shared<ReluConvBn>(c1, c, 1, 1, 1, 1));
    for (int n = 0; n < nodes; ++n)
      for (int b = 0; b < 2; ++b)
        branches_.push_back(register_module("node" + std::to_string(n) + (b ? "_y" : "_x"),
                                            std::make_shared<WsBranch>(n + 2, c, reduction, recompute)));
    if (reduction)
      for (int i = 0; i < 2; ++i)
        loose_reduce_.push_back(register_module("reduce_input" + std::to_string(i), std::make_shared<FactorizedReduce>(c, c)));
    for (int i = 0; i < nodes + 2; ++i) combine_.push_back(register_parameter("combine" + std::to_string(i), torch::empty({c, c, 1, 1})));
    combine_bn_ = register_module("combine_bn", torch::nn::BatchNorm2d(c));
  }

  // `genes`: this cell's 4 * nodes genes; `kinds`: the operation kinds by op index.
  Tensor forward(const Tensor& s0, const Tensor& s1, const int* genes, const std::vector<Kind>& kinds, double keep,
                 at::Generator& gen) {
    std::vector<Tensor> states{calibrate0_ ? calibrate0_->forward(relu0_ ? torch::relu(s0) : s0) : s0,
                               calibrate1_ ? calibrate1_->forward(s1) : s1};
    std::vector<bool> used(nodes_ + 2, false);
    for (int n = 0; n < nodes_; ++n) {
      Tensor sum;
      for (int b = 0; b < 2; ++b) {
        const int id = genes[4 * n + 2 * b];
        used[id] = true;
        const int stride = reduction_ && id < 2 ? 2 : 1;
        Tensor out = branches_[2 * n + b]->forward(states[id], id, kinds[genes[4 * n + 2 * b + 1]], stride);
        if (keep < 1.0) out = automl::nn::drop_path(out, keep, gen);
        sum = b == 0 ? out : sum + out;
      }
      states.push_back(sum);
    }
    std::vector<Tensor> ends, weights;
    for (int id = 0; id < nodes_ + 2; ++id) {
      if (used[id]) continue;
      ends.push_back(reduction_ && id < 2 ? loose_reduce_[id]->forward(states[id]) : states[id]);
      weights.push_back(combine_[id]);
    }
    const Tensor x = ends.size() == 1 ? torch::relu(ends[0]) : torch::cat(ends, 1).relu_();  // cat's result is new
    const Tensor w = weights.size() == 1 ? weights[0] : torch::cat(weights, 1);
    Tensor y = torch::conv2d(x, w);
    automl::nn::count_conv(w, y);
    return automl::nn::batch_norm(*combine_bn_, y);
  }

 private:
  int nodes_, c_;
  bool reduction_;
  bool relu0_ = false;
  std::shared_ptr<Op> calibrate0_, calibrate1_;
  std::vector<std::shared_ptr<WsBranch>> branches_;
  std::vector<std::shared_ptr<FactorizedReduce>> loose_reduce_;
  std::vector<Tensor> combine_;
  torch::nn::BatchNorm2d combine_bn_{nullptr};
};

class NasSupernet final : public automl::nn::Supernet {
 public:
  NasSupernet(int nodes, const std::vector<std::string>& ops, const NetworkConfig& cfg, const automl::DatasetInfo& data)
      : nodes_(nodes), keep_(cfg.drop_path_keep), dropout_(cfg.dropout) {
    for (const auto& op : ops) kinds_.push_back(kind_of(op));
    const int n = cfg.layers, stem_c = 3 * cfg.channels;
    stem_ = register_module("stem", make_conv(static_cast<int>(data.shape[0]), stem_c, 3, 3, 1, 1));
    stem_bn_ = register_module("stem_bn", torch::nn::BatchNorm2d(stem_c));
    int c0 = stem_c, c1 = stem_c, c = cfg.channels;
    std::int64_t size0 = data.shape[1], size1 = size0;
    for (int i = 0; i < 3 * n + 2; ++i) {
      const bool reduction = i == n || i == 2 * n + 1;
      if (reduction) c *= 2;
      reduction_.push_back(reduction);
      cells_.push_back(register_module("cell" + std::to_string(i),
                                       std::make_shared<WsCell>(nodes, c0, size0, c1, size1, c, reduction, cfg.recompute)));
      c0 = c1, size0 = size1;
      c1 = c, size1 = reduction ? (size1 + 1) / 2 : size1;
    }
    classifier_ = register_module("classifier", torch::nn::Linear(c, data.classes));
    // As the reference: Kaiming-normal for every weight of two or more
    // dimensions (shared slices included); WsBn affine at 1 and 0.
    torch::NoGradGuard no_grad;
    for (auto& p : parameters())
      if (p.dim() >= 2) torch::nn::init::kaiming_normal_(p);
    to_channels_last(*this);
  }

  void select(const automl::Architecture& arch) override {
    if (arch.genes.size() != static_cast<std::size_t>(8 * nodes_))
      throw automl::Error("nasnet_cnn supernet: an architecture of " + std::to_string(arch.genes.size()) +
                          " genes, expected " + std::to_string(8 * nodes_));
    genes_ = arch.genes;
  }

  void set_scoring(bool on) override {
    scoring_ = on;
    train(true);
    if (on) stem_bn_->eval();  // the reference keeps the stem's BN on running statistics
  }

  automl::nn::Output forward(const Tensor& inputs) override {
    if (genes_.empty()) throw automl::Error("nasnet_cnn supernet: select() an architecture before forward()");
    const bool drop = is_training() && !scoring_;
    Tensor s0 = automl::nn::batch_norm(*stem_bn_, stem_conv(stem_, inputs));
    automl::nn::trace_stage("stem", s0);
    Tensor s1 = s0;
    for (std::size_t i = 0; i < cells_.size(); ++i) {
      const double keep = drop ? automl::nn::drop_path_keep(keep_, i, cells_.size(), progress_) : 1.0;
      const int* genes = genes_.data() + (reduction_[i] ? 4 * nodes_ : 0);
      Tensor next = cells_[i]->forward(s0, s1, genes, kinds_, keep, generator_);
      s0 = s1;
      s1 = next;
      automl::nn::trace_stage("cell " + std::to_string(i) + (reduction_[i] ? " (reduction)" : ""), s1);
    }
    automl::nn::Output out;
    out.logits = automl::nn::classifier_head(s1, classifier_->weight, classifier_->bias, dropout_, drop, generator_);
    return out;
  }

 private:
  int nodes_;
  double keep_, dropout_;
  bool scoring_ = false;
  std::vector<Kind> kinds_;
  std::vector<int> genes_;
  torch::nn::Conv2d stem_{nullptr};
  torch::nn::BatchNorm2d stem_bn_{nullptr};
  std::vector<std::shared_ptr<WsCell>> cells_;
  std::vector<bool> reduction_;
  torch::nn::Linear classifier_{nullptr};
};

}  // namespace

std::shared_ptr<automl::nn::Supernet> NetworkBuilder::build_supernet(const NetworkConfig& config,
                                                                     const automl::DatasetInfo& data) const {
  check_image_data(data, config);
  return std::make_shared<NasSupernet>(nodes_, ops_, config, data);
}

}  // namespace nasnet
