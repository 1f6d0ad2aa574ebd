// The optimizers' updates: 1.13's `_single_tensor_sgd/adam/adamw` fused into one pass per
// parameter, each operation rounded as 1.13's CPU kernels round it, so results match torch's
// bit for bit (float32, float64; bfloat16 as 1.13's vector path):
//   - `a.add_(b, alpha=s)` is fma(b, s, a): 1.13's AVX2/AVX-512 kernels use vec::fmadd, which the
//     FMA clones below compute with one vfmadd (the default clone calls libm's exact fma);
//   - `a.addcmul_(b, c, value=s)` is fma(s * b, c, a) (GCC contracts 1.13's `a + s * b * c`);
//   - `a.addcdiv_(b, c, value=s)` is a + (s * b) / c; scalars are rounded to the element type first.
// Compiled with -fno-math-errno (so sqrt vectorizes) and -ffp-contract=off (no fusing beyond the
// explicit std::fma calls), see CMakeLists.txt.
#include "update.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <type_traits>
#include <unordered_map>

#include "../tensor/parallel.h"
#include "update_sums.h"

#if defined(__x86_64__) && defined(__GNUC__)
#define RAMP_FMA_CLONES __attribute__((target_clones("fma", "default")))
#else
#define RAMP_FMA_CLONES
#endif

