// Double backward (create_graph): every activation entry's second derivative against the second
// central difference of its forward formula in long double (an oracle independent of the
// gradient formulas), 1.13's values at the kinks, gradgradcheck (finite differences of the first
// derivatives) for the entries and the arithmetic, grad_fn names, and the refusal of nodes whose
// backward is not differentiable.
#include <gtest/gtest.h>

#include <cmath>

#include "activation_params.h"
#include "ramp/autograd.h"
#include "ramp/functional.h"
#include "ramp/nn/functional.h"
#include "ramp/nn/loss.h"
#include "ramp/ops.h"
#include "ramp/print.h"
#include "ramp/reduce.h"
#include "ramp/shape.h"

namespace ramp {
namespace {

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
    const auto p = test::grad_params<A>();
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
  manual_seed(3);
  const Tensor x = randn({2, 4}, ScalarType::Float64).requires_grad_();
  auto refuses = [&](const std::function<Tensor()>& loss, const std::string& node, bool third) {
    try {
      const Tensor g = autograd::grad({loss()}, {x}, {}, {}, true)[0];
      if (third) autograd::grad({g.mul(g).sum()}, {x}, {}, {}, true);
      FAIL() << node << " should refuse under create_graph";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("double backward through " + node + " is not supported"),
                std::string::npos)
          << e.what();
    }
  };
  const Tensor idx = from_vector({1, 0, 1, 1}, {1, 4}, ScalarType::Int64);
  auto prod_into = [&] { return scatter_reduce(x, 0, idx, x.narrow(0, 0, 1).mul(2.0), "prod"); };
  refuses([&] { return pow(prod_into(), 2.0).sum(); }, "ScatterReduceBackward0", false);
  // batch_norm's second-derivative node reads mean and invstd as constants: no third derivative
  refuses([&] { return pow(batch_norm(x, {}, {}, {}, {}, true), 3.0).sum(); },
          "NativeBatchNormBackwardBackward0", true);
  refuses([&] { return pow(layer_norm(x, {4}), 3.0).sum(); }, "NativeLayerNormBackwardBackward0", true);
  // First order is unchanged.
  EXPECT_FALSE(autograd::grad({prod_into().sum()}, {x})[0].requires_grad());
}

// ---- the layers: gradgradcheck (finite differences of the first derivatives) and 1.13's names ----
using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

std::vector<Tensor> leaves(const std::vector<Dims>& shapes, std::uint64_t seed) {
  manual_seed(seed);
  std::vector<Tensor> out;
  for (const Dims& s : shapes) out.push_back(rand(s, ScalarType::Float64).mul(2.0).sub(1.0).requires_grad_());
  return out;
}

// The grad_fn names of the first derivatives of sum(f^2) (create_graph): the gradient reaching
// f's inputs is f's first-derivative node.
std::vector<std::string> grad2_names(const Fn& f, const std::vector<Tensor>& in) {
  std::vector<std::string> names;
  for (const Tensor& g : autograd::grad({pow(f(in), 2.0).sum()}, in, {}, {}, true))
    names.push_back(g.grad_fn() ? std::string(g.grad_fn()->name()) : "");
  return names;
}

TEST(DoubleBackward, Conv2dGradgradcheck) {
  struct Case {
    Dims x, w;
    bool bias;
    Dims stride, padding, dilation;
    std::int64_t groups;
  };
  for (const Case& c : {Case{{2, 2, 5, 4}, {3, 2, 3, 2}, true, {1}, {0}, {1}, 1},
                        Case{{1, 2, 7, 6}, {2, 2, 2, 3}, true, {2}, {1}, {2}, 1},
                        Case{{2, 4, 5, 6}, {4, 2, 3, 2}, false, {1, 2}, {2, 0}, {1}, 2},
                        Case{{1, 3, 4, 4}, {2, 3, 1, 1}, true, {1}, {0}, {1}, 1}}) {
    std::vector<Dims> shapes{c.x, c.w};
    if (c.bias) shapes.push_back({c.w[0]});
    const auto in = leaves(shapes, 21);
    const Fn f = [&](const std::vector<Tensor>& t) {
      const Tensor y =
          conv2d(t[0], t[1], c.bias ? t[2] : Tensor(), c.stride, c.padding, c.dilation, c.groups);
      return pow(y, 3.0);
    };
    EXPECT_TRUE(autograd::gradgradcheck(f, in)) << shape_str(c.w);
    const Fn plain = [&](const std::vector<Tensor>& t) {
      return conv2d(t[0], t[1], c.bias ? t[2] : Tensor(), c.stride, c.padding, c.dilation, c.groups);
    };
    for (const auto& name : grad2_names(plain, in)) EXPECT_EQ(name, "ConvolutionBackwardBackward0");
  }
  // padding="same" with an even kernel pads the end: its gradient is a crop, 1.13's ConstantPadNdBackward0
  const auto in = leaves({{1, 2, 5, 5}, {2, 2, 2, 3}}, 22);
  const Fn same = [](const std::vector<Tensor>& t) { return conv2d(t[0], t[1], {}, {1}, "same"); };
  EXPECT_TRUE(autograd::gradgradcheck([&](const std::vector<Tensor>& t) { return pow(same(t), 3.0); }, in));
  EXPECT_EQ(grad2_names(same, in),
            (std::vector<std::string>{"ConstantPadNdBackward0", "ConvolutionBackwardBackward0"}));
}

