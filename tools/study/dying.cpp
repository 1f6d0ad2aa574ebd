// `ramp study dying`: a ReLU MLP trained with a learning rate high enough to kill units, its dead
// units per layer per epoch, then the remedies side by side: LeakyReLU, PReLU, ELU, BatchNorm, a
// smaller rate, He initialisation.
//
// The optimizer is Adam at 0.01, ten times its default: on this MLP it kills most first-layer units
// within two epochs and never diverges, where plain SGD either kills few units (rate 0.5: ~5%) or
// diverges to NaN (rate 1.0, or momentum 0.9 at 0.2 for LeakyReLU), which says nothing about dying.
#include <cmath>

#include "ramp/chart.h"
#include "ramp/nn.h"
#include "train.h"

namespace ramp::study {

namespace {

constexpr double kHighRate = 0.01, kSmallRate = 0.001;

// Linear(784,256) act Linear(256,256) act Linear(256,256) act Linear(256,10), with BatchNorm1d
// before each activation when `bn`, He-normal weights and zero biases when `he`.
std::function<std::shared_ptr<nn::Module>()> mlp(std::string act, bool bn = false, bool he = false) {
  return [=] {
    auto net = std::make_shared<nn::Sequential>();
    for (int i = 0; i < 3; ++i) {
      auto l = std::make_shared<nn::Linear>(i == 0 ? 784 : 256, 256);
      if (he) {
        nn::init::kaiming_normal_(*l->find_parameter("weight"), 0, "fan_in", "relu");
        nn::init::zeros_(*l->find_parameter("bias"));
      }
      net->push_back(l);
      if (bn) net->push_back(std::make_shared<nn::BatchNorm1d>(256));
      net->push_back(std::shared_ptr<nn::Module>(nn::make_activation(act)));
    }
    net->push_back(std::make_shared<nn::Linear>(256, 10));
    return std::shared_ptr<nn::Module>(net);
  };
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0 : s / double(v.size());
}

}  // namespace

Result dying(const Context& c) {
  struct Variant {
    std::string name;
    std::function<std::shared_ptr<nn::Module>()> build;
    double lr;
  };
  const std::vector<Variant> variants = {
      {"ReLU, rate 0.01", mlp("ReLU"), kHighRate},          {"LeakyReLU", mlp("LeakyReLU"), kHighRate},
      {"PReLU", mlp("PReLU"), kHighRate},                  {"ELU", mlp("ELU"), kHighRate},
      {"ReLU + BatchNorm", mlp("ReLU", true), kHighRate},  {"ReLU, rate 0.001", mlp("ReLU"), kSmallRate},
      {"ReLU, He init", mlp("ReLU", false, true), kHighRate},
  };
  const int epochs = c.full ? 10 : 4;
  const std::int64_t images = c.full ? 60000 : 10000;
  Result r;
  r.data["optimizer"] = "Adam", r.data["epochs"] = epochs, r.data["train_images"] = images;
  Progress bar(c, "dying", std::int64_t(variants.size()));
  chart::BarChart acc{.title = "Final test accuracy", .y = {"accuracy (%)", false, 0.0, 100.0}};
  chart::BarChart dead{.title = "Dead units after the last epoch (all layers)", .y = {"dead fraction", false, 0.0, 1.0}};
  chart::Series acc_s{""}, dead_s{""};
  chart::LineChart base{.title = "Dead units per layer, ReLU with Adam at rate 0.01", .x = {"epoch"},
                        .y = {"dead fraction", false, 0.0, 1.0}};
  std::vector<std::vector<std::string>> rows;
  for (const auto& v : variants) {
    TrainSpec s;
    s.build = v.build, s.lr = v.lr, s.adam = true, s.epochs = epochs, s.seed = c.seed;
    s.train_images = images, s.test_images = c.full ? 10000 : 2000;
    const TrainResult t = train(s);
    // A diverged run (non-finite loss) has NaN outputs, which are never positive: its units are not
    // "dead" in the tutorials' sense, so it is reported as diverged instead.
    const bool diverged = !std::isfinite(t.loss.back());
    std::vector<double> last_dead = diverged ? std::vector<double>{NAN} : t.dead.back();
    r.data["runs"].push_back({{"name", v.name}, {"lr", v.lr}, {"diverged", diverged}, {"accuracy", t.accuracy}, {"loss", t.loss},
                              {"layers", t.layers}, {"dead_fraction", t.dead}});
    acc.categories.push_back(v.name), dead.categories.push_back(v.name);
    acc_s.y.push_back(std::isfinite(t.loss.back()) ? t.accuracy.back() : 0.0);
    dead_s.y.push_back(mean(last_dead));
    rows.push_back({v.name, chart::number(v.lr), diverged ? "diverged" : chart::number(t.accuracy.back()),
                    diverged ? "-" : chart::number(100 * mean(last_dead)) + "%"});
    if (&v == &variants.front())
      for (std::size_t l = 0; l < t.layers.size(); ++l) {
        chart::Series s{"hidden layer " + std::to_string(l + 1)};
        for (int e = 0; e < epochs; ++e) s.x.push_back(e + 1), s.y.push_back(t.dead[std::size_t(e)][l]);
        base.series.push_back(s);
      }
    bar.tick();
  }
  acc.groups.push_back(acc_s), dead.groups.push_back(dead_s);
  chart::Report sec("");
  sec.figure(chart::svg(base));
  sec.figure(chart::svg(dead), "Dead: no positive output for any training sample of the last epoch. A LeakyReLU, PReLU or ELU "
                               "unit without positive output still passes gradient (slope 0.01, a, or e^x) and can recover; "
                               "a ReLU unit gets none and stays dead.");
  sec.figure(chart::svg(acc));
  sec.table({"variant", "rate", "test accuracy (%)", "dead units"}, rows);
  r.html = sec.body();
  const auto& runs = r.data["runs"];
  auto dead_of = [&](std::size_t i) {
    return runs[i]["diverged"].get<bool>() ? std::string("diverged")
                                           : chart::number(100 * mean(runs[i]["dead_fraction"].back().get<std::vector<double>>())) + "%";
  };
  std::string best;
  double best_acc = -1;
  for (std::size_t i = 1; i < runs.size(); ++i)
    if (!runs[i]["diverged"].get<bool>() && runs[i]["accuracy"].back().get<double>() > best_acc) best_acc = runs[i]["accuracy"].back(), best = runs[i]["name"];
  const double base_acc = runs[0]["diverged"].get<bool>() ? 0.0 : runs[0]["accuracy"].back().get<double>();
  std::string remedies;
  for (std::size_t i = 1; i < runs.size(); ++i) remedies += (i > 1 ? ", " : "") + runs[i]["name"].get<std::string>() + " " + dead_of(i);
  r.conclusion = "With Adam at rate 0.01, " + dead_of(0) + " of the ReLU net's units are dead after " +
                 std::to_string(epochs) + " epochs (first layer " +
                 chart::number(100 * runs[0]["dead_fraction"].back()[0].get<double>()) + "%); with the remedies: " + remedies +
                 ". Best remedy by test accuracy: " + best + " (" + chart::number(best_acc) + "%, " +
                 (best_acc > base_acc ? "above" : "not above") + " the dying ReLU net's " + chart::number(base_acc) + "%).";
  return r;
}

}  // namespace ramp::study
