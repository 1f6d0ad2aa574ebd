// The reduction loops (see reduce_kernels.h), compiled once per instruction set (RAMP_ISA) from
// plain loops the compiler vectorizes: a row reduction keeps `lanes` independent accumulators, a
// column reduction keeps a block of columns' accumulators in registers while it walks the rows.
// float32 sum/mean/max/min and logsumexp take the explicit Highway loops of reduce_vec.h.
#define HWY_COMPILE_ONLY_STATIC 1
#include <hwy/highway.h>
#include <hwy/contrib/math/math-inl.h>
#include <sleef.h>

#include <cmath>
#include <limits>
#include <type_traits>
#include <memory>

#include "../tensor/parallel.h"
#include "reduce_kernels.h"

namespace ramp::kernels::RAMP_ISA {
namespace {

using I64 = std::int64_t;
template <class T> using C = std::conditional_t<std::is_same_v<T, BFloat16>, float, T>;  // bf16 math in float
template <class T> inline constexpr bool kFloat = std::is_floating_point_v<C<T>>;
// Sums and products: floating in double, integers (and bool) wrapping in 64 bits.
template <class T> using Wide = std::conditional_t<kFloat<T>, double, std::uint64_t>;
template <class T> using SumOut = std::conditional_t<kFloat<T>, T, std::int64_t>;
template <class T> inline Wide<T> widen(T v) {
  if constexpr (kFloat<T>) return double(C<T>(v));
  else return std::uint64_t(std::int64_t(v));
}
template <class O, class A> inline void put(void* out, I64 k, A v) { static_cast<O*>(out)[k] = O(v); }
// x > m, or x is NaN: the NaN-propagating maximum's "take x". `|`, not `||`: no branch, so the
// select becomes a vector blend (with `||` amax ran 10x slower than 1.13).
template <class V> inline bool above(V x, V m) { return (x > m) | (x != x); }
template <class V> inline bool below(V x, V m) { return (x < m) | (x != x); }

template <class T> struct Sum {
  using Acc = Wide<T>;
  static constexpr int lanes = 16;
  static Acc init(const ReduceArgs&) { return 0; }
  static Acc step(Acc a, T v, I64) { return a + widen(v); }
  static Acc join(Acc a, Acc b) { return a + b; }
  static void store(Acc a, I64, const ReduceArgs&, void* out, void*, I64 k) {
    if constexpr (kFloat<T>) put<T>(out, k, C<T>(a));
    else put<I64>(out, k, I64(a));
  }
};
template <class T> struct Mean : Sum<T> {
  // 1.13 sums into the output dtype, then divides there.
  static void store(double a, I64 n, const ReduceArgs&, void* out, void*, I64 k) {
    put<T>(out, k, C<T>(T(C<T>(a))) / C<T>(n));
  }
};
template <class T> struct Prod {
  using Acc = Wide<T>;
  static constexpr int lanes = 16;
  static Acc init(const ReduceArgs&) { return 1; }
  static Acc step(Acc a, T v, I64) { return a * widen(v); }
  static Acc join(Acc a, Acc b) { return a * b; }
  static void store(Acc a, I64 n, const ReduceArgs& p, void* out, void* o2, I64 k) { Sum<T>::store(a, n, p, out, o2, k); }
};
template <class T, bool kMax> struct Extreme {
  using Acc = C<T>;
  static constexpr int lanes = 16;
  static Acc init(const ReduceArgs&) {
    if constexpr (kFloat<T>) return kMax ? -std::numeric_limits<Acc>::infinity() : std::numeric_limits<Acc>::infinity();
    else return kMax ? std::numeric_limits<Acc>::lowest() : std::numeric_limits<Acc>::max();
  }
  static Acc step(Acc a, T v, I64) { return join(a, C<T>(v)); }
  static Acc join(Acc a, Acc x) {
    if constexpr (kMax) return above(x, a) ? x : a;
    else return below(x, a) ? x : a;
  }
  static void store(Acc a, I64, const ReduceArgs&, void* out, void*, I64 k) { put<T>(out, k, a); }
};
template <class T, bool kMax> struct ArgExtreme {
  struct Acc {
    C<T> v;
    I64 i;
  };
  static constexpr int lanes = 1;
  static Acc init(const ReduceArgs&) { return {C<T>(0), -1}; }
  // a came first: b replaces it only when strictly better, or NaN where a is not.
  static bool better(const Acc& a, const Acc& b) {
    if (a.i < 0) return true;
    if (b.i < 0 || a.v != a.v) return false;
    return kMax ? above(b.v, a.v) : below(b.v, a.v);
  }
  static Acc step(Acc a, T v, I64 r) {
    const Acc b{C<T>(v), r};
    return better(a, b) ? b : a;
  }
  static Acc join(Acc a, Acc b) { return better(a, b) ? b : a; }
  static void store(Acc a, I64, const ReduceArgs&, void* out, void* out2, I64 k) {
    if (out) put<T>(out, k, a.v);
    if (out2) put<I64>(out2, k, a.i);
  }
};
template <class T, bool kAll> struct Logical {
  using Acc = bool;
  using Out = std::conditional_t<std::is_same_v<T, std::uint8_t>, std::uint8_t, bool>;
  static constexpr int lanes = 16;
  static Acc init(const ReduceArgs&) { return kAll; }
  static Acc step(Acc a, T v, I64) { return kAll ? (a & (C<T>(v) != C<T>(0))) : (a | (C<T>(v) != C<T>(0))); }
  static Acc join(Acc a, Acc b) { return kAll ? (a & b) : (a | b); }
  static void store(Acc a, I64, const ReduceArgs&, void* out, void*, I64 k) { put<Out>(out, k, a); }
};
enum class NormKind { two, one, inf, neg_inf, zero, p };
template <class T, NormKind K> struct Norm {
  using Acc = double;
  static constexpr int lanes = 16;
  static Acc init(const ReduceArgs&) { return K == NormKind::neg_inf ? std::numeric_limits<double>::infinity() : 0.0; }
  static Acc step(Acc a, T v, I64) {
    const double x = double(C<T>(v)), m = std::fabs(x);
    if constexpr (K == NormKind::two) return a + x * x;
    if constexpr (K == NormKind::one) return a + m;
    if constexpr (K == NormKind::inf) return above(m, a) ? m : a;
    if constexpr (K == NormKind::neg_inf) return below(m, a) ? m : a;
    if constexpr (K == NormKind::zero) return a + double(x != 0);
    return a;  // NormKind::p: see PNorm
  }
  static Acc join(Acc a, Acc b) {
    if constexpr (K == NormKind::inf) return above(b, a) ? b : a;
    if constexpr (K == NormKind::neg_inf) return below(b, a) ? b : a;
    return a + b;
  }
  static void store(Acc a, I64 n, const ReduceArgs&, void* out, void*, I64 k) {
    if (n == 0) a = 0;  // every norm of nothing is 0 in 1.13, -inf's too
    put<T>(out, k, C<T>(K == NormKind::two ? std::sqrt(a) : a));
  }
};
// Other p: sum |x|^p, then the 1/p-th power (p is a run-time value, hence not vectorized).
template <class T> struct PNorm : Norm<T, NormKind::p> {
  static constexpr int lanes = 1;
  struct Acc {
    double s;
    double p;
  };
  static Acc init(const ReduceArgs& a) { return {0.0, a.p}; }
  static Acc step(Acc a, T v, I64) { return {a.s + std::pow(std::fabs(double(C<T>(v))), a.p), a.p}; }
  static Acc join(Acc a, Acc b) { return {a.s + b.s, a.p}; }
  static void store(Acc a, I64, const ReduceArgs&, void* out, void*, I64 k) { put<T>(out, k, C<T>(std::pow(a.s, 1.0 / a.p))); }
};
// Welford's running mean and sum of squared deviations, in double (1.13's WelfordOps); join is
// Chan's parallel update.
template <class T, bool kStd> struct Moments {
  struct Acc {
    double mean, m2;
    I64 n;
  };
  static constexpr int lanes = 1;
  static Acc init(const ReduceArgs&) { return {0.0, 0.0, 0}; }
  static Acc step(Acc a, T v, I64) {
    const double x = double(C<T>(v)), d = x - a.mean;
    a.n += 1;
    a.mean += d / double(a.n);
    a.m2 += d * (x - a.mean);
    return a;
  }
  // A run of n float32 / bfloat16 elements at once: its mean from the double sum, then the squared
  // deviations from it (two passes over a run that stays in L1), instead of Welford's division per
  // element, whose latency chain made var((0, 2, 3)) of a BatchNorm batch 6 ns an element. As
  // accurate (the rounded mean's error enters m2 squared); the result, rounded to the input's dtype,
  // is Welford's. A non-finite run goes through Welford's steps, so inf and NaN propagate as 1.13's
  // (var_mean's mean of [inf, 1] is NaN there). float64 keeps Welford's for 1.13's last bits.
  static Acc run(const T* x, I64 n) requires(!std::is_same_v<T, double>) {
    constexpr int L = 8;  // independent accumulators: a vector of them
    double s[L] = {};
    I64 i = 0;
    for (; i + L <= n; i += L)
      for (int j = 0; j < L; ++j) s[j] += double(C<T>(x[i + j]));
    double sum = 0;
    for (int j = 0; j < L; ++j) sum += s[j];
    for (I64 k = i; k < n; ++k) sum += double(C<T>(x[k]));
    if (!std::isfinite(sum)) {
      Acc a = {0.0, 0.0, 0};
      for (I64 k = 0; k < n; ++k) a = step(a, x[k], k);
      return a;
    }
    const double mean = sum / double(n);
    double q[L] = {};
    for (i = 0; i + L <= n; i += L)
      for (int j = 0; j < L; ++j) {
        const double d = double(C<T>(x[i + j])) - mean;
        q[j] += d * d;
      }
    double m2 = 0;
    for (int j = 0; j < L; ++j) m2 += q[j];
    for (I64 k = i; k < n; ++k) {
      const double d = double(C<T>(x[k])) - mean;
      m2 += d * d;
    }
    return {mean, m2, n};
  }
  static Acc join(Acc a, Acc b) {
    if (a.n == 0) return b;
    if (b.n == 0) return a;
    const double n = double(a.n + b.n), d = b.mean - a.mean, wb = double(b.n) / n;
    return {a.mean + d * wb, a.m2 + b.m2 + d * d * double(a.n) * wb, a.n + b.n};
  }
  static void store(Acc a, I64, const ReduceArgs& p, void* out, void* out2, I64 k) {
    const double var = a.m2 / std::max(0.0, double(a.n) - p.correction);
    if (out) put<T>(out, k, C<T>(kStd ? std::sqrt(var) : var));
    if (out2) put<T>(out2, k, C<T>(a.n ? a.mean : std::numeric_limits<double>::quiet_NaN()));
  }
};

#include "reduce_vec.h"

// The explicit vector loop for (Op, T), or void: float32 sums, means, maxima and minima.
template <class Op, class T> struct VecFor { using type = void; };
template <> struct VecFor<Sum<float>, float> { using type = VSum; };
template <> struct VecFor<Mean<float>, float> { using type = VSum; };
template <bool kMax> struct VecFor<Extreme<float, kMax>, float> { using type = VExtreme<kMax>; };

constexpr I64 kGrain = 32768;  // elements above which work is split (as ATen)
constexpr I64 kSplit = kGrain / 2;  // so each thread then gets at least this many
constexpr I64 kBlock = 32;      // columns whose accumulators stay in registers

// acc[b - b0] = op over rows [r0, r1) of column b in [b0, b1) of the [R, B] block x. Rows are taken
// in chunks of kChunk (per lane) whose results are joined into the total: a two-level cascade, so
// float64 sums stay as accurate as 1.13's (error ~ (kChunk + R / kChunk) ulps, not R).
constexpr I64 kChunk = 256;
template <class Op, class T>
void accumulate(const T* __restrict x, I64 B, I64 r0, I64 r1, I64 b0, I64 b1, typename Op::Acc* acc,
                const ReduceArgs& args) {
  using Acc = typename Op::Acc;
  if constexpr (!std::is_void_v<typename VecFor<Op, T>::type>) {
    const typename VecFor<Op, T>::type o{};
    if (B == 1) {
      acc[0] = vec_row(o, x + r0, r1 - r0);
    } else {
      for (I64 b = b0; b < b1; ++b) acc[b - b0] = Op::init(args);
      vec_columns(o, x, B, r0, r1, b0, b1, acc);
    }
    return;
  }
  if constexpr (std::is_same_v<Op, ArgExtreme<float, true>> || std::is_same_v<Op, ArgExtreme<float, false>>) {
    if (B == 1 && r1 - r0 < (I64(1) << 31)) {
      const I64 i = vec_arg_row<std::is_same_v<Op, ArgExtreme<float, true>>>(x + r0, r1 - r0);
      acc[0] = {x[r0 + i], r0 + i};
      return;
    }
  }
  if constexpr (requires { Op::run(x, I64{}); }) {  // ops with a whole-run step (Moments)
    if (B == 1) {
      Acc total = Op::init(args);
      for (I64 c = r0; c < r1; c += kChunk) total = Op::join(total, Op::run(x + c, std::min(kChunk, r1 - c)));
      acc[0] = total;
      return;
    }
  }
  if (B == 1) {
    constexpr int L = Op::lanes;
    Acc total = Op::init(args);
    I64 r = r0;
    if constexpr (L > 1) {
      while (r + L <= r1) {
        Acc lane[L];
        for (int j = 0; j < L; ++j) lane[j] = Op::init(args);
        const I64 end = r + std::min<I64>((r1 - r) / L, kChunk) * L;
        for (; r < end; r += L)
#pragma GCC unroll 1  // kept a loop, so it is if-converted and vectorized (unrolled, selects stay branches)
          for (int j = 0; j < L; ++j) lane[j] = Op::step(lane[j], x[r + j], r + j);
        for (int w = L / 2; w > 0; w /= 2)  // pairwise
          for (int j = 0; j < w; ++j) lane[j] = Op::join(lane[j], lane[j + w]);
        total = Op::join(total, lane[0]);
      }
    }
    for (; r < r1; ++r) total = Op::step(total, x[r], r);
    acc[0] = total;
    return;
  }
  for (I64 b = b0; b < b1; b += kBlock) {
    const I64 w = std::min(kBlock, b1 - b);
    Acc* __restrict out = acc + (b - b0);
    for (I64 j = 0; j < w; ++j) out[j] = Op::init(args);
    for (I64 c = r0; c < r1; c += kChunk) {
      const I64 c1 = std::min(r1, c + kChunk);
      if (w == kBlock) {
        Acc blk[kBlock];
        for (I64 j = 0; j < kBlock; ++j) blk[j] = Op::init(args);
        for (I64 r = c; r < c1; ++r) {
          const T* __restrict row = x + r * B + b;
#pragma GCC unroll 1
          for (I64 j = 0; j < kBlock; ++j) blk[j] = Op::step(blk[j], row[j], r);
        }
        for (I64 j = 0; j < kBlock; ++j) out[j] = Op::join(out[j], blk[j]);
      } else {
        Acc blk[kBlock];
        for (I64 j = 0; j < w; ++j) blk[j] = Op::init(args);
        for (I64 r = c; r < c1; ++r) {
          const T* __restrict row = x + r * B + b;
          for (I64 j = 0; j < w; ++j) blk[j] = Op::step(blk[j], row[j], r);
        }
        for (I64 j = 0; j < w; ++j) out[j] = Op::join(out[j], blk[j]);
      }
    }
  }
}

template <class Op, class T>
void reduce(const void* xv, void* out, void* out2, I64 A, I64 R, I64 B, const ReduceArgs& args) {
  using Acc = typename Op::Acc;
  const T* x = static_cast<const T*>(xv);
  if (A * B == 0) return;
  const I64 outputs = A * B;
  if (outputs >= 64 || R * B < 2 * kGrain) {
    // Enough outputs: threads take whole outputs (rows, or blocks of columns).
    if (B == 1) {
      if constexpr (std::is_same_v<Op, ArgExtreme<float, true>> || std::is_same_v<Op, ArgExtreme<float, false>>) {
        if (R < (I64(1) << 31)) {
          detail::parallel_for(A, std::max<I64>(1, kSplit / std::max<I64>(R, 1)), 1, [&](I64 a0, I64 a1) {
            vec_arg_rows<std::is_same_v<Op, ArgExtreme<float, true>>>(x, R, a0, a1, static_cast<float*>(out),
                                                                      static_cast<I64*>(out2));
          });
          return;
        }
      }
      if constexpr (!std::is_void_v<typename VecFor<Op, T>::type>) {  // float32 sum/mean/amax/amin: one loop, row inlined
        const typename VecFor<Op, T>::type o{};
        detail::parallel_for(A, std::max<I64>(1, kSplit / std::max<I64>(R, 1)), 1, [&](I64 a0, I64 a1) {
          for (I64 a = a0; a < a1; ++a) Op::store(vec_row(o, x + a * R, R), R, args, out, out2, a);
        });
        return;
      }
      detail::parallel_for(A, std::max<I64>(1, kSplit / std::max<I64>(R, 1)), 1, [&](I64 a0, I64 a1) {
        for (I64 a = a0; a < a1; ++a) {
          Acc acc;
          accumulate<Op, T>(x + a * R, 1, 0, R, 0, 1, &acc, args);
          Op::store(acc, R, args, out, out2, a);
        }
      });
      return;
    }
    // A thread's consecutive blocks of one `a` go to accumulate together, so the vector loops
    // can read their rows across all those columns (a column's result does not depend on this).
    const I64 blocks = (B + kBlock - 1) / kBlock;
    detail::parallel_for(A * blocks, std::max<I64>(1, kSplit / std::max<I64>(R * kBlock, 1)), 1, [&](I64 i0, I64 i1) {
      const std::unique_ptr<Acc[]> acc(new Acc[std::size_t(std::min(B, (i1 - i0) * kBlock))]);
      for (I64 i = i0; i < i1;) {
        const I64 a = i / blocks, k0 = i % blocks, k1 = std::min(blocks, k0 + (i1 - i));
        const I64 b0 = k0 * kBlock, b1 = std::min(B, k1 * kBlock);
        accumulate<Op, T>(x + a * R * B, B, 0, R, b0, b1, acc.get(), args);
        for (I64 b = b0; b < b1; ++b) Op::store(acc[b - b0], R, args, out, out2, a * B + b);
        i += k1 - k0;
      }
    });
    return;
  }
  // Few outputs, long reductions: pieces of about kGrain elements along R, joined in order.
  const I64 rows = std::max<I64>(1, kGrain / B), pieces = (R + rows - 1) / rows;
  const std::unique_ptr<Acc[]> part(new Acc[std::size_t(A * pieces * B)]);  // not vector: Acc may be bool
  detail::parallel_for(A * pieces, 1, 1, [&](I64 i0, I64 i1) {
    for (I64 i = i0; i < i1; ++i) {
      const I64 a = i / pieces, p = i % pieces;
      accumulate<Op, T>(x + a * R * B, B, p * rows, std::min(R, (p + 1) * rows), 0, B, part.get() + i * B, args);
    }
  });
  for (I64 a = 0; a < A; ++a)
    for (I64 b = 0; b < B; ++b) {
      Acc acc = part[std::size_t(a * pieces * B + b)];
      for (I64 p = 1; p < pieces; ++p) acc = Op::join(acc, part[std::size_t((a * pieces + p) * B + b)]);
      Op::store(acc, R, args, out, out2, a * B + b);
    }
}

// See ReduceSplitFn. Threads take whole outputs (a, b); each walks its R slabs of S * C elements
// (contiguous, so each is one accumulate call: the vector loops for float32) and joins them.
template <class Op, class T>
void reduce_split(const void* xv, void* out, void* out2, I64 A, I64 R, I64 B, I64 S, I64 C, const ReduceArgs& args) {
  using Acc = typename Op::Acc;
  const T* x = static_cast<const T*>(xv);
  if (A * B * C == 0) return;
  const I64 slab = S * C;
  const I64 grain = std::max<I64>(1, kSplit / std::max<I64>(R * slab, 1));
  if constexpr (!std::is_void_v<typename VecFor<Op, T>::type>) {
    if (C == 1) {  // float32 sum/mean/amax/amin: the vector accumulators run on through all R slabs
      const typename VecFor<Op, T>::type o{};
      detail::parallel_for(A * B, grain, 1, [&](I64 i0, I64 i1) {
        for (I64 i = i0; i < i1; ++i) {
          const I64 a = i / B, b = i % B;
          decltype(o.init()) v[4] = {o.init(), o.init(), o.init(), o.init()};
          for (I64 r = 0; r < R; ++r) vec_row_into(o, x + ((a * R + r) * B + b) * S, S, v);
          Op::store(vec_fold(o, v), R * S, args, out, out2, i);
        }
      });
      return;
    }
  }
  detail::parallel_for(A * B, grain, 1, [&](I64 i0, I64 i1) {
    const std::unique_ptr<Acc[]> acc(new Acc[std::size_t(2 * C)]);  // not vector: Acc may be bool
    Acc* total = acc.get();
    Acc* part = total + C;
    for (I64 i = i0; i < i1; ++i) {
      const I64 a = i / B, b = i % B;
      for (I64 c = 0; c < C; ++c) total[c] = Op::init(args);  // R may be 0 (an empty input)
      for (I64 r = 0; r < R; ++r) {
        accumulate<Op, T>(x + ((a * R + r) * B + b) * slab, C, 0, S, 0, C, part, args);
        for (I64 c = 0; c < C; ++c) total[c] = Op::join(total[c], part[c]);
      }
      for (I64 c = 0; c < C; ++c) Op::store(total[c], R * S, args, out, out2, i * C + c);
    }
  });
}

// split: the op may also read two reduced runs in place (ReduceSplitFn).
template <template <class> class Op> void fill(ReduceTable& t, ReduceOp op, bool floating_only, bool split) {
#define RAMP_FILL(Type, E, N, P)                                           \
  if (!floating_only || is_floating(ScalarType::E)) {                      \
    t.fn[int(op)][int(ScalarType::E)] = &reduce<Op<Type>, Type>;           \
    if (split) t.split[int(op)][int(ScalarType::E)] = &reduce_split<Op<Type>, Type>; \
  }
  RAMP_FORALL_SCALAR_TYPES(RAMP_FILL)
#undef RAMP_FILL
}
template <class T> using Max = Extreme<T, true>;
template <class T> using Min = Extreme<T, false>;
template <class T> using ArgMax = ArgExtreme<T, true>;
template <class T> using ArgMin = ArgExtreme<T, false>;
template <class T> using All = Logical<T, true>;
template <class T> using Any = Logical<T, false>;
template <class T> using Norm2 = Norm<T, NormKind::two>;
template <class T> using Norm1 = Norm<T, NormKind::one>;
template <class T> using NormInf = Norm<T, NormKind::inf>;
template <class T> using NormNegInf = Norm<T, NormKind::neg_inf>;
template <class T> using Norm0 = Norm<T, NormKind::zero>;
template <class T> using Var = Moments<T, false>;
template <class T> using Std = Moments<T, true>;

ReduceTable make_table() {
  ReduceTable t;
  fill<Sum>(t, ReduceOp::sum, false, true);
  fill<Mean>(t, ReduceOp::mean, true, true);
  fill<Prod>(t, ReduceOp::prod, false, true);
  fill<Max>(t, ReduceOp::max, false, true);
  fill<Min>(t, ReduceOp::min, false, true);
  fill<ArgMax>(t, ReduceOp::argmax, false, false);
  fill<ArgMin>(t, ReduceOp::argmin, false, false);
  fill<All>(t, ReduceOp::all, false, true);
  fill<Any>(t, ReduceOp::any, false, true);
  fill<Norm2>(t, ReduceOp::norm2, true, true);
  fill<Norm1>(t, ReduceOp::norm1, true, true);
  fill<NormInf>(t, ReduceOp::norm_inf, true, true);
  fill<NormNegInf>(t, ReduceOp::norm_neg_inf, true, true);
  fill<Norm0>(t, ReduceOp::norm0, true, true);
  fill<PNorm>(t, ReduceOp::norm_p, true, true);
  // Welford's running mean joined slab by slab drifts from the sequential one by a few ulps of a
  // cancelling mean (var_mean((0, 2)) of float64 randn: over test_std_var's 2): var and std keep the copy.
  fill<Var>(t, ReduceOp::var, true, false);
  fill<Std>(t, ReduceOp::std, true, false);
  t.fn[int(ReduceOp::logsumexp)][int(ScalarType::Float32)] = &logsumexp_f32;
  return t;
}

}  // namespace

const ReduceTable& reduce_table() {
  static const ReduceTable t = make_table();
  return t;
}

}  // namespace ramp::kernels::RAMP_ISA
