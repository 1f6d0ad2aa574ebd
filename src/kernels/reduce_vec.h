// Explicit Highway loops for the reductions a training step runs on float32 (sum, mean, amax/amin,
// logsumexp), included by reduce_kernels.cpp inside its per-instruction-set namespace. The plain
// loops there were left at 256-bit vectors by GCC's tuning, and max/min ran at 0.2x of 1.13; these
// use the target's full vectors and several accumulators in flight.
//
// Sums keep accumulating in double: each float32 vector is widened on load (vcvtps2pd from memory),
// which is cheap enough that the sums run at cache bandwidth, so float32 sums stay within an ulp of
// the exact sum (1.13's cascade sum in float is not). Float blocks folded into double were measured
// too: ~10% faster on 1M elements, but their float rounding (~u sqrt(n) sigma) is 1-4 ulps of a
// randn sum. So was an error-free float scheme (AVX2 Zen 3, 1M randn, medians of 201 calls in one
// program): Fast2Sum into an accumulator offset by sigma = 1.5 * 2^k >= 8 * (block max) (hi parts
// exact, remainders summed in float, both widened per block; a max, 2 adds and 2 subs a vector)
// took 115-143 us against 82 for widening every element: the widening is still the cheaper exact sum.
#pragma once

namespace hn = hwy::HWY_NAMESPACE;

#include "exp_f32.h"

// float32 summed into double lanes; a step reads Lanes(d) floats.
struct VSum {
  using D = hn::ScalableTag<double>;
  using V = hn::Vec<D>;
  using Acc = double;
  D d;
  hn::Rebind<float, D> df;
  std::int64_t lanes() const { return std::int64_t(hn::Lanes(d)); }
  V init() const { return hn::Zero(d); }
  V step(V a, const float* p) const { return hn::Add(a, hn::PromoteTo(d, hn::LoadU(df, p))); }
  V join(V a, V b) const { return hn::Add(a, b); }
  V load(const Acc* p) const { return hn::LoadU(d, p); }
  void store(V v, Acc* p) const { hn::StoreU(v, d, p); }
  // The first k < lanes() floats at p, the rest the identity (masked: nothing past p + k is read).
  V partial(const float* p, std::int64_t k) const { return hn::PromoteTo(d, hn::MaskedLoad(hn::FirstN(df, std::size_t(k)), df, p)); }
  Acc fold(V v) const { return hn::GetLane(hn::SumOfLanes(d, v)); }
};

// The first k < Lanes(d) floats at p, the other lanes `fill` (masked: nothing past p + k is read).
template <class D> hn::Vec<D> load_first(D d, const float* p, std::int64_t k, hn::Vec<D> fill) {
  const auto m = hn::FirstN(d, std::size_t(k));
  return hn::IfThenElse(m, hn::MaskedLoad(m, d, p), fill);
}

// float32 max (min), NaN winning. The running extreme is a plain vector max (1 instruction, which
// x86 makes keep a NaN accumulator but drop a NaN x), and a second vector keeps any NaN seen; the
// NaN-aware select per element (compare, classify, or, blend) made each row's chain twice as long.
template <bool kMax> struct VExtreme {
  using D = hn::ScalableTag<float>;
  using Acc = float;
  struct V {
    hn::Vec<D> m, nan;  // nan: a NaN lane once any NaN was seen there
  };
  D d;
  std::int64_t lanes() const { return std::int64_t(hn::Lanes(d)); }
  hn::Vec<D> ident() const {
    return hn::Set(d, kMax ? -std::numeric_limits<float>::infinity() : std::numeric_limits<float>::infinity());
  }
  V of(hn::Vec<D> x) const { return {x, x}; }
  V init() const { return of(ident()); }
  V join(V a, V b) const {
    return {kMax ? hn::Max(b.m, a.m) : hn::Min(b.m, a.m), hn::IfThenElse(hn::IsNaN(b.nan), b.nan, a.nan)};
  }
  V step(V a, const float* p) const { return join(a, of(hn::LoadU(d, p))); }
  V partial(const float* p, std::int64_t k) const { return of(load_first(d, p, k, ident())); }
  V load(const Acc* p) const { return of(hn::LoadU(d, p)); }
  void store(V v, Acc* p) const { hn::StoreU(hn::IfThenElse(hn::IsNaN(v.nan), v.nan, v.m), d, p); }
  Acc fold(V v) const {
    const auto nan = hn::IsNaN(v.nan);
    if (HWY_UNLIKELY(!hn::AllFalse(d, nan))) {
      HWY_ALIGN Acc lane[hn::MaxLanes(D())];
      hn::Store(v.nan, d, lane);
      return lane[hn::FindFirstTrue(d, nan)];
    }
    return hn::GetLane(kMax ? hn::MaxOfLanes(d, v.m) : hn::MinOfLanes(d, v.m));
  }
};

