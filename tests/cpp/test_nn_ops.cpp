// include/ramp/nn/functional.h: every layer op against a naive reference loop written here in
// double, gradients against central finite differences (autograd::gradcheck, float64), the nodes
// PyTorch 1.13 records and its error texts (each probed with torch 1.13).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <random>

#include "ramp/autograd.h"
#include "ramp/nn/functional.h"
#include "ramp/ops.h"
#include "test_util.h"

namespace ramp {
namespace {

using namespace test;

using V = std::vector<std::string>;

// The chain of first non-leaf inputs from the output's node.
V chain(const Tensor& t) {
  V out;
  for (auto n = t.grad_fn(); n;) {
    out.emplace_back(n->name());
    std::shared_ptr<autograd::Node> next;
    for (const auto& e : n->next)
      if (e.fn && !e.fn->accumulates) {
        next = e.fn;
        break;
      }
    n = next;
  }
  return out;
}

// got == want (same shape), within tol * (1 + |want|); NaN must match NaN.
void expect_close(const Tensor& got, IntArrayRef shape, const std::vector<double>& want, double tol) {
  ASSERT_EQ(vec(got.sizes()), vec(shape));
  const std::vector<double> v = got.to_vector();
  ASSERT_EQ(v.size(), want.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (std::isnan(want[i])) {
      EXPECT_TRUE(std::isnan(v[i])) << "element " << i;
    } else {
      EXPECT_NEAR(v[i], want[i], tol * (1 + std::abs(want[i]))) << "element " << i;
    }
  }
}
// The value tests' tolerance in ulps of the output dtype (see expect_ulps): every kernel here sums
// in float32 for bfloat16 (double for float64) and rounds once, so 2 ulps hold for any length.
constexpr double kUlps = 2;

// ---- linear ----
std::vector<double> ref_linear(const Tensor& x, const Tensor& w, const Tensor& b) {
  const std::int64_t in = w.size(1), out = w.size(0), rows = x.numel() / in;
  const auto xv = x.to_vector(), wv = w.to_vector();
  const auto bv = b.defined() ? b.to_vector() : std::vector<double>(std::size_t(out), 0.0);
  std::vector<double> y;
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t o = 0; o < out; ++o) {
      double s = bv[std::size_t(o)];
      for (std::int64_t i = 0; i < in; ++i) s += xv[std::size_t(r * in + i)] * wv[std::size_t(o * in + i)];
      y.push_back(s);
    }
  return y;
}

TEST(NnOps, LinearEveryRankAgainstLoops) {
  for (ScalarType t : {ScalarType::Float32, ScalarType::Float64, ScalarType::BFloat16}) {
    for (const std::vector<std::int64_t>& shape :
         std::vector<std::vector<std::int64_t>>{{3}, {4, 3}, {2, 4, 3}, {2, 2, 2, 3}, {0, 3}}) {
      for (bool with_bias : {true, false}) {
        SCOPED_TRACE(shape_str(shape) + " " + std::string(dtype_name(t)) + (with_bias ? " bias" : ""));
        Tensor x = random(shape, t, 1), w = random({5, 3}, t, 2),
               b = with_bias ? random({5}, t, 3) : Tensor();
        std::vector<std::int64_t> want_shape = shape;
        want_shape.back() = 5;
        // 1.13 (and ramp) add the bias after the product for 1-D and > 3-D inputs: bfloat16 rounds
        // x w^T, then the sum: half an ulp of |x w^T| more, counted in bfloat16 at |x w^T|.
        if (with_bias && t == ScalarType::BFloat16 && (shape.size() == 1 || shape.size() > 3))
          expect_ulps(linear(x, w, b), want_shape, ref_linear(x, w, b), kUlps,
                      ref_linear(absolute(x), absolute(w), Tensor()), ScalarType::BFloat16);
        else
          expect_ulps(linear(x, w, b), want_shape, ref_linear(x, w, b), kUlps,
                      ref_linear(absolute(x), absolute(w), absolute(b)));
      }
    }
  }
  // A transposed (non-contiguous) 3-D input goes through matmul.
  Tensor x = random({4, 2, 3}).transpose(0, 1);
  Tensor w = random({5, 3}, ScalarType::Float64, 2), b = random({5}, ScalarType::Float64, 3);
  expect_close(linear(x, w, b), {2, 4, 5}, ref_linear(x.contiguous(), w, b), 1e-12);
}

TEST(NnOps, LinearRecordsAsPyTorch) {
  auto r = [](IntArrayRef s, bool rg = true) { return randn(s).requires_grad_(rg); };
  Tensor w = r({5, 3}), b = r({5});
  EXPECT_EQ(chain(linear(r({3}), w, b)),
            (V{"AddBackward0", "SqueezeBackward3", "MmBackward0", "UnsqueezeBackward0"}));
  EXPECT_EQ(chain(linear(r({3}), w)), (V{"SqueezeBackward3", "MmBackward0", "UnsqueezeBackward0"}));
  EXPECT_EQ(chain(linear(r({2, 3}), w, b)), (V{"AddmmBackward0", "TBackward0"}));
  EXPECT_EQ(chain(linear(r({2, 3}), w)), (V{"MmBackward0", "TBackward0"}));
  EXPECT_EQ(chain(linear(r({4, 2, 3}), w, b)), (V{"ViewBackward0", "AddmmBackward0", "ViewBackward0"}));
  EXPECT_EQ(chain(linear(r({4, 2, 3}, false), w, b)), (V{"ViewBackward0", "AddmmBackward0", "TBackward0"}));
  EXPECT_EQ(chain(linear(r({4, 2, 3}), w)),
            (V{"UnsafeViewBackward0", "MmBackward0", "ReshapeAliasBackward0"}));
  EXPECT_EQ(chain(linear(r({2, 2, 2, 3}), w, b)),
            (V{"AddBackward0", "UnsafeViewBackward0", "MmBackward0", "ReshapeAliasBackward0"}));
  EXPECT_EQ(chain(linear(r({4, 2, 3}).transpose(0, 1), w, b)),
            (V{"AddBackward0", "UnsafeViewBackward0", "MmBackward0", "UnsafeViewBackward0", "CloneBackward0",
               "TransposeBackward0"}));
}

TEST(NnOps, LinearGradcheck) {
  for (const std::vector<std::int64_t>& shape :
       std::vector<std::vector<std::int64_t>>{{3}, {4, 3}, {2, 2, 3}, {2, 1, 2, 3}}) {
    SCOPED_TRACE(shape_str(shape));
    EXPECT_TRUE(autograd::gradcheck([](auto& in) { return linear(in[0], in[1], in[2]); },
                                    {leaf(shape, 1), leaf({4, 3}, 2), leaf({4}, 3)}));
    EXPECT_TRUE(autograd::gradcheck([](auto& in) { return linear(in[0], in[1]); },
                                    {leaf(shape, 1), leaf({4, 3}, 2)}));
  }
}

TEST(NnOps, LinearErrorsAsPyTorch) {
  EXPECT_EQ(error_of([] {
              linear(ones({2, 3}), ones({5, 4}));
            }),
            "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)");
  EXPECT_EQ(error_of([] {
              linear(ones({3}), ones({5, 4}));
            }),
            "mat1 and mat2 shapes cannot be multiplied (1x3 and 4x5)");
  EXPECT_EQ(error_of([] {
              linear(ones({2, 2, 3}), ones({5, 4}), ones({5}));
            }),
            "mat1 and mat2 shapes cannot be multiplied (4x3 and 4x5)");
  EXPECT_EQ(error_of([] {
              linear(ones({2, 3}), ones({5, 3}), ones({5}, ScalarType::Float64));
            }),
            "self and mat2 must have the same dtype");
  EXPECT_EQ(error_of([] {
              linear(ones({2, 3}), ones({5, 3}, ScalarType::Float64));
            }),
            "expected scalar type Float but found Double");
  EXPECT_EQ(error_of([] {
              linear(ones({2, 3}), ones({5, 3, 1}));
            }),
            "t() expects a tensor with <= 2 dimensions, but self is 3D");
  EXPECT_EQ(error_of([] {
              linear(ones({}), ones({5, 3}));
            }),
            "both arguments to matmul need to be at least 1D, but they are 0D and 2D");
  EXPECT_EQ(
      error_of([] {
        linear(ones({2, 3}), ones({5, 3}), ones({4}));
      }),
      "The expanded size of the tensor (5) must match the existing size (4) at non-singleton dimension 1.  "
      "Target sizes: [2, 5].  Tensor sizes: [4]");
  EXPECT_EQ(error_of([] { linear(ones({2, 3}), ones({5})); }), "size mismatch, got 2, 2x3,5");
  EXPECT_EQ(error_of([] {
              linear(ones({2, 2, 2, 3}), ones({5, 3}), ones({4}));
            }),
            "The size of tensor a (5) must match the size of tensor b (4) at non-singleton dimension 3");
}

// ---- conv2d ----
struct ConvArgs {
  std::vector<std::int64_t> x, w;  // shapes
  std::int64_t sH = 1, sW = 1, pH = 0, pW = 0, dH = 1, dW = 1, groups = 1;
  bool bias = true;
};
// Cross-correlation by definition, in double: y[n, o, i, j] = b[o] + Σ_{c in o's group, p, q}
// x[n, c, i*sH - pH + p*dH, j*sW - pW + q*dW] w[o, c', p, q], zero outside x.
std::vector<double> ref_conv(const Tensor& x4, const Tensor& w, const Tensor& b, const ConvArgs& a,
                             std::vector<std::int64_t>& shape) {
  const std::int64_t N = x4.size(0), C = x4.size(1), H = x4.size(2), W = x4.size(3);
  const std::int64_t O = w.size(0), Cg = w.size(1), kH = w.size(2), kW = w.size(3);
  const std::int64_t oH = (H + 2 * a.pH - a.dH * (kH - 1) - 1) / a.sH + 1;
  const std::int64_t oW = (W + 2 * a.pW - a.dW * (kW - 1) - 1) / a.sW + 1;
  const auto xv = x4.to_vector(), wv = w.to_vector();
  const auto bv = b.defined() ? b.to_vector() : std::vector<double>(std::size_t(O), 0.0);
  shape = {N, O, oH, oW};
  std::vector<double> y;
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t o = 0; o < O; ++o)
      for (std::int64_t i = 0; i < oH; ++i)
        for (std::int64_t j = 0; j < oW; ++j) {
          double s = bv[std::size_t(o)];
          const std::int64_t g = o / (O / a.groups);
          for (std::int64_t c = 0; c < Cg; ++c)
            for (std::int64_t p = 0; p < kH; ++p)
              for (std::int64_t q = 0; q < kW; ++q) {
                const std::int64_t ih = i * a.sH - a.pH + p * a.dH, iw = j * a.sW - a.pW + q * a.dW;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                s += xv[std::size_t(((n * C + g * Cg + c) * H + ih) * W + iw)] *
                     wv[std::size_t(((o * Cg + c) * kH + p) * kW + q)];
              }
          y.push_back(s);
        }
  (void)C;
  return y;
}

