// Adagrad: 1.13's checks, its state made when a parameter joins, and its `_single_tensor_adagrad`
// (dense gradients), fused (update.cpp).
#include "dense.h"
#include "ramp/autograd.h"
#include "ramp/optim.h"
#include "update.h"

namespace ramp::optim {

void Adagrad::check(const AdagradOptions& o) {
  RAMP_CHECK_T(ValueError, 0.0 <= o.lr.to_double(), "Invalid learning rate: ", o.lr.repr());
  RAMP_CHECK_T(ValueError, 0.0 <= o.lr_decay.to_double(), "Invalid lr_decay value: ", o.lr_decay.repr());
  RAMP_CHECK_T(ValueError, 0.0 <= o.weight_decay.to_double(),
               "Invalid weight_decay value: ", o.weight_decay.repr());
  RAMP_CHECK_T(ValueError, 0.0 <= o.initial_accumulator_value.to_double(),
               "Invalid initial_accumulator_value value: ", o.initial_accumulator_value.repr());
  RAMP_CHECK_T(ValueError, 0.0 <= o.eps.to_double(), "Invalid epsilon value: ", o.eps.repr());
}

namespace {
// 1.13: state["sum"] = torch.full_like(p, initial_accumulator_value), state["step"] = tensor(0.)
void init_state(AdagradState& s, const Tensor& p, const Scalar& initial) {
  s.step = 0;
  s.sum = empty_like(p);
  ramp::detail::fill_into(s.sum, initial);
}
}  // namespace

Adagrad::Adagrad(const std::vector<ParamGroup<AdagradOptions>>& groups, const AdagradOptions& defaults)
    : OptimizerBase((check(defaults), groups), defaults) {
  for (auto& group : groups_)
    for (std::size_t i = 0; i < group.params.size(); ++i)
      init_state(group.state[i], group.params[i], defaults_.initial_accumulator_value);
}

void Adagrad::add_param_group(const ParamGroup<AdagradOptions>& group) {
  OptimizerBase::add_param_group(group);
  auto& g = groups_.back();
  for (std::size_t i = 0; i < g.params.size(); ++i)
    init_state(g.state[i], g.params[i], defaults_.initial_accumulator_value);
}

void Adagrad::step() {
  autograd::NoGradGuard no_grad;
  for (auto& group : groups_) {
    const AdagradOptions& o = group.options;
    group.state.resize(group.params.size());
    const double lr = o.lr.to_double(), lr_decay = o.lr_decay.to_double();
    for (std::size_t i = 0; i < group.params.size(); ++i) {
      const Tensor& p = group.params[i];
      if (!p.grad().defined()) continue;
      AdagradState& s = group.state[i];
      // Its state was dropped by load_state_dict of a state without it.
      if (!s.sum.defined()) init_state(s, p, defaults_.initial_accumulator_value);
      detail::with_dense("Adagrad", p, p.grad(), [&](const Tensor& pd, const Tensor& gd) {
        detail::match_state("Adagrad", s.sum, pd);
        s.step += 1.0f;  // step_t += 1 (float32), then step = step_t.item()
        const double step = s.step;
        const detail::AdagradArgs a{lr / (1 + (step - 1) * lr_decay), o.eps.to_double(),
                                    o.weight_decay.to_double(), o.maximize};
        detail::adagrad_update(pd.dtype(), {pd.data_ptr(), gd.data_ptr(), {s.sum.data_ptr()}}, pd.numel(), a);
      });
    }
  }
}

}  // namespace ramp::optim
