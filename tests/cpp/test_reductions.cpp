// include/ramp/reduce.h against a scalar double oracle: every reduced group walked with naive
// loops over the logical indices (so the engine's [A, R, B] view, its row / column / split paths
// and its dim handling are all checked), gradients by central differences, 1.13's error texts.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "ramp/autograd.h"
#include "ramp/reduce.h"
#include "test_util.h"

namespace ramp {
namespace {

using namespace test;
using Fold = std::function<double(const std::vector<double>&)>;

// The oracle: for each output position, the values of x's reduced group (row-major order), folded.
std::vector<double> oracle(const Tensor& x, std::vector<std::int64_t> dims, const Fold& fold) {
  const std::int64_t nd = x.dim();
  std::vector<bool> red(std::size_t(nd), dims.empty());
  for (auto d : dims) red[std::size_t(d < 0 ? d + nd : d)] = true;
  const std::vector<double> v = x.to_vector();
  std::vector<std::int64_t> kept, rsz;
  for (std::int64_t i = 0; i < nd; ++i) (red[std::size_t(i)] ? rsz : kept).push_back(x.size(i));
  const std::int64_t nout = numel_of(kept), nred = numel_of(rsz);
  std::vector<double> out;
  for (std::int64_t o = 0; o < nout; ++o) {
    std::vector<double> group;
    for (std::int64_t r = 0; r < nred; ++r) {
      // unravel o over the kept dims and r over the reduced dims, then ravel over all dims
      std::int64_t oo = o, rr = r, flat = 0, stride = 1;
      for (std::int64_t i = nd - 1; i >= 0; --i) {
        const std::int64_t s = x.size(i);
        std::int64_t idx;
        if (red[std::size_t(i)]) idx = rr % s, rr /= s;
        else idx = oo % s, oo /= s;
        flat += idx * stride;
        stride *= s;
      }
      group.push_back(v[std::size_t(flat)]);
    }
    out.push_back(fold(group));
  }
  return out;
}

double fsum(const std::vector<double>& g) {
  long double s = 0;
  for (double e : g) s += e;
  return double(s);
}

// A float32 input on [-20, 20) in one of three layouts: variant 0 plain, 1 transposed (non-contiguous),
// 2 with NaN at first, first + every, ... (seed advances per tensor drawn).
Tensor variant_input(const std::vector<std::int64_t>& shape, int variant, unsigned& seed, std::size_t first,
                     std::size_t every) {
  Tensor x = random(shape, ScalarType::Float32, seed++, -20, 20);
  if (variant == 1) x = random(vec(x.transpose(0, -1).sizes()), ScalarType::Float32, seed++, -20, 20).transpose(0, -1);
  if (variant == 2) {
    std::vector<double> v = x.to_vector();
    for (std::size_t i = first; i < v.size(); i += every) v[i] = kNaN;
    x = from_vector(v, x.sizes(), ScalarType::Float32);
  }
  return x;
}

// Within `ulps` float32 ulps (or float64 ones) of the oracle.
void expect_close(const Tensor& r, const std::vector<double>& want, double ulps) {
  const std::vector<double> got = r.to_vector();
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(want[i])) {
      EXPECT_TRUE(std::isnan(got[i])) << i;
      continue;
    }
    const double u = r.dtype() == ScalarType::Float64 ? std::nextafter(std::fabs(want[i]), INFINITY) - std::fabs(want[i])
                                                      : double(std::nextafter(std::fabs(float(want[i])), INFINITY) - std::fabs(float(want[i])));
    EXPECT_LE(std::fabs(got[i] - want[i]), ulps * u) << "at " << i << ": " << got[i] << " vs " << want[i];
  }
}

struct Case {
  std::vector<std::int64_t> shape, dims;
};
const Case kCases[] = {{{3, 4, 5}, {}},      {{3, 4, 5}, {0}},         {{3, 4, 5}, {1}},      {{3, 4, 5}, {-1}},
                       {{3, 4, 5}, {0, 2}},  {{3, 4, 5}, {1, 2}},      {{4096, 256}, {0}},    {{4096, 256}, {1}},
                       {{1 << 20}, {}},      {{3, 70000, 2}, {1}},     {{70000, 3}, {0}},     {{2, 1, 300, 1, 7}, {0, 2}},
                       {{64, 10}, {1}},      {{300, 257}, {0}},        {{0, 3}, {0}},         {{5, 6, 7, 8}, {0, 2}}};

