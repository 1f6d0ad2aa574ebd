// How an optimizer hands a parameter to its fused update (update.h): the parameter, its gradient and
// its state tensors in one dense layout, walked as flat memory.
#pragma once

#include "../tensor/loop.h"
#include "ramp/tensor.h"
#include "update_sums.h"

namespace ramp::optim::detail {

inline bool same_strides(const Tensor& a, const Tensor& b) {
  return std::equal(a.strides().begin(), a.strides().end(), b.strides().begin(), b.strides().end());
}

// Calls f(param, grad) with both dense in one layout: `p` itself when it is dense (its state, made
// by empty_like, shares its layout), else a contiguous copy written back afterwards; the gradient
// is copied into that layout only when its own differs. Bumps p's version once (1.13's add_). A
// parameter watched through update_sums.h has its update report to its sums.
template <class F> void with_dense(const char* optimizer, const Tensor& p, const Tensor& g, F f) {
  RAMP_CHECK(std::equal(g.sizes().begin(), g.sizes().end(), p.sizes().begin(), p.sizes().end()), optimizer,
             ": the gradient's shape ", shape_str(g.sizes()), " differs from the parameter's ", shape_str(p.sizes()));
  RAMP_CHECK(g.dtype() == p.dtype(), optimizer, ": the gradient's dtype ", dtype_name(g.dtype()),
             " differs from the parameter's ", dtype_name(p.dtype()));
  RAMP_CHECK(p.dtype() == ScalarType::Float32 || p.dtype() == ScalarType::Float64 || p.dtype() == ScalarType::BFloat16,
             optimizer, ": parameters of dtype ", dtype_name(p.dtype()), " are not supported");
  const bool dense = p.is_non_overlapping_and_dense();
  Tensor pd = dense ? p : p.contiguous();
  Tensor gd = g;
  if (!g.is_non_overlapping_and_dense() || !same_strides(g, pd)) {
    gd = empty_like(pd);
    ramp::detail::copy_into(gd, g);
  }
  // A watched parameter's update gathers its sums of squares (update_sums.h) on this call only.
  struct Route {
    explicit Route(UpdateSums* s) { current_sums() = s; }
    ~Route() { current_sums() = nullptr; }
  } route(update_sums(p));
  f(pd, gd);
  if (!dense) ramp::detail::copy_into(p, pd);
  p.bump_version();
}

// A zero-filled state tensor in the layout of `like` (a dense parameter).
inline Tensor zero_state(const Tensor& like) {
  Tensor t = empty_like(like);
  ramp::detail::fill_into(t, 0);
  return t;
}

// The fused updates walk a state tensor as flat memory beside its parameter, so it must have the
// parameter's dtype and layout. It may not: the parameter was converted after a step
// (model.double()) or the state was loaded (load_state_dict). 1.13 promotes inside its in-place
// ops there; here the state is converted once to the parameter's dtype (as 1.13's
// load_state_dict casts it), which would otherwise read and write past its end.
inline void match_state(const char* optimizer, Tensor& s, const Tensor& like) {
  if (!s.defined()) return;
  RAMP_CHECK(std::equal(s.sizes().begin(), s.sizes().end(), like.sizes().begin(), like.sizes().end()), optimizer,
             ": a state tensor's shape ", shape_str(s.sizes()), " differs from its parameter's ",
             shape_str(like.sizes()));
  if (s.dtype() == like.dtype() && s.is_non_overlapping_and_dense() && same_strides(s, like)) return;
  Tensor t = empty_like(like);
  ramp::detail::copy_into(t, s);
  s = t;
}

}  // namespace ramp::optim::detail
