// ramp.Tensor: construction from Python data, zero-copy NumPy and DLPack exchange,
// arithmetic, reductions and the factories.
#include <dlpack.h>
#include <pybind11/numpy.h>
#include <pybind11/operators.h>

#include <cstring>

#include "bindings.h"
#include "ramp/elementwise.h"
#include "ramp/print.h"

namespace ramp::py_ {
namespace {

// ramp.Size (a tuple subclass defined in Python, registered by the package's __init__).
py::handle& size_class() {
  static py::handle cls;
  return cls;
}
py::object to_size(IntArrayRef s) {
  py::tuple t(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) t[i] = s[i];
  return size_class() ? size_class()(t) : py::object(t);
}
py::tuple to_tuple(IntArrayRef s) {
  py::tuple t(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) t[i] = s[i];
  return t;
}

}  // namespace

// Sizes given as varargs (2, 3) or as one sequence ((2, 3)), as torch.zeros accepts them.
std::vector<std::int64_t> int_list(const py::args& args) {
  py::handle seq = args;
  if (args.size() == 1 && !PyIndex_Check(args[0].ptr())) seq = args[0];
  if (!py::isinstance<py::sequence>(seq) || py::isinstance<py::str>(seq))
    throw TypeError("expected a sequence of integers or integers, got " + type_name(seq));
  std::vector<std::int64_t> out;
  for (py::handle h : seq) {
    if (!PyIndex_Check(h.ptr()))
      throw TypeError("expected a sequence of integers, but found an element of type " + type_name(h));
    out.push_back(h.cast<std::int64_t>());
  }
  return out;
}
std::vector<std::int64_t> int_list(py::handle h) {
  if (PyIndex_Check(h.ptr())) return {h.cast<std::int64_t>()};
  py::args a = py::make_tuple(h);
  return int_list(a);
}

namespace {

bool numpy_loaded() { return PyDict_GetItemString(PyImport_GetModuleDict(), "numpy") != nullptr; }
bool is_ndarray(py::handle h) { return numpy_loaded() && py::isinstance<py::array>(h); }

// Drops a Python reference from any thread (storage may die where the GIL is not held).
void decref_owner(void* owner) {
  if (!Py_IsInitialized()) return;  // interpreter gone: leak rather than crash
  py::gil_scoped_acquire gil;
  Py_DECREF(static_cast<PyObject*>(owner));
}

// ---- NumPy ----
ScalarType dtype_from_numpy(const py::dtype& d) {
  const char kind = d.kind();
  const auto size = d.itemsize();
  if (d.attr("isnative").cast<bool>()) {
    if (kind == 'f' && size == 4) return ScalarType::Float32;
    if (kind == 'f' && size == 8) return ScalarType::Float64;
    if (kind == 'i' && size == 1) return ScalarType::Int8;
    if (kind == 'i' && size == 4) return ScalarType::Int32;
    if (kind == 'i' && size == 8) return ScalarType::Int64;
    if (kind == 'u' && size == 1) return ScalarType::UInt8;
    if (kind == 'b') return ScalarType::Bool;
  }
  throw TypeError("can't convert np.ndarray of type numpy." + std::string(py::str(d.attr("name"))) +
                  ". The only supported types are: float64, float32, int64, int32, int8, uint8, and bool.");
}

Tensor from_numpy(py::handle obj) {
  if (!is_ndarray(obj)) throw TypeError("expected np.ndarray (got " + type_name(obj) + ")");
  auto arr = py::reinterpret_borrow<py::array>(obj);
  ScalarType dt = dtype_from_numpy(arr.dtype());
  const auto esize = arr.itemsize();
  std::vector<std::int64_t> sizes(arr.shape(), arr.shape() + arr.ndim()), strides;
  for (py::ssize_t i = 0; i < arr.ndim(); ++i) {
    py::ssize_t s = arr.strides()[i];
    if (s < 0)
      throw ValueError(
          "At least one stride in the given numpy array is negative, and tensors with negative "
          "strides are not currently supported. (You can probably work around this by making a "
          "copy of your array  with array.copy().) ");
    if (s % esize)
      throw ValueError(
          "given numpy array strides not a multiple of the element byte size. Copy the numpy "
          "array to reallocate the memory.");
    strides.push_back(s / esize);
  }
  return from_blob(const_cast<void*>(arr.data()), sizes, strides, dt, decref_owner, arr.inc_ref().ptr());
}

py::array to_numpy(const Tensor& t) {
  RAMP_CHECK(!t.requires_grad(), "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.");
  if (t.dtype() == ScalarType::BFloat16) throw TypeError("Got unsupported ScalarType BFloat16");
  std::vector<py::ssize_t> sizes(t.sizes().begin(), t.sizes().end()), strides;
  for (auto s : t.strides()) strides.push_back(py::ssize_t(s * std::int64_t(t.element_size())));
  // The array's base keeps a reference to the storage.
  py::capsule owner(new Tensor(t), [](void* p) { delete static_cast<Tensor*>(p); });
  return py::array(py::dtype(std::string(dtype_name(t.dtype()))), sizes, strides, t.data_ptr(), owner);
}

// ---- DLPack ----
DLDataType dl_dtype(ScalarType t) {
  DLDataType d{kDLFloat, std::uint8_t(element_size(t) * 8), 1};
  switch (t) {
    case ScalarType::Bool:
      throw Error("Bool type is not supported by dlpack");  // as PyTorch 1.13
    case ScalarType::UInt8:
      d.code = kDLUInt;
      break;
    case ScalarType::Int8:
    case ScalarType::Int32:
    case ScalarType::Int64:
      d.code = kDLInt;
      break;
    case ScalarType::BFloat16:
      d.code = kDLBfloat;
      break;
    default:
      break;
  }
  return d;
}
ScalarType from_dl_dtype(DLDataType d) {
  RAMP_CHECK(d.lanes == 1, "ramp does not support lanes != 1 in DLPack");
  constexpr std::uint8_t kDLBool = 6;  // DLPack >= 0.8
  const int bits = d.bits;
  if (d.code == kDLFloat && bits == 32) return ScalarType::Float32;
  if (d.code == kDLFloat && bits == 64) return ScalarType::Float64;
  if (d.code == kDLBfloat && bits == 16) return ScalarType::BFloat16;
  if (d.code == kDLInt && bits == 8) return ScalarType::Int8;
  if (d.code == kDLInt && bits == 32) return ScalarType::Int32;
  if (d.code == kDLInt && bits == 64) return ScalarType::Int64;
  if (d.code == kDLUInt && bits == 8) return ScalarType::UInt8;
  if (d.code == kDLBool && bits == 8) return ScalarType::Bool;
  throw Error(detail::cat("Unsupported DLPack data type: code ", int(d.code), ", bits ", bits));
}

struct DLContext {
  Tensor tensor;
  std::vector<std::int64_t> shape, strides;
  DLManagedTensor managed{};
};

py::capsule to_dlpack(const Tensor& t) {
  auto* ctx =
      new DLContext{t, {t.sizes().begin(), t.sizes().end()}, {t.strides().begin(), t.strides().end()}};
  DLTensor& dl = ctx->managed.dl_tensor;
  try {
    dl.dtype = dl_dtype(t.dtype());
  } catch (...) {
    delete ctx;
    throw;
  }
  dl.data = t.data_ptr();
  dl.device = {kDLCPU, 0};
  dl.ndim = int(t.dim());
  dl.shape = ctx->shape.data();
  dl.strides = ctx->strides.data();
  dl.byte_offset = 0;
  ctx->managed.manager_ctx = ctx;
  ctx->managed.deleter = [](DLManagedTensor* self) { delete static_cast<DLContext*>(self->manager_ctx); };
  // An unconsumed capsule frees the tensor itself; a consumer renames it and calls the deleter.
  PyObject* cap = PyCapsule_New(&ctx->managed, "dltensor", [](PyObject* c) {
    if (PyCapsule_IsValid(c, "dltensor")) {
      auto* m = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(c, "dltensor"));
      m->deleter(m);
    }
  });
  if (!cap) {
    delete ctx;
    throw py::error_already_set();
  }
  return py::reinterpret_steal<py::capsule>(cap);
}

void release_dlpack(void* p) {
  auto* m = static_cast<DLManagedTensor*>(p);
  if (!m->deleter || !Py_IsInitialized()) return;
  py::gil_scoped_acquire gil;  // producers' deleters may touch Python objects (NumPy's does)
  m->deleter(m);
}

Tensor from_dlpack(py::handle obj) {
  py::object cap;
  if (py::hasattr(obj, "__dlpack__")) {
    if (py::hasattr(obj, "__dlpack_device__")) {
      auto dev = obj.attr("__dlpack_device__")().cast<std::pair<int, int>>();
      RAMP_CHECK(dev.first == kDLCPU, "ramp.from_dlpack: only CPU tensors are supported, got device type ",
                 dev.first);
    }
    cap = obj.attr("__dlpack__")();
  } else {
    cap = py::reinterpret_borrow<py::object>(obj);
  }
  if (!PyCapsule_IsValid(cap.ptr(), "dltensor"))
    throw ValueError(
        "from_dlpack received an invalid capsule. Note that DLTensor capsules can be consumed only once, so "
        "you might have already constructed a tensor from it once.");
  auto* m = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(cap.ptr(), "dltensor"));
  const DLTensor& dl = m->dl_tensor;
  RAMP_CHECK(dl.device.device_type == kDLCPU || dl.device.device_type == kDLCUDAHost,
             "ramp.from_dlpack: only CPU tensors are supported, got device type ",
             int(dl.device.device_type));
  ScalarType dt = from_dl_dtype(dl.dtype);
  std::vector<std::int64_t> sizes(dl.shape, dl.shape + dl.ndim), strides;
  if (dl.strides) {
    strides.assign(dl.strides, dl.strides + dl.ndim);
  } else {
    Dims cs = contiguous_strides(sizes);
    strides.assign(cs.begin(), cs.end());
  }
  void* data = static_cast<char*>(dl.data) + dl.byte_offset;
  Tensor t = from_blob(data, sizes, strides, dt, release_dlpack, m);
  PyCapsule_SetName(cap.ptr(), "used_dltensor");  // consumed: the tensor now owns the deleter
  return t;
}