namespace ramp::optim::detail {
namespace {

// The type an element is computed in: bfloat16 in float, rounded after every operation as each of
// 1.13's bfloat16 ops rounds its result.
template <class T> using Acc = std::conditional_t<std::is_same_v<T, double>, double, float>;
template <class T> inline Acc<T> rnd(Acc<T> v) {
  if constexpr (std::is_same_v<T, BFloat16>) return float(BFloat16(v));
  else return v;
}

enum Momentum { kNone, kFirst, kRunning };

// A watched parameter's sums of squares (update_sums.h), added up in the update loop from the values
// it already holds: the gradient, the weight before and after. kS false (no watcher): the loop as
// it always was. kS true: the same body over blocks of kSumBlock elements under `omp simd
// reduction`, so the sums vectorize with the update: sums in F per block (32 terms a lane in float),
// the blocks' sums added in double. A float block sum is exact to a few ulps only between the
// overflow (a square of |x| > 1.8e19: an exploding gradient) and the subnormals (squares under
// 1.2e-38 lose digits: a vanishing one). Outside that range, or at 0, the gradient's block, which
// the update does not change, is summed again in double; the weights before the update are gone (keeping them
// cost a third of the watched step, adding magnitudes to tell underflow from zero another third), so
// the step's weight and update sums become NaN and the Monitor reports the update ratio as not
// measured rather than wrong. A zero weight or update sum counts as exact: zero biases, or updates
// too small to change a weight; a block whose every nonzero square underflows float (all
// |x| < 2.6e-23, yet not all 0) is the one case read as 0.
template <class F>
[[gnu::always_inline]] inline void tally(F& sg, F& sw, F& sd, F g, F before, F after) {
  const F d = after - before;
  sg += g * g, sw += before * before, sd += d * d;
}
constexpr std::int64_t kSumBlock = 256;
// 256 terms of subnormal error (one smallest subnormal each) stay under an ulp of a sum above 1024
// times the smallest normal (1.2e-35 in float).
template <class F> [[gnu::always_inline]] inline bool exact_sum(F s) {
  return s == 0 || (s >= std::numeric_limits<F>::min() * F(1024) && s <= std::numeric_limits<F>::max());
}
template <class T> double squares_in_double(const T* g, std::int64_t lo, std::int64_t hi) {
  double s = 0;
  for (std::int64_t i = lo; i < hi; ++i) s += double(g[i]) * double(g[i]);
  return s;
}
// clang-format off
#define RAMP_UPDATE_LOOP(...)                                                       \
  if constexpr (!kS) {                                                              \
    (void)sums;                                                                     \
    [[maybe_unused]] F bg = 0, bw = 0, bd = 0;                                      \
    for (std::int64_t i = 0; i < n; ++i) __VA_ARGS__                                \
  } else {                                                                          \
    double sg = 0, sw = 0, sd = 0;                                                  \
    for (std::int64_t lo = 0; lo < n; lo += kSumBlock) {                            \
      const std::int64_t hi = std::min(n, lo + kSumBlock);                          \
      F bg = 0, bw = 0, bd = 0;                                                     \
      _Pragma("omp simd reduction(+ : bg, bw, bd)") for (std::int64_t i = lo; i < hi; ++i) __VA_ARGS__ \
      sg += bg != 0 && exact_sum(bg) ? double(bg) : squares_in_double(g, lo, hi);   \
      if (exact_sum(bw) && exact_sum(bd)) sw += double(bw), sd += double(bd);       \
      else sw = sd = NAN;                                                           \
    }                                                                               \
    sums->add(sg, sw, sd);                                                          \
  }
// clang-format on
#define RAMP_UPDATE_STORE(value)                                      \
  {                                                                   \
    const T out_ = T(value);                                          \
    p[i] = out_;                                                      \
    if constexpr (kS) tally<F>(bg, bw, bd, F(g[i]), before, F(out_)); \
  }

template <class T, bool kS, bool kWd, Momentum kMom, bool kNesterov>
[[gnu::always_inline]] inline void sgd_loop(T* __restrict p, const T* __restrict g, T* __restrict buf,
                                            std::int64_t n, const SgdArgs& a, UpdateSums* sums) {
  using F = Acc<T>;
  const F sign = a.maximize ? F(-1) : F(1), wd = F(a.weight_decay), momentum = F(a.momentum);
  const F keep = F(1 - a.dampening), neg_lr = F(-a.lr);
  RAMP_UPDATE_LOOP({
    const F param = F(p[i]);
    [[maybe_unused]] const F before = param;
    F d = F(g[i]) * sign;
    if constexpr (kWd) d = rnd<T>(std::fma(param, wd, d));  // d_p.add(param, alpha=weight_decay)
    if constexpr (kMom != kNone) {
      // buf = clone(d_p) at first, then buf.mul_(momentum).add_(d_p, alpha=1 - dampening)
      const F b = kMom == kFirst ? d : rnd<T>(std::fma(d, keep, rnd<T>(F(buf[i]) * momentum)));
      buf[i] = T(b);
      d = kNesterov ? rnd<T>(std::fma(b, momentum, d)) : b;  // d_p.add(buf, alpha=momentum)
    }
    RAMP_UPDATE_STORE(std::fma(d, neg_lr, param))  // param.add_(d_p, alpha=-lr)
  })
}

template <class T, bool kS, bool kWd, Momentum kMom>
[[gnu::always_inline]] inline void sgd_n(T* p, const T* g, T* buf, std::int64_t n, const SgdArgs& a,
                                         UpdateSums* sums) {
  if (a.nesterov)
    sgd_loop<T, kS, kWd, kMom, true>(p, g, buf, n, a, sums);
  else
    sgd_loop<T, kS, kWd, kMom, false>(p, g, buf, n, a, sums);
}
template <class T, bool kS, bool kWd>
[[gnu::always_inline]] inline void sgd_m(T* p, const T* g, T* buf, std::int64_t n, const SgdArgs& a,
                                         UpdateSums* sums) {
  if (a.momentum == 0)
    sgd_n<T, kS, kWd, kNone>(p, g, buf, n, a, sums);
  else if (a.first)
    sgd_n<T, kS, kWd, kFirst>(p, g, buf, n, a, sums);
  else
    sgd_n<T, kS, kWd, kRunning>(p, g, buf, n, a, sums);
}
template <class T, bool kS>
[[gnu::always_inline]] inline void sgd_any(T* p, const T* g, T* buf, std::int64_t n, const SgdArgs& a,
                                           UpdateSums* sums) {
  if (a.weight_decay != 0)
    sgd_m<T, kS, true>(p, g, buf, n, a, sums);
  else
    sgd_m<T, kS, false>(p, g, buf, n, a, sums);
}

template <class T, bool kS, bool kDecoupled, bool kWd, bool kAmsgrad>
[[gnu::always_inline]] inline void adam_loop(T* __restrict p, const T* __restrict g, T* __restrict m,
                                             T* __restrict v, T* __restrict vmax, std::int64_t n,
                                             const AdamArgs& a, UpdateSums* sums) {
  using F = Acc<T>;
  const F sign = a.maximize ? F(-1) : F(1), wd = F(a.weight_decay), decay = F(a.decay);
  const F beta1 = F(a.beta1), keep1 = F(1 - a.beta1), beta2 = F(a.beta2), keep2 = F(1 - a.beta2);
  const F bc2 = F(a.bias_correction2_sqrt), eps = F(a.eps), neg_step = F(-a.step_size);
  RAMP_UPDATE_LOOP({
    F param = F(p[i]);
    [[maybe_unused]] const F before = param;
    F d = F(g[i]) * sign;
    if constexpr (kDecoupled) param = rnd<T>(param * decay);  // param.mul_(1 - lr * weight_decay)
    if constexpr (kWd) d = rnd<T>(std::fma(param, wd, d));    // grad.add(param, alpha=weight_decay)
    // exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1); exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
    const F mi = rnd<T>(std::fma(d, keep1, rnd<T>(F(m[i]) * beta1)));
    const F vi = rnd<T>(std::fma(rnd<T>(keep2 * d), d, rnd<T>(F(v[i]) * beta2)));
    m[i] = T(mi);
    v[i] = T(vi);
    F s = vi;
    if constexpr (kAmsgrad) {  // torch.maximum: NaN wins
      const F old = F(vmax[i]);
      s = old > vi || old != old ? old : vi;
      vmax[i] = T(s);
    }
    // denom = (sqrt(s) / sqrt(bias_correction2)).add_(eps); param.addcdiv_(exp_avg, denom, value=-step_size)
    const F denom = rnd<T>(rnd<T>(std::sqrt(s) / bc2) + eps);
    RAMP_UPDATE_STORE(param + rnd<T>(rnd<T>(neg_step * mi) / denom))
  })
}

template <class T, bool kS, bool kDecoupled, bool kWd>
[[gnu::always_inline]] inline void adam_a(T* p, const T* g, T* m, T* v, T* vmax, std::int64_t n,
                                          const AdamArgs& a, UpdateSums* sums) {
  if (a.amsgrad)
    adam_loop<T, kS, kDecoupled, kWd, true>(p, g, m, v, vmax, n, a, sums);
  else
    adam_loop<T, kS, kDecoupled, kWd, false>(p, g, m, v, vmax, n, a, sums);
}
template <class T, bool kS>
[[gnu::always_inline]] inline void adam_any(T* p, const T* g, T* m, T* v, T* vmax, std::int64_t n,
                                            const AdamArgs& a, UpdateSums* sums) {
  if (a.decoupled)
    adam_a<T, kS, true, false>(p, g, m, v, vmax, n, a, sums);
  else if (a.weight_decay != 0)
    adam_a<T, kS, false, true>(p, g, m, v, vmax, n, a, sums);
  else
    adam_a<T, kS, false, false>(p, g, m, v, vmax, n, a, sums);
}

// Adadelta, Adagrad and RMSprop: each loop takes the parameter, its gradient and three state arrays
// (those an option leaves out are null and unused).
template <class T, bool kS, bool kWd>
[[gnu::always_inline]] inline void adadelta_loop(T* __restrict p, const T* __restrict g, T* __restrict sa,
                                                 T* __restrict ad, T*, std::int64_t n, const AdadeltaArgs& a,
                                                 UpdateSums* sums) {
  using F = Acc<T>;
  const F sign = a.maximize ? F(-1) : F(1), wd = F(a.weight_decay), rho = F(a.rho), keep = F(1 - a.rho);
  const F eps = F(a.eps), neg_lr = F(-a.lr);
  RAMP_UPDATE_LOOP({
    const F param = F(p[i]);
    [[maybe_unused]] const F before = param;
    F d = F(g[i]) * sign;
    if constexpr (kWd) d = rnd<T>(std::fma(param, wd, d));  // grad.add(param, alpha=weight_decay)
    // square_avg.mul_(rho).addcmul_(grad, grad, value=1 - rho); std = square_avg.add(eps).sqrt_()
    const F s = rnd<T>(std::fma(rnd<T>(keep * d), d, rnd<T>(F(sa[i]) * rho)));
    sa[i] = T(s);
    const F std_ = rnd<T>(std::sqrt(rnd<T>(s + eps)));
    // delta = acc_delta.add(eps).sqrt_().div_(std).mul_(grad)
    const F acc = F(ad[i]);
    const F delta = rnd<T>(rnd<T>(rnd<T>(std::sqrt(rnd<T>(acc + eps))) / std_) * d);
    // acc_delta.mul_(rho).addcmul_(delta, delta, value=1 - rho); param.add_(delta, alpha=-lr)
    ad[i] = T(std::fma(rnd<T>(keep * delta), delta, rnd<T>(acc * rho)));
    RAMP_UPDATE_STORE(std::fma(delta, neg_lr, param))
  })
}

template <class T, bool kS, bool kWd>
[[gnu::always_inline]] inline void adagrad_loop(T* __restrict p, const T* __restrict g, T* __restrict sum, T*,
                                                T*, std::int64_t n, const AdagradArgs& a, UpdateSums* sums) {
  using F = Acc<T>;
  const F sign = a.maximize ? F(-1) : F(1), wd = F(a.weight_decay), eps = F(a.eps), neg_clr = F(-a.clr);
  RAMP_UPDATE_LOOP({
    const F param = F(p[i]);
    [[maybe_unused]] const F before = param;
    F d = F(g[i]) * sign;
    if constexpr (kWd) d = rnd<T>(std::fma(param, wd, d));
    // state_sum.addcmul_(grad, grad, value=1); std = state_sum.sqrt().add_(eps)
    const F s = rnd<T>(std::fma(d, d, F(sum[i])));
    sum[i] = T(s);
    const F std_ = rnd<T>(rnd<T>(std::sqrt(s)) + eps);
    RAMP_UPDATE_STORE(param + rnd<T>(rnd<T>(neg_clr * d) / std_))  // param.addcdiv_(grad, std, value=-clr)
  })
}

template <class T, bool kS, bool kWd, bool kCentered, bool kMomentum>
[[gnu::always_inline]] inline void rmsprop_loop(T* __restrict p, const T* __restrict g, T* __restrict sa,
                                                T* __restrict ga, T* __restrict buf, std::int64_t n,
                                                const RmspropArgs& a, UpdateSums* sums) {
  using F = Acc<T>;
  const F sign = a.maximize ? F(-1) : F(1), wd = F(a.weight_decay), alpha = F(a.alpha), keep = F(1 - a.alpha);
  const F eps = F(a.eps), momentum = F(a.momentum), neg_lr = F(-a.lr);
  RAMP_UPDATE_LOOP({
    const F param = F(p[i]);
    [[maybe_unused]] const F before = param;
    F d = F(g[i]) * sign;
    if constexpr (kWd) d = rnd<T>(std::fma(param, wd, d));
    // square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
    const F s = rnd<T>(std::fma(rnd<T>(keep * d), d, rnd<T>(F(sa[i]) * alpha)));
    sa[i] = T(s);
    F avg;
    if constexpr (kCentered) {
      // grad_avg.mul_(alpha).add_(grad, alpha=1 - alpha); avg = square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()
      const F ma = rnd<T>(std::fma(d, keep, rnd<T>(F(ga[i]) * alpha)));
      ga[i] = T(ma);
      avg = rnd<T>(std::sqrt(rnd<T>(std::fma(-ma, ma, s))));
    } else {
      avg = rnd<T>(std::sqrt(s));  // square_avg.sqrt()
    }
    avg = rnd<T>(avg + eps);  // avg.add_(eps)
    if constexpr (kMomentum) {
      // buf.mul_(momentum).addcdiv_(grad, avg); param.add_(buf, alpha=-lr)
      const F b = rnd<T>(rnd<T>(F(buf[i]) * momentum) + rnd<T>(d / avg));
      buf[i] = T(b);
      RAMP_UPDATE_STORE(std::fma(b, neg_lr, param))
    } else {
      RAMP_UPDATE_STORE(param + rnd<T>(rnd<T>(neg_lr * d) / avg))  // param.addcdiv_(grad, avg, value=-lr)
    }
  })
}

template <class T, bool kS>
[[gnu::always_inline]] inline void adadelta_any(T* p, const T* g, T* s0, T* s1, T* s2, std::int64_t n,
                                                const AdadeltaArgs& a, UpdateSums* sums) {
  if (a.weight_decay != 0)
    adadelta_loop<T, kS, true>(p, g, s0, s1, s2, n, a, sums);
  else
    adadelta_loop<T, kS, false>(p, g, s0, s1, s2, n, a, sums);
}
template <class T, bool kS>
[[gnu::always_inline]] inline void adagrad_any(T* p, const T* g, T* s0, T* s1, T* s2, std::int64_t n,
                                               const AdagradArgs& a, UpdateSums* sums) {
  if (a.weight_decay != 0)
    adagrad_loop<T, kS, true>(p, g, s0, s1, s2, n, a, sums);
  else
    adagrad_loop<T, kS, false>(p, g, s0, s1, s2, n, a, sums);
}
template <class T, bool kS, bool kWd, bool kCentered>
[[gnu::always_inline]] inline void rmsprop_m(T* p, const T* g, T* s0, T* s1, T* s2, std::int64_t n,
                                             const RmspropArgs& a, UpdateSums* sums) {
  if (a.momentum > 0)
    rmsprop_loop<T, kS, kWd, kCentered, true>(p, g, s0, s1, s2, n, a, sums);
  else
    rmsprop_loop<T, kS, kWd, kCentered, false>(p, g, s0, s1, s2, n, a, sums);
}
template <class T, bool kS, bool kWd>
[[gnu::always_inline]] inline void rmsprop_c(T* p, const T* g, T* s0, T* s1, T* s2, std::int64_t n,
                                             const RmspropArgs& a, UpdateSums* sums) {
  if (a.centered)
    rmsprop_m<T, kS, kWd, true>(p, g, s0, s1, s2, n, a, sums);
  else
    rmsprop_m<T, kS, kWd, false>(p, g, s0, s1, s2, n, a, sums);
}
template <class T, bool kS>
[[gnu::always_inline]] inline void rmsprop_any(T* p, const T* g, T* s0, T* s1, T* s2, std::int64_t n,
                                               const RmspropArgs& a, UpdateSums* sums) {
  if (a.weight_decay != 0)
    rmsprop_c<T, kS, true>(p, g, s0, s1, s2, n, a, sums);
  else
    rmsprop_c<T, kS, false>(p, g, s0, s1, s2, n, a, sums);
}

// Elements per thread before a parameter's update is split (a few flops per 12-20 bytes moved).
constexpr std::int64_t kGrain = 32768;

}  // namespace

// One FMA clone and one default clone per dtype, picked once at load time (GNU ifunc).
RAMP_FMA_CLONES void sgd_f32(float* p, const float* g, float* buf, std::int64_t n, const SgdArgs& a,
                             UpdateSums* sums) {
  if (sums)
    sgd_any<float, true>(p, g, buf, n, a, sums);
  else
    sgd_any<float, false>(p, g, buf, n, a, nullptr);
}
RAMP_FMA_CLONES void sgd_f64(double* p, const double* g, double* buf, std::int64_t n, const SgdArgs& a,
                             UpdateSums* sums) {
  if (sums)
    sgd_any<double, true>(p, g, buf, n, a, sums);
  else
    sgd_any<double, false>(p, g, buf, n, a, nullptr);
}
RAMP_FMA_CLONES void sgd_bf16(BFloat16* p, const BFloat16* g, BFloat16* buf, std::int64_t n, const SgdArgs& a,
                              UpdateSums* sums) {
  if (sums)
    sgd_any<BFloat16, true>(p, g, buf, n, a, sums);
  else
    sgd_any<BFloat16, false>(p, g, buf, n, a, nullptr);
}
RAMP_FMA_CLONES void adam_f32(float* p, const float* g, float* m, float* v, float* vmax, std::int64_t n,
                              const AdamArgs& a, UpdateSums* sums) {
  if (sums)
    adam_any<float, true>(p, g, m, v, vmax, n, a, sums);
  else
    adam_any<float, false>(p, g, m, v, vmax, n, a, nullptr);
}
RAMP_FMA_CLONES void adam_f64(double* p, const double* g, double* m, double* v, double* vmax, std::int64_t n,
                              const AdamArgs& a, UpdateSums* sums) {
  if (sums)
    adam_any<double, true>(p, g, m, v, vmax, n, a, sums);
  else
    adam_any<double, false>(p, g, m, v, vmax, n, a, nullptr);
}
RAMP_FMA_CLONES void adam_bf16(BFloat16* p, const BFloat16* g, BFloat16* m, BFloat16* v, BFloat16* vmax,
                               std::int64_t n, const AdamArgs& a, UpdateSums* sums) {
  if (sums)
    adam_any<BFloat16, true>(p, g, m, v, vmax, n, a, sums);
  else
    adam_any<BFloat16, false>(p, g, m, v, vmax, n, a, nullptr);
}

// Adadelta, Adagrad, RMSprop: the same FMA/default clone per dtype, with one signature.
#define RAMP_UPDATE_CLONE(name, suffix, T, Args)                                                             \
  RAMP_FMA_CLONES void name##_##suffix(T* p, const T* g, T* s0, T* s1, T* s2, std::int64_t n, const Args& a, \
                                       UpdateSums* sums) {                                                   \
    if (sums)                                                                                                \
      name##_any<T, true>(p, g, s0, s1, s2, n, a, sums);                                                     \
    else                                                                                                     \
      name##_any<T, false>(p, g, s0, s1, s2, n, a, nullptr);                                                 \
  }