TEST(Reductions, SumMeanAgainstDoubleOracle) {
  unsigned seed = 1;
  for (const Case& c : kCases) {
    const Tensor x = random(c.shape, ScalarType::Float32, seed++);
    SCOPED_TRACE(shape_str(x.sizes()));
    expect_close(sum(x, c.dims), oracle(x, c.dims, fsum), 1);
    expect_close(mean(x, c.dims), oracle(x, c.dims, [](const auto& g) {
      return double(float(fsum(g)) / float(g.size()));  // 1.13: the float sum, divided in float
    }), 1);
  }
}

// The float32 vector loops (src/kernels/reduce_vec.h; ctest runs this per instruction set):
// remainders of every vector and block width, non-contiguous inputs, NaN, the fused logsumexp.
TEST(Reductions, Float32VectorPaths) {
  const Case cases[] = {{{37, 133}, {0}}, {{37, 133}, {1}}, {{37, 133}, {}}, {{5, 3, 70}, {1}}, {{6, 45, 1}, {1}},
                        {{4096, 10}, {1}}, {{64, 1000}, {1}}, {{1000, 3}, {0}}, {{3, 17, 33}, {0, 2}},
                        {{37, 7}, {1}},    {{50, 16}, {1}},  {{21, 1}, {1}}};  // rows of one vector, with tails
  auto fold_max = [](const auto& g) { double m = -INFINITY; for (double e : g) m = e != e || e > m ? e : m; return m; };
  auto fold_min = [](const auto& g) { double m = INFINITY; for (double e : g) m = e != e || e < m ? e : m; return m; };
  auto fold_lse = [&](const auto& g) {
    double m = fold_max(g);
    m = std::isinf(m) ? 0 : m;
    long double s = 0;
    for (double e : g) s += std::exp((long double)(e - m));
    return double(std::log(s) + m);
  };
  unsigned seed = 40;
  for (const Case& c : cases)
    for (int variant = 0; variant < 3; ++variant) {
      const Tensor x = variant_input(c.shape, variant, seed, 3, 97);
      SCOPED_TRACE(shape_str(x.sizes()) + " variant " + std::to_string(variant));
      expect_close(sum(x, c.dims), oracle(x, c.dims, fsum), 1);
      expect_close(amax(x, c.dims), oracle(x, c.dims, fold_max), 0);
      expect_close(amin(x, c.dims), oracle(x, c.dims, fold_min), 0);
      expect_close(logsumexp(x, c.dims), oracle(x, c.dims, fold_lse), 2);
      // bfloat16 takes the generic loops and the composed logsumexp
      const Tensor h = x.to(ScalarType::BFloat16);
      expect_close(sum(h, c.dims).to(ScalarType::Float32), oracle(h, c.dims, [](const auto& g) {
        return double(BFloat16(float(fsum(g))));
      }), 0);
      expect_close(amax(h, c.dims).to(ScalarType::Float32), oracle(h, c.dims, fold_max), 0);
    }
  // logsumexp's special values: all -inf, +inf present, a row of one element
  const Tensor s = from_vector({-kInf, -kInf, kInf, 1, 5, -kInf}, {3, 2}, ScalarType::Float32);
  EXPECT_EQ(logsumexp(s, {1}).to_vector(), (std::vector<double>{-kInf, kInf, 5}));
  EXPECT_EQ(logsumexp(s.t(), {0}).to_vector(), (std::vector<double>{-kInf, kInf, 5}));
}

