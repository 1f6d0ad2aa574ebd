// gelu's accurate vector maths (both forms, forward and derivative), float and double lanes.
// Included inside namespace ramp::kernels::RAMP_ISA after <hwy/highway.h>, with `hn` naming
// Highway's namespace, so each instruction set gets its own copy.
//
// Why not 0.5 x (1 + erf(x / sqrt 2)): 1 + erf cancels for x < 0 (22,000 float ulp at -4.2) and the
// rounded x / sqrt 2 alone costs x^2 / 2 ulp in the tail. Instead, with a = |x|:
//   Phi(-a) = exp(-a^2 / 2) G(a),   G(a) = 0.5 erfcx(a / sqrt 2)   (smooth, 0.5 at 0, ~1 / (a sqrt(2 pi)))
// exp's argument is exact (a^2 = h + l by FMA, -h/2 and -l/2 exact), G is a piecewise polynomial
// in a (gelu_tables.h, intervals picked from the bits of a + 1), and the result is
//   x < 0: x Phi(-a),  x >= 0: x (1 - Phi(-a))                     (no cancellation either side)
//   gelu'(x) = Phi(x) + x phi(x) = x < 0 ? E (G - a / sqrt(2 pi)) : 1 - E (G - a / sqrt(2 pi))
// exp is kept scaled by 2^kS until the last multiplication, so outputs that are subnormal round
// once. The tanh form x sigmoid(2u), 2u = x (c1 + c2 x^2), takes 2u as a float-float pair (its
// rounding would cost |2u| ulp far left) and sigmoid as e / (1 + e) or 1 / (1 + e), e = exp(-|2u|).
#pragma once

#include "gelu_tables.h"

