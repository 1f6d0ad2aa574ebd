// The autograd side of Tensor: requires_grad, grad, grad_fn, backward, detach, hooks.
#include <atomic>

#include "function.h"
#include "../tensor/loop.h"

namespace ramp {

using autograd::AutogradMeta;

namespace {
AutogradMeta& meta_of(const Tensor& t) {
  auto& m = t.impl().autograd;
  if (!m) m = std::make_shared<AutogradMeta>();
  return *m;
}
const Tensor kUndefined;
std::atomic<int> next_hook_id{0};
}  // namespace

bool Tensor::requires_grad() const { return autograd::requires_grad(*this); }

Tensor& Tensor::requires_grad_(bool on) {
  if (!is_leaf()) {
    RAMP_CHECK(on, "you can only change requires_grad flags of leaf variables. If you want to use a computed "
               "variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach().");
    return *this;
  }
  RAMP_CHECK(!on || is_floating(dtype()), "only Tensors of floating point and complex dtype can require gradients");
  if (on || impl().autograd) meta_of(*this).requires_grad = on;
  // The accumulator is made here, on the thread that marks the leaf, so that recording ops (maybe
  // on several threads) only read it.
  if (on) autograd::make_accumulator(*this);
  return *this;
}

bool Tensor::is_leaf() const { return !impl().autograd || !impl().autograd->grad_fn; }

const Tensor& Tensor::grad() const {
  if (!impl().autograd) return kUndefined;
  autograd::AutogradMeta& m = *impl().autograd;
  if (m.grad_zero_pending) {
    m.grad_zero_pending = false;
    ramp::detail::fill_into(m.grad, 0);
  }
  return m.grad;
}

void autograd::zero_grad(const Tensor& t, bool set_to_none) {
  if (!t.impl().autograd || !t.impl().autograd->grad.defined()) return;
  AutogradMeta& m = *t.impl().autograd;
  if (set_to_none) {
    m.grad = Tensor();
    m.grad_zero_pending = false;
    return;
  }
  Tensor& g = m.grad;
  if (g.grad_fn()) {  // a gradient with a graph (create_graph): detached first, as 1.13
    g.detach_();
  } else if (g.requires_grad()) {
    g.requires_grad_(false);
  }
  const bool unshared = g.impl_ptr().use_count() == 1 && g.storage().use_count() == 1;
  if (unshared) {
    m.grad_zero_pending = true;
  } else {
    g.zero_();
  }
}

void Tensor::set_grad(const Tensor& g) const {
  if (g.defined()) {
    RAMP_CHECK(std::equal(g.sizes().begin(), g.sizes().end(), sizes().begin(), sizes().end()),
               "assigned grad has data of a different size");
    RAMP_CHECK(g.dtype() == dtype(), "assigned grad has data of a different type");
  }
  if (g.defined() || impl().autograd) {
    meta_of(*this).grad = g;
    meta_of(*this).grad_zero_pending = false;
  }
}

std::shared_ptr<autograd::Node> Tensor::grad_fn() const {
  return impl().autograd ? impl().autograd->grad_fn : nullptr;
}

void Tensor::backward(const Tensor& gradient, std::optional<bool> retain_graph, bool create_graph) const {
  autograd::backward(*this, gradient, retain_graph, create_graph);
}

Tensor Tensor::detach() const {
  return Tensor(std::make_shared<TensorImpl>(storage(), sizes(), strides(), storage_offset(), dtype()));
}

Tensor& Tensor::detach_() {
  if (!impl().autograd) return *this;
  AutogradMeta& m = *impl().autograd;
  RAMP_CHECK(!m.base || !m.base->autograd || !m.base->autograd->requires_grad,
             "Can't detach views in-place. Use detach() instead. If you are using DistributedDataParallel (DDP) "
             "for training, and gradient_as_bucket_view is set as True, gradients are views of DDP buckets, and "
             "hence detach_() cannot be called on these gradients. To fix this error, please refer to the "
             "Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution.");
  m.grad_fn = nullptr;
  m.requires_grad = false;
  return *this;
}

void Tensor::retain_grad() const {
  RAMP_CHECK(requires_grad(), "can't retain_grad on Tensor that has requires_grad=False");
  if (is_leaf() || retains_grad()) return;
  std::weak_ptr<TensorImpl> self = impl_ptr();
  impl().autograd->retains_grad = true;
  grad_fn()->hooks_for(impl().autograd->output_nr).emplace_back(-1, [self](const Tensor& g) {
    if (auto impl = self.lock()) {
      Tensor& grad = impl->autograd->grad;
      grad = grad.defined() && !impl->autograd->grad_zero_pending ? grad.add(g) : g.clone();
      impl->autograd->grad_zero_pending = false;
    }
    return Tensor();
  });
}

bool Tensor::retains_grad() const { return impl().autograd && impl().autograd->retains_grad; }

int Tensor::register_hook(std::function<Tensor(const Tensor&)> hook) const {
  RAMP_CHECK(requires_grad(), "cannot register a hook on a tensor that doesn't require gradient");
  const int id = next_hook_id++;
  auto& hooks = is_leaf() ? impl().autograd->hooks : grad_fn()->hooks_for(impl().autograd->output_nr);
  hooks.emplace_back(id, std::move(hook));
  return id;
}

void Tensor::remove_hook(int id) const {
  if (!impl().autograd) return;
  auto drop = [id](auto& hooks) { std::erase_if(hooks, [id](const auto& h) { return h.first == id; }); };
  drop(impl().autograd->hooks);
  if (grad_fn()) drop(grad_fn()->hooks_for(impl().autograd->output_nr));
}

}  // namespace ramp
