// Sorting and selection along a dim, with 1.13's names, results (values and int64 indices) and
// grad_fn names (SortBackward0, TopkBackward0, KthvalueBackward0). NaN sorts as the largest value.
// Ties keep their input order (a stable sort), which is 1.13's order for stable=True and for short
// rows; on long rows with stable=False, and in topk, 1.13's order of ties is an artifact of its
// algorithm and may differ.
//
//   auto [values, indices] = ramp::sort(x, /*dim=*/-1, /*descending=*/true);
//   auto [top, where] = ramp::topk(logits, 5);
#pragma once

#include <optional>
#include <tuple>

#include "ramp/tensor.h"

namespace ramp {

// `stable` given (either value) is 1.13's sort.stable overload: the graph records SortBackward1.
std::tuple<Tensor, Tensor> sort(const Tensor& self, std::int64_t dim = -1, bool descending = false,
                                std::optional<bool> stable = {});
Tensor argsort(const Tensor& self, std::int64_t dim = -1, bool descending = false, std::optional<bool> stable = {});
Tensor msort(const Tensor& self);  // sort(self, 0).values
// The k largest (or smallest) along dim, largest first (smallest first); k <= size.
std::tuple<Tensor, Tensor> topk(const Tensor& self, std::int64_t k, std::int64_t dim = -1, bool largest = true,
                                bool sorted = true);
// The k-th smallest (1-based) along dim.
std::tuple<Tensor, Tensor> kthvalue(const Tensor& self, std::int64_t k, std::int64_t dim = -1, bool keepdim = false);

}  // namespace ramp
