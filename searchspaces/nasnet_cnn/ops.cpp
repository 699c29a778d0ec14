#include "ops.hpp"

#include <map>

#include <torch/torch.h>

#include "automl/error.hpp"
#include "automl/nn/batch_norm.hpp"
#include "automl/nn/depthwise_conv.hpp"
#include "automl/nn/max_pool.hpp"
#include "automl/nn/network.hpp"
#include "automl/nn/subsample.hpp"

namespace nasnet {

namespace F = torch::nn::functional;

torch::nn::Conv2d make_conv(int c_in, int c_out, int kh, int kw, int sh, int sw, int groups) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(c_in, c_out, {kh, kw})
                               .stride({sh, sw})
                               .padding({kh / 2, kw / 2})
                               .groups(groups)
                               .bias(false));
}

Tensor conv(torch::nn::Conv2d& layer, const Tensor& x) {
  Tensor y = layer->forward(x);
  automl::nn::count_conv(layer->weight, y);
  return y;
}

Tensor stem_conv(torch::nn::Conv2d& layer, const Tensor& x) {
  if (x.size(1) >= 3) return conv(layer, x.contiguous(at::MemoryFormat::ChannelsLast));
  const auto& w = layer->weight;
  const Tensor cols = F::unfold(x, F::UnfoldFuncOptions({3, 3}).padding(1));  // [B, C*9, H*W]
  const Tensor y = cols.transpose(1, 2).matmul(w.reshape({w.size(0), -1}).t());
  const Tensor out = y.view({x.size(0), x.size(2), x.size(3), w.size(0)}).permute({0, 3, 1, 2});
  automl::nn::count_conv(w, out);
  return out;
}

void to_channels_last(torch::nn::Module& module) {
  for (auto& p : module.parameters())
    if (p.dim() == 4) p.set_data(p.contiguous(at::MemoryFormat::ChannelsLast));
}

ReluConvBn::ReluConvBn(int c_in, int c_out, int kh, int kw, int sh, int sw)
    : conv_(register_module("conv", make_conv(c_in, c_out, kh, kw, sh, sw))),
      bn_(register_module("bn", torch::nn::BatchNorm2d(c_out))) {}

Tensor ReluConvBn::forward(const Tensor& x) { return automl::nn::batch_norm(*bn_, conv(conv_, torch::relu(x))); }

// The 1x1 convolutions run with stride 1 on an explicitly subsampled input
// (every second row and column: what a stride-2 1x1 convolution reads). Same
// result, and it keeps clear of oneDNN 2.6's AVX2 kernel for the backward
// pass of strided 1x1 convolutions on channels-last tensors, which corrupts
// the heap on CPUs without AVX-512 (Debian 12's libdnnl2 2.6.3).
FactorizedReduce::FactorizedReduce(int c_in, int c_out)
    : path1_(register_module("path1", make_conv(c_in, c_out / 2, 1, 1, 1, 1))),
      path2_(register_module("path2", make_conv(c_in, c_out - c_out / 2, 1, 1, 1, 1))),
      bn_(register_module("bn", torch::nn::BatchNorm2d(c_out))) {}

Tensor FactorizedReduce::forward(const Tensor& x) {
  // The second path sees the image shifted up-left by one pixel (zero fill at
  // the bottom/right), so the two subsamplings cover different pixels: the
  // odd pixels of x padded to an even height and width. The even pixels never
  // read that padding; the odd ones read it only at an odd edge, where the
  // shifted image has its zero fill. Both subsamplings in one pass each way
  // (automl::nn::even_odd_pixels).
  const std::int64_t odd_h = x.size(2) % 2, odd_w = x.size(3) % 2;
  const Tensor even = odd_h || odd_w ? F::pad(x, F::PadFuncOptions({0, odd_w, 0, odd_h})) : x;
  const auto [a, b] = automl::nn::even_odd_pixels(even);
  return automl::nn::batch_norm(*bn_, torch::cat({conv(path1_, a), conv(path2_, b)}, 1));
}

namespace {

// ReLU -> depthwise k x k (stride s) -> pointwise -> BN, twice (stride 1 the
// second time). No BN between depthwise and pointwise, as the reference.
class SepConv final : public Op {
 public:
  SepConv(int c, int k, int stride) : k_(k), stride_(stride) {
    for (int i = 0; i < 2; ++i) {
      const int s = i == 0 ? stride : 1;
      const std::string n = std::to_string(i + 1);
      dw_[i] = register_module("dw" + n, make_conv(c, c, k, k, s, s, c));
      pw_[i] = register_module("pw" + n, make_conv(c, c, 1, 1, 1, 1));
      bn_[i] = register_module("bn" + n, torch::nn::BatchNorm2d(c));
    }
  }
  Tensor forward(const Tensor& x) override {
    Tensor y = torch::relu(x);  // the second half's ReLU comes with the first half's BN
    for (int i = 0; i < 2; ++i) {
      y = automl::nn::depthwise_conv2d(y, dw_[i]->weight, i == 0 ? stride_ : 1, k_ / 2);
      automl::nn::count_conv(dw_[i]->weight, y);
      y = conv(pw_[i], y);
      y = i == 0 ? automl::nn::batch_norm_relu(*bn_[i], y) : automl::nn::batch_norm(*bn_[i], y);
    }
    return y;
  }