TEST(DoubleBackward, Conv2dHessianVectorProductIsBilinear) {
  // f = <v, conv(x, w)>: d/dx f = Cx'(v, w) is linear in w, so d/dw <u, d/dx f> = Cw'(u, v), and
  // <d/dw <u, Cx'(v, w)>, w> = <u, Cx'(v, w)> (Euler's theorem for a function linear in w).
  const auto in = leaves({{2, 3, 6, 5}, {4, 3, 3, 2}}, 23);
  const Tensor v = rand({2, 4, 3, 3}, ScalarType::Float64), u = rand({2, 3, 6, 5}, ScalarType::Float64);
  const Tensor gx =
      autograd::grad({conv2d(in[0], in[1], {}, {2}, {1}).mul(v).sum()}, {in[0]}, {}, {}, true)[0];
  const Tensor lhs = gx.mul(u).sum();
  const Tensor hw = autograd::grad({lhs}, {in[1]})[0];
  EXPECT_NEAR(hw.mul(in[1].detach()).sum().item<double>(), lhs.item<double>(),
              1e-12 * std::fabs(lhs.item<double>()));
}

TEST(DoubleBackward, BatchNormGradgradcheck) {
  const Tensor rm = from_vector({0.1, -0.2, 0.3}, {3}, ScalarType::Float64),
               rv = from_vector({0.5, 1.2, 0.8}, {3}, ScalarType::Float64);
  for (bool training : {true, false})
    for (const Dims& shape : {Dims{4, 3, 2, 3}, Dims{5, 3}, Dims{3, 3, 4}}) {
      const auto in = leaves({shape, {3}, {3}}, 31);
      const Fn f = [&](const std::vector<Tensor>& t) {
        const Tensor y = batch_norm(t[0], rm.clone(), rv.clone(), t[1], t[2], training);
        return pow(y, 3.0).add(tanh(y).mul(t[0]));
      };
      EXPECT_TRUE(autograd::gradgradcheck(f, in)) << training << shape_str(shape);
      const Fn plain = [&](const std::vector<Tensor>& t) {
        return batch_norm(t[0], rm.clone(), rv.clone(), t[1], t[2], training);
      };
      for (const auto& name : grad2_names(plain, in)) EXPECT_EQ(name, "NativeBatchNormBackwardBackward0");
    }
  // without affine parameters
  const auto in = leaves({{4, 2, 3}}, 32);
  EXPECT_TRUE(autograd::gradgradcheck(
      [](const std::vector<Tensor>& t) { return pow(batch_norm(t[0], {}, {}, {}, {}, true), 3.0); }, in));
}

TEST(DoubleBackward, LayerNormGradgradcheck) {
  const auto in = leaves({{3, 2, 4}, {2, 4}, {2, 4}}, 41);
  const Fn f = [](const std::vector<Tensor>& t) {
    const Tensor y = layer_norm(t[0], {2, 4}, t[1], t[2]);
    return pow(y, 3.0).add(tanh(y).mul(t[0]));
  };
  EXPECT_TRUE(autograd::gradgradcheck(f, in));
  const Fn plain = [](const std::vector<Tensor>& t) { return layer_norm(t[0], {2, 4}, t[1], t[2]); };
  for (const auto& name : grad2_names(plain, in)) EXPECT_EQ(name, "NativeLayerNormBackwardBackward0");
}

