// max_pool2d and max_pool2d_with_indices (MaxPool2DWithIndicesBackward0): PyTorch 1.13's checks
// (pool.h) and its CPU kernel's choices (MaxPoolKernel.cpp), so values and indices match it exactly.
#include <cmath>
#include <limits>
#include <vector>

#include "pool.h"
#include "ramp/autograd.h"
#include "ramp/indexing.h"
#include "ramp/nn/functional.h"
#include "record.h"

namespace ramp {
namespace {

using detail::PoolAcc;
using detail::PoolGeometry;

// 1.13's cpu_max_pool: the window starts at the first in-bounds tap (padding is -inf, never
// chosen); a larger value or any NaN takes over, so ties keep the first and NaN propagates (the
// last NaN's index). An empty window gives -inf at the window's first tap.
//
// Windows wholly inside the input (all but the borders) take a branch-free path over precomputed
// tap offsets: on random data the comparisons mispredict about half the time, which made the
// branchy loop (and 1.13's) ~15× slower than this one.
// Outputs [ow_lo, ow_hi) of one row, all windows inside the input: blocks of outputs, taps in the
// outer loop, so the inner loop runs over independent outputs and compiles to vector compares and
// blends (one output at a time is a chain of dependent selects, ~10 ns each). `start` is the flat
// input position of output 0's first tap.
// Outputs [ow_lo, ow_hi) of one row whose windows lie inside the input; `start` is the flat input
// position of output 0's first tap. Branch-free: `v > m ? v : m` is one maxss/maxsd and the index
// a cmov, while NaNs are only recorded (the last one's offset) and applied once per window. With
// plain ifs the comparisons mispredict about half the time on real data: ~15× slower (as 1.13).
// kTaps: the tap count when it is 4 (a 2x2 window, unrolled), else 0 and `ntaps` is used.
template <class T, bool kIndices, std::int64_t kTaps>
void interior(const T* in, T* out, std::int64_t* out_idx, std::int64_t start, std::int64_t sW,
              const std::int64_t* off_in, std::int64_t count, std::int64_t ow_lo, std::int64_t ow_hi) {
  using A = PoolAcc<T>;
  const std::int64_t ntaps = kTaps ? kTaps : count;
  std::int64_t fixed[4] = {};
  if constexpr (kTaps == 4) std::copy(off_in, off_in + 4, fixed);
  const std::int64_t* off = kTaps == 4 ? fixed : off_in;
  for (std::int64_t ow = ow_lo; ow < ow_hi; ++ow) {
    const std::int64_t first = start + ow * sW;
    const T* win = in + first;
    A m = A(win[0]);
    std::int64_t at = 0, nan_at = -1;
    for (std::int64_t t = 0; t < ntaps; ++t) {
      const A v = A(win[off[t]]);
      const bool gt = v > m;
      m = gt ? v : m;
      at = gt ? off[t] : at;
      nan_at = v != v ? off[t] : nan_at;
    }
    if (nan_at >= 0) [[unlikely]]
      at = nan_at, m = A(win[nan_at]);
    out[ow] = T(m);
    if constexpr (kIndices) out_idx[ow] = first + at;
  }
}

// The 2x2, stride-2 window of MaxPool2d(2) over n outputs of one row (r0: the window's top row at
// output 0, r1 the row below). Every select is written with integer masks so that GCC vectorizes
// the loop (with plain bools it keeps branches): the larger value in tap order, then any NaN, the
// last one winning, as 1.13's rule gives.
template <class T, bool kIndices>
void row2x2(const T* __restrict r0, const T* __restrict r1, T* __restrict out, std::int64_t* __restrict idx,
            std::int64_t n, std::int64_t first, std::int64_t W) {
  using A = PoolAcc<T>;
  for (std::int64_t k = 0; k < n; ++k) {
    const A a = A(r0[2 * k]), b = A(r0[2 * k + 1]), c = A(r1[2 * k]), d = A(r1[2 * k + 1]);
    A m = a;
    std::int32_t at = 0;  // the tap: 0 1 / 2 3
    std::int32_t g = -std::int32_t(b > m);
    m = g ? b : m, at = (at & ~g) | (1 & g);
    g = -std::int32_t(c > m);
    m = g ? c : m, at = (at & ~g) | (2 & g);
    g = -std::int32_t(d > m);
    m = g ? d : m, at = (at & ~g) | (3 & g);
    g = -std::int32_t(b != b);  // a NaN a: m is a already, and no later tap is larger
    m = g ? b : m, at = (at & ~g) | (1 & g);
    g = -std::int32_t(c != c);
    m = g ? c : m, at = (at & ~g) | (2 & g);
    g = -std::int32_t(d != d);
    m = g ? d : m, at = (at & ~g) | (3 & g);
    out[k] = T(m);
    if constexpr (kIndices) idx[k] = first + 2 * k + (-std::int64_t(at >> 1) & W) + (at & 1);
  }
}

template <class T, bool kIndices>
void max_forward(const PoolGeometry& p, const T* x, T* y, std::int64_t* idx) {
  using A = PoolAcc<T>;
  std::vector<std::int64_t> taps;  // offsets of a window's taps from its first, row-major
  for (std::int64_t i = 0; i < p.kH; ++i)
    for (std::int64_t j = 0; j < p.kW; ++j) taps.push_back(i * p.dH * p.W + j * p.dW);
  // Output columns whose windows lie inside the input's columns: [ow_lo, ow_hi).
  const std::int64_t ow_lo = std::min(p.oW, (p.pW + p.sW - 1) / p.sW);
  const std::int64_t last = p.W - 1 - (p.kW - 1) * p.dW + p.pW;  // the largest window start (+ pad) that fits
  const std::int64_t ow_hi = last < 0 ? ow_lo : std::clamp(last / p.sW + 1, ow_lo, p.oW);
  const bool pool2x2 = p.kH == 2 && p.kW == 2 && p.sH == 2 && p.sW == 2 && p.dH == 1 && p.dW == 1;
  detail::over_planes(p, [&](std::int64_t b, std::int64_t e) {
    const std::int64_t* off = taps.data();
    const auto ntaps = std::int64_t(taps.size());
    for (std::int64_t c = b; c < e; ++c) {
      const T* in = x + c * p.H * p.W;
      for (std::int64_t oh = 0; oh < p.oH; ++oh) {
        T* out = y + (c * p.oH + oh) * p.oW;
        std::int64_t* out_idx = kIndices ? idx + (c * p.oH + oh) * p.oW : nullptr;
        const std::int64_t top = oh * p.sH - p.pH;
        const bool rows_inside = top >= 0 && top + (p.kH - 1) * p.dH < p.H;
        if (rows_inside) {
          const std::int64_t start = top * p.W - p.pW;
          if (pool2x2 && ow_lo < ow_hi) {
            const std::int64_t first = start + 2 * ow_lo;
            row2x2<T, kIndices>(in + first, in + first + p.W, out + ow_lo,
                                kIndices ? out_idx + ow_lo : nullptr, ow_hi - ow_lo, first, p.W);
          } else if (ntaps == 4)
            interior<T, kIndices, 4>(in, out, out_idx, start, p.sW, off, 4, ow_lo, ow_hi);
          else
            interior<T, kIndices, 0>(in, out, out_idx, start, p.sW, off, ntaps, ow_lo, ow_hi);
        }
        for (std::int64_t ow = 0; ow < p.oW; ++ow) {
          if (rows_inside && ow >= ow_lo && ow < ow_hi) continue;
          std::int64_t h0 = top, w0 = ow * p.sW - p.pW;
          const std::int64_t h1 = std::min(h0 + (p.kH - 1) * p.dH + 1, p.H);
          const std::int64_t w1 = std::min(w0 + (p.kW - 1) * p.dW + 1, p.W);
          while (h0 < 0) h0 += p.dH;
          while (w0 < 0) w0 += p.dW;
          std::int64_t best = h0 * p.W + w0;
          A m = -std::numeric_limits<A>::infinity();
          for (std::int64_t h = h0; h < h1; h += p.dH)
            for (std::int64_t w = w0; w < w1; w += p.dW) {
              const A v = A(in[h * p.W + w]);
              if (v > m || std::isnan(v)) m = v, best = h * p.W + w;
            }
          out[ow] = T(m);
          if constexpr (kIndices) out_idx[ow] = best;
        }
      }
    }
  });
}

std::pair<Tensor, Tensor> max_pool(const Tensor& input, IntArrayRef kernel, IntArrayRef stride,
                                   IntArrayRef padding, IntArrayRef dilation, bool ceil_mode,
                                   bool want_indices) {
  const detail::PoolGeometry p =
      detail::pool_geometry("max_pool2d", input, kernel, stride, padding, dilation, ceil_mode);
  detail::check_pool_dtype("max_pool2d", input.dtype());
  const bool grad = autograd::needs_grad({input});
  const bool indices = want_indices || grad;  // the backward reads only the indices
  const Tensor x = input.contiguous();
  Tensor out = empty(p.out_sizes, input.dtype());
  Tensor idx = indices ? empty(p.out_sizes, ScalarType::Int64) : Tensor();
  dispatch(input.dtype(), [&](auto z) {
    using T = decltype(z);
    if constexpr (!std::is_integral_v<T>) {
      if (indices)
        max_forward<T, true>(p, x.data<T>(), out.data<T>(), idx.data<std::int64_t>());
      else
        max_forward<T, false>(p, x.data<T>(), out.data<T>(), nullptr);
    }
  });
  if (grad) {
    // Saves the indices only (1.13 also keeps the input, for its shape).
    autograd::record(out, "MaxPool2DWithIndicesBackward0", {input}, {{idx, false}},
                     [p, sizes = Dims(input.sizes())](const autograd::Node& n, const Tensor& gy) {
                       return std::vector<Tensor>{detail::max_pool_grad(
                           p, gy, n.unpack(0), sizes, "MaxPool2DWithIndicesBackwardBackward0")};
                     });
  }
  return {out, idx};
}

}  // namespace

Tensor max_pool2d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride, IntArrayRef padding,
                  IntArrayRef dilation, bool ceil_mode) {
  return max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, false).first;
}

std::pair<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, IntArrayRef kernel_size,
                                                  IntArrayRef stride, IntArrayRef padding,
                                                  IntArrayRef dilation, bool ceil_mode) {
  return max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, true);
}

}  // namespace ramp