// logsumexp's infinities and NaN in each float32 path: rows of 10 (taken N rows at a time), long
// rows, columns. Groups: 1 holds +inf (the result is +inf: x - max is then not <= 0, so the fast
// exp must not see it), 3 is all -inf, 4 holds one -inf, 6 holds NaN and +inf; the finite groups
// beside them (in the same vectors) against the long double formula.
TEST(Reductions, LogsumexpInfinitiesInEveryPath) {
  struct Path {
    std::int64_t groups, len;
    bool columns;
  };
  unsigned seed = 7;
  for (const Path p : {Path{20, 10, false}, Path{8, 1000, false}, Path{20, 10, true}, Path{9, 300, true}}) {
    std::vector<double> v = random({p.groups, p.len}, ScalarType::Float32, seed++, -20, 20).to_vector();
    auto at = [&](std::int64_t g, std::int64_t i) -> double& { return v[std::size_t(g * p.len + i)]; };
    at(1, p.len / 2) = kInf;
    for (std::int64_t i = 0; i < p.len; ++i) at(3, i) = -kInf;
    at(4, p.len - 1) = -kInf;
    at(6, 0) = kNaN, at(6, 1) = kInf;
    Tensor x = from_vector(v, {p.groups, p.len}, ScalarType::Float32);
    if (p.columns) x = x.t().contiguous();
    SCOPED_TRACE(shape_str(x.sizes()));
    const std::vector<double> got = logsumexp(x, {p.columns ? 0 : 1}).to_vector();
    ASSERT_EQ(got.size(), std::size_t(p.groups));
    EXPECT_EQ(got[1], kInf);
    EXPECT_EQ(got[3], -kInf);
    EXPECT_TRUE(std::isnan(got[6]));
    for (std::int64_t g : {0, 2, 4, 5, 7}) {  // the finite groups (beside the special ones in a vector)
      long double s = 0;
      double m = -kInf;
      for (std::int64_t i = 0; i < p.len; ++i) m = std::max(m, at(g, i));
      for (std::int64_t i = 0; i < p.len; ++i) s += std::exp((long double)(at(g, i) - m));
      const double want = double(std::log(s) + m);
      EXPECT_NEAR(got[std::size_t(g)], want, 2 * std::ldexp(1.0, std::ilogb(float(want)) - 23)) << "group " << g;
    }
  }
}

// Float32 sums accumulate in double: within an ulp of the exact sum on inputs that defeat float
// accumulation (1.13's cascade loses the small terms here).
TEST(Reductions, Float32SumsStayExactOnAdversarialInputs) {
  const std::int64_t n = 1 << 20;
  std::vector<double> tiny(std::size_t(n), 1.0 + std::ldexp(1.0, -20));
  std::vector<double> mixed(std::size_t(n), 0.0);
  for (std::int64_t i = 0; i < n; ++i) mixed[std::size_t(i)] = i % 3 == 0 ? 1e8 : i % 3 == 1 ? 1.0 : -1e8 + 8;
  for (const std::vector<double>* v : {&tiny, &mixed}) {
    const Tensor x = from_vector(*v, {n}, ScalarType::Float32);
    const double exact = fsum(x.to_vector());
    expect_close(sum(x), {exact}, 1);
    expect_close(sum(x.reshape({1024, 1024}), {0}), oracle(x.reshape({1024, 1024}), {0}, fsum), 1);
    expect_close(sum(x.reshape({1024, 1024}), {1}), oracle(x.reshape({1024, 1024}), {1}, fsum), 1);
  }
}

