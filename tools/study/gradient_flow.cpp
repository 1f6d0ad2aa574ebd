// `ramp study gradient-flow`: one backward pass through a 20-layer, width-256 MLP at
// initialisation, per activation and initialisation (Glorot & Bengio 2010; He et al. 2015): how
// the weight-gradient norm changes from the last layer to the first, the activations' spread, and
// the units already dead. Then a short training of the four 20-layer nets the tutorials contrast
// (sigmoid and ReLU with the default initialisation, ReLU with He's, SELU with LeCun's): the ones
// whose gradient vanishes at initialisation stay at chance.
#include <cmath>

#include "ramp/chart.h"
#include "ramp/elementwise.h"
#include "ramp/nn.h"
#include "ramp/nn/loss.h"
#include "ramp/random.h"
#include "ramp/reduce.h"
#include "ramp/optim.h"
#include "train.h"

namespace ramp::study {

namespace {

constexpr int kLayers = 20, kWidth = 256;
const std::vector<std::string> kActivations = {"Sigmoid", "Tanh", "ReLU", "LeakyReLU", "ELU", "SELU", "GELU"};
const std::vector<std::string> kInits = {"default", "xavier", "he", "lecun"};
// The nets trained (activation, initialisation), and how: SGD at kRate, the rate halved after each
// epoch (plain SGD through 20 layers oscillates at a fixed rate; the decay lets the last epoch
// settle), on standardised pixels. Width 128 in the quick study (a quarter of width 256's work
// per step; depth, which makes the gradient vanish, is the same).
const std::vector<std::pair<std::string, std::string>> kTrained = {
    {"Sigmoid", "default"}, {"ReLU", "default"}, {"ReLU", "he"}, {"SELU", "lecun"}};
constexpr double kRate = 0.02, kRateDecay = 0.5;
constexpr double kLearned = 70, kChance = 20;  // test accuracy (%) read as learned / not learned

void initialise(nn::Linear& l, const std::string& how) {
  if (how == "default") return;  // 1.13's: kaiming_uniform_(a = sqrt(5)), bias U(±1/sqrt(fan_in))
  Tensor& w = *l.find_parameter("weight");
  if (how == "xavier") nn::init::xavier_normal_(w);
  if (how == "he") nn::init::kaiming_normal_(w, 0, "fan_in", "relu");
  if (how == "lecun") nn::init::normal_(w, 0, 1 / std::sqrt(double(w.size(1))));
  nn::init::zeros_(*l.find_parameter("bias"));
}

// Linear(784, width) act ... Linear(width, 10): kLayers linear layers, initialised by `init`.
std::shared_ptr<nn::Sequential> deep_net(const std::string& act, const std::string& init, std::int64_t width) {
  auto net = std::make_shared<nn::Sequential>();
  for (int i = 0; i < kLayers; ++i) {
    auto l = std::make_shared<nn::Linear>(i == 0 ? 784 : width, i == kLayers - 1 ? 10 : width);
    initialise(*l, init);
    net->push_back(l);
    if (i < kLayers - 1) net->push_back(std::shared_ptr<nn::Module>(nn::make_activation(act)));
  }
  return net;
}

nlohmann::json run(const Tensor& x, const Tensor& y, const std::string& act, const std::string& init, std::uint64_t seed) {
  manual_seed(seed);
  const auto parts = deep_net(act, init, kWidth)->children();  // Linear, activation, ..., Linear
  std::vector<double> stds, dead;
  Tensor h = x;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    h = (*parts[i])(h);
    if (i % 2 == 0) continue;  // a Linear
    stds.push_back(ramp::std(h.detach()).item<double>());
    // Units with no positive output for any of the inputs.
    dead.push_back(double(sum(logical_not(any(gt(h.detach(), 0), 0))).item<std::int64_t>()));
  }
  cross_entropy(h, y).backward();
  std::vector<double> norms;
  for (std::size_t i = 0; i < parts.size(); i += 2) norms.push_back(norm(parts[i]->find_parameter("weight")->grad()).item<double>());
  return {{"activation", act}, {"init", init}, {"ratio_first_last", norms.front() / norms.back()},
          {"grad_norms", norms}, {"activation_std", stds}, {"dead_units", dead}};
}

}  // namespace

