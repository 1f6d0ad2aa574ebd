// The kernel table: one function per (activation, dtype), built for each instruction set from the
// activation entries, and the run-time choice among them.
#pragma once

#include <cstdint>

#include "ramp/activations.h"
#include "ramp/elementwise.h"

namespace ramp::kernels {

// y[i] = forward(x[i]) for i < n (x == y allowed). `params` points at the entry's Params.
// `stream`: write y with non-temporal stores (y must be 64-byte aligned).
using UnaryFn = void (*)(const void* x, void* y, std::int64_t n, const void* params, bool stream);
// dx[i] = backward(v[i], dy[i]) for i < n, v being the saved input or output (`is_result`).
using BackwardFn = void (*)(const void* v, const void* dy, void* dx, std::int64_t n, const void* params,
                            bool is_result, bool stream);
// y = forward(x) as UnaryFn, and bit i of bits[i / 64] = pass(x[i]) (entries with act::has_pass).
using MaskForwardFn = void (*)(const void* x, void* y, std::uint64_t* bits, std::int64_t n, const void* params,
                               bool stream);
// dx[i] = bit i ? dy[i] : 0.
using MaskBackwardFn = void (*)(const std::uint64_t* bits, const void* dy, void* dx, std::int64_t n, bool stream);
// y[i] = op(a[i], b[i]) for i < n (y may be a or b).
using BinaryFn = void (*)(const void* a, const void* b, void* y, std::int64_t n);
// Softmax (log_softmax when `log`) along dim of a contiguous [outer, dim, ld] block, for its first
// `width` columns (x, y point at the first one): rows of the last dim are ld == width == 1.
using SoftmaxFn = void (*)(const void* x, void* y, std::int64_t outer, std::int64_t dim, std::int64_t width,
                           std::int64_t ld, bool log);
// Its gradient, from the output y and the incoming gradient g (same layout).
using SoftmaxBackwardFn = void (*)(const void* y, const void* g, void* dx, std::int64_t outer, std::int64_t dim,
                                   std::int64_t width, std::int64_t ld, bool log);

struct Table {
  const char* isa = "";
  UnaryFn unary[act::kNumActivations][kNumScalarTypes] = {};
  BackwardFn backward[act::kNumActivations][kNumScalarTypes] = {};
  MaskForwardFn mask_forward[act::kNumActivations][kNumScalarTypes] = {};
  MaskBackwardFn mask_backward[kNumScalarTypes] = {};
  SoftmaxFn softmax[kNumScalarTypes] = {};
  SoftmaxBackwardFn softmax_backward[kNumScalarTypes] = {};
  // The unary math ops of ramp/elementwise.h with a vector formula, by ew::unary_index (floating
  // dtypes; `params` unused): src/kernels/elementwise_kernels.cpp.
  UnaryFn elementwise[ew::kNumUnaryOps][kNumScalarTypes] = {};
  // ... and the binary ones, by ew::binary_index: y[i] = op(a[i], b[i]).
  BinaryFn elementwise_binary[ew::kNumBinaryOps][kNumScalarTypes] = {};
};

// The best table this CPU runs (AVX-512, AVX2, or the portable baseline); $RAMP_ISA=avx2|baseline
// forces a lower one, for tests and benchmarks.
const Table& table();

// One per compiled instruction set (src/kernels/activation_kernels.cpp, built once per set).
namespace avx512 { const Table& table(); void add_elementwise(Table&); }
namespace avx2 { const Table& table(); void add_elementwise(Table&); }
namespace baseline { const Table& table(); void add_elementwise(Table&); }

}  // namespace ramp::kernels
