// Autograd: every activation's backward kernel against the entry's derivative evaluated in scalar
// double, gradcheck (finite differences) for every activation and op, PyTorch's kink values
// (reference §6), node names, the in-place rules and the error texts.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "activation_params.h"
#include "ramp/autograd.h"
#include "ramp/functional.h"
#include "ramp/ops.h"

namespace ramp {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

template <class A> constexpr bool has_backward_kernel = act::is_pointwise<A> || A::kind == act::Kind::rrelu;

using test::grad_params;

std::vector<double> values(std::int64_t n, unsigned seed) {
  static const double special[] = {kNaN, kInf, -kInf, 0.0, -0.0, 1.0, -1.0, 3.0, -3.0, 6.0, 0.5, 2.5, -2.0, 20.0, 50.0};
  std::mt19937 g(seed);
  std::uniform_real_distribution<double> u(-8, 8);
  std::vector<double> v(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i)
    v[std::size_t(i)] = i < std::int64_t(std::size(special)) ? special[i] : u(g);
  return v;
}

double tolerance(ScalarType t, double expect, double dy) {
  const double eps = t == ScalarType::Float64 ? 0x1p-52 : t == ScalarType::Float32 ? 0x1p-23 : 0x1p-7;
  return 16 * eps * (std::abs(expect) + std::abs(dy));
}

// x.grad from the kernel vs A::backward in double on the same (rounded) saved value and dy.
template <class A> void check_backward_kernel(ScalarType t, std::int64_t n) {
  const auto p = grad_params<A>();
  Tensor x = from_vector(values(n, unsigned(n)), {n}, t).requires_grad_();
  Tensor dy = from_vector(values(n, 7 + unsigned(n)), {n}, t);
  for (std::int64_t i = 0; i < std::min<std::int64_t>(n, 15); ++i) dy.select(0, i).fill_(1.25);
  Tensor y = activation<A>(x, p);
  y.backward(dy);
  ASSERT_EQ(std::string(y.grad_fn()->name()), std::string(A::grad_fn));
  const bool is_result = A::saves(p, false) == act::Saves::output;
  for (std::int64_t i = 0; i < n; ++i) {
    const double v = is_result ? y.at(i) : x.at(i), g = dy.at(i);
    const double expect = A::backward(act::ScalarMath<double>{}, v, g, p, is_result);
    const double got = x.grad().at(i);
    if (std::isnan(expect)) {
      EXPECT_TRUE(std::isnan(got)) << A::name << " x=" << x.at(i) << " got " << got;
    } else if (!std::isfinite(expect)) {
      EXPECT_EQ(got, expect) << A::name << " x=" << x.at(i);
    } else {
      EXPECT_NEAR(got, expect, tolerance(t, expect, g)) << A::name << " " << dtype_name(t) << " x=" << x.at(i);
    }
  }
}

TEST(ActivationGrad, KernelMatchesScalarDerivative) {
  act::for_each_activation([](auto a) {
    using A = decltype(a);
    if constexpr (has_backward_kernel<A>) {
      for (ScalarType t : {ScalarType::Float32, ScalarType::Float64, ScalarType::BFloat16}) {
        if (!A::dtypes.has(t)) continue;
        for (std::int64_t n : {1, 17, 67, 1000, 70001}) check_backward_kernel<A>(t, n);
      }
    }
  });
}

// Points where every entry is smooth, for finite differences.
Tensor smooth_points() {
  return from_vector({-4.7, -2.3, -1.4, -0.55, -0.2, 0.3, 0.8, 1.6, 2.2, 3.6, 5.1, 7.3}, {3, 4},
                     ScalarType::Float64).requires_grad_();
}

TEST(ActivationGrad, GradcheckEveryActivation) {
  act::for_each_activation([](auto a) {
    using A = decltype(a);
    if constexpr (A::kind == act::Kind::prelu) {
      Tensor w = from_vector({0.25, -0.3, 1.2}, {3}, ScalarType::Float64).requires_grad_();
      EXPECT_TRUE(autograd::gradcheck([](const std::vector<Tensor>& in) { return prelu(in[0], in[1]); },
                                      {smooth_points().reshape({2, 3, 2}).detach().requires_grad_(), w}));
    } else {
      auto p = grad_params<A>();
      EXPECT_TRUE(autograd::gradcheck([&](const std::vector<Tensor>& in) { return activation<A>(in[0], p); },
                                      {smooth_points()}))
          << A::name;
    }
  });
}

// Reference §6, float64.
std::vector<double> grad_at(const std::function<Tensor(const Tensor&)>& f, std::vector<double> xs) {
  Tensor x = from_vector(xs, {std::int64_t(xs.size())}, ScalarType::Float64).requires_grad_();
  f(x).sum().backward();
  return x.grad().to_vector();
}
void expect_same(const std::vector<double>& got, const std::vector<double>& want, const char* what) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(want[i])) EXPECT_TRUE(std::isnan(got[i])) << what << " #" << i;
    else EXPECT_NEAR(got[i], want[i], 1e-6) << what << " #" << i;
  }
}

