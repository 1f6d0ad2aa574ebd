// ramp.device, the Tensor's device members (.device, .to, .cpu, .cuda, .type) and the dtype queries
// (get/set_default_dtype, finfo's numbers, dtype.is_signed). ramp computes on the CPU: a device
// other than the CPU raises NotCompiledError (Python: AssertionError, torch's error without CUDA).
#include <cmath>
#include <limits>

#include "bindings.h"
#include "ramp/device.h"

namespace ramp::py_ {
namespace {

// The exact Python types of ramp.dtype and ramp.device: Tensor.to runs per batch in training loops,
// and pybind11's isinstance looks the type up in a table each time.
bool is_dtype(py::handle h) {
  static PyTypeObject* type = reinterpret_cast<PyTypeObject*>(py::type::of<DType>().ptr());
  return Py_TYPE(h.ptr()) == type;
}
bool is_device(py::handle h) {
  static PyTypeObject* type = reinterpret_cast<PyTypeObject*>(py::type::of<Device>().ptr());
  return Py_TYPE(h.ptr()) == type;
}

// "cpu", "cuda:1", ramp.device or an int (a CUDA ordinal, as torch reads it); nullopt otherwise.
std::optional<Device> as_device(py::handle h) {
  if (is_device(h)) return h.cast<const Device&>();
  if (PyUnicode_Check(h.ptr())) {
    if (PyUnicode_CompareWithASCIIString(h.ptr(), "cpu") == 0) return Device();
    return Device(h.cast<std::string_view>());
  }
  if (PyLong_Check(h.ptr()) && !PyBool_Check(h.ptr())) {
    const auto i = h.cast<std::int64_t>();
    RAMP_CHECK(i >= 0, "Device index must not be negative");
    return Device(DeviceType::CUDA, int(std::min<std::int64_t>(i, 32767)));
  }
  return std::nullopt;
}

Device make_device(py::handle type, std::optional<std::int64_t> index) {
  if (!index) {
    auto d = as_device(type);
    if (!d)
      throw TypeError("Device() received an invalid combination of arguments - got (" + type_name(type) +
                      "), but expected one of:\n * (ramp.device device)\n * (str type, int index)");
    return *d;
  }
  if (!PyUnicode_Check(type.ptr()))
    throw TypeError("Device() received an invalid combination of arguments - got (" + type_name(type) +
                    ", int), but expected one of:\n * (str type, int index)");
  Device d(type.cast<std::string_view>());
  RAMP_CHECK(!d.has_index(), "type (string) must not include an index because index was passed explicitly: ",
             type.cast<std::string>());
  RAMP_CHECK(*index >= 0, "Device index must not be negative");
  return Device(d.type, int(*index));
}

// Python's name of an argument for "to() received an invalid combination of arguments - got (...)".
std::string arg_type(py::handle h) {
  if (is_dtype(h)) return "ramp.dtype";
  if (py::isinstance<Device>(h)) return "ramp.device";
  return type_name(h);
}

[[noreturn]] void bad_to(const py::args& args, const py::kwargs& kw) {
  std::string got;
  auto add = [&](const std::string& piece) {
    if (!got.empty()) got += ", ";
    got += piece;
  };
  for (py::handle a : args) add(arg_type(a));
  for (auto [k, v] : kw) add(k.cast<std::string>() + "=" + arg_type(v));
  if (!kw.empty()) got += ", ";
  throw TypeError("to() received an invalid combination of arguments - got (" + got +
                  "), but expected one of:\n * (ramp.device device, ramp.dtype dtype, bool non_blocking, bool "
                  "copy, *, ramp.memory_format memory_format)\n * (ramp.dtype dtype, bool non_blocking, bool copy, "
                  "*, ramp.memory_format memory_format)\n * (Tensor tensor, bool non_blocking, bool copy, *, "
                  "ramp.memory_format memory_format)\n");
}

struct ToArgs {
  std::optional<Device> device;
  std::optional<ScalarType> dtype;
  bool non_blocking = false, copy = false;
};

// Tensor.to's (and nn.Module.to's) arguments: (dtype, non_blocking, copy), (device, dtype,
// non_blocking, copy), (other, non_blocking, copy), each also by keyword; memory_format is ignored.
ToArgs parse_to(const py::args& args, const py::kwargs& kw) {
  ToArgs r;
  bool* flags[2] = {&r.non_blocking, &r.copy};
  std::size_t i = 0, n = args.size();
  enum { none, by_dtype, by_device, by_tensor } form = none;
  if (n > 0) {
    const py::handle a0 = PyTuple_GET_ITEM(args.ptr(), 0);
    std::optional<Device> d;
    if (is_dtype(a0)) {
      r.dtype = a0.cast<ScalarType>(), form = by_dtype;
    } else if (a0.is_none() || (d = as_device(a0))) {  // before the Tensor check: x.to(device) is the common call
      // (device or None, dtype or None, non_blocking, copy): 1.13 reads the second argument as the dtype.
      r.device = d, form = by_device;
      if (n > 1) {
        const py::handle a1 = PyTuple_GET_ITEM(args.ptr(), 1);
        if (!is_dtype(a1) && !a1.is_none()) bad_to(args, kw);
        if (is_dtype(a1)) r.dtype = a1.cast<ScalarType>();
        i = 1;
      }
    } else if (py::isinstance<Tensor>(a0)) {
      r.dtype = a0.cast<const Tensor&>().dtype(), r.device = Device(), form = by_tensor;
    } else {
      bad_to(args, kw);
    }
    i += 1;
  }
  for (std::size_t f = 0; i < n; ++i, ++f) {
    if (f >= 2 || !PyBool_Check(args[i].ptr())) bad_to(args, kw);
    *flags[f] = args[i].ptr() == Py_True;
  }
  for (auto [k, v] : kw) {
    const auto key = k.cast<std::string>();
    if (key == "dtype" && form != by_dtype && form != by_tensor && (v.is_none() || is_dtype(v))) {
      r.dtype = v.is_none() ? std::nullopt : std::optional(v.cast<ScalarType>());
    } else if (key == "device" && form == none) {
      r.device = v.is_none() ? std::nullopt : as_device(v);
      if (!v.is_none() && !r.device) bad_to(args, kw);
    } else if ((key == "non_blocking" || key == "copy") && PyBool_Check(v.ptr())) {
      *flags[key == "copy"] = v.ptr() == Py_True;
    } else if (key != "memory_format") {
      bad_to(args, kw);
    }
  }
  return r;
}

// Tensor.to: the same Python object when nothing changes, as torch.
py::object tensor_to(py::object self, py::args args, py::kwargs kw) {
  const Tensor& t = self.cast<const Tensor&>();
  const ToArgs a = parse_to(args, kw);
  Tensor out = a.device ? t.to(*a.device, a.dtype, a.copy) : t.to(a.dtype.value_or(t.dtype()), a.copy);
  return out.is_same(t) ? self : py::cast(std::move(out));
}

// torch's legacy type names, "ramp.FloatTensor" (ramp prints `ramp.` where torch prints `torch.`).
std::string type_string(ScalarType t) { return "ramp." + std::string(dtype_error_name(t)) + "Tensor"; }

// Tensor.type("torch.IntTensor") / type("ramp.IntTensor"): both prefixes name the same type.
ScalarType parse_type_string(const std::string& s) {
  std::string_view name = s;
  for (std::string_view prefix : {"torch.", "ramp."})
    if (name.starts_with(prefix)) {
      name.remove_prefix(prefix.size());
      if (name.starts_with("cuda."))
        throw Error("ramp not compiled with CUDA enabled: this build computes on the CPU only (type '" + s + "')");
      if (name == "HalfTensor" || name == "ShortTensor")
        throw TypeError("ramp has no " + std::string(name == "HalfTensor" ? "float16" : "int16") + " dtype ('" +
                        s + "'): ramp's dtypes are bool, uint8, int8, int32, int64, bfloat16, float32, float64");
      for (int i = 0; i < kNumScalarTypes; ++i)
        if (name == std::string(dtype_error_name(ScalarType(i))) + "Tensor") return ScalarType(i);
    }
  throw ValueError("invalid type: '" + s + "'");
}

py::object tensor_type(py::object self, py::object dtype, bool /*non_blocking*/, py::kwargs) {
  const Tensor& t = self.cast<const Tensor&>();
  if (dtype.is_none()) return py::str(type_string(t.dtype()));
  ScalarType dt;
  if (PyUnicode_Check(dtype.ptr()))
    dt = parse_type_string(dtype.cast<std::string>());
  else if (py::isinstance<DType>(dtype))
    dt = dtype.cast<ScalarType>();
  else
    throw TypeError("type(): argument 'dtype' must be ramp.dtype or str, not " + type_name(dtype));
  return dt == t.dtype() ? self : py::cast(t.to(dt));
}

// finfo's numbers from the type's bits: (bits, eps, max, tiny, resolution).
py::tuple finfo(ScalarType t) {
  if (!is_floating(t))
    throw TypeError("ramp.finfo() requires a floating point input type. Use ramp.iinfo to handle 'ramp.finfo'");
  return dispatch(t, [&](auto v) -> py::tuple {
    using T = decltype(v);
    if constexpr (std::is_same_v<T, BFloat16>) {
      auto from_bits = [](std::uint16_t b) {
        BFloat16 x;
        x.bits = b;
        return double(float(x));
      };
      // 8 exponent bits as float32, 7 stored mantissa bits: eps = 2^-7.
      return py::make_tuple(16, std::ldexp(1.0, -7), from_bits(0x7f7f), from_bits(0x0080), 0.01);
    } else if constexpr (std::is_floating_point_v<T>) {
      using L = std::numeric_limits<T>;
      return py::make_tuple(int(sizeof(T) * 8), double(L::epsilon()), double(L::max()), double(L::min()),
                            std::pow(10.0, -double(L::digits10)));
    } else {
      return py::tuple();
    }
  });
}

// iinfo's numbers: (bits, min, max).
py::tuple iinfo(ScalarType t) {
  if (t == ScalarType::Bool) throw TypeError("ramp.bool is not supported by ramp.iinfo");
  if (!is_integral(t))
    throw TypeError("ramp.iinfo() requires an integer input type. Use ramp.finfo to handle 'ramp.iinfo'");
  return dispatch(t, [&](auto v) -> py::tuple {
    using T = decltype(v);
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      using L = std::numeric_limits<T>;
      return py::make_tuple(int(sizeof(T) * 8), std::int64_t(L::min()), std::int64_t(L::max()));
    } else {
      return py::tuple();
    }
  });
}

}  // namespace