const std::vector<ConvArgs>& conv_cases() {
  static const std::vector<ConvArgs> cases = {
      {{2, 3, 7, 6}, {4, 3, 3, 3}},
      {{2, 3, 7, 6}, {4, 3, 3, 3}, 1, 1, 1, 1},
      {{3, 4, 9, 8}, {6, 2, 3, 2}, 2, 3, 1, 0, 1, 1, 2},
      {{1, 6, 9, 10}, {6, 1, 3, 3}, 1, 2, 2, 1, 2, 3, 6, false},  // depthwise, dilated
      {{2, 5, 4, 4}, {3, 5, 1, 1}},                               // 1x1: no im2col
      {{2, 4, 4, 5}, {6, 2, 1, 1}, 1, 1, 0, 0, 1, 1, 2, false},   // grouped 1x1
      {{2, 3, 5, 5}, {2, 3, 1, 1}, 2, 2, 0, 0},                   // strided 1x1: im2col
      {{2, 3, 3, 3}, {2, 3, 3, 3}, 1, 1, 1, 1},                   // every window clipped
      {{4, 2, 8, 8}, {3, 2, 5, 5}, 3, 3, 2, 2, 1, 1, 1},
      {{2, 3, 8, 9}, {4, 3, 3, 3}, 2, 2},  // last rows/columns unused
      {{0, 3, 5, 5}, {2, 3, 3, 3}},        // empty batch
      {{2, 0, 5, 5}, {2, 0, 3, 3}},        // no input channels: bias only
  };
  return cases;
}

std::string describe(const ConvArgs& a) {
  return shape_str(a.x) + " * " + shape_str(a.w) + " s" + std::to_string(a.sH) + "," + std::to_string(a.sW) +
         " p" + std::to_string(a.pH) + "," + std::to_string(a.pW) + " d" + std::to_string(a.dH) + "," +
         std::to_string(a.dW) + " g" + std::to_string(a.groups);
}

TEST(NnOps, Conv2dAgainstLoops) {
  for (ScalarType t : {ScalarType::Float32, ScalarType::Float64, ScalarType::BFloat16})
    for (const ConvArgs& a : conv_cases()) {
      SCOPED_TRACE(describe(a) + " " + std::string(dtype_name(t)));
      Tensor x = random(a.x, t, 1), w = random(a.w, t, 2), b = a.bias ? random({a.w[0]}, t, 3) : Tensor();
      std::vector<std::int64_t> shape;
      const auto want = ref_conv(x, w, b, a, shape);
      const auto mag = ref_conv(absolute(x), absolute(w), absolute(b), a, shape);
      expect_ulps(conv2d(x, w, b, {a.sH, a.sW}, {a.pH, a.pW}, {a.dH, a.dW}, a.groups), shape, want, kUlps,
                  mag);
    }
}

TEST(NnOps, Conv2dThreadsAndLayouts) {
  // More images than threads, a transposed (non-contiguous) input, and one image alone (BLAS
  // threads it): the same values as the reference.
  const ConvArgs a{{9, 3, 10, 10}, {8, 3, 3, 3}, 1, 1, 1, 1};
  Tensor x = random({9, 3, 10, 10}, ScalarType::Float32, 4).transpose(2, 3);
  Tensor w = random(a.w, ScalarType::Float32, 5), b = random({8}, ScalarType::Float32, 6);
  std::vector<std::int64_t> shape;
  const auto want = ref_conv(x, w, b, a, shape);
  const auto mag = ref_conv(absolute(x), absolute(w), absolute(b), a, shape);
  for (int threads : {1, 2, 3}) {
    set_num_threads(threads);
    expect_ulps(conv2d(x, w, b, {1}, {1}), shape, want, kUlps, mag);
  }
  set_num_threads(2);
  const auto one = ref_conv(x.narrow(0, 0, 1), w, b, a, shape);
  const auto one_mag = ref_conv(absolute(x.narrow(0, 0, 1)), absolute(w), absolute(b), a, shape);
  expect_ulps(conv2d(x.narrow(0, 0, 1), w, b, {1}, {1}), shape, one, kUlps, one_mag);
}

