// atan2, hypot, fmax, fmin (ramp/elementwise.h's tensor-only binary entries), signbit, nan_to_num,
// nansum, count_nonzero, flip and roll against scalar oracles written here (long double libm,
// plain loops), with 1.13's dtype rules, errors, node names and gradients (gradcheck).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "ramp/autograd.h"
#include "ramp/ops.h"
#include "test_util.h"

namespace ramp {
namespace {

using namespace test;
using L = long double;

std::vector<double> specials() {
  std::vector<double> v{-kInf, -1e30, -3.5, -1, -0.5, -1e-8, -0.0, 0.0, 1e-8, 0.5, 1, 2.5, 1e30, kInf, kNaN, 1e-40, 3e38};
  for (double x : random({40}, ScalarType::Float64, 11, -10, 10).to_vector()) v.push_back(x);
  return v;
}

// got within `ulps` of want rounded to t (NaN where NaN; infinities and zeros exact, sign included).
void expect_ulps_of(double got, L want, ScalarType t, double ulps, const std::string& what) {
  if (std::isnan(double(want))) {
    EXPECT_TRUE(std::isnan(got)) << what << " got " << got;
    return;
  }
  const double w = t == ScalarType::Float64 ? double(want) : t == ScalarType::Float32 ? double(float(want))
                                                                                       : double(BFloat16(float(want)));
  if (std::isinf(w) || w == 0) {
    EXPECT_EQ(got, w) << what;
    EXPECT_EQ(std::signbit(got), std::signbit(w)) << what;
    return;
  }
  const int bits = t == ScalarType::Float64 ? 52 : t == ScalarType::Float32 ? 23 : 7;
  const double tiny = t == ScalarType::Float64 ? std::numeric_limits<double>::denorm_min()
                     : t == ScalarType::Float32 ? double(std::numeric_limits<float>::denorm_min())
                                                : std::ldexp(1.0, -133);  // bfloat16
  const double ulp = std::max(std::ldexp(1.0, std::ilogb(std::fabs(w)) - bits), tiny);  // subnormals: their spacing
  EXPECT_LE(std::fabs(got - w), ulps * ulp) << what << " got " << got;
}

TEST(ElementwiseMore, BinaryAgainstLongDouble) {
  struct Op {
    const char* name;
    Tensor (*f)(const Tensor&, const Tensor&);
    L (*oracle)(L, L);
    double ulps;
  };
  const Op ops[] = {
      // SLEEF's 1-ulp bound, but its portable C atan2f (the baseline build) is 2 subnormal
      // spacings off where the result is subnormal
      {"atan2", &atan2, [](L a, L b) { return atan2l(a, b); }, 2},
      {"hypot", &hypot, [](L a, L b) { return hypotl(a, b); }, 1},
      {"fmax", &fmax, [](L a, L b) { return fmaxl(a, b); }, 0},
      {"fmin", &fmin, [](L a, L b) { return fminl(a, b); }, 0},
  };
  const std::vector<double> v = specials();
  std::vector<double> as, bs;
  for (double a : v)
    for (double b : v) as.push_back(a), bs.push_back(b);
  const auto n = std::int64_t(v.size());
  for (const Op& op : ops)
    for (ScalarType t : {ScalarType::Float32, ScalarType::Float64, ScalarType::BFloat16})
      for (bool strided : {false, true}) {  // dense: the vector kernels; transposed views: the strided loop
        Tensor a = from_vector(as, {n, n}, t), b = from_vector(bs, {n, n}, t);
        if (strided) a = a.t(), b = b.t();
        const Tensor y = op.f(a, b);
        ASSERT_EQ(y.dtype(), t);
        const auto x0 = a.to_vector(), x1 = b.to_vector(), out = y.to_vector();
        for (std::size_t i = 0; i < out.size(); ++i) {
          const L want = op.oracle(L(x0[i]), L(x1[i]));
          const std::string what = std::string(op.name) + "(" + std::to_string(x0[i]) + ", " +
                                   std::to_string(x1[i]) + ") " + std::string(dtype_name(t));
          if (op.ulps == 0 && !std::isnan(double(want))) EXPECT_EQ(out[i], double(want)) << what;
          else expect_ulps_of(out[i], want, t, op.ulps, what);
        }
      }
}

TEST(ElementwiseMore, BinaryDtypesAndErrors) {
  const Tensor i = tensor({1, -2, 0}), f = tensor({1.0, -2.0, 0.5}), bo = tensor({1, 0, 1}).to(ScalarType::Bool);
  EXPECT_EQ(atan2(i, i).dtype(), ScalarType::Float32);  // integers give the default dtype
  EXPECT_EQ(atan2(bo, bo).dtype(), ScalarType::Float32);
  EXPECT_EQ(atan2(f.to(ScalarType::Float64), f).dtype(), ScalarType::Float64);
  EXPECT_NEAR(atan2(i, i).to_vector()[1], std::atan2(-2.0, -2.0), 1e-6);
  EXPECT_EQ(error_of([&] { hypot(i, i); }), "\"hypot_cpu\" not implemented for 'Long'");
  EXPECT_EQ(hypot(f, i).dtype(), ScalarType::Float32);
  EXPECT_EQ(fmax(i, i).dtype(), ScalarType::Int64);
  EXPECT_EQ(fmax(i, tensor({0, 0, 5})).to_vector(), (std::vector<double>{1, 0, 5}));
  EXPECT_EQ(fmin(bo, tensor({0, 1, 1}).to(ScalarType::Bool)).to_vector(), (std::vector<double>{0, 0, 1}));
  EXPECT_EQ(fmax(f.to(ScalarType::BFloat16), f).dtype(), ScalarType::Float32);
  Tensor j = i.clone();
  EXPECT_EQ(error_of([&] { atan2_(j, j); }), "result type Float can't be cast to the desired output type Long");
  Tensor g = f.clone();
  EXPECT_TRUE(atan2_(g, tensor({2.0, 2.0, 2.0})).is_same(g));
  EXPECT_NEAR(g.to_vector()[0], std::atan2(1.0, 2.0), 1e-7);
  // Broadcasting.
  EXPECT_EQ(hypot(tensor({3.0}), from_vector({4.0, 0.0}, {2, 1})).to_vector(), (std::vector<double>{5, 3}));
}

TEST(ElementwiseMore, BinaryGradients) {
  const Tensor a = leaf({2, 3}, 8), b = leaf({3}, 9, 0.5, 2);
  for (auto [node, fn] : std::vector<std::pair<std::string, Fn>>{
           {"Atan2Backward0", [](const std::vector<Tensor>& in) { return atan2(in[0], in[1]); }},
           {"HypotBackward0", [](const std::vector<Tensor>& in) { return hypot(in[0], in[1]); }},
           {"FmaxBackward0", [](const std::vector<Tensor>& in) { return fmax(in[0], in[1]); }},
           {"FminBackward0", [](const std::vector<Tensor>& in) { return fmin(in[0], in[1]); }}}) {
    EXPECT_EQ(name(fn({a, b})), node);
    EXPECT_TRUE(autograd::gradcheck(fn, {a, b})) << node;
  }
  // fmax's gradient goes to the non-NaN side, and to self on ties (1.13's >=).
  Tensor x = tensor({1.0, kNaN, 2.0}).requires_grad_(), y = tensor({kNaN, 3.0, 2.0}).requires_grad_();
  fmax(x, y).sum().backward();
  EXPECT_EQ(x.grad().to_vector(), (std::vector<double>{1, 0, 1}));
  EXPECT_EQ(y.grad().to_vector(), (std::vector<double>{0, 1, 0}));
  Tensor z = tensor({1.0, 2.0}).requires_grad_();
  Tensor w = z.mul(1);
  atan2_(w, tensor({1.0, 1.0}));
  EXPECT_EQ(name(w), "Atan2Backward0");
}

TEST(ElementwiseMore, Signbit) {
  const std::vector<double> v = specials();
  for (ScalarType t : {ScalarType::Float32, ScalarType::Float64, ScalarType::BFloat16}) {
    const Tensor x = from_vector(v, {std::int64_t(v.size())}, t);
    const Tensor s = signbit(x);
    ASSERT_EQ(s.dtype(), ScalarType::Bool);
    const auto xs = x.to_vector(), got = s.to_vector();
    for (std::size_t i = 0; i < v.size(); ++i) EXPECT_EQ(got[i], double(std::signbit(xs[i]))) << xs[i];
  }
  EXPECT_EQ(signbit(tensor({-3, 0, 4})).to_vector(), (std::vector<double>{1, 0, 0}));
  EXPECT_EQ(signbit(tensor({200}, ScalarType::UInt8)).to_vector(), (std::vector<double>{0}));
  Tensor neg_nan = tensor({-kNaN});
  EXPECT_EQ(signbit(neg_nan).to_vector()[0], double(std::signbit(neg_nan.to_vector()[0])));
}

TEST(ElementwiseMore, NanToNum) {
  const Tensor x = tensor({kNaN, kInf, -kInf, 1.5, -0.0});
  const double fmax32 = std::numeric_limits<float>::max();
  EXPECT_EQ(nan_to_num(x).to_vector(), (std::vector<double>{0, fmax32, -fmax32, 1.5, 0}));
  EXPECT_EQ(nan_to_num(x.to(ScalarType::Float64)).to_vector(),
            (std::vector<double>{0, std::numeric_limits<double>::max(), std::numeric_limits<double>::lowest(), 1.5, 0}));
  const double bf_max = 3.3895313892515355e38;  // bfloat16's largest finite (0x7f7f)
  EXPECT_EQ(nan_to_num(x.to(ScalarType::BFloat16)).to_vector(), (std::vector<double>{0, bf_max, -bf_max, 1.5, 0}));
  EXPECT_EQ(nan_to_num(x, 1.0, 2.0, 3.0).to_vector(), (std::vector<double>{1, 2, 3, 1.5, 0}));
  EXPECT_EQ(nan_to_num(x, {}, 1e40).to_vector()[1], kInf);  // converted to float32 first
  EXPECT_EQ(nan_to_num(tensor({1, -2})).to_vector(), (std::vector<double>{1, -2}));
  EXPECT_EQ(nan_to_num(tensor({1, -2})).dtype(), ScalarType::Int64);
  Tensor y = x.clone();
  EXPECT_TRUE(nan_to_num_(y, 7.0).is_same(y));
  EXPECT_EQ(y.to_vector()[0], 7.0);
  // dy where finite; NanToNumBackward0 in and out of place.
  Tensor l = tensor({kNaN, 2.0, kInf}).requires_grad_();
  const Tensor r = nan_to_num(l);
  EXPECT_EQ(name(r), "NanToNumBackward0");
  r.sum().backward();
  EXPECT_EQ(l.grad().to_vector(), (std::vector<double>{0, 1, 0}));
  Tensor m = l.mul(1);
  nan_to_num_(m);
  EXPECT_EQ(name(m), "NanToNumBackward0");
  EXPECT_TRUE(autograd::gradcheck([](const std::vector<Tensor>& in) { return nan_to_num(in[0]); }, {leaf({5}, 3)}));
}

TEST(ElementwiseMore, NansumAndCountNonzero) {
  const Tensor x = from_vector({1.0, kNaN, 2.5, -4.0, kNaN, 0.0, -0.0, 3.0}, {2, 4});
  EXPECT_EQ(nansum(x).to_vector(), (std::vector<double>{2.5}));
  EXPECT_EQ(nansum(x, {1}).to_vector(), (std::vector<double>{-0.5, 3.0}));
  EXPECT_EQ(vec(nansum(x, {0}, true).sizes()), (std::vector<std::int64_t>{1, 4}));
  EXPECT_EQ(nansum(x, {0}, true).to_vector(), (std::vector<double>{1, 0, 2.5, -1}));
  EXPECT_EQ(nansum(x, {}, false, ScalarType::Float64).dtype(), ScalarType::Float64);
  EXPECT_EQ(nansum(tensor({1, 2}, ScalarType::Int8)).dtype(), ScalarType::Int64);
  EXPECT_EQ(nansum(x.to(ScalarType::BFloat16)).dtype(), ScalarType::BFloat16);
  EXPECT_EQ(error_of([&] { nansum(x, {0, 0}); }), "dim 0 appears multiple times in the list of dims");
  Tensor l = x.detach().requires_grad_();
  const Tensor s = nansum(l, {1});
  EXPECT_EQ(name(s), "NansumBackward0");
  s.backward(tensor({2.0, 3.0}));
  EXPECT_EQ(l.grad().to_vector(), (std::vector<double>{2, 0, 2, 2, 0, 3, 3, 3}));
  EXPECT_TRUE(autograd::gradcheck([](const std::vector<Tensor>& in) { return nansum(in[0], {0}); }, {leaf({3, 2}, 4)}));

  EXPECT_EQ(count_nonzero(x).to_vector(), (std::vector<double>{6}));  // NaN counts, -0.0 does not
  EXPECT_EQ(count_nonzero(x).dtype(), ScalarType::Int64);
  EXPECT_EQ(count_nonzero(x, {0}).to_vector(), (std::vector<double>{2, 1, 1, 2}));
  EXPECT_EQ(count_nonzero(x, {0, 1}).to_vector(), (std::vector<double>{6}));
  EXPECT_EQ(error_of([&] { count_nonzero(x, {2}); }), "Dimension out of range (expected to be in range of [-2, 1], but got 2)");
}

TEST(ElementwiseMore, FlipAndRoll) {
  const Tensor x = arange(24).view({2, 3, 4});
  auto at = [&](std::int64_t i, std::int64_t j, std::int64_t k) { return double((i * 3 + j) * 4 + k); };
  for (std::vector<std::int64_t> dims : {std::vector<std::int64_t>{0}, {2}, {0, -1}, {1, 2, 0}, {}}) {
    const auto y = flip(x, dims).to_vector();
    std::vector<bool> f(3, false);
    for (auto d : dims) f[std::size_t((d + 3) % 3)] = true;
    std::size_t o = 0;
    for (std::int64_t i = 0; i < 2; ++i)
      for (std::int64_t j = 0; j < 3; ++j)
        for (std::int64_t k = 0; k < 4; ++k, ++o)
          EXPECT_EQ(y[o], at(f[0] ? 1 - i : i, f[1] ? 2 - j : j, f[2] ? 3 - k : k));
  }
  EXPECT_EQ(error_of([&] { flip(x, {0, 0}); }), "dim 0 appears multiple times in the list of dims");
  EXPECT_EQ(error_of([&] { flip(x, {3}); }), "Dimension out of range (expected to be in range of [-3, 2], but got 3)");
  EXPECT_FALSE(flip(x, {}).is_same(x));

  // roll: out[(i + s) mod n] = in[i], per dim; without dims over the flattened tensor.
  for (auto [shifts, dims] : std::vector<std::pair<std::vector<std::int64_t>, std::vector<std::int64_t>>>{
           {{1}, {0}}, {{-5}, {2}}, {{7, -1}, {1, 2}}, {{2, 1}, {2, 2}}, {{25}, {}}, {{-3}, {}}}) {
    const auto y = roll(x, shifts, dims).to_vector();
    std::vector<double> want(24);
    for (std::int64_t i = 0; i < 2; ++i)
      for (std::int64_t j = 0; j < 3; ++j)
        for (std::int64_t k = 0; k < 4; ++k) {
          std::int64_t p[3] = {i, j, k};
          if (dims.empty()) {
            const std::int64_t flat = ((((i * 3 + j) * 4 + k) + shifts[0]) % 24 + 24) % 24;
            want[std::size_t(flat)] = at(i, j, k);
            continue;
          }
          const std::int64_t n[3] = {2, 3, 4};
          for (std::size_t q = 0; q < dims.size(); ++q) {
            const std::size_t d = std::size_t(dims[q]);
            p[d] = ((p[d] + shifts[q]) % n[d] + n[d]) % n[d];
          }
          want[std::size_t((p[0] * 3 + p[1]) * 4 + p[2])] = at(i, j, k);
        }
    EXPECT_EQ(y, want);
  }
  EXPECT_EQ(error_of([&] { roll(x, {1, 2}, {0}); }), "shifts and dimensions must align. shifts: 2, dims:1");
  EXPECT_EQ(error_of([&] { roll(x, {}, {}); }), "`shifts` required");
  EXPECT_EQ(roll(zeros({0, 3}), {1}, {0}).numel(), 0);

  Tensor l = leaf({3, 4}, 2);
  EXPECT_EQ(name(flip(l, {0})), "FlipBackward0");
  EXPECT_EQ(name(roll(l, {1}, {1})), "RollBackward0");
  EXPECT_TRUE(autograd::gradcheck([](const std::vector<Tensor>& in) { return flip(in[0], {0, 1}).mul(in[0]); }, {l}));
  EXPECT_TRUE(autograd::gradcheck(
      [](const std::vector<Tensor>& in) { return roll(in[0], {1, -2}, {0, 1}).mul(in[0]); }, {l}));
  EXPECT_TRUE(autograd::gradcheck([](const std::vector<Tensor>& in) { return roll(in[0], {5}).mul(in[0]); }, {l}));
}

}  // namespace
}  // namespace ramp
