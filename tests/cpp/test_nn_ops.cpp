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

namespace ramp {
namespace {

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;
using V = std::vector<std::string>;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

std::vector<std::int64_t> vec(IntArrayRef a) { return {a.begin(), a.end()}; }
[[maybe_unused]] std::string name(const Tensor& t) { return t.grad_fn() ? std::string(t.grad_fn()->name()) : "None"; }

Tensor random(IntArrayRef shape, ScalarType t = ScalarType::Float64, unsigned seed = 1, double lo = -2,
              double hi = 2) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  std::vector<double> v(std::size_t(numel_of(shape)));
  for (double& x : v) x = u(g);
  return from_vector(v, shape, t);
}
Tensor leaf(IntArrayRef shape, unsigned seed, double lo = -2, double hi = 2) {
  return random(shape, ScalarType::Float64, seed, lo, hi).requires_grad_();
}

template <class F> std::string error_of(F f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

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
double tol_of(ScalarType t) { return t == ScalarType::Float64 ? 1e-12 : t == ScalarType::Float32 ? 2e-5 : 2e-2; }

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
    for (const std::vector<std::int64_t>& shape : std::vector<std::vector<std::int64_t>>{
             {3}, {4, 3}, {2, 4, 3}, {2, 2, 2, 3}, {0, 3}}) {
      for (bool with_bias : {true, false}) {
        SCOPED_TRACE(shape_str(shape) + " " + std::string(dtype_name(t)) + (with_bias ? " bias" : ""));
        Tensor x = random(shape, t, 1), w = random({5, 3}, t, 2), b = with_bias ? random({5}, t, 3) : Tensor();
        std::vector<std::int64_t> want_shape = shape;
        want_shape.back() = 5;
        expect_close(linear(x, w, b), want_shape, ref_linear(x, w, b), tol_of(t) * 8);
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
  EXPECT_EQ(chain(linear(r({3}), w, b)), (V{"AddBackward0", "SqueezeBackward3", "MmBackward0", "UnsqueezeBackward0"}));
  EXPECT_EQ(chain(linear(r({3}), w)), (V{"SqueezeBackward3", "MmBackward0", "UnsqueezeBackward0"}));
  EXPECT_EQ(chain(linear(r({2, 3}), w, b)), (V{"AddmmBackward0", "TBackward0"}));
  EXPECT_EQ(chain(linear(r({2, 3}), w)), (V{"MmBackward0", "TBackward0"}));
  EXPECT_EQ(chain(linear(r({4, 2, 3}), w, b)), (V{"ViewBackward0", "AddmmBackward0", "ViewBackward0"}));
  EXPECT_EQ(chain(linear(r({4, 2, 3}, false), w, b)), (V{"ViewBackward0", "AddmmBackward0", "TBackward0"}));
  EXPECT_EQ(chain(linear(r({4, 2, 3}), w)), (V{"UnsafeViewBackward0", "MmBackward0", "ReshapeAliasBackward0"}));
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
    EXPECT_TRUE(autograd::gradcheck([](auto& in) { return linear(in[0], in[1]); }, {leaf(shape, 1), leaf({4, 3}, 2)}));
  }
}

TEST(NnOps, LinearErrorsAsPyTorch) {
  EXPECT_EQ(error_of([] { linear(ones({2, 3}), ones({5, 4})); }), "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)");
  EXPECT_EQ(error_of([] { linear(ones({3}), ones({5, 4})); }), "mat1 and mat2 shapes cannot be multiplied (1x3 and 4x5)");
  EXPECT_EQ(error_of([] { linear(ones({2, 2, 3}), ones({5, 4}), ones({5})); }),
            "mat1 and mat2 shapes cannot be multiplied (4x3 and 4x5)");
  EXPECT_EQ(error_of([] { linear(ones({2, 3}), ones({5, 3}), ones({5}, ScalarType::Float64)); }),
            "self and mat2 must have the same dtype");
  EXPECT_EQ(error_of([] { linear(ones({2, 3}), ones({5, 3}, ScalarType::Float64)); }),
            "expected scalar type Float but found Double");
  EXPECT_EQ(error_of([] { linear(ones({2, 3}), ones({5, 3, 1})); }), "t() expects a tensor with <= 2 dimensions, but self is 3D");
  EXPECT_EQ(error_of([] { linear(ones({}), ones({5, 3})); }),
            "both arguments to matmul need to be at least 1D, but they are 0D and 2D");
  EXPECT_EQ(error_of([] { linear(ones({2, 2, 2, 3}), ones({5, 3}), ones({4})); }),
            "The size of tensor a (5) must match the size of tensor b (4) at non-singleton dimension 3");
}

}  // namespace
}  // namespace ramp
