// mm, bmm, mv, dot, addmm and matmul: PyTorch 1.13's checks (in its order, with its texts), the
// products from detail::gemm (OpenBLAS), and the backward formulas of derivatives.yaml.
#include <vector>

#include "blas.h"
#include "ramp/ops.h"
#include "record.h"

namespace ramp {
namespace {

using autograd::Node;
using autograd::wants;

// Bool is refused with PyTorch's kernel name; integers pass PyTorch's checks but ramp has no
// integer BLAS, so they are refused after the dtype-mismatch check PyTorch would make first.
void check_not_bool(ScalarType t, const char* kernel) {
  RAMP_CHECK(t != ScalarType::Bool, "\"", kernel, "\" not implemented for '", dtype_error_name(t), "'");
}
void check_floating(ScalarType t, const char* op) {
  RAMP_CHECK(is_floating(t), op, ": '", dtype_error_name(t),
             "' is not supported: ramp computes matrix products "
             "with BLAS in Float, Double or BFloat16 (PyTorch 1.13 also accepts integer dtypes on CPU)");
}
void check_same(ScalarType self, ScalarType other) {
  RAMP_CHECK(self == other, "expected scalar type ", dtype_error_name(self), " but found ",
             dtype_error_name(other));
}

// derivatives.yaml's maybe_multiply: skips the multiplication by one.
Tensor times(const Tensor& t, const Scalar& s) { return s.to_double() == 1 ? t : t.mul(s); }

bool column_major(const Tensor& m) { return m.stride(0) == 1 && m.stride(1) == m.size(0); }

// mm_mat1_backward / mm_mat2_backward: a column-major input gets a column-major gradient.
Tensor mat1_grad(const Tensor& g, const Tensor& mat2, bool col_major, const Scalar& alpha) {
  return times(col_major ? mm(mat2, g.t()).t() : mm(g, mat2.t()), alpha);
}
Tensor mat2_grad(const Tensor& g, const Tensor& mat1, bool col_major, const Scalar& alpha) {
  return times(col_major ? mm(g.t(), mat1).t() : mm(mat1.t(), g), alpha);
}

// The output of a fresh product under a new shape, recorded as PyTorch's _unsafe_view
// (UnsafeViewBackward0): not a view for autograd, so the result may be written in place.
Tensor unsafe_view(const Tensor& x, IntArrayRef shape) {
  // Made in no-grad mode so it is not marked a view either: an in-place write to it (linear's
  // bias add_) must record on it, not rebase it onto the detached product as CopySlices.
  Tensor out = autograd::below([&] { return x.detach().view(shape); });
  if (!autograd::needs_grad({x})) return out;
  std::vector<std::int64_t> sizes(x.sizes().begin(), x.sizes().end());
  autograd::record(
      out, "UnsafeViewBackward0", {x}, {},
      [sizes](const Node&, const Tensor& g) -> std::vector<Tensor> { return {g.reshape(sizes)}; });
  return out;
}

// matmul's squeeze_(0) of a fresh [1, m] product: PyTorch rewrites that tensor's own grad_fn
// in place, which shows as SqueezeBackward3.
Tensor squeeze0_(const Tensor& x) {
  Tensor out = autograd::below([&] { return x.detach().squeeze(0); });  // not a view either
  if (!autograd::needs_grad({x})) return out;
  autograd::record(out, "SqueezeBackward3", {x}, {},
                   [](const Node&, const Tensor& g) -> std::vector<Tensor> { return {g.unsqueeze(0)}; });
  return out;
}

// matmul folds the batch dims of the larger operand into rows (one mm/mv instead of a bmm),
// except for a 3-D operand whose last two dims are transposed over a contiguous batch.
bool should_fold(const Tensor& t1, std::int64_t dim2) {
  if (t1.dim() < 3 || dim2 > 2) return false;
  return !(t1.dim() == 3 && dim2 == 2 && t1.stride(2) != 1 && t1.stride(0) == t1.size(1) * t1.size(2));
}

Dims sizes_without_last(const Tensor& t, std::int64_t n) {
  return Dims(IntArrayRef(t.sizes().data(), std::size_t(t.dim() - n)));
}

}  // namespace

Tensor mm(const Tensor& self, const Tensor& mat2) {
  RAMP_CHECK(self.dim() == 2, "self must be a matrix");
  RAMP_CHECK(mat2.dim() == 2, "mat2 must be a matrix");
  RAMP_CHECK(self.size(1) == mat2.size(0), "mat1 and mat2 shapes cannot be multiplied (", self.size(0), "x",
             self.size(1), " and ", mat2.size(0), "x", mat2.size(1), ")");
  check_not_bool(self.dtype(), "addmm_impl_cpu_");
  check_same(self.dtype(), mat2.dtype());
  check_floating(self.dtype(), "mm");
  if (!autograd::needs_grad({self, mat2})) return detail::gemm(self, mat2);
  Tensor out = autograd::below([&] { return detail::gemm(self, mat2); });
  auto node = autograd::record(out, "MmBackward0", {self, mat2}, {},
                               [c1 = column_major(self), c2 = column_major(mat2)](
                                   const Node& n, const Tensor& g) -> std::vector<Tensor> {
                                 return {wants(n, 0) ? mat1_grad(g, n.unpack(1), c1, 1) : Tensor(),
                                         wants(n, 1) ? mat2_grad(g, n.unpack(0), c2, 1) : Tensor()};
                               });
  autograd::save_if(*node, {{autograd::requires_grad(mat2), self}, {autograd::requires_grad(self), mat2}});
  return out;
}

Tensor addmm(const Tensor& self, const Tensor& mat1, const Tensor& mat2, Scalar beta, Scalar alpha) {
  RAMP_CHECK(mat1.dim() == 2, "mat1 must be a matrix, got ", mat1.dim(), "-D tensor");
  RAMP_CHECK(mat2.dim() == 2, "mat2 must be a matrix, got ", mat2.dim(), "-D tensor");
  RAMP_CHECK(self.dtype() == mat2.dtype(), "self and mat2 must have the same dtype");
  RAMP_CHECK(mat1.dtype() == mat2.dtype(), "mat1 and mat2 must have the same dtype");
  RAMP_CHECK(mat1.size(1) == mat2.size(0), "mat1 and mat2 shapes cannot be multiplied (", mat1.size(0), "x",
             mat1.size(1), " and ", mat2.size(0), "x", mat2.size(1), ")");
  // detach: the broadcast is part of the product, not a node of its own. Expand gives PyTorch's error text.
  const Tensor bias = self.detach().expand({mat1.size(0), mat2.size(1)});
  check_not_bool(self.dtype(), "addmm_impl_cpu_");
  check_floating(self.dtype(), "addmm");
  auto compute = [&] { return detail::gemm(mat1, mat2, bias, beta.to_double(), alpha.to_double()); };
  if (!autograd::needs_grad({self, mat1, mat2})) return compute();
  Tensor out = autograd::below(compute);
  std::vector<std::int64_t> bias_sizes(self.sizes().begin(), self.sizes().end());
  auto node =
      autograd::record(out, "AddmmBackward0", {self, mat1, mat2}, {},
                       [beta, alpha, bias_sizes, c1 = column_major(mat1), c2 = column_major(mat2)](
                           const Node& n, const Tensor& g) -> std::vector<Tensor> {
                         return {wants(n, 0) ? autograd::sum_to(times(g, beta), bias_sizes) : Tensor(),
                                 wants(n, 1) ? mat1_grad(g, n.unpack(1), c1, alpha) : Tensor(),
                                 wants(n, 2) ? mat2_grad(g, n.unpack(0), c2, alpha) : Tensor()};
                       });
  autograd::save_if(*node, {{autograd::requires_grad(mat2), mat1}, {autograd::requires_grad(mat1), mat2}});
  return out;
}

Tensor bmm(const Tensor& self, const Tensor& mat2) {
  RAMP_CHECK(self.dim() == 3, "batch1 must be a 3D tensor");
  RAMP_CHECK(mat2.dim() == 3, "batch2 must be a 3D tensor");
  RAMP_CHECK(mat2.size(0) == self.size(0) && mat2.size(1) == self.size(2),
             "Expected size for first two dimensions of batch2 tensor to be: [", self.size(0), ", ",
             self.size(2), "] but got: [", mat2.size(0), ", ", mat2.size(1), "].");
  check_not_bool(self.dtype(), "bmm");
  check_same(self.dtype(), mat2.dtype());
  check_floating(self.dtype(), "bmm");
  if (!autograd::needs_grad({self, mat2})) return detail::gemm(self, mat2);
  Tensor out = autograd::below([&] { return detail::gemm(self, mat2); });
  auto node = autograd::record(out, "BmmBackward0", {self, mat2}, {},
                               [](const Node& n, const Tensor& g) -> std::vector<Tensor> {
                                 return {wants(n, 0) ? bmm(g, n.unpack(1).transpose(1, 2)) : Tensor(),
                                         wants(n, 1) ? bmm(n.unpack(0).transpose(1, 2), g) : Tensor()};
                               });
  autograd::save_if(*node, {{autograd::requires_grad(mat2), self}, {autograd::requires_grad(self), mat2}});
  return out;
}

Tensor mv(const Tensor& self, const Tensor& vec) {
  RAMP_CHECK(self.dim() == 2 && vec.dim() == 1, "vector + matrix @ vector expected, got 1, ", self.dim(),
             ", ", vec.dim());
  RAMP_CHECK(self.size(1) == vec.size(0), "size mismatch, got ", self.size(0), ", ", self.size(0), "x",
             self.size(1), ",", vec.size(0));
  check_not_bool(self.dtype(), "addmv_impl_cpu");
  check_same(self.dtype(), vec.dtype());
  check_floating(self.dtype(), "mv");
  auto compute = [&] { return detail::gemm(self, vec).view({self.size(0)}); };
  if (!autograd::needs_grad({self, vec})) return compute();
  Tensor out = autograd::below(compute);
  auto node = autograd::record(
      out, "MvBackward0", {self, vec}, {}, [](const Node& n, const Tensor& g) -> std::vector<Tensor> {
        // self: the outer product g ⊗ vec (ger), as a [n, 1] @ [1, k] product
        return {wants(n, 0) ? detail::gemm(g.unsqueeze(1), n.unpack(1).unsqueeze(0)) : Tensor(),
                wants(n, 1) ? mv(n.unpack(0).t(), g) : Tensor()};
      });
  autograd::save_if(*node, {{autograd::requires_grad(vec), self}, {autograd::requires_grad(self), vec}});
  return out;
}

Tensor dot(const Tensor& self, const Tensor& tensor) {
  RAMP_CHECK(self.dim() == 1 && tensor.dim() == 1, "1D tensors expected, but got ", self.dim(), "D and ",
             tensor.dim(), "D tensors");
  RAMP_CHECK(self.dtype() == tensor.dtype(), "dot : expected both vectors to have same dtype, but found ",
             dtype_error_name(self.dtype()), " and ", dtype_error_name(tensor.dtype()));
  RAMP_CHECK(self.numel() == tensor.numel(), "inconsistent tensor size, expected tensor [", self.numel(),
             "] and src [", tensor.numel(), "] to have the same number of elements, but got ", self.numel(),
             " and ", tensor.numel(), " elements respectively");
  check_not_bool(self.dtype(), "dot");
  check_floating(self.dtype(), "dot");
  auto compute = [&] { return detail::gemm(self, tensor).view({}); };
  if (!autograd::needs_grad({self, tensor})) return compute();
  Tensor out = autograd::below(compute);
  auto node = autograd::record(
      out, "DotBackward0", {self, tensor}, {}, [](const Node& n, const Tensor& g) -> std::vector<Tensor> {
        return {wants(n, 0) ? g.mul(n.unpack(1)) : Tensor(), wants(n, 1) ? g.mul(n.unpack(0)) : Tensor()};
      });
  autograd::save_if(*node,
                    {{autograd::requires_grad(tensor), self}, {autograd::requires_grad(self), tensor}});
  return out;
}

// torch.matmul as 1.13 composes it (aten/src/ATen/native/LinearAlgebra.cpp, _matmul_impl).
Tensor matmul(const Tensor& t1, const Tensor& t2) {
  const std::int64_t d1 = t1.dim(), d2 = t2.dim();
  RAMP_CHECK(d1 != 0 && d2 != 0, "both arguments to matmul need to be at least 1D, but they are ", d1,
             "D and ", d2, "D");
  if (d1 == 1 && d2 == 1) return dot(t1, t2);
  if (d1 == 2 && d2 == 1) return mv(t1, t2);
  if (d1 == 1 && d2 == 2) return squeeze0_(mm(t1.unsqueeze(0), t2));
  if (d1 == 2 && d2 == 2) return mm(t1, t2);
  if (should_fold(t1, d2) || should_fold(t2, d1)) {
    // Fold the larger operand's batch into rows; when it is the right one, work on transposes:
    // (a @ b)ᵀ = bᵀ @ aᵀ.
    const bool transpose = d2 > d1;
    const Tensor a = transpose ? t2.transpose(-2, -1) : t1;
    const Tensor b = !transpose ? t2 : d1 == 2 ? t1.t() : t1;
    Dims shape = sizes_without_last(a, 1);
    const std::int64_t rows = numel_of(shape);
    if (b.dim() == 2) shape.push_back(b.size(1));
    const Tensor folded = a.reshape({rows, a.size(-1)});
    if (b.dim() == 1) return unsafe_view(mv(folded, b), shape);
    const Tensor out = unsafe_view(mm(folded, b), shape);
    return transpose ? out.transpose(-2, -1).contiguous() : out;
  }
  // Broadcast the batch dims and run one bmm.
  const std::int64_t n = d1 > 1 ? t1.size(-2) : 1, m1 = t1.size(-1);
  const std::int64_t m2 = d2 > 1 ? t2.size(-2) : t2.size(0), p = d2 > 1 ? t2.size(-1) : 1;
  const Dims batch = broadcast_shapes(sizes_without_last(t1, std::min<std::int64_t>(d1, 2)),
                                      sizes_without_last(t2, std::min<std::int64_t>(d2, 2)));
  const std::int64_t b = numel_of(batch);
  Dims s1 = batch, s2 = batch, shape = batch;
  s1.push_back(n), s1.push_back(m1), s2.push_back(m2), s2.push_back(p);
  if (d1 > 1) shape.push_back(n);
  if (d2 > 1) shape.push_back(p);
  const Tensor e1 = t1.expand(s1).reshape({b, n, m1}), e2 = t2.expand(s2).reshape({b, m2, p});
  return unsafe_view(bmm(e1, e2), shape);
}

}  // namespace ramp
