// Element offsets of strided layouts, for the index ops (src/ops/advanced_index.cpp, scatter.cpp).
#pragma once

#include <array>
#include <vector>

#include "ramp/tensor.h"

namespace ramp::detail {

// Calls f(offsets) for every position of `sizes` in row-major order; offsets[k] is the position's
// offset (in elements) in layout k (strides[k]).
template <std::size_t N, class F>
void for_each_offset(IntArrayRef sizes, const std::array<IntArrayRef, N>& strides, F&& f) {
  const std::int64_t n = numel_of(sizes);
  const int nd = int(sizes.size());
  std::int64_t idx[kMaxDims] = {};
  std::array<std::int64_t, N> off{};
  for (std::int64_t i = 0; i < n; ++i) {
    f(off);
    for (int d = nd - 1; d >= 0; --d) {
      const auto u = std::size_t(d);
      if (++idx[d] < sizes[u]) {
        for (std::size_t k = 0; k < N; ++k) off[k] += strides[k][u];
        break;
      }
      for (std::size_t k = 0; k < N; ++k) off[k] -= strides[k][u] * (sizes[u] - 1);
      idx[d] = 0;
    }
  }
}

template <class F> void for_each_offset(IntArrayRef sizes, IntArrayRef strides, F&& f) {
  for_each_offset<1>(sizes, {strides}, [&](const std::array<std::int64_t, 1>& o) { f(o[0]); });
}

inline std::vector<std::int64_t> offsets_of(IntArrayRef sizes, IntArrayRef strides) {
  std::vector<std::int64_t> out;
  out.reserve(std::size_t(numel_of(sizes)));
  for_each_offset(sizes, strides, [&](std::int64_t o) { out.push_back(o); });
  return out;
}

// c10's checked conversion of a number written into a tensor of dtype t (fill values of setitem,
// masked_fill, index_fill, scatter): -2 wraps into uint8, 300 and -2.0 do not.
void check_fits(Scalar v, ScalarType t);

// out[i] = value where mask[i] (bool/uint8, already out's shape): masked_fill_'s kernel
// (src/ops/scatter.cpp), also what x[mask] = number runs, as 1.13 dispatches it.
void fill_where(const Tensor& out, const Tensor& mask, Scalar value);

// index_put_'s write without its checks, version bump or graph (src/ops/advanced_index.cpp): for
// ops built on it and for backward formulas writing into fresh tensors.
void index_put_into(const Tensor& self, const std::vector<Tensor>& indices, const Tensor& values, bool accumulate);

}  // namespace ramp::detail
