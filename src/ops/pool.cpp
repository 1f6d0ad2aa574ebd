// max_pool2d (MaxPool2DWithIndicesBackward0) and avg_pool2d (AvgPool2DBackward0): PyTorch 1.13's
// argument handling and checks in its order with its texts (aten/src/ATen/native/Pool.h,
// DilatedMaxPool2d.cpp, AvgPool2d.cpp), and its CPU kernels' arithmetic (MaxPoolKernel.cpp,
// AvgPoolKernel.cpp), so values and indices match it exactly. Every [H, W] plane is independent:
// planes are split over threads.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "../tensor/parallel.h"
#include "ramp/autograd.h"
#include "ramp/nn/functional.h"
#include "record.h"

namespace ramp {
namespace {

// The sums and comparisons run in float for bfloat16 (PyTorch's opmath type).
template <class T> using Acc = std::conditional_t<std::is_same_v<T, BFloat16>, float, T>;

struct Pool {
  std::int64_t planes, H, W, oH, oW;  // planes = N * C
  std::int64_t kH, kW, sH, sW, pH, pW, dH = 1, dW = 1;
  Dims out_sizes;  // input's leading dims, then oH, oW
};

// Division rounding toward negative infinity (c10's div_rtn).
std::int64_t div_rtn(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b, r = a % b;
  return (r != 0 && ((r < 0) != (b < 0))) ? q - 1 : q;
}

// 1.13's pooling_output_shape, checks included.
std::int64_t output_size(std::int64_t in, std::int64_t k, std::int64_t pad, std::int64_t stride, std::int64_t dil,
                         bool ceil_mode) {
  RAMP_CHECK(stride != 0, "stride should not be zero");
  RAMP_CHECK(pad >= 0, "pad must be non-negative, but got pad: ", pad);
  RAMP_CHECK(pad <= k / 2, "pad should be at most half of kernel size, but got pad=", pad, " and kernel_size=", k);
  std::int64_t out = div_rtn(in + 2 * pad - dil * (k - 1) - 1 + (ceil_mode ? stride - 1 : 0), stride) + 1;
  // the last window must start inside the input or its left padding
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}

// kernel_size / stride / padding (/ dilation) as 1.13 reads them (one value for both dims;
// stride {} is the kernel size), then pool2d_shape_check.
Pool geometry(const char* op, const Tensor& x, IntArrayRef kernel, IntArrayRef stride, IntArrayRef padding,
              IntArrayRef dilation, bool ceil_mode) {
  const bool is_max = std::string_view(op) == "max_pool2d";
  RAMP_CHECK(kernel.size() == 1 || kernel.size() == 2, op, ": kernel_size must either be a single int, or a tuple of two ints");
  Pool p{};
  p.kH = kernel[0], p.kW = kernel.size() == 1 ? p.kH : kernel[1];
  RAMP_CHECK(stride.size() <= 2, op, ": stride must either be omitted, a single int, or a tuple of two ints");
  p.sH = stride.empty() ? p.kH : stride[0];
  p.sW = stride.empty() ? p.kW : stride.size() == 1 ? p.sH : stride[1];
  RAMP_CHECK(padding.size() == 1 || padding.size() == 2, op,
             is_max ? ": padding must be either be a single int, or a tuple of two ints"
                    : ": padding must either be a single int, or a tuple of two ints");
  p.pH = padding[0], p.pW = padding.size() == 1 ? p.pH : padding[1];
  if (is_max) {
    RAMP_CHECK(dilation.size() == 1 || dilation.size() == 2, op,
               ": dilation must be either a single int, or a tuple of two ints");
    p.dH = dilation[0], p.dW = dilation.size() == 1 ? p.dH : dilation[1];
    RAMP_CHECK(x.dim() == 3 || x.dim() == 4, "non-empty 3D or 4D (batch mode) tensor expected for input");
  }
  // avg_pool2d reads size(-3) without a rank check first: a 2-D input gets the IndexError.
  const std::int64_t d = x.dim();
  const std::int64_t C = x.size(wrap_dim(-3, d)), H = x.size(-2), W = x.size(-1);
  p.oH = output_size(H, p.kH, p.pH, p.sH, p.dH, ceil_mode);
  p.oW = output_size(W, p.kW, p.pW, p.sW, p.dW, ceil_mode);
  RAMP_CHECK(p.kW > 0 && p.kH > 0, "kernel size should be greater than zero, but got kH: ", p.kH, " kW: ", p.kW);
  RAMP_CHECK(p.sW > 0 && p.sH > 0, "stride should be greater than zero, but got dH: ", p.sH, " dW: ", p.sW);
  RAMP_CHECK(p.dH > 0 && p.dW > 0, "dilation should be greater than zero, but got dilationH: ", p.dH,
             " dilationW: ", p.dW);
  const bool valid_dims = x.size(1) != 0 && x.size(2) != 0;
  RAMP_CHECK((d == 3 && x.size(0) != 0 && valid_dims) || (d == 4 && valid_dims && x.size(3) != 0),
             "Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:",
             shape_str(x.sizes()));
  RAMP_CHECK(p.kW / 2 >= p.pW && p.kH / 2 >= p.pH, "pad should be smaller than or equal to half of kernel size, but got padW = ",
             p.pW, ", padH = ", p.pH, ", kW = ", p.kW, ", kH = ", p.kH);
  RAMP_CHECK(p.oW >= 1 && p.oH >= 1, "Given input size: (", C, "x", H, "x", W, "). Calculated output size: (", C, "x",
             p.oH, "x", p.oW, "). Output size is too small");
  p.H = H, p.W = W, p.planes = x.numel() / (H * W);  // H, W > 0 after the check above
  p.out_sizes = Dims(x.sizes());
  p.out_sizes[std::size_t(d - 2)] = p.oH, p.out_sizes[std::size_t(d - 1)] = p.oW;
  return p;
}

// Runs f(plane_begin, plane_end) over threads, splitting above ~32K elements of work per thread.
template <class F> void over_planes(const Pool& p, F f) {
  const std::int64_t per_plane = std::max<std::int64_t>(p.oH * p.oW * p.kH * p.kW, 1);
  detail::parallel_for(p.planes, std::max<std::int64_t>(1, (1 << 15) / per_plane), 1, f);
}

void check_floating(const char* op, ScalarType t) {
  RAMP_CHECK(is_floating(t), "\"", op, "\" not implemented for '", dtype_error_name(t), "'");
}

// ---- max ----
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
void interior(const T* in, T* out, std::int64_t* out_idx, std::int64_t start, std::int64_t sW, const std::int64_t* off_in,
              std::int64_t count, std::int64_t ow_lo, std::int64_t ow_hi) {
  using A = Acc<T>;
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
    if (nan_at >= 0) [[unlikely]] at = nan_at, m = A(win[nan_at]);
    out[ow] = T(m);
    if constexpr (kIndices) out_idx[ow] = first + at;
  }
}

template <class T, bool kIndices>
void max_forward(const Pool& p, const T* x, T* y, std::int64_t* idx) {
  using A = Acc<T>;
  std::vector<std::int64_t> taps;  // offsets of a window's taps from its first, row-major
  for (std::int64_t i = 0; i < p.kH; ++i)
    for (std::int64_t j = 0; j < p.kW; ++j) taps.push_back(i * p.dH * p.W + j * p.dW);
  // Output columns whose windows lie inside the input's columns: [ow_lo, ow_hi).
  const std::int64_t ow_lo = std::min(p.oW, (p.pW + p.sW - 1) / p.sW);
  const std::int64_t last = p.W - 1 - (p.kW - 1) * p.dW + p.pW;  // the largest window start (+ pad) that fits
  const std::int64_t ow_hi = last < 0 ? ow_lo : std::clamp(last / p.sW + 1, ow_lo, p.oW);
  over_planes(p, [&](std::int64_t b, std::int64_t e) {
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
          if (ntaps == 4)
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

// dx[index] += dy, per plane; each plane is zeroed just before its scatter (while it is in cache,
// instead of a separate pass over all of dx).
template <class T> Tensor max_backward(const Pool& p, const Tensor& gy, const Tensor& indices, IntArrayRef in_sizes) {
  Tensor dx = empty(in_sizes, gy.dtype());
  const Tensor g = gy.contiguous();
  const T* pg = g.data<T>();
  const std::int64_t* pi = indices.data<std::int64_t>();
  T* pd = dx.data<T>();
  over_planes(p, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t c = b; c < e; ++c) {
      T* plane = pd + c * p.H * p.W;
      std::fill(plane, plane + p.H * p.W, T(0));
      for (std::int64_t o = c * p.oH * p.oW; o < (c + 1) * p.oH * p.oW; ++o) {
        T& d = plane[pi[o]];
        d = T(Acc<T>(d) + Acc<T>(pg[o]));
      }
    }
  });
  return dx;
}

std::pair<Tensor, Tensor> max_pool(const Tensor& input, IntArrayRef kernel, IntArrayRef stride, IntArrayRef padding,
                                   IntArrayRef dilation, bool ceil_mode, bool want_indices) {
  const Pool p = geometry("max_pool2d", input, kernel, stride, padding, dilation, ceil_mode);
  check_floating("max_pool2d", input.dtype());
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
                       return std::vector<Tensor>{dispatch(gy.dtype(), [&](auto z) -> Tensor {
                         using T = decltype(z);
                         if constexpr (std::is_integral_v<T>)
                           throw Error("max_pool2d backward: integer gradient");
                         else
                           return max_backward<T>(p, gy, n.unpack(0), sizes);
                       })};
                     });
  }
  return {out, idx};
}

