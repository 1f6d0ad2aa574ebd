// The activation functions, generated from the entries in activations.h.
//
//   ramp::relu(x);                    ramp::relu_(x);
//   ramp::leaky_relu(x, {0.2});       ramp::leaky_relu(x, {.negative_slope = 0.2});
//   ramp::gelu(x, {.approximate = "tanh"});
//   ramp::softmax(x, {.dim = 1});     ramp::prelu(x, weight);
#pragma once

#include "ramp/activations.h"
#include "ramp/tensor.h"

namespace ramp {

// Out-of-place: a new tensor with x's shape (and layout, when x is dense).
template <class A> Tensor activation(const Tensor& x, const typename A::Params& p = {});
// In place: writes x and returns it; bumps x's version once.
template <class A> Tensor& activation_(Tensor& x, const typename A::Params& p = {});
template <class A> Tensor& activation_(Tensor&& x, const typename A::Params& p = {}) { return activation_<A>(x, p); }
// Into `out` (torch's out=): out must already have x's shape and the result's dtype (ramp does not
// resize, where 1.13 resizes with a deprecation warning); pointwise entries only.
template <class A> Tensor& activation_out(const Tensor& x, Tensor& out, const typename A::Params& p = {});

// relu(x), relu_(x), ... one pair per entry; `_` forms exist where PyTorch has an in-place form.
#define RAMP_ACTIVATION_FUNCTIONS(X)                                                                  \
  X(relu, ReLU) X(relu6, ReLU6) X(leaky_relu, LeakyReLU) X(rrelu, RReLU) X(elu, ELU) X(selu, SELU)  \
  X(celu, CELU) X(gelu, GELU) X(silu, SiLU) X(swish, Swish) X(mish, Mish) X(softplus, Softplus)     \
  X(hardtanh, Hardtanh) X(hardswish, Hardswish) X(hardsigmoid, Hardsigmoid) X(threshold, Threshold) \
  X(sigmoid, Sigmoid) X(tanh, Tanh) X(softmax, Softmax) X(log_softmax, LogSoftmax)                   \
  X(logsigmoid, LogSigmoid) X(softsign, Softsign) X(tanhshrink, Tanhshrink) X(softshrink, Softshrink) \
  X(hardshrink, Hardshrink) X(softmin, Softmin)

#define RAMP_DECLARE(fn, A)                                                                              \
  inline Tensor fn(const Tensor& x, const act::A::Params& p = {}) { return activation<act::A>(x, p); } \
  template <class T = act::A, std::enable_if_t<T::inplace != act::Inplace::none, int> = 0>               \
  inline Tensor& fn##_(Tensor& x, const typename T::Params& p = {}) {                                  \
    return activation_<T>(x, p);                                                                       \
  }
RAMP_ACTIVATION_FUNCTIONS(RAMP_DECLARE)
#undef RAMP_DECLARE

// prelu(x, weight): weight has one element, or one per channel (dim 1).
Tensor prelu(const Tensor& x, const Tensor& weight);
// rrelu in training mode, also returning the per-element slopes it drew (1 where x > 0).
std::pair<Tensor, Tensor> rrelu_with_noise(const Tensor& x, const act::RReLU::Params& p, bool inplace);
// glu(x, dim): a * sigmoid(b), a and b the two halves of x along dim (its size must be even);
// recorded as 1.13's GluBackward0 (src/ops/glu.cpp).
Tensor glu(const Tensor& x, std::int64_t dim = -1);
// The dim F.softmax picks when none is given (with a deprecation warning in Python).
std::int64_t implicit_softmax_dim(std::int64_t ndim);

// By name: "relu", "leaky_relu", "LeakyReLU", ... with default parameters.
Tensor activation_by_name(std::string_view name, const Tensor& x);
bool is_activation_name(std::string_view name);

}  // namespace ramp