TEST(NnOps, Conv2dUnbatchedAndPaddingModes) {
  Tensor x = random({3, 6, 7}), w = random({4, 3, 3, 2}, ScalarType::Float64, 2),
         b = random({4}, ScalarType::Float64, 3);
  std::vector<std::int64_t> shape;
  // unbatched: the batched result of one image, without the batch dim
  const auto want = ref_conv(x.unsqueeze(0), w, b, {{1, 3, 6, 7}, {4, 3, 3, 2}, 1, 1, 1, 0}, shape);
  expect_close(conv2d(x, w, b, {1}, {1, 0}), {4, 6, 6}, want, 1e-12);
  // "valid" is no padding
  const auto valid = ref_conv(x.unsqueeze(0), w, b, {{1, 3, 6, 7}, {4, 3, 3, 2}}, shape);
  expect_close(conv2d(x, w, b, {1}, "valid"), {4, 4, 6}, valid, 1e-12);
  // "same": the output keeps the input's size; an odd total padding puts the extra row/column at
  // the end (1.13). Kernel 3x2 pads H by 1+1, W by 0+1; with dilation (2, 3) H by 2+2, W by 1+2.
  for (auto [dH, dW] : {std::pair<std::int64_t, std::int64_t>{1, 1}, {2, 3}}) {
    const std::int64_t totH = dH * 2, totW = dW * 1;
    Tensor padded = zeros({1, 3, 6 + totH % 2, 7 + totW % 2}, ScalarType::Float64);
    padded.narrow(2, 0, 6).narrow(3, 0, 7).copy_(x.unsqueeze(0));
    const auto same =
        ref_conv(padded, w, b, {{1, 3, 6, 7}, {4, 3, 3, 2}, 1, 1, totH / 2, totW / 2, dH, dW}, shape);
    expect_close(conv2d(x, w, b, {1}, "same", {dH, dW}), {4, 6, 7}, same, 1e-12);
  }
}

TEST(NnOps, Conv2dGradcheck) {
  const std::vector<ConvArgs> cases = {
      {{2, 2, 4, 5}, {3, 2, 2, 3}, 1, 2, 1, 1},
      {{1, 4, 5, 5}, {4, 2, 3, 3}, 2, 1, 1, 2, 2, 1, 2},
      {{2, 3, 3, 3}, {2, 3, 1, 1}},
      {{2, 2, 4, 4}, {2, 1, 1, 1}, 2, 2, 0, 0, 1, 1, 2, false},
  };
  for (const ConvArgs& a : cases) {
    SCOPED_TRACE(describe(a));
    std::vector<Tensor> in = {leaf(a.x, 1), leaf(a.w, 2)};
    if (a.bias) in.push_back(leaf({a.w[0]}, 3));
    EXPECT_TRUE(autograd::gradcheck(
        [a](auto& v) {
          return conv2d(v[0], v[1], v.size() > 2 ? v[2] : Tensor(), {a.sH, a.sW}, {a.pH, a.pW}, {a.dH, a.dW},
                        a.groups);
        },
        in));
  }
  // unbatched, "same" with an even kernel (through the padded copy), one input needing no grad
  EXPECT_TRUE(autograd::gradcheck([](auto& v) { return conv2d(v[0], v[1], v[2], {1}, "same"); },
                                  {leaf({2, 4, 3}, 1), leaf({3, 2, 2, 2}, 2), leaf({3}, 3)}));
  EXPECT_TRUE(autograd::gradcheck([](auto& v) { return conv2d(v[0], v[1], {}, {1}, {1}); },
                                  {random({2, 2, 3, 3}), leaf({2, 2, 3, 3}, 2)}));
  // float32 gradients (oneDNN) against float64 ones (im2col + GEMM, checked above by finite
  // differences) on every geometry of the value tests.
  for (const ConvArgs& a : conv_cases()) {
    SCOPED_TRACE(describe(a));
    Tensor x = random(a.x, ScalarType::Float64, 7), w = random(a.w, ScalarType::Float64, 8);
    std::vector<std::int64_t> shape;
    ref_conv(x, w, {}, a, shape);
    Tensor gy = random(shape, ScalarType::Float64, 9);
    auto grads = [&](ScalarType t, const Tensor& x, const Tensor& w, const Tensor& gy) {
      Tensor xl = x.to(t, true).requires_grad_(), wl = w.to(t, true).requires_grad_();
      Tensor bl = zeros({a.w[0]}, t).requires_grad_();
      conv2d(xl, wl, bl, {a.sH, a.sW}, {a.pH, a.pW}, {a.dH, a.dW}, a.groups).backward(gy.to(t));
      return std::vector<Tensor>{xl.grad(), wl.grad(), bl.grad()};
    };
    const auto g64 = grads(ScalarType::Float64, x, w, gy), g32 = grads(ScalarType::Float32, x, w, gy);
    // Each gradient is a sum of products: the same sums of |products| bound its cancellation.
    const auto mag = grads(ScalarType::Float64, absolute(x), absolute(w), absolute(gy));
    for (std::size_t i = 0; i < 3; ++i) {
      ASSERT_TRUE(g32[i].defined());
      EXPECT_EQ(g32[i].dtype(), ScalarType::Float32);
      expect_ulps(g32[i], g64[i].sizes(), g64[i].to_vector(), kUlps, mag[i].to_vector());
    }
  }
}

TEST(NnOps, Conv2dRecordsAsPyTorch) {
  auto r = [](IntArrayRef s, bool rg = true) { return randn(s).requires_grad_(rg); };
  Tensor w = r({4, 3, 3, 3}), w2 = r({4, 3, 2, 2}), b = r({4});
  EXPECT_EQ(chain(conv2d(r({2, 3, 8, 8}), w, b)), (V{"ConvolutionBackward0"}));
  EXPECT_EQ(chain(conv2d(r({3, 8, 8}), w, b)),
            (V{"SqueezeBackward1", "ConvolutionBackward0", "UnsqueezeBackward0"}));
  EXPECT_EQ(chain(conv2d(r({2, 3, 8, 8}), w, b, {1}, "same")), (V{"ConvolutionBackward0"}));
  EXPECT_EQ(chain(conv2d(r({2, 3, 8, 8}), w2, b, {1}, "same")),
            (V{"ConvolutionBackward0", "ConstantPadNdBackward0"}));
  EXPECT_EQ(chain(conv2d(r({3, 8, 8}), w2, b, {1}, "same")),
            (V{"SqueezeBackward1", "ConvolutionBackward0", "ConstantPadNdBackward0", "UnsqueezeBackward0"}));
  EXPECT_EQ(chain(conv2d(r({2, 3, 8, 8}, false), w, b)), (V{"ConvolutionBackward0"}));
  EXPECT_EQ(name(conv2d(r({2, 3, 8, 8}, false), w.detach(), b.detach())), "None");
  // The input is saved only for dW, the weight only for dx.
  Tensor y = conv2d(r({1, 3, 4, 4}, false), w, {});
  EXPECT_TRUE(y.grad_fn()->saved[0].defined());
  EXPECT_FALSE(y.grad_fn()->saved[1].defined());
}

