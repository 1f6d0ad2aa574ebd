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

// The parameter, its gradient and up to three state tensors (null when an option leaves one out), in
// the order each update below names them; all of n elements, one dtype, one layout.
struct Buffers {
  void* param;
  const void* grad;
  void* state[3];
};

struct AdadeltaArgs {
  double lr, rho, eps, weight_decay;
  bool maximize;
};
// state: square_avg, acc_delta
void adadelta_update(ScalarType t, const Buffers& b, std::int64_t n, const AdadeltaArgs& a);

struct AdagradArgs {
  double clr;  // lr / (1 + (step - 1) * lr_decay)
  double eps, weight_decay;
  bool maximize;
};
// state: sum
void adagrad_update(ScalarType t, const Buffers& b, std::int64_t n, const AdagradArgs& a);

struct RmspropArgs {
  double lr, alpha, eps, weight_decay, momentum;
  bool centered, maximize;
};
// state: square_avg, grad_avg (centered), momentum_buffer (momentum > 0)
void rmsprop_update(ScalarType t, const Buffers& b, std::int64_t n, const RmspropArgs& a);

}  // namespace ramp::optim::detail
