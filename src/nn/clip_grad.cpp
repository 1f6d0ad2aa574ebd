// Gradient clipping as 1.13's torch/nn/utils/clip_grad.py: per-gradient norms, the norm of those,
// and one in-place scale. Norms sum in double and round once to the gradients' dtype (1.13 sums
// in the element type: the total may differ from 1.13's in the last bit); the clip coefficient is
// then computed in 1.13's order and dtype: (1 / (total + 1e-6)) * max_norm, clamped to 1.
#include <cmath>
#include <limits>

#include "../tensor/loop.h"
#include "ramp/autograd.h"
#include "ramp/nn/utils.h"
#include "ramp/print.h"
#include "ramp/reduce.h"

namespace ramp::nn::utils {
namespace {

// The p-norm of a tensor's elements in double: p = inf: max |x|, -inf: min |x|, 0: the count of
// nonzeros; NaN anywhere gives NaN.
double norm_of(const Tensor& t, double p) {
  const bool inf = std::isinf(p);
  double acc = inf && p < 0 ? std::numeric_limits<double>::infinity() : 0.0;
  bool nan = false;
  dispatch(t.dtype(), [&](auto e) {
    using T = decltype(e);
    ramp::detail::map1<T, T>(t, t, [&](const T&, T v) {
      const double a = std::fabs(convert<double>(v));
      if (a != a) nan = true;
      else if (inf) acc = p > 0 ? std::max(acc, a) : std::min(acc, a);
      else if (p == 0) acc += a != 0;
      else if (p == 1) acc += a;
      else if (p == 2) acc += a * a;
      else acc += std::pow(a, p);
    });
  });
  if (nan) return NAN;
  if (inf || p == 0 || p == 1) return acc;
  return p == 2 ? std::sqrt(acc) : std::pow(acc, 1 / p);
}

}  // namespace

Tensor clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, double norm_type,
                       bool error_if_nonfinite) {
  autograd::NoGradGuard no_grad;
  std::vector<Tensor> grads;
  for (const Tensor& p : parameters)
    if (p.grad().defined()) grads.push_back(p.grad());
  if (grads.empty()) return scalar_tensor(0.0, ScalarType::Float32);
  // Each gradient's norm rounded to its dtype, then the norm of those in their promoted dtype.
  ScalarType t = grads[0].dtype();
  std::vector<double> norms;
  for (const Tensor& g : grads) {
    RAMP_CHECK(is_floating(g.dtype()), "clip_grad_norm_: gradients must be floating, got ", dtype_name(g.dtype()));
    t = promote_types(t, g.dtype());
    // The reduction engine's vector norm (1.13: torch.norm(g, norm_type) per gradient), not a
    // scalar loop: it was a sixth of a small MLP's training step.
    norms.push_back(norm(g.detach(), norm_type).item<double>());
  }
  const Tensor total = scalar_tensor(norm_of(from_vector(norms, {std::int64_t(norms.size())}, ScalarType::Float64),
                                             norm_type), t);
  const double total_v = total.item<double>();
  RAMP_CHECK(!error_if_nonfinite || std::isfinite(total_v), "The total norm of order ", python_float_repr(norm_type),
             " for gradients from `parameters` is non-finite, so it cannot be clipped. To disable this error and "
             "scale the gradients by the non-finite norm anyway, set `error_if_nonfinite=False`");
  // clip_coef = max_norm / (total_norm + 1e-6), where Python's `number / tensor` is reciprocal() * number.
  double c = 0;
  dispatch(t, [&](auto e) {
    using T = decltype(e);
    if constexpr (!std::is_integral_v<T>) {
      using F = std::conditional_t<std::is_same_v<T, double>, double, float>;
      auto r = [](F v) { return F(T(v)); };  // the element type's rounding (bfloat16 computes in float)
      const F denom = r(F(total_v) + r(F(1e-6)));
      F v = r(r(F(1) / denom) * r(F(max_norm)));
      v = v > F(1) ? F(1) : v;  // clamp(max=1.0); NaN stays NaN
      c = double(v);
    }
  });
  if (!(c >= 1))  // multiplying by exactly 1 changes nothing
    for (Tensor g : grads) g.mul_(scalar_tensor(c, t));
  return total;
}

void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value) {
  autograd::NoGradGuard no_grad;
  for (const Tensor& p : parameters) {
    Tensor g = p.grad();
    if (!g.defined()) continue;
    dispatch(g.dtype(), [&](auto e) {
      using T = decltype(e);
      if constexpr (!std::is_integral_v<T>) {
        // clamp_(min=-v, max=v): NaN passes, and max wins where -v > v, as 1.13's clamp.
        const double lo = -clip_value, hi = clip_value;
        ramp::detail::map1<T, T>(g, g, [&](T& o, T v) {
          const double x = convert<double>(v);
          o = x != x ? v : x > hi ? T(hi) : x < lo ? T(lo) : v;
          if (lo > hi) o = T(hi);
        });
      }
    });
    g.bump_version();
  }
}

}  // namespace ramp::nn::utils
