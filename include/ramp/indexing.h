// Advanced indexing and the ops that pick or place elements by index, with PyTorch 1.13's names,
// result shapes, dtypes, errors (IndexError for out-of-range) and grad_fn names.
//
//   using namespace ramp::indexing;
//   x.index({Slice(), idx});                  // x[:, idx]            (IndexBackward0)
//   x.index({mask});                          // x[mask]
//   x.index({Slice(1, None), None, 0});       // x[1:, None, 0]      (a view: basic indexing only)
//   x.index_put_({mask}, 0.0);                // x[mask] = 0          (IndexPutBackward0)
//   ramp::index(x, {Tensor(), idx});          // at::index: an undefined tensor leaves a dim whole
//   ramp::gather(x, 1, idx); ramp::masked_fill(x, mask, 0.0); ramp::nonzero(x);
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "ramp/tensor.h"

namespace ramp {
namespace indexing {

// Python's None in an index (a new dim of size 1) and in a Slice (an open end), as torch's C++ API.
inline constexpr std::nullopt_t None = std::nullopt;
struct EllipsisIndexType {};
inline constexpr EllipsisIndexType Ellipsis{};

// start:stop:step; an open end is None. step > 0.
struct Slice {
  std::optional<std::int64_t> start, stop;
  std::int64_t step = 1;
  Slice(std::optional<std::int64_t> start_ = None, std::optional<std::int64_t> stop_ = None,
        std::int64_t step_ = 1)
      : start(start_), stop(stop_), step(step_) {}
};

// One item of an index: None, Ellipsis, an integer, a bool, a Slice or a tensor (int64 indices,
// a bool/uint8 mask; a 0-d integer tensor acts as an integer).
class TensorIndex {
 public:
  enum class Kind : std::uint8_t { None, Ellipsis, Integer, Boolean, Slice, Tensor };
  TensorIndex(std::nullopt_t) : kind(Kind::None) {}                   // NOLINT
  TensorIndex(EllipsisIndexType) : kind(Kind::Ellipsis) {}            // NOLINT
  TensorIndex(std::int64_t i) : kind(Kind::Integer), integer(i) {}   // NOLINT
  TensorIndex(int i) : kind(Kind::Integer), integer(i) {}            // NOLINT
  TensorIndex(bool b) : kind(Kind::Boolean), integer(b) {}           // NOLINT
  TensorIndex(Slice s) : kind(Kind::Slice), slice(s) {}              // NOLINT
  TensorIndex(Tensor t) : kind(Kind::Tensor), tensor(std::move(t)) {}  // NOLINT