// Two reduced runs around a kept one (BatchNorm's (0, 2, 3) of NCHW) are read in place, each output
// joining its slabs (src/kernels/reduce_kernels.cpp, reduce_split); short slabs with kept dims after
// them, and three runs, still take the copy. Every dtype the split kernels serve, non-contiguous
// inputs, and the float32 sums' exactness on adversarial inputs laid out across the slabs.
TEST(Reductions, SplitRunsReadInPlace) {
  const Case cases[] = {{{32, 16, 28, 28}, {0, 2, 3}}, {{3, 5, 7, 9}, {0, 2}},       {{4, 6, 5, 8, 3}, {1, 3}},
                        {{2, 3, 4, 5, 6}, {1, 3}},     {{64, 32, 2, 2}, {0, 2, 3}}, {{7, 1, 3, 1, 50}, {0, 4}},
                        {{20, 3, 2, 5}, {0, 2}},       {{2, 3, 4, 5, 6}, {0, 2, 4}}, {{5, 3, 1, 33}, {-1, 0}}};
  auto fold_max = [](const auto& g) { double m = -INFINITY; for (double e : g) m = e != e || e > m ? e : m; return m; };
  auto fold_min = [](const auto& g) { double m = INFINITY; for (double e : g) m = e != e || e < m ? e : m; return m; };
  auto fold_l2 = [](const auto& g) { long double s = 0; for (double e : g) s += (long double)e * e; return double(std::sqrt(s)); };
  auto fold_var = [](const auto& g) {
    long double m = 0, s = 0;
    for (double e : g) m += e;
    m /= (long double)g.size();
    for (double e : g) s += (e - m) * (e - m);
    return double(s / ((long double)g.size() - 1));
  };
  unsigned seed = 90;
  for (const Case& c : cases)
    for (int variant = 0; variant < 3; ++variant) {
      const Tensor x = variant_input(c.shape, variant, seed, 5, 211);
      SCOPED_TRACE(shape_str(x.sizes()) + " variant " + std::to_string(variant));
      for (ScalarType t : {ScalarType::Float32, ScalarType::Float64, ScalarType::BFloat16}) {
        // float64 sums are ordered as 1.13's, not exact under cancellation: positive values there
        const bool f64 = t == ScalarType::Float64, bf16 = t == ScalarType::BFloat16;
        const Tensor y = f64 ? x.to(t).add(21.0) : x.to(t);
        auto as_f = [&](const Tensor& r) { return bf16 ? r.to(ScalarType::Float32) : r; };  // ulps: float's, or double's
        expect_close(as_f(sum(y, c.dims)), oracle(y, c.dims, [&](const auto& g) {
          return bf16 ? double(BFloat16(float(fsum(g)))) : fsum(g);
        }), f64 ? 4 : bf16 ? 0 : 1);
        expect_close(as_f(amax(y, c.dims)), oracle(y, c.dims, fold_max), 0);
        expect_close(as_f(amin(y, c.dims)), oracle(y, c.dims, fold_min), 0);
        if (bf16) continue;
        expect_close(mean(y, c.dims), oracle(y, c.dims, [&](const auto& g) {
          return f64 ? fsum(g) / double(g.size()) : double(float(fsum(g)) / float(g.size()));  // 1.13: divided in T
        }), f64 ? 4 : 1);
        expect_close(norm(y, 2, c.dims), oracle(y, c.dims, fold_l2), f64 ? 4 : 1);
        // var keeps the copy (Welford's joined slab by slab drifts); float64's Welford chain over 25088
        // elements is ~20 double ulps off at the baseline ISA, as it was before: float32 only here
        if (!f64) expect_close(var(y, c.dims), oracle(y, c.dims, fold_var), 2);
      }
      // integers: sums widen to int64 and are exact
      const Tensor i = x.to(ScalarType::Int32);
      if (variant != 2) expect_close(sum(i, c.dims), oracle(i, c.dims, fsum), 0);
    }
  // 1e8, 1, -1e8 + 8 repeated along each channel's slabs: float accumulation loses every 1
  std::vector<double> mixed(std::size_t(32 * 16 * 28 * 28));
  for (std::size_t i = 0; i < mixed.size(); ++i) mixed[i] = i % 3 == 0 ? 1e8 : i % 3 == 1 ? 1.0 : -1e8 + 8;
  const Tensor m = from_vector(mixed, {32, 16, 28, 28}, ScalarType::Float32);
  expect_close(sum(m, {0, 2, 3}), oracle(m, {0, 2, 3}, fsum), 0.5);
  expect_close(sum(m, {0, 2, 3}, true).reshape({16}), oracle(m, {0, 2, 3}, fsum), 0.5);
}

TEST(Reductions, ExtremesAndNorms) {
  unsigned seed = 7;
  for (const Case& c : kCases) {
    const Tensor x = random(c.shape, ScalarType::Float32, seed++);  // accumulated in double: ~exact
    SCOPED_TRACE(shape_str(x.sizes()));
    auto fold_max = [](const auto& g) { double m = -INFINITY; for (double e : g) m = std::max(m, e); return m; };
    auto fold_l2 = [](const auto& g) { long double s = 0; for (double e : g) s += (long double)e * e; return double(std::sqrt(s)); };
    auto fold_l1 = [](const auto& g) { long double s = 0; for (double e : g) s += std::fabs(e); return double(s); };
    auto fold_var = [](const auto& g) {
      long double m = 0, s = 0;
      for (double e : g) m += e;
      m /= (long double)g.size();
      for (double e : g) s += (e - m) * (e - m);
      return double(s / ((long double)g.size() - 1));
    };
    expect_close(norm(x, 2, c.dims), oracle(x, c.dims, fold_l2), 1);
    expect_close(norm(x, 1, c.dims), oracle(x, c.dims, fold_l1), 1);
    if (x.numel() == 0) continue;
    expect_close(amax(x, c.dims), oracle(x, c.dims, fold_max), 0);
    expect_close(var(x, c.dims), oracle(x, c.dims, fold_var), 1);
  }
}

