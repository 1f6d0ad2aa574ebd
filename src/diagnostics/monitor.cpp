// diagnostics::Monitor: what it records per step and window (include/ramp/diagnostics.h).
#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "../optim/update_sums.h"
#include "ramp/autograd.h"
#include "ramp/error.h"
#include "ramp/nn/module.h"
#include "stats.h"

namespace ramp::diagnostics {

struct UnitState {
  std::vector<std::uint64_t> alive;  // bit u: unit u was positive for some sample in the window
  std::int64_t units = -1;           // -1 until the layer is first seen
};

Family family_of(std::string_view n) {
  for (std::string_view r : {"ReLU", "ReLU6", "LeakyReLU", "PReLU", "RReLU", "ELU", "CELU", "SELU", "GELU", "SiLU",
                             "Mish", "Hardswish", "Threshold"})
    if (n == r) return Family::rectifier;
  for (std::string_view s : {"Sigmoid", "Tanh", "Hardtanh", "Hardsigmoid", "Softsign", "LogSigmoid"})
    if (n == s) return Family::saturating;
  return Family::other;
}

namespace {
nlohmann::json num(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }
}  // namespace

Monitor::Monitor(Options options) : options_(std::move(options)), self_(std::make_shared<Monitor*>(this)) {
  RAMP_CHECK_T(ValueError, options_.every >= 1, "Monitor: every must be at least 1, got ", options_.every);
  RAMP_CHECK_T(ValueError, options_.window >= 0, "Monitor: window must be >= 0, got ", options_.window);
  RAMP_CHECK_T(ValueError, options_.keep >= 0, "Monitor: keep must be >= 0, got ", options_.keep);
  RAMP_CHECK_T(ValueError, options_.units_dim == 1 || options_.units_dim == -1,
               "Monitor: units_dim must be 1 or -1, got ", options_.units_dim);
  RAMP_CHECK_T(ValueError, options_.bins >= 1 && options_.hist_hi > options_.hist_lo,
               "Monitor: the histogram needs bins >= 1 and hist_hi > hist_lo");
  if (!options_.log_path.empty()) {
    log_.open(options_.log_path, std::ios::out | std::ios::trunc);
    RAMP_CHECK(log_.good(), "Monitor: cannot write the log '", options_.log_path, "'");
  }
}

int Monitor::add_layer(std::string name, std::string type) {
  RAMP_CHECK(step_ == 0, "Monitor: add layers before the first step (the records have a column per layer)");
  families_.push_back(family_of(type));
  names_.push_back(std::move(name));
  types_.push_back(std::move(type));
  units_.push_back(std::make_unique<UnitState>());
  sums_.emplace_back();
  return int(names_.size()) - 1;
}

void Monitor::add_parameter(std::string name, Tensor parameter) {
  RAMP_CHECK(step_ == 0, "Monitor: add parameters before the first step (the records have a column per parameter)");
  param_names_.push_back(std::move(name));
  // The optimizer's update reports its sums (armed: step 0 is logged); the snapshot is for one
  // that does not, dropped once the parameter's updates are seen to report.
  update_sums_.push_back(std::make_unique<optim::UpdateSums>());
  update_sums_.back()->armed = true;
  optim::report_updates(parameter, update_sums_.back().get());
  before_.push_back(parameter.detach().clone());
  params_.push_back(std::move(parameter));
}

void Monitor::observe(int layer, const Tensor& out) {
  RAMP_CHECK_T(IndexError, layer >= 0 && std::size_t(layer) < names_.size(), "Monitor.observe: no layer ", layer);
  if (paused_ || !out.defined() || !is_floating(out.dtype()) || out.numel() == 0) return;
  UnitState& u = *units_[std::size_t(layer)];
  const Layout l = layout_of(out, options_.units_dim);
  if (u.units != l.units) {  // first sight (or a new shape): a fresh window for this layer
    u.units = l.units;
    u.alive.assign(std::size_t((l.units + 63) / 64), 0);
  }
  // The step's samples: dim 0 of the first output seen in it (the batch; a later layer may have
  // reshaped its rows).
  if (step_samples_ < 0) step_samples_ = out.dim() >= 2 ? out.size(0) : 1;
  const Family f = families_[std::size_t(layer)];
  const std::uint64_t* bits = f == Family::rectifier && out.is_contiguous() ? pass_bits(out) : nullptr;
  Sums& s = sums_[std::size_t(layer)];
  ++s.calls;
  if (bits) {  // the kernel's mask: counts and unit liveness without touching the output
    mark_alive(u.alive, bits, l);
    if (logging()) s.positive += count_bits(bits, out.numel());
  }
  if (!logging()) {
    if (!bits && f == Family::rectifier)
      mark_alive(u.alive, out, l);  // liveness only: no statistics unlogged
    return;
  }
  add_output(s, out, options_, f == Family::saturating ? saturation_of(types_[std::size_t(layer)]) : nullptr,
             !bits, l, bits || f != Family::rectifier ? nullptr : &u.alive);
}

void Monitor::observe_grad(int layer, const Tensor& grad) {
  RAMP_CHECK_T(IndexError, layer >= 0 && std::size_t(layer) < names_.size(), "Monitor.observe_grad: no layer ", layer);
  if (!logging() || paused_) return;
  if (!grad.defined() || grad.numel() == 0) return;
  const double n = norm_of(grad);
  Sums& s = sums_[std::size_t(layer)];
  s.grad_squares += n * n, s.grad = true;  // several calls: the norm of all their input gradients together
}

void Monitor::watch_input(int layer, const Tensor& in) {
  if (!logging() || paused_ || !in.defined() || !in.requires_grad() || in.is_leaf()) return;
  // A hook on the input's gradient, for this step only (the input is an intermediate).
  in.register_hook([self = self_, layer](const Tensor& g) {
    if (Monitor* m = *self) m->observe_grad(layer, g);
    return Tensor();
  });
}

// Per parameter: the optimizer's reported sums, else the snapshot (and a fresh one when it had none).
void Monitor::record_params() {
  autograd::NoGradGuard no_grad;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    optim::UpdateSums& u = *update_sums_[i];
    ParamStep& r = current_.params[i];
    if (u.reported) {
      r.grad_norm = std::sqrt(u.grad);
      r.update_ratio = u.weight > 0 ? std::sqrt(u.delta / u.weight) : kNone;
      before_[i] = Tensor();  // this parameter's updates report: no snapshot needed
    } else {
      r.grad_norm = norm_of(params_[i].grad());
      if (before_[i].defined())
        r.update_ratio = update_ratio(params_[i], before_[i]);  // and refreshes it
      else
        before_[i] = params_[i].detach().clone();
    }
    u.reset();
  }
}

