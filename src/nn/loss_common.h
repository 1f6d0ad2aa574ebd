// What the loss files share: the reduction enum, 1.13's argument checks, and the element
// arithmetic that rounds where 1.13 rounds.
#pragma once

#include <string_view>
#include <type_traits>

#include "ramp/tensor.h"

namespace ramp::loss {

enum class Reduction { None, Mean, Sum };

// 1.13's _Reduction.get_enum: ValueError "<value> is not a valid value for reduction".
Reduction reduction_enum(std::string_view reduction);

// 1.13's check_no_requires_grad: weights of these losses have no derivative.
void check_no_requires_grad(const Tensor& t, std::string_view arg, std::string_view fn);

// x * s and x / s recorded as 1.13's Tensor-Scalar nodes (MulBackward1, DivBackward1); ramp's
// Scalar overloads record the Tensor-Tensor names, as 1.13's Python operators do.
Tensor mul_scalar(const Tensor& x, Scalar s);
Tensor div_scalar(const Tensor& x, Scalar s);

// The type 1.13's CPU kernels compute an element in: bfloat16 ops compute in float and round
// each result to bfloat16 (`rnd`), float and double compute in themselves.
template <class T> using Acc = std::conditional_t<std::is_same_v<T, double>, double, float>;
template <class T> inline Acc<T> rnd(Acc<T> v) {
  if constexpr (std::is_same_v<T, BFloat16>) return float(BFloat16(v));
  else return v;
}

}  // namespace ramp::loss
