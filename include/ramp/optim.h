// Optimizers (SGD, Adam, AdamW, Adadelta, Adagrad, RMSprop) and learning-rate schedulers (StepLR,
// MultiStepLR, ExponentialLR, CosineAnnealingLR, LambdaLR, OneCycleLR, ReduceLROnPlateau), PyTorch
// 1.13's (torch.optim): the same options, defaults, errors and update arithmetic. Each update is one fused loop per parameter that does 1.13's
// `_single_tensor_*` operations in 1.13's order and rounding (FMA where its AVX2 kernels fuse), so
// the parameters match torch's bit for bit on float32 and float64.
//
//   ramp::optim::SGD opt(model_params, {.lr = 0.1, .momentum = 0.9});
//   ramp::optim::StepLR sched(opt, /*step_size=*/30, /*gamma=*/0.1);
//   for (...) { opt.zero_grad(); loss(...).backward(); opt.step(); sched.step(); }
//
// Param groups: `{{params_a}, {params_b, SGDOptions{.lr = 0.01}}}` (a group without options takes the
// optimizer's). Parameters without a gradient are skipped, as in 1.13. Schedulers compute their rates
// in double in 1.13's Python order, so the rates are torch's doubles.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ramp/tensor.h"

namespace ramp::optim {

// What schedulers and clipping need from any optimizer: its groups' parameters and learning rates.
class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // One update of every parameter that has a gradient (runs without recording a graph).
  virtual void step() = 0;
  // 1.13's step(closure): the closure re-evaluates the loss with grad mode on; returns its result.
  Tensor step(const std::function<Tensor()>& closure);
  // Zeroes every parameter's .grad in place (1.13's default) or drops it (set_to_none).
  void zero_grad(bool set_to_none = false);

  virtual std::size_t num_param_groups() const = 0;
  virtual const std::vector<Tensor>& group_params(std::size_t group) const = 0;
  virtual double group_lr(std::size_t group) const = 0;
  virtual void set_group_lr(std::size_t group, double lr) = 0;
  // The lr a scheduler started from (1.13's group['initial_lr']); unset until a scheduler sets it.
  virtual std::optional<double>& group_initial_lr(std::size_t group) = 0;
  // The option OneCycleLR cycles: a group's momentum (SGD, RMSprop) or beta1 (Adam, AdamW); the
  // others have none (1.13: "optimizer must support momentum with `cycle_momentum` option enabled").
  enum class MomentumOption { kNone, kMomentum, kBeta1 };
  virtual MomentumOption momentum_option() const { return MomentumOption::kNone; }
  virtual double group_momentum(std::size_t group) const;
  virtual void set_group_momentum(std::size_t group, double momentum);
};

// A group of parameters with its own options (absent: the optimizer's defaults).
template <class Options> struct ParamGroup {
  std::vector<Tensor> params;
  std::optional<Options> options;
  ParamGroup(std::vector<Tensor> p, std::optional<Options> o = {}) : params(std::move(p)), options(o) {}  // NOLINT
};

// The group storage every optimizer shares; `State` is its per-parameter state.
template <class Options, class State> class OptimizerBase : public Optimizer {
 public:
  struct Group {
    std::vector<Tensor> params;
    Options options;
    std::optional<double> initial_lr;
    std::vector<State> state;  // one per parameter, created at its first step
  };

  const Options& defaults() const { return defaults_; }
  std::vector<Group>& param_groups() { return groups_; }
  const std::vector<Group>& param_groups() const { return groups_; }
  // 1.13's add_param_group: leaves only (or tensors that retain grad), each in one group only. As in
  // 1.13, only the optimizer's defaults are validated, not a group's own options.
  void add_param_group(const ParamGroup<Options>& group);

  std::size_t num_param_groups() const override { return groups_.size(); }
  const std::vector<Tensor>& group_params(std::size_t g) const override { return groups_.at(g).params; }
  double group_lr(std::size_t g) const override { return groups_.at(g).options.lr.to_double(); }
  void set_group_lr(std::size_t g, double lr) override { groups_.at(g).options.lr = lr; }
  std::optional<double>& group_initial_lr(std::size_t g) override { return groups_.at(g).initial_lr; }
  MomentumOption momentum_option() const override {
    if constexpr (requires(Options o) { o.betas; }) return MomentumOption::kBeta1;
    else if constexpr (requires(Options o) { o.momentum; }) return MomentumOption::kMomentum;
    else return MomentumOption::kNone;
  }
  double group_momentum(std::size_t g) const override {
    const Options& o = groups_.at(g).options;
    if constexpr (requires { o.betas; }) return o.betas.first.to_double();
    else if constexpr (requires { o.momentum; }) return o.momentum.to_double();
    else return Optimizer::group_momentum(g);
  }
  void set_group_momentum(std::size_t g, double m) override {
    Options& o = groups_.at(g).options;
    if constexpr (requires { o.betas; }) o.betas.first = m;
    else if constexpr (requires { o.momentum; }) o.momentum = m;
    else Optimizer::set_group_momentum(g, m);
  }

 protected:
  OptimizerBase(const std::vector<ParamGroup<Options>>& groups, const Options& defaults);
  // A plain parameter list as one group (1.13: "optimizer got an empty parameter list" if empty).
  static std::vector<ParamGroup<Options>> one_group(const std::vector<Tensor>& params);
  Options defaults_;
  std::vector<Group> groups_;
};

