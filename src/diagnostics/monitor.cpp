// diagnostics::Monitor: what it records per step and window (include/ramp/diagnostics.h).
#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

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

Monitor::Monitor(Options options) : options_(std::move(options)) {
  RAMP_CHECK_T(ValueError, options_.every >= 1, "Monitor: every must be at least 1, got ", options_.every);
  RAMP_CHECK_T(ValueError, options_.window >= 0, "Monitor: window must be >= 0, got ", options_.window);
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
  current_.layers.resize(names_.size());
  return int(names_.size()) - 1;
}

void Monitor::add_parameter(std::string name, Tensor parameter) {
  RAMP_CHECK(step_ == 0, "Monitor: add parameters before the first step (the records have a column per parameter)");
  param_names_.push_back(std::move(name));
  before_.push_back(parameter.detach().clone());  // the weights before the first logged update
  params_.push_back(std::move(parameter));
  current_.params.resize(params_.size());
}

void Monitor::observe(int layer, const Tensor& out) {
  RAMP_CHECK_T(IndexError, layer >= 0 && std::size_t(layer) < names_.size(), "Monitor.observe: no layer ", layer);
  if (paused_ || !out.defined() || !is_floating(out.dtype()) || out.numel() == 0) return;
  UnitState& u = *units_[std::size_t(layer)];
  const Layout l = layout_of(out);
  if (u.units != l.units) {  // first sight (or a new shape): a fresh window for this layer
    u.units = l.units;
    u.alive.assign(std::size_t((l.units + 63) / 64), 0);
  }
  step_samples_ = std::max(step_samples_, l.outer);  // the batch, however many layers saw it
  const Family f = families_[std::size_t(layer)];
  const std::uint64_t* bits = f == Family::rectifier && out.is_contiguous() ? pass_bits(out) : nullptr;
  LayerStep& rec = current_.layers[std::size_t(layer)];
  if (bits) {  // the kernel's mask: counts and unit liveness without touching the output
    mark_alive(u.alive, bits, l);
    if (logging()) rec.zero_fraction = 1 - double(count_bits(bits, out.numel())) / double(out.numel());
  }
  if (!logging()) {
    if (!bits && f == Family::rectifier) mark_alive(u.alive, out);  // liveness only: no statistics unlogged
    return;
  }
  const Scan s = scan_output(out, options_, f == Family::saturating ? saturation_of(types_[std::size_t(layer)]) : nullptr,
                             bits || f != Family::rectifier ? nullptr : &u.alive);
  if (!bits) rec.zero_fraction = 1 - double(s.positive) / double(out.numel());
  rec.mean = s.mean, rec.std = s.std, rec.saturated_fraction = s.saturated, rec.histogram = s.histogram;
}

void Monitor::observe_grad(int layer, const Tensor& grad) {
  RAMP_CHECK_T(IndexError, layer >= 0 && std::size_t(layer) < names_.size(), "Monitor.observe_grad: no layer ", layer);
  if (logging() && !paused_) current_.layers[std::size_t(layer)].grad_norm = norm_of(grad);
}

void Monitor::step(double loss, double lr) {
  if (logging()) {
    current_.step = step_, current_.loss = loss, current_.lr = lr;
    autograd::NoGradGuard no_grad;
    for (std::size_t i = 0; i < params_.size(); ++i) {
      current_.params[i].grad_norm = norm_of(params_[i].grad());
      current_.params[i].update_ratio = update_ratio(params_[i], before_[i]);  // and refreshes the snapshot
    }
    steps_.push_back(current_);
    if (log_.is_open()) {
      nlohmann::json j{{"type", "step"}, {"step", step_}, {"loss", num(loss)}, {"lr", num(lr)}};
      for (std::size_t i = 0; i < names_.size(); ++i) {
        const LayerStep& s = current_.layers[i];
        j["layers"].push_back({{"name", names_[i]}, {"type", types_[i]}, {"zero_fraction", num(s.zero_fraction)},
                               {"saturated_fraction", num(s.saturated_fraction)}, {"mean", num(s.mean)},
                               {"std", num(s.std)}, {"histogram", s.histogram}, {"grad_norm", num(s.grad_norm)}});
      }
      for (std::size_t i = 0; i < params_.size(); ++i)
        j["params"].push_back({{"name", param_names_[i]}, {"grad_norm", num(current_.params[i].grad_norm)},
                               {"update_ratio", num(current_.params[i].update_ratio)}});
      log(j.dump());
    }
  }
  samples_in_window_ += step_samples_;
  step_samples_ = 0;
  ++step_;
  current_ = StepRecord{};
  current_.layers.resize(names_.size());
  current_.params.resize(params_.size());
  if (options_.window > 0 && samples_in_window_ >= options_.window) close_window();
  // A logged step's update ratio needs the weights from just before its update (every == 1: the
  // snapshot update_ratio just refreshed).
  if (options_.every > 1 && logging()) {
    autograd::NoGradGuard no_grad;
    for (std::size_t i = 0; i < params_.size(); ++i) before_[i].copy_(params_[i].detach());
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
  std::vector<std::pair<nn::Module*, std::pair<int, int>>> hooks;
  // What the gradient hooks on inputs hold: cleared when the Monitor dies, so a backward pass after
  // that (a graph built before, retain_graph) finds no Monitor instead of a freed one.
  std::shared_ptr<Monitor*> self;
};

Monitor::Monitor(nn::Module& model, Options options, bool all_layers) : Monitor(std::move(options)) {
  attached_ = std::make_unique<Attached>();
  attached_->self = std::make_shared<Monitor*>(this);
  const std::shared_ptr<Monitor*> self = attached_->self;
  for (auto& [name, m] : model.named_modules()) {
    if (name.empty()) continue;
    const std::string type = m->name();
    if (family_of(type) == Family::other && !(all_layers && m->children().empty())) continue;
    const int layer = add_layer(name, type);
    const int pre = m->register_forward_pre_hook([this, self, layer](nn::Module&, const Tensor& in) -> std::optional<Tensor> {
      // A hook on the input's gradient, for this step only (the input is an intermediate).
      if (logging() && !paused_ && in.requires_grad() && !in.is_leaf())
        in.register_hook([self, layer](const Tensor& g) {
          if (Monitor* m = *self) m->observe_grad(layer, g);
          return Tensor();
        });
      return std::nullopt;
    });
    const int post = m->register_forward_hook([this, layer](nn::Module&, const Tensor&, const Tensor& out) -> std::optional<Tensor> {
      observe(layer, out);
      return std::nullopt;
    });
    attached_->hooks.push_back({m, {pre, post}});
  }
  for (auto& [name, p] : model.named_parameters()) add_parameter(name, p);
}

Monitor::~Monitor() {
  if (!attached_) return;
  *attached_->self = nullptr;
  for (auto& [m, ids] : attached_->hooks) m->remove_hook(ids.first), m->remove_hook(ids.second);
}

}  // namespace ramp::diagnostics
