#pragma once
// The optimizer keys every image-training evaluator shares (SGD with
// momentum under a cosine learning rate, weight decay, gradient clipping),
// declared once. Torch-free: evaluators derive their Options from SgdOptions,
// change the defaults in their constructor and call add_sgd_fields() where
// the keys belong in their schema.

#include <string>

#include "automl/params.hpp"

namespace automl::nn {

struct SgdOptions {
  double lr_max = 0.025;
  double lr_min = 0.0;
  double momentum = 0.9;
  bool nesterov = false;
  double weight_decay = 3e-4;
  double grad_clip = 5.0;  ///< global L2 norm; 0: off
  std::string precision = "fp32";  ///< "fp32", "bf16", "fp16" (automl/nn/precision.hpp)
  bool data_on_device = true;          ///< on a GPU, augment there (automl/nn/memory_format.hpp)
  std::string memory_format = "auto";  ///< "auto", "contiguous", "channels_last"
};

/// `s` with SgdOptions' keys declared (`O` derives from SgdOptions).
template <class O>
Schema<O> add_sgd_fields(Schema<O> s) {
  using B = SgdOptions;
  s.field("lr_max", static_cast<double O::*>(&B::lr_max), "Learning rate at the start of the cosine schedule")
      .range(0, 100)
      .field("lr_min", static_cast<double O::*>(&B::lr_min), "Learning rate at the end of the cosine schedule")
      .range(0, 100)
      .field("momentum", static_cast<double O::*>(&B::momentum), "SGD momentum")
      .range(0, 0.999)
      .field("nesterov", static_cast<bool O::*>(&B::nesterov), "Nesterov momentum")
      .field("weight_decay", static_cast<double O::*>(&B::weight_decay), "SGD weight decay (L2)")
      .range(0, 1)
      .field("grad_clip", static_cast<double O::*>(&B::grad_clip), "Clip the global gradient norm to this; 0: off")
      .range(0, 1000000)
      .field("precision", static_cast<std::string O::*>(&B::precision),
             "Training precision: fp32; bf16 (autocast, fp32 master weights; CPU and GPU); fp16 (autocast with "
             "dynamic loss scaling; CUDA only)")
      .one_of({"fp32", "bf16", "fp16"})
      .field("data_on_device", static_cast<bool O::*>(&B::data_on_device),
             "On a CUDA device: copy the uint8 images there and normalize and augment them there; false: on the CPU, "
             "then copy the float batch")
      .field("memory_format", static_cast<std::string O::*>(&B::memory_format),
             "Network layout: auto (channels_last on a CUDA device, contiguous on CPU), contiguous, channels_last")
      .one_of({"auto", "contiguous", "channels_last"})
      .rule("nesterov",
            [](const O& o) { return o.nesterov && o.momentum <= 0 ? "Nesterov momentum needs momentum > 0" : ""; });
  return s;
}

}  // namespace automl::nn