TEST(NnOps, Conv2dErrorsAsPyTorch) {
  auto conv = [](IntArrayRef x, IntArrayRef w, IntArrayRef stride = {1}, IntArrayRef padding = {0},
                 IntArrayRef dilation = {1}, std::int64_t groups = 1, Tensor b = {}) {
    return error_of([&] { conv2d(ones(x), ones(w), b, stride, padding, dilation, groups); });
  };
  EXPECT_EQ(conv({2, 4, 8, 8}, {32, 3, 3, 3}),
            "Given groups=1, weight of size [32, 3, 3, 3], expected input[2, 4, 8, 8] to have 3 channels, "
            "but got 4 "
            "channels instead");
  EXPECT_EQ(conv({4, 8, 8}, {32, 3, 3, 3}),
            "Given groups=1, weight of size [32, 3, 3, 3], expected input[1, 4, 8, 8] to have 3 channels, "
            "but got 4 "
            "channels instead");
  EXPECT_EQ(conv({8, 8}, {32, 3, 3, 3}),
            "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [8, 8]");
  EXPECT_EQ(conv({2, 3, 8, 8}, {32, 3, 3}),
            "expected stride to be a single integer value or a list of 1 values to match the convolution "
            "dimensions, but got stride=[1, 1]");
  EXPECT_EQ(conv({2, 3, 8, 8}, {4, 3}), "weight should have at least three dimensions");
  EXPECT_EQ(
      conv({2, 3, 2, 8}, {32, 3, 3, 3}),
      "Calculated padded input size per channel: (2 x 8). Kernel size: (3 x 3). Kernel size can't be greater "
      "than actual input size");
  EXPECT_EQ(
      conv({2, 3, 2, 2}, {32, 3, 3, 3}, {1}, {1}, {2}),
      "Calculated padded input size per channel: (4 x 4). Kernel size: (5 x 5). Kernel size can't be greater "
      "than actual input size");
  EXPECT_EQ(conv({2, 6, 8, 8}, {4, 2, 3, 3}, {1}, {0}, {1}, 3),
            "Given groups=3, expected weight to be divisible by 3 at dimension 0, but got weight of size "
            "[[4, 2, 3, "
            "3]] instead");
  EXPECT_EQ(
      conv({2, 6, 8, 8}, {6, 3, 3, 3}, {1}, {0}, {1}, 3),
      "Given groups=3, weight of size [6, 3, 3, 3], expected input[2, 6, 8, 8] to have 9 channels, but got 6 "
      "channels instead");
  EXPECT_EQ(
      conv({2, 3, 8, 8}, {0, 3, 3, 3}),
      "Given groups=1, expected weight to be at least 1 at dimension 0, but got weight of size [0, 3, 3, 3] "
      "instead");
  EXPECT_EQ(conv({2, 6, 8, 8}, {6, 2, 3, 3}, {1, 2, 3}, {0}, {1}, 0), "non-positive groups is not supported");
  EXPECT_EQ(conv({2, 3, 8, 8}, {4, 3, 3, 3}, {0}, {-1}, {0}), "negative padding is not supported");
  EXPECT_EQ(conv({2, 3, 8, 8}, {4, 3, 3, 3}, {0}, {0}, {0}), "non-positive stride is not supported");
  EXPECT_EQ(conv({2, 3, 8, 8}, {4, 3, 3, 3}, {1}, {0}, {-1}), "non-positive dilation is not supported");
  EXPECT_EQ(conv({2, 3, 8, 8}, {4, 3, 3, 3}, {1, 2, 3}),
            "expected stride to be a single integer value or a list of 2 values to match the convolution "
            "dimensions, but got stride=[1, 2, 3]");
  EXPECT_EQ(
      conv({2, 3, 8, 8}, {4, 3, 3, 3}, {1}, {0}, {1}, 1, ones({3})),
      "Given weight of size [4, 3, 3, 3], expected bias to be 1-dimensional with 4 elements, but got bias of "
      "size [3] instead");
  EXPECT_EQ(error_of([] {
              conv2d(ones({2, 3, 8, 8}), ones({4, 3, 3, 3}, ScalarType::Float64));
            }),
            "Input type (torch.FloatTensor) and weight type (torch.DoubleTensor) should be the same or input "
            "should "
            "be a MKLDNN tensor and weight is a dense tensor");
  EXPECT_EQ(error_of([] {
              conv2d(ones({2, 3, 8, 8}), ones({4, 3, 3, 3}, ScalarType::BFloat16));
            }),
            "Input type (torch.FloatTensor) and weight type (CPUBFloat16Type) should be the same or input "
            "should be "
            "a MKLDNN tensor and weight is a dense tensor");
  EXPECT_EQ(error_of([] {
              conv2d(ones({2, 3, 8, 8}), ones({4, 3, 3, 3}), ones({4}, ScalarType::Float64));
            }),
            "Input type (float) and bias type (double) should be the same");
  // 'same' and the padding strings
  auto same = [](IntArrayRef x, IntArrayRef w, IntArrayRef stride = {1}, IntArrayRef dilation = {1}) {
    return error_of([&] { conv2d(ones(x), ones(w), {}, stride, "same", dilation); });
  };
  EXPECT_EQ(same({2, 3, 8, 8}, {4, 3, 3, 3}, {1, 2}),
            "padding='same' is not supported for strided convolutions");
  EXPECT_EQ(same({2, 3, 8, 8}, {4, 3, 3, 3}, {0}),
            "padding='same' is not supported for strided convolutions");
  EXPECT_EQ(
      same({2, 3, 8, 8}, {4, 3, 3}),
      "Expected 3-dimensional input for 3-dimensional weight[4, 3, 3], but got 4-dimensional input of size "
      "[2, 3, 8, 8] instead");
  EXPECT_EQ(same({2, 3, 8, 8}, {4, 3, 3, 3}, {1}, {1, 2, 3}), "dilation cannot broadcast to 2 dimensions");
  EXPECT_EQ(error_of([] {
              conv2d(ones({2, 3, 8, 8}), ones({4, 3, 3, 3}), {}, {1}, "foo");
            }),
            "Invalid padding string: 'foo'");
  // Beyond 1.13: integers are refused (1.13 convolves them), a zero-size kernel gets a clear error.
  EXPECT_NE(error_of([] {
              conv2d(ones({2, 3, 8, 8}, ScalarType::Int64), ones({4, 3, 3, 3}, ScalarType::Int64));
            }).find("conv2d: 'Long' is not supported"),
            std::string::npos);
  EXPECT_NE(conv({2, 3, 8, 8}, {4, 3, 0, 3}).find("conv2d: expected a kernel of positive size"),
            std::string::npos);
}

// ---- pooling ----
struct PoolArgs {
  std::vector<std::int64_t> x;
  std::int64_t kH, kW, sH, sW, pH = 0, pW = 0, dH = 1, dW = 1;
  bool ceil_mode = false;
};
std::string describe(const PoolArgs& a) {
  return shape_str(a.x) + " k" + std::to_string(a.kH) + "," + std::to_string(a.kW) + " s" +
         std::to_string(a.sH) + "," + std::to_string(a.sW) + " p" + std::to_string(a.pH) + "," +
         std::to_string(a.pW) + " d" + std::to_string(a.dH) + "," + std::to_string(a.dW) +
         (a.ceil_mode ? " ceil" : "");
}
// The documented output size: floor (or ceil) of (in + 2p - d(k-1) - 1) / s, plus one; in ceil
// mode a last window that would start past the input and its left padding is dropped.
std::int64_t pool_out(std::int64_t in, std::int64_t k, std::int64_t s, std::int64_t p, std::int64_t d,
                      bool ceil_mode) {
  const double q = double(in + 2 * p - d * (k - 1) - 1) / double(s);
  std::int64_t out = std::int64_t(ceil_mode ? std::ceil(q) : std::floor(q)) + 1;
  if (ceil_mode && (out - 1) * s >= in + p) --out;
  return out;
}

// max over the window's in-bounds taps; NaN wins (the last NaN's index), ties keep the first.
void ref_max_pool(const Tensor& x, const PoolArgs& a, std::vector<double>& values,
                  std::vector<double>& indices, std::vector<std::int64_t>& shape) {
  const std::int64_t H = x.size(-2), W = x.size(-1), planes = x.numel() / (H * W);
  const std::int64_t oH = pool_out(H, a.kH, a.sH, a.pH, a.dH, a.ceil_mode),
                     oW = pool_out(W, a.kW, a.sW, a.pW, a.dW, a.ceil_mode);
  shape = vec(x.sizes());
  shape[shape.size() - 2] = oH, shape.back() = oW;
  const auto xv = x.to_vector();
  for (std::int64_t c = 0; c < planes; ++c)
    for (std::int64_t i = 0; i < oH; ++i)
      for (std::int64_t j = 0; j < oW; ++j) {
        double best = -kInf;
        std::int64_t at = -1;
        bool nan = false;
        for (std::int64_t p = 0; p < a.kH; ++p)
          for (std::int64_t q = 0; q < a.kW; ++q) {
            const std::int64_t h = i * a.sH - a.pH + p * a.dH, w = j * a.sW - a.pW + q * a.dW;
            if (h < 0 || h >= H || w < 0 || w >= W) continue;
            const double v = xv[std::size_t((c * H + h) * W + w)];
            if (std::isnan(v)) {
              nan = true, best = v, at = h * W + w;
            } else if (!nan && (at < 0 || v > best)) {
              best = v, at = h * W + w;
            }
          }
        values.push_back(best);
        indices.push_back(double(at));
      }
}

