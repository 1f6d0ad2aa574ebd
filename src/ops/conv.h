// The checked geometry of a 2-D convolution and the kernel behind conv2d (internal to src/ops:
// conv2d.cpp checks the arguments, conv.cpp computes).
#pragma once

#include <cstdint>
#include <optional>

#include "ramp/tensor.h"

namespace ramp::detail {

struct ConvGeometry {
  std::int64_t N, C, H, W;  // input [N, C, H, W]
  std::int64_t O, kH, kW;   // weight [O, C / groups, kH, kW]
  std::int64_t sH, sW, pH, pW, dH, dW, groups;
  std::int64_t oH, oW;  // output [N, O, oH, oW]
  std::int64_t Cg() const { return C / groups; }
};

struct ConvGrads {
  Tensor input, weight, bias;
};

// The float32 convolutions on oneDNN (conv_dnnl.cpp): its JIT kernels in its blocked layouts, with
// reorders from and to ramp's NCHW. Operands are contiguous float32; bias may be undefined.
// nullopt when oneDNN refuses the geometry: the caller falls back to im2col + GEMM.
std::optional<Tensor> dnnl_conv_forward(const Tensor& x, const Tensor& w, const Tensor& b,
                                        const ConvGeometry& g);
std::optional<ConvGrads> dnnl_conv_backward(const Tensor& gy, const Tensor& x, const Tensor& w,
                                            const ConvGeometry& g, bool need_x, bool need_w, bool need_b);

// y = conv(input, weight) + bias on checked, batched operands of one floating dtype; records
// ConvolutionBackward0 when an operand requires grad. bias may be undefined.
Tensor convolution(const Tensor& input, const Tensor& weight, const Tensor& bias, const ConvGeometry& g);

}  // namespace ramp::detail
