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

// c = alpha * op(a) @ op(b) + beta * c on row-major buffers the caller owns (op transposes when
// the flag is set; a is m x k after op, b k x n, c m x n with leading dims lda, ldb, ldc). For
// ops that run many products into their own scratch (conv2d per image) where a fresh tensor per
// product would cost an allocation and a copy. BLAS threads it unless called inside a parallel
// region. Sizes must fit BLAS's 32-bit ints (checked).
void gemm_into(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
               const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c,
               std::int64_t ldc);
void gemm_into(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, double alpha,
               const double* a, std::int64_t lda, const double* b, std::int64_t ldb, double beta, double* c,
               std::int64_t ldc);

}  // namespace ramp::detail
