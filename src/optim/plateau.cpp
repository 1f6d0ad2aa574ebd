// 1.13's ReduceLROnPlateau: its checks, comparisons and counters, step by step.
#include <limits>

#include "ramp/optim.h"

namespace ramp::optim {

ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, const ReduceLROnPlateauOptions& options_)
    : options(options_), optimizer_(optimizer) {
  RAMP_CHECK_T(ValueError, options.factor < 1.0, "Factor should be < 1.0.");
  const std::size_t groups = optimizer.num_param_groups();
  if (options.min_lr.size() == 1) {
    min_lrs.assign(groups, options.min_lr[0]);
  } else {
    RAMP_CHECK_T(ValueError, options.min_lr.size() == groups, "expected ", groups, " min_lrs, got ",
                 options.min_lr.size());
    min_lrs = options.min_lr;
  }
  init_is_better();
  best = mode_worse;  // _reset()
}

void ReduceLROnPlateau::init_is_better() {
  RAMP_CHECK_T(ValueError, options.mode == "min" || options.mode == "max", "mode ", options.mode,
               " is unknown!");
  RAMP_CHECK_T(ValueError, options.threshold_mode == "rel" || options.threshold_mode == "abs",
               "threshold mode ", options.threshold_mode, " is unknown!");
  constexpr double inf = std::numeric_limits<double>::infinity();
  mode_worse = options.mode == "min" ? inf : -inf;
}

bool ReduceLROnPlateau::is_better(double a, double best_) const {
  const double threshold = options.threshold;
  if (options.mode == "min" && options.threshold_mode == "rel") return a < best_ * (1. - threshold);
  if (options.mode == "min") return a < best_ - threshold;
  if (options.threshold_mode == "rel") return a > best_ * (threshold + 1.);
  return a > best_ + threshold;
}

std::vector<std::size_t> ReduceLROnPlateau::step(double current, std::optional<std::int64_t> epoch) {
  last_epoch = epoch ? *epoch : last_epoch + 1;
  if (is_better(current, best)) {
    best = current;
    num_bad_epochs = 0;
  } else {
    ++num_bad_epochs;
  }
  if (in_cooldown()) {
    --cooldown_counter;
    num_bad_epochs = 0;  // bad epochs in cooldown do not count
  }
  std::vector<std::size_t> reduced;
  if (num_bad_epochs > options.patience) {
    for (std::size_t g = 0; g < optimizer_.num_param_groups(); ++g) {
      const double old_lr = optimizer_.group_lr(g);
      const double scaled = old_lr * options.factor;
      const double new_lr = min_lrs.at(g) > scaled ? min_lrs[g] : scaled;  // Python's max(scaled, min_lr)
      if (old_lr - new_lr > options.eps) {
        optimizer_.set_group_lr(g, new_lr);
        reduced.push_back(g);
      }
    }
    cooldown_counter = options.cooldown;
    num_bad_epochs = 0;
  }
  last_lr.clear();
  for (std::size_t g = 0; g < optimizer_.num_param_groups(); ++g) last_lr.push_back(optimizer_.group_lr(g));
  return reduced;
}

}  // namespace ramp::optim
