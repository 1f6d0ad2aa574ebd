// cat and stack: PyTorch 1.13's checks and texts, one copy per input into its slice of the
// result, and backward as slices of the gradient.
#include <algorithm>

#include "../tensor/loop.h"
#include "ramp/ops.h"
#include "record.h"

namespace ramp {
namespace {

using autograd::Node;
using autograd::wants;

// A 1-D tensor with no elements: cat skips it whatever the other shapes (PyTorch's legacy rule).
bool legacy_empty(const Tensor& t) { return t.dim() == 1 && t.size(0) == 0; }

ScalarType common_dtype(const std::vector<Tensor>& tensors) {
  ScalarType t = tensors[0].dtype();
  for (const Tensor& x : tensors) t = promote_types(t, x.dtype());
  return t;
}

// cat without autograd; `dim` already wrapped against the first tensor that is not legacy-empty.
Tensor cat_values(const std::vector<Tensor>& tensors, std::int64_t dim, const Tensor* ref) {
  const ScalarType dtype = common_dtype(tensors);
  if (ref == nullptr) return empty({0}, dtype);
  Dims shape(ref->sizes());
  shape[std::size_t(dim)] = 0;
  for (const Tensor& t : tensors)
    if (!legacy_empty(t)) shape[std::size_t(dim)] += t.size(dim);
  Tensor out = empty(shape, dtype);
  std::int64_t at = 0;
  for (const Tensor& t : tensors) {
    if (legacy_empty(t)) continue;
    detail::copy_into(out.narrow(dim, at, t.size(dim)), t);  // converts the dtype
    at += t.size(dim);
  }
  return out;
}

}  // namespace

Tensor cat(const std::vector<Tensor>& tensors, std::int64_t dim) {
  RAMP_CHECK(!tensors.empty(), "torch.cat(): expected a non-empty list of Tensors");
  for (std::size_t i = 0; i < tensors.size(); ++i)
    RAMP_CHECK(tensors[i].dim() > 0, "zero-dimensional tensor (at position ", i, ") cannot be concatenated");
  auto first = std::find_if(tensors.begin(), tensors.end(), [](const Tensor& t) { return !legacy_empty(t); });
  const Tensor* ref = first == tensors.end() ? nullptr : &*first;
  if (ref) {
    dim = wrap_dim(dim, ref->dim());
    for (std::size_t i = 0; i < tensors.size(); ++i) {
      const Tensor& t = tensors[i];
      if (legacy_empty(t)) continue;
      RAMP_CHECK(t.dim() == ref->dim(), "Tensors must have same number of dimensions: got ", ref->dim(),
                 " and ", t.dim());
      for (std::int64_t d = 0; d < t.dim(); ++d)
        RAMP_CHECK(d == dim || t.size(d) == ref->size(d), "Sizes of tensors must match except in dimension ",
                   dim, ". Expected size ", ref->size(d), " but got size ", t.size(d), " for tensor number ",
                   i, " in the list.");
    }
  }
  if (!autograd::needs_grad_list(tensors)) return cat_values(tensors, dim, ref);
  Tensor out = autograd::below([&] { return cat_values(tensors, dim, ref); });
  // Each input's gradient is its slice of grad (a view; the engine casts it to the input's dtype).
  std::vector<std::int64_t> lengths;
  for (const Tensor& t : tensors) lengths.push_back(legacy_empty(t) ? -1 : t.size(dim));
  autograd::record_list(out, "CatBackward0", tensors, [dim, lengths](const Node& n, const Tensor& g) {
    std::vector<Tensor> grads(lengths.size());
    std::int64_t at = 0;
    for (std::size_t i = 0; i < lengths.size(); ++i) {
      if (lengths[i] < 0) {
        if (wants(n, i)) grads[i] = zeros({0}, g.dtype());
        continue;
      }
      if (wants(n, i)) grads[i] = g.narrow(dim, at, lengths[i]);
      at += lengths[i];
    }
    return grads;
  });
  return out;
}

Tensor stack(const std::vector<Tensor>& tensors, std::int64_t dim) {
  RAMP_CHECK(!tensors.empty(), "stack expects a non-empty TensorList");
  dim = wrap_dim(dim, tensors[0].dim() + 1);
  const IntArrayRef shape = tensors[0].sizes();
  for (std::size_t i = 1; i < tensors.size(); ++i)
    RAMP_CHECK(std::equal(shape.begin(), shape.end(), tensors[i].sizes().begin(), tensors[i].sizes().end()),
               "stack expects each tensor to be equal size, but got ", shape_str(shape), " at entry 0 and ",
               shape_str(tensors[i].sizes()), " at entry ", i);
  auto compute = [&] {
    std::vector<Tensor> parts;
    for (const Tensor& t : tensors) parts.push_back(t.detach().unsqueeze(dim));
    return cat_values(parts, dim, &parts[0]);
  };
  if (!autograd::needs_grad_list(tensors)) return compute();
  Tensor out = autograd::below(compute);
  autograd::record_list(out, "StackBackward0", tensors, [dim](const Node& n, const Tensor& g) {
    std::vector<Tensor> grads(n.next.size());
    for (std::size_t i = 0; i < grads.size(); ++i)
      if (wants(n, i)) grads[i] = g.select(dim, std::int64_t(i));
    return grads;
  });
  return out;
}

}  // namespace ramp