Result gradient_flow(const Context& c) {
  const std::int64_t n = c.full ? 1024 : 256;
  TrainSpec first_n;
  first_n.train_images = n;
  const auto [x, y] = train_set(first_n);  // raw pixels, as the backward at initialisation has always used
  Result r;
  {
    Progress bar(c, "gradient-flow", std::int64_t(kActivations.size() * kInits.size()));
    for (const auto& init : kInits)
      for (const auto& act : kActivations) {
        r.data["runs"].push_back(run(x, y, act, init, c.seed));
        bar.tick();
      }
  }  // the bar ends before the training's starts
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

  // The short training.
  TrainSpec s;
  const std::int64_t width = c.full ? kWidth : 128;
  s.lr = kRate, s.normalize = true, s.seed = c.seed, s.epochs = 3;
  s.train_images = c.full ? 19200 : 6400, s.test_images = c.full ? 10000 : 2000;
  s.schedule = [](optim::Optimizer& o) { return std::unique_ptr<optim::LRScheduler>(new optim::ExponentialLR(o, kRateDecay)); };
  nlohmann::json& tr = r.data["training"];
  tr = {{"layers", kLayers}, {"width", width}, {"epochs", s.epochs}, {"train_images", s.train_images},
        {"test_images", s.test_images}, {"lr", kRate}, {"lr_decay_per_epoch", kRateDecay}, {"batch", s.batch}};
  {
    Progress train_bar(c, "gradient-flow training", std::int64_t(kTrained.size()) * s.epochs);
    s.on_epoch = [&] { train_bar.tick(); };
    for (const auto& [act, init] : kTrained) {
      std::vector<double> step_loss;
      s.build = [&, act = act, init = init] { return std::shared_ptr<nn::Module>(deep_net(act, init, width)); };
      s.on_loss = [&](double loss) { step_loss.push_back(loss); };
      const TrainResult t = train(s);
      tr["runs"].push_back({{"activation", act}, {"init", init}, {"accuracy", t.accuracy}, {"loss", t.loss},
                            {"step_loss", step_loss}, {"final_accuracy", t.accuracy.back()}});
    }
  }
  chart::LineChart loss{.title = "Training loss of the " + std::to_string(kLayers) + "-layer nets per step", .x = {"step"},
                        .y = {"cross-entropy loss", true}};
  std::vector<std::vector<std::string>> train_rows;
  for (const auto& run : tr["runs"]) {
    chart::Series line{run["activation"].get<std::string>() + ", " + run["init"].get<std::string>()};
    for (std::size_t k = 0; k < run["step_loss"].size(); ++k) line.x.push_back(double(k + 1)), line.y.push_back(run["step_loss"][k]);
    loss.series.push_back(line);
    std::string per_epoch;
    for (const auto& a : run["accuracy"]) per_epoch += (per_epoch.empty() ? "" : ", ") + chart::number(a.get<double>());
    train_rows.push_back({run["activation"], run["init"], chart::number(run["loss"].back().get<double>()), per_epoch});
  }
  sec.figure(chart::svg(loss), std::to_string(s.epochs) + " epochs of " + std::to_string(s.train_images) + " images, width " +
                                   std::to_string(width) + ", SGD at " + chart::number(kRate) + " halved each epoch.");
  sec.table({"activation", "init", "last epoch's mean loss", "test accuracy (%) per epoch"}, train_rows);
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
  // Which trained nets learned, which stayed near chance, and their gradient ratio at initialisation.
  std::string learned, failed;
  for (const auto& run : tr["runs"]) {
    const double a = run["final_accuracy"];
    const std::string item = run["activation"].get<std::string>() + "/" + run["init"].get<std::string>() + " " +
                             chart::number(a) + "% (first/last gradient at init " +
                             chart::number(find(run["activation"], run["init"])) + ")";
    if (a >= kLearned) learned += (learned.empty() ? "" : ", ") + item;
    if (a < kChance) failed += (failed.empty() ? "" : ", ") + item;
  }
  r.conclusion += " Trained for " + std::to_string(s.epochs) + " epochs, the 20-layer nets that reach " + chart::number(kLearned) +
                  "% test accuracy: " + (learned.empty() ? "none" : learned) + "; those below " + chart::number(kChance) +
                  "% (chance is 10%): " + (failed.empty() ? "none" : failed) + ".";
  return r;
}

}  // namespace ramp::study
