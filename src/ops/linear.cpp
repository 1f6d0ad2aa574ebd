// F.linear as PyTorch 1.13 composes it (aten/src/ATen/native/Linear.cpp), so the recorded graph
// has 1.13's nodes: a 2-D input with a bias is one addmm (AddmmBackward0); a contiguous 3-D input
// with a bias is flattened to 2-D, addmm'd and viewed back (ViewBackward0 ← AddmmBackward0 ←
// ViewBackward0); anything else is matmul(input, weight.t()) with the bias added in place
// (AddBackward0). The shape and dtype errors are those of the products, as in 1.13.
#include "ramp/nn/functional.h"
#include "ramp/ops.h"

namespace ramp {

Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias) {
  if (input.dim() == 2 && bias.defined()) return addmm(bias, input, weight.t());
  if (bias.defined() && input.dim() == 3 && input.is_contiguous()) {
    // 1.13's _flatten_nd_linear: one GEMM with the bias fused instead of matmul + add_.
    const Tensor out = addmm(bias, input.view({input.size(0) * input.size(1), input.size(2)}), weight.t());
    return out.view({input.size(0), input.size(1), out.size(1)});
  }
  Tensor out = matmul(input, weight.t());
  if (bias.defined()) out.add_(bias);
  return out;
}

}  // namespace ramp
