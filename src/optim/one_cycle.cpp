// 1.13's OneCycleLR: its checks in its order, the groups' starting values set before the base
// scheduler reads them, and get_lr's double arithmetic in 1.13's Python order.
#include <cmath>
#include <numbers>

#include "ramp/optim.h"

namespace ramp::optim {
namespace {

std::string none_or(const std::optional<std::int64_t>& v) { return v ? std::to_string(*v) : "None"; }

std::vector<double> per_group(const Optimizer& o, const char* name, const std::vector<double>& v) {
  if (v.size() == 1) return std::vector<double>(o.num_param_groups(), v[0]);
  RAMP_CHECK_T(ValueError, v.size() == o.num_param_groups(), "expected ", o.num_param_groups(),
               " values for ", name, ", got ", v.size());
  return v;
}

// Everything 1.13's constructor checks and computes before its base constructor, in its order; with
// last_epoch == -1 it also sets each group's initial_lr and momentum, as 1.13 writes them into the groups.
OneCycleLR::Schedule setup(Optimizer& o, const OneCycleLROptions& opt, std::int64_t last_epoch) {
  using P = OneCycleLR;
  OneCycleLR::Schedule s;
  if (opt.total_steps) {
    RAMP_CHECK_T(ValueError, *opt.total_steps > 0, "Expected positive integer total_steps, but got ",
                 *opt.total_steps);
    s.total_steps = *opt.total_steps;
  } else {
    RAMP_CHECK_T(ValueError, opt.epochs || opt.steps_per_epoch,
                 "You must define either total_steps OR (epochs AND steps_per_epoch)");
    RAMP_CHECK_T(ValueError, opt.epochs && *opt.epochs > 0, "Expected positive integer epochs, but got ",
                 none_or(opt.epochs));
    RAMP_CHECK_T(ValueError, opt.steps_per_epoch && *opt.steps_per_epoch > 0,
                 "Expected positive integer steps_per_epoch, but got ", none_or(opt.steps_per_epoch));
    s.total_steps = *opt.epochs * *opt.steps_per_epoch;
  }
  const double total = double(s.total_steps);
  if (opt.three_phase)
    s.phases = {{opt.pct_start * total - 1, P::kInitialLr, P::kMaxLr, P::kMaxMomentum, P::kBaseMomentum},
                {2 * opt.pct_start * total - 2, P::kMaxLr, P::kInitialLr, P::kBaseMomentum, P::kMaxMomentum},
                {total - 1, P::kInitialLr, P::kMinLr, P::kMaxMomentum, P::kMaxMomentum}};
  else
    s.phases = {{opt.pct_start * total - 1, P::kInitialLr, P::kMaxLr, P::kMaxMomentum, P::kBaseMomentum},
                {total - 1, P::kMaxLr, P::kMinLr, P::kBaseMomentum, P::kMaxMomentum}};
  RAMP_CHECK_T(ValueError, 0 <= opt.pct_start && opt.pct_start <= 1,
               "Expected float between 0 and 1 pct_start, but got ", Scalar(opt.pct_start).repr());
  RAMP_CHECK_T(ValueError, opt.anneal_strategy == "cos" || opt.anneal_strategy == "linear",
               "anneal_strategy must by one of 'cos' or 'linear', instead got ", opt.anneal_strategy);
  s.linear = opt.anneal_strategy == "linear";
  s.max_lrs = per_group(o, "max_lr", opt.max_lr);
  for (std::size_t g = 0; g < s.max_lrs.size(); ++g) {
    const double initial = s.max_lrs[g] / opt.div_factor;
    if (last_epoch == -1) o.group_initial_lr(g) = initial;
    s.min_lrs.push_back((last_epoch == -1 ? initial : o.group_initial_lr(g).value_or(initial)) /
                        opt.final_div_factor);
  }
  s.cycle_momentum = opt.cycle_momentum;
  if (s.cycle_momentum) {
    RAMP_CHECK_T(ValueError, o.momentum_option() != Optimizer::MomentumOption::kNone,
                 "optimizer must support momentum with `cycle_momentum` option enabled");
    s.max_momentums = per_group(o, "max_momentum", opt.max_momentum);
    s.base_momentums = per_group(o, "base_momentum", opt.base_momentum);
    if (last_epoch == -1)
      for (std::size_t g = 0; g < s.max_momentums.size(); ++g) o.set_group_momentum(g, s.max_momentums[g]);
  }
  return s;
}

}  // namespace

OneCycleLR::OneCycleLR(Optimizer& optimizer, const OneCycleLROptions& options, std::int64_t last_epoch_)
    : OneCycleLR(optimizer, setup(optimizer, options, last_epoch_), last_epoch_) {}

OneCycleLR::OneCycleLR(Optimizer& optimizer, Schedule schedule_, std::int64_t last_epoch_)
    : LRScheduler(optimizer, last_epoch_), schedule(std::move(schedule_)) {
  initial_step();
}

double OneCycleLR::value(std::size_t g, Value v) {
  switch (v) {
    case kInitialLr:
      return optimizer_.group_initial_lr(g).value();
    case kMaxLr:
      return schedule.max_lrs.at(g);
    case kMinLr:
      return schedule.min_lrs.at(g);
    case kMaxMomentum:
      return schedule.max_momentums.at(g);
    case kBaseMomentum:
      return schedule.base_momentums.at(g);
  }
  return 0;
}

std::vector<double> OneCycleLR::get_lr() {
  const auto anneal = [&](double start, double end, double pct) {
    if (schedule.linear) return (end - start) * pct + start;
    const double cos_out = std::cos(std::numbers::pi * pct) + 1;
    return end + (start - end) / 2.0 * cos_out;
  };
  const std::int64_t step_num = last_epoch;
  RAMP_CHECK_T(ValueError, step_num <= schedule.total_steps, "Tried to step ", step_num + 1,
               " times. The specified number of total steps is ", schedule.total_steps);
  std::vector<double> lrs;
  for (std::size_t g = 0; g < optimizer_.num_param_groups(); ++g) {
    double start_step = 0, lr = 0;
    for (std::size_t i = 0; i < schedule.phases.size(); ++i) {
      const Phase& phase = schedule.phases[i];
      if (double(step_num) <= phase.end_step || i + 1 == schedule.phases.size()) {
        RAMP_CHECK(phase.end_step != start_step, "OneCycleLR: float division by zero (a phase of no steps)");
        const double pct = (double(step_num) - start_step) / (phase.end_step - start_step);
        lr = anneal(value(g, phase.start_lr), value(g, phase.end_lr), pct);
        if (schedule.cycle_momentum)
          optimizer_.set_group_momentum(
              g, anneal(value(g, phase.start_momentum), value(g, phase.end_momentum), pct));
        break;
      }
      start_step = phase.end_step;
    }
    lrs.push_back(lr);
  }
  return lrs;
}

}  // namespace ramp::optim
