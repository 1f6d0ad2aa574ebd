// Tensor.__getitem__/__setitem__ (Python items -> ramp::indexing::TensorIndex, 1.13's rules for
// which sequences count as tuples), include/ramp/indexing.h and include/ramp/sort.h for Python.
#include <Python.h>

#include "bindings.h"
#include "ramp/autograd.h"
#include "ramp/indexing.h"
#include "ramp/sort.h"

namespace ramp::py_ {
namespace {

using indexing::TensorIndex;

bool is_str(py::handle h) { return PyUnicode_Check(h.ptr()) || PyBytes_Check(h.ptr()); }

// 1.13's treatSequenceAsTuple (NumPy's legacy rule): a short sequence holding a tensor, a
// sequence, a slice, Ellipsis or None is a tuple of items (x[[0, [1]]] is x[0, [1]]).
bool treat_as_tuple(py::handle idx) {
  if (PyTuple_Check(idx.ptr())) return true;
  if (py::isinstance<Tensor>(idx) || !PySequence_Check(idx.ptr()) || is_str(idx)) return false;
  const Py_ssize_t n = PySequence_Size(idx.ptr());
  if (n < 0) {
    PyErr_Clear();
    return false;
  }
  if (n >= 32) return false;
  for (Py_ssize_t i = 0; i < n; ++i) {
    py::object o = py::reinterpret_steal<py::object>(PySequence_GetItem(idx.ptr(), i));
    if (!o) {
      PyErr_Clear();
      return false;
    }
    if (py::isinstance<Tensor>(o) || PySequence_Check(o.ptr()) || PySlice_Check(o.ptr()) || o.is(py::ellipsis()) ||
        o.is_none())
      return true;
  }
  return false;
}

// A sequence used as an index: bools make a mask, anything else int64 indices (1.13 truncates
// floats). Lists of ints and ranges are read directly: scripts index with them in loops.
Tensor sequence_index(py::handle seq) {
  if (PyRange_Check(seq.ptr())) {
    const auto start = seq.attr("start").cast<std::int64_t>(), stop = seq.attr("stop").cast<std::int64_t>(),
               step = seq.attr("step").cast<std::int64_t>();
    return arange(start, stop, step, ScalarType::Int64);
  }
  if (PyList_Check(seq.ptr()) || PyTuple_Check(seq.ptr())) {
    const Py_ssize_t n = PySequence_Fast_GET_SIZE(seq.ptr());
    PyObject** items = PySequence_Fast_ITEMS(seq.ptr());
    bool ints = true, bools = n > 0;
    for (Py_ssize_t i = 0; i < n; ++i) {
      ints = ints && PyLong_Check(items[i]) && !PyBool_Check(items[i]);
      bools = bools && PyBool_Check(items[i]);
    }
    if (ints || bools) {
      Tensor t = empty({std::int64_t(n)}, bools ? ScalarType::Bool : ScalarType::Int64);
      for (Py_ssize_t i = 0; i < n; ++i) {
        if (bools) {
          t.data<bool>()[i] = items[i] == Py_True;
          continue;
        }
        int overflow = 0;
        const long long v = PyLong_AsLongLongAndOverflow(items[i], &overflow);
        RAMP_CHECK(!overflow, "Overflow when unpacking long");
        t.data<std::int64_t>()[i] = v;
      }
      return t;
    }
  }
  static py::handle make = py::object(py::module_::import("ramp._C").attr("tensor")).release();
  py::object data = PyList_Check(seq.ptr()) || PyTuple_Check(seq.ptr()) || py::hasattr(seq, "__array__")
                        ? py::reinterpret_borrow<py::object>(seq)
                        : py::object(py::list(py::reinterpret_borrow<py::object>(seq)));
  Tensor t = make(data).cast<Tensor>();
  return t.dtype() == ScalarType::Bool || t.dtype() == ScalarType::UInt8 ? t : t.to(ScalarType::Int64);
}

std::optional<std::int64_t> slice_bound(PyObject* o) {
  if (o == Py_None) return std::nullopt;
  return py::handle(o).cast<std::int64_t>();
}

TensorIndex to_item(py::handle h) {
  PyObject* o = h.ptr();
  if (o == Py_None) return indexing::None;
  if (o == Py_Ellipsis) return indexing::Ellipsis;
  if (PyBool_Check(o)) return o == Py_True;
  if (PyLong_Check(o)) {
    int overflow = 0;
    const long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
    RAMP_CHECK_T(IndexError, !overflow, "index out of range for a 64-bit integer");
    return std::int64_t(v);
  }
  if (PySlice_Check(o)) {
    auto* s = reinterpret_cast<PySliceObject*>(o);
    return indexing::Slice(slice_bound(s->start), slice_bound(s->stop), slice_bound(s->step).value_or(1));
  }
  if (py::isinstance<Tensor>(h)) return h.cast<Tensor>();
  if (PySequence_Check(o)) return sequence_index(h);  // before __index__: NumPy arrays have both
  if (PyIndex_Check(o)) return h.cast<std::int64_t>();  // NumPy integers
  throw IndexError(
      "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices (got " +
      type_name(h) + ")");
}

std::vector<TensorIndex> to_items(py::handle idx) {
  std::vector<TensorIndex> items;
  if (!treat_as_tuple(idx)) {
    items.push_back(to_item(idx));
    return items;
  }
  py::object seq = py::reinterpret_steal<py::object>(PySequence_Fast(idx.ptr(), "index"));
  if (!seq) throw py::error_already_set();
  const Py_ssize_t n = PySequence_Fast_GET_SIZE(seq.ptr());
  items.reserve(std::size_t(n));
  for (Py_ssize_t i = 0; i < n; ++i) items.push_back(to_item(PySequence_Fast_GET_ITEM(seq.ptr(), i)));
  return items;
}

void setitem(const Tensor& self, py::handle idx, py::handle value) {
  Scalar s;
  if (py::isinstance<Tensor>(value))
    indexing::set_item(self, to_items(idx), value.cast<const Tensor&>());
  else if (to_scalar(value, s))
    indexing::set_item(self, to_items(idx), s);
  else
    throw TypeError("can't assign a " + type_name(value) + " to a " + autograd::legacy_type_name(self.dtype()));
}

// torch.return_types.sort & co. (python/ramp/return_types.py): named (values, indices) tuples.
py::object named(const char* name, const std::tuple<Tensor, Tensor>& r) {
  static py::handle module = py::module_::import("ramp.return_types").release();
  return module.attr(name)(py::make_tuple(std::get<0>(r), std::get<1>(r)));
}

std::vector<Tensor> index_list(py::handle indices) {
  std::vector<Tensor> out;
  for (py::handle h : indices) out.push_back(h.is_none() ? Tensor() : h.cast<Tensor>());
  return out;
}

std::string reduce_arg(const std::optional<std::string>& r) { return r.value_or(""); }

}  // namespace

void init_indexing(py::module_& m) {
  using py::arg;
  auto cls = py::reinterpret_borrow<py::class_<Tensor>>(m.attr("Tensor"));
  cls.def("__getitem__", [](const Tensor& t, py::handle idx) { return indexing::get_item(t, to_items(idx)); })
      .def("__setitem__", &setitem);

  // Each op as ramp.<name>(input, ...) and as the method Tensor.<name>(...), with torch's keywords.
  auto both = [&](const char* name, auto fn, auto... args) {
    m.def(name, fn, arg("input"), args...);
    cls.def(name, fn, args...);
  };
  both("index_put",
       [](const Tensor& t, py::handle i, const Tensor& v, bool acc) { return index_put(t, index_list(i), v, acc); },
       arg("indices"), arg("values"), arg("accumulate") = false);
  cls.def(
      "index_put_",
      [](py::object self, py::handle i, const Tensor& v, bool acc) {
        index_put_(self.cast<const Tensor&>(), index_list(i), v, acc);
        return self;
      },
      arg("indices"), arg("values"), arg("accumulate") = false);

  both("gather", [](const Tensor& t, std::int64_t d, const Tensor& i, bool sg) { return gather(t, d, i, sg); },
       arg("dim"), arg("index"), py::kw_only(), arg("sparse_grad") = false);
  using Red = std::optional<std::string>;
  both("scatter",
       [](const Tensor& t, std::int64_t d, const Tensor& i, const Tensor& src, Red r) { return scatter(t, d, i, src, reduce_arg(r)); },
       arg("dim"), arg("index"), arg("src"), py::kw_only(), arg("reduce") = py::none());
  both("scatter",
       [](const Tensor& t, std::int64_t d, const Tensor& i, Scalar v, Red r) { return scatter(t, d, i, v, reduce_arg(r)); },
       arg("dim"), arg("index"), arg("value"), py::kw_only(), arg("reduce") = py::none());
  cls.def("scatter_",
          [](py::object self, std::int64_t d, const Tensor& i, const Tensor& src, Red r) {
            const Tensor& t = self.cast<const Tensor&>();
            scatter_(t, d, i, src, reduce_arg(r));
            return self;
          },
          arg("dim"), arg("index"), arg("src"), py::kw_only(), arg("reduce") = py::none());
  cls.def("scatter_",
          [](py::object self, std::int64_t d, const Tensor& i, Scalar v, Red r) {
            const Tensor& t = self.cast<const Tensor&>();
            scatter_(t, d, i, v, reduce_arg(r));
            return self;
          },
          arg("dim"), arg("index"), arg("value"), py::kw_only(), arg("reduce") = py::none());
  both("scatter_add", &scatter_add, arg("dim"), arg("index"), arg("src"));
  cls.def("scatter_add_", [](py::object self, std::int64_t d, const Tensor& i, const Tensor& s) {
            const Tensor& t = self.cast<const Tensor&>();
            scatter_add_(t, d, i, s);
            return self;
          },
          arg("dim"), arg("index"), arg("src"));

  both(
      "scatter_reduce",
      [](const Tensor& t, std::int64_t d, const Tensor& i, const Tensor& src, const std::string& r, bool self) {
        return scatter_reduce(t, d, i, src, r, self);
      },
      arg("dim"), arg("index"), arg("src"), arg("reduce"), py::kw_only(), arg("include_self") = true);
  cls.def(
      "scatter_reduce_",
      [](py::object self, std::int64_t d, const Tensor& i, const Tensor& src, const std::string& r, bool inc) {
        scatter_reduce_(self.cast<const Tensor&>(), d, i, src, r, inc);
        return self;
      },
      arg("dim"), arg("index"), arg("src"), arg("reduce"), py::kw_only(), arg("include_self") = true);
  both(
      "index_reduce",
      [](const Tensor& t, std::int64_t d, const Tensor& i, const Tensor& src, const std::string& r, bool self) {
        return index_reduce(t, d, i, src, r, self);
      },
      arg("dim"), arg("index"), arg("source"), arg("reduce"), py::kw_only(), arg("include_self") = true);
  cls.def(
      "index_reduce_",
      [](py::object self, std::int64_t d, const Tensor& i, const Tensor& src, const std::string& r, bool inc) {
        index_reduce_(self.cast<const Tensor&>(), d, i, src, r, inc);
        return self;
      },
      arg("dim"), arg("index"), arg("source"), arg("reduce"), py::kw_only(), arg("include_self") = true);
  both("masked_scatter", &masked_scatter, arg("mask"), arg("source"));
  cls.def("masked_scatter_", [](py::object self, const Tensor& mk, const Tensor& s) {
            masked_scatter_(self.cast<const Tensor&>(), mk, s);
            return self;
          },
          arg("mask"), arg("source"));
  cls.def("put", &put, arg("index"), arg("source"), arg("accumulate") = false);
  m.def("put", &put, arg("input"), arg("index"), arg("source"), arg("accumulate") = false);
  cls.def("put_", [](py::object self, const Tensor& i, const Tensor& s, bool acc) {
            put_(self.cast<const Tensor&>(), i, s, acc);
            return self;
          },
          arg("index"), arg("source"), arg("accumulate") = false);
  both("index_add", &index_add, arg("dim"), arg("index"), arg("source"), py::kw_only(), arg("alpha") = 1);
  cls.def("index_add_", [](py::object self, std::int64_t d, const Tensor& i, const Tensor& s, Scalar a) {
            const Tensor& t = self.cast<const Tensor&>();
            index_add_(t, d, i, s, a);
            return self;
          },
          arg("dim"), arg("index"), arg("source"), py::kw_only(), arg("alpha") = 1);
  both("index_fill", &index_fill, arg("dim"), arg("index"), arg("value"));
  cls.def("index_fill_", [](py::object self, std::int64_t d, const Tensor& i, Scalar v) {
            const Tensor& t = self.cast<const Tensor&>(); index_fill_(t, d, i, v);   return self;
          },
          arg("dim"), arg("index"), arg("value"));
  both("index_copy", &index_copy, arg("dim"), arg("index"), arg("source"));
  cls.def("index_copy_", [](py::object self, std::int64_t d, const Tensor& i, const Tensor& s) {
            const Tensor& t = self.cast<const Tensor&>();
            index_copy_(t, d, i, s);
            return self;
          },
          arg("dim"), arg("index"), arg("source"));

  both("masked_fill", py::overload_cast<const Tensor&, const Tensor&, const Tensor&>(&masked_fill), arg("mask"),
       arg("value"));
  both("masked_fill", py::overload_cast<const Tensor&, const Tensor&, Scalar>(&masked_fill), arg("mask"), arg("value"));
  cls.def("masked_fill_", [](py::object self, const Tensor& mk, const Tensor& v) {
            const Tensor& t = self.cast<const Tensor&>(); masked_fill_(t, mk, v);   return self;
          },
          arg("mask"), arg("value"));
  cls.def("masked_fill_", [](py::object self, const Tensor& mk, Scalar v) {
            const Tensor& t = self.cast<const Tensor&>(); masked_fill_(t, mk, v);   return self;
          },
          arg("mask"), arg("value"));
  both("masked_select", &masked_select, arg("mask"));
  both(
      "nonzero",
      [](const Tensor& t, bool as_tuple) -> py::object {
        if (!as_tuple) return py::cast(nonzero(t));
        return py::tuple(py::cast(nonzero_tuple(t)));
      },
      py::kw_only(), arg("as_tuple") = false);
  both("argwhere", &argwhere);
  both("take", &take, arg("index"));

  both(
      "sort",
      [](const Tensor& t, std::int64_t dim, bool desc, std::optional<bool> stable) {
        return named("sort", sort(t, dim, desc, stable));
      },
      arg("dim") = -1, arg("descending") = false, py::kw_only(), arg("stable") = py::none());
  both("argsort", &argsort, arg("dim") = -1, arg("descending") = false, py::kw_only(), arg("stable") = py::none());
  both("msort", &msort);
  both(
      "topk",
      [](const Tensor& t, std::int64_t k, std::int64_t dim, bool largest, bool sorted) {
        return named("topk", topk(t, k, dim, largest, sorted));
      },
      arg("k"), arg("dim") = -1, arg("largest") = true, arg("sorted") = true);
  both(
      "kthvalue",
      [](const Tensor& t, std::int64_t k, std::int64_t dim, bool keepdim) {
        return named("kthvalue", kthvalue(t, k, dim, keepdim));
      },
      arg("k"), arg("dim") = -1, arg("keepdim") = false);
}

}  // namespace ramp::py_
