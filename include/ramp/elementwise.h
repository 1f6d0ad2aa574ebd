// Pointwise math, declared once (shared/DESIGN.md "Growing the op set").
//
// One entry per op carries its name, the dtypes its kernel takes (and 1.13's kernel name for the
// "not implemented for" error), the result dtype rule, the element formula, and the gradient:
// 1.13's node name and derivatives.yaml's formula, written with tensor ops so it rounds as 1.13's
// does. `ramp::sin` / `ramp::sin_`, the Python functions, Tensor methods and operators, and the
// tests' loops are all generated from the lists below: a new op is one entry and one list line.
//
//   auto y = ramp::sin(x);              // int tensors give the default dtype, as 1.13
//   ramp::floor_(y);                    // in place; records FloorBackward0 when y needs grad
//   ramp::where(x > 0, x, 0.5);         // scalars on either side, broadcasting, promotion
//
// The element formulas see the computing type: float for float32 and bfloat16 (rounded once to
// bfloat16 at the store), double, the integer types, bool. An entry with a `vec(m, v)` formula
// also has a vector kernel per instruction set (src/kernels/elementwise_kernels.cpp) for its
// floating dtypes, where `m` supplies the vector operations: on AVX2 and AVX-512 the
// transcendentals are SLEEF's 1-ulp functions, the ones 1.13's kernels call (the same library and
// results on AVX2; the baseline build calls SLEEF's portable C ones); the rounding ops and sqrt
// are single instructions. `f` is the formula for the other dtypes (and the unvectorized entries).
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>
#include <type_traits>
#include <vector>

#include "ramp/ops.h"
#include "ramp/tensor.h"