TEST(Reductions, IntegerSumsWrapAndArgmaxTakesFirst) {
  const Tensor i8 = tensor({100, 100, 100, -128}, ScalarType::Int8);
  EXPECT_EQ(sum(i8).dtype(), ScalarType::Int64);
  EXPECT_EQ(sum(i8).item<std::int64_t>(), 172);
  const Tensor big = tensor({INT64_MAX, std::int64_t(1)}, ScalarType::Int64);
  EXPECT_EQ(sum(big).item<std::int64_t>(), INT64_MIN);  // wraps as 1.13
  const Tensor x = tensor({1.0, 3.0, 3.0, -1.0, 3.0});
  EXPECT_EQ(argmax(x).item<std::int64_t>(), 1);
  EXPECT_EQ(argmin(x).item<std::int64_t>(), 3);
  const Tensor n = tensor({1.0, NAN, 3.0, NAN});
  EXPECT_EQ(argmax(n).item<std::int64_t>(), 1);
  EXPECT_EQ(argmin(n).item<std::int64_t>(), 1);
  EXPECT_TRUE(std::isnan(max(n).item<double>()));
  EXPECT_TRUE(std::isnan(amin(n).item<double>()));
  auto [v, idx] = max(tensor({{1.0, 5.0, 5.0}, {7.0, 2.0, 7.0}}), 1);
  EXPECT_EQ(idx.to_vector(), (std::vector<double>{1, 0}));
  EXPECT_EQ(v.to_vector(), (std::vector<double>{5, 7}));
}

// float32 argmax/argmin/max(dim)/min(dim) over rows (ctest runs this per instruction set): rows of
// one vector (a classifier's [batch, 10]) take their own path. Few distinct values, so ties are
// common; NaN and infinities planted. The oracle: the first NaN, else the first extreme.
TEST(Reductions, Float32ArgExtremeRowsTakeFirst) {
  std::mt19937 g(3);
  std::uniform_int_distribution<int> u(-3, 3), pos(0, 1 << 20);
  for (std::int64_t R : {1, 3, 10, 15, 16, 17, 40})
    for (std::int64_t A : {1, 19, 70}) {
      std::vector<double> v(std::size_t(A * R));
      for (double& e : v) e = u(g);
      for (int k = 0; k < 6; ++k) v[std::size_t(pos(g)) % v.size()] = k < 2 ? kNaN : k < 4 ? kInf : -kInf;
      const Tensor x = from_vector(v, {A, R}, ScalarType::Float32);
      SCOPED_TRACE(shape_str(x.sizes()));
      for (bool is_max : {true, false}) {
        std::vector<double> want_i, want_v;
        for (std::int64_t a = 0; a < A; ++a) {
          std::int64_t best = 0;
          for (std::int64_t r = 1; r < R; ++r) {
            const double b = v[std::size_t(a * R + best)], e = v[std::size_t(a * R + r)];
            if (b != b) break;
            if (e != e || (is_max ? e > b : e < b)) best = r;
          }
          want_i.push_back(double(best));
          want_v.push_back(v[std::size_t(a * R + best)]);
        }
        EXPECT_EQ((is_max ? argmax(x, 1) : argmin(x, 1)).to_vector(), want_i);
        auto [val, idx] = is_max ? max(x, 1) : min(x, 1);
        EXPECT_EQ(idx.to_vector(), want_i);
        const std::vector<double> got_v = val.to_vector();
        for (std::size_t k = 0; k < want_v.size(); ++k)
          EXPECT_TRUE(got_v[k] == want_v[k] || (got_v[k] != got_v[k] && want_v[k] != want_v[k])) << k;
      }
    }
}

