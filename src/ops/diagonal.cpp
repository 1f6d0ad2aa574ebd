// Diagonals and rotations (include/ramp/shape.h): diagonal is a strided view (DiagonalBackward0); diag,
// diag_embed, trace and rot90 are compositions of it, zeros, flip and transpose, each recorded as 1.13's
// one node (DiagBackward0, DiagEmbedBackward0, TraceBackward0, Rot90Backward0) whose backward is again
// made of these differentiable ops (so create_graph works).
#include <algorithm>
#include <vector>

#include "ramp/nn/functional.h"  // pad
#include "ramp/ops.h"
#include "ramp/shape.h"
#include "record.h"

namespace ramp {
namespace {

// `f(self)` computed without a graph, then recorded as one node `name` whose gradient is back(g).
template <class F, class B> Tensor one_node(const Tensor& self, std::string_view name, F f, B back) {
  if (!autograd::needs_grad({self})) return f(self);
  Tensor out = autograd::below([&] { return f(self); });
  autograd::record(out, name, {self}, {},
                   [back](const autograd::Node&, const Tensor& g) { return std::vector<Tensor>{back(g)}; });
  return out;
}

// The diagonal's view of self: dims dim1, dim2 removed, the diagonal appended last.
Tensor diagonal_view(const Tensor& self, std::int64_t offset, std::int64_t d1, std::int64_t d2) {
  std::int64_t len = offset >= 0 ? std::min(self.size(d1), self.size(d2) - offset)
                                 : std::min(self.size(d1) + offset, self.size(d2));
  len = std::max<std::int64_t>(len, 0);
  std::int64_t start = self.storage_offset();
  if (len > 0) start += offset >= 0 ? offset * self.stride(d2) : -offset * self.stride(d1);
  std::vector<std::int64_t> sizes, strides;
  for (std::int64_t d = 0; d < self.dim(); ++d) {
    if (d == d1 || d == d2) continue;
    sizes.push_back(self.size(d));
    strides.push_back(self.stride(d));
  }
  sizes.push_back(len);
  strides.push_back(self.stride(d1) + self.stride(d2));
  return Tensor(std::make_shared<TensorImpl>(self.storage(), sizes, strides, start, self.dtype()));
}

// Zeros of `sizes` with g written on the (offset, d1, d2) diagonal: the adjoint of taking it. Made of
// differentiable ops (cat, reshape, pad, narrow, movedim), so create_graph passes work: with the two
// dims last and flattened, diagonal element j sits at start + j (n2 + 1), so g with n2 zeros after each
// element, shifted by start and cut or padded to n1 n2, is the answer.
Tensor embed(const Tensor& g, IntArrayRef sizes, std::int64_t offset, std::int64_t d1, std::int64_t d2) {
  const std::int64_t n1 = sizes[std::size_t(d1)], n2 = sizes[std::size_t(d2)];
  const std::int64_t start = offset >= 0 ? offset : -offset * n2;
  std::vector<std::int64_t> rest(g.sizes().begin(), g.sizes().end() - 1), spaced = rest;
  const std::int64_t len = g.size(-1);
  spaced.push_back(len);
  spaced.push_back(n2);
  Tensor flat = cat({g.unsqueeze(-1), zeros(spaced, g.dtype())}, -1).reshape([&] {
    std::vector<std::int64_t> s = rest;
    s.push_back(len * (n2 + 1));
    return s;
  }());
  const std::int64_t total = n1 * n2;
  if (len == 0) {
    // Nothing lands on the matrix (it is empty, or the offset is past it): zeros, still made from g
    // for a create_graph pass. Not padded by start, which may be ~|offset| n2 (and pad refuses a
    // dim padded to size 0).
    flat = flat.narrow(-1, 0, 0);
    if (total > 0) flat = pad(flat, {0, total}, "constant", 0.0);
  } else {
    const std::int64_t reach = start + len * (n2 + 1);
    flat = pad(flat, {start, std::max<std::int64_t>(total - reach, 0)}, "constant", 0.0);
    if (reach > total) flat = flat.narrow(-1, 0, total);
  }
  std::vector<std::int64_t> square = rest;
  square.push_back(n1);
  square.push_back(n2);
  const auto last = std::int64_t(square.size());
  return movedim(flat.reshape(square), {last - 2, last - 1}, {d1, d2});
}

}  // namespace

Tensor diagonal(const Tensor& self, std::int64_t offset, std::int64_t dim1, std::int64_t dim2) {
  const std::int64_t d1 = wrap_dim(dim1, self.dim()), d2 = wrap_dim(dim2, self.dim());
  RAMP_CHECK(d1 != d2, "diagonal dimensions cannot be identical ", dim1, ", ", dim2);
  return autograd::view_op(self, "DiagonalBackward0", [&] { return diagonal_view(self, offset, d1, d2); },
                           [sizes = std::vector<std::int64_t>(self.sizes().begin(), self.sizes().end()), offset, d1,
                            d2](const Tensor& g) { return embed(g, sizes, offset, d1, d2); });
}

Tensor diag_embed(const Tensor& self, std::int64_t offset, std::int64_t dim1, std::int64_t dim2) {
  const std::int64_t nd = self.dim() + 1;
  const std::int64_t d1 = wrap_dim(dim1, nd), d2 = wrap_dim(dim2, nd);
  RAMP_CHECK(d1 != d2, "diagonal dimensions cannot be identical ", dim1, ", ", dim2);
  const std::int64_t n = self.dim() > 0 ? self.size(-1) + std::abs(offset) : std::abs(offset) + 1;
  // The output's sizes: the input's leading dims in order, with the two n-long dims inserted at d1, d2.
  std::vector<std::int64_t> sizes;
  std::int64_t next = 0;
  for (std::int64_t d = 0; d < nd; ++d) sizes.push_back(d == d1 || d == d2 ? n : self.size(next++));
  return one_node(
      self, "DiagEmbedBackward0",
      [&](const Tensor& x) { return embed(x.dim() > 0 ? x : x.reshape({1}), sizes, offset, d1, d2); },
      [offset, d1, d2](const Tensor& g) { return diagonal(g, offset, d1, d2); });
}

Tensor diag(const Tensor& self, std::int64_t diagonal_) {
  RAMP_CHECK(self.dim() == 1 || self.dim() == 2, "matrix or a vector expected");
  if (self.dim() == 1) {
    const std::int64_t n = self.size(0) + std::abs(diagonal_);
    return one_node(
        self, "DiagBackward0", [&](const Tensor& x) { return embed(x, {n, n}, diagonal_, 0, 1); },
        [diagonal_](const Tensor& g) { return diagonal(g, diagonal_, 0, 1); });
  }
  std::vector<std::int64_t> sizes(self.sizes().begin(), self.sizes().end());
  return one_node(
      self, "DiagBackward0", [&](const Tensor& x) { return diagonal_view(x, diagonal_, 0, 1).clone(); },
      [sizes, diagonal_](const Tensor& g) { return embed(g, sizes, diagonal_, 0, 1); });
}

Tensor trace(const Tensor& self) {
  RAMP_CHECK(self.dim() == 2, "trace: expected a matrix, but got tensor with dim ", self.dim());
  RAMP_CHECK(self.dtype() != ScalarType::BFloat16 && self.dtype() != ScalarType::Bool, "\"trace\" not implemented for '",
             dtype_error_name(self.dtype()), "'");
  std::vector<std::int64_t> sizes(self.sizes().begin(), self.sizes().end());
  return one_node(
      self, "TraceBackward0", [](const Tensor& x) { return sum(diagonal_view(x, 0, 0, 1)); },
      [sizes](const Tensor& g) {
        const std::int64_t n = std::min(sizes[0], sizes[1]);
        return embed(g.expand({n}), sizes, 0, 0, 1);
      });
}

Tensor rot90(const Tensor& self, std::int64_t k, IntArrayRef dims) {
  RAMP_CHECK(dims.size() == 2, "expected total rotation dims == 2, but got dims = ", dims.size());
  RAMP_CHECK(self.dim() >= 2, "expected total dims >= 2, but got total dims = ", self.dim());
  RAMP_CHECK(dims[0] != dims[1] && std::abs(dims[0] - dims[1]) != self.dim(),
             "expected rotation dims to be different, but got dim0 = ", dims[0], " and dim1 = ", dims[1]);
  RAMP_CHECK(dims[0] < self.dim() && dims[0] >= -self.dim(), "Rotation dim0 out of range, dim0 = ", dims[0]);
  RAMP_CHECK(dims[1] < self.dim() && dims[1] >= -self.dim(), "Rotation dim1 out of range, dim1 = ", dims[1]);
  const std::int64_t d0 = dims[0], d1 = dims[1], turns = ((k % 4) + 4) % 4;
  return one_node(
      self, "Rot90Backward0",
      [&](const Tensor& x) {
        switch (turns) {
          case 1: return flip(x, {d1}).transpose(d0, d1);
          case 2: return flip(x, {d0, d1});
          case 3: return flip(x, {d0}).transpose(d0, d1);
          default: return x.clone();
        }
      },
      [k, d0, d1](const Tensor& g) { return rot90(g, -k, {d0, d1}); });
}

namespace {

// The (row, col) pairs of the lower (col - row <= offset) or upper (>=) triangle, row-major.
Tensor triangle_indices(const char* name, std::int64_t row, std::int64_t col, std::int64_t offset, bool lower,
                        ScalarType dtype) {
  RAMP_CHECK(dtype == ScalarType::Int64 || dtype == ScalarType::Int32, "\"", name, "\" not implemented for '",
             dtype_error_name(dtype), "'");
  RAMP_CHECK(row >= 0, "row must be non-negative, got", row);
  RAMP_CHECK(col >= 0, "col must be non-negative, got", col);
  std::vector<double> rows, cols;
  for (std::int64_t i = 0; i < row; ++i)
    for (std::int64_t j = 0; j < col; ++j)
      if (lower ? j - i <= offset : j - i >= offset) {
        rows.push_back(double(i));
        cols.push_back(double(j));
      }
  const auto n = std::int64_t(rows.size());
  rows.insert(rows.end(), cols.begin(), cols.end());
  return from_vector(rows, {2, n}, dtype);
}

}  // namespace

Tensor tril_indices(std::int64_t row, std::int64_t col, std::int64_t offset, ScalarType dtype) {
  return triangle_indices("tril_indices", row, col, offset, true, dtype);
}
Tensor triu_indices(std::int64_t row, std::int64_t col, std::int64_t offset, ScalarType dtype) {
  return triangle_indices("triu_indices", row, col, offset, false, dtype);
}

}  // namespace ramp
