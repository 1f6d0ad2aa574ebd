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
#include <string_view>
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

// The lower median (the ((n - 1) / 2)-th smallest) of every element, or along dim with its index:
// ties are ordered by index (1.13's pick); NaN wins in median (the first NaN along dim), nanmedian
// skips NaNs (all NaN: NaN). An empty tensor gives NaN (converted to the dtype); an empty dim raises
// IndexError. Bool is refused. MedianBackward0/1, NanmedianBackward0/1.
Tensor median(const Tensor& self);
std::tuple<Tensor, Tensor> median(const Tensor& self, std::int64_t dim, bool keepdim = false);
Tensor nanmedian(const Tensor& self);
std::tuple<Tensor, Tensor> nanmedian(const Tensor& self, std::int64_t dim, bool keepdim = false);
// The most frequent value along dim (the smallest among equally frequent ones) and the index 1.13's
// kernel reports: the last of that value's run after std::sort on (value, index) pairs by value.
// ModeBackward0.
std::tuple<Tensor, Tensor> mode(const Tensor& self, std::int64_t dim = -1, bool keepdim = false);

// The distinct elements (dim none) or slices along dim, with each input element's (slice's) position
// in them (inverse, the input's shape / [size(dim)]) and their counts; an inverse or counts not asked
// for is empty. sorted=false gives 1.13's hash-set order; the slices are always sorted. NaN: as 1.13's
// kernel (each NaN distinct, its inverse 0 and count 0). The result records Unique2Backward0 /
// UniqueDimBackward0, whose backward raises (no derivative in 1.13).
std::tuple<Tensor, Tensor, Tensor> unique(const Tensor& self, bool sorted = true, bool return_inverse = false,
                                          bool return_counts = false, std::optional<std::int64_t> dim = {});
// Only runs of equal neighbours collapse. UniqueConsecutiveBackward0.
std::tuple<Tensor, Tensor, Tensor> unique_consecutive(const Tensor& self, bool return_inverse = false,
                                                      bool return_counts = false, std::optional<std::int64_t> dim = {});
// For each value, the index where it would go in the (last dim's) sorted rows of sorted_sequence:
// the first such place, or the last with right / side="right"; `sorter` orders an unsorted sequence.
// Both are first converted to their common dtype; int64 results (int32 with out_int32).
Tensor searchsorted(const Tensor& sorted_sequence, const Tensor& input, bool out_int32 = false, bool right = false,
                    std::optional<std::string_view> side = {}, const Tensor& sorter = {});
Tensor searchsorted(const Tensor& sorted_sequence, Scalar input, bool out_int32 = false, bool right = false,
                    std::optional<std::string_view> side = {}, const Tensor& sorter = {});
// searchsorted over 1-d boundaries, arguments the other way round.
Tensor bucketize(const Tensor& input, const Tensor& boundaries, bool out_int32 = false, bool right = false);
Tensor bucketize(Scalar input, const Tensor& boundaries, bool out_int32 = false, bool right = false);

}  // namespace ramp
