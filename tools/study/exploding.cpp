// `ramp study exploding`: a deep ReLU MLP initialised too large and trained at too high a rate:
// the total gradient norm and the loss of every step without clipping, with clip_grad_norm_, with a
// step (StepLR) and an exponential (ExponentialLR) learning-rate schedule, and with both clipping
// and a schedule; the final test accuracy.
#include <algorithm>
#include <cmath>

#include "ramp/chart.h"
#include "ramp/nn.h"
#include "ramp/optim.h"
#include "train.h"

namespace ramp::study {

namespace {

constexpr int kLayers = 10, kWidth = 256;
// He-normal's std times kGain: each ReLU layer multiplies the signal's mean square by kGain² (He's
// keeps it), so the output starts kGain^(kLayers-1) times too large and so do the gradients.
constexpr double kGain = 1.2;
constexpr int kStepSize = 2;
constexpr double kRate = 0.1, kMaxNorm = 1.0, kStepGamma = 0.5, kExpGamma = 0.7;

std::shared_ptr<nn::Module> deep_net() {
  auto net = std::make_shared<nn::Sequential>();
  for (int i = 0; i < kLayers; ++i) {
    auto l = std::make_shared<nn::Linear>(i == 0 ? 784 : kWidth, i == kLayers - 1 ? 10 : kWidth);
    Tensor& w = *l->find_parameter("weight");
    nn::init::normal_(w, 0, kGain * std::sqrt(2.0 / double(w.size(1))));
    nn::init::zeros_(*l->find_parameter("bias"));
    net->push_back(l);
    if (i < kLayers - 1) net->push_back(std::make_shared<nn::ReLU>());
  }
  return net;
}

}  // namespace

Result exploding(const Context& c) {
  struct Variant {
    std::string name;
    double clip;
    std::function<std::unique_ptr<optim::LRScheduler>(optim::Optimizer&)> schedule;
  };
  auto step_lr = [](optim::Optimizer& o) { return std::unique_ptr<optim::LRScheduler>(new optim::StepLR(o, kStepSize, kStepGamma)); };
  auto exp_lr = [](optim::Optimizer& o) { return std::unique_ptr<optim::LRScheduler>(new optim::ExponentialLR(o, kExpGamma)); };
  const std::string clip = "clip_grad_norm_(" + chart::number(kMaxNorm) + ")", step = "StepLR(" + std::to_string(kStepSize) + ", " + chart::number(kStepGamma) + ")",
                    exp = "ExponentialLR(" + chart::number(kExpGamma) + ")";
  const std::vector<Variant> variants = {
      {"no clipping", 0, nullptr}, {clip, kMaxNorm, nullptr},          {step, 0, step_lr},
      {exp, 0, exp_lr},            {"clip + StepLR", kMaxNorm, step_lr}, {"clip + ExponentialLR", kMaxNorm, exp_lr},  // short: legend
  };
  TrainSpec s;
  s.build = deep_net, s.lr = kRate, s.normalize = true, s.seed = c.seed;
  s.epochs = c.full ? 10 : 6;
  s.train_images = c.full ? 12800 : 1920, s.test_images = c.full ? 10000 : 2000;
  const std::int64_t steps_per_epoch = s.train_images / s.batch;
  Progress bar(c, "exploding", std::int64_t(variants.size()) * s.epochs);
  s.on_epoch = [&] { bar.tick(); };
  Result r;
  r.data["layers"] = kLayers, r.data["width"] = kWidth, r.data["init_gain"] = kGain, r.data["lr"] = kRate;
  r.data["epochs"] = s.epochs, r.data["steps_per_epoch"] = steps_per_epoch, r.data["max_norm"] = kMaxNorm;
  r.data["step_lr"] = {{"step_size", kStepSize}, {"gamma", kStepGamma}}, r.data["exponential_lr"] = {{"gamma", kExpGamma}};
  r.data["train_images"] = s.train_images, r.data["test_images"] = s.test_images;
  chart::LineChart norms{.title = "Total gradient norm per step (before clipping)", .x = {"step"}, .y = {"gradient norm", true}};
  chart::LineChart finite_norms{.title = "Gradient norm per step of the runs that stayed finite", .x = {"step"},
                                .y = {"gradient norm", true}};
  chart::LineChart losses{.title = "Training loss per step", .x = {"step"}, .y = {"loss", true}};
  std::vector<std::vector<std::string>> rows;
  for (const auto& v : variants) {
    std::vector<double> g, loss;
    s.clip = v.clip, s.schedule = v.schedule;
    s.on_grad_norm = [&](double n) { g.push_back(n); };
    s.on_loss = [&](double l) { loss.push_back(l); };
    const TrainResult t = train(s);
    // The first step whose gradient norm is not finite (the run has diverged), or -1.
    const auto bad = std::find_if(g.begin(), g.end(), [](double x) { return !std::isfinite(x); });
    const std::int64_t diverged_at = bad == g.end() ? -1 : std::int64_t(bad - g.begin());
    double max_norm = 0;
    for (auto it = g.begin(); it != bad; ++it) max_norm = std::max(max_norm, *it);
    const std::vector<double> last(g.end() - std::min<std::ptrdiff_t>(std::ptrdiff_t(g.size()), steps_per_epoch), g.end());
    double last_mean = 0;
    for (double x : last) last_mean += x;
    last_mean /= double(last.size());
    const bool finite = std::isfinite(t.loss.back());
    r.data["runs"].push_back({{"name", v.name}, {"clip", v.clip}, {"grad_norm", g}, {"loss", loss}, {"epoch_loss", t.loss},
                              {"accuracy", t.accuracy},
                              {"diverged_at_step", diverged_at}, {"max_finite_grad_norm", max_norm},
                              {"last_epoch_mean_grad_norm", last_mean}, {"final_accuracy", t.accuracy.back()},
                              {"final_loss_finite", finite}});
    chart::Series sg{v.name}, sl{v.name};
    for (std::size_t k = 0; k < g.size(); ++k) sg.x.push_back(double(k + 1)), sg.y.push_back(g[k]);
    for (std::size_t k = 0; k < loss.size(); ++k) sl.x.push_back(double(k + 1)), sl.y.push_back(loss[k]);
    norms.series.push_back(sg), losses.series.push_back(sl);
    if (diverged_at < 0) finite_norms.series.push_back(sg);
    rows.push_back({v.name, chart::number(g.front()), chart::number(max_norm),
                    diverged_at < 0 ? "no" : "step " + std::to_string(diverged_at + 1),
                    std::isfinite(last_mean) ? chart::number(last_mean) : "-",
                    finite ? chart::number(t.loss.back()) : "not finite", chart::number(t.accuracy.back())});
  }
  chart::Report sec("");
  sec.figure(chart::svg(norms), "clip = " + clip + "; " + step + " multiplies the rate by " + chart::number(kStepGamma) +
                                    " every " + std::to_string(kStepSize) + " epochs, " + exp + " by " + chart::number(kExpGamma) +
                                    " every epoch (" + std::to_string(steps_per_epoch) +
                                    " steps). A line ends where the norm stops being finite.");
  if (!finite_norms.series.empty()) sec.figure(chart::svg(finite_norms));
  sec.figure(chart::svg(losses));
  sec.table({"variant", "first-step norm", "largest finite norm", "non-finite from", "last-epoch mean norm", "final loss",
             "test accuracy (%)"},
            rows);
  r.html = sec.body();

  const auto& runs = r.data["runs"];
  auto describe = [&](std::size_t i) {
    const auto& x = runs[i];
    const std::int64_t at = x["diverged_at_step"];
    return x["name"].get<std::string>() + ": " +
           (at >= 0 ? "non-finite gradient from step " + std::to_string(at + 1)
                    : "finite, largest norm " + chart::number(x["max_finite_grad_norm"].get<double>()) + ", last epoch's mean " +
                          chart::number(x["last_epoch_mean_grad_norm"].get<double>())) +
           ", " + chart::number(x["final_accuracy"].get<double>()) + "% test accuracy";
  };
  std::string text = "A " + std::to_string(kLayers) + "-layer ReLU MLP initialised at " + chart::number(kGain) +
                     "x He's scale and trained at rate " + chart::number(kRate) + " starts with gradient norm " +
                     chart::number(runs[0]["grad_norm"][0].get<double>()) + ". Runs: ";
  for (std::size_t i = 0; i < runs.size(); ++i) text += (i ? "; " : "") + describe(i);
  // The schedules lower the rate only at the end of each epoch: did the runs without clipping
  // diverge before the first change?
  int early = 0, scheduled = 0;
  for (std::size_t i = 0; i < variants.size(); ++i)
    if (variants[i].schedule && variants[i].clip == 0) {
      const std::int64_t at = runs[i]["diverged_at_step"];
      ++scheduled, early += at >= 0 && at < steps_per_epoch;
    }
  const double unclipped = runs[0]["max_finite_grad_norm"], clipped = runs[1]["max_finite_grad_norm"];
  text += ". The largest finite norm without clipping is " + chart::number(unclipped / clipped) +
          "x the largest with it. The schedules change the rate after each epoch of " + std::to_string(steps_per_epoch) +
          " steps; " + std::to_string(early) + " of the " + std::to_string(scheduled) +
          " scheduled runs without clipping diverged before the first change.";
  r.conclusion = text;
  return r;
}

}  // namespace ramp::study