// ---- average ----
// 1.13's cpu_avg_pool: the window is clipped to the padded input for the divisor (count_include_pad)
// and to the input for the sum; divisor_override replaces both. Sums run in Acc<T> in row order.
struct AvgWindow {
  std::int64_t h0, h1, w0, w1, divisor;
};
AvgWindow avg_window(const Pool& p, std::int64_t oh, std::int64_t ow, bool count_include_pad,
                     std::optional<std::int64_t> divisor_override) {
  std::int64_t h0 = oh * p.sH - p.pH, w0 = ow * p.sW - p.pW;
  std::int64_t h1 = std::min(h0 + p.kH, p.H + p.pH), w1 = std::min(w0 + p.kW, p.W + p.pW);
  const std::int64_t pool_size = (h1 - h0) * (w1 - w0);
  h0 = std::max<std::int64_t>(h0, 0), w0 = std::max<std::int64_t>(w0, 0);
  h1 = std::min(h1, p.H), w1 = std::min(w1, p.W);
  const std::int64_t divisor = divisor_override ? *divisor_override : count_include_pad ? pool_size : (h1 - h0) * (w1 - w0);
  return {h0, h1, w0, w1, divisor};
}

template <class T>
void avg_forward(const Pool& p, const T* x, T* y, bool count_include_pad, std::optional<std::int64_t> div) {
  using A = Acc<T>;
  over_planes(p, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t c = b; c < e; ++c) {
      const T* in = x + c * p.H * p.W;
      for (std::int64_t oh = 0; oh < p.oH; ++oh)
        for (std::int64_t ow = 0; ow < p.oW; ++ow) {
          const AvgWindow win = avg_window(p, oh, ow, count_include_pad, div);
          T& out = y[(c * p.oH + oh) * p.oW + ow];
          if (win.h0 >= win.h1 || win.w0 >= win.w1) {  // a window wholly in the padding
            out = T(0);
            continue;
          }
          A s = 0;
          for (std::int64_t h = win.h0; h < win.h1; ++h)
            for (std::int64_t w = win.w0; w < win.w1; ++w) s += A(in[h * p.W + w]);
          out = T(s / A(win.divisor));
        }
    }
  });
}