namespace ramp {

// ---- the lists: X(function name, entry) ----
// Unary ops with an in-place form (x.sin_(), ramp::sin_).
#define RAMP_UNARY_OPS(X)                                                                                    \
  X(sin, Sin) X(cos, Cos) X(tan, Tan) X(exp, Exp) X(expm1, Expm1) X(log, Log) X(log1p, Log1p) X(log2, Log2) \
  X(log10, Log10) X(sqrt, Sqrt) X(rsqrt, Rsqrt) X(reciprocal, Reciprocal) X(neg, Neg) X(abs, Abs)            \
  X(sign, Sign) X(sgn, Sgn) X(floor, Floor) X(ceil, Ceil) X(round, Round) X(trunc, Trunc) X(frac, Frac)                  \
  X(logical_not, LogicalNot) X(bitwise_not, BitwiseNot) X(erf, Erf) X(erfc, Erfc) X(erfinv, Erfinv)           \
  X(deg2rad, Deg2Rad) X(rad2deg, Rad2Deg) X(sinc, Sinc) X(lgamma, Lgamma) X(digamma, Digamma)
// Unary predicates: bool results, no in-place form.
#define RAMP_UNARY_PREDICATES(X) \
  X(isnan, IsNan) X(isinf, IsInf) X(isfinite, IsFinite) X(isposinf, IsPosInf) X(isneginf, IsNegInf) \
  X(signbit, Signbit)
// Binary ops taking a tensor or a number as `other`, with in-place forms.
#define RAMP_BINARY_OPS(X)                                                                                  \
  X(bitwise_and, BitwiseAnd) X(bitwise_or, BitwiseOr) X(bitwise_xor, BitwiseXor) X(fmod, Fmod)              \
  X(remainder, Remainder) X(clamp_min, ClampMin) X(clamp_max, ClampMax) X(xlogy, Xlogy)                   \
  X(special_xlog1py, Xlog1py) X(copysign, Copysign) X(bitwise_left_shift, LeftShift)                        \
  X(bitwise_right_shift, RightShift)
// Binary ops taking tensors only (1.13 has no number overload), with in-place forms (in Python
// only where 1.13 has them: not fmax_/fmin_).
#define RAMP_LOGICAL_OPS(X)                                                                           \
  X(logical_and, LogicalAnd) X(logical_or, LogicalOr) X(logical_xor, LogicalXor) X(atan2, Atan2) \
  X(hypot, Hypot) X(fmax, Fmax) X(fmin, Fmin) X(logaddexp, Logaddexp) X(logaddexp2, Logaddexp2)     \
  X(heaviside, Heaviside) X(gcd, Gcd) X(lcm, Lcm) X(nextafter, Nextafter)

#define RAMP_DECLARE_UNARY(name, E) \
  Tensor name(const Tensor& self);  \
  Tensor& name##_(Tensor& self);
#define RAMP_DECLARE_PREDICATE(name, E) Tensor name(const Tensor& self);
#define RAMP_DECLARE_BINARY(name, E)                     \
  Tensor name(const Tensor& self, const Tensor& other);  \
  Tensor name(const Tensor& self, Scalar other);         \
  Tensor& name##_(Tensor& self, const Tensor& other);    \
  Tensor& name##_(Tensor& self, Scalar other);
#define RAMP_DECLARE_LOGICAL(name, E)                   \
  Tensor name(const Tensor& self, const Tensor& other); \
  Tensor& name##_(Tensor& self, const Tensor& other);
RAMP_UNARY_OPS(RAMP_DECLARE_UNARY)
RAMP_UNARY_PREDICATES(RAMP_DECLARE_PREDICATE)
RAMP_BINARY_OPS(RAMP_DECLARE_BINARY)
RAMP_LOGICAL_OPS(RAMP_DECLARE_LOGICAL)
#undef RAMP_DECLARE_UNARY
#undef RAMP_DECLARE_PREDICATE
#undef RAMP_DECLARE_BINARY
#undef RAMP_DECLARE_LOGICAL

// ---- the ops beside the table (src/ops/pointwise.cpp) ----
// round(x, decimals): nearbyint(x * 10^d) / 10^d (d < 0: nearbyint(x / 10^-d) * 10^-d), floating
// dtypes only ("round_cpu"); RoundBackward1.
Tensor round(const Tensor& self, std::int64_t decimals);
Tensor& round_(Tensor& self, std::int64_t decimals);
// NaN -> nan, +inf -> posinf, -inf -> neginf (by default 0, the dtype's largest and lowest
// finite values), each converted to the dtype; integers and bool are copied unchanged.
// NanToNumBackward0 (dy where the input is finite).
Tensor nan_to_num(const Tensor& self, std::optional<double> nan = {}, std::optional<double> posinf = {},
                  std::optional<double> neginf = {});
Tensor& nan_to_num_(Tensor& self, std::optional<double> nan = {}, std::optional<double> posinf = {},
                    std::optional<double> neginf = {});
// self * self: pow(self, 2) (PowBackward0); bool gives int64, as 1.13.
Tensor square(const Tensor& self);
Tensor& square_(Tensor& self);
// In-place clamp (ClampBackward1), and clamp with tensor bounds (ClampBackward0): min(max(self, min),
// max) as 1.13's maximum then minimum; an undefined bound is absent (not both).
Tensor& clamp_(Tensor& self, std::optional<Scalar> min, std::optional<Scalar> max = {});
Tensor clamp(const Tensor& self, const Tensor& min, const Tensor& max);

// logit(x, eps): log(z / (1 - z)), z = clamp(x, eps, 1 - eps) with both bounds rounded to the dtype when
// eps >= 0 is given, z = x otherwise (NaN outside [0, 1]); integers give the default dtype. As 1.13's
// vector kernel, each step rounds to the dtype (bfloat16 too). LogitBackward0.
Tensor logit(const Tensor& self, std::optional<double> eps = {});
Tensor& logit_(Tensor& self, std::optional<double> eps = {});
// polygamma(n, x): digamma (n = 0), trigamma (n = 1), else (-1)^(n+1) n! zeta(n + 1, x) (Cephes' zeta,
// as 1.13); n < 0 refused. PolygammaBackward0 (DigammaBackward0's formula is polygamma(1, x)).
Tensor polygamma(std::int64_t n, const Tensor& self);
Tensor& polygamma_(Tensor& self, std::int64_t n);
// positive(x): x itself (no copy, no node); bool refused with 1.13's message.
Tensor positive(const Tensor& self);
// ldexp(x, e): x * 2^e, composed as 1.13 does (mul(x, pow(2.0, e)): MulBackward0, its dtypes).
Tensor ldexp(const Tensor& self, const Tensor& other);
Tensor& ldexp_(Tensor& self, const Tensor& other);
// The scalar functions behind digamma and polygamma (src/ops/special.cpp): Cephes' as 1.13's Math.h.
float digamma_of(float x);
double digamma_of(double x);

// where(condition, self, other): condition ? self : other, broadcasting all three; the dtype is
// torch.result_type of self and other (a number joins as 1.13's wrapped numbers do). condition is
// bool (uint8 accepted, as 1.13 with its deprecation warning). WhereBackward0.
Tensor where(const Tensor& condition, const Tensor& self, const Tensor& other);
Tensor where(const Tensor& condition, Scalar self, const Tensor& other);
Tensor where(const Tensor& condition, const Tensor& self, Scalar other);
Tensor where(const Tensor& condition, Scalar self, Scalar other);
// where(condition): the indices of the nonzero elements, one int64 tensor per dimension.
std::vector<Tensor> where(const Tensor& condition);

// lerp: self + weight * (end - self) for weight < 0.5, else end - (end - self) * (1 - weight)
// (1.13's two-sided formula, fused multiply-adds as its kernel). self, end and a tensor weight must share a floating dtype.
// LerpBackward0 (number weight) / LerpBackward1.
Tensor lerp(const Tensor& self, const Tensor& end, Scalar weight);
Tensor lerp(const Tensor& self, const Tensor& end, const Tensor& weight);
Tensor& lerp_(Tensor& self, const Tensor& end, Scalar weight);
Tensor& lerp_(Tensor& self, const Tensor& end, const Tensor& weight);

// self + value * tensor1 * tensor2 / self + value * tensor1 / tensor2, promoting all three.
// Integer division refuses (1.13's message). AddcmulBackward0 / AddcdivBackward0.
Tensor addcmul(const Tensor& self, const Tensor& tensor1, const Tensor& tensor2, Scalar value = 1);
Tensor addcdiv(const Tensor& self, const Tensor& tensor1, const Tensor& tensor2, Scalar value = 1);
Tensor& addcmul_(Tensor& self, const Tensor& tensor1, const Tensor& tensor2, Scalar value = 1);
Tensor& addcdiv_(Tensor& self, const Tensor& tensor1, const Tensor& tensor2, Scalar value = 1);

// |self - other| <= atol + rtol * |other| (or equal; NaNs equal when equal_nan). Same dtype
// required ("Float did not match Double"), as 1.13.
Tensor isclose(const Tensor& self, const Tensor& other, double rtol = 1e-05, double atol = 1e-08,
               bool equal_nan = false);
bool allclose(const Tensor& self, const Tensor& other, double rtol = 1e-05, double atol = 1e-08,
              bool equal_nan = false);
// Same sizes and equal values (compared after promotion; NaN is unequal).
bool equal(const Tensor& self, const Tensor& other);

// c10::canCast: whether an op computing in `from` may write a tensor of dtype `to` (not floating
// into integers, not non-bool into bool).
constexpr bool can_cast(ScalarType from, ScalarType to) {
  if (is_floating(from) && is_integral(to)) return false;
  return from == ScalarType::Bool || to != ScalarType::Bool;
}

// ---- the entries ----
namespace ew {

inline constexpr DTypeSet kAll = kFloating | kIntegral | DTypeSet{ScalarType::Bool};
inline constexpr DTypeSet kIntegralAndBool = kIntegral | DTypeSet{ScalarType::Bool};

// The result dtype.
enum class Result : std::uint8_t {
  same,      // the (promoted) input dtype: floor, neg, fmod
  floating,  // floating inputs keep theirs; bool and integers give the default dtype: sin, exp
  boolean,   // bool: isnan, logical_and
};
// What a unary backward reads.
enum class Reads : std::uint8_t { nothing, input, output };

template <class C> inline constexpr bool kIsFloat = std::is_floating_point_v<C>;

struct NoVec {};

// Defaults of every entry.
struct Entry {
  static constexpr Result result = Result::same;
  static constexpr DTypeSet dtypes = kAll;         // what the kernel accepts (the computing dtype)
  static constexpr std::string_view kernel = "";   // 1.13's: "<kernel>" not implemented for 'Float'
  static constexpr std::string_view grad_fn = "";  // empty: no gradient
  static constexpr std::string_view alias = "";    // torch's second name (negative, absolute, fix)
  static constexpr bool torch_inplace = true;      // torch.<name>_ exists beside Tensor.<name>_
  static constexpr bool method_inplace = true;     // Tensor.<name>_ exists (not fmax_)
  static constexpr Reads reads = Reads::nothing;
  // f_bf16 (float in, float out): 1.13's kernel computes bfloat16 in bfloat16 arithmetic, rounding
  // after each step (sinc, xlogy, deg2rad's constant), not in float rounded once; used for bfloat16 instead
  // of f and the vector kernel.
  static constexpr bool bf16_steps = false;
  static void check(ScalarType) {}
  static void vec(NoVec) {}  // no vector formula (see has_vec)
};

// ---- trigonometry, exponentials, logarithms, roots: integers give the default dtype ----
struct Floating : Entry {
  static constexpr Result result = Result::floating;
};
struct Sin : Floating {
  static constexpr std::string_view name = "sin", grad_fn = "SinBackward0";
  static constexpr Reads reads = Reads::input;
  static auto f(auto x) { return std::sin(x); }
  static auto vec(const auto& m, auto v) { return m.sin(v); }
  static Tensor backward(const Tensor& g, const Tensor& x) { return g.mul(cos(x)); }  // dx = dy cos(x)
};
struct Cos : Floating {
  static constexpr std::string_view name = "cos", grad_fn = "CosBackward0";
  static constexpr Reads reads = Reads::input;
  static auto f(auto x) { return std::cos(x); }
  static auto vec(const auto& m, auto v) { return m.cos(v); }
  static Tensor backward(const Tensor& g, const Tensor& x) { return g.mul(neg(sin(x))); }  // dy * -sin(x)
};
struct Tan : Floating {
  static constexpr std::string_view name = "tan", grad_fn = "TanBackward0";
  static constexpr Reads reads = Reads::output;
  static auto f(auto x) { return std::tan(x); }
  static auto vec(const auto& m, auto v) { return m.tan(v); }
  static Tensor backward(const Tensor& g, const Tensor& y) { return g.mul(square(y).add(1)); }  // dy (1 + y²)
};
struct Exp : Floating {
  static constexpr std::string_view name = "exp", grad_fn = "ExpBackward0";
  static constexpr Reads reads = Reads::output;
  static auto f(auto x) { return std::exp(x); }
  static auto vec(const auto& m, auto v) { return m.exp(v); }
  static Tensor backward(const Tensor& g, const Tensor& y) { return g.mul(y); }  // dy y
};
struct Expm1 : Floating {
  static constexpr std::string_view name = "expm1", grad_fn = "Expm1Backward0";
  static constexpr Reads reads = Reads::output;
  static auto f(auto x) { return std::expm1(x); }
  static auto vec(const auto& m, auto v) { return m.expm1(v); }
  static Tensor backward(const Tensor& g, const Tensor& y) { return g.mul(y.add(1)); }  // dy (y + 1)
};
struct Log : Floating {
  static constexpr std::string_view name = "log", grad_fn = "LogBackward0";
  static constexpr Reads reads = Reads::input;
  static auto f(auto x) { return std::log(x); }
  static auto vec(const auto& m, auto v) { return m.log(v); }
  static Tensor backward(const Tensor& g, const Tensor& x) { return g.div(x); }  // dy / x
};
struct Log1p : Floating {
  static constexpr std::string_view name = "log1p", grad_fn = "Log1PBackward0";
  static constexpr Reads reads = Reads::input;
  static auto f(auto x) { return std::log1p(x); }
  static auto vec(const auto& m, auto v) { return m.log1p(v); }
  static Tensor backward(const Tensor& g, const Tensor& x) { return g.div(x.add(1)); }  // dy / (x + 1)
};
struct Log2 : Floating {
  static constexpr std::string_view name = "log2", grad_fn = "Log2Backward0";
  static constexpr Reads reads = Reads::input;
  static auto f(auto x) { return std::log2(x); }
  static auto vec(const auto& m, auto v) { return m.log2(v); }
  static Tensor backward(const Tensor& g, const Tensor& x) { return g.div(x.mul(0.6931471805599453)); }  // dy / (x ln 2)
};
struct Log10 : Floating {
  static constexpr std::string_view name = "log10", grad_fn = "Log10Backward0";
  static constexpr Reads reads = Reads::input;
  static auto f(auto x) { return std::log10(x); }
  static auto vec(const auto& m, auto v) { return m.log10(v); }
  static Tensor backward(const Tensor& g, const Tensor& x) { return g.div(x.mul(2.302585092994046)); }  // dy / (x ln 10)
};
struct Sqrt : Floating {
  static constexpr std::string_view name = "sqrt", grad_fn = "SqrtBackward0";
  static constexpr Reads reads = Reads::output;
  static auto f(auto x) { return std::sqrt(x); }
  static auto vec(const auto& m, auto v) { return m.sqrt(v); }
  static Tensor backward(const Tensor& g, const Tensor& y) { return g.div(y.mul(2)); }  // dy / (2 y)
};
struct Rsqrt : Floating {
  static constexpr std::string_view name = "rsqrt", grad_fn = "RsqrtBackward0";
  static constexpr Reads reads = Reads::output;
  static auto f(auto x) { return decltype(x)(1) / std::sqrt(x); }  // as 1.13: a division, not rsqrtps
  static auto vec(const auto& m, auto v) { return m.div(m.set(1), m.sqrt(v)); }
  static Tensor backward(const Tensor& g, const Tensor& y) { return g.mul(-0.5).mul(y.mul(square(y))); }  // -dy y³ / 2
};
struct Reciprocal : Floating {
  static constexpr std::string_view name = "reciprocal", grad_fn = "ReciprocalBackward0";
  static constexpr Reads reads = Reads::output;
  static auto f(auto x) { return decltype(x)(1) / x; }
  static auto vec(const auto& m, auto v) { return m.div(m.set(1), v); }
  static Tensor backward(const Tensor& g, const Tensor& y) { return neg(g).mul(y.mul(y)); }  // -dy y²
};

// ---- sign and magnitude: the dtype stays ----
struct Neg : Entry {
  static constexpr std::string_view name = "neg", grad_fn = "NegBackward0", alias = "negative";
  static constexpr DTypeSet dtypes = kFloating | kIntegral;  // bool: check's message
  static void check(ScalarType t) {
    RAMP_CHECK(t != ScalarType::Bool, "Negation, the `-` operator, on a bool tensor is not supported. If you are "
               "trying to invert a mask, use the `~` or `logical_not()` operator instead.");
  }
  // -x flips the sign bit (neg(0.0) is -0.0); integers wrap (uint8 1 -> 255, int8 -128 stays).
  static auto f(auto x) {
    using C = decltype(x);
    if constexpr (std::is_integral_v<C>) return C(std::make_unsigned_t<C>(0) - std::make_unsigned_t<C>(x));
    else return -x;
  }
  static auto vec(const auto& m, auto v) { return m.neg(v); }  // floating dtypes: the sign bit
  static Tensor backward(const Tensor& g, const Tensor&) { return neg(g); }
};
struct Abs : Entry {
  static constexpr std::string_view name = "abs", kernel = "abs_cpu", grad_fn = "AbsBackward0", alias = "absolute";
  static constexpr DTypeSet dtypes = kFloating | kIntegral;
  static constexpr Reads reads = Reads::input;
  // Clears the sign bit (abs(-0.0) is 0.0); the most negative integer stays itself, as 1.13.
  static auto f(auto x) {
    using C = decltype(x);
    if constexpr (kIsFloat<C>) return std::abs(x);
    else if constexpr (std::is_signed_v<C>) return x < 0 ? Neg::f(x) : x;
    else return x;
  }
  static auto vec(const auto& m, auto v) { return m.abs(v); }
  static Tensor backward(const Tensor& g, const Tensor& x) { return g.mul(sign(x)); }  // dy sgn(x): 0 at 0 and NaN
};
struct Sign : Entry {
  static constexpr std::string_view name = "sign", grad_fn = "SignBackward0";
  static constexpr bool torch_inplace = false;
  // (0 < x) - (x < 0): 0 at ±0 and at NaN, as 1.13; bool stays itself.
  static auto f(auto x) {
    using C = decltype(x);
    if constexpr (std::is_same_v<C, bool> || std::is_unsigned_v<C>) return C(x != 0);
    else return C(C(0 < x) - C(x < 0));
  }
  static auto vec(const auto& m, auto v) {
    const auto one = m.set(1), zero = m.zero();
    return m.sub(m.select(m.lt(zero, v), one, zero), m.select(m.lt(v, zero), one, zero));
  }
  static Tensor backward(const Tensor& g, const Tensor&) { return zeros_like(g); }
};
// sign's extension to complex numbers (x / |x|), which is sign on ramp's real dtypes; 1.13's
// gradient on real inputs is zero everywhere, NaN and infinities included.
struct Sgn : Sign {
  static constexpr std::string_view name = "sgn", grad_fn = "SgnBackward0";
};

// ---- rounding: integers pass through unchanged, bool is refused ----
struct Rounding : Entry {
  static constexpr DTypeSet dtypes = kFloating | kIntegral;
  static Tensor backward(const Tensor& g, const Tensor&) { return zeros_like(g); }
};
struct Floor : Rounding {
  static constexpr std::string_view name = "floor", kernel = "floor_vml_cpu", grad_fn = "FloorBackward0";
  static auto vec(const auto& m, auto v) { return m.floor(v); }  // floating dtypes
  static auto f(auto x) {
    if constexpr (kIsFloat<decltype(x)>) return std::floor(x);
    else return x;
  }
};
struct Ceil : Rounding {
  static constexpr std::string_view name = "ceil", kernel = "ceil_vml_cpu", grad_fn = "CeilBackward0";
  static auto vec(const auto& m, auto v) { return m.ceil(v); }  // floating dtypes
  static auto f(auto x) {
    if constexpr (kIsFloat<decltype(x)>) return std::ceil(x);
    else return x;
  }
};
struct Round : Rounding {
  static constexpr std::string_view name = "round", kernel = "round_vml_cpu", grad_fn = "RoundBackward0";
  // Half to even (nearbyint in the default rounding mode), as 1.13.
  static auto vec(const auto& m, auto v) { return m.round(v); }  // floating dtypes
  static auto f(auto x) {
    if constexpr (kIsFloat<decltype(x)>) return std::nearbyint(x);
    else return x;
  }
};
struct Trunc : Rounding {
  static constexpr std::string_view name = "trunc", kernel = "trunc_vml_cpu", grad_fn = "TruncBackward0",
                                    alias = "fix";
  static auto vec(const auto& m, auto v) { return m.trunc(v); }  // floating dtypes
  static auto f(auto x) {
    if constexpr (kIsFloat<decltype(x)>) return std::trunc(x);
    else return x;
  }
};
struct Frac : Entry {
  static constexpr std::string_view name = "frac", kernel = "frac_cpu", grad_fn = "FracBackward0";
  static constexpr DTypeSet dtypes = kFloating;
  static auto f(auto x) { return x - std::trunc(x); }  // x - trunc(x), as 1.13 (frac(-0.0) is 0.0)
  static auto vec(const auto& m, auto v) { return m.sub(v, m.trunc(v)); }
  static Tensor backward(const Tensor& g, const Tensor&) { return g; }
};

// ---- the error function and its inverse: integers give the default dtype ----
// erf/erfc are SLEEF's (1.0 / 1.5 ulp) for float32, float64 and bfloat16, the functions 1.13's
// vector kernels call (equal to Debian's torch 1.13 bit for bit in the tests).
inline constexpr double kTwoOverSqrtPi = 1.1283791670955126;  // 2 / sqrt(pi)
struct Erf : Floating {
  static constexpr std::string_view name = "erf", grad_fn = "ErfBackward0";
  static constexpr Reads reads = Reads::input;
  static auto f(auto x) { return std::erf(x); }
  static auto vec(const auto& m, auto v) { return m.erf(v); }
  static Tensor backward(const Tensor& g, const Tensor& x) {  // dy 2/sqrt(pi) exp(-x²)
    return g.mul(exp(neg(square(x))).mul(kTwoOverSqrtPi));
  }
};
struct Erfc : Floating {
  static constexpr std::string_view name = "erfc", grad_fn = "ErfcBackward0";
  static constexpr Reads reads = Reads::input;
  static auto f(auto x) { return std::erfc(x); }
  static auto vec(const auto& m, auto v) { return m.erfc(v); }
  static Tensor backward(const Tensor& g, const Tensor& x) {  // -dy 2/sqrt(pi) exp(-x²)
    return g.mul(exp(neg(square(x))).mul(-kTwoOverSqrtPi));
  }
};
// 1.13's calc_erfinv (ATen's Math.h): a rational first guess (central range |y| <= 0.7, tails from
// sqrt(-log((1 - |y|) / 2))), then two Newton steps on erf, in the computing type; NaN beyond
// [-1, 1], ±inf at ±1. The polynomials are fused multiply-adds, as the compiler contracts them in
// 1.13's kernel build (so results equal 1.13's bit for bit), and 2/sqrt(pi) is rounded as it rounds it.
inline auto erfinv_of(auto y) {
  using C = decltype(y);
  constexpr C a[4] = {C(0.886226899), C(-1.645349621), C(0.914624893), C(-0.140543331)};
  constexpr C b[4] = {C(-2.118377725), C(1.442710462), C(-0.329097515), C(0.012229801)};
  constexpr C c[4] = {C(-1.970840454), C(-1.624906493), C(3.429567803), C(1.641345311)};
  constexpr C d[2] = {C(3.543889200), C(1.637067800)};
  const C y_abs = std::abs(y);
  if (y_abs > C(1)) return std::numeric_limits<C>::quiet_NaN();
  if (y_abs == C(1)) return std::copysign(std::numeric_limits<C>::infinity(), y);
  C x;
  if (y_abs <= C(0.7)) {
    const C z = y * y;
    const C num = std::fma(std::fma(std::fma(a[3], z, a[2]), z, a[1]), z, a[0]);
    const C dem = std::fma(std::fma(std::fma(std::fma(b[3], z, b[2]), z, b[1]), z, b[0]), z, C(1));
    x = y * num / dem;
  } else {
    const C z = std::sqrt(-std::log((C(1) - y_abs) / C(2)));
    const C num = std::fma(std::fma(std::fma(c[3], z, c[2]), z, c[1]), z, c[0]);
    const C dem = std::fma(std::fma(d[1], z, d[0]), z, C(1));
    x = std::copysign(num, y) / dem;
  }
  const C k = C(2) / C(1.7724538509055159);  // 2 / sqrt(pi), divided in C
  x = x - (std::erf(x) - y) / (k * std::exp(-x * x));
  x = x - (std::erf(x) - y) / (k * std::exp(-x * x));
  return x;
}
struct Erfinv : Floating {
  static constexpr std::string_view name = "erfinv", grad_fn = "ErfinvBackward0";
  static constexpr Reads reads = Reads::output;
  static constexpr bool torch_inplace = false;  // Tensor.erfinv_ only
  static auto f(auto x) { return erfinv_of(x); }
  static Tensor backward(const Tensor& g, const Tensor& y) {  // dy sqrt(pi)/2 exp(y²), y = erfinv(x)
    return g.mul(exp(square(y)).mul(0.886226925452758));
  }
};

// ---- angles, sinc, the gamma function: integers give the default dtype ----
// A value rounded to bfloat16 (for the f_bf16 formulas).
inline float round_bf16(float x) { return float(BFloat16(x)); }
inline constexpr double kPi = 3.14159265358979323846, kPiOver180 = kPi / 180, k180OverPi = 180 / kPi;
// x times the constant rounded to the dtype, as 1.13's mul by a wrapped number (bfloat16's too).
template <class Self> struct Scaled : Floating {
  static constexpr bool bf16_steps = true;
  static auto f(auto x) { return x * decltype(x)(Self::kFactor); }
  static float f_bf16(float x) { return x * round_bf16(float(Self::kFactor)); }
  static Tensor backward(const Tensor& g, const Tensor&) { return g.mul(Self::kFactor); }
};
struct Deg2Rad : Scaled<Deg2Rad> {
  static constexpr std::string_view name = "deg2rad", grad_fn = "Deg2RadBackward0";
  static constexpr double kFactor = kPiOver180;
};
struct Rad2Deg : Scaled<Rad2Deg> {
  static constexpr std::string_view name = "rad2deg", grad_fn = "Rad2DegBackward0";
  static constexpr double kFactor = k180OverPi;
};
// sin(pi x) / (pi x) with pi x rounded to the dtype (1.13's scalar kernel, libm's sin), 1 at 0.
struct Sinc : Floating {
  static constexpr std::string_view name = "sinc", grad_fn = "SincBackward0";
  static constexpr Reads reads = Reads::input;
  static constexpr bool bf16_steps = true;
  static auto f(auto x) {
    using C = decltype(x);
    if (x == C(0)) return C(1);
    const C p = C(kPi) * x;
    return std::sin(p) / p;
  }
  // bfloat16 arithmetic: pi, the product and the sine each rounded (sinc(1) is 3.1e-4, as 1.13)
  static float f_bf16(float x) {
    if (x == 0) return 1;
    const float p = round_bf16(round_bf16(float(kPi)) * x);
    return round_bf16(std::sin(p)) / p;
  }
  // 1.13's sinc_backward: ((pi x cos(pi x) - sin(pi x)) / (pi x²)) dy, divided before the product
  // with dy (bit for bit); 0 where pi x² is 0
  static Tensor backward(const Tensor& g, const Tensor& x) {
    const Tensor px = x.mul(kPi), px2 = x.mul(x).mul(kPi);
    const Tensor out = px.mul(cos(px)).sub(sin(px)).div(px2).mul(g);
    return where(eq(px2, 0), scalar_tensor(0, out.dtype()), out);
  }
};
// libm's lgamma (glibc's reentrant form: lgamma writes the global signgam). +inf at the poles.
struct Lgamma : Floating {
  static constexpr std::string_view name = "lgamma", grad_fn = "LgammaBackward0";
  static constexpr Reads reads = Reads::input;
  static constexpr bool torch_inplace = false;
  static auto f(auto x) {
    int sign;
    if constexpr (sizeof(x) == 4) return ::lgammaf_r(x, &sign);
    else return ::lgamma_r(x, &sign);
  }
  static Tensor backward(const Tensor& g, const Tensor& x);  // dy digamma(x)
};
// Cephes' digamma as 1.13's calc_digamma: ∓inf at ±0, NaN at the negative integers.
struct Digamma : Floating {
  static constexpr std::string_view name = "digamma", grad_fn = "DigammaBackward0";
  static constexpr Reads reads = Reads::input;
  static constexpr bool torch_inplace = false;
  static auto f(auto x) { return digamma_of(x); }
  static Tensor backward(const Tensor& g, const Tensor& x) { return g.mul(polygamma(1, x)); }
};
inline Tensor Lgamma::backward(const Tensor& g, const Tensor& x) { return g.mul(digamma(x)); }

// ---- logic and bits ----
struct LogicalNot : Entry {
  static constexpr std::string_view name = "logical_not";
  static constexpr Result result = Result::boolean;
  static constexpr bool torch_inplace = false;
  static bool f(auto x) { return !(x != decltype(x)(0)); }  // NaN is true, so NaN -> false
};
struct BitwiseNot : Entry {
  static constexpr std::string_view name = "bitwise_not", kernel = "bitwise_not_cpu";
  static constexpr DTypeSet dtypes = kIntegralAndBool;
  static constexpr bool torch_inplace = false;
  static auto f(auto x) {
    using C = decltype(x);
    if constexpr (std::is_same_v<C, bool>) return !x;
    else return C(~x);
  }
};

// ---- predicates ----
struct Predicate : Entry {
  static constexpr Result result = Result::boolean;
};
struct IsNan : Predicate {
  static constexpr std::string_view name = "isnan";
  static bool f(auto x) {
    if constexpr (kIsFloat<decltype(x)>) return std::isnan(x);
    else return false;
  }
};
struct IsInf : Predicate {
  static constexpr std::string_view name = "isinf";
  static bool f(auto x) {
    if constexpr (kIsFloat<decltype(x)>) return std::isinf(x);
    else return false;
  }
};
struct IsFinite : Predicate {
  static constexpr std::string_view name = "isfinite";
  static bool f(auto x) {
    if constexpr (kIsFloat<decltype(x)>) return std::isfinite(x);
    else return true;
  }
};
struct IsPosInf : Predicate {
  static constexpr std::string_view name = "isposinf";
  static bool f(auto x) {
    if constexpr (kIsFloat<decltype(x)>) return x == std::numeric_limits<decltype(x)>::infinity();
    else return false;
  }
};
struct IsNegInf : Predicate {
  static constexpr std::string_view name = "isneginf";
  static bool f(auto x) {
    if constexpr (kIsFloat<decltype(x)>) return x == -std::numeric_limits<decltype(x)>::infinity();
    else return false;
  }
};

// The sign bit: -0.0 and NaNs with it set are true; unsigned integers and bool are false.
struct Signbit : Predicate {
  static constexpr std::string_view name = "signbit";
  static bool f(auto x) {
    using C = decltype(x);
    // The bits as a signed integer: negative exactly when the sign bit is set. (std::signbit here
    // made GCC 12's vectorizer fail with an internal error on the float loop.)
    if constexpr (kIsFloat<C>) return std::bit_cast<std::conditional_t<sizeof(C) == 4, std::int32_t, std::int64_t>>(x) < 0;
    else if constexpr (std::is_signed_v<C>) return x < 0;
    else return false;
  }
};

// ---- binary entries: both operands in torch.result_type's dtype, broadcast ----
// backward(g, a, b) gives (da, db) before reduction to each operand's shape; a number `other`
// records grad_fn_scalar and uses da only.
struct BinaryEntry : Entry {
  static constexpr std::string_view other = "other";  // the second argument's name in Python
  static constexpr std::string_view grad_fn_scalar = "";
  // The node of a number as `self` where 1.13 has its own (XlogyBackward1); else the tensor pair's.
  static constexpr std::string_view grad_fn_number_first = "";
  // Integer division: a zero divisor raises 1.13's "ZeroDivisionError" (a RuntimeError) before
  // the loop runs (the formulas give 0 there instead of undefined behaviour).
  static constexpr bool divides = false;
  // Checks of the two dtypes before promotion (heaviside's "different dtypes").
  static void check_operands(ScalarType, ScalarType) {}
  // A number as `self` (ramp.remainder(2, x), 2 << x), joining as 1.13's wrapped numbers do.
  static constexpr bool number_first = false;
  // torch.special.<name> only (xlog1py): no ramp.<name>, no method.
  static constexpr bool special = false;
};

struct Bitwise : BinaryEntry {
  static constexpr DTypeSet dtypes = kIntegralAndBool;
  static constexpr bool torch_inplace = false, number_first = true;
};
struct BitwiseAnd : Bitwise {
  static constexpr std::string_view name = "bitwise_and", kernel = "bitwise_and_cpu";
  static auto f(auto a, auto b) { return decltype(a)(a & b); }
};
struct BitwiseOr : Bitwise {
  static constexpr std::string_view name = "bitwise_or", kernel = "bitwise_or_cpu";
  static auto f(auto a, auto b) { return decltype(a)(a | b); }
};
struct BitwiseXor : Bitwise {
  static constexpr std::string_view name = "bitwise_xor", kernel = "bitwise_xor_cpu";
  static auto f(auto a, auto b) { return decltype(a)(a ^ b); }
};

struct Logical : BinaryEntry {
  static constexpr Result result = Result::boolean;
  static constexpr bool torch_inplace = false;
  static bool truth(auto x) { return x != decltype(x)(0); }  // NaN is true
};
struct LogicalAnd : Logical {
  static constexpr std::string_view name = "logical_and";
  static bool f(auto a, auto b) { return truth(a) && truth(b); }
};
struct LogicalOr : Logical {
  static constexpr std::string_view name = "logical_or";
  static bool f(auto a, auto b) { return truth(a) || truth(b); }
};
struct LogicalXor : Logical {
  static constexpr std::string_view name = "logical_xor";
  static bool f(auto a, auto b) { return truth(a) != truth(b); }
};

// The quotient a / b rounded toward -inf as 1.13's div_floor computes it for floats (from fmod, so
// it is exact where a / b would round up to the next integer).
inline auto div_floor(auto a, auto b) {
  using C = decltype(a);
  if (b == 0) return a / b;
  const C mod = std::fmod(a, b);
  C div = (a - mod) / b;
  if (mod != 0 && (b < 0) != (mod < 0)) div -= C(1);
  if (div == 0) return std::copysign(C(0), a / b);
  C floordiv = std::floor(div);
  if (div - floordiv > C(0.5)) floordiv += C(1);
  return floordiv;
}
Tensor div_floor(const Tensor& a, const Tensor& b);  // elementwise, floating (src/ops/elementwise.cpp)

struct Fmod : BinaryEntry {
  static constexpr std::string_view name = "fmod", kernel = "fmod_cpu", grad_fn = "FmodBackward1",
                                    grad_fn_scalar = "FmodBackward0";
  static constexpr DTypeSet dtypes = kFloating | kIntegral;
  static constexpr bool divides = true;
  static constexpr bool torch_inplace = false;
  // The remainder of truncated division: the sign of a.
  static auto f(auto a, auto b) {
    using C = decltype(a);
    if constexpr (kIsFloat<C>) return std::fmod(a, b);
    else if constexpr (std::is_signed_v<C>) return b == 0 || b == -1 ? C(0) : C(a % b);  // min % -1 overflows
    else return b == 0 ? C(0) : C(a % b);
  }
  static auto vec(const auto& m, auto a, auto b) { return m.fmod(a, b); }  // floating dtypes
  // da = dy, db = -dy trunc(a / b)
  static std::pair<Tensor, Tensor> backward(const Tensor& g, const Tensor& a, const Tensor& b) {
    return {g, neg(g).mul(trunc(a.div(b)))};
  }
};
struct Remainder : BinaryEntry {
  static constexpr std::string_view name = "remainder", kernel = "remainder_cpu", grad_fn = "RemainderBackward1",
                                    grad_fn_scalar = "RemainderBackward0";
  static constexpr DTypeSet dtypes = kFloating | kIntegral;
  static constexpr bool divides = true;
  static constexpr bool torch_inplace = false, number_first = true;
  // Python's %: the remainder of floor division, with the sign of b.
  static auto f(auto a, auto b) {
    using C = decltype(a);
    C r;
    if constexpr (kIsFloat<C>) r = std::fmod(a, b);
    else if constexpr (std::is_signed_v<C>) r = b == 0 || b == -1 ? C(0) : C(a % b);
    else r = b == 0 ? C(0) : C(a % b);
    if constexpr (std::is_signed_v<C>) {
      if (r != 0 && (r < 0) != (b < 0)) r = C(r + b);
    }
    return r;
  }
  static auto vec(const auto& m, auto a, auto b) {
    const auto r = m.fmod(a, b), zero = m.zero();
    return m.select(m.and_(m.ne(r, zero), m.ne(m.lt(r, zero), m.lt(b, zero))), m.add(r, b), r);
  }
  // da = dy, db = -dy floor(a / b)
  static std::pair<Tensor, Tensor> backward(const Tensor& g, const Tensor& a, const Tensor& b) {
    return {g, neg(g).mul(div_floor(a, b))};
  }
};
// clamp_min / clamp_max with a tensor bound are 1.13's maximum / minimum (NaN on either side
// wins); with a number they are clamp's one-sided forms (its dtype rules and NaN handling).
struct ClampMin : BinaryEntry {
  static constexpr std::string_view name = "clamp_min", grad_fn = "ClampMinBackward1",
                                    grad_fn_scalar = "ClampMinBackward0", other = "min";
  static auto f(auto a, auto b) {
    using C = decltype(a);
    if constexpr (std::is_same_v<C, bool>) return C(a || b);
    else if constexpr (kIsFloat<C>) return a != a || b != b ? std::numeric_limits<C>::quiet_NaN() : a < b ? b : a;
    else return a < b ? b : a;
  }
  // 1.13's vector form (maxps): b where a == b, so clamp_min(-0.0, 0.0) is 0.0 there; NaN wins.
  static auto vec(const auto& m, auto a, auto b) { return m.select(m.isnan(a), a, m.select(m.lt(b, a), a, b)); }
  static Tensor scalar_forward(const Tensor& a, const Scalar& b) { return clamp(a, b, std::nullopt); }
  // da = dy where a >= b, db = dy where a < b
  static std::pair<Tensor, Tensor> backward(const Tensor& g, const Tensor& a, const Tensor& b) {
    const Tensor zero = scalar_tensor(0, g.dtype());
    return {where(ge(a, b), g, zero), where(lt(a, b), g, zero)};
  }
};
struct ClampMax : BinaryEntry {
  static constexpr std::string_view name = "clamp_max", grad_fn = "ClampMaxBackward1",
                                    grad_fn_scalar = "ClampMaxBackward0", other = "max";
  static auto f(auto a, auto b) {
    using C = decltype(a);
    if constexpr (std::is_same_v<C, bool>) return C(a && b);
    else if constexpr (kIsFloat<C>) return a != a || b != b ? std::numeric_limits<C>::quiet_NaN() : b < a ? b : a;
    else return b < a ? b : a;
  }
  // 1.13's vector form (minps): b where a == b; NaN wins.
  static auto vec(const auto& m, auto a, auto b) { return m.select(m.isnan(a), a, m.select(m.lt(a, b), a, b)); }
  static Tensor scalar_forward(const Tensor& a, const Scalar& b) { return clamp(a, std::nullopt, b); }
  // da = dy where a <= b, db = dy where a > b
  static std::pair<Tensor, Tensor> backward(const Tensor& g, const Tensor& a, const Tensor& b) {
    const Tensor zero = scalar_tensor(0, g.dtype());
    return {where(le(a, b), g, zero), where(gt(a, b), g, zero)};
  }
};

// atan2 and hypot: floating results (integers and bool give the default dtype for atan2; hypot's
// kernel refuses them, as 1.13's "hypot_cpu"). SLEEF's atan2 (1 ulp) and hypot (0.5 ulp), the
// functions 1.13's vector kernels call.
struct Atan2 : BinaryEntry {
  static constexpr std::string_view name = "atan2", grad_fn = "Atan2Backward0";
  static constexpr Result result = Result::floating;
  static constexpr bool torch_inplace = false;
  static auto f(auto a, auto b) { return std::atan2(a, b); }
  static auto vec(const auto& m, auto a, auto b) { return m.atan2(a, b); }
  // r = 1 / (a² + b²): da = dy b r, db = -dy a r
  static std::pair<Tensor, Tensor> backward(const Tensor& g, const Tensor& a, const Tensor& b) {
    const Tensor r = reciprocal(a.mul(a).add(b.mul(b)));
    return {g.mul(b).mul(r), g.mul(neg(a)).mul(r)};
  }
};
struct Hypot : BinaryEntry {
  static constexpr std::string_view name = "hypot", kernel = "hypot_cpu", grad_fn = "HypotBackward0";
  static constexpr DTypeSet dtypes = kFloating;
  static constexpr bool torch_inplace = false;
  static auto f(auto a, auto b) { return std::hypot(a, b); }
  static auto vec(const auto& m, auto a, auto b) { return m.hypot(a, b); }
  // da = dy a / r, db = dy b / r with r = hypot(a, b)
  static std::pair<Tensor, Tensor> backward(const Tensor& g, const Tensor& a, const Tensor& b) {
    const Tensor r = ramp::hypot(a, b);
    return {g.mul(a).div(r), g.mul(b).div(r)};
  }
};
// fmax / fmin: C's fmax/fmin for floats (a NaN on one side gives the other; NaN only when both
// are), max/min for integers and bool. 1.13 has no in-place forms.
template <bool kMax> struct FmaxFmin : BinaryEntry {
  static constexpr bool torch_inplace = false, method_inplace = false;
  static auto f(auto a, auto b) {
    using C = decltype(a);
    if constexpr (kIsFloat<C>) return kMax ? std::fmax(a, b) : std::fmin(a, b);
    else return kMax ? (a < b ? b : a) : (b < a ? b : a);
  }
  // 1.13's: da = dy where (a >= b or b is NaN) (<= for fmin), db = dy elsewhere
  static std::pair<Tensor, Tensor> backward(const Tensor& g, const Tensor& a, const Tensor& b) {
    const Tensor zero = scalar_tensor(0, g.dtype());
    const Tensor to_a = logical_or(kMax ? ge(a, b) : le(a, b), isnan(b));
    return {where(to_a, g, zero), where(to_a, zero, g)};
  }
};
struct Fmax : FmaxFmin<true> {
  static constexpr std::string_view name = "fmax", grad_fn = "FmaxBackward0";
};
struct Fmin : FmaxFmin<false> {
  static constexpr std::string_view name = "fmin", grad_fn = "FminBackward0";
};

// xlogy / xlog1py: x log(y) (log1p(y)), 0 where x is 0 unless y is NaN; floating results (integers
// give the default dtype). 1.13's scalar kernel (libm's log); bfloat16 rounds the logarithm first.
template <bool k1p> struct XlogyBase : BinaryEntry {
  static constexpr Result result = Result::floating;
  static constexpr bool bf16_steps = true, number_first = true;
  static auto f(auto x, auto y) {
    using C = decltype(x);
    if (y != y) return std::numeric_limits<C>::quiet_NaN();
    if (x == C(0)) return C(0);
    return x * (k1p ? std::log1p(y) : std::log(y));
  }
  static float f_bf16(float x, float y) {
    if (y != y) return y;
    if (x == 0) return 0;
    return x * round_bf16(k1p ? std::log1p(y) : std::log(y));
  }
};
struct Xlogy : XlogyBase<false> {
  static constexpr std::string_view name = "xlogy", grad_fn = "XlogyBackward0", grad_fn_scalar = "XlogyBackward2",
                                    grad_fn_number_first = "XlogyBackward1";
  // da = xlogy(dy, b), 0 where a == 0 and b <= 0; db = dy a / b
  static std::pair<Tensor, Tensor> backward(const Tensor& g, const Tensor& a, const Tensor& b) {
    const Tensor da = xlogy(g, b);
    return {where(logical_and(eq(a, 0), le(b, 0)), scalar_tensor(0, da.dtype()), da), g.mul(a).div(b)};
  }
};
struct Xlog1py : XlogyBase<true> {
  static constexpr std::string_view name = "special_xlog1py", grad_fn = "SpecialXlog1PyBackward0",
                                    grad_fn_scalar = "SpecialXlog1PyBackward2",
                                    grad_fn_number_first = "SpecialXlog1PyBackward1";
  static constexpr bool special = true, torch_inplace = false, method_inplace = false;
  // da = xlog1py(dy, b), 0 where a == 0 and b <= -1; db = dy a / (b + 1)
  static std::pair<Tensor, Tensor> backward(const Tensor& g, const Tensor& a, const Tensor& b) {
    const Tensor da = special_xlog1py(g, b);
    return {where(logical_and(eq(a, 0), le(b, -1)), scalar_tensor(0, da.dtype()), da), g.mul(a).div(b.add(1))};
  }
};
// |a| with b's sign bit; floating results.
struct Copysign : BinaryEntry {
  static constexpr std::string_view name = "copysign", grad_fn = "CopysignBackward0",
                                    grad_fn_scalar = "CopysignBackward1";
  static constexpr Result result = Result::floating;
  static constexpr bool torch_inplace = false;
  static auto f(auto a, auto b) { return std::copysign(a, b); }
  static auto vec(const auto& m, auto a, auto b) { return m.copysign(a, b); }
  // 1.13's copysign_tensor_self_backward: dy copysign(a, b) / a, 0 where a is 0; db = 0
  static std::pair<Tensor, Tensor> backward(const Tensor& g, const Tensor& a, const Tensor& b) {
    const Tensor ratio = ramp::copysign(a, b).div(a);
    return {g.mul(where(eq(a, 0), scalar_tensor(0, ratio.dtype()), ratio)), zeros_like(b)};
  }
};
// a << b, a >> b as 1.13's kernel does them on x86: narrow types shift as int (then truncate), and
// the count is taken modulo the width shifted (32, or 64 for int64): int32 1 << 33 is 2, int8 1 << 8
// is 0, int64 x >> 64 is x. Right shifts of signed values are arithmetic.
template <bool kLeft> struct Shift : BinaryEntry {
  static constexpr DTypeSet dtypes = kIntegral;
  static constexpr bool torch_inplace = false, number_first = true;
  static auto f(auto a, auto b) {
    using C = decltype(a);
    if constexpr (sizeof(C) == 8) {
      const unsigned n = unsigned(std::uint64_t(b) & 63u);
      return kLeft ? C(std::uint64_t(a) << n) : C(a >> n);
    } else {
      const unsigned n = unsigned(std::uint32_t(std::int32_t(b)) & 31u);
      return kLeft ? C(std::uint32_t(std::int32_t(a)) << n) : C(std::int32_t(a) >> n);
    }
  }
};
struct LeftShift : Shift<true> {
  static constexpr std::string_view name = "bitwise_left_shift", kernel = "lshift_cpu";
};
struct RightShift : Shift<false> {
  static constexpr std::string_view name = "bitwise_right_shift", kernel = "rshift_cpu";
};

// log(exp(a) + exp(b)) as 1.13's kernel: max(a, b) + log(1 + exp(-|a - b|)) (a log of 1 + t, not
// log1p), and log2(2^a + 2^b) as max(a, b) + log2(1 + pow(2, -|a - b|)); a itself where a and b are
// the same infinity. Floating dtypes only (bfloat16 in float, rounded once, as 1.13).
template <bool k2> struct LogaddexpBase : BinaryEntry {
  static constexpr DTypeSet dtypes = kFloating;
  static constexpr bool torch_inplace = false, method_inplace = false;
  static auto f(auto a, auto b) {
    using C = decltype(a);
    if (std::isinf(a) && a == b) return a;
    const C m = a < b ? b : a;
    if constexpr (k2) return m + std::log2(C(1) + std::pow(C(2), -std::abs(a - b)));
    else return m + std::log(C(1) + std::exp(-std::abs(a - b)));
  }
  static auto vec(const auto& m, auto a, auto b) {
    const auto d = m.neg(m.abs(m.sub(a, b)));
    const auto l = k2 ? m.log2(m.add(m.set(1), m.pow(m.set(2), d))) : m.log(m.add(m.set(1), m.exp(d)));
    const auto r = m.add(m.select(m.lt(a, b), b, a), l);
    return m.select(m.and_(m.eq(a, b), m.eq(m.abs(a), m.set(std::numeric_limits<double>::infinity()))), a, r);
  }
};
struct Logaddexp : LogaddexpBase<false> {
  static constexpr std::string_view name = "logaddexp", kernel = "logaddexp_cpu", grad_fn = "LogaddexpBackward0";
  // da = dy / (1 + exp(b - a)), db = dy / (1 + exp(a - b))
  static std::pair<Tensor, Tensor> backward(const Tensor& g, const Tensor& a, const Tensor& b) {
    return {g.div(exp(b.sub(a)).add(1)), g.div(exp(a.sub(b)).add(1))};
  }
};
struct Logaddexp2 : LogaddexpBase<true> {
  static constexpr std::string_view name = "logaddexp2", kernel = "logaddexp2_cpu", grad_fn = "Logaddexp2Backward0";
  // da = dy / (1 + 2^(b - a)), db = dy / (1 + 2^(a - b))
  static std::pair<Tensor, Tensor> backward(const Tensor& g, const Tensor& a, const Tensor& b) {
    return {g.div(pow(Scalar(2), b.sub(a)).add(1)), g.div(pow(Scalar(2), a.sub(b)).add(1))};
  }
};

// The gradient of an op 1.13 does not differentiate: its node exists, its backward raises.
[[noreturn]] void derivative_not_implemented(std::string_view message, bool not_implemented_error);

// heaviside(a, values): values where a is 0 (either sign), else a > 0 (NaN gives 0); both operands
// of one dtype, every dtype.
struct Heaviside : BinaryEntry {
  static constexpr std::string_view name = "heaviside", other = "values", grad_fn = "torch::autograd::NotImplemented";
  static constexpr bool torch_inplace = false;
  static void check_operands(ScalarType a, ScalarType b);
  static auto f(auto a, auto b) {
    using C = decltype(a);
    return a == C(0) ? b : C(a > C(0));
  }
  static std::pair<Tensor, Tensor> backward(const Tensor&, const Tensor&, const Tensor&) {
    derivative_not_implemented("derivative for aten::heaviside is not implemented", false);
  }
  // (an entry's backward_inplace, where it has one, is what its in-place form's node runs)
  static std::pair<Tensor, Tensor> backward_inplace(const Tensor&, const Tensor&, const Tensor&) {
    derivative_not_implemented("derivative for aten::heaviside_ is not implemented", false);
  }
};
// gcd by Euclid's algorithm on |a|, |b| as 1.13's calc_gcd (the most negative value is its own
// absolute value, so gcd(-128, 6) is -2 in int8, as there); lcm = |a / gcd * b| in the type 1.13's
// arithmetic runs in (int for the narrow types), wrapping; 0 where gcd is 0.
inline auto gcd_of(auto a_in, auto b_in) {
  using C = decltype(a_in);
  C a = Abs::f(a_in), b = Abs::f(b_in);
  while (a != C(0)) {
    const C c = a;
    a = std::is_signed_v<C> && a == C(-1) ? C(0) : C(b % a);  // (min % -1 overflows; it is 0)
    b = c;
  }
  return b;
}
struct Gcd : BinaryEntry {
  static constexpr std::string_view name = "gcd", kernel = "gcd_cpu";
  static constexpr DTypeSet dtypes = kIntegral;
  static auto f(auto a, auto b) { return gcd_of(a, b); }
};
struct Lcm : BinaryEntry {
  static constexpr std::string_view name = "lcm", kernel = "lcm_cpu";
  static constexpr DTypeSet dtypes = kIntegral;
  static auto f(auto a, auto b) {
    using C = decltype(a);
    using W = std::conditional_t<(sizeof(C) < 4), std::int32_t, C>;
    using U = std::make_unsigned_t<W>;
    const W g = W(gcd_of(a, b));
    if (g == 0) return C(0);
    const W q = g == W(-1) ? W(U(0) - U(W(a))) : W(W(a) / g);
    const W p = W(U(q) * U(W(b)));
    return C(p < 0 ? W(U(0) - U(p)) : p);
  }
};
// The next representable value after a toward b (C's nextafter; bfloat16 steps its own bits, as
// c10's). Floating dtypes only.
struct Nextafter : BinaryEntry {
  static constexpr std::string_view name = "nextafter", kernel = "nextafter_cpu", grad_fn = "NextafterBackward0";
  static constexpr DTypeSet dtypes = kFloating;
  static constexpr bool torch_inplace = false, bf16_steps = true;
  static auto f(auto a, auto b) { return std::nextafter(a, b); }
  static float f_bf16(float a, float b) {
    if (a != a || b != b) return a + b;
    const std::uint16_t from = BFloat16(a).bits, to = BFloat16(b).bits, sign = 0x8000;
    if (from == to) return a;
    BFloat16 r;
    if ((from & ~sign) == 0) {
      if ((to & ~sign) == 0) return b;
      r.bits = std::uint16_t((to & sign) | 1);  // the smallest subnormal toward b
    } else {
      const bool away = (from & ~sign) > (to & ~sign) || ((from ^ to) & sign);
      r.bits = std::uint16_t(away ? from - 1 : from + 1);
    }
    return float(r);
  }
  static std::pair<Tensor, Tensor> backward(const Tensor&, const Tensor&, const Tensor&) {
    derivative_not_implemented("the derivative for 'nextafter' is not implemented.", true);
  }
};

// Calls f(E{}) for every entry of a list, for the bindings and the tests.
template <class F> void for_each_unary(F&& f) {
#define RAMP_VISIT(name, E) f(E{});
  RAMP_UNARY_OPS(RAMP_VISIT)
#undef RAMP_VISIT
}
template <class F> void for_each_predicate(F&& f) {
#define RAMP_VISIT(name, E) f(E{});
  RAMP_UNARY_PREDICATES(RAMP_VISIT)
#undef RAMP_VISIT
}
template <class F> void for_each_binary(F&& f) {
#define RAMP_VISIT(name, E) f(E{});
  RAMP_BINARY_OPS(RAMP_VISIT)
#undef RAMP_VISIT
}
template <class F> void for_each_logical(F&& f) {
#define RAMP_VISIT(name, E) f(E{});
  RAMP_LOGICAL_OPS(RAMP_VISIT)
#undef RAMP_VISIT
}

// The entries of a list as a type list (after a `void` that lets the macro write ", X" each time),
// the position of an entry in it (the kernel table's row) and the list's length.
template <class... T> struct TypeList {};
#define RAMP_ENTRY_TYPE(name, X) , X
using UnaryEntries = TypeList<void RAMP_UNARY_OPS(RAMP_ENTRY_TYPE)>;
// (the tensor-only list too: both are binary entries for the kernel table)
using BinaryEntries = TypeList<void RAMP_BINARY_OPS(RAMP_ENTRY_TYPE) RAMP_LOGICAL_OPS(RAMP_ENTRY_TYPE)>;
#undef RAMP_ENTRY_TYPE
template <class List> inline constexpr int kLength = 0;
template <class... T> inline constexpr int kLength<TypeList<T...>> = int(sizeof...(T));
template <class E, class List> constexpr int index_in() {
  return []<class... T>(TypeList<T...>*) {
    int i = -1, found = -1;
    ((std::is_same_v<E, T> ? found = i : 0, ++i), ...);
    return found;
  }(static_cast<List*>(nullptr));
}
template <class E> constexpr int unary_index() { return index_in<E, UnaryEntries>(); }
template <class E> constexpr int binary_index() { return index_in<E, BinaryEntries>(); }
inline constexpr int kNumUnaryOps = kLength<UnaryEntries> - 1;
inline constexpr int kNumBinaryOps = kLength<BinaryEntries> - 1;
// Entries with a vector formula (the kernel table has their floating dtypes): an entry's own
// `vec` hides Entry's placeholder, so the placeholder is callable exactly when there is none.
template <class E> concept has_vec = !requires { E::vec(NoVec{}); };

// The generic forms the named functions above are made of (src/ops/elementwise.cpp), for callers
// that hold an entry type (the Python bindings, the tests).
template <class E> Tensor unary(const Tensor& self);
template <class E> Tensor& unary_(Tensor& self);
template <class E> Tensor binary(const Tensor& self, const Tensor& other);
template <class E> Tensor binary(const Tensor& self, const Scalar& other);
// A number as `self` (ramp.xlogy(2, x), 2 % x), joining as 1.13's wrapped numbers do.
template <class E> Tensor binary(const Scalar& self, const Tensor& other);
template <class E> Tensor& binary_(Tensor& self, const Tensor& other);
template <class E> Tensor& binary_(Tensor& self, const Scalar& other);

}  // namespace ew
}  // namespace ramp
