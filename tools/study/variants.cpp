// `ramp study variants`: the same MLP trained once per activation and seed: test accuracy (mean ±
// sd over the seeds), time per epoch, and sparsity (the fraction of hidden outputs exactly zero on
// the test images, beside the fraction not positive).
#include <algorithm>
#include <cmath>

#include "ramp/autograd.h"
#include "ramp/chart.h"
#include "ramp/diagnostics.h"
#include "ramp/ops.h"
#include "ramp/nn.h"
#include "ramp/reduce.h"
#include "train.h"

namespace ramp::study {

namespace {

const std::vector<std::string> kActivations = {"ReLU", "LeakyReLU", "PReLU", "ELU",     "SELU",
                                               "GELU", "SiLU",      "Mish",  "Sigmoid", "Tanh"};
constexpr int kSeeds = 3;
constexpr double kRate = 0.1;

// Linear(784,256) act Linear(256,256) act Linear(256,256) act Linear(256,10), 1.13's default
// initialisation for every activation (the same network; only the activation changes).
std::shared_ptr<nn::Module> mlp(const std::string& act) {
  auto net = std::make_shared<nn::Sequential>();
  for (int i = 0; i < 3; ++i) {
    net->push_back(std::make_shared<nn::Linear>(i == 0 ? 784 : 256, 256));
    net->push_back(std::shared_ptr<nn::Module>(nn::make_activation(act)));
  }
  net->push_back(std::make_shared<nn::Linear>(256, 10));
  return net;
}

// The fractions of the hidden activations' outputs that are exactly zero and that are not
// positive, over the test images, through the trained model's layers one by one.
std::pair<double, double> zeros(nn::Module& model, const Tensor& x) {
  autograd::NoGradGuard no_grad;
  double exact = 0, nonpositive = 0;
  int layers = 0;
  Tensor h = x;
  for (const auto& m : model.children()) {
    h = (*m)(h);
    if (diagnostics::family_of(m->name()) == diagnostics::Family::other) continue;
    exact += eq(h, 0).to(ScalarType::Float64).mean().item<double>();
    nonpositive += le(h, 0).to(ScalarType::Float64).mean().item<double>();
    ++layers;
  }
  return {exact / layers, nonpositive / layers};
}

struct Stats {
  double mean, sd;  // sd: the sample standard deviation (n - 1)
};
Stats stats(const std::vector<double>& v) {
  double m = 0, q = 0;
  for (double x : v) m += x;
  m /= double(v.size());
  for (double x : v) q += (x - m) * (x - m);
  return {m, v.size() > 1 ? std::sqrt(q / double(v.size() - 1)) : 0.0};
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string join(const std::vector<std::string>& names) {
  std::string s;
  for (std::size_t i = 0; i < names.size(); ++i) s += (i ? (i + 1 == names.size() ? " and " : ", ") : "") + names[i];
  return s;
}

}  // namespace

Result variants(const Context& c) {
  TrainSpec s;
  s.lr = kRate, s.epochs = c.full ? 5 : 2, s.normalize = true;
  s.train_images = c.full ? 60000 : 4800, s.test_images = c.full ? 10000 : 2000;
  const Tensor test_x = test_inputs(s);
  const std::size_t n = kActivations.size();
  std::vector<std::vector<double>> acc(n), seconds(n), exact(n), nonpositive(n);
  std::vector<int> diverged(n);
  Progress bar(c, "variants", std::int64_t(kSeeds * n) * s.epochs);
  s.on_epoch = [&] { bar.tick(); };
  // Seeds outside, activations inside: the activations' epoch times interleave, so a stretch of a
  // busy machine slows every activation alike instead of one.
  for (int seed = 0; seed < kSeeds; ++seed)
    for (std::size_t a = 0; a < n; ++a) {
      s.seed = c.seed + std::uint64_t(seed);
      s.build = [&] { return mlp(kActivations[a]); };
      const TrainResult t = train(s);
      const auto [z, np] = zeros(*t.model, test_x);
      acc[a].push_back(t.accuracy.back()), seconds[a].push_back(t.seconds_per_epoch);
      exact[a].push_back(z), nonpositive[a].push_back(np);
      diverged[a] += !std::isfinite(t.loss.back());
    }
  Result r;
  r.data["activations"] = kActivations;
  r.data["seeds"] = kSeeds, r.data["lr"] = kRate, r.data["epochs"] = s.epochs;
  r.data["train_images"] = s.train_images, r.data["test_images"] = s.test_images;
  r.data["network"] = "784-256-256-256-10 MLP, default initialisation, SGD, batch 64, standardised inputs";
  chart::BarChart acc_chart{.title = "Test accuracy after " + std::to_string(s.epochs) + " epochs (mean ± sd over " +
                                     std::to_string(kSeeds) + " seeds)",
                            .categories = kActivations, .y = {"accuracy (%)", false, 0.0, 100.0}, .width = 860};
  chart::BarChart time_chart{.title = "Time per epoch (median over seeds)", .categories = kActivations, .y = {"seconds"}, .width = 860};
  chart::BarChart zero_chart{.title = "Hidden outputs on the test images", .categories = kActivations,
                             .y = {"fraction", false, 0.0, 1.0}, .width = 860};
  chart::Series acc_s{"accuracy"}, time_s{"seconds per epoch"}, exact_s{"exactly zero"}, np_s{"not positive"};
  std::vector<std::vector<std::string>> rows;
  for (std::size_t a = 0; a < n; ++a) {
    const Stats st = stats(acc[a]);
    const double sec = median(seconds[a]), z = stats(exact[a]).mean, np = stats(nonpositive[a]).mean;
    r.data["runs"].push_back({{"activation", kActivations[a]}, {"accuracy", acc[a]}, {"accuracy_mean", st.mean},
                              {"accuracy_sd", st.sd}, {"seconds_per_epoch", seconds[a]}, {"seconds_per_epoch_median", sec},
                              {"zero_fraction", z}, {"nonpositive_fraction", np}, {"diverged", diverged[a]}});
    acc_s.y.push_back(st.mean), acc_s.err.push_back(st.sd), time_s.y.push_back(sec);
    exact_s.y.push_back(z), np_s.y.push_back(np);
    // A diverged seed (non-finite loss, chance accuracy) counts in the mean, as a failed run does; the
    // table says how many there were.
    const std::string div = diverged[a] ? " (" + std::to_string(diverged[a]) + " diverged)" : "";
    rows.push_back({kActivations[a], chart::number(st.mean) + " ± " + chart::number(st.sd) + div, chart::number(sec),
                    chart::number(100 * z) + "%", chart::number(100 * np) + "%"});
  }
  acc_chart.groups.push_back(acc_s), time_chart.groups.push_back(time_s);
  zero_chart.groups = {exact_s, np_s};
  chart::Report sec("");
  sec.figure(chart::svg(acc_chart));
  sec.figure(chart::svg(time_chart));
  sec.figure(chart::svg(zero_chart), "Exactly zero: outputs equal to 0; not positive: outputs <= 0 (the Monitor's zero fraction).");
  sec.table({"activation", "test accuracy (%)", "seconds per epoch", "exactly zero", "not positive"}, rows);
  r.html = sec.body();

  // The conclusion: the best, those within one sd of it, the fastest, and ReLU's sparsity.
  const auto& runs = r.data["runs"];
  std::size_t best = 0, fastest = 0, slowest = 0, sparsest_other = 1;
  for (std::size_t a = 0; a < n; ++a) {
    if (runs[a]["accuracy_mean"].get<double>() > runs[best]["accuracy_mean"].get<double>()) best = a;
    if (runs[a]["seconds_per_epoch_median"].get<double>() < runs[fastest]["seconds_per_epoch_median"].get<double>()) fastest = a;
    if (runs[a]["seconds_per_epoch_median"].get<double>() > runs[slowest]["seconds_per_epoch_median"].get<double>()) slowest = a;
    if (a > 0 && runs[a]["zero_fraction"].get<double>() > runs[sparsest_other]["zero_fraction"].get<double>()) sparsest_other = a;
  }
  const double best_mean = runs[best]["accuracy_mean"], best_sd = runs[best]["accuracy_sd"];
  std::vector<std::string> close;
  for (std::size_t a = 0; a < n; ++a)
    if (a != best && runs[a]["accuracy_mean"].get<double>() >= best_mean - best_sd) close.push_back(kActivations[a]);
  std::size_t low = 0;
  for (std::size_t a = 0; a < n; ++a)
    if (runs[a]["accuracy_mean"].get<double>() < runs[low]["accuracy_mean"].get<double>()) low = a;
  const double t_fast = runs[fastest]["seconds_per_epoch_median"], t_slow = runs[slowest]["seconds_per_epoch_median"];
  r.conclusion = "Best test accuracy: " + kActivations[best] + " (" + chart::number(best_mean) + " ± " +
                 chart::number(best_sd) + "%); " +
                 (close.empty() ? std::string("no other activation is") : join(close) + (close.size() == 1 ? " is" : " are")) +
                 " within one sd of it; lowest " + kActivations[low] + " (" +
                 chart::number(runs[low]["accuracy_mean"].get<double>()) + "%). Fastest epoch: " + kActivations[fastest] + " (" +
                 chart::number(t_fast) + " s), slowest " + kActivations[slowest] + " (" + chart::number(t_slow) + " s, " +
                 chart::number(t_slow / t_fast) + "x). ReLU leaves " +
                 chart::number(100 * runs[0]["zero_fraction"].get<double>()) + "% of hidden outputs exactly zero; the most among the others is " +
                 kActivations[sparsest_other] + " with " + chart::number(100 * runs[sparsest_other]["zero_fraction"].get<double>()) + "%.";
  return r;
}

}  // namespace ramp::study