// dx[h, w] += dy / divisor over each window.
template <class T>
Tensor avg_backward(const Pool& p, const Tensor& gy, IntArrayRef in_sizes, bool count_include_pad,
                    std::optional<std::int64_t> div) {
  using A = Acc<T>;
  Tensor dx = zeros(in_sizes, gy.dtype());
  const Tensor g = gy.contiguous();
  const T* pg = g.data<T>();
  T* pd = dx.data<T>();
  over_planes(p, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t c = b; c < e; ++c)
      for (std::int64_t oh = 0; oh < p.oH; ++oh)
        for (std::int64_t ow = 0; ow < p.oW; ++ow) {
          const AvgWindow win = avg_window(p, oh, ow, count_include_pad, div);
          const A v = A(pg[(c * p.oH + oh) * p.oW + ow]) / A(win.divisor);
          for (std::int64_t h = win.h0; h < win.h1; ++h)
            for (std::int64_t w = win.w0; w < win.w1; ++w) {
              T& d = pd[(c * p.H + h) * p.W + w];
              d = T(A(d) + v);
            }
        }
  });
  return dx;
}

}  // namespace

Tensor max_pool2d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride, IntArrayRef padding,
                  IntArrayRef dilation, bool ceil_mode) {
  return max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, false).first;
}

