// What the op tests share: special values, seeded random tensors, exception texts, node names.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
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