// Numbers are ramp::Scalar (int or float, as given), so errors print them as 1.13 does ("-1", "-1.0").

// ---- SGD ----
struct SGDOptions {
  Scalar lr;  // required (no default, as 1.13)
  Scalar momentum = 0;
  Scalar dampening = 0;
  Scalar weight_decay = 0;
  bool nesterov = false;
  bool maximize = false;
};
struct SGDState {
  Tensor momentum_buffer;  // undefined until the first step with momentum != 0
  bool stepped = false;    // 1.13 has state for a parameter once a step updated it
};
// g = grad (+ weight_decay * p); buf = momentum * buf + (1 - dampening) * g (buf = g at the first
// step); g = nesterov ? g + momentum * buf : buf; p -= lr * g. maximize negates grad.
class SGD : public OptimizerBase<SGDOptions, SGDState> {
 public:
  SGD(const std::vector<ParamGroup<SGDOptions>>& groups, const SGDOptions& defaults);
  SGD(const std::vector<Tensor>& params, const SGDOptions& defaults) : SGD(one_group(params), defaults) {}
  using Optimizer::step;
  void step() override;
  // 1.13's checks: "Invalid learning rate: -1", "Nesterov momentum requires a momentum and zero dampening", ...
  static void check(const SGDOptions& o);
};

// ---- Adam, AdamW ----
struct AdamOptions {
  Scalar lr = 1e-3;
  std::pair<Scalar, Scalar> betas{0.9, 0.999};
  Scalar eps = 1e-8;
  Scalar weight_decay = 0;
  bool amsgrad = false;
  bool maximize = false;
};
struct AdamWOptions {  // Adam's fields, with AdamW's default weight_decay
  Scalar lr = 1e-3;
  std::pair<Scalar, Scalar> betas{0.9, 0.999};
  Scalar eps = 1e-8;
  Scalar weight_decay = 1e-2;
  bool amsgrad = false;
  bool maximize = false;
};
struct AdamState {
  std::int64_t step = 0;
  Tensor exp_avg, exp_avg_sq, max_exp_avg_sq;  // max_exp_avg_sq with amsgrad only
};
// m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; vmax = max(vmax, v) (amsgrad);
// p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
// Adam adds weight_decay * p to g; AdamW first scales p by 1 - lr * weight_decay.
class Adam : public OptimizerBase<AdamOptions, AdamState> {
 public:
  Adam(const std::vector<ParamGroup<AdamOptions>>& groups, const AdamOptions& defaults = {});
  Adam(const std::vector<Tensor>& params, const AdamOptions& defaults = {})
      : Adam(one_group(params), defaults) {}
  using Optimizer::step;
  void step() override;
  static void check(const AdamOptions& o);
};
class AdamW : public OptimizerBase<AdamWOptions, AdamState> {
 public:
  AdamW(const std::vector<ParamGroup<AdamWOptions>>& groups, const AdamWOptions& defaults = {});
  AdamW(const std::vector<Tensor>& params, const AdamWOptions& defaults = {})
      : AdamW(one_group(params), defaults) {}
  using Optimizer::step;
  void step() override;
  static void check(const AdamWOptions& o);
};

// ---- Adadelta, Adagrad, RMSprop ----
struct AdadeltaOptions {
  Scalar lr = 1.0;
  Scalar rho = 0.9;
  Scalar eps = 1e-6;
  Scalar weight_decay = 0;
  bool maximize = false;
};
struct AdadeltaState {
  std::int64_t step = 0;  // 1.13 keeps a Python int
  Tensor square_avg, acc_delta;
};
// v = rho v + (1 - rho) g^2; delta = sqrt(u + eps) / sqrt(v + eps) * g; u = rho u + (1 - rho) delta^2;
// p -= lr * delta. weight_decay adds weight_decay * p to g; maximize negates g.
class Adadelta : public OptimizerBase<AdadeltaOptions, AdadeltaState> {
 public:
  Adadelta(const std::vector<ParamGroup<AdadeltaOptions>>& groups, const AdadeltaOptions& defaults = {});
  Adadelta(const std::vector<Tensor>& params, const AdadeltaOptions& defaults = {})
      : Adadelta(one_group(params), defaults) {}
  using Optimizer::step;
  void step() override;
  static void check(const AdadeltaOptions& o);
};

