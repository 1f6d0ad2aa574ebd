// Shape ops with PyTorch 1.13's names, checks and autograd nodes: flattening, splitting (views
// that record SplitBackward0 / SplitWithSizesBackward0 / UnbindBackward0), repeat, triangles,
// eye, one_hot, moving dims, and the free-function forms of the Tensor view methods.
//
//   std::vector<ramp::Tensor> halves = ramp::chunk(x, 2, /*dim=*/1);
//   ramp::flatten(x, 1);  ramp::unflatten(y, 1, {3, -1});  ramp::tril(m, -1);
#pragma once

#include <optional>
#include <vector>

#include "ramp/tensor.h"

namespace ramp {

// Dims start_dim..end_dim become one (a view when the strides allow, else a copy, as reshape);
// start == end returns self.
Tensor flatten(const Tensor& self, std::int64_t start_dim = 0, std::int64_t end_dim = -1);
// Dim `dim` becomes `sizes` (one -1 inferred): a view (ViewBackward0).
Tensor unflatten(const Tensor& self, std::int64_t dim, IntArrayRef sizes);
// Pieces of split_size along dim (the last may be smaller), or of the given sizes; views.
std::vector<Tensor> split(const Tensor& self, std::int64_t split_size, std::int64_t dim = 0);
std::vector<Tensor> split_with_sizes(const Tensor& self, IntArrayRef split_sizes, std::int64_t dim = 0);
// ceil(size / chunks)-sized pieces (so possibly fewer than chunks).
std::vector<Tensor> chunk(const Tensor& self, std::int64_t chunks, std::int64_t dim = 0);
// The slices along dim, each without that dim.
std::vector<Tensor> unbind(const Tensor& self, std::int64_t dim = 0);
// self tiled repeats[i] times along dim i (leading repeats add dims); a copy (RepeatBackward0).
Tensor repeat(const Tensor& self, IntArrayRef repeats);
// The elements start .. start + length - 1 along dim (start may be negative); a view.
inline Tensor narrow(const Tensor& self, std::int64_t dim, std::int64_t start, std::int64_t length) {
  return self.narrow(dim, start, length);
}
// Ones on the diagonal of an n x m (m = n) matrix; get_default_dtype() unless given.
Tensor eye(std::int64_t n, std::optional<std::int64_t> m = {}, std::optional<ScalarType> dtype = {});
// The lower (j - i <= diagonal) or upper (j - i >= diagonal) triangle of the last two dims,
// the rest zero; any dtype. TrilBackward0 / TriuBackward0.
Tensor tril(const Tensor& self, std::int64_t diagonal = 0);
Tensor triu(const Tensor& self, std::int64_t diagonal = 0);
Tensor& tril_(Tensor& self, std::int64_t diagonal = 0);
Tensor& triu_(Tensor& self, std::int64_t diagonal = 0);
// F.one_hot: int64 classes -> int64 [..., num_classes]; num_classes = -1 takes max + 1.
Tensor one_hot(const Tensor& self, std::int64_t num_classes = -1);
// Dims source[i] move to destination[i], the others keep their order (a permute).
Tensor movedim(const Tensor& self, IntArrayRef source, IntArrayRef destination);
Tensor movedim(const Tensor& self, std::int64_t source, std::int64_t destination);

// Reverses the order along each of `dims` (a copy; FlipBackward0). Repeated dims raise 1.13's
// "dim 0 appears multiple times in the list of dims".
Tensor flip(const Tensor& self, IntArrayRef dims);
// Shifts along dims, elements leaving one end entering at the other; without dims, over the
// flattened tensor (one shift). RollBackward0. src/ops/flip.cpp.
Tensor roll(const Tensor& self, IntArrayRef shifts, IntArrayRef dims = {});

// Free-function forms of the view methods (torch.reshape, torch.transpose, ...).
inline Tensor reshape(const Tensor& self, IntArrayRef shape) { return self.reshape(shape); }
inline Tensor transpose(const Tensor& self, std::int64_t dim0, std::int64_t dim1) { return self.transpose(dim0, dim1); }
inline Tensor swapaxes(const Tensor& self, std::int64_t axis0, std::int64_t axis1) { return self.transpose(axis0, axis1); }
inline Tensor permute(const Tensor& self, IntArrayRef dims) { return self.permute(dims); }
inline Tensor squeeze(const Tensor& self) { return self.squeeze(); }
inline Tensor squeeze(const Tensor& self, std::int64_t dim) { return self.squeeze(dim); }
inline Tensor unsqueeze(const Tensor& self, std::int64_t dim) { return self.unsqueeze(dim); }

}  // namespace ramp
