// nn::Module: named parameters, buffers and children, registered by name as in PyTorch, with
// train/eval, zero_grad, to(dtype), apply, forward hooks, state_dict / load_state_dict and the repr
// PyTorch 1.13 prints.
//
//   struct SimpleNN : ramp::nn::Module {
//     std::shared_ptr<nn::Linear> fc1 = register_module("fc1", std::make_shared<nn::Linear>(784, 128));
//     std::shared_ptr<nn::ReLU> relu = register_module("relu", std::make_shared<nn::ReLU>());
//     Tensor forward(const Tensor& x) override { return (*relu)((*fc1)(x)); }
//   };
//   SimpleNN net;  std::cout << net.repr();   // "SimpleNN(\n  (fc1): Linear(in_features=784, ..."
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ramp/tensor.h"

namespace ramp::nn {

// A state_dict: names ("conv1.weight") and tensors, in PyTorch's order.
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// load_state_dict's result when not strict (strict raises PyTorch's message instead).
struct IncompatibleKeys {
  std::vector<std::string> missing_keys, unexpected_keys;
};

class Module {
 public:
  Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;
  virtual ~Module() = default;

  // One input, one output: the layers and activations. Modules of other arities (losses) add
  // their own forward and operator(). Unimplemented: PyTorch's "missing the required forward" text.
  virtual Tensor forward(const Tensor& input);
  // forward with the pre-hooks before and the hooks after it.
  Tensor operator()(const Tensor& input);

  // The class name PyTorch prints ("Conv2d"); by default the C++ class name without namespaces.
  virtual std::string name() const;
  // What goes between the parentheses of the repr (one line) or above the children.
  virtual std::string extra_repr() const { return ""; }
  // PyTorch's Module.__repr__: `Name(extra)` or `Name(\n  (child): repr\n)`, children re-indented.
  std::string repr() const;

  // ---- registration: the returned reference stays valid for the module's life ----
  // An undefined tensor registers a `None` parameter (Linear's bias=False): listed by no accessor.
  Tensor& register_parameter(const std::string& name, Tensor t, bool requires_grad = true);
  Tensor& register_buffer(const std::string& name, Tensor t, bool persistent = true);
  template <class M> std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> m) {
    add_child(name, m);
    return m;
  }
  // The registered parameter, buffer or child of that name (nullptr if none).
  Tensor* find_parameter(const std::string& name);
  Tensor* find_buffer(const std::string& name);
  std::shared_ptr<Module> find_child(const std::string& name) const;
  bool has_child(const std::string& name) const;  // registered, perhaps as null

  // ---- traversal, in registration order, recursing into children (each tensor once) ----
  std::vector<Tensor> parameters(bool recurse = true) const;
  NamedTensors named_parameters(bool recurse = true) const;
  std::vector<Tensor> buffers(bool recurse = true) const;
  NamedTensors named_buffers(bool recurse = true) const;
  // The direct children, each once, without the null ones (PyTorch's children / named_children).
  std::vector<std::shared_ptr<Module>> children() const;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_children() const;
  // This module first, then every descendant once, depth first (PyTorch's modules()).
  std::vector<Module*> modules();
  std::vector<std::pair<std::string, Module*>> named_modules();

  // ---- state ----
  bool is_training() const { return training_; }
  // Sets the mode here and in every descendant (a module that needs to see the change overrides it).
  virtual Module& train(bool on = true);
  Module& eval() { return train(false); }
  // 1.13's default (set_to_none=False) zeroes the gradients in place.
  void zero_grad(bool set_to_none = false);
  // Converts the floating parameters (and their gradients) in place, keeping each tensor's
  // identity (PyTorch's `param.data = ...`), so optimizers built before still hold the same
  // tensors; floating buffers are replaced by converted ones, as 1.13 does.
  Module& to(ScalarType dtype);
  // fn on every descendant, then on this module (PyTorch's order; each child once per parent).
  Module& apply(const std::function<void(Module&)>& fn);

  // ---- hooks: a hook's returned tensor (if any) replaces the input / output ----
  using ForwardPreHook = std::function<std::optional<Tensor>(Module&, const Tensor& input)>;
  using ForwardHook = std::function<std::optional<Tensor>(Module&, const Tensor& input, const Tensor& output)>;
  int register_forward_pre_hook(ForwardPreHook hook);
  int register_forward_hook(ForwardHook hook);
  // 1.13's register_full_backward_hook for a one-tensor module: once the input's gradient is known,
  // hook(module, grad_input, grad_output) sees it (undefined when the input needs none) and the
  // output's, and may return a replacement for grad_input. The module's output then has grad_fn
  // BackwardHookFunctionBackward, as in 1.13.
  using BackwardHook =
      std::function<std::optional<Tensor>(Module&, const Tensor& grad_input, const Tensor& grad_output)>;
  int register_full_backward_hook(BackwardHook hook);
  void remove_hook(int id);

  // ---- weights ----
  // Parameters then persistent buffers of each module, this one first, keys "child.name"; the
  // tensors are detached (they share data with the module's).
  NamedTensors state_dict() const;
  // Copies each entry into the tensor of that name (converting the dtype). A shape mismatch always
  // raises; missing or unexpected keys raise when strict, with PyTorch's "Error(s) in loading
  // state_dict for ..." text. A key is unexpected as in 1.13: its first name after a module's prefix
  // is neither a child (null ones too) nor a parameter or persistent buffer there, so "fc.weight.x"
  // and "fc" are ignored, not reported. Keys must be unique.
  IncompatibleKeys load_state_dict(const NamedTensors& state, bool strict = true);

 protected:
  void add_child(const std::string& name, std::shared_ptr<Module> m);
  // Every registered child in order, null ones and repeats included (what containers index).
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& child_slots() const { return children_; }
  // What load_state_dict loads into this module's `name` when the key is missing, instead of
  // reporting it: BatchNorm's num_batches_tracked is 0 (1.13 does this for state_dicts without
  // version metadata, which ramp's never carry).
  virtual std::optional<Tensor> default_for_missing(const std::string& name) const;

 private:
  struct Slot {
    std::string name;
    std::unique_ptr<Tensor> tensor;  // owned here so references handed out stay put
    bool persistent = true;
  };
  template <class F> void each_tensor(const std::vector<Slot> Module::*list, bool recurse, F&& f) const;
  void state_dict_into(NamedTensors& out, const std::string& prefix) const;
  struct LoadState;
  void load_into(LoadState& st, const std::vector<std::size_t>& keys, const std::string& prefix);

  std::vector<Slot> params_, buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  std::vector<std::pair<int, ForwardPreHook>> pre_hooks_;
  std::vector<std::pair<int, ForwardHook>> hooks_;
  std::vector<std::pair<int, BackwardHook>> backward_hooks_;
  Tensor call_with_backward_hooks(const Tensor& input);
  // What a pending backward hook holds of this module: cleared when the module dies, so a backward
  // pass after that raises 1.13's "hook of a dead Module" instead of touching freed memory.
  struct Alive {
    std::shared_ptr<Module*> self = std::make_shared<Module*>(nullptr);
    Alive() = default;
    Alive(const Alive&) = delete;
    Alive& operator=(const Alive&) = delete;
    ~Alive() { *self = nullptr; }
  } alive_;
  bool training_ = true;
};

// PyTorch's _addindent: every line after the first indented by `spaces`.
std::string add_indent(const std::string& s, int spaces);

}  // namespace ramp::nn
