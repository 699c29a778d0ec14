#pragma once
// Building blocks of NASNet/NAO cells (NAO reference, model.py): every
// operation of the nao_ws and naonet sets, the input calibration and
// FactorizedReduce. Convolutions have no bias; each is followed by BN.

#include <memory>
#include <string>

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>

namespace nasnet {

using at::Tensor;

/// One operation on one branch: [B, C, H, W] -> [B, C, H / stride, W / stride].
class Op : public torch::nn::Module {
 public:
  virtual Tensor forward(const Tensor& x) = 0;
};

/// A convolution that reports its multiply-adds to a running trace.
Tensor conv(torch::nn::Conv2d& layer, const Tensor& x);
torch::nn::Conv2d make_conv(int c_in, int c_out, int kh, int kw, int sh, int sw, int groups = 1);

/// The 3x3 stem convolution (padding 1) of `layer` on images `x`, output
/// channels-last. oneDNN is slow on images of one or two channels (20x here
/// for 1x28x28), so those go through im2col and one matrix product instead.
Tensor stem_conv(torch::nn::Conv2d& layer, const Tensor& x);

/// Converts every 4-d parameter of `module` to channels-last: on the CPU,
/// oneDNN's depthwise and 1x1 convolutions run several times faster on NHWC.
void to_channels_last(torch::nn::Module& module);

/// ReLU -> conv kh x kw (stride s, "same" padding) -> BN.
class ReluConvBn final : public Op {
 public:
  ReluConvBn(int c_in, int c_out, int kh, int kw, int sh, int sw);
  Tensor forward(const Tensor& x) override;

 private:
  torch::nn::Conv2d conv_{nullptr};
  torch::nn::BatchNorm2d bn_{nullptr};
};

/// Halves the resolution without losing pixels: two 1x1 stride-2 convs (run
/// as subsampling, then stride 1), the second on the input shifted by one
/// pixel, concatenated, then BN. No ReLU.
class FactorizedReduce final : public Op {
 public:
  FactorizedReduce(int c_in, int c_out);
  Tensor forward(const Tensor& x) override;

 private:
  torch::nn::Conv2d path1_{nullptr}, path2_{nullptr};
  torch::nn::BatchNorm2d bn_{nullptr};
};

/// Makes operation `name` on `channels` channels with `stride` 1 or 2.
/// Throws automl::Error for an unknown name.
std::shared_ptr<Op> make_op(const std::string& name, int channels, int stride);

}  // namespace nasnet