TEST(ActivationGrad, KinkValuesAsPyTorch) {
  expect_same(grad_at([](auto& x) { return relu(x); }, {-1, -0.0, 0, 1, kNaN, kInf, -kInf}), {0, 0, 0, 1, 1, 1, 0}, "relu");
  expect_same(grad_at([](auto& x) { return relu6(x); }, {-1, 0, 3, 6, 7, kNaN}), {0, 0, 1, 0, 0, 1}, "relu6");
  expect_same(grad_at([](auto& x) { return hardtanh(x); }, {-2, -1, 0, 1, 2, kNaN}), {0, 0, 1, 0, 0, 1}, "hardtanh");
  expect_same(grad_at([](auto& x) { return leaky_relu(x); }, {-1, -0.0, 0, 1, kNaN, kInf, -kInf}),
              {0.01, 0.01, 0.01, 1, 0.01, 1, 0.01}, "leaky_relu");
  expect_same(grad_at([](auto& x) { return elu(x); }, {-1, -0.0, 0, 1, kNaN, kInf, -kInf}),
              {0.36787944117144233, 1, 1, 1, 1, 1, 0}, "elu");
  expect_same(grad_at([](auto& x) { return elu(x, {2.0}); }, {0}), {2}, "elu alpha=2");
  expect_same(grad_at([](auto& x) { return selu(x); }, {-1, 0, 1}), {0.646769, 1.758099, 1.050701}, "selu");
  expect_same(grad_at([](auto& x) { return celu(x, {2.0}); }, {0}), {1}, "celu");
  expect_same(grad_at([](auto& x) { return gelu(x); }, {-1, 0, 1, kInf, kNaN}), {-0.083315, 0.5, 1.083315, kNaN, kNaN}, "gelu");
  expect_same(grad_at([](auto& x) { return gelu(x, {"tanh"}); }, {-1, 0, 1}), {-0.082964, 0.5, 1.082964}, "gelu tanh");
  expect_same(grad_at([](auto& x) { return silu(x); }, {-1, 0, 1, kInf, -kInf}), {0.072329, 0.5, 0.927671, kNaN, kNaN}, "silu");
  expect_same(grad_at([](auto& x) { return mish(x); }, {-1, 0, 1, kInf, -kInf, kNaN}), {0.059217, 0.6, 1.049036, kNaN, kNaN, kNaN}, "mish");
  expect_same(grad_at([](auto& x) { return softplus(x); }, {0, 20, 21}), {0.5, 1, 1}, "softplus");
  expect_same(grad_at([](auto& x) { return softplus(x, {2, 1}); }, {0.4, 0.5, 0.6}), {0.689974, 0.731059, 1}, "softplus b=2");
  expect_same(grad_at([](auto& x) { return hardswish(x); }, {-4, -3, -1, 0, 3, 4, kNaN}), {0, -0.5, 1.0 / 6, 0.5, 1.5, 1, 1}, "hardswish");
  expect_same(grad_at([](auto& x) { return hardsigmoid(x); }, {-4, -3, 0, 3, 4, kNaN}), {0, 0, 1.0 / 6, 0, 0, 0}, "hardsigmoid");
  expect_same(grad_at([](auto& x) { return threshold(x, {0.5, 2}); }, {0, 0.5, 0.6}), {0, 0, 1}, "threshold");
  expect_same(grad_at([](auto& x) { return sigmoid(x); }, {0, kInf, -kInf, kNaN}), {0.25, 0, 0, kNaN}, "sigmoid");
  expect_same(grad_at([](auto& x) { return tanh(x); }, {0, kInf, -kInf, kNaN}), {1, 0, 0, kNaN}, "tanh");
  expect_same(grad_at([](auto& x) { return rrelu(x); }, {-1, 0, 1}), {0.229167, 0.229167, 1}, "rrelu eval");
  // softmax of [1, 2] sums to 1: zero gradient; log_softmax's is 1 - 2 softmax.
  expect_same(grad_at([](auto& x) { return softmax(x, {.dim = 0}); }, {1, 2}), {0, 0}, "softmax");
  expect_same(grad_at([](auto& x) { return log_softmax(x, {.dim = 0}); }, {1, 2}), {0.462117, -0.462117}, "log_softmax");
}

