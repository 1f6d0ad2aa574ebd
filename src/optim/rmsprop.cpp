// RMSprop: 1.13's checks and its `_single_tensor_rmsprop`, fused (update.cpp).
#include "dense.h"
#include "ramp/autograd.h"
#include "ramp/optim.h"
#include "update.h"

namespace ramp::optim {

void RMSprop::check(const RMSpropOptions& o) {
  RAMP_CHECK_T(ValueError, 0.0 <= o.lr.to_double(), "Invalid learning rate: ", o.lr.repr());
  RAMP_CHECK_T(ValueError, 0.0 <= o.eps.to_double(), "Invalid epsilon value: ", o.eps.repr());
  RAMP_CHECK_T(ValueError, 0.0 <= o.momentum.to_double(), "Invalid momentum value: ", o.momentum.repr());
  RAMP_CHECK_T(ValueError, 0.0 <= o.weight_decay.to_double(),
               "Invalid weight_decay value: ", o.weight_decay.repr());
  RAMP_CHECK_T(ValueError, 0.0 <= o.alpha.to_double(), "Invalid alpha value: ", o.alpha.repr());
}

RMSprop::RMSprop(const std::vector<ParamGroup<RMSpropOptions>>& groups, const RMSpropOptions& defaults)
    : OptimizerBase((check(defaults), groups), defaults) {}

void RMSprop::step() {
  autograd::NoGradGuard no_grad;
  for (auto& group : groups_) {
    const RMSpropOptions& o = group.options;
    group.state.resize(group.params.size());
    const detail::RmspropArgs a{
        o.lr.to_double(),       o.alpha.to_double(), o.eps.to_double(), o.weight_decay.to_double(),
        o.momentum.to_double(), o.centered,          o.maximize};
    for (std::size_t i = 0; i < group.params.size(); ++i) {
      const Tensor& p = group.params[i];
      if (!p.grad().defined()) continue;
      RMSpropState& s = group.state[i];
      detail::with_dense("RMSprop", p, p.grad(), [&](const Tensor& pd, const Tensor& gd) {
        // 1.13 makes the buffers at the first step only, for the options then; ramp makes one when an
        // option needs it (where 1.13 would fail with KeyError after an option change).
        if (!s.square_avg.defined()) s.square_avg = detail::zero_state(pd);
        if (a.momentum > 0 && !s.momentum_buffer.defined()) s.momentum_buffer = detail::zero_state(pd);
        if (a.centered && !s.grad_avg.defined()) s.grad_avg = detail::zero_state(pd);
        for (Tensor* t : {&s.square_avg, &s.momentum_buffer, &s.grad_avg})
          detail::match_state("RMSprop", *t, pd);
        ++s.step;
        detail::rmsprop_update(pd.dtype(),
                               {pd.data_ptr(),
                                gd.data_ptr(),
                                {s.square_avg.data_ptr(), a.centered ? s.grad_avg.data_ptr() : nullptr,
                                 a.momentum > 0 ? s.momentum_buffer.data_ptr() : nullptr}},
                               pd.numel(), a);
      });
    }
  }
}

}  // namespace ramp::optim
