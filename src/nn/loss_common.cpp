#include "loss_common.h"

#include "../autograd/function.h"

namespace ramp::loss {

Reduction reduction_enum(std::string_view reduction) {
  if (reduction == "none") return Reduction::None;
  if (reduction == "mean" || reduction == "elementwise_mean") return Reduction::Mean;  // (the latter deprecated)
  if (reduction == "sum") return Reduction::Sum;
  throw ValueError(detail::cat(reduction, " is not a valid value for reduction"));
}

void check_no_requires_grad(const Tensor& t, std::string_view arg, std::string_view fn) {
  RAMP_CHECK(!autograd::requires_grad(t), "The function '", fn, "' is not differentiable with respect to argument '",
             arg, "'. This input cannot have requires_grad True.");
}

namespace {
// x op s with the gradient g op s, recorded under `name`.
template <class F> Tensor scalar_op(const Tensor& x, Scalar s, std::string_view name, F op) {
  if (!autograd::needs_grad({x})) return op(x, s);
  Tensor out = autograd::below([&] { return op(x, s); });
  autograd::record(out, name, {x}, {}, [s, op](const autograd::Node&, const Tensor& g) {
    return std::vector<Tensor>{op(g, s)};
  });
  return out;
}
}  // namespace

Tensor mul_scalar(const Tensor& x, Scalar s) {
  return scalar_op(x, s, "MulBackward1", [](const Tensor& a, const Scalar& b) { return a.mul(b); });
}
Tensor div_scalar(const Tensor& x, Scalar s) {
  return scalar_op(x, s, "DivBackward1", [](const Tensor& a, const Scalar& b) { return a.div(b); });
}

}  // namespace ramp::loss
