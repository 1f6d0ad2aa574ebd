// The special-function and integer entries of ramp/elementwise.h (and src/ops/special.cpp) from C++
// against oracles written here: std::gcd/std::lcm, shifts as arithmetic on wide integers, long
// double libm (lgammal, the digamma series), the bfloat16 encoding; 1.13's errors and node names.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "ramp/autograd.h"
#include "ramp/ops.h"
#include "test_util.h"

namespace ramp {
namespace {

using namespace test;
using L = long double;

TEST(ElementwiseSpecial, GcdLcmAgainstStd) {
  std::vector<double> a, b;
  const std::vector<double> ra = random({300}, ScalarType::Float64, 21, -1e5, 1e5).to_vector();
  const std::vector<double> rb = random({300}, ScalarType::Float64, 22, -1e5, 1e5).to_vector();
  for (std::size_t i = 0; i < ra.size(); ++i) {
    a.push_back(std::trunc(ra[i]));
    b.push_back(std::trunc(rb[i]) * (i % 7 == 0 ? 0 : 1));
  }
  const Tensor x = from_vector(a, {300}, ScalarType::Int64), y = from_vector(b, {300}, ScalarType::Int64);
  const std::vector<double> g = gcd(x, y).to_vector(), l = lcm(x, y).to_vector();
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto p = std::int64_t(a[i]), q = std::int64_t(b[i]);
    EXPECT_EQ(std::int64_t(g[i]), std::gcd(p, q)) << p << " " << q;
    EXPECT_EQ(std::int64_t(l[i]), std::lcm(p, q)) << p << " " << q;
  }
  // 1.13's Euclid on |a| keeps int8's -128 negative: gcd(-128, 6) = -2
  EXPECT_EQ(gcd(tensor({-128}, ScalarType::Int8), tensor({6}, ScalarType::Int8)).to_vector()[0], -2);
  EXPECT_EQ(error_of([] { gcd(tensor({1.0}), tensor({2.0})); }), "\"gcd_cpu\" not implemented for 'Float'");
  EXPECT_EQ(error_of([] { lcm(tensor({true}), tensor({true})); }), "\"lcm_cpu\" not implemented for 'Bool'");
}

TEST(ElementwiseSpecial, ShiftsAsX86) {
  // the count modulo 32 (64 for int64) of the value widened to int (int64), then truncated
  for (ScalarType t : {ScalarType::Int8, ScalarType::UInt8, ScalarType::Int32, ScalarType::Int64}) {
    const bool wide = t == ScalarType::Int64;
    for (double v : {5.0, -3.0, 1.0, 100.0}) {
      if (t == ScalarType::UInt8 && v < 0) continue;
      for (int n = -1; n < 70; ++n) {
        if (t == ScalarType::UInt8 && n < 0) continue;
        const Tensor a = from_vector({v}, {1}, t), c = from_vector({double(n)}, {1}, t);
        const int k = int((std::uint64_t(std::int64_t(n)) & (wide ? 63 : 31)));
        // the widened value times 2^k modulo 2^64 / 2^32, as a signed number, then cast to t
        const std::int64_t left_wide = std::int64_t(std::uint64_t(std::int64_t(v)) << k);
        const std::int64_t left_int = std::int64_t(std::int32_t(std::uint32_t(std::int32_t(v)) << k));
        const std::int64_t left = wide ? left_wide : left_int;
        const Tensor want_left = from_vector({double(left)}, {1}, ScalarType::Int64).to(t);
        EXPECT_EQ(bitwise_left_shift(a, c).to_vector(), want_left.to_vector()) << v << " << " << n;
        const double right = std::floor(v / std::ldexp(1.0, k));  // arithmetic: floor division by 2^k
        EXPECT_EQ(bitwise_right_shift(a, c).to_vector()[0], from_vector({right}, {1}, t).to_vector()[0])
            << v << " >> " << n;
      }
    }
  }
  EXPECT_EQ(error_of([] { bitwise_left_shift(tensor({1.0}), 2); }), "\"lshift_cpu\" not implemented for 'Float'");
}

// digamma by its series: psi(x) = -gamma + sum (1/(k+1) - 1/(k+x)), accelerated by the recurrence
// up to 1e6 and the asymptotic tail (long double).
L digamma_oracle(L x) {
  L r = 0;
  while (x < 20) {
    r -= 1 / x;
    x += 1;
  }
  const L z = 1 / (x * x);
  return r + logl(x) - 1 / (2 * x) - z * (L(1) / 12 - z * (L(1) / 120 - z * (L(1) / 252 - z * (L(1) / 240))));
}

TEST(ElementwiseSpecial, GammaFamilyAgainstLongDouble) {
  const std::vector<double> xs = random({200}, ScalarType::Float64, 23, 0.05, 40).to_vector();
  const Tensor x = from_vector(xs, {200}, ScalarType::Float64);
  const std::vector<double> lg = lgamma(x).to_vector(), dg = digamma(x).to_vector();
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const L want_lg = lgammal(L(xs[i]));
    EXPECT_LE(std::fabs(lg[i] - double(want_lg)), 4 * ulp_of(std::max(std::fabs(double(want_lg)), 1.0), ScalarType::Float64))
        << xs[i];
    const L want_dg = digamma_oracle(L(xs[i]));
    EXPECT_LE(std::fabs(dg[i] - double(want_dg)), 4 * ulp_of(std::max(std::fabs(double(want_dg)), 10.0), ScalarType::Float64))
        << xs[i];
  }
  // poles: lgamma +inf, digamma NaN at negative integers, ∓inf at ±0
  const std::vector<double> p = lgamma(tensor({0.0, -1.0, -2.0})).to_vector();
  for (double v : p) EXPECT_EQ(v, kInf);
  const std::vector<double> d = digamma(tensor({0.0, -0.0, -3.0})).to_vector();
  EXPECT_EQ(d[0], -kInf);
  EXPECT_EQ(d[1], kInf);
  EXPECT_TRUE(std::isnan(d[2]));
  // polygamma(1) is trigamma: the derivative of digamma (central differences)
  const std::vector<double> t1 = polygamma(1, x).to_vector();
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const L h = 1e-4L * L(xs[i]);  // (relative: the truncation error grows as x^-4 toward 0)
    const L fd = (digamma_oracle(L(xs[i]) + h) - digamma_oracle(L(xs[i]) - h)) / (2 * h);
    EXPECT_NEAR(t1[i], double(fd), 1e-6 * std::max(1.0, std::fabs(double(fd)))) << xs[i];
  }
  EXPECT_EQ(error_of([&] { polygamma(-1, x); }), "polygamma(n, x) does not support negative n.");
}

