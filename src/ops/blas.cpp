// Matrix products: float32 on oneDNN's sgemm, float64 on OpenBLAS. Both are OpenMP builds: they follow omp_set_num_threads and run single-threaded inside
// ramp's own parallel regions (OpenBLAS's pthread build would start a second thread pool).
//
// Operands are passed in place whenever BLAS can read them: a row-major matrix as it is, a
// column-major one (a transpose) as op(A) = Aᵀ with its leading dimension. Anything else (an
// expanded or sliced layout) is copied to contiguous first.
#include "blas.h"

#include <cblas.h>
#include <dnnl.h>

#include <algorithm>
#include <climits>

#include "../tensor/loop.h"
#include "../tensor/parallel.h"

namespace ramp::detail {
namespace {

// A batch of rows x cols matrices as BLAS reads them; `t` keeps the memory alive.
struct Operand {
  Tensor t;
  std::int64_t batch = 1, rows = 1, cols = 1, batch_stride = 0;
  CBLAS_TRANSPOSE op = CblasNoTrans;
  std::int64_t ld = 1;
};

enum class VectorAs { row, column };

Operand operand(const Tensor& x, VectorAs vec) {
  Operand o{x};
  std::int64_t sr = 1, sc = 1;  // element strides between rows, between columns
  const auto d = x.dim();
  if (d == 1) {
    (vec == VectorAs::row ? o.cols : o.rows) = x.size(0);
    (vec == VectorAs::row ? sc : sr) = x.stride(0);
  } else {
    o.rows = x.size(d - 2), o.cols = x.size(d - 1);
    sr = x.stride(d - 2), sc = x.stride(d - 1);
    if (d == 3) o.batch = x.size(0), o.batch_stride = x.stride(0);
  }
  // The stride along a dimension of size 1 is never used: any value is fine there.
  if ((sc == 1 || o.cols == 1) && (o.rows == 1 || sr >= std::max<std::int64_t>(o.cols, 1))) {
    o.op = CblasNoTrans;
    o.ld = o.rows == 1 ? std::max<std::int64_t>(o.cols, 1) : sr;
  } else if ((sr == 1 || o.rows == 1) && (o.cols == 1 || sc >= std::max<std::int64_t>(o.rows, 1))) {
    o.op = CblasTrans;
    o.ld = o.cols == 1 ? std::max<std::int64_t>(o.rows, 1) : sc;
  } else {
    return operand(x.contiguous(), vec);  // with elements, a contiguous layout is readable: recurses once
  }
  return o;
}

void check_int(std::int64_t v) {
  RAMP_CHECK(v <= INT_MAX, "ramp: a matrix dimension or leading dimension of ", v,
             " exceeds the 32-bit indices of the BLAS ramp links");
}

// Row-major C = alpha op(A) op(B) + beta C. float32 runs on oneDNN's sgemm: its JIT AVX-512 kernels
// measured 1.9x faster than OpenBLAS 0.3.21 here (which takes this CPU for a Haswell: a Linear's
// [64,784]x[784,256] product 158 vs 297 us, one thread). float64 stays on OpenBLAS (oneDNN has no dgemm).
void gemm_rm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, float alpha, const float* a, int lda,
             const float* b, int ldb, float beta, float* c, int ldc) {
  const detail::LibraryThreads threads;  // fewer while other work holds the cores
  const dnnl_status_t st = dnnl_sgemm(ta == CblasTrans ? 'T' : 'N', tb == CblasTrans ? 'T' : 'N', m, n, k, alpha, a,
                                      lda, b, ldb, beta, c, ldc);
  RAMP_CHECK(st == dnnl_success, "ramp: oneDNN sgemm failed (status ", int(st), ")");
}
void gemm_rm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, double alpha, const double* a, int lda,
             const double* b, int ldb, double beta, double* c, int ldc) {
  const detail::LibraryThreads threads;
  cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

// The distance between consecutive elements of an operand that is one row or one column.
int vector_step(const Operand& o, bool is_row) {
  return int(is_row == (o.op == CblasNoTrans) ? 1 : o.ld);
}

// c = alpha op(a) op(b) + beta c. float32: oneDNN's sgemm takes every shape (at batch 1 it beat
// OpenBLAS's sgemv 1.6x on a Linear's input gradient, and memset + sger 2.5x on its weight
// gradient). float64: products with a single row, a single column or k == 1 go to dgemv / dger,
// since dgemm would pack the whole other operand first.
void call(const Operand& a, const Operand& b, float alpha, float beta, const float* pa, const float* pb, float* c) {
  gemm_rm(a.op, b.op, int(a.rows), int(b.cols), int(a.cols), alpha, pa, int(a.ld), pb, int(b.ld), beta, c,
          int(b.cols));
}
void call(const Operand& a, const Operand& b, double alpha, double beta, const double* pa, const double* pb,
          double* c) {
  const auto flip = [](CBLAS_TRANSPOSE t) { return t == CblasNoTrans ? CblasTrans : CblasNoTrans; };
  const int n = int(a.rows), k = int(a.cols), m = int(b.cols);
  if (n == 1) {  // c[1, m] = a[1, k] op(b): gemv over b (stored [k, m], or [m, k] when transposed)
    const bool plain = b.op == CblasNoTrans;
    cblas_dgemv(CblasRowMajor, flip(b.op), plain ? k : m, plain ? m : k, alpha, pb, int(b.ld), pa,
                vector_step(a, true), beta, c, 1);
  } else if (m == 1) {  // c[n, 1] = op(a) b[k, 1]
    const bool plain = a.op == CblasNoTrans;
    cblas_dgemv(CblasRowMajor, a.op, plain ? n : k, plain ? k : n, alpha, pa, int(a.ld), pb, vector_step(b, false),
                beta, c, 1);
  } else if (k == 1 && (beta == 0 || beta == 1)) {  // an outer product, added to c
    if (beta == 0) std::fill_n(c, std::size_t(n) * std::size_t(m), 0.0);
    cblas_dger(CblasRowMajor, n, m, alpha, pa, vector_step(a, false), pb, vector_step(b, true), c, m);
  } else {
    gemm_rm(a.op, b.op, n, m, k, alpha, pa, int(a.ld), pb, int(b.ld), beta, c, m);
  }
}

template <class T>
void gemm_into_impl(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, T alpha, const T* a,
                    std::int64_t lda, const T* b, std::int64_t ldb, T beta, T* c, std::int64_t ldc) {
  for (auto v : {m, n, k, lda, ldb, ldc}) check_int(v);
  if (m == 0 || n == 0) return;
  const auto op = [](bool t) { return t ? CblasTrans : CblasNoTrans; };
  gemm_rm(op(ta), op(tb), int(m), int(n), int(k), alpha, a, int(lda), b, int(ldb), beta, c, int(ldc));
}

}  // namespace

