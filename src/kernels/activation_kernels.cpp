// The activation kernels, instantiated from the entries' formulas with Highway vectors.
//
// This file is compiled once per instruction set (PyTorch's CPU_CAPABILITY model): CMake builds it
// with -mavx512* and RAMP_ISA=avx512, with -mavx2 ... and RAMP_ISA=avx2, and with no flags and
// RAMP_ISA=baseline, each as Highway's static target. Highway's foreach_target cannot be used here
// because the formulas live in an ordinary header (include/ramp/activations.h) and would not be
// compiled for the target. Everything this file instantiates is a template over Highway's
// per-target vector types, so the three copies never share a symbol.
#define HWY_COMPILE_ONLY_STATIC 1
#include <hwy/cache_control.h>
#include <hwy/highway.h>
#include <hwy/contrib/math/math-inl.h>
#include <sleef.h>

#include <array>
#include <cmath>
#include <cstring>
#include <limits>

#include "kernels.h"

// glibc's vector math library (libmvec), by its vector-ABI names.
#if HWY_TARGET == HWY_AVX3
extern "C" __m512 _ZGVeN16v_erff(__m512);
extern "C" __m512d _ZGVeN8v_erf(__m512d);
#elif HWY_TARGET == HWY_AVX2
extern "C" __m256 _ZGVdN8v_erff(__m256);
extern "C" __m256d _ZGVdN4v_erf(__m256d);
#endif