TEST(Reductions, EmptyRules) {
  const Tensor e = zeros({0, 3});
  EXPECT_EQ(sum(e).item<double>(), 0.0);
  EXPECT_TRUE(std::isnan(mean(e).item<double>()));
  EXPECT_EQ(prod(e, 0).to_vector(), (std::vector<double>{1, 1, 1}));
  EXPECT_EQ(all(e).item<bool>(), true);
  EXPECT_EQ(any(e).item<bool>(), false);
  EXPECT_EQ(error_of([&] { max(e); }),
            "max(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the "
            "'dim' argument.");
  EXPECT_EQ(error_of([&] { max(e, 0); }), "max(): Expected reduction dim 0 to have non-zero size.");
  EXPECT_EQ(max(e, 1).first.numel(), 0);
  EXPECT_EQ(error_of([&] { mean(tensor({1, 2})); }),
            "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: Long");
  EXPECT_EQ(error_of([&] { sum(e, {0, 0}); }), "dim 0 appears multiple times in the list of dims");
  EXPECT_THROW(argmax(e), IndexError);
  EXPECT_THROW(amax(e, {0}), IndexError);
}

TEST(Reductions, GradientsByFiniteDifferences) {
  const std::vector<std::pair<const char*, Fn>> fns = {
      {"sum", [](const auto& v) { return sum(v[0], {1}); }},
      {"mean", [](const auto& v) { return mean(v[0], {0, 2}, true); }},
      {"prod", [](const auto& v) { return prod(v[0], 1); }},
      {"var", [](const auto& v) { return var(v[0], {1}); }},
      {"std", [](const auto& v) { return ramp::std(v[0], {0, 2}, 0.0); }},
      {"amax", [](const auto& v) { return amax(v[0], {2}); }},
      {"max", [](const auto& v) { return max(v[0], 1).first; }},
      {"norm2", [](const auto& v) { return norm(v[0], 2, {1}); }},
      {"norm3", [](const auto& v) { return norm(v[0], 3); }},
      {"norm_inf", [](const auto& v) { return norm(v[0], INFINITY, {2}); }},
      {"logsumexp", [](const auto& v) { return logsumexp(v[0], {1}); }},
      {"cumsum", [](const auto& v) { return cumsum(v[0], 1); }},
      {"cumprod", [](const auto& v) { return cumprod(v[0], 2); }},
      {"maximum", [](const auto& v) { return maximum(v[0], v[0].mul(0.5)); }},
  };
  for (const auto& [name, f] : fns) {
    SCOPED_TRACE(name);
    EXPECT_TRUE(autograd::gradcheck(f, {leaf({2, 3, 4}, 3)}));
  }
  // prod and cumprod with zeros: the prefix/suffix products, not a division
  Tensor z = from_vector({0, 2, 3, 0, 0, 5, 1, 2}, {2, 4}, ScalarType::Float64).requires_grad_();
  prod(z, 1).sum().backward();
  EXPECT_EQ(z.grad().to_vector(), (std::vector<double>{0, 0, 0, 0, 10, 0, 0, 0}));  // two zeros: all 0
  EXPECT_TRUE(autograd::gradcheck([](const auto& v) { return cumprod(v[0], 1); },
                                  {from_vector({0, 2, 3, 0, 1, 5, 1, 2}, {2, 4}, ScalarType::Float64).requires_grad_()}));
}

TEST(Reductions, NodeNames) {
  const Tensor x = leaf({2, 3}, 5);
  EXPECT_EQ(name(sum(x)), "SumBackward0");
  EXPECT_EQ(name(sum(x, {1})), "SumBackward1");
  EXPECT_EQ(name(mean(x, {1})), "MeanBackward1");
  EXPECT_EQ(name(prod(x)), "ProdBackward0");
  EXPECT_EQ(name(max(x)), "MaxBackward1");
  EXPECT_EQ(name(min(x, 0).first), "MinBackward0");
  EXPECT_EQ(name(amax(x, {1})), "AmaxBackward0");
  EXPECT_EQ(name(ramp::std(x)), "StdBackward0");
  EXPECT_EQ(name(var_mean(x).second), "VarMeanBackward0");
  EXPECT_EQ(name(norm(x)), "NormBackward1");
  EXPECT_EQ(name(logsumexp(x, {1})), "LogsumexpBackward0");
  EXPECT_EQ(name(cumsum(x, 0)), "CumsumBackward0");
  EXPECT_EQ(name(maximum(x, x)), "MaximumBackward0");
  EXPECT_EQ(name(argmax(x)), "None");
}

}  // namespace
}  // namespace ramp
