// Strided iteration over N same-shaped operands: the one loop every non-kernel elementwise
// operation (copy, conversion, arithmetic) is built on.
#pragma once

#include <array>

#include "ramp/tensor.h"

namespace ramp::detail {

// Calls row(ptrs, byte_strides, n) for every innermost row of `sizes`, in row-major order.
// ptrs[k] points at the row's first element of operand k; byte_strides[k] steps along the row.
template <std::size_t N, class Row>
void for_each_row(IntArrayRef sizes, std::array<char*, N> ptr, const std::array<Dims, N>& bstride,
                  Row&& row) {
  const int nd = int(sizes.size());
  for (auto s : sizes)
    if (s == 0) return;
  std::array<std::int64_t, N> inner{};
  if (nd == 0) {
    row(ptr, inner, std::int64_t(1));
    return;
  }
  for (std::size_t k = 0; k < N; ++k) inner[k] = bstride[k][std::size_t(nd - 1)];
  std::int64_t idx[kMaxDims] = {};
  for (;;) {
    row(ptr, inner, sizes[std::size_t(nd - 1)]);
    int d = nd - 2;
    for (; d >= 0; --d) {
      if (++idx[d] < sizes[std::size_t(d)]) {
        for (std::size_t k = 0; k < N; ++k) ptr[k] += bstride[k][std::size_t(d)];
        break;
      }
      for (std::size_t k = 0; k < N; ++k)
        ptr[k] -= bstride[k][std::size_t(d)] * (sizes[std::size_t(d)] - 1);
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

// copy_ and fill_ without the version bump: for filling tensors nobody else has seen yet, and
// for in-place ops that bump once themselves.
void copy_into(const Tensor& dst, const Tensor& src);
void fill_into(const Tensor& dst, Scalar v);

inline Dims byte_strides(const Tensor& t) {
  Dims s = t.impl().strides;
  for (std::size_t i = 0; i < s.size(); ++i) s[i] *= std::int64_t(t.element_size());
  return s;
}

// Applies f(out_elem&, a_elem) over two same-shaped tensors of element types O and A.
template <class O, class A, class F> void map1(const Tensor& out, const Tensor& a, F f) {
  for_each_row<2>(out.sizes(), {static_cast<char*>(out.data_ptr()), static_cast<char*>(a.data_ptr())},
                  {byte_strides(out), byte_strides(a)}, [&](auto p, auto s, std::int64_t n) {
                    for (std::int64_t i = 0; i < n; ++i)
                      f(*reinterpret_cast<O*>(p[0] + i * s[0]), *reinterpret_cast<const A*>(p[1] + i * s[1]));
                  });
}

// Whether the memory spans of two tensors intersect (a cheap test: their first-to-last byte ranges).
inline bool ranges_overlap(const Tensor& a, const Tensor& b) {
  auto span = [](const Tensor& t) {
    const char* lo = static_cast<const char*>(t.data_ptr());
    std::int64_t hi = 0;
    for (std::int64_t d = 0; d < t.dim(); ++d) hi += (t.size(d) - 1) * t.stride(d);
    return std::pair{lo, lo + (hi + 1) * std::int64_t(t.element_size())};
  };
  if (a.numel() == 0 || b.numel() == 0) return false;
  auto [alo, ahi] = span(a);
  auto [blo, bhi] = span(b);
  return alo < bhi && blo < ahi;
}

}  // namespace ramp::detail
