// The random kernels (see random_kernels.h), compiled once per instruction set (RAMP_ISA) as the
// activation kernels are. The engine's steps are plain loops the compiler vectorizes (64-bit shifts,
// ands and xors); Box-Muller is written with Highway vectors and its Log/Sin/Cos, so a block of
// normals costs a few vector polynomials instead of a scalar log per draw. Highway's math uses fused
// multiply-adds where the target has them: normals may differ in the last bit between instruction
// sets; the engine's words and the uniforms do not.
#define HWY_COMPILE_ONLY_STATIC 1
#include <hwy/highway.h>
#include <hwy/contrib/math/math-inl.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>

#include "random_kernels.h"

namespace ramp::kernels::RAMP_ISA {
namespace {
namespace hn = hwy::HWY_NAMESPACE;
using U64 = std::uint64_t;
using I64 = std::int64_t;

constexpr I64 kN = 312, kM = 156;
constexpr U64 kUpper = ~U64(0) << 31, kLower = ~kUpper, kMatrix = 0xb5026f5aa96619e9ull;
inline U64 twist_one(U64 a, U64 b, U64 far) {
  const U64 y = (a & kUpper) | (b & kLower);
  return far ^ (y >> 1) ^ ((U64(0) - (y & 1)) & kMatrix);  // branch-free: the loops vectorize
}

void mt_twist(U64* x) {
  // x[k] depends on x[k + 1] (not yet rewritten) and x[k +- 156] (already final): each loop's
  // iterations are independent within a vector.
  for (I64 k = 0; k < kN - kM; ++k) x[k] = twist_one(x[k], x[k + 1], x[k + kM]);
  for (I64 k = kN - kM; k < kN - 1; ++k) x[k] = twist_one(x[k], x[k + 1], x[k - (kN - kM)]);
  x[kN - 1] = twist_one(x[kN - 1], x[0], x[kM - 1]);
}

void mt_temper(const U64* __restrict x, U64* __restrict out, I64 n) {
  for (I64 i = 0; i < n; ++i) {
    U64 z = x[i];
    z ^= (z >> 29) & 0x5555555555555555ull;
    z ^= (z << 17) & 0x71d67fffeda60000ull;
    z ^= (z << 37) & 0xfff7eee000000000ull;
    out[i] = z ^ (z >> 43);
  }
}

// Box-Muller on one vector of pairs; u1 in (0, 1], u2 in [0, 1).
template <class D, class V = hn::Vec<D>> void box_muller(D d, V u1, V u2, V mean, V sd, V& c, V& s) {
  using T = hn::TFromD<D>;
  const V r = hn::Mul(hn::Sqrt(hn::Mul(hn::Set(d, T(-2)), hn::Log(d, u1))), sd);
  const V t = hn::Mul(u2, hn::Set(d, T(2 * std::numbers::pi)));
  c = hn::MulAdd(r, hn::Cos(d, t), mean);
  s = hn::MulAdd(r, hn::Sin(d, t), mean);
}

// The pairs [k0, pairs) through `step(words, out, mean, sd)` one vector at a time; a short last
// vector runs on a copy padded with zero words, and only its n - 2 k0 values are kept.
template <class D, int kWordsPerPair, class Step, class T = hn::TFromD<D>>
void pairs_loop(D d, const U64* w, T* out, I64 n, T mean, T sd, Step step) {
  const I64 lanes = I64(hn::Lanes(d)), pairs = n / 2 + (n & 1);
  const auto vm = hn::Set(d, mean), vs = hn::Set(d, sd);
  I64 k = 0;
  for (; k + lanes <= pairs && 2 * (k + lanes) <= n; k += lanes) step(w + k * kWordsPerPair, out + 2 * k, vm, vs);
  if (k < pairs) {
    HWY_ALIGN U64 wt[2 * hn::MaxLanes(d)] = {};
    HWY_ALIGN T ot[2 * hn::MaxLanes(d)];
    std::memcpy(wt, w + k * kWordsPerPair, std::size_t((pairs - k) * kWordsPerPair) * sizeof(U64));
    step(wt, ot, vm, vs);
    std::memcpy(out + 2 * k, ot, std::size_t(n - 2 * k) * sizeof(T));
  }
}

void normal_f32(const U64* w, float* out, I64 n, float mean, float sd) {
  const hn::ScalableTag<float> d;
  const hn::RebindToUnsigned<decltype(d)> du;
  const hn::RebindToSigned<decltype(d)> di;
  pairs_loop<decltype(d), 1>(d, w, out, n, mean, sd, [&](const U64* wk, float* o, auto vm, auto vs) {
    hn::Vec<decltype(du)> lo, hi;  // word k's halves, k = lane
    hn::LoadInterleaved2(du, reinterpret_cast<const std::uint32_t*>(wk), lo, hi);
    const auto scale = hn::Set(d, 0x1p-24f);
    const auto u1 = hn::Mul(hn::Add(hn::ConvertTo(d, hn::BitCast(di, hn::ShiftRight<8>(hi))), hn::Set(d, 1.f)), scale);
    const auto u2 = hn::Mul(hn::ConvertTo(d, hn::BitCast(di, hn::And(lo, hn::Set(du, 0xffffffu)))), scale);
    hn::Vec<decltype(d)> c, s;
    box_muller(d, u1, u2, vm, vs, c, s);
    hn::StoreInterleaved2(c, s, d, o);
  });
}

void normal_f64(const U64* w, double* out, I64 n, double mean, double sd) {
  const hn::ScalableTag<double> d;
  const hn::RebindToUnsigned<decltype(d)> du;
  const hn::RebindToSigned<decltype(d)> di;
  pairs_loop<decltype(d), 2>(d, w, out, n, mean, sd, [&](const U64* wk, double* o, auto vm, auto vs) {
    hn::Vec<decltype(du)> a, b;  // words 2k and 2k + 1
    hn::LoadInterleaved2(du, wk, a, b);
    const auto scale = hn::Set(d, 0x1p-53);
    const auto u1 = hn::Mul(hn::Add(hn::ConvertTo(d, hn::BitCast(di, hn::ShiftRight<11>(a))), hn::Set(d, 1.0)), scale);
    const auto u2 = hn::Mul(hn::ConvertTo(d, hn::BitCast(di, hn::ShiftRight<11>(b))), scale);
    hn::Vec<decltype(d)> c, s;
    box_muller(d, u1, u2, vm, vs, c, s);
    hn::StoreInterleaved2(c, s, d, o);
  });
}

// Plain loops: no fused multiply-add (ISO C++ contracts nothing), so every instruction set agrees.
void uniform_f32(const U64* w, float* __restrict out, I64 n, float from, float width) {
  std::uint32_t half[2];
  const I64 even = n & ~I64(1);
  for (I64 i = 0; i < even; i += 2) {
    std::memcpy(half, w + i / 2, sizeof(half));
    out[i] = float(half[0] & 0xffffffu) * 0x1p-24f * width + from;
    out[i + 1] = float(half[1] & 0xffffffu) * 0x1p-24f * width + from;
  }
  if (n & 1) out[n - 1] = float(std::uint32_t(w[n / 2]) & 0xffffffu) * 0x1p-24f * width + from;
}
void uniform_f64(const U64* __restrict w, double* __restrict out, I64 n, double from, double width) {
  for (I64 i = 0; i < n; ++i) out[i] = double(I64(w[i] & ((U64(1) << 53) - 1))) * 0x1p-53 * width + from;
}

// 1.13's vectorized range layout: two vectors of kLanes per step, each lane after the first from
// the first; a scalar tail. elem(i): an element as the scalar path computes it; lane(first, k).
template <class T, class Elem, class Lane> void range_blocks(T* __restrict p, I64 begin, I64 end, Elem elem, Lane lane) {
  constexpr I64 kLanes = 32 / sizeof(T);
  auto vec = [&](I64 v) {
    const T first = elem(v);
    for (I64 k = 1; k < kLanes; ++k) p[v + k] = lane(first, k);
    p[v] = first;
  };
  I64 i = begin;
  for (; i + 2 * kLanes <= end; i += 2 * kLanes) vec(i), vec(i + kLanes);
  for (; i < end; ++i) p[i] = elem(i);
}

template <class T> void arange(void* out, I64 begin, I64 end, double start, double step) {
  range_blocks(
      static_cast<T*>(out), begin, end, [=](I64 i) { return T(std::fma(step, double(i), start)); },
      [=](T first, I64 k) { return T(std::fma(double(k), step, double(first))); });
}

void arange_i64(I64* __restrict p, I64 n, I64 start, I64 step) {
  for (I64 i = 0; i < n; ++i) p[i] = I64(U64(start) + U64(step) * U64(i));
}

template <class T> void linspace(void* out, I64 begin, I64 end, I64 n, double start_, double stop_, double step_) {
  const T start = T(start_), stop = T(stop_), step = T(step_);
  const I64 half = n / 2;
  range_blocks(
      static_cast<T*>(out), begin, end,
      [=](I64 i) { return i < half ? std::fma(step, T(i), start) : std::fma(-step, T(n - i - 1), stop); },
      [=](T first, I64 k) { return first + T(k) * step; });
}

RandomTable make_table() {
  RandomTable t;
  t.mt_twist = &mt_twist;
  t.mt_temper = &mt_temper;
  t.normal_f32 = &normal_f32;
  t.normal_f64 = &normal_f64;
  t.uniform_f32 = &uniform_f32;
  t.uniform_f64 = &uniform_f64;
  t.arange[0] = &arange<float>;
  t.arange[1] = &arange<double>;
  t.arange_i64 = &arange_i64;
  t.linspace[0] = &linspace<float>;
  t.linspace[1] = &linspace<double>;
  return t;
}

}  // namespace

const RandomTable& random_table() {
  static const RandomTable t = make_table();
  return t;
}

}  // namespace ramp::kernels::RAMP_ISA
