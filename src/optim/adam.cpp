// Adam and AdamW: 1.13's checks and its `_single_tensor_adam(w)`, fused (update.cpp).
#include <cmath>

#include "dense.h"
#include "ramp/autograd.h"
#include "ramp/optim.h"
#include "update.h"

namespace ramp::optim {
namespace {

template <class O> void check_adam(const O& o) {
  const double b0 = o.betas.first.to_double(), b1 = o.betas.second.to_double();
  RAMP_CHECK_T(ValueError, 0.0 <= o.lr.to_double(), "Invalid learning rate: ", o.lr.repr());
  RAMP_CHECK_T(ValueError, 0.0 <= o.eps.to_double(), "Invalid epsilon value: ", o.eps.repr());
  RAMP_CHECK_T(ValueError, 0.0 <= b0 && b0 < 1.0, "Invalid beta parameter at index 0: ", o.betas.first.repr());
  RAMP_CHECK_T(ValueError, 0.0 <= b1 && b1 < 1.0, "Invalid beta parameter at index 1: ", o.betas.second.repr());
  RAMP_CHECK_T(ValueError, 0.0 <= o.weight_decay.to_double(), "Invalid weight_decay value: ", o.weight_decay.repr());
}

template <class Group> void adam_step(std::vector<Group>& groups, bool decoupled, const char* name) {
  autograd::NoGradGuard no_grad;
  for (auto& group : groups) {
    const auto& o = group.options;
    group.state.resize(group.params.size());
    const double lr = o.lr.to_double(), beta1 = o.betas.first.to_double(), beta2 = o.betas.second.to_double();
    const double wd = o.weight_decay.to_double();
    for (std::size_t i = 0; i < group.params.size(); ++i) {
      const Tensor& p = group.params[i];
      const Tensor& g = p.grad();
      if (!g.defined()) continue;
      AdamState& s = group.state[i];
      detail::with_dense(name, p, g, [&](const Tensor& pd, const Tensor& gd) {
        if (!s.exp_avg.defined()) {
          s.exp_avg = detail::zero_state(pd);
          s.exp_avg_sq = detail::zero_state(pd);
        }
        if (o.amsgrad && !s.max_exp_avg_sq.defined()) s.max_exp_avg_sq = detail::zero_state(pd);
        for (Tensor* t : {&s.exp_avg, &s.exp_avg_sq, &s.max_exp_avg_sq}) detail::match_state(name, *t, pd);
        ++s.step;
        // In double, as 1.13's Python: step_size = lr / (1 - beta1 ** step), sqrt(1 - beta2 ** step).
        const double bias_correction1 = 1 - std::pow(beta1, double(s.step));
        const double bias_correction2 = 1 - std::pow(beta2, double(s.step));
        detail::AdamArgs a{beta1, beta2, o.eps.to_double(), wd, lr / bias_correction1, std::sqrt(bias_correction2),
                           1 - lr * wd, decoupled, o.amsgrad, o.maximize};
        detail::adam_update(pd.dtype(), pd.data_ptr(), gd.data_ptr(), s.exp_avg.data_ptr(), s.exp_avg_sq.data_ptr(),
                            o.amsgrad ? s.max_exp_avg_sq.data_ptr() : nullptr, pd.numel(), a);
      });
    }
  }
}

}  // namespace

void Adam::check(const AdamOptions& o) { check_adam(o); }
void AdamW::check(const AdamWOptions& o) { check_adam(o); }

Adam::Adam(const std::vector<ParamGroup<AdamOptions>>& groups, const AdamOptions& defaults)
    : OptimizerBase((check(defaults), groups), defaults) {}
AdamW::AdamW(const std::vector<ParamGroup<AdamWOptions>>& groups, const AdamWOptions& defaults)
    : OptimizerBase((check(defaults), groups), defaults) {}

void Adam::step() { adam_step(groups_, false, "Adam"); }
void AdamW::step() { adam_step(groups_, true, "AdamW"); }

}  // namespace ramp::optim
