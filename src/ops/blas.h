// The one way ramp multiplies matrices: OpenBLAS's sgemm/dgemm (internal to src/ops).
#pragma once

#include "ramp/tensor.h"

namespace ramp::detail {

// alpha * (a @ b) + beta * bias, in a fresh contiguous tensor of a's dtype (float32, float64, or
// bfloat16 computed in float32). a is [n, k] or [batch, n, k] (a 1-D a is one row, [1, k]); b is
// [k, m] or [batch, k, m] (a 1-D b is one column, [k, 1]). The result is [n, m] or [batch, n, m]:
// callers view it as the shape they return. `bias` (broadcast to the result) is read only when it
// is defined and beta != 0, so NaN in an ignored bias does not propagate. Shapes and dtypes are
// the caller's to check.
Tensor gemm(const Tensor& a, const Tensor& b, const Tensor& bias = {}, double beta = 0, double alpha = 1);

}  // namespace ramp::detail
