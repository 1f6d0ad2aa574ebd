// ramp/elementwise.h for Python, generated from the table's lists: for every entry ramp.<name>
// and Tensor.<name>, Tensor.<name>_ (and ramp.<name>_ where torch has it), torch's alias names,
// the number overloads; the operators ~ & | ^ % << >> with their reflected and in-place forms; and
// where, lerp, addcmul, addcdiv, isclose, allclose, equal, nan_to_num, square, round(decimals=), clamp_,
// logit, polygamma, positive, ldexp.
// _C._elementwise_names lists the module-level names for ramp/__init__.py.
#include "ramp/elementwise.h"

#include "bindings.h"

namespace ramp::py_ {
namespace {

using py::arg;

struct Defs {
  py::module_& m;
  py::class_<Tensor>& cls;
  py::list names;  // what ramp/__init__.py takes from _C

  template <class... F> void function(const std::string& name, F&&... f) {
    m.def(name.c_str(), std::forward<F>(f)...);
    names.append(name);
  }
};

// An in-place method returns the Python object it was called on (x.sin_() is x).
template <class F> auto returning_self(F f) {
  return [f](py::object self) {
    f(self.cast<Tensor&>());
    return self;
  };
}
template <class A, class F> auto returning_self1(F f) {
  return [f](py::object self, A a) {
    f(self.cast<Tensor&>(), a);
    return self;
  };
}

// The names an entry answers to: its own, and torch's alias (negative, absolute, fix).
template <class E> std::vector<std::string> names_of() {
  std::vector<std::string> n{std::string(E::name)};
  if (!E::alias.empty()) n.emplace_back(E::alias);
  return n;
}

template <class E, bool Inplace> void def_unary(Defs& d) {
  for (const std::string& name : names_of<E>()) {
    d.function(name, &ew::unary<E>, arg("input"));
    d.cls.def(name.c_str(), &ew::unary<E>);
    if constexpr (!Inplace) continue;
    auto f = returning_self([](Tensor& t) { ew::unary_<E>(t); });
    d.cls.def((name + "_").c_str(), f);
    // torch.negative_/fix_ exist, torch.absolute_ does not
    if (E::torch_inplace && name != "absolute") d.function(name + "_", f, arg("input"));
  }
}

using Binary = Tensor (*)(const Tensor&, const Tensor&);
using BinaryScalar = Tensor (*)(const Tensor&, const Scalar&);

// A number on the left (2 % x, ramp.bitwise_and(2, x)).
template <class E> Tensor number_first(const Scalar& a, const Tensor& b) { return ew::binary<E>(a, b); }

template <class E, bool Numbers> void def_binary(Defs& d) {
  const std::string name(E::name), other(E::other);
  const Binary tensor = &ew::binary<E>;
  const BinaryScalar scalar = &ew::binary<E>;
  if constexpr (E::special) {  // _C.special_xlog1py, for ramp.special (no ramp.<name>, no method)
    d.m.def(name.c_str(), tensor, arg("input"), arg(other.c_str()));
    d.m.def(name.c_str(), scalar, arg("input"), arg(other.c_str()));
    d.m.def(name.c_str(), &number_first<E>, arg("self"), arg(other.c_str()));
    return;
  }
  d.function(name, tensor, arg("input"), arg(other.c_str()));
  d.cls.def(name.c_str(), tensor, arg(other.c_str()));
  auto inplace = returning_self1<const Tensor&>([](Tensor& t, const Tensor& o) { ew::binary_<E>(t, o); });
  if (E::method_inplace) d.cls.def((name + "_").c_str(), inplace, arg(other.c_str()));
  if (E::torch_inplace) d.function(name + "_", inplace, arg("input"), arg(other.c_str()));  // torch.gcd_(a, b)
  if constexpr (!Numbers) return;
  d.m.def(name.c_str(), scalar, arg("input"), arg(other.c_str()));
  d.cls.def(name.c_str(), scalar, arg(other.c_str()));
  auto inplace_scalar = returning_self1<const Scalar&>([](Tensor& t, const Scalar& o) { ew::binary_<E>(t, o); });
  d.cls.def((name + "_").c_str(), inplace_scalar, arg(other.c_str()));
  if (E::torch_inplace) d.function(name + "_", inplace_scalar, arg("input"), arg(other.c_str()));  // torch.clamp_min_(x, 0)
  // ramp.remainder(2, x), ramp.xlogy(2, x)
  if (E::number_first) d.m.def(name.c_str(), &number_first<E>, arg("self"), arg(other.c_str()));
}

// The operator forms of a binary entry: __op__, __rop__ (number on the left), __iop__.
template <class E> void def_operator(Defs& d, const char* op) {
  const std::string o(op);
  d.cls.def(("__" + o + "__").c_str(), static_cast<Binary>(&ew::binary<E>), py::is_operator())
      .def(("__" + o + "__").c_str(), static_cast<BinaryScalar>(&ew::binary<E>), py::is_operator())
      .def(("__r" + o + "__").c_str(), [](const Tensor& self, const Scalar& a) { return number_first<E>(a, self); },
           py::is_operator())
      .def(("__i" + o + "__").c_str(),
           returning_self1<const Tensor&>([](Tensor& t, const Tensor& x) { ew::binary_<E>(t, x); }), py::is_operator())
      .def(("__i" + o + "__").c_str(),
           returning_self1<const Scalar&>([](Tensor& t, const Scalar& x) { ew::binary_<E>(t, x); }), py::is_operator());
}

py::tuple as_tuple(const std::vector<Tensor>& v) {
  py::tuple t(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) t[i] = py::cast(v[i]);
  return t;
}

void def_where(Defs& d) {
  d.function("where", py::overload_cast<const Tensor&, const Tensor&, const Tensor&>(&where), arg("condition"),
             arg("input"), arg("other"));
  d.m.def("where", py::overload_cast<const Tensor&, Scalar, const Tensor&>(&where), arg("condition"), arg("self"),
          arg("other"));
  d.m.def("where", py::overload_cast<const Tensor&, const Tensor&, Scalar>(&where), arg("condition"), arg("input"),
          arg("other"));
  d.m.def("where", py::overload_cast<const Tensor&, Scalar, Scalar>(&where), arg("condition"), arg("self"),
          arg("other"));
  d.m.def("where", [](const Tensor& c) { return as_tuple(where(c)); }, arg("condition"));
  d.cls.def("where", [](const Tensor& self, const Tensor& c, const Tensor& o) { return where(c, self, o); },
            arg("condition"), arg("other"));
}

void def_ternary(Defs& d) {
  using LerpT = Tensor (*)(const Tensor&, const Tensor&, const Tensor&);
  using LerpS = Tensor (*)(const Tensor&, const Tensor&, Scalar);
  d.function("lerp", static_cast<LerpT>(&lerp), arg("input"), arg("end"), arg("weight"));
  d.m.def("lerp", static_cast<LerpS>(&lerp), arg("input"), arg("end"), arg("weight"));
  d.cls.def("lerp", static_cast<LerpT>(&lerp), arg("end"), arg("weight"))
      .def("lerp", static_cast<LerpS>(&lerp), arg("end"), arg("weight"))
      .def(
          "lerp_",
          [](py::object self, const Tensor& end, const Tensor& w) {
            lerp_(self.cast<Tensor&>(), end, w);
            return self;
          },
          arg("end"), arg("weight"))
      .def(
          "lerp_",
          [](py::object self, const Tensor& end, const Scalar& w) {
            lerp_(self.cast<Tensor&>(), end, w);
            return self;
          },
          arg("end"), arg("weight"));

  struct Addc {
    const char* name;
    Tensor (*f)(const Tensor&, const Tensor&, const Tensor&, Scalar);
    Tensor& (*f_)(Tensor&, const Tensor&, const Tensor&, Scalar);
  };
  for (const Addc& a : {Addc{"addcmul", &addcmul, &addcmul_}, Addc{"addcdiv", &addcdiv, &addcdiv_}}) {
    d.function(a.name, a.f, arg("input"), arg("tensor1"), arg("tensor2"), py::kw_only(), arg("value") = 1);
    d.cls.def(a.name, a.f, arg("tensor1"), arg("tensor2"), py::kw_only(), arg("value") = 1);
    d.cls.def(
        (std::string(a.name) + "_").c_str(),
        [f_ = a.f_](py::object self, const Tensor& t1, const Tensor& t2, const Scalar& v) {
          f_(self.cast<Tensor&>(), t1, t2, v);
          return self;
        },
        arg("tensor1"), arg("tensor2"), py::kw_only(), arg("value") = 1);
  }
}

void def_closeness(Defs& d) {
  d.function("isclose", &isclose, arg("input"), arg("other"), arg("rtol") = 1e-05, arg("atol") = 1e-08,
             arg("equal_nan") = false);
  d.function("allclose", &allclose, arg("input"), arg("other"), arg("rtol") = 1e-05, arg("atol") = 1e-08,
             arg("equal_nan") = false);
  d.function("equal", &equal, arg("input"), arg("other"));
  d.cls.def("isclose", &isclose, arg("other"), arg("rtol") = 1e-05, arg("atol") = 1e-08, arg("equal_nan") = false)
      .def("allclose", &allclose, arg("other"), arg("rtol") = 1e-05, arg("atol") = 1e-08, arg("equal_nan") = false)
      .def("equal", &equal, arg("other"));
}

void def_others(Defs& d) {
  // round(input, *, decimals): the decimals overload (RoundBackward1) whenever decimals is given.
  using Round = Tensor (*)(const Tensor&, std::int64_t);
  d.m.def("round", static_cast<Round>(&round), arg("input"), py::kw_only(), arg("decimals"));
  d.cls.def("round", static_cast<Round>(&round), py::kw_only(), arg("decimals"));
  d.cls.def(
      "round_",
      [](py::object self, std::int64_t decimals) {
        round_(self.cast<Tensor&>(), decimals);
        return self;
      },
      py::kw_only(), arg("decimals"));

  // nan_to_num(input, nan=0.0, posinf=None, neginf=None) and its in-place forms
  d.function("nan_to_num", &nan_to_num, arg("input"), arg("nan") = 0.0, arg("posinf") = py::none(),
             arg("neginf") = py::none());
  d.cls.def("nan_to_num", &nan_to_num, arg("nan") = 0.0, arg("posinf") = py::none(), arg("neginf") = py::none());
  auto nan_to_num_inplace = [](py::object self, std::optional<double> nan, std::optional<double> posinf,
                               std::optional<double> neginf) {
    nan_to_num_(self.cast<Tensor&>(), nan, posinf, neginf);
    return self;
  };
  d.cls.def("nan_to_num_", nan_to_num_inplace, arg("nan") = 0.0, arg("posinf") = py::none(),
            arg("neginf") = py::none());
  d.function("nan_to_num_", nan_to_num_inplace, arg("input"), arg("nan") = 0.0, arg("posinf") = py::none(),
             arg("neginf") = py::none());

  d.function("square", &square, arg("input"));
  d.cls.def("square", &square);
  auto square_inplace = returning_self([](Tensor& t) { square_(t); });
  d.cls.def("square_", square_inplace);
  d.function("square_", square_inplace, arg("input"));

  auto clamp_inplace = [](py::object self, std::optional<Scalar> min, std::optional<Scalar> max) {
    clamp_(self.cast<Tensor&>(), min, max);
    return self;
  };
  auto clamp_tensors = [](const Tensor& x, std::optional<Tensor> min, std::optional<Tensor> max) {
    return clamp(x, min.value_or(Tensor()), max.value_or(Tensor()));
  };
  for (const char* name : {"clamp", "clip"}) {
    const std::string in_place = std::string(name) + "_";
    d.cls.def(in_place.c_str(), clamp_inplace, arg("min") = py::none(), arg("max") = py::none());
    d.function(in_place, clamp_inplace, arg("input"), arg("min") = py::none(), arg("max") = py::none());
    // Tensor bounds (ClampBackward0), after ops.cpp's number overload.
    d.m.def(name, clamp_tensors, arg("input"), arg("min") = py::none(), arg("max") = py::none());
    d.cls.def(name, clamp_tensors, arg("min") = py::none(), arg("max") = py::none());
  }
  // logit(input, eps=None), polygamma(n, input), positive, ldexp (src/ops/special.cpp)
  d.function("logit", &logit, arg("input"), arg("eps") = py::none());
  d.cls.def("logit", &logit, arg("eps") = py::none());
  auto logit_inplace = [](py::object self, std::optional<double> eps) {
    logit_(self.cast<Tensor&>(), eps);
    return self;
  };
  d.function("logit_", logit_inplace, arg("input"), arg("eps") = py::none());
  d.cls.def("logit_", logit_inplace, arg("eps") = py::none());
  d.function("polygamma", &polygamma, arg("n"), arg("input"));
  d.cls.def("polygamma", [](const Tensor& self, std::int64_t n) { return polygamma(n, self); }, arg("n"));
  d.cls.def("polygamma_", returning_self1<std::int64_t>([](Tensor& t, std::int64_t n) { polygamma_(t, n); }), arg("n"));
  // the same Python object, as 1.13 (torch.positive(x) is x), after positive's bool check
  auto same_object = [](py::object x) {
    positive(x.cast<const Tensor&>());
    return x;
  };
  d.function("positive", same_object, arg("input"));
  d.cls.def("positive", same_object);
  d.cls.def("__pos__", same_object);
  d.function("ldexp", &ldexp, arg("input"), arg("other"));
  d.cls.def("ldexp", &ldexp, arg("other"));
  auto ldexp_inplace = returning_self1<const Tensor&>([](Tensor& t, const Tensor& o) { ldexp_(t, o); });
  d.function("ldexp_", ldexp_inplace, arg("input"), arg("other"));
  d.cls.def("ldexp_", ldexp_inplace, arg("other"));

  // ~x: integers and bool only, with torch's TypeError for the rest.
  d.cls.def("__invert__", [](const Tensor& t) {
    RAMP_CHECK_T(TypeError, is_integral(t.dtype(), true),
                 "~ (operator.invert) is only implemented on integer and Boolean-type tensors");
    return bitwise_not(t);
  });
}

}  // namespace

void init_elementwise(py::module_& m) {
  auto cls = py::reinterpret_borrow<py::class_<Tensor>>(m.attr("Tensor"));
  Defs d{m, cls, py::list()};
  ew::for_each_unary([&](auto e) { def_unary<decltype(e), true>(d); });
  ew::for_each_predicate([&](auto e) { def_unary<decltype(e), false>(d); });
  ew::for_each_binary([&](auto e) { def_binary<decltype(e), true>(d); });
  ew::for_each_logical([&](auto e) { def_binary<decltype(e), false>(d); });
  def_operator<ew::BitwiseAnd>(d, "and");
  def_operator<ew::BitwiseOr>(d, "or");
  def_operator<ew::BitwiseXor>(d, "xor");
  def_operator<ew::Remainder>(d, "mod");
  def_operator<ew::LeftShift>(d, "lshift");
  def_operator<ew::RightShift>(d, "rshift");
  def_where(d);
  def_ternary(d);
  def_closeness(d);
  def_others(d);
  m.attr("_elementwise_names") = d.names;
}

}  // namespace ramp::py_
