// Second derivatives of the activations' gradients (internal): the formula adapter over dual
// numbers. Running an entry's `backward(m, v, dy)` with v = (v, 1) and dy = (dy, 0) gives
// d(dx)/dv in the dual part, from the one formula the kernels use, so no entry writes its second
// derivative by hand (unless 1.13's differs at a kink: the entry's `backward2`).
#pragma once

#include <cmath>

#include "ramp/activations.h"

namespace ramp::act {

struct Dual {
  double v, d;  // value and derivative
};

struct DualMath {
  using V = Dual;
  static constexpr double kPi = 3.14159265358979323846;
  static V zero() { return {0, 0}; }
  static V set(double c) { return {c, 0}; }
  static V add(V a, V b) { return {a.v + b.v, a.d + b.d}; }
  static V sub(V a, V b) { return {a.v - b.v, a.d - b.d}; }
  static V mul(V a, V b) { return {a.v * b.v, a.d * b.v + a.v * b.d}; }
  // (a' - q b') / b with q = a / b: no b^2, which overflows long before q does (sigmoid's
  // 1 / (1 + e^-x) from x = -355). Where b itself overflowed (b' = inf too: inf / inf) the limit of
  // a finite a over it is 0, and so is its derivative's.
  static V div(V a, V b) {
    const double q = a.v / b.v;
    if (std::isinf(b.v) && std::isfinite(a.v) && std::isfinite(a.d)) return {q, 0.0};
    return {q, (a.d - q * b.d) / b.v};
  }
  static V neg(V a) { return {-a.v, -a.d}; }
  // Comparisons see the value: a kink takes the derivative of the branch the first derivative took.
  static bool lt(V a, V b) { return a.v < b.v; }
  static bool le(V a, V b) { return a.v <= b.v; }
  static bool gt(V a, V b) { return a.v > b.v; }
  static bool ge(V a, V b) { return a.v >= b.v; }
  static bool not_(bool a) { return !a; }
  static V select(bool c, V a, V b) { return c ? a : b; }
  static V exp(V a) {
    const double e = std::exp(a.v);
    return {e, e * a.d};
  }
  static V expm1(V a) { return {std::expm1(a.v), std::exp(a.v) * a.d}; }
  static V log1p(V a) { return {std::log1p(a.v), a.d / (1 + a.v)}; }
  static V tanh(V a) {
    const double t = std::tanh(a.v);
    return {t, (1 - t) * (1 + t) * a.d};
  }
  static V erf(V a) { return {std::erf(a.v), 2 / std::sqrt(kPi) * std::exp(-a.v * a.v) * a.d}; }
  // gelu's first derivatives as functions of x, with their own derivatives.
  static V gelu_erf_grad(V a) {
    const double x = a.v, phi = std::exp(-x * x / 2) / std::sqrt(2 * kPi);
    return {std::erfc(-x / std::sqrt(2.0)) / 2 + x * phi, phi * (2 - x * x) * a.d};
  }
  static V gelu_tanh_grad(V a) {
    // g = s + x u' s (1 - s), s = sigmoid(u), u = 2 sqrt(2/pi) (x + c x^3), u' its derivative
    constexpr double c = 0.044715;
    const double x = a.v, k = 2 * std::sqrt(2 / kPi);
    const double u = k * (x + c * x * x * x), du = k * (1 + 3 * c * x * x), ddu = k * 6 * c * x;
    const double s = 1 / (1 + std::exp(-u)), q = s * (1 - s);
    return {s + x * du * q, (2 * du * q + x * ddu * q + x * du * du * q * (1 - 2 * s)) * a.d};
  }
};

// d(dx)/dv of entry A at v with incoming gradient dy.
template <class A> double backward2(double v, double dy, const typename A::Params& p, bool is_result) {
  if constexpr (requires { A::backward2(v, dy, p, is_result); }) {
    return A::backward2(v, dy, p, is_result);
  } else if constexpr (requires { A::backward(DualMath{}, Dual{v, 1}, Dual{dy, 0}, p, is_result); }) {
    return A::backward(DualMath{}, Dual{v, 1}, Dual{dy, 0}, p, is_result).d;
  } else {
    static_assert(!is_pointwise<A>, "a pointwise entry needs a backward formula");
    return 0;  // prelu and softmax have their own nodes, never this one
  }
}

}  // namespace ramp::act
