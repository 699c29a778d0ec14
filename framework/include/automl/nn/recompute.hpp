#pragma once
// Activation recomputation ("gradient checkpointing"): a function of one
// tensor whose intermediate activations are not kept for the backward pass
// but computed again in it. Trades one more forward pass of the function for
// the memory of everything it would save. Brings LibTorch.

#include <functional>
#include <vector>

#include <ATen/core/Tensor.h>

namespace automl::nn {

/// fn(x), recomputed in the backward pass. With autograd on and x or one
/// of `weights` requiring a gradient, fn runs once without autograd (only x
/// is saved), and the backward pass runs it again with autograd, under the
/// autocast settings of the forward pass, and backpropagates through that.
/// Otherwise it is fn(x). `weights`: the tensors fn reads besides x that
/// need gradients (its parameters); fn must read no others that do.
/// fn must compute the same values both times: no random draws, and batch
/// norm through automl::nn::batch_norm, which leaves the running statistics
/// alone while recomputing().
at::Tensor recompute(const std::function<at::Tensor(const at::Tensor&)>& fn, const at::Tensor& x,
                     const std::vector<at::Tensor>& weights);

/// True on this thread while recompute()'s backward pass runs fn again.
bool recomputing();

}  // namespace automl::nn
