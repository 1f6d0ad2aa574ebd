// include/ramp/reduce.h for Python: ramp.sum/mean/.../bincount and the Tensor methods, with 1.13's
// argument rules (positional or keyword, NumPy's `axis` for `dim` and `keepdims` for `keepdim`,
// max/min's three overloads) and its named results (ramp.return_types.max/min).
#include "ramp/reduce.h"

#include <map>

#include "bindings.h"

namespace ramp::py_ {
namespace {

// The named tuple classes of ramp.return_types, registered by python/ramp/return_types.py.
std::map<std::string, py::object, std::less<>>& return_types() {
  static auto* m = new std::map<std::string, py::object, std::less<>>();  // never destroyed: outlives the interpreter
  return *m;
}
py::object named(std::string_view name, const Tensor& a, const Tensor& b) {
  auto it = return_types().find(name);
  if (it == return_types().end()) return py::make_tuple(a, b);
  return it->second(py::make_tuple(a, b));  // a structseq is built from one sequence
}

// One op's arguments after `input`: by position (the first `positional` names) or keyword.
struct Args {
  const char* fn;
  std::vector<const char*> names;
  std::vector<py::handle> v;
  bool has(std::size_t i) const { return v[i] && !v[i].is_none(); }
  bool given(std::size_t i) const { return bool(v[i]); }
};

std::string_view alias(std::string_view k) {
  if (k == "axis") return "dim";
  if (k == "keepdims") return "keepdim";
  return k;
}

Args parse(const char* fn, std::vector<const char*> names, std::size_t positional, const py::args& args,
           std::size_t skip, const py::kwargs& kw) {
  Args a{fn, std::move(names), {}};
  a.v.resize(a.names.size());
  if (args.size() - skip > positional)
    throw TypeError(detail::cat(fn, "() takes at most ", positional + 1, " positional arguments (", args.size() - skip + 1,
                                " given)"));
  for (std::size_t i = skip; i < args.size(); ++i) a.v[i - skip] = args[i];
  for (auto [k, val] : kw) {
    const std::string key = py::str(k);
    if (key == "input") continue;  // taken by the caller
    const std::string_view name = alias(key);
    std::size_t i = 0;
    while (i < a.names.size() && name != a.names[i]) ++i;
    if (i == a.names.size()) throw TypeError(detail::cat(fn, "() got an unexpected keyword argument '", key, "'"));
    if (a.v[i]) throw TypeError(detail::cat(fn, "() got multiple values for argument '", a.names[i], "'"));
    a.v[i] = val;
  }
  return a;
}

bool is_int(py::handle h) { return !PyBool_Check(h.ptr()) && PyIndex_Check(h.ptr()); }
std::int64_t as_int(py::handle h) {
  auto i = py::reinterpret_steal<py::object>(PyNumber_Index(h.ptr()));
  if (!i) throw py::error_already_set();
  return i.cast<std::int64_t>();
}

std::int64_t int_arg(const Args& a, std::size_t i) {
  if (!is_int(a.v[i]))
    throw TypeError(detail::cat(a.fn, "(): argument '", a.names[i], "' must be int, not ", type_name(a.v[i])));
  return as_int(a.v[i]);
}
// An int, or a tuple/list of ints; none -> empty (every dim).
std::vector<std::int64_t> dims_arg(const Args& a, std::size_t i) {
  std::vector<std::int64_t> out;
  if (!a.has(i)) return out;
  py::handle h = a.v[i];
  if (is_int(h)) return {as_int(h)};
  if (!PyTuple_Check(h.ptr()) && !PyList_Check(h.ptr()))
    throw TypeError(detail::cat(a.fn, "(): argument '", a.names[i], "' must be tuple of ints, not ", type_name(h)));
  for (py::handle e : h) {
    if (!is_int(e))
      throw TypeError(detail::cat(a.fn, "(): argument '", a.names[i], "' must be tuple of ints, but found element of type ",
                                  type_name(e)));
    out.push_back(as_int(e));
  }
  return out;
}
bool bool_arg(const Args& a, std::size_t i, bool dflt) {
  if (!a.has(i)) return dflt;
  if (!PyBool_Check(a.v[i].ptr()))
    throw TypeError(detail::cat(a.fn, "(): argument '", a.names[i], "' must be bool, not ", type_name(a.v[i])));
  return a.v[i].ptr() == Py_True;
}
std::optional<ScalarType> dtype_arg(const Args& a, std::size_t i) {
  if (!a.has(i)) return std::nullopt;
  if (!py::isinstance<DType>(a.v[i]))
    throw TypeError(detail::cat(a.fn, "(): argument '", a.names[i], "' must be torch.dtype, not ", type_name(a.v[i])));
  return a.v[i].cast<const DType&>().type;
}
const Tensor& tensor_of(const Args& a, std::size_t i) { return tensor_arg(a.v[i], a.fn, a.names[i], int(i) + 2); }
void require(const Args& a, std::size_t i) {
  if (!a.given(i)) throw TypeError(detail::cat(a.fn, "() missing required argument '", a.names[i], "'"));
}

// An op's body: self plus its arguments.
using Body = py::object (*)(const Tensor&, const py::args&, std::size_t, const py::kwargs&);

// sum(input, dim=None, keepdim=False, *, dtype=None); mean alike.
template <bool kMean> py::object sum_like(const Tensor& x, const py::args& args, std::size_t skip, const py::kwargs& kw) {
  const Args a = parse(kMean ? "mean" : "sum", {"dim", "keepdim", "dtype"}, 2, args, skip, kw);
  const bool keepdim = bool_arg(a, 1, false);
  const auto dtype = dtype_arg(a, 2);
  if (!a.has(0) && !keepdim) return py::cast(kMean ? mean(x, dtype) : sum(x, dtype));
  const auto dims = dims_arg(a, 0);
  return py::cast(kMean ? mean(x, dims, keepdim, dtype) : sum(x, dims, keepdim, dtype));
}
py::object prod_py(const Tensor& x, const py::args& args, std::size_t skip, const py::kwargs& kw) {
  const Args a = parse("prod", {"dim", "keepdim", "dtype"}, 2, args, skip, kw);
  const auto dtype = dtype_arg(a, 2);
  if (!a.has(0)) return py::cast(prod(x, dtype));
  return py::cast(prod(x, int_arg(a, 0), bool_arg(a, 1, false), dtype));
}
// std(input, dim=None, unbiased=True, keepdim=False, *, correction=None), std(input, unbiased).
template <bool kStd, bool kMean>
py::object moments_py(const Tensor& x, const py::args& args, std::size_t skip, const py::kwargs& kw) {
  const char* fn = kStd ? (kMean ? "std_mean" : "std") : (kMean ? "var_mean" : "var");
  Args a = parse(fn, {"dim", "unbiased", "keepdim", "correction"}, 3, args, skip, kw);
  if (a.given(0) && PyBool_Check(a.v[0].ptr())) {  // the (input, unbiased) overload
    if (a.given(1) || a.given(2) || a.given(3))
      throw TypeError(detail::cat(fn, "() received an invalid combination of arguments"));
    a.v[1] = a.v[0];
    a.v[0] = py::handle();
  }
  if (a.has(1) && a.has(3))
    throw TypeError(detail::cat(fn, "() received an invalid combination of arguments: unbiased and correction"));
  const double correction = a.has(3) ? int_arg(a, 3) : bool_arg(a, 1, true) ? 1.0 : 0.0;
  const auto dims = dims_arg(a, 0);
  const bool keepdim = bool_arg(a, 2, false);
  if constexpr (kMean) {
    auto [r, m] = kStd ? std_mean(x, dims, correction, keepdim) : var_mean(x, dims, correction, keepdim);
    return py::make_tuple(r, m);
  } else {
    return py::cast(kStd ? ramp::std(x, dims, correction, keepdim) : var(x, dims, correction, keepdim));
  }
}
// max(input), max(input, dim, keepdim=False) -> (values, indices), max(input, other) = maximum.
template <bool kMax> py::object extreme_py(const Tensor& x, const py::args& args, std::size_t skip, const py::kwargs& kw) {
  const char* fn = kMax ? "max" : "min";
  const Args a = parse(fn, {"dim", "keepdim", "other"}, 2, args, skip, kw);
  if ((a.given(0) && py::isinstance<Tensor>(a.v[0])) || a.given(2)) {
    if (a.given(1)) throw TypeError(detail::cat(fn, "() received an invalid combination of arguments"));
    const Tensor& o = a.given(2) ? tensor_of(a, 2) : a.v[0].cast<const Tensor&>();
    return py::cast(kMax ? maximum(x, o) : minimum(x, o));
  }
  if (!a.has(0)) {
    if (a.given(1)) throw TypeError(detail::cat(fn, "() received an invalid combination of arguments: keepdim needs dim"));
    return py::cast(kMax ? max(x) : min(x));
  }
  auto [v, i] = kMax ? max(x, int_arg(a, 0), bool_arg(a, 1, false)) : min(x, int_arg(a, 0), bool_arg(a, 1, false));
  return named(fn, v, i);
}
template <bool kMax> py::object amax_py(const Tensor& x, const py::args& args, std::size_t skip, const py::kwargs& kw) {
  const Args a = parse(kMax ? "amax" : "amin", {"dim", "keepdim"}, 2, args, skip, kw);
  const auto dims = dims_arg(a, 0);
  return py::cast(kMax ? amax(x, dims, bool_arg(a, 1, false)) : amin(x, dims, bool_arg(a, 1, false)));
}
template <bool kMax> py::object argmax_py(const Tensor& x, const py::args& args, std::size_t skip, const py::kwargs& kw) {
  const Args a = parse(kMax ? "argmax" : "argmin", {"dim", "keepdim"}, 2, args, skip, kw);
  const std::optional<std::int64_t> dim = a.has(0) ? std::optional(int_arg(a, 0)) : std::nullopt;
  return py::cast(kMax ? argmax(x, dim, bool_arg(a, 1, false)) : argmin(x, dim, bool_arg(a, 1, false)));
}
template <bool kAll> py::object all_py(const Tensor& x, const py::args& args, std::size_t skip, const py::kwargs& kw) {
  const Args a = parse(kAll ? "all" : "any", {"dim", "keepdim"}, 2, args, skip, kw);
  if (!a.has(0)) return py::cast(kAll ? all(x) : any(x));
  return py::cast(kAll ? all(x, int_arg(a, 0), bool_arg(a, 1, false)) : any(x, int_arg(a, 0), bool_arg(a, 1, false)));
}
// norm(input, p='fro', dim=None, keepdim=False, dtype=None)
py::object norm_py(const Tensor& x, const py::args& args, std::size_t skip, const py::kwargs& kw) {
  const Args a = parse("norm", {"p", "dim", "keepdim", "dtype"}, 4, args, skip, kw);
  const auto dims = dims_arg(a, 1);
  const bool keepdim = bool_arg(a, 2, false);
  const auto dtype = dtype_arg(a, 3);
  if (!a.has(0) || py::isinstance<py::str>(a.v[0])) {
    const std::string p = a.has(0) ? a.v[0].cast<std::string>() : "fro";
    if (dtype) throw ValueError(p == "fro" ? "dtype argument is not supported in frobenius norm"
                                           : "dtype argument is not supported in nuclear norm");
    return py::cast(norm(x, std::string_view(p), dims, keepdim));
  }
  Scalar p;
  if (!to_scalar(a.v[0], p)) throw TypeError(detail::cat("norm(): argument 'p' must be a number or str, not ", type_name(a.v[0])));
  return py::cast(norm(x, p.to_double(), dims, keepdim, dtype));
}
py::object logsumexp_py(const Tensor& x, const py::args& args, std::size_t skip, const py::kwargs& kw) {
  const Args a = parse("logsumexp", {"dim", "keepdim"}, 2, args, skip, kw);
  require(a, 0);
  return py::cast(logsumexp(x, dims_arg(a, 0), bool_arg(a, 1, false)));
}
template <bool kProd> py::object cum_py(const Tensor& x, const py::args& args, std::size_t skip, const py::kwargs& kw) {
  const Args a = parse(kProd ? "cumprod" : "cumsum", {"dim", "dtype"}, 1, args, skip, kw);
  require(a, 0);
  return py::cast(kProd ? cumprod(x, int_arg(a, 0), dtype_arg(a, 1)) : cumsum(x, int_arg(a, 0), dtype_arg(a, 1)));
}
template <bool kMax> py::object maximum_py(const Tensor& x, const py::args& args, std::size_t skip, const py::kwargs& kw) {
  const Args a = parse(kMax ? "maximum" : "minimum", {"other"}, 1, args, skip, kw);
  require(a, 0);
  return py::cast(kMax ? maximum(x, tensor_of(a, 0)) : minimum(x, tensor_of(a, 0)));
}
py::object histc_py(const Tensor& x, const py::args& args, std::size_t skip, const py::kwargs& kw) {
  const Args a = parse("histc", {"bins", "min", "max"}, 3, args, skip, kw);
  Scalar lo = 0, hi = 0;
  if (a.has(1) && !to_scalar(a.v[1], lo)) throw TypeError("histc(): argument 'min' must be Number");
  if (a.has(2) && !to_scalar(a.v[2], hi)) throw TypeError("histc(): argument 'max' must be Number");
  return py::cast(histc(x, a.has(0) ? int_arg(a, 0) : 100, lo, hi));
}
py::object bincount_py(const Tensor& x, const py::args& args, std::size_t skip, const py::kwargs& kw) {
  const Args a = parse("bincount", {"weights", "minlength"}, 2, args, skip, kw);
  return py::cast(bincount(x, a.has(0) ? tensor_of(a, 0) : Tensor(), a.has(1) ? int_arg(a, 1) : 0));
}

// nansum(input, dim=None, keepdim=False, *, dtype=None)
py::object nansum_py(const Tensor& x, const py::args& args, std::size_t skip, const py::kwargs& kw) {
  const Args a = parse("nansum", {"dim", "keepdim", "dtype"}, 2, args, skip, kw);
  return py::cast(nansum(x, dims_arg(a, 0), bool_arg(a, 1, false), dtype_arg(a, 2)));
}
// count_nonzero(input, dim=None): an int or a tuple of ints
py::object count_nonzero_py(const Tensor& x, const py::args& args, std::size_t skip, const py::kwargs& kw) {
  const Args a = parse("count_nonzero", {"dim"}, 1, args, skip, kw);
  return py::cast(count_nonzero(x, dims_arg(a, 0)));
}

struct Entry {
  const char* name;
  Body body;
};
const Entry kEntries[] = {
    {"sum", &sum_like<false>},        {"mean", &sum_like<true>},          {"prod", &prod_py},
    {"std", &moments_py<true, false>}, {"var", &moments_py<false, false>}, {"std_mean", &moments_py<true, true>},
    {"var_mean", &moments_py<false, true>}, {"max", &extreme_py<true>}, {"min", &extreme_py<false>},
    {"amax", &amax_py<true>},         {"amin", &amax_py<false>},          {"argmax", &argmax_py<true>},
    {"argmin", &argmax_py<false>},    {"all", &all_py<true>},             {"any", &all_py<false>},
    {"norm", &norm_py},               {"logsumexp", &logsumexp_py},       {"cumsum", &cum_py<false>},
    {"cumprod", &cum_py<true>},       {"maximum", &maximum_py<true>},     {"minimum", &maximum_py<false>},
    {"histc", &histc_py},             {"bincount", &bincount_py},         {"nansum", &nansum_py},
    {"count_nonzero", &count_nonzero_py},
};
// Functions only (torch has no Tensor.std_mean / var_mean methods).
bool function_only(std::string_view n) { return n == "std_mean" || n == "var_mean"; }

}  // namespace

void init_reduce(py::module_& m) {
  m.def("_register_return_type", [](const std::string& name, py::object cls) { return_types()[name] = std::move(cls); });
  auto cls = py::reinterpret_borrow<py::class_<Tensor>>(m.attr("Tensor"));
  for (const Entry& e : kEntries) {
    m.def(e.name, [e](const py::args& args, const py::kwargs& kw) {
      // `input` by position or keyword.
      if (args.size() > 0) return e.body(tensor_arg(args[0], e.name, "input", 1), args, 1, kw);
      if (!kw.contains("input")) throw TypeError(detail::cat(e.name, "() missing required argument 'input' (pos 1)"));
      return e.body(tensor_arg(kw["input"], e.name, "input", 1), args, 0, kw);
    });
    if (!function_only(e.name))
      cls.def(e.name, [e](const Tensor& self, const py::args& args, const py::kwargs& kw) { return e.body(self, args, 0, kw); });
  }
}

}  // namespace ramp::py_