// a[0..3] = op(a[0..3], x[0, n)): four vectors in flight, then single vectors, then one partial
// vector. The accumulators stay open, so rows read as one (a split reduction's slabs) fold once.
template <class VOp, class V> HWY_INLINE void vec_row_into(const VOp& o, const float* x, std::int64_t n, V* a) {
  const std::int64_t N = o.lanes();
  auto a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
  std::int64_t i = 0;
  for (; i + 4 * N <= n; i += 4 * N) {
    a0 = o.step(a0, x + i);
    a1 = o.step(a1, x + i + N);
    a2 = o.step(a2, x + i + 2 * N);
    a3 = o.step(a3, x + i + 3 * N);
  }
  for (; i + N <= n; i += N) a0 = o.step(a0, x + i);
  if (i < n) a1 = o.join(a1, o.partial(x + i, n - i));
  a[0] = a0, a[1] = a1, a[2] = a2, a[3] = a3;
}
template <class VOp, class V> HWY_INLINE typename VOp::Acc vec_fold(const VOp& o, const V* a) {
  return o.fold(o.join(o.join(a[0], a[1]), o.join(a[2], a[3])));
}

// op over x[0, n).
template <class VOp> HWY_INLINE typename VOp::Acc vec_row(const VOp& o, const float* x, std::int64_t n) {
  decltype(o.init()) a[4] = {o.init(), o.init(), o.init(), o.init()};
  vec_row_into(o, x, n, a);
  return vec_fold(o, a);
}

// acc[b - b0] = op(acc[b - b0], x[r, b]) for rows [r0, r1) of the [*, B] matrix x, columns [b0, b1).
// Rows are taken in tiles of kTile: within a tile, each block of 4 vectors of columns walks the
// tile's rows in registers (the tile stays in L1 between blocks, and memory is read row by row).
template <class VOp> void vec_columns(const VOp& o, const float* x, std::int64_t B, std::int64_t r0, std::int64_t r1,
                                      std::int64_t b0, std::int64_t b1, typename VOp::Acc* acc) {
  constexpr std::int64_t kTile = 16;  // measured on [4096, 256]: 16 rows 68 us, all rows 95 us
  const std::int64_t N = o.lanes();
  for (std::int64_t t = r0; t < r1; t += kTile) {
    const std::int64_t t1 = std::min(r1, t + kTile);
    std::int64_t b = b0;
    for (; b + 4 * N <= b1; b += 4 * N) {
      auto* p = acc + (b - b0);
      auto a0 = o.load(p), a1 = o.load(p + N), a2 = o.load(p + 2 * N), a3 = o.load(p + 3 * N);
      for (std::int64_t r = t; r < t1; ++r) {
        const float* row = x + r * B + b;
        a0 = o.step(a0, row);
        a1 = o.step(a1, row + N);
        a2 = o.step(a2, row + 2 * N);
        a3 = o.step(a3, row + 3 * N);
      }
      o.store(a0, p), o.store(a1, p + N), o.store(a2, p + 2 * N), o.store(a3, p + 3 * N);
    }
    for (; b + N <= b1; b += N) {
      auto a = o.load(acc + (b - b0));
      for (std::int64_t r = t; r < t1; ++r) a = o.step(a, x + r * B + b);
      o.store(a, acc + (b - b0));
    }
    if (b < b1) {  // the last columns: partial vectors, through a buffer for the accumulators
      HWY_ALIGN typename VOp::Acc buf[hn::MaxLanes(typename VOp::D())] = {};
      for (std::int64_t j = 0; j < b1 - b; ++j) buf[j] = acc[b - b0 + j];
      auto a = o.load(buf);
      for (std::int64_t r = t; r < t1; ++r) a = o.join(a, o.partial(x + r * B + b, b1 - b));
      o.store(a, buf);
      for (std::int64_t j = 0; j < b1 - b; ++j) acc[b - b0 + j] = buf[j];
    }
  }
}

