// The named forms of + - * / with torch's keywords: ramp.add/sub/mul/div (and their aliases
// subtract/multiply/divide/true_divide, rsub, floor_divide), the methods and in-place methods
// (x.add_(g, alpha=-lr)), div's rounding_mode, and the operators // and //=. The operators + - * /
// themselves are in tensor.cpp.
#include "bindings.h"
#include "ramp/ops.h"

namespace ramp::py_ {
namespace {

// `other` as a tensor: a Python number becomes a 0-d tensor of the result type, which promotes as
// the number would (int tensor + 2.5 is float32); a Python bool a 0-d bool tensor, as 1.13 wraps it
// (it promotes as nothing, and sub refuses it). In true division a number is a 0-d tensor of the
// floating dtype it computes in (1.13 converts it straight there: uint8 tensor / -1 divides by -1.0).
Tensor operand(const Tensor& self, py::handle other, const char* fn, bool true_division = false) {
  if (py::isinstance<Tensor>(other)) return other.cast<Tensor>();
  Scalar s;
  if (!to_scalar(other, s))
    throw TypeError(detail::cat(fn, "(): argument 'other' (position 1) must be Tensor or Number, not ",
                                type_name(other)));
  if (s.kind == Scalar::Kind::Bool) return scalar_tensor(s, ScalarType::Bool);
  const ScalarType t = result_type(self, s);
  return scalar_tensor(s, true_division && !is_floating(t) ? get_default_dtype() : t);
}

using Rounding = std::optional<std::string>;
std::optional<std::string_view> view(const Rounding& r) {
  return r ? std::optional<std::string_view>(*r) : std::nullopt;
}

Tensor add(const Tensor& a, py::handle b, const Scalar& alpha) { return a.add(operand(a, b, "add"), alpha); }
Tensor sub(const Tensor& a, py::handle b, const Scalar& alpha) { return a.sub(operand(a, b, "sub"), alpha); }
Tensor mul(const Tensor& a, py::handle b) { return a.mul(operand(a, b, "mul")); }
Tensor div(const Tensor& a, py::handle b, const Rounding& mode) {
  if (mode) return ramp::div(a, operand(a, b, "div"), view(mode));
  return a.div(operand(a, b, "div", true));
}

}  // namespace

void init_arith(py::module_& m) {
  using py::arg;
  auto cls = py::reinterpret_borrow<py::class_<Tensor>>(m.attr("Tensor"));
  for (const char* name : {"add"}) {
    m.def(name, &add, arg("input"), arg("other"), py::kw_only(), arg("alpha") = 1);
    cls.def(name, &add, arg("other"), py::kw_only(), arg("alpha") = 1);
  }
  for (const char* name : {"sub", "subtract"}) {
    m.def(name, &sub, arg("input"), arg("other"), py::kw_only(), arg("alpha") = 1);
    cls.def(name, &sub, arg("other"), py::kw_only(), arg("alpha") = 1);
  }
  for (const char* name : {"mul", "multiply"}) {
    m.def(name, &mul, arg("input"), arg("other"));
    cls.def(name, &mul, arg("other"));
  }
  for (const char* name : {"div", "divide"}) {
    m.def(name, &div, arg("input"), arg("other"), py::kw_only(), arg("rounding_mode") = py::none());
    cls.def(name, &div, arg("other"), py::kw_only(), arg("rounding_mode") = py::none());
  }
  auto true_divide = [](const Tensor& a, py::handle b) { return div(a, b, {}); };
  m.def("true_divide", true_divide, arg("input"), arg("other"));
  cls.def("true_divide", true_divide, arg("other"));
  // rsub(input, other, alpha) = other - alpha * input
  m.def(
      "rsub", [](const Tensor& a, py::handle b, const Scalar& alpha) { return operand(a, b, "rsub").sub(a, alpha); },
      arg("input"), arg("other"), py::kw_only(), arg("alpha") = 1);
  auto floor_divide = [](const Tensor& a, py::handle b) { return ramp::floor_divide(a, operand(a, b, "floor_divide")); };
  m.def("floor_divide", floor_divide, arg("input"), arg("other"));
  cls.def("floor_divide", floor_divide, arg("other"));
  cls.def("__floordiv__", floor_divide, py::is_operator());
  cls.def(
      "__rfloordiv__", [](const Tensor& a, py::handle b) { return ramp::floor_divide(operand(a, b, "floor_divide"), a); },
      py::is_operator());

  // In place: the same Python object back, as torch returns self.
  auto add_ = [](py::object self, py::handle b, const Scalar& alpha) {
    Tensor& a = self.cast<Tensor&>();
    a.add_(operand(a, b, "add_"), alpha);
    return self;
  };
  auto sub_ = [](py::object self, py::handle b, const Scalar& alpha) {
    Tensor& a = self.cast<Tensor&>();
    a.sub_(operand(a, b, "sub_"), alpha);
    return self;
  };
  auto mul_ = [](py::object self, py::handle b) {
    Tensor& a = self.cast<Tensor&>();
    a.mul_(operand(a, b, "mul_"));
    return self;
  };
  auto div_ = [](py::object self, py::handle b, const Rounding& mode) {
    Tensor& a = self.cast<Tensor&>();
    if (mode) {  // 1.13 keeps self's dtype: the rounded quotient is cast back where c10::canCast allows
      Tensor q = div(a, b, mode);
      RAMP_CHECK((!is_floating(q.dtype()) || is_floating(a.dtype())) &&
                     (q.dtype() == ScalarType::Bool || a.dtype() != ScalarType::Bool),
                 "result type ", dtype_error_name(q.dtype()), " can't be cast to the desired output type ",
                 dtype_error_name(a.dtype()));
      a.copy_(q);
    } else
      a.div_(operand(a, b, "div_"));
    return self;
  };
  cls.def("add_", add_, arg("other"), py::kw_only(), arg("alpha") = 1);
  for (const char* name : {"sub_", "subtract_"}) cls.def(name, sub_, arg("other"), py::kw_only(), arg("alpha") = 1);
  for (const char* name : {"mul_", "multiply_"}) cls.def(name, mul_, arg("other"));
  for (const char* name : {"div_", "divide_"})
    cls.def(name, div_, arg("other"), py::kw_only(), arg("rounding_mode") = py::none());
  cls.def(
      "true_divide_", [div_](py::object self, py::handle b) { return div_(self, b, {}); }, arg("other"));
  cls.def(
      "__ifloordiv__", [div_](py::object self, py::handle b) { return div_(self, b, "floor"); },
      py::is_operator());
}

}  // namespace ramp::py_