TEST(DoubleBackward, AdaptivePoolsGradgradcheck) {
  const auto in = leaves({{2, 2, 7, 5}}, 51);
  const Fn avg = [](const std::vector<Tensor>& t) {
    return pow(adaptive_avg_pool2d(tanh(t[0]), {3, 2}), 3.0);
  };
  EXPECT_TRUE(autograd::gradgradcheck(avg, in));
  // distinct values a grid apart: an eps step never moves a bin's argmax
  const Tensor x =
      arange(0.0, 70.0, 1.0, ScalarType::Float64).mul(0.05).reshape({2, 1, 7, 5}).requires_grad_();
  const Fn mx = [](const std::vector<Tensor>& t) {
    return pow(adaptive_max_pool2d(t[0].mul(t[0]), {3, 2}), 3.0);
  };
  EXPECT_TRUE(autograd::gradgradcheck(mx, {x}));
  EXPECT_EQ(grad2_names(
                [](const std::vector<Tensor>& t) {
                  return adaptive_avg_pool2d(t[0], {3, 2});
                },
                in)[0],
            "AdaptiveAvgPool2DBackwardBackward0");
  EXPECT_EQ(grad2_names(
                [](const std::vector<Tensor>& t) {
                  return adaptive_max_pool2d(t[0], {3, 2});
                },
                in)[0],
            "AdaptiveMaxPool2DBackwardBackward0");
}

TEST(DoubleBackward, BinaryCrossEntropyGradgradcheck) {
  const auto in = leaves({{3, 4}, {3, 4}}, 61);
  const Tensor w = from_vector({0.5, 1.0, 1.5, 2.0}, {4}, ScalarType::Float64);
  for (const std::string red : {"mean", "sum", "none"}) {
    const Fn bce = [&](const std::vector<Tensor>& t) {
      return binary_cross_entropy(t[0].mul(0.4).add(0.5), t[1].mul(0.5).add(0.5),
                                  {.weight = w, .reduction = red});
    };
    EXPECT_TRUE(autograd::gradgradcheck([&](const std::vector<Tensor>& t) { return pow(bce(t), 2.0); }, in))
        << red;
    const Fn logits = [&](const std::vector<Tensor>& t) {
      return binary_cross_entropy_with_logits(t[0].mul(3.0), t[1].mul(0.5).add(0.5),
                                              {.weight = w, .reduction = red, .pos_weight = flip(w, {0})});
    };
    EXPECT_TRUE(
        autograd::gradgradcheck([&](const std::vector<Tensor>& t) { return pow(logits(t), 2.0); }, in))
        << red;
  }
  // the input's first derivative node, as 1.13
  const Tensor p = from_vector({0.2, 0.7, 0.45}, {3}, ScalarType::Float64).requires_grad_();
  const Tensor g = autograd::grad({binary_cross_entropy(p, p.detach().mul(0.5))}, {p}, {}, {}, true)[0];
  EXPECT_EQ(g.grad_fn()->name(), "BinaryCrossEntropyBackwardBackward0");
}

TEST(DoubleBackward, PreluGradgradcheck) {
  for (std::int64_t channels : {3, 1}) {
    auto in = leaves({{2, 3, 4}, {channels}}, 71);
    in[0] = in[0].detach().add(sign(in[0].detach()).mul(0.1)).requires_grad_();  // away from the kink
    const Fn f = [](const std::vector<Tensor>& t) { return pow(prelu(t[0], t[1]), 3.0); };
    EXPECT_TRUE(autograd::gradgradcheck(f, in)) << channels;
    const Fn plain = [](const std::vector<Tensor>& t) { return prelu(t[0], t[1]); };
    for (const auto& name : grad2_names(plain, in)) EXPECT_EQ(name, "PreluBackwardBackward0");
  }
}