std::pair<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride,
                                                  IntArrayRef padding, IntArrayRef dilation, bool ceil_mode) {
  return max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, true);
}

Tensor avg_pool2d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride, IntArrayRef padding,
                  bool ceil_mode, bool count_include_pad, std::optional<std::int64_t> divisor_override) {
  RAMP_CHECK(kernel_size.size() == 1 || kernel_size.size() == 2,
             "avg_pool2d: kernel_size must either be a single int, or a tuple of two ints");
  RAMP_CHECK(stride.size() <= 2, "avg_pool2d: stride must either be omitted, a single int, or a tuple of two ints");
  RAMP_CHECK(padding.size() == 1 || padding.size() == 2,
             "avg_pool2d: padding must either be a single int, or a tuple of two ints");
  RAMP_CHECK(!divisor_override || *divisor_override != 0, "divisor must be not zero");
  const Pool p = geometry("avg_pool2d", input, kernel_size, stride, padding, {1}, ceil_mode);
  RAMP_CHECK(input.dtype() != ScalarType::Int64,
             "avg_pool2d: 'Long' is not supported: ramp pools Float, Double or BFloat16 tensors (PyTorch 1.13 also "
             "accepts Long)");
  check_floating("avg_pool2d", input.dtype());
  const Tensor x = input.contiguous();
  auto compute = [&] {
    Tensor out = empty(p.out_sizes, input.dtype());
    dispatch(input.dtype(), [&](auto z) {
      using T = decltype(z);
      if constexpr (!std::is_integral_v<T>)
        avg_forward<T>(p, x.data<T>(), out.data<T>(), count_include_pad, divisor_override);
    });
    return out;
  };
  if (!autograd::needs_grad({input})) return compute();
  Tensor out = compute();
  autograd::record(out, "AvgPool2DBackward0", {input}, {},
                   [p, sizes = Dims(input.sizes()), count_include_pad, divisor_override](const autograd::Node&,
                                                                                        const Tensor& gy) {
                     return std::vector<Tensor>{dispatch(gy.dtype(), [&](auto z) -> Tensor {
                       using T = decltype(z);
                       if constexpr (std::is_integral_v<T>)
                         throw Error("avg_pool2d backward: integer gradient");
                       else
                         return avg_backward<T>(p, gy, sizes, count_include_pad, divisor_override);
                     })};
                   });
  return out;
}

}  // namespace ramp
