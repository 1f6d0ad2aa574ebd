// flip and roll as PyTorch 1.13 computes them: copies (flip gathers each flipped dim in reverse,
// roll concatenates the two narrowed parts, one dim at a time), recorded as one node each
// (FlipBackward0: flip dy back; RollBackward0: roll dy by the negated shifts).
#include <vector>

#include "ramp/ops.h"
#include "ramp/shape.h"
#include "record.h"

namespace ramp {
namespace {

Tensor flip_forward(const Tensor& self, IntArrayRef dims) {
  // 1.13's dim_list_to_bitset: every dim wrapped, a repeat refused.
  std::vector<bool> flipped(std::size_t(std::max<std::int64_t>(self.dim(), 1)), false);
  for (std::int64_t d : dims) {
    const std::int64_t w = wrap_dim(d, self.dim());
    RAMP_CHECK(!flipped[std::size_t(w)], "dim ", w, " appears multiple times in the list of dims");
    flipped[std::size_t(w)] = true;
  }
  Tensor out = self.detach();
  bool copied = false;
  for (std::int64_t d = 0; d < self.dim(); ++d) {
    if (!flipped[std::size_t(d)] || self.size(d) <= 1) continue;
    out = index_select(out, d, arange(self.size(d) - 1, -1, -1, ScalarType::Int64));
    copied = true;
  }
  return copied ? out : out.clone();
}

Tensor roll_forward(const Tensor& self, IntArrayRef shifts, IntArrayRef dims) {
  if (dims.size() == 1 && shifts.size() == 1) {
    // 1.13's order: an empty input is copied before its dim is looked at; a 0-d input has no dim
    // to roll (its size(dim) was read as 0 here, and the % below divided by it).
    if (self.numel() == 0) return self.detach().clone();
    RAMP_CHECK_T(IndexError, self.dim() > 0, "Dimension specified as ", dims[0], " but tensor has no dimensions");
    const std::int64_t dim = wrap_dim(dims[0], self.dim());
    const std::int64_t size = self.size(dim);
    std::int64_t start = (size - shifts[0]) % size;  // C++'s %, corrected to Python's
    if (start < 0) start += size;
    const Tensor x = self.detach();
    return cat({x.narrow(dim, start, size - start), x.narrow(dim, 0, start)}, dim);
  }
  // 1.13's roll_common
  RAMP_CHECK(!shifts.empty(), "`shifts` required");
  if (dims.empty() && shifts.size() == 1) {
    const Tensor flat = self.detach().contiguous().view({self.numel()});
    return roll_forward(flat, shifts, {0}).view(self.sizes());
  }
  RAMP_CHECK(shifts.size() == dims.size(), "shifts and dimensions must align. shifts: ", shifts.size(),
             ", dims:", dims.size());
  const Tensor first = roll_forward(self, {shifts[0]}, {dims[0]});
  return roll_forward(first, std::vector<std::int64_t>(shifts.begin() + 1, shifts.end()),
                      std::vector<std::int64_t>(dims.begin() + 1, dims.end()));
}

}  // namespace

Tensor flip(const Tensor& self, IntArrayRef dims) {
  if (!autograd::needs_grad({self})) return flip_forward(self, dims);
  Tensor out = autograd::below([&] { return flip_forward(self, dims); });
  autograd::record(out, "FlipBackward0", {self}, {},
                   [d = std::vector<std::int64_t>(dims.begin(), dims.end())](const autograd::Node&, const Tensor& g) {
    return std::vector<Tensor>{flip(g, d)};
  });
  return out;
}

Tensor roll(const Tensor& self, IntArrayRef shifts, IntArrayRef dims) {
  if (!autograd::needs_grad({self})) return roll_forward(self, shifts, dims);
  Tensor out = autograd::below([&] { return roll_forward(self, shifts, dims); });
  std::vector<std::int64_t> back(shifts.begin(), shifts.end());
  for (std::int64_t& s : back) s = -s;
  autograd::record(out, "RollBackward0", {self}, {},
                   [back, d = std::vector<std::int64_t>(dims.begin(), dims.end())](const autograd::Node&, const Tensor& g) {
    return std::vector<Tensor>{roll(g, back, d)};
  });
  return out;
}

}  // namespace ramp
