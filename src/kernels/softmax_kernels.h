// Softmax and log_softmax along one axis, and their gradients. Included by activation_kernels.cpp
// inside namespace ramp::kernels::RAMP_ISA, after exp_f32.h (whose exp the formulas share) and
// lanes.h, so each instruction set gets its own copy.
//
// Layout: a block [outer, dim, ld] of which `width` adjacent columns are processed, softmax running
// down `dim`. The last dim is ld == width == 1: long rows are walked along the row in vectors
// (RowAxis, horizontal reductions at the end); short rows are transposed N at a time into a stack
// panel so each lane holds one row (ColAxis), which spreads the per-row work (the log1p, the
// reductions) over N rows. Any other dim is ColAxis on the tensor itself, lanes across `ld`.
//
// Accuracy. With m the max, d = x - m and s = sum over the other elements of exp(d):
//   log_softmax = d - log1p(s),   softmax = exp(d) / (1 + s).
// 1.13 computes log(1 + s) from the rounded sum 1 + s, which loses the low bits of s: next to the
// max, where log_softmax is -log1p(s) ~ -s, that cost it 266 ulp in float64 (and 75 in float32)
// on rows of 16 randn * 3. Here the max term is kept out of the sum (it is exactly 1: one lane per
// max, counted, so rows with repeated maxima stay exact), and d's rounding error c (TwoSum: d + c
// = x - m exactly) enters the exponential as exp(d) (1 + c), since exp amplifies an absolute error
// in d into a relative one in the result. A row whose max is not finite (NaN, +inf, all -inf) is
// NaN throughout, as in 1.13.
#pragma once

