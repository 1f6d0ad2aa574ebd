// More products and distances (include/ramp/ops.h), composed of mul/mm/bmm/addmm/norm/index_select so
// autograd flows through the composing ops' nodes (the grad_fn names are theirs, not 1.13's fused
// AddmvBackward0, CdistBackward0, ...: docs/design.md lists them); cross and cdist's product form
// record nodes of their own.
#include <algorithm>
#include <cmath>
#include <vector>

#include "ramp/ops.h"
#include "record.h"  // wants
#include "reduce.h"  // dispatch, detail::Compute

namespace ramp {

Tensor outer(const Tensor& self, const Tensor& vec2) {
  RAMP_CHECK(self.dim() == 1, "outer: Expected 1-D argument self, but got ", self.dim(), "-D");
  RAMP_CHECK(vec2.dim() == 1, "outer: Expected 1-D argument vec2, but got ", vec2.dim(), "-D");
  return self.reshape({self.size(0), 1}).mul(vec2);
}

namespace {

// [M, K] @ [K, N]: mm for floating dtypes; integers (1.13 multiplies them too, ramp's BLAS does not)
// as a broadcast product summed over K, exact and wrapping as int64 sums.
Tensor matrix_product(const Tensor& a, const Tensor& b) {
  RAMP_CHECK(a.dtype() == b.dtype(), "expected scalar type ", dtype_error_name(a.dtype()), " but found ",
             dtype_error_name(b.dtype()));
  if (is_floating(a.dtype())) return mm(a, b);
  return a.unsqueeze(2).mul(b.unsqueeze(0)).sum({1}, false, a.dtype());
}

}  // namespace

Tensor tensordot(const Tensor& self, const Tensor& other, IntArrayRef dims_a, IntArrayRef dims_b) {
  RAMP_CHECK(dims_a.size() == dims_b.size(), "both dimension lists should have same length");
  std::vector<bool> in_a(std::size_t(self.dim()), false), in_b(std::size_t(other.dim()), false);
  std::vector<std::int64_t> perm_a, perm_b, out_sizes;
  std::int64_t k = 1;
  for (std::size_t i = 0; i < dims_a.size(); ++i) {
    const std::int64_t da = wrap_dim(dims_a[i], self.dim()), db = wrap_dim(dims_b[i], other.dim());
    RAMP_CHECK(self.size(da) == other.size(db), "contracted dimensions need to match, but first has size ",
               self.size(da), " in dim ", dims_a[i], " and second has size ", other.size(db), " in dim ", dims_b[i]);
    for (auto [in, dd] : {std::pair{&in_a, da}, std::pair{&in_b, db}}) {
      RAMP_CHECK(!(*in)[std::size_t(dd)], "dim ", dd, " appears multiple times in the list of dims");
      (*in)[std::size_t(dd)] = true;
    }
    k *= self.size(da);
  }
  std::int64_t m = 1, n = 1;
  for (std::int64_t d = 0; d < self.dim(); ++d)
    if (!in_a[std::size_t(d)]) {
      perm_a.push_back(d);
      out_sizes.push_back(self.size(d));
      m *= self.size(d);
    }
  for (std::size_t i = 0; i < dims_a.size(); ++i) {
    perm_a.push_back(wrap_dim(dims_a[i], self.dim()));
    perm_b.push_back(wrap_dim(dims_b[i], other.dim()));
  }
  for (std::int64_t d = 0; d < other.dim(); ++d)
    if (!in_b[std::size_t(d)]) {
      perm_b.push_back(d);
      out_sizes.push_back(other.size(d));
      n *= other.size(d);
    }
  // 1.13 multiplies with addmm, which has no bool kernel (an outer product, dims empty, is a mul)
  RAMP_CHECK(dims_a.empty() || self.dtype() != ScalarType::Bool,
             "\"addmm_impl_cpu_\" not implemented for 'Bool'");
  const Tensor a = self.permute(perm_a).reshape({m, k}), b = other.permute(perm_b).reshape({k, n});
  return matrix_product(a, b).reshape(out_sizes);
}

Tensor tensordot(const Tensor& self, const Tensor& other, std::int64_t dims) {
  RAMP_CHECK(dims >= 0, "tensordot expects dims >= 0, but got dims=", dims);
  RAMP_CHECK(dims <= self.dim() && dims <= other.dim(), "tensordot expects dims < ndim_a or ndim_b, but got dims=", dims);
  std::vector<std::int64_t> da, db;
  for (std::int64_t i = 0; i < dims; ++i) {
    da.push_back(i - dims);  // counted from the end, as 1.13's messages show them
    db.push_back(i);
  }
  return tensordot(self, other, da, db);
}

Tensor inner(const Tensor& self, const Tensor& other) {
  if (self.dim() == 0 || other.dim() == 0) return self.mul(other);
  RAMP_CHECK(self.size(-1) == other.size(-1), "inner() the last dimension must match on both input tensors but got shapes ",
             shape_str(self.sizes()), " and ", shape_str(other.sizes()));
  return tensordot(self, other, {-1}, {-1});
}

Tensor kron(const Tensor& self, const Tensor& other) {
  // Both padded to n dims with leading 1s; self[i] * other[j] lands at i * other.size + j, so the
  // product of self as [a0, 1, a1, 1, ...] and other as [1, b0, 1, b1, ...] reshaped is the answer.
  const std::int64_t n = std::max(self.dim(), other.dim());
  std::vector<std::int64_t> sa(std::size_t(2 * n), 1), sb(std::size_t(2 * n), 1), out(std::size_t(n), 1);
  for (std::int64_t d = 0; d < n; ++d) {
    const std::int64_t a = d - (n - self.dim()) >= 0 ? self.size(d - (n - self.dim())) : 1;
    const std::int64_t b = d - (n - other.dim()) >= 0 ? other.size(d - (n - other.dim())) : 1;
    sa[std::size_t(2 * d)] = a;
    sb[std::size_t(2 * d + 1)] = b;
    out[std::size_t(d)] = a * b;
  }
  return self.reshape(sa).mul(other.reshape(sb)).reshape(out);
}

namespace {

// addmv's and baddbmm's self as 1.13 reads it: in the dtype of the two factors, which must agree (the
// result has their dtype; self's own dtype only shapes its gradient, through ToCopyBackward0).
Tensor as_product_dtype(const Tensor& self, const Tensor& a, const Tensor& b) {
  RAMP_CHECK(a.dtype() == b.dtype(), "expected scalar type ", dtype_error_name(a.dtype()), " but found ",
             dtype_error_name(b.dtype()));
  return self.dtype() == a.dtype() ? self : self.to(a.dtype());
}

}  // namespace

Tensor addmv(const Tensor& self, const Tensor& mat, const Tensor& vec, Scalar beta, Scalar alpha) {
  RAMP_CHECK(mat.dim() == 2 && vec.dim() == 1 && self.dim() <= 1, "vector + matrix @ vector expected, got ", self.dim(),
             ", ", mat.dim(), ", ", vec.dim());
  RAMP_CHECK(mat.size(1) == vec.size(0) && (mat.size(0) == self.numel() || self.numel() == 1), "size mismatch, got ",
             self.numel() == 1 ? mat.size(0) : self.size(0), ", ", mat.size(0), "x", mat.size(1), ",", vec.size(0));
  const Tensor s = as_product_dtype(self, mat, vec);
  // gemm with the bias as a column: beta * self + alpha * (mat @ vec) in one BLAS call, as 1.13's gemv.
  const Tensor column = s.dim() == 0 ? s.reshape({1, 1}) : s.unsqueeze(1);
  return addmm(column, mat, vec.unsqueeze(1), beta, alpha).squeeze(1);
}

Tensor addbmm(const Tensor& self, const Tensor& batch1, const Tensor& batch2, Scalar beta, Scalar alpha) {
  RAMP_CHECK(batch1.dim() == 3, "batch1 must be a 3D tensor");
  RAMP_CHECK(batch2.dim() == 3, "batch2 must be a 3D tensor");
  RAMP_CHECK(batch1.size(0) == batch2.size(0), "batch1 and batch2 must have same number of batches, got ", batch1.size(0),
             " and ", batch2.size(0));
  RAMP_CHECK(batch1.size(2) == batch2.size(1), "Incompatible matrix sizes for bmm (", batch1.size(1), "x",
             batch1.size(2), " and ", batch2.size(1), "x", batch2.size(2), ")");
  // sum_b batch1[b] @ batch2[b] is one product over the joined (b, k) dim.
  const std::int64_t b = batch1.size(0), n = batch1.size(1), k = batch1.size(2);
  return addmm(self, batch1.permute({1, 0, 2}).reshape({n, b * k}), batch2.reshape({b * k, batch2.size(2)}), beta,
               alpha);
}

Tensor baddbmm(const Tensor& self, const Tensor& batch1, const Tensor& batch2, Scalar beta, Scalar alpha) {
  RAMP_CHECK(batch1.dim() == 3, "batch1 must be a 3D tensor");
  RAMP_CHECK(batch2.dim() == 3, "batch2 must be a 3D tensor");
  RAMP_CHECK(batch2.size(0) == batch1.size(0) && batch2.size(1) == batch1.size(2),
             "Expected size for first two dimensions of batch2 tensor to be: [", batch1.size(0), ", ", batch1.size(2),
             "] but got: [", batch2.size(0), ", ", batch2.size(1), "].");
  self.expand({batch1.size(0), batch1.size(1), batch2.size(2)});  // 1.13's error text for a self that does not broadcast
  const Tensor s = as_product_dtype(self, batch1, batch2);
  Tensor product = bmm(batch1, batch2);
  if (alpha.to_double() != 1) product = product.mul(alpha);
  if (beta.to_double() == 0) return product;  // self ignored (its NaN does not propagate), as 1.13
  return product.add(beta.to_double() == 1 ? s : s.mul(beta));
}

namespace {

// p q - r s as 1.13's cross kernel rounds it: one fused multiply-add for floating dtypes; integers wrap.
template <class C> C cross_term(C p, C q, C r, C s) {
  if constexpr (std::is_floating_point_v<C>) {
    return std::fma(p, q, -(r * s));
  } else {
    using U = std::make_unsigned_t<std::conditional_t<std::is_same_v<C, bool>, std::uint8_t, C>>;
    return C(U(U(p) * U(q)) - U(U(r) * U(s)));
  }
}

// The cross product along dim d of self and other broadcast together, as [A, 3, B] loops.
Tensor cross_forward(const Tensor& self, const Tensor& other, std::int64_t d) {
  const Dims shape = broadcast_shapes(self.sizes(), other.sizes());
  const Tensor x = self.detach().expand(shape).contiguous(), y = other.detach().expand(shape).contiguous();
  Tensor out = empty(shape, self.dtype());
  std::int64_t A = 1, B = 1;
  for (std::int64_t i = 0; i < std::int64_t(shape.size()); ++i) {
    if (i < d) A *= shape[std::size_t(i)];
    if (i > d) B *= shape[std::size_t(i)];
  }
  dispatch(self.dtype(), [&](auto v) {
    using T = decltype(v);
    using C = detail::Compute<T>;
    const T* xp = static_cast<const T*>(x.data_ptr());
    const T* yp = static_cast<const T*>(y.data_ptr());
    T* op = static_cast<T*>(out.data_ptr());
    for (std::int64_t a = 0; a < A; ++a)
      for (std::int64_t b = 0; b < B; ++b) {
        const std::int64_t k = a * 3 * B + b;
        const C x0 = C(xp[k]), x1 = C(xp[k + B]), x2 = C(xp[k + 2 * B]);
        const C y0 = C(yp[k]), y1 = C(yp[k + B]), y2 = C(yp[k + 2 * B]);
        op[k] = T(cross_term(x1, y2, x2, y1));
        op[k + B] = T(cross_term(x2, y0, x0, y2));
        op[k + 2 * B] = T(cross_term(x0, y1, x1, y0));
      }
  });
  return out;
}

}  // namespace

Tensor cross(const Tensor& self, const Tensor& other, std::optional<std::int64_t> dim) {
  RAMP_CHECK(self.dtype() == other.dtype(), "expected scalar type ", dtype_error_name(self.dtype()), " but found ",
             dtype_error_name(other.dtype()));
  RAMP_CHECK(self.dtype() != ScalarType::Bool, "\"cross\" not implemented for 'Bool'");
  std::int64_t d = 0;
  if (dim) {
    d = wrap_dim(*dim, self.dim());
  } else {  // 1.13: the first dim of size 3 of self
    d = -1;
    for (std::int64_t i = 0; i < self.dim() && d < 0; ++i)
      if (self.size(i) == 3) d = i;
    RAMP_CHECK(d >= 0, "no dimension of size 3 in input");
  }
  RAMP_CHECK(self.dim() == other.dim(), "linalg.cross: inputs must have the same number of dimensions.");
  RAMP_CHECK(self.size(d) == 3 && other.size(d) == 3, "linalg.cross: inputs dimension ", dim.value_or(d),
             " must have length 3. Got ",
             self.size(d), " and ", other.size(d));
  if (!autograd::needs_grad({self, other})) return cross_forward(self, other, d);
  Tensor out = autograd::below([&] { return cross_forward(self, other, d); });
  // d(a x b) = da x b + a x db: dself = other x g, dother = g x self (summed back over broadcasting).
  autograd::record(out, "LinalgCrossBackward0", {self, other}, {{self, false}, {other, false}},
                   [d, sa = Dims(self.sizes()), sb = Dims(other.sizes())](const autograd::Node& n, const Tensor& g) {
                     return std::vector<Tensor>{
                         autograd::wants(n, 0) ? autograd::sum_to(cross(n.unpack(1), g, d), sa) : Tensor(),
                         autograd::wants(n, 1) ? autograd::sum_to(cross(g, n.unpack(0), d), sb) : Tensor()};
                   });
  return out;
}

namespace {

// 1.13's _euclidean_dist, one node (EuclideanDistBackward0) with 1.13's formula: a zero distance
// gets a zero gradient (sqrt's derivative there is inf: through the composition, inf * 0 = NaN,
// and cdist(x, x) has a zero on every diagonal). The formula is made of differentiable ops.
Tensor euclidean_dist(const Tensor& x1, const Tensor& x2) {
  auto forward = [&] {
    // One matmul of augmented rows: [-2x, |x|², 1] · [y, 1, |y|²] = |x|² + |y|² - 2x·y.
    const Tensor x1n = pow(x1, 2).sum({-1}, true), x2n = pow(x2, 2).sum({-1}, true);
    const Tensor a1 = cat({x1.mul(-2), x1n, ones_like(x1n)}, -1), a2 = cat({x2, ones_like(x2n), x2n}, -1);
    return sqrt(clamp_min(matmul(a1, a2.transpose(-1, -2)), 0));
  };
  if (!autograd::needs_grad({x1, x2})) return forward();
  Tensor out = autograd::below(forward);
  autograd::record(out, "EuclideanDistBackward0", {x1, x2}, {{x1, false}, {x2, false}, {out, true}},
                   [s1 = Dims(x1.sizes()), s2 = Dims(x2.sizes())](const autograd::Node& n, const Tensor& g) {
                     const Tensor x1 = n.unpack(0), x2 = n.unpack(1), res = n.unpack(2);
                     const Tensor ratio = where(eq(res, 0), 0, g.div(res));
                     Tensor d1, d2;
                     if (autograd::wants(n, 0))
                       d1 = autograd::sum_to(x1.mul(ratio.sum({-1}, true)).sub(matmul(ratio, x2)), s1);
                     if (autograd::wants(n, 1))
                       d2 = autograd::sum_to(x2.mul(ratio.sum({-2}, false).unsqueeze(-1))
                                                 .sub(matmul(ratio.transpose(-1, -2), x1)),
                                             s2);
                     return std::vector<Tensor>{d1, d2};
                   });
  return out;
}

}  // namespace

Tensor dist(const Tensor& self, const Tensor& other, Scalar p) { return norm(self.sub(other), p.to_double()); }

Tensor cdist(const Tensor& x1, const Tensor& x2, double p, std::optional<std::int64_t> compute_mode) {
  RAMP_CHECK(x1.dim() >= 2, "cdist only supports at least 2D tensors, X1 got: ", x1.dim(), "D");
  RAMP_CHECK(x2.dim() >= 2, "cdist only supports at least 2D tensors, X2 got: ", x2.dim(), "D");
  RAMP_CHECK(is_floating(x1.dtype()), "cdist only supports floating-point dtypes, X1 got: ", dtype_error_name(x1.dtype()));
  RAMP_CHECK(is_floating(x2.dtype()), "cdist only supports floating-point dtypes, X2 got: ", dtype_error_name(x2.dtype()));
  RAMP_CHECK(x1.size(-1) == x2.size(-1), "X1 and X2 must have the same number of columns. X1: ", x1.size(-1),
             " X2: ", x2.size(-1));
  RAMP_CHECK(p >= 0, "cdist only supports non-negative p values");
  RAMP_CHECK(!compute_mode || (*compute_mode >= 0 && *compute_mode <= 2), "possible modes: 0, 1, 2, but was: ",
             *compute_mode);
  // 1.13's modes: 0 uses the matrix-product form for p = 2 when either side has more than 25 rows,
  // 1 always, 2 never. That form is |x|² + |y|² - 2 x·y, clamped at 0, then sqrt.
  const std::int64_t r1 = x1.size(-2), r2 = x2.size(-2), mode = compute_mode.value_or(0);
  const bool use_mm = p == 2 && (mode == 1 || (mode == 0 && (r1 > 25 || r2 > 25)));
  if (!use_mm) return norm(x1.unsqueeze(-2).sub(x2.unsqueeze(-3)), p, {-1});
  return euclidean_dist(x1, x2);
}

Tensor cartesian_prod(const std::vector<Tensor>& tensors) {
  for (const Tensor& t : tensors)
    RAMP_CHECK(t.dim() == 1, "Expect a 1D vector, but got shape ", shape_str(t.sizes()));
  if (tensors.size() == 1) return tensors[0];
  std::vector<Tensor> grids = meshgrid(tensors, "ij");
  for (Tensor& g : grids) g = g.flatten();
  return stack(grids, 1);
}

Tensor take_along_dim(const Tensor& self, const Tensor& indices, std::optional<std::int64_t> dim) {
  RAMP_CHECK(indices.dtype() == ScalarType::Int64, "torch.take_along_dim(): dtype of indices should be Long but got ",
             dtype_error_name(indices.dtype()));
  if (!dim) return gather(self.view({-1}), 0, indices.view({-1}));
  const std::int64_t d = wrap_dim(*dim, self.dim());
  RAMP_CHECK(self.dim() == indices.dim(), "torch.take_along_dim(): input and indices should have the same number of "
             "dimensions, but got ", self.dim(), " dimensions for input, and ", indices.dim(), " dimensions for indices");
  // Every dim but `dim` broadcasts between the two.
  Dims self_sizes(self.sizes()), index_sizes(indices.sizes());
  self_sizes[std::size_t(d)] = 1;
  index_sizes[std::size_t(d)] = 1;
  Dims common = broadcast_shapes(self_sizes, index_sizes);
  Dims want_self = common, want_index = common;
  want_self[std::size_t(d)] = self.size(d);
  want_index[std::size_t(d)] = indices.size(d);
  return gather(self.expand(want_self), d, indices.expand(want_index));
}

Tensor isin(const Tensor& elements, const Tensor& test_elements, bool assume_unique, bool invert) {
  (void)assume_unique;  // the answer does not depend on it
  for (const Tensor* t : {&elements, &test_elements})
    RAMP_CHECK(t->dtype() != ScalarType::Bool && t->dtype() != ScalarType::BFloat16,
               "Unsupported input type encountered for isin(): ", dtype_error_name(t->dtype()));
  // Compared in the promoted dtype (0.1f is not in [0.1]): each element looked up in the sorted tests.
  const ScalarType common = result_type(elements, test_elements);
  const Tensor e = elements.detach().to(common);
  Tensor sorted = std::get<0>(sort(test_elements.detach().to(common).flatten(), 0));
  // NaN (sorted last) matches nothing and would break the binary search: dropped.
  sorted = sorted.narrow(0, 0, sorted.numel() - sum(isnan(sorted)).item<std::int64_t>());
  if (sorted.numel() == 0) return full(elements.sizes(), invert, ScalarType::Bool);
  const Tensor at = clamp(searchsorted(sorted, e.contiguous()), 0, sorted.numel() - 1);
  const Tensor found = eq(index_select(sorted, 0, at.flatten()).view(e.sizes()), e);
  return invert ? logical_not(found) : found;
}
Tensor isin(const Tensor& elements, Scalar test_element, bool assume_unique, bool invert) {
  return isin(elements, scalar_tensor(test_element), assume_unique, invert);
}
Tensor isin(Scalar element, const Tensor& test_elements, bool assume_unique, bool invert) {
  return isin(scalar_tensor(element), test_elements, assume_unique, invert);
}

}  // namespace ramp
