// What max_pool2d and avg_pool2d share (internal to src/ops): PyTorch 1.13's reading of
// kernel_size / stride / padding / dilation, its output size and pool2d_shape_check, and the
// split of [H, W] planes over threads.
#pragma once

#include <algorithm>
#include <string_view>
#include <type_traits>

#include "../tensor/parallel.h"
#include "ramp/tensor.h"

namespace ramp::detail {

// The sums and comparisons run in float for bfloat16 (PyTorch's opmath type).
template <class T>
using PoolAcc = std::conditional_t<std::is_same_v<T, BFloat16>, float, T>;

struct PoolGeometry {
  std::int64_t planes, H, W, oH, oW;  // planes = N * C
  std::int64_t kH, kW, sH, sW, pH, pW, dH = 1, dW = 1;
  Dims out_sizes;  // input's leading dims, then oH, oW
};

// kernel_size / stride / padding (/ dilation for "max_pool2d") as 1.13 reads them (one value for
// both dims; stride {} is the kernel size), its output size, then its pool2d_shape_check, with
// 1.13's texts. `op` is "max_pool2d" or "avg_pool2d".
PoolGeometry pool_geometry(const char* op, const Tensor& x, IntArrayRef kernel, IntArrayRef stride,
                           IntArrayRef padding, IntArrayRef dilation, bool ceil_mode);

// 1.13's "<op>" not implemented for '<dtype>' for non-floating inputs.
void check_pool_dtype(const char* op, ScalarType t);

// The gradient of a max pool (max_pool2d, adaptive_max_pool2d): dx[plane, indices[o]] += dy[o] over
// each plane's outputs (indices flat within the plane), in the input's sizes.
Tensor max_pool_backward(const PoolGeometry& p, const Tensor& gy, const Tensor& indices, IntArrayRef in_sizes);
// max_pool_backward as a node's formula: in a create_graph pass dx is also recorded as grad2_name
// (linear in gy, constant in the input: its adjoint gathers gg at the indices, 1.13's
// max_pool_double_backward).
Tensor max_pool_grad(const PoolGeometry& p, const Tensor& gy, const Tensor& indices, IntArrayRef in_sizes,
                     std::string_view grad2_name);

// Runs f(plane_begin, plane_end) over threads, splitting above ~32K elements of work per thread.
template <class F>
void over_planes(const PoolGeometry& p, F f) {
  const std::int64_t per_plane = std::max<std::int64_t>(p.oH * p.oW * p.kH * p.kW, 1);
  parallel_for(p.planes, std::max<std::int64_t>(1, (1 << 15) / per_plane), 1, f);
}

}  // namespace ramp::detail