// log of float64 vectors: SLEEF's 1-ulp log (as accurate as std::log for what a float32 result keeps).
template <class D> hn::Vec<D> vec_log(D d, hn::Vec<D> v) {
#if HWY_TARGET == HWY_AVX3
  (void)d;
  return hn::Vec<D>{Sleef_logd8_u10(v.raw)};
#elif HWY_TARGET == HWY_AVX2
  (void)d;
  return hn::Vec<D>{Sleef_logd4_u10(v.raw)};
#else
  HWY_ALIGN double lane[hn::MaxLanes(D())];
  hn::Store(v, d, lane);
  for (std::size_t j = 0; j < hn::Lanes(d); ++j) lane[j] = std::log(lane[j]);
  return hn::Load(d, lane);
#endif
}

// log(sum of exp(x - m)) + m over each output (1.13's formula, m the max set to 0 when infinite),
// max and sum in one kernel per output, the sum of exps in double. float32 [A, R, B]. The exps are
// exp_f32.h's exp_nonpositive (x - m <= 0; 1 ulp, as SLEEF's, at a third of its cost: SLEEF's
// call was half the time of rows of 1000); an output whose max is +inf is +inf (1.13: log(inf) + 0)
// and is written as such, since x - 0 is then not <= 0. A NaN max makes m and the output NaN.
inline void logsumexp_f32(const void* xv, void* outv, void*, std::int64_t A, std::int64_t R, std::int64_t B,
                          const ReduceArgs&) {
  using I64 = std::int64_t;
  const float* x = static_cast<const float*>(xv);
  float* out = static_cast<float*>(outv);
  const hn::ScalableTag<float> d;
  const VSum vs{};
  using DV = hn::Vec<VSum::D>;
  const I64 N = I64(hn::Lanes(d)), H = vs.lanes();
  const VExtreme<true> vmax{};
  constexpr float kInf = std::numeric_limits<float>::infinity();
  auto shift = [](float m) { return std::isinf(m) ? 0.0f : m; };
  auto finish = [](double s, float raw_max, float m) { return raw_max == kInf ? kInf : float(std::log(s) + double(m)); };
  // exp(v - m) widened in registers into two double vectors: lanes [0, H) to s0, [H, 2H) to s1
  // (HWY_SCALAR, the baseline build: H = N = 1, all to s0). Not a loop over halves: its j / H
  // compiled to an idiv per half, which took half the time of logsumexp over rows of 1000.
  auto add_exp = [&](DV& s0, DV& s1, hn::Vec<decltype(d)> v, hn::Vec<decltype(d)> m) {
    const auto e = exp_nonpositive(d, hn::Sub(v, m));
#if HWY_TARGET == HWY_SCALAR
    (void)s1;
    s0 = hn::Add(s0, hn::PromoteTo(vs.d, e));
#else
    static_assert(hn::MaxLanes(decltype(d)()) == 2 * hn::MaxLanes(VSum::D()));
    const hn::Half<decltype(d)> dh;
    s0 = hn::Add(s0, hn::PromoteTo(vs.d, hn::LowerHalf(dh, e)));
    s1 = hn::Add(s1, hn::PromoteTo(vs.d, hn::UpperHalf(dh, e)));
#endif
  };
  constexpr I64 kExpGrain = 4096;  // elements per thread: exp costs ~8 loads
  // Short rows (a classifier's [batch, 10] logits; up to kShort, which covers 10 on 8-lane AVX2 as
  // well as on 16-lane AVX-512): N rows at a time, lane j walking row a + j by gathers, so the max,
  // the exps and the double sums run on full vectors and one vector log serves N rows (a row per
  // vector ran at less than half this speed).
  constexpr I64 kShort = 16;
  const hn::RebindToSigned<decltype(d)> di;
  const auto row_starts = hn::Mul(hn::Iota(di, 0), hn::Set(di, std::int32_t(std::min<I64>(R, kShort))));  // used when R <= kShort
  auto short_rows = [&](I64 a) {  // rows [a, a + N), R <= kShort
    const float* xa = x + a * R;
    HWY_ALIGN float col[kShort * hn::MaxLanes(decltype(d)())];
    HWY_ALIGN float mb[hn::MaxLanes(decltype(d)())];
    HWY_ALIGN double sb[hn::MaxLanes(decltype(d)())];
    auto mx = vmax.init();
    for (I64 r = 0; r < R; ++r) {
      const auto c = hn::GatherIndex(d, xa + r, row_starts);
      hn::Store(c, d, col + r * N);
      mx = vmax.join(mx, vmax.of(c));
    }
    vmax.store(mx, mb);  // NaN if the row has one (the result is NaN then either way)
    const auto raw = hn::Load(d, mb);
    const auto mv = hn::IfThenZeroElse(hn::IsInf(raw), raw);
    hn::Store(mv, d, mb);
    DV s0 = vs.init(), s1 = s0;  // lanes j, j + H: rows a + j, a + j + H
    for (I64 r = 0; r < R; ++r) add_exp(s0, s1, hn::Load(d, col + r * N), mv);
    vs.store(s0, sb);
    vs.store(s1, sb + H);
    for (I64 j = 0; j < N; j += H) {
      const auto lse = hn::Add(vec_log(vs.d, vs.load(sb + j)), hn::PromoteTo(vs.d, hn::LoadU(vs.df, mb + j)));
      hn::StoreU(hn::DemoteTo(vs.df, lse), vs.df, out + a + j);
    }
    const auto pos_inf = hn::Eq(raw, hn::Set(d, kInf));
    if (HWY_UNLIKELY(!hn::AllFalse(d, pos_inf))) hn::StoreU(hn::IfThenElse(pos_inf, raw, hn::LoadU(d, out + a)), d, out + a);
  };
  if (B == 1) {
    detail::parallel_for(A, std::max<I64>(1, kExpGrain / std::max<I64>(R, 1)), N, [&](I64 a0, I64 a1) {
      if (R <= kShort && N == 2 * H)
        for (; a0 + N <= a1; a0 += N) short_rows(a0);
      for (I64 a = a0; a < a1; ++a) {
        const float* row = x + a * R;
        const float raw = vec_row(vmax, row, R), m = shift(raw);
        if (raw == kInf) {
          out[a] = kInf;
          continue;
        }
        const auto mv = hn::Set(d, m);
        DV s0 = vs.init(), s1 = s0, s2 = s0, s3 = s0;
        I64 i = 0;
        for (; i + 2 * N <= R; i += 2 * N) {
          add_exp(s0, s1, hn::LoadU(d, row + i), mv);
          add_exp(s2, s3, hn::LoadU(d, row + i + N), mv);
        }
        if (i + N <= R) add_exp(s0, s1, hn::LoadU(d, row + i), mv), i += N;
        if (i < R) add_exp(s2, s3, load_first(d, row + i, R - i, vmax.ident()), mv);  // -inf pads: exp adds 0
        const double s = vs.fold(hn::Add(hn::Add(s0, s1), hn::Add(s2, s3)));
        out[a] = finish(s, raw, m);
      }
    });
    return;
  }
  // Columns: the max of each column (the vector column loop), then the sums walking the rows.
  detail::parallel_for(A, std::max<I64>(1, kExpGrain / std::max<I64>(R * B, 1)), 1, [&](I64 a0, I64 a1) {
    const std::unique_ptr<float[]> raw(new float[std::size_t(B)]), m(new float[std::size_t(B)]);
    const std::unique_ptr<double[]> s(new double[std::size_t(B)]);
    for (I64 a = a0; a < a1; ++a) {
      const float* xa = x + a * R * B;
      for (I64 b = 0; b < B; ++b) m[std::size_t(b)] = -std::numeric_limits<float>::infinity(), s[std::size_t(b)] = 0;
      vec_columns(vmax, xa, B, 0, R, 0, B, m.get());
      for (I64 b = 0; b < B; ++b) raw[std::size_t(b)] = m[std::size_t(b)], m[std::size_t(b)] = shift(m[std::size_t(b)]);
      I64 b = 0;
      for (; b + N <= B && N == 2 * H; b += N) {  // lanes j, j + H of the exps: columns b + j, b + j + H
        const auto mv = hn::LoadU(d, m.get() + b);
        DV s0 = vs.init(), s1 = s0;
        for (I64 r = 0; r < R; ++r) add_exp(s0, s1, hn::LoadU(d, xa + r * B + b), mv);
        vs.store(s0, s.get() + b);
        vs.store(s1, s.get() + b + H);
      }
      for (; b < B; ++b)
        for (I64 r = 0; r < R; ++r) s[std::size_t(b)] += double(Sleef_expf_u10(xa[r * B + b] - m[std::size_t(b)]));
      for (b = 0; b < B; ++b) out[a * B + b] = finish(s[std::size_t(b)], raw[std::size_t(b)], m[std::size_t(b)]);
    }
  });
}

