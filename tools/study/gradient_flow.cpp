// `ramp study gradient-flow`: one backward pass through a 20-layer, width-256 MLP at
// initialisation, per activation and initialisation (Glorot & Bengio 2010; He et al. 2015): how
// the weight-gradient norm changes from the last layer to the first, the activations' spread, and
// the units already dead.
#include <cmath>

#include "ramp/chart.h"
#include "ramp/data.h"
#include "ramp/elementwise.h"
#include "ramp/nn.h"
#include "ramp/nn/loss.h"
#include "ramp/random.h"
#include "ramp/reduce.h"
#include "study.h"

namespace ramp::study {

namespace {

constexpr int kLayers = 20, kWidth = 256;
const std::vector<std::string> kActivations = {"Sigmoid", "Tanh", "ReLU", "LeakyReLU", "ELU", "SELU", "GELU"};
const std::vector<std::string> kInits = {"default", "xavier", "he", "lecun"};

void initialise(nn::Linear& l, const std::string& how) {
  if (how == "default") return;  // 1.13's: kaiming_uniform_(a = sqrt(5)), bias U(±1/sqrt(fan_in))
  Tensor& w = *l.find_parameter("weight");
  if (how == "xavier") nn::init::xavier_normal_(w);
  if (how == "he") nn::init::kaiming_normal_(w, 0, "fan_in", "relu");
  if (how == "lecun") nn::init::normal_(w, 0, 1 / std::sqrt(double(w.size(1))));
  nn::init::zeros_(*l.find_parameter("bias"));
}

nlohmann::json run(const Tensor& x, const Tensor& y, const std::string& act, const std::string& init, std::uint64_t seed) {
  manual_seed(seed);
  std::vector<std::shared_ptr<nn::Linear>> layers;
  for (int i = 0; i < kLayers; ++i) {
    layers.push_back(std::make_shared<nn::Linear>(i == 0 ? 784 : kWidth, i == kLayers - 1 ? 10 : kWidth));
    initialise(*layers.back(), init);
  }
  auto f = nn::make_activation(act);
  std::vector<double> stds, dead;
  Tensor h = x;
  for (int i = 0; i < kLayers; ++i) {
    h = (*layers[std::size_t(i)])(h);
    if (i == kLayers - 1) break;
    h = (*f)(h);
    stds.push_back(ramp::std(h.detach()).item<double>());
    // Units with no positive output for any of the inputs.
    dead.push_back(double(sum(logical_not(any(gt(h.detach(), 0), 0))).item<std::int64_t>()));
  }
  cross_entropy(h, y).backward();
  std::vector<double> norms;
  for (auto& l : layers) norms.push_back(norm(l->find_parameter("weight")->grad()).item<double>());
  return {{"activation", act}, {"init", init}, {"ratio_first_last", norms.front() / norms.back()},
          {"grad_norms", norms}, {"activation_std", stds}, {"dead_units", dead}};
}

}  // namespace

Result gradient_flow(const Context& c) {
  const std::int64_t n = c.full ? 1024 : 256;
  const auto set = data::load_fashion_mnist(true);
  const Tensor x = set.images.narrow(0, 0, n).reshape({n, 784}), y = set.labels.narrow(0, 0, n);
  Result r;
  Progress bar(c, "gradient-flow", std::int64_t(kActivations.size() * kInits.size()));
  for (const auto& init : kInits)
    for (const auto& act : kActivations) {
      r.data["runs"].push_back(run(x, y, act, init, c.seed));
      bar.tick();
    }
  r.data["layers"] = kLayers, r.data["width"] = kWidth, r.data["images"] = n;
  chart::Report sec("");
  std::vector<std::vector<std::string>> rows;
  for (const auto& init : kInits) {
    chart::LineChart g{.title = "Weight-gradient norm by layer, " + init + " initialisation",
                       .x = {"layer (1 = input side)"}, .y = {"gradient norm", true}};
    for (const auto& run : r.data["runs"]) {
      if (run["init"] != init) continue;
      std::vector<double> layer(kLayers);
      for (int i = 0; i < kLayers; ++i) layer[std::size_t(i)] = i + 1;
      g.series.push_back({run["activation"].get<std::string>(), layer, run["grad_norms"].get<std::vector<double>>()});
      const auto dead = run["dead_units"].get<std::vector<double>>();
      double total = 0;
      for (double d : dead) total += d;
      rows.push_back({run["activation"], init, chart::number(run["ratio_first_last"].get<double>()),
                      chart::number(run["activation_std"].back().get<double>()), chart::number(total)});
    }
    sec.figure(chart::svg(g));
  }
  sec.table({"activation", "init", "first/last gradient", "last activation std", "dead units at init"}, rows);
  r.html = sec.body();
  // The conclusion: the extremes and the two runs the tutorials contrast.
  auto find = [&](const std::string& act, const std::string& init) {
    for (const auto& run : r.data["runs"])
      if (run["activation"] == act && run["init"] == init) return run["ratio_first_last"].get<double>();
    return double(NAN);
  };
  int vanishing = 0, healthy = 0;
  for (const auto& run : r.data["runs"]) {
    const double q = run["ratio_first_last"].get<double>();
    vanishing += q < 1e-3, healthy += q >= 0.1 && q <= 10;
  }
  r.conclusion = "With default initialisation the first layer of the sigmoid net gets " +
                 chart::number(find("Sigmoid", "default")) + " times the last layer's gradient; ReLU with He initialisation " +
                 chart::number(find("ReLU", "he")) + " times. " + std::to_string(vanishing) + " of " +
                 std::to_string(r.data["runs"].size()) + " activation/initialisation pairs lose more than a factor 1000 " +
                 "across the 20 layers, " + std::to_string(healthy) + " stay within a factor 10.";
  return r;
}

}  // namespace ramp::study
