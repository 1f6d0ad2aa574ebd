// `ramp study activations`: every activation of the registry and its derivative (by autograd) on
// [-6, 6], and a table of properties measured on the numbers, not copied from a textbook.
#include <cmath>

#include "ramp/autograd.h"
#include "ramp/chart.h"
#include "ramp/nn/activation.h"
#include "study.h"

namespace ramp::study {

namespace {

struct Curve {
  std::vector<double> x, y, dy;
};

std::vector<double> values(const Tensor& t) {
  const Tensor d = t.detach().contiguous();
  const double* p = static_cast<const double*>(d.data_ptr());
  return {p, p + d.numel()};
}

// f and f' (autograd) of module `m` on `steps` points of [lo, hi], in float64.
Curve curve(nn::Module& m, double lo, double hi, std::int64_t steps) {
  Tensor x = linspace(lo, hi, steps, ScalarType::Float64).requires_grad_();
  Tensor y = m(x);
  const Tensor dy = autograd::grad({y.sum()}, {x})[0];
  return {values(x), values(y), values(dy)};
}

// The properties, from a wide grid (tails) and a fine one (kinks).
nlohmann::json properties(const Curve& wide, const Curve& fine) {
  const std::size_t n = wide.x.size();
  double lo = INFINITY, hi = -INFINITY;
  bool monotonic = true, odd = true;
  for (std::size_t i = 0; i < n; ++i) {
    lo = std::min(lo, wide.y[i]), hi = std::max(hi, wide.y[i]);
    monotonic &= wide.dy[i] >= -1e-12;
    odd &= std::abs(wide.y[i] + wide.y[n - 1 - i]) <= 1e-9 * (1 + std::abs(wide.y[i]));
  }
  // Unbounded on a side where the slope at |x| = 30 has not decayed (LeakyReLU's 0.01 included).
  const bool up = std::abs(wide.dy[n - 1]) > 1e-3, down = std::abs(wide.dy[0]) > 1e-3;
  // A dead region: the derivative exactly 0 all along [-6, -1] (or [1, 6]); saturating: it tends
  // to 0 at |x| = 30 without being exactly 0 near the origin.
  auto flat = [&](double a, double b) {
    for (std::size_t i = 0; i < fine.x.size(); ++i)
      if (fine.x[i] >= a && fine.x[i] <= b && fine.dy[i] != 0) return false;
    return true;
  };
  const bool dead_neg = flat(-6, -1), dead_pos = flat(1, 6);
  const bool sat_neg = !dead_neg && std::abs(wide.dy[0]) < 1e-3, sat_pos = !dead_pos && std::abs(wide.dy[n - 1]) < 1e-3;
  double jump = 0;
  for (std::size_t i = 1; i < fine.dy.size(); ++i) jump = std::max(jump, std::abs(fine.dy[i] - fine.dy[i - 1]));
  auto side = [](bool neg, bool pos) { return neg && pos ? "both" : neg ? "negative" : pos ? "positive" : "no"; };
  return {{"min", down ? nlohmann::json("-inf") : nlohmann::json(lo)},
          {"max", up ? nlohmann::json("inf") : nlohmann::json(hi)},
          {"zero_centred", odd},
          {"saturating", side(sat_neg, sat_pos)},
          {"dead_region", side(dead_neg, dead_pos)},
          {"smooth", jump < 0.05},  // f' moves less than 0.05 between points 0.01 apart: no kink
          {"monotonic", monotonic}};
}

}  // namespace

Result activations(const Context& c) {
  std::vector<std::pair<std::string, std::unique_ptr<nn::Module>>> mods;
  act::for_each_activation([&](auto a) {
    using A = decltype(a);
    if constexpr (A::kind != act::Kind::softmax) {
      auto m = nn::make_activation(A::module);
      m->eval();  // RReLU: its mean slope, not random ones
      mods.emplace_back(std::string(A::module), std::move(m));
    }
  });
  Result r;
  Progress bar(c, "activations", std::int64_t(mods.size()));
  // 19 curves on one chart are unreadable: three charts of f and f', grouped by the measured
  // properties (bounded on both sides; else smooth; else with a kink), so the grouping follows the
  // table.
  const std::vector<std::string> groups = {"Unbounded, with a kink", "Unbounded, smooth", "Bounded"};
  std::vector<chart::LineChart> f, df;
  for (const auto& g : groups) {
    f.push_back({.title = g + " on [-6, 6]", .x = {"x", false, -6.0, 6.0}, .y = {"f(x)", false, -2.0, 6.0}});
    df.push_back({.title = g + ": derivatives (autograd)", .x = {"x", false, -6.0, 6.0}, .y = {"f'(x)", false, -0.5, 2.0}});
  }
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> dead, saturating, centred;
  for (auto& [name, m] : mods) {
    const Curve plot = curve(*m, -6, 6, c.full ? 1201 : 241), wide = curve(*m, -30, 30, 601),
                fine = curve(*m, -6, 6, 1201);
    const nlohmann::json p = properties(wide, fine);
    r.data["activations"].push_back({{"name", name}, {"x", plot.x}, {"y", plot.y}, {"dy", plot.dy}, {"properties", p}});
    const std::size_t g = !p["min"].is_string() && !p["max"].is_string() ? 2 : p["smooth"] == true ? 1 : 0;
    f[g].series.push_back({name, plot.x, plot.y});
    df[g].series.push_back({name, plot.x, plot.dy});
    auto str = [](const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.is_boolean() ? (v.get<bool>() ? "yes" : "no") : chart::number(v.get<double>()); };
    rows.push_back({name, "[" + str(p["min"]) + ", " + str(p["max"]) + "]", str(p["zero_centred"]), str(p["saturating"]),
                    str(p["dead_region"]), str(p["smooth"]), str(p["monotonic"])});
    if (p["dead_region"] != "no") dead.push_back(name);
    if (p["saturating"] != "no") saturating.push_back(name);
    if (p["zero_centred"] == true) centred.push_back(name);
    bar.tick();
  }
  chart::Report sec("");
  for (std::size_t g = 0; g < groups.size(); ++g) {
    sec.figure(chart::svg(f[g]));
    sec.figure(chart::svg(df[g]), g + 1 < groups.size() ? "" : "A dead region is where f' is exactly 0: no gradient flows back through it.");
  }
  sec.table({"activation", "range", "zero-centred", "saturating", "dead region", "smooth", "monotonic"}, rows);
  r.html = sec.body();
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s.empty() ? std::string("none") : s;
  };
  r.conclusion = std::to_string(mods.size()) + " activations: " + std::to_string(dead.size()) +
                 " have a dead region where the gradient is exactly 0 (" + join(dead) + "), " +
                 std::to_string(saturating.size()) + " saturate (" + join(saturating) + "), " +
                 std::to_string(centred.size()) + " are zero-centred (" + join(centred) + ").";
  return r;
}

}  // namespace ramp::study
