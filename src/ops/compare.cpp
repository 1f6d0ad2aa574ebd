// eq/ne/lt/le/gt/ge: no gradients (their results are bool and int64).
#include <functional>

#include "map.h"
#include "ramp/ops.h"

namespace ramp {
namespace {

// Both operands in torch.result_type's dtype, broadcast; the comparison is a std:: functor, so
// each (dtype, op) pair is its own loop and NaN follows IEEE (only != is true).
template <class Op>
Tensor compare(const Tensor& a, const Tensor& b) {
  const ScalarType t = result_type(a, b);
  const Dims shape = broadcast_shapes(a.sizes(), b.sizes());
  Tensor out = empty(shape, ScalarType::Bool);
  const Tensor x = a.detach().to(t).expand(shape), y = b.detach().to(t).expand(shape);
  dispatch(t, [&](auto v) {
    using T = decltype(v);
    detail::map_elements<bool, T>(out, Op{}, x, y);
  });
  return out;
}
// A Python number becomes a 0-d tensor of the result type (wrapping into unsigned types as 1.13).
template <class Op>
Tensor compare(const Tensor& a, const Scalar& b) {
  return compare<Op>(a, scalar_tensor(b, result_type(a, b)));
}

}  // namespace

#define RAMP_COMPARISON(name, functor)                                                                   \
  Tensor name(const Tensor& self, const Tensor& other) { return compare<functor>(self, other); }       \
  Tensor name(const Tensor& self, Scalar other) { return compare<functor>(self, other); }
RAMP_COMPARISON(eq, std::equal_to<>)
RAMP_COMPARISON(ne, std::not_equal_to<>)
RAMP_COMPARISON(lt, std::less<>)
RAMP_COMPARISON(le, std::less_equal<>)
RAMP_COMPARISON(gt, std::greater<>)
RAMP_COMPARISON(ge, std::greater_equal<>)
#undef RAMP_COMPARISON

}  // namespace ramp
