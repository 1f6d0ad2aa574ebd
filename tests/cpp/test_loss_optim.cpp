// include/ramp/nn/loss.h, optim.h and nn/utils.h: losses against formulas evaluated here in double
// (log-softmax, clamps and reductions written out as loops), gradients against central finite
// differences (autograd::gradcheck, float64), 1.13's error texts and grad_fn names; optimizer
// steps against the update rules computed here in double, schedulers against their closed forms,
// clipping against the norm computed here.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <random>

#include "ramp/autograd.h"
#include "ramp/nn/layers.h"
#include "ramp/nn/loss.h"
#include "ramp/nn/utils.h"
#include "ramp/optim.h"

namespace ramp {
namespace {

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;
constexpr double kInf = std::numeric_limits<double>::infinity();

std::string node(const Tensor& t) { return t.grad_fn() ? std::string(t.grad_fn()->name()) : "None"; }

Tensor random(IntArrayRef shape, ScalarType t = ScalarType::Float64, unsigned seed = 1, double lo = -2, double hi = 2) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  std::vector<double> v(std::size_t(numel_of(shape)));
  for (double& x : v) x = u(g);
  return from_vector(v, shape, t);
}
Tensor labels(std::vector<double> v) { return from_vector(v, {std::int64_t(v.size())}, ScalarType::Int64); }

template <class F> std::string error_of(F f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

void expect_near(const Tensor& r, const std::vector<double>& want, double rtol, const std::string& what) {
  ASSERT_EQ(std::size_t(r.numel()), want.size()) << what;
  for (std::size_t i = 0; i < want.size(); ++i)
    EXPECT_NEAR(r.at(std::int64_t(i)), want[i], rtol * (1 + std::fabs(want[i]))) << what << " at " << i;
}

// The reductions in double.
std::vector<double> reduce(const std::vector<double>& v, const std::string& red, double divisor = -1) {
  if (red == "none") return v;
  double s = 0;
  for (double x : v) s += x;
  return {red == "sum" ? s : s / (divisor < 0 ? double(v.size()) : divisor)};
}

const std::vector<std::string> kReductions = {"none", "mean", "sum"};

// ---- losses vs formulas in double ----
TEST(Loss, PointwiseFormulas) {
  const Tensor x = random({3, 4}), t = random({3, 4}, ScalarType::Float64, 2);
  const Tensor p = random({3, 4}, ScalarType::Float64, 3, 0.01, 0.99), q = random({3, 4}, ScalarType::Float64, 4, 0, 1);
  const Tensor w = random({4}, ScalarType::Float64, 5, 0.5, 2), pw = random({4}, ScalarType::Float64, 6, 0.5, 3);
  for (const auto& red : kReductions) {
    std::vector<double> mse, l1, bce, bcel;
    for (std::int64_t i = 0; i < 12; ++i) {
      const double a = x.at(i), b = t.at(i), pi = p.at(i), qi = q.at(i), wi = w.at(i % 4), pwi = pw.at(i % 4);
      mse.push_back((a - b) * (a - b));
      l1.push_back(std::fabs(a - b));
      bce.push_back(-wi * (qi * std::log(pi) + (1 - qi) * std::log(1 - pi)));
      const double sig = 1 / (1 + std::exp(-a));
      bcel.push_back(-wi * (pwi * qi * std::log(sig) + (1 - qi) * std::log(1 - sig)));
    }
    expect_near(mse_loss(x, t, {red}), reduce(mse, red), 1e-14, "mse " + red);
    expect_near(l1_loss(x, t, {red}), reduce(l1, red), 1e-14, "l1 " + red);
    expect_near(binary_cross_entropy(p, q, {w, red}), reduce(bce, red), 1e-13, "bce " + red);
    expect_near(binary_cross_entropy_with_logits(x, q, {w, red, pw}), reduce(bcel, red), 1e-13, "bcel " + red);
  }
  // 1.13 clamps each log to >= -100: x = 0 or 1 gives 100 where the target disagrees, never inf.
  expect_near(binary_cross_entropy(tensor({0.0, 1.0, 0.0}), tensor({1.0, 0.0, 0.0}), {{}, "none"}), {100, 100, 0}, 0, "clamp");
  // The logits form neither overflows nor gives NaN at |x| = 100 (softplus(-x) = max(-x, 0) + log1p(exp(-|x|))).
  expect_near(binary_cross_entropy_with_logits(tensor({100.0, -100.0}, ScalarType::Float64),
                                               tensor({1.0, 0.0}, ScalarType::Float64), {{}, "none"}),
              {std::exp(-100.0), std::exp(-100.0)}, 1e-12, "bcel tails");
}

// log_softmax in double along dim 1 of [n, c, s] (s spatial elements per class).
std::vector<double> log_softmax_ref(const Tensor& x, std::int64_t n, std::int64_t c, std::int64_t s) {
  std::vector<double> out(std::size_t(n * c * s));
  for (std::int64_t b = 0; b < n; ++b)
    for (std::int64_t e = 0; e < s; ++e) {
      double m = -kInf, sum = 0;
      for (std::int64_t k = 0; k < c; ++k) m = std::max(m, x.at((b * c + k) * s + e));
      for (std::int64_t k = 0; k < c; ++k) sum += std::exp(x.at((b * c + k) * s + e) - m);
      for (std::int64_t k = 0; k < c; ++k) out[std::size_t((b * c + k) * s + e)] = x.at((b * c + k) * s + e) - m - std::log(sum);
    }
  return out;
}

TEST(Loss, NllAndCrossEntropyFormulas) {
  // [n, c] and [n, c, h, w] inputs, weights, an ignored target, label smoothing.
  for (const bool spatial : {false, true}) {
    const std::int64_t n = 3, c = 4, s = spatial ? 6 : 1;
    const Tensor x = spatial ? random({n, c, 2, 3}) : random({n, c});
    std::vector<double> tv;
    for (std::int64_t i = 0; i < n * s; ++i) tv.push_back(double((i * 7) % c));
    tv[1] = 2;
    const Tensor t = spatial ? from_vector(tv, {n, 2, 3}, ScalarType::Int64) : labels(tv);
    const Tensor w = random({c}, ScalarType::Float64, 9, 0.5, 2);
    const std::vector<double> ls = log_softmax_ref(x, n, c, s);
    for (const auto& red : kReductions) {
      for (const double smoothing : {0.0, 0.2}) {
        std::vector<double> nll, ce, plain;
        double wsum = 0;
        for (std::int64_t i = 0; i < n * s; ++i) {
          const std::int64_t b = i / s, e = i % s, k = std::int64_t(tv[std::size_t(i)]);
          const bool ignored = k == 2;
          auto at = [&](std::int64_t cls) { return (b * c + cls) * s + e; };
          nll.push_back(ignored ? 0 : -w.at(k) * x.at(at(k)));
          double smooth = 0;
          for (std::int64_t cls = 0; cls < c; ++cls) smooth -= w.at(cls) * ls[std::size_t(at(cls))];
          const double hard = ignored ? 0 : -w.at(k) * ls[std::size_t(at(k))];
          plain.push_back(hard);
          ce.push_back(ignored ? 0 : (1 - smoothing) * hard + smoothing / double(c) * smooth);
          if (!ignored) wsum += w.at(k);
        }
        if (smoothing == 0)
          expect_near(nll_loss(x, t, {w, 2, red}), reduce(nll, red, wsum), 1e-14, "nll " + red);
        expect_near(cross_entropy(x, t, {w, 2, red, smoothing}), reduce(ce, red, wsum), 1e-13,
                    "cross_entropy " + red + (spatial ? " spatial" : ""));
      }
    }
  }
  // Class probabilities: -sum_c p_c log_softmax(x)_c, the mean over the batch.
  const Tensor x = random({2, 3}), p = random({2, 3}, ScalarType::Float64, 4, 0, 1);
  const std::vector<double> ls = log_softmax_ref(x, 2, 3, 1);
  std::vector<double> want(2, 0.0);
  for (int i = 0; i < 6; ++i) want[std::size_t(i / 3)] -= p.at(i) * ls[std::size_t(i)];
  expect_near(cross_entropy(x, p, {.reduction = "none"}), want, 1e-14, "probabilities");
  expect_near(cross_entropy(x, p), {(want[0] + want[1]) / 2}, 1e-14, "probabilities mean");
  // A 1-d input with a 0-d target; every target ignored gives NaN for the mean (0 / 0, as 1.13).
  EXPECT_NEAR(cross_entropy(x[0], scalar_tensor(std::int64_t(1))).item<double>(), -ls[1], 1e-14);
  EXPECT_TRUE(std::isnan(nll_loss(x, labels({-100, -100})).item<double>()));
}

TEST(Loss, NllMatchesFloat32Arithmetic) {
  // nll's sum runs in the element type through 1.13's cascade of partial sums of 16: with 1000
  // targets the float32 result is that cascade's, computed here step by step.
  const std::int64_t n = 1000;
  const Tensor x = random({n, 3}, ScalarType::Float32, 11);
  std::vector<double> tv(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) tv[std::size_t(i)] = double(i % 3);
  float level[8] = {};
  for (std::int64_t i = 0; i < n; ++i) {
    level[0] -= float(x.at(i * 3 + i % 3));
    for (int j = 0; j + 1 < 8 && (i & (std::int64_t(15) << (4 * j))) == 0; ++j) {
      level[j + 1] += level[j];
      level[j] = 0;
    }
  }
  float sum = 0;
  for (float v : level) sum += v;
  EXPECT_EQ(nll_loss(x, labels(tv), {.reduction = "sum"}).item<float>(), sum);
  EXPECT_EQ(nll_loss(x, labels(tv)).item<float>(), sum / float(n));
}

TEST(Loss, Gradcheck) {
  const Tensor x = random({3, 4}).requires_grad_(), t = random({3, 4}, ScalarType::Float64, 2).requires_grad_();
  const Tensor p = random({3, 4}, ScalarType::Float64, 3, 0.05, 0.95).requires_grad_();
  const Tensor q = random({3, 4}, ScalarType::Float64, 4, 0.05, 0.95).requires_grad_();
  const Tensor w = random({4}, ScalarType::Float64, 5, 0.5, 2), pw = random({4}, ScalarType::Float64, 6, 0.5, 3);
  const Tensor cls = labels({1, 3, 0}), row = random({4}, ScalarType::Float64, 7).requires_grad_();
  const Tensor x4 = random({2, 4, 2, 3}).requires_grad_(), x3 = random({2, 4, 5}).requires_grad_();
  const Tensor t4 = from_vector({0, 1, 2, 3, 0, 1, 2, 3, 3, 2, 1, 0}, {2, 2, 3}, ScalarType::Int64);
  const Tensor t3 = from_vector({0, 1, 2, 3, 0, 3, 2, 1, 0, 1}, {2, 5}, ScalarType::Int64);
  for (const auto& red : kReductions) {
    const std::vector<std::pair<std::string, std::pair<Fn, std::vector<Tensor>>>> cases = {
        {"mse", {[&](auto& in) { return mse_loss(in[0], in[1], {red}); }, {x, t}}},
        {"mse broadcast", {[&](auto& in) { return mse_loss(in[0], in[1], {red}); }, {x, row}}},
        {"l1", {[&](auto& in) { return l1_loss(in[0], in[1], {red}); }, {x, t}}},
        {"bce", {[&](auto& in) { return binary_cross_entropy(in[0], in[1], {w, red}); }, {p, q}}},
        {"bcel", {[&](auto& in) { return binary_cross_entropy_with_logits(in[0], in[1], {w, red, pw}); }, {x, q}}},
        {"nll", {[&](auto& in) { return nll_loss(in[0], cls, {w, 0, red}); }, {x}}},
        {"nll 4d", {[&](auto& in) { return nll_loss(in[0], t4, {w, 3, red}); }, {x4}}},
        {"nll 3d", {[&](auto& in) { return nll_loss(in[0], t3, {w, -100, red}); }, {x3}}},
        {"ce", {[&](auto& in) { return cross_entropy(in[0], cls, {w, -100, red}); }, {x}}},
        {"ce smoothing", {[&](auto& in) { return cross_entropy(in[0], cls, {w, 3, red, 0.3}); }, {x}}},
        {"ce probabilities", {[&](auto& in) { return cross_entropy(in[0], in[1], {w, -100, red, 0.1}); }, {x, q}}},
    };
    for (const auto& [what, c] : cases)
      EXPECT_TRUE(autograd::gradcheck(c.first, c.second, 1e-6, 1e-5, 1e-3, false)) << what << " " << red;
  }
}

TEST(Loss, GraphNames) {
  const Tensor x = random({4, 5}, ScalarType::Float32).requires_grad_(), y = random({4, 5}, ScalarType::Float32);
  const Tensor t = labels({0, 1, 4, 2});
  EXPECT_EQ(node(mse_loss(x, y)), "MseLossBackward0");
  EXPECT_EQ(node(l1_loss(x, y)), "MeanBackward0");
  EXPECT_EQ(node(l1_loss(x, y, {"none"})), "AbsBackward0");
  Tensor ce = cross_entropy(x, t);
  EXPECT_EQ(node(ce), "NllLossBackward0");
  EXPECT_EQ(ce.grad_fn()->next[0].fn->name(), "LogSoftmaxBackward0");
  EXPECT_EQ(node(cross_entropy(x, t, {.label_smoothing = 0.1})), "AddBackward0");
  EXPECT_EQ(node(cross_entropy(x, y)), "DivBackward1");
  EXPECT_EQ(node(nll_loss(random({2, 5, 3, 3}, ScalarType::Float32).requires_grad_(), zeros({2, 3, 3}, ScalarType::Int64))),
            "NllLoss2DBackward0");
  EXPECT_EQ(node(binary_cross_entropy(ones({3}).mul(0.5).requires_grad_(), ones({3}))), "BinaryCrossEntropyBackward0");
  EXPECT_EQ(node(binary_cross_entropy_with_logits(x, y)), "BinaryCrossEntropyWithLogitsBackward0");
  // Without a gradient to record: no node.
  EXPECT_EQ(node(cross_entropy(x.detach(), t)), "None");
}

TEST(Loss, Errors) {
  const Tensor x = random({4, 5}, ScalarType::Float32), t = labels({0, 1, 4, 2});
  EXPECT_EQ(error_of([&] { cross_entropy(x, labels({0, 1, 12, 2})); }), "Target 12 is out of bounds.");
  EXPECT_THROW(nll_loss(x, labels({0, -3, 1, 2})), IndexError);
  EXPECT_EQ(error_of([&] { mse_loss(x, x, {"bad"}); }), "bad is not a valid value for reduction");
  EXPECT_THROW(cross_entropy(x, t, {.reduction = "bad"}), ValueError);
  EXPECT_EQ(error_of([&] { cross_entropy(x, t.to(ScalarType::Int32)); }), "expected scalar type Long but found Int");
  EXPECT_EQ(error_of([&] { cross_entropy(x, t.slice(0, 0, 3)); }),
            "Expected input batch_size (4) to match target batch_size (3).");
  EXPECT_EQ(error_of([&] { cross_entropy(x, t, {.weight = ones({4})}); }),
            "weight tensor should be defined either for all 5 classes or no classes but got weight tensor of shape: [4]");
  EXPECT_EQ(error_of([&] { cross_entropy(x, t, {.label_smoothing = 1.5}); }),
            "label_smoothing must be between 0.0 and 1.0. Got: 1.5");
  EXPECT_EQ(error_of([&] { cross_entropy(x, random({4, 5}).to(ScalarType::Int64)); }),
            "Expected floating point type for target with class probabilities, got Long");
  EXPECT_EQ(error_of([&] { binary_cross_entropy(tensor({0.5, 1.5}), tensor({0.0, 1.0})); }),
            "all elements of input should be between 0 and 1");
  EXPECT_EQ(error_of([&] { binary_cross_entropy(tensor({0.5, 0.5}), tensor({0.0, 1.0, 1.0})); }),
            "Using a target size ([3]) that is different to the input size ([2]) is deprecated. Please ensure they "
            "have the same size.");
  EXPECT_EQ(error_of([&] { mse_loss(x.to(ScalarType::Int32), x.to(ScalarType::Int32)); }),
            "\"mse_cpu\" not implemented for 'Int'");
  EXPECT_EQ(error_of([&] { nll_loss(random({4, 5, 3, 2}), zeros({4, 3, 3}, ScalarType::Int64)); }),
            "size mismatch (got input: [4, 5, 3, 2] , target: [4, 3, 3]");
  const Tensor wg = ones({5}).requires_grad_();
  EXPECT_EQ(error_of([&] { nll_loss(x, t, {.weight = wg}); }),
            "The function 'nll_loss_forward' is not differentiable with respect to argument 'weight'. This input "
            "cannot have requires_grad True.");
}

TEST(Loss, Modules) {
  const Tensor x = random({4, 5}, ScalarType::Float32), t = labels({0, 1, 4, 2}), w = random({5}, ScalarType::Float32, 3, 0.5, 2);
  nn::CrossEntropyLoss ce({.weight = w, .label_smoothing = 0.1});
  EXPECT_EQ(ce.repr(), "CrossEntropyLoss()");
  EXPECT_EQ(ce(x, t).item<double>(), cross_entropy(x, t, {.weight = w, .label_smoothing = 0.1}).item<double>());
  ASSERT_EQ(ce.state_dict().size(), 1u);
  EXPECT_EQ(ce.state_dict()[0].first, "weight");
  ce.to(ScalarType::Float64);  // the buffer follows the module
  EXPECT_EQ(ce(x.to(ScalarType::Float64), t).dtype(), ScalarType::Float64);
  nn::MSELoss mse({"sum"});
  EXPECT_EQ(mse.repr(), "MSELoss()");
  EXPECT_EQ(mse(x, x.mul(2)).item<double>(), mse_loss(x, x.mul(2), {"sum"}).item<double>());
  nn::BCEWithLogitsLoss bcel;
  EXPECT_EQ(bcel.state_dict().size(), 0u);  // None buffers are not saved
  EXPECT_EQ(nn::NLLLoss().repr(), "NLLLoss()");
  EXPECT_EQ(nn::BCELoss().repr(), "BCELoss()");
  EXPECT_EQ(nn::L1Loss().repr(), "L1Loss()");
}

// ---- optimizers vs the update rules in double ----
struct Rule {
  std::function<std::unique_ptr<optim::Optimizer>(const std::vector<Tensor>&)> make;
  // One step of the rule on element values (s: per-element state, k: the step number from 1).
  std::function<double(double p, double g, std::vector<double>& s, int k)> update;
};

void check_trajectory(const std::string& what, const Rule& rule) {
  const Tensor w = random({37}, ScalarType::Float64, 21).requires_grad_();
  auto opt = rule.make({w});
  std::vector<double> p = w.to_vector();
  std::vector<std::vector<double>> state(p.size(), std::vector<double>(3, 0.0));
  for (int k = 1; k <= 20; ++k) {
    const Tensor g = random({37}, ScalarType::Float64, 100 + unsigned(k));
    w.set_grad(g.clone());
    opt->step();
    for (std::size_t i = 0; i < p.size(); ++i) p[i] = rule.update(p[i], g.at(std::int64_t(i)), state[i], k);
    expect_near(w, p, 1e-13, what + " step " + std::to_string(k));
  }
}

TEST(Optim, SgdTrajectories) {
  for (const double wd : {0.0, 0.05})
    for (const double momentum : {0.0, 0.9})
      for (const bool nesterov : {false, true})
        for (const bool maximize : {false, true}) {
          if (nesterov && momentum == 0) continue;
          const double damp = nesterov ? 0.0 : 0.2, lr = 0.1;
          check_trajectory("sgd", {[&](const std::vector<Tensor>& ps) {
                                     return std::make_unique<optim::SGD>(
                                         ps, optim::SGDOptions{lr, momentum, damp, wd, nesterov, maximize});
                                   },
                                   [=](double p, double g, std::vector<double>& s, int k) {
                                     double d = (maximize ? -g : g) + wd * p;
                                     if (momentum != 0) {
                                       s[0] = k == 1 ? d : momentum * s[0] + (1 - damp) * d;
                                       d = nesterov ? d + momentum * s[0] : s[0];
                                     }
                                     return p - lr * d;
                                   }});
        }
}

TEST(Optim, AdamTrajectories) {
  for (const bool decoupled : {false, true})
    for (const bool amsgrad : {false, true})
      for (const double wd : {0.0, 0.1}) {
        const double lr = 0.01, b1 = 0.8, b2 = 0.99, eps = 1e-6;
        auto make = [&](const std::vector<Tensor>& ps) -> std::unique_ptr<optim::Optimizer> {
          if (decoupled) return std::make_unique<optim::AdamW>(ps, optim::AdamWOptions{lr, {b1, b2}, eps, wd, amsgrad});
          return std::make_unique<optim::Adam>(ps, optim::AdamOptions{lr, {b1, b2}, eps, wd, amsgrad});
        };
        check_trajectory(decoupled ? "adamw" : "adam",
                         {make, [=](double p, double g, std::vector<double>& s, int k) {
                            if (decoupled) p *= 1 - lr * wd;
                            else g += wd * p;
                            s[0] = b1 * s[0] + (1 - b1) * g;
                            s[1] = b2 * s[1] + (1 - b2) * g * g;
                            s[2] = std::max(s[2], s[1]);
                            const double v = amsgrad ? s[2] : s[1];
                            const double denom = std::sqrt(v) / std::sqrt(1 - std::pow(b2, k)) + eps;
                            return p - lr / (1 - std::pow(b1, k)) * s[0] / denom;
                          }});
      }
}

TEST(Optim, GroupsZeroGradAndErrors) {
  Tensor a = random({3}, ScalarType::Float32, 1).requires_grad_(), b = random({2}, ScalarType::Float32, 2).requires_grad_();
  optim::SGD opt({{{a}}, {{b}, optim::SGDOptions{.lr = 1.0}}}, {.lr = 0.5});
  EXPECT_EQ(opt.group_lr(0), 0.5);
  EXPECT_EQ(opt.group_lr(1), 1.0);
  const std::vector<double> a0 = a.to_vector(), b0 = b.to_vector();
  a.set_grad(ones({3}));
  b.set_grad(ones({2}));
  opt.step();
  expect_near(a, {a0[0] - 0.5, a0[1] - 0.5, a0[2] - 0.5}, 1e-7, "group 0");
  expect_near(b, {b0[0] - 1, b0[1] - 1}, 1e-7, "group 1");
  // zero_grad zeroes in place (the same tensor), set_to_none drops it; no grad: no step.
  const Tensor grad = a.grad();
  opt.zero_grad();
  EXPECT_TRUE(a.grad().is_same(grad));
  EXPECT_EQ(a.grad().to_vector(), std::vector<double>(3, 0.0));
  opt.zero_grad(true);
  EXPECT_FALSE(a.grad().defined());
  const std::vector<double> a1 = a.to_vector();
  opt.step();
  EXPECT_EQ(a.to_vector(), a1);
  // 1.13's messages.
  EXPECT_EQ(error_of([&] { optim::SGD({a}, {.lr = -1}); }), "Invalid learning rate: -1");
  EXPECT_EQ(error_of([&] { optim::SGD({a}, {.lr = -0.5}); }), "Invalid learning rate: -0.5");
  EXPECT_EQ(error_of([&] { optim::SGD({a}, {.lr = 0.1, .nesterov = true}); }),
            "Nesterov momentum requires a momentum and zero dampening");
  EXPECT_EQ(error_of([&] { optim::Adam({a}, {.betas = {0.9, 1.0}}); }), "Invalid beta parameter at index 1: 1.0");
  EXPECT_EQ(error_of([&] { optim::SGD(std::vector<Tensor>{}, {.lr = 0.1}); }), "optimizer got an empty parameter list");
  EXPECT_EQ(error_of([&] { optim::SGD({a.mul(2)}, {.lr = 0.1}); }), "can't optimize a non-leaf Tensor");
  using Group = optim::ParamGroup<optim::SGDOptions>;
  EXPECT_EQ(error_of([&] { optim::SGD(std::vector<Group>{Group({a}), Group({a})}, {.lr = 0.1}); }),
            "some parameters appear in more than one parameter group");
  // step(closure) evaluates the loss with grad mode on and returns it.
  Tensor loss = opt.step([&] {
    opt.zero_grad();
    Tensor l = a.mul(a).sum();
    l.backward();
    return l;
  });
  EXPECT_TRUE(loss.defined());
}

TEST(Optim, NonDenseParameter) {
  // A strided view as the parameter: the update is computed on a dense copy and written back.
  Tensor base = random({4, 6}, ScalarType::Float32, 5);
  Tensor p = base.slice(1, 0, 6, 2);
  p.requires_grad_();
  const std::vector<double> p0 = p.to_vector();
  optim::SGD opt({p}, {.lr = 0.25, .momentum = 0.5});
  for (int k = 0; k < 2; ++k) {
    p.set_grad(ones({4, 3}));
    opt.step();
  }
  std::vector<double> want;
  for (double v : p0) want.push_back(v - 0.25 * 1 - 0.25 * 1.5);  // buf 1, then 0.5 * 1 + 1
  expect_near(p, want, 1e-6, "strided parameter");
  expect_near(base.slice(1, 1, 2), random({4, 6}, ScalarType::Float32, 5).slice(1, 1, 2).to_vector(), 0, "untouched");
}

// A module converted after a step (Module::to(Float64)): each state tensor follows its parameter's
// dtype. The fused update walks the state as flat memory beside the parameter, so before it was
// converted a float32 state was read and written as float64, past its end. Reference: the same
// update rules in double, the first step's state rounded to float32 as it was kept.
TEST(Optim, StateFollowsConvertedParameters) {
  for (const bool adam : {false, true}) {
    nn::Linear lin(64, 32);
    std::vector<Tensor> ps = lin.parameters();
    std::unique_ptr<optim::Optimizer> opt;
    if (adam) opt = std::make_unique<optim::Adam>(ps, optim::AdamOptions{.lr = 0.01});
    else opt = std::make_unique<optim::SGD>(ps, optim::SGDOptions{.lr = 0.1, .momentum = 0.9});
    const double lr = adam ? 0.01 : 0.1;
    std::vector<double> p = lin.weight.to_vector(), s0(p.size(), 0.0), s1(p.size(), 0.0);
    for (int k = 1; k <= 3; ++k) {
      if (k == 2) lin.to(ScalarType::Float64);
      const ScalarType t = k == 1 ? ScalarType::Float32 : ScalarType::Float64;
      for (const Tensor& q : lin.parameters()) q.set_grad(random(q.sizes(), t, unsigned(10 + k)));
      const std::vector<double> g = lin.weight.grad().to_vector();
      opt->step();
      for (std::size_t i = 0; i < p.size(); ++i) {
        auto f32 = [&](double v) { return k == 1 ? double(float(v)) : v; };
        if (adam) {
          s0[i] = f32(0.9 * s0[i] + 0.1 * g[i]);
          s1[i] = f32(0.999 * s1[i] + 0.001 * g[i] * g[i]);
          const double denom = std::sqrt(s1[i]) / std::sqrt(1 - std::pow(0.999, k)) + 1e-8;
          p[i] -= lr / (1 - std::pow(0.9, k)) * s0[i] / denom;
        } else {
          s0[i] = k == 1 ? g[i] : 0.9 * s0[i] + g[i];
          p[i] -= lr * s0[i];
        }
        if (k == 1) p[i] = double(float(p[i]));
      }
    }
    EXPECT_EQ(lin.weight.dtype(), ScalarType::Float64);
    expect_near(lin.weight, p, 1e-6, adam ? "adam after to(Float64)" : "sgd after to(Float64)");
  }
}

// ---- schedulers vs closed forms ----
TEST(Optim, Schedulers) {
  Tensor a = ones({1}).requires_grad_();
  auto lrs = [](std::function<double(int)> closed, auto make, const std::string& what) {
    Tensor w = ones({1}).requires_grad_();
    optim::SGD opt({w}, {.lr = 0.5});
    auto sched = make(opt);
    EXPECT_EQ(sched.get_last_lr(), std::vector<double>{0.5}) << what;
    for (int e = 1; e <= 25; ++e) {
      opt.step();
      sched.step();
      EXPECT_EQ(sched.last_epoch, e);
      EXPECT_NEAR(opt.group_lr(0), closed(e), 1e-12) << what << " epoch " << e;
      EXPECT_EQ(sched.get_last_lr()[0], opt.group_lr(0));
    }
  };
  lrs([](int e) { return 0.5 * std::pow(0.3, e / 4); }, [](optim::Optimizer& o) { return optim::StepLR(o, 4, 0.3); },
      "StepLR");
  lrs([](int e) { return 0.5 * std::pow(0.9, e); }, [](optim::Optimizer& o) { return optim::ExponentialLR(o, 0.9); },
      "ExponentialLR");
  lrs([](int e) { return 0.01 + (0.5 - 0.01) * (1 + std::cos(M_PI * e / 10)) / 2; },
      [](optim::Optimizer& o) { return optim::CosineAnnealingLR(o, 10, 0.01); }, "CosineAnnealingLR");
  // Chainable: a change to the lr between steps carries over (1.13's recursive form).
  optim::SGD opt({a}, {.lr = 1.0});
  optim::ExponentialLR sched(opt, 0.5);
  opt.set_group_lr(0, 4.0);
  sched.step();
  EXPECT_EQ(opt.group_lr(0), 2.0);
  EXPECT_EQ(sched.base_lrs, std::vector<double>{1.0});
  sched.step(3);  // the deprecated epoch argument: the closed form from base_lrs
  EXPECT_EQ(opt.group_lr(0), 0.125);
  EXPECT_EQ(error_of([&] { optim::SGD o2({ones({1}).requires_grad_()}, {.lr = 1.0}); optim::StepLR(o2, 2, 0.1, 5); }),
            "param 'initial_lr' is not specified in param_groups[0] when resuming an optimizer");
}

// ---- clipping ----
TEST(Clip, NormAndValue) {
  for (const double norm_type : {2.0, 1.0, 3.0, kInf}) {
    Tensor a = random({5}).requires_grad_(), b = random({2, 3}, ScalarType::Float64, 7).requires_grad_();
    Tensor c = random({2}).requires_grad_();  // no gradient: skipped
    a.set_grad(random({5}, ScalarType::Float64, 8));
    b.set_grad(random({2, 3}, ScalarType::Float64, 9));
    std::vector<double> all = a.grad().to_vector();
    for (double v : b.grad().to_vector()) all.push_back(v);
    double total = 0;
    for (double v : all) total = std::isinf(norm_type) ? std::max(total, std::fabs(v)) : total + std::pow(std::fabs(v), norm_type);
    if (!std::isinf(norm_type)) total = std::pow(total, 1 / norm_type);
    const Tensor got = nn::utils::clip_grad_norm_({a, b, c}, 0.5, norm_type);
    EXPECT_EQ(got.dim(), 0);
    EXPECT_NEAR(got.item<double>(), total, 1e-12 * total);
    const double coef = 0.5 / (total + 1e-6);
    for (std::size_t i = 0; i < 5; ++i) EXPECT_NEAR(a.grad().at(std::int64_t(i)), all[i] * coef, 1e-12);
    EXPECT_FALSE(c.grad().defined());
  }
  // Below max_norm nothing changes; a non-finite total raises with error_if_nonfinite.
  Tensor a = ones({3}).requires_grad_();
  a.set_grad(full({3}, 0.1));
  nn::utils::clip_grad_norm_(a, 10.0);
  EXPECT_EQ(a.grad().to_vector(), full({3}, 0.1).to_vector());
  a.set_grad(tensor({1.0, kInf, 0.0}));
  EXPECT_EQ(error_of([&] { nn::utils::clip_grad_norm_(a, 1.0, 2.0, true); }),
            "The total norm of order 2.0 for gradients from `parameters` is non-finite, so it cannot be clipped. To "
            "disable this error and scale the gradients by the non-finite norm anyway, set `error_if_nonfinite=False`");
  EXPECT_EQ(nn::utils::clip_grad_norm_(std::vector<Tensor>{}, 1.0).item<double>(), 0.0);
  a.set_grad(tensor({-3.0, 0.2, 5.0}, ScalarType::Float32));
  nn::utils::clip_grad_value_(a, 1.0);
  expect_near(a.grad(), {-1.0, double(0.2f), 1.0}, 0, "clip_grad_value_");
}

}  // namespace
}  // namespace ramp