// ---- from Python data (ramp.tensor), with PyTorch's errors ----
struct Leaves {
  std::vector<std::int64_t> shape;
  std::vector<Scalar> values;
  int category = -1;     // highest seen: 0 bool, 1 int, 2 float
  std::string bad_leaf;  // a sequence where a number belongs ("[1, [2]]")
};

// Lists, tuples and ranges (torch.tensor(range(3)) is a tensor of 0, 1, 2).
bool is_nested(py::handle h) { return PyList_Check(h.ptr()) || PyTuple_Check(h.ptr()) || PyRange_Check(h.ptr()); }

void add_leaf(py::handle h, std::size_t depth, Leaves& out) {
  Scalar s;
  if (py::isinstance<Tensor>(h)) {
    s = h.cast<const Tensor&>().item();
  } else if (!to_scalar(h, s)) {
    if (PyUnicode_Check(h.ptr()) && depth > 0) throw ValueError("too many dimensions 'str'");
    if (PyUnicode_Check(h.ptr())) throw TypeError("new(): invalid data type 'str'");
    throw Error("Could not infer dtype of " + type_name(h));
  }
  out.category = std::max(out.category, s.kind == Scalar::Kind::Bool  ? 0
                                        : s.kind == Scalar::Kind::Int ? 1
                                                                      : 2);
  out.values.push_back(s);
}

