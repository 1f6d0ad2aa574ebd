// How an op records itself for autograd (internal to the library).
//
// An op that can be differentiated does:
//
//   if (!autograd::needs_grad({a, b})) return compute(a, b);        // the fast path: no graph
//   Tensor out = autograd::below([&] { return compute(a, b); });    // nested ops record nothing
//   autograd::record(out, "MulBackward0", {a, b}, {{b, false}, {a, false}},
//                    [](const autograd::Node& n, const Tensor& g) -> autograd::Grads {
//                      // one gradient per input; may leave input i undefined where !n.next[i].fn
//                    });
//
// The backward lambda reads tensors only through `n.unpack(i)` (version-checked, freed after the
// pass) and captures nothing else that is a tensor. Backward runs with grad mode off.
#pragma once

#include <initializer_list>

#include "ramp/autograd.h"

namespace ramp::autograd {

namespace detail {
extern thread_local bool grad_mode;
}

inline bool requires_grad(const Tensor& t) {
  return t.defined() && t.impl().autograd && t.impl().autograd->requires_grad;
}
// Grad mode is on and some input requires grad.
inline bool needs_grad(std::initializer_list<std::reference_wrapper<const Tensor>> inputs) {
  if (!detail::grad_mode) return false;
  for (const Tensor& t : inputs)
    if (requires_grad(t)) return true;
  return false;
}

// Runs `f` with grad mode off: the op's own building blocks must not record nodes.
template <class F> auto below(F&& f) {
  NoGradGuard g;
  return f();
}

template <class F> struct FnNode final : Node {
  std::string_view node_name;
  F f;
  FnNode(std::string_view n, F fn) : node_name(n), f(std::move(fn)) {}
  std::string_view name() const override { return node_name; }
  Grads apply(const Tensor& grad) override {
    auto r = f(*this, grad);
    if constexpr (std::is_same_v<decltype(r), Grads>) {
      return r;
    } else {  // a formula returning std::vector
      Grads g;
      for (auto& t : r) g.push_back(std::move(t));
      return g;
    }
  }
};

struct Save {
  const Tensor& t;
  bool is_output;
  std::int64_t version = -1;  // the version before the op's own write, when it wrote t in place
};

// Links `node` to its inputs and makes it `out`'s grad_fn (out may be an input written in place:
// its old edge is taken first, then replaced).
void attach(Tensor& out, const std::shared_ptr<Node>& node, std::initializer_list<std::reference_wrapper<const Tensor>> inputs,
            std::initializer_list<Save> saved);

template <class F>
std::shared_ptr<Node> record(Tensor& out, std::string_view name,
                             std::initializer_list<std::reference_wrapper<const Tensor>> inputs,
                             std::initializer_list<Save> saved, F backward) {
  auto node = std::make_shared<FnNode<F>>(name, std::move(backward));
  attach(out, node, inputs, saved);
  return node;
}

// After `fn` was recorded writing `view` in place: the base's grad_fn becomes CopySlices (its
// gradient goes through fn inside the view) and the view's an as_strided of the base.
void rebase_view(Tensor& view, const std::shared_ptr<Node>& fn);

// Raises PyTorch's "backward through the graph a second time" error when a pass freed what `node`
// saved (for nodes that keep their saved data in members rather than SavedTensors).
void check_saved_alive(const Node& node);

// PyTorch's checks before an in-place write to `self` in grad mode: a leaf that requires grad, or a
// view of one, may not be written.
void check_inplace(const Tensor& self);

// Marks `view` (sharing `base`'s storage) as a view, so in-place writes to it see the base's rules.
void mark_view(Tensor& view, const Tensor& base);

// A view op: out = f() shares x's storage; its gradient is back(grad) (e.g. grad.transpose(...)).
// Views are marked in grad mode even when x needs no grad: an in-place write through the view may
// make the base require grad (zeros(3)[:2].copy_(w)).
template <class F, class B> Tensor view_op(const Tensor& x, std::string_view name, F f, B back) {
  if (!requires_grad(x)) {
    Tensor out = f();
    // A view of a view keeps the base (and whether the first view was made in no_grad).
    if (detail::grad_mode || (x.impl().autograd && x.impl().autograd->base)) mark_view(out, x);
    return out;
  }
  if (!detail::grad_mode) {
    Tensor out = f();
    mark_view(out, x);
    return out;
  }
  Tensor out = below(f);
  record(out, name, {x}, {}, [back](const Node&, const Tensor& g) -> std::vector<Tensor> { return {back(g)}; });
  mark_view(out, x);
  return out;
}

// A backward formula whose first-order form is a raw kernel (a loop over doubles, exact with
// zeros and ties) in a create_graph pass: `value` (computed as in a first-order pass, so the same
// bits) carrying the graph of `formula`, the same gradient as differentiable ops in 1.13's order,
// so its node names, its derivatives at the kinks and every further order are 1.13's. A formula
// with no graph (or undefined) leaves `value` as it is.
Tensor with_graph_of(const Tensor& value, const Tensor& formula);

// The gradient `raw()` computes, with the graph of `formula()` when grad mode is on (a
// create_graph pass) and one of `reads` (what the formula reads: the incoming gradient, saved
// tensors) requires grad; `formula` runs only then.
template <class Raw, class Formula>
Tensor raw_with_graph(std::initializer_list<std::reference_wrapper<const Tensor>> reads, Raw raw,
                      Formula formula) {
  if (!needs_grad(reads)) return raw();
  const Tensor value = below(raw);
  return with_graph_of(value, formula());
}

// Gives a leaf that requires grad its AccumulateGrad node (once; thread-safe).
void make_accumulator(const Tensor& leaf);

// Sums `g` down to `sizes` (the inverse of broadcasting).
Tensor sum_to(const Tensor& g, IntArrayRef sizes);

// The gradient of a slice [start:end:step] along dim of a tensor of `sizes`: zeros with g placed
// at the slice. Differentiable in a create_graph pass (recorded with the slice as its adjoint), a
// plain copy otherwise.
Tensor slice_backward(const Tensor& g, IntArrayRef sizes, std::int64_t dim, std::int64_t start, std::int64_t end,
                      std::int64_t step, std::string_view node_name);

}  // namespace ramp::autograd