#define RAMP_UPDATE_CLONES(name, Args)       \
  RAMP_UPDATE_CLONE(name, f32, float, Args)  \
  RAMP_UPDATE_CLONE(name, f64, double, Args) \
  RAMP_UPDATE_CLONE(name, bf16, BFloat16, Args)
RAMP_UPDATE_CLONES(adadelta, AdadeltaArgs)
RAMP_UPDATE_CLONES(adagrad, AdagradArgs)
RAMP_UPDATE_CLONES(rmsprop, RmspropArgs)
#undef RAMP_UPDATE_CLONES
#undef RAMP_UPDATE_CLONE

namespace {
template <class T> T* at(void* base, std::int64_t i) { return base ? static_cast<T*>(base) + i : nullptr; }
template <class T> const T* at(const void* base, std::int64_t i) { return static_cast<const T*>(base) + i; }
}  // namespace

void sgd_update(ScalarType t, void* p, const void* g, void* buf, std::int64_t n, const SgdArgs& a) {
  UpdateSums* sums = current_sums();  // read here: the chunks may run on other threads
  ramp::detail::parallel_for(n, kGrain, 16, [&](std::int64_t b, std::int64_t e) {
    switch (t) {
      case ScalarType::Float32:
        return sgd_f32(at<float>(p, b), at<float>(g, b), at<float>(buf, b), e - b, a, sums);
      case ScalarType::Float64:
        return sgd_f64(at<double>(p, b), at<double>(g, b), at<double>(buf, b), e - b, a, sums);
      case ScalarType::BFloat16:
        return sgd_bf16(at<BFloat16>(p, b), at<BFloat16>(g, b), at<BFloat16>(buf, b), e - b, a, sums);
      default: return;  // the caller checked the dtype
    }
  });
}

