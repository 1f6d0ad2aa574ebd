// The differentiable building blocks of networks, as free functions with PyTorch's names:
// matrix products (on OpenBLAS), pow/exp/log, cat/stack. Each records PyTorch 1.13's grad_fn
// (MmBackward0, PowBackward1, CatBackward0, ...) when an input requires grad.
//
//   auto w = ramp::randn({3, 4}).requires_grad_();
//   auto y = ramp::matmul(x, w).pow(2)...;      // ramp::pow(ramp::matmul(x, w), 2)
//   ramp::cat({a, b}, /*dim=*/1);
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "ramp/reduce.h"
#include "ramp/random.h"
#include "ramp/shape.h"
#include "ramp/tensor.h"
#include "ramp/indexing.h"  // advanced indexing, gather/scatter, masks, nonzero
#include "ramp/sort.h"      // sort, topk, kthvalue

namespace ramp {

// ---- matrix products: float32, float64 (BLAS), bfloat16 (in float32) ----
// Integer dtypes raise (PyTorch 1.13 computes them on CPU; ramp has no integer BLAS); bool raises
// PyTorch's "not implemented for 'Bool'".
Tensor mm(const Tensor& self, const Tensor& mat2);     // [n, k] @ [k, m]
Tensor bmm(const Tensor& self, const Tensor& mat2);    // [b, n, k] @ [b, k, m]
Tensor mv(const Tensor& self, const Tensor& vec);      // [n, k] @ [k]
Tensor dot(const Tensor& self, const Tensor& tensor);  // [k] . [k] -> 0-d
// beta * self + alpha * (mat1 @ mat2), self broadcast to the product's shape; beta == 0 ignores
// self (NaN in it does not propagate).
Tensor addmm(const Tensor& self, const Tensor& mat1, const Tensor& mat2, Scalar beta = 1, Scalar alpha = 1);
// torch.matmul: dot, mv, mm, folded mm/mv or broadcast bmm, chosen by the operands' dims exactly
// as 1.13 does (so the recorded graph has the same nodes).
Tensor matmul(const Tensor& self, const Tensor& other);

// ---- pointwise ----
// PyTorch's type promotion: an integer tensor to a float power is float32; integers to integer
// powers stay integers (wrapping) and refuse negative Scalar exponents.
Tensor pow(const Tensor& self, Scalar exponent);         // PowBackward0
Tensor pow(const Tensor& self, const Tensor& exponent);  // broadcasting; PowBackward1
Tensor pow(Scalar self, const Tensor& exponent);         // PowBackward2
// Einstein summation over the operands ("ij,jk->ik", "bij,bjk->bik", "ii->i", "...ij,...jk", implicit
// output: the labels seen once, alphabetically), as sums, permutes and bmm: autograd flows through
// them (src/ops/einsum.cpp).
Tensor einsum(std::string_view equation, const std::vector<Tensor>& operands);
// In place (self keeps its dtype: the result type must cast to it); the graph records PowBackward0/1.
Tensor& pow_(Tensor& self, Scalar exponent);
Tensor& pow_(Tensor& self, const Tensor& exponent);
// pow computed in float64 (both sides converted first): the result is always float64. float_power_
// needs a float64 self.
Tensor float_power(const Tensor& self, const Tensor& exponent);
Tensor float_power(const Tensor& self, Scalar exponent);
Tensor float_power(Scalar self, const Tensor& exponent);
Tensor& float_power_(Tensor& self, const Tensor& exponent);
Tensor& float_power_(Tensor& self, Scalar exponent);
// torch.div with rounding_mode "trunc" or "floor" (None: true division, as a / b). Integers stay
// integers (division by zero raises "ZeroDivisionError"); floor on floats is Python's `//`.
Tensor div(const Tensor& self, const Tensor& other, std::optional<std::string_view> rounding_mode);
Tensor div(const Tensor& self, const Scalar& other, std::optional<std::string_view> rounding_mode);
// torch.floor_divide (`//`): div(self, other, "floor") whose node has no derivative, as 1.13's.
Tensor floor_divide(const Tensor& self, const Tensor& other);

// torch.result_type: the dtype an op of these operands computes in (a Python number or a 0-d
// tensor raises the other operand's dtype only to a higher category: int tensor + 2.5 is float32).
ScalarType result_type(const Tensor& tensor, const Tensor& other);
ScalarType result_type(const Tensor& tensor, const Scalar& other);

// ---- joining ----
// Tensors of shape [0] are skipped by cat (PyTorch's legacy rule); dtypes promote.
Tensor cat(const std::vector<Tensor>& tensors, std::int64_t dim = 0);
Tensor stack(const std::vector<Tensor>& tensors, std::int64_t dim = 0);

// ---- more products and distances (src/ops/products.cpp): compositions of the ops above, so the
// graph records their nodes (not 1.13's fused AddmvBackward0, CdistBackward0, ...); cross alone is
// its own kernel and node ----
// self[i] * vec2[j] (ger is its old name); inner: a dot over the last dims (a product when one is 0-d).
Tensor outer(const Tensor& self, const Tensor& vec2);
inline Tensor ger(const Tensor& self, const Tensor& vec2) { return outer(self, vec2); }
Tensor inner(const Tensor& self, const Tensor& other);
// The Kronecker product (dims padded with leading 1s).
Tensor kron(const Tensor& self, const Tensor& other);
// Sums over dims_a of self against dims_b of other (or the last `dims` of self against the first of
// other): permute, reshape, mm. Integer dtypes are summed exactly (ramp's BLAS is floating only).
Tensor tensordot(const Tensor& self, const Tensor& other, IntArrayRef dims_a, IntArrayRef dims_b);
Tensor tensordot(const Tensor& self, const Tensor& other, std::int64_t dims = 2);
// beta * self + alpha * (mat @ vec) / (sum_b batch1[b] @ batch2[b]) / (batch1 @ batch2) per batch;
// beta == 0 ignores self.
Tensor addmv(const Tensor& self, const Tensor& mat, const Tensor& vec, Scalar beta = 1, Scalar alpha = 1);
Tensor addbmm(const Tensor& self, const Tensor& batch1, const Tensor& batch2, Scalar beta = 1, Scalar alpha = 1);
Tensor baddbmm(const Tensor& self, const Tensor& batch1, const Tensor& batch2, Scalar beta = 1, Scalar alpha = 1);
// The cross product along dim (none: the first dim of self of size 3, as 1.13's torch.cross), each
// component a1 b2 - a2 b1 rounded as one fused multiply-add like 1.13's kernel; LinalgCrossBackward0.
Tensor cross(const Tensor& self, const Tensor& other, std::optional<std::int64_t> dim = {});
// norm(self - other, p).
Tensor dist(const Tensor& self, const Tensor& other, Scalar p = 2);
// p-norm distances between the rows of x1 [..., r1, m] and x2 [..., r2, m] -> [..., r1, r2]. compute_mode
// as 1.13's (none/0: the product form |x|² + |y|² - 2x·y for p = 2 beyond 25 rows; 1: always; 2: never).
// The product form records 1.13's EuclideanDistBackward0 (a zero distance gets a zero gradient).
Tensor cdist(const Tensor& x1, const Tensor& x2, double p = 2, std::optional<std::int64_t> compute_mode = {});
// Every combination of the 1-d tensors' elements as rows (meshgrid, flattened and stacked).
Tensor cartesian_prod(const std::vector<Tensor>& tensors);
// gather along dim after broadcasting every other dim of self and indices (none: over the flattened self).
Tensor take_along_dim(const Tensor& self, const Tensor& indices, std::optional<std::int64_t> dim = {});
// Whether each element occurs in test_elements (compared in their promoted dtype; NaN never does).
Tensor isin(const Tensor& elements, const Tensor& test_elements, bool assume_unique = false, bool invert = false);
Tensor isin(const Tensor& elements, Scalar test_element, bool assume_unique = false, bool invert = false);
Tensor isin(Scalar element, const Tensor& test_elements, bool assume_unique = false, bool invert = false);

}  // namespace ramp

