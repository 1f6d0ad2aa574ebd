// The layers' ops (ramp/nn/functional.h) and nn::init for Python:
//   _C.linear, _C.conv2d, ...   the C++ ops with PyTorch's argument errors; ramp.nn.functional gives them
//                               1.13's Python signatures (defaults, `_pair`, return_indices)
//   _C._init.uniform_, ...      nn::init in place, returning the tensor object given
#include "bindings.h"
#include "ramp/nn/functional.h"
#include "ramp/nn/init.h"

namespace ramp::py_ {
namespace {

// A size argument: one int (both spatial dims) or a tuple/list of ints, as ATen's IntArrayRef parses.
std::vector<std::int64_t> ints(py::handle h, std::string_view fn, std::string_view name, int position) {
  auto is_int = [](py::handle v) { return PyIndex_Check(v.ptr()) && !PyBool_Check(v.ptr()); };
  if (is_int(h)) return {h.cast<std::int64_t>()};
  std::vector<std::int64_t> out;
  if (PyTuple_Check(h.ptr()) || PyList_Check(h.ptr())) {
    for (py::handle v : py::reinterpret_borrow<py::sequence>(h)) {
      if (!is_int(v)) {
        out.clear();
        break;
      }
      out.push_back(v.cast<std::int64_t>());
    }
    if (out.size() == py::len(h) && !out.empty()) return out;
  }
  throw TypeError(detail::cat(fn, "(): argument '", name, "' (position ", position, ") must be tuple of ints, not ",
                              type_name(h)));
}

// An optional tensor (bias, weight): None is the undefined tensor.
Tensor optional_tensor(py::handle h, std::string_view fn, std::string_view name, int position) {
  return h.is_none() ? Tensor() : tensor_arg(h, fn, name, position);
}

// Releasing the GIL costs about as much as a one-row GEMM: only work above this many multiply-adds
// lets other Python threads run meanwhile.
constexpr std::int64_t kReleaseGilWork = 1 << 15;

Tensor linear(py::handle input, py::handle weight, py::handle bias) {
  const Tensor& x = tensor_arg(input, "linear", "input", 1);
  const Tensor& w = tensor_arg(weight, "linear", "weight", 2);
  const Tensor b = optional_tensor(bias, "linear", "bias", 3);
  if (x.numel() * (w.dim() > 0 ? w.size(0) : 1) < kReleaseGilWork) return ramp::linear(x, w, b);
  py::gil_scoped_release nogil;
  return ramp::linear(x, w, b);
}

Tensor conv2d(py::handle input, py::handle weight, py::handle bias, py::handle stride, py::handle padding,
              py::handle dilation, std::int64_t groups) {
  const Tensor& x = tensor_arg(input, "conv2d", "input", 1);
  const Tensor& w = tensor_arg(weight, "conv2d", "weight", 2);
  const Tensor b = optional_tensor(bias, "conv2d", "bias", 3);
  const auto s = ints(stride, "conv2d", "stride", 4), d = ints(dilation, "conv2d", "dilation", 6);
  if (PyUnicode_Check(padding.ptr())) {
    const std::string mode = padding.cast<std::string>();
    py::gil_scoped_release nogil;
    return ramp::conv2d(x, w, b, s, mode, d, groups);
  }
  const auto p = ints(padding, "conv2d", "padding", 5);
  py::gil_scoped_release nogil;
  return ramp::conv2d(x, w, b, s, p, d, groups);
}

}  // namespace

void init_nn(py::module_& m) {
  const auto none = py::none();
  m.def("linear", &linear, py::arg("input"), py::arg("weight"), py::arg("bias") = none);
  m.def("conv2d", &conv2d, py::arg("input"), py::arg("weight"), py::arg("bias") = none, py::arg("stride") = 1,
        py::arg("padding") = 0, py::arg("dilation") = 1, py::arg("groups") = 1);

  namespace init = nn::init;
  auto i = m.def_submodule("_init", "nn::init (ramp.nn.init gives it torch's signatures and checks)");
  i.def("calculate_gain", &init::calculate_gain, py::arg("nonlinearity"), py::arg("param") = none);
  i.def("calculate_fan_in_and_fan_out", [](const Tensor& t) { return init::calculate_fan_in_and_fan_out(t); });
  // In place, returning the Python object given (`w is init.zeros_(w)`).
  using O = py::object;
  auto t = [](const O& o) -> Tensor& { return tensor_arg(o, "init", "tensor", 1); };
  i.def("uniform_", [t](O o, double a, double b) { return init::uniform_(t(o), a, b), o; });
  i.def("normal_", [t](O o, double mean, double std) { return init::normal_(t(o), mean, std), o; });
  i.def("constant_", [t](O o, const Scalar& v) { return init::constant_(t(o), v), o; });
  i.def("xavier_uniform_", [t](O o, double gain) { return init::xavier_uniform_(t(o), gain), o; });
  i.def("xavier_normal_", [t](O o, double gain) { return init::xavier_normal_(t(o), gain), o; });
  i.def("kaiming_uniform_", [t](O o, double a, const std::string& mode, const std::string& nonlinearity) {
    return init::kaiming_uniform_(t(o), a, mode, nonlinearity), o;
  });
  i.def("kaiming_normal_", [t](O o, double a, const std::string& mode, const std::string& nonlinearity) {
    return init::kaiming_normal_(t(o), a, mode, nonlinearity), o;
  });
}

}  // namespace ramp::py_
