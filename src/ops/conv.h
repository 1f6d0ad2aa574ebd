// The checked geometry of a 2-D convolution and the kernel behind conv2d (internal to src/ops:
// conv2d.cpp checks the arguments, conv.cpp computes).
#pragma once

#include <cstdint>

#include "ramp/tensor.h"

namespace ramp::detail {

struct ConvGeometry {
  std::int64_t N, C, H, W;  // input [N, C, H, W]
  std::int64_t O, kH, kW;   // weight [O, C / groups, kH, kW]
  std::int64_t sH, sW, pH, pW, dH, dW, groups;
  std::int64_t oH, oW;      // output [N, O, oH, oW]
  std::int64_t Cg() const { return C / groups; }
};

// y = conv(input, weight) + bias on checked, batched operands of one floating dtype; records
// ConvolutionBackward0 when an operand requires grad. bias may be undefined.
Tensor convolution(const Tensor& input, const Tensor& weight, const Tensor& bias, const ConvGeometry& g);

}  // namespace ramp::detail