// ---- reductions: their first derivatives are raw loops, given the graph of 1.13's formula ----
TEST(DoubleBackward, ReductionsGradgradcheckAndNames) {
  const auto in = leaves({{3, 4}}, 81);
  struct Case {
    const char* what;
    Fn f;
    const char* grad2;  // 1.13's name of the first derivative's node
  };
  const std::vector<Case> cases{
      {"var", [](const std::vector<Tensor>& t) { return var(t[0], {1}); }, "MulBackward0"},
      {"std", [](const std::vector<Tensor>& t) { return std(t[0]); }, "MulBackward0"},
      {"norm", [](const std::vector<Tensor>& t) { return norm(t[0], 2, {0}); }, "MulBackward0"},
      {"norm3", [](const std::vector<Tensor>& t) { return norm(t[0], 3, {1}, true); }, "MulBackward0"},
      {"norm_inf", [](const std::vector<Tensor>& t) { return norm(t[0], INFINITY, {1}); }, "MulBackward0"},
      {"logsumexp", [](const std::vector<Tensor>& t) { return logsumexp(t[0], {1}); }, "MulBackward0"},
      {"max", [](const std::vector<Tensor>& t) { return max(t[0]); }, "MaskedFillBackward1"},
      {"amax", [](const std::vector<Tensor>& t) { return amax(t[0], {0}); }, "MulBackward0"},
      {"max_dim", [](const std::vector<Tensor>& t) { return max(t[0], 1).first; }, "ScatterBackward0"},
      {"prod", [](const std::vector<Tensor>& t) { return prod(t[0], 1); }, "MulBackward0"},
      {"cumsum", [](const std::vector<Tensor>& t) { return cumsum(t[0], 1); }, "FlipBackward0"},
      {"cumprod", [](const std::vector<Tensor>& t) { return cumprod(t[0], 1); }, "DivBackward0"},
      {"cummax", [](const std::vector<Tensor>& t) { return cummax(t[0], 0).first; }, "ScatterAddBackward0"},
      {"cummin", [](const std::vector<Tensor>& t) { return cummin(t[0], 1).first; }, "ScatterAddBackward0"},
  };
  for (const Case& c : cases) {
    EXPECT_TRUE(autograd::gradgradcheck([&](const std::vector<Tensor>& t) { return pow(c.f(t), 2.0); }, in))
        << c.what;
    EXPECT_EQ(grad2_names(c.f, in), std::vector<std::string>{c.grad2}) << c.what;
  }
}

// ---- writes and reads by index and mask: their gradients are gathers / scatters of g, recorded as
// 1.13's ops in a create_graph pass ----
TEST(DoubleBackward, IndexWritesGradgradcheckAndNames) {
  const auto xs = leaves({{3, 4}, {2, 4}}, 83);
  const std::vector<Tensor> x_only{xs[0]};
  const Tensor i2 = from_vector({1, 0, 2, 0, 2, 1, 0, 1}, {2, 4}, ScalarType::Int64);
  const Tensor rows = from_vector({2, 0}, {2}, ScalarType::Int64);
  const Tensor mask = from_vector({1, 0, 1, 1, 0, 1, 0, 0, 1, 0, 0, 1}, {3, 4}, ScalarType::Bool);
  const Tensor flat = from_vector({1, 6, 8, 0, 2, 3, 4, 11}, {8}, ScalarType::Int64);
  struct Case {
    const char* what;
    Fn f;
    bool uses_s;
    std::vector<std::string> grad2;  // 1.13's names of the first derivatives' nodes (x, then s)
  };
  const std::vector<Case> cases{
      {"scatter", [&](const std::vector<Tensor>& t) { return scatter(t[0], 0, i2, t[1]); }, true,
       {"ScatterBackward1", "GatherBackward0"}},
      {"scatter_add", [&](const std::vector<Tensor>& t) { return scatter_add(t[0], 0, i2, t[1]); }, true,
       {"MulBackward0", "GatherBackward0"}},
      {"index_add", [&](const std::vector<Tensor>& t) { return index_add(t[0], 0, rows, t[1], 2.0); }, true,
       {"MulBackward0", "MulBackward1"}},
      {"index_copy", [&](const std::vector<Tensor>& t) { return index_copy(t[0], 0, rows, t[1]); }, true,
       {"IndexFillBackward0", "ExpandBackward0"}},
      {"scatter_reduce_amax", [&](const std::vector<Tensor>& t) { return scatter_reduce(t[0], 0, i2, t[1], "amax"); },
       true, {"MulBackward0", "MulBackward0"}},
      {"masked_scatter", [&](const std::vector<Tensor>& t) { return masked_scatter(t[0], mask, t[1]); }, true,
       {"MaskedFillBackward0", "ViewBackward0"}},
      {"put", [&](const std::vector<Tensor>& t) { return put(t[0], flat, t[1]); }, true,
       {"PutBackward0", "ReshapeAliasBackward0"}},
      {"index_put_accumulate", [&](const std::vector<Tensor>& t) { return index_put(t[0], {rows.mul(0)}, t[1], true); },
       true, {"MulBackward0", "IndexBackward0"}},
      {"index_fill", [&](const std::vector<Tensor>& t) { return index_fill(t[0], 1, rows, 1.5); }, false,
       {"IndexFillBackward0"}},
      {"masked_select", [&](const std::vector<Tensor>& t) { return masked_select(t[0], mask); }, false,
       {"MaskedScatterBackward0"}},
      {"take", [&](const std::vector<Tensor>& t) { return take(t[0], flat.narrow(0, 2, 4)); }, false,
       {"PutBackward0"}},
      // overlapping elements: their gradients add up at the storage position
      {"as_strided", [&](const std::vector<Tensor>& t) { return t[0].as_strided({3, 3}, {1, 1}, 1); }, false,
       {"AsStridedBackward0"}},
  };
  for (const Case& c : cases) {
    const auto& in = c.uses_s ? xs : x_only;
    EXPECT_TRUE(autograd::gradgradcheck([&](const std::vector<Tensor>& t) { return pow(c.f(t), 2.0); }, in))
        << c.what;
    EXPECT_EQ(grad2_names(c.f, in), c.grad2) << c.what;
  }
}

