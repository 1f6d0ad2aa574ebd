// What the ops that pick one element per row along a dim share (sort.cpp, median.cpp): the
// gradient of a selection, 1.13's value_selecting_reduction_backward.
#pragma once

#include <string_view>

#include "ramp/tensor.h"

namespace ramp::detail {

// Records `name` on values: the gradient goes to self at the picked `indices` along dim (indices
// keep dim when `keepdim`, else it was squeezed away).
void record_select(Tensor& values, const Tensor& self, const Tensor& indices, std::int64_t dim, std::string_view name,
                   bool keepdim = true);

// That gradient as ops (differentiable: a scatter of g into zeros, 1.13's ScatterBackward0).
Tensor value_selecting_backward(const Tensor& g, IntArrayRef sizes, std::int64_t dim, const Tensor& indices,
                                bool keepdim);

}  // namespace ramp::detail