void adam_update(ScalarType t, void* p, const void* g, void* m, void* v, void* vmax, std::int64_t n,
                 const AdamArgs& a) {
  UpdateSums* sums = current_sums();
  ramp::detail::parallel_for(n, kGrain, 16, [&](std::int64_t b, std::int64_t e) {
    switch (t) {
      case ScalarType::Float32:
        return adam_f32(at<float>(p, b), at<float>(g, b), at<float>(m, b), at<float>(v, b),
                        at<float>(vmax, b), e - b, a, sums);
      case ScalarType::Float64:
        return adam_f64(at<double>(p, b), at<double>(g, b), at<double>(m, b), at<double>(v, b),
                        at<double>(vmax, b), e - b, a, sums);
      case ScalarType::BFloat16:
        return adam_bf16(at<BFloat16>(p, b), at<BFloat16>(g, b), at<BFloat16>(m, b), at<BFloat16>(v, b),
                         at<BFloat16>(vmax, b), e - b, a, sums);
      default: return;
    }
  });
}

namespace {
template <class T, class Args>
using UpdateFn = void (*)(T*, const T*, T*, T*, T*, std::int64_t, const Args&, UpdateSums*);
template <class Args>
void run_update(ScalarType t, const Buffers& b, std::int64_t n, const Args& a, UpdateFn<float, Args> f32,
                UpdateFn<double, Args> f64, UpdateFn<BFloat16, Args> bf16) {
  UpdateSums* sums = current_sums();
  auto go = [&]<class T>(UpdateFn<T, Args> f, std::int64_t lo, std::int64_t hi) {
    f(at<T>(b.param, lo), at<T>(b.grad, lo), at<T>(b.state[0], lo), at<T>(b.state[1], lo),
      at<T>(b.state[2], lo), hi - lo, a, sums);
  };
  ramp::detail::parallel_for(n, kGrain, 16, [&](std::int64_t lo, std::int64_t hi) {
    switch (t) {
      case ScalarType::Float32: return go(f32, lo, hi);
      case ScalarType::Float64: return go(f64, lo, hi);
      case ScalarType::BFloat16: return go(bf16, lo, hi);
      default: return;
    }
  });
}
}  // namespace

