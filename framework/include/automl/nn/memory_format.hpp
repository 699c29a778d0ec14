#pragma once
// Where the evaluators that train on images transform their batches and in
// which layout their networks run: the keys data_on_device and memory_format
// of SgdOptions (automl/nn/sgd_options.hpp). Brings LibTorch.

#include <string>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

namespace torch::nn {
class Module;
}

namespace automl::nn {

/// memory_format "auto" | "contiguous" | "channels_last": whether a network
/// on `device` runs channels-last ("auto": on a CUDA device, where cuDNN's
/// tensor-core convolutions want it; not on CPU, so that CPU results stay
/// those of the contiguous layout).
bool channels_last(const std::string& memory_format, const c10::Device& device);

/// The 4-d parameters and buffers of `module` (convolution weights) in
/// channels-last, in place. Inputs must be converted too
/// (`x.contiguous(at::MemoryFormat::ChannelsLast)`); an optimizer built
/// after this keeps its state in the same layout.
void to_channels_last(torch::nn::Module& module);

/// A batch's `inputs` as the network on `device` takes them: moved there
/// (a no-op when the loader already put them there) and, when
/// `channels_last`, converted to that layout.
at::Tensor network_input(const at::Tensor& inputs, const c10::Device& device, bool channels_last);

/// The LoaderOptions::device for a network on `device`: the device itself
/// when `on_device` (uint8 batches go there and are augmented there), else "cpu".
std::string loader_device(bool on_device, const c10::Device& device);

}  // namespace automl::nn