// mean over the window's in-bounds taps; the divisor counts the taps inside the padded input
// (count_include_pad) or inside the input, unless overridden.
std::vector<double> ref_avg_pool(const Tensor& x, const PoolArgs& a, bool count_include_pad,
                                 std::optional<std::int64_t> divisor, std::vector<std::int64_t>& shape) {
  const std::int64_t H = x.size(-2), W = x.size(-1), planes = x.numel() / (H * W);
  const std::int64_t oH = pool_out(H, a.kH, a.sH, a.pH, 1, a.ceil_mode),
                     oW = pool_out(W, a.kW, a.sW, a.pW, 1, a.ceil_mode);
  shape = vec(x.sizes());
  shape[shape.size() - 2] = oH, shape.back() = oW;
  const auto xv = x.to_vector();
  std::vector<double> y;
  for (std::int64_t c = 0; c < planes; ++c)
    for (std::int64_t i = 0; i < oH; ++i)
      for (std::int64_t j = 0; j < oW; ++j) {
        double s = 0;
        std::int64_t inside = 0, padded = 0;
        for (std::int64_t p = 0; p < a.kH; ++p)
          for (std::int64_t q = 0; q < a.kW; ++q) {
            const std::int64_t h = i * a.sH - a.pH + p, w = j * a.sW - a.pW + q;
            if (h < H + a.pH && w < W + a.pW) ++padded;
            if (h < 0 || h >= H || w < 0 || w >= W) continue;
            s += xv[std::size_t((c * H + h) * W + w)];
            ++inside;
          }
        y.push_back(inside == 0 ? 0.0 : s / double(divisor ? *divisor : count_include_pad ? padded : inside));
      }
  return y;
}

const std::vector<PoolArgs>& pool_cases() {
  static const std::vector<PoolArgs> cases = {
      {{2, 3, 8, 8}, 2, 2, 2, 2},
      {{2, 3, 7, 9}, 3, 2, 2, 1, 1, 1},
      {{3, 7, 7}, 3, 3, 2, 2, 1, 0, 1, 1, true},  // unbatched, ceil mode
      {{1, 2, 6, 5}, 2, 2, 3, 3, 1, 1, 1, 1, true},
      {{2, 2, 9, 10}, 3, 2, 1, 2, 1, 0, 2, 3},  // dilated (max only)
      {{1, 1, 5, 5}, 4, 4, 3, 3, 2, 2, 1, 1, true},
      {{0, 3, 4, 4}, 2, 2, 2, 2},
  };
  return cases;
}

TEST(NnOps, MaxPool2dAgainstLoops) {
  for (ScalarType t : {ScalarType::Float32, ScalarType::Float64, ScalarType::BFloat16})
    for (const PoolArgs& a : pool_cases()) {
      SCOPED_TRACE(describe(a) + " " + std::string(dtype_name(t)));
      Tensor x = random(a.x, t, 3);
      std::vector<double> values, indices;
      std::vector<std::int64_t> shape;
      ref_max_pool(x, a, values, indices, shape);
      auto [y, idx] =
          max_pool2d_with_indices(x, {a.kH, a.kW}, {a.sH, a.sW}, {a.pH, a.pW}, {a.dH, a.dW}, a.ceil_mode);
      expect_close(y, shape, values, 0);
      EXPECT_EQ(idx.dtype(), ScalarType::Int64);
      expect_close(idx, shape, indices, 0);
      expect_close(max_pool2d(x, {a.kH, a.kW}, {a.sH, a.sW}, {a.pH, a.pW}, {a.dH, a.dW}, a.ceil_mode), shape,
                   values, 0);
    }
}

TEST(NnOps, MaxPool2dNanInfAndTies) {
  // -inf is a value like any other (padding never wins over it); NaN propagates; ties keep the first.
  Tensor x = from_vector({-kInf, -kInf, -kInf, -kInf,  //
                          1, kNaN, 3, kNaN,            //
                          2, 2, 0, 0,                  //
                          2, 2, -1, 5},
                         {1, 4, 4}, ScalarType::Float32);
  for (const PoolArgs& a : {PoolArgs{{1, 4, 4}, 2, 2, 2, 2}, PoolArgs{{1, 4, 4}, 3, 3, 1, 1, 1, 1}}) {
    SCOPED_TRACE(describe(a));
    std::vector<double> values, indices;
    std::vector<std::int64_t> shape;
    ref_max_pool(x, a, values, indices, shape);
    auto [y, idx] = max_pool2d_with_indices(x, {a.kH, a.kW}, {a.sH, a.sW}, {a.pH, a.pW});
    expect_close(y, shape, values, 0);
    expect_close(idx, shape, indices, 0);
  }
  // The gradient goes to the chosen element only (the first of tied maxima).
  Tensor t = from_vector({1, 1, 0, 1}, {1, 1, 2, 2}, ScalarType::Float64).requires_grad_();
  max_pool2d(t, {2}).sum().backward();
  EXPECT_EQ(t.grad().to_vector(), (std::vector<double>{1, 0, 0, 0}));
}

TEST(NnOps, AvgPool2dAgainstLoops) {
  for (ScalarType t : {ScalarType::Float32, ScalarType::Float64, ScalarType::BFloat16})
    for (const PoolArgs& a : pool_cases()) {
      if (a.dH != 1) continue;
      for (bool include_pad : {true, false})
        for (std::optional<std::int64_t> div :
             {std::optional<std::int64_t>{}, std::optional<std::int64_t>{-3}}) {
          SCOPED_TRACE(describe(a) + " " + std::string(dtype_name(t)) + (include_pad ? " include_pad" : "") +
                       (div ? " divisor" : ""));
          Tensor x = random(a.x, t, 3);
          std::vector<std::int64_t> shape;
          const auto want = ref_avg_pool(x, a, include_pad, div, shape);
          const auto mag = ref_avg_pool(absolute(x), a, include_pad, div, shape);
          expect_ulps(avg_pool2d(x, {a.kH, a.kW}, {a.sH, a.sW}, {a.pH, a.pW}, a.ceil_mode, include_pad, div),
                      shape, want, kUlps, mag);
        }
    }
}

TEST(NnOps, AdaptiveAvgPool2dAgainstLoops) {
  const std::vector<std::pair<std::vector<std::int64_t>, std::vector<std::int64_t>>> cases = {
      {{2, 3, 7, 9}, {3, 4}}, {{3, 5, 5}, {5}},       {{1, 2, 3, 3}, {5, 7}}, {{2, 2, 6, 4}, {1, 1}},
      {{2, 2, 6, 4}, {1, 3}}, {{0, 2, 6, 4}, {2, 2}}, {{2, 3, 4, 4}, {0, 2}}};
  for (ScalarType t : {ScalarType::Float32, ScalarType::Float64, ScalarType::BFloat16})
    for (const auto& [shape, out] : cases) {
      SCOPED_TRACE(shape_str(shape) + " -> " + shape_str(out) + " " + std::string(dtype_name(t)));
      Tensor x = random(shape, t, 4);
      const std::int64_t H = shape[shape.size() - 2], W = shape.back(), oH = out[0],
                         oW = out.size() == 2 ? out[1] : out[0];
      const auto xv = x.to_vector();
      std::vector<double> want, mag;
      for (std::int64_t c = 0; c < x.numel() / (H * W); ++c)
        for (std::int64_t i = 0; i < oH; ++i)
          for (std::int64_t j = 0; j < oW; ++j) {
            // bin i: [floor(i H / oH), ceil((i + 1) H / oH))
            const auto h0 = std::int64_t(std::floor(double(i * H) / double(oH)));
            const auto h1 = std::int64_t(std::ceil(double((i + 1) * H) / double(oH)));
            const auto w0 = std::int64_t(std::floor(double(j * W) / double(oW)));
            const auto w1 = std::int64_t(std::ceil(double((j + 1) * W) / double(oW)));
            double s = 0, m = 0;
            for (std::int64_t h = h0; h < h1; ++h)
              for (std::int64_t w = w0; w < w1; ++w) {
                s += xv[std::size_t((c * H + h) * W + w)];
                m += std::abs(xv[std::size_t((c * H + h) * W + w)]);
              }
            want.push_back(s / double((h1 - h0) * (w1 - w0)));
            mag.push_back(m / double((h1 - h0) * (w1 - w0)));
          }
      std::vector<std::int64_t> want_shape = shape;
      want_shape[shape.size() - 2] = oH, want_shape.back() = oW;
      // ramp divides twice (by kh, then kw, as 1.13): one more rounding than the reference, in float32
      // for bfloat16 (below its ulp), so kUlps still holds.
      expect_ulps(adaptive_avg_pool2d(x, out), want_shape, want, kUlps, mag);
    }
}