namespace ramp::kernels::RAMP_ISA {
namespace hn = hwy::HWY_NAMESPACE;

#include "exp_f32.h"
#include "gelu_math.h"

// The formula adapter over Highway vectors of descriptor D. kInShortRange: the caller has checked
// that every exp argument is within the fast exp's range (AVX2 float32, all_short below).
template <class D, bool kInShortRange = false> struct VecMath {
  D d;
  using T = hn::TFromD<D>;
  using V = hn::Vec<D>;
  V zero() const { return hn::Zero(d); }
  V set(double c) const {
    if constexpr (std::is_floating_point_v<T>) return hn::Set(d, static_cast<T>(c));
    else  // truncate and wrap, as c10 converts a Scalar (the op layer refused overflowing values)
      return hn::Set(d, static_cast<T>(static_cast<std::int64_t>(c)));
  }
  V add(V a, V b) const { return hn::Add(a, b); }
  V sub(V a, V b) const { return hn::Sub(a, b); }
  V mul(V a, V b) const { return hn::Mul(a, b); }
  V div(V a, V b) const { return hn::Div(a, b); }
  V neg(V a) const { return hn::Neg(a); }
  auto lt(V a, V b) const { return hn::Lt(a, b); }
  auto le(V a, V b) const {
    if constexpr (std::is_floating_point_v<T>) return hn::Le(a, b);
    else return hn::Not(hn::Gt(a, b));  // Highway 1.0 has no integer <=; integers have no NaN
  }
  auto gt(V a, V b) const { return hn::Gt(a, b); }
  auto ge(V a, V b) const { return hn::Ge(a, b); }
  template <class M> M not_(M a) const { return hn::Not(a); }
  template <class M> V select(M m, V a, V b) const { return hn::IfThenElse(m, a, b); }

  // Highway's Exp/Expm1 assume finite, in-range input: NaN would come out as a number and x past
  // the overflow point as garbage. These wrappers restore IEEE results at those points.
  static constexpr double kMaxLog = sizeof(T) == 4 ? 88.72283935546875 : 709.782712893384;
  V ieee_fix(V x, V y, V overflow) const {
    y = hn::IfThenElse(hn::Gt(x, hn::Set(d, T(kMaxLog))), overflow, y);
    return hn::IfThenElse(hn::IsNaN(x), x, y);
  }
  V inf() const { return hn::Set(d, std::numeric_limits<T>::infinity()); }
#if HWY_TARGET == HWY_AVX3
  // float32 on AVX-512: exp_f32's clamped exp, which yields inf, 0, subnormals and NaN unfixed.
  static constexpr bool kFastExp = sizeof(T) == 4;
  static constexpr bool kShortBlocks = false;  // exp needs no range test here
  static bool all_short(V, V, V, V) { return false; }
  V exp(V x) const {
    if constexpr (kFastExp) return V{exp_f32::exp(x.raw)};
    else return ieee_fix(x, hn::Exp(d, x), inf());
  }
  V expm1(V x) const {
    if constexpr (kFastExp) return V{exp_f32::expm1(x.raw)};
    else return ieee_fix(x, hn::Expm1(d, x), inf());
  }
#elif HWY_TARGET == HWY_AVX2
  // float32 on AVX2: exp_f32's short form where |x| <= kShortBound. With kShortBlocks, an entry
  // whose exp arguments are bounded by its input (A::exp_within_input) tests a block of four
  // vectors at once (all_short) and then runs with VecMath<D, true>, whose exp skips its own test.
  static constexpr float kShortBound = exp_f32::kShortBound;
  V exp_short(V x) const { return V{exp_f32::exp_short(x.raw)}; }
  static constexpr bool kShortBlocks = sizeof(T) == 4;
  static bool all_short(V a, V b, V c, V e) { return exp_f32::all_short(a.raw, b.raw, c.raw, e.raw); }
  // Vectors with a lane outside (or NaN) take Highway's Exp for those lanes only, so every lane's
  // result depends on its own input alone, never on its neighbours (splits and offsets give the
  // same bits).
  V exp(V x) const {
    if constexpr (sizeof(T) == 4) {
      if constexpr (kInShortRange) return exp_short(x);
      const auto in = hn::Le(hn::Abs(x), hn::Set(d, T(kShortBound)));
      if (HWY_LIKELY(hn::AllTrue(d, in))) return exp_short(x);
      return hn::IfThenElse(in, exp_short(hn::IfThenElseZero(in, x)), ieee_fix(x, hn::Exp(d, x), inf()));
    } else {
      return ieee_fix(x, hn::Exp(d, x), inf());
    }
  }
  V expm1(V x) const { return ieee_fix(x, hn::Expm1(d, x), inf()); }
#else
  static constexpr bool kShortBlocks = false;
  static bool all_short(V, V, V, V) { return false; }
  V exp(V x) const { return ieee_fix(x, hn::Exp(d, x), inf()); }
  V expm1(V x) const { return ieee_fix(x, hn::Expm1(d, x), inf()); }
#endif
  V log1p(V x) const {  // Highway's Log1p(inf) is inf/inf
    V y = hn::Log1p(d, x);
    return hn::IfThenElse(hn::Eq(x, inf()), x, y);
  }
  V tanh(V x) const {
#if HWY_TARGET == HWY_AVX3
    if constexpr (kFastExp) {
      // tanh|x| = e / (e + 2), e = expm1(2|x|), |x| clamped to 10 (tanh is 1 in float beyond 9.01;
      // NaN passes the clamp); the sign is put back, so tanh(-0.0) is -0.0.
      const V sign = hn::And(hn::SignBit(d), x);
      const V a = V{_mm512_min_ps(_mm512_set1_ps(10.0f), hn::Xor(x, sign).raw)};
      const V e = expm1(hn::Add(a, a));
      return hn::Xor(hn::Div(e, hn::Add(e, hn::Set(d, T(2)))), sign);
    }
#endif
    V y = hn::Tanh(d, x);
    return hn::IfThenElse(hn::IsNaN(x), x, y);
  }
  // erf from glibc's libmvec where it has a vector version (4 ulp, ~4x faster than Sleef's 1-ulp
  // erff, which alone took 1.85 ms per 1M floats), else Sleef.
  V erf(V x) const {
#if HWY_TARGET == HWY_AVX3
    if constexpr (sizeof(T) == 4) return V{_ZGVeN16v_erff(x.raw)};
    else return V{_ZGVeN8v_erf(x.raw)};
#elif HWY_TARGET == HWY_AVX2
    if constexpr (sizeof(T) == 4) return V{_ZGVdN8v_erff(x.raw)};
    else return V{_ZGVdN4v_erf(x.raw)};
#else
    HWY_ALIGN T lanes[hn::MaxLanes(D())];
    hn::Store(x, d, lanes);
    for (auto& l : lanes) l = sizeof(T) == 4 ? T(Sleef_erff_u10(float(l))) : T(Sleef_erf_u10(double(l)));
    return hn::Load(d, lanes);
#endif
  }
  V log(V x) const { return hn::Log(d, x); }
  // gelu's two forms and their derivatives, accurate to a few ulp everywhere (gelu_math.h).
  V gelu_erf(V x) const { return GeluMath<D>{d}.gelu_erf(x); }
  V gelu_erf_grad(V x) const { return GeluMath<D>{d}.gelu_erf_grad(x); }
  V gelu_tanh(V x) const { return GeluMath<D>{d}.gelu_tanh(x); }
  V gelu_tanh_grad(V x) const { return GeluMath<D>{d}.gelu_tanh_grad(x); }
};

#include "lanes.h"

// Calls f(v, i) for each full vector v = x[i, i + N) below n, returning the index reached (the mask
// kernels; `unary` keeps its own copy of the loop, see there). Four
// vectors per iteration, all loads first and pinned in registers: without the pin GCC folds a load
// into the first compare and loads the same address again for the select (1.4-1.6x slower in
// place), or folds a select into a zero-masking load, which streams at half bandwidth here.
template <class L, class D, class E, class F> std::int64_t for_vectors(D d, const E* x, std::int64_t n, F&& f) {
  const std::int64_t N = std::int64_t(hn::Lanes(d));
  std::int64_t i = 0;
  for (; i + 4 * N <= n; i += 4 * N) {
    auto v0 = L::load(d, x + i), v1 = L::load(d, x + i + N);
    auto v2 = L::load(d, x + i + 2 * N), v3 = L::load(d, x + i + 3 * N);
#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX2
    asm("" : "+v"(v0.raw), "+v"(v1.raw), "+v"(v2.raw), "+v"(v3.raw));
#endif
    f(v0, i);
    f(v1, i + N);
    f(v2, i + 2 * N);
    f(v3, i + 3 * N);
  }
  for (; i + N <= n; i += N) f(L::load(d, x + i), i);
  return i;
}

// The entry's Params as the kernel for element type E reads them (A::bf16_params for bfloat16).
template <class A, class E> typename A::Params kernel_params(const void* pv, bool backward) {
  const auto& p = *static_cast<const typename A::Params*>(pv);
  if constexpr (std::is_same_v<E, BFloat16>) return A::bf16_params(p, backward);
  else return p;
}

// flatten: a formula too big to be inlined by itself (gelu's) would otherwise be called per vector,
// its ymm state spilled around each call (measured 4.5x slower).
template <class A, class E>
__attribute__((flatten)) void unary(const void* xv, void* yv, std::int64_t n, const void* pv, bool stream) {
  using L = Lanes<E>;
  const typename L::D d;
  const VecMath<typename L::D> m{d};
  const VecMath<typename L::D, true> ms{d};  // for blocks that passed m.all_short
  constexpr bool kShort = A::exp_within_input && decltype(m)::kShortBlocks;
  const auto p = kernel_params<A, E>(pv, false);  // local: stores to y cannot alias it
  const E* x = static_cast<const E*>(xv);
  E* y = static_cast<E*>(yv);
  // The loop of for_vectors, written out: through its callback, formulas that call out of line
  // (gelu's libmvec erf) measured 1.3x slower, the callee-saved state being reloaded per vector.
  const std::int64_t N = std::int64_t(hn::Lanes(d));
  std::int64_t i = 0;
  auto block = [&](auto store) {
    for (; i + 4 * N <= n; i += 4 * N) {
      auto v0 = L::load(d, x + i), v1 = L::load(d, x + i + N);
      auto v2 = L::load(d, x + i + 2 * N), v3 = L::load(d, x + i + 3 * N);
#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX2
      asm("" : "+v"(v0.raw), "+v"(v1.raw), "+v"(v2.raw), "+v"(v3.raw));
#endif
      if constexpr (kShort) {
        if (HWY_LIKELY(m.all_short(v0, v1, v2, v3))) {
          store(A::forward(ms, v0, p), y + i);
          store(A::forward(ms, v1, p), y + i + N);
          store(A::forward(ms, v2, p), y + i + 2 * N);
          store(A::forward(ms, v3, p), y + i + 3 * N);
          continue;
        }
      }
      store(A::forward(m, v0, p), y + i);
      store(A::forward(m, v1, p), y + i + N);
      store(A::forward(m, v2, p), y + i + 2 * N);
      store(A::forward(m, v3, p), y + i + 3 * N);
    }
  };
  // gelu's formula is long enough that four copies in flight spill: one vector at a time.
  constexpr bool kUnroll = !std::is_same_v<A, act::GELU>;
  if (stream && kUnroll) {
    block([&](auto v, E* at) { L::stream(v, d, at); });
    hwy::FlushStream();
  } else if (kUnroll) {
    block([&](auto v, E* at) { L::store(v, d, at); });
  }
  if constexpr (!kUnroll) {  // two vectors in flight (1.09x on 1M float32 gelu, Zen 3)
    for (; i + 2 * N <= n; i += 2 * N) {
      auto v0 = L::load(d, x + i), v1 = L::load(d, x + i + N);
      auto y0 = A::forward(m, v0, p), y1 = A::forward(m, v1, p);
      L::store(y0, d, y + i);
      L::store(y1, d, y + i + N);
    }
  }
  for (; i + N <= n; i += N) L::store(A::forward(m, L::load(d, x + i), p), d, y + i);
  if (i < n) {
    if constexpr (L::kMaskedTail) {
      const auto rest = std::size_t(n - i);
      L::store_n(A::forward(m, L::load_n(d, x + i, rest), p), d, y + i, rest);
      return;
    }
    // Elsewhere the tail goes through one vector's worth of stack, with no scalar loop.
    HWY_ALIGN E buf[hn::MaxLanes(typename L::D())] = {};
    std::memcpy(buf, x + i, std::size_t(n - i) * sizeof(E));
    L::store(A::forward(m, L::load(d, buf), p), d, buf);
    std::memcpy(y + i, buf, std::size_t(n - i) * sizeof(E));
  }
}

// The backward of a pointwise entry: two inputs, one output, vector by vector.
template <class A, class E>
__attribute__((flatten)) void backward(const void* vv, const void* dyv, void* dxv, std::int64_t n, const void* pv, bool is_result,
              bool stream) {
  using L = Lanes<E>;
  const typename L::D d;
  const VecMath<typename L::D> m{d};
  const auto p = kernel_params<A, E>(pv, true);
  const E* __restrict v = static_cast<const E*>(vv);
  const E* __restrict dy = static_cast<const E*>(dyv);
  E* __restrict dx = static_cast<E*>(dxv);
  const std::int64_t N = std::int64_t(hn::Lanes(d));
  auto f = [&](auto a, auto g) { return A::backward(m, a, g, p, is_result); };
  // Input-saving entries with exp_within_input: four vectors per range test, as `unary`.
  const VecMath<typename L::D, true> ms{d};
  constexpr bool kShort = A::exp_within_input && decltype(m)::kShortBlocks;
  std::int64_t i = 0;
  if constexpr (std::is_same_v<A, act::GELU>) {  // two vectors in flight, as in `unary`
    if (!stream) {
      for (; i + 2 * N <= n; i += 2 * N) {
        auto g0 = f(L::load(d, v + i), L::load(d, dy + i)), g1 = f(L::load(d, v + i + N), L::load(d, dy + i + N));
        L::store(g0, d, dx + i);
        L::store(g1, d, dx + i + N);
      }
    }
  }
  auto run = [&](auto put) {
    if constexpr (kShort) {
      if (!is_result) {
        for (; i + 4 * N <= n; i += 4 * N) {
          const auto v0 = L::load(d, v + i), v1 = L::load(d, v + i + N);
          const auto v2 = L::load(d, v + i + 2 * N), v3 = L::load(d, v + i + 3 * N);
          auto g = [&](const auto& mx, auto a, std::int64_t k) { put(A::backward(mx, a, L::load(d, dy + k), p, false), dx + k); };
          if (HWY_LIKELY(m.all_short(v0, v1, v2, v3))) {
            g(ms, v0, i), g(ms, v1, i + N), g(ms, v2, i + 2 * N), g(ms, v3, i + 3 * N);
          } else {
            g(m, v0, i), g(m, v1, i + N), g(m, v2, i + 2 * N), g(m, v3, i + 3 * N);
          }
        }
      }
    }
    for (; i + N <= n; i += N) put(f(L::load(d, v + i), L::load(d, dy + i)), dx + i);
  };
  if (stream) {
    run([&](auto r, E* at) { L::stream(r, d, at); });
    hwy::FlushStream();
  } else {
    run([&](auto r, E* at) { L::store(r, d, at); });
  }
  if (i < n) {
    if constexpr (L::kMaskedTail) {
      const auto rest = std::size_t(n - i);
      L::store_n(f(L::load_n(d, v + i, rest), L::load_n(d, dy + i, rest)), d, dx + i, rest);
      return;
    }
    HWY_ALIGN E bv[hn::MaxLanes(typename L::D())] = {};
    HWY_ALIGN E bg[hn::MaxLanes(typename L::D())] = {};
    std::memcpy(bv, v + i, std::size_t(n - i) * sizeof(E));
    std::memcpy(bg, dy + i, std::size_t(n - i) * sizeof(E));
    L::store(f(L::load(d, bv), L::load(d, bg)), d, bv);
    std::memcpy(dx + i, bv, std::size_t(n - i) * sizeof(E));
  }
}

// Bit masks: a vector's N mask bits go into a 64-bit word at bit (i % 64); 64 is a multiple of every
// lane count, and parallel chunks start at multiples of 64 elements, so words are never shared.
template <class D> std::uint64_t mask_bits(D d, hn::Mask<D> mask) {
  std::uint8_t tmp[8] = {};
  hn::StoreMaskBits(d, mask, tmp);
  std::uint64_t b;
  std::memcpy(&b, tmp, sizeof b);
  return b;
}
template <class D> hn::Mask<D> load_mask(D d, const std::uint64_t* bits, std::int64_t i) {
  constexpr std::size_t kMax = hn::MaxLanes(D());
  const std::uint64_t b = (bits[i / 64] >> (i % 64)) & (kMax >= 64 ? ~0ull : (1ull << kMax) - 1);
#if HWY_TARGET == HWY_AVX3
  // An AVX-512 mask register is the bits themselves: no trip through memory.
  (void)d;
  hn::Mask<D> m;
  m.raw = static_cast<decltype(m.raw)>(b);
  return m;
#else
  std::uint8_t tmp[8];
  std::memcpy(tmp, &b, sizeof b);
  return hn::LoadMaskBits(d, tmp);
#endif
}

template <class A, class E>
void unary_mask(const void* xv, void* yv, std::uint64_t* bits, std::int64_t n, const void* pv, bool stream) {
  using L = Lanes<E>;
  const typename L::D d;
  const VecMath<typename L::D> m{d};
  const auto p = kernel_params<A, E>(pv, false);
  const E* x = static_cast<const E*>(xv);
  E* y = static_cast<E*>(yv);
  const std::int64_t N = std::int64_t(hn::Lanes(d));
  std::uint64_t word = 0;
  auto put = [&](std::int64_t i, auto mask) {
    word |= mask_bits(d, mask) << (i % 64);
    if ((i + N) % 64 == 0) {
      bits[i / 64] = word;
      word = 0;
    }
  };
  auto step = [&](auto v, std::int64_t k, auto store) {
    store(A::forward(m, v, p), y + k);
    put(k, A::pass(m, v, p));
  };
  const std::int64_t i =
      stream ? for_vectors<L>(d, x, n, [&](auto v, std::int64_t k) { step(v, k, [&](auto r, E* at) { L::stream(r, d, at); }); })
             : for_vectors<L>(d, x, n, [&](auto v, std::int64_t k) { step(v, k, [&](auto r, E* at) { L::store(r, d, at); }); });
  if (stream) hwy::FlushStream();
  if (i < n) {
    HWY_ALIGN E buf[hn::MaxLanes(typename L::D())] = {};
    std::memcpy(buf, x + i, std::size_t(n - i) * sizeof(E));
    auto v = L::load(d, buf);
    L::store(A::forward(m, v, p), d, buf);
    std::memcpy(y + i, buf, std::size_t(n - i) * sizeof(E));
    word |= mask_bits(d, hn::And(A::pass(m, v, p), hn::FirstN(d, std::size_t(n - i)))) << (i % 64);
    bits[i / 64] = word;
  } else if (i % 64 != 0) {
    bits[i / 64] = word;
  }
}

template <class E>
void mask_backward(const std::uint64_t* bits, const void* dyv, void* dxv, std::int64_t n, bool stream) {
  using L = Lanes<E>;
  const typename L::D d;
  const E* __restrict dy = static_cast<const E*>(dyv);
  E* __restrict dx = static_cast<E*>(dxv);
  const std::int64_t i =
      stream ? for_vectors<L>(d, dy, n, [&](auto v, std::int64_t k) { L::stream(hn::IfThenElseZero(load_mask(d, bits, k), v), d, dx + k); })
             : for_vectors<L>(d, dy, n, [&](auto v, std::int64_t k) { L::store(hn::IfThenElseZero(load_mask(d, bits, k), v), d, dx + k); });
  if (stream) hwy::FlushStream();
  if (i < n) {  // the tail through one vector's worth of stack
    const auto rest = std::size_t(n - i);
    HWY_ALIGN E buf[hn::MaxLanes(typename L::D())] = {};
    std::memcpy(buf, dy + i, rest * sizeof(E));
    L::store(hn::IfThenElseZero(load_mask(d, bits, i), L::load(d, buf)), d, buf);
    std::memcpy(dx + i, buf, rest * sizeof(E));
  }
}

#include "softmax_kernels.h"

template <class A, class E> constexpr UnaryFn unary_for() {
  if constexpr (std::is_same_v<E, BFloat16> || std::is_floating_point_v<E>) return &unary<A, E>;
  else if constexpr (std::is_integral_v<E> && !std::is_same_v<E, bool>) {
    // Only the select-based entries (relu, relu6, hardtanh, threshold) take integers.
    if constexpr (A::dtypes.has(ScalarType::Int64)) return &unary<A, E>;
    return nullptr;
  }
  return nullptr;
}

static Table make_table() {
  Table t;
  t.isa = hwy::TargetName(HWY_TARGET);
  act::for_each_activation([&](auto a) {
    using A = decltype(a);
    if constexpr (act::is_pointwise<A>) {
      auto& row = t.unary[act::index_of<A>()];
#define RAMP_FILL(Type, E, N, P) \
  if constexpr (A::dtypes.has(ScalarType::E)) row[int(ScalarType::E)] = unary_for<A, Type>();
      RAMP_FORALL_SCALAR_TYPES(RAMP_FILL)
#undef RAMP_FILL
    }
    // Gradients exist for the floating dtypes only; rrelu's evaluation-mode formula is pointwise too.
    if constexpr (act::is_pointwise<A> || A::kind == act::Kind::rrelu) {
      auto& back = t.backward[act::index_of<A>()];
      if constexpr (A::dtypes.has(ScalarType::Float32)) back[int(ScalarType::Float32)] = &backward<A, float>;
      if constexpr (A::dtypes.has(ScalarType::Float64)) back[int(ScalarType::Float64)] = &backward<A, double>;
      if constexpr (A::dtypes.has(ScalarType::BFloat16)) back[int(ScalarType::BFloat16)] = &backward<A, BFloat16>;
    }
    if constexpr (act::has_pass<A>) {
      auto& fwd = t.mask_forward[act::index_of<A>()];
      fwd[int(ScalarType::Float32)] = &unary_mask<A, float>;
      fwd[int(ScalarType::Float64)] = &unary_mask<A, double>;
      fwd[int(ScalarType::BFloat16)] = &unary_mask<A, BFloat16>;
    }
  });
  t.mask_backward[int(ScalarType::Float32)] = &mask_backward<float>;
  t.mask_backward[int(ScalarType::Float64)] = &mask_backward<double>;
  t.mask_backward[int(ScalarType::BFloat16)] = &mask_backward<BFloat16>;
  t.softmax[int(ScalarType::Float32)] = &softmax<float>;
  t.softmax[int(ScalarType::Float64)] = &softmax<double>;
  t.softmax[int(ScalarType::BFloat16)] = &softmax<BFloat16>;
  t.softmax_backward[int(ScalarType::Float32)] = &softmax_backward<float>;
  t.softmax_backward[int(ScalarType::Float64)] = &softmax_backward<double>;
  t.softmax_backward[int(ScalarType::BFloat16)] = &softmax_backward<BFloat16>;
  add_elementwise(t);  // src/kernels/elementwise_kernels.cpp
  return t;
}

const Table& table() {
  static const Table t = make_table();
  return t;
}

}  // namespace ramp::kernels::RAMP_ISA
