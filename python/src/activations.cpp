// The activations for Python, generated from the entries in ramp/activations.h:
//   _C.registry()                      every entry's name, module name, fields with defaults, in-place kind,
//   ... _C.apply(name, x, kwargs, inplace) one call path that fills the entry's Params from Python values
//   _C.Module(name, kwargs, inplace)   the C++ module (forward, repr, training), the second base of each
//   generated class beside the Python ramp.nn.Module (PReLU's weight is a Python Parameter)
// The Python package builds `ramp.nn.functional` and `ramp.nn` from the registry.
#include <limits>
#include <set>

#include "bindings.h"
#include "ramp/functional.h"
#include "ramp/nn/activation.h"

namespace ramp::py_ {
namespace {

using act::Inplace;
using act::Kind;

// String fields keep a string_view into this pool, so a module's Params stay valid.
std::string_view intern(const std::string& s) {
  static std::set<std::string> pool;
  return *pool.insert(s).first;
}

// ---- field values: C++ -> Python ----
py::object to_py(const Scalar& v) { return from_scalar(v); }
py::object to_py(std::string_view v) { return py::str(v.data(), v.size()); }
py::object to_py(std::int64_t v) { return py::int_(v); }
py::object to_py(const std::optional<std::int64_t>& v) {
  return v ? py::object(py::int_(*v)) : py::object(py::none());
}

// String parameters are keyword-only (ATen's rule for mode arguments: gelu's approximate).
template <class T>
constexpr bool keyword_only = std::is_same_v<T, std::string_view>;
template <class T>
constexpr const char* type_label() {
  if constexpr (std::is_same_v<T, Scalar>)
    return "Number";
  else if constexpr (std::is_same_v<T, std::string_view>)
    return "str";
  else if constexpr (std::is_same_v<T, bool>)
    return "bool";
  else
    return "int";
}

// ---- field values: Python -> C++, with PyTorch's argument error ----
struct Arg {
  std::string_view fn, name;
  int position;  // 1-based; 0 for keyword-only
};
template <class T>
[[noreturn]] void bad_arg(const Arg& a, py::handle h) {
  std::string pos = a.position ? " (position " + std::to_string(a.position) + ")" : "";
  throw TypeError(detail::cat(a.fn, "(): argument '", a.name, "'", pos, " must be ", type_label<T>(),
                              ", not ", type_name(h)));
}
void from_py(py::handle h, Scalar& out, const Arg& a) {
  if (py::isinstance<Tensor>(h) && h.cast<const Tensor&>().numel() == 1) {
    out = h.cast<const Tensor&>().item();  // a 0-d tensor slope, as PyTorch's Scalar conversion allows
  } else if (!to_scalar(h, out)) {
    bad_arg<Scalar>(a, h);
  }
}
void from_py(py::handle h, std::string_view& out, const Arg& a) {
  if (!PyUnicode_Check(h.ptr())) bad_arg<std::string_view>(a, h);
  out = intern(h.cast<std::string>());
}
void from_py(py::handle h, std::int64_t& out, const Arg& a) {
  if (!PyIndex_Check(h.ptr()) || PyBool_Check(h.ptr())) bad_arg<std::int64_t>(a, h);
  out = h.cast<std::int64_t>();
}
void from_py(py::handle h, std::optional<std::int64_t>& out, const Arg& a) {
  if (h.is_none()) {
    out.reset();
    return;
  }
  std::int64_t v;
  from_py(h, v, a);
  out = v;
}
void from_py(py::handle h, bool& out, const Arg& a) {
  if (!PyBool_Check(h.ptr())) bad_arg<bool>(a, h);
  out = h.ptr() == Py_True;
}

// Calls f(field) for each of an entry's fields.
template <class Tuple, class F>
void for_each_field(const Tuple& fields, F&& f) {
  std::apply([&](const auto&... x) { (f(x), ...); }, fields);
  (void)f;
}

// Fills an entry's Params from keyword arguments named after its fields (absent ones keep defaults).
template <class A>
typename A::Params params_from(const py::dict& kw, std::string_view fn) {
  typename A::Params p{};
  int position = 2;  // after `input`
  for_each_field(A::fields, [&](const auto& field) {
    using T = std::remove_cvref_t<decltype(p.*(field.member))>;
    Arg a{fn, field.name, keyword_only<T> ? 0 : position++};
    py::str key(field.name.data(), field.name.size());
    if (kw.contains(key)) from_py(kw[key], p.*(field.member), a);
  });
  return p;
}

template <class F>
void find_entry(std::string_view name, F&& f) {
  if (!act::visit_by_name(name, f)) throw ValueError(detail::cat("unknown activation '", name, "'"));
}

constexpr const char* kind_name(Kind k) {
  switch (k) {
    case Kind::pointwise:
      return "pointwise";
    case Kind::prelu:
      return "prelu";
    case Kind::rrelu:
      return "rrelu";
    case Kind::softmax:
      return "softmax";
  }
  return "?";
}
constexpr const char* inplace_name(Inplace i) {
  switch (i) {
    case Inplace::none:
      return "none";
    case Inplace::function:
      return "function";
    case Inplace::keyword:
      return "keyword";
  }
  return "?";
}

py::list registry() {
  py::list out;
  act::for_each_activation([&](auto a) {
    using A = decltype(a);
    const typename A::Params defaults{};
    py::list fields;
    for_each_field(A::fields, [&](const auto& field) {
      using T = std::remove_cvref_t<decltype(defaults.*(field.member))>;
      py::dict d;
      d["name"] = std::string(field.name);
      d["default"] = to_py(defaults.*(field.member));
      d["required"] = field.required;
      d["keyword_only"] = keyword_only<T>;
      d["type"] = type_label<T>();  // Number (int or float, kept apart), str, int
      fields.append(d);
    });
    py::list dtypes;
    for (int t = 0; t < kNumScalarTypes; ++t)
      if (A::dtypes.has(ScalarType(t))) dtypes.append(py::cast(ScalarType(t)));
    py::dict e;
    e["name"] = std::string(A::name);
    e["module"] = std::string(A::module);
    e["kernel"] = std::string(A::kernel);
    e["kind"] = kind_name(A::kind);
    e["inplace"] = inplace_name(A::inplace);
    e["repr_inplace"] = A::repr_inplace;
    e["ints_give_float"] = A::ints_give_float;
    e["dtypes"] = dtypes;
    e["fields"] = fields;
    out.append(e);
  });
  return out;
}

// apply("leaky_relu", x, {"negative_slope": 0.2}, inplace): the one call path of every entry.
// Extra keywords by kind: rrelu reads `training`, softmax `dtype` (the input is cast first), prelu
// `weight`. In place, returns the input object itself.
py::object apply(const std::string& name, py::handle input, const py::dict& kw, bool inplace) {
  const std::string fn = name + (inplace ? "_" : "");
  Tensor& x = tensor_arg(input, fn, "input", 1);
  Tensor y;
  find_entry(name, [&](auto a) {
    using A = decltype(a);
    if constexpr (A::kind == Kind::prelu) {
      py::object w_obj = kw.contains("weight") ? py::object(kw["weight"]) : py::object(py::none());
      const Tensor& w = tensor_arg(w_obj, fn, "weight", 2);
      py::gil_scoped_release nogil;
      y = prelu(x, w);
    } else {
      auto p = params_from<A>(kw, fn);
      if constexpr (A::kind == Kind::rrelu) {
        if (kw.contains("training")) from_py(kw["training"], p.training, Arg{fn, "training", 4});
      }
      Tensor in = x;
      bool negated = false;  // softmin with dtype=: 1.13's (-input).softmax(dim, dtype), the negation first
      if constexpr (A::kind == Kind::softmax) {
        if (kw.contains("dtype") && !kw["dtype"].is_none()) {
          if constexpr (A::negate) {
            in = x.neg();
            negated = true;
          }
          in = in.to(kw["dtype"].cast<ScalarType>());
        }
      }
      const bool has_out = kw.contains("out") && !kw["out"].is_none();
      if (has_out) {
        if constexpr (A::kind == Kind::pointwise) {
          Tensor& out = tensor_arg(kw["out"], fn, "out", 2);
          py::gil_scoped_release nogil;
          activation_out<A>(in, out, p);
        }
      } else if (!inplace) {
        py::gil_scoped_release nogil;
        if constexpr (A::kind == Kind::softmax) y = negated ? activation<act::Softmax>(in, p) : activation<A>(in, p);
        else y = activation<A>(in, p);
      } else if constexpr (A::inplace != Inplace::none) {
        py::gil_scoped_release nogil;
        activation_<A>(x, p);
      } else {
        throw Error(detail::cat(name, "() has no in-place form"));
      }
    }
  });
  if (inplace) return py::reinterpret_borrow<py::object>(input);
  if (kw.contains("out") && !kw["out"].is_none()) return py::reinterpret_borrow<py::object>(kw["out"]);
  return py::cast(std::move(y));
}

// ---- modules ----
std::unique_ptr<nn::Module> make_module(const std::string& name, const py::dict& kw, bool inplace) {
  std::unique_ptr<nn::Module> m;
  find_entry(name, [&](auto a) {
    using A = decltype(a);
    auto p = params_from<A>(kw, std::string(A::module) + ".__init__");
    if constexpr (A::kind == Kind::prelu) {
      if (kw.contains("init")) from_py(kw["init"], p.init, Arg{"PReLU.__init__", "init", 2});
    }
    try {
      m = std::make_unique<nn::Activation<A>>(p, inplace);
    } catch (const ramp::Error&) {
      // The constructors' checks are PyTorch's asserts (`assert self.max_val > self.min_val`).
      PyErr_SetNone(PyExc_AssertionError);
      throw py::error_already_set();
    }
  });
  return m;
}

// Calls f(module) with the module's concrete Activation<A>.
template <class F>
void visit(nn::Module& m, F&& f) {
  bool done = false;
  act::for_each_activation([&](auto a) {
    using A = decltype(a);
    if (auto* p = done ? nullptr : dynamic_cast<nn::Activation<A>*>(&m)) {
      done = true;
      f(*p);
    }
  });
  RAMP_CHECK(done, "not an activation module");
}

py::object get_field(nn::Module& m, const std::string& name) {
  py::object out;
  visit(m, [&](auto& mod) {
    using A = typename std::remove_cvref_t<decltype(mod)>::Entry;
    if (name == "inplace") out = py::bool_(mod.inplace);
    for_each_field(A::fields, [&](const auto& f) {
      if (f.name == name) out = to_py(mod.params.*(f.member));
    });
  });
  if (!out) throw py::attribute_error(name);
  return out;
}

void set_field(nn::Module& m, const std::string& name, py::handle value) {
  bool found = false;
  visit(m, [&](auto& mod) {
    using A = typename std::remove_cvref_t<decltype(mod)>::Entry;
    if (name == "inplace") {
      from_py(value, mod.inplace, Arg{A::module, "inplace", 0});
      found = true;
    }
    for_each_field(A::fields, [&](const auto& field) {
      if (field.name != name) return;
      from_py(value, mod.params.*(field.member), Arg{A::module, field.name, 0});
      found = true;
    });
  });
  if (!found) throw py::attribute_error(name);
}

// (entry name, fields, inplace, training, the Python object's __dict__): what copy, deepcopy and
// pickle need to rebuild a module, C++ part included.
py::tuple module_state(py::object self) {
  auto& m = self.cast<nn::Module&>();
  py::tuple out;
  visit(m, [&](auto& mod) {
    using A = typename std::remove_cvref_t<decltype(mod)>::Entry;
    py::dict kw;
    for_each_field(A::fields, [&](const auto& f) { kw[py::str(std::string(f.name))] = to_py(mod.params.*(f.member)); });
    out = py::make_tuple(std::string(A::name), kw, mod.inplace, m.is_training(),
                         py::getattr(self, "__dict__", py::dict()));
  });
  return out;
}

std::pair<std::unique_ptr<nn::Module>, py::dict> module_from_state(const py::tuple& s) {
  RAMP_CHECK_T(ValueError, s.size() == 5, "invalid state for an activation module");
  auto m = make_module(s[0].cast<std::string>(), s[1].cast<py::dict>(), s[2].cast<bool>());
  m->train(s[3].cast<bool>());
  // A fresh dict: copy.copy must not share the original's (torch's copies get their own).
  return {std::move(m), py::reinterpret_steal<py::dict>(PyDict_Copy(s[4].ptr()))};
}

}  // namespace

void init_activations(py::module_& m) {
  m.def("registry", &registry);
  m.def("apply", &apply, py::arg("name"), py::arg("input"), py::arg("kwargs"), py::arg("inplace") = false);
  m.def("implicit_softmax_dim", &implicit_softmax_dim, py::arg("ndim"));
  m.def(
      "glu",
      [](const Tensor& x, std::int64_t dim) {
        py::gil_scoped_release nogil;
        return glu(x, dim);
      },
      py::arg("input"), py::arg("dim") = -1);
  m.def(
      "rrelu_with_noise",
      [](const Tensor& x, const Scalar& lower, const Scalar& upper, bool inplace) {
        return rrelu_with_noise(x, {lower, upper, true}, inplace);
      },
      py::arg("input"), py::arg("lower"), py::arg("upper"), py::arg("inplace") = false);

  py::class_<nn::Module>(m, "Module")
      .def(py::init(&make_module), py::arg("name"), py::arg("kwargs"), py::arg("inplace") = false)
      .def(
          "forward",
          [](nn::Module& self, py::handle input) -> py::object {
            Tensor& x = tensor_arg(input, self.name(), "input", 1);
            Tensor y;
            {
              py::gil_scoped_release nogil;
              y = self.forward(x);
            }
            if (y.is_same(x)) return py::reinterpret_borrow<py::object>(input);  // in place: the same object
            return py::cast(std::move(y));
          },
          py::arg("input"))
      // References, not member pointers: pybind11 then refuses an instance whose __init__ failed.
      // __call__, __repr__, train() and the parameters come from the Python ramp.nn.Module base.
      .def("extra_repr", [](const nn::Module& self) { return self.extra_repr(); })
      .def("_get", &get_field)
      .def("_set", &set_field)
      .def(py::pickle(&module_state, &module_from_state))
      .def_property(
          "training", [](const nn::Module& self) { return self.is_training(); },
          [](nn::Module& self, bool on) { self.train(on); });
}

}  // namespace ramp::py_
