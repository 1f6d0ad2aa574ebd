// adaptive_avg_pool2d as PyTorch 1.13 (aten/src/ATen/native/AdaptiveAveragePooling.cpp and its CPU
// kernel): output (1, 1) is input.mean({-1, -2}, keepdim) (MeanBackward1); otherwise bin i of n
// over a size-s dim covers [floor(i s / n), ceil((i + 1) s / n)) and the value is sum / kh / kw
// (two divisions, as 1.13 rounds), recorded as AdaptiveAvgPool2DBackward0.
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

}  // namespace

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
                     return std::vector<Tensor>{dispatch(gy.dtype(), [&](auto z) -> Tensor {
                       using T = decltype(z);
                       if constexpr (std::is_integral_v<T>)
                         throw Error("adaptive_avg_pool2d backward: integer gradient");
                       else
                         return backward<T>(a, gy, sizes);
                     })};
                   });
  return out;
}

}  // namespace ramp
