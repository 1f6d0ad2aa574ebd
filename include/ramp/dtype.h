// Element types: the dtype enum, bfloat16, and the one switch that turns a runtime dtype into a
// C++ type (every per-dtype loop in ramp goes through `dispatch`, never a hand-written switch).
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

#include "ramp/error.h"

namespace ramp {

enum class ScalarType : std::uint8_t { Bool, UInt8, Int8, Int32, Int64, BFloat16, Float32, Float64 };
inline constexpr int kNumScalarTypes = 8;

// bfloat16 as PyTorch stores it: the top 16 bits of a float32, rounded to nearest even.
struct BFloat16 {
  std::uint16_t bits = 0;
  BFloat16() = default;
  BFloat16(float f) : bits(round_bits(f)) {}  // NOLINT: implicit like c10::BFloat16
  operator float() const {                    // NOLINT
    std::uint32_t u = std::uint32_t(bits) << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  }
  static std::uint16_t round_bits(float f) {
    std::uint32_t u;
    std::memcpy(&u, &f, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return 0x7fc0;  // NaN stays a quiet NaN
    return std::uint16_t((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
  }
};

// A small set of dtypes, for "which dtypes does this activation accept".
struct DTypeSet {
  std::uint32_t bits = 0;
  constexpr DTypeSet() = default;
  constexpr explicit DTypeSet(std::uint32_t b) : bits(b) {}
  constexpr DTypeSet(std::initializer_list<ScalarType> l) {
    for (auto t : l) bits |= 1u << int(t);
  }
  constexpr bool has(ScalarType t) const { return bits >> int(t) & 1u; }
  constexpr DTypeSet operator|(DTypeSet o) const { return DTypeSet(bits | o.bits); }
};
inline constexpr DTypeSet kFloating{ScalarType::Float32, ScalarType::Float64, ScalarType::BFloat16};
inline constexpr DTypeSet kIntegral{ScalarType::UInt8, ScalarType::Int8, ScalarType::Int32,
                                    ScalarType::Int64};

template <class T> struct TypeOf;
#define RAMP_FORALL_SCALAR_TYPES(X)                                                             \
  X(bool, Bool, "bool", "Bool") X(std::uint8_t, UInt8, "uint8", "Byte")                         \
  X(std::int8_t, Int8, "int8", "Char") X(std::int32_t, Int32, "int32", "Int")                   \
  X(std::int64_t, Int64, "int64", "Long") X(BFloat16, BFloat16, "bfloat16", "BFloat16")         \
  X(float, Float32, "float32", "Float") X(double, Float64, "float64", "Double")

#define RAMP_TYPEOF(T, E, N, P) \
  template <> struct TypeOf<T> { static constexpr ScalarType value = ScalarType::E; };
RAMP_FORALL_SCALAR_TYPES(RAMP_TYPEOF)
#undef RAMP_TYPEOF
template <class T> inline constexpr ScalarType dtype_of = TypeOf<T>::value;

// "float32" (Python's name after `ramp.`)
constexpr std::string_view dtype_name(ScalarType t) {
#define RAMP_NAME(T, E, N, P) \
  if (t == ScalarType::E) return N;
  RAMP_FORALL_SCALAR_TYPES(RAMP_NAME)
#undef RAMP_NAME
  return "?";
}
// "Float" (PyTorch's kernel-error spelling: "relu" not implemented for 'Float')
constexpr std::string_view dtype_error_name(ScalarType t) {
#define RAMP_NAME(T, E, N, P) \
  if (t == ScalarType::E) return P;
  RAMP_FORALL_SCALAR_TYPES(RAMP_NAME)
#undef RAMP_NAME
  return "?";
}

constexpr std::size_t element_size(ScalarType t) {
  switch (t) {
    case ScalarType::Bool:
    case ScalarType::UInt8:
    case ScalarType::Int8: return 1;
    case ScalarType::BFloat16: return 2;
    case ScalarType::Int32:
    case ScalarType::Float32: return 4;
    case ScalarType::Int64:
    case ScalarType::Float64: return 8;
  }
  return 0;
}
constexpr bool is_floating(ScalarType t) { return kFloating.has(t); }
constexpr bool is_integral(ScalarType t, bool include_bool = false) {
  return kIntegral.has(t) || (include_bool && t == ScalarType::Bool);
}

// Calls f(T{}) with the C++ type of `t`.
template <class F> decltype(auto) dispatch(ScalarType t, F&& f) {
  switch (t) {
    case ScalarType::Bool: return f(bool{});
    case ScalarType::UInt8: return f(std::uint8_t{});
    case ScalarType::Int8: return f(std::int8_t{});
    case ScalarType::Int32: return f(std::int32_t{});
    case ScalarType::Int64: return f(std::int64_t{});
    case ScalarType::BFloat16: return f(BFloat16{});
    case ScalarType::Float32: return f(float{});
    case ScalarType::Float64: return f(double{});
  }
  throw Error("unknown dtype");
}

// Value conversion with C++ semantics for numbers, except bool (nonzero) and bfloat16 (via float).
template <class To, class From> To convert(From v) {
  if constexpr (std::is_same_v<To, bool>) {
    return static_cast<double>(v) != 0.0;
  } else if constexpr (std::is_same_v<From, BFloat16>) {
    return static_cast<To>(static_cast<float>(v));
  } else if constexpr (std::is_same_v<To, BFloat16>) {
    return BFloat16(static_cast<float>(v));
  } else if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To>) {
    // C truncates; out-of-range (and NaN) is UB in C++, so those give int64's minimum, as x86 does.
    double d = static_cast<double>(v);
    if (!(d > -9.2233720368547758e18 && d < 9.2233720368547758e18)) d = -9.2233720368547758e18;
    return static_cast<To>(static_cast<std::int64_t>(d));
  } else {
    return static_cast<To>(v);
  }
}

// PyTorch's type promotion: the higher category wins (bool < integer < floating); within a
// category, the larger type; uint8 with int8 gives int16, which ramp lacks, so it gives int32.
ScalarType promote_types(ScalarType a, ScalarType b);

// torch.get_default_dtype / set_default_dtype: the dtype that floating factories (rand, zeros,
// tensor of Python floats, ...) make when none is given, and what integer operands promote to
// (int tensor / 2, sqrt of ints, printing's implied dtype). float32 until set; any floating dtype is
// accepted (1.13 takes bfloat16 too), else TypeError.
ScalarType get_default_dtype();
void set_default_dtype(ScalarType t);

}  // namespace ramp
