// Custom autograd functions (autograd::Function<T>), layer_norm, pad and feature_dropout against
// double oracles and finite differences.
#include <gtest/gtest.h>

#include <cmath>

#include "ramp/custom_function.h"
#include "ramp/functional.h"
#include "ramp/nn/functional.h"
#include "ramp/ops.h"
#include "test_util.h"

namespace ramp {
namespace {

using test::error_of;
using test::leaf;
using test::name;

// swish(x) = x * sigmoid(x), d/dx = s + x s (1 - s), written as a tutorial does.
struct Swish : autograd::Function<Swish> {
  static Tensor forward(autograd::AutogradContext* ctx, const Tensor& x) {
    ctx->save_for_backward({x});
    return x * sigmoid(x);
  }
  static std::vector<Tensor> backward(autograd::AutogradContext* ctx, std::vector<Tensor> g) {
    Tensor x = ctx->get_saved_variables()[0], s = sigmoid(x);
    return {g[0] * (s + x * s * (s.neg() + 1))};
  }
};

// Two outputs and a non-tensor argument.
struct MulAdd : autograd::Function<MulAdd> {
  static std::vector<Tensor> forward(autograd::AutogradContext* ctx, const Tensor& x, const Tensor& y, double k) {
    ctx->saved_data["k"] = k;
    ctx->save_for_backward({x, y});
    return {x * y * k, x + y};
  }
  static std::vector<Tensor> backward(autograd::AutogradContext* ctx, std::vector<Tensor> g) {
    auto s = ctx->get_saved_variables();
    const double k = std::any_cast<double>(ctx->saved_data["k"]);
    return {g[0] * s[1] * k + g[1], g[0] * s[0] * k + g[1], Tensor()};
  }
};

struct WrongCount : autograd::Function<WrongCount> {
  static Tensor forward(autograd::AutogradContext*, const Tensor& x, const Tensor& y) { return x + y; }
  static std::vector<Tensor> backward(autograd::AutogradContext*, std::vector<Tensor> g) { return {g[0]}; }
};

struct WrongShape : autograd::Function<WrongShape> {
  static Tensor forward(autograd::AutogradContext*, const Tensor& x) { return x * 1; }
  static std::vector<Tensor> backward(autograd::AutogradContext*, std::vector<Tensor>) { return {ones({7})}; }
};

TEST(CustomFunction, SwishMatchesDoubleFormulaAndGradcheck) {
  Tensor x = leaf({6}, 3);
  Tensor y = Swish::apply(x);
  EXPECT_EQ(name(y), "torch::autograd::CppNode<ramp::(anonymous namespace)::Swish>");
  y.sum().backward();
  for (std::int64_t i = 0; i < 6; ++i) {
    const double v = x.at(i), s = 1 / (1 + std::exp(-v));
    EXPECT_NEAR(y.at(i), v * s, 1e-15);
    EXPECT_NEAR(x.grad().at(i), s + v * s * (1 - s), 1e-15);
  }
  EXPECT_TRUE(autograd::gradcheck([](const std::vector<Tensor>& in) { return Swish::apply(in[0]); }, {leaf({5}, 4)}));
}

TEST(CustomFunction, TwoOutputsNonTensorArgumentAndMaterializedZeros) {
  Tensor x = leaf({3}, 1), y = leaf({3}, 2);
  auto out = MulAdd::apply(x, y, 2.5);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].grad_fn(), out[1].grad_fn());
  (out[0] * 2).sum().backward();  // out[1] unused: its gradient arrives as zeros
  for (std::int64_t i = 0; i < 3; ++i) {
    EXPECT_DOUBLE_EQ(x.grad().at(i), 2 * y.at(i) * 2.5);
    EXPECT_DOUBLE_EQ(y.grad().at(i), 2 * x.at(i) * 2.5);
  }
  auto o2 = MulAdd::apply(x, y, 2.5);
  auto g = autograd::grad({(o2[0] + o2[1] * 3).sum()}, {x});
  for (std::int64_t i = 0; i < 3; ++i) EXPECT_DOUBLE_EQ(g[0].at(i), y.at(i) * 2.5 + 3);
}

TEST(CustomFunction, ErrorsAsPyTorch) {
  Tensor x = leaf({3}, 1), y = leaf({3}, 2);
  EXPECT_NE(error_of([&] { WrongCount::apply(x, y).sum().backward(); })
                .find("returned an incorrect number of gradients (expected 2, got 1)"),
            std::string::npos);
  EXPECT_NE(error_of([&] { WrongShape::apply(x).sum().backward(); })
                .find("returned an invalid gradient at index 0 - got [7] but expected shape compatible with [3]"),
            std::string::npos);
}

TEST(CustomFunction, NoGradForwardAndVersionCheck) {
  Tensor x = leaf({4}, 5);
  {
    autograd::NoGradGuard g;
    EXPECT_FALSE(Swish::apply(x).requires_grad());
  }
  Tensor c = x * 1;
  Tensor y = Swish::apply(c);
  {
    autograd::NoGradGuard g;
    c.add_(1);
  }
  EXPECT_NE(error_of([&] { y.sum().backward(); }).find("modified by an inplace operation"), std::string::npos);
}

