// Autograd for Python: the Tensor's requires_grad/grad/grad_fn/backward/hooks, the graph's nodes
// (`y.grad_fn`), grad mode, and `_C._grad` / `_C._backward` under ramp.autograd.grad/backward.
// The context managers, gradcheck and the argument handling of ramp.autograd live in Python
// (python/ramp/autograd.py).
#include "ramp/autograd.h"

#include <cstdio>

#include "bindings.h"

namespace ramp::py_ {
namespace {

using autograd::AccumulateGrad;
using autograd::Node;

// torch.Tensor.grad's warning (TensorBody.h), without the "(Triggered internally at ...)" tail.
constexpr const char* kNonLeafGrad =
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute "
    "won't be populated during autograd.backward(). If you indeed want the .grad field to be populated "
    "for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor "
    "by mistake, make sure you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 "
    "for more informations.";

// "torch::autograd::AccumulateGrad" -> "AccumulateGrad", as torch's repr and class names read.
std::string short_name(std::string_view name) {
  auto at = name.rfind("::");
  return std::string(at == std::string_view::npos ? name : name.substr(at + 2));
}

py::object none_or(const Tensor& t) { return t.defined() ? py::cast(t) : py::none(); }

// ---- grad_fn objects ----
// One Python class (_C.Node) for every node: the name is in name() and the repr, not in the class as
// in torch (a Python subclass per name cannot take over pybind11's instances). pybind11 keeps one
// Python object per live node, so `y.grad_fn is y.grad_fn` holds while someone holds it.
}  // namespace
py::object node_object(const std::shared_ptr<Node>& n) {
  if (!n) return py::none();
  py::object ctx = custom_node_object(*n);  // a Python autograd.Function's node is its ctx
  return ctx ? ctx : py::cast(n);
}
namespace {

// <ReluBackward0 object at 0x7f...>, as torch prints a node.
std::string node_repr(py::handle self) {
  char addr[32];
  std::snprintf(addr, sizeof addr, "%p", static_cast<void*>(self.ptr()));
  return "<" + short_name(self.cast<const Node&>().name()) + " object at " + addr + ">";
}

// ---- hooks: Python callables run by the C++ engine (which runs without the GIL) ----
// torch's checks on what a hook returns (python_hook.cpp), with its texts.
Tensor checked_hook_result(py::handle fn, py::handle result, const Tensor& grad) {
  if (result.is_none()) return Tensor();
  if (!py::isinstance<Tensor>(result))
    throw TypeError("expected Variable, but hook returned '" + type_name(result) + "'");
  Tensor r = result.cast<Tensor>();
  std::string name = py::hasattr(fn, "__name__") ? py::str(fn.attr("__name__")) : py::str(py::repr(fn));
  if (r.dtype() != grad.dtype())
    throw Error("hook '" + name + "' has changed the type of value (was " +
                autograd::legacy_type_name(grad.dtype()) + " got " + autograd::legacy_type_name(r.dtype()) +
                ")");
  RAMP_CHECK(std::equal(r.sizes().begin(), r.sizes().end(), grad.sizes().begin(), grad.sizes().end()),
             "hook '", name, "' has changed the size of value");
  return r;
}

}  // namespace
std::shared_ptr<py::object> hold(py::object o) {
  return std::shared_ptr<py::object>(new py::object(std::move(o)), [](py::object* p) {
    if (!Py_IsInitialized()) return;  // interpreter gone: leak rather than crash
    py::gil_scoped_acquire gil;
    delete p;
  });
}

Tensor PyTensorHook::operator()(const Tensor& grad) const {
  py::gil_scoped_acquire gil;
  if (!fn) return Tensor();  // dropped by the garbage collector (gc.cpp): keeps the gradient
  py::object r = (*fn)(grad);
  return checked_hook_result(*fn, r, grad);
}

autograd::Hook python_hook(py::function fn) { return PyTensorHook{hold(std::move(fn))}; }

namespace {
// torch.utils.hooks.RemovableHandle: removes a tensor's hook; a no-op once the tensor is gone.
struct RemovableHandle {
  std::weak_ptr<TensorImpl> tensor;
  int id;
  void remove() const {
    if (auto impl = tensor.lock()) Tensor(impl).remove_hook(id);
  }
};

// ---- arguments ----
std::vector<Tensor> tensors_or_none(const std::vector<py::object>& items) {
  std::vector<Tensor> out;
  out.reserve(items.size());
  for (const py::object& h : items) out.push_back(h.is_none() ? Tensor() : h.cast<Tensor>());
  return out;
}

}  // namespace

std::string tensor_repr(const Tensor& t) {
  autograd::NoGradGuard no_grad;  // torch prints under no_grad too
  std::vector<std::string> suffixes;
  if (auto fn = t.grad_fn())
    suffixes.push_back("grad_fn=<" + short_name(fn->name()) + ">");
  else if (t.requires_grad())
    suffixes.push_back("requires_grad=True");
  return format_tensor(t, suffixes);
}

Tensor factory_requires_grad(Tensor t, bool requires_grad) {
  if (!requires_grad) return t;
  RAMP_CHECK(is_floating(t.dtype()),
             "Only Tensors of floating point and complex dtype can require gradients");
  t.requires_grad_();
  return t;
}

void init_autograd(py::module_& m) {
  m.def(
      "_zero_grad",
      [](const std::vector<Tensor>& params, bool set_to_none) {
        for (const Tensor& p : params) autograd::zero_grad(p, set_to_none);
      },
      py::arg("params"), py::arg("set_to_none") = false);
  m.def("is_grad_enabled", &autograd::is_grad_enabled);
  m.def("_set_grad_enabled", &autograd::set_grad_enabled, py::arg("mode"));
  // relu-like backward from a 1-bit mask written by the forward instead of the saved output (ramp's).
  m.def("_set_mask_backward", &autograd::set_mask_backward, py::arg("on"));
  m.def("_mask_backward_enabled", &autograd::mask_backward_enabled);

  py::class_<Node, std::shared_ptr<Node>>(m, "Node")
      .def("name", [](const Node& n) { return std::string(n.name()); })
      .def("__repr__", &node_repr)
      .def_property_readonly("next_functions", [](const Node& n) {
        py::tuple out(n.next.size());
        for (std::size_t i = 0; i < n.next.size(); ++i) out[i] = py::make_tuple(node_object(n.next[i].fn), n.next[i].input_nr);
        return out;
      });
  py::class_<AccumulateGrad, Node, std::shared_ptr<AccumulateGrad>>(m, "AccumulateGrad")
      .def_property_readonly("variable", [](const AccumulateGrad& a) -> py::object {
        auto impl = a.leaf.lock();
        return impl ? py::cast(Tensor(impl)) : py::none();
      });

  py::class_<RemovableHandle>(m, "RemovableHandle")
      .def("remove", &RemovableHandle::remove)
      .def_readonly("id", &RemovableHandle::id)
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](const RemovableHandle& h, py::args) { h.remove(); });

  auto cls = py::reinterpret_borrow<py::class_<Tensor>>(m.attr("Tensor"));
  cls.def_property("requires_grad", &Tensor::requires_grad, [](Tensor& t, bool on) { t.requires_grad_(on); })
      .def(
          "requires_grad_",
          [](py::object self, bool on) {
            Tensor& t = self.cast<Tensor&>();
            // requires_grad_() words it differently from the property setter (1.13).
            RAMP_CHECK(!on || is_floating(t.dtype()),
                       "only Tensors of floating point dtype can require gradients");
            t.requires_grad_(on);
            return self;
          },
          py::arg("requires_grad") = true)
      .def_property_readonly("is_leaf", &Tensor::is_leaf)
      .def_property(
          "grad",
          [](const Tensor& t) {
            const Tensor& g = t.grad();
            if (!g.defined() && !t.is_leaf() && !t.retains_grad() &&
                PyErr_WarnEx(PyExc_UserWarning, kNonLeafGrad, 1) < 0)
              throw py::error_already_set();  // warnings turned into errors
            return none_or(g);
          },
          [](const Tensor& t, py::handle g) {
            if (!g.is_none() && !py::isinstance<Tensor>(g))  // "typeint": torch's text has no space
              throw TypeError("assigned grad expected to be a Tensor or None but got grad of type" +
                              type_name(g));
            t.set_grad(g.is_none() ? Tensor() : g.cast<Tensor>());
          })
      .def_property_readonly("grad_fn", [](const Tensor& t) { return node_object(t.grad_fn()); })
      .def_property_readonly("retains_grad", &Tensor::retains_grad)
      .def("retain_grad", &Tensor::retain_grad)
      .def("detach_",
           [](py::object self) {
             self.cast<Tensor&>().detach_();
             return self;
           })
      // .data: the tensor without its graph. Unlike torch, it shares the version counter (ramp keeps
      // one counter per storage), so in-place writes through it are seen by saved-tensor checks.
      // Setting .data (Module.to/.double() keep their Parameter objects, as torch's set_data) repoints
      // this tensor at src's data, sizes and dtype in place: every handle to it sees the change, its
      // requires_grad, grad and hooks stay.
      .def_property("data", &Tensor::detach, [](const Tensor& t, const Tensor& src) { t.set_data(src); })
      .def(
          "register_hook",
          [](const Tensor& t, py::function fn) {
            return RemovableHandle{t.impl_ptr(), t.register_hook(python_hook(std::move(fn)))};
          },
          py::arg("hook"))
      .def(
          "_backward",
          [](const Tensor& t, py::object gradient, bool retain_graph, bool create_graph) {
            Tensor g = gradient.is_none() ? Tensor() : gradient.cast<Tensor>();
            py::gil_scoped_release nogil;  // hooks take it back
            t.backward(g, retain_graph, create_graph);
          },
          py::arg("gradient"), py::arg("retain_graph"), py::arg("create_graph") = false);

  m.def(
      "_grad",
      [](const std::vector<py::object>& outputs, const std::vector<py::object>& inputs,
         const std::vector<py::object>& grad_outputs, bool retain_graph, bool allow_unused, bool create_graph) {
        auto outs = tensors_or_none(outputs), ins = tensors_or_none(inputs),
             gos = tensors_or_none(grad_outputs);
        std::vector<Tensor> r;
        {
          py::gil_scoped_release nogil;
          r = autograd::grad(outs, ins, gos, retain_graph, create_graph, allow_unused);
        }
        py::tuple out(r.size());
        for (std::size_t i = 0; i < r.size(); ++i) out[i] = none_or(r[i]);
        return out;
      },
      py::arg("outputs"), py::arg("inputs"), py::arg("grad_outputs"), py::arg("retain_graph"),
      py::arg("allow_unused"), py::arg("create_graph") = false);
  m.def(
      "_backward",
      [](const std::vector<py::object>& tensors, const std::vector<py::object>& grads, bool retain_graph,
         bool create_graph) {
        auto ts = tensors_or_none(tensors), gs = tensors_or_none(grads);
        py::gil_scoped_release nogil;
        autograd::backward(ts, gs, retain_graph, create_graph);
      },
      py::arg("tensors"), py::arg("grad_tensors"), py::arg("retain_graph"), py::arg("create_graph") = false);
}

}  // namespace ramp::py_
