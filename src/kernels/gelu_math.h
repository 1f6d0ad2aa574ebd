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
// once. That is "the tables"; float lanes with |x| <= 13 on FMA targets take a cheaper core with
// a rational G and no scaling (GeluMath::core below), the tables only for the lanes past it.
// The tanh form x sigmoid(2u), 2u = x (c1 + c2 x^2), takes 2u as a float-float pair (its
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

  // a b = p + e exactly (|a b| well inside the range): by FMA where the target fuses (Highway's
  // MulAdd is a multiply and an add on SSE4 and below), else Dekker's split.
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2
  static constexpr bool kFma = true;
#else
  static constexpr bool kFma = false;
#endif
  struct Pair {
    V p, e;
  };
  V split_hi(V a) const {
    const V c = hn::Mul(a, set(kF ? 4097.0 : 134217729.0));  // 2^12 + 1, 2^27 + 1
    return hn::Sub(c, hn::Sub(c, a));
  }
  Pair two_prod(V a, V b) const {
    const V p = hn::Mul(a, b);
    if constexpr (kFma) {
      return {p, hn::MulSub(a, b, p)};
    } else {
      const V ah = split_hi(a), al = hn::Sub(a, ah), bh = split_hi(b), bl = hn::Sub(b, bh);
      const V e = hn::Add(hn::Add(hn::Add(hn::Sub(hn::Mul(ah, bh), p), hn::Mul(ah, bl)), hn::Mul(al, bh)), hn::Mul(al, bl));
      return {p, e};
    }
  }
  // 2^-kS as a number (exact scaling unless the result is subnormal: then the only rounding).
  V unscale(V v) const { return hn::Mul(v, set(kF ? 0x1p-48 : 0x1p-100)); }

  // 2^kS exp(arg + lo) for -kMaxArg <= arg <= ~0, |lo| << 1 (0 beyond -kMaxArg; NaN stays NaN).
  V exp_scaled(V arg, V lo) const {
    // n = round(arg / ln 2) by the magic-number trick: t's low mantissa bits hold n + kBias + kS,
    // which the exponent field then takes (n + kBias + kS is in [9, 175] / [26, 1123]).
    const V magic = set((kF ? 0x1.8p23 : 0x1.8p52) + kBias + kS);
    const V t = hn::MulAdd(arg, set(1.4426950408889634), magic);
    const V n = hn::Sub(t, magic);
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
    const V scale = hn::BitCast(d, hn::ShiftLeft<kMant>(hn::BitCast(DI(), t)));
    return hn::IfThenZeroElse(hn::Lt(arg, set(-kMaxArg)), hn::Mul(e, scale));
  }

  // Row k of a table, picked per lane by idx: vpermps where a vector holds the row (8 or 16 float
  // lanes), else a gather. (Two in-block byte shuffles and a blend instead measured 15% slower on
  // Zen 3.)
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
    const auto [h, l] = two_prod(ac, ac);
    V e = exp_scaled(hn::Mul(h, set(-0.5)), hn::Mul(l, set(-0.5)));
    e = hn::IfThenZeroElse(hn::Gt(a, set(kMaxA)), e);
    return {a, e, tail_g(ac)};
  }

  // x Phi(x) by the tables (every lane, every target)
  V gelu_erf_tables(V x) const {
    const Tail t = tail(x);
    const V q = hn::Mul(t.e, t.g);
    const V neg = unscale(hn::Mul(x, q));                 // -inf: -inf * 0 = NaN, as 1.13
    const V pos = hn::Mul(x, hn::Sub(set(1), unscale(q)));  // +inf: inf
    return hn::IfThenElse(hn::Lt(x, hn::Zero(d)), neg, pos);
  }

  // float's fast core (FMA targets, |x| <= 13), no table and no 2^kS scaling: with s = sqrt(2 pi),
  //   Phi(-a) = (exp(-a^2 / 2) / s) H(a),   H = s exp(a^2 / 2) Phi(-a) = R / D,  D = a R + P
  // (the Mills ratio; R, P from tools/fit_gelu_rational.py: R's rounding cancels between R and D
  // but for P's share of D, and a R + P is one FMA). 1 / s rides in exp's argument:
  // exp(-a^2/2) / s = 2^(n-1) (1 + u), 1 + u = exp(r), r = -a^2/2 - C - n ln 2, C = ln(s / 2),
  // a^2 = h + l exactly, n picked from h + 2C (its rounding only moves n), h + 2 n ln2_hi exact.
  // exp(-a^2/2) stays normal up to a = 13.2, so 2^(n-1) is a shifted exponent field, as in
  // VecMath::exp_short. Lanes outside (|x| > 13, inf, NaN) come from the tables, selected, so a
  // lane's bits never depend on its neighbours. Measured <= 3.2 ulp (docs/benchmarks.md).
  static constexpr bool kCore = kF && kFma;
  struct Core {
    V a, u, r, den;  // Phi(-a) = (1 + u) 2^(n-1) r / den
    hn::Vec<DI> e;   // (n - 1) << 23: added to a float's bits, scales it by 2^(n-1) (normal results)
    V scaled(V v) const { return hn::BitCast(D(), hn::Add(hn::BitCast(DI(), v), e)); }
  };
  Core core(V x) const {
    namespace gt = ramp::kernels::gelu_tables;
    const V a = hn::Abs(x);
    const V h = hn::Mul(a, a), l = hn::MulSub(a, a, h);
    // t's low bits hold n - 1 (mod 2^9): shifted into the exponent field and added to R's bits,
    // they scale R by 2^(n-1) exactly (an integer add, off the multipliers).
    const V magic = set(0x1.8p23 - 1);
    const V t = hn::MulAdd(hn::Add(h, set(2 * gt::kFCoreC)), set(-0.5 * 1.4426950408889634), magic);
    const V n = hn::Sub(t, magic);
    const V r2h = hn::MulAdd(n, set(2 * 0.693359375), h);  // exact: -2 (r's leading part)
    const V clo = hn::NegMulAdd(n, set(-2.12194440e-4), set(-gt::kFCoreC));
    const V r = hn::MulAdd(r2h, set(-0.5), hn::MulAdd(l, set(-0.5), clo));  // one rounding of note
    // exp(r) = 1 + r + r^2 q(r), q the degree-4 minimax of exp on |r| <= ln2/2 (the table-free fit
    // VecMath::exp_short used before it took tables; here r spans that whole range), by Estrin's
    // scheme (a shorter chain).
    const V r2 = hn::Mul(r, r);
    const V q01 = hn::MulAdd(set(0.1666651964187622), r, set(0.4999999403953552));
    const V q23 = hn::MulAdd(set(0.008368914015591145), r, set(0.04166840761899948));
    const V q = hn::MulAdd(hn::MulAdd(set(0.0013814190169796348), r2, q23), r2, q01);
    const V u = hn::MulAdd(r2, q, r);
    V rr = set(gt::kFCoreR[5]), pp = set(gt::kFCoreP[4]);
    for (int k = 4; k >= 0; --k) rr = hn::MulAdd(rr, a, set(gt::kFCoreR[k]));
    for (int k = 3; k >= 0; --k) pp = hn::MulAdd(pp, a, set(gt::kFCoreP[k]));
    return {a, u, rr, hn::MulAdd(a, rr, pp), hn::ShiftLeft<kMant>(hn::BitCast(DI(), t))};
  }
  auto core_in(V x) const { return hn::Le(hn::Abs(x), set(ramp::kernels::gelu_tables::kFCoreA)); }

  // x Phi(x)
  V gelu_erf(V x) const {
    if constexpr (kCore) {
      // x Phi(-a) = ED (x / D) and x (1 - Phi(-a)) = x - ED (x / D), ED = (1 + u) 2^(n-1) R by one
      // FMA; x / D runs beside exp (it needs only a), shortening the chain. -0.0 takes the first.
      const Core c = core(x);
      const V sr = c.scaled(c.r);
      const V ed = hn::MulAdd(c.u, sr, sr), xd = hn::Div(x, c.den);
      const V fast = hn::IfNegativeThenElse(x, hn::Mul(ed, xd), hn::NegMulAdd(ed, xd, x));
      const auto in = core_in(x);
      if (HWY_LIKELY(hn::AllTrue(d, in))) return fast;
      return hn::IfThenElse(in, fast, gelu_erf_tables(x));
    } else {
      return gelu_erf_tables(x);
    }
  }
  // The derivatives cancel near their zero x0 ~ -0.7518; on [-1.5, -0.375] they are computed as
  // s R(s), s = (x - x0hi) - x0lo (the first difference exact), R a polynomial (gelu_tables.h).
  template <std::size_t N> V near_zero(V x, V y, const T (&tab)[N]) const {
    const V s = hn::Sub(hn::Sub(x, set(tab[0])), set(tab[1]));
    V r = set(tab[N - 1]);
    for (std::size_t k = N - 2; k >= 2; --k) r = hn::MulAdd(r, s, set(tab[k]));
    const auto in = hn::And(hn::Ge(x, set(-1.5)), hn::Le(x, set(-0.375)));
    return hn::IfThenElse(in, hn::Mul(s, r), y);
  }
  static constexpr const auto& kRootErf = []() -> const auto& {
    if constexpr (kF) return ramp::kernels::gelu_tables::kFRootErf;
    else return ramp::kernels::gelu_tables::kDRootErf;
  }();
  static constexpr const auto& kRootTanh = []() -> const auto& {
    if constexpr (kF) return ramp::kernels::gelu_tables::kFRootTanh;
    else return ramp::kernels::gelu_tables::kDRootTanh;
  }();

  // Phi(x) + x phi(x) = x < 0 ? E (G - a / s) : 1 - E (G - a / s); NaN at +-inf (0 * inf), as 1.13
  V gelu_erf_grad(V x) const {
    V g;
    if constexpr (kCore) {
      // E (G - a / s) = (E / s) (H - a) = 2^(n-1) (1 + u) (R - a D) / D. The exponent-field add
      // scales exactly while R - a D is a normal number: it changes sign near a = |x0| = 0.7518,
      // but no float a rounds it to 0 (every float x in +-[0.70, 0.80] checked: gradients within
      // 2.1 ulp, all finite), and for x < 0 near_zero replaces those lanes anyway.
      const Core c = core(x);
      const V st = c.scaled(hn::NegMulAdd(c.a, c.den, c.r));
      const V ed = hn::Div(hn::MulAdd(c.u, st, st), c.den);
      g = hn::IfNegativeThenElse(x, ed, hn::Sub(set(1), ed));  // -0.0: 0.5 either way
      const auto in = core_in(x);
      if (HWY_UNLIKELY(!hn::AllTrue(d, in))) g = hn::IfThenElse(in, g, grad_tables(x));
    } else {
      g = grad_tables(x);
    }
    return near_zero(x, g, kRootErf);
  }
  V grad_tables(V x) const {
    const Tail t = tail(x);
    const V dd = hn::NegMulAdd(t.a, set(0.3989422804014327), t.g);  // G - a / sqrt(2 pi)
    const V ed = unscale(hn::Mul(t.e, dd));
    return hn::IfThenElse(hn::Lt(x, hn::Zero(d)), ed, hn::Sub(set(1), ed));
  }

  // 2u = x (c1 + c2 x^2) as vh + vl, c1 = 2 sqrt(2 / pi), c2 = 0.044715 c1 (each a pair).
  struct TanhArg {
    V x2, x2l, vh, vl;  // x^2 = x2 + x2l exactly
  };
  TanhArg tanh_arg(V x) const {
    // (T)c and c - (T)c of c1 and c2, from mpmath at 40 digits.
    const V c1h = set(kF ? 1.5957691669464111 : 1.5957691216057308);
    const V c1l = set(kF ? -4.534068054340423e-08 : -9.96930880911092e-17);
    const V c2h = set(kF ? 0.07135481387376785 : 0.07135481627260025);
    const V c2l = set(kF ? 2.3988324659995897e-09 : -6.175149918155315e-19);
    const auto [x2h, x2l] = two_prod(x, x);
    const auto [ph, pe] = two_prod(c2h, x2h);
    const V pl = hn::Add(pe, hn::MulAdd(c2l, x2h, hn::Mul(c2h, x2l)));
    const V wh = hn::Add(c1h, ph);  // two-sum
    const V bb = hn::Sub(wh, c1h);
    const V err = hn::Add(hn::Sub(c1h, hn::Sub(wh, bb)), hn::Sub(ph, bb));
    const V wl = hn::Add(hn::Add(err, pl), c1l);
    const auto [vh, ve] = two_prod(x, wh);
    const V vl = hn::MulAdd(x, wl, ve);
    return {x2h, x2l, vh, vl};
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
  // sigmoid(2u) (1 + x (2u)' (1 - sigmoid(2u))), (2u)' = c1 + 3 c2 x^2, with e = exp(-|2u|) and
  // 1 + e = dh + dl exactly:  x < 0: e (1 + e + x (2u)') / (1 + e)^2,  x >= 0: (1 + e + x (2u)' e) / (1 + e)^2
  // (one division, 1 + e counted once; only x < 0 can cancel, near the zero, see near_zero).
  V gelu_tanh_grad(V x0) const {
    // Past |x| = 1e4 the result is 1 or 0 (e = 0): computed at +-1e4 so x^2 and x (2u)' stay
    // finite; +-inf give NaN (0 * inf), as 1.13.
    const V big = set(1e4);
    const V x = hn::IfThenElse(hn::Gt(x0, big), big, hn::IfThenElse(hn::Lt(x0, hn::Neg(big)), hn::Neg(big), x0));
    const TanhArg u = tanh_arg(x);
    const Sig s = sig(u);
    // (2u)' = c1 + 3 c2 x^2 with the low parts of c1, 3 c2 and x^2 (2 ulp less in the tail).
    const V c3h = set(kF ? 0.21406444907188416 : 0.21406444881780073);
    const V c3l = set(kF ? -2.540834209696641e-10 : 1.2025242832367862e-17);
    const V lo = hn::MulAdd(c3h, u.x2l, hn::MulAdd(c3l, u.x2, set(kF ? -4.534068054340423e-08 : -9.96930880911092e-17)));
    const V dv = hn::Add(hn::MulAdd(c3h, u.x2, set(kF ? 1.5957691669464111 : 1.5957691216057308)), lo);
    const V e = unscale(s.es), dh = s.den;
    const V dl = hn::Add(hn::Sub(set(1), dh), e);
    const V dd = hn::MulAdd(dh, dh, hn::Mul(hn::Add(dh, dh), dl));
    const V neg = unscale(hn::Div(hn::Mul(s.es, hn::Add(hn::MulAdd(x, dv, dh), dl)), dd));
    const V pos = hn::Div(hn::Add(hn::MulAdd(hn::Mul(x, dv), e, dh), dl), dd);
    const V g = hn::IfThenElse(hn::Lt(x, hn::Zero(d)), neg, pos);
    return near_zero(x, hn::IfThenElse(hn::IsInf(x0), set(std::numeric_limits<double>::quiet_NaN()), g), kRootTanh);
  }
};
