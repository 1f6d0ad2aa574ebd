// torch.autograd.Function for Python: the node whose backward calls the ctx's `apply` (the
// user's static backward), the ctx base class `_C._FunctionBase`, and nodes' post hooks
// (`grad_fn.register_hook(fn(grad_inputs, grad_outputs))`, which module backward hooks use).
// The Function class itself and FunctionCtx's methods are Python (python/ramp/_function.py).
#include "ramp/custom_function.h"

#include "bindings.h"

namespace ramp::py_ {
namespace {

using autograd::Node;

py::tuple grads_tuple(std::span<const Tensor> grads) {
  py::tuple out(grads.size());
  for (std::size_t i = 0; i < grads.size(); ++i) out[i] = grads[i].defined() ? py::cast(grads[i]) : py::none();
  return out;
}

struct PyNode final : autograd::CustomNode {
  std::shared_ptr<py::object> ctx;  // torch's THPFunction: y.grad_fn is this object

  std::vector<Tensor> call_backward(std::vector<Tensor>& grads) override {
    py::gil_scoped_acquire gil;
    py::object r = ctx->attr("apply")(*grads_tuple(grads));
    py::tuple rt = py::isinstance<py::tuple>(r) ? py::reinterpret_borrow<py::tuple>(r) : py::make_tuple(r);
    const std::size_t n = is_tensor_input.size();
    bool extra_none = true;
    for (std::size_t i = n; i < rt.size(); ++i) extra_none = extra_none && rt[i].is_none();
    check_count(rt.size(), extra_none);
    std::vector<Tensor> out(n);
    for (std::size_t i = 0; i < n; ++i) {
      py::handle h = rt[i];
      if (h.is_none()) continue;
      if (!is_tensor_input[i]) non_tensor_gradient(i);
      if (!py::isinstance<Tensor>(h)) throw Error("expected Variable or None (got " + type_name(h) + ")");
      out[i] = h.cast<Tensor>();
    }
    return out;
  }
};

// The ctx's C++ half: the node it belongs to (weakly: the node holds the ctx).
struct FunctionBase {
  std::weak_ptr<PyNode> node;
  py::tuple plain_saved;  // what save_for_backward got when no node was made
  bool has_node = false;
};

std::shared_ptr<Node> node_of(const FunctionBase& f) {
  auto n = f.node.lock();
  RAMP_CHECK(n || !f.has_node, "the graph of this function was freed");
  return n;
}

// Node.register_hook(fn): fn(grad_inputs, grad_outputs) after the node ran; may return new
// grad_inputs (torch's python_hook.cpp checks and texts).
int register_post_hook(Node& n, py::function fn) {
  static int next_id = 0;
  n.post_hooks.emplace_back(next_id, PyPostHook{hold(std::move(fn))});
  return next_id++;
}

}  // namespace

void PyPostHook::operator()(autograd::Grads& grad_inputs, const std::vector<Tensor>& grad_outputs) const {
  py::gil_scoped_acquire gil;
  if (!fn) return;  // dropped by the garbage collector (gc.cpp)
  py::object r = (*fn)(grads_tuple({grad_inputs.begin(), grad_inputs.size()}), grads_tuple(grad_outputs));
  if (r.is_none()) return;
  std::string name = py::hasattr(*fn, "__name__") ? py::str(fn->attr("__name__")) : py::str(py::repr(*fn));
  if (!py::isinstance<py::tuple>(r)) throw TypeError("expected tuple, but hook returned '" + type_name(r) + "'");
  py::tuple t = r;
  RAMP_CHECK(t.size() == grad_inputs.size(), "hook '", name, "' has returned an incorrect number of values (got ",
             t.size(), ", but expected ", grad_inputs.size(), ")");
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i].is_none()) {
      grad_inputs[i] = Tensor();
    } else {
      if (!py::isinstance<Tensor>(t[i]))
        throw TypeError("expected Variable (got '" + type_name(t[i]) + "')'");
      grad_inputs[i] = t[i].cast<Tensor>();
    }
  }
}

const std::shared_ptr<py::object>* custom_node_ctx(const Node& n) {
  auto* p = dynamic_cast<const PyNode*>(&n);
  return p ? &p->ctx : nullptr;
}