template <class D> struct GeluMath {
  using T = hn::TFromD<D>;
  using V = hn::Vec<D>;
  using DI = hn::RebindToSigned<D>;
  using TI = hn::TFromD<DI>;
  static constexpr bool kF = sizeof(T) == 4;
  static constexpr int kMant = kF ? 23 : 52, kBias = kF ? 127 : 1023;
  // exp results carry 2^kS; kMaxArg bounds -exp's argument (beyond it the results round to 0,
  // derivatives included), kMaxA the same for a = |x| in the erf form (and G's last interval).
  static constexpr int kS = kF ? 48 : 100;
  static constexpr T kMaxArg = kF ? 115 : 760, kMaxA = kF ? 14.9 : 38.8;
  D d;

  V set(double c) const { return hn::Set(d, T(c)); }
  // 2^-kS as a number (exact scaling unless the result is subnormal: then the only rounding).
  V unscale(V v) const { return hn::Mul(v, set(kF ? 0x1p-48 : 0x1p-100)); }

  // 2^kS exp(arg + lo) for -kMaxArg <= arg <= ~0, |lo| << 1 (0 beyond -kMaxArg; NaN stays NaN).
  V exp_scaled(V arg, V lo) const {
    const V n = hn::Round(hn::Mul(arg, set(1.4426950408889634)));
    V r = hn::NegMulAdd(n, set(kF ? 0.693359375 : 0.6931471803691238), arg);  // Cody-Waite: exact
    r = hn::NegMulAdd(n, set(kF ? -2.12194440e-4 : 1.9082149292705877e-10), r);
    r = hn::Add(r, lo);
    // exp(r) = 1 + (r + r^2 p(r)), Taylor to r^7 (float) or r^13 (double): |r| <= 0.35 truncates
    // at 0.1 ulp.
    constexpr int kDeg = kF ? 7 : 13;
    constexpr double kInvFact[14] = {1, 1, 1. / 2, 1. / 6, 1. / 24, 1. / 120, 1. / 720, 1. / 5040, 1. / 40320,
                                     1. / 362880, 1. / 3628800, 1. / 39916800, 1. / 479001600, 1. / 6227020800};
    V p = set(kInvFact[kDeg]);
    for (int k = kDeg - 1; k >= 2; --k) p = hn::MulAdd(p, r, set(kInvFact[k]));
    const V e = hn::Add(set(1), hn::MulAdd(hn::Mul(r, r), p, r));
    const DI di;
    const auto ni = hn::ConvertTo(di, n);
    const V scale = hn::BitCast(d, hn::ShiftLeft<kMant>(hn::Add(ni, hn::Set(di, TI(kBias + kS)))));
    return hn::IfThenZeroElse(hn::Lt(arg, set(-kMaxArg)), hn::Mul(e, scale));
  }

  // Row k of a table, picked per lane by idx: a register permute where a vector holds the row.
  V lookup(const T* row, hn::Vec<DI> idx) const {
    if constexpr (kF && hn::MaxLanes(D()) >= 8 && hn::MaxLanes(D()) <= 16)
      return hn::TableLookupLanes(hn::LoadU(d, row), hn::IndicesFromVec(d, idx));
    else
      return hn::GatherIndex(d, row, idx);
  }

  // G(a) for 0 <= a <= kMaxA (or NaN).
  V tail_g(V a) const {
    const DI di;
    constexpr int kN = kF ? ramp::kernels::gelu_tables::kFIntervals : ramp::kernels::gelu_tables::kDIntervals;
    constexpr int kDeg = kF ? ramp::kernels::gelu_tables::kFDegree : ramp::kernels::gelu_tables::kDDegree;
    const auto& c = [] {
      if constexpr (kF) return (ramp::kernels::gelu_tables::kFCoef);
      else return (ramp::kernels::gelu_tables::kDCoef);
    }();
    // The exponent and the top mantissa bit of a + 1: 2e + m. NaN gives a large index: clamped.
    auto idx = hn::Sub(hn::ShiftRight<kMant - 1>(hn::BitCast(di, hn::Add(a, set(1)))), hn::Set(di, TI(2 * kBias)));
    idx = hn::IfThenElse(hn::Gt(idx, hn::Set(di, TI(kN - 1))), hn::Set(di, TI(kN - 1)), idx);
    const V s = hn::Sub(a, lookup(c[kDeg + 2], idx));
    V q = lookup(c[kDeg + 1], idx);
    for (int k = kDeg; k >= 2; --k) q = hn::MulAdd(q, s, lookup(c[k], idx));
    return hn::Add(lookup(c[0], idx), hn::MulAdd(s, q, lookup(c[1], idx)));
  }

  struct Tail {
    V a, e, g;  // a = |x|, e = 2^kS exp(-a^2 / 2), g = G(a)
  };
  Tail tail(V x) const {
    const V a = hn::Abs(x);
    const V ac = hn::IfThenElse(hn::Gt(a, set(kMaxA)), set(kMaxA), a);  // NaN passes
    const V h = hn::Mul(ac, ac), l = hn::MulSub(ac, ac, h);
    V e = exp_scaled(hn::Mul(h, set(-0.5)), hn::Mul(l, set(-0.5)));
    e = hn::IfThenZeroElse(hn::Gt(a, set(kMaxA)), e);
    return {a, e, tail_g(ac)};
  }

  // x Phi(x)
  V gelu_erf(V x) const {
    const Tail t = tail(x);
    const V q = hn::Mul(t.e, t.g);
    const V neg = unscale(hn::Mul(x, q));                 // -inf: -inf * 0 = NaN, as 1.13
    const V pos = hn::Mul(x, hn::Sub(set(1), unscale(q)));  // +inf: inf
    return hn::IfThenElse(hn::Lt(x, hn::Zero(d)), neg, pos);
  }
  // Phi(x) + x phi(x); NaN at +-inf (0 * inf), as 1.13
  V gelu_erf_grad(V x) const {
    const Tail t = tail(x);
    const V dd = hn::NegMulAdd(t.a, set(0.3989422804014327), t.g);  // G - a / sqrt(2 pi)
    const V ed = unscale(hn::Mul(t.e, dd));
    return hn::IfThenElse(hn::Lt(x, hn::Zero(d)), ed, hn::Sub(set(1), ed));
  }

  // 2u = x (c1 + c2 x^2) as vh + vl, c1 = 2 sqrt(2 / pi), c2 = 0.044715 c1 (each a pair).
  struct TanhArg {
    V x2, vh, vl;
  };
  TanhArg tanh_arg(V x) const {
    // (T)c and c - (T)c of c1 and c2, from mpmath at 40 digits.
    const V c1h = set(kF ? 1.5957691669464111 : 1.5957691216057308);
    const V c1l = set(kF ? -4.534068054340423e-08 : -9.96930880911092e-17);
    const V c2h = set(kF ? 0.07135481387376785 : 0.07135481627260025);
    const V c2l = set(kF ? 2.3988324659995897e-09 : -6.175149918155315e-19);
    const V x2h = hn::Mul(x, x), x2l = hn::MulSub(x, x, x2h);
    const V ph = hn::Mul(c2h, x2h);
    const V pl = hn::Add(hn::MulSub(c2h, x2h, ph), hn::MulAdd(c2l, x2h, hn::Mul(c2h, x2l)));
    const V wh = hn::Add(c1h, ph);  // two-sum
    const V bb = hn::Sub(wh, c1h);
    const V err = hn::Add(hn::Sub(c1h, hn::Sub(wh, bb)), hn::Sub(ph, bb));
    const V wl = hn::Add(hn::Add(err, pl), c1l);
    const V vh = hn::Mul(x, wh);
    const V vl = hn::MulAdd(x, wl, hn::MulSub(x, wh, vh));
    return {x2h, vh, vl};
  }
  struct Sig {
    V es, den;  // 2^kS e, e = exp(-|2u|), and 1 + e
  };
  Sig sig(const TanhArg& u) const {
    const auto neg = hn::Lt(u.vh, hn::Zero(d));
    const V arg = hn::IfThenElse(neg, u.vh, hn::Neg(u.vh)), lo = hn::IfThenElse(neg, u.vl, hn::Neg(u.vl));
    const V es = exp_scaled(arg, hn::IfThenZeroElse(hn::Lt(arg, set(-kMaxArg)), lo));
    return {es, hn::Add(set(1), unscale(es))};
  }
  // x sigmoid(2u): x < 0 (2u < 0): x e / (1 + e); else x / (1 + e)
  V gelu_tanh(V x) const {
    const Sig s = sig(tanh_arg(x));
    const V neg = unscale(hn::Div(hn::Mul(x, s.es), s.den));
    return hn::IfThenElse(hn::Lt(x, hn::Zero(d)), neg, hn::Div(x, s.den));
  }
  // sigmoid(2u) (1 + x (2u)' (1 - sigmoid(2u))), (2u)' = c1 + 3 c2 x^2
  V gelu_tanh_grad(V x) const {
    const TanhArg u = tanh_arg(x);
    const Sig s = sig(u);
    const auto neg = hn::Lt(x, hn::Zero(d));
    const V inv = hn::Div(set(1), s.den);
    const V e_inv = hn::Mul(s.es, inv);  // 2^kS e / (1 + e)
    const V sg = hn::IfThenElse(neg, e_inv, hn::Mul(inv, set(kF ? 0x1p48 : 0x1p100)));  // scaled s
    const V om = hn::IfThenElse(neg, inv, unscale(e_inv));                               // 1 - s
    const V dv = hn::MulAdd(set(0.21406444881780073), u.x2, set(1.5957691216057308));
    const V b = hn::MulAdd(hn::Mul(x, dv), om, set(1));
    return unscale(hn::Mul(sg, b));
  }
};
