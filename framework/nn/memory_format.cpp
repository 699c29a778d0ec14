// Channels-last networks and the loader's device for a training.

#include "automl/nn/memory_format.hpp"

#include <torch/nn/module.h>

namespace automl::nn {

bool channels_last(const std::string& memory_format, const c10::Device& device) {
  if (memory_format == "auto") return device.is_cuda();
  return memory_format == "channels_last";
}

void to_channels_last(torch::nn::Module& module) {
  for (auto& p : module.parameters())
    if (p.dim() == 4) p.set_data(p.data().contiguous(at::MemoryFormat::ChannelsLast));
  for (auto& b : module.buffers())
    if (b.dim() == 4) b.set_data(b.data().contiguous(at::MemoryFormat::ChannelsLast));
}

at::Tensor network_input(const at::Tensor& inputs, const c10::Device& device, bool channels_last) {
  const at::Tensor x = inputs.to(device);
  return channels_last ? x.contiguous(at::MemoryFormat::ChannelsLast) : x;
}

std::string loader_device(bool on_device, const c10::Device& device) { return on_device ? device.str() : "cpu"; }

}  // namespace automl::nn
