// What the binding files share: the dtype objects, the Python <-> ramp::Scalar and
// ramp::ScalarType conversions, and each file's init function.
#pragma once

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <array>
#include <string>

#include "ramp/error.h"
#include "ramp/small_vector.h"
#include "ramp/tensor.h"

namespace ramp::py_ {

namespace py = pybind11;

// `ramp.float32` and friends: one object per dtype, so `x.dtype is ramp.float32` holds.
struct DType {
  ScalarType type;
};
// The singletons, indexed by ScalarType; filled by init_module before any cast.
std::array<py::handle, kNumScalarTypes>& dtype_objects();

// Python's type name of an object, for "must be Tensor, not list".
inline std::string type_name(py::handle h) { return py::str(py::type::handle_of(h).attr("__name__")); }

// `h` as a tensor argument, else PyTorch's "relu(): argument 'input' (position 1) must be Tensor, not list".
inline Tensor& tensor_arg(py::handle h, std::string_view fn, std::string_view name, int position) {
  if (!py::isinstance<Tensor>(h))
    throw TypeError(detail::cat(fn, "(): argument '", name, "' (position ", position, ") must be Tensor, not ",
                                type_name(h)));
  return h.cast<Tensor&>();
}

// A Python number as a ramp::Scalar, keeping int vs float vs bool; false if `h` is no number
// (NumPy scalars count: they implement __index__ or __float__).
bool to_scalar(py::handle h, Scalar& out);
py::object from_scalar(const Scalar& s);

void init_tensor(py::module_& m);
void init_activations(py::module_& m);
void init_autograd(py::module_& m);  // after init_tensor: adds to the Tensor class
void init_ops(py::module_& m);       // after init_tensor: adds to the Tensor class
void init_optim(py::module_& m);     // losses, optimizers, schedulers, clipping (after init_tensor)
void init_io(py::module_& m);        // ramp.io's readers and writers, Generator, randperm
void init_pt(py::module_& m);        // torch's checkpoint format (_C._pt)
void init_nn(py::module_& m);        // the layers' ops (ramp/nn/functional.h) and nn::init
void init_arith(py::module_& m);     // add/sub/mul/div by name, rounding_mode, // (after init_tensor)
void init_device(py::module_& m);    // ramp.device, Tensor.to/.device/.type, default dtype, finfo (after init_tensor)
void init_nn(py::module_& m);
void init_reduce(py::module_& m);    // ramp.sum/mean/max/... and their methods (after init_tensor)
void init_elementwise(py::module_& m);  // ramp/elementwise.h (after init_ops: adds clamp overloads)
void init_random(py::module_& m);    // ramp/random.h: Generator, seeding, samplers (after init_tensor)
void init_shape(py::module_& m);     // ramp/shape.h: split, chunk, tril, one_hot, ... (after init_tensor)
void init_report(py::module_& m);    // ramp/summary.h: summary rows and text (ramp.diagnostics)
void init_distributed(py::module_& m);  // _C._distributed: ramp/distributed.h (ramp.distributed)

// Sizes as one int or a sequence of ints (torch's IntArrayRef arguments), or as varargs.
std::vector<std::int64_t> int_list(py::handle h);
std::vector<std::int64_t> int_list(const py::args& args);
// A list or tuple of tensors ("cat(): argument 'tensors' (position 1) must be tuple of Tensors").
std::vector<Tensor> tensor_list(py::handle seq, const char* fn);
void init_stack_split(py::module_& m);
void init_products(py::module_& m);  // ramp/ops.h, shape.h: diag, trace, outer, cdist, isin, ... (after init_tensor)  // ramp/shape.h: hstack, meshgrid, tensor_split, ... (after init_shape)
void init_indexing(py::module_& m);  // __getitem__/__setitem__, gather/scatter, masks, sort (after init_tensor)
void init_function(py::module_& m);
void init_select(py::module_& m);    // median, nanmedian, mode, aminmax (after init_tensor)  // autograd.Function's node and ctx base (after init_autograd)
}  // namespace ramp::py_
namespace ramp::autograd {
struct Node;
}
namespace ramp::py_ {
// `y.grad_fn` in Python: the node, or for a Python autograd.Function its ctx object.
py::object node_object(const std::shared_ptr<autograd::Node>& n);
// The ctx of a Python autograd.Function's node; null for any other node.
py::object custom_node_object(const autograd::Node& n);
// A Python callable as a tensor hook (takes the GIL; checks what it returns as torch).
std::function<Tensor(const Tensor&)> python_hook(py::function fn);

// Python objects held from C++ (hooks' callables, a Python Function's ctx): dropped with the GIL,
// from whichever thread lets go last. The hooks are these named functors, not lambdas, so that the
// garbage collector's support (gc.cpp) can find the objects they hold through std::function::target.
std::shared_ptr<py::object> hold(py::object o);
struct PyTensorHook {  // Tensor.register_hook(fn)
  std::shared_ptr<py::object> fn;
  Tensor operator()(const Tensor& grad) const;
};
struct PyPostHook {  // Node.register_hook(fn): fn(grad_inputs, grad_outputs)
  std::shared_ptr<py::object> fn;
  void operator()(SmallVector<Tensor, 2>& grad_inputs, const std::vector<Tensor>& grad_outputs) const;
};
// The holder of a Python autograd.Function node's ctx; null for any other node.
const std::shared_ptr<py::object>* custom_node_ctx(const autograd::Node& n);
// Tensors and autograd.Function ctx objects take part in cyclic garbage collection with what they
// hold from C++ (gc.cpp); after init_tensor and init_function.
void enable_gc(py::module_& m);

// The tensor's repr with torch's autograd suffixes (requires_grad=True, grad_fn=<ReluBackward0>).
std::string tensor_repr(const Tensor& t);
// A factory's `requires_grad=True`: floating dtypes only, with the factories' error text.
Tensor factory_requires_grad(Tensor t, bool requires_grad);

}  // namespace ramp::py_

namespace pybind11::detail {

template <>
struct type_caster<ramp::ScalarType> {
  PYBIND11_TYPE_CASTER(ramp::ScalarType, const_name("ramp.dtype"));
  bool load(handle src, bool) {
    if (!isinstance<ramp::py_::DType>(src)) return false;
    value = src.cast<const ramp::py_::DType&>().type;
    return true;
  }
  static handle cast(ramp::ScalarType t, return_value_policy, handle) {
    return ramp::py_::dtype_objects()[std::size_t(t)].inc_ref();
  }
};

template <>
struct type_caster<ramp::Scalar> {
  PYBIND11_TYPE_CASTER(ramp::Scalar, const_name("Number"));
  bool load(handle src, bool) { return ramp::py_::to_scalar(src, value); }
  static handle cast(const ramp::Scalar& s, return_value_policy, handle) {
    return ramp::py_::from_scalar(s).release();
  }
};

}  // namespace pybind11::detail
