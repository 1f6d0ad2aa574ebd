// The per-output statistics of the Monitor: bit counts over a rectifier's pass mask, and the
// passes over an output that only logged steps pay for.
#include "stats.h"

#include "ramp/reduce.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <numeric>

namespace ramp::diagnostics {

std::int64_t count_bits(const std::uint64_t* bits, std::int64_t n) {
  std::int64_t c = 0;
  const std::int64_t words = n / 64;
  for (std::int64_t w = 0; w < words; ++w) c += std::popcount(bits[w]);
  if (n % 64) c += std::popcount(bits[words] & ((std::uint64_t(1) << (n % 64)) - 1));
  return c;
}

namespace {
// 64 bits of `bits` starting at bit `start` (bits past the end of the buffer are not read
// beyond the word holding bit start + 63).
std::uint64_t word_at(const std::uint64_t* bits, std::int64_t start, std::int64_t available) {
  const std::int64_t w = start / 64, s = start % 64;
  std::uint64_t v = bits[w] >> s;
  if (s && available > 64 - s) v |= bits[w + 1] << (64 - s);
  return v;
}
std::uint64_t low_mask(std::int64_t k) { return k >= 64 ? ~std::uint64_t(0) : (std::uint64_t(1) << k) - 1; }
}  // namespace

void or_bits(std::uint64_t* into, const std::uint64_t* bits, std::int64_t start, std::int64_t len) {
  for (std::int64_t k = 0; k < len; k += 64) {
    const std::int64_t take = std::min<std::int64_t>(64, len - k);
    into[k / 64] |= word_at(bits, start + k, take) & low_mask(take);
  }
}

bool any_bit(const std::uint64_t* bits, std::int64_t start, std::int64_t len) {
  for (std::int64_t k = 0; k < len; k += 64) {
    const std::int64_t take = std::min<std::int64_t>(64, len - k);
    if (word_at(bits, start + k, take) & low_mask(take)) return true;
  }
  return false;
}

Layout layout_of(const Tensor& t, int units_dim) {
  Layout l;
  if (t.dim() == 0) return l;
  if (t.dim() == 1) {
    l.units = t.size(0);
    return l;
  }
  if (units_dim == -1) {  // [..., F]: every position of the leading dims is a row
    l.units = t.size(-1);
    l.outer = t.numel() / std::max<std::int64_t>(1, l.units);
    return l;
  }
  l.outer = t.size(0), l.units = t.size(1);
  for (std::int64_t d = 2; d < t.dim(); ++d) l.inner *= t.size(d);
  return l;
}

void mark_alive(std::vector<std::uint64_t>& alive, const std::uint64_t* bits, const Layout& l) {
  for (std::int64_t r = 0; r < l.outer; ++r) {
    const std::int64_t row = r * l.units * l.inner;
    if (l.inner == 1) {
      or_bits(alive.data(), bits, row, l.units);
      continue;
    }
    for (std::int64_t u = 0; u < l.units; ++u)
      if (!(alive[std::size_t(u / 64)] >> (u % 64) & 1) && any_bit(bits, row + u * l.inner, l.inner))
        alive[std::size_t(u / 64)] |= std::uint64_t(1) << (u % 64);
  }
}

Saturation saturation_of(std::string_view type) {
  // Where the local derivative falls below 1% of its largest value, written on the output y.
  if (type == "Sigmoid") return [](double y) { return y * (1 - y) < 0.0025; };
  if (type == "Tanh") return [](double y) { return 1 - y * y < 0.01; };
  if (type == "Softsign") return [](double y) { return (1 - std::abs(y)) * (1 - std::abs(y)) < 0.01; };
  if (type == "LogSigmoid") return [](double y) { return 1 - std::exp(y) < 0.01; };
  // Piecewise-linear ones: on the flat parts the output sits at a bound.
  if (type == "Hardtanh" || type == "ReLU6") return [](double y) { return y <= -1 || y >= 1; };
  if (type == "Hardsigmoid") return [](double y) { return y <= 0 || y >= 1; };
  return nullptr;
}

#if defined(__x86_64__) && defined(__GNUC__)
#define RAMP_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define RAMP_SIMD_CLONES
#endif

namespace {
// Sets unit u's bit when any of its values is positive (or NaN, as the mask counts it).
template <class T> void mark_alive_values(const T* p, const Layout& l, std::vector<std::uint64_t>& alive) {
  for (std::int64_t r = 0; r < l.outer; ++r)
    for (std::int64_t u = 0; u < l.units; ++u) {
      if (alive[std::size_t(u / 64)] >> (u % 64) & 1) continue;
      const T* q = p + (r * l.units + u) * l.inner;
      for (std::int64_t k = 0; k < l.inner; ++k)
        if (!(double(q[k]) <= 0)) {
          alive[std::size_t(u / 64)] |= std::uint64_t(1) << (u % 64);
          break;
        }
    }
}

// Sum, sum of squares (in double) and, when kPositive, the count of values not <= 0 (NaN positive,
// as in the mask): one vectorized pass (the reduction clause lets the sums be reordered).
template <bool kPositive, class T>
[[gnu::always_inline]] inline void moments(const T* p, std::int64_t n, Sums& s) {
  double sum = 0, sq = 0;
  std::int64_t positive = 0;
#pragma omp simd reduction(+ : sum, sq, positive)
  for (std::int64_t i = 0; i < n; ++i) {
    const double v = double(p[i]);
    sum += v, sq += v * v;
    if constexpr (kPositive) positive += !(v <= 0);
  }
  s.sum += sum, s.squares += sq, s.positive += positive;
}
RAMP_SIMD_CLONES void moments_f32(const float* p, std::int64_t n, bool positive, Sums& s) {
  positive ? moments<true>(p, n, s) : moments<false>(p, n, s);
}
RAMP_SIMD_CLONES void moments_f64(const double* p, std::int64_t n, bool positive, Sums& s) {
  positive ? moments<true>(p, n, s) : moments<false>(p, n, s);
}
void moments_of(const float* p, std::int64_t n, bool positive, Sums& s) { moments_f32(p, n, positive, s); }
void moments_of(const double* p, std::int64_t n, bool positive, Sums& s) { moments_f64(p, n, positive, s); }

template <class T>
void scan(const T* p, std::int64_t n, const Options& o, Saturation sat, bool count_positive, const Layout& l,
          std::vector<std::uint64_t>* alive, Sums& s) {
  s.n += n;
  if (sat)
    for (std::int64_t j = 0; j < n; ++j) s.saturated += sat(double(p[j]));
  // The histogram from at most kHistogramSample outputs, evenly strided, the stride coprime to the
  // positions per unit (a stride of H*W would sample one pixel of every channel). 4096 samples put
  // a bin's fraction within 0.8 percentage points (one standard error) at worst: enough for a chart.
  // Truncation is floor for t >= 0, and `!(t >= 0)` sends NaN to the first bin. The samples are
  // read block by block right after the moments pass over the block (in cache, not a miss each),
  // into four interleaved count arrays (a run of one bin would chain every increment on the last).
  s.hist.resize(std::size_t(o.bins), 0);
  std::int64_t stride = std::max<std::int64_t>(1, (n + kHistogramSample - 1) / kHistogramSample);
  while (stride > 1 && std::gcd(stride, l.inner) != 1) ++stride;
  const double scale = o.bins / (o.hist_hi - o.hist_lo), last = double(o.bins - 1);
  const std::size_t bins = std::size_t(o.bins);
  std::vector<std::int32_t> counts(4 * bins, 0);
  constexpr std::int64_t kBlock = 8192;
  std::int64_t j = 0, taken = 0;
  for (std::int64_t b = 0; b < n; b += kBlock) {
    const std::int64_t e = std::min(n, b + kBlock);
    moments_of(p + b, e - b, count_positive, s);
    for (; j < e; j += stride, ++taken) {
      const double t = (double(p[j]) - o.hist_lo) * scale;
      ++counts[std::size_t(taken & 3) * bins + std::size_t(!(t >= 0) ? 0.0 : t >= last ? last : t)];
    }
  }
  for (std::size_t k = 0; k < bins; ++k)
    for (std::size_t c = 0; c < 4; ++c) s.hist[k] += counts[c * bins + k];
  s.taken += taken;
  if (alive) mark_alive_values(p, l, *alive);
}

// Calls f(const T* p, n) on t's values as float or double (others converted to double).
template <class F> void with_values(const Tensor& t, F f) {
  const Tensor c = t.detach().contiguous();
  if (c.dtype() == ScalarType::Float32) return f(static_cast<const float*>(c.data_ptr()), c.numel());
  const Tensor d = c.to(ScalarType::Float64);
  f(static_cast<const double*>(d.data_ptr()), d.numel());
}
}  // namespace

void add_output(Sums& s, const Tensor& out, const Options& o, Saturation sat, bool count_positive,
                const Layout& l, std::vector<std::uint64_t>* alive) {
  if (out.numel() == 0) return;
  with_values(out, [&](const auto* p, std::int64_t n) { scan(p, n, o, sat, count_positive, l, alive, s); });
}

void finish(const Sums& s, bool saturating, LayerStep& r) {
  r.calls = s.calls;
  if (s.grad) r.grad_norm = std::sqrt(s.grad_squares);
  if (s.n == 0) return;
  const double n = double(s.n);
  r.zero_fraction = 1 - double(s.positive) / n;
  r.mean = s.sum / n;
  r.std = s.n > 1 ? std::sqrt(std::max(0.0, (s.squares - s.sum * r.mean) / (n - 1))) : kNone;
  if (saturating) r.saturated_fraction = double(s.saturated) / n;
  r.histogram.resize(s.hist.size());
  for (std::size_t b = 0; b < s.hist.size(); ++b) r.histogram[b] = double(s.hist[b]) / double(s.taken);
}

void mark_alive(std::vector<std::uint64_t>& alive, const Tensor& out, const Layout& l) {
  if (out.numel() == 0) return;
  with_values(out, [&](const auto* p, std::int64_t) { mark_alive_values(p, l, alive); });
}

// Norms through the reduction engine (vectorized, summing in double); scalar loops here ran 10x slower.
double norm_of(const Tensor& t) {
  if (!t.defined() || t.numel() == 0) return kNone;
  const Tensor d = t.detach();
  return norm(d.dtype() == ScalarType::BFloat16 ? d.to(ScalarType::Float32) : d).item<double>();
}

double update_ratio(const Tensor& after, Tensor& before) {
  if (!before.defined() || after.numel() != before.numel() || after.numel() == 0) return kNone;
  const Tensor a = after.detach();
  const double w = norm_of(before), d = norm_of(a.sub(before));
  before.copy_(a);  // the snapshot for the next step
  return w > 0 ? d / w : kNone;
}

}  // namespace ramp::diagnostics
