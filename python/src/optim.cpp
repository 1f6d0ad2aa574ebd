// Losses, optimizers, schedulers and gradient clipping for Python: `_C._loss` (the functional
// losses, called by ramp.nn.functional's wrappers with 1.13's signatures), `_C._optim` (the C++
// optimizers and schedulers that ramp.optim wraps: param_groups dicts are pushed to them before
// each step) and `_C._clip` (ramp.nn.utils.clip_grad_*).
#include <pybind11/functional.h>

#include "bindings.h"
#include "ramp/nn/loss.h"
#include "ramp/nn/utils.h"
#include "ramp/optim.h"

namespace ramp::py_ {
namespace {

using namespace ramp::optim;

Tensor or_undefined(const std::optional<Tensor>& t) { return t ? *t : Tensor(); }

// ---- options from a param group dict (ramp.optim fills in every key from the defaults) ----
Scalar number(const py::dict& d, const char* key) { return d[key].cast<Scalar>(); }
bool flag(const py::dict& d, const char* key) { return py::bool_(d[key]); }
std::pair<Scalar, Scalar> betas(const py::dict& d) {
  auto b = d["betas"].cast<py::sequence>();
  RAMP_CHECK_T(ValueError, b.size() == 2, "betas must be a pair of numbers");
  return {b[0].cast<Scalar>(), b[1].cast<Scalar>()};
}

template <class O> O options_from(const py::dict& d);
template <> SGDOptions options_from(const py::dict& d) {
  return {number(d, "lr"), number(d, "momentum"), number(d, "dampening"), number(d, "weight_decay"),
          flag(d, "nesterov"), flag(d, "maximize")};
}
template <> AdamOptions options_from(const py::dict& d) {
  return {number(d, "lr"), betas(d), number(d, "eps"), number(d, "weight_decay"), flag(d, "amsgrad"), flag(d, "maximize")};
}
template <> AdamWOptions options_from(const py::dict& d) {
  return {number(d, "lr"), betas(d), number(d, "eps"), number(d, "weight_decay"), flag(d, "amsgrad"), flag(d, "maximize")};
}

template <> AdadeltaOptions options_from(const py::dict& d) {
  return {number(d, "lr"), number(d, "rho"), number(d, "eps"), number(d, "weight_decay"), flag(d, "maximize")};
}
template <> AdagradOptions options_from(const py::dict& d) {
  return {number(d, "lr"), number(d, "lr_decay"), number(d, "weight_decay"), number(d, "initial_accumulator_value"),
          number(d, "eps"), flag(d, "maximize")};
}
template <> RMSpropOptions options_from(const py::dict& d) {
  return {number(d, "lr"),       number(d, "alpha"),  number(d, "eps"),   number(d, "weight_decay"),
          number(d, "momentum"), flag(d, "centered"), flag(d, "maximize")};
}

py::dict state_dict(const SGDState& s) {
  py::dict d;
  if (!s.stepped) return d;
  d["momentum_buffer"] = s.momentum_buffer.defined() ? py::cast(s.momentum_buffer) : py::none();
  return d;
}
py::dict state_dict(const AdamState& s) {
  py::dict d;
  if (!s.exp_avg.defined()) return d;  // no step yet: 1.13's state is empty
  d["step"] = scalar_tensor(double(s.step), ScalarType::Float32);  // 1.13 keeps a float32 tensor
  d["exp_avg"] = s.exp_avg;
  d["exp_avg_sq"] = s.exp_avg_sq;
  if (s.max_exp_avg_sq.defined()) d["max_exp_avg_sq"] = s.max_exp_avg_sq;
  return d;
}

py::dict state_dict(const AdadeltaState& s) {
  py::dict d;
  if (!s.square_avg.defined()) return d;
  d["step"] = s.step;  // 1.13 keeps a Python int
  d["square_avg"] = s.square_avg;
  d["acc_delta"] = s.acc_delta;
  return d;
}
py::dict state_dict(const AdagradState& s) {
  py::dict d;
  if (!s.sum.defined()) return d;
  d["step"] = scalar_tensor(double(s.step), ScalarType::Float32);  // 1.13 keeps a float32 tensor
  d["sum"] = s.sum;
  return d;
}
py::dict state_dict(const RMSpropState& s) {
  py::dict d;
  if (!s.square_avg.defined()) return d;
  d["step"] = s.step;
  d["square_avg"] = s.square_avg;
  if (s.momentum_buffer.defined()) d["momentum_buffer"] = s.momentum_buffer;
  if (s.grad_avg.defined()) d["grad_avg"] = s.grad_avg;
  return d;
}

// ---- state from a saved state_dict entry (ramp.optim's load_state_dict): a copy in the
// parameter's dtype and layout (1.13 casts floating state to the parameter's dtype) ----
Tensor adopt(const char* optimizer, const char* key, const py::handle& v, const Tensor& param) {
  RAMP_CHECK_T(TypeError, py::isinstance<Tensor>(v), optimizer, ".load_state_dict: state '", key,
               "' must be a Tensor, got ", std::string(py::str(py::type::of(v).attr("__name__"))));
  const Tensor& t = v.cast<const Tensor&>();
  RAMP_CHECK_T(ValueError, std::equal(t.sizes().begin(), t.sizes().end(), param.sizes().begin(), param.sizes().end()),
               optimizer, ".load_state_dict: state '", key, "' has shape ", shape_str(t.sizes()),
               " but its parameter has shape ", shape_str(param.sizes()));
  Tensor out = empty_like(param);
  out.copy_(t.detach());
  return out;
}
void set_state(SGDState& s, const py::dict& d, const Tensor& param) {
  s = SGDState{};
  if (d.empty()) return;
  s.stepped = true;
  if (d.contains("momentum_buffer") && !d["momentum_buffer"].is_none())
    s.momentum_buffer = adopt("SGD", "momentum_buffer", d["momentum_buffer"], param);
}
void set_state(AdamState& s, const py::dict& d, const Tensor& param) {
  s = AdamState{};
  if (d.empty()) return;
  for (const char* key : {"step", "exp_avg", "exp_avg_sq"})
    RAMP_CHECK_T(ValueError, d.contains(key), "Adam.load_state_dict: a parameter's state has no '", key, "'");
  py::object step = d["step"];
  s.step = std::int64_t(py::isinstance<Tensor>(step) ? step.cast<const Tensor&>().item().to_double()
                                                     : step.cast<double>());
  s.exp_avg = adopt("Adam", "exp_avg", d["exp_avg"], param);
  s.exp_avg_sq = adopt("Adam", "exp_avg_sq", d["exp_avg_sq"], param);
  if (d.contains("max_exp_avg_sq")) s.max_exp_avg_sq = adopt("Adam", "max_exp_avg_sq", d["max_exp_avg_sq"], param);
}

// A saved 'step': a number or a one-element tensor (1.13 keeps either, by optimizer and version).
double step_of(const py::handle& v) {
  return py::isinstance<Tensor>(v) ? v.cast<const Tensor&>().item().to_double() : v.cast<double>();
}
void require(const char* optimizer, const py::dict& d, std::initializer_list<const char*> keys) {
  for (const char* key : keys)
    RAMP_CHECK_T(ValueError, d.contains(key), optimizer, ".load_state_dict: a parameter's state has no '", key, "'");
}
void set_state(AdadeltaState& s, const py::dict& d, const Tensor& param) {
  s = AdadeltaState{};
  if (d.empty()) return;
  require("Adadelta", d, {"step", "square_avg", "acc_delta"});
  s.step = std::int64_t(step_of(d["step"]));
  s.square_avg = adopt("Adadelta", "square_avg", d["square_avg"], param);
  s.acc_delta = adopt("Adadelta", "acc_delta", d["acc_delta"], param);
}
void set_state(AdagradState& s, const py::dict& d, const Tensor& param) {
  s = AdagradState{};
  if (d.empty()) return;  // made at the next step
  require("Adagrad", d, {"step", "sum"});
  s.step = float(step_of(d["step"]));
  s.sum = adopt("Adagrad", "sum", d["sum"], param);
}
void set_state(RMSpropState& s, const py::dict& d, const Tensor& param) {
  s = RMSpropState{};
  if (d.empty()) return;
  require("RMSprop", d, {"step", "square_avg"});
  s.step = std::int64_t(step_of(d["step"]));
  s.square_avg = adopt("RMSprop", "square_avg", d["square_avg"], param);
  if (d.contains("momentum_buffer")) s.momentum_buffer = adopt("RMSprop", "momentum_buffer", d["momentum_buffer"], param);
  if (d.contains("grad_avg")) s.grad_avg = adopt("RMSprop", "grad_avg", d["grad_avg"], param);
}

// One optimizer class: built from [(params, options dict)] and the defaults dict.
template <class Opt, class O> void bind_optimizer(py::module_& m, const char* name) {
  py::class_<Opt, Optimizer>(m, name)
      .def(py::init([](const std::vector<std::pair<std::vector<Tensor>, py::dict>>& groups, const py::dict& defaults) {
        std::vector<ParamGroup<O>> gs;
        for (const auto& [params, opts] : groups) gs.emplace_back(params, options_from<O>(opts));
        return std::make_unique<Opt>(gs, options_from<O>(defaults));
      }))
      .def("add_param_group",
           [](Opt& o, const std::vector<Tensor>& params, const py::dict& opts) {
             o.add_param_group(ParamGroup<O>(params, options_from<O>(opts)));
           })
      .def_static("check", [](const py::dict& opts) { Opt::check(options_from<O>(opts)); })
      .def("set_options", [](Opt& o, std::size_t g, const py::dict& opts) { o.param_groups().at(g).options = options_from<O>(opts); })
      .def("state", [](const Opt& o, std::size_t g) {
        py::list out;
        for (const auto& s : o.param_groups().at(g).state) out.append(state_dict(s));
        return out;
      })
      .def("set_state", [](Opt& o, std::size_t g, std::size_t i, const py::dict& d) {
        auto& group = o.param_groups().at(g);
        group.state.resize(group.params.size());
        set_state(group.state.at(i), d, group.params.at(i));
      });
}

}  // namespace

void init_optim(py::module_& m) {
  using py::arg;
  auto loss = m.def_submodule("_loss", "the functional losses (include/ramp/nn/loss.h)");
  loss.def(
      "mse_loss", [](const Tensor& i, const Tensor& t, std::string r) { return mse_loss(i, t, {std::move(r)}); },
      arg("input"), arg("target"), arg("reduction"));
  loss.def(
      "l1_loss", [](const Tensor& i, const Tensor& t, std::string r) { return l1_loss(i, t, {std::move(r)}); },
      arg("input"), arg("target"), arg("reduction"));
  loss.def(
      "smooth_l1_loss",
      [](const Tensor& i, const Tensor& t, std::string r, double beta) { return smooth_l1_loss(i, t, {std::move(r), beta}); },
      arg("input"), arg("target"), arg("reduction"), arg("beta"));
  loss.def(
      "huber_loss",
      [](const Tensor& i, const Tensor& t, std::string r, double delta) { return huber_loss(i, t, {std::move(r), delta}); },
      arg("input"), arg("target"), arg("reduction"), arg("delta"));
  loss.def(
      "nll_loss",
      [](const Tensor& i, const Tensor& t, const std::optional<Tensor>& w, std::int64_t ignore, std::string r) {
        return nll_loss(i, t, {or_undefined(w), ignore, std::move(r)});
      },
      arg("input"), arg("target"), arg("weight"), arg("ignore_index"), arg("reduction"));
  loss.def(
      "cross_entropy",
      [](const Tensor& i, const Tensor& t, const std::optional<Tensor>& w, std::int64_t ignore, std::string r,
         double ls) { return cross_entropy(i, t, {or_undefined(w), ignore, std::move(r), ls}); },
      arg("input"), arg("target"), arg("weight"), arg("ignore_index"), arg("reduction"), arg("label_smoothing"));
  loss.def(
      "binary_cross_entropy",
      [](const Tensor& i, const Tensor& t, const std::optional<Tensor>& w, std::string r) {
        return binary_cross_entropy(i, t, {or_undefined(w), std::move(r)});
      },
      arg("input"), arg("target"), arg("weight"), arg("reduction"));
  loss.def(
      "binary_cross_entropy_with_logits",
      [](const Tensor& i, const Tensor& t, const std::optional<Tensor>& w, std::string r,
         const std::optional<Tensor>& pw) {
        return binary_cross_entropy_with_logits(i, t, {or_undefined(w), std::move(r), or_undefined(pw)});
      },
      arg("input"), arg("target"), arg("weight"), arg("reduction"), arg("pos_weight"));

  auto optim = m.def_submodule("_optim", "the optimizers and schedulers (include/ramp/optim.h)");
  py::class_<Optimizer>(optim, "Optimizer")
      .def("step", py::overload_cast<>(&Optimizer::step), py::call_guard<py::gil_scoped_release>())
      .def("zero_grad", &Optimizer::zero_grad, arg("set_to_none") = false)
      .def("num_param_groups", &Optimizer::num_param_groups)
      .def("lr", &Optimizer::group_lr)
      .def("set_lr", &Optimizer::set_group_lr)
      .def("initial_lr", [](Optimizer& o, std::size_t g) { return o.group_initial_lr(g); })
      .def("set_initial_lr",
           [](Optimizer& o, std::size_t g, std::optional<double> v) { o.group_initial_lr(g) = v; })
      .def("momentum", &Optimizer::group_momentum);
  bind_optimizer<SGD, SGDOptions>(optim, "SGD");
  bind_optimizer<Adam, AdamOptions>(optim, "Adam");
  bind_optimizer<AdamW, AdamWOptions>(optim, "AdamW");
  bind_optimizer<Adadelta, AdadeltaOptions>(optim, "Adadelta");
  bind_optimizer<Adagrad, AdagradOptions>(optim, "Adagrad");
  bind_optimizer<RMSprop, RMSpropOptions>(optim, "RMSprop");

  py::class_<LRScheduler>(optim, "LRScheduler")
      .def("step", &LRScheduler::step, arg("epoch") = py::none())
      .def("get_last_lr", &LRScheduler::get_last_lr)
      .def("set_last_lr", &LRScheduler::set_last_lr)
      .def_readwrite("last_epoch", &LRScheduler::last_epoch)
      .def_readwrite("base_lrs", &LRScheduler::base_lrs);
  py::class_<StepLR, LRScheduler>(optim, "StepLR")
      .def(py::init<Optimizer&, std::int64_t, double, std::int64_t>(), arg("optimizer"), arg("step_size"),
           arg("gamma"), arg("last_epoch"), py::keep_alive<1, 2>())
      .def_readwrite("step_size", &StepLR::step_size)
      .def_readwrite("gamma", &StepLR::gamma);
  py::class_<ExponentialLR, LRScheduler>(optim, "ExponentialLR")
      .def(py::init<Optimizer&, double, std::int64_t>(), arg("optimizer"), arg("gamma"), arg("last_epoch"),
           py::keep_alive<1, 2>())
      .def_readwrite("gamma", &ExponentialLR::gamma);
  py::class_<CosineAnnealingLR, LRScheduler>(optim, "CosineAnnealingLR")
      .def(py::init<Optimizer&, std::int64_t, double, std::int64_t>(), arg("optimizer"), arg("T_max"),
           arg("eta_min"), arg("last_epoch"), py::keep_alive<1, 2>())
      .def_readwrite("T_max", &CosineAnnealingLR::T_max)
      .def_readwrite("eta_min", &CosineAnnealingLR::eta_min);

  py::class_<MultiStepLR, LRScheduler>(optim, "MultiStepLR")
      .def(py::init<Optimizer&, std::vector<std::int64_t>, double, std::int64_t>(), arg("optimizer"),
           arg("milestones"), arg("gamma"), arg("last_epoch"), py::keep_alive<1, 2>())
      .def_readwrite("milestones", &MultiStepLR::milestones)
      .def_readwrite("gamma", &MultiStepLR::gamma);
  py::class_<LambdaLR, LRScheduler>(optim, "LambdaLR")
      .def(py::init<Optimizer&, std::vector<LambdaLR::Lambda>, std::int64_t>(), arg("optimizer"), arg("lr_lambdas"),
           arg("last_epoch"), py::keep_alive<1, 2>());
  py::class_<OneCycleLR, LRScheduler>(optim, "OneCycleLR")
      .def(py::init([](Optimizer& o, std::vector<double> max_lr, std::optional<std::int64_t> total_steps,
                       std::optional<std::int64_t> epochs, std::optional<std::int64_t> steps_per_epoch, double pct_start,
                       std::string anneal_strategy, bool cycle_momentum, std::vector<double> base_momentum,
                       std::vector<double> max_momentum, double div_factor, double final_div_factor, bool three_phase,
                       std::int64_t last_epoch) {
             OneCycleLROptions opt{std::move(max_lr), total_steps, epochs, steps_per_epoch, pct_start,
                                   std::move(anneal_strategy), cycle_momentum, std::move(base_momentum),
                                   std::move(max_momentum), div_factor, final_div_factor, three_phase};
             return std::make_unique<OneCycleLR>(o, opt, last_epoch);
           }),
           py::keep_alive<1, 2>())
      .def_property_readonly("total_steps", [](const OneCycleLR& s) { return s.schedule.total_steps; })
      .def_property_readonly("phase_ends",
                             [](const OneCycleLR& s) {
                               std::vector<double> v;
                               for (const auto& p : s.schedule.phases) v.push_back(p.end_step);
                               return v;
                             })
      .def_property(
          "max_lrs", [](const OneCycleLR& s) { return s.schedule.max_lrs; },
          [](OneCycleLR& s, std::vector<double> v) { s.schedule.max_lrs = std::move(v); })
      .def_property(
          "min_lrs", [](const OneCycleLR& s) { return s.schedule.min_lrs; },
          [](OneCycleLR& s, std::vector<double> v) { s.schedule.min_lrs = std::move(v); })
      .def_property(
          "max_momentums", [](const OneCycleLR& s) { return s.schedule.max_momentums; },
          [](OneCycleLR& s, std::vector<double> v) { s.schedule.max_momentums = std::move(v); })
      .def_property(
          "base_momentums", [](const OneCycleLR& s) { return s.schedule.base_momentums; },
          [](OneCycleLR& s, std::vector<double> v) { s.schedule.base_momentums = std::move(v); });
  py::class_<ReduceLROnPlateau> plateau(optim, "ReduceLROnPlateau");
  plateau
      .def(py::init([](Optimizer& o, std::string mode, double factor, std::int64_t patience, double threshold,
                       std::string threshold_mode, std::int64_t cooldown, std::vector<double> min_lr, double eps) {
             return std::make_unique<ReduceLROnPlateau>(
                 o, ReduceLROnPlateauOptions{std::move(mode), factor, patience, threshold, std::move(threshold_mode),
                                             cooldown, std::move(min_lr), eps});
           }),
           py::keep_alive<1, 2>())
      .def("step", &ReduceLROnPlateau::step, arg("metric"), arg("epoch") = py::none())
      .def("is_better", &ReduceLROnPlateau::is_better)
      .def("init_is_better", &ReduceLROnPlateau::init_is_better)
      .def_readwrite("min_lrs", &ReduceLROnPlateau::min_lrs)
      .def_readwrite("best", &ReduceLROnPlateau::best)
      .def_readwrite("mode_worse", &ReduceLROnPlateau::mode_worse)
      .def_readwrite("num_bad_epochs", &ReduceLROnPlateau::num_bad_epochs)
      .def_readwrite("cooldown_counter", &ReduceLROnPlateau::cooldown_counter)
      .def_readwrite("last_epoch", &ReduceLROnPlateau::last_epoch)
      .def_readwrite("last_lr", &ReduceLROnPlateau::last_lr);
  // The options, as ReduceLROnPlateau's attributes (load_state_dict may change them).
#define RAMP_PLATEAU_OPTION(name)                                                                                   \
  plateau.def_property(                                                                                             \
      #name, [](const ReduceLROnPlateau& s) { return s.options.name; },                                             \
      [](ReduceLROnPlateau& s, decltype(ReduceLROnPlateauOptions::name) v) { s.options.name = std::move(v); });
  RAMP_PLATEAU_OPTION(mode)
  RAMP_PLATEAU_OPTION(factor)
  RAMP_PLATEAU_OPTION(patience)
  RAMP_PLATEAU_OPTION(threshold)
  RAMP_PLATEAU_OPTION(threshold_mode)
  RAMP_PLATEAU_OPTION(cooldown)
  RAMP_PLATEAU_OPTION(eps)
#undef RAMP_PLATEAU_OPTION

  auto clip = m.def_submodule("_clip", "gradient clipping (include/ramp/nn/utils.h)");
  clip.def("clip_grad_norm_", py::overload_cast<const std::vector<Tensor>&, double, double, bool>(&nn::utils::clip_grad_norm_),
           arg("parameters"), arg("max_norm"), arg("norm_type") = 2.0, arg("error_if_nonfinite") = false);
  clip.def("clip_grad_value_", py::overload_cast<const std::vector<Tensor>&, double>(&nn::utils::clip_grad_value_),
           arg("parameters"), arg("clip_value"));
}

}  // namespace ramp::py_
