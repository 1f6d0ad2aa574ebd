// The elementwise losses: mse_loss, l1_loss, binary_cross_entropy(_with_logits). One pass per
// direction over strided operands; mean and sum accumulate in double. mse and bce compute each
// element in 1.13's order and type (equal to 1.13's bit for bit before the reduction);
// bce_with_logits computes in double and rounds once (see include/ramp/nn/loss.h).
#include <cmath>

#include "../autograd/function.h"
#include "../tensor/loop.h"
#include "loss_common.h"
#include "ramp/functional.h"
#include "ramp/nn/loss.h"
#include "ramp/ops.h"

namespace ramp {
namespace {
using loss::Acc;
using loss::Reduction;

// f(v) over the elements of N same-shaped tensors of type T (v[k]: operand k's element as C):
// the per-element results (reduction none), or their mean or sum as a 0-d tensor.
template <class T, class C, std::size_t N, class F>
Tensor elementwise(const std::array<Tensor, N>& in, Reduction red, F f) {
  const Dims sizes(in[0].sizes());
  std::array<char*, N + 1> ptr{};
  std::array<Dims, N + 1> strides{};
  for (std::size_t k = 0; k < N; ++k) {
    ptr[k + 1] = static_cast<char*>(in[k].data_ptr());
    strides[k + 1] = detail::byte_strides(in[k]);
  }
  auto value = [&](auto p, auto s, std::int64_t i) {
    C v[N];
    for (std::size_t k = 0; k < N; ++k) v[k] = C(*reinterpret_cast<const T*>(p[k + 1] + i * s[k + 1]));
    return T(f(v));
  };
  if (red == Reduction::None) {
    Tensor out = empty(sizes, dtype_of<T>);
    ptr[0] = static_cast<char*>(out.data_ptr());
    strides[0] = detail::byte_strides(out);
    detail::for_each_row<N + 1>(sizes, ptr, strides, [&](auto p, auto s, std::int64_t n) {
      for (std::int64_t i = 0; i < n; ++i) *reinterpret_cast<T*>(p[0] + i * s[0]) = value(p, s, i);
    });
    return out;
  }
  double acc = 0;
  strides[0] = strides[1];  // operand 0 of the walk is unused: any valid stride
  ptr[0] = ptr[1];
  detail::for_each_row<N + 1>(sizes, ptr, strides, [&](auto p, auto s, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i) acc += double(value(p, s, i));
  });
  if (red == Reduction::Mean) acc /= double(numel_of(sizes));  // empty: 0 / 0 = NaN, as 1.13
  return full({}, acc, dtype_of<T>);
}

// Calls f(T{}) for float32/float64 (and bfloat16 when kBf16), else 1.13's "not implemented" error.
template <bool kBf16, class F> decltype(auto) dispatch_float(ScalarType t, std::string_view kernel, F f) {
  RAMP_CHECK(t == ScalarType::Float32 || t == ScalarType::Float64 || (kBf16 && t == ScalarType::BFloat16), "\"",
             kernel, "\" not implemented for '", dtype_error_name(t), "'");
  if (t == ScalarType::Float64) return f(double{});
  if constexpr (kBf16) {
    if (t == ScalarType::BFloat16) return f(BFloat16{});
  }
  return f(float{});
}

Tensor expand_to(const Tensor& t, IntArrayRef sizes) {
  return std::equal(t.sizes().begin(), t.sizes().end(), sizes.begin(), sizes.end()) ? t : t.expand(sizes);
}

// A weight broadcast to `sizes` and converted to `dtype`, or a broadcast 1 when undefined.
Tensor weight_or_one(const Tensor& w, IntArrayRef sizes, ScalarType dtype) {
  if (!w.defined()) return full({}, 1, dtype).expand(sizes);
  return autograd::below([&] { return w.to(dtype).expand(sizes); });
}

// The gradient of a reduced loss arrives as a 0-d tensor: broadcast it over the elements.
Tensor grad_over(const Tensor& g, IntArrayRef sizes) { return g.dim() == 0 ? g.expand(sizes) : g; }

// mse's dx = norm (x - t) g, norm = 2 / numel for the mean, else 2. In a create_graph pass that
// needs a graph it records 1.13's MseLossBackwardBackward0 (inputs g, x, t): d/dg = norm (x - t) gg
// (summed for a reduced loss), d/dx = norm g gg, d/dt = -d/dx.
Tensor mse_backward(const Tensor& g, const Tensor& x, const Tensor& t, Reduction red) {
  const double norm = red == Reduction::Mean ? 2. / double(x.numel()) : 2.;
  // norm rounded to the dtype first, as 1.13; vector kernels, in place on x - t.
  auto raw = [&] {
    return dispatch_float<false>(x.dtype(), "mse_backward_cpu", [&](auto v) {
      using T = decltype(v);
      Tensor d = x.sub(t);
      d.mul_(double(T(norm)));
      // a reduced loss's seed gradient is usually one 1: (norm (x - t)) 1 is the same bits
      if (g.numel() == 1 && !g.requires_grad() && g.dtype() == x.dtype() && g.item<T>() == T(1)) return d;
      return d.mul_(g);
    });
  };
  if (!autograd::needs_grad({g, x, t})) return raw();
  Tensor gx = autograd::below(raw);
  autograd::record(gx, "MseLossBackwardBackward0", {g, x, t}, {{g, false}, {x, false}, {t, false}},
                   [norm, red](const autograd::Node& n, const Tensor& gg) {
                     const Tensor g = n.unpack(0), x = n.unpack(1), t = n.unpack(2);
                     Tensor dg, dx, dt;
                     if (n.next[0].fn) {
                       dg = gg.mul(x.sub(t)).mul(norm);
                       if (g.dim() == 0 && red != Reduction::None) dg = dg.sum();
                     }
                     if (n.next[1].fn || n.next[2].fn) dx = gg.mul(grad_over(g, x.sizes())).mul(norm);
                     if (n.next[2].fn) dt = dx.neg();
                     return std::vector<Tensor>{dg, n.next[1].fn ? dx : Tensor(), dt};
                   });
  return gx;
}

// binary_cross_entropy in a create_graph pass (1.13's formulas and node names). dx, computed as
// in a first-order pass, records BinaryCrossEntropyBackwardBackward0 (inputs g, x, t) with 1.13's
// binary_cross_entropy_double_backward(_grad_output / _target), eps = 1e-12, / numel for the mean:
//   d g = (x - t) / ((x + eps)(1 - x + eps)) w gg       (summed for a reduced loss)
//   d x = (x² - 2 x t + t) / ((x + eps)² (1 - x + eps)²) g w gg
//   d t = -g w gg / max((1 - x) x, eps)
// Its formula reads x as a constant in the eps terms: a third derivative through it refuses.
void bce_record_grad2(Tensor& gx, const Tensor& g, const Tensor& x, const Tensor& t, const Tensor& w,
                      Reduction red) {
  if (!autograd::needs_grad({g, x, t})) return;
  autograd::record(gx, "BinaryCrossEntropyBackwardBackward0", {g, x, t},
                   {{g, false}, {x, false}, {t, false}, {w, false}},
                   [red](const autograd::Node& n, const Tensor& gg) {
                     const Tensor g = n.unpack(0), x = n.unpack(1), t = n.unpack(2), w = n.unpack(3);
                     const double eps = 1e-12, count = red == Reduction::Mean ? double(x.numel()) : 1.0;
                     const Tensor wgg = gg.mul(w).div(count);
                     Tensor dg, dx, dt;
                     if (n.next[0].fn) {
                       dg = x.sub(t).div(x.add(eps).mul(x.neg().add(1.0 + eps))).mul(wgg);
                       if (g.dim() == 0 && red != Reduction::None) dg = dg.sum();
                     }
                     if (n.next[1].fn) {
                       const Tensor den = x.add(eps).mul(x.neg().add(1.0 + eps));
                       dx = x.mul(x).sub(x.mul(t).mul(2.0)).add(t).div(den.mul(den)).mul(wgg.mul(g));
                     }
                     if (n.next[2].fn)
                       dt = wgg.mul(g).neg().div(clamp(x.neg().add(1.0).mul(x), 1e-12, std::nullopt));
                     return std::vector<Tensor>{dg, dx, dt};
                   });
}

// binary_cross_entropy's dt as differentiable ops, 1.13's binary_cross_entropy_target_backward:
// (log(1 - x) - log(x)) g, then * w, then / numel.
Tensor bce_target_grad(const Tensor& g, const Tensor& x, const Tensor& w, Reduction red, bool has_weight) {
  Tensor dt = log1p(x.neg()).sub(log(x)).mul(g);
  if (has_weight) dt = dt.mul(w);
  return red == Reduction::Mean ? loss::div_scalar(dt, double(x.numel())) : dt;  // DivBackward1
}

// binary_cross_entropy_with_logits's gradients as differentiable ops (a create_graph pass), 1.13's
// binary_cross_entropy_with_logits_backward and _target_backward, in its order (its node names):
//   dx = ((pw t + 1 - t) sigmoid(x) - pw t) g w / numel   (no pos_weight: (sigmoid(x) - t) g ...)
//   dt = (log_sigmoid(-x) - pw log_sigmoid(x)) g w / numel  (no pos_weight: -x g ...)
// with log_sigmoid(v) = -softplus(-v).
std::vector<Tensor> bce_logits_grads(const autograd::Node& n, const Tensor& g, const Tensor& x,
                                     const Tensor& t, const Tensor& w, const Tensor& pw, Reduction red) {
  auto finish = [&](Tensor d) {
    d = d.mul(g);
    if (w.defined()) d = d.mul(w);
    return red == Reduction::Mean ? loss::div_scalar(d, double(x.numel())) : d;  // DivBackward1
  };
  Tensor dx, dt;
  if (n.next[0].fn) {
    if (pw.defined()) {
      const Tensor pt = pw.mul(t);
      dx = finish(pt.add(1.0).sub(t).mul(sigmoid(x)).sub(pt));
    } else {
      dx = finish(sigmoid(x).sub(t));
    }
  }
  if (n.next[1].fn) {
    if (pw.defined())
      dt = finish(softplus(x).neg().sub(softplus(x.neg()).neg().mul(pw)));
    else
      dt = finish(x.neg());
  }
  return {dx, dt};
}

}  // namespace

