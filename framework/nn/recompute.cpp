// Activation recomputation: a custom autograd function that saves only its
// input and runs the function again in the backward pass.

#include "automl/nn/recompute.hpp"

#include <ATen/core/ivalue.h>
#include <torch/autograd.h>

#include "automl/nn/precision.hpp"

namespace automl::nn {

namespace {

using at::Tensor;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

thread_local bool recomputing_now = false;

// What the backward pass needs besides the saved tensors: the function and
// the autocast settings it ran under.
struct Closure : torch::CustomClassHolder {
  std::function<Tensor(const Tensor&)> fn;
  AutocastState autocast;
};

class Recompute : public torch::autograd::Function<Recompute> {
 public:
  static Tensor forward(AutogradContext* ctx, const c10::intrusive_ptr<Closure>& closure, const Tensor& x,
                        at::TensorList weights) {
    // Function::apply runs this without autograd: nothing inside fn is saved.
    variable_list saved{x};
    saved.insert(saved.end(), weights.begin(), weights.end());
    ctx->save_for_backward(saved);
    ctx->saved_data["closure"] = at::IValue::make_capsule(closure);
    return closure->fn(x);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    const auto closure = c10::static_intrusive_pointer_cast<Closure>(ctx->saved_data["closure"].toCapsule());
    const variable_list saved = ctx->get_saved_variables();
    variable_list grads(saved.size() + 1);  // the closure's slot stays undefined
    if (!grad_outputs[0].defined()) return grads;
    const bool x_grad = ctx->needs_input_grad(0);  // edges count tensor inputs only
    const Tensor x = saved[0].detach().requires_grad_(x_grad);
    Tensor y;
    {
      const bool was = recomputing_now;
      recomputing_now = true;
      struct Restore {
        bool was;
        ~Restore() { recomputing_now = was; }
      } restore{was};
      const AutocastScope autocast(closure->autocast);
      const at::AutoGradMode grad_mode(true);
      y = closure->fn(x);
    }
    variable_list inputs;
    std::vector<std::size_t> slots;
    for (std::size_t i = 0; i < saved.size(); ++i)
      if (ctx->needs_input_grad(i)) {
        inputs.push_back(i == 0 ? x : saved[i]);
        slots.push_back(i + 1);
      }
    if (inputs.empty() || !y.requires_grad()) return grads;
    const variable_list g = torch::autograd::grad({y}, inputs, {grad_outputs[0]}, /*retain_graph=*/false,
                                                  /*create_graph=*/false, /*allow_unused=*/true);
    for (std::size_t k = 0; k < slots.size(); ++k) grads[slots[k]] = g[k];
    return grads;
  }
};

}  // namespace

Tensor recompute(const std::function<Tensor(const Tensor&)>& fn, const Tensor& x, const std::vector<Tensor>& weights) {
  bool needs_grad = x.requires_grad();
  for (const auto& w : weights) needs_grad = needs_grad || w.requires_grad();
  if (!at::GradMode::is_enabled() || !needs_grad) return fn(x);
  auto closure = c10::make_intrusive<Closure>();
  closure->fn = fn;
  closure->autocast = AutocastState::current();
  return Recompute::apply(closure, x, at::TensorList(weights));
}

bool recomputing() { return recomputing_now; }

}  // namespace automl::nn
