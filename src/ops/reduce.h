// The reduction engine's shared parts (src/ops/reduce*.cpp): dims as a bit mask, the dense
// [A, R, B] view the kernels take, running a kernel, and restoring a reduced gradient.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>

#include "record.h"
#include "../kernels/reduce_kernels.h"
#include "map.h"
#include "ramp/ops.h"

namespace ramp::reduction {

using I64 = std::int64_t;

// Bit i set: dim i is reduced. An empty list is every dim; 1.13's errors for repeats and range.
std::uint32_t dim_mask(const Tensor& x, IntArrayRef dims);
Dims reduced_sizes(IntArrayRef sizes, std::uint32_t m, bool keepdim);
std::int64_t reduced_count(IntArrayRef sizes, std::uint32_t m);  // elements per output

// x (made dense) read as [A, R, B] with the reduced dims in R. When the reduced dims are not
// adjacent in memory (after dropping size-1 dims), they are first moved last by a copy, except
// that with `split` two reduced runs are read in place as [A, R, B, S, C] (reduced: R and S; S > 1
// only then) when C == 1 or each slab of S * C elements holds at least kMinSplitSlab (measured, float32
// mean((0,2)): in place beats the copy 2-4x for C == 1 down to S = 2, but [20000,3,2,5] in place ran
// at 3x the copy's time).
struct Plan {
  Tensor x;
  I64 A = 1, R = 1, B = 1;
  I64 S = 1, C = 1;
};
inline constexpr I64 kMinSplitSlab = 16;
Plan plan(const Tensor& x, std::uint32_t m, bool split = false);

// Runs `op` over x's dims in m: returns the kernel's first output (of dtype out_t, none when
// nullopt) and fills *out2 (of dtype out2_t) when given.
Tensor run(kernels::ReduceOp op, const Tensor& x, std::uint32_t m, bool keepdim, std::optional<ScalarType> out_t,
           Tensor* out2 = nullptr, ScalarType out2_t = ScalarType::Int64, const kernels::ReduceArgs& args = {});

// g of the reduced shape broadcast back to `sizes` (reduced dims restored as size 1).
Tensor restore(const Tensor& g, IntArrayRef sizes, std::uint32_t m, bool keepdim);

// 1.13's checks for max/amax/... of an empty tensor: a dim must be given, and it must be non-empty
// (max names the dim wrapped, amax as given).
void check_nonempty(const Tensor& x, IntArrayRef dims, std::string_view fn, bool wrapped_in_message);

// out = f(in...) elementwise over `sizes` in floating dtype t, f computing in double: the
// gradients' formulas (inputs are converted to t and broadcast).
template <class F, class... In>
Tensor pointwise(IntArrayRef sizes, ScalarType t, F f, const In&... in) {
  Tensor out = empty(sizes, t);
  dispatch(t, [&](auto v) {
    using T = decltype(v);
    if constexpr (std::is_floating_point_v<detail::Compute<T>>)
      detail::map_elements<T, T>(out, [&](auto... a) { return f(double(a)...); }, in.to(t).expand(sizes)...);
    else
      throw Error("internal: pointwise needs a floating dtype");
  });
  return out;
}

// The gradients as differentiable ops, in 1.13's order (reduce_grad2.cpp): the graph a
// create_graph pass gives the raw kernels' values (autograd::raw_with_graph). `m`: the reduced dims.
namespace formula {
Tensor unsqueeze_reduced(const Tensor& g, std::int64_t ndim, std::uint32_t m, bool keepdim);
Tensor var(const Tensor& g, const Tensor& x, std::uint32_t m, double correction, bool keepdim);
Tensor std(const Tensor& g, const Tensor& x, const Tensor& result, std::uint32_t m, double correction,
           bool keepdim);
Tensor norm(const Tensor& g, const Tensor& x, const Tensor& result, double p, std::uint32_t m, bool keepdim);
Tensor frobenius(const Tensor& g, const Tensor& x, const Tensor& result, std::uint32_t m, bool keepdim);
Tensor logsumexp(const Tensor& g, const Tensor& x, const Tensor& result, std::uint32_t m, bool keepdim);
Tensor evenly_distribute(const Tensor& g, const Tensor& x, const Tensor& value);
Tensor amax(const Tensor& g, const Tensor& x, const Tensor& result, std::uint32_t m, bool keepdim);
Tensor prod_all(const Tensor& g, const Tensor& x, const Tensor& result);
Tensor prod_dim(const Tensor& g, const Tensor& x, const Tensor& result, std::int64_t dim, bool keepdim);
Tensor cumsum(const Tensor& g, std::int64_t dim);
Tensor cumprod(const Tensor& g, const Tensor& x, const Tensor& result, std::int64_t dim);
}  // namespace formula

}  // namespace ramp::reduction