void collect(py::handle h, std::size_t depth, Leaves& out) {
  if (depth < out.shape.size()) {
    if (!is_nested(h) && !py::isinstance<Tensor>(h)) throw TypeError("not a sequence");
    py::object items = py::isinstance<Tensor>(h) ? h.attr("tolist")() : py::reinterpret_borrow<py::object>(h);
    auto seq = py::reinterpret_borrow<py::sequence>(items);
    if (std::int64_t(seq.size()) != out.shape[depth])
      throw ValueError("expected sequence of length " + std::to_string(out.shape[depth]) + " at dim " +
                       std::to_string(depth) + " (got " + std::to_string(seq.size()) + ")");
    for (py::handle item : seq) collect(item, depth + 1, out);
  } else if (is_nested(h)) {  // still counts towards the dtype, as in PyTorch
    if (out.bad_leaf.empty()) out.bad_leaf = type_name(h);
    Leaves inner;
    for (py::handle item : py::reinterpret_borrow<py::sequence>(h)) collect(item, 0, inner);
    out.category = std::max(out.category, inner.category);
  } else {
    add_leaf(h, depth, out);
  }
}

Tensor tensor_from_data(py::handle data, std::optional<ScalarType> dtype) {
  if (py::isinstance<Tensor>(data)) {
    const Tensor t = data.cast<const Tensor&>().detach();  // a copy without t's graph, as torch
    return t.to(dtype.value_or(t.dtype()), /*copy=*/true).contiguous();
  }
  if (numpy_loaded() && !is_nested(data) &&
      (is_ndarray(data) || py::isinstance(data, py::module_::import("numpy").attr("generic")))) {
    Tensor src = from_numpy(py::module_::import("numpy").attr("asarray")(data));
    return src.to(dtype.value_or(src.dtype()), /*copy=*/true);  // keeps a dense layout, as PyTorch
  }
  Leaves leaves;
  for (py::object h = py::reinterpret_borrow<py::object>(data); is_nested(h);) {
    auto seq = py::reinterpret_borrow<py::sequence>(h);
    leaves.shape.push_back(std::int64_t(seq.size()));
    if (!seq.size()) break;
    h = seq[0];
    if (py::isinstance<Tensor>(h)) {
      for (auto s : h.cast<const Tensor&>().sizes()) leaves.shape.push_back(s);
      break;
    }
  }
  collect(data, 0, leaves);
  ScalarType dt = dtype.value_or(leaves.category == 0   ? ScalarType::Bool
                                 : leaves.category == 1 ? ScalarType::Int64
                                                        : get_default_dtype());
  if (!leaves.bad_leaf.empty())
    throw TypeError(is_floating(dt) ? "must be real number, not " + leaves.bad_leaf
                                    : "'" + leaves.bad_leaf + "' object cannot be interpreted as an integer");
  for (const Scalar& v : leaves.values)
    RAMP_CHECK(!overflows(v, dt), "value cannot be converted to type ", dtype_name(dt), " without overflow");
  Tensor out = empty(leaves.shape, dt);
  dispatch(dt, [&](auto v) {
    using T = decltype(v);
    T* p = static_cast<T*>(out.data_ptr());
    for (std::size_t i = 0; i < leaves.values.size(); ++i) p[i] = leaves.values[i].to<T>();
  });
  return out;
}

