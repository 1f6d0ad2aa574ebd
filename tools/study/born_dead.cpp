// `ramp study born-dead`: how often a narrow, deep ReLU net is dead at birth, its output constant
// over its inputs (Lu, Shin, Su & Karniadakis, "Dying ReLU and Initialization", 2019): He-normal
// weights, zero biases, inputs uniform on [-1, 1]^2; LeakyReLU as the control.
#include <cmath>

#include "ramp/chart.h"
#include "ramp/functional.h"
#include "ramp/ops.h"
#include "ramp/random.h"
#include "ramp/reduce.h"
#include "study.h"

namespace ramp::study {

namespace {

const std::vector<std::int64_t> kWidths = {2, 3, 4}, kDepths = {5, 10, 20};

// The fraction of `inits` networks (all initialised at once, as a batch of weight matrices) whose
// output is the same for every input.
double dead_fraction(std::int64_t width, std::int64_t depth, std::int64_t inits, const Tensor& x, bool leaky) {
  Tensor h = x.expand({inits, x.size(0), x.size(1)});
  for (std::int64_t l = 0; l <= depth; ++l) {  // depth hidden layers, then the output layer
    const std::int64_t in = h.size(2), out = l == depth ? 1 : width;
    const Tensor w = randn({inits, in, out}, ScalarType::Float64).mul(std::sqrt(2.0 / double(in)));  // He normal
    h = bmm(h, w);
    if (l < depth) h = leaky ? leaky_relu(h) : relu(h);
  }
  const Tensor spread = amax(h, {1}).sub(amin(h, {1}));  // [inits, 1]
  return eq(spread, 0).to(ScalarType::Float64).mean().item<double>();
}

}  // namespace

Result born_dead(const Context& c) {
  const std::int64_t inits = c.full ? 10000 : 1000, inputs = 1000;
  manual_seed(c.seed);
  const Tensor x = rand({inputs, 2}, ScalarType::Float64).mul(2).sub(1);
  Result r;
  r.data["widths"] = kWidths, r.data["depths"] = kDepths, r.data["initialisations"] = inits;
  r.data["inputs"] = inputs;
  Progress bar(c, "born-dead", std::int64_t(2 * kWidths.size() * kDepths.size()));
  chart::LineChart ch{.title = "Probability that a ReLU net is born dead", .x = {"depth"},
                      .y = {"P(output constant)", false, 0.0, 1.0}};
  double worst_over_bound = -1;
  for (std::int64_t w : kWidths) {
    std::vector<double> row, bound, leaky, depths;
    for (std::int64_t d : kDepths) {
      row.push_back(dead_fraction(w, d, inits, x, false));
      bar.tick();
      leaky.push_back(dead_fraction(w, d, inits, x, true));
      bar.tick();
      bound.push_back(1 - std::pow(1 - std::pow(2.0, -double(w)), double(d)));
      depths.push_back(double(d));
      worst_over_bound = std::max(worst_over_bound, row.back() - bound.back());
    }
    r.data["p_dead"].push_back(row);
    r.data["p_dead_leaky_relu"].push_back(leaky);
    r.data["bound"].push_back(bound);
    ch.series.push_back({"width " + std::to_string(w), depths, row});
    ch.series.push_back({"bound, width " + std::to_string(w), depths, bound});
  }
  chart::Report sec("");
  sec.figure(chart::svg(ch), "Measured fractions of " + std::to_string(inits) +
                                 " initialisations (He normal, zero bias) and the bound 1 - (1 - 2^-W)^D.");
  std::vector<std::vector<std::string>> rows;
  for (std::size_t i = 0; i < kWidths.size(); ++i)
    for (std::size_t j = 0; j < kDepths.size(); ++j)
      rows.push_back({std::to_string(kWidths[i]), std::to_string(kDepths[j]), chart::number(r.data["p_dead"][i][j]),
                      chart::number(r.data["bound"][i][j]), chart::number(r.data["p_dead_leaky_relu"][i][j])});
  sec.table({"width", "depth", "P(born dead)", "bound", "LeakyReLU"}, rows);
  r.html = sec.body();
  double leaky_max = 0;
  for (const auto& row : r.data["p_dead_leaky_relu"])
    for (double v : row) leaky_max = std::max(leaky_max, v);
  r.conclusion = "A width-2 ReLU net of depth 20 is born dead in " +
                 chart::number(100 * r.data["p_dead"][0][2].get<double>()) + "% of initialisations (depth 5: " +
                 chart::number(100 * r.data["p_dead"][0][0].get<double>()) + "%), width 4 depth 20 in " +
                 chart::number(100 * r.data["p_dead"][2][2].get<double>()) + "%; " +
                 (worst_over_bound <= 0 ? "every measured fraction is below the bound" : "some fraction exceeds the bound by " + chart::number(worst_over_bound)) +
                 "; LeakyReLU nets: " + chart::number(100 * leaky_max) + "% at most.";
  return r;
}

}  // namespace ramp::study
