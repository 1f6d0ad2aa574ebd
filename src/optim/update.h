// The optimizers' fused per-element updates (update.cpp): one loop per parameter over dense memory.
#pragma once

#include <cstdint>

#include "ramp/dtype.h"

namespace ramp::optim::detail {

struct SgdArgs {
  double lr, momentum, dampening, weight_decay;
  bool nesterov, maximize;
  bool first;  // the momentum buffer is new: it becomes the (decayed) gradient
};
// p, g, buf: n elements of type `t` in the same layout; buf null when momentum == 0.
void sgd_update(ScalarType t, void* p, const void* g, void* buf, std::int64_t n, const SgdArgs& a);

struct AdamArgs {
  double beta1, beta2, eps, weight_decay;
  double step_size;             // lr / (1 - beta1^step)
  double bias_correction2_sqrt;  // sqrt(1 - beta2^step)
  double decay;                 // AdamW's 1 - lr * weight_decay
  bool decoupled, amsgrad, maximize;
};
void adam_update(ScalarType t, void* p, const void* g, void* m, void* v, void* vmax, std::int64_t n,
                 const AdamArgs& a);

}  // namespace ramp::optim::detail