TEST(ActivationGrad, PReLUWeightGradient) {
  Tensor x = tensor({{-1.0, 2.0}, {-3.0, -4.0}}).requires_grad_();
  Tensor w = full({2}, 0.25).requires_grad_();
  Tensor y = prelu(x, w);
  EXPECT_EQ(std::string(y.grad_fn()->name()), "PreluBackward0");
  y.sum().backward();
  EXPECT_EQ(w.grad().to_vector(), (std::vector<double>{-4, -4}));
  EXPECT_EQ(x.grad().to_vector(), (std::vector<double>{0.25, 1, 0.25, 0.25}));
}

TEST(ActivationGrad, RReLUTrainingUsesTheDrawnSlopes) {
  Tensor x = from_vector(values(200, 3), {200}, ScalarType::Float64).requires_grad_();
  Tensor y = rrelu(x, {.training = true});
  EXPECT_EQ(std::string(y.grad_fn()->name()), "RreluWithNoiseBackward0");
  y.sum().backward();
  for (std::int64_t i = 15; i < 200; ++i) {
    const double xi = x.at(i), slope = xi > 0 ? 1.0 : y.at(i) / xi;
    if (xi != 0) {
      EXPECT_NEAR(x.grad().at(i), slope, 1e-12);
    }
  }
}