void adadelta_update(ScalarType t, const Buffers& b, std::int64_t n, const AdadeltaArgs& a) {
  run_update(t, b, n, a, adadelta_f32, adadelta_f64, adadelta_bf16);
}
void adagrad_update(ScalarType t, const Buffers& b, std::int64_t n, const AdagradArgs& a) {
  run_update(t, b, n, a, adagrad_f32, adagrad_f64, adagrad_bf16);
}
void rmsprop_update(ScalarType t, const Buffers& b, std::int64_t n, const RmspropArgs& a) {
  run_update(t, b, n, a, rmsprop_f32, rmsprop_f64, rmsprop_bf16);
}

UpdateSums*& current_sums() {
  thread_local UpdateSums* sums = nullptr;
  return sums;
}

namespace {
// Watched parameters by their TensorImpl; `watched` lets an unwatched update skip the lock.
std::mutex g_watch_mutex;
std::unordered_map<const TensorImpl*, UpdateSums*> g_watch;
std::atomic<std::size_t> g_watched{0};
}  // namespace

UpdateSums* update_sums(const Tensor& param) {
  if (g_watched.load(std::memory_order_relaxed) == 0) return nullptr;
  std::lock_guard lock(g_watch_mutex);
  const auto it = g_watch.find(&param.impl());
  return it != g_watch.end() && it->second->armed ? it->second : nullptr;
}

}  // namespace ramp::optim::detail

namespace ramp::optim {
void report_updates(const Tensor& param, UpdateSums* sums) {
  std::lock_guard lock(detail::g_watch_mutex);
  detail::g_watch[&param.impl()] = sums;
  detail::g_watched.store(detail::g_watch.size(), std::memory_order_relaxed);
}
void stop_reports(const Tensor& param, const UpdateSums* sums) {
  std::lock_guard lock(detail::g_watch_mutex);
  const auto it = detail::g_watch.find(&param.impl());
  if (it != detail::g_watch.end() && it->second == sums) detail::g_watch.erase(it);
  detail::g_watched.store(detail::g_watch.size(), std::memory_order_relaxed);
}
}  // namespace ramp::optim
