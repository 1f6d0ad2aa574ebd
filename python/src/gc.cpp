// Python's cyclic garbage collector and ramp's objects. A Python hook that closes over its own
// tensor makes a cycle through C++ (tensor object -> TensorImpl -> hook -> closure -> tensor object)
// that the collector cannot see unless the tensor's type reports what it holds, so every iteration
// of such a loop leaked its tensors. As torch's THPVariable does, a tensor object reports the Python
// objects held by its hooks, by its grad_fn's hooks and by its grad_fn's Python Function ctx, but
// only along owners it holds alone (every use_count on the way 1): an object that something else
// also holds is reachable from there and must not be reported as held here. tp_clear drops those
// hooks' callables, which breaks the cycle; a ctx is a GC-tracked object itself and clears its own attributes.
//
// Both types also replace pybind11 2.10's traverse, which visits the instance __dict__: on Python
// 3.11 a Python subclass's instance (an nn.Parameter, every autograd.Function ctx) has that dict
// visited by subtype_traverse as well, and the second visit makes the collector count the dict as
// reachable from outside, so no cycle through such an object's attributes was ever collected.
#include <algorithm>

#include "bindings.h"
#include "ramp/autograd.h"

namespace ramp::py_ {
namespace {

using autograd::Node;

PyTypeObject* tensor_type = nullptr;  // ramp._C.Tensor
PyTypeObject* ctx_type = nullptr;     // ramp._C._FunctionBase
inquiry base_clear = nullptr;         // pybind11's: drops the instance __dict__

// The instance __dict__ (unless subtype_traverse visited it: CPython's own test) and the type.
int visit_dict_and_type(PyObject* self, visitproc visit, void* arg, PyTypeObject* own) {
  PyTypeObject* type = Py_TYPE(self);
  if (type->tp_dictoffset == own->tp_dictoffset) {
    PyObject** dict = _PyObject_GetDictPtr(self);
    if (dict) Py_VISIT(*dict);
  }
  Py_VISIT(type);
  return 0;
}

int ctx_traverse(PyObject* self, visitproc visit, void* arg) { return visit_dict_and_type(self, visit, arg, ctx_type); }

// The tensor inside a ramp.Tensor object (or a Python subclass's), if constructed.
Tensor* tensor_of(PyObject* self) {
  auto vh = reinterpret_cast<py::detail::instance*>(self)->get_value_and_holder(nullptr, false);
  return vh && vh.holder_constructed() ? vh.value_ptr<Tensor>() : nullptr;
}

// The autograd data of a tensor this object alone holds, else null.
autograd::AutogradMeta* owned_meta(PyObject* self) {
  Tensor* t = tensor_of(self);
  if (!t || !t->defined() || t->impl_ptr().use_count() != 1) return nullptr;
  const auto& meta = t->impl().autograd;
  return meta && meta.use_count() == 1 ? meta.get() : nullptr;
}

// The grad_fn the tensor alone holds (a graph's last node; an inner one is held by later nodes too).
Node* owned_grad_fn(autograd::AutogradMeta& meta) {
  return meta.grad_fn && meta.grad_fn.use_count() == 1 ? meta.grad_fn.get() : nullptr;
}

PyObject* held_object(const std::shared_ptr<py::object>& p) { return p && p.use_count() == 1 ? p->ptr() : nullptr; }

template <class Fn> int visit_hooks(const std::vector<std::pair<int, autograd::Hook>>& hooks, Fn&& visit) {
  for (const auto& h : hooks)
    if (const auto* f = h.second.target<PyTensorHook>())
      if (int r = visit(held_object(f->fn))) return r;
  return 0;
}

template <class Fn> int visit_node(const Node& n, Fn&& visit) {
  if (int r = visit_hooks(n.pre_hooks, visit)) return r;
  for (const auto& hooks : n.more_pre_hooks)
    if (int r = visit_hooks(hooks, visit)) return r;
  for (const auto& h : n.post_hooks)
    if (const auto* f = h.second.target<PyPostHook>())
      if (int r = visit(held_object(f->fn))) return r;
  if (const auto* ctx = custom_node_ctx(n)) return visit(held_object(*ctx));
  return 0;
}

int tensor_traverse(PyObject* self, visitproc visit, void* arg) {
  if (int r = visit_dict_and_type(self, visit, arg, tensor_type)) return r;
  autograd::AutogradMeta* meta = owned_meta(self);
  if (!meta) return 0;
  auto v = [&](PyObject* o) { return o ? visit(o, arg) : 0; };
  if (int r = visit_hooks(meta->hooks, v)) return r;
  if (Node* n = owned_grad_fn(*meta)) return visit_node(*n, v);
  return 0;
}

// Drops the Python callables of the hooks (the hooks stay, and do nothing): a backward pass on
// another thread may be walking these vectors without the GIL, and the callables are only read
// with it held, which the collector holds too.
int tensor_clear(PyObject* self) {
  base_clear(self);
  autograd::AutogradMeta* meta = owned_meta(self);
  if (!meta) return 0;
  auto drop = [](auto& hooks) {
    for (auto& h : hooks)
      if (auto* f = h.second.template target<PyTensorHook>()) f->fn.reset();
  };
  drop(meta->hooks);
  if (Node* n = owned_grad_fn(*meta)) {
    drop(n->pre_hooks);
    for (auto& hooks : n->more_pre_hooks) drop(hooks);
    for (auto& h : n->post_hooks)
      if (auto* f = h.second.target<PyPostHook>()) f->fn.reset();
  }
  return 0;
}

}  // namespace

void enable_gc(py::module_& m) {
  tensor_type = reinterpret_cast<PyTypeObject*>(m.attr("Tensor").ptr());
  ctx_type = reinterpret_cast<PyTypeObject*>(m.attr("_FunctionBase").ptr());
  for (PyTypeObject* t : {tensor_type, ctx_type})  // made with py::dynamic_attr
    RAMP_CHECK(t->tp_flags & Py_TPFLAGS_HAVE_GC && t->tp_clear, t->tp_name, " is not GC-tracked");
  base_clear = tensor_type->tp_clear;
  tensor_type->tp_traverse = tensor_traverse;
  tensor_type->tp_clear = tensor_clear;
  ctx_type->tp_traverse = ctx_traverse;
}

}  // namespace ramp::py_