TEST(NnOps, PoolGradcheck) {
  for (const PoolArgs& a : pool_cases()) {
    if (a.x[0] == 0) continue;
    SCOPED_TRACE(describe(a));
    EXPECT_TRUE(autograd::gradcheck(
        [a](auto& v) {
          return max_pool2d(v[0], {a.kH, a.kW}, {a.sH, a.sW}, {a.pH, a.pW}, {a.dH, a.dW}, a.ceil_mode);
        },
        {leaf(a.x, 5)}));
    if (a.dH != 1) continue;
    for (bool include_pad : {true, false})
      EXPECT_TRUE(autograd::gradcheck(
          [a, include_pad](auto& v) {
            return avg_pool2d(v[0], {a.kH, a.kW}, {a.sH, a.sW}, {a.pH, a.pW}, a.ceil_mode, include_pad);
          },
          {leaf(a.x, 5)}));
    EXPECT_TRUE(autograd::gradcheck(
        [a](auto& v) {
          return avg_pool2d(v[0], {a.kH, a.kW}, {a.sH, a.sW}, {a.pH, a.pW}, a.ceil_mode, true, 5);
        },
        {leaf(a.x, 5)}));
  }
  for (std::vector<std::int64_t> out : {std::vector<std::int64_t>{3, 2}, {4, 5}, {1, 1}})
    EXPECT_TRUE(autograd::gradcheck([out](auto& v) { return adaptive_avg_pool2d(v[0], out); },
                                    {leaf({2, 2, 5, 4}, 6)}));
}

TEST(NnOps, PoolRecordsAsPyTorch) {
  Tensor x4 = randn({2, 3, 8, 8}).requires_grad_(), x3 = randn({3, 8, 8}).requires_grad_();
  EXPECT_EQ(chain(max_pool2d(x4, {2})), (V{"MaxPool2DWithIndicesBackward0"}));
  EXPECT_EQ(chain(max_pool2d(x3, {2})), (V{"MaxPool2DWithIndicesBackward0"}));
  EXPECT_EQ(chain(max_pool2d_with_indices(x4, {2}).first), (V{"MaxPool2DWithIndicesBackward0"}));
  EXPECT_EQ(name(max_pool2d_with_indices(x4, {2}).second), "None");
  EXPECT_EQ(chain(avg_pool2d(x4, {2})), (V{"AvgPool2DBackward0"}));
  EXPECT_EQ(chain(avg_pool2d(x3, {2})), (V{"AvgPool2DBackward0"}));
  EXPECT_EQ(chain(adaptive_avg_pool2d(x4, {3, 2})), (V{"AdaptiveAvgPool2DBackward0"}));
  EXPECT_EQ(chain(adaptive_avg_pool2d(x3, {3})), (V{"AdaptiveAvgPool2DBackward0"}));
  EXPECT_EQ(chain(adaptive_avg_pool2d(x4, {1})), (V{"MeanBackward1"}));
  EXPECT_EQ(name(max_pool2d(x4.detach(), {2})), "None");
}

TEST(NnOps, PoolErrorsAsPyTorch) {
  auto mp = [](IntArrayRef x, IntArrayRef k, IntArrayRef s = {}, IntArrayRef p = {0}, IntArrayRef d = {1},
               ScalarType t = ScalarType::Float32) {
    return error_of([&] { max_pool2d(ones(x, t), k, s, p, d); });
  };
  EXPECT_EQ(mp({2, 3, 8, 8}, {2, 2, 2}),
            "max_pool2d: kernel_size must either be a single int, or a tuple of two ints");
  EXPECT_EQ(mp({2, 3, 8, 8}, {}),
            "max_pool2d: kernel_size must either be a single int, or a tuple of two ints");
  EXPECT_EQ(mp({2, 3, 8, 8}, {2}, {1, 1, 1}),
            "max_pool2d: stride must either be omitted, a single int, or a tuple of two ints");
  EXPECT_EQ(mp({2, 3, 8, 8}, {2}, {2}, {1, 1, 1}),
            "max_pool2d: padding must be either be a single int, or a tuple of two ints");
  EXPECT_EQ(mp({2, 3, 8, 8}, {2}, {2}, {0}, {1, 1, 1}),
            "max_pool2d: dilation must be either a single int, or a tuple of two ints");
  EXPECT_EQ(mp({8, 8}, {2}), "non-empty 3D or 4D (batch mode) tensor expected for input");
  EXPECT_EQ(mp({2, 3, 8, 8}, {0}), "stride should not be zero");
  EXPECT_EQ(mp({2, 3, 8, 8}, {2}, {-1}), "stride should be greater than zero, but got dH: -1 dW: -1");
  EXPECT_EQ(mp({2, 3, 8, 8}, {2}, {2}, {0}, {0}),
            "dilation should be greater than zero, but got dilationH: 0 dilationW: 0");
  EXPECT_EQ(mp({2, 3, 8, 8}, {2}, {2}, {-1}), "pad must be non-negative, but got pad: -1");
  EXPECT_EQ(mp({2, 3, 8, 8}, {2}, {2}, {2}),
            "pad should be at most half of kernel size, but got pad=2 and kernel_size=2");
  EXPECT_EQ(mp({2, 3, 1, 8}, {3}, {2}),
            "Given input size: (3x1x8). Calculated output size: (3x0x3). Output size is too small");
  EXPECT_EQ(
      mp({2, 0, 8, 8}, {2}),
      "Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:[2, 0, 8, 8]");
  EXPECT_EQ(mp({2, 3, 8, 8}, {2}, {}, {0}, {1}, ScalarType::Int64),
            "\"max_pool2d\" not implemented for 'Long'");
  auto ap = [](IntArrayRef x, IntArrayRef k, IntArrayRef s = {}, IntArrayRef p = {0},
               std::optional<std::int64_t> div = {}) {
    return error_of([&] { avg_pool2d(ones(x), k, s, p, false, true, div); });
  };
  EXPECT_EQ(ap({2, 3, 8, 8}, {2, 2, 2}),
            "avg_pool2d: kernel_size must either be a single int, or a tuple of two ints");
  EXPECT_EQ(ap({2, 3, 8, 8}, {2}, {2}, {1, 1, 1}),
            "avg_pool2d: padding must either be a single int, or a tuple of two ints");
  EXPECT_EQ(ap({2, 3, 8, 8}, {2}, {2}, {0}, 0), "divisor must be not zero");
  EXPECT_EQ(ap({8, 8}, {2}), "Dimension out of range (expected to be in range of [-2, 1], but got -3)");
  EXPECT_THROW(avg_pool2d(ones({8, 8}), {2}), IndexError);
  EXPECT_EQ(ap({2, 3, 1, 1}, {2}, {2}),
            "Given input size: (3x1x1). Calculated output size: (3x0x0). Output size is too small");
  auto aap = [](IntArrayRef x, IntArrayRef out, ScalarType t = ScalarType::Float32) {
    return error_of([&] { adaptive_avg_pool2d(ones(x, t), out); });
  };
  EXPECT_EQ(aap({2, 3, 8, 8}, {2, 2, 2}), "adaptive_avg_pool2d: output_size must be 2");
  EXPECT_EQ(aap({8, 8}, {2, 2}), "adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got [8, 8]");
  EXPECT_EQ(aap({2, 3, 0, 8}, {2, 2}),
            "adaptive_avg_pool2d(): Expected input to have non-zero size for non-batch dimensions, but input "
            "has sizes "
            "[2, 3, 0, 8] with dimension 2 being empty");
  EXPECT_EQ(
      aap({2, 3, 8, 8}, {-1, 2}),
      "adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 but received {-1, 2}");
  EXPECT_EQ(aap({2, 3, 8, 8}, {2, 2}, ScalarType::Int64),
            "\"adaptive_avg_pool2d\" not implemented for 'Long'");
}