  Kind kind;
  std::int64_t integer = 0;  // Integer, Boolean
  Slice slice;
  Tensor tensor;
};

// torch's Tensor.__getitem__: basic items (integers, slices, None, Ellipsis) make a view; any
// tensor, list-made tensor or bool makes a copy through index().
Tensor get_item(const Tensor& self, const std::vector<TensorIndex>& indices);
// torch's Tensor.__setitem__: a copy_/fill_ into the view for basic items, else index_put_ (the
// value's leading size-1 dims are dropped first, as 1.13).
void set_item(const Tensor& self, const std::vector<TensorIndex>& indices, const Tensor& value);
void set_item(const Tensor& self, const std::vector<TensorIndex>& indices, Scalar value);

}  // namespace indexing

// ---- at::index / index_put_: one tensor (or undefined: the whole dim) per leading dim ----
// int64 indices broadcast together; bool/uint8 masks stand for their nonzero() positions and cover
// as many dims as they have. Indexed dims that are adjacent keep their place in the result,
// separated ones go first (NumPy's rule). Out of range raises IndexError.
Tensor index(const Tensor& self, const std::vector<Tensor>& indices);  // IndexBackward0
// self[indices] = values (broadcast to the indexing result; the same dtype as self), or +=
// with accumulate (repeated indices then add up). IndexPutBackward0.
Tensor& index_put_(const Tensor& self, const std::vector<Tensor>& indices, const Tensor& values,
                   bool accumulate = false);
Tensor index_put(const Tensor& self, const std::vector<Tensor>& indices, const Tensor& values,
                 bool accumulate = false);

// ---- gather / scatter (index: int64, the same number of dims as self) ----
// out[i][j] = self[index[i][j]][j] for dim 0, and so on; index may be smaller than self in
// the other dims. GatherBackward0.
Tensor gather(const Tensor& self, std::int64_t dim, const Tensor& index, bool sparse_grad = false);
// self[index[i][j]][j] = src[i][j] (dim 0). reduce: "" (replace), "add" or "multiply", as 1.13.
// ScatterBackward0 (src), ScatterBackward1 (value).
Tensor scatter(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& src,
               const std::string& reduce = "");
Tensor scatter(const Tensor& self, std::int64_t dim, const Tensor& index, Scalar value,
               const std::string& reduce = "");
Tensor& scatter_(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& src,
                 const std::string& reduce = "");
Tensor& scatter_(const Tensor& self, std::int64_t dim, const Tensor& index, Scalar value,
                 const std::string& reduce = "");
// self[index[i][j]][j] += src[i][j]. ScatterAddBackward0.
Tensor scatter_add(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& src);
Tensor& scatter_add_(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& src);

// self[index[i][j]][j] (op)= src[i][j] (dim 0) for reduce "sum", "prod", "mean", "amax", "amin", in
// index order; include_self=false leaves self's values out where something is scattered; mean
// floor-divides integers. ScatterReduceBackward0 (src/ops/scatter_reduce.cpp).
Tensor scatter_reduce(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& src,
                      std::string_view reduce, bool include_self = true);
Tensor& scatter_reduce_(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& src,
                        std::string_view reduce, bool include_self = true);

// ---- along one dim with a 1-d index (index_select is in ops.h) ----
// self.select(dim, index[k]) (op)= source.select(dim, k), reduce "prod", "mean", "amax" or "amin" as
// scatter_reduce. IndexReduceBackward0.
Tensor index_reduce(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& source,
                    std::string_view reduce, bool include_self = true);
Tensor& index_reduce_(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& source,
                      std::string_view reduce, bool include_self = true);
// self.select(dim, index[k]) += alpha * source.select(dim, k). IndexAddBackward0.
Tensor& index_add_(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& source,
                   Scalar alpha = 1);
Tensor index_add(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& source,
                 Scalar alpha = 1);
// self.select(dim, index[k]) = value. IndexFillBackward0.
Tensor& index_fill_(const Tensor& self, std::int64_t dim, const Tensor& index, Scalar value);
Tensor index_fill(const Tensor& self, std::int64_t dim, const Tensor& index, Scalar value);
// self.select(dim, index[k]) = source.select(dim, k). IndexCopyBackward0.
Tensor& index_copy_(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& source);
Tensor index_copy(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& source);

// ---- masks (bool only; the mask broadcasts against self) ----
// self where !mask, else value (a number or a 0-d tensor). MaskedFillBackward0 / 1 (tensor value).
Tensor masked_fill(const Tensor& self, const Tensor& mask, Scalar value);
Tensor masked_fill(const Tensor& self, const Tensor& mask, const Tensor& value);
Tensor& masked_fill_(const Tensor& self, const Tensor& mask, Scalar value);
Tensor& masked_fill_(const Tensor& self, const Tensor& mask, const Tensor& value);
// self with source's first elements, in order, where mask (broadcast) is true. MaskedScatterBackward0.
Tensor masked_scatter(const Tensor& self, const Tensor& mask, const Tensor& source);
Tensor& masked_scatter_(const Tensor& self, const Tensor& mask, const Tensor& source);
// The elements of self (broadcast with mask) where mask is true, 1-d. MaskedSelectBackward0.
Tensor masked_select(const Tensor& self, const Tensor& mask);

// [n, dim] int64 positions of the nonzero elements, row-major (argwhere is the same).
Tensor nonzero(const Tensor& self);
std::vector<Tensor> nonzero_tuple(const Tensor& self);  // as_tuple=True: one 1-d tensor per dim
Tensor argwhere(const Tensor& self);
// self.flatten()[index], in index's shape. TakeBackward0.
Tensor take(const Tensor& self, const Tensor& index);
// self.flatten()[index] = source (+= with accumulate: repeats add up), index and source of the same
// numel, negative indices from the end. PutBackward0.
Tensor put(const Tensor& self, const Tensor& index, const Tensor& source, bool accumulate = false);
Tensor& put_(const Tensor& self, const Tensor& index, const Tensor& source, bool accumulate = false);

}  // namespace ramp