void Monitor::step(double loss, double lr) {
  if (logging()) {
    current_ = StepRecord{};
    current_.step = step_, current_.loss = loss, current_.lr = lr;
    current_.layers.resize(names_.size());
    current_.params.resize(params_.size());
    for (std::size_t i = 0; i < names_.size(); ++i)
      finish(sums_[i], families_[i] == Family::saturating, current_.layers[i]);
    record_params();
    if (log_.is_open()) {
      nlohmann::json j{{"type", "step"}, {"step", step_}, {"loss", num(loss)}, {"lr", num(lr)}};
      for (std::size_t i = 0; i < names_.size(); ++i) {
        const LayerStep& s = current_.layers[i];
        j["layers"].push_back({{"name", names_[i]},
                               {"type", types_[i]},
                               {"zero_fraction", num(s.zero_fraction)},
                               {"saturated_fraction", num(s.saturated_fraction)},
                               {"mean", num(s.mean)},
                               {"std", num(s.std)},
                               {"histogram", s.histogram},
                               {"grad_norm", num(s.grad_norm)},
                               {"calls", s.calls}});
      }
      for (std::size_t i = 0; i < params_.size(); ++i)
        j["params"].push_back({{"name", param_names_[i]}, {"grad_norm", num(current_.params[i].grad_norm)},
                               {"update_ratio", num(current_.params[i].update_ratio)}});
      log(j.dump());
    }
    steps_.push_back(std::move(current_));
    if (options_.keep > 0 && std::int64_t(steps_.size()) > options_.keep) steps_.erase(steps_.begin());
  }
  for (Sums& s : sums_) s = Sums{};
  samples_in_window_ += std::max<std::int64_t>(step_samples_, 0);
  step_samples_ = -1;
  ++step_;
  if (options_.window > 0 && samples_in_window_ >= options_.window) close_window();
  // The next step's updates gather their sums when it is logged; a parameter without reports needs
  // the weights from just before a logged step's update (every == 1: update_ratio just refreshed them).
  for (auto& u : update_sums_) u->reset(), u->armed = logging();
  if (options_.every > 1 && logging()) {
    autograd::NoGradGuard no_grad;
    for (std::size_t i = 0; i < params_.size(); ++i)
      if (before_[i].defined()) before_[i].copy_(params_[i].detach());
  }
}