// ---- values to Python ----
py::object element(const Tensor& t, std::int64_t flat) {
  return dispatch(t.dtype(), [&](auto v) -> py::object {
    using T = decltype(v);
    T x = static_cast<const T*>(t.data_ptr())[flat];
    if constexpr (std::is_same_v<T, bool>)
      return py::bool_(x);
    else if constexpr (std::is_integral_v<T>)
      return py::int_(std::int64_t(x));
    else
      return py::float_(double(x));
  });
}
py::object tolist(const Tensor& t) {
  Tensor c = t.contiguous();
  std::int64_t next = 0;
  auto build = [&](auto&& self, std::size_t d) -> py::object {
    if (d == std::size_t(c.dim())) return element(c, next++);
    py::list l;
    for (std::int64_t i = 0; i < c.sizes()[d]; ++i) l.append(self(self, d + 1));
    return l;
  };
  return build(build, 0);
}

// Tensor.item() and the number conversions: torch's ValueError for anything but one element.
Scalar py_item(const Tensor& t) {
  RAMP_CHECK_T(ValueError, t.numel() == 1, "only one element tensors can be converted to Python scalars");
  return t.item();
}

// ---- arithmetic: tensors and Python numbers on either side ----
enum class Op { add, sub, mul, div };
// a op b for any mix of Tensor and Scalar the C++ operators take.
template <class L, class R>
Tensor binary(Op op, const L& a, const R& b) {
  switch (op) {
    case Op::add: return a + b;
    case Op::sub: return a - b;
    case Op::mul: return a * b;
    case Op::div: return a / b;
  }
  return {};
}
template <class T>
void binary_(Op op, Tensor& a, const T& b) {
  switch (op) {
    case Op::add: a.add_(b); break;
    case Op::sub: a.sub_(b); break;
    case Op::mul: a.mul_(b); break;
    case Op::div: a.div_(b); break;
  }
}