TEST(ActivationGrad, InplaceNodeNamesAndSavedOutput) {
  auto name_of = [](auto&& f) {
    Tensor x = randn({5}).requires_grad_();
    Tensor h = x.mul(1.0);
    f(h);
    return std::string(h.grad_fn()->name());
  };
  EXPECT_EQ(name_of([](Tensor& h) { relu_(h); }), "ReluBackward0");
  EXPECT_EQ(name_of([](Tensor& h) { leaky_relu_(h); }), "LeakyReluBackward1");
  EXPECT_EQ(name_of([](Tensor& h) { elu_(h); }), "EluBackward1");
  EXPECT_EQ(name_of([](Tensor& h) { selu_(h); }), "EluBackward1");
  EXPECT_EQ(name_of([](Tensor& h) { celu_(h); }), "CeluBackward1");
  EXPECT_EQ(name_of([](Tensor& h) { threshold_(h, {0.1, 0.0}); }), "ThresholdBackward1");
  EXPECT_EQ(name_of([](Tensor& h) { hardtanh_(h); }), "HardtanhBackward0");
  EXPECT_EQ(name_of([](Tensor& h) { sigmoid_(h); }), "SigmoidBackward0");
  EXPECT_EQ(name_of([](Tensor& h) { rrelu_(h); }), "RreluWithNoiseBackward1");

  // In-place forms that read what the out-of-place form reads (the output, or a copy of the input)
  // give its gradient exactly; elu/selu/celu read their input out of place and their output in
  // place (as 1.13), which agree to rounding: y + alpha loses up to |y| / |y + alpha| ulps.
  act::for_each_activation([](auto a) {
    using A = decltype(a);
    if constexpr (A::inplace != act::Inplace::none && A::kind == act::Kind::pointwise) {
      auto p = grad_params<A>();
      Tensor x1 = smooth_points(), x2 = smooth_points();
      activation<A>(x1, p).sum().backward();
      Tensor h = x2.mul(1.0);
      activation_<A>(h, p);
      h.sum().backward();
      if (A::saves(p, false) == A::saves(p, true)) {
        EXPECT_EQ(x1.grad().to_vector(), x2.grad().to_vector()) << A::name;
      } else {
        const auto g1 = x1.grad().to_vector(), g2 = x2.grad().to_vector();
        for (std::size_t i = 0; i < g1.size(); ++i) EXPECT_NEAR(g1[i], g2[i], 1e-14) << A::name << " at " << i;
      }
    }
  });
}

// The 1-bit-mask backward gives exactly the output-reading gradient: every SIMD tail and word
// boundary (sizes around 64), dtypes, a transposed (dense, non-contiguous) input, in place.
TEST(ActivationGrad, MaskBackwardMatchesOutputBackward) {
  const bool previous = autograd::mask_backward_enabled();
  auto grads = [](bool mask, ScalarType t, std::int64_t n, bool transposed, bool inplace) {
    autograd::set_mask_backward(mask);
    Tensor x = from_vector(values(2 * n, unsigned(n)), {2, n}, t);
    if (transposed) x = x.t().contiguous().t();
    x.requires_grad_();
    Tensor dy = from_vector(values(2 * n, 5 + unsigned(n)), {2, n}, t);
    Tensor h = inplace ? x.mul(1.0) : x;
    Tensor y = inplace ? relu_(h) : relu(h);
    y.backward(dy);
    return std::make_pair(y.to_vector(), x.grad().to_vector());
  };
  for (ScalarType t : {ScalarType::Float32, ScalarType::Float64, ScalarType::BFloat16})
    for (std::int64_t n : {1, 7, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 127, 128, 129, 1000, 70001})
      for (bool transposed : {false, true})
        for (bool inplace : {false, true}) {
          auto [y0, g0] = grads(false, t, n, transposed, inplace);
          auto [y1, g1] = grads(true, t, n, transposed, inplace);
          ASSERT_EQ(y0.size(), y1.size());
          for (std::size_t i = 0; i < y0.size(); ++i) {
            ASSERT_TRUE((std::isnan(y0[i]) && std::isnan(y1[i])) || y0[i] == y1[i]) << n << " " << i;
            ASSERT_TRUE((std::isnan(g0[i]) && std::isnan(g1[i])) || g0[i] == g1[i])
                << dtype_name(t) << " n=" << n << " i=" << i << " transposed=" << transposed << " " << g0[i]
                << " vs " << g1[i];
          }
        }
  autograd::set_mask_backward(previous);
}

