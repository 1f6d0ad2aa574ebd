// include/ramp/ops.h for Python: ramp.mm/bmm/mv/dot/addmm/matmul/pow/cat/stack, the
// comparisons, index_select and clamp with torch's keyword names, the matching
// Tensor methods, and the operators @ ** == != < <= > >= abs() (with their reflections).
#include "ramp/ops.h"

#include "bindings.h"

namespace ramp::py_ {

// A list or tuple of tensors, with torch's error for anything else in it.
std::vector<Tensor> tensor_list(py::handle seq, const char* fn) {
  if (!PyList_Check(seq.ptr()) && !PyTuple_Check(seq.ptr()))
    throw TypeError(detail::cat(fn, "(): argument 'tensors' (position 1) must be tuple of Tensors, not ",
                                type_name(seq)));
  std::vector<Tensor> out;
  std::size_t i = 0;
  for (py::handle h : seq) {
    if (!py::isinstance<Tensor>(h))
      throw TypeError(
          detail::cat("expected Tensor as element ", i, " in argument 0, but got ", type_name(h)));
    out.push_back(h.cast<Tensor>());
    ++i;
  }
  return out;
}

namespace {

// torch's Tensor.__rpow__: the number becomes a 0-d tensor of the result type first, so the graph
// records PowBackward1 (ramp.pow(2, x) records PowBackward2).
Tensor rpow(const Tensor& self, const Scalar& base) {
  return pow(scalar_tensor(base, result_type(self, base)), self);
}

// The comparisons: ramp.eq(a, b) and a == b for tensors and numbers on either side (Python reflects
// 2 < x into x > 2 itself).
using Compare = Tensor (*)(const Tensor&, const Tensor&);
using CompareScalar = Tensor (*)(const Tensor&, Scalar);
struct Comparison {
  const char *name, *dunder;
  Compare tensor;
  CompareScalar scalar;
};
const Comparison kComparisons[] = {{"eq", "__eq__", &eq, &eq}, {"ne", "__ne__", &ne, &ne},
                                   {"lt", "__lt__", &lt, &lt}, {"le", "__le__", &le, &le},
                                   {"gt", "__gt__", &gt, &gt}, {"ge", "__ge__", &ge, &ge}};

Tensor clamp_args(const Tensor& self, std::optional<Scalar> min, std::optional<Scalar> max) {
  return clamp(self, min, max);
}

}  // namespace

void init_ops(py::module_& m) {
  using py::arg;
  m.def("mm", &mm, arg("input"), arg("mat2"));
  m.def("bmm", &bmm, arg("input"), arg("mat2"));
  m.def("mv", &mv, arg("input"), arg("vec"));
  m.def("dot", &dot, arg("input"), arg("tensor"));
  m.def("addmm", &addmm, arg("input"), arg("mat1"), arg("mat2"), py::kw_only(), arg("beta") = 1,
        arg("alpha") = 1);
  m.def("matmul", &matmul, arg("input"), arg("other"));
  m.def("pow", py::overload_cast<const Tensor&, const Tensor&>(&pow), arg("input"), arg("exponent"));
  m.def("pow", py::overload_cast<const Tensor&, Scalar>(&pow), arg("input"), arg("exponent"));
  m.def("pow", py::overload_cast<Scalar, const Tensor&>(&pow), arg("self"), arg("exponent"));
  // torch.einsum(equation, *operands) or einsum(equation, [operands])
  m.def("einsum", [](const std::string& eq, const py::args& ops) {
    std::vector<Tensor> v;
    if (ops.size() == 1 && !py::isinstance<Tensor>(ops[0]))
      for (py::handle h : ops[0]) v.push_back(h.cast<Tensor>());
    else
      for (py::handle h : ops) v.push_back(h.cast<Tensor>());
    return einsum(eq, v);
  });
  m.def("float_power", py::overload_cast<const Tensor&, const Tensor&>(&float_power), arg("input"), arg("exponent"));
  m.def("float_power", py::overload_cast<const Tensor&, Scalar>(&float_power), arg("input"), arg("exponent"));
  m.def("float_power", py::overload_cast<Scalar, const Tensor&>(&float_power), arg("self"), arg("exponent"));
  m.def(
      "cat", [](py::handle t, std::int64_t dim) { return cat(tensor_list(t, "cat"), dim); }, arg("tensors"),
      arg("dim") = 0);
  m.def(
      "stack", [](py::handle t, std::int64_t dim) { return stack(tensor_list(t, "stack"), dim); },
      arg("tensors"), arg("dim") = 0);

  m.def("index_select", &index_select, arg("input"), arg("dim"), arg("index"));
  for (const char* name : {"clamp", "clip"})
    m.def(name, &clamp_args, arg("input"), arg("min") = py::none(), arg("max") = py::none());

  auto cls = py::reinterpret_borrow<py::class_<Tensor>>(m.attr("Tensor"));
  for (const Comparison& c : kComparisons) {
    m.def(c.name, c.tensor, arg("input"), arg("other"));
    m.def(c.name, c.scalar, arg("input"), arg("other"));
    cls.def(c.name, c.tensor, arg("other")).def(c.name, c.scalar, arg("other"));
    // Anything else (None, a string) returns NotImplemented: Python then compares identities for
    // == and != and raises TypeError for <, as torch.
    cls.def(c.dunder, c.tensor, py::is_operator()).def(c.dunder, c.scalar, py::is_operator());
  }
  // == returning a tensor would make tensors unhashable; torch hashes them by identity.
  cls.def("__hash__", [](py::handle self) { return py::hash(py::int_(reinterpret_cast<std::uintptr_t>(self.ptr()))); });
  cls.def("index_select", &index_select, arg("dim"), arg("index"))
      .def("__abs__", py::overload_cast<const Tensor&>(&abs))
      .def("clamp", &clamp_args, arg("min") = py::none(), arg("max") = py::none())
      .def("clip", &clamp_args, arg("min") = py::none(), arg("max") = py::none());
  cls.def("mm", &mm, arg("mat2"))
      .def("bmm", &bmm, arg("mat2"))
      .def("mv", &mv, arg("vec"))
      .def("dot", &dot, arg("tensor"))
      .def("addmm", &addmm, arg("mat1"), arg("mat2"), py::kw_only(), arg("beta") = 1, arg("alpha") = 1)
      .def("matmul", &matmul, arg("other"))
      .def("pow", py::overload_cast<const Tensor&, const Tensor&>(&pow), arg("exponent"))
      .def("pow", py::overload_cast<const Tensor&, Scalar>(&pow), arg("exponent"))
      .def("float_power", py::overload_cast<const Tensor&, const Tensor&>(&float_power), arg("exponent"))
      .def("float_power", py::overload_cast<const Tensor&, Scalar>(&float_power), arg("exponent"))
      .def("pow_", [](py::object self, const Tensor& e) { pow_(self.cast<Tensor&>(), e); return self; }, arg("exponent"))
      .def("pow_", [](py::object self, Scalar e) { pow_(self.cast<Tensor&>(), e); return self; }, arg("exponent"))
      .def("__ipow__", [](py::object self, const Tensor& e) { pow_(self.cast<Tensor&>(), e); return self; }, py::is_operator())
      .def("__ipow__", [](py::object self, Scalar e) { pow_(self.cast<Tensor&>(), e); return self; }, py::is_operator())
      .def("float_power_", [](py::object self, const Tensor& e) { float_power_(self.cast<Tensor&>(), e); return self; },
           arg("exponent"))
      .def("float_power_", [](py::object self, Scalar e) { float_power_(self.cast<Tensor&>(), e); return self; },
           arg("exponent"))
      // Operators: a failed conversion returns NotImplemented, so Python raises its own TypeError.
      .def("__matmul__", &matmul, py::is_operator())
      .def(
          "__rmatmul__", [](const Tensor& self, const Tensor& other) { return matmul(other, self); },
          py::is_operator())
      .def("__pow__", py::overload_cast<const Tensor&, const Tensor&>(&pow), py::is_operator())
      .def("__pow__", py::overload_cast<const Tensor&, Scalar>(&pow), py::is_operator())
      .def("__rpow__", &rpow, py::is_operator());
}

}  // namespace ramp::py_