template <class Cls>
void def_arith(Cls& cls, const char* name, Op op) {
  std::string n(name);
  cls.def(("__" + n + "__").c_str(), [op](const Tensor& a, const Tensor& b) { return binary(op, a, b); },
          py::is_operator());
  cls.def(("__" + n + "__").c_str(), [op](const Tensor& a, const Scalar& b) { return binary(op, a, b); },
          py::is_operator());
  // 1.13's Tensor.__rtruediv__ is self.reciprocal() * other (its rounding and its MulBackward0)
  cls.def(("__r" + n + "__").c_str(),
          [op](const Tensor& a, const Scalar& b) { return op == Op::div ? reciprocal(a).mul(b) : binary(op, b, a); },
          py::is_operator());
  // In place: returns the same Python object.
  cls.def(("__i" + n + "__").c_str(),
          [op](py::object self, const Tensor& b) {
            binary_(op, self.cast<Tensor&>(), b);
            return self;
          },
          py::is_operator());
  cls.def(("__i" + n + "__").c_str(),
          [op](py::object self, const Scalar& b) {
            binary_(op, self.cast<Tensor&>(), b);
            return self;
          },
          py::is_operator());
}

Tensor like(const Tensor& t, std::optional<ScalarType> dtype, Scalar fill) {
  Tensor out = empty_like(t, dtype);
  out.fill_(fill);
  return out;
}

}  // namespace

