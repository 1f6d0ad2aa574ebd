// Adadelta, Adagrad and RMSprop against their update rules computed here in double (float64
// parameters, 20 steps); MultiStepLR, LambdaLR, OneCycleLR and ReduceLROnPlateau against their
// formulas; 1.13's error texts.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "ramp/optim.h"
#include "test_util.h"

namespace ramp {
namespace {

using test::error_of;
using test::random;

// One step of a rule on element values (s: per-element state, zero at first; k: the step from 1).
using Update = std::function<double(double p, double g, std::vector<double>& s, int k)>;
using Make = std::function<std::unique_ptr<optim::Optimizer>(const std::vector<Tensor>&)>;

void check_trajectory(const std::string& what, const Make& make, const Update& update,
                      std::vector<double> s0 = {}) {
  const Tensor w = random({37}, ScalarType::Float64, 21).requires_grad_();
  auto opt = make({w});
  std::vector<double> p = w.to_vector();
  s0.resize(3, 0.0);
  std::vector<std::vector<double>> state(p.size(), s0);
  for (int k = 1; k <= 20; ++k) {
    const Tensor g = random({37}, ScalarType::Float64, 100 + unsigned(k));
    w.set_grad(g.clone());
    opt->step();
    for (std::size_t i = 0; i < p.size(); ++i) p[i] = update(p[i], g.at(std::int64_t(i)), state[i], k);
    for (std::size_t i = 0; i < p.size(); ++i)
      ASSERT_NEAR(w.at(std::int64_t(i)), p[i], 1e-12 * (1 + std::fabs(p[i])))
          << what << " step " << k << " at " << i;
  }
}

TEST(OptimMore, AdadeltaTrajectories) {
  for (const double wd : {0.0, 0.1})
    for (const bool maximize : {false, true}) {
      const double lr = 0.7, rho = 0.8, eps = 1e-4;
      check_trajectory(
          "adadelta",
          [&](const std::vector<Tensor>& ps) {
            return std::make_unique<optim::Adadelta>(ps, optim::AdadeltaOptions{lr, rho, eps, wd, maximize});
          },
          [=](double p, double g, std::vector<double>& s, int) {
            const double d = (maximize ? -g : g) + wd * p;
            s[0] = rho * s[0] + (1 - rho) * d * d;
            const double delta = std::sqrt(s[1] + eps) / std::sqrt(s[0] + eps) * d;
            s[1] = rho * s[1] + (1 - rho) * delta * delta;
            return p - lr * delta;
          });
    }
}

TEST(OptimMore, AdagradTrajectories) {
  for (const double wd : {0.0, 0.05})
    for (const double lr_decay : {0.0, 0.1})
      for (const bool maximize : {false, true}) {
        const double lr = 0.1, init = 0.25, eps = 1e-6;
        check_trajectory(
            "adagrad",
            [&](const std::vector<Tensor>& ps) {
              return std::make_unique<optim::Adagrad>(
                  ps, optim::AdagradOptions{lr, lr_decay, wd, init, eps, maximize});
            },
            [=](double p, double g, std::vector<double>& s, int k) {
              const double d = (maximize ? -g : g) + wd * p;
              s[0] += d * d;
              return p - lr / (1 + (k - 1) * lr_decay) * d / (std::sqrt(s[0]) + eps);
            },
            {init});
      }
}

TEST(OptimMore, RmspropTrajectories) {
  for (const double wd : {0.0, 0.05})
    for (const double momentum : {0.0, 0.7})
      for (const bool centered : {false, true})
        for (const bool maximize : {false, true}) {
          const double lr = 0.01, alpha = 0.9, eps = 1e-6;
          check_trajectory(
              "rmsprop",
              [&](const std::vector<Tensor>& ps) {
                return std::make_unique<optim::RMSprop>(
                    ps, optim::RMSpropOptions{lr, alpha, eps, wd, momentum, centered, maximize});
              },
              [=](double p, double g, std::vector<double>& s, int) {
                const double d = (maximize ? -g : g) + wd * p;
                s[0] = alpha * s[0] + (1 - alpha) * d * d;
                s[1] = alpha * s[1] + (1 - alpha) * d;
                const double avg = std::sqrt(centered ? s[0] - s[1] * s[1] : s[0]) + eps;
                if (momentum == 0) return p - lr * d / avg;
                s[2] = momentum * s[2] + d / avg;
                return p - lr * s[2];
              });
        }
}

TEST(OptimMore, StateAndErrors) {
  Tensor a = random({3}, ScalarType::Float32, 1).requires_grad_();
  optim::Adagrad ada({a}, {.initial_accumulator_value = 0.5});
  ASSERT_TRUE(ada.param_groups()[0].state[0].sum.defined());  // from the start, as 1.13
  EXPECT_EQ(ada.param_groups()[0].state[0].sum.to_vector(), std::vector<double>(3, 0.5));
  Tensor b = random({2}, ScalarType::Float32, 2).requires_grad_();
  ada.add_param_group({{b}});
  EXPECT_TRUE(ada.param_groups()[1].state[0].sum.defined());
  a.set_grad(ones({3}));
  ada.step();
  EXPECT_EQ(ada.param_groups()[0].state[0].step, 1.0f);
  EXPECT_EQ(ada.param_groups()[1].state[0].step, 0.0f);  // no gradient: no step

  optim::RMSprop rms({a}, {.momentum = 0.5});
  rms.step();
  const auto& rs = rms.param_groups()[0].state[0];
  EXPECT_EQ(rs.step, 1);
  EXPECT_TRUE(rs.momentum_buffer.defined());
  EXPECT_FALSE(rs.grad_avg.defined());

  EXPECT_EQ(error_of([&] { optim::Adadelta({a}, {.rho = 1.5}); }), "Invalid rho value: 1.5");
  EXPECT_EQ(error_of([&] { optim::Adadelta({a}, {.lr = -1}); }), "Invalid learning rate: -1");
  EXPECT_EQ(error_of([&] { optim::Adagrad({a}, {.lr_decay = -0.5}); }), "Invalid lr_decay value: -0.5");
  EXPECT_EQ(error_of([&] { optim::Adagrad({a}, {.initial_accumulator_value = -1}); }),
            "Invalid initial_accumulator_value value: -1");
  EXPECT_EQ(error_of([&] { optim::RMSprop({a}, {.alpha = -0.1}); }), "Invalid alpha value: -0.1");
  EXPECT_EQ(error_of([&] { optim::RMSprop({a}, {.momentum = -1.0}); }), "Invalid momentum value: -1.0");
}

TEST(OptimMore, MultiStepAndLambda) {
  Tensor w = ones({1}).requires_grad_();
  optim::SGD opt({w}, {.lr = 0.5});
  optim::MultiStepLR ms(opt, {6, 2, 6}, 0.5);
  for (int e = 1; e <= 8; ++e) {
    ms.step();
    const int passed = (e >= 2) + 2 * (e >= 6);
    EXPECT_NEAR(opt.group_lr(0), 0.5 * std::pow(0.5, passed), 1e-15) << e;
  }
  ms.step(3);  // the closed form
  EXPECT_EQ(opt.group_lr(0), 0.25);

  Tensor v = ones({1}).requires_grad_();
  optim::SGD opt2({{{w}}, {{v}, optim::SGDOptions{.lr = 2.0}}}, {.lr = 1.0});
  optim::LambdaLR lam(opt2,
                      std::vector<optim::LambdaLR::Lambda>{[](std::int64_t e) { return 1.0 / double(e + 1); },
                                                           [](std::int64_t e) { return e < 3 ? 1.0 : 0.1; }});
  for (int e = 1; e <= 5; ++e) {
    lam.step();
    EXPECT_EQ(opt2.group_lr(0), 1.0 * (1.0 / double(e + 1)));
    EXPECT_EQ(opt2.group_lr(1), 2.0 * (e < 3 ? 1.0 : 0.1));
  }
  EXPECT_EQ(error_of([&] {
              optim::LambdaLR(opt2, std::vector<optim::LambdaLR::Lambda>{[](std::int64_t) { return 1.0; }});
            }),
            "Expected 2 lr_lambdas, but got 1");
}

TEST(OptimMore, OneCycle) {
  Tensor w = ones({1}).requires_grad_();
  optim::SGD opt({w}, {.lr = 0.1, .momentum = 0.9});
  const double max_lr = 1.0, div = 25, final_div = 1e4;
  optim::OneCycleLR sched(opt, {.max_lr = {max_lr}, .total_steps = 100});
  const double initial = max_lr / div, min_lr = initial / final_div, up = 0.3 * 100 - 1;
  auto cos_anneal = [](double a, double b, double pct) {
    return b + (a - b) / 2 * (std::cos(M_PI * pct) + 1);
  };
  for (int t = 0; t <= 100; ++t) {
    const double lr =
        t <= up ? cos_anneal(initial, max_lr, t / up) : cos_anneal(max_lr, min_lr, (t - up) / (99 - up));
    const double m = t <= up ? cos_anneal(0.95, 0.85, t / up) : cos_anneal(0.85, 0.95, (t - up) / (99 - up));
    EXPECT_NEAR(opt.group_lr(0), lr, 1e-14) << t;
    EXPECT_NEAR(opt.group_momentum(0), m, 1e-14) << t;
    if (t < 100) sched.step();
  }
  EXPECT_EQ(error_of([&] { sched.step(); }),
            "Tried to step 102 times. The specified number of total steps is 100");
  // Adam: beta1 cycles; Adagrad has neither.
  optim::Adam adam({w}, {});
  optim::OneCycleLR s2(adam,
                       {.max_lr = {0.01}, .epochs = 2, .steps_per_epoch = 5, .anneal_strategy = "linear"});
  EXPECT_EQ(s2.schedule.total_steps, 10);
  EXPECT_EQ(adam.param_groups()[0].options.betas.first.to_double(), 0.95);
  EXPECT_EQ(adam.param_groups()[0].options.betas.second.to_double(), 0.999);
  optim::Adagrad ada({w}, {});
  EXPECT_EQ(error_of([&] { optim::OneCycleLR(ada, {.max_lr = {0.1}, .total_steps = 5}); }),
            "optimizer must support momentum with `cycle_momentum` option enabled");
  EXPECT_EQ(error_of([&] { optim::OneCycleLR(opt, {.max_lr = {0.1}}); }),
            "You must define either total_steps OR (epochs AND steps_per_epoch)");
  EXPECT_EQ(error_of([&] {
              optim::OneCycleLR(opt, {.max_lr = {0.1}, .total_steps = 5, .anneal_strategy = "exp"});
            }),
            "anneal_strategy must by one of 'cos' or 'linear', instead got exp");
}

TEST(OptimMore, ReduceLROnPlateau) {
  Tensor w = ones({1}).requires_grad_();
  optim::SGD opt({w}, {.lr = 1.0});
  optim::ReduceLROnPlateau sched(opt, {.patience = 1, .cooldown = 1, .min_lr = {0.05}});
  // best 1.0; two bad epochs -> reduce; cooldown epoch ignores bad ones; ...
  const std::vector<double> metrics = {1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0};
  const std::vector<double> want = {1.0, 1.0, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05};
  for (std::size_t i = 0; i < metrics.size(); ++i) {
    sched.step(metrics[i]);
    EXPECT_NEAR(opt.group_lr(0), want[i], 1e-15) << i;
  }
  EXPECT_EQ(sched.last_epoch, 11);
  EXPECT_TRUE(sched.is_better(0.5, 1.0));
  EXPECT_FALSE(sched.is_better(0.99995, 1.0));  // within the relative threshold
  EXPECT_EQ(error_of([&] { optim::ReduceLROnPlateau(opt, {.factor = 1.0}); }), "Factor should be < 1.0.");
  EXPECT_EQ(error_of([&] { optim::ReduceLROnPlateau(opt, {.mode = "mean"}); }), "mode mean is unknown!");
}

}  // namespace
}  // namespace ramp
