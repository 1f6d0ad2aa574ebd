// 1.13's StepLR, ExponentialLR and CosineAnnealingLR: the chainable recursion each step (so other
// changes to a group's lr carry over, as in 1.13), the closed form when step() is given an epoch.
// The double arithmetic is written in 1.13's Python order, so the rates are the same doubles.
#include <algorithm>
#include <cmath>
#include <numbers>

#include "ramp/optim.h"

namespace ramp::optim {

LRScheduler::LRScheduler(Optimizer& optimizer, std::int64_t last_epoch_) : last_epoch(last_epoch_), optimizer_(optimizer) {
  for (std::size_t g = 0; g < optimizer.num_param_groups(); ++g) {
    auto& initial = optimizer.group_initial_lr(g);
    if (last_epoch == -1) {
      if (!initial) initial = optimizer.group_lr(g);
    } else {
      RAMP_CHECK(initial.has_value(), "param 'initial_lr' is not specified in param_groups[", g,
                 "] when resuming an optimizer");
    }
    base_lrs.push_back(*initial);
  }
}

void LRScheduler::initial_step() {
  step_count_ = 0;
  step();
}

void LRScheduler::step(std::optional<std::int64_t> epoch) {
  ++step_count_;
  std::vector<double> values;
  if (!epoch) {
    ++last_epoch;
    values = get_lr();
  } else {
    last_epoch = *epoch;
    values = closed_form_lr();
  }
  last_lr_.clear();
  for (std::size_t g = 0; g < values.size() && g < optimizer_.num_param_groups(); ++g) {
    optimizer_.set_group_lr(g, values[g]);
    last_lr_.push_back(optimizer_.group_lr(g));
  }
}

namespace {
std::vector<double> current_lrs(const Optimizer& o) {
  std::vector<double> v;
  for (std::size_t g = 0; g < o.num_param_groups(); ++g) v.push_back(o.group_lr(g));
  return v;
}
}  // namespace

StepLR::StepLR(Optimizer& optimizer, std::int64_t step_size_, double gamma_, std::int64_t last_epoch_)
    : LRScheduler(optimizer, last_epoch_), step_size(step_size_), gamma(gamma_) {
  initial_step();
}
std::vector<double> StepLR::get_lr() {
  std::vector<double> lrs = current_lrs(optimizer_);
  if (last_epoch == 0) return lrs;
  RAMP_CHECK(step_size != 0, "StepLR: integer division or modulo by zero (step_size=0)");
  if (last_epoch % step_size != 0) return lrs;
  for (double& lr : lrs) lr *= gamma;
  return lrs;
}
std::vector<double> StepLR::closed_form_lr() {
  RAMP_CHECK(step_size != 0, "StepLR: integer division or modulo by zero (step_size=0)");
  // Python's floor division
  std::int64_t q = last_epoch / step_size;
  if ((last_epoch % step_size != 0) && ((last_epoch < 0) != (step_size < 0))) --q;
  std::vector<double> lrs;
  for (double base : base_lrs) lrs.push_back(base * std::pow(gamma, double(q)));
  return lrs;
}

ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma_, std::int64_t last_epoch_)
    : LRScheduler(optimizer, last_epoch_), gamma(gamma_) {
  initial_step();
}
std::vector<double> ExponentialLR::get_lr() {
  std::vector<double> lrs = current_lrs(optimizer_);
  if (last_epoch == 0) return lrs;
  for (double& lr : lrs) lr *= gamma;
  return lrs;
}
std::vector<double> ExponentialLR::closed_form_lr() {
  std::vector<double> lrs;
  for (double base : base_lrs) lrs.push_back(base * std::pow(gamma, double(last_epoch)));
  return lrs;
}

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, std::int64_t T_max_, double eta_min_,
                                     std::int64_t last_epoch_)
    : LRScheduler(optimizer, last_epoch_), T_max(T_max_), eta_min(eta_min_) {
  initial_step();
}
std::vector<double> CosineAnnealingLR::get_lr() {
  constexpr double pi = std::numbers::pi;
  std::vector<double> lrs = current_lrs(optimizer_);
  if (last_epoch == 0) return lrs;
  RAMP_CHECK(T_max != 0, "CosineAnnealingLR: float division by zero (T_max=0)");
  const double t = double(last_epoch), T = double(T_max);
  for (std::size_t g = 0; g < lrs.size(); ++g) {
    const double base = base_lrs[g];
    if (step_count_ == 1 && last_epoch > 0)  // resumed: the closed form
      lrs[g] = eta_min + (base - eta_min) * (1 + std::cos(t * pi / T)) / 2;
    else if ((last_epoch - 1 - T_max) % (2 * T_max) == 0)  // past a minimum: climb back
      lrs[g] = lrs[g] + (base - eta_min) * (1 - std::cos(pi / T)) / 2;
    else  // lr_t - eta_min = (lr_{t-1} - eta_min) * (1 + cos(pi t / T)) / (1 + cos(pi (t - 1) / T))
      lrs[g] = (1 + std::cos(pi * t / T)) / (1 + std::cos(pi * double(last_epoch - 1) / T)) * (lrs[g] - eta_min) + eta_min;
  }
  return lrs;
}
std::vector<double> CosineAnnealingLR::closed_form_lr() {
  constexpr double pi = std::numbers::pi;
  std::vector<double> lrs;
  for (double base : base_lrs)
    lrs.push_back(eta_min + (base - eta_min) * (1 + std::cos(pi * double(last_epoch) / double(T_max))) / 2);
  return lrs;
}

