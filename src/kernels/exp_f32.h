// The fast float32 exponentials, one place for the kernels that share them: the activations'
// formulas (VecMath), softmax / log_softmax and logsumexp. Included inside namespace
// ramp::kernels::RAMP_ISA (hn = hwy::HWY_NAMESPACE, Highway's math-inl.h included before), so each
// instruction set gets its own copy.
#pragma once

namespace exp_f32 {
#if HWY_TARGET == HWY_AVX3
// AVX-512: exp(x) = 2^n * p(r), n = round(x / ln 2), r = x - n ln 2 (Cody-Waite, two parts), p the
// degree-7 Taylor polynomial (|r| <= ln2/2: truncation 5e-9 relative). Clamping x to [-104, 89]
// with NaN passing (minps/maxps return their second operand for a NaN), then vscalefps, yields inf,
// 0 and subnormals with no fix-ups: ~15 instructions against ~30 for Highway's Exp plus a fix-up.
struct Reduced {
  __m512 n, r;
};
inline Reduced reduce(__m512 x) {
  __m512 c = _mm512_max_ps(_mm512_set1_ps(-104.0f), _mm512_min_ps(_mm512_set1_ps(89.0f), x));
  __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(c, _mm512_set1_ps(1.44269504088896341f)),
                                  _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), c);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  return {n, r};
}
// expm1(r) - r - r^2/2 ... as r + r^2 (1/2 + r (1/6 + ...)): q = expm1(r), accurate near 0.
inline __m512 expm1_poly(__m512 r) {
  __m512 p = _mm512_set1_ps(1.0f / 5040);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 720));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
  return _mm512_fmadd_ps(_mm512_mul_ps(p, r), r, r);
}
inline __m512 exp(__m512 x) {
  auto [n, r] = reduce(x);
  return _mm512_scalef_ps(_mm512_add_ps(expm1_poly(r), _mm512_set1_ps(1.0f)), n);
}
// expm1(x) = 2^n q + (2^n - 1): exact q where n = 0, so no cancellation near 0.
inline __m512 expm1(__m512 x) {
  auto [n, r] = reduce(x);
  __m512 two_n = _mm512_scalef_ps(_mm512_set1_ps(1.0f), n);
  return _mm512_add_ps(_mm512_scalef_ps(expm1_poly(r), n), _mm512_sub_ps(two_n, _mm512_set1_ps(1.0f)));
}
#elif HWY_TARGET == HWY_AVX2
// AVX2: exp(x) = 2^k 2^(j/4) (1 + u). n = 4k + j = round(4x / ln2) by the magic-number trick (t's
// low mantissa bits hold n, so t's bits << 21 are k << 23 + j << 21: the scale's exponent, plus
// j << 21 that the table's entries, 2^(j/4) as bits less j << 21, take back off). The tables are
// in-lane vpermilps of t's bits (they read the low 2): the 8-entry vpermps of a 2^(j/8) table costs
// ~1.3 cycles here, and its 0.54 x 2^-24 rounding made silu's worst case 2.47 ulp (2.29 before);
// c_j puts 2^(j/4)'s rounding back into u. r = x - n ln2/4 in two parts, the first, RN(ln2/4),
// exact in the FMA; u = r + c_j + r^2 q(r), q of degree 2 on |r| <= ln2/8 (tools/fit_exp_poly.py:
// 5e-9 relative; worst 0.91 ulp over [-80, 80]). r^2 q takes the first part of r only (rh): the
// second, |n| 4.8e-10 <= 2.2e-7, changes it by < 2e-8 relative, and leaving it out of their inputs
// keeps 4 cycles off the dependency chain, which is what limits a loop of these (the out-of-order
// window, not the FMA ports: one more FMA on the chain measured 0.3 ns of ~2.3 per vector).
// Valid while 2^k is a normal number: |x| <= kShortBound.
constexpr float kShortBound = 80;
inline __m256 exp_short(__m256 x) {
  const __m256 magic = _mm256_set1_ps(0x1.8p23f);
  const __m256 t = _mm256_fmadd_ps(x, _mm256_set1_ps(0x1.715476p+2f), magic);
  const __m256 n = _mm256_sub_ps(t, magic);
  const __m256 rh = _mm256_fnmadd_ps(n, _mm256_set1_ps(0x1.62e430p-3f), x);
  const __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-0x1.05c610p-31f), rh);
  __m256 q = _mm256_fmadd_ps(_mm256_set1_ps(0.04164174944162369f), rh, _mm256_set1_ps(0.16672106087207794f));
  q = _mm256_fmadd_ps(q, rh, _mm256_set1_ps(0.5000001788139343f));
  const __m256i ti = _mm256_castps_si256(t);
  const __m256 c = _mm256_setr_ps(0.0f, 3.1934181521364735e-08f, 1.7114270889351246e-08f, -1.4719605090363075e-08f,
                                  0.0f, 3.1934181521364735e-08f, 1.7114270889351246e-08f, -1.4719605090363075e-08f);
  const __m256 u = _mm256_fmadd_ps(_mm256_mul_ps(rh, rh), q, _mm256_add_ps(r, _mm256_permutevar_ps(c, ti)));
  const __m256 table = _mm256_castsi256_ps(_mm256_setr_epi32(0x3f800000, 0x3f7837f0, 0x3f7504f3, 0x3f7744fd,
                                                             0x3f800000, 0x3f7837f0, 0x3f7504f3, 0x3f7744fd));
  const __m256 s = _mm256_castsi256_ps(
      _mm256_add_epi32(_mm256_castps_si256(_mm256_permutevar_ps(table, ti)), _mm256_slli_epi32(ti, 21)));
  return _mm256_fmadd_ps(s, u, s);
}
// Whether every lane of four vectors is within exp_short's range (NaN is not): one test for a block
// of an entry whose exp arguments are bounded by its input (see VecMath's kInShortRange; sigmoid's
// loop, scratch kernel in L1: 2.57 ns per vector without a test, 3.79 with a test and branch per
// vector, 3.01 with one per four vectors).
inline bool all_short(__m256 a, __m256 b, __m256 c, __m256 e) {
  const __m256i abs = _mm256_set1_epi32(0x7fffffff);
  auto bits = [&](__m256 v) { return _mm256_and_si256(_mm256_castps_si256(v), abs); };
  const __m256i top = _mm256_max_epi32(_mm256_max_epi32(bits(a), bits(b)), _mm256_max_epi32(bits(c), bits(e)));
  const __m256i over = _mm256_cmpgt_epi32(top, _mm256_set1_epi32(0x42a00000));  // 80.0f
  return _mm256_testz_si256(over, over);
}
#endif
}  // namespace exp_f32

