// Optimizers and learning-rate schedulers, PyTorch 1.13's (torch.optim): the same options, defaults,
// errors and update arithmetic. Each update is one fused loop per parameter that does 1.13's
// `_single_tensor_*` operations in 1.13's order and rounding (FMA where its AVX2 kernels fuse), so
// the parameters match torch's bit for bit on float32 and float64.
//
//   ramp::optim::SGD opt(model_params, {.lr = 0.1, .momentum = 0.9});
//   ramp::optim::StepLR sched(opt, /*step_size=*/30, /*gamma=*/0.1);
//   for (...) { opt.zero_grad(); loss(...).backward(); opt.step(); sched.step(); }
//
// Param groups: `{{params_a}, {params_b, SGDOptions{.lr = 0.01}}}` (a group without options takes the
// optimizer's). Parameters without a gradient are skipped, as in 1.13.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
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

}  // namespace ramp::optim
