// SGD: 1.13's checks and its `_single_tensor_sgd`, fused (update.cpp).
#include "dense.h"
#include "ramp/autograd.h"
#include "ramp/optim.h"
#include "update.h"

namespace ramp::optim {

void SGD::check(const SGDOptions& o) {
  RAMP_CHECK_T(ValueError, !(o.lr.to_double() < 0.0), "Invalid learning rate: ", o.lr.repr());
  RAMP_CHECK_T(ValueError, !(o.momentum.to_double() < 0.0), "Invalid momentum value: ", o.momentum.repr());
  RAMP_CHECK_T(ValueError, !(o.weight_decay.to_double() < 0.0), "Invalid weight_decay value: ", o.weight_decay.repr());
  RAMP_CHECK_T(ValueError, !o.nesterov || (o.momentum.to_double() > 0 && o.dampening.to_double() == 0),
               "Nesterov momentum requires a momentum and zero dampening");
}

SGD::SGD(const std::vector<ParamGroup<SGDOptions>>& groups, const SGDOptions& defaults)
    : OptimizerBase((check(defaults), groups), defaults) {}

void SGD::step() {
  autograd::NoGradGuard no_grad;
  for (auto& group : groups_) {
    const SGDOptions& o = group.options;
    group.state.resize(group.params.size());
    detail::SgdArgs a{o.lr.to_double(), o.momentum.to_double(), o.dampening.to_double(), o.weight_decay.to_double(),
                      o.nesterov, o.maximize, false};
    for (std::size_t i = 0; i < group.params.size(); ++i) {
      const Tensor& p = group.params[i];
      const Tensor& g = p.grad();
      if (!g.defined()) continue;
      detail::with_dense("SGD", p, g, [&](const Tensor& pd, const Tensor& gd) {
        group.state[i].stepped = true;
        Tensor& buf = group.state[i].momentum_buffer;
        detail::match_state("SGD", buf, pd);
        a.first = a.momentum != 0 && !buf.defined();
        if (a.first) buf = empty_like(pd);  // becomes the first (decayed) gradient
        detail::sgd_update(pd.dtype(), pd.data_ptr(), gd.data_ptr(), a.momentum != 0 ? buf.data_ptr() : nullptr,
                           pd.numel(), a);
      });
    }
  }
}

}  // namespace ramp::optim
