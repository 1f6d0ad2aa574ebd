// ramp/elementwise.h against a scalar long-double oracle (libm's long double functions, an
// implementation independent of the float and double ones the table calls), over the table's
// entries and every floating dtype; dtype rules, errors, gradients (node names, gradcheck).
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>

#include "ramp/ops.h"
#include "test_util.h"

namespace ramp {
namespace {

using test::error_of;
using test::kInf;
using test::kNaN;
using L = long double;

// erfinv by Newton's method on erfl from a coarse guess (only the start; the iterations decide).
L erfinv_oracle(L y) {
  if (std::isnan(double(y)) || fabsl(y) > 1) return std::numeric_limits<L>::quiet_NaN();
  if (fabsl(y) == 1) return copysignl(std::numeric_limits<L>::infinity(), y);
  L x = L(ew::erfinv_of(double(y)));
  for (int i = 0; i < 8 && std::isfinite(double(x)); ++i) x -= (erfl(x) - y) / (2 / sqrtl(3.14159265358979323846264338327950288L) * expl(-x * x));
  return x;
}

// The oracle of each unary entry with a floating formula.
const std::map<std::string, L (*)(L)>& oracles() {
  static const std::map<std::string, L (*)(L)> m{
      {"sin", [](L x) { return sinl(x); }},       {"cos", [](L x) { return cosl(x); }},
      {"tan", [](L x) { return tanl(x); }},       {"exp", [](L x) { return expl(x); }},
      {"expm1", [](L x) { return expm1l(x); }},   {"log", [](L x) { return logl(x); }},
      {"log1p", [](L x) { return log1pl(x); }},   {"log2", [](L x) { return log2l(x); }},
      {"log10", [](L x) { return log10l(x); }},   {"sqrt", [](L x) { return sqrtl(x); }},
      {"rsqrt", [](L x) { return 1 / sqrtl(x); }}, {"reciprocal", [](L x) { return 1 / x; }},
      {"neg", [](L x) { return -x; }},            {"abs", [](L x) { return fabsl(x); }},
      {"sign", [](L x) { return L((x > 0) - (x < 0)); }}, {"sgn", [](L x) { return L((x > 0) - (x < 0)); }},
      {"floor", [](L x) { return floorl(x); }},   {"ceil", [](L x) { return ceill(x); }},
      {"round", [](L x) { return nearbyintl(x); }}, {"trunc", [](L x) { return truncl(x); }},
      {"frac", [](L x) { return x - truncl(x); }},
      {"erf", [](L x) { return erfl(x); }},       {"erfc", [](L x) { return erfcl(x); }},
      {"erfinv", &erfinv_oracle},
  };
  return m;
}

// The tolerance of an entry at input x (exact result y) in ulps of its dtype: 1 (libm's float
// functions, SLEEF's u10), 2 for SLEEF's 1.5-ulp erfc. erfinv (1.13's: two Newton steps on erf in
// the dtype) is ill-conditioned toward ±1: erf's own rounding, an ulp of x, moves the root by
// ulp(x) / erf'(y), which is cond = (sqrt(pi)/2) exp(y²) |x| / |y| ulps of y.
double ulps_of(std::string_view name, double x, L y) {
  if (name == "erfc") return 2.0;
  if (name != "erfinv") return 1.0;
  if (!std::isfinite(double(y)) || y == 0) return 2.0;
  return 2.0 + 2.0 * 0.886226925452758 * std::exp(double(y * y)) * std::fabs(x) / std::fabs(double(y));
}

std::vector<double> inputs() {
  std::vector<double> v{-kInf, -1e30, -100, -3.7, -2.5, -1.5, -1, -0.5, -1e-8, -0.0, 0.0, 1e-8, 0.5, 1, 1.5,
                        2.5,   3.7,   100,  1e30, kInf, kNaN, 0.1, 7.25, -0.75, 88.5, -88.5, 1e-40};
  for (double x : test::random({200}, ScalarType::Float64, 7, -20, 20).to_vector()) v.push_back(x);
  return v;
}

// |got - want| within `ulps` units of the dtype's precision at want (NaN where want is NaN; infinities equal).
void expect_near_ulps(double got, L want, ScalarType t, double ulps, const std::string& what) {
  if (std::isnan(double(want))) {
    EXPECT_TRUE(std::isnan(got)) << what << " got " << got;
    return;
  }
  const double w = t == ScalarType::Float64 ? double(want) : t == ScalarType::Float32 ? double(float(want))
                                                                                       : double(BFloat16(float(want)));
  if (std::isinf(w) || got == w) {
    EXPECT_EQ(got, w) << what;
    return;
  }
  const int bits = t == ScalarType::Float64 ? 52 : t == ScalarType::Float32 ? 23 : 7;
  // (at least the dtype's subnormal spacing: erfc's tail is subnormal in float32)
  const double tiny = t == ScalarType::Float64 ? std::numeric_limits<double>::denorm_min()
                     : t == ScalarType::Float32 ? double(std::numeric_limits<float>::denorm_min())
                                                : std::ldexp(1.0, -133);  // bfloat16
  const double ulp = std::max(std::ldexp(1.0, std::ilogb(std::max(std::fabs(w), 1e-300)) - bits), tiny);
  EXPECT_LE(std::fabs(got - w), ulps * ulp) << what << " got " << got << " want " << double(want);
}

TEST(Elementwise, UnaryAgainstLongDoubleOracle) {
  const std::vector<double> xs = inputs();
  int checked = 0;
  ew::for_each_unary([&](auto e) {
    using E = decltype(e);
    const auto it = oracles().find(std::string(E::name));
    if (it == oracles().end()) return;
    for (ScalarType t : {ScalarType::Float32, ScalarType::Float64, ScalarType::BFloat16}) {
      const Tensor x = from_vector(xs, {std::int64_t(xs.size())}, t);
      const std::vector<double> in = x.to_vector(), out = ew::unary<E>(x).to_vector();
      ASSERT_EQ(ew::unary<E>(x).dtype(), t);
      for (std::size_t i = 0; i < in.size(); ++i) {
        // float32 libm is correctly rounded or 1 ulp off; bfloat16 rounds a float result (a double rounding)
        const L want = it->second(L(in[i]));
        expect_near_ulps(out[i], want, t, ulps_of(E::name, in[i], want), std::string(E::name) + "(" + std::to_string(in[i]) + ") " +
                                                               std::string(dtype_name(t)));
        ++checked;
      }
    }
  });
  EXPECT_GT(checked, 20 * 3 * 200);
}

TEST(Elementwise, UnaryStridedInPlaceAndIntegers) {
  const Tensor x = test::random({6, 5}, ScalarType::Float32, 3, -4, 4);
  const Tensor xt = x.t();  // non-contiguous
  const std::vector<double> want = sin(xt.contiguous()).to_vector();
  EXPECT_EQ(sin(xt).to_vector(), want);
  Tensor y = xt.contiguous();
  EXPECT_TRUE(sin_(y).is_same(y));
  EXPECT_EQ(y.to_vector(), want);
  // integers: floating results in the default dtype; rounding keeps them; in place refuses a float result
  const Tensor i = tensor({-3, 0, 5});
  EXPECT_EQ(sqrt(i).dtype(), get_default_dtype());
  EXPECT_EQ(floor(i).dtype(), ScalarType::Int64);
  EXPECT_EQ(floor(i).to_vector(), (std::vector<double>{-3, 0, 5}));
  Tensor j = i.clone();
  EXPECT_EQ(error_of([&] { sin_(j); }), "result type Float can't be cast to the desired output type Long");
  EXPECT_EQ(neg(tensor({0.0})).to_vector()[0], 0.0);
  EXPECT_TRUE(std::signbit(neg(tensor({0.0})).to_vector()[0]));  // -0.0, as 1.13
  EXPECT_EQ(neg(tensor({1}, ScalarType::UInt8)).to_vector()[0], 255);
}

// The vector kernels (src/kernels/elementwise_kernels.cpp; ctest's kernels_avx2 / kernels_baseline
// run this again with the lower instruction sets forced): lengths around every vector width (body,
// remainder, masked tail), one long enough to be split across threads, a row-contiguous view, a
// transposed one, and in place; subnormal inputs and results. Each element against the oracle.
TEST(Elementwise, VectorKernelsAllLengthsAndLayouts) {
  std::vector<double> pool = inputs();
  for (double x : {1e-310, -1e-310, 1e-45, -3e-39, 4e-39, 1e-300, 80.0, -103.5, 709.0, -745.0, 1e5, -3e4, 0.7853981633974483,
                   1.5707963267948966, 8388608.5, -8388609.0, 4503599627370497.0, 0.49999997, 1e-20})
    pool.push_back(x);
  int checked = 0;
  ew::for_each_unary([&](auto e) {
    using E = decltype(e);
    if constexpr (ew::has_vec<E>) {
      const auto oracle = oracles().at(std::string(E::name));
      for (ScalarType t : {ScalarType::Float32, ScalarType::Float64, ScalarType::BFloat16}) {
        // out against the oracle at in's values (`every`: check one element in so many)
        auto check = [&](const Tensor& in, const Tensor& out, const std::string& what, std::size_t every = 1) {
          const std::vector<double> x = in.to_vector(), y = out.to_vector();
          ASSERT_EQ(x.size(), y.size());
          for (std::size_t i = 0; i < x.size(); i += every, ++checked)
            expect_near_ulps(y[i], oracle(L(x[i])), t, ulps_of(E::name, x[i], oracle(L(x[i]))),
                             std::string(E::name) + "(" + std::to_string(x[i]) + ") " + what + " " +
                                 std::string(dtype_name(t)));
        };
        for (std::int64_t n : {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65, 127, 70001}) {
          std::vector<double> v(static_cast<std::size_t>(n));
          for (std::int64_t i = 0; i < n; ++i) v[std::size_t(i)] = pool[std::size_t(i * 7 + n) % pool.size()];
          const Tensor x = from_vector(v, {n}, t);
          check(x, ew::unary<E>(x), "n=" + std::to_string(n), n < 200 ? 1 : 7);
        }
        // [5, 33] with rows read from a [5, 37] buffer (contiguous rows, strided columns); its
        // transpose (nothing contiguous); in place on the row view. SLEEF's trigonometric functions
        // take a slower path for a whole vector when one lane is large, so the lanes a value
        // shares a vector with may move its last bit: each layout is checked against the oracle.
        std::vector<double> v(5 * 37);
        for (std::size_t i = 0; i < v.size(); ++i) v[i] = pool[(i * 13) % pool.size()];
        const Tensor base = from_vector(v, {5, 37}, t);
        const Tensor rows = base.narrow(1, 2, 33), cols = base.t();
        check(rows, ew::unary<E>(rows), "rows");
        check(cols, ew::unary<E>(cols), "transposed");
        Tensor inplace = base.clone().narrow(1, 2, 33);
        ew::unary_<E>(inplace);
        check(rows, inplace, "in place");
      }
    }
  });
  EXPECT_GT(checked, 20 * 3 * 10000);  // every entry with a vector formula, 3 dtypes
}

TEST(Elementwise, PredicatesAndBits) {
  const Tensor x = tensor({-kInf, -1.0, 0.0, kInf, kNaN});
  EXPECT_EQ(isnan(x).to_vector(), (std::vector<double>{0, 0, 0, 0, 1}));
  EXPECT_EQ(isinf(x).to_vector(), (std::vector<double>{1, 0, 0, 1, 0}));
  EXPECT_EQ(isfinite(x).to_vector(), (std::vector<double>{0, 1, 1, 0, 0}));
  EXPECT_EQ(isposinf(x).to_vector(), (std::vector<double>{0, 0, 0, 1, 0}));
  EXPECT_EQ(isneginf(x).to_vector(), (std::vector<double>{1, 0, 0, 0, 0}));
  EXPECT_EQ(logical_not(x).to_vector(), (std::vector<double>{0, 0, 1, 0, 0}));
  const Tensor a = tensor({12, -7, 0}), b = tensor({10, 3, -1});
  EXPECT_EQ(bitwise_and(a, b).to_vector(), (std::vector<double>{12 & 10, -7 & 3, 0 & -1}));
  EXPECT_EQ(bitwise_or(a, b).to_vector(), (std::vector<double>{12 | 10, -7 | 3, 0 | -1}));
  EXPECT_EQ(bitwise_xor(a, 6).to_vector(), (std::vector<double>{12 ^ 6, -7 ^ 6, 0 ^ 6}));
  EXPECT_EQ(bitwise_not(a).to_vector(), (std::vector<double>{~12, ~-7, ~0}));
  EXPECT_EQ(bitwise_and(tensor({true, false}), tensor({true, true})).dtype(), ScalarType::Bool);
  EXPECT_EQ(logical_xor(tensor({0.0, 2.0}), tensor({1, 0})).to_vector(), (std::vector<double>{1, 1}));
  EXPECT_EQ(error_of([] { bitwise_and(tensor({1.0}), tensor({1.0})); }),
            "\"bitwise_and_cpu\" not implemented for 'Float'");
  EXPECT_EQ(error_of([] { bitwise_not(tensor({1.0})); }), "\"bitwise_not_cpu\" not implemented for 'Float'");
  EXPECT_EQ(error_of([] { neg(tensor({true})); }).substr(0, 53), "Negation, the `-` operator, on a bool tensor is not s");
  EXPECT_EQ(error_of([] { frac(tensor({1})); }), "\"frac_cpu\" not implemented for 'Long'");
}

TEST(Elementwise, RemainderAndFmodAgainstOracle) {
  const std::vector<double> a = test::random({300}, ScalarType::Float64, 11, -50, 50).to_vector(),
                            b = test::random({300}, ScalarType::Float64, 12, -7, 7).to_vector();
  const Tensor ta = from_vector(a, {300}, ScalarType::Float64), tb = from_vector(b, {300}, ScalarType::Float64);
  const std::vector<double> r = remainder(ta, tb).to_vector(), f = fmod(ta, tb).to_vector();
  for (std::size_t i = 0; i < a.size(); ++i) {
    const L q = floorl(L(a[i]) / L(b[i])), m = L(a[i]) - L(b[i]) * q;  // Python's %: the sign of b
    EXPECT_NEAR(r[i], double(m), 1e-12) << a[i] << " % " << b[i];
    EXPECT_TRUE(r[i] == 0 || (r[i] < 0) == (b[i] < 0));
    EXPECT_EQ(f[i], double(fmodl(L(a[i]), L(b[i]))));  // fmod is exact
  }
  EXPECT_EQ(remainder(tensor({-7, 7, -7, 7}), tensor({3, 3, -3, -3})).to_vector(), (std::vector<double>{2, 1, -1, -2}));
  EXPECT_EQ(error_of([] { remainder(tensor({5}), 0); }), "ZeroDivisionError");
  EXPECT_EQ(fmod(tensor({std::int64_t(INT64_MIN)}), -1).to_vector()[0], 0);
}

TEST(Elementwise, WhereLerpAddcmul) {
  const Tensor c = tensor({true, false, true});
  const Tensor w = where(c, tensor({1, 2, 3}), 2.5);
  EXPECT_EQ(w.dtype(), ScalarType::Float32);
  EXPECT_EQ(w.to_vector(), (std::vector<double>{1, 2.5, 3}));
  EXPECT_EQ(where(c, 2, 3).dtype(), ScalarType::Int64);
  EXPECT_EQ(where(c, tensor({1}, ScalarType::UInt8), -1).to_vector(), (std::vector<double>{1, 255, 1}));
  const std::vector<Tensor> nz = where(tensor({{0, 1}, {2, 0}}));
  ASSERT_EQ(nz.size(), 2u);
  EXPECT_EQ(nz[0].to_vector(), (std::vector<double>{0, 1}));
  EXPECT_EQ(nz[1].to_vector(), (std::vector<double>{1, 0}));
  EXPECT_EQ(error_of([&] { where(tensor({1.0, 0.0, 1.0}), c, c); }),
            "where expected condition to be a boolean tensor, but got a tensor with dtype Float");

  const Tensor s = test::random({50}, ScalarType::Float64, 21), e = test::random({50}, ScalarType::Float64, 22);
  EXPECT_EQ(lerp(s, e, 0.0).to_vector(), s.to_vector());  // exact at both ends
  EXPECT_EQ(lerp(s, e, 1.0).to_vector(), e.to_vector());
  const std::vector<double> sv = s.to_vector(), ev = e.to_vector(), l = lerp(s, e, 0.3).to_vector(),
                            m = addcmul(s, s, e, 0.5).to_vector(), d = addcdiv(s, s, e, 0.5).to_vector();
  for (std::size_t i = 0; i < sv.size(); ++i) {
    EXPECT_NEAR(l[i], double(L(sv[i]) + L(0.3) * (L(ev[i]) - L(sv[i]))), 1e-15);
    EXPECT_NEAR(m[i], double(L(sv[i]) + L(0.5) * L(sv[i]) * L(ev[i])), 1e-14);
    EXPECT_NEAR(d[i], double(L(sv[i]) + L(0.5) * L(sv[i]) / L(ev[i])), 1e-12 * std::max(1.0, std::fabs(d[i])));
  }
  EXPECT_EQ(error_of([] { lerp(tensor({1.0}), tensor({1.0}, ScalarType::Float64), 0.5); }),
            "expected dtype float for `end` but got dtype double");
  EXPECT_EQ(error_of([] { addcdiv(tensor({1}), tensor({1}), tensor({1})); }).substr(0, 46),
            "Integer division with addcdiv is no longer sup");
}

TEST(Elementwise, Closeness) {
  const Tensor a = tensor({1.0, kNaN, kInf, 0.0}), b = tensor({1.0 + 1e-6, kNaN, kInf, 1e-7});
  EXPECT_EQ(isclose(a, b).to_vector(), (std::vector<double>{1, 0, 1, 0}));
  EXPECT_EQ(isclose(a, b, 1e-5, 1e-6, true).to_vector(), (std::vector<double>{1, 1, 1, 1}));
  EXPECT_FALSE(allclose(a, b));
  EXPECT_TRUE(allclose(a, b, 1e-5, 1e-6, true));
  EXPECT_TRUE(equal(tensor({1, 2}), tensor({1.0, 2.0})));
  EXPECT_FALSE(equal(a, a));  // NaN is unequal
  EXPECT_EQ(error_of([&] { isclose(a, a.to(ScalarType::Float64)); }), "Float did not match Double");
  EXPECT_EQ(error_of([&] { isclose(a, a, -1); }), "rtol must be greater than or equal to zero, but got -1");
}

TEST(Elementwise, GradientNamesAndGradcheck) {
  int checked = 0;
  ew::for_each_unary([&](auto e) {
    using E = decltype(e);
    if constexpr (!E::grad_fn.empty()) {
      const bool positive = (oracles().count(std::string(E::name)) && std::string(E::name).find("log") == 0) ||
                            E::name == "lgamma" || E::name == "digamma";  // (away from the poles)
      const bool inverse = E::name == "erfinv";  // defined on (-1, 1)
      const double lo = positive || E::name == "sqrt" || E::name == "rsqrt" ? 0.3 : inverse ? -0.9 : -2,
                   hi = inverse ? 0.9 : 2;
      Tensor x = test::leaf({7}, 5, lo, hi);
      const Tensor y = ew::unary<E>(x.mul(1));
      EXPECT_EQ(test::name(y), E::grad_fn);
      Tensor z = x.mul(1);
      ew::unary_<E>(z);
      EXPECT_EQ(test::name(z), E::grad_fn) << "in place";
      EXPECT_TRUE(autograd::gradcheck([](const std::vector<Tensor>& in) { return ew::unary<E>(in[0]); }, {x}))
          << E::name;
      ++checked;
    }
  });
  EXPECT_GE(checked, 18);
  const Tensor a = test::leaf({2, 3}, 8), b = test::leaf({3}, 9, 0.5, 2);
  for (auto [name, fn] : std::vector<std::pair<std::string, test::Fn>>{
           {"FmodBackward1", [](const std::vector<Tensor>& in) { return fmod(in[0], in[1]); }},
           {"RemainderBackward1", [](const std::vector<Tensor>& in) { return remainder(in[0], in[1]); }},
           {"ClampMinBackward1", [](const std::vector<Tensor>& in) { return clamp_min(in[0], in[1]); }},
           {"WhereBackward0", [](const std::vector<Tensor>& in) { return where(gt(in[0], 0), in[0], in[1]); }},
           {"LerpBackward1", [](const std::vector<Tensor>& in) { return lerp(in[0], in[1], in[1]); }},
           {"AddcdivBackward0", [](const std::vector<Tensor>& in) { return addcdiv(in[0], in[0], in[1], 0.5); }}}) {
    EXPECT_EQ(test::name(fn({a, b})), name);
    EXPECT_TRUE(autograd::gradcheck(fn, {a, b})) << name;
  }
  EXPECT_EQ(test::name(fmod(a, 1.5)), "FmodBackward0");
  EXPECT_EQ(test::name(clamp_max(a, 0.5)), "ClampMaxBackward0");
  EXPECT_EQ(test::name(lerp(a, b, 0.25)), "LerpBackward0");
  EXPECT_EQ(test::name(round(a, 1)), "RoundBackward1");
  EXPECT_EQ(test::name(square(a)), "PowBackward0");
  EXPECT_EQ(test::name(isnan(a)), "None");
}

}  // namespace
}  // namespace ramp