void Monitor::end_epoch() { close_window(); }

void Monitor::close_window() {
  WindowRecord w{std::int64_t(windows_.size()), step_, {}, {}};
  for (std::size_t i = 0; i < names_.size(); ++i) {
    UnitState& u = *units_[i];
    const bool counted = families_[i] == Family::rectifier && u.units > 0;
    w.units.push_back(counted ? u.units : 0);
    w.dead.push_back(counted ? u.units - count_bits(u.alive.data(), u.units) : 0);
    std::fill(u.alive.begin(), u.alive.end(), 0);
  }
  windows_.push_back(w);
  samples_in_window_ = 0;
  if (log_.is_open()) {
    nlohmann::json j{{"type", "window"}, {"window", w.window}, {"step", w.step}};
    for (std::size_t i = 0; i < names_.size(); ++i)
      if (w.units[i] > 0) j["layers"].push_back({{"name", names_[i]}, {"dead", w.dead[i]}, {"units", w.units[i]}});
    log(j.dump());
  }
}

void Monitor::log(const std::string& line) {
  log_ << line << '\n';
  log_.flush();
  RAMP_CHECK(log_.good(), "Monitor: writing the log '", options_.log_path, "' failed");
}

// ---- attaching to a C++ model ----
struct Monitor::Attached {
  std::vector<std::pair<nn::Module*, int>> hooks;
};

Monitor::Monitor(nn::Module& model, Options options, bool all_layers) : Monitor(std::move(options)) {
  attached_ = std::make_unique<Attached>();
  for (auto& [name, m] : model.named_modules()) {
    if (name.empty()) continue;
    const std::string type = m->name();
    if (family_of(type) == Family::other && !(all_layers && m->children().empty())) continue;
    const int layer = add_layer(name, type);
    // One hook after forward: the output's statistics, and the hook on the input's gradient.
    const int id = m->register_forward_hook(
        [this, layer](nn::Module&, const Tensor& in, const Tensor& out) -> std::optional<Tensor> {
          watch_input(layer, in);
          observe(layer, out);
          return std::nullopt;
        });
    attached_->hooks.push_back({m, id});
  }
  for (auto& [name, p] : model.named_parameters()) add_parameter(name, p);
}

Monitor::~Monitor() {
  *self_ = nullptr;
  for (std::size_t i = 0; i < params_.size(); ++i) optim::stop_reports(params_[i], update_sums_[i].get());
  if (attached_)
    for (auto& [m, id] : attached_->hooks) m->remove_hook(id);
}

}  // namespace ramp::diagnostics