Tensor mse_loss(const Tensor& input, const Tensor& target, const LossOptions& o) {
  const Reduction red = loss::reduction_enum(o.reduction);
  // 1.13's F.mse_loss: broadcast both (ExpandBackward0 where a shape changes); dtypes promote.
  const Dims shape = broadcast_shapes(input.sizes(), target.sizes());
  const ScalarType dt = result_type(input, target);
  const Tensor x = expand_to(input, shape).to(dt), t = expand_to(target, shape).to(dt);
  dispatch_float<false>(dt, "mse_cpu", [](auto) {});
  // 1.13's mse kernel, diff * diff per element in the dtype, then loss.mean() / loss.sum(): composed
  // of the vector kernels (sub, mul, the reduction), 5x faster at [4096, 10] than one strided scalar
  // pass with a serial double accumulator.
  auto forward = [&] {
    Tensor sq = x.sub(t);
    sq.mul_(sq);
    if (red == Reduction::Mean) return sq.mean();
    return red == Reduction::Sum ? sq.sum() : sq;
  };
  if (!autograd::needs_grad({x, t})) return forward();
  Tensor out = autograd::below(forward);
  autograd::record(out, "MseLossBackward0", {x, t}, {{x, false}, {t, false}},
                   [red](const autograd::Node& n, const Tensor& g) {
                     const Tensor x = n.unpack(0), t = n.unpack(1);
                     const Tensor gx = mse_backward(g, x, t, red);  // dt = -dx
                     return std::vector<Tensor>{n.next[0].fn ? gx : Tensor(), n.next[1].fn ? gx.neg() : Tensor()};
                   });
  return out;
}