// ---- batch_norm ----
// Per channel over (n, *): mean and biased variance in double; y = (x - mean) / sqrt(var + eps) w + b.
struct BnRef {
  std::vector<double> y, mean, var;  // var biased
  std::vector<double> mag;            // |x alpha| + |beta|: ramp (as 1.13) computes y = x alpha + beta
};
// In long double (64-bit significand), so that the reference is exact to well under a float64 ulp.
BnRef ref_batch_norm(const Tensor& x, const std::vector<double>& rm, const std::vector<double>& rv,
                     const std::vector<double>& w, const std::vector<double>& b, bool training, double eps) {
  using L = long double;
  const std::int64_t N = x.size(0), C = x.size(1), S = x.numel() / (N * C);
  const auto xv = x.to_vector();
  BnRef r;
  std::vector<L> mean, var;
  for (std::int64_t c = 0; c < C; ++c) {
    L m = 0, v = 0;
    for (std::int64_t n = 0; n < N; ++n)
      for (std::int64_t i = 0; i < S; ++i) m += xv[std::size_t((n * C + c) * S + i)];
    m /= L(N * S);
    for (std::int64_t n = 0; n < N; ++n)
      for (std::int64_t i = 0; i < S; ++i) {
        const L d = xv[std::size_t((n * C + c) * S + i)] - m;
        v += d * d;
      }
    mean.push_back(m), var.push_back(v / L(N * S));
    r.mean.push_back(double(m)), r.var.push_back(double(var.back()));
  }
  r.y.resize(xv.size());
  r.mag.reserve(xv.size());
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t c = 0; c < C; ++c)
      for (std::int64_t i = 0; i < S; ++i) {
        const auto k = std::size_t((n * C + c) * S + i), cc = std::size_t(c);
        const L m = training ? mean[cc] : L(rm[cc]), v = training ? var[cc] : L(rv[cc]);
        const L alpha = L(w[cc]) / std::sqrt(v + L(eps));
        r.y[k] = double((xv[k] - m) * alpha + L(b[cc]));
        r.mag.push_back(double(std::abs(xv[k] * alpha) + std::abs(L(b[cc]) - m * alpha)));
      }
  return r;
}

TEST(NnOps, BatchNormAgainstLoops) {
  const double momentum = 0.3, eps = 1e-3;
  for (ScalarType t : {ScalarType::Float32, ScalarType::Float64, ScalarType::BFloat16})
    for (const std::vector<std::int64_t>& shape :
         std::vector<std::vector<std::int64_t>>{{5, 3}, {4, 3, 6}, {2, 3, 4, 5}, {1, 3, 2, 1}})
      for (bool training : {true, false})
        for (bool affine : {true, false}) {
          SCOPED_TRACE(shape_str(shape) + " " + std::string(dtype_name(t)) + (training ? " train" : " eval") +
                       (affine ? " affine" : ""));
          Tensor x = random(shape, t, 1, -3, 5);
          Tensor rm = random({3}, t, 2), rv = random({3}, t, 3, 0.5, 2);
          Tensor w = affine ? random({3}, t, 4) : Tensor(), b = affine ? random({3}, t, 5) : Tensor();
          const auto rm0 = rm.to_vector(), rv0 = rv.to_vector();
          const auto wv = affine ? w.to_vector() : std::vector<double>(3, 1.0);
          const auto bv = affine ? b.to_vector() : std::vector<double>(3, 0.0);
          const BnRef ref = ref_batch_norm(x, rm0, rv0, wv, bv, training, eps);
          const std::uint32_t version = rm.version();
          expect_ulps(batch_norm(x, rm, rv, w, b, training, momentum, eps), shape, ref.y, kUlps, ref.mag);
          EXPECT_EQ(rm.version(), version);  // 1.13 updates the buffers without a version bump
          std::vector<double> want_rm = rm0, want_rv = rv0;
          if (training) {
            const double n = double(numel_of(shape) / 3);
            for (std::size_t c = 0; c < 3; ++c) {
              want_rm[c] = (1 - momentum) * rm0[c] + momentum * ref.mean[c];
              want_rv[c] = (1 - momentum) * rv0[c] + momentum * ref.var[c] * n / (n - 1);  // unbiased
            }
          }
          // the running statistics are updated in double and rounded once
          expect_ulps(rm, {3}, want_rm, kUlps);
          expect_ulps(rv, {3}, want_rv, kUlps);
        }
  // Without running statistics, training normalises by the batch alone.
  Tensor x = random({6, 2, 3}, ScalarType::Float64, 7);
  expect_close(batch_norm(x, {}, {}, {}, {}, true), {6, 2, 3},
               ref_batch_norm(x, {}, {}, {1, 1}, {0, 0}, true, 1e-5).y, 1e-12);
}

TEST(NnOps, BatchNormFloat32StatisticsAreAccurate) {
  // A large offset over many values: float32 sums would lose the variance; the double ones do not.
  Tensor x64 = random({64, 2, 32, 32}, ScalarType::Float64, 3, 1000, 1001);
  Tensor x = x64.to(ScalarType::Float32);
  Tensor rv = ones({2});
  const BnRef ref = ref_batch_norm(x, {}, {}, {1, 1}, {0, 0}, true, 1e-5);
  // y = x alpha + beta (1.13's form) cancels ~3500 against ~3500 in float32: a few ulp of 3500
  // (ref.mag), while the statistics themselves are exact to double.
  expect_ulps(batch_norm(x, zeros({2}), rv, {}, {}, true, 1.0), x.sizes(), ref.y, kUlps, ref.mag);
  const double n = double(x.numel() / 2);
  expect_ulps(rv, {2}, {ref.var[0] * n / (n - 1), ref.var[1] * n / (n - 1)}, kUlps);
}

TEST(NnOps, BatchNormMixedBFloat16) {
  // bfloat16 input with float32 parameters (1.13's one mixed case on CPU).
  Tensor x = random({4, 3, 5}, ScalarType::BFloat16, 1);
  Tensor rm = zeros({3}), rv = ones({3}), w = random({3}, ScalarType::Float32, 2).requires_grad_();
  Tensor y = batch_norm(x, rm, rv, w, {}, true);
  EXPECT_EQ(y.dtype(), ScalarType::BFloat16);
  const BnRef ref = ref_batch_norm(x, {}, {}, w.to_vector(), {0, 0, 0}, true, 1e-5);
  expect_ulps(y, x.sizes(), ref.y, kUlps, ref.mag);
  y.sum().backward();
  EXPECT_EQ(w.grad().dtype(), ScalarType::Float32);
}

TEST(NnOps, BatchNormGradcheck) {
  for (bool training : {true, false})
    for (const std::vector<std::int64_t>& shape :
         std::vector<std::vector<std::int64_t>>{{4, 3}, {2, 3, 2, 2}}) {
      SCOPED_TRACE(shape_str(shape) + (training ? " train" : " eval"));
      Tensor rm = random({3}), rv = random({3}, ScalarType::Float64, 2, 0.5, 2);
      EXPECT_TRUE(autograd::gradcheck(
          [&](auto& v) {
            // fresh buffers per call: the update must not feed into the next evaluation
            Tensor m = rm.clone(), r = rv.clone();
            return batch_norm(v[0], m, r, v[1], v[2], training, 0.1, 1e-3);
          },
          {leaf(shape, 1), leaf({3}, 2), leaf({3}, 3)}));
      EXPECT_TRUE(autograd::gradcheck([&](auto& v) { return batch_norm(v[0], {}, {}, {}, {}, true); },
                                      {leaf(shape, 4)}));
    }
}