// ---- layer_norm: y = (x - mean) / sqrt(var + eps) * w + b per row, in double ----
TEST(LayerNorm, MatchesDoubleOracleAndGradcheck) {
  Tensor x = test::random({3, 2, 5}, ScalarType::Float64, 7), w = test::random({2, 5}, ScalarType::Float64, 8),
         b = test::random({2, 5}, ScalarType::Float64, 9);
  Tensor y = layer_norm(x, {2, 5}, w, b, 1e-5);
  for (std::int64_t r = 0; r < 3; ++r) {
    double m = 0, v = 0;
    for (std::int64_t j = 0; j < 10; ++j) m += x.at(r * 10 + j) / 10;
    for (std::int64_t j = 0; j < 10; ++j) v += (x.at(r * 10 + j) - m) * (x.at(r * 10 + j) - m) / 10;
    for (std::int64_t j = 0; j < 10; ++j)
      EXPECT_NEAR(y.at(r * 10 + j), (x.at(r * 10 + j) - m) / std::sqrt(v + 1e-5) * w.at(j) + b.at(j), 1e-13);
  }
  EXPECT_TRUE(autograd::gradcheck(
      [](const std::vector<Tensor>& in) { return layer_norm(in[0], {4}, in[1], in[2]); },
      {leaf({3, 4}, 1), leaf({4}, 2), leaf({4}, 3)}));
  EXPECT_EQ(name(layer_norm(leaf({2, 3}, 1), {3})), "NativeLayerNormBackward0");
  EXPECT_EQ(error_of([&] { layer_norm(x, {4}); }),
            "Given normalized_shape=[4], expected input with shape [*, 4], but got input of size[3, 2, 5]");
}

// ---- pad: each output element read from the input position its mode maps to ----
TEST(Pad, ModesMatchIndexOracleAndGradcheck) {
  Tensor x = test::random({1, 2, 3, 4}, ScalarType::Float64, 2);
  auto reflect = [](std::int64_t i, std::int64_t n) { return i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i; };
  auto clampi = [](std::int64_t i, std::int64_t n) { return std::clamp<std::int64_t>(i, 0, n - 1); };
  auto wrap = [](std::int64_t i, std::int64_t n) { return ((i % n) + n) % n; };
  for (const char* mode : {"reflect", "replicate", "circular", "constant"}) {
    Tensor y = pad(x, {2, 1, 1, 2}, mode, std::nullopt);
    ASSERT_EQ(test::vec(y.sizes()), (std::vector<std::int64_t>{1, 2, 6, 7}));
    for (std::int64_t c = 0; c < 2; ++c)
      for (std::int64_t h = 0; h < 6; ++h)
        for (std::int64_t w = 0; w < 7; ++w) {
          const std::int64_t i = h - 1, j = w - 2;
          double want;
          if (std::string(mode) == "constant") want = (i < 0 || i >= 3 || j < 0 || j >= 4) ? 0 : x.at((c * 3 + i) * 4 + j);
          else if (std::string(mode) == "reflect") want = x.at((c * 3 + reflect(i, 3)) * 4 + reflect(j, 4));
          else if (std::string(mode) == "replicate") want = x.at((c * 3 + clampi(i, 3)) * 4 + clampi(j, 4));
          else want = x.at((c * 3 + wrap(i, 3)) * 4 + wrap(j, 4));
          EXPECT_EQ(y.at((c * 6 + h) * 7 + w), want) << mode;
        }
    EXPECT_TRUE(autograd::gradcheck(
        [mode](const std::vector<Tensor>& in) { return pad(in[0], {2, 1, 1, 2}, mode, std::nullopt); },
        {leaf({1, 2, 3, 4}, 3)}))
        << mode;
  }
  EXPECT_EQ(name(pad(leaf({1, 2, 3}, 1), {1, 1}, "reflect", std::nullopt)), "ReflectionPad1DBackward0");
  EXPECT_EQ(name(pad(leaf({1, 2, 3, 3}, 1), {1, 1, 1, 1}, "replicate", std::nullopt)), "ReplicationPad2DBackward0");
  EXPECT_EQ(name(pad(leaf({1, 2, 3}, 1), {1, 1}, "circular", std::nullopt)), "torch::autograd::CopySlices");
  EXPECT_EQ(name(pad(leaf({1, 2, 3}, 1), {1, -1}, "constant", std::nullopt)), "ConstantPadNdBackward0");
  EXPECT_EQ(error_of([&] { pad(x, {1}, "constant", std::nullopt); }), "Padding length must be divisible by 2");
  EXPECT_EQ(error_of([&] { pad(x, {1, 1}, "reflect", 2.0); }), "Padding mode \"reflect\" doesn't take in value argument");
}

TEST(FeatureDropout, WholeChannelsScaled) {
  Tensor x = ones({4, 8, 3, 3});
  Tensor y = feature_dropout(x, 0.5, true);
  int kept = 0, dropped = 0;
  for (std::int64_t c = 0; c < 32; ++c) {
    const double first = y.at(c * 9);
    EXPECT_TRUE(first == 0 || first == 2);
    for (std::int64_t k = 1; k < 9; ++k) EXPECT_EQ(y.at(c * 9 + k), first);
    (first == 0 ? dropped : kept)++;
  }
  EXPECT_GT(kept, 0);
  EXPECT_GT(dropped, 0);
  EXPECT_TRUE(feature_dropout(x, 0.5, false).is_same(x));
}

}  // namespace
}  // namespace ramp
