// User-defined autograd functions: torch.autograd.Function (Python) and torch::autograd::Function<T>
// (C++) share this node and wiring.
//
//   struct Swish : autograd::Function<Swish> {
//     static Tensor forward(autograd::AutogradContext* ctx, Tensor x) {
//       ctx->save_for_backward({x});
//       return x * ramp::sigmoid(x);
//     }
//     static std::vector<Tensor> backward(autograd::AutogradContext* ctx, std::vector<Tensor> g) {
//       Tensor x = ctx->get_saved_variables()[0], s = ramp::sigmoid(x);
//       return {g[0] * (s + x * s * (1 - s))};
//     }
//   };
//   Tensor y = Swish::apply(x);     // y.grad_fn()->name() == "torch::autograd::CppNode<Swish>"
#pragma once

#include <any>
#include <map>
#include <string>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <unordered_set>
#include <vector>

#include "ramp/autograd.h"

namespace ramp::autograd {

// The node of a user-defined function. Its forward had `is_tensor_input.size()` arguments (tensors
// or not) and `outputs.size()` results; `call_backward` maps the outputs' gradients (undefined where
// none came, or zeros when materialize_grads) to one gradient per argument.
struct CustomNode : Node {
  std::string node_name;  // "<ClassName>Backward"
  std::vector<bool> is_tensor_input;
  std::vector<Dims> input_sizes;  // per edge: a gradient must have this shape or broadcast to it
  struct Output {
    bool is_tensor = false;
    Dims sizes;
    ScalarType dtype = ScalarType::Float32;
  };
  std::vector<Output> outputs;
  bool materialize_grads = true;

  std::string_view name() const override { return node_name; }
  virtual std::vector<Tensor> call_backward(std::vector<Tensor>& grad_outputs) = 0;
  Grads apply(const Tensor& grad) override;
  Grads apply_outputs(std::vector<Tensor>& grads) override;

  // 1.13's checks on what backward returned, shared by the C++ and Python front ends.
  // `got` gradients for is_tensor_input.size() arguments; extra trailing ones are allowed when all
  // of them are undefined (`extra_undefined`).
  void check_count(std::size_t got, bool extra_undefined) const;
  // Argument i is no tensor but got a gradient.
  [[noreturn]] void non_tensor_gradient(std::size_t i) const;
};

// What a forward left for the wiring, by tensor identity (impl pointers).
struct ForwardInfo {
  std::vector<const TensorImpl*> dirty, non_differentiable;
  std::vector<Tensor> to_save;  // undefined for a None
  bool materialize_grads = true;
};

// After the forward ran (grad mode off): links `node` to the tensor arguments in `inputs`
// (undefined for non-tensors), makes it the grad_fn of the differentiable `outputs` (undefined for
// non-tensors), applies 1.13's rules for dirty (in-place), non-differentiable and returned-input
// outputs (rewriting `outputs` where 1.13 returns a new tensor), and saves `info.to_save`.
// `executable`: grad mode was on and some input requires grad (else no node is attached).
void wrap_outputs(const std::shared_ptr<CustomNode>& node, const std::vector<Tensor>& inputs,
                  std::vector<Tensor>& outputs, const ForwardInfo& info, bool executable);

// Grad mode on and some tensor in `inputs` requires grad.
bool any_requires_grad(const std::vector<Tensor>& inputs);

// ---- the C++ front end: torch::autograd::Function<T> and AutogradContext ----
struct AutogradContext;
namespace detail {
void run_cpp_function(const std::shared_ptr<CustomNode>& node, AutogradContext& ctx,
                      const std::vector<Tensor>& args, std::vector<Tensor>& outputs, bool executable);
}

struct AutogradContext {
  std::map<std::string, std::any> saved_data;  // torch's saved_data (IValue there)

  void save_for_backward(std::vector<Tensor> to_save) { info_.to_save = std::move(to_save); }
  void mark_dirty(const std::vector<Tensor>& inputs);
  void mark_non_differentiable(const std::vector<Tensor>& outputs);
  void set_materialize_grads(bool value) { info_.materialize_grads = value; }
  // The saved tensors, version-checked (torch's text when one was written in place since).
  std::vector<Tensor> get_saved_variables() const;
  // Whether forward argument `index` (counting every argument) needs a gradient.
  bool needs_input_grad(std::size_t index) const;

 private:
  template <class T> friend struct Function;
  friend void detail::run_cpp_function(const std::shared_ptr<CustomNode>&, AutogradContext&,
                                       const std::vector<Tensor>&, std::vector<Tensor>&, bool);
  ForwardInfo info_;
  std::weak_ptr<CustomNode> node_;
  std::vector<bool> needs_input_grad_;
  std::vector<Tensor> saved_plain_;  // the saved tensors when no node was made (no grad needed)
};

namespace detail {
// Demangled class name, as torch's C++ Function names its node (`typeid(T).name()` demangled).
std::string class_name(const std::type_info& t);

inline void collect(std::vector<Tensor>& out, const Tensor& t) { out.push_back(t); }
inline void collect(std::vector<Tensor>& out, const std::vector<Tensor>& ts) {
  out.insert(out.end(), ts.begin(), ts.end());
}
template <class A> void collect(std::vector<Tensor>& out, const A&) { out.emplace_back(); }

template <class T> struct CppNode final : CustomNode {
  AutogradContext ctx;
  std::vector<Tensor> call_backward(std::vector<Tensor>& grads) override {
    std::vector<Tensor> r = T::backward(&ctx, grads);
    bool extra_undefined = true;
    for (std::size_t i = is_tensor_input.size(); i < r.size(); ++i) extra_undefined = extra_undefined && !r[i].defined();
    check_count(r.size(), extra_undefined);
    r.resize(is_tensor_input.size());
    return r;
  }
};
}  // namespace detail

// torch::autograd::Function<T>: T has static forward(AutogradContext*, args...) returning a Tensor
// or std::vector<Tensor>, and static backward(AutogradContext*, std::vector<Tensor>) returning one
// gradient per forward argument (undefined for non-tensors). A std::vector<Tensor> argument counts
// as one argument per tensor, as in torch.
template <class T> struct Function {
  template <class... Args> static auto apply(Args&&... args) {
    std::vector<Tensor> inputs;
    (detail::collect(inputs, args), ...);
    auto node = std::make_shared<detail::CppNode<T>>();
    node->node_name = "torch::autograd::CppNode<" + detail::class_name(typeid(T)) + ">";  // torch's name
    AutogradContext& ctx = node->ctx;
    ctx.node_ = node;
    const bool executable = any_requires_grad(inputs);
    for (const Tensor& t : inputs) ctx.needs_input_grad_.push_back(t.defined() && t.requires_grad());
    using Out = decltype(T::forward(&ctx, std::forward<Args>(args)...));
    std::vector<Tensor> outputs;
    {
      NoGradGuard no_grad;
      if constexpr (std::is_same_v<Out, Tensor>) outputs.push_back(T::forward(&ctx, std::forward<Args>(args)...));
      else outputs = T::forward(&ctx, std::forward<Args>(args)...);
    }
    detail::run_cpp_function(node, ctx, inputs, outputs, executable);
    if constexpr (std::is_same_v<Out, Tensor>) return outputs[0];
    else return outputs;
  }
};

}  // namespace ramp::autograd
