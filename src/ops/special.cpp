// The special functions beside ramp/elementwise.h's table: digamma's and polygamma's scalar
// formulas (Cephes' as 1.13's ATen/native/Math.h, so results match it), and the ops that take a
// parameter or are compositions in 1.13 (logit with eps, polygamma(n, x), positive, ldexp).
#include <cmath>
#include <limits>

#include "inplace.h"
#include "map.h"

namespace ramp {

namespace ew {
void derivative_not_implemented(std::string_view message, bool not_implemented_error) {
  if (not_implemented_error) throw NotImplementedError(std::string(message));
  throw Error(std::string(message));
}
}  // namespace ew

namespace {

using autograd::Node;

// Cephes' polynomial evaluation (coefficients from the highest power).
template <class T> T polevl(T x, const T* a, int n) {
  T r = 0;
  for (int i = 0; i <= n; ++i) r = r * x + a[i];
  return r;
}

// digamma: reflection for negative x (tan of the fractional part, in double), recurrence up to 10,
// then the asymptotic series; ∓inf at ±0, NaN at negative integers. T is float or double, every
// step in T as 1.13's two overloads.
template <class T> T digamma_t(T x) {
  constexpr T psi_10 = T(2.25175258906672110764);
  if (x == 0) return std::copysign(std::numeric_limits<T>::infinity(), -x);
  if (x < 0) {
    if (x == std::trunc(x)) return std::numeric_limits<T>::quiet_NaN();
    double q;
    const double r = std::modf(double(x), &q);
    return digamma_t<T>(1 - x) - T(ew::kPi / std::tan(ew::kPi * r));
  }
  T result = 0;
  while (x < 10) {
    result -= 1 / x;
    x += 1;
  }
  if (x == 10) return result + psi_10;
  static constexpr T a[] = {T(8.33333333333333333333E-2), T(-2.10927960927960927961E-2), T(7.57575757575757575758E-3),
                            T(-4.16666666666666666667E-3), T(3.96825396825396825397E-3), T(-8.33333333333333333333E-3),
                            T(8.33333333333333333333E-2)};
  T y = 0;
  if (x < T(1.0e17)) {
    const T z = 1 / (x * x);
    y = z * polevl(z, a, 6);
  }
  return result + std::log(x) - (T(0.5) / x) - y;
}

// trigamma: reflection below 0.5, six steps of the recurrence, then the asymptotic series.
template <class T> T trigamma_t(T x) {
  T sign = 1, result = 0;
  if (x < T(0.5)) {
    sign = -1;
    const T s = std::sin(T(ew::kPi) * x);
    result -= (T(ew::kPi) * T(ew::kPi)) / (s * s);
    x = 1 - x;
  }
  for (int i = 0; i < 6; ++i) {
    result += 1 / (x * x);
    x += 1;
  }
  const T ixx = 1 / (x * x);
  result += (1 + 1 / (2 * x) + ixx * (T(1) / 6 - ixx * (T(1) / 30 - ixx * (T(1) / 42)))) / x;
  return sign * result;
}

// Hurwitz zeta(x, q) = sum over k of (k + q)^-x (Cephes), accumulated in A as 1.13 does on the CPU
// (its acc_type: double for float32 and float64, float for bfloat16).
template <class A> A zeta(A x, A q) {
  const A machep = A(1.11022302462515654042E-16);
  static constexpr A a[] = {A(12.0), A(-720.0), A(30240.0), A(-1209600.0), A(47900160.0), A(-1.8924375803183791606e9),
                            A(7.47242496e10), A(-2.950130727918164224e12), A(1.1646782814350067249e14),
                            A(-4.5979787224074726105e15), A(1.8152105401943546773e17), A(-7.1661652561756670113e18)};
  if (x == 1) return std::numeric_limits<A>::infinity();
  if (x < 1) return std::numeric_limits<A>::quiet_NaN();
  if (q <= 0) {
    if (q == std::floor(q)) return std::numeric_limits<A>::infinity();
    if (x != std::floor(x)) return std::numeric_limits<A>::quiet_NaN();
  }
  A s = std::pow(q, -x), aa = q, b = 0;
  int i = 0;
  while (i < 9 || aa <= A(9)) {
    i += 1;
    aa += 1;
    b = std::pow(aa, -x);
    s += b;
    if (-machep * s < b && b < machep * s) return s;
  }
  const A w = aa;
  s += b * w / (x - 1);
  s -= A(0.5) * b;
  A k = 0, t;
  aa = 1;
  for (int j = 0; j < 12; ++j) {
    aa *= x + k;
    b /= w;
    t = aa * b / a[j];
    s = s + t;
    t = std::fabs(t / s);
    if (t < machep) return s;
    k += 1;
    aa *= x + k;
    b /= w;
    k += 1;
  }
  return s;
}

// polygamma(n, x) for n >= 2 in dtype T as 1.13's: (-1)^(n+1) n! zeta(n + 1, x) with n! =
// exp(lgamma(n + 1)) in double, zeta accumulated in T's acc_type and rounded to T, the product in
// double rounded to T once (so float32's polygamma(40, 2) is finite although 40! is not a float).
// 1.13's kernel takes n as an int: n wraps to 32 bits (polygamma(2**32 + 2, x) is polygamma(2, x)
// there); n + 1 is formed in double, where it cannot overflow.
template <class T> T polygamma_t(std::int64_t n_in, T x) {
  using A = std::conditional_t<std::is_same_v<T, BFloat16>, float, double>;
  const auto n = std::int32_t(std::uint32_t(std::uint64_t(n_in)));
  int sign;
  const double factorial = std::exp(::lgamma_r(double(n) + 1, &sign));
  const double z = double(T(zeta<A>(A(double(n) + 1), A(x))));
  return T(((n % 2) ? 1.0 : -1.0) * factorial * z);
}

Tensor polygamma_forward(std::int64_t n, const Tensor& self) {
  if (n == 0) return digamma(self.detach());
  const ScalarType t = is_floating(self.dtype()) ? self.dtype() : get_default_dtype();
  const Tensor x = self.detach().to(t);
  Tensor out = empty_like(x);
  dispatch(t, [&](auto v) {
    using T = decltype(v);
    if constexpr (is_floating(dtype_of<T>)) {
      using C = detail::Compute<T>;
      if (n == 1) detail::map_elements<T, T>(out, [](C a) { return trigamma_t<C>(a); }, x);
      else detail::map_elements<T, T>(out, [n](C a) { return polygamma_t<T>(n, T(a)); }, x);
    }
  });
  return out;
}

// PolygammaBackward0, or in place PolygammaBackward1 (1.13's names for every n, 0 too).
void record_polygamma(Tensor& out, const Tensor& self, const Tensor& original, std::int64_t n, bool inplace) {
  autograd::record(out, inplace ? "PolygammaBackward1" : "PolygammaBackward0", {self}, {{original, false}},
                   [n](const Node& node, const Tensor& g) {
    return std::vector<Tensor>{g.mul(polygamma(n + 1, node.unpack(0)))};  // dy polygamma(n + 1, x)
  });
}

void check_polygamma(std::int64_t n) { RAMP_CHECK(n >= 0, "polygamma(n, x) does not support negative n."); }

// logit's bounds in the dtype: eps and 1 - eps computed in it (as 1.13's scalar_t lo, hi).
std::pair<double, double> logit_bounds(ScalarType t, double eps) {
  std::pair<double, double> r;
  dispatch(t, [&](auto v) {
    using T = decltype(v);
    if constexpr (is_floating(dtype_of<T>)) {
      const T lo = T(eps), hi = T(detail::Compute<T>(T(1)) - detail::Compute<T>(lo));
      r = {double(lo), double(hi)};
    }
  });
  return r;
}

bool clamps(std::optional<double> eps) { return eps && !std::isnan(*eps) && *eps >= 0; }

// log(z / (1 - z)), each op rounding to the dtype as 1.13's vector kernel.
Tensor logit_forward(const Tensor& self, std::optional<double> eps) {
  const ScalarType t = is_floating(self.dtype()) ? self.dtype() : get_default_dtype();
  Tensor z = self.detach().to(t);
  if (clamps(eps)) {
    const auto [lo, hi] = logit_bounds(t, *eps);
    z = clamp(z, lo, hi);
  }
  return log(z.div(neg(z).add(1)));
}

// 1.13's logit_backward: dy / (x (1 - x)) inside [lo, hi], outside 0 (eps given) or NaN.
void record_logit(Tensor& out, const Tensor& self, const Tensor& original, std::optional<double> eps) {
  autograd::record(out, "LogitBackward0", {self}, {{original, false}}, [eps](const Node& node, const Tensor& g) {
    const Tensor x = node.unpack(0);
    const auto [lo, hi] = clamps(eps) ? logit_bounds(x.dtype(), *eps) : std::pair<double, double>{0.0, 1.0};
    const Tensor inside = logical_and(ge(x, lo), le(x, hi));
    const Tensor fill = scalar_tensor(clamps(eps) ? 0.0 : std::numeric_limits<double>::quiet_NaN(), g.dtype());
    return std::vector<Tensor>{where(inside, g.div(x.mul(neg(x).add(1))), fill)};
  });
}

}  // namespace

float digamma_of(float x) { return digamma_t<float>(x); }
double digamma_of(double x) { return digamma_t<double>(x); }

Tensor polygamma(std::int64_t n, const Tensor& self) {
  check_polygamma(n);
  if (!autograd::needs_grad({self})) return polygamma_forward(n, self);
  Tensor out = autograd::below([&] { return polygamma_forward(n, self); });
  record_polygamma(out, self, self, n, false);
  return out;
}
Tensor& polygamma_(Tensor& self, std::int64_t n) {
  check_polygamma(n);
  const ScalarType t = is_floating(self.dtype()) ? self.dtype() : get_default_dtype();
  return detail::write_inplace(self, t, self.sizes(), autograd::needs_grad({self}),
                               [&] { return polygamma_forward(n, self); },
                               [&](const Tensor& original) { record_polygamma(self, self, original, n, true); });
}

Tensor logit(const Tensor& self, std::optional<double> eps) {
  if (!autograd::needs_grad({self})) return logit_forward(self, eps);
  Tensor out = autograd::below([&] { return logit_forward(self, eps); });
  record_logit(out, self, self, eps);
  return out;
}
Tensor& logit_(Tensor& self, std::optional<double> eps) {
  const ScalarType t = is_floating(self.dtype()) ? self.dtype() : get_default_dtype();
  return detail::write_inplace(self, t, self.sizes(), autograd::needs_grad({self}),
                               [&] { return logit_forward(self, eps); },
                               [&](const Tensor& original) { record_logit(self, self, original, eps); });
}

Tensor positive(const Tensor& self) {
  RAMP_CHECK(self.dtype() != ScalarType::Bool, "The `+` operator, on a bool tensor is not supported.");
  return self;
}

Tensor ldexp(const Tensor& self, const Tensor& other) { return self.mul(pow(Scalar(2.0), other)); }
// 1.13's ldexp_ is mul_out(self, self, pow(2, other)): an out= call, which autograd refuses.
Tensor& ldexp_(Tensor& self, const Tensor& other) {
  const Tensor p = pow(Scalar(2.0), other);
  RAMP_CHECK(!autograd::needs_grad({self, p}), "mul(): functions with out=... arguments don't support automatic "
             "differentiation, but one of the arguments requires grad.");
  return self.mul_(p);
}

}  // namespace ramp