TEST(Autograd, InplaceRules) {
  Tensor x = tensor({-1.0, 2.0, 3.0}).requires_grad_();
  EXPECT_THROW(
      {
        try {
          relu_(x);
        } catch (const Error& e) {
          EXPECT_STREQ(e.what(), "a leaf Variable that requires grad is being used in an in-place operation.");
          throw;
        }
      },
      Error);
  try {
    Tensor v = x.slice(0, 0, 2);
    relu_(v);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "a view of a leaf Variable that requires grad is being used in an in-place operation.");
  }
  {
    autograd::NoGradGuard g;
    Tensor y = x.detach().clone();
    relu_(y);  // allowed without grad
  }
  // y = x * 2; y.relu_() is fine: mul saves the scalar, not its output.
  Tensor y = x.mul(2.0);
  relu_(y);
  EXPECT_EQ(std::string(y.grad_fn()->name()), "ReluBackward0");
  y.sum().backward();
  EXPECT_EQ(x.grad().to_vector(), (std::vector<double>{0, 2, 2}));
}

TEST(Autograd, VersionCounterError) {
  Tensor x = tensor({-1.0, 2.0, 3.0}).requires_grad_();
  Tensor y = sigmoid(x);
  relu_(y);
  try {
    y.sum().backward();
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "one of the variables needed for gradient computation has been modified by an inplace operation: "
                 "[torch.FloatTensor [3]], which is output 0 of SigmoidBackward0, is at version 1; expected version "
                 "0 instead. Hint: enable anomaly detection to find the operation that failed to compute its "
                 "gradient, with torch.autograd.set_detect_anomaly(True).");
  }
}

TEST(Autograd, NegativeSlopeInplaceRaisesAtBackward) {
  Tensor x = tensor({-1.0, 2.0}).requires_grad_();
  Tensor h = x.mul(1.0);
  leaky_relu_(h, {-0.1});  // the forward succeeds
  EXPECT_THROW(h.sum().backward(), Error);
  Tensor h2 = x.mul(1.0);
  elu_(h2, {-0.5});
  try {
    h2.sum().backward();
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("In-place elu backward calculation is triggered with a negative slope", 0), 0u);
  }
}

TEST(Autograd, SecondBackwardAndRetainGraph) {
  Tensor x = tensor({1.0, 2.0}).requires_grad_();
  Tensor y = sigmoid(x).sum();
  y.backward({}, true);
  y.backward();
  EXPECT_NEAR(x.grad().at(0), 2 * 0.19661193324148185, 1e-7);
  try {
    y.backward();
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("Trying to backward through the graph a second time", 0), 0u);
  }
}

TEST(Autograd, MaskBackwardFreesItsBitsLikeSavedTensors) {
  Tensor x = randn({300}).requires_grad_();  // bits in a buffer (more than 128 elements)
  Tensor y = relu(x).sum();
  y.backward({}, true);
  y.backward();
  EXPECT_THROW(y.backward(), Error);
  Tensor one = tensor({0.5}).requires_grad_();  // bits inline
  Tensor z = relu(one).sum();
  z.backward();
  EXPECT_THROW(z.backward(), Error);
}

TEST(Autograd, RequiresGradRules) {
  Tensor i = tensor({1, 2});
  try {
    i.requires_grad_();
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "only Tensors of floating point and complex dtype can require gradients");
  }
  Tensor x = randn({3}).requires_grad_();
  EXPECT_TRUE(x.is_leaf());
  Tensor y = relu(x);
  EXPECT_FALSE(y.is_leaf());
  EXPECT_TRUE(y.requires_grad());
  {
    autograd::NoGradGuard g;
    EXPECT_FALSE(relu(x).requires_grad());
    autograd::EnableGradGuard e;
    EXPECT_TRUE(relu(x).requires_grad());
  }
  EXPECT_FALSE(x.detach().requires_grad());
  EXPECT_THROW(y.sum().mul(0.0).detach().backward(), Error);
  EXPECT_THROW(relu(x).backward(), Error);  // non-scalar without gradient
}

