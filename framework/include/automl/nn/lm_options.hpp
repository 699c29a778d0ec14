#pragma once
// The keys every language-model evaluator shares (model size, dropouts,
// truncated BPTT and its SGD), declared once. Torch-free: evaluators derive
// their Options from LmOptions, change the defaults in their constructor and
// call add_lm_fields() on their schema.

#include <string>

#include "automl/params.hpp"

namespace automl::nn {

struct LmOptions {
  int size = 300;
  double dropout_output = 0.75;
  double dropout_hidden = 0.25;
  double dropout_x = 0.75;
  double dropout_input = 0.2;
  double dropout_embedding = 0.0;
  int batch_size = 64;
  int bptt = 35;
  std::string bptt_draw = "final";
  double lr = 20;
  double grad_clip = 0.25;
  double weight_decay = 8e-7;
  double alpha = 0;
  double beta = 1e-3;
  std::string precision = "fp32";  ///< "fp32", "bf16", "fp16" (automl/nn/precision.hpp)
};

/// `s` with LmOptions' keys declared (`O` derives from LmOptions).
template <class O>
Schema<O> add_lm_fields(Schema<O> s) {
  using B = LmOptions;
  s.field("size", static_cast<int O::*>(&B::size), "Embedding = hidden size (reference: 300 in search, 850 final)")
      .range(2, 8192)
      .field("dropout_output", static_cast<double O::*>(&B::dropout_output), "Locked dropout on the cell outputs")
      .range(0, 0.99)
      .field("dropout_hidden", static_cast<double O::*>(&B::dropout_hidden), "Mask on the states a node reads")
      .range(0, 0.99)
      .field("dropout_x", static_cast<double O::*>(&B::dropout_x), "Mask on the input of the highway state s0")
      .range(0, 0.99)
      .field("dropout_input", static_cast<double O::*>(&B::dropout_input), "Locked dropout on the embedded words")
      .range(0, 0.99)
      .field("dropout_embedding", static_cast<double O::*>(&B::dropout_embedding),
             "Drops whole words from the embedding")
      .range(0, 0.99)
      .field("batch_size", static_cast<int O::*>(&B::batch_size), "Parallel training streams")
      .range(1, 65536)
      .field("bptt", static_cast<int O::*>(&B::bptt), "Truncated BPTT window length")
      .range(2, 10000)
      .field("bptt_draw", static_cast<std::string O::*>(&B::bptt_draw),
             "Each window's length: search (the reference's search: bptt, or bptt/2 with probability 0.05), "
             "final (its final training: that, then N(., 5) kept in [5, bptt + 20]), fixed (always bptt)")
      .one_of({"search", "final", "fixed"})
      .field("lr", static_cast<double O::*>(&B::lr), "SGD learning rate, scaled by window length / bptt")
      .range(0, 1000)
      .field("grad_clip", static_cast<double O::*>(&B::grad_clip), "Clip the global gradient norm to this; 0: off")
      .range(0, 1000000)
      .field("weight_decay", static_cast<double O::*>(&B::weight_decay), "SGD weight decay")
      .range(0, 1)
      .field("precision", static_cast<std::string O::*>(&B::precision),
             "Training precision: fp32; bf16 (autocast, fp32 master weights; CPU and GPU); fp16 (autocast with "
             "dynamic loss scaling; CUDA only). Perplexities are measured in fp32")
      .one_of({"fp32", "bf16", "fp16"})
      .field("alpha", static_cast<double O::*>(&B::alpha), "Activation regularization (AR) weight")
      .range(0, 100)
      .field("beta", static_cast<double O::*>(&B::beta), "Temporal activation regularization (TAR) weight")
      .range(0, 100);
  return s;
}

}  // namespace automl::nn
