// The activations' gradients as differentiable ops (internal to activation.cpp): what a
// create_graph pass runs. First-order passes (grad mode off) take the raw kernel only.
//
// dx = backward(v, dy) records the entry's grad_fn2 node with inputs (dy, v):
//   d/d(dy) = backward(v, gg)            (dx is linear in dy; this op again, so any order works)
//   d/dv    = gg * backward2(v, dy)      (dual numbers through the entry's formula, or its own)
// The second term is a raw loop: a third derivative through a curved entry refuses.
#pragma once

#include "../autograd/function.h"
#include "../ops/record.h"
#include "../tensor/parallel.h"
#include "activation_backward.h"
#include "activation_dual.h"

namespace ramp::detail {

// d(dx)/dv elementwise (in double, returned in v's dtype).
template <class A> Tensor activation_backward2(const Tensor& v, const Tensor& dy, const typename A::Params& p,
                                               bool is_result) {
  const Tensor vd = v.to(ScalarType::Float64).contiguous();
  const Tensor gd = dy.to(ScalarType::Float64).expand(v.sizes()).contiguous();
  Tensor out = empty(v.sizes(), ScalarType::Float64);
  const double* pv = vd.data<double>();
  const double* pg = gd.data<double>();
  double* po = out.data<double>();
  parallel_for(v.numel(), 16384, 1, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t i = b; i < e; ++i) po[i] = act::backward2<A>(pv[i], pg[i], p, is_result);
  });
  return out.to(v.dtype());
}

// dx = A's backward(v, dy), recording its node when grad mode is on and dy or v requires grad.
template <class A> Tensor activation_backward_op(const Tensor& v, const Tensor& dy, const typename A::Params& p,
                                                 bool is_result) {
  auto raw = [&] { return activation_backward(act::index_of<A>(), A::name, v, dy, &p, is_result); };
  if (!autograd::needs_grad({dy, v})) return raw();
  Tensor dx = autograd::below(raw);
  if constexpr (A::grad_fn2 == "torch::autograd::NotImplemented") {
    autograd::record(dx, A::grad_fn2, {dy, v}, {}, [](const autograd::Node&, const Tensor&) -> autograd::Grads {
      throw Error(cat("derivative for aten::", A::name, "_backward is not implemented"));
    });
  } else {
    autograd::record(dx, A::grad_fn2, {dy, v}, {{dy, false}, {v, false}},
                     [p, is_result](const autograd::Node& n, const Tensor& gg) -> autograd::Grads {
                       const Tensor g = n.unpack(0), x = n.unpack(1);
                       autograd::Grads r{Tensor(), Tensor()};
                       if (autograd::wants(n, 0)) r[0] = activation_backward_op<A>(x, gg, p, is_result);
                       if constexpr (A::piecewise_linear) {
                         // 1.13's formula for v is zeros_like(grad): a defined zero, so v's inputs
                         // count as used (autograd.grad gives zeros, not the "not used" error)
                         if (autograd::wants(n, 1)) r[1] = zeros_like(x);
                       } else {
                         if (autograd::wants(n, 1)) {
                           // backward2 is a raw loop: differentiating it again would need a third derivative.
                           if (autograd::is_grad_enabled() && (autograd::requires_grad(x) || autograd::requires_grad(g)))
                             autograd::refuse_double_backward(cat(A::grad_fn2, " (", A::name, "'s second derivative)"));
                           r[1] = gg.mul(activation_backward2<A>(x, g, p, is_result));
                         }
                       }
                       return r;
                     });
  }
  return dx;
}

// softmax's gradient y (g - sum(g y)) (log_softmax's g - exp(y) sum(g)) along dim, recording
// 1.13's _softmax_backward_data node when grad mode is on and g or y requires grad.
inline Tensor softmax_backward_op(const Tensor& y, const Tensor& g, std::int64_t dim, bool log) {
  if (!autograd::needs_grad({g, y})) return softmax_backward(y, g, dim, log);
  Tensor dx = autograd::below([&] { return softmax_backward(y, g, dim, log); });
  autograd::record(dx, log ? "LogSoftmaxBackwardDataBackward0" : "SoftmaxBackwardDataBackward0", {g, y},
                   {{g, false}, {y, false}}, [dim, log](const autograd::Node& n, const Tensor& gg) -> autograd::Grads {
                     const Tensor g = n.unpack(0), y = n.unpack(1);
                     const std::vector<std::int64_t> d{dim};
                     Tensor dg, dy;
                     if (log) {
                       // dx = g - e^y S, S = sum(g): d/dg = gg - sum(gg e^y), d/dy = -gg e^y S
                       const Tensor e = exp(y);
                       if (autograd::wants(n, 0)) dg = gg.sub(gg.mul(e).sum(d, true));
                       if (autograd::wants(n, 1)) dy = gg.mul(e).mul(g.sum(d, true)).neg();
                     } else {
                       // dx = y (g - s), s = sum(g y): d/dg = y (gg - sum(gg y)) (the same op),
                       // d/dy = gg (g - s) - g sum(gg y)
                       if (autograd::wants(n, 0)) dg = softmax_backward_op(y, gg, dim, false);
                       if (autograd::wants(n, 1))
                         dy = gg.mul(g.sub(g.mul(y).sum(d, true))).sub(g.mul(gg.mul(y).sum(d, true)));
                     }
                     return autograd::Grads{dg, dy};
                   });
  return dx;
}

}  // namespace ramp::detail