TEST(Autograd, HooksAndRetainGrad) {
  Tensor x = tensor({1.0, -2.0, 3.0}).requires_grad_();
  int id = x.register_hook([](const Tensor& g) { return g.mul(10.0); });
  Tensor h = x.mul(2.0);
  h.retain_grad();
  h.register_hook([](const Tensor& g) { return g.add(1.0); });
  relu(h).sum().backward();
  EXPECT_EQ(h.grad().to_vector(), (std::vector<double>{1, 0, 1}));  // retain_grad was registered before the +1 hook
  EXPECT_EQ(x.grad().to_vector(), (std::vector<double>{40, 20, 40}));
  x.remove_hook(id);
  x.set_grad(Tensor());
  relu(x).sum().backward();
  EXPECT_EQ(x.grad().to_vector(), (std::vector<double>{1, 0, 1}));
}

TEST(Autograd, AccumulationNeverWritesTheCallersGradient) {
  Tensor x = tensor({1.0, 2.0}).requires_grad_();
  Tensor g = tensor({0.5, -1.0});
  x.backward(g);
  x.backward(g);
  EXPECT_EQ(x.grad().to_vector(), (std::vector<double>{1.0, -2.0}));
  EXPECT_EQ(g.to_vector(), (std::vector<double>{0.5, -1.0}));
  Tensor y = relu(x);
  y.backward(g);  // the kernel's fresh dx may be kept as .grad only when nothing else holds it
  EXPECT_EQ(x.grad().to_vector(), (std::vector<double>{1.5, -3.0}));
}

TEST(Autograd, ImplicitGradientIsFreshEachTime) {
  // The implicit ones are cached; a hook that writes its gradient in place must not change the
  // next backward's.
  Tensor x = tensor({3.0}).requires_grad_();
  Tensor y = x.mul(2.0);
  y.register_hook([](const Tensor& g) {
    autograd::NoGradGuard ng;
    Tensor(g).mul_(10.0);
    return Tensor();
  });
  y.backward({}, true);
  EXPECT_EQ(x.grad().to_vector(), (std::vector<double>{20.0}));
  x.set_grad(Tensor());
  x.mul(2.0).backward();
  EXPECT_EQ(x.grad().to_vector(), (std::vector<double>{2.0}));
}

// Review findings, each checked against torch 1.13's behaviour.
TEST(Autograd, InplaceWithItselfRaisesAtBackward) {
  Tensor x = tensor({1.0, 2.0, 3.0}).requires_grad_();
  Tensor y = x.mul(1.0);
  y.mul_(y);  // the gradient would need y's old value
  EXPECT_THROW(y.sum().backward(), Error);
  Tensor z = x.mul(1.0);
  EXPECT_THROW(z.mul_(z.select(0, 0)), Error);  // partial overlap is refused at once
  Tensor w = x.mul(1.0);
  w.slice(0, 0, 1).add_(w.slice(0, 1, 2));  // disjoint parts of one storage are fine
}

TEST(Autograd, BackwardInsideAHookKeepsTheOuterPass) {
  Tensor x = tensor({1.0, 1.0}).requires_grad_();
  Tensor y = x.mul(2.0);
  Tensor zs = x.mul(3.0).sum();
  y.register_hook([&](const Tensor&) {
    zs.backward({}, true);
    return Tensor();
  });
  y.sum().backward();
  EXPECT_EQ(x.grad().to_vector(), (std::vector<double>{5, 5}));
}

TEST(Autograd, GradRunsOnlyWhatLeadsToItsInputs) {
  Tensor x = tensor({1.0, 2.0}).requires_grad_();
  Tensor y = exp(x);
  Tensor z = y.mul(3.0);
  auto g = autograd::grad({z.sum()}, {y});
  EXPECT_EQ(g[0].to_vector(), (std::vector<double>{3, 3}));
  y.sum().backward();  // y's own node did not run, so its saved output is still there
  EXPECT_NEAR(x.grad().at(1), std::exp(2.0), 1e-5);
  int calls = 0;
  Tensor w = tensor({1.0, 1.0}).requires_grad_();
  Tensor h = x.mul(2.0);
  h.register_hook([&](const Tensor&) {
    ++calls;
    return Tensor();
  });
  autograd::grad({h.mul(w).sum()}, {w});
  EXPECT_EQ(calls, 0);
}

