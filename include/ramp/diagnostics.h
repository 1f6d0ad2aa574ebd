// Training diagnostics (issue 10): why a network trains or does not, recorded while it trains.
//
//   ramp::diagnostics::Monitor monitor(net, {.every = 10});   // hooks on the activations and parameters
//   for (...) {
//     Tensor loss = loss_fn(net(x), y);
//     opt.zero_grad(); loss.backward(); opt.step();
//     monitor.step(loss.item<double>(), opt.param_groups()[0].lr);
//   }
//   monitor.end_epoch();                                      // closes the dead-unit window
//   std::cout << monitor.table();                             // per layer; dead layers flagged
//   monitor.save_report("report.html");                       // charts (include/ramp/chart.h)
//
// Per activation layer and logged step: the fraction of outputs that are not positive ("zero"
// for ReLU), for saturating activations the saturated fraction (local derivative below 1% of its
// maximum), the output's mean, std and a fixed-bin histogram, and the norm of the gradient reaching
// the layer's input. Per window (an epoch by default): dead units, the units (features, or channels
// of a convolution's output) with no positive output for any sample. Per parameter and logged
// step: the gradient norm and the update-to-weight ratio |w_after - w_before| / |w_before| of the
// optimizer step. Plus loss and learning rate.
//
// The ReLU counts cost no pass over the activations: when autograd records a rectifier through
// its 1-bit mask (the training case), the counts and the per-unit OR come from those bits, 1/32 of
// the output's size. Only logged steps pay for mean and std (one vectorized pass) and the histogram
// (a sample of at most 4096 outputs, evenly strided). Gradient norms and update ratios come from the
// optimizer's own fused update (src/optim/update_sums.h: sums of squares gathered while the values
// are in registers, no snapshot); an optimizer that does not report (a Python one) falls back to a
// snapshot of the weights. A module called twice in one step (a shared ReLU) is one row: the
// statistics of all its outputs in the step together (LayerStep::calls says how many). Units are
// dim 1 of an output (Options::units_dim). JSON-lines records: docs/design.md "Diagnostics".
#pragma once

#include <cstdint>
#include <fstream>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "ramp/tensor.h"

namespace ramp::nn {
class Module;
}
namespace ramp::optim {
struct UpdateSums;
}

namespace ramp::diagnostics {

// What the statistics mean for a layer, from its module's name.
enum class Family : std::uint8_t {
  rectifier,   // zero region: ReLU, ReLU6, LeakyReLU, PReLU, RReLU, ELU, CELU, SELU, GELU, SiLU, Mish,
               // Hardswish, Threshold
  saturating,  // flat tails: Sigmoid, Tanh, Hardtanh, Hardsigmoid, Softsign, LogSigmoid
  other,       // any other module watched (Linear, Conv2d, ...): mean, std, histogram, gradient
};
Family family_of(std::string_view module_name);  // "ReLU" -> rectifier

struct Options {
  std::int64_t every = 1;         // log every N-th step (the first step is logged)
  std::int64_t window = 0;        // dead-unit window in samples; 0: until end_epoch()
  int bins = 40;                  // histogram bins over [hist_lo, hist_hi]; outside values go to the end bins
  double hist_lo = -4, hist_hi = 4;
  double dead_threshold = 0.1;    // table() flags layers whose dead fraction is above this
  std::string log_path{};         // JSON-lines file, one record per logged step and window; "" for none
  std::int64_t keep = 0;  // the last `keep` logged steps stay in memory (steps()); 0: all. The log has all.
  // Which dim of an output holds its units: 1 (features of [N, F]; channels of [N, C, ...], as torch's
  // Conv1d and BatchNorm1d read [N, C, L]) or -1, the last (features of a Linear on [N, L, F]
  // sequences; every leading position is then a row).
  int units_dim = 1;
};

inline constexpr double kNone = std::numeric_limits<double>::quiet_NaN();  // not measured

struct LayerStep {
  double zero_fraction = kNone;       // outputs <= 0 (rectifiers and others; NaN counts as positive,
                                      // as the mask's x > 0 test written !(x <= 0) does)
  double saturated_fraction = kNone;  // saturating family only
  double mean = kNone, std = kNone;
  std::vector<double> histogram;      // fractions per bin (sum 1)
  double grad_norm = kNone;           // L2 norm of the gradient reaching the layer's input
  std::int64_t calls = 0;             // forward calls in the step (all of them are in the figures above)
};
struct ParamStep {
  double grad_norm = kNone;
  double update_ratio = kNone;        // |w_after - w_before| / |w_before|
};
struct StepRecord {
  std::int64_t step = 0;              // counted from 0 by step()
  double loss = kNone, lr = kNone;
  std::vector<LayerStep> layers;      // in layer order
  std::vector<ParamStep> params;      // in parameter order
};
struct WindowRecord {
  std::int64_t window = 0, step = 0;  // the window's index, and the steps seen when it closed
  std::vector<std::int64_t> dead, units;  // per layer (rectifiers; units 0 for others)
};

// Per-unit "ever positive" bits of one layer over the window, and running counts.
struct UnitState;
// A layer's outputs in the step in progress (src/diagnostics/stats.h).
struct Sums;

class Monitor {
 public:
  explicit Monitor(Options options = {});
  // Watches `model`: every activation module (and, when `all_layers`, every leaf module) through
  // forward hooks, its parameters by name. The hooks go when the monitor is destroyed; the model
  // must outlive it.
  explicit Monitor(nn::Module& model, Options options = {}, bool all_layers = false);
  ~Monitor();
  Monitor(const Monitor&) = delete;
  Monitor& operator=(const Monitor&) = delete;