void init_device(py::module_& m) {
  // Tried before module.cpp's ramp::Error translator (pybind11 tries the latest first).
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const NotCompiledError& e) {
      PyErr_SetString(PyExc_AssertionError, e.what());
    }
  });

  py::class_<Device>(m, "device")
      .def(py::init(&make_device), py::arg("type"), py::arg("index") = py::none())
      .def_property_readonly("type", &Device::type_name)
      .def_property_readonly("index",
                             [](const Device& d) { return d.has_index() ? py::object(py::int_(int(d.index))) : py::none(); })
      .def("__str__", &Device::str)
      .def("__repr__",
           [](const Device& d) {
             return "device(type='" + d.type_name() + "'" +
                    (d.has_index() ? ", index=" + std::to_string(d.index) : std::string()) + ")";
           })
      .def("__eq__", [](const Device& a, py::handle b) { return py::isinstance<Device>(b) && a == b.cast<Device>(); })
      .def("__ne__", [](const Device& a, py::handle b) { return !(py::isinstance<Device>(b) && a == b.cast<Device>()); })
      .def("__hash__", [](const Device& d) { return std::hash<Device>()(d); })
      .def("__reduce__", [](py::object self) { return py::make_tuple(py::type::of(self), py::make_tuple(py::str(self))); });

  m.def(
      "_check_device",
      [](py::handle d) {
        if (d.is_none()) return;
        auto dev = as_device(d);
        if (!dev) throw TypeError("expected a ramp.device, a string or an int as device, got " + type_name(d));
        check_device(*dev);
      },
      py::arg("device"));
  // torch._C._nn._parse_to: (device, dtype, non_blocking, copy) for nn.Module.to.
  m.def("_parse_to", [](py::args args, py::kwargs kw) {
    ToArgs a = parse_to(args, kw);
    return py::make_tuple(a.device ? py::cast(*a.device) : py::none(), a.dtype ? py::cast(*a.dtype) : py::none(),
                          a.non_blocking, a.copy);
  });
  m.def("get_default_dtype", &get_default_dtype);
  m.def(
      "set_default_dtype",
      [](py::handle d) {
        if (!py::isinstance<DType>(d))
          throw TypeError("invalid dtype object: only floating-point types are supported as the default type");
        set_default_dtype(d.cast<ScalarType>());
      },
      py::arg("d"));
  m.def("_finfo", &finfo);
  m.def("_iinfo", &iinfo);

  auto dtype = py::reinterpret_borrow<py::class_<DType>>(m.attr("dtype"));
  dtype.def_property_readonly("is_signed", [](const DType& d) {
    return d.type != ScalarType::Bool && d.type != ScalarType::UInt8;
  });
  dtype.def_property_readonly("is_complex", [](const DType&) { return false; });

  auto cls = py::reinterpret_borrow<py::class_<Tensor>>(m.attr("Tensor"));
  static const py::handle cpu = py::cast(Device()).release();  // one object, never freed (outlives atexit)
  cls.def_property_readonly("device", [](const Tensor&) { return py::reinterpret_borrow<py::object>(cpu); })
      .def_property_readonly("is_cuda", &Tensor::is_cuda)
      .def_property_readonly("is_cpu", &Tensor::is_cpu)
      .def_property_readonly("is_mps", [](const Tensor&) { return false; })
      .def_property_readonly("is_meta", [](const Tensor&) { return false; })
      .def_property_readonly("is_sparse", [](const Tensor&) { return false; })
      .def_property_readonly("is_quantized", [](const Tensor&) { return false; })
      .def("get_device", [](const Tensor&) { return -1; })
      .def("to", &tensor_to)
      .def("cpu", [](py::object self, py::kwargs) { return self; })
      .def(
          "cuda",
          [](const Tensor& t, py::object device, bool, py::kwargs) {
            auto d = device.is_none() ? Device(DeviceType::CUDA) : as_device(device);
            if (!d) throw TypeError("cuda(): argument 'device' must be ramp.device, str or int, not " + type_name(device));
            if (!d->is_cuda()) throw Error("Invalid device, must be cuda device");
            return t.to(*d);
          },
          py::arg("device") = py::none(), py::arg("non_blocking") = false)
      .def("type", &tensor_type, py::arg("dtype") = py::none(), py::arg("non_blocking") = false);
  // x.half(), x.short(): dtypes ramp lacks, named in the error.
  for (auto [method, name] : {std::pair{"half", "float16"}, std::pair{"short", "int16"}})
    cls.def(method, [name = std::string(name), method = std::string(method)](const Tensor&, py::args, py::kwargs) {
      throw TypeError("Tensor." + method + "(): ramp has no " + name +
                      " dtype; ramp's dtypes are bool, uint8, int8, int32, int64, bfloat16, float32, float64");
    });
}

}  // namespace ramp::py_
