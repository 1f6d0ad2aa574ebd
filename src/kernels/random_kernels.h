// The random kernels (the mt19937_64 engine's block steps and the transforms from its words to
// values) and the range fills of arange/linspace, compiled once per instruction set like the
// activation kernels (random_kernels.cpp).
#pragma once

#include <cstdint>

namespace ramp::kernels {

// Words are the engine's 64-bit draws; "halves" are a word's low then high 32 bits.
struct RandomTable {
  // The mt19937_64 twist: x[0..312) regenerated in place (std::mersenne_twister_engine's).
  void (*mt_twist)(std::uint64_t* x) = nullptr;
  // out[i] = temper(x[i]).
  void (*mt_temper)(const std::uint64_t* x, std::uint64_t* out, std::int64_t n) = nullptr;
  // N(mean, std) by Box-Muller on pairs: out[2k] = mean + std r cos(t), out[2k+1] = mean + std r sin(t),
  // r = sqrt(-2 log u1), t = 2 pi u2, u1 in (0, 1], u2 in [0, 1). float: from word k (u1 from the high
  // half's top 24 bits, u2 from the low half's low 24); double: u1 from word 2k, u2 from word 2k + 1
  // (53 bits each). Needs ceil(n / 2) words (float), 2 ceil(n / 2) (double).
  void (*normal_f32)(const std::uint64_t* w, float* out, std::int64_t n, float mean, float std) = nullptr;
  void (*normal_f64)(const std::uint64_t* w, double* out, std::int64_t n, double mean, double std) = nullptr;
  // 1.13's uniform: x = (bits & (2^d - 1)) * 2^-d, out = x * width + from. float: bits = half i
  // (d = 24; ceil(n / 2) words); double: word i (d = 53; n words).
  void (*uniform_f32)(const std::uint64_t* w, float* out, std::int64_t n, float from, float width) = nullptr;
  void (*uniform_f64)(const std::uint64_t* w, double* out, std::int64_t n, double from, double width) = nullptr;

  // arange / linspace for float32 [0] and float64 [1], elements [begin, end) of one of 1.13's
  // parallel chunks, in its CPU kernel's layout (src/tensor/factories.cpp): blocks of two 32-byte
  // vectors whose first lane is computed as a scalar element and the rest as first + lane * step,
  // then a scalar tail. arange: scalar element fma(step, i, start), lane T(fma(lane, step, first)), in
  // double. linspace: in T, scalar element i < n / 2 ? fma(step, i, start) : fma(-step, n - 1 - i,
  // end), lane first + lane * step unfused.
  void (*arange[2])(void* p, std::int64_t begin, std::int64_t end, double start, double step) = {};
  // arange for int64: start + i * step, wrapping (strength-reduced to vector adds).
  void (*arange_i64)(std::int64_t* p, std::int64_t n, std::int64_t start, std::int64_t step) = nullptr;
  void (*linspace[2])(void* p, std::int64_t begin, std::int64_t end, std::int64_t n, double start, double stop,
                      double step) = {};
};

// The table for the instruction set the activation kernels chose.
const RandomTable& random_table();

namespace avx512 { const RandomTable& random_table(); }
namespace avx2 { const RandomTable& random_table(); }
namespace baseline { const RandomTable& random_table(); }

}  // namespace ramp::kernels
