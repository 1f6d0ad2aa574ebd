// Shape ops with PyTorch 1.13's names, checks and autograd nodes: flattening, splitting (views
// that record SplitBackward0 / SplitWithSizesBackward0 / UnbindBackward0), repeat, triangles,
// eye, one_hot, moving dims, and the free-function forms of the Tensor view methods.
//
//   std::vector<ramp::Tensor> halves = ramp::chunk(x, 2, /*dim=*/1);
//   ramp::flatten(x, 1);  ramp::unflatten(y, 1, {3, -1});  ramp::tril(m, -1);
#pragma once

#include <optional>
#include <string_view>
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

// ---- joining, splitting and broadcasting as NumPy names them (src/ops/stack_split.cpp) ----
// torch.clone (CloneBackward0) and torch.ravel: contiguous().view(-1), as 1.13 (a view when self is
// contiguous; ViewBackward0).
inline Tensor clone(const Tensor& self) { return self.clone(); }
Tensor ravel(const Tensor& self);
// expand to `size` (ExpandBackward0, a view); broadcast_tensors expands each to the common shape
// (a tensor already of that shape comes back as itself).
Tensor broadcast_to(const Tensor& self, IntArrayRef size);
std::vector<Tensor> broadcast_tensors(const std::vector<Tensor>& tensors);
// Grids of 0-d/1-d tensors of one dtype: "ij" gives shape [n0, n1, ...], "xy" swaps the first two
// (each grid a view: ViewBackward0 then ExpandBackward0).
std::vector<Tensor> meshgrid(const std::vector<Tensor>& tensors, std::string_view indexing = "ij");
// self itself when it has the dims already, else a view with leading (and, for 3d, trailing) 1s.
Tensor atleast_1d(const Tensor& self);
Tensor atleast_2d(const Tensor& self);
Tensor atleast_3d(const Tensor& self);
// cat after atleast_1d (dim 0 for 1-d, else 1), atleast_2d (dim 0), atleast_3d (dim 2); column_stack
// makes 0-d/1-d inputs columns first. CatBackward0; an empty list raises "<name> expects a non-empty TensorList".
Tensor hstack(const std::vector<Tensor>& tensors);
Tensor vstack(const std::vector<Tensor>& tensors);
inline Tensor row_stack(const std::vector<Tensor>& tensors) { return vstack(tensors); }
Tensor dstack(const std::vector<Tensor>& tensors);
Tensor column_stack(const std::vector<Tensor>& tensors);
// `sections` near-equal pieces (the first size % sections one longer), or the pieces between
// `indices` (a start past the end gives an empty piece); views (SliceBackward0). The tensor form
// takes a 0-d (sections) or 1-d (indices) int64 tensor.
std::vector<Tensor> tensor_split(const Tensor& self, std::int64_t sections, std::int64_t dim = 0);
std::vector<Tensor> tensor_split(const Tensor& self, IntArrayRef indices, std::int64_t dim = 0);
std::vector<Tensor> tensor_split(const Tensor& self, const Tensor& tensor_indices_or_sections, std::int64_t dim = 0);
// tensor_split along dim 1 (dim 0 for 1-d), 0 and 2; int sections must divide the size.
std::vector<Tensor> hsplit(const Tensor& self, std::int64_t sections);
std::vector<Tensor> hsplit(const Tensor& self, IntArrayRef indices);
std::vector<Tensor> vsplit(const Tensor& self, std::int64_t sections);
std::vector<Tensor> vsplit(const Tensor& self, IntArrayRef indices);
std::vector<Tensor> dsplit(const Tensor& self, std::int64_t sections);
std::vector<Tensor> dsplit(const Tensor& self, IntArrayRef indices);

// ---- diagonals and rotations (src/ops/diagonal.cpp) ----
// The elements [..., i, i + offset] of dims dim1, dim2 as a last dim: a view (DiagonalBackward0).
Tensor diagonal(const Tensor& self, std::int64_t offset = 0, std::int64_t dim1 = 0, std::int64_t dim2 = 1);
// A vector onto the `diagonal` of a square matrix (zeros elsewhere), or a matrix's diagonal copied
// out; DiagBackward0.
Tensor diag(const Tensor& self, std::int64_t diagonal = 0);
// The last dim onto the (offset, dim1, dim2) diagonals of a tensor one dim larger; DiagEmbedBackward0.
Tensor diag_embed(const Tensor& self, std::int64_t offset = 0, std::int64_t dim1 = -2, std::int64_t dim2 = -1);
// The sum of a matrix's diagonal (integers give int64); TraceBackward0.
Tensor trace(const Tensor& self);
// k quarter turns from dims[0] towards dims[1] (a copy); Rot90Backward0.
Tensor rot90(const Tensor& self, std::int64_t k = 1, IntArrayRef dims = {0, 1});
// The [2, N] (row, col) indices of a row x col matrix's lower / upper triangle (row-major), int64 or int32.
Tensor tril_indices(std::int64_t row, std::int64_t col, std::int64_t offset = 0, ScalarType dtype = ScalarType::Int64);
Tensor triu_indices(std::int64_t row, std::int64_t col, std::int64_t offset = 0, ScalarType dtype = ScalarType::Int64);

// Free-function forms of the view methods (torch.reshape, torch.transpose, ...).
inline Tensor reshape(const Tensor& self, IntArrayRef shape) { return self.reshape(shape); }
inline Tensor transpose(const Tensor& self, std::int64_t dim0, std::int64_t dim1) { return self.transpose(dim0, dim1); }
inline Tensor swapaxes(const Tensor& self, std::int64_t axis0, std::int64_t axis1) { return self.transpose(axis0, axis1); }
inline Tensor permute(const Tensor& self, IntArrayRef dims) { return self.permute(dims); }
inline Tensor squeeze(const Tensor& self) { return self.squeeze(); }
inline Tensor squeeze(const Tensor& self, std::int64_t dim) { return self.squeeze(dim); }
inline Tensor unsqueeze(const Tensor& self, std::int64_t dim) { return self.unsqueeze(dim); }

}  // namespace ramp
