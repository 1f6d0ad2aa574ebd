// The Monitor's statistics of one output (see include/ramp/diagnostics.h).
#pragma once

#include <string_view>
#include <vector>

#include "ramp/diagnostics.h"

namespace ramp::diagnostics {

// An output as rows, units (features or channels, Options::units_dim) and positions per unit.
struct Layout {
  std::int64_t outer = 1, units = 1, inner = 1;
};
Layout layout_of(const Tensor& t, int units_dim);

// Sets unit u's bit in `alive` when any of its pass bits is set, over every row.
void mark_alive(std::vector<std::uint64_t>& alive, const std::uint64_t* bits, const Layout& l);
// The same from the output's values (no mask: evaluation, no_grad, rectifiers recorded without one).
void mark_alive(std::vector<std::uint64_t>& alive, const Tensor& out, const Layout& l);

// Whether an output value sits where the activation's derivative is below 1% of its maximum
// (nullptr: the activation does not saturate).
using Saturation = bool (*)(double);
Saturation saturation_of(std::string_view type);

// One layer's outputs in the step in progress, added up over its calls (a module called twice in
// a step: the statistics of both outputs together), and the gradients reaching its input.
struct Sums {
  std::int64_t n = 0, positive = 0, saturated = 0, calls = 0;
  double sum = 0, squares = 0, grad_squares = 0;
  bool grad = false;
  std::vector<std::int64_t> hist;  // counts over the sampled outputs
  std::int64_t taken = 0;          // outputs sampled for hist
};
// Adds `out` to `s`: n, the sum and squares (in double), the positive count unless `bits` gave
// it, the saturated count when `sat`, and hist from at most kHistogramSample evenly strided
// outputs (the stride coprime to the positions per unit). Marks units alive when `alive` is given.
void add_output(Sums& s, const Tensor& out, const Options& o, Saturation sat, bool count_positive,
                const Layout& l, std::vector<std::uint64_t>* alive);
inline constexpr std::int64_t kHistogramSample = 4096;
// The step's figures from the sums (NaN where nothing was seen).
void finish(const Sums& s, bool saturating, LayerStep& out);

// The L2 norm in double (NaN for an undefined or empty tensor).
double norm_of(const Tensor& t);
// |after - before| / |before| in one pass, which then copies `after` into `before` (the snapshot
// the next step compares with). NaN without a snapshot.
double update_ratio(const Tensor& after, Tensor& before);

}  // namespace ramp::diagnostics
