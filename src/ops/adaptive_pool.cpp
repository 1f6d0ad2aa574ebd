// The adaptive pools as PyTorch 1.13 (aten/src/ATen/native/AdaptiveAveragePooling.cpp,
// AdaptiveMaxPooling2d.cpp and their CPU kernels). Bin i of n over a size-s dim covers
// [floor(i s / n), ceil((i + 1) s / n)).
// - adaptive_avg_pool2d: output (1, 1) is input.mean({-1, -2}, keepdim) (MeanBackward1); otherwise
//   the value is sum / kh / kw (two divisions, as 1.13 rounds), AdaptiveAvgPool2DBackward0.
// - adaptive_max_pool2d: the bin's first maximum in row-major order, a NaN taking over (the last
//   NaN wins), with its flat index in the H x W plane; AdaptiveMaxPool2DBackward0 scatters dy to
//   the indices (max_pool2d's backward). adaptive_max_pool1d is the 2-D op over unsqueeze(-2),
//   squeezed back (SqueezeBackward1 on top), as 1.13 composes it.
#include <cmath>
#include <limits>

#include "pool.h"
#include "ramp/autograd.h"
#include "ramp/nn/functional.h"
#include "record.h"

namespace ramp {
namespace {

template <class T>
using Acc = detail::PoolAcc<T>;

std::int64_t bin_start(std::int64_t i, std::int64_t out, std::int64_t in) { return (i * in) / out; }
std::int64_t bin_end(std::int64_t i, std::int64_t out, std::int64_t in) {
  return ((i + 1) * in + out - 1) / out;
}

struct Adaptive {
  std::int64_t planes, H, W, oH, oW;
};

// f(plane, oh, ow, h0, h1, w0, w1) for every output element, planes split over threads.
template <class F>
void over_bins(const Adaptive& a, F f) {
  const std::int64_t work = std::max<std::int64_t>(a.H * a.W, 1);
  detail::parallel_for(a.planes, std::max<std::int64_t>(1, (1 << 15) / work), 1,
                       [&](std::int64_t b, std::int64_t e) {
                         for (std::int64_t c = b; c < e; ++c)
                           for (std::int64_t oh = 0; oh < a.oH; ++oh) {
                             const std::int64_t h0 = bin_start(oh, a.oH, a.H), h1 = bin_end(oh, a.oH, a.H);
                             for (std::int64_t ow = 0; ow < a.oW; ++ow)
                               f(c, oh, ow, h0, h1, bin_start(ow, a.oW, a.W), bin_end(ow, a.oW, a.W));
                           }
                       });
}

template <class T>
void forward(const Adaptive& a, const T* x, T* y) {
  using A = Acc<T>;
  over_bins(a, [&](std::int64_t c, std::int64_t oh, std::int64_t ow, std::int64_t h0, std::int64_t h1,
                   std::int64_t w0, std::int64_t w1) {
    const T* in = x + c * a.H * a.W;
    A s = 0;
    for (std::int64_t h = h0; h < h1; ++h)
      for (std::int64_t w = w0; w < w1; ++w) s += A(in[h * a.W + w]);
    y[(c * a.oH + oh) * a.oW + ow] = T(s / A(h1 - h0) / A(w1 - w0));
  });
}

// dx[h, w] += dy / kh / kw over each bin.
template <class T>
Tensor backward(const Adaptive& a, const Tensor& gy, IntArrayRef in_sizes) {
  using A = Acc<T>;
  Tensor dx = zeros(in_sizes, gy.dtype());
  const Tensor g = gy.contiguous();
  const T* pg = g.data<T>();
  T* pd = dx.data<T>();
  over_bins(a, [&](std::int64_t c, std::int64_t oh, std::int64_t ow, std::int64_t h0, std::int64_t h1,
                   std::int64_t w0, std::int64_t w1) {
    const A v = A(pg[(c * a.oH + oh) * a.oW + ow]) / A(h1 - h0) / A(w1 - w0);
    for (std::int64_t h = h0; h < h1; ++h)
      for (std::int64_t w = w0; w < w1; ++w) {
        T& d = pd[(c * a.H + h) * a.W + w];
        d = T(A(d) + v);
      }
  });
  return dx;
}

// 1.13's cpu_adaptive_max_pool: -inf and the bin's first position to start, then a larger value
// or any NaN takes over.
template <class T>
void max_forward(const Adaptive& a, const T* x, T* y, std::int64_t* idx) {
  using A = Acc<T>;
  over_bins(a, [&](std::int64_t c, std::int64_t oh, std::int64_t ow, std::int64_t h0, std::int64_t h1,
                   std::int64_t w0, std::int64_t w1) {
    const T* in = x + c * a.H * a.W;
    A m = -std::numeric_limits<A>::infinity();
    std::int64_t best = h0 * a.W + w0;
    for (std::int64_t h = h0; h < h1; ++h)
      for (std::int64_t w = w0; w < w1; ++w) {
        const A v = A(in[h * a.W + w]);
        if (v > m || std::isnan(v)) m = v, best = h * a.W + w;
      }
    const std::int64_t o = (c * a.oH + oh) * a.oW + ow;
    y[o] = T(m);
    if (idx) idx[o] = best;
  });
}

// One value stands for both dims (Python's int argument; ATen's internal check otherwise).
Dims pair_of(const char* op, IntArrayRef output_size) {
  const Dims o = output_size.size() == 1 ? Dims{output_size[0], output_size[0]} : Dims(output_size);
  RAMP_CHECK(o.size() == 2, op, "(): internal error: output_size.size() must be 2");
  return o;
}

// 1.13's adaptive_max_pool2d: checks in its meta function's order (rank, non-empty non-batch
// dims, the output's allocation, then the kernel's dtype).
std::pair<Tensor, Tensor> adaptive_max(const Tensor& input, IntArrayRef output_size_in, bool want_indices) {
  const Dims output_size = pair_of("adaptive_max_pool2d", output_size_in);
  const std::int64_t d = input.dim();
  RAMP_CHECK(d == 3 || d == 4, "adaptive_max_pool2d(): Expected 3D or 4D tensor, but got: ", shape_str(input.sizes()));
  for (std::int64_t i = 1; i < d; ++i)
    RAMP_CHECK(input.size(i) > 0,
               "adaptive_max_pool2d(): Expected input to have non-zero size for non-batch dimensions, but input "
               "has sizes ",
               shape_str(input.sizes()), " with dimension ", i, " being empty");
  Dims out_sizes(input.sizes());
  out_sizes[std::size_t(d - 2)] = output_size[0], out_sizes[std::size_t(d - 1)] = output_size[1];
  Tensor out = empty(out_sizes, input.dtype());  // a negative size raises here, as in 1.13
  RAMP_CHECK(is_floating(input.dtype()), "\"adaptive_max_pool2d\" not implemented for '",
             dtype_error_name(input.dtype()), "'");
  const Adaptive a{input.numel() / (input.size(-2) * input.size(-1)), input.size(-2), input.size(-1),
                   output_size[0], output_size[1]};
  const bool grad = autograd::needs_grad({input});
  Tensor idx = want_indices || grad ? empty(out_sizes, ScalarType::Int64) : Tensor();
  const Tensor x = input.contiguous();
  dispatch(input.dtype(), [&](auto z) {
    using T = decltype(z);
    if constexpr (!std::is_integral_v<T>)
      max_forward<T>(a, x.data<T>(), out.data<T>(), idx.defined() ? idx.data<std::int64_t>() : nullptr);
  });
  if (grad) {
    // The scatter's geometry: planes of H x W inputs and oH x oW outputs, a bin's size as the kernel
    // (only the threads' split reads it).
    detail::PoolGeometry p{};
    p.planes = a.planes, p.H = a.H, p.W = a.W, p.oH = a.oH, p.oW = a.oW;
    p.kH = a.oH ? a.H / a.oH + 1 : 1, p.kW = a.oW ? a.W / a.oW + 1 : 1;
    autograd::record(out, "AdaptiveMaxPool2DBackward0", {input}, {{idx, false}},
                     [p, sizes = Dims(input.sizes())](const autograd::Node& n, const Tensor& gy) {
                       return std::vector<Tensor>{detail::max_pool_grad(
                           p, gy, n.unpack(0), sizes, "AdaptiveMaxPool2DBackwardBackward0")};
                     });
  }
  return {out, idx};
}

// 1.13's adaptive_max_pool1d: 2-D or 3-D input, one output size, then the 2-D op on a height of 1.
std::pair<Tensor, Tensor> adaptive_max_1d(const Tensor& input, IntArrayRef output_size, bool want_indices) {
  RAMP_CHECK(input.dim() >= 2 && input.dim() <= 3, "Expected 2 to 3 dimensions, but got ", input.dim(),
             "-dimensional tensor for argument #1 'self' (while checking arguments for adaptive_max_pool1d)");
  RAMP_CHECK(output_size.size() == 1, "adaptive_max_pool1d() argument 'output_size' should contain one int (got ",
             output_size.size(), ")");
  auto [out, idx] = adaptive_max(input.unsqueeze(-2), {1, output_size[0]}, want_indices);
  return {out.squeeze(-2), idx.defined() ? idx.squeeze(-2) : idx};
}

}  // namespace

Tensor adaptive_max_pool2d(const Tensor& input, IntArrayRef output_size) {
  return adaptive_max(input, output_size, false).first;
}
std::pair<Tensor, Tensor> adaptive_max_pool2d_with_indices(const Tensor& input, IntArrayRef output_size) {
  return adaptive_max(input, output_size, true);
}
Tensor adaptive_max_pool1d(const Tensor& input, IntArrayRef output_size) {
  return adaptive_max_1d(input, output_size, false).first;
}
std::pair<Tensor, Tensor> adaptive_max_pool1d_with_indices(const Tensor& input, IntArrayRef output_size) {
  return adaptive_max_1d(input, output_size, true);
}

Tensor adaptive_avg_pool2d(const Tensor& input, IntArrayRef output_size_in) {
  // One value stands for both dims (F.adaptive_avg_pool2d's _pair).
  const Dims output_size =
      output_size_in.size() == 1 ? Dims{output_size_in[0], output_size_in[0]} : Dims(output_size_in);
  RAMP_CHECK(output_size.size() == 2, "adaptive_avg_pool2d: output_size must be 2");
  RAMP_CHECK(output_size[0] >= 0 && output_size[1] >= 0,
             "adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 but received {",
             output_size[0], ", ", output_size[1], "}");
  if (output_size[0] == 1 && output_size[1] == 1) return input.mean({-1, -2}, /*keepdim=*/true);
  const std::int64_t d = input.dim();
  RAMP_CHECK(d == 3 || d == 4, "adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got ",
             shape_str(input.sizes()));
  for (std::int64_t i : {-2, -1})
    RAMP_CHECK(
        input.size(i) > 0,
        "adaptive_avg_pool2d(): Expected input to have non-zero size for non-batch dimensions, but input has "
        "sizes ",
        shape_str(input.sizes()), " with dimension ", i + d, " being empty");
  RAMP_CHECK(is_floating(input.dtype()), "\"adaptive_avg_pool2d\" not implemented for '",
             dtype_error_name(input.dtype()), "'");
  const Adaptive a{input.numel() / (input.size(-2) * input.size(-1)), input.size(-2), input.size(-1),
                   output_size[0], output_size[1]};
  Dims out_sizes(input.sizes());
  out_sizes[std::size_t(d - 2)] = a.oH, out_sizes[std::size_t(d - 1)] = a.oW;
  const Tensor x = input.contiguous();
  Tensor out = empty(out_sizes, input.dtype());
  dispatch(input.dtype(), [&](auto z) {
    using T = decltype(z);
    if constexpr (!std::is_integral_v<T>) forward<T>(a, x.data<T>(), out.data<T>());
  });
  if (!autograd::needs_grad({input})) return out;
  autograd::record(out, "AdaptiveAvgPool2DBackward0", {input}, {},
                   [a, sizes = Dims(input.sizes())](const autograd::Node&, const Tensor& gy) {
                     Tensor dx = dispatch(gy.dtype(), [&](auto z) -> Tensor {
                       using T = decltype(z);
                       if constexpr (std::is_integral_v<T>)
                         throw Error("adaptive_avg_pool2d backward: integer gradient");
                       else
                         return backward<T>(a, gy, sizes);
                     });
                     // A create_graph pass: dx is linear in gy and constant in the input; its adjoint
                     // is the pool itself (1.13's AdaptiveAvgPool2DBackwardBackward0).
                     if (autograd::is_grad_enabled() && autograd::requires_grad(gy))
                       autograd::record(dx, "AdaptiveAvgPool2DBackwardBackward0", {gy}, {},
                                        [o = Dims{a.oH, a.oW}](const autograd::Node&, const Tensor& gg) {
                                          return std::vector<Tensor>{adaptive_avg_pool2d(gg, o)};
                                        });
                     return std::vector<Tensor>{dx};
                   });
  return out;
}

}  // namespace ramp
