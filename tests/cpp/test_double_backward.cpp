// Double backward (create_graph): every activation entry's second derivative against the second
// central difference of its forward formula in long double (an oracle independent of the
// gradient formulas), 1.13's values at the kinks, gradgradcheck (finite differences of the first
// derivatives) for the entries and the arithmetic, grad_fn names, and the refusal of nodes whose
// backward is not differentiable.
#include <gtest/gtest.h>

#include <cmath>

#include "ramp/autograd.h"
#include "ramp/functional.h"
#include "ramp/nn/functional.h"
#include "ramp/nn/loss.h"
#include "ramp/ops.h"

namespace ramp {
namespace {

template <class A> typename A::Params params2() {
  typename A::Params p{};
  if constexpr (std::is_same_v<A, act::LeakyReLU>) p.negative_slope = 0.2;
  if constexpr (std::is_same_v<A, act::ELU> || std::is_same_v<A, act::CELU>) p.alpha = 1.5;
  if constexpr (std::is_same_v<A, act::Hardtanh>) p = {-2.0, 2.5};
  if constexpr (std::is_same_v<A, act::Threshold>) p = {0.5, -3};
  if constexpr (std::is_same_v<A, act::Softplus>) p = {2, 10};
  if constexpr (std::is_same_v<A, act::Swish>) p.beta = 1.7;
  return p;
}

// Points off every entry's kinks.
const std::vector<double> kPoints{-4.3, -2.7, -1.3, -0.45, 0.15, 0.35, 0.9, 1.7, 2.6, 4.1};

// d2y/dx2 elementwise through two passes: the first with create_graph.
Tensor second_derivative(const std::function<Tensor(const Tensor&)>& f, const Tensor& x) {
  const Tensor g = autograd::grad({f(x).sum()}, {x}, {}, {}, true)[0];
  EXPECT_TRUE(g.requires_grad());
  return autograd::grad({g.sum()}, {x}, {}, {}, false, true)[0];
}

template <class A> void check_entry() {
  if constexpr (act::is_pointwise<A>) {
    const auto p = params2<A>();
    auto f = [&](const Tensor& t) { return activation<A>(t, p); };
    const Tensor x = from_vector(kPoints, {std::int64_t(kPoints.size())}, ScalarType::Float64).requires_grad_();
    if constexpr (std::is_same_v<A, act::Hardsigmoid>) {  // 1.13: no derivative of hardsigmoid_backward
      const Tensor g = autograd::grad({f(x).sum()}, {x}, {}, {}, true)[0];
      EXPECT_EQ(g.grad_fn()->name(), "torch::autograd::NotImplemented");
      EXPECT_THROW(autograd::grad({g.sum()}, {x}), Error);
      return;
    } else {
      const Tensor g = autograd::grad({f(x).sum()}, {x}, {}, {}, true)[0];
      EXPECT_EQ(g.grad_fn()->name(), A::grad_fn2) << A::name;
      const Tensor h = second_derivative(f, x);
      // Oracle: (f(x+e) - 2 f(x) + f(x-e)) / e^2 on the forward formula in long double.
      using L = long double;
      for (std::size_t i = 0; i < kPoints.size(); ++i) {
        const L e = 1e-4L, v = kPoints[i];
        auto fwd = [&](L t) { return L(A::forward(act::ScalarMath<L>{}, t, p)); };
        const double want = double((fwd(v + e) - 2 * fwd(v) + fwd(v - e)) / (e * e));
        const double got = h.defined() ? h.to_vector()[i] : 0.0;
        EXPECT_NEAR(got, want, 1e-6 + 1e-6 * std::fabs(want)) << A::name << " at " << v;
      }
      EXPECT_TRUE(autograd::gradgradcheck([&](const std::vector<Tensor>& in) { return f(in[0]); }, {x})) << A::name;
    }
  }
}

TEST(DoubleBackward, EveryActivationEntryAgainstSecondDifferences) {
  act::for_each_activation([](auto a) { check_entry<decltype(a)>(); });
}

TEST(DoubleBackward, SoftmaxAndLogSoftmaxGradgradcheck) {
  manual_seed(5);
  const Tensor x = randn({3, 4}, ScalarType::Float64).requires_grad_();
  for (std::int64_t dim : {0, 1}) {
    EXPECT_TRUE(autograd::gradgradcheck([&](const std::vector<Tensor>& in) { return softmax(in[0], {dim}); }, {x}));
    EXPECT_TRUE(
        autograd::gradgradcheck([&](const std::vector<Tensor>& in) { return log_softmax(in[0], {dim}); }, {x}));
  }
  const Tensor g = autograd::grad({softmax(x, {1}).mul(x).sum()}, {x}, {}, {}, true)[0];
  EXPECT_EQ(g.grad_fn()->name(), "AddBackward0");  // softmax's path plus the product's
}

// 1.13's second derivatives at the kinks (torch.autograd.grad twice on these points).
TEST(DoubleBackward, KinksAsTorch) {
  auto h_at = [](auto f, double v) {
    const Tensor x = from_vector({v}, {1}, ScalarType::Float64).requires_grad_();
    const Tensor g = autograd::grad({f(x).sum()}, {x}, {}, {}, true)[0];
    const Tensor h = autograd::grad({g.sum()}, {x}, {}, {}, false, true)[0];
    return h.defined() ? h.item<double>() : 0.0;
  };
  // hardswish: 1/3 strictly inside (-3, 3), 0 at both kinks (its first derivative's branch at 3 is the middle one)
  EXPECT_EQ(h_at([](const Tensor& t) { return hardswish(t); }, 3.0), 0.0);
  EXPECT_EQ(h_at([](const Tensor& t) { return hardswish(t); }, -3.0), 0.0);
  EXPECT_DOUBLE_EQ(h_at([](const Tensor& t) { return hardswish(t); }, 2.9), 1.0 / 3);
  // elu: alpha e^x for x < 0, 0 at 0 (1.13's mask is x < 0)
  EXPECT_EQ(h_at([](const Tensor& t) { return elu(t); }, 0.0), 0.0);
  EXPECT_DOUBLE_EQ(h_at([](const Tensor& t) { return elu(t); }, -1.0), std::exp(-1.0));
  EXPECT_EQ(h_at([](const Tensor& t) { return relu(t); }, 0.0), 0.0);
  // softplus with the default threshold 20: the linear branch past it
  EXPECT_EQ(h_at([](const Tensor& t) { return softplus(t); }, 25.0), 0.0);
}

TEST(DoubleBackward, ArithmeticGradgradcheck) {
  manual_seed(7);
  const Tensor x = randn({3, 4}, ScalarType::Float64).requires_grad_();
  const Tensor w = randn({2, 4}, ScalarType::Float64).requires_grad_();
  auto f = [](const std::vector<Tensor>& in) {
    const Tensor& a = in[0];
    const Tensor& b = in[1];
    Tensor y = mm(tanh(mm(a, b.t())), b);  // linear layers
    y = y.mul(a).div(a.mul(a).add(1.0)).add(exp(a.mul(0.3)));
    y = y.add(log(b.mul(b).add(2.0)).mean({0}, true));  // broadcast, mean
    return pow(y, 2.0).sum({1});
  };
  EXPECT_TRUE(autograd::gradgradcheck(f, {x, w}));
}

TEST(DoubleBackward, PoolingGradgradcheck) {
  manual_seed(11);
  const Tensor x = randn({1, 2, 5, 5}, ScalarType::Float64).requires_grad_();
  EXPECT_TRUE(autograd::gradgradcheck(
      [](const std::vector<Tensor>& in) { return pow(max_pool2d(tanh(in[0]), {2}, {1}), 3.0); }, {x}));
  EXPECT_TRUE(autograd::gradgradcheck(
      [](const std::vector<Tensor>& in) { return pow(avg_pool2d(tanh(in[0]), {3}, {2}, {1}), 2.0); }, {x}));
}

TEST(DoubleBackward, HessianVectorProductOfCube) {
  // f = sum(x^3): H = diag(6x), so H v = 6 x v.
  const Tensor x = from_vector({0.5, -1.5, 2.0}, {3}, ScalarType::Float64).requires_grad_();
  const Tensor v = from_vector({1.0, 2.0, -0.5}, {3}, ScalarType::Float64);
  const Tensor g = autograd::grad({pow(x, 3.0).sum()}, {x}, {}, {}, true)[0];
  const Tensor hv = autograd::grad({g.mul(v).sum()}, {x})[0];
  EXPECT_EQ(hv.to_vector(), (std::vector<double>{3.0, -18.0, -6.0}));
}

TEST(DoubleBackward, BackwardCreateGraphKeepsGradsGraph) {
  const Tensor x = from_vector({0.5, -1.0}, {2}, ScalarType::Float64).requires_grad_();
  const Tensor y = pow(x, 3.0).sum();
  y.backward({}, {}, true);
  const Tensor g = x.grad();
  ASSERT_TRUE(g.requires_grad());
  EXPECT_EQ(g.to_vector(), (std::vector<double>{0.75, 3.0}));
  const Tensor h = autograd::grad({g.sum()}, {x})[0];
  EXPECT_EQ(h.to_vector(), (std::vector<double>{3.0, -6.0}));
  // retain_graph defaulted to create_graph: the graph of y is still there
  EXPECT_NO_THROW(autograd::grad({y}, {x}));
}

TEST(DoubleBackward, NotDifferentiableNodesRefuse) {
  const Tensor x = randn({1, 1, 4, 4}, ScalarType::Float64).requires_grad_();
  const Tensor w = randn({1, 1, 3, 3}, ScalarType::Float64).requires_grad_();
  try {
    autograd::grad({pow(conv2d(x, w), 2.0).sum()}, {x}, {}, {}, true);
    FAIL() << "conv2d's backward should refuse under create_graph";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("double backward through ConvolutionBackward0 is not supported"),
              std::string::npos)
        << e.what();
  }
  try {
    autograd::grad({pow(prelu(x, from_vector({0.25}, {1}, ScalarType::Float64)), 2.0).sum()}, {x}, {}, {}, true);
    FAIL() << "prelu's backward should refuse under create_graph";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("double backward through PreluBackward0 is not supported"),
              std::string::npos)
        << e.what();
  }
  // First order is unchanged.
  EXPECT_FALSE(autograd::grad({conv2d(x, w).sum()}, {x})[0].requires_grad());
}

TEST(DoubleBackward, GradgradcheckCatchesAWrongCurvature) {
  // A function whose gradient is right but carries no second derivative: x^3 through a detached factor.
  const Tensor x = from_vector({0.5, -1.2, 0.8}, {3}, ScalarType::Float64).requires_grad_();
  auto f = [](const std::vector<Tensor>& in) { return in[0].mul(in[0].detach().mul(in[0].detach())); };
  EXPECT_TRUE(autograd::gradcheck(f, {x}, 1e-6, 1e-5, 1e-3, false) == false);  // gradient is x^2, not 3x^2
  auto g = [](const std::vector<Tensor>& in) { return pow(in[0], 3.0); };
  EXPECT_TRUE(autograd::gradgradcheck(g, {x}));
  EXPECT_FALSE(autograd::gradgradcheck(f, {x}, {}, 1e-6, 1e-5, 1e-3, false));
}

}  // namespace
}  // namespace ramp
