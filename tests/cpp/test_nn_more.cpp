// LayerNorm, Dropout1d/2d/3d, Unflatten, ModuleDict and Conv2d's padding_mode as C++ modules: reprs
// as 1.13 prints them, state_dict keys, and forward against the functional ops / index oracles.
#include <gtest/gtest.h>

#include "ramp/nn.h"
#include "ramp/ops.h"
#include "test_util.h"

namespace ramp {
namespace {

using test::error_of;

TEST(NnMore, LayerNormModule) {
  nn::LayerNorm ln({4, 5});
  EXPECT_EQ(ln.repr(), "LayerNorm((4, 5), eps=1e-05, elementwise_affine=True)");
  EXPECT_EQ(nn::LayerNorm({3}, 1e-3, false).repr(), "LayerNorm((3,), eps=0.001, elementwise_affine=False)");
  auto sd = ln.state_dict();
  ASSERT_EQ(sd.size(), 2u);
  EXPECT_EQ(sd[0].first, "weight");
  EXPECT_EQ(sd[1].first, "bias");
  EXPECT_EQ(ln.weight.at(3), 1.0);
  EXPECT_EQ(ln.bias.at(3), 0.0);
  Tensor x = test::random({2, 4, 5}, ScalarType::Float32, 3);
  Tensor y = ln(x), want = layer_norm(x, {4, 5}, ln.weight, ln.bias, 1e-5);
  for (std::int64_t i = 0; i < y.numel(); ++i) EXPECT_EQ(y.at(i), want.at(i));
  EXPECT_EQ(nn::LayerNorm({3}, 1e-3, false).parameters().size(), 0u);
}

TEST(NnMore, ChannelDropoutModules) {
  EXPECT_EQ(nn::Dropout2d(0.2).repr(), "Dropout2d(p=0.2, inplace=False)");
  EXPECT_EQ(nn::Dropout1d().repr(), "Dropout1d(p=0.5, inplace=False)");
  nn::Dropout1d d1;
  Tensor x = ones({6, 40});  // unbatched [C, L]
  Tensor y = d1(x);
  for (std::int64_t c = 0; c < 6; ++c)
    for (std::int64_t l = 1; l < 40; ++l) EXPECT_EQ(y.at(c * 40 + l), y.at(c * 40));
  EXPECT_NE(error_of([&] { d1(ones({2, 3, 4, 5})); }).find("dropout1d: Expected 2D or 3D input"), std::string::npos);
  d1.eval();
  Tensor batched = ones({2, 6, 40});
  EXPECT_TRUE(d1(batched).is_same(batched));
  EXPECT_NE(error_of([] { nn::Dropout2d(1.5); }).find("dropout probability has to be between 0 and 1"),
            std::string::npos);
}

TEST(NnMore, Unflatten) {
  nn::Unflatten u(1, {2, -1});
  EXPECT_EQ(u.repr(), "Unflatten(dim=1, unflattened_size=(2, -1))");
  Tensor x = test::random({3, 6}, ScalarType::Float32, 1);
  Tensor y = u(x);
  EXPECT_EQ(test::vec(y.sizes()), (std::vector<std::int64_t>{3, 2, 3}));
  EXPECT_EQ(y.data_ptr(), x.data_ptr());
  EXPECT_EQ(error_of([&] { nn::Unflatten(1, {4, 2})(x); }),
            "unflatten: Provided sizes [4, 2] don't multiply up to the size of dim 1 (6) in the input tensor");
}

TEST(NnMore, ModuleDict) {
  nn::ModuleDict d({{"fc", std::make_shared<nn::Linear>(2, 3)}, {"act", std::make_shared<nn::ReLU>()}});
  EXPECT_EQ(d.repr(), "ModuleDict(\n  (fc): Linear(in_features=2, out_features=3, bias=True)\n  (act): ReLU()\n)");
  EXPECT_EQ(d.keys(), (std::vector<std::string>{"fc", "act"}));
  EXPECT_EQ(d.state_dict()[0].first, "fc.weight");
  EXPECT_TRUE(d.contains("act"));
  EXPECT_EQ(d["act"]->name(), "ReLU");
}

TEST(NnMore, Conv2dPaddingModeIsPadThenConv) {
  for (const char* mode : {"reflect", "replicate", "circular"}) {
    nn::Conv2d conv(2, 3, 3, {.padding = 1, .padding_mode = mode});
    EXPECT_EQ(conv.repr(), std::string("Conv2d(2, 3, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), padding_mode=") +
                               mode + ")");
    Tensor x = test::random({1, 2, 5, 6}, ScalarType::Float32, 2);
    Tensor y = conv(x), want = conv2d(pad(x, {1, 1, 1, 1}, mode), conv.weight, conv.bias);
    ASSERT_EQ(test::vec(y.sizes()), (std::vector<std::int64_t>{1, 3, 5, 6}));
    for (std::int64_t i = 0; i < y.numel(); ++i) EXPECT_EQ(y.at(i), want.at(i));
  }
}

}  // namespace
}  // namespace ramp

namespace ramp {
namespace {

TEST(NnMore, FullBackwardHookSeesAndReplacesGradInput) {
  nn::Linear fc(3, 2);
  Tensor seen_in, seen_out;
  int calls = 0;
  const int id = fc.register_full_backward_hook([&](nn::Module& m, const Tensor& gi, const Tensor& go) {
    EXPECT_EQ(&m, &fc);
    seen_in = gi, seen_out = go;
    ++calls;
    return gi.defined() ? std::optional<Tensor>(gi * 2) : std::nullopt;
  });
  Tensor x = test::random({4, 3}, ScalarType::Float32, 1).requires_grad_();
  Tensor y = fc(x);
  EXPECT_EQ(test::name(y), "BackwardHookFunctionBackward");
  Tensor g = test::random({4, 2}, ScalarType::Float32, 5);
  y.backward(g);
  ASSERT_EQ(calls, 1);
  // grad_output is g; grad_input = g @ W (before the hook doubled it into x.grad).
  for (std::int64_t i = 0; i < 8; ++i) EXPECT_EQ(seen_out.at(i), g.at(i));
  for (std::int64_t r = 0; r < 4; ++r)
    for (std::int64_t c = 0; c < 3; ++c) {
      double want = 0;
      for (std::int64_t k = 0; k < 2; ++k) want += g.at(r * 2 + k) * fc.weight.at(k * 3 + c);
      EXPECT_NEAR(seen_in.at(r * 3 + c), want, 1e-5);
      EXPECT_NEAR(x.grad().at(r * 3 + c), 2 * want, 1e-5);
    }
  // An input without grad: the hook runs with an undefined grad_input.
  fc(ones({1, 3})).sum().backward();
  EXPECT_EQ(calls, 2);
  EXPECT_FALSE(seen_in.defined());
  fc.remove_hook(id);
  EXPECT_NE(test::name(fc(x)), "BackwardHookFunctionBackward");
}

}  // namespace
}  // namespace ramp