TEST(ElementwiseSpecial, DtypesNodesAndErrors) {
  EXPECT_EQ(sinc(tensor({0, 1})).dtype(), get_default_dtype());
  EXPECT_EQ(xlogy(tensor({1, 2}), 3).dtype(), get_default_dtype());
  EXPECT_EQ(copysign(tensor({1, 2}), tensor({true, false})).dtype(), get_default_dtype());
  EXPECT_EQ(error_of([] { heaviside(tensor({1.0}), tensor({1.0}, ScalarType::Float64)); }),
            "heaviside is not yet implemented for tensors with different dtypes.");
  EXPECT_EQ(error_of([] { logaddexp(tensor({1}), tensor({1})); }), "\"logaddexp_cpu\" not implemented for 'Long'");
  EXPECT_EQ(error_of([] { positive(tensor({true})); }), "The `+` operator, on a bool tensor is not supported.");
  // bfloat16 nextafter steps the encoding by one
  const Tensor one = tensor({1.0}).to(ScalarType::BFloat16);
  EXPECT_EQ(nextafter(one, tensor({2.0}).to(ScalarType::BFloat16)).to_vector()[0], 1.0 + 1.0 / 128);
  EXPECT_EQ(nextafter(one, tensor({0.0}).to(ScalarType::BFloat16)).to_vector()[0], 1.0 - 1.0 / 256);
  // bfloat16 sinc in bfloat16 arithmetic, as 1.13: sin(bf16(bf16(pi) * 1)) / that, not 0
  const double p = double(BFloat16(float(BFloat16(3.14159265f))));
  EXPECT_EQ(sinc(one).to_vector()[0], double(BFloat16(float(BFloat16(std::sin(float(p)))) / float(p))));
  Tensor a = leaf({5}, 24, 0.2, 0.8), b = leaf({5}, 25, 0.2, 2);
  for (auto [node, fn] : std::vector<std::pair<std::string, Fn>>{
           {"XlogyBackward0", [](const std::vector<Tensor>& in) { return xlogy(in[0], in[1]); }},
           {"SpecialXlog1PyBackward0", [](const std::vector<Tensor>& in) { return special_xlog1py(in[0], in[1]); }},
           {"CopysignBackward0", [](const std::vector<Tensor>& in) { return copysign(in[0], in[1]); }},
           {"LogaddexpBackward0", [](const std::vector<Tensor>& in) { return logaddexp(in[0], in[1]); }},
           {"Logaddexp2Backward0", [](const std::vector<Tensor>& in) { return logaddexp2(in[0], in[1]); }},
           {"MulBackward0", [](const std::vector<Tensor>& in) { return logit(in[0], 0.1).mul(in[1]); }},
           {"MulBackward0", [](const std::vector<Tensor>& in) { return polygamma(2, in[1]).mul(in[0]); }},
           {"MulBackward0", [](const std::vector<Tensor>& in) { return ldexp(in[0], in[1]); }}}) {
    const Tensor y = fn({a, b});
    EXPECT_EQ(name(y), node);
    EXPECT_TRUE(autograd::gradcheck(fn, {a, b})) << node;
  }
  EXPECT_EQ(name(xlogy(a, 2.0)), "XlogyBackward2");
  EXPECT_EQ(name(copysign(a, -1.0)), "CopysignBackward1");
  EXPECT_EQ(name(logit(a)), "LogitBackward0");
  EXPECT_EQ(name(polygamma(3, a)), "PolygammaBackward0");
  EXPECT_EQ(name(polygamma(0, a)), "PolygammaBackward0");  // (1.13's node for n = 0 too, not digamma's)
  for (std::int64_t n : {0, 1, 3}) {
    Tensor z = a.mul(1);
    EXPECT_EQ(name(polygamma_(z, n)), "PolygammaBackward1");
  }
  EXPECT_EQ(name(heaviside(a, b)), "torch::autograd::NotImplemented");
  EXPECT_EQ(error_of([&] { heaviside(a, b).sum().backward(); }),
            "derivative for aten::heaviside is not implemented");
  Tensor h = a.mul(1);
  heaviside_(h, b.detach());
  EXPECT_EQ(name(h), "torch::autograd::NotImplemented");
  EXPECT_EQ(error_of([&] { h.sum().backward(); }), "derivative for aten::heaviside_ is not implemented");
  EXPECT_EQ(name(ew::binary<ew::Xlogy>(Scalar(2.0), b)), "XlogyBackward1");
  EXPECT_EQ(name(ew::binary<ew::Xlog1py>(Scalar(2.0), b)), "SpecialXlog1PyBackward1");
}

}  // namespace
}  // namespace ramp
