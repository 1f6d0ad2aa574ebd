// avg_pool2d (AvgPool2DBackward0): PyTorch 1.13's checks (AvgPool2d.cpp, pool.h) and its CPU
// kernel's arithmetic (AvgPoolKernel.cpp: the sum in the opmath type, one division).
#include <optional>

#include "pool.h"
#include "ramp/autograd.h"
#include "ramp/nn/functional.h"
#include "record.h"

namespace ramp {
namespace {

using detail::PoolAcc;
using detail::PoolGeometry;

// 1.13's cpu_avg_pool: the window is clipped to the padded input for the divisor (count_include_pad)
// and to the input for the sum; divisor_override replaces both. Sums run in PoolAcc<T> in row order.
struct AvgWindow {
  std::int64_t h0, h1, w0, w1, divisor;
};
AvgWindow avg_window(const PoolGeometry& p, std::int64_t oh, std::int64_t ow, bool count_include_pad,
                     std::optional<std::int64_t> divisor_override) {
  std::int64_t h0 = oh * p.sH - p.pH, w0 = ow * p.sW - p.pW;
  std::int64_t h1 = std::min(h0 + p.kH, p.H + p.pH), w1 = std::min(w0 + p.kW, p.W + p.pW);
  const std::int64_t pool_size = (h1 - h0) * (w1 - w0);
  h0 = std::max<std::int64_t>(h0, 0), w0 = std::max<std::int64_t>(w0, 0);
  h1 = std::min(h1, p.H), w1 = std::min(w1, p.W);
  const std::int64_t divisor = divisor_override    ? *divisor_override
                               : count_include_pad ? pool_size
                                                   : (h1 - h0) * (w1 - w0);
  return {h0, h1, w0, w1, divisor};
}

template <class T>
void avg_forward(const PoolGeometry& p, const T* x, T* y, bool count_include_pad,
                 std::optional<std::int64_t> div) {
  using A = PoolAcc<T>;
  detail::over_planes(p, [&](std::int64_t b, std::int64_t e) {
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
Tensor avg_backward(const PoolGeometry& p, const Tensor& gy, IntArrayRef in_sizes, bool count_include_pad,
                    std::optional<std::int64_t> div) {
  using A = PoolAcc<T>;
  Tensor dx = zeros(in_sizes, gy.dtype());
  const Tensor g = gy.contiguous();
  const T* pg = g.data<T>();
  T* pd = dx.data<T>();
  detail::over_planes(p, [&](std::int64_t b, std::int64_t e) {
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

Tensor avg_pool2d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride, IntArrayRef padding,
                  bool ceil_mode, bool count_include_pad, std::optional<std::int64_t> divisor_override) {
  RAMP_CHECK(kernel_size.size() == 1 || kernel_size.size() == 2,
             "avg_pool2d: kernel_size must either be a single int, or a tuple of two ints");
  RAMP_CHECK(stride.size() <= 2,
             "avg_pool2d: stride must either be omitted, a single int, or a tuple of two ints");
  RAMP_CHECK(padding.size() == 1 || padding.size() == 2,
             "avg_pool2d: padding must either be a single int, or a tuple of two ints");
  RAMP_CHECK(!divisor_override || *divisor_override != 0, "divisor must be not zero");
  const detail::PoolGeometry p =
      detail::pool_geometry("avg_pool2d", input, kernel_size, stride, padding, {1}, ceil_mode);
  RAMP_CHECK(
      input.dtype() != ScalarType::Int64,
      "avg_pool2d: 'Long' is not supported: ramp pools Float, Double or BFloat16 tensors (PyTorch 1.13 also "
      "accepts Long)");
  detail::check_pool_dtype("avg_pool2d", input.dtype());
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
                   [p, sizes = Dims(input.sizes()), count_include_pad, divisor_override, k = Dims(kernel_size),
                    s = Dims(stride), pad = Dims(padding), ceil_mode](const autograd::Node&, const Tensor& gy) {
                     Tensor dx = dispatch(gy.dtype(), [&](auto z) -> Tensor {
                       using T = decltype(z);
                       if constexpr (std::is_integral_v<T>)
                         throw Error("avg_pool2d backward: integer gradient");
                       else
                         return avg_backward<T>(p, gy, sizes, count_include_pad, divisor_override);
                     });
                     // A create_graph pass: dx is linear in gy and constant in the input; its adjoint
                     // is avg_pool2d itself (1.13's AvgPool2DBackwardBackward0).
                     if (autograd::is_grad_enabled() && autograd::requires_grad(gy))
                       autograd::record(dx, "AvgPool2DBackwardBackward0", {gy}, {},
                                        [=](const autograd::Node&, const Tensor& gg) {
                                          return std::vector<Tensor>{avg_pool2d(gg, k, s, pad, ceil_mode,
                                                                                count_include_pad, divisor_override)};
                                        });
                     return std::vector<Tensor>{dx};
                   });
  return out;
}

}  // namespace ramp
