// index_select: whole slices copied as bytes (any dtype, no per-dtype loop); the backward adds
// gradient slices back at their indices.
#include <cstring>
#include <vector>

#include "../tensor/parallel.h"
#include "map.h"
#include "ramp/indexing.h"
#include "ramp/ops.h"
#include "record.h"

namespace ramp {
namespace {

// The index as int64 values, each checked against the size of the selected dim. A 0-d self acts
// as size 1 and gives a 0-d result whatever the number of (zero) indices, as 1.13.
std::vector<std::int64_t> read_index(const Tensor& index, IntArrayRef self_sizes, std::int64_t dim) {
  const bool scalar = self_sizes.empty();
  const std::int64_t size = scalar ? 1 : self_sizes[std::size_t(dim)];
  const Tensor idx = index.detach().to(ScalarType::Int64).contiguous();
  const auto* p = static_cast<const std::int64_t*>(idx.data_ptr());
  std::vector<std::int64_t> v(p, p + idx.numel());
  for (std::int64_t i : v) RAMP_CHECK_T(IndexError, i >= 0 && i < size, "index out of range in self");
  if (scalar) v.assign(1, 0);
  return v;
}

// A tensor viewed as [outer, n, inner]: the dims before `dim`, `dim` itself, the dims after.
struct Blocks {
  std::int64_t outer = 1, n = 1, inner = 1;
  Blocks(IntArrayRef sizes, std::int64_t dim) {
    for (std::int64_t i = 0; i < std::int64_t(sizes.size()); ++i)
      (i < dim ? outer : i == dim ? n : inner) *= sizes[std::size_t(i)];
  }
};

// dx[o, idx[k], :] += g[o, k, :]; g is contiguous with dx's dtype (a floating one).
Tensor index_add_grad(const Tensor& g0, IntArrayRef self_sizes, std::int64_t dim, const std::vector<std::int64_t>& idx) {
  const Tensor g = g0.contiguous();
  Tensor dx = zeros(self_sizes, g.dtype());
  const Blocks b(self_sizes, dim);
  const auto k_count = std::int64_t(idx.size());
  dispatch(g.dtype(), [&](auto v) {
    using T = decltype(v);
    if constexpr (is_floating(dtype_of<T>)) {
      const T* src = static_cast<const T*>(g.data_ptr());
      T* dst = static_cast<T*>(dx.data_ptr());
      // Threads split the outer blocks: repeated indices within one block stay on one thread.
      detail::parallel_for(b.outer, std::max<std::int64_t>(1, 65536 / std::max<std::int64_t>(1, k_count * b.inner)), 1,
                           [&](std::int64_t o0, std::int64_t o1) {
                             for (std::int64_t o = o0; o < o1; ++o)
                               for (std::int64_t k = 0; k < k_count; ++k) {
                                 T* d = dst + (o * b.n + idx[std::size_t(k)]) * b.inner;
                                 const T* s = src + (o * k_count + k) * b.inner;
                                 for (std::int64_t i = 0; i < b.inner; ++i)
                                   d[i] = T(detail::Compute<T>(d[i]) + detail::Compute<T>(s[i]));
                               }
                           });
    }
  });
  return dx;
}

Tensor select_rows(const Tensor& self, std::int64_t dim, const std::vector<std::int64_t>& idx) {
  Dims out_sizes(self.sizes());
  if (self.dim() > 0) out_sizes[std::size_t(dim)] = std::int64_t(idx.size());
  Tensor out = empty(out_sizes, self.dtype());
  const Tensor src = self.contiguous();
  const Blocks b(self.sizes(), dim);
  const std::size_t row = std::size_t(b.inner) * self.element_size();
  const auto k_count = std::int64_t(idx.size());
  const char* s = static_cast<const char*>(src.data_ptr());
  char* d = static_cast<char*>(out.data_ptr());
  detail::parallel_for(b.outer * k_count, std::max<std::int64_t>(1, std::int64_t(65536 / std::max<std::size_t>(row, 1))), 1,
                       [&](std::int64_t j0, std::int64_t j1) {
                         for (std::int64_t j = j0; j < j1; ++j) {
                           const std::int64_t o = j / k_count, k = j % k_count;
                           std::memcpy(d + std::size_t(j) * row, s + std::size_t(o * b.n + idx[std::size_t(k)]) * row, row);
                         }
                       });
  return out;
}

}  // namespace

Tensor index_select(const Tensor& self, std::int64_t dim, const Tensor& index) {
  RAMP_CHECK_T(IndexError, index.dim() <= 1, "index_select(): Index is supposed to be a vector");
  RAMP_CHECK(index.dtype() == ScalarType::Int64 || index.dtype() == ScalarType::Int32,
             "index_select(): Expected dtype int32 or int64 for index");
  const std::int64_t d = wrap_dim(dim, std::max<std::int64_t>(self.dim(), 1));  // a 0-d self acts as [1]
  const std::vector<std::int64_t> idx = read_index(index, self.sizes(), d);
  auto compute = [&] { return select_rows(self, d, idx); };
  if (!autograd::needs_grad({self})) return compute();
  Tensor out = autograd::below(compute);
  autograd::record(
      out, "IndexSelectBackward0", {self}, {{index, false}},
      [sizes = Dims(self.sizes()), d](const autograd::Node& n, const Tensor& g) -> std::vector<Tensor> {
        const Tensor index = n.unpack(0);
        // a create_graph pass: 1.13's zeros.index_add_(dim, index, g) (IndexAddBackward0)
        return {autograd::raw_with_graph(
            {g}, [&] { return index_add_grad(g, sizes, d, read_index(index, sizes, d)); },
            [&] { return index_add(zeros(sizes, g.dtype()), d, index, g); })};
      });
  return out;
}

}  // namespace ramp
