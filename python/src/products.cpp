// src/ops/diagonal.cpp and products.cpp for Python: ramp.diag/diagonal/diag_embed/trace/rot90,
// tril_indices/triu_indices, outer/ger/inner/kron/tensordot, addmv/addbmm/baddbmm, cross, dist, cdist,
// cartesian_prod, take_along_dim, isin; and reduce.h's cummax/cummin (named results)/logcumsumexp/diff;
// with the Tensor methods 1.13 has for them.
#include "ramp/ops.h"

#include "bindings.h"

namespace ramp::py_ {
namespace {

using py::arg;

// tensordot's dims: an int, a pair of int lists (or of ints), or a [2, n] / 0-d int tensor.
Tensor tensordot_any(const Tensor& a, const Tensor& b, py::handle dims) {
  if (PyIndex_Check(dims.ptr())) return tensordot(a, b, dims.cast<std::int64_t>());
  if (py::isinstance<Tensor>(dims)) {
    const Tensor& t = dims.cast<const Tensor&>();
    if (t.dim() == 0) return tensordot(a, b, t.item<std::int64_t>());
    if (t.dim() != 2 || t.size(0) != 2) throw Error("tensordot expects dims to be a pair of dimension lists");
    const std::vector<double> v = t.to_vector();
    const auto n = std::size_t(t.size(1));
    return tensordot(a, b, std::vector<std::int64_t>(v.begin(), v.begin() + long(n)),
                     std::vector<std::int64_t>(v.begin() + long(n), v.end()));
  }
  const py::sequence pair = py::reinterpret_borrow<py::sequence>(dims);
  if (py::len(pair) != 2) throw Error("tensordot expects dims to be a pair of dimension lists");
  const py::object first = pair[0], second = pair[1];
  return tensordot(a, b, int_list(py::handle(first)), int_list(py::handle(second)));
}

std::int64_t cdist_mode(const py::object& mode) {
  if (mode.is_none()) return 0;
  const std::string m = py::str(mode);
  if (m == "use_mm_for_euclid_dist_if_necessary") return 0;
  if (m == "use_mm_for_euclid_dist") return 1;
  if (m == "donot_use_mm_for_euclid_dist") return 2;
  throw ValueError(m + " is not a valid value for compute_mode");
}

// isin's two sides: each a tensor or a number.
Tensor isin_any(py::handle elements, py::handle test, bool assume_unique, bool invert) {
  const bool et = py::isinstance<Tensor>(elements), tt = py::isinstance<Tensor>(test);
  if (et && tt) return isin(elements.cast<const Tensor&>(), test.cast<const Tensor&>(), assume_unique, invert);
  if (et) return isin(elements.cast<const Tensor&>(), test.cast<Scalar>(), assume_unique, invert);
  if (tt) return isin(elements.cast<Scalar>(), test.cast<const Tensor&>(), assume_unique, invert);
  throw TypeError("isin() received an invalid combination of arguments - got (" + type_name(elements) + ", " +
                  type_name(test) + "), but expected one of:\n * (Tensor elements, Tensor test_elements)\n * (Number "
                  "element, Tensor test_elements)\n * (Tensor elements, Number test_element)\n");
}

// ramp.return_types.<name>((values, indices)): the named tuple classes of python/ramp/return_types.py.
py::object named(const char* name, const std::pair<Tensor, Tensor>& r) {
  static py::handle module = py::module_::import("ramp.return_types").release();
  return module.attr(name)(py::make_tuple(r.first, r.second));
}

}  // namespace

void init_products(py::module_& m) {
  auto cls = py::reinterpret_borrow<py::class_<Tensor>>(m.attr("Tensor"));
  m.def("diag", &diag, arg("input"), arg("diagonal") = 0);
  cls.def("diag", &diag, arg("diagonal") = 0);
  m.def("diagonal", &diagonal, arg("input"), arg("offset") = 0, arg("dim1") = 0, arg("dim2") = 1);
  cls.def("diagonal", &diagonal, arg("offset") = 0, arg("dim1") = 0, arg("dim2") = 1);
  m.def("diag_embed", &diag_embed, arg("input"), arg("offset") = 0, arg("dim1") = -2, arg("dim2") = -1);
  cls.def("diag_embed", &diag_embed, arg("offset") = 0, arg("dim1") = -2, arg("dim2") = -1);
  m.def("trace", &trace, arg("input"));
  cls.def("trace", &trace);
  auto rot90_ = [](const Tensor& t, std::int64_t k, py::handle dims) { return rot90(t, k, int_list(dims)); };
  m.def("rot90", rot90_, arg("input"), arg("k") = 1, arg("dims") = py::make_tuple(0, 1));
  cls.def("rot90", rot90_, arg("k") = 1, arg("dims") = py::make_tuple(0, 1));
  m.def("tril_indices", &tril_indices, arg("row"), arg("col"), arg("offset") = 0, py::kw_only(),
        arg("dtype") = ScalarType::Int64);
  m.def("triu_indices", &triu_indices, arg("row"), arg("col"), arg("offset") = 0, py::kw_only(),
        arg("dtype") = ScalarType::Int64);
  for (const char* name : {"outer", "ger"}) {
    m.def(name, &outer, arg("input"), arg("vec2"));
    cls.def(name, &outer, arg("vec2"));
  }
  m.def("inner", &inner, arg("input"), arg("other"));
  cls.def("inner", &inner, arg("other"));
  m.def("kron", &kron, arg("input"), arg("other"));
  cls.def("kron", &kron, arg("other"));
  m.def("tensordot", &tensordot_any, arg("a"), arg("b"), arg("dims") = 2);
  using Fused = Tensor (*)(const Tensor&, const Tensor&, const Tensor&, Scalar, Scalar);
  const std::pair<const char*, Fused> fused[] = {{"addmv", &addmv}, {"addbmm", &addbmm}, {"baddbmm", &baddbmm}};
  for (const auto& [name, f] : fused) {
    const bool mv = std::string_view(name) == "addmv";
    m.def(name, f, arg("input"), arg(mv ? "mat" : "batch1"), arg(mv ? "vec" : "batch2"), py::kw_only(),
          arg("beta") = 1, arg("alpha") = 1);
    cls.def(name, f, arg(mv ? "mat" : "batch1"), arg(mv ? "vec" : "batch2"), py::kw_only(), arg("beta") = 1,
            arg("alpha") = 1);
  }
  m.def("cross", &cross, arg("input"), arg("other"), arg("dim") = py::none());
  cls.def("cross", &cross, arg("other"), arg("dim") = py::none());
  m.def("dist", &dist, arg("input"), arg("other"), arg("p") = 2);
  cls.def("dist", &dist, arg("other"), arg("p") = 2);
  m.def(
      "cdist",
      [](const Tensor& x1, const Tensor& x2, double p, const py::object& mode) { return cdist(x1, x2, p, cdist_mode(mode)); },
      arg("x1"), arg("x2"), arg("p") = 2.0, arg("compute_mode") = "use_mm_for_euclid_dist_if_necessary");
  m.def("cartesian_prod", [](const py::args& args) -> py::object {
    Tensor out = cartesian_prod(tensor_list(args, "cartesian_prod"));
    if (args.size() == 1 && out.is_same(args[0].cast<const Tensor&>())) return args[0];  // torch returns it itself
    return py::cast(out);
  });
  m.def("take_along_dim", &take_along_dim, arg("input"), arg("indices"), arg("dim") = py::none());
  cls.def("take_along_dim", &take_along_dim, arg("indices"), arg("dim") = py::none());
  m.def("isin", &isin_any, arg("elements"), arg("test_elements"), py::kw_only(), arg("assume_unique") = false,
        arg("invert") = false);
  // Running reductions (ramp/reduce.h).
  auto cummax_ = [](const Tensor& t, std::int64_t dim) { return named("cummax", cummax(t, dim)); };
  auto cummin_ = [](const Tensor& t, std::int64_t dim) { return named("cummin", cummin(t, dim)); };
  m.def("cummax", cummax_, arg("input"), arg("dim"));
  cls.def("cummax", cummax_, arg("dim"));
  m.def("cummin", cummin_, arg("input"), arg("dim"));
  cls.def("cummin", cummin_, arg("dim"));
  m.def("logcumsumexp", &logcumsumexp, arg("input"), arg("dim"));
  cls.def("logcumsumexp", &logcumsumexp, arg("dim"));
  auto diff_ = [](const Tensor& t, std::int64_t n, std::int64_t dim, std::optional<Tensor> prepend,
                  std::optional<Tensor> append) {
    return diff(t, n, dim, prepend.value_or(Tensor()), append.value_or(Tensor()));
  };
  m.def("diff", diff_, arg("input"), arg("n") = 1, arg("dim") = -1, arg("prepend") = py::none(),
        arg("append") = py::none());
  cls.def("diff", diff_, arg("n") = 1, arg("dim") = -1, arg("prepend") = py::none(), arg("append") = py::none());
}

}  // namespace ramp::py_
