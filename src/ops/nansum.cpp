// nansum and count_nonzero: sums of the reduction engine over a masked input, as 1.13 defines
// them (nansum: NaN counts as zero; count_nonzero: (x != 0).sum(dims), int64).
#include "ramp/elementwise.h"
#include "ramp/reduce.h"
#include "reduce.h"  // includes record.h

namespace ramp {

Tensor nansum(const Tensor& self, IntArrayRef dim, bool keepdim, std::optional<ScalarType> dtype) {
  const std::uint32_t m = reduction::dim_mask(self, dim);  // 1.13's dim errors first
  // A floating input runs 1.13's nansum kernel in the output dtype, which is floating only (integer
  // and bool inputs are sum's, any dtype).
  RAMP_CHECK(!is_floating(self.dtype()) || !dtype || is_floating(*dtype), "\"nansum_cpu\" not implemented for '",
             dtype_error_name(*dtype), "'");
  auto forward = [&] {
    const Tensor x = is_floating(self.dtype()) ? where(isnan(self), scalar_tensor(0, self.dtype()), self) : self;
    return dim.empty() && !keepdim ? sum(x, dtype) : sum(x, dim, keepdim, dtype);
  };
  if (!autograd::needs_grad({self})) return forward();
  Tensor out = autograd::below(forward);
  autograd::record(out, "NansumBackward0", {self}, {{self, false}},
                   [m, keepdim](const autograd::Node& n, const Tensor& g) {
                     const Tensor x = n.unpack(0);
                     // dy restored to x's shape, zero where x is NaN
                     const Tensor dy = reduction::restore(g.to(x.dtype()), x.sizes(), m, keepdim);
                     // a create_graph pass records 1.13's dy * !isnan(x) over these values
                     return std::vector<Tensor>{autograd::raw_with_graph(
                         {g, x}, [&] { return where(isnan(x), scalar_tensor(0, x.dtype()), dy); },
                         [&] { return dy.mul(logical_not(isnan(x))); })};
                   });
  return out;
}

Tensor count_nonzero(const Tensor& self, IntArrayRef dim) {
  const Tensor nonzero = ne(self.detach(), 0);
  return dim.empty() ? sum(nonzero, ScalarType::Int64) : sum(nonzero, dim, false, ScalarType::Int64);
}

}  // namespace ramp
