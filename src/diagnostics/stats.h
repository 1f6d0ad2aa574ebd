// The Monitor's statistics of one output (see include/ramp/diagnostics.h).
#pragma once

#include <string_view>
#include <vector>

#include "ramp/diagnostics.h"

namespace ramp::diagnostics {

// An output as rows (the batch), units (features or channels) and positions per unit.
struct Layout {
  std::int64_t outer = 1, units = 1, inner = 1;
};
Layout layout_of(const Tensor& t);

// Sets unit u's bit in `alive` when any of its pass bits is set, over every row.
void mark_alive(std::vector<std::uint64_t>& alive, const std::uint64_t* bits, const Layout& l);
// The same from the output's values (no mask: evaluation, no_grad, rectifiers recorded without one).
void mark_alive(std::vector<std::uint64_t>& alive, const Tensor& out);

// Whether an output value sits where the activation's derivative is below 1% of its maximum
// (nullptr: the activation does not saturate).
using Saturation = bool (*)(double);
Saturation saturation_of(std::string_view type);

struct Scan {
  std::int64_t positive = 0;
  double mean = kNone, std = kNone, saturated = kNone;
  std::vector<double> histogram;
};
// One pass over `out`: positive count, mean, std (n - 1), saturated fraction when `sat`, the
// histogram of Options' bins; and marks units alive when `alive` is given.
Scan scan_output(const Tensor& out, const Options& o, Saturation sat, std::vector<std::uint64_t>* alive);

// The L2 norm in double (NaN for an undefined or empty tensor).
double norm_of(const Tensor& t);
// |after - before| / |before| in one pass, which then copies `after` into `before` (the snapshot
// the next step compares with). NaN without a snapshot.
double update_ratio(const Tensor& after, Tensor& before);

}  // namespace ramp::diagnostics
