// Shared by the activation ops and their gradients (internal).
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>

#include "ramp/tensor.h"

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
Tensor softmax_backward(const Tensor& y, const Tensor& g, std::int64_t dim, bool log);
// (dx, dweight)
std::pair<Tensor, Tensor> prelu_backward(const Tensor& x, const Tensor& w, const Tensor& g);

}  // namespace ramp::detail