TEST(Autograd, ImplicitGradientsDoNotAlias) {
  Tensor a = tensor({2.0}).requires_grad_();
  Tensor s1 = a.mul(1.0).sum(), s2 = a.mul(1.0).sum();
  Tensor r1 = autograd::grad({s1}, {s1})[0];
  Tensor r2 = autograd::grad({s2}, {s2})[0];
  r1.add_(1.0);
  EXPECT_EQ(r2.item<double>(), 1.0);
}

TEST(Autograd, VersionErrorNamesTheCurrentProducer) {
  Tensor x = tensor({1.0, 2.0}).requires_grad_();
  Tensor y = x.mul(2.0);
  Tensor z = log(y);
  y.add_(1.0);
  try {
    z.sum().backward();
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("which is output 0 of AddBackward0,"), std::string::npos) << e.what();
  }
}

TEST(Autograd, GradFunctionDoesNotTouchLeaves) {
  Tensor x = tensor({1.0, 2.0}).requires_grad_();
  Tensor w = tensor({3.0, 4.0}).requires_grad_();
  Tensor y = x.mul(w).sum();
  auto g = autograd::grad({y}, {x});
  EXPECT_EQ(g[0].to_vector(), (std::vector<double>{3, 4}));
  EXPECT_FALSE(x.grad().defined());
  EXPECT_FALSE(w.grad().defined());
  Tensor z = randn({2}).requires_grad_();
  EXPECT_THROW(autograd::grad({x.mul(2.0).sum()}, {z}), Error);
  auto u = autograd::grad({x.mul(2.0).sum()}, {z}, {}, false, false, true);
  EXPECT_FALSE(u[0].defined());
}

TEST(OpGrad, GradcheckArithmeticViewsReductions) {
  using F = std::function<Tensor(const std::vector<Tensor>&)>;
  Tensor a = smooth_points();
  Tensor b = from_vector({0.7, -1.3, 2.1, 0.4}, {4}, ScalarType::Float64).requires_grad_();
  const std::vector<std::pair<const char*, F>> cases = {
      {"add", [](auto& in) { return in[0].add(in[1], 0.5); }},
      {"sub", [](auto& in) { return in[0].sub(in[1]); }},
      {"mul", [](auto& in) { return in[0].mul(in[1]); }},
      {"div", [](auto& in) { return in[0].div(in[1]); }},
      {"neg", [](auto& in) { return in[0].neg().add(in[1]); }},
      {"rsub", [](auto& in) { return 2.0 - in[0] * in[1]; }},
      {"view", [](auto& in) { return in[0].view({4, 3}).add(in[1].view({4, 1})); }},
      {"reshape", [](auto& in) { return in[0].t().reshape({-1}).mul(2.0).add(in[1].sum()); }},
      {"transpose", [](auto& in) { return in[0].transpose(0, 1).mul(in[1].unsqueeze(1)); }},
      {"permute", [](auto& in) { return in[0].reshape({3, 2, 2}).permute({2, 0, 1}).mul(in[1].view({2, 1, 2})); }},
      {"slice", [](auto& in) { return in[0].slice(1, 1, 4, 2).mul(in[1].slice(0, 0, 2)); }},
      {"select", [](auto& in) { return in[0].select(1, 2).mul(in[1].select(0, 3)); }},
      {"expand", [](auto& in) { return in[1].expand({3, 4}).mul(in[0]); }},
      {"squeeze", [](auto& in) { return in[0].unsqueeze(0).squeeze().add(in[1].unsqueeze(0).squeeze(0)); }},
      {"as_strided", [](auto& in) { return in[0].as_strided({3, 3}, {1, 2}, 1).sum({0}).mul(in[1].slice(0, 0, 3)); }},
      {"sum", [](auto& in) { return in[0].sum({1}).add(in[1].sum({0}, true)); }},
      {"mean", [](auto& in) { return in[0].mean({0}, true).mul(in[1]).add(in[0].mean()); }},
      {"max", [](auto& in) { return in[0].max(1).first.add(in[1].max()); }},
      {"copy_", [](auto& in) { Tensor z = zeros({3, 4}, ScalarType::Float64); z.copy_(in[1]); return z.mul(in[0]); }},
      {"inplace through a view (CopySlices)", [](auto& in) {
         Tensor z = in[0].mul(1.0);
         Tensor v = z.slice(1, 1, 3);
         v.mul_(in[1].slice(0, 0, 2));
         leaky_relu_(v, {0.1});
         return z.mul(in[1]);
       }},
      {"inplace into a view of a tensor without grad", [](auto& in) {
         Tensor z = zeros({4, 4}, ScalarType::Float64);
         z.slice(0, 1, 4).copy_(in[0]);
         return z.sum({0}).mul(in[1]);
       }},
      {"inplace arith", [](auto& in) { Tensor z = in[0].mul(1.0); z.mul_(in[1]); z.add_(in[1], 2.0); z.div_(in[1]); return z; }},
  };
  for (const auto& [name, f] : cases) {
    EXPECT_TRUE(autograd::gradcheck(f, {a, b}, 1e-6, 1e-5, 1e-3, false)) << name;
  }
}

