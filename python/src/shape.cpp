// include/ramp/shape.h for Python: torch's functions (ramp.flatten, ramp.split, ramp.eye, flip, roll, ...) and
// Tensor methods, with 1.13's signatures; pieces come back as tuples, as torch returns them.
#include "ramp/shape.h"

#include "bindings.h"

namespace ramp::py_ {
namespace {

using py::arg;

py::tuple to_tuple(const std::vector<Tensor>& v) { return py::tuple(py::cast(v)); }  // torch's pieces

// torch.split / Tensor.split: an int is a piece size, a sequence the sizes of the pieces.
py::tuple split_any(const Tensor& t, py::handle size, std::int64_t dim) {
  if (PyIndex_Check(size.ptr())) return to_tuple(split(t, size.cast<std::int64_t>(), dim));
  return to_tuple(split_with_sizes(t, int_list(size), dim));
}

Tensor movedim_any(const Tensor& t, py::handle source, py::handle destination) {
  return movedim(t, int_list(source), int_list(destination));
}

Tensor squeeze_any(const Tensor& t, std::optional<std::int64_t> dim) { return dim ? t.squeeze(*dim) : t.squeeze(); }

// A method that writes self and returns it (the same Python object).
template <class F> auto inplace(F f) {
  return [f](py::object self, std::int64_t diagonal) {
    f(self.cast<Tensor&>(), diagonal);
    return self;
  };
}

// A tuple or list of ints (the empty one included), with 1.13's TypeError otherwise: torch.flip's
// dims take no bare int.
std::vector<std::int64_t> tuple_of_ints(py::handle h, const char* fn, const char* name, int position) {
  if (PyTuple_Check(h.ptr()) || PyList_Check(h.ptr())) {
    std::vector<std::int64_t> out;
    for (py::handle v : py::reinterpret_borrow<py::sequence>(h)) {
      if (!PyIndex_Check(v.ptr()) || PyBool_Check(v.ptr())) break;
      out.push_back(v.cast<std::int64_t>());
    }
    if (out.size() == py::len(h)) return out;
  }
  throw TypeError(detail::cat(fn, "(): argument '", name, "' (position ", position, ") must be tuple of ints, not ",
                              type_name(h)));
}
// roll's shifts and dims: an int or a tuple of ints (dims None: none).
std::vector<std::int64_t> int_or_ints(py::handle h, const char* name, int position) {
  if (h.is_none()) return {};
  if (PyIndex_Check(h.ptr()) && !PyBool_Check(h.ptr())) return {h.cast<std::int64_t>()};
  return tuple_of_ints(h, "roll", name, position);
}

}  // namespace

void init_shape(py::module_& m) {
  auto cls = py::reinterpret_borrow<py::class_<Tensor>>(m.attr("Tensor"));
  const auto start = arg("start_dim") = 0, end = arg("end_dim") = -1;
  m.def("flatten", &flatten, arg("input"), start, end);
  cls.def("flatten", &flatten, start, end);
  m.def("unflatten", [](const Tensor& t, std::int64_t dim, py::handle s) { return unflatten(t, dim, int_list(s)); },
        arg("input"), arg("dim"), arg("sizes"));
  cls.def("unflatten", [](const Tensor& t, std::int64_t dim, py::handle s) { return unflatten(t, dim, int_list(s)); },
          arg("dim"), arg("sizes"));
  m.def("split", &split_any, arg("tensor"), arg("split_size_or_sections"), arg("dim") = 0);
  cls.def("split", &split_any, arg("split_size"), arg("dim") = 0);
  auto with_sizes = [](const Tensor& t, py::handle s, std::int64_t dim) {
    return to_tuple(split_with_sizes(t, int_list(s), dim));
  };
  m.def("split_with_sizes", with_sizes, arg("input"), arg("split_sizes"), arg("dim") = 0);
  cls.def("split_with_sizes", with_sizes, arg("split_sizes"), arg("dim") = 0);
  auto chunk_ = [](const Tensor& t, std::int64_t chunks, std::int64_t dim) { return to_tuple(chunk(t, chunks, dim)); };
  m.def("chunk", chunk_, arg("input"), arg("chunks"), arg("dim") = 0);
  cls.def("chunk", chunk_, arg("chunks"), arg("dim") = 0);
  auto unbind_ = [](const Tensor& t, std::int64_t dim) { return to_tuple(unbind(t, dim)); };
  m.def("unbind", unbind_, arg("input"), arg("dim") = 0);
  cls.def("unbind", unbind_, arg("dim") = 0);
  cls.def("repeat", [](const Tensor& t, py::args repeats) { return repeat(t, int_list(repeats)); });
  m.def("flip", [](const Tensor& t, py::handle d) { return flip(t, tuple_of_ints(d, "flip", "dims", 2)); },
        arg("input"), arg("dims"));
  cls.def("flip", [](const Tensor& t, py::args d) {  // x.flip(0, 1) or x.flip((0, 1)); x.flip() refused
    if (d.empty()) throw TypeError("flip() missing 1 required positional arguments: \"dims\"");
    return flip(t, int_list(d));
  });
  auto roll_ = [](const Tensor& t, py::handle shifts, py::handle dims) {
    return roll(t, int_or_ints(shifts, "shifts", 2), int_or_ints(dims, "dims", 3));
  };
  m.def("roll", roll_, arg("input"), arg("shifts"), arg("dims") = py::none());
  cls.def("roll", roll_, arg("shifts"), arg("dims") = py::none());
  m.def("narrow", &narrow, arg("input"), arg("dim"), arg("start"), arg("length"));
  m.def(
      "eye",
      [](std::int64_t n, std::optional<std::int64_t> mm, std::optional<ScalarType> dtype, bool r) {
        return factory_requires_grad(eye(n, mm, dtype), r);
      },
      arg("n"), arg("m") = py::none(), py::kw_only(), arg("dtype") = py::none(), arg("requires_grad") = false);
  m.def("tril", &tril, arg("input"), arg("diagonal") = 0);
  m.def("triu", &triu, arg("input"), arg("diagonal") = 0);
  cls.def("tril", &tril, arg("diagonal") = 0)
      .def("triu", &triu, arg("diagonal") = 0)
      .def("tril_", inplace(&tril_), arg("diagonal") = 0)
      .def("triu_", inplace(&triu_), arg("diagonal") = 0);
  m.def("one_hot", &one_hot, arg("tensor"), arg("num_classes") = -1);
  for (const char* name : {"movedim", "moveaxis"}) {
    m.def(name, &movedim_any, arg("input"), arg("source"), arg("destination"));
    cls.def(name, &movedim_any, arg("source"), arg("destination"));
  }
  m.def("swapaxes", &swapaxes, arg("input"), arg("axis0"), arg("axis1"));
  cls.def("swapaxes", &swapaxes, arg("axis0"), arg("axis1"));
  m.def("swapdims", &swapaxes, arg("input"), arg("dim0"), arg("dim1"));
  cls.def("swapdims", &swapaxes, arg("dim0"), arg("dim1"));
  m.def("reshape", [](const Tensor& t, py::handle s) { return t.reshape(int_list(s)); }, arg("input"), arg("shape"));
  m.def("transpose", &transpose, arg("input"), arg("dim0"), arg("dim1"));
  m.def("permute", [](const Tensor& t, py::handle d) { return t.permute(int_list(d)); }, arg("input"), arg("dims"));
  m.def("squeeze", &squeeze_any, arg("input"), arg("dim") = py::none());
  m.def("unsqueeze", &unsqueeze, arg("input"), arg("dim"));
}

}  // namespace ramp::py_
