// What the binding files share: the dtype objects, the Python <-> ramp::Scalar and
// ramp::ScalarType conversions, and each file's init function.
#pragma once

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <array>
#include <string>

#include "ramp/error.h"
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