  // ---- what the hooks call (Python's Monitor calls these from its own hooks) ----
  int add_layer(std::string name, std::string type);
  void add_parameter(std::string name, Tensor parameter);
  // A layer's output, during forward: counts every step, statistics on logged steps.
  void observe(int layer, const Tensor& output);
  // A layer's input, during forward: on logged steps, a hook on its gradient calls observe_grad
  // (an intermediate that requires grad; others are skipped).
  void watch_input(int layer, const Tensor& input);
  // The gradient reaching a layer's input, during backward (logged steps only).
  void observe_grad(int layer, const Tensor& grad);
  // Whether the step in progress is logged (hooks skip their work otherwise).
  bool logging() const { return step_ % options_.every == 0; }
  // While paused (an evaluation pass between training steps), outputs and gradients are not
  // recorded: evaluation must not mark units alive in the training window.
  void pause(bool paused = true) { paused_ = paused; }

  // After the optimizer's step: records gradient norms and update ratios, the loss and the rate.
  void step(double loss = kNone, double lr = kNone);
  // Closes the dead-unit window (an epoch), recording each layer's dead units.
  void end_epoch();

  // ---- results ----
  const std::vector<std::string>& layer_names() const { return names_; }
  const std::vector<std::string>& layer_types() const { return types_; }
  const std::vector<std::string>& param_names() const { return param_names_; }
  const std::vector<StepRecord>& steps() const { return steps_; }
  const std::vector<WindowRecord>& windows() const { return windows_; }
  const Options& options() const { return options_; }
  // A terminal table: per layer its latest statistics and dead units, "<- dead" above the threshold.
  std::string table() const;
  // The charts (loss, rate, zero fractions, dead units by window, histograms over time, gradient
  // norms and update ratios) in one self-contained HTML page.
  void save_report(const std::string& path, const std::string& title = "ramp diagnostics") const;

 private:
  void log(const std::string& json_line);
  void close_window();
  void record_params();
  Options options_;
  std::vector<std::string> names_, types_;
  std::vector<Family> families_;
  std::vector<std::unique_ptr<UnitState>> units_;
  std::vector<std::string> param_names_;
  std::vector<Tensor> params_, before_;  // before_: snapshots for parameters whose optimizer does not report
  std::vector<std::unique_ptr<optim::UpdateSums>> update_sums_;  // what the optimizer reports (update_sums.h)
  std::vector<Sums> sums_;                                       // per layer, the step in progress
  std::int64_t step_ = 0, samples_in_window_ = 0, step_samples_ = -1;  // -1: no output seen this step
  bool paused_ = false;
  StepRecord current_;
  std::vector<StepRecord> steps_;
  std::vector<WindowRecord> windows_;
  std::ofstream log_;
  // What the gradient hooks on inputs hold: cleared when the Monitor dies, so a backward pass after
  // that (a graph built before, retain_graph) finds no Monitor instead of a freed one.
  std::shared_ptr<Monitor*> self_;
  struct Attached;
  std::unique_ptr<Attached> attached_;
};

// ---- the per-output pieces, public for tests ----
// The number of set bits among bits [0, n).
std::int64_t count_bits(const std::uint64_t* bits, std::int64_t n);
// OR of bits [start, start + len) of `bits` into bits [0, len) of `into`.
void or_bits(std::uint64_t* into, const std::uint64_t* bits, std::int64_t start, std::int64_t len);
// Whether any bit of [start, start + len) is set.
bool any_bit(const std::uint64_t* bits, std::int64_t start, std::int64_t len);
// The pass bits a rectifier's forward wrote for `output` (its grad_fn's 1-bit mask, bit i for
// element i in memory order), or nullptr when autograd did not record it that way.
const std::uint64_t* pass_bits(const Tensor& output);

}  // namespace ramp::diagnostics
