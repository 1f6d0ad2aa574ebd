// Strided iteration over N same-shaped operands: the one loop every non-kernel elementwise
// operation (copy, conversion, arithmetic) is built on.
#pragma once

#include <algorithm>
#include <array>

#include "ramp/tensor.h"

namespace ramp::detail {

// Calls row(ptrs, byte_strides, n) for every innermost row of `sizes`, in row-major order.
// ptrs[k] points at the row's first element of operand k; byte_strides[k] steps along the row.
template <std::size_t N, class Row>
void for_each_row(IntArrayRef sizes_in, std::array<char*, N> ptr, const std::array<Dims, N>& bstride_in,
                  Row&& row) {
  for (auto s : sizes_in)
    if (s == 0) return;
  if (sizes_in.size() == 0) {
    row(ptr, std::array<std::int64_t, N>{}, std::int64_t(1));
    return;
  }
  // Dims every operand steps over as one run of the next (d's stride = the next's stride x size)
  // merge into it, so rows get longer: a permuted copy's rows of 28 became rows of 784, and the
  // outer loop ran once per 28 elements. Built innermost first.
  std::int64_t sizes[kMaxDims], bstride[N][kMaxDims];
  int nd = 0;
  for (int d = int(sizes_in.size()) - 1; d >= 0; --d) {
    const std::int64_t s = sizes_in[std::size_t(d)];
    // (size-1 dims are not dropped: some rows assume the innermost dim's stride, checked by callers)
    bool merge = nd > 0;
    for (std::size_t k = 0; k < N && merge; ++k)
      merge = bstride_in[k][std::size_t(d)] == bstride[k][nd - 1] * sizes[nd - 1];
    if (merge) {  // the run keeps its step, and grows
      sizes[nd - 1] *= s;
      continue;
    }
    sizes[nd] = s;
    for (std::size_t k = 0; k < N; ++k) bstride[k][nd] = bstride_in[k][std::size_t(d)];
    ++nd;
  }
  // sizes/bstride hold dims innermost first: index 0 is the row.
  std::array<std::int64_t, N> inner{};
  for (std::size_t k = 0; k < N; ++k) inner[k] = bstride[k][0];
  std::int64_t idx[kMaxDims] = {};
  for (;;) {
    row(ptr, inner, sizes[0]);
    int d = 1;
    for (; d < nd; ++d) {
      if (++idx[d] < sizes[d]) {
        for (std::size_t k = 0; k < N; ++k) ptr[k] += bstride[k][d];
        break;
      }
      for (std::size_t k = 0; k < N; ++k) ptr[k] -= bstride[k][d] * (sizes[d] - 1);
      idx[d] = 0;
    }
    if (d == nd) return;
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

// c10's get_overlap_status (ATen/MemoryOverlap.cpp), which 1.13's in-place, copy and index ops consult:
// `full` for the same elements in the same layout, `partial` where the spans of two non-overlapping and
// dense tensors meet otherwise, `too_hard` when either is strided (1.13 looks no further), else `no`.
enum class Overlap { no, full, partial, too_hard };
inline Overlap overlap_status(const Tensor& a, const Tensor& b) {
  if (&a.impl() == &b.impl()) return Overlap::full;
  if (a.numel() == 0 || b.numel() == 0) return Overlap::no;
  if (!a.is_non_overlapping_and_dense() || !b.is_non_overlapping_and_dense()) return Overlap::too_hard;
  if (a.storage() != b.storage()) return Overlap::no;
  const char* ab = static_cast<const char*>(a.data_ptr());
  const char* bb = static_cast<const char*>(b.data_ptr());
  const char* ae = ab + a.numel() * std::int64_t(a.element_size());
  const char* be = bb + b.numel() * std::int64_t(b.element_size());
  if (ab == bb && ae == be) {
    const bool same = std::equal(a.strides().begin(), a.strides().end(), b.strides().begin(), b.strides().end());
    return same ? Overlap::full : Overlap::partial;
  }
  return ab < be && bb < ae ? Overlap::partial : Overlap::no;
}
inline constexpr const char* kOverlapError =
    "unsupported operation: some elements of the input tensor and the written-to tensor refer to a single memory "
    "location. Please clone() the tensor before performing the operation.";
// 1.13's assert_no_partial_overlap (elementwise in-place ops, copy_: the input may be the output itself)
// and assert_no_overlap (index_put_, scatter_, index_add_, index_copy_: not even that).
inline void assert_no_partial_overlap(const Tensor& out, const Tensor& in) {
  RAMP_CHECK(overlap_status(out, in) != Overlap::partial, kOverlapError);
}
inline void assert_no_overlap(const Tensor& out, const Tensor& in) {
  const Overlap o = overlap_status(out, in);
  RAMP_CHECK(o != Overlap::partial && o != Overlap::full, kOverlapError);
}
// Whether reading `in` while writing `out` element by element could see written values (the cases 1.13
// lets through as too hard to tell): such an input is copied first.
inline bool may_alias(const Tensor& out, const Tensor& in) {
  return in.defined() && out.storage() == in.storage() && ranges_overlap(out, in);
}

}  // namespace ramp::detail