void init_tensor(py::module_& m) {
  m.def("_set_size_class", [](py::object cls) { size_class() = cls.release(); });

  // dynamic_attr: tensors take attributes as torch's do, and the type is GC-tracked, so Python's
  // collector can break cycles through a tensor's hooks (gc.cpp).
  py::class_<Tensor> cls(m, "Tensor", py::dynamic_attr());
  // ramp.Tensor(t): a tensor sharing t's data and version counter without its graph (torch's
  // legacy Tensor(other) aliases too); what Python subclasses (nn.Parameter) build on.
  cls.def(py::init([](const Tensor& t) { return t.detach(); }), py::arg("data"))
      // Otherwise 1.13's legacy constructor: ramp.Tensor([1, 2]) is float32 data, ramp.Tensor(2, 3)
      // an uninitialised [2, 3] (python/ramp/_legacy.py).
      .def(py::init([](const py::args& args, const py::kwargs& kw) {
        return py::module_::import("ramp._legacy").attr("tensor_new")(*args, **kw).cast<Tensor>();
      }))
      .def("__repr__", &tensor_repr)
      .def("__str__", &tensor_repr)
      .def_property_readonly("dtype", &Tensor::dtype)
      .def_property_readonly("shape", [](const Tensor& t) { return to_size(t.sizes()); })
      .def(
          "size",
          [](const Tensor& t, std::optional<std::int64_t> d) -> py::object {
            if (d) return py::int_(t.size(*d));
            return to_size(t.sizes());
          },
          py::arg("dim") = py::none())
      .def(
          "stride",
          [](const Tensor& t, std::optional<std::int64_t> d) -> py::object {
            if (d) return py::int_(t.stride(*d));
            return to_tuple(t.strides());
          },
          py::arg("dim") = py::none())
      .def("dim", &Tensor::dim)
      .def_property_readonly("ndim", &Tensor::dim)
      .def("numel", &Tensor::numel)
      .def("nelement", &Tensor::numel)
      .def("element_size", &Tensor::element_size)
      .def("storage_offset", &Tensor::storage_offset)
      .def("data_ptr", [](const Tensor& t) { return reinterpret_cast<std::uintptr_t>(t.data_ptr()); })
      .def_property_readonly("_version", &Tensor::version)
      .def("is_contiguous", &Tensor::is_contiguous)
      .def("is_floating_point", [](const Tensor& t) { return is_floating(t.dtype()); })
      .def("_is_same", &Tensor::is_same)
      .def("__len__",
           [](const Tensor& t) {
             RAMP_CHECK_T(TypeError, t.dim() > 0, "len() of a 0-d tensor");
             return t.size(0);
           })
      .def("__iter__",
           [](const Tensor& t) {
             RAMP_CHECK_T(TypeError, t.dim() > 0, "iteration over a 0-d tensor");
             py::list rows;
             for (std::int64_t i = 0; i < t.size(0); ++i) rows.append(t.select(0, i));
             return py::iter(rows);
           })
      // __getitem__ / __setitem__: python/src/indexing.cpp
      // Views.
      .def("view", [](const Tensor& t, py::args s) { return t.view(int_list(s)); })
      .def("reshape", [](const Tensor& t, py::args s) { return t.reshape(int_list(s)); })
      .def("expand", [](const Tensor& t, py::args s) { return t.expand(int_list(s)); })
      .def("permute", [](const Tensor& t, py::args s) { return t.permute(int_list(s)); })
      .def("transpose", &Tensor::transpose, py::arg("dim0"), py::arg("dim1"))
      .def("t", &Tensor::t)
      .def_property_readonly("T",
                             [](const Tensor& t) {
                               std::vector<std::int64_t> p(std::size_t(t.dim()));
                               for (std::size_t i = 0; i < p.size(); ++i)
                                 p[i] = std::int64_t(p.size() - 1 - i);
                               return t.permute(p);
                             })
      .def(
          "squeeze",
          [](const Tensor& t, std::optional<std::int64_t> d) { return d ? t.squeeze(*d) : t.squeeze(); },
          py::arg("dim") = py::none())
      .def("unsqueeze", &Tensor::unsqueeze, py::arg("dim"))
      .def("narrow", &Tensor::narrow, py::arg("dim"), py::arg("start"), py::arg("length"))
      .def("select", &Tensor::select, py::arg("dim"), py::arg("index"))
      .def("expand_as", &Tensor::expand_as)
      .def("view_as", [](const Tensor& t, const Tensor& o) { return t.view(o.sizes()); })
      .def("detach", &Tensor::detach)
      // Copies and conversions.
      .def("contiguous", &Tensor::contiguous)
      .def("clone", &Tensor::clone)
      .def("type_as", [](const Tensor& t, const Tensor& o) { return t.to(o.dtype()); })
      .def(
          "copy_",
          [](py::object self, const Tensor& src) {
            self.cast<Tensor&>().copy_(src);
            return self;
          },
          py::arg("src"))
      .def(
          "fill_",
          [](py::object self, const Scalar& v) {
            self.cast<Tensor&>().fill_(v);
            return self;
          },
          py::arg("value"))
      .def("zero_",
           [](py::object self) {
             self.cast<Tensor&>().zero_();
             return self;
           })
      // Values.
      .def("item", &py_item)
      .def("tolist", &tolist)
      .def("__float__", [](const Tensor& t) { return py_item(t).to_double(); })
      // Floating values go through Python's int(float): NaN -> ValueError, inf -> OverflowError, as torch.
      .def("__int__",
           [](const Tensor& t) -> py::object {
             const Scalar s = py_item(t);
             if (!s.is_floating()) return py::int_(s.i);
             PyObject* r = PyLong_FromDouble(s.d);
             if (!r) throw py::error_already_set();
             return py::reinterpret_steal<py::object>(r);
           })
      .def("__bool__",
           [](const Tensor& t) {
             RAMP_CHECK(t.numel() != 0, "Boolean value of Tensor with no values is ambiguous");
             RAMP_CHECK(t.numel() == 1, "Boolean value of Tensor with more than one value is ambiguous");
             return t.item().to<bool>();
           })
      .def("__index__",
           [](const Tensor& t) {
             RAMP_CHECK_T(TypeError, is_integral(t.dtype(), true) && t.numel() == 1,
                          "only integer tensors of a single element can be converted to an index");
             return t.item().i;
           })
      .def("numpy", &to_numpy)
      .def(
          "__dlpack__",
          [](const Tensor& t, py::object stream) {
            RAMP_CHECK_T(TypeError, stream.is_none() || stream.equal(py::int_(-1)),
                         "ramp tensors live on the CPU: stream must be None");
            return to_dlpack(t);
          },
          py::arg("stream") = py::none())
      .def("__dlpack_device__", [](const Tensor&) { return py::make_tuple(int(kDLCPU), 0); })
      .def("__neg__", [](const Tensor& t) { return -t; });  // (__pos__ is positive's: elementwise.cpp)
  def_arith(cls, "add", Op::add);
  def_arith(cls, "sub", Op::sub);
  def_arith(cls, "mul", Op::mul);
  def_arith(cls, "truediv", Op::div);
  for (int i = 0; i < kNumScalarTypes; ++i) {  // x.float(), x.long(), ... (torch's method names)
    static const char* names[] = {"bool", "byte", "char", "int", "long", "bfloat16", "float", "double"};
    auto t = ScalarType(i);
    // The same object when the dtype already matches (torch: x.float() is x).
    cls.def(names[i], [t](py::object x) { return x.cast<const Tensor&>().dtype() == t ? x : py::cast(x.cast<const Tensor&>().to(t)); });
  }

  // ---- construction and exchange ----
  m.def(
      "tensor",
      [](py::handle data, std::optional<ScalarType> dtype, bool rg) {
        return factory_requires_grad(tensor_from_data(data, dtype), rg);
      },
      py::arg("data"), py::kw_only(), py::arg("dtype") = py::none(), py::arg("requires_grad") = false);
  m.def(
      "as_tensor",
      [](py::handle data, std::optional<ScalarType> dtype) {
        if (py::isinstance<Tensor>(data))
          return data.cast<Tensor>().to(dtype.value_or(data.cast<const Tensor&>().dtype()));
        if (is_ndarray(data) &&
            (!dtype || *dtype == dtype_from_numpy(py::reinterpret_borrow<py::array>(data).dtype())))
          return from_numpy(data);
        return tensor_from_data(data, dtype);
      },
      py::arg("data"), py::arg("dtype") = py::none());
  m.def("from_numpy", &from_numpy, py::arg("ndarray"));
  m.def("from_dlpack", &from_dlpack, py::arg("ext_tensor"));
  m.def("to_dlpack", &to_dlpack, py::arg("tensor"));

  // ---- factories: sizes as varargs or one sequence; `requires_grad=` on each, as torch ----
  const auto rg = py::arg("requires_grad") = false;
  auto def_sized = [&](const char* name, auto make) {
    m.def(
        name,
        [make](py::args size, std::optional<ScalarType> dtype, bool requires_grad) {
          return factory_requires_grad(make(int_list(size), dtype), requires_grad);
        },
        py::kw_only(), py::arg("dtype") = py::none(), rg);
  };
  def_sized("zeros", [](IntArrayRef s, std::optional<ScalarType> t) { return zeros(s, t); });
  def_sized("ones", [](IntArrayRef s, std::optional<ScalarType> t) { return ones(s, t); });
  def_sized("empty", [](IntArrayRef s, std::optional<ScalarType> t) { return empty(s, t); });
  m.def(
      "full",
      [](py::handle size, const Scalar& v, std::optional<ScalarType> dtype, bool requires_grad) {
        return factory_requires_grad(full(int_list(size), v, dtype), requires_grad);
      },
      py::arg("size"), py::arg("fill_value"), py::kw_only(), py::arg("dtype") = py::none(), rg);
  m.def(
      "zeros_like",
      [](const Tensor& t, std::optional<ScalarType> dt, bool r) { return factory_requires_grad(like(t, dt, 0), r); },
      py::arg("input"), py::kw_only(), py::arg("dtype") = py::none(), rg);
  m.def(
      "ones_like",
      [](const Tensor& t, std::optional<ScalarType> dt, bool r) { return factory_requires_grad(like(t, dt, 1), r); },
      py::arg("input"), py::kw_only(), py::arg("dtype") = py::none(), rg);
  m.def(
      "empty_like",
      [](const Tensor& t, std::optional<ScalarType> dt, bool r) {
        return factory_requires_grad(empty_like(t, dt), r);
      },
      py::arg("input"), py::kw_only(), py::arg("dtype") = py::none(), rg);
  m.def(
      "full_like",
      [](const Tensor& t, const Scalar& v, std::optional<ScalarType> dt, bool r) {
        return factory_requires_grad(like(t, dt, v), r);
      },
      py::arg("input"), py::arg("fill_value"), py::kw_only(), py::arg("dtype") = py::none(), rg);
  m.def(
      "arange",
      [](const Scalar& a, std::optional<Scalar> b, const Scalar& step, std::optional<ScalarType> dt, bool r) {
        return factory_requires_grad(b ? arange(a, *b, step, dt) : arange(0, a, step, dt), r);
      },
      py::arg("start"), py::arg("end") = py::none(), py::arg("step") = 1, py::kw_only(),
      py::arg("dtype") = py::none(), rg);
  m.def(
      "linspace",
      [](const Scalar& start, const Scalar& end, std::int64_t steps, std::optional<ScalarType> dt, bool r) {
        return factory_requires_grad(linspace(start, end, steps, dt), r);
      },
      py::arg("start"), py::arg("end"), py::arg("steps"), py::kw_only(), py::arg("dtype") = py::none(), rg);
  m.def(
      "scalar_tensor",
      [](const Scalar& v, std::optional<ScalarType> dt, bool r) {
        return factory_requires_grad(scalar_tensor(v, dt.value_or(get_default_dtype())), r);
      },
      py::arg("s"), py::kw_only(), py::arg("dtype") = py::none(), rg);
}

}  // namespace ramp::py_
