// The per-output statistics of the Monitor: bit counts over a rectifier's pass mask, and the
// passes over an output that only logged steps pay for.
#include "stats.h"

#include <algorithm>
#include <bit>
#include <cmath>

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

Layout layout_of(const Tensor& t) {
  Layout l;
  if (t.dim() == 0) return l;
  if (t.dim() == 1) {
    l.units = t.size(0);
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

namespace {
template <class T> void scan(const T* p, std::int64_t n, const Options& o, Saturation sat, const Layout& l,
                             std::vector<std::uint64_t>* alive, Scan& s) {
  double sum = 0, sq = 0;
  std::int64_t positive = 0, saturated = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const double v = double(p[i]);
    sum += v, sq += v * v;
    positive += v > 0;
    if (sat) saturated += sat(v);
  }
  s.positive = positive;
  s.mean = sum / double(n);
  s.std = n > 1 ? std::sqrt(std::max(0.0, (sq - sum * s.mean) / double(n - 1))) : kNone;
  if (sat) s.saturated = double(saturated) / double(n);
  // The histogram from at most 65536 outputs, evenly strided.
  s.histogram.assign(std::size_t(o.bins), 0.0);
  const std::int64_t stride = std::max<std::int64_t>(1, n / 65536);
  std::int64_t taken = 0;
  const double scale = o.bins / (o.hist_hi - o.hist_lo);
  for (std::int64_t i = 0; i < n; i += stride, ++taken) {
    const double b = std::floor((double(p[i]) - o.hist_lo) * scale);
    s.histogram[std::size_t(std::clamp(std::isnan(b) ? 0.0 : b, 0.0, double(o.bins - 1)))] += 1;
  }
  for (double& h : s.histogram) h /= double(taken);
  if (alive) {
    for (std::int64_t r = 0; r < l.outer; ++r)
      for (std::int64_t u = 0; u < l.units; ++u) {
        if ((*alive)[std::size_t(u / 64)] >> (u % 64) & 1) continue;
        const T* q = p + (r * l.units + u) * l.inner;
        for (std::int64_t k = 0; k < l.inner; ++k)
          if (double(q[k]) > 0) {
            (*alive)[std::size_t(u / 64)] |= std::uint64_t(1) << (u % 64);
            break;
          }
      }
  }
}
}  // namespace

Scan scan_output(const Tensor& out, const Options& o, Saturation sat, std::vector<std::uint64_t>* alive) {
  Scan s;
  const Tensor c = out.detach().contiguous();
  if (c.numel() == 0) return s;
  const Layout l = layout_of(c);
  if (c.dtype() == ScalarType::Float32) scan(static_cast<const float*>(c.data_ptr()), c.numel(), o, sat, l, alive, s);
  else {
    const Tensor d = c.to(ScalarType::Float64);
    scan(static_cast<const double*>(d.data_ptr()), d.numel(), o, sat, l, alive, s);
  }
  return s;
}

double norm_of(const Tensor& t) {
  if (!t.defined() || t.numel() == 0) return kNone;
  const Tensor d = t.detach().contiguous().to(ScalarType::Float64);
  const double* p = static_cast<const double*>(d.data_ptr());
  double sq = 0;
  for (std::int64_t i = 0; i < d.numel(); ++i) sq += p[i] * p[i];
  return std::sqrt(sq);
}

}  // namespace ramp::diagnostics
