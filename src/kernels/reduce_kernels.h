// The reduction engine's kernels: one loop nest, instantiated per (op, dtype) from each op's
// init/step/join/store, compiled once per instruction set like the activation kernels.
#pragma once

#include <cstdint>

#include "ramp/dtype.h"

namespace ramp::kernels {

// What each op writes (T is the input's element type):
//   sum, prod        -> int64 for integer and bool inputs, else T
//   mean             -> T (floating only); sum rounded to T, then divided in T, as 1.13
//   max, min         -> T, NaN wins
//   argmax, argmin   -> out: T values (may be null), out2: int64 indices (may be null);
//                       the first NaN wins, else the first extreme
//   all, any         -> bool (uint8 for uint8 inputs, as 1.13)
//   norm_*           -> T (floating only); p-norms of |x|
//   var, std         -> T (floating only), with `correction`; out2: the mean (may be null)
//   logsumexp        -> T, float32 only (others are composed in src/ops/reduce.cpp): one kernel
//                       per output, max then log(sum of exp(x - max)) + max, in double
enum class ReduceOp : std::uint8_t {
  sum, mean, prod, max, min, argmax, argmin, all, any,
  norm2, norm1, norm_inf, norm_neg_inf, norm0, norm_p, var, std, logsumexp,
};
inline constexpr int kNumReduceOps = int(ReduceOp::logsumexp) + 1;

struct ReduceArgs {
  double p = 2;           // norm_p
  double correction = 1;  // var, std
};

// out[a * B + b] = op over r < R of x[(a * R + r) * B + b], for a < A, b < B (x dense). Floating
// sums, products and norms accumulate in double, integers wrap in 64 bits. Work is split into pieces
// of fixed size, so results do not depend on the number of threads.
using ReduceFn = void (*)(const void* x, void* out, void* out2, std::int64_t A, std::int64_t R, std::int64_t B,
                          const ReduceArgs& args);

// Two reduced runs read in place (BatchNorm's statistics over (0, 2, 3) of NCHW): out[(a * B + b) * C
// + c] = op over r < R, s < S of x[(((a * R + r) * B + b) * S + s) * C + c]. Each output's slabs
// x[a, r, b] are reduced as [S, C] views and joined in the order of r, so results do not depend on
// the number of threads either. Not for arg-reductions (their index counts one run) or logsumexp.
using ReduceSplitFn = void (*)(const void* x, void* out, void* out2, std::int64_t A, std::int64_t R,
                               std::int64_t B, std::int64_t S, std::int64_t C, const ReduceArgs& args);

struct ReduceTable {
  ReduceFn fn[kNumReduceOps][kNumScalarTypes] = {};
  ReduceSplitFn split[kNumReduceOps][kNumScalarTypes] = {};  // null: the caller copies instead
};

// The table for the instruction set the activation kernels chose.
const ReduceTable& reduce_table();

namespace avx512 { const ReduceTable& reduce_table(); }
namespace avx2 { const ReduceTable& reduce_table(); }
namespace baseline { const ReduceTable& reduce_table(); }

}  // namespace ramp::kernels
