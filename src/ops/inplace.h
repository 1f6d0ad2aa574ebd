// What every in-place pointwise op of ramp/elementwise.h checks, in 1.13's order, and how it
// writes: the out-of-place value computed without a graph, copied into self (one version bump),
// then the op's node recorded on self (which takes self's old edge; views get CopySlices).
#pragma once

#include <algorithm>

#include "../tensor/loop.h"
#include "ramp/elementwise.h"
#include "record.h"

namespace ramp::detail {

// clamp's gradient (ClampBackward1), shared by clamp and clamp_ (src/ops/pointwise.cpp).
Tensor clamp_backward(const Tensor& g, const Tensor& x, std::optional<Scalar> min, std::optional<Scalar> max);

inline void check_writable(const Tensor& self) {
  RAMP_CHECK(!self.has_internal_overlap(),
             "unsupported operation: more than one element of the written-to tensor refers to a single "
             "memory location. Please clone() the tensor before performing the operation.");
}
inline void check_cast(ScalarType result, const Tensor& self) {
  RAMP_CHECK(can_cast(result, self.dtype()), "result type ", dtype_error_name(result),
             " can't be cast to the desired output type ", dtype_error_name(self.dtype()));
}
inline void check_inplace_shape(const Tensor& self, IntArrayRef shape) {
  RAMP_CHECK(std::equal(shape.begin(), shape.end(), self.sizes().begin(), self.sizes().end()), "output with shape ",
             shape_str(self.sizes()), " doesn't match the broadcast shape ", shape_str(shape));
}
// An input may be self itself but no other part of self's memory (x.fmod_(x[0]) is refused); strided
// views sharing the storage pass, as 1.13's assert_no_partial_overlap lets them (the value is computed
// out of place before it is written, so they read nothing written).
inline void check_no_partial_overlap(const Tensor& self, const Tensor& input) { assert_no_partial_overlap(self, input); }

// value(): the result, computed without a graph; record(original): records the node on self,
// given a copy of self from before the write (only when `grad`). The copy is a clone recorded in
// the graph (1.13's original_self), not a detached one: a create_graph pass differentiates the
// formulas that read it through it, and refuses a node that cannot be, instead of running it on
// a constant.
template <class Value, class Record>
Tensor& write_inplace(Tensor& self, ScalarType result, IntArrayRef shape, bool grad, Value value, Record record) {
  check_cast(result, self);
  check_inplace_shape(self, shape);
  check_writable(self);
  autograd::check_inplace(self);
  const Tensor original = grad ? self.clone() : Tensor();
  {
    autograd::NoGradGuard no_grad;
    copy_into(self, value());
  }
  self.bump_version();
  if (grad) record(original);
  return self;
}

}  // namespace ramp::detail