// ---- what training code needs: comparisons, index_select, clamp ----
// (src/ops/compare.cpp, src/ops/index.cpp, src/ops/unary.cpp)
namespace ramp {

// Elementwise comparisons -> bool, broadcasting. Both sides are converted to torch.result_type
// first (an int64 tensor against 2.5 compares in float32; uint8 against -1 wraps to 255, as 1.13).
// NaN compares unequal to everything (ne is true). No gradient: the result is bool.
Tensor eq(const Tensor& self, const Tensor& other);
Tensor ne(const Tensor& self, const Tensor& other);
Tensor lt(const Tensor& self, const Tensor& other);
Tensor le(const Tensor& self, const Tensor& other);
Tensor gt(const Tensor& self, const Tensor& other);
Tensor ge(const Tensor& self, const Tensor& other);
Tensor eq(const Tensor& self, Scalar other);
Tensor ne(const Tensor& self, Scalar other);
Tensor lt(const Tensor& self, Scalar other);
Tensor le(const Tensor& self, Scalar other);
Tensor gt(const Tensor& self, Scalar other);
Tensor ge(const Tensor& self, Scalar other);

// The slices self[..., index[k], ...] along `dim`, stacked in index order (a copy).
// index: int64 or int32, 0-d or 1-d; out of range raises IndexError. IndexSelectBackward0 adds
// each gradient slice back at its index (repeated indices accumulate).
Tensor index_select(const Tensor& self, std::int64_t dim, const Tensor& index);

// min(max(self, min), max) with either bound optional (not both); NaN in self or a bound gives NaN.
// The dtype is torch.result_type of self and the bounds (int tensor clamped to 0.5 is float32);
// ClampBackward1: grad where min <= self <= max, else 0.
Tensor clamp(const Tensor& self, std::optional<Scalar> min, std::optional<Scalar> max = {});

}  // namespace ramp

// sin, floor, where, lerp, ... (one table: ramp/elementwise.h; included last, it uses the above)
#include "ramp/elementwise.h"
