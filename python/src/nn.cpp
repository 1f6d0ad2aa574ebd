// The layers' ops (ramp/nn/functional.h) and nn::init for Python:
//   _C.linear, _C.conv2d, _C.max_pool2d, _C.avg_pool2d, _C.adaptive_avg_pool2d, _C.adaptive_max_pool1d/2d,
//   _C.batch_norm, _C.dropout:
//                               the C++ ops with PyTorch's argument errors; ramp.nn.functional gives them
//                               1.13's Python signatures (defaults, `_pair`, return_indices)
//   _C._init.uniform_, ...      nn::init in place, returning the tensor object given
#include "bindings.h"
#include "ramp/nn/functional.h"
#include "ramp/nn/init.h"

namespace ramp::py_ {
namespace {

// A size argument: one int (both spatial dims) or a tuple/list of ints, as ATen's IntArrayRef parses
// (empty only where `allow_empty`).
std::vector<std::int64_t> ints(py::handle h, std::string_view fn, std::string_view name, int position,
                               bool allow_empty = false) {
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
    if (out.size() == py::len(h) && (allow_empty || !out.empty())) return out;
  }
  throw TypeError(detail::cat(fn, "(): argument '", name, "' (position ", position,
                              ") must be tuple of ints, not ", type_name(h)));
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

// stride None: the kernel size (the C++ ops' empty stride).
std::vector<std::int64_t> stride_or_kernel(py::handle h, std::string_view fn, int position) {
  return h.is_none() ? std::vector<std::int64_t>{} : ints(h, fn, "stride", position);
}

py::object max_pool2d(py::handle input, py::handle kernel_size, py::handle stride, py::handle padding,
                      py::handle dilation, bool ceil_mode, bool return_indices) {
  const char* fn = "max_pool2d";
  const Tensor& x = tensor_arg(input, fn, "input", 1);
  const auto k = ints(kernel_size, fn, "kernel_size", 2), s = stride_or_kernel(stride, fn, 3),
             p = ints(padding, fn, "padding", 4), d = ints(dilation, fn, "dilation", 5);
  if (return_indices) {
    std::pair<Tensor, Tensor> r;
    {
      py::gil_scoped_release nogil;
      r = ramp::max_pool2d_with_indices(x, k, s, p, d, ceil_mode);
    }
    return py::make_tuple(std::move(r.first), std::move(r.second));
  }
  Tensor y;
  {
    py::gil_scoped_release nogil;
    y = ramp::max_pool2d(x, k, s, p, d, ceil_mode);
  }
  return py::cast(std::move(y));
}

Tensor avg_pool2d(py::handle input, py::handle kernel_size, py::handle stride, py::handle padding,
                  bool ceil_mode, bool count_include_pad, std::optional<std::int64_t> divisor_override) {
  const char* fn = "avg_pool2d";
  const Tensor& x = tensor_arg(input, fn, "input", 1);
  const auto k = ints(kernel_size, fn, "kernel_size", 2), s = stride_or_kernel(stride, fn, 3),
             p = ints(padding, fn, "padding", 4);
  py::gil_scoped_release nogil;
  return ramp::avg_pool2d(x, k, s, p, ceil_mode, count_include_pad, divisor_override);
}

Tensor adaptive_avg_pool2d(py::handle input, py::handle output_size) {
  const Tensor& x = tensor_arg(input, "adaptive_avg_pool2d", "input", 1);
  const auto o = ints(output_size, "adaptive_avg_pool2d", "output_size", 2);
  py::gil_scoped_release nogil;
  return ramp::adaptive_avg_pool2d(x, o);
}

// (output, indices) when return_indices, else the output alone; `one_d`: adaptive_max_pool1d.
template <bool one_d>
py::object adaptive_max_pool(py::handle input, py::handle output_size, bool return_indices) {
  const char* fn = one_d ? "adaptive_max_pool1d" : "adaptive_max_pool2d";
  const Tensor& x = tensor_arg(input, fn, "input", 1);
  const auto o = ints(output_size, fn, "output_size", 2);
  if (return_indices) {
    std::pair<Tensor, Tensor> r;
    {
      py::gil_scoped_release nogil;
      r = one_d ? ramp::adaptive_max_pool1d_with_indices(x, o) : ramp::adaptive_max_pool2d_with_indices(x, o);
    }
    return py::make_tuple(std::move(r.first), std::move(r.second));
  }
  Tensor y;
  {
    py::gil_scoped_release nogil;
    y = one_d ? ramp::adaptive_max_pool1d(x, o) : ramp::adaptive_max_pool2d(x, o);
  }
  return py::cast(std::move(y));
}

Tensor batch_norm(py::handle input, py::handle running_mean, py::handle running_var, py::handle weight,
                  py::handle bias, bool training, double momentum, double eps) {
  const char* fn = "batch_norm";
  const Tensor& x = tensor_arg(input, fn, "input", 1);
  const Tensor rm = optional_tensor(running_mean, fn, "running_mean", 2),
               rv = optional_tensor(running_var, fn, "running_var", 3),
               w = optional_tensor(weight, fn, "weight", 4), b = optional_tensor(bias, fn, "bias", 5);
  py::gil_scoped_release nogil;
  return ramp::batch_norm(x, rm, rv, w, b, training, momentum, eps);
}

// In place, returns the input object itself.
py::object dropout(py::handle input, double p, bool training, bool inplace) {
  const Tensor& x = tensor_arg(input, "dropout", "input", 1);
  Tensor y;
  {
    py::gil_scoped_release nogil;
    y = ramp::dropout(x, p, training, inplace);
  }
  if (y.is_same(x)) return py::reinterpret_borrow<py::object>(input);
  return py::cast(std::move(y));
}

py::object feature_dropout(py::handle input, double p, bool training, bool inplace) {
  const Tensor& x = tensor_arg(input, "feature_dropout", "input", 1);
  Tensor y = ramp::feature_dropout(x, p, training, inplace);
  if (y.is_same(x)) return py::reinterpret_borrow<py::object>(input);
  return py::cast(std::move(y));
}

Tensor layer_norm(py::handle input, py::handle normalized_shape, py::handle weight, py::handle bias, double eps) {
  const char* fn = "layer_norm";
  const Tensor& x = tensor_arg(input, fn, "input", 1);
  const auto shape = ints(normalized_shape, fn, "normalized_shape", 2, true);
  const Tensor w = optional_tensor(weight, fn, "weight", 3), b = optional_tensor(bias, fn, "bias", 4);
  py::gil_scoped_release nogil;
  return ramp::layer_norm(x, shape, w, b, eps);
}

Tensor pad(py::handle input, py::handle padding, const std::string& mode, std::optional<double> value) {
  const Tensor& x = tensor_arg(input, "pad", "input", 1);
  const auto p = ints(padding, "pad", "pad", 2, true);
  py::gil_scoped_release nogil;
  return ramp::pad(x, p, mode, value);
}

}  // namespace

void init_nn(py::module_& m) {
  const auto none = py::none();
  m.def("linear", &linear, py::arg("input"), py::arg("weight"), py::arg("bias") = none);
  m.def("conv2d", &conv2d, py::arg("input"), py::arg("weight"), py::arg("bias") = none, py::arg("stride") = 1,
        py::arg("padding") = 0, py::arg("dilation") = 1, py::arg("groups") = 1);

  m.def("max_pool2d", &max_pool2d, py::arg("input"), py::arg("kernel_size"), py::arg("stride") = none,
        py::arg("padding") = 0, py::arg("dilation") = 1, py::arg("ceil_mode") = false,
        py::arg("return_indices") = false);
  m.def("avg_pool2d", &avg_pool2d, py::arg("input"), py::arg("kernel_size"), py::arg("stride") = none,
        py::arg("padding") = 0, py::arg("ceil_mode") = false, py::arg("count_include_pad") = true,
        py::arg("divisor_override") = none);
  m.def("adaptive_avg_pool2d", &adaptive_avg_pool2d, py::arg("input"), py::arg("output_size"));
  m.def("adaptive_max_pool2d", &adaptive_max_pool<false>, py::arg("input"), py::arg("output_size"),
        py::arg("return_indices") = false);
  m.def("adaptive_max_pool1d", &adaptive_max_pool<true>, py::arg("input"), py::arg("output_size"),
        py::arg("return_indices") = false);
  m.def("batch_norm", &batch_norm, py::arg("input"), py::arg("running_mean"), py::arg("running_var"),
        py::arg("weight") = none, py::arg("bias") = none, py::arg("training") = false,
        py::arg("momentum") = 0.1, py::arg("eps") = 1e-5);
  m.def("dropout", &dropout, py::arg("input"), py::arg("p") = 0.5, py::arg("training") = true,
        py::arg("inplace") = false);
  m.def("feature_dropout", &feature_dropout, py::arg("input"), py::arg("p") = 0.5, py::arg("training") = true,
        py::arg("inplace") = false);
  m.def("layer_norm", &layer_norm, py::arg("input"), py::arg("normalized_shape"), py::arg("weight") = none,
        py::arg("bias") = none, py::arg("eps") = 1e-5);
  m.def("pad", &pad, py::arg("input"), py::arg("pad"), py::arg("mode") = "constant", py::arg("value") = none);

  namespace init = nn::init;
  auto i = m.def_submodule("_init", "nn::init (ramp.nn.init gives it torch's signatures and checks)");
  i.def("calculate_gain", &init::calculate_gain, py::arg("nonlinearity"), py::arg("param") = none);
  i.def("calculate_fan_in_and_fan_out",
        [](const Tensor& t) { return init::calculate_fan_in_and_fan_out(t); });
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