namespace {
// torch.utils.hooks.RemovableHandle for a node's post hook.
struct PostHookHandle {
  std::weak_ptr<Node> node;
  int id;
  void remove() const {
    if (auto n = node.lock()) std::erase_if(n->post_hooks, [&](const auto& h) { return h.first == id; });
  }
};

std::vector<Tensor> tensors_or_undefined(const py::sequence& items) {
  std::vector<Tensor> out;
  for (py::handle h : items) out.push_back(py::isinstance<Tensor>(h) ? h.cast<Tensor>() : Tensor());
  return out;
}

std::vector<const TensorImpl*> impls(const py::sequence& items, const char* what) {
  std::vector<const TensorImpl*> out;
  for (py::handle h : items) {
    if (!py::isinstance<Tensor>(h)) throw TypeError(std::string(what) + " can only accept variables, but argument " +
                                                    std::to_string(out.size()) + " is of type " + type_name(h));
    out.push_back(&h.cast<const Tensor&>().impl());
  }
  return out;
}

}  // namespace

py::object custom_node_object(const Node& n) {
  auto* p = dynamic_cast<const PyNode*>(&n);
  return p ? *p->ctx : py::object();
}

void init_function(py::module_& m) {
  py::class_<PostHookHandle>(m, "_NodeHookHandle")
      .def("remove", &PostHookHandle::remove)
      .def_readonly("id", &PostHookHandle::id)
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](const PostHookHandle& h, py::args) { h.remove(); });

  auto node_cls = py::reinterpret_borrow<py::class_<Node, std::shared_ptr<Node>>>(m.attr("Node"));
  node_cls.def(
      "register_hook",
      [](const std::shared_ptr<Node>& n, py::function fn) {
        return PostHookHandle{n, register_post_hook(*n, std::move(fn))};
      },
      py::arg("fn"));

  py::class_<FunctionBase>(m, "_FunctionBase", py::dynamic_attr())
      .def(py::init<>())
      .def_property_readonly("saved_tensors",
                             [](const FunctionBase& f) -> py::object {
                               auto n = node_of(f);
                               if (!n) return f.plain_saved;
                               py::tuple out(n->saved.size());
                               for (std::size_t i = 0; i < n->saved.size(); ++i) {
                                 Tensor t = n->unpack(i);
                                 out[i] = t.defined() ? py::cast(t) : py::none();
                               }
                               return out;
                             })
      .def("name", [](py::handle self) { return py::str(py::type::handle_of(self).attr("__name__")); })
      .def_property_readonly("next_functions",
                             [](const FunctionBase& f) {
                               auto n = node_of(f);
                               if (!n) return py::tuple();
                               py::tuple out(n->next.size());
                               for (std::size_t i = 0; i < n->next.size(); ++i)
                                 out[i] = py::make_tuple(node_object(n->next[i].fn), n->next[i].input_nr);
                               return out;
                             })
      .def(
          "register_hook",
          [](const FunctionBase& f, py::function fn) {
            auto n = node_of(f);
            RAMP_CHECK(n, "register_hook: this Function's ctx has no node (no input required grad)");
            return PostHookHandle{n, register_post_hook(*n, std::move(fn))};
          },
          py::arg("fn"));

  // Wires a forward's results into the graph (autograd::wrap_outputs) and returns them as 1.13
  // hands them back; `ctx` becomes the node's Python face.
  m.def("_wrap_function", [](py::object ctx, std::string name, const py::sequence& args, const py::sequence& outputs,
                             const py::sequence& dirty, const py::sequence& non_differentiable,
                             const py::sequence& to_save, bool materialize_grads, bool executable) {
    for (std::size_t i = 0; i < to_save.size(); ++i)
      if (!to_save[i].is_none() && !py::isinstance<Tensor>(to_save[i]))
        throw TypeError("save_for_backward can only save variables, but argument " + std::to_string(i) +
                        " is of type " + type_name(to_save[i]));
    autograd::ForwardInfo info;
    info.dirty = impls(dirty, "mark_dirty");
    info.non_differentiable = impls(non_differentiable, "mark_non_differentiable");
    info.to_save = tensors_or_undefined(to_save);
    info.materialize_grads = materialize_grads;
    std::vector<Tensor> inputs = tensors_or_undefined(args), outs = tensors_or_undefined(outputs);
    FunctionBase& base = ctx.cast<FunctionBase&>();
    auto node = std::make_shared<PyNode>();
    node->node_name = std::move(name);
    autograd::wrap_outputs(node, inputs, outs, info, executable);
    if (executable) {
      node->ctx = hold(ctx);
      base.node = node;
      base.has_node = true;
    } else {
      base.plain_saved = py::tuple(to_save);
    }
    py::tuple result(outputs.size());
    // The same Python object where the tensor is the one forward returned (an in-place result).
    for (std::size_t i = 0; i < outs.size(); ++i) {
      py::handle o = outputs[i];
      const bool same = outs[i].defined() && py::isinstance<Tensor>(o) && o.cast<const Tensor&>().is_same(outs[i]);
      result[i] = !outs[i].defined() || same ? py::reinterpret_borrow<py::object>(o) : py::cast(outs[i]);
    }
    return result;
  });
}

}  // namespace ramp::py_
