// Adadelta: 1.13's checks and its `_single_tensor_adadelta`, fused (update.cpp).
#include "dense.h"
#include "ramp/autograd.h"
#include "ramp/optim.h"
#include "update.h"

namespace ramp::optim {

void Adadelta::check(const AdadeltaOptions& o) {
  const double rho = o.rho.to_double();
  RAMP_CHECK_T(ValueError, 0.0 <= o.lr.to_double(), "Invalid learning rate: ", o.lr.repr());
  RAMP_CHECK_T(ValueError, 0.0 <= rho && rho <= 1.0, "Invalid rho value: ", o.rho.repr());
  RAMP_CHECK_T(ValueError, 0.0 <= o.eps.to_double(), "Invalid epsilon value: ", o.eps.repr());
  RAMP_CHECK_T(ValueError, 0.0 <= o.weight_decay.to_double(),
               "Invalid weight_decay value: ", o.weight_decay.repr());
}

Adadelta::Adadelta(const std::vector<ParamGroup<AdadeltaOptions>>& groups, const AdadeltaOptions& defaults)
    : OptimizerBase((check(defaults), groups), defaults) {}

void Adadelta::step() {
  autograd::NoGradGuard no_grad;
  for (auto& group : groups_) {
    const AdadeltaOptions& o = group.options;
    group.state.resize(group.params.size());
    const detail::AdadeltaArgs a{o.lr.to_double(), o.rho.to_double(), o.eps.to_double(),
                                 o.weight_decay.to_double(), o.maximize};
    for (std::size_t i = 0; i < group.params.size(); ++i) {
      const Tensor& p = group.params[i];
      if (!p.grad().defined()) continue;
      AdadeltaState& s = group.state[i];
      detail::with_dense("Adadelta", p, p.grad(), [&](const Tensor& pd, const Tensor& gd) {
        if (!s.square_avg.defined()) {
          s.square_avg = detail::zero_state(pd);
          s.acc_delta = detail::zero_state(pd);
        }
        detail::match_state("Adadelta", s.square_avg, pd);
        detail::match_state("Adadelta", s.acc_delta, pd);
        ++s.step;
        detail::adadelta_update(
            pd.dtype(), {pd.data_ptr(), gd.data_ptr(), {s.square_avg.data_ptr(), s.acc_delta.data_ptr()}},
            pd.numel(), a);
      });
    }
  }
}

}  // namespace ramp::optim
