// src/ops/stack_split.cpp for Python: ramp.clone/ravel/broadcast_to/broadcast_tensors/meshgrid/atleast_*d,
// the *stack and *split functions and their Tensor methods, with 1.13's signatures: tensors as varargs
// or one sequence where torch takes them so, pieces as tuples.
#include "ramp/shape.h"

#include "bindings.h"

namespace ramp::py_ {
namespace {

using py::arg;

py::tuple to_tuple(const std::vector<Tensor>& v) { return py::tuple(py::cast(v)); }  // torch's pieces

// f(*tensors) and f(sequence): the tensors either way.
std::vector<Tensor> varargs_tensors(const py::args& args, const char* fn) {
  if (args.size() == 1 && !py::isinstance<Tensor>(args[0])) return tensor_list(args[0], fn);
  return tensor_list(args, fn);
}

// `out` as a Python object: `in` itself where the op returned its input (torch's `atleast_1d(x) is x`).
py::object same_or_new(const Tensor& out, py::handle in) {
  if (py::isinstance<Tensor>(in) && out.is_same(in.cast<const Tensor&>())) return py::reinterpret_borrow<py::object>(in);
  return py::cast(out);
}
py::tuple same_or_new(const std::vector<Tensor>& out, const py::sequence& in) {
  py::tuple t(out.size());
  for (std::size_t i = 0; i < out.size(); ++i) t[i] = same_or_new(out[i], in[i]);
  return t;
}

// torch.atleast_1d(x) -> x's result; atleast_1d(x, y) or atleast_1d([x]) -> a tuple.
template <Tensor (*F)(const Tensor&)> py::object atleast(const char* fn, const py::args& args) {
  if (args.size() == 1 && py::isinstance<Tensor>(args[0])) return same_or_new(F(args[0].cast<const Tensor&>()), args[0]);
  if (args.size() == 1 && (PyList_Check(args[0].ptr()) || PyTuple_Check(args[0].ptr()))) {
    std::vector<Tensor> out;
    for (const Tensor& t : tensor_list(args[0], fn)) out.push_back(F(t));
    return same_or_new(out, py::reinterpret_borrow<py::sequence>(args[0]));
  }
  std::vector<Tensor> out;
  for (py::handle h : args) {
    if (!py::isinstance<Tensor>(h))
      throw TypeError(detail::cat(fn, "() received an invalid combination of arguments - got (", type_name(h),
                                  "), but expected one of:\n * (Tensor input)\n * (tuple of Tensors tensors)\n"));
    out.push_back(h.cast<Tensor>());
  }
  for (Tensor& t : out) t = F(t);
  return same_or_new(out, args);
}

// tensor_split's second argument: an int (sections), a sequence of ints (indices) or a tensor.
py::tuple tensor_split_any(const Tensor& t, py::handle how, std::int64_t dim) {
  if (py::isinstance<Tensor>(how)) return to_tuple(tensor_split(t, how.cast<const Tensor&>(), dim));
  if (PyIndex_Check(how.ptr())) return to_tuple(tensor_split(t, how.cast<std::int64_t>(), dim));
  return to_tuple(tensor_split(t, int_list(how), dim));
}

// hsplit/vsplit/dsplit: an int (sections) or a sequence of ints (indices).
template <std::vector<Tensor> (*Sections)(const Tensor&, std::int64_t),
          std::vector<Tensor> (*Indices)(const Tensor&, IntArrayRef)>
py::tuple split_any(const Tensor& t, py::handle how) {
  if (PyIndex_Check(how.ptr())) return to_tuple(Sections(t, how.cast<std::int64_t>()));
  return to_tuple(Indices(t, int_list(how)));
}

}  // namespace

void init_stack_split(py::module_& m) {
  auto cls = py::reinterpret_borrow<py::class_<Tensor>>(m.attr("Tensor"));
  // memory_format is accepted and ignored: clone keeps a dense layout (preserve_format), as 1.13's default.
  m.def("clone", [](const Tensor& t, const py::object&) { return t.clone(); }, arg("input"), py::kw_only(),
        arg("memory_format") = py::none());
  m.def("ravel", &ravel, arg("input"));
  cls.def("ravel", &ravel);
  auto broadcast_to_ = [](const Tensor& t, py::handle size) { return broadcast_to(t, int_list(size)); };
  m.def("broadcast_to", broadcast_to_, arg("input"), arg("size"));
  cls.def("broadcast_to", broadcast_to_, arg("size"));
  m.def("broadcast_tensors", [](const py::args& args) {
    const py::sequence in = args.size() == 1 && !py::isinstance<Tensor>(args[0])
                                ? py::reinterpret_borrow<py::sequence>(args[0]) : py::sequence(args);
    return same_or_new(broadcast_tensors(varargs_tensors(args, "broadcast_tensors")), in);
  });
  m.def(
      "meshgrid",
      [](const py::args& args, const py::object& indexing) {
        if (indexing.is_none() &&
            PyErr_WarnEx(PyExc_UserWarning,
                         "torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument.",
                         1) < 0)
          throw py::error_already_set();  // warnings turned into errors
        const std::string how = indexing.is_none() ? "ij" : indexing.cast<std::string>();
        return to_tuple(meshgrid(varargs_tensors(args, "meshgrid"), how));
      },
      py::kw_only(), arg("indexing") = py::none());
  m.def("atleast_1d", [](const py::args& a) { return atleast<&atleast_1d>("atleast_1d", a); });
  m.def("atleast_2d", [](const py::args& a) { return atleast<&atleast_2d>("atleast_2d", a); });
  m.def("atleast_3d", [](const py::args& a) { return atleast<&atleast_3d>("atleast_3d", a); });
  m.def("hstack", [](py::handle t) { return hstack(tensor_list(t, "hstack")); }, arg("tensors"));
  m.def("vstack", [](py::handle t) { return vstack(tensor_list(t, "vstack")); }, arg("tensors"));
  m.def("row_stack", [](py::handle t) { return vstack(tensor_list(t, "row_stack")); }, arg("tensors"));
  m.def("dstack", [](py::handle t) { return dstack(tensor_list(t, "dstack")); }, arg("tensors"));
  m.def("column_stack", [](py::handle t) { return column_stack(tensor_list(t, "column_stack")); }, arg("tensors"));
  m.def("tensor_split", &tensor_split_any, arg("input"), arg("indices_or_sections"), arg("dim") = 0);
  cls.def("tensor_split", &tensor_split_any, arg("indices_or_sections"), arg("dim") = 0);
  constexpr auto hsplit_ = &split_any<static_cast<std::vector<Tensor> (*)(const Tensor&, std::int64_t)>(&hsplit),
                                      static_cast<std::vector<Tensor> (*)(const Tensor&, IntArrayRef)>(&hsplit)>;
  constexpr auto vsplit_ = &split_any<static_cast<std::vector<Tensor> (*)(const Tensor&, std::int64_t)>(&vsplit),
                                      static_cast<std::vector<Tensor> (*)(const Tensor&, IntArrayRef)>(&vsplit)>;
  constexpr auto dsplit_ = &split_any<static_cast<std::vector<Tensor> (*)(const Tensor&, std::int64_t)>(&dsplit),
                                      static_cast<std::vector<Tensor> (*)(const Tensor&, IntArrayRef)>(&dsplit)>;
  m.def("hsplit", hsplit_, arg("input"), arg("indices_or_sections"));
  m.def("vsplit", vsplit_, arg("input"), arg("indices_or_sections"));
  m.def("dsplit", dsplit_, arg("input"), arg("indices_or_sections"));
  cls.def("hsplit", hsplit_, arg("indices_or_sections"));
  cls.def("vsplit", vsplit_, arg("indices_or_sections"));
  cls.def("dsplit", dsplit_, arg("indices_or_sections"));
}

}  // namespace ramp::py_
