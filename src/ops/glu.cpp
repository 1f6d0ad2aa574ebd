// glu(x, dim) = a * sigmoid(b), a and b the halves of x along dim (1.13's F.glu), composed of
// ramp's ops, recorded as 1.13's nodes: GluBackward0, and GluBackwardBackward0 for its gradient
// in a create_graph pass (made of differentiable ops, so every further order follows).
#include "../autograd/function.h"
#include "record.h"
#include "ramp/functional.h"
#include "ramp/ops.h"

namespace ramp {
namespace {
using autograd::Grads;
using autograd::Node;

std::pair<Tensor, Tensor> halves(const Tensor& t, std::int64_t d) {
  const std::int64_t h = t.size(d) / 2;
  return {t.narrow(d, 0, h), t.narrow(d, h, h)};
}

// s (1 - s): sigmoid's derivative from its value.
Tensor sigmoid_slope(const Tensor& s) { return s.mul(s.neg().add(1.0)); }

// dx = cat(g s, g a s (1 - s)), s = sigmoid(b)
Tensor glu_backward(const Tensor& g, const Tensor& x, std::int64_t d) {
  auto [a, b] = halves(x, d);
  const Tensor s = sigmoid(b);
  return cat({g.mul(s), g.mul(a).mul(sigmoid_slope(s))}, d);
}

// The gradient as a differentiable op: with gg = (gga, ggb) split as dx is,
//   d/dg = gga s + ggb a s (1 - s)
//   d/dx = cat(ggb g s (1 - s), gga g s (1 - s) + ggb g a s (1 - s)(1 - 2 s))
Tensor glu_backward_op(const Tensor& g, const Tensor& x, std::int64_t d) {
  if (!autograd::needs_grad({g, x})) return glu_backward(g, x, d);
  Tensor dx = autograd::below([&] { return glu_backward(g, x, d); });
  autograd::record(dx, "GluBackwardBackward0", {g, x}, {{g, false}, {x, false}},
                   [d](const Node& n, const Tensor& gg) {
                     const Tensor g = n.unpack(0), x = n.unpack(1);
                     auto [a, b] = halves(x, d);
                     auto [gga, ggb] = halves(gg, d);
                     const Tensor s = sigmoid(b), ds = sigmoid_slope(s);
                     Grads r{Tensor(), Tensor()};
                     if (autograd::wants(n, 0)) r[0] = gga.mul(s).add(ggb.mul(a).mul(ds));
                     if (autograd::wants(n, 1)) {
                       const Tensor t = ggb.mul(g).mul(ds);
                       r[1] = cat({t, gga.mul(g).mul(ds).add(t.mul(a).mul(s.mul(-2.0).add(1.0)))}, d);
                     }
                     return r;
                   });
  return dx;
}
}  // namespace

Tensor glu(const Tensor& x, std::int64_t dim) {
  RAMP_CHECK(x.defined(), "glu(): expected a defined tensor");
  RAMP_CHECK(x.dim() > 0, "glu does not support scalars because halving size must be even");
  const std::int64_t d = wrap_dim(dim, x.dim());
  RAMP_CHECK(x.size(d) % 2 == 0, "Halving dimension must be even, but dimension ", d, " is size ", x.size(d));
  RAMP_CHECK(is_floating(x.dtype()), "\"glu_cpu\" not implemented for '", dtype_error_name(x.dtype()), "'");
  auto forward = [&] {
    auto [a, b] = halves(x, d);
    return a.mul(sigmoid(b));
  };
  if (!autograd::needs_grad({x})) return forward();
  Tensor out = autograd::below(forward);
  autograd::record(out, "GluBackward0", {x}, {{x, false}},
                   [d](const Node& n, const Tensor& g) { return Grads{glu_backward_op(g, n.unpack(0), d)}; });
  return out;
}

}  // namespace ramp
