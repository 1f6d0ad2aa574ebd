// NumPy-style joining, splitting and broadcasting (include/ramp/shape.h), composed of views, cat and
// slices so the graph records the same nodes as 1.13's (ViewBackward0, ExpandBackward0, CatBackward0,
// SliceBackward0) without nodes of their own.
#include <vector>

#include "ramp/ops.h"
#include "ramp/shape.h"

namespace ramp {

Tensor ravel(const Tensor& self) { return self.contiguous().view({-1}); }

Tensor broadcast_to(const Tensor& self, IntArrayRef size) { return self.expand(size); }

std::vector<Tensor> broadcast_tensors(const std::vector<Tensor>& tensors) {
  Dims shape;
  for (const Tensor& t : tensors) shape = broadcast_shapes(shape, t.sizes());
  std::vector<Tensor> out;
  out.reserve(tensors.size());
  for (const Tensor& t : tensors) {
    const bool same = IntArrayRef(t.sizes()).size() == shape.size() &&
                      std::equal(shape.begin(), shape.end(), t.sizes().begin());
    out.push_back(same ? t : t.expand(shape));
  }
  return out;
}

std::vector<Tensor> meshgrid(const std::vector<Tensor>& tensors, std::string_view indexing) {
  RAMP_CHECK(!tensors.empty(), "meshgrid expects a non-empty TensorList");
  RAMP_CHECK(indexing == "ij" || indexing == "xy", "torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: ",
             indexing);
  for (const Tensor& t : tensors) {
    RAMP_CHECK(t.dim() <= 1, "torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: ", t.str());
    RAMP_CHECK(t.dtype() == tensors[0].dtype(), "meshgrid expects all tensors to have the same dtype");
  }
  // "xy" is "ij" with the first two inputs (and so the first two outputs) swapped.
  std::vector<Tensor> in = tensors;
  const bool swap = indexing == "xy" && in.size() >= 2;
  if (swap) std::swap(in[0], in[1]);
  std::vector<std::int64_t> shape;
  for (const Tensor& t : in) shape.push_back(t.numel());
  std::vector<Tensor> grids;
  for (std::size_t i = 0; i < in.size(); ++i) {
    std::vector<std::int64_t> view(in.size(), 1);
    view[i] = -1;
    grids.push_back(in[i].view(view).expand(shape));
  }
  if (swap) std::swap(grids[0], grids[1]);
  return grids;
}

Tensor atleast_1d(const Tensor& self) { return self.dim() == 0 ? self.reshape({1}) : self; }
Tensor atleast_2d(const Tensor& self) {
  if (self.dim() == 0) return self.reshape({1, 1});
  return self.dim() == 1 ? self.unsqueeze(0) : self;
}
Tensor atleast_3d(const Tensor& self) {
  switch (self.dim()) {
    case 0: return self.reshape({1, 1, 1});
    case 1: return self.unsqueeze(0).unsqueeze(-1);
    case 2: return self.unsqueeze(-1);
    default: return self;
  }
}

namespace {

// cat of f(each tensor) along dim, with 1.13's empty-list message naming the op.
template <class F>
Tensor stack_along(const char* name, const std::vector<Tensor>& tensors, F f, std::int64_t dim) {
  RAMP_CHECK(!tensors.empty(), name, " expects a non-empty TensorList");
  std::vector<Tensor> parts;
  parts.reserve(tensors.size());
  for (const Tensor& t : tensors) parts.push_back(f(t));
  return cat(parts, dim);
}

}  // namespace

Tensor hstack(const std::vector<Tensor>& tensors) {
  RAMP_CHECK(!tensors.empty(), "hstack expects a non-empty TensorList");
  return stack_along("hstack", tensors, atleast_1d, atleast_1d(tensors[0]).dim() == 1 ? 0 : 1);
}
Tensor vstack(const std::vector<Tensor>& tensors) { return stack_along("vstack", tensors, atleast_2d, 0); }
Tensor dstack(const std::vector<Tensor>& tensors) { return stack_along("dstack", tensors, atleast_3d, 2); }
Tensor column_stack(const std::vector<Tensor>& tensors) {
  auto column = [](const Tensor& t) { return t.dim() <= 1 ? t.reshape({t.numel(), 1}) : t; };
  return stack_along("column_stack", tensors, column, 1);
}

namespace {

void check_splittable(const Tensor& self) {
  RAMP_CHECK(self.dim() > 0, "tensor_split expected at least a 1-dimensional tensor, but got a tensor with ",
             self.dim(), " dims");
}

}  // namespace

std::vector<Tensor> tensor_split(const Tensor& self, std::int64_t sections, std::int64_t dim) {
  check_splittable(self);
  RAMP_CHECK(sections > 0, "number of sections must be larger than 0, got ", sections);
  const std::int64_t d = wrap_dim(dim, self.dim());
  const std::int64_t size = self.size(d), small = size / sections, extra = size % sections;
  std::vector<Tensor> out;
  std::int64_t start = 0;
  for (std::int64_t i = 0; i < sections; ++i) {
    const std::int64_t len = small + (i < extra ? 1 : 0);
    out.push_back(self.slice(d, start, start + len));
    start += len;
  }
  return out;
}

std::vector<Tensor> tensor_split(const Tensor& self, IntArrayRef indices, std::int64_t dim) {
  check_splittable(self);
  const std::int64_t d = wrap_dim(dim, self.dim());
  std::vector<Tensor> out;
  std::int64_t start = 0;
  for (std::int64_t end : indices) {
    out.push_back(self.slice(d, start, end));
    start = end;
  }
  out.push_back(self.slice(d, start, self.size(d)));
  return out;
}

std::vector<Tensor> tensor_split(const Tensor& self, const Tensor& tensor_indices_or_sections, std::int64_t dim) {
  const Tensor& t = tensor_indices_or_sections;
  RAMP_CHECK(t.dtype() == ScalarType::Int64, "tensor_split expected tensor_indices_or_sections to have dtype of long, but got ",
             dtype_error_name(t.dtype()));
  RAMP_CHECK(t.dim() <= 1, "tensor_split expected tensor_indices_or_sections to be a zero-dimensional or one-dimensional "
             "tensor, but got a tensor with ", t.dim(), " dims");
  if (t.dim() == 0) return tensor_split(self, t.item<std::int64_t>(), dim);
  std::vector<std::int64_t> indices;
  for (double v : t.to_vector()) indices.push_back(std::int64_t(v));
  return tensor_split(self, indices, dim);
}

namespace {

// hsplit/vsplit/dsplit: the dim check, and for int sections the divisibility check, then tensor_split.
std::int64_t split_dim(const char* name, const Tensor& self, std::int64_t min_dims, std::int64_t dim) {
  RAMP_CHECK(self.dim() >= min_dims, "torch.", name, " requires a tensor with at least ", min_dims,
             " dimension, but got a tensor with ", self.dim(), " dimensions!");
  return dim;
}
std::vector<Tensor> split_sections(const char* name, const Tensor& self, std::int64_t sections, std::int64_t dim) {
  RAMP_CHECK(sections != 0 && self.size(dim) % sections == 0, "torch.", name, " attempted to split along dimension ", dim,
             ", but the size of the dimension ", self.size(dim), " is not divisible by the split_size ", sections, "!");
  return tensor_split(self, sections, dim);
}
std::int64_t hsplit_dim(const Tensor& self) { return split_dim("hsplit", self, 1, self.dim() == 1 ? 0 : 1); }

}  // namespace

std::vector<Tensor> hsplit(const Tensor& self, std::int64_t sections) {
  return split_sections("hsplit", self, sections, hsplit_dim(self));
}
std::vector<Tensor> hsplit(const Tensor& self, IntArrayRef indices) { return tensor_split(self, indices, hsplit_dim(self)); }
std::vector<Tensor> vsplit(const Tensor& self, std::int64_t sections) {
  return split_sections("vsplit", self, sections, split_dim("vsplit", self, 2, 0));
}
std::vector<Tensor> vsplit(const Tensor& self, IntArrayRef indices) {
  return tensor_split(self, indices, split_dim("vsplit", self, 2, 0));
}
std::vector<Tensor> dsplit(const Tensor& self, std::int64_t sections) {
  return split_sections("dsplit", self, sections, split_dim("dsplit", self, 3, 2));
}
std::vector<Tensor> dsplit(const Tensor& self, IntArrayRef indices) {
  return tensor_split(self, indices, split_dim("dsplit", self, 3, 2));
}

}  // namespace ramp