TEST(OpGrad, ToCastsTheGradientBack) {
  Tensor x = tensor({1.0, 2.0}).requires_grad_();
  x.to(ScalarType::Float64).mul(3.0).sum().backward();
  EXPECT_EQ(x.grad().dtype(), ScalarType::Float32);
  EXPECT_EQ(x.grad().to_vector(), (std::vector<double>{3, 3}));
}

TEST(OpGrad, NodeNames) {
  Tensor x = randn({2, 3}).requires_grad_();
  auto n = [](const Tensor& t) { return std::string(t.grad_fn()->name()); };
  EXPECT_EQ(n(x.reshape({6})), "ReshapeAliasBackward0");
  EXPECT_EQ(n(x.t().reshape({6})), "UnsafeViewBackward0");
  EXPECT_EQ(n(x.view({6})), "ViewBackward0");
  EXPECT_EQ(n(x.t()), "TBackward0");
  EXPECT_EQ(n(x.select(0, 0)), "SelectBackward0");
  EXPECT_EQ(n(x.slice(1, 1)), "SliceBackward0");
  EXPECT_EQ(n(x.unsqueeze(0).squeeze()), "SqueezeBackward0");
  EXPECT_EQ(n(x.unsqueeze(0).squeeze(0)), "SqueezeBackward1");
  EXPECT_EQ(n(x.expand({4, 2, 3})), "ExpandBackward0");
  EXPECT_EQ(n(x.t().contiguous()), "CloneBackward0");
  EXPECT_EQ(n(x.to(ScalarType::Float64)), "ToCopyBackward0");
  Tensor z = x.mul(1.0);
  Tensor v = z.slice(1, 1);
  relu_(v);
  EXPECT_EQ(n(z), "torch::autograd::CopySlices");
  EXPECT_EQ(n(v), "AsStridedBackward0");
  EXPECT_EQ(n(x.sum()), "SumBackward0");
  EXPECT_EQ(n(x.sum({0})), "SumBackward1");
  EXPECT_EQ(n(x.mean()), "MeanBackward0");
  EXPECT_EQ(n(x.max()), "MaxBackward1");
  EXPECT_EQ(n(x.max(0).first), "MaxBackward0");
  EXPECT_EQ(n(x + 1.0), "AddBackward0");
  EXPECT_EQ(n(1.0 - x), "RsubBackward1");
  EXPECT_EQ(n(-x), "NegBackward0");
  EXPECT_EQ(n(x / x), "DivBackward0");
  EXPECT_FALSE(x.to(ScalarType::Int64).requires_grad());
}

}  // namespace
}  // namespace ramp
