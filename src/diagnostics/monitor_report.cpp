// The Monitor's outputs for people: the terminal table and the HTML report's charts.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "ramp/chart.h"
#include "ramp/diagnostics.h"

namespace ramp::diagnostics {

namespace {

std::string fmt(const char* f, double v) {
  if (!std::isfinite(v)) return "-";
  char buf[48];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}
std::string pad(std::string s, std::size_t w) {
  if (s.size() < w) s += std::string(w - s.size(), ' ');
  return s + " ";
}

// The steps as x, and one value per step read by `get`.
template <class F> chart::Series series(const std::string& name, const std::vector<StepRecord>& steps, F get) {
  chart::Series s{name};
  for (const auto& r : steps) s.x.push_back(double(r.step)), s.y.push_back(get(r));
  return s;
}

// The table's cells, once for the terminal and the report: per layer its latest statistics and
// the dead units of the last closed window, flagged above the threshold.
std::vector<std::vector<std::string>> table_rows(const Monitor& m) {
  std::vector<std::vector<std::string>> rows{{"layer", "type", "zero%", "sat%", "dead/units", "mean", "std", "grad in", ""}};
  const auto& steps = m.steps();
  const auto& windows = m.windows();
  for (std::size_t i = 0; i < m.layer_names().size(); ++i) {
    const LayerStep s = steps.empty() ? LayerStep{} : steps.back().layers[i];
    std::string dead = "-", flag;
    if (!windows.empty() && windows.back().units[i] > 0) {
      const auto& w = windows.back();
      const double frac = double(w.dead[i]) / double(w.units[i]);
      dead = std::to_string(w.dead[i]) + "/" + std::to_string(w.units[i]) + fmt(" (%.0f%%)", 100 * frac);
      if (frac > m.options().dead_threshold) flag = "<- dead";
    }
    rows.push_back({m.layer_names()[i], m.layer_types()[i], fmt("%.1f", 100 * s.zero_fraction),
                    fmt("%.1f", 100 * s.saturated_fraction), dead, fmt("%.3g", s.mean), fmt("%.3g", s.std),
                    fmt("%.3g", s.grad_norm), flag});
  }
  return rows;
}

}  // namespace

std::string Monitor::table() const {
  const auto rows = table_rows(*this);
  std::vector<std::size_t> wide(rows[0].size(), 0);
  for (const auto& r : rows)
    for (std::size_t c = 0; c < r.size(); ++c) wide[c] = std::max(wide[c], r[c].size());
  std::string o;
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t c = 0; c < r.size(); ++c) line += pad(r[c], wide[c]);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    o += line + "\n";
  }
  if (windows_.empty()) o += "(dead units are counted when a window closes: end_epoch())\n";
  return o;
}

void Monitor::save_report(const std::string& path, const std::string& title) const {
  chart::Report r(title);
  r.paragraph(std::to_string(steps_.size()) + " logged steps (every " + std::to_string(options_.every) + "), " +
              std::to_string(windows_.size()) + " dead-unit windows.");
  {
    const auto rows = table_rows(*this);
    r.table(rows[0], {rows.begin() + 1, rows.end()});
  }
  {
    chart::LineChart c{.title = "Loss", .x = {"step"}, .y = {"loss", true}};
    c.series.push_back(series("", steps_, [](const StepRecord& s) { return s.loss; }));
    r.figure(chart::svg(c));
    chart::LineChart lr{.title = "Learning rate", .x = {"step"}, .y = {"lr", true}};
    lr.series.push_back(series("", steps_, [](const StepRecord& s) { return s.lr; }));
    r.figure(chart::svg(lr));
  }
  chart::LineChart zero{.title = "Outputs not positive, per layer", .x = {"step"}, .y = {"fraction", false, 0.0, 1.0}};
  chart::LineChart grad{.title = "Gradient norm reaching each layer's input", .x = {"step"}, .y = {"norm", true}};
  chart::LineChart gflow{.title = "Gradient flow at the last logged step", .x = {"layer (input side first)"},
                         .y = {"norm", true}};
  chart::Series flow{"grad in"};
  for (std::size_t i = 0; i < names_.size(); ++i) {
    zero.series.push_back(series(names_[i], steps_, [i](const StepRecord& s) { return s.layers[i].zero_fraction; }));
    grad.series.push_back(series(names_[i], steps_, [i](const StepRecord& s) { return s.layers[i].grad_norm; }));
    flow.x.push_back(double(i)), flow.y.push_back(steps_.empty() ? kNone : steps_.back().layers[i].grad_norm);
  }
  gflow.series.push_back(flow);
  r.heading("Activations");
  r.figure(chart::svg(zero), "For ReLU, the fraction of zero outputs; a unit that is zero for every sample is dead.");
  if (!windows_.empty()) {
    chart::Heatmap h{.title = "Dead units per layer and window", .x_label = "window", .value_label = "dead fraction",
                     .lo = 0.0, .hi = 1.0};
    for (std::size_t i = 0; i < names_.size(); ++i) {
      if (windows_.back().units[i] == 0) continue;
      h.rows.push_back(names_[i]);
      h.values.emplace_back();
      for (const auto& w : windows_) h.values.back().push_back(w.units[i] ? double(w.dead[i]) / double(w.units[i]) : kNone);
    }
    for (const auto& w : windows_) h.columns.push_back(double(w.window));
    if (!h.rows.empty()) r.figure(chart::svg(h));
  }
  // fastai's "colorful dimension": each layer's histogram over time, bins bottom (low) to top.
  for (std::size_t i = 0; i < names_.size() && i < 8; ++i) {
    chart::Heatmap h{.title = "Output histogram over time: " + names_[i], .x_label = "step",
                     .value_label = "fraction (log)", .log = true, .lo = 1e-4, .hi = 1.0};
    for (int b = options_.bins - 1; b >= 0; --b) {
      const double lo = options_.hist_lo + (options_.hist_hi - options_.hist_lo) * b / options_.bins;
      h.rows.push_back(b % 5 == 0 ? chart::number(lo) : "");
      h.values.emplace_back();
      for (const auto& s : steps_)
        h.values.back().push_back(s.layers[i].histogram.empty() ? kNone : std::max(s.layers[i].histogram[std::size_t(b)], 1e-4));
    }
    for (const auto& s : steps_) h.columns.push_back(double(s.step));
    r.figure(chart::svg(h));
  }
  r.heading("Gradients");
  r.figure(chart::svg(gflow), "Vanishing gradients fall towards the input side; exploding ones rise.");
  r.figure(chart::svg(grad));
  chart::LineChart pg{.title = "Parameter gradient norms", .x = {"step"}, .y = {"norm", true}};
  chart::LineChart ur{.title = "Update-to-weight ratio per step", .x = {"step"}, .y = {"ratio", true}};
  for (std::size_t i = 0; i < param_names_.size(); ++i) {
    pg.series.push_back(series(param_names_[i], steps_, [i](const StepRecord& s) { return s.params[i].grad_norm; }));
    ur.series.push_back(series(param_names_[i], steps_, [i](const StepRecord& s) { return s.params[i].update_ratio; }));
  }
  r.figure(chart::svg(pg));
  r.figure(chart::svg(ur), "A common rule of thumb puts healthy ratios near 1e-3.");
  r.save(path);
}

}  // namespace ramp::diagnostics