struct AdagradOptions {
  Scalar lr = 1e-2;
  Scalar lr_decay = 0;
  Scalar weight_decay = 0;
  Scalar initial_accumulator_value = 0;
  Scalar eps = 1e-10;
  bool maximize = false;
};
struct AdagradState {
  float step = 0;  // 1.13 keeps a float32 tensor
  Tensor sum;      // made (filled with initial_accumulator_value) when the parameter joins
};
// sum += g^2; p -= lr / (1 + (step - 1) lr_decay) * g / (sqrt(sum) + eps). As 1.13, every parameter
// has state from the start (its initial_accumulator_value is the optimizer's, not a group's).
class Adagrad : public OptimizerBase<AdagradOptions, AdagradState> {
 public:
  Adagrad(const std::vector<ParamGroup<AdagradOptions>>& groups, const AdagradOptions& defaults = {});
  Adagrad(const std::vector<Tensor>& params, const AdagradOptions& defaults = {})
      : Adagrad(one_group(params), defaults) {}
  // The base's, and the new parameters get their state at once.
  void add_param_group(const ParamGroup<AdagradOptions>& group);
  using Optimizer::step;
  void step() override;
  static void check(const AdagradOptions& o);
};

struct RMSpropOptions {
  Scalar lr = 1e-2;
  Scalar alpha = 0.99;
  Scalar eps = 1e-8;
  Scalar weight_decay = 0;
  Scalar momentum = 0;
  bool centered = false;
  bool maximize = false;
};
struct RMSpropState {
  std::int64_t step = 0;  // 1.13 keeps a Python int
  Tensor square_avg, momentum_buffer, grad_avg;  // momentum_buffer with momentum > 0, grad_avg when centered
};
// v = alpha v + (1 - alpha) g^2; centered: m = alpha m + (1 - alpha) g, avg = sqrt(v - m^2) + eps,
// else avg = sqrt(v) + eps; momentum: buf = momentum buf + g / avg, p -= lr buf; else p -= lr g / avg.
class RMSprop : public OptimizerBase<RMSpropOptions, RMSpropState> {
 public:
  RMSprop(const std::vector<ParamGroup<RMSpropOptions>>& groups, const RMSpropOptions& defaults = {});
  RMSprop(const std::vector<Tensor>& params, const RMSpropOptions& defaults = {})
      : RMSprop(one_group(params), defaults) {}
  using Optimizer::step;
  void step() override;
  static void check(const RMSpropOptions& o);
};

// ---- learning-rate schedulers (1.13's chainable forms: each step scales the group's current lr) ----
class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  // Advances last_epoch and sets each group's lr. With `epoch` (deprecated in 1.13): jumps to it
  // with the closed form.
  void step(std::optional<std::int64_t> epoch = {});
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  // For resuming from a saved scheduler (1.13's load_state_dict restores `_last_lr`).
  void set_last_lr(std::vector<double> lr) { last_lr_ = std::move(lr); }
  std::int64_t last_epoch = -1;
  std::vector<double> base_lrs;

 protected:
  // last_epoch == -1 records each group's lr as its initial_lr; otherwise every group must have one
  // (resuming). Derived constructors call initial_step() last, as 1.13's base constructor does.
  LRScheduler(Optimizer& optimizer, std::int64_t last_epoch);
  void initial_step();
  virtual std::vector<double> get_lr() = 0;  // the chainable form
  virtual std::vector<double> closed_form_lr() = 0;
  Optimizer& optimizer_;
  std::int64_t step_count_ = 0;

 private:
  std::vector<double> last_lr_;
};

// lr *= gamma every step_size epochs.
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, std::int64_t step_size, double gamma = 0.1, std::int64_t last_epoch = -1);
  std::int64_t step_size;
  double gamma;

 protected:
  std::vector<double> get_lr() override;
  std::vector<double> closed_form_lr() override;
};

// lr *= gamma every epoch.
class ExponentialLR : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, double gamma, std::int64_t last_epoch = -1);
  double gamma;

 protected:
  std::vector<double> get_lr() override;
  std::vector<double> closed_form_lr() override;
};

// lr = eta_min + (base_lr - eta_min) (1 + cos(pi epoch / T_max)) / 2, reached by 1.13's recursion.
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, std::int64_t T_max, double eta_min = 0, std::int64_t last_epoch = -1);
  std::int64_t T_max;
  double eta_min;

 protected:
  std::vector<double> get_lr() override;
  std::vector<double> closed_form_lr() override;
};