// argmax/argmin of float32 x[0, n) (n < 2^31): each lane keeps its first extreme (or first NaN)
// and its index; then the first NaN, else the smallest index holding the extreme. Returns the
// index; the value is x[index].
template <bool kMax> HWY_NOINLINE std::int64_t vec_arg_long(const float* x, std::int64_t n) {
  const VExtreme<kMax> o{};
  const hn::RebindToSigned<decltype(o.d)> di;
  const std::int64_t N = o.lanes();
  const auto iota = hn::Iota(di, 0);
  auto best = load_first(o.d, x, std::min(n, N), o.ident());
  auto at = iota;
  auto take = [&](hn::Vec<decltype(o.d)> v, std::int64_t i) {
    const auto t = hn::Or(kMax ? hn::Gt(v, best) : hn::Lt(v, best), hn::AndNot(hn::IsNaN(best), hn::IsNaN(v)));
    best = hn::IfThenElse(t, v, best);
    at = hn::IfThenElse(hn::RebindMask(di, t), hn::Add(iota, hn::Set(di, std::int32_t(i))), at);
  };
  std::int64_t i = N;
  for (; i + N <= n; i += N) take(hn::LoadU(o.d, x + i), i);
  if (i < n) take(load_first(o.d, x + i, n - i, o.ident()), i);
  auto pick = hn::IsNaN(best);
  if (hn::AllFalse(o.d, pick)) pick = hn::Eq(best, kMax ? hn::MaxOfLanes(o.d, best) : hn::MinOfLanes(o.d, best));
  const auto big = hn::Set(di, std::numeric_limits<std::int32_t>::max());
  return hn::GetLane(hn::MinOfLanes(di, hn::IfThenElse(hn::RebindMask(di, pick), at, big)));
}
// A row that fits one vector (a classifier's [batch, 10] logits) is lane-ordered, so the answer is
// the first lane holding a NaN, else the extreme: no index vector and no second reduction, inlined
// into the caller's row loop (the general loop per row of 10 ran at half this speed).
template <bool kMax> HWY_INLINE std::int64_t vec_arg_row(const float* x, std::int64_t n) {
  const VExtreme<kMax> o{};
  if (n > o.lanes()) return vec_arg_long<kMax>(x, n);
  const auto v = load_first(o.d, x, n, o.ident());
  auto pick = hn::IsNaN(v);
  if (HWY_LIKELY(hn::AllFalse(o.d, pick))) pick = hn::Eq(v, kMax ? hn::MaxOfLanes(o.d, v) : hn::MinOfLanes(o.d, v));
  return std::int64_t(hn::FindFirstTrue(o.d, pick));
}
// Rows [a0, a1) of the float32 [*, n] matrix x: the extreme's value into val[a] and its index into
// idx[a] (either may be null). One loop with the row inlined: through the generic per-row call, the
// rows of 10 spent more time in calls and spills than in the vector work.
template <bool kMax> void vec_arg_rows(const float* x, std::int64_t n, std::int64_t a0, std::int64_t a1, float* val,
                                       std::int64_t* idx) {
  for (std::int64_t a = a0; a < a1; ++a) {
    const float* row = x + a * n;
    const std::int64_t i = vec_arg_row<kMax>(row, n);
    if (val) val[a] = row[i];
    if (idx) idx[a] = i;
  }
}
