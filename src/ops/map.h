// One strided elementwise loop for src/ops/{compare,index,unary}.cpp: out[i] = f(in[i]...) with
// the element types given by the caller (out may differ from the inputs: comparisons give bool).
#pragma once

#include <array>
#include <type_traits>
#include <utility>

#include "../tensor/loop.h"

namespace ramp::detail {

// The name c10's checked conversion prints for a dtype's C++ type ("value cannot be converted to
// type uint8_t without overflow"); src/ops/unary.cpp.
const char* c_type_name(ScalarType t);

// bfloat16 arithmetic happens in float.
template <class T>
using Compute = std::conditional_t<std::is_same_v<T, BFloat16>, float, T>;

// out = f(in...) over tensors of out's shape (inputs already broadcast): O is out's element type,
// I the inputs' (all the same); f sees Compute<I> values and returns something convertible to O.
template <class O, class I, class F, class... In>
void map_elements(const Tensor& out, F&& f, const In&... in) {
  constexpr std::size_t N = 1 + sizeof...(In);
  for_each_row<N>(out.sizes(), {static_cast<char*>(out.data_ptr()), static_cast<char*>(in.data_ptr())...},
                  {byte_strides(out), byte_strides(in)...}, [&](auto p, auto s, std::int64_t n) {
                    [&]<std::size_t... K>(std::index_sequence<K...>) {
                      for (std::int64_t i = 0; i < n; ++i)
                        *reinterpret_cast<O*>(p[0] + i * s[0]) =
                            O(f(Compute<I>(*reinterpret_cast<const I*>(p[K + 1] + i * s[K + 1]))...));
                    }(std::make_index_sequence<N - 1>());
                  });
}

}  // namespace ramp::detail
