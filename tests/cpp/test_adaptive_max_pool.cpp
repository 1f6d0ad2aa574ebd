// adaptive_max_pool1d/2d (include/ramp/nn/functional.h) and nn::AdaptiveMaxPool1d/2d against a
// double loop written here from 1.13's definition: bin i of n over s covers
// [floor(i s / n), ceil((i + 1) s / n)), the value is the bin's first maximum in row-major order
// unless a NaN is present (then the last NaN), the index its flat position in the H x W plane.
// Gradients by finite differences (gradcheck); node names and error texts as torch 1.13 gives them.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "ramp/autograd.h"
#include "ramp/nn/functional.h"
#include "ramp/nn/layers.h"
#include "ramp/ops.h"
#include "test_util.h"

namespace ramp {
namespace {

using namespace test;

struct Ref {
  std::vector<double> values;
  std::vector<std::int64_t> indices;
};

Ref reference(const std::vector<double>& x, std::int64_t planes, std::int64_t H, std::int64_t W, std::int64_t oH,
              std::int64_t oW) {
  Ref r;
  for (std::int64_t c = 0; c < planes; ++c)
    for (std::int64_t i = 0; i < oH; ++i)
      for (std::int64_t j = 0; j < oW; ++j) {
        const auto h0 = std::int64_t(std::floor(double(i * H) / double(oH)));
        const auto h1 = std::int64_t(std::ceil(double((i + 1) * H) / double(oH)));
        const auto w0 = std::int64_t(std::floor(double(j * W) / double(oW)));
        const auto w1 = std::int64_t(std::ceil(double((j + 1) * W) / double(oW)));
        std::int64_t best = -1, nan = -1;
        for (std::int64_t h = h0; h < h1; ++h)
          for (std::int64_t w = w0; w < w1; ++w) {
            const double v = x[std::size_t((c * H + h) * W + w)];
            if (std::isnan(v)) nan = h * W + w;
            else if (best < 0 || v > x[std::size_t(c * H * W + best)]) best = h * W + w;
          }
        const std::int64_t at = nan >= 0 ? nan : best;
        r.indices.push_back(at);
        r.values.push_back(x[std::size_t(c * H * W + at)]);
      }
  return r;
}

// Values on a coarse grid (many ties), a few NaNs and infinities.
Tensor tied(IntArrayRef shape, ScalarType t, unsigned seed) {
  Tensor x = floor(random(shape, ScalarType::Float64, seed, -3, 3));
  double* p = x.data<double>();
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    if (i % 17 == 5) p[i] = std::numeric_limits<double>::quiet_NaN();
    if (i % 23 == 7) p[i] = -std::numeric_limits<double>::infinity();
  }
  return x.to(t);
}

void expect_same(const Tensor& got, const std::vector<double>& want) {
  const std::vector<double> v = got.to_vector();
  ASSERT_EQ(v.size(), want.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (std::isnan(want[i])) EXPECT_TRUE(std::isnan(v[i])) << i;
    else EXPECT_EQ(v[i], want[i]) << i;
  }
}

TEST(AdaptiveMaxPool, TwoDAgainstLoops) {
  const std::vector<std::pair<std::vector<std::int64_t>, std::vector<std::int64_t>>> cases = {
      {{2, 3, 7, 9}, {3, 4}}, {{3, 5, 5}, {5}},   {{1, 2, 3, 3}, {5, 7}}, {{2, 2, 6, 4}, {1, 1}},
      {{2, 2, 6, 4}, {1, 3}}, {{0, 2, 6, 4}, {2, 2}}, {{2, 3, 4, 4}, {0, 2}}, {{0, 4, 5}, {3, 3}},
      {{1, 1, 13, 11}, {4, 3}}};
  for (ScalarType t : {ScalarType::Float32, ScalarType::Float64, ScalarType::BFloat16})
    for (const auto& [shape, out] : cases) {
      SCOPED_TRACE(shape_str(shape) + " -> " + shape_str(out) + " " + std::string(dtype_name(t)));
      const Tensor x = tied(shape, t, 3);
      const std::int64_t H = shape[shape.size() - 2], W = shape.back(), oH = out[0],
                         oW = out.size() == 2 ? out[1] : out[0];
      const Ref want = reference(x.to_vector(), x.numel() / (H * W), H, W, oH, oW);
      std::vector<std::int64_t> want_shape = shape;
      want_shape[shape.size() - 2] = oH, want_shape.back() = oW;
      const auto [y, idx] = adaptive_max_pool2d_with_indices(x, out);
      EXPECT_EQ(vec(y.sizes()), want_shape);
      EXPECT_EQ(y.dtype(), t);
      EXPECT_EQ(idx.dtype(), ScalarType::Int64);
      EXPECT_EQ(vec(idx.sizes()), want_shape);
      expect_same(y, want.values);
      EXPECT_EQ(idx.to_vector(), std::vector<double>(want.indices.begin(), want.indices.end()));
      expect_same(adaptive_max_pool2d(x, out), want.values);
      // A non-contiguous input gives the same.
      expect_same(adaptive_max_pool2d(x.transpose(-1, -2).contiguous().transpose(-1, -2), out), want.values);
    }
}

TEST(AdaptiveMaxPool, OneDAgainstLoops) {
  for (const auto& [shape, out] : std::vector<std::pair<std::vector<std::int64_t>, std::int64_t>>{
           {{2, 3, 10}, 4}, {{3, 7}, 3}, {{2, 2, 5}, 8}, {{0, 2, 5}, 2}, {{2, 6}, 0}}) {
    SCOPED_TRACE(shape_str(shape));
    const Tensor x = tied(shape, ScalarType::Float32, 5);
    const std::int64_t L = shape.back();
    const Ref want = reference(x.to_vector(), x.numel() / L, 1, L, 1, out);
    const auto [y, idx] = adaptive_max_pool1d_with_indices(x, {out});
    std::vector<std::int64_t> want_shape = shape;
    want_shape.back() = out;
    EXPECT_EQ(vec(y.sizes()), want_shape);
    EXPECT_EQ(vec(idx.sizes()), want_shape);
    expect_same(y, want.values);
    EXPECT_EQ(idx.to_vector(), std::vector<double>(want.indices.begin(), want.indices.end()));
    expect_same(nn::AdaptiveMaxPool1d(out)(x), want.values);
  }
}

TEST(AdaptiveMaxPool, Gradients) {
  for (std::vector<std::int64_t> out : {std::vector<std::int64_t>{3, 2}, {4, 5}, {1, 1}, {7, 3}})
    EXPECT_TRUE(autograd::gradcheck([out](auto& v) { return adaptive_max_pool2d(v[0], out); },
                                    {leaf({2, 2, 5, 4}, 6)}));
  EXPECT_TRUE(autograd::gradcheck([](auto& v) { return adaptive_max_pool1d(v[0], {3}); }, {leaf({2, 3, 7}, 8)}));
  // Overlapping bins: a shared maximum gets both gradients.
  Tensor x = from_vector({1.0, 5.0, 2.0}, {1, 1, 3}).requires_grad_();
  adaptive_max_pool1d(x, {2}).sum().backward();
  EXPECT_EQ(x.grad().to_vector(), (std::vector<double>{0, 2, 0}));
}

TEST(AdaptiveMaxPool, RecordsAsPyTorch) {
  Tensor x4 = randn({2, 3, 8, 8}).requires_grad_(), x3 = randn({3, 8}).requires_grad_();
  EXPECT_EQ(name(adaptive_max_pool2d(x4, {3, 2})), "AdaptiveMaxPool2DBackward0");
  const auto [y, idx] = adaptive_max_pool2d_with_indices(x4, {3});
  EXPECT_EQ(name(y), "AdaptiveMaxPool2DBackward0");
  EXPECT_EQ(name(idx), "None");
  EXPECT_FALSE(idx.requires_grad());
  const Tensor y1 = adaptive_max_pool1d(x3, {3});
  EXPECT_EQ(name(y1), "SqueezeBackward1");
  EXPECT_EQ(std::string(y1.grad_fn()->next[0].fn->name()), "AdaptiveMaxPool2DBackward0");
  EXPECT_EQ(name(adaptive_max_pool2d(x4.detach(), {2})), "None");
}

TEST(AdaptiveMaxPool, ErrorsAsPyTorch) {
  auto e2 = [](IntArrayRef x, IntArrayRef out, ScalarType t = ScalarType::Float32) {
    return error_of([&] { adaptive_max_pool2d(ones(x, t), out); });
  };
  EXPECT_EQ(e2({8, 8}, {3}), "adaptive_max_pool2d(): Expected 3D or 4D tensor, but got: [8, 8]");
  EXPECT_EQ(e2({2, 3, 4, 5, 6}, {3}), "adaptive_max_pool2d(): Expected 3D or 4D tensor, but got: [2, 3, 4, 5, 6]");
  EXPECT_EQ(e2({2, 0, 4, 5}, {3}),
            "adaptive_max_pool2d(): Expected input to have non-zero size for non-batch dimensions, but input has "
            "sizes [2, 0, 4, 5] with dimension 1 being empty");
  EXPECT_EQ(e2({3, 4, 0}, {3}),
            "adaptive_max_pool2d(): Expected input to have non-zero size for non-batch dimensions, but input has "
            "sizes [3, 4, 0] with dimension 2 being empty");
  EXPECT_EQ(e2({3, 4, 5}, {-1, 2}), "Trying to create tensor with negative dimension -1: [3, -1, 2]");
  EXPECT_EQ(e2({3, 4, 5}, {1, 2, 3}), "adaptive_max_pool2d(): internal error: output_size.size() must be 2");
  EXPECT_EQ(e2({3, 4, 5}, {2}, ScalarType::Int64), "\"adaptive_max_pool2d\" not implemented for 'Long'");
  EXPECT_EQ(e2({3, 4, 5}, {2}, ScalarType::Bool), "\"adaptive_max_pool2d\" not implemented for 'Bool'");
  auto e1 = [](IntArrayRef x, IntArrayRef out) { return error_of([&] { adaptive_max_pool1d(ones(x), out); }); };
  EXPECT_EQ(e1({8}, {3}),
            "Expected 2 to 3 dimensions, but got 1-dimensional tensor for argument #1 'self' (while checking "
            "arguments for adaptive_max_pool1d)");
  EXPECT_EQ(e1({2, 3, 4, 8}, {3}),
            "Expected 2 to 3 dimensions, but got 4-dimensional tensor for argument #1 'self' (while checking "
            "arguments for adaptive_max_pool1d)");
  EXPECT_EQ(e1({2, 8}, {3, 2}), "adaptive_max_pool1d() argument 'output_size' should contain one int (got 2)");
  EXPECT_EQ(e1({2, 0, 8}, {3}),
            "adaptive_max_pool2d(): Expected input to have non-zero size for non-batch dimensions, but input has "
            "sizes [2, 0, 1, 8] with dimension 1 being empty");
  EXPECT_EQ(e1({2, 8}, {-1}), "Trying to create tensor with negative dimension -1: [2, 1, -1]");
}

TEST(AdaptiveMaxPool, Modules) {
  EXPECT_EQ(nn::AdaptiveMaxPool2d({std::nullopt, 3}).repr(), "AdaptiveMaxPool2d(output_size=(None, 3))");
  EXPECT_EQ(nn::AdaptiveMaxPool2d(3).repr(), "AdaptiveMaxPool2d(output_size=3)");
  EXPECT_EQ(nn::AdaptiveMaxPool2d({2, 3}).repr(), "AdaptiveMaxPool2d(output_size=(2, 3))");
  EXPECT_EQ(nn::AdaptiveMaxPool1d(4).repr(), "AdaptiveMaxPool1d(output_size=4)");
  EXPECT_EQ(nn::AdaptiveAvgPool2d({std::nullopt, 7}).repr(), "AdaptiveAvgPool2d(output_size=(None, 7))");
  const Tensor x = random({2, 3, 5, 9}, ScalarType::Float32, 9);
  nn::AdaptiveMaxPool2d pool({std::nullopt, 3});
  const auto [y, idx] = pool.forward_with_indices(x);
  EXPECT_EQ(vec(y.sizes()), (std::vector<std::int64_t>{2, 3, 5, 3}));
  EXPECT_TRUE(equal(y, adaptive_max_pool2d(x, {5, 3})));
  EXPECT_TRUE(equal(idx, adaptive_max_pool2d_with_indices(x, {5, 3}).second));
  EXPECT_TRUE(equal(pool(x), y));
  nn::AdaptiveAvgPool2d avg({4, std::nullopt});
  EXPECT_TRUE(equal(avg(x), adaptive_avg_pool2d(x, {4, 9})));
  EXPECT_THROW(pool(ones({5, 9})), ValueError);
  EXPECT_EQ(error_of([&] { pool(ones({5, 9})); }), "Input dimension should be at least 3");
}

}  // namespace
}  // namespace ramp
