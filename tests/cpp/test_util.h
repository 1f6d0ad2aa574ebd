// What the op tests share: special values, seeded random tensors, exception texts, node names.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "ramp/autograd.h"
#include "ramp/tensor.h"

namespace ramp::test {

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;
inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
inline constexpr double kInf = std::numeric_limits<double>::infinity();

inline std::vector<std::int64_t> vec(IntArrayRef a) { return {a.begin(), a.end()}; }
// The name of t's grad_fn, or "None" (as Python prints a missing one).
inline std::string name(const Tensor& t) { return t.grad_fn() ? std::string(t.grad_fn()->name()) : "None"; }

// Uniform values in [lo, hi) from a seeded generator, made in double and converted to t.
inline Tensor random(IntArrayRef shape, ScalarType t = ScalarType::Float64, unsigned seed = 1, double lo = -2,
                     double hi = 2) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  std::vector<double> v(std::size_t(numel_of(shape)));
  for (double& x : v) x = u(g);
  return from_vector(v, shape, t);
}
// A float64 leaf that requires grad, for gradcheck.
inline Tensor leaf(IntArrayRef shape, unsigned seed, double lo = -2, double hi = 2) {
  return random(shape, ScalarType::Float64, seed, lo, hi).requires_grad_();
}

// |t| elementwise in float64, computed here (for the magnitudes expect_ulps takes); undefined stays so.
inline Tensor absolute(const Tensor& t) {
  if (!t.defined()) return t;
  std::vector<double> v = t.to_vector();
  for (double& x : v) x = std::abs(x);
  return from_vector(v, t.sizes(), ScalarType::Float64);
}

// The spacing of dtype t's numbers at |v|: one ulp there (7 fraction bits for bfloat16, 23 for
// float32, 52 for float64; the subnormal spacing below the smallest normal).
struct Precision {
  int bits, emin;
};
inline Precision precision_of(ScalarType t) {
  if (t == ScalarType::Float64) return {52, -1022};
  if (t == ScalarType::BFloat16) return {7, -126};
  return {23, -126};
}
inline double ulp_of(double v, Precision p) {
  const int e = v == 0 || !std::isfinite(v) ? p.emin : std::ilogb(v);  // |v| = m 2^e with m in [1, 2)
  return std::ldexp(1.0, std::max(e, p.emin) - p.bits);
}
inline double ulp_of(double v, ScalarType t) { return ulp_of(v, precision_of(t)); }

// got == want (same shape) to `ulps` ulps of got's dtype at |want|, where want is the exact
// (double) result of got's own inputs: a kernel that accumulates in a wider type and rounds once
// is within half an ulp of it. Where `mag` is given (the same reference on |inputs|: Σ|terms| of
// each sum), `ulps` ulps of the accumulating dtype (float32 for bfloat16) at mag are allowed too:
// what a cancelling sum loses in its accumulator, which no count of output ulps covers near zero.
// Neither term grows with a reduction's length, so a result 10% off always fails. NaN must match.
// `mag_dtype` counts mag's ulps in another dtype: the output's, where an intermediate result of
// magnitude mag is itself rounded to it (a product rounded to bfloat16 before a bias is added).
inline void expect_ulps(const Tensor& got, IntArrayRef shape, const std::vector<double>& want, double ulps,
                        const std::vector<double>& mag = {}, std::optional<ScalarType> mag_dtype = {}) {
  ASSERT_EQ(vec(got.sizes()), vec(shape));
  const std::vector<double> v = got.to_vector();
  ASSERT_EQ(v.size(), want.size());
  ASSERT_TRUE(mag.empty() || mag.size() == want.size());
  const ScalarType t = got.dtype();
  const Precision out = precision_of(t),
                  acc = precision_of(mag_dtype ? *mag_dtype : t == ScalarType::BFloat16 ? ScalarType::Float32 : t);
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (std::isnan(want[i])) {
      EXPECT_TRUE(std::isnan(v[i])) << "element " << i;
      continue;
    }
    const double tol = ulps * (ulp_of(want[i], out) + (mag.empty() ? 0.0 : ulp_of(mag[i], acc)));
    EXPECT_LE(std::abs(v[i] - want[i]), tol)
        << "element " << i << ": got " << v[i] << ", want " << want[i] << " (" << ulps << " ulp = " << tol << ")";
  }
}

// The message of the exception `f` throws (empty if none).
template <class F> std::string error_of(F f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

}  // namespace ramp::test
