// Shared by the activation ops and their gradients (internal).
#pragma once

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <utility>

#include "ramp/tensor.h"
#include "../tensor/parallel.h"

namespace ramp::detail {

// Elements per thread below which splitting costs more than it saves (a fork/join is ~3 us here;
// 64K floats split across 2 threads measured 5.7 us against 2.5 us on one).
inline constexpr std::int64_t kGrain = 65536;

// Whether a pass moving `traffic` bytes should write `out` with non-temporal stores: once the
// traffic would fill half the last-level cache (measured: streaming loses 1.3-1.7x up to 8 MiB of
// output and wins from 16 MiB), and `out` is 64-byte aligned.
bool stream_output(std::size_t traffic, const void* out);

// dx of entry number `entry` (a pointwise one, or rrelu in evaluation) from its saved input or
// output `v` and the incoming gradient; `params` points at the entry's Params.
Tensor activation_backward(std::size_t entry, std::string_view name, const Tensor& v, const Tensor& dy,
                           const void* params, bool is_result);
// dx = bit ? dy : 0, with bit i of bits[i / 64] for element i of a dense tensor of these sizes and
// strides (the 1-bit-mask backward).
Tensor mask_backward(const std::uint64_t* bits, const Tensor& dy, IntArrayRef sizes, IntArrayRef strides);
// Softmax's gradient from its output y (log_softmax's when `log`).
Tensor softmax_backward(const Tensor& y, const Tensor& g, std::int64_t dim, bool log);

// Splits a softmax along `dim` of a contiguous tensor of `sizes`, seen as [outer, n, inner], into
// kernel calls f(offset, outer, n, width, ld) (kernels::SoftmaxFn's block, `offset` in elements)
// over threads: whole rows when inner == 1 (in multiples of 16, the kernels' transposed panels),
// else chunks of 64 columns. A softmax costs an exp per element, so splitting pays from fewer
// elements than the pointwise kGrain.
template <class F> void softmax_split(IntArrayRef sizes, std::int64_t dim, F f) {
  constexpr std::int64_t kSoftmaxGrain = 16384, kChunk = 64;
  std::int64_t outer = 1, inner = 1;
  for (std::int64_t i = 0; i < dim; ++i) outer *= sizes[std::size_t(i)];
  for (std::int64_t i = dim + 1; i < std::int64_t(sizes.size()); ++i) inner *= sizes[std::size_t(i)];
  const std::int64_t n = sizes[std::size_t(dim)];
  if (outer * n * inner == 0) return;
  if (inner == 1) {
    parallel_for(outer, std::max<std::int64_t>(1, kSoftmaxGrain / n), 16,
                 [&](std::int64_t b, std::int64_t e) { f(b * n, e - b, n, std::int64_t(1), std::int64_t(1)); });
    return;
  }
  const std::int64_t chunks = (inner + kChunk - 1) / kChunk;
  parallel_for(outer * chunks, std::max<std::int64_t>(1, kSoftmaxGrain / (n * std::min(inner, kChunk))), 1,
               [&](std::int64_t b, std::int64_t e) {
                 for (std::int64_t u = b; u < e; ++u) {
                   const std::int64_t o = u / chunks, j = (u % chunks) * kChunk;
                   f(o * n * inner + j, std::int64_t(1), n, std::min(kChunk, inner - j), inner);
                 }
               });
}

// (dx, dweight)
std::pair<Tensor, Tensor> prelu_backward(const Tensor& x, const Tensor& w, const Tensor& g);

}  // namespace ramp::detail
