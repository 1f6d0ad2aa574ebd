// pow: plain loops over detail::for_each_row (these are not the kernels ramp races
// PyTorch on), PyTorch 1.13's type promotion and special cases, and derivatives.yaml's backward
// formulas, each fused into one loop. (exp and log are entries of ramp/elementwise.h.)
#include <array>
#include <cmath>
#include <utility>

#include "../tensor/loop.h"
#include "inplace.h"
#include "ramp/ops.h"
#include "record.h"

namespace ramp {
namespace {

using autograd::Node;
using autograd::wants;

template <class T>
constexpr bool kFloating = std::is_floating_point_v<T> || std::is_same_v<T, BFloat16>;
template <class T>
constexpr bool kInteger = std::is_integral_v<T> && !std::is_same_v<T, bool>;
// bfloat16 arithmetic happens in float.
template <class T>
using Compute = std::conditional_t<std::is_same_v<T, BFloat16>, float, T>;

// ---- the loop ----
template <class T, class F, std::size_t... I>
void map_rows(const Tensor& out, const std::array<Tensor, sizeof...(I)>& in, F& f,
              std::index_sequence<I...>) {
  detail::for_each_row<1 + sizeof...(I)>(
      out.sizes(), {static_cast<char*>(out.data_ptr()), static_cast<char*>(in[I].data_ptr())...},
      {detail::byte_strides(out), detail::byte_strides(in[I])...}, [&](auto p, auto s, std::int64_t n) {
        for (std::int64_t i = 0; i < n; ++i)
          *reinterpret_cast<T*>(p[0] + i * s[0]) =
              T(f(Compute<T>(*reinterpret_cast<const T*>(p[I + 1] + i * s[I + 1]))...));
      });
}

// make(T{})'s function over the inputs converted to dtype t and broadcast to `shape`, into a fresh
// tensor (laid out like the first input when that has the shape, as PyTorch's TensorIterator
// does). `make` sees the element type (bfloat16 rounds differently from the float it computes
// in); it is instantiated only for the element types `Ok` allows, which the callers check first.
template <template <class> class Ok, std::size_t N, class Make>
Tensor elementwise(ScalarType t, IntArrayRef shape, std::array<Tensor, N> in, Make make) {
  const bool like_first = std::equal(shape.begin(), shape.end(), in[0].sizes().begin(), in[0].sizes().end());
  for (Tensor& x : in) x = x.to(t).expand(shape);
  Tensor out = like_first ? empty_like(in[0], t) : empty(shape, t);
  dispatch(t, [&](auto z) {
    using T = decltype(z);
    if constexpr (Ok<T>::value) {
      auto f = make(z);
      map_rows<T>(out, in, f, std::make_index_sequence<N>());
    } else {
      throw Error(detail::cat("ramp: no elementwise loop for ", dtype_error_name(t)));
    }
  });
  return out;
}
template <class T>
struct Floating : std::bool_constant<kFloating<T>> {};
template <class T>
struct Number : std::bool_constant<kFloating<T> || kInteger<T>> {};
// A `make` for formulas that do not depend on the element type.
template <class F>
auto same_for_all(F f) {
  return [f](auto) { return f; };
}

void check_pow_dtype(ScalarType t) {
  RAMP_CHECK(t != ScalarType::Bool, "\"pow\" not implemented for 'Bool'");
}

// ---- pow's element formulas ----
// c10's powi: repeated squaring that wraps; a negative exponent gives 0 except for bases 1, -1.
template <class T>
T powi(T a, T b) {
  if constexpr (std::is_signed_v<T>) {
    if (b < 0) return a == 1 ? T(1) : a == -1 ? T(b % 2 != 0 ? -1 : 1) : T(0);
  }
  using U = std::make_unsigned_t<decltype(+a)>;  // unsigned math: wraps instead of overflowing
  U r = 1, x = U(a);
  for (auto e = b; e != 0; e /= 2) {
    if (e & 1) r = U(r * x);
    x = U(x * x);
  }
  return T(r);
}

// x ** e for a Scalar e, for element type T. Floating types take PyTorch's fast paths (sqrt,
// reciprocals, products), which round as its kernels do; float and double raise to the double
// exponent, bfloat16 to the exponent rounded to bfloat16, rounding each step (as c10::BFloat16).
template <class T>
auto pow_scalar_fn(const Scalar& exponent) {
  using C = Compute<T>;
  const T et = exponent.to<T>();
  const double e = std::is_same_v<T, BFloat16> ? double(C(et)) : exponent.to_double();
  return [e, et](C x) -> C {
    if constexpr (kInteger<T>) {
      return powi<T>(x, et);
    } else {
      auto r = [](C v) { return C(T(v)); };  // rounds to T: a no-op but for bfloat16
      if (e == 0.5) return std::sqrt(x);
      if (e == -0.5) return C(1) / std::sqrt(x);
      if (e == -1) return C(1) / x;
      if (e == 2) return x * x;
      if (e == 3) return r(x * x) * x;
      if (e == -2) return C(1) / r(x * x);
      if constexpr (std::is_same_v<T, BFloat16>)
        return std::pow(x, C(e));
      else
        return C(std::pow(x, e));  // float: pow in double, rounded once
    }
  };
}

Tensor pow_scalar_forward(const Tensor& self, ScalarType t, const Scalar& exponent) {
  const double e = exponent.to_double();
  if (e == 0) return full(self.sizes(), 1, t);  // even 0 ** 0 and nan ** 0, as PyTorch
  if (e == 1) return self.to(t, /*copy=*/true);
  return elementwise<Number, 1>(t, self.sizes(), {self},
                                [&](auto z) { return pow_scalar_fn<decltype(z)>(exponent); });
}

Tensor pow_tensor_forward(const Tensor& self, const Tensor& exponent, ScalarType t) {
  return elementwise<Number, 2>(t, broadcast_shapes(self.sizes(), exponent.sizes()), {self, exponent},
                                same_for_all([](auto x, auto e) {
                                  using C = decltype(x);
                                  if constexpr (std::is_integral_v<C>)
                                    return powi<C>(x, e);
                                  else
                                    return C(std::pow(x, e));
                                }));
}

// ---- pow's backward formulas (derivatives.yaml: pow_backward, pow_backward_self/_exponent) ----
// Each is one raw loop; a create_graph pass gives it the graph of 1.13's formula (the where and
// the products as ops, autograd::raw_with_graph).
// d/dself of self ** exponent: exponent * self ** (exponent - 1), and 0 where exponent == 0.
Tensor pow_grad_self(const Tensor& g, const Tensor& self, const Tensor& exponent) {
  auto raw = [&] {
    Tensor d = elementwise<Floating, 3>(g.dtype(), g.sizes(), {g, self, exponent},
                                        same_for_all([](auto g, auto s, auto e) {
                                          using C = decltype(g);
                                          return e == 0 ? C(0) : C(g * (e * C(std::pow(s, e - 1))));
                                        }));
    return autograd::sum_to(d, self.sizes());
  };
  return autograd::raw_with_graph({g, self, exponent}, raw, [&] {
    const Tensor d = g.mul(exponent.mul(pow(self, exponent.sub(1))));
    return autograd::sum_to(where(eq(exponent, 0.0), zeros({}, g.dtype()), d), self.sizes());
  });
}
// d/dexponent: result * log(self), and 0 where self == 0 and exponent >= 0.
Tensor pow_grad_exponent(const Tensor& g, const Tensor& self, const Tensor& exponent, const Tensor& result) {
  auto raw = [&] {
    Tensor d = elementwise<Floating, 4>(g.dtype(), g.sizes(), {g, self, exponent, result},
                                        same_for_all([](auto g, auto s, auto e, auto r) {
                                          using C = decltype(g);
                                          return C(g * (s == 0 && e >= 0 ? C(0) : C(r * std::log(s))));
                                        }));
    return autograd::sum_to(d, exponent.sizes());
  };
  return autograd::raw_with_graph({g, self, exponent, result}, raw, [&] {
    const Tensor cond = logical_and(eq(self, 0.0), ge(exponent, 0.0));
    const Tensor s = self.dtype() == result.dtype() ? self : self.to(result.dtype());
    return autograd::sum_to(g.mul(where(cond, zeros({}, g.dtype()), result.mul(log(s)))), exponent.sizes());
  });
}

}  // namespace

Tensor pow(const Tensor& self, Scalar exponent) {
  const ScalarType t = result_type(self, exponent);
  RAMP_CHECK(!(is_integral(self.dtype(), true) && !exponent.is_floating() && exponent.i < 0),
             "Integers to negative integer powers are not allowed.");
  check_pow_dtype(t);
  if (!autograd::needs_grad({self})) return pow_scalar_forward(self, t, exponent);
  Tensor out = autograd::below([&] { return pow_scalar_forward(self, t, exponent); });
  autograd::record(out, "PowBackward0", {self}, {{self, false}},
                   [exponent](const Node& n, const Tensor& g) -> std::vector<Tensor> {
                     const Tensor self = n.unpack(0);
                     const double e = exponent.to_double();
                     if (e == 0) return {zeros_like(self)};
                     return {g.mul(pow(self, e - 1).mul(e))};  // grad * (exponent * self ** (exponent - 1))
                   });
  return out;
}

Tensor pow(const Tensor& self, const Tensor& exponent) {
  const ScalarType t = result_type(self, exponent);
  check_pow_dtype(t);
  if (!autograd::needs_grad({self, exponent})) return pow_tensor_forward(self, exponent, t);
  Tensor out = autograd::below([&] { return pow_tensor_forward(self, exponent, t); });
  auto node = autograd::record(
      out, "PowBackward1", {self, exponent}, {}, [](const Node& n, const Tensor& g) -> std::vector<Tensor> {
        const Tensor self = n.unpack(0), exponent = n.unpack(1);
        return {wants(n, 0) ? pow_grad_self(g, self, exponent) : Tensor(),
                wants(n, 1) ? pow_grad_exponent(g, self, exponent, n.unpack(2)) : Tensor()};
      });
  autograd::save_if(*node, {{true, self}, {true, exponent}, {autograd::requires_grad(exponent), out, true}});
  return out;
}

Tensor pow(Scalar self, const Tensor& exponent) {
  const ScalarType t = result_type(exponent, self);
  check_pow_dtype(t);
  auto compute = [&] {
    return self.to_double() == 1 ? full(exponent.sizes(), 1, t)
                                 : pow_tensor_forward(scalar_tensor(self, t), exponent, t);
  };
  if (!autograd::needs_grad({exponent})) return compute();
  Tensor out = autograd::below(compute);
  const bool base_zero = self.to_double() == 0;
  auto node = autograd::record(
      out, "PowBackward2", {exponent}, {},
      [self, base_zero](const Node& n, const Tensor& g) -> std::vector<Tensor> {
        // grad * result * log(self), and 0 where self == 0 and exponent >= 0
        const Tensor result = n.unpack(1);
        const Tensor cond = base_zero ? n.unpack(0) : result;  // any tensor of the shape when self != 0
        auto raw = [&] {
          return elementwise<Floating, 3>(g.dtype(), g.sizes(), {g, result, cond},
                                          same_for_all([self, base_zero](auto g, auto r, auto e) {
                                            using C = decltype(g);
                                            const C log_base = C(std::log(self.to_double()));
                                            return C(g * (base_zero && e >= 0 ? C(0) : C(r * log_base)));
                                          }));
        };
        // 1.13: grad * (result * log(self)), under where(exponent >= 0, 0, ...) for a zero base
        return {autograd::raw_with_graph({g, result}, raw, [&] {
          const Tensor d = result.mul(std::log(self.to_double()));
          return g.mul(base_zero ? where(ge(cond, 0.0), zeros({}, g.dtype()), d) : d);
        })};
      });
  autograd::save_if(*node, {{base_zero, exponent}, {true, out, true}});
  return out;
}


// ---- pow_ (the graph records pow's nodes on self, as 1.13) and float_power ----
Tensor& pow_(Tensor& self, Scalar exponent) {
  const ScalarType t = result_type(self, exponent);
  RAMP_CHECK(t == self.dtype(), "Found dtype ", dtype_error_name(self.dtype()), " but expected ", dtype_error_name(t));
  return detail::write_inplace(self, t, self.sizes(), autograd::needs_grad({self}), [&] { return pow(self, exponent); },
                               [&](const Tensor& original) {
                                 autograd::record(self, "PowBackward0", {self}, {{original, false}},
                                                  [exponent](const Node& n, const Tensor& g) -> std::vector<Tensor> {
                                                    const double e = exponent.to_double();
                                                    if (e == 0) return {zeros_like(g)};
                                                    return {g.mul(pow(n.unpack(0), e - 1).mul(e))};
                                                  });
                               });
}

Tensor& pow_(Tensor& self, const Tensor& exponent) {
  const ScalarType t = result_type(self, exponent);
  detail::check_no_partial_overlap(self, exponent);
  const bool grad = autograd::needs_grad({self, exponent});
  return detail::write_inplace(
      self, t, broadcast_shapes(self.sizes(), exponent.sizes()), grad, [&] { return pow(self, exponent); },
      [&](const Tensor& original) {
        auto node = autograd::record(self, "PowBackward1", {self, exponent}, {},
                                     [](const Node& n, const Tensor& g) -> std::vector<Tensor> {
                                       const Tensor s = n.unpack(0), e = n.unpack(1);
                                       return {wants(n, 0) ? pow_grad_self(g, s, e) : Tensor(),
                                               wants(n, 1) ? pow_grad_exponent(g, s, e, n.unpack(2)) : Tensor()};
                                     });
        autograd::save_if(*node, {{true, original}, {true, exponent}, {autograd::requires_grad(exponent), self, true}});
      });
}

// float_power: pow in float64 (1.13 converts both sides first, so the graph shows ToCopyBackward0).
Tensor float_power(const Tensor& self, const Tensor& exponent) {
  return pow(self.to(ScalarType::Float64), exponent.to(ScalarType::Float64));
}
Tensor float_power(const Tensor& self, Scalar exponent) {
  return pow(self.to(ScalarType::Float64), Scalar(exponent.to_double()));
}
Tensor float_power(Scalar self, const Tensor& exponent) {
  return pow(Scalar(self.to_double()), exponent.to(ScalarType::Float64));
}
static void check_float_power_base(const Tensor& self) {
  RAMP_CHECK(self.dtype() == ScalarType::Float64, "the base given to float_power_ has dtype ",
             dtype_error_name(self.dtype()), " but the operation's result requires dtype Double");
}
Tensor& float_power_(Tensor& self, const Tensor& exponent) {
  check_float_power_base(self);
  return pow_(self, exponent.to(ScalarType::Float64));
}
Tensor& float_power_(Tensor& self, Scalar exponent) {
  check_float_power_base(self);
  return pow_(self, Scalar(exponent.to_double()));
}

}  // namespace ramp