namespace softmax_impl {

template <class E> struct Softmax {
  using L = Lanes<E>;
  using T = typename L::T;
  using D = typename L::D;
  using V = hn::Vec<D>;
  using M = hn::Mask<D>;
  static constexpr std::int64_t N = std::int64_t(hn::MaxLanes(D()));
  // Rows shorter than this go through the transposed panel.
  static constexpr std::int64_t kPanelCols = 48;

  D d;

  // AVX2 has masked loads of 32- and 64-bit lanes (vmaskmov), which never touch the masked-off
  // lanes: a column block narrower than a vector (dim 0 of [64, 10]) is read with no copy. (Its
  // masked stores are microcoded on AMD, several times slower than a copy through the stack.)
  template <class S> static constexpr bool kMaskedFloat = HWY_TARGET == HWY_AVX2 && std::is_same_v<S, T>;

  // w <= N elements of storage type S at p, as T lanes; lanes past w hold `pad`.
  template <class S> V load(const S* p, std::int64_t w, T pad) const {
    using LS = Lanes<S>;
    if (w == N) return LS::load(d, p);
    V v;
    if constexpr (LS::kMaskedTail) {
      v = LS::load_n(d, p, std::size_t(w));
    } else if constexpr (kMaskedFloat<S>) {
      v = hn::MaskedLoad(hn::FirstN(d, std::size_t(w)), d, p);
    } else {
      HWY_ALIGN S buf[N] = {};
      std::memcpy(buf, p, std::size_t(w) * sizeof(S));
      v = LS::load(d, buf);
    }
    return hn::IfThenElse(hn::FirstN(d, std::size_t(w)), v, hn::Set(d, pad));
  }
  template <class S> void store(V v, S* p, std::int64_t w) const {
    using LS = Lanes<S>;
    if (w == N) return LS::store(v, d, p);
    if constexpr (LS::kMaskedTail) {
      LS::store_n(v, d, p, std::size_t(w));
    } else {
      HWY_ALIGN S buf[N];
      LS::store(v, d, buf);
      std::memcpy(p, buf, std::size_t(w) * sizeof(S));
    }
  }

  // The axis along a contiguous row of n elements: vectors of the row, reduced across lanes.
  struct RowAxis {
    std::int64_t n;
    template <class F> void each(F f) const {
      std::int64_t i = 0;
      for (; i + N <= n; i += N) f(i, N);
      if (i < n) f(i, n - i);
    }
    static constexpr bool kReduces = true;
    static V max(D d, V v) { return hn::MaxOfLanes(d, v); }
    static V sum(D d, V v) { return hn::SumOfLanes(d, v); }
    static M any(D d, M a) { return hn::FirstN(d, hn::AllFalse(d, a) ? 0 : std::size_t(N)); }
  };
  // The axis down `dim` rows of stride ld, w <= N columns: one lane per column, nothing to reduce.
  struct ColAxis {
    std::int64_t dim, ld, w;
    template <class F> void each(F f) const {
      for (std::int64_t k = 0; k < dim; ++k) f(k * ld, w);
    }
    static constexpr bool kReduces = false;
    static V max(D, V v) { return v; }
    static V sum(D, V v) { return v; }
    static M any(D, M a) { return a; }
  };

  // The sum of the exponentials, then log1p(s) or 1 / (1 + s) of it (s = sum + count - 1, the
  // count of maxima being exact), rounded once to the lanes. float lanes sum in double (a float
  // sum of 50 terms cost 5 ulp next to the max); double lanes in double-double (TwoSum, the error
  // terms summed apart). `kReduces`: the axis runs along the lanes, which are summed at the end.
#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX2
  struct DoubleHalves {  // float lanes: two vectors of doubles
    using DH = hn::Half<D>;
    using DD = hn::Rebind<double, DH>;
    using VD = hn::Vec<DD>;
    VD lo = hn::Zero(DD()), hi = hn::Zero(DD());
    void add(V e) {
      lo = hn::Add(lo, hn::PromoteTo(DD(), hn::LowerHalf(DH(), e)));
      hi = hn::Add(hi, hn::PromoteTo(DD(), hn::UpperHalf(DH(), e)));
    }
    V finish(V count, bool reduce, bool log) const {
      const D d;
      VD l = lo, h = hi;
      if (reduce) {
        l = h = hn::SumOfLanes(DD(), hn::Add(lo, hi));
        count = hn::SumOfLanes(d, count);
      }
      const VD one = hn::Set(DD(), 1.0);
      auto f = [&](VD v, VD c) {
        v = hn::Add(v, hn::Sub(c, one));
        return log ? hn::Log1p(DD(), v) : hn::Div(one, hn::Add(one, v));
      };
      return hn::Combine(d, hn::DemoteTo(DH(), f(h, hn::PromoteTo(DD(), hn::UpperHalf(DH(), count)))),
                         hn::DemoteTo(DH(), f(l, hn::PromoteTo(DD(), hn::LowerHalf(DH(), count)))));
    }
  };
#endif
  struct TwoSums {  // double lanes
    V hi = hn::Zero(D()), lo = hn::Zero(D());
    void add(V e) {
      const V t = hn::Add(hi, e), bb = hn::Sub(t, hi);
      lo = hn::Add(lo, hn::Add(hn::Sub(hi, hn::Sub(t, bb)), hn::Sub(e, bb)));
      hi = t;
    }
    V finish(V count, bool reduce, bool log) const {
      const D d;
      V s = hn::Add(hi, lo);
      if (reduce) {
        s = hn::Add(hn::SumOfLanes(d, hi), hn::SumOfLanes(d, lo));
        count = hn::SumOfLanes(d, count);
      }
      const V one = hn::Set(d, T(1));
      s = hn::Add(s, hn::Sub(count, one));
      if (!log) return hn::Div(one, hn::Add(one, s));
      // glibc's log1p (within an ulp; Highway's vector Log1p is 2 ulp off at times, all of which
      // shows in log_softmax next to the max): once per row or per column, not per element.
      if (reduce) return hn::Set(d, T(std::log1p(double(hn::GetLane(s)))));
      HWY_ALIGN T lanes[N];
      hn::Store(s, d, lanes);
      for (auto& l : lanes) l = T(std::log1p(double(l)));
      return hn::Load(d, lanes);
    }
  };
  struct DoubleLanes {  // float lanes elsewhere: a double per lane
    HWY_ALIGN double acc[N] = {};
    void add(V e) {
      HWY_ALIGN T lanes[N];
      hn::Store(e, D(), lanes);
      for (std::int64_t i = 0; i < N; ++i) acc[i] += double(lanes[i]);
    }
    V finish(V count, bool reduce, bool log) const {
      HWY_ALIGN T c[N], out[N];
      hn::Store(count, D(), c);
      double total = 0, n = 0;
      for (std::int64_t i = 0; i < N; ++i) total += acc[i], n += double(c[i]);
      for (std::int64_t i = 0; i < N; ++i) {
        const double s = reduce ? total + (n - 1) : acc[i] + (double(c[i]) - 1);
        out[i] = T(log ? std::log1p(s) : 1 / (1 + s));
      }
      return hn::Load(D(), out);
    }
  };
#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX2
  using Sum = std::conditional_t<sizeof(T) == 8, TwoSums, DoubleHalves>;
#else
  using Sum = std::conditional_t<sizeof(T) == 8, TwoSums, DoubleLanes>;
#endif

  // exp(x - mx), with the rounding error of x - mx put back (see the top of the file).
  V exp_shifted(V x, V mx) const {
    const V dx = hn::Sub(x, mx);
    const V bb = hn::Sub(dx, x);
    V c = hn::Sub(hn::Sub(x, hn::Sub(dx, bb)), hn::Add(mx, bb));
    c = hn::IfThenElseZero(hn::Eq(c, c), c);  // x = -inf: exp is 0, c is NaN
    const V e = exp_nonpositive(d, dx);
    return hn::MulAdd(e, c, e);
  }

  // Storage narrower than the lanes (bfloat16) would round exp(d) once when stored between the
  // passes and again when scaled: there the exponential is computed again instead.
  template <class S> static constexpr bool kRecompute = !std::is_same_v<S, T>;

  // y = softmax (log_softmax when `log`) of x along axis `a`; S is E, or T for the panel.
  template <class S, class A> void forward(const S* x, S* y, const A& a, bool log) const {
    const T ninf = -std::numeric_limits<T>::infinity();
    V mx = hn::Set(d, ninf);
    M nan = hn::FirstN(d, 0);
    a.each([&](std::int64_t o, std::int64_t w) {
      const V v = load(x + o, w, ninf);
      nan = hn::Or(nan, hn::IsNaN(v));
      mx = hn::Max(mx, v);
    });
    mx = A::max(d, mx);
    const M bad = hn::Or(A::any(d, nan), hn::Not(hn::IsFinite(mx)));
    mx = hn::IfThenZeroElse(bad, mx);  // keeps those lanes' arithmetic quiet; they end as NaN
    const V one = hn::Set(d, T(1));
    Sum sum;
    V count = hn::Zero(d);
    a.each([&](std::int64_t o, std::int64_t w) {
      const V v = load(x + o, w, ninf);
      const V e = exp_shifted(v, mx);
      const M top = hn::Eq(v, mx);  // exp(0) = 1 exactly: counted, not summed
      sum.add(hn::IfThenZeroElse(top, e));
      count = hn::Add(count, hn::IfThenElseZero(top, one));
      if (!log && !kRecompute<S>) store(e, y + o, w);
    });
    const V f = hn::IfThenElse(bad, hn::Set(d, std::numeric_limits<T>::quiet_NaN()),
                               sum.finish(count, A::kReduces, log));
    if (log) {  // f = log1p(s)
      a.each([&](std::int64_t o, std::int64_t w) { store(hn::Sub(hn::Sub(load(x + o, w, 0), mx), f), y + o, w); });
    } else {  // f = 1 / (1 + s)
      a.each([&](std::int64_t o, std::int64_t w) {
        const V e = kRecompute<S> ? exp_shifted(load(x + o, w, ninf), mx) : load(y + o, w, 0);
        store(hn::Mul(e, f), y + o, w);
      });
    }
  }

  // dx from the output y and its gradient g: softmax dx = y (g - sum(g y)), log_softmax
  // dx = g - exp(y) sum(g), 1.13's formulas.
  template <class S, class A> void backward(const S* y, const S* g, S* dx, const A& a, bool log) const {
    V acc = hn::Zero(d);
    a.each([&](std::int64_t o, std::int64_t w) {
      const V gv = load(g + o, w, 0);
      acc = log ? hn::Add(acc, gv) : hn::MulAdd(gv, load(y + o, w, 0), acc);
    });
    acc = A::sum(d, acc);
    a.each([&](std::int64_t o, std::int64_t w) {
      const V yv = load(y + o, w, 0), gv = load(g + o, w, 0);
      // y <= 0 (NaN in a row whose max was not finite: kept, as 1.13's exp(NaN))
      const V e = log ? hn::IfThenElse(hn::IsNaN(yv), yv, exp_nonpositive(d, yv)) : yv;
      store(log ? hn::NegMulAdd(e, acc, gv) : hn::Mul(yv, hn::Sub(gv, acc)), dx + o, w);
    });
  }

  // Rows [r0, r0 + rows) of length cols (ld == 1): along the row, or N rows at a time through a
  // transposed panel. `f(in..., out, axis)` runs forward or backward on row pointers or panels.
  template <std::size_t K, class F>
  void rows(std::array<const E*, K> in, E* out, std::int64_t rows, std::int64_t cols, F f) const {
    if (cols >= kPanelCols) {
      for (std::int64_t r = 0; r < rows; ++r) {
        std::array<const E*, K> p;
        for (std::size_t k = 0; k < K; ++k) p[k] = in[k] + r * cols;
        f(p, out + r * cols, RowAxis{cols});
      }
      return;
    }
    HWY_ALIGN T panel[K][kPanelCols * N];
    for (std::int64_t r0 = 0; r0 < rows; r0 += N) {
      const std::int64_t w = std::min(N, rows - r0);
      for (std::size_t k = 0; k < K; ++k) {
        const E* src = in[k] + r0 * cols;
        for (std::int64_t r = 0; r < w; ++r)
          for (std::int64_t c = 0; c < cols; ++c) panel[k][c * N + r] = convert<T>(src[r * cols + c]);
      }
      std::array<const T*, K> p;
      for (std::size_t k = 0; k < K; ++k) p[k] = panel[k];
      f(p, panel[0], ColAxis{cols, N, w});
      E* dst = out + r0 * cols;
      for (std::int64_t r = 0; r < w; ++r)
        for (std::int64_t c = 0; c < cols; ++c) dst[r * cols + c] = convert<E>(panel[0][c * N + r]);
    }
  }

  // The columns of an [outer, dim, ld] block, `width` of them from each row's start.
  template <std::size_t K, class F>
  void columns(std::array<const E*, K> in, E* out, std::int64_t outer, std::int64_t dim, std::int64_t width,
               std::int64_t ld, F f) const {
    for (std::int64_t o = 0; o < outer; ++o)
      for (std::int64_t j0 = 0; j0 < width; j0 += N) {
        // A partial last block of a block wider than a vector runs as the full vector ending at the
        // block's end (its first columns computed again, the same values written again): no masked
        // loads or padding lanes (softmax dim 0 of [4096, 10]: 99 -> 78 us). The output is a fresh tensor,
        // never one of the inputs, and the columns stay within this call's block.
        const std::int64_t j = width > N && width - j0 < N ? width - N : j0;
        std::array<const E*, K> p;
        for (std::size_t k = 0; k < K; ++k) p[k] = in[k] + o * dim * ld + j;
        f(p, out + o * dim * ld + j, ColAxis{dim, ld, std::min(N, width - j)});
      }
  }

  template <std::size_t K, class F>
  void run(std::array<const E*, K> in, E* out, std::int64_t outer, std::int64_t dim, std::int64_t width,
           std::int64_t ld, F f) const {
    if (ld == 1 && width == 1) rows<K>(in, out, outer, dim, f);
    else columns<K>(in, out, outer, dim, width, ld, f);
  }
};

}  // namespace softmax_impl

template <class E>
void softmax(const void* x, void* y, std::int64_t outer, std::int64_t dim, std::int64_t width, std::int64_t ld,
             bool log) {
  const softmax_impl::Softmax<E> k;
  k.template run<1>({static_cast<const E*>(x)}, static_cast<E*>(y), outer, dim, width, ld,
                    [&](auto in, auto* out, const auto& axis) { k.forward(in[0], out, axis, log); });
}

template <class E>
void softmax_backward(const void* y, const void* g, void* dx, std::int64_t outer, std::int64_t dim,
                      std::int64_t width, std::int64_t ld, bool log) {
  const softmax_impl::Softmax<E> k;
  k.template run<2>({static_cast<const E*>(y), static_cast<const E*>(g)}, static_cast<E*>(dx), outer, dim, width,
                    ld, [&](auto in, auto* out, const auto& axis) { k.backward(in[0], in[1], out, axis, log); });
}