Tensor l1_loss(const Tensor& input, const Tensor& target, const LossOptions& o) {
  const Reduction red = loss::reduction_enum(o.reduction);
  // 1.13 composes it: abs(input - target), then mean or sum, after broadcasting as mse_loss.
  const Dims shape = broadcast_shapes(input.sizes(), target.sizes());
  const Tensor d = abs(expand_to(input, shape).sub(expand_to(target, shape)));
  if (red == Reduction::Mean) return d.mean();
  return red == Reduction::Sum ? d.sum() : d;
}

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const BCEOptions& o) {
  const Reduction red = loss::reduction_enum(o.reduction);
  RAMP_CHECK_T(ValueError,
               std::equal(input.sizes().begin(), input.sizes().end(), target.sizes().begin(), target.sizes().end()),
               "Using a target size (", shape_str(target.sizes()), ") that is different to the input size (",
               shape_str(input.sizes()), ") is deprecated. Please ensure they have the same size.");
  RAMP_CHECK(target.dtype() == input.dtype(), "Found dtype ", dtype_error_name(target.dtype()), " but expected ",
             dtype_error_name(input.dtype()));
  if (autograd::is_grad_enabled()) loss::check_no_requires_grad(o.weight, "weight", "binary_cross_entropy");
  if (o.weight.defined()) broadcast_shapes(target.sizes(), o.weight.sizes());  // 1.13's _infer_size error
  const Tensor w = weight_or_one(o.weight, input.sizes(), input.dtype());
  dispatch_float<false>(input.dtype(), "binary_cross_entropy", [&](auto v) {
    using T = decltype(v);
    bool ok = true;  // checked before computing: nothing may throw inside the element loop
    detail::map1<T, T>(input, input, [&](const T&, T a) { ok &= a >= 0 && a <= 1; });
    RAMP_CHECK(ok, "all elements of input should be between 0 and 1");
  });
  auto forward = [&] {
    return dispatch_float<false>(input.dtype(), "binary_cross_entropy", [&](auto v) {
      using T = decltype(v);
      return elementwise<T, T, 3>({input, target, w}, red, [](const T* e) {
        // (t - 1) * max(log(1 - x), -100) - t * max(log(x), -100), then * w: 1.13's order
        const T loss = (e[1] - T(1)) * std::max(T(std::log(T(1) - e[0])), T(-100)) -
                       e[1] * std::max(T(std::log(e[0])), T(-100));
        return loss * e[2];
      });
    });
  };
  if (!autograd::needs_grad({input, target})) return forward();
  Tensor out = autograd::below(forward);
  autograd::record(out, "BinaryCrossEntropyBackward0", {input, target},
                   {{input, false}, {target, false}, {w, false}},
                   [red, has_weight = o.weight.defined()](const autograd::Node& n, const Tensor& g) {
                     const Tensor x = n.unpack(0), t = n.unpack(1), w = n.unpack(2), gg = grad_over(g, x.sizes());
                     const double count = red == Reduction::Mean ? double(x.numel()) : 1.0;
                     Tensor gx, gt;
                     dispatch_float<false>(x.dtype(), "binary_cross_entropy_backward", [&](auto v) {
                       using T = decltype(v);
                       const T div = T(count);
                       // dx = g (x - t) / max((1 - x) x, 1e-12), then * w, then / numel (mean)
                       if (n.next[0].fn)
                         gx = elementwise<T, T, 4>({gg, x, t, w}, Reduction::None, [div](const T* e) {
                           const T r = e[0] * (e[1] - e[2]) / std::max((T(1) - e[1]) * e[1], T(1e-12));
                           return r * e[3] / div;
                         });
                       // dt = -logit(x) g, then * w, then / numel
                       if (n.next[1].fn && !autograd::is_grad_enabled())
                         gt = elementwise<T, T, 4>({gg, x, t, w}, Reduction::None, [div](const T* e) {
                           return -T(std::log(e[1] / (T(1) - e[1]))) * e[0] * e[3] / div;
                         });
                     });
                     if (autograd::is_grad_enabled()) {  // a create_graph pass
                       if (gx.defined()) bce_record_grad2(gx, g, x, t, w, red);
                       if (n.next[1].fn) gt = bce_target_grad(g, x, w, red, has_weight);
                     }
                     return std::vector<Tensor>{gx, gt};
                   });
  return out;
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const BCEWithLogitsOptions& o) {
  const Reduction red = loss::reduction_enum(o.reduction);
  RAMP_CHECK_T(ValueError,
               std::equal(input.sizes().begin(), input.sizes().end(), target.sizes().begin(), target.sizes().end()),
               "Target size (", shape_str(target.sizes()), ") must be the same as input size (",
               shape_str(input.sizes()), ")");
  if (autograd::is_grad_enabled()) {
    loss::check_no_requires_grad(o.weight, "weight", "binary_cross_entropy_with_logits");
    loss::check_no_requires_grad(o.pos_weight, "pos_weight", "binary_cross_entropy_with_logits");
  }
  ScalarType dt = result_type(input, target);
  if (o.weight.defined()) dt = promote_types(dt, o.weight.dtype());
  if (o.pos_weight.defined()) dt = promote_types(dt, o.pos_weight.dtype());
  const Tensor x = input.to(dt), t = target.to(dt);
  if (o.pos_weight.defined()) broadcast_shapes(o.pos_weight.sizes(), t.sizes());
  if (o.weight.defined()) broadcast_shapes(input.sizes(), o.weight.sizes());
  const Tensor w = weight_or_one(o.weight, x.sizes(), dt), pw = weight_or_one(o.pos_weight, x.sizes(), dt);
  auto forward = [&] {
    return dispatch_float<true>(dt, "binary_cross_entropy_with_logits", [&](auto v) {
      using T = decltype(v);
      return elementwise<T, double, 4>({x, t, w, pw}, red, [](const double* e) {
        // ((1 - t) x + (1 + (pw - 1) t) softplus(-x)) w
        const double x = e[0], t = e[1], softplus = std::max(-x, 0.0) + std::log1p(std::exp(-std::fabs(x)));
        return ((1 - t) * x + (1 + (e[3] - 1) * t) * softplus) * e[2];
      });
    });
  };
  if (!autograd::needs_grad({x, t})) return forward();
  Tensor out = autograd::below(forward);
  autograd::record(out, "BinaryCrossEntropyWithLogitsBackward0", {x, t},
                   {{x, false}, {t, false}, {w, false}, {pw, false}},
                   [red, has_w = o.weight.defined(), has_pw = o.pos_weight.defined()](const autograd::Node& n,
                                                                                      const Tensor& g) {
                     const Tensor x = n.unpack(0), t = n.unpack(1), w = n.unpack(2), pw = n.unpack(3);
                     if (autograd::is_grad_enabled())  // a create_graph pass
                       return bce_logits_grads(n, g, x, t, has_w ? w : Tensor(), has_pw ? pw : Tensor(), red);
                     const Tensor gg = grad_over(g, x.sizes());
                     const double scale = red == Reduction::Mean ? 1.0 / double(x.numel()) : 1.0;
                     Tensor gx, gt;
                     dispatch_float<true>(x.dtype(), "binary_cross_entropy_with_logits_backward", [&](auto v) {
                       using T = decltype(v);
                       // dx = ((pw t + 1 - t) sigmoid(x) - pw t) g w
                       if (n.next[0].fn)
                         gx = elementwise<T, double, 5>({gg, x, t, w, pw}, Reduction::None, [scale](const double* e) {
                           const double pt = e[4] * e[2], sigmoid = 1 / (1 + std::exp(-e[1]));
                           return ((pt + 1 - e[2]) * sigmoid - pt) * e[0] * e[3] * scale;
                         });
                       // dt = (-x + (pw - 1) softplus(-x)) g w
                       if (n.next[1].fn)
                         gt = elementwise<T, double, 5>({gg, x, t, w, pw}, Reduction::None, [scale](const double* e) {
                           const double x = e[1], softplus = std::max(-x, 0.0) + std::log1p(std::exp(-std::fabs(x)));
                           return (-x + (e[4] - 1) * softplus) * e[0] * e[3] * scale;
                         });
                     });
                     return std::vector<Tensor>{gx, gt};
                   });
  return out;
}

}  // namespace ramp
