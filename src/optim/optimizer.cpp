// The optimizer base: param groups, zero_grad, step(closure).
#include <unordered_set>

#include "ramp/autograd.h"
#include "ramp/optim.h"

namespace ramp::optim {

Tensor Optimizer::step(const std::function<Tensor()>& closure) {
  Tensor loss;
  {
    autograd::EnableGradGuard g;
    loss = closure();
  }
  step();
  return loss;
}

double Optimizer::group_momentum(std::size_t) const {
  throw ValueError("optimizer must support momentum with `cycle_momentum` option enabled");
}
void Optimizer::set_group_momentum(std::size_t, double) {
  throw ValueError("optimizer must support momentum with `cycle_momentum` option enabled");
}

void Optimizer::zero_grad(bool set_to_none) {
  for (std::size_t gi = 0; gi < num_param_groups(); ++gi)
    for (const Tensor& p : group_params(gi)) autograd::zero_grad(p, set_to_none);
}

template <class Options, class State>
OptimizerBase<Options, State>::OptimizerBase(const std::vector<ParamGroup<Options>>& groups, const Options& defaults)
    : defaults_(defaults) {
  RAMP_CHECK_T(ValueError, !groups.empty(), "optimizer got an empty parameter list");
  for (const auto& g : groups) add_param_group(g);
}

template <class Options, class State>
std::vector<ParamGroup<Options>> OptimizerBase<Options, State>::one_group(const std::vector<Tensor>& params) {
  RAMP_CHECK_T(ValueError, !params.empty(), "optimizer got an empty parameter list");
  return {ParamGroup<Options>(params)};
}

template <class Options, class State>
void OptimizerBase<Options, State>::add_param_group(const ParamGroup<Options>& group) {
  for (const Tensor& p : group.params) {
    RAMP_CHECK_T(TypeError, p.defined(), "optimizer can only optimize Tensors, but one of the params is None");
    RAMP_CHECK_T(ValueError, p.is_leaf() || p.retains_grad(), "can't optimize a non-leaf Tensor");
  }
  std::unordered_set<const TensorImpl*> seen;
  for (const auto& g : groups_)
    for (const Tensor& p : g.params) seen.insert(&p.impl());
  for (const Tensor& p : group.params)
    RAMP_CHECK_T(ValueError, !seen.count(&p.impl()), "some parameters appear in more than one parameter group");
  groups_.push_back(Group{group.params, group.options.value_or(defaults_), std::nullopt, {}});
  groups_.back().state.resize(group.params.size());
}

template class OptimizerBase<SGDOptions, SGDState>;
template class OptimizerBase<AdamOptions, AdamState>;
template class OptimizerBase<AdamWOptions, AdamState>;
template class OptimizerBase<AdadeltaOptions, AdadeltaState>;
template class OptimizerBase<AdagradOptions, AdagradState>;
template class OptimizerBase<RMSpropOptions, RMSpropState>;

}  // namespace ramp::optim