MultiStepLR::MultiStepLR(Optimizer& optimizer, std::vector<std::int64_t> milestones_, double gamma_,
                         std::int64_t last_epoch_)
    : LRScheduler(optimizer, last_epoch_), milestones(std::move(milestones_)), gamma(gamma_) {
  std::sort(milestones.begin(), milestones.end());
  initial_step();
}
std::vector<double> MultiStepLR::get_lr() {
  std::vector<double> lrs = current_lrs(optimizer_);
  const auto hits = std::count(milestones.begin(), milestones.end(), last_epoch);
  if (hits == 0) return lrs;
  for (double& lr : lrs) lr = lr * std::pow(gamma, double(hits));  // group['lr'] * gamma ** count
  return lrs;
}
std::vector<double> MultiStepLR::closed_form_lr() {
  const auto passed = std::upper_bound(milestones.begin(), milestones.end(), last_epoch) - milestones.begin();
  std::vector<double> lrs;
  for (double base : base_lrs) lrs.push_back(base * std::pow(gamma, double(passed)));
  return lrs;
}

namespace {
// Before the base constructor touches the groups, as 1.13 checks first.
Optimizer& check_lambdas(Optimizer& o, const std::vector<LambdaLR::Lambda>& lambdas) {
  RAMP_CHECK_T(ValueError, lambdas.size() == o.num_param_groups(), "Expected ", o.num_param_groups(),
               " lr_lambdas, but got ", lambdas.size());
  for (const auto& f : lambdas) RAMP_CHECK_T(TypeError, bool(f), "LambdaLR: an lr_lambda is empty");
  return o;
}
}  // namespace

LambdaLR::LambdaLR(Optimizer& optimizer, Lambda lr_lambda, std::int64_t last_epoch_)
    : LambdaLR(optimizer, std::vector<Lambda>(optimizer.num_param_groups(), std::move(lr_lambda)), last_epoch_) {}
LambdaLR::LambdaLR(Optimizer& optimizer, std::vector<Lambda> lr_lambdas_, std::int64_t last_epoch_)
    : LRScheduler(check_lambdas(optimizer, lr_lambdas_), last_epoch_), lr_lambdas(std::move(lr_lambdas_)) {
  initial_step();
}
std::vector<double> LambdaLR::get_lr() {
  std::vector<double> lrs;
  for (std::size_t g = 0; g < base_lrs.size(); ++g) lrs.push_back(base_lrs[g] * lr_lambdas[g](last_epoch));
  return lrs;
}

}  // namespace ramp::optim