TEST(NnOps, BatchNormRecordsAsPyTorch) {
  Tensor w = ones({3}).requires_grad_(), b = zeros({3}).requires_grad_();
  Tensor x = randn({4, 3}).requires_grad_();
  EXPECT_EQ(chain(batch_norm(x, zeros({3}), ones({3}), w, b, true)), (V{"NativeBatchNormBackward0"}));
  EXPECT_EQ(chain(batch_norm(x, zeros({3}), ones({3}), w, b, false)), (V{"NativeBatchNormBackward0"}));
  EXPECT_EQ(chain(batch_norm(randn({2, 3, 4, 4}).requires_grad_(), {}, {}, {}, {}, true)),
            (V{"NativeBatchNormBackward0"}));
  EXPECT_EQ(name(batch_norm(randn({4, 3}), zeros({3}), ones({3}), {}, {}, true)), "None");
  // An empty batch: a copy through the parameters' first entries (AddBackward0 last), as 1.13.
  EXPECT_EQ(name(batch_norm(randn({0, 3}).requires_grad_(), zeros({3}), ones({3}), w, b, true)),
            "AddBackward0");
  // Writing the input in place before backward raises (it is saved).
  Tensor leaf_x = randn({4, 3}).requires_grad_();
  Tensor h = leaf_x * 1.0;
  Tensor y = batch_norm(h, {}, {}, w, b, true);
  h.mul_(2.0);
  EXPECT_THROW(y.sum().backward(), Error);
}

TEST(NnOps, BatchNormErrorsAsPyTorch) {
  auto bn = [](IntArrayRef x, Tensor rm, Tensor rv, Tensor w = {}, Tensor b = {}, bool training = false) {
    return error_of([&] { batch_norm(randn(x), rm, rv, w, b, training); });
  };
  const Tensor z3 = zeros({3}), o3 = ones({3}), o4 = ones({4});
  EXPECT_EQ(bn({1, 4}, zeros({4}), ones({4}), {}, {}, true),
            "Expected more than 1 value per channel when training, got input size ramp.Size([1, 4])");
  EXPECT_THROW(batch_norm(randn({1, 4, 1}), {}, {}, {}, {}, true), ValueError);
  EXPECT_EQ(bn({1, 4}, zeros({4}), ones({4})), "");  // evaluation accepts one value
  EXPECT_EQ(bn({2, 3}, zeros({4}), o4), "running_mean should contain 3 elements not 4");
  EXPECT_EQ(bn({2, 3}, z3, o4), "running_var should contain 3 elements not 4");
  EXPECT_EQ(bn({2, 3}, {}, o3), "running_mean must be defined in evaluation mode");
  EXPECT_EQ(bn({2, 3}, z3, {}), "running_var must be defined in evaluation mode");
  EXPECT_EQ(bn({2, 3}, z3, o3, o4), "weight should contain 3 elements not 4");
  EXPECT_EQ(bn({2, 3}, z3, o3, o3, o4), "bias should contain 3 elements not 4");
  EXPECT_EQ(bn({2, 3}, zeros({3}, ScalarType::Float64), o3),
            "mixed dtype (CPU): expect parameter to have scalar type of Float");
  EXPECT_EQ(error_of([&] {
              batch_norm(randn({2, 3}, ScalarType::Float64), z3, o3);
            }),
            "mixed dtype (CPU): expect input to have scalar type of BFloat16");
  EXPECT_EQ(error_of([&] {
              batch_norm(ones({2, 3}, ScalarType::Int64), zeros({3}, ScalarType::Int64),
                         ones({3}, ScalarType::Int64), {}, {}, true);
            }),
            "\"batch_norm\" not implemented for 'Long'");
  EXPECT_NE(bn({4}, o4, o4).find("batch_norm: expected an input of at least 2 dimensions"),
            std::string::npos);
}

// ---- dropout ----
TEST(NnOps, DropoutStatistics) {
  manual_seed(7);
  const std::int64_t n = 200000;
  for (ScalarType t : {ScalarType::Float32, ScalarType::Float64, ScalarType::BFloat16})
    for (double p : {0.2, 0.5, 0.9}) {
      SCOPED_TRACE(std::string(dtype_name(t)) + " p=" + std::to_string(p));
      Tensor x = random({n}, t, 3, 0.5, 2);
      const auto xv = x.to_vector(), yv = dropout(x, p).to_vector();
      const double scale = convert<double>(convert<float>(1.0f / float(1 - p)));
      std::int64_t kept = 0;
      for (std::size_t i = 0; i < yv.size(); ++i) {
        if (yv[i] == 0) continue;
        ++kept;
        // kept elements are x / (1 - p), rounded once to the dtype
        EXPECT_NEAR(yv[i], xv[i] * scale, kUlps * ulp_of(xv[i] * scale, t)) << i;
      }
      // the kept fraction is binomial(n, 1 - p): within 5 standard deviations
      const double sd = std::sqrt(double(n) * p * (1 - p));
      EXPECT_NEAR(double(kept), double(n) * (1 - p), 5 * sd);
    }
  // the same seed gives the same mask
  manual_seed(3);
  const auto a = dropout(ones({1000})).to_vector();
  manual_seed(3);
  EXPECT_EQ(dropout(ones({1000})).to_vector(), a);
}

TEST(NnOps, DropoutIdentityAndEdges) {
  Tensor x = randn({4, 5}).requires_grad_();
  EXPECT_TRUE(dropout(x, 0.0).is_same(x));  // 1.13 returns the input itself
  EXPECT_TRUE(dropout(x, 0.5, false).is_same(x));
  Tensor e = empty({0, 3});
  EXPECT_TRUE(dropout(e, 0.5).is_same(e));
  Tensor z = dropout(x, 1.0);
  EXPECT_EQ(z.to_vector(), std::vector<double>(20, 0.0));
  EXPECT_EQ(name(z), "MulBackward0");
  EXPECT_EQ(name(dropout(x, 0.5)), "MulBackward0");
  // The gradient is the mask scaled by 1 / (1 - p): dL/dx = y / x for L = sum(y).
  Tensor y = dropout(x, 0.25);
  y.sum().backward();
  const auto xv = x.to_vector(), yv = y.to_vector(), gv = x.grad().to_vector();
  for (std::size_t i = 0; i < xv.size(); ++i) EXPECT_NEAR(gv[i], yv[i] / xv[i], 1e-6);
  // In place: the input itself is written and records MulBackward0; a leaf that requires grad refuses.
  Tensor h = x * 1.0;
  const std::uint32_t v0 = h.version();
  const Tensor r = dropout(h, 0.5, true, true);
  EXPECT_EQ(r.data_ptr(), h.data_ptr());
  EXPECT_GT(h.version(), v0);
  EXPECT_EQ(chain(h), (V{"MulBackward0", "MulBackward0"}));
  EXPECT_THROW(dropout(x, 0.5, true, true), Error);
  EXPECT_EQ(error_of([] { dropout(ones({3}, ScalarType::Int64), 0.5); }),
            "result type Float can't be cast to the desired output type Long");
}

TEST(NnOps, DropoutErrorsAsPyTorch) {
  EXPECT_EQ(error_of([] { dropout(ones({3}), 1.5); }),
            "dropout probability has to be between 0 and 1, but got 1.5");
  EXPECT_EQ(error_of([] { dropout(ones({3}), -0.1, false); }),
            "dropout probability has to be between 0 and 1, but got -0.1");
  EXPECT_THROW(dropout(ones({3}), 2.0), ValueError);
}

}  // namespace
}  // namespace ramp