void gemm_into(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, float alpha, const float* a,
               std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c, std::int64_t ldc) {
  gemm_into_impl(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void gemm_into(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, double alpha,
               const double* a, std::int64_t lda, const double* b, std::int64_t ldb, double beta, double* c,
               std::int64_t ldc) {
  gemm_into_impl(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

Tensor gemm(const Tensor& a_in, const Tensor& b_in, const Tensor& bias, double beta, double alpha) {
  if (a_in.dtype() == ScalarType::BFloat16) {  // PyTorch too accumulates bfloat16 products in float32
    const Tensor b32 = bias.defined() ? bias.to(ScalarType::Float32) : bias;
    return gemm(a_in.to(ScalarType::Float32), b_in.to(ScalarType::Float32), b32, beta, alpha)
        .to(ScalarType::BFloat16);
  }
  const bool batched = a_in.dim() == 3 || b_in.dim() == 3;
  const std::int64_t batch = batched ? (a_in.dim() == 3 ? a_in.size(0) : b_in.size(0)) : 1;
  const std::int64_t n = a_in.dim() == 1 ? 1 : a_in.size(-2), k = a_in.size(-1),
                     m = b_in.dim() == 1 ? 1 : b_in.size(-1);
  Tensor out = batched ? empty({batch, n, m}, a_in.dtype()) : empty({n, m}, a_in.dtype());
  if (out.numel() == 0) return out;
  if (!bias.defined() || beta == 0)
    beta = 0;  // BLAS does not read C when beta == 0
  else
    copy_into(out, bias);  // broadcasts
  if (k == 0) {  // an empty sum (operands with no elements may have any strides): only beta * bias remains
    if (beta != 0) return out.mul(beta);  // out of place: a fresh result stays at version 0
    fill_into(out, 0);
    return out;
  }
  const Operand a = operand(a_in, VectorAs::row), b = operand(b_in, VectorAs::column);
  for (auto v : {n, k, m, a.ld, b.ld}) check_int(v);
  dispatch(out.dtype(), [&](auto z) {
    using T = decltype(z);
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
      T* c = out.data<T>();
      const T* pa = static_cast<const T*>(a.t.data_ptr());
      const T* pb = static_cast<const T*>(b.t.data_ptr());
      auto one = [&](std::int64_t i) {
        call(a, b, T(alpha), T(beta), pa + i * a.batch_stride, pb + i * b.batch_stride, c + i * n * m);
      };
      // Small matrices: one BLAS call per thread over the batch (BLAS runs single-threaded inside
      // the region). Large ones: one call at a time, each threaded by BLAS itself.
      const std::int64_t work = std::max<std::int64_t>(n * m * k, 1);
      if (work >= (1 << 18)) {
        for (std::int64_t i = 0; i < batch; ++i) one(i);
      } else {
        parallel_for(batch, std::max<std::int64_t>((1 << 18) / work, 1), 1,
                     [&](std::int64_t lo, std::int64_t hi) {
                       for (std::int64_t i = lo; i < hi; ++i) one(i);
                     });
      }
    } else {
      throw Error(cat("ramp: gemm on ", dtype_error_name(out.dtype())));  // the ops turn these away first
    }
  });
  return out;
}

}  // namespace ramp::detail