// exp(x) for x in [-inf, 0] (or NaN, in lanes whose result is discarded): no overflow to fix up,
// and Highway's Exp gives 0 below its range, so no IEEE wrapper is needed; float32 on AVX-512 uses
// the shorter exp above. float32 on AVX2 uses the short form (x >= -80) and 0 below -104 (the -inf
// padding of partial vectors), Highway's Exp only for lanes in between; each lane's result depends
// on its own x alone.
template <class D> HWY_INLINE hn::Vec<D> exp_nonpositive(D d, hn::Vec<D> x) {
#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX2
  using T = hn::TFromD<D>;
  using V = hn::Vec<D>;
#endif
#if HWY_TARGET == HWY_AVX3
  if constexpr (sizeof(T) == 4) return V{exp_f32::exp(x.raw)};
#elif HWY_TARGET == HWY_AVX2
  if constexpr (sizeof(T) == 4) {
    const auto fast = hn::Ge(x, hn::Set(d, T(-exp_f32::kShortBound)));
    if (HWY_LIKELY(hn::AllTrue(d, fast))) return V{exp_f32::exp_short(x.raw)};
    const auto zero = hn::Lt(x, hn::Set(d, T(-104)));
    const V e{exp_f32::exp_short(hn::IfThenElseZero(fast, x).raw)};
    if (hn::AllTrue(d, hn::Or(fast, zero))) return hn::IfThenElseZero(fast, e);
    return hn::IfThenElse(fast, e, hn::Exp(d, x));
  }
#elif HWY_TARGET == HWY_SCALAR
  // the scalar target converts with static_cast, undefined for NaN: NaN lanes (a row whose max is
  // NaN) bypass it
  const auto nan = hn::IsNaN(x);
  return hn::IfThenElse(nan, x, hn::Exp(d, hn::IfThenZeroElse(nan, x)));
#endif
  return hn::Exp(d, x);
}
