// The `ramp._C` extension: exceptions, dtypes, numbers, print options, threads, memory statistics.
// The tensor, the activations and autograd are bound in tensor.cpp, activations.cpp and autograd.cpp.
#include <limits>

#include "bindings.h"
#include "ramp/allocator.h"
#include "ramp/error.h"
#include "ramp/print.h"

namespace ramp::py_ {

std::array<py::handle, kNumScalarTypes>& dtype_objects() {
  static std::array<py::handle, kNumScalarTypes> objects;  // owned references, never released
  return objects;
}

bool to_scalar(py::handle h, Scalar& out) {
  if (PyBool_Check(h.ptr())) {
    out = Scalar(h.ptr() == Py_True);
  } else if (PyLong_Check(h.ptr())) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(h.ptr(), &overflow);
    if (overflow) {
      throw Error("Overflow when unpacking long");
    } else {
      out = Scalar(std::int64_t(v));
    }
  } else if (PyFloat_Check(h.ptr())) {
    out = Scalar(PyFloat_AS_DOUBLE(h.ptr()));
  } else if (py::isinstance<Tensor>(h) || PyUnicode_Check(h.ptr()) || PyBytes_Check(h.ptr())) {
    return false;
  } else if (py::hasattr(h, "dtype") && py::str(h.attr("dtype").attr("kind")).cast<std::string>() == "b") {
    out = Scalar(PyObject_IsTrue(h.ptr()) == 1);  // numpy.bool_
  } else if (PyIndex_Check(h.ptr())) {            // NumPy integers
    out = Scalar(h.cast<std::int64_t>());
  } else if (py::hasattr(h, "__float__") && py::hasattr(h, "dtype")) {  // NumPy floats
    out = Scalar(h.cast<double>());
  } else {
    return false;
  }
  return true;
}

py::object from_scalar(const Scalar& s) {
  switch (s.kind) {
    case Scalar::Kind::Bool:
      return py::bool_(s.i != 0);
    case Scalar::Kind::Int:
      return py::int_(s.i);
    case Scalar::Kind::Float:
      return py::float_(s.d);
  }
  return py::none();
}

namespace {

// torch.set_printoptions: a profile first, then the named options; sci_mode is always assigned.
void set_printoptions(std::optional<int> precision, py::object threshold, std::optional<int> edgeitems,
                      std::optional<int> linewidth, std::optional<std::string> profile,
                      std::optional<bool> sci_mode) {
  if (profile) set_printoptions_profile(*profile);
  std::optional<std::int64_t> thr;
  if (!threshold.is_none()) {
    double d = threshold.cast<double>();
    thr = d >= 9.2e18 ? std::numeric_limits<std::int64_t>::max() : std::int64_t(d);
  }
  ramp::set_printoptions(precision, thr, edgeitems, linewidth, {});
  print_options().sci_mode = sci_mode;
}

py::dict printoptions() {
  const PrintOptions& o = print_options();
  py::dict d;
  d["precision"] = o.precision;
  d["threshold"] = o.threshold == std::numeric_limits<std::int64_t>::max()
                       ? py::object(py::float_(INFINITY))
                       : py::object(py::int_(o.threshold));
  d["edgeitems"] = o.edgeitems;
  d["linewidth"] = o.linewidth;
  d["sci_mode"] = o.sci_mode ? py::object(py::bool_(*o.sci_mode)) : py::object(py::none());
  return d;
}

}  // namespace
}  // namespace ramp::py_

PYBIND11_MODULE(_C, m) {
  using namespace ramp;
  using namespace ramp::py_;
  m.doc() = "ramp: PyTorch 1.13's ReLU family in C++";

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const ramp::TypeError& e) {
      PyErr_SetString(PyExc_TypeError, e.what());
    } catch (const ramp::IndexError& e) {
      PyErr_SetString(PyExc_IndexError, e.what());
    } catch (const ramp::ValueError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const ramp::NotImplementedError& e) {
      PyErr_SetString(PyExc_NotImplementedError, e.what());
    } catch (const ramp::Error& e) {
      PyErr_SetString(PyExc_RuntimeError, e.what());
    }
  });

  py::class_<DType>(m, "dtype")
      .def("__repr__", [](const DType& d) { return "ramp." + std::string(dtype_name(d.type)); })
      .def_property_readonly("is_floating_point", [](const DType& d) { return is_floating(d.type); })
      .def_property_readonly("itemsize", [](const DType& d) { return element_size(d.type); })
      .def("__reduce__", [](const DType& d) { return std::string(dtype_name(d.type)); });
  for (int i = 0; i < kNumScalarTypes; ++i) {
    auto t = ScalarType(i);
    py::object o = py::cast(DType{t});
    dtype_objects()[std::size_t(i)] = o.inc_ref();
    m.attr(std::string(dtype_name(t)).c_str()) = o;
  }

  m.def("set_num_threads", &set_num_threads, py::arg("num"));
  m.def("get_num_threads", &get_num_threads);
  m.def("set_printoptions", &py_::set_printoptions, py::arg("precision") = py::none(),
        py::arg("threshold") = py::none(), py::arg("edgeitems") = py::none(),
        py::arg("linewidth") = py::none(), py::arg("profile") = py::none(), py::arg("sci_mode") = py::none());
  m.def("_printoptions", &py_::printoptions);
  m.def("_python_float_repr", &python_float_repr);

  auto mem = m.def_submodule("memory", "the caching allocator's statistics");
  mem.def("stats", [] {
    memory::Stats s = memory::stats();
    py::dict d;
    d["allocated"] = s.allocated;
    d["cached"] = s.cached;
    d["peak_allocated"] = s.peak_allocated;
    d["num_allocs"] = s.num_allocs;
    d["cache_hits"] = s.cache_hits;
    return d;
  });
  mem.def("empty_cache", &memory::empty_cache);
  mem.def("reset_peak_stats", &memory::reset_peak_stats);
  mem.def("set_cache_limit", &memory::set_cache_limit, py::arg("bytes"));

  init_tensor(m);
  init_activations(m);
  init_autograd(m);
  init_ops(m);
  init_optim(m);
  init_io(m);
  init_pt(m);
  init_nn(m);
  init_arith(m);
  init_device(m);
  init_reduce(m);
  init_elementwise(m);
  init_random(m);
  init_shape(m);
  init_stack_split(m);
  init_products(m);
  init_report(m);
  init_indexing(m);
  init_function(m);
  enable_gc(m);
  init_select(m);
  init_distributed(m);
}