 private:
  int k_, stride_;
  torch::nn::Conv2d dw_[2] = {nullptr, nullptr}, pw_[2] = {nullptr, nullptr};
  torch::nn::BatchNorm2d bn_[2] = {nullptr, nullptr};
};

// ReLU -> conv 1 x k (stride (1, s)) -> BN -> ReLU -> conv k x 1 (stride (s, 1)) -> BN.
class ConvPair final : public Op {
 public:
  ConvPair(int c, int k, int stride)
      : first_(register_module("first", std::make_shared<ReluConvBn>(c, c, 1, k, 1, stride))),
        second_(register_module("second", std::make_shared<ReluConvBn>(c, c, k, 1, stride, 1))) {}
  Tensor forward(const Tensor& x) override { return second_->forward(first_->forward(x)); }

 private:
  std::shared_ptr<ReluConvBn> first_, second_;
};

// k x k pooling with "same" padding; a 2 x 2 window first pads the input by
// one zero row and column at the bottom/right, as the reference does.
class Pool final : public Op {
 public:
  Pool(bool max, int k, int stride) : max_(max), k_(k), stride_(stride) {}
  Tensor forward(const Tensor& x) override {
    const bool even = k_ % 2 == 0;
    const Tensor in = even ? F::pad(x, F::PadFuncOptions({0, 1, 0, 1})) : x;
    const int pad = even ? 0 : k_ / 2;
    if (max_) return automl::nn::max_pool2d(in, k_, stride_, pad);
    return torch::avg_pool2d(in, {k_, k_}, {stride_, stride_}, {pad, pad}, false, /*count_include_pad=*/false);
  }

 private:
  bool max_;
  int k_, stride_;
};

class Identity final : public Op {
 public:
  Tensor forward(const Tensor& x) override { return x; }
};

using Factory = std::shared_ptr<Op> (*)(int c, int stride);

const std::map<std::string, Factory>& factories() {
  static const std::map<std::string, Factory> table = {
      {"sep_conv_3x3", [](int c, int s) -> std::shared_ptr<Op> { return std::make_shared<SepConv>(c, 3, s); }},
      {"sep_conv_5x5", [](int c, int s) -> std::shared_ptr<Op> { return std::make_shared<SepConv>(c, 5, s); }},
      {"conv_1x1", [](int c, int s) -> std::shared_ptr<Op> { return std::make_shared<ReluConvBn>(c, c, 1, 1, s, s); }},
      {"conv_3x3", [](int c, int s) -> std::shared_ptr<Op> { return std::make_shared<ReluConvBn>(c, c, 3, 3, s, s); }},
      {"conv_1x3_3x1", [](int c, int s) -> std::shared_ptr<Op> { return std::make_shared<ConvPair>(c, 3, s); }},
      {"conv_1x7_7x1", [](int c, int s) -> std::shared_ptr<Op> { return std::make_shared<ConvPair>(c, 7, s); }},
      {"max_pool_2x2", [](int, int s) -> std::shared_ptr<Op> { return std::make_shared<Pool>(true, 2, s); }},
      {"max_pool_3x3", [](int, int s) -> std::shared_ptr<Op> { return std::make_shared<Pool>(true, 3, s); }},
      {"max_pool_5x5", [](int, int s) -> std::shared_ptr<Op> { return std::make_shared<Pool>(true, 5, s); }},
      {"avg_pool_2x2", [](int, int s) -> std::shared_ptr<Op> { return std::make_shared<Pool>(false, 2, s); }},
      {"avg_pool_3x3", [](int, int s) -> std::shared_ptr<Op> { return std::make_shared<Pool>(false, 3, s); }},
      {"avg_pool_5x5", [](int, int s) -> std::shared_ptr<Op> { return std::make_shared<Pool>(false, 5, s); }},
      {"identity",
       [](int c, int s) -> std::shared_ptr<Op> {
         if (s == 1) return std::make_shared<Identity>();
         return std::make_shared<FactorizedReduce>(c, c);
       }},
  };
  return table;
}

}  // namespace

std::shared_ptr<Op> make_op(const std::string& name, int channels, int stride) {
  const auto it = factories().find(name);
  if (it == factories().end()) throw automl::Error("nasnet_cnn: no network operation named '" + name + "'");
  return it->second(channels, stride);
}

}  // namespace nasnet
