// pool.h's geometry: 1.13's pooling_output_shape and pool2d_shape_check (aten/src/ATen/native/Pool.h),
// in its order and with its texts.
#include "pool.h"

#include <string_view>

#include "../autograd/function.h"
#include "ramp/indexing.h"

namespace ramp::detail {
namespace {

// Division rounding toward negative infinity (c10's div_rtn).
std::int64_t div_rtn(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b, r = a % b;
  return (r != 0 && ((r < 0) != (b < 0))) ? q - 1 : q;
}

// 1.13's pooling_output_shape, checks included.
std::int64_t output_size(std::int64_t in, std::int64_t k, std::int64_t pad, std::int64_t stride,
                         std::int64_t dil, bool ceil_mode) {
  RAMP_CHECK(stride != 0, "stride should not be zero");
  RAMP_CHECK(pad >= 0, "pad must be non-negative, but got pad: ", pad);
  RAMP_CHECK(pad <= k / 2, "pad should be at most half of kernel size, but got pad=", pad,
             " and kernel_size=", k);
  std::int64_t out = div_rtn(in + 2 * pad - dil * (k - 1) - 1 + (ceil_mode ? stride - 1 : 0), stride) + 1;
  // the last window must start inside the input or its left padding
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}

}  // namespace

PoolGeometry pool_geometry(const char* op, const Tensor& x, IntArrayRef kernel, IntArrayRef stride,
                           IntArrayRef padding, IntArrayRef dilation, bool ceil_mode) {
  const bool is_max = std::string_view(op) == "max_pool2d";
  RAMP_CHECK(kernel.size() == 1 || kernel.size() == 2, op,
             ": kernel_size must either be a single int, or a tuple of two ints");
  PoolGeometry p{};
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
  RAMP_CHECK(p.kW > 0 && p.kH > 0, "kernel size should be greater than zero, but got kH: ", p.kH,
             " kW: ", p.kW);
  RAMP_CHECK(p.sW > 0 && p.sH > 0, "stride should be greater than zero, but got dH: ", p.sH, " dW: ", p.sW);
  RAMP_CHECK(p.dH > 0 && p.dW > 0, "dilation should be greater than zero, but got dilationH: ", p.dH,
             " dilationW: ", p.dW);
  const bool valid_dims = x.size(1) != 0 && x.size(2) != 0;
  RAMP_CHECK((d == 3 && x.size(0) != 0 && valid_dims) || (d == 4 && valid_dims && x.size(3) != 0),
             "Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:",
             shape_str(x.sizes()));
  RAMP_CHECK(p.kW / 2 >= p.pW && p.kH / 2 >= p.pH,
             "pad should be smaller than or equal to half of kernel size, but got padW = ", p.pW,
             ", padH = ", p.pH, ", kW = ", p.kW, ", kH = ", p.kH);
  RAMP_CHECK(p.oW >= 1 && p.oH >= 1, "Given input size: (", C, "x", H, "x", W, "). Calculated output size: (",
             C, "x", p.oH, "x", p.oW, "). Output size is too small");
  p.H = H, p.W = W, p.planes = x.numel() / (H * W);  // H, W > 0 after the check above
  p.out_sizes = Dims(x.sizes());
  p.out_sizes[std::size_t(d - 2)] = p.oH, p.out_sizes[std::size_t(d - 1)] = p.oW;
  return p;
}

// Each plane is zeroed just before its scatter (while it is in cache, instead of a separate pass
// over all of dx).
Tensor max_pool_backward(const PoolGeometry& p, const Tensor& gy, const Tensor& indices, IntArrayRef in_sizes) {
  Tensor dx = empty(in_sizes, gy.dtype());
  const Tensor g = gy.contiguous();
  const std::int64_t* pi = indices.data<std::int64_t>();
  dispatch(gy.dtype(), [&](auto z) {
    using T = decltype(z);
    if constexpr (std::is_integral_v<T>) {
      throw Error("max pool backward: integer gradient");
    } else {
      const T* pg = g.data<T>();
      T* pd = dx.data<T>();
      over_planes(p, [&](std::int64_t b, std::int64_t e) {
        for (std::int64_t c = b; c < e; ++c) {
          T* plane = pd + c * p.H * p.W;
          std::fill(plane, plane + p.H * p.W, T(0));
          for (std::int64_t o = c * p.oH * p.oW; o < (c + 1) * p.oH * p.oW; ++o) {
            T& d = plane[pi[o]];
            d = T(PoolAcc<T>(d) + PoolAcc<T>(pg[o]));
          }
        }
      });
    }
  });
  return dx;
}

Tensor max_pool_grad(const PoolGeometry& p, const Tensor& gy, const Tensor& indices, IntArrayRef in_sizes,
                     std::string_view grad2_name) {
  Tensor dx = max_pool_backward(p, gy, indices, in_sizes);
  if (autograd::is_grad_enabled() && autograd::requires_grad(gy))
    autograd::record(dx, grad2_name, {gy}, {{indices, false}}, [](const autograd::Node& m, const Tensor& gg) {
      const Tensor idx = m.unpack(0);
      std::vector<std::int64_t> plane(gg.sizes().begin(), gg.sizes().end() - 2),
          taps(idx.sizes().begin(), idx.sizes().end() - 2);
      plane.push_back(-1);
      taps.push_back(-1);
      return std::vector<Tensor>{gather(gg.reshape(plane), -1, idx.reshape(taps)).reshape(idx.sizes())};
    });
  return dx;
}

void check_pool_dtype(const char* op, ScalarType t) {
  RAMP_CHECK(is_floating(t), "\"", op, "\" not implemented for '", dtype_error_name(t), "'");
}

}  // namespace ramp::detail
