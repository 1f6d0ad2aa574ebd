// batch_norm's and layer_norm's second derivatives (1.13's batchnorm_double_backward and
// layer_norm_double_backward, derived here from the first-order formulas).
//
// Per group of M values, with xh = (x - mean) invstd, mean_g(t) the group mean, h = w dy (the
// weight broadcast) and P(t) = t - mean_g(t) - xh mean_g(t xh) (training; eval: P(t) = t):
//   dx = invstd P(w dy),   dw = Σ dy xh,   db = Σ dy   (dw, db summed over what w is shared by).
// P is symmetric, so for incoming gg (for dx), ggw, ggb (broadcast):
//   d dy = w invstd P(gg) + ggw xh + ggb;    d w = Σ dy invstd P(gg)
//   d x  = invstd P(ggw dy)                  (dw through xh; eval: invstd ggw dy)
//        - invstd² / M (xh (a - b c / M - 3 u v / M) + v (gg - b / M) + u (h - c / M))   (training)
// with a = Σ gg h, b = Σ gg, c = Σ h, u = Σ gg xh, v = Σ h xh over the group: the derivative of
// <gg, dx> = invstd (a - b c / M - u v / M) through mean and invstd. Made of differentiable ops,
// but mean and invstd enter as constants: a third derivative through these nodes is refused (they
// are not in double_backward.cpp's list), as 1.13's save_mean / save_invstd have none.
#include "norm_grad2.h"

#include "../autograd/function.h"
#include "ramp/ops.h"
#include "record.h"

namespace ramp::detail {
namespace {

using autograd::Node;
using autograd::wants;

struct Ops {
  const NormGrad2& k;
  ScalarType dt;
  Tensor xh, invstd;  // over view

  Ops(const NormGrad2& k_, const Tensor& x) : k(k_), dt(x.dtype()) {
    invstd = from_vector(k.invstd, k.stat_shape, dt);
    xh = x.reshape(k.view).sub(from_vector(k.mean, k.stat_shape, dt)).mul(invstd);
  }
  double M() const { return double(xh.numel()) / double(invstd.numel()); }
  Tensor sumg(const Tensor& t) const { return t.sum(k.group_dims, true); }
  Tensor project(const Tensor& t) const {
    if (!k.training) return t;
    return t.sub(sumg(t).div(M())).sub(xh.mul(sumg(t.mul(xh)).div(M())));
  }
  Tensor weight(const Tensor& w) const { return w.defined() ? w.reshape(k.weight_view).to(dt) : Tensor(); }
  Tensor times_w(const Tensor& t, const Tensor& wv) const { return wv.defined() ? t.mul(wv) : t; }
  Tensor as_view(const Tensor& t) const { return t.reshape(k.view); }
  Tensor back(const Tensor& t) const { return t.reshape(k.sizes); }
  Tensor to_weight(const Tensor& t) const {
    return t.sum(k.weight_dims).reshape(k.weight_sizes).to(k.weight_dtype);
  }
  Tensor spread(const Tensor& per_weight) const { return per_weight.reshape(k.weight_view).to(dt); }
};

// gradients of <gg, dx> for (dy, x, w)
std::vector<Tensor> of_dx(const NormGrad2& k, const Node& n, const Tensor& gg_in) {
  const Ops o(k, n.unpack(1));
  const Tensor dy = o.as_view(n.unpack(0)), wv = o.weight(n.unpack(2)), gg = o.as_view(gg_in);
  Tensor ddy, dx, dw;
  const Tensor pgg = wants(n, 0) || wants(n, 2) ? o.project(gg).mul(o.invstd) : Tensor();
  if (wants(n, 0)) ddy = o.back(o.times_w(pgg, wv));
  if (wants(n, 2)) dw = o.to_weight(pgg.mul(dy));
  if (wants(n, 1) && k.training) {
    const double M = o.M();
    const Tensor h = o.times_w(dy, wv);
    const Tensor a = o.sumg(gg.mul(h)), b = o.sumg(gg), c = o.sumg(h), u = o.sumg(gg.mul(o.xh)),
                 v = o.sumg(h.mul(o.xh));
    const Tensor inner = o.xh.mul(a.sub(b.mul(c).div(M)).sub(u.mul(v).mul(3.0 / M)))
                             .add(v.mul(gg.sub(b.div(M))))
                             .add(u.mul(h.sub(c.div(M))));
    dx = o.back(inner.mul(o.invstd.mul(o.invstd).div(-M)));
  }
  return {ddy, dx, dw};
}

// gradients of <ggw, dw> for (dy, x)
std::vector<Tensor> of_dw(const NormGrad2& k, const Node& n, const Tensor& ggw) {
  const Ops o(k, n.unpack(1));
  const Tensor dy = o.as_view(n.unpack(0)), G = o.spread(ggw);
  Tensor ddy, dx;
  if (wants(n, 0)) ddy = o.back(G.mul(o.xh));
  if (wants(n, 1)) dx = o.back(o.project(G.mul(dy)).mul(o.invstd));
  return {ddy, dx};
}

}  // namespace

void record_norm_grad2(Tensor& dx, Tensor& dw, Tensor& db, const Tensor& dy, const Tensor& x, const Tensor& w,
                       std::shared_ptr<const NormGrad2> k) {
  if (dx.defined() && autograd::needs_grad({dy, x, w})) {
    auto node = autograd::record(dx, k->name, {dy, x, w}, {},
                                 [k](const Node& n, const Tensor& gg) { return of_dx(*k, n, gg); });
    autograd::save_if(*node, {{true, dy}, {true, x}, {w.defined(), w}});
  }
  if (dw.defined() && autograd::needs_grad({dy, x})) {
    auto node = autograd::record(dw, k->name, {dy, x}, {},
                                 [k](const Node& n, const Tensor& gg) { return of_dw(*k, n, gg); });
    autograd::save_if(*node, {{true, dy}, {true, x}});
  }
  if (db.defined() && autograd::needs_grad({dy})) {
    const ScalarType dt = dy.dtype();
    autograd::record(db, k->name, {dy}, {}, [k, dt](const Node&, const Tensor& gg) {
      const Tensor g = gg.reshape(k->weight_view).to(dt).expand(k->view);
      return std::vector<Tensor>{g.reshape(k->sizes)};
    });
  }
}

}  // namespace ramp::detail
