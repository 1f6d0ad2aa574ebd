// eq/ne/lt/le/gt/ge and argmax: no gradients (their results are bool and int64).
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

// Index of the largest of n values at stride `step`: the first NaN, else the first maximum.
template <class T>
std::int64_t argmax_row(const T* x, std::int64_t n, std::int64_t step) {
  using C = detail::Compute<T>;
  std::int64_t best = 0;
  C m = C(x[0]);
  for (std::int64_t i = 0; i < n; ++i) {
    const C v = C(x[i * step]);
    if (v != v) return i;  // NaN
    if (v > m) m = v, best = i;
  }
  return best;
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

Tensor argmax(const Tensor& self, std::optional<std::int64_t> dim, bool keepdim) {
  RAMP_CHECK(self.dtype() != ScalarType::Bool, "\"argmax_cpu\" not implemented for 'Bool'");
  if (!dim) {
    RAMP_CHECK_T(IndexError, self.numel() > 0,
                 "argmax(): Expected reduction dim to be specified for input.numel() == 0.");
    Tensor flat = argmax(self.reshape({-1}), 0, false);
    return keepdim ? flat.reshape(std::vector<std::int64_t>(std::size_t(self.dim()), 1)) : flat;
  }
  const std::int64_t d = wrap_dim(*dim, self.dim());
  if (self.dim() == 0) return zeros({}, ScalarType::Int64);
  RAMP_CHECK_T(IndexError, self.size(d) > 0, "argmax(): Expected reduction dim ", d, " to have non-zero size.");
  // Rows along d: the other dims, walked by for_each_row over a view with d's size set to 1.
  Dims out_sizes(self.sizes());
  out_sizes[std::size_t(d)] = 1;
  Tensor out = empty(out_sizes, ScalarType::Int64);
  const Tensor rows = self.detach().as_strided(out_sizes, self.strides(), self.storage_offset());
  const std::int64_t n = self.size(d), step = self.stride(d);
  dispatch(self.dtype(), [&](auto v) {
    using T = decltype(v);
    detail::map1<std::int64_t, T>(out, rows, [&](std::int64_t& o, const T& x) { o = argmax_row(&x, n, step); });
  });
  return keepdim ? out : out.squeeze(d);
}

}  // namespace ramp