// lr *= gamma at each milestone (a milestone listed k times multiplies by gamma^k).
class MultiStepLR : public LRScheduler {
 public:
  MultiStepLR(Optimizer& optimizer, std::vector<std::int64_t> milestones, double gamma = 0.1,
              std::int64_t last_epoch = -1);
  std::vector<std::int64_t> milestones;  // sorted, repeats kept (1.13's Counter)
  double gamma;

 protected:
  std::vector<double> get_lr() override;
  std::vector<double> closed_form_lr() override;
};

// lr = initial_lr * lambda(epoch), one lambda for every group or one per group.
class LambdaLR : public LRScheduler {
 public:
  using Lambda = std::function<double(std::int64_t)>;
  LambdaLR(Optimizer& optimizer, Lambda lr_lambda, std::int64_t last_epoch = -1);
  // 1.13: "Expected 2 lr_lambdas, but got 1" (ValueError) unless one per group.
  LambdaLR(Optimizer& optimizer, std::vector<Lambda> lr_lambdas, std::int64_t last_epoch = -1);
  std::vector<Lambda> lr_lambdas;

 protected:
  std::vector<double> get_lr() override;
  std::vector<double> closed_form_lr() override { return get_lr(); }
};

// The 1cycle policy: lr climbs from max_lr / div_factor to max_lr over pct_start of total_steps, then
// anneals to initial_lr / final_div_factor (three_phase: back to initial_lr first); with
// cycle_momentum, each group's momentum (or Adam's beta1) moves the other way between
// base_momentum and max_momentum. Stepping past total_steps raises ValueError, as in 1.13.
struct OneCycleLROptions {
  std::vector<double> max_lr;  // one for every group, or one per group
  // total_steps, or epochs * steps_per_epoch
  std::optional<std::int64_t> total_steps = {}, epochs = {}, steps_per_epoch = {};
  double pct_start = 0.3;
  std::string anneal_strategy = "cos";  // or "linear"
  bool cycle_momentum = true;
  std::vector<double> base_momentum{0.85}, max_momentum{0.95};  // one, or one per group
  double div_factor = 25.0;
  double final_div_factor = 1e4;
  bool three_phase = false;
};
class OneCycleLR : public LRScheduler {
 public:
  OneCycleLR(Optimizer& optimizer, const OneCycleLROptions& options, std::int64_t last_epoch = -1);
  enum Value : int { kInitialLr, kMaxLr, kMinLr, kMaxMomentum, kBaseMomentum };
  struct Phase {
    double end_step;
    Value start_lr, end_lr, start_momentum, end_momentum;
  };
  struct Schedule {
    std::int64_t total_steps;
    bool cycle_momentum, linear;
    std::vector<Phase> phases;
    // Per group (1.13 keeps them in the param groups as 'max_lr', 'min_lr', 'max_momentum', 'base_momentum').
    std::vector<double> max_lrs, min_lrs, max_momentums, base_momentums;
  };
  Schedule schedule;

 protected:
  std::vector<double> get_lr() override;
  std::vector<double> closed_form_lr() override { return get_lr(); }

 private:
  OneCycleLR(Optimizer& optimizer, Schedule schedule, std::int64_t last_epoch);
  double value(std::size_t group, Value v);
};

// Not an LRScheduler (as in 1.13): lowers each group's lr by `factor` (not below its min_lr) once the
// metric given to step() has not improved for `patience` epochs, then waits `cooldown` epochs.
struct ReduceLROnPlateauOptions {
  std::string mode = "min";  // or "max"
  double factor = 0.1;
  std::int64_t patience = 10;
  double threshold = 1e-4;
  std::string threshold_mode = "rel";  // or "abs"
  std::int64_t cooldown = 0;
  std::vector<double> min_lr{0.0};  // one for every group, or one per group
  double eps = 1e-8;
};
class ReduceLROnPlateau {
 public:
  ReduceLROnPlateau(Optimizer& optimizer, const ReduceLROnPlateauOptions& options = {});
  // Returns the groups whose lr was reduced (for verbose printing).
  std::vector<std::size_t> step(double metric, std::optional<std::int64_t> epoch = {});
  bool is_better(double a, double best) const;
  bool in_cooldown() const { return cooldown_counter > 0; }
  const std::vector<double>& get_last_lr() const { return last_lr; }
  // Checks mode and threshold_mode and sets mode_worse (1.13's _init_is_better, also run on load).
  void init_is_better();

  ReduceLROnPlateauOptions options;
  std::vector<double> min_lrs;
  double best, mode_worse;
  std::int64_t num_bad_epochs = 0, cooldown_counter = 0, last_epoch = 0;
  std::vector<double> last_lr;  // empty until the first step (1.13 has no _last_lr before it)

 private:
  Optimizer& optimizer_;
};

}  // namespace ramp::optim
