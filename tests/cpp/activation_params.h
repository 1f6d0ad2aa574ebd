// Non-default parameters for an activation entry, so the gradient tests exercise each entry's
// parameters (not only their defaults). Shared by test_autograd.cpp and test_double_backward.cpp.
#pragma once

#include <type_traits>

#include "ramp/activations.h"

namespace ramp::test {

template <class A> typename A::Params grad_params() {
  typename A::Params p{};
  if constexpr (std::is_same_v<A, act::LeakyReLU>) p.negative_slope = 0.2;
  if constexpr (std::is_same_v<A, act::ELU> || std::is_same_v<A, act::CELU>) p.alpha = 1.5;
  if constexpr (std::is_same_v<A, act::Hardtanh>) p = {-2.0, 2.5};
  if constexpr (std::is_same_v<A, act::Threshold>) p = {0.5, -3};
  if constexpr (std::is_same_v<A, act::Softplus>) p = {2, 10};
  if constexpr (std::is_same_v<A, act::Swish>) p.beta = 1.7;
  if constexpr (std::is_same_v<A, act::Softshrink> || std::is_same_v<A, act::Hardshrink>) p.lambd = 1.5;
  return p;
}

}  // namespace ramp::test
