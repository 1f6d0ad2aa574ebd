// The pointwise ops beside the table of ramp/elementwise.h: the ternary ones (where, lerp,
// addcmul, addcdiv, clamp with tensor bounds), round with decimals, nan_to_num, square, clamp_, and the
// closeness tests. Formulas and gradients as 1.13's kernels and derivatives.yaml.
#include <cmath>
#include <limits>
#include <sstream>

#include "inplace.h"
#include "map.h"

namespace ramp {
namespace {

using autograd::Node;
using autograd::wants;
using detail::Compute;

// torch.result_type over several tensors: tensors with dims decide, 0-d ones raise the result
// only to a higher category (as ramp::result_type for two).
ScalarType result_type_of(std::initializer_list<std::reference_wrapper<const Tensor>> ts) {
  auto category = [](ScalarType t) { return t == ScalarType::Bool ? 0 : is_integral(t) ? 1 : 2; };
  std::optional<ScalarType> dim, zero;
  for (const Tensor& t : ts) {
    auto& r = t.dim() > 0 ? dim : zero;
    r = r ? promote_types(*r, t.dtype()) : t.dtype();
  }
  if (!dim) return *zero;
  if (zero && category(*zero) > category(*dim)) return promote_types(*dim, *zero);
  return *dim;
}

// A Python number alone: bool, int64, or the default floating dtype.
Tensor number_tensor(const Scalar& s) {
  return scalar_tensor(s, s.kind == Scalar::Kind::Bool  ? ScalarType::Bool
                          : s.kind == Scalar::Kind::Int ? ScalarType::Int64
                                                        : get_default_dtype());
}

// out = f(x, y, z) elementwise over three tensors converted to `in` and broadcast to out's shape.
template <class O, class I, class F>
void map3(const Tensor& out, const Tensor& x, const Tensor& y, const Tensor& z, F f) {
  detail::map_elements<O, I>(out, f, x.expand(out.sizes()), y.expand(out.sizes()), z.expand(out.sizes()));
}

Dims broadcast3(const Tensor& a, const Tensor& b, const Tensor& c) {
  return broadcast_shapes(broadcast_shapes(a.sizes(), b.sizes()), c.sizes());
}

Tensor zero_like_grad(const Tensor& g) { return scalar_tensor(0, g.dtype()); }

// c10's names for dtypes in lerp's messages ("expected dtype float for `end` ...").
const char* c10_name(ScalarType t) {
  switch (t) {
    case ScalarType::Bool: return "bool";
    case ScalarType::UInt8: return "unsigned char";
    case ScalarType::Int8: return "signed char";
    case ScalarType::Int32: return "int";
    case ScalarType::Int64: return "long int";
    case ScalarType::BFloat16: return "c10::BFloat16";
    case ScalarType::Float32: return "float";
    case ScalarType::Float64: return "double";
  }
  return "?";
}

std::string number_str(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

// Every element of a bool tensor is true.
bool all_true(const Tensor& b) {
  const Tensor c = b.contiguous();
  const bool* p = c.data<bool>();
  return std::all_of(p, p + c.numel(), [](bool v) { return v; });
}

}  // namespace

// ---- where ----
Tensor where(const Tensor& condition, const Tensor& self, const Tensor& other) {
  RAMP_CHECK(condition.dtype() == ScalarType::Bool || condition.dtype() == ScalarType::UInt8,
             "where expected condition to be a boolean tensor, but got a tensor with dtype ",
             dtype_error_name(condition.dtype()));
  const ScalarType t = result_type(self, other);
  const Dims shape = broadcast3(condition, self, other);
  auto compute = [&] {
    Tensor out = empty(shape, t);
    const Tensor c = condition.detach().to(ScalarType::Bool).expand(shape);
    const Tensor x = self.detach().to(t).expand(shape), y = other.detach().to(t).expand(shape);
    dispatch(t, [&](auto v) {
      using T = decltype(v);
      detail::for_each_row<4>(
          shape, {static_cast<char*>(out.data_ptr()), static_cast<char*>(c.data_ptr()),
                  static_cast<char*>(x.data_ptr()), static_cast<char*>(y.data_ptr())},
          {detail::byte_strides(out), detail::byte_strides(c), detail::byte_strides(x), detail::byte_strides(y)},
          [](auto p, auto s, std::int64_t n) {
            for (std::int64_t i = 0; i < n; ++i)
              *reinterpret_cast<T*>(p[0] + i * s[0]) = *reinterpret_cast<const bool*>(p[1] + i * s[1])
                                                           ? *reinterpret_cast<const T*>(p[2] + i * s[2])
                                                           : *reinterpret_cast<const T*>(p[3] + i * s[3]);
          });
    });
    return out;
  };
  if (!autograd::needs_grad({self, other})) return compute();
  Tensor out = autograd::below(compute);
  autograd::record(out, "WhereBackward0", {self, other}, {{condition, false}},
                   [sa = Dims(self.sizes()), sb = Dims(other.sizes())](const Node& n, const Tensor& g) {
                     // dself = where(cond, dy, 0), dother = where(cond, 0, dy)
                     const Tensor c = n.unpack(0), zero = zero_like_grad(g);
                     return std::vector<Tensor>{wants(n, 0) ? autograd::sum_to(where(c, g, zero), sa) : Tensor(),
                                                wants(n, 1) ? autograd::sum_to(where(c, zero, g), sb) : Tensor()};
                   });
  return out;
}
Tensor where(const Tensor& condition, Scalar self, const Tensor& other) {
  return where(condition, scalar_tensor(self, result_type(other, self)), other);
}
Tensor where(const Tensor& condition, const Tensor& self, Scalar other) {
  return where(condition, self, scalar_tensor(other, result_type(self, other)));
}
Tensor where(const Tensor& condition, Scalar self, Scalar other) {
  return where(condition, number_tensor(self), number_tensor(other));
}

std::vector<Tensor> where(const Tensor& condition) {
  const Tensor c = (condition.dim() == 0 ? condition.reshape({1}) : condition).contiguous();
  const std::int64_t nd = c.dim();
  std::vector<std::int64_t> flat;  // row-major indices of the nonzero elements
  dispatch(c.dtype(), [&](auto v) {
    using T = decltype(v);
    const T* p = static_cast<const T*>(c.data_ptr());
    for (std::int64_t i = 0; i < c.numel(); ++i)
      if (Compute<T>(p[i]) != Compute<T>(0)) flat.push_back(i);
  });
  const auto count = std::int64_t(flat.size());
  std::vector<Tensor> out;
  for (std::int64_t d = 0; d < nd; ++d) out.push_back(empty({count}, ScalarType::Int64));
  for (std::int64_t k = 0; k < count; ++k) {
    std::int64_t i = flat[std::size_t(k)];
    for (std::int64_t d = nd - 1; d >= 0; --d) {
      out[std::size_t(d)].data<std::int64_t>()[k] = i % c.size(d);
      i /= c.size(d);
    }
  }
  return out;
}

// ---- lerp ----
namespace {

void check_lerp(const Tensor& self, const Tensor& end, const Tensor* weight) {
  RAMP_CHECK(self.dtype() == end.dtype(), "expected dtype ", c10_name(self.dtype()), " for `end` but got dtype ",
             c10_name(end.dtype()));
  if (weight)
    RAMP_CHECK(self.dtype() == weight->dtype(), "expected dtype ", c10_name(self.dtype()),
               " for `weight` but got dtype ", c10_name(weight->dtype()));
  RAMP_CHECK(is_floating(self.dtype()), "\"", weight ? "lerp_kernel_tensor" : "lerp_kernel_scalar",
             "\" not implemented for '", dtype_error_name(self.dtype()), "'");
}

// self + w (end - self) for w < 0.5, else end - (end - self)(1 - w): exact at both ends. Each
// product and sum is one fused multiply-add, as 1.13's kernel compiles (GCC contracts it there).
template <class C> C lerp_of(C a, C b, C w) {
  return w < C(0.5) ? std::fma(w, b - a, a) : std::fma(-(b - a), C(1) - w, b);
}

Tensor lerp_forward(const Tensor& self, const Tensor& end, const Tensor& weight, const Scalar* number) {
  const Dims shape = broadcast3(self, end, weight);
  Tensor out = empty(shape, self.dtype());
  dispatch(self.dtype(), [&](auto v) {
    using T = decltype(v);
    if constexpr (is_floating(dtype_of<T>)) {
      using C = Compute<T>;
      if (number) {  // the weight in the computing type (float for bfloat16, unrounded), as 1.13
        const C w = C(number->to_double());
        detail::map_elements<T, T>(out, [w](C a, C b) { return lerp_of(a, b, w); }, self.detach().expand(shape),
                                   end.detach().expand(shape));
      } else {
        map3<T, T>(out, self.detach(), end.detach(), weight.detach(), [](C a, C b, C w) { return lerp_of(a, b, w); });
      }
    }
  });
  return out;
}

// LerpBackward0: dself = dy (1 - w), dend = dy w.
void record_lerp_scalar(Tensor& out, const Tensor& self, const Tensor& end, const Scalar& w) {
  autograd::record(out, "LerpBackward0", {self, end}, {},
                   [w, sa = Dims(self.sizes()), se = Dims(end.sizes())](const Node& n, const Tensor& g) {
                     return std::vector<Tensor>{
                         wants(n, 0) ? autograd::sum_to(g.mul(Scalar(1 - w.to_double())), sa) : Tensor(),
                         wants(n, 1) ? autograd::sum_to(g.mul(w), se) : Tensor()};
                   });
}
// LerpBackward1: dself = dy (1 - w), dend = dy w, dw = dy (end - self).
void record_lerp_tensor(Tensor& out, const Tensor& self, const Tensor& self_saved, const Tensor& end,
                        const Tensor& weight) {
  autograd::record(out, "LerpBackward1", {self, end, weight}, {{self_saved, false}, {end, false}, {weight, false}},
                   [sa = Dims(self.sizes()), se = Dims(end.sizes()), sw = Dims(weight.sizes())](const Node& n,
                                                                                                const Tensor& g) {
                     const Tensor w = n.unpack(2);
                     return std::vector<Tensor>{
                         wants(n, 0) ? autograd::sum_to(g.mul(1 - w), sa) : Tensor(),
                         wants(n, 1) ? autograd::sum_to(g.mul(w), se) : Tensor(),
                         wants(n, 2) ? autograd::sum_to(g.mul(n.unpack(1).sub(n.unpack(0))), sw) : Tensor()};
                   });
}

}  // namespace

Tensor lerp(const Tensor& self, const Tensor& end, Scalar weight) {
  check_lerp(self, end, nullptr);
  const Tensor w = scalar_tensor(weight, self.dtype());
  if (!autograd::needs_grad({self, end})) return lerp_forward(self, end, w, &weight);
  Tensor out = autograd::below([&] { return lerp_forward(self, end, w, &weight); });
  record_lerp_scalar(out, self, end, weight);
  return out;
}
Tensor lerp(const Tensor& self, const Tensor& end, const Tensor& weight) {
  check_lerp(self, end, &weight);
  if (!autograd::needs_grad({self, end, weight})) return lerp_forward(self, end, weight, nullptr);
  Tensor out = autograd::below([&] { return lerp_forward(self, end, weight, nullptr); });
  record_lerp_tensor(out, self, self, end, weight);
  return out;
}
Tensor& lerp_(Tensor& self, const Tensor& end, Scalar weight) {
  check_lerp(self, end, nullptr);
  detail::check_no_partial_overlap(self, end);
  const Tensor w = scalar_tensor(weight, self.dtype());
  return detail::write_inplace(
      self, self.dtype(), broadcast_shapes(self.sizes(), end.sizes()), autograd::needs_grad({self, end}),
      [&] { return lerp_forward(self, end, w, &weight); },
      [&](const Tensor&) { record_lerp_scalar(self, self, end, weight); });
}
Tensor& lerp_(Tensor& self, const Tensor& end, const Tensor& weight) {
  check_lerp(self, end, &weight);
  detail::check_no_partial_overlap(self, end);
  detail::check_no_partial_overlap(self, weight);
  return detail::write_inplace(
      self, self.dtype(), broadcast3(self, end, weight), autograd::needs_grad({self, end, weight}),
      [&] { return lerp_forward(self, end, weight, nullptr); },
      [&](const Tensor& original) { record_lerp_tensor(self, self, original, end, weight); });
}

// ---- addcmul, addcdiv ----
namespace {

constexpr const char* kAddcdivIntegerError =
    "Integer division with addcdiv is no longer supported, and in a future  release addcdiv will perform a true "
    "division of tensor1 and tensor2. The historic addcdiv behavior can be implemented as (input + value * "
    "torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and as (input + value * tensor1 / "
    "tensor2) for float inputs. The future addcdiv behavior is just the latter implementation: (input + value * "
    "tensor1 / tensor2), for all dtypes.";

// The dtype addcmul/addcdiv compute in, after their dtype checks.
ScalarType addc_dtype(bool div, const Tensor& self, const Tensor& t1, const Tensor& t2, const Scalar& value) {
  if (div)
    RAMP_CHECK(!(is_integral(t1.dtype(), true) && is_integral(t2.dtype(), true)), kAddcdivIntegerError);
  const ScalarType t = result_type_of({self, t1, t2});
  RAMP_CHECK(t != ScalarType::Bool, "\"", div ? "addcdiv_cpu_out" : "addcmul_cpu_out", "\" not implemented for 'Bool'");
  RAMP_CHECK(!overflows(value, t), "value cannot be converted to type ", detail::c_type_name(t), " without overflow");
  return t;
}

// self + (value * t1) * t2 (one fused multiply-add, as 1.13's kernel compiles) or
// self + (value * t1) / t2; bfloat16 computes in float and rounds once; integers wrap.
template <bool Div> Tensor addc_forward(const Tensor& self, const Tensor& t1, const Tensor& t2, const Scalar& value,
                                        ScalarType t) {
  Tensor out = empty(broadcast3(self, t1, t2), t);
  dispatch(t, [&](auto v) {
    using T = decltype(v);
    if constexpr (!std::is_same_v<T, bool>) {
      using C = Compute<T>;
      const C val = C(value.to<T>());
      map3<T, T>(out, self.detach().to(t), t1.detach().to(t), t2.detach().to(t), [val](C a, C x, C y) {
        if constexpr (std::is_integral_v<C>) {
          using U = std::make_unsigned_t<C>;
          return C(U(U(a) + U(U(val) * U(x) * U(y))));
        } else if constexpr (Div) {
          return a + val * x / y;
        } else {
          return std::fma(val * x, y, a);
        }
      });
    }
  });
  return out;
}

template <bool Div> void record_addc(Tensor& out, const Tensor& self, const Tensor& t1, const Tensor& t2,
                                     const Scalar& value) {
  autograd::record(
      out, Div ? "AddcdivBackward0" : "AddcmulBackward0", {self, t1, t2}, {{t1, false}, {t2, false}},
      [value, s0 = Dims(self.sizes()), s1 = Dims(t1.sizes()), s2 = Dims(t2.sizes())](const Node& n, const Tensor& g) {
        const Tensor x = n.unpack(0), y = n.unpack(1);
        Tensor d1, d2;
        if constexpr (Div) {
          // dt1 = dy (value / t2), dt2 = -dy ((value t1) / (t2 t2))
          if (wants(n, 1)) d1 = g.mul(value / y);
          if (wants(n, 2)) d2 = neg(g).mul(x.mul(value).div(y.mul(y)));
        } else {
          // dt1 = dy (t2 value), dt2 = dy (t1 value)
          if (wants(n, 1)) d1 = g.mul(y.mul(value));
          if (wants(n, 2)) d2 = g.mul(x.mul(value));
        }
        return std::vector<Tensor>{wants(n, 0) ? autograd::sum_to(g, s0) : Tensor(),
                                   d1.defined() ? autograd::sum_to(d1, s1) : d1,
                                   d2.defined() ? autograd::sum_to(d2, s2) : d2};
      });
}

template <bool Div> Tensor addc(const Tensor& self, const Tensor& t1, const Tensor& t2, const Scalar& value) {
  const ScalarType t = addc_dtype(Div, self, t1, t2, value);
  if (!autograd::needs_grad({self, t1, t2})) return addc_forward<Div>(self, t1, t2, value, t);
  Tensor out = autograd::below([&] { return addc_forward<Div>(self, t1, t2, value, t); });
  record_addc<Div>(out, self, t1, t2, value);
  return out;
}

template <bool Div> Tensor& addc_(Tensor& self, const Tensor& t1, const Tensor& t2, const Scalar& value) {
  const ScalarType t = addc_dtype(Div, self, t1, t2, value);
  detail::check_no_partial_overlap(self, t1);
  detail::check_no_partial_overlap(self, t2);
  return detail::write_inplace(
      self, t, broadcast3(self, t1, t2), autograd::needs_grad({self, t1, t2}),
      [&] { return addc_forward<Div>(self, t1, t2, value, t); },
      [&](const Tensor&) { record_addc<Div>(self, self, t1, t2, value); });
}

}  // namespace

Tensor addcmul(const Tensor& self, const Tensor& tensor1, const Tensor& tensor2, Scalar value) {
  return addc<false>(self, tensor1, tensor2, value);
}
Tensor addcdiv(const Tensor& self, const Tensor& tensor1, const Tensor& tensor2, Scalar value) {
  return addc<true>(self, tensor1, tensor2, value);
}
Tensor& addcmul_(Tensor& self, const Tensor& tensor1, const Tensor& tensor2, Scalar value) {
  return addc_<false>(self, tensor1, tensor2, value);
}
Tensor& addcdiv_(Tensor& self, const Tensor& tensor1, const Tensor& tensor2, Scalar value) {
  return addc_<true>(self, tensor1, tensor2, value);
}

// ---- round with decimals ----
namespace {
void check_round_decimals(const Tensor& self, std::int64_t decimals) {
  // decimals=0 runs the plain kernel, with its name
  RAMP_CHECK(is_floating(self.dtype()), "\"", decimals == 0 ? "round_vml_cpu" : "round_cpu", "\" not implemented for '",
             dtype_error_name(self.dtype()), "'");
}
Tensor round_decimals(const Tensor& self, std::int64_t decimals) {
  check_round_decimals(self, decimals);
  Tensor out = empty_like(self);
  dispatch(self.dtype(), [&](auto v) {
    using T = decltype(v);
    if constexpr (is_floating(dtype_of<T>)) {
      using C = Compute<T>;
      // 10^|decimals| in T; a negative count divides first: nearbyint(x / 10^d) * 10^d.
      const bool neg = decimals < 0;
      const C p = C(T(std::pow(10.0, double(neg ? -decimals : decimals))));
      auto r = [](C x) { return C(T(x)); };
      detail::map_elements<T, T>(out, [p, neg, r](C x) {
        return neg ? std::nearbyint(r(x / p)) * p : std::nearbyint(r(x * p)) / p;
      }, self.detach());
    }
  });
  return out;
}
void record_round_decimals(Tensor& out, const Tensor& self) {
  autograd::record(out, "RoundBackward1", {self}, {}, [](const Node&, const Tensor& g) {
    return std::vector<Tensor>{zeros_like(g)};  // zero almost everywhere
  });
}
}  // namespace

Tensor round(const Tensor& self, std::int64_t decimals) {
  if (!autograd::needs_grad({self})) return round_decimals(self, decimals);
  Tensor out = autograd::below([&] { return round_decimals(self, decimals); });
  record_round_decimals(out, self);
  return out;
}
Tensor& round_(Tensor& self, std::int64_t decimals) {
  check_round_decimals(self, decimals);
  return detail::write_inplace(self, self.dtype(), self.sizes(), autograd::needs_grad({self}),
                               [&] { return round_decimals(self, decimals); },
                               [&](const Tensor&) { record_round_decimals(self, self); });
}

// ---- nan_to_num ----
namespace {
// 1.13's kernel: the replacements are converted to the dtype first (static_cast, so 1e40 becomes
// inf in float32), then each element is replaced by what it is.
Tensor nan_to_num_forward(const Tensor& self, std::optional<double> nan, std::optional<double> posinf,
                          std::optional<double> neginf) {
  if (!is_floating(self.dtype())) return self.detach().clone();
  Tensor out = empty_like(self);
  dispatch(self.dtype(), [&](auto v) {
    using T = decltype(v);
    if constexpr (is_floating(dtype_of<T>)) {
      using C = Compute<T>;
      const C n = C(T(nan.value_or(0.0)));
      // the largest finite value (bfloat16's, 0x7f7f, has no numeric_limits)
      double top = 3.3895313892515355e38;
      if constexpr (!std::is_same_v<T, BFloat16>) top = double(std::numeric_limits<T>::max());
      const C p = C(T(posinf.value_or(top))), q = C(T(neginf.value_or(-top)));
      constexpr C inf = std::numeric_limits<C>::infinity();
      detail::map_elements<T, T>(out, [=](C x) { return x != x ? n : x == inf ? p : x == -inf ? q : x; },
                                 self.detach());
    }
  });
  return out;
}
void record_nan_to_num(Tensor& out, const Tensor& self, const Tensor& original) {
  autograd::record(out, "NanToNumBackward0", {self}, {{original, false}}, [](const Node& n, const Tensor& g) {
    return std::vector<Tensor>{g.mul(isfinite(n.unpack(0)))};  // dy * isfinite(x): a NaN dy stays NaN, as 1.13
  });
}
}  // namespace

Tensor nan_to_num(const Tensor& self, std::optional<double> nan, std::optional<double> posinf,
                  std::optional<double> neginf) {
  if (!autograd::needs_grad({self})) return nan_to_num_forward(self, nan, posinf, neginf);
  Tensor out = autograd::below([&] { return nan_to_num_forward(self, nan, posinf, neginf); });
  record_nan_to_num(out, self, self);
  return out;
}
Tensor& nan_to_num_(Tensor& self, std::optional<double> nan, std::optional<double> posinf,
                    std::optional<double> neginf) {
  return detail::write_inplace(self, self.dtype(), self.sizes(), autograd::needs_grad({self}),
                               [&] { return nan_to_num_forward(self, nan, posinf, neginf); },
                               [&](const Tensor& original) { record_nan_to_num(self, self, original); });
}

// ---- square ----
Tensor square(const Tensor& self) { return pow(self.dtype() == ScalarType::Bool ? self.to(ScalarType::Int64) : self, 2); }
Tensor& square_(Tensor& self) {
  RAMP_CHECK(self.dtype() != ScalarType::Bool, "Found dtype Bool but expected Long");
  return detail::write_inplace(self, self.dtype(), self.sizes(), autograd::needs_grad({self}),
                               [&] { return pow(self, 2); },
                               [&](const Tensor& original) {
                                 autograd::record(self, "PowBackward0", {self}, {{original, false}},
                                                  [](const Node& n, const Tensor& g) {
                                                    // dy (2 self), as pow's with exponent 2
                                                    return std::vector<Tensor>{g.mul(n.unpack(0).mul(2.0))};
                                                  });
                               });
}

// ---- clamp in place, and with tensor bounds ----
// 1.13's clamp_backward: dy where min <= self <= max, else 0 (differentiable: a where).
Tensor detail::clamp_backward(const Tensor& g, const Tensor& x, std::optional<Scalar> min,
                              std::optional<Scalar> max) {
  Tensor in = min ? ge(x, *min) : ones_like(x).to(ScalarType::Bool);
  if (max) in = logical_and(in, le(x, *max));
  return where(in, g, zero_like_grad(g));
}

Tensor& clamp_(Tensor& self, std::optional<Scalar> min, std::optional<Scalar> max) {
  Tensor value;
  {
    autograd::NoGradGuard no_grad;
    value = clamp(self.detach(), min, max);  // clamp's own checks first
  }
  // clamp_'s message names C types ("... output type unsigned char")
  RAMP_CHECK(can_cast(value.dtype(), self.dtype()), "result type ", dtype_error_name(value.dtype()),
             " can't be cast to the desired output type ", c10_name(self.dtype()));
  return detail::write_inplace(
      self, value.dtype(), self.sizes(), autograd::needs_grad({self}), [&] { return value; },
      [&](const Tensor& original) {
        autograd::record(self, "ClampBackward1", {self}, {{original, false}},
                         [min, max](const Node& n, const Tensor& g) {
                           return std::vector<Tensor>{detail::clamp_backward(g, n.unpack(0), min, max)};
                         });
      });
}

Tensor clamp(const Tensor& self, const Tensor& lo, const Tensor& hi) {
  RAMP_CHECK(lo.defined() || hi.defined(), "torch.clamp: At least one of 'min' or 'max' must not be None");
  RAMP_CHECK(!lo.defined() || !hi.defined() || result_type_of({self, lo, hi}) != ScalarType::Bool,
             "\"clamp_cpu\" not implemented for 'Bool'");
  // min(max(self, min), max): 1.13's maximum then minimum (NaN anywhere gives NaN).
  auto compute = [&] {
    Tensor r = lo.defined() ? clamp_min(self.detach(), lo) : self.detach();
    return hi.defined() ? clamp_max(r, hi) : r;
  };
  if (!autograd::needs_grad({self, lo, hi})) return compute();
  Tensor out = autograd::below(compute);
  autograd::record(out, "ClampBackward0", {self, lo, hi}, {{self, false}, {lo, false}, {hi, false}},
                   [s0 = Dims(self.sizes())](const Node& n, const Tensor& g) {
                     // dself = dy where min <= self <= max; dmin = dy where self < min (and min < max);
                     // dmax = dy where self > max (or max < min), as 1.13's clamp_backward(_min_max)
                     const Tensor x = n.unpack(0), lo = n.unpack(1), hi = n.unpack(2), zero = zero_like_grad(g);
                     auto part = [&](const Tensor& mask, const Tensor& like) {
                       return autograd::sum_to(where(mask, g, zero), like.sizes());
                     };
                     Tensor in = lo.defined() ? ge(x, lo) : Tensor();
                     if (hi.defined()) in = in.defined() ? logical_and(in, le(x, hi)) : le(x, hi);
                     Tensor dlo, dhi;
                     if (wants(n, 1)) dlo = part(hi.defined() ? logical_and(lt(x, lo), lt(lo, hi)) : lt(x, lo), lo);
                     if (wants(n, 2)) dhi = part(lo.defined() ? logical_or(gt(x, hi), lt(hi, lo)) : gt(x, hi), hi);
                     return std::vector<Tensor>{wants(n, 0) ? autograd::sum_to(where(in, g, zero), s0) : Tensor(),
                                                dlo, dhi};
                   });
  return out;
}

// ---- closeness ----
Tensor isclose(const Tensor& self, const Tensor& other, double rtol, double atol, bool equal_nan) {
  RAMP_CHECK(self.dtype() == other.dtype(), dtype_error_name(self.dtype()), " did not match ",
             dtype_error_name(other.dtype()));
  RAMP_CHECK(rtol >= 0, "rtol must be greater than or equal to zero, but got ", number_str(rtol));
  RAMP_CHECK(atol >= 0, "atol must be greater than or equal to zero, but got ", number_str(atol));
  autograd::NoGradGuard no_grad;
  // 1.13's composition: equal, or NaN on both sides, or a finite |self - other| within
  // atol + |rtol * other| (bool operands compare as the default dtype).
  Tensor close = eq(self, other);
  if (equal_nan && is_floating(self.dtype())) close = logical_or(close, logical_and(isnan(self), isnan(other)));
  if (rtol == 0 && atol == 0) return close;
  auto cast = [](const Tensor& t) { return t.dtype() == ScalarType::Bool ? t.to(get_default_dtype()) : t; };
  const Tensor allowed = abs(cast(other).mul(rtol)).add(atol), actual = abs(cast(self).sub(cast(other)));
  return logical_or(close, logical_and(isfinite(actual), le(actual, allowed)));
}

bool allclose(const Tensor& self, const Tensor& other, double rtol, double atol, bool equal_nan) {
  return all_true(isclose(self, other, rtol, atol, equal_nan));
}

bool equal(const Tensor& self, const Tensor& other) {
  if (!std::equal(self.sizes().begin(), self.sizes().end(), other.sizes().begin(), other.sizes().end())) return false;
  autograd::NoGradGuard no_grad;
  return all_true(eq(self, other));
}

}  // namespace ramp
