// The unary math ops of ramp/elementwise.h as vector kernels: one loop, instantiated for every
// entry with a `vec(m, v)` formula and every floating dtype, compiled once per instruction set
// like activation_kernels.cpp (see there for the per-ISA build).
//
// `Math` below is what the formulas' `m` is. The transcendentals are SLEEF's 1-ulp (u10)
// functions for the instruction set: PyTorch 1.13's AVX2 kernels call Sleef_sinf8_u10 & co.
// (Debian's torch links this same libsleef), so on AVX2 ramp's results are 1.13's bit for bit, and
// the AVX-512 versions are the same algorithms twice as wide. The baseline build (Highway's scalar
// target here) calls SLEEF's portable C versions one element at a time: glibc's log10f, which
// 1.13's default build calls, is up to 1.04 ulp off. sqrt, floor, ceil, round (half to even),
// trunc, abs and neg are single instructions on the vector targets.
#define HWY_COMPILE_ONLY_STATIC 1
#include <hwy/cache_control.h>
#include <hwy/highway.h>
#include <sleef.h>

#include <cmath>
#include <cstring>

#include "kernels.h"

namespace ramp::kernels::RAMP_ISA {
namespace hn = hwy::HWY_NAMESPACE;

#include "lanes.h"

namespace {

// SLEEF's u10 function `name` for float (F) or double (D) vectors of this instruction set.
#if HWY_TARGET == HWY_AVX3
#define RAMP_SLEEF_F(name) Sleef_##name##f16_u10avx512f
#define RAMP_SLEEF_D(name) Sleef_##name##d8_u10avx512f
#define RAMP_SLEEF_FMOD_F Sleef_fmodf16_avx512f
#define RAMP_SLEEF_FMOD_D Sleef_fmodd8_avx512f
#define RAMP_SLEEF_ACC(name, acc) Sleef_##name##f16_##acc##avx512f, Sleef_##name##d8_##acc##avx512f
#elif HWY_TARGET == HWY_AVX2
#define RAMP_SLEEF_F(name) Sleef_##name##f8_u10avx2
#define RAMP_SLEEF_D(name) Sleef_##name##d4_u10avx2
#define RAMP_SLEEF_FMOD_F Sleef_fmodf8_avx2
#define RAMP_SLEEF_FMOD_D Sleef_fmodd4_avx2
#define RAMP_SLEEF_ACC(name, acc) Sleef_##name##f8_##acc##avx2, Sleef_##name##d4_##acc##avx2
#else  // Highway's scalar target (the baseline build): one lane, SLEEF's portable C
#define RAMP_SLEEF_F(name) Sleef_##name##f1_u10purec
#define RAMP_SLEEF_D(name) Sleef_##name##d1_u10purec
#define RAMP_SLEEF_FMOD_F Sleef_fmodf1_purec
#define RAMP_SLEEF_FMOD_D Sleef_fmodd1_purec
#define RAMP_SLEEF_ACC(name, acc) Sleef_##name##f1_##acc##purec, Sleef_##name##d1_##acc##purec
#endif

// The vector operations the entries' `vec` formulas use, over Highway vectors of descriptor D.
template <class D> struct Math {
  D d;
  using T = hn::TFromD<D>;
  using V = hn::Vec<D>;
  V zero() const { return hn::Zero(d); }
  V set(double c) const { return hn::Set(d, T(c)); }
  V add(V a, V b) const { return hn::Add(a, b); }
  V sub(V a, V b) const { return hn::Sub(a, b); }
  V mul(V a, V b) const { return hn::Mul(a, b); }
  V div(V a, V b) const { return hn::Div(a, b); }
  V copysign(V a, V b) const { return hn::CopySign(a, b); }
  auto eq(V a, V b) const { return hn::Eq(a, b); }
  V neg(V a) const { return hn::Neg(a); }
  V abs(V a) const { return hn::Abs(a); }
  auto lt(V a, V b) const { return hn::Lt(a, b); }
  auto ne(V a, V b) const { return hn::Ne(a, b); }
  template <class M> M ne(M a, M b) const { return hn::Xor(a, b); }
  template <class M> M and_(M a, M b) const { return hn::And(a, b); }
  auto isnan(V a) const { return hn::IsNaN(a); }
  template <class M> V select(M m, V a, V b) const { return hn::IfThenElse(m, a, b); }
  V sqrt(V a) const { return hn::Sqrt(a); }
#if HWY_TARGET == HWY_SCALAR
  // Highway's scalar rounding loses the sign of zero (floor(-0.0), round(-0.3) give +0.0).
  V floor(V a) const { return V{std::floor(a.raw)}; }
  V ceil(V a) const { return V{std::ceil(a.raw)}; }
  V round(V a) const { return V{std::nearbyint(a.raw)}; }
  V trunc(V a) const { return V{std::trunc(a.raw)}; }
#else
  V floor(V a) const { return hn::Floor(a); }
  V ceil(V a) const { return hn::Ceil(a); }
  V round(V a) const { return hn::Round(a); }  // to nearest, ties to even
  V trunc(V a) const { return hn::Trunc(a); }
#endif
#define RAMP_TRANSCENDENTAL(method, name)                              \
  V method(V a) const {                                                \
    if constexpr (sizeof(T) == 4) return V{RAMP_SLEEF_F(name)(a.raw)}; \
    else return V{RAMP_SLEEF_D(name)(a.raw)};                          \
  }
  RAMP_TRANSCENDENTAL(sin, sin)
  RAMP_TRANSCENDENTAL(cos, cos)
  RAMP_TRANSCENDENTAL(tan, tan)
  RAMP_TRANSCENDENTAL(exp, exp)
  RAMP_TRANSCENDENTAL(expm1, expm1)
  RAMP_TRANSCENDENTAL(log, log)
  RAMP_TRANSCENDENTAL(log1p_u10, log1p)
  // SLEEF's log1p loses accuracy below the smallest normal (log1pf(1e-45) is 0, log1pf(2e-38) 7
  // ulps off; 1.13 gives the same). There log1p(x) rounds to x itself: |x| under half an ulp
  // relative, so x - x^2/2 rounds to x. The select costs one compare and blend.
  V log1p(V a) const {
    const V tiny = set(sizeof(T) == 4 ? 1e-8 : 1e-17);
    return hn::IfThenElse(hn::Lt(hn::Abs(a), tiny), a, log1p_u10(a));
  }
  RAMP_TRANSCENDENTAL(exp2, exp2)
  RAMP_TRANSCENDENTAL(log2, log2)
  RAMP_TRANSCENDENTAL(log10, log10)
  RAMP_TRANSCENDENTAL(erf, erf)
#undef RAMP_TRANSCENDENTAL
  // The float and double functions of another accuracy class (erfc: 1.5 ulp, hypot: 0.5 ulp).
  template <class FF, class FD> static V pick(FF f, FD g, V a) {
    if constexpr (sizeof(T) == 4) return V{f(a.raw)};
    else return V{g(a.raw)};
  }
  template <class FF, class FD> static V pick(FF f, FD g, V a, V b) {
    if constexpr (sizeof(T) == 4) return V{f(a.raw, b.raw)};
    else return V{g(a.raw, b.raw)};
  }
  V erfc(V a) const { return pick(RAMP_SLEEF_ACC(erfc, u15), a); }
  V atan2(V a, V b) const { return pick(RAMP_SLEEF_ACC(atan2, u10), a, b); }
  V hypot(V a, V b) const { return pick(RAMP_SLEEF_ACC(hypot, u05), a, b); }
  V pow(V a, V b) const { return pick(RAMP_SLEEF_ACC(pow, u10), a, b); }
  // The exact remainder of truncated division (no rounding error), as 1.13's Vectorized::fmod.
  V fmod(V a, V b) const {
    if constexpr (sizeof(T) == 4) return V{RAMP_SLEEF_FMOD_F(a.raw, b.raw)};
    else return V{RAMP_SLEEF_FMOD_D(a.raw, b.raw)};
  }
};

// y[i] = E::vec(x[i]) for i < n, x == y allowed; `stream`: non-temporal stores (y 64-byte aligned).
template <class E, class T> void unary(const void* xv, void* yv, std::int64_t n, const void*, bool stream) {
  using L = Lanes<T>;
  const typename L::D d;
  const Math<typename L::D> m{d};
  const T* x = static_cast<const T*>(xv);
  T* y = static_cast<T*>(yv);
  const std::int64_t N = std::int64_t(hn::Lanes(d));
  std::int64_t i = 0;
  // Two vectors per iteration, both loaded before either is stored (x may be y).
  auto body = [&](auto store) {
    for (; i + 2 * N <= n; i += 2 * N) {
      const auto v0 = L::load(d, x + i), v1 = L::load(d, x + i + N);
      store(E::vec(m, v0), y + i);
      store(E::vec(m, v1), y + i + N);
    }
  };
  if (stream) {
    body([&](auto v, T* at) { L::stream(v, d, at); });
    hwy::FlushStream();
  } else {
    body([&](auto v, T* at) { L::store(v, d, at); });
  }
  for (; i + N <= n; i += N) L::store(E::vec(m, L::load(d, x + i)), d, y + i);
  if (i < n) {
    if constexpr (L::kMaskedTail) {
      const auto rest = std::size_t(n - i);
      L::store_n(E::vec(m, L::load_n(d, x + i, rest)), d, y + i, rest);
      return;
    }
    // The tail through one vector's worth of stack (zeros in the unused lanes: no faults, no
    // uninitialized reads).
    HWY_ALIGN T buf[hn::MaxLanes(typename L::D())] = {};
    std::memcpy(buf, x + i, std::size_t(n - i) * sizeof(T));
    L::store(E::vec(m, L::load(d, buf)), d, buf);
    std::memcpy(y + i, buf, std::size_t(n - i) * sizeof(T));
  }
}

// y[i] = E::vec(a[i], b[i]) for i < n, y == a or y == b allowed.
template <class E, class T> void binary(const void* av, const void* bv, void* yv, std::int64_t n) {
  using L = Lanes<T>;
  const typename L::D d;
  const Math<typename L::D> m{d};
  const T* a = static_cast<const T*>(av);
  const T* b = static_cast<const T*>(bv);
  T* y = static_cast<T*>(yv);
  const std::int64_t N = std::int64_t(hn::Lanes(d));
  std::int64_t i = 0;
  for (; i + N <= n; i += N) L::store(E::vec(m, L::load(d, a + i), L::load(d, b + i)), d, y + i);
  if (i < n) {
    if constexpr (L::kMaskedTail) {
      const auto rest = std::size_t(n - i);
      L::store_n(E::vec(m, L::load_n(d, a + i, rest), L::load_n(d, b + i, rest)), d, y + i, rest);
      return;
    }
    HWY_ALIGN T ba[hn::MaxLanes(typename L::D())] = {};
    HWY_ALIGN T bb[hn::MaxLanes(typename L::D())] = {};
    std::memcpy(ba, a + i, std::size_t(n - i) * sizeof(T));
    std::memcpy(bb, b + i, std::size_t(n - i) * sizeof(T));
    L::store(E::vec(m, L::load(d, ba), L::load(d, bb)), d, ba);
    std::memcpy(y + i, ba, std::size_t(n - i) * sizeof(T));
  }
}

// (not bfloat16 for an entry whose bfloat16 formula rounds between steps: the generic loop runs its f_bf16)
template <class E, class Row> void fill_floating(Row& row, auto fn) {
  row[int(ScalarType::Float32)] = fn.template operator()<E, float>();
  row[int(ScalarType::Float64)] = fn.template operator()<E, double>();
  if constexpr (!E::bf16_steps) row[int(ScalarType::BFloat16)] = fn.template operator()<E, BFloat16>();
}

}  // namespace

void add_elementwise(Table& t) {
  ew::for_each_unary([&](auto e) {
    using E = decltype(e);
    if constexpr (ew::has_vec<E>)
      fill_floating<E>(t.elementwise[ew::unary_index<E>()], []<class X, class T>() { return &unary<X, T>; });
  });
  auto binaries = [&](auto e) {
    using E = decltype(e);
    if constexpr (ew::has_vec<E>)
      fill_floating<E>(t.elementwise_binary[ew::binary_index<E>()], []<class X, class T>() { return &binary<X, T>; });
  };
  ew::for_each_binary(binaries);
  ew::for_each_logical(binaries);
}

}  // namespace ramp::kernels::RAMP_ISA