TEST(DoubleBackward, InPlaceWritesThroughViewsGradgradcheck) {
  // The base's gradient goes through CopySlices, the written view's through an as_strided of the
  // base (AsStridedBackward0): both record in a create_graph pass.
  const auto in = leaves({{3, 4}}, 84);
  const Fn base = [](const std::vector<Tensor>& t) {
    Tensor y = t[0].mul(1.0);
    y.narrow(1, 0, 2).mul_(t[0].narrow(1, 1, 2));
    return y;
  };
  const Fn view = [](const std::vector<Tensor>& t) {
    Tensor y = t[0].mul(1.0);
    Tensor v = y.narrow(0, 1, 2);
    v.mul_(t[0].narrow(0, 0, 2));
    return v.mul(y.narrow(0, 0, 2));
  };
  for (const Fn& f : {base, view})
    EXPECT_TRUE(autograd::gradgradcheck([&](const std::vector<Tensor>& t) { return pow(f(t), 2.0); }, in));
  const Tensor v = view(in);
  EXPECT_EQ(std::string(v.grad_fn()->next[0].fn->name()), "AsStridedBackward0");
}

TEST(DoubleBackward, ReductionFirstOrderBitsUnchangedByCreateGraph) {
  for (ScalarType t : {ScalarType::Float32, ScalarType::Float64}) {
    const Tensor x = from_vector({0.3, -1.2, 0.8, 1.1, -0.4, 1.1, -0.9, 1.1, 1.3, -0.7, 0.0, -1.3}, {3, 4}, t)
                         .requires_grad_();
    for (const auto& f : std::vector<std::function<Tensor()>>{
             [&] { return std(x, {1}).sum(); }, [&] { return norm(x, 1.5, {1}).sum(); },
             [&] { return logsumexp(x, {0}).sum(); }, [&] { return pow(amax(x, {1}), 2.0).sum(); },
             [&] { return prod(x, 1).sum(); }, [&] { return var(x); }}) {
      const Tensor a = autograd::grad({f()}, {x}, {}, {}, true)[0], b = autograd::grad({f()}, {x})[0];
      EXPECT_TRUE(a.requires_grad());
      EXPECT_EQ(a.to_vector(), b.to_vector());
    }
  }
}

TEST(DoubleBackward, AmaxTiesShareTheSecondDerivative) {
  // y = amax(x)^2 with the maximum m reached k times: dy/dx_i = 2 m / k on the ties (0 elsewhere),
  // and d/dx_j of that is 2 / k^2 for ties i, j; so d(sum g)/dx_j = k (2 / k^2) = 2 / k on a tie.
  const Tensor x = from_vector({0.5, 2.0, -1.0, 2.0, 2.0, 1.5}, {6}, ScalarType::Float64).requires_grad_();
  const Tensor g = autograd::grad({pow(amax(x), 2.0)}, {x}, {}, {}, true)[0];
  const Tensor h = autograd::grad({g.sum()}, {x})[0];
  const std::vector<double> want_g{0, 4.0 / 3, 0, 4.0 / 3, 4.0 / 3, 0}, want_h{0, 2.0 / 3, 0, 2.0 / 3, 2.0 / 3, 0};
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_NEAR(g.to_vector()[i], want_g[i], 1e-15);
    EXPECT_NEAR(h.to_vector()[i], want_h[i], 1e-15);
  }
  // max(dim) routes the gradient to the index, so the second derivative sits there alone: 2
  const Tensor g2 = autograd::grad({pow(max(x.reshape({1, 6}), 1).first, 2.0).sum()}, {x}, {}, {}, true)[0];
  EXPECT_EQ(autograd::grad({g2.sum()}, {x})[0].to_vector(), (std::vector<double>{0, 2, 0, 0, 0, 0}));
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
