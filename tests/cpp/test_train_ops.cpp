// The ops training code needs (include/ramp/ops.h, last section): values against scalar double
// references computed here element by element, gradients against central finite differences
// (autograd::gradcheck in float64), PyTorch 1.13's node names and error texts.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <random>

#include "ramp/autograd.h"
#include "ramp/ops.h"

namespace ramp {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

std::vector<std::int64_t> vec(IntArrayRef a) { return {a.begin(), a.end()}; }
std::string name(const Tensor& t) { return t.grad_fn() ? std::string(t.grad_fn()->name()) : "None"; }
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}
// Values drawn from a few integers and halves (so float32, bfloat16 and int dtypes hold them
// exactly), with NaN and infinities mixed in for floating dtypes.
Tensor values(IntArrayRef shape, ScalarType t, unsigned seed) {
  std::mt19937 g(seed);
  std::vector<double> v(std::size_t(numel_of(shape)));
  const double special[] = {kNaN, kInf, -kInf, -0.0};
  for (double& x : v) {
    const unsigned r = g() % 16;
    x = is_floating(t) && r < 3 ? special[g() % 4] : double(int(g() % 9) - 4) / (is_floating(t) ? 2 : 1);
    if (t == ScalarType::UInt8) x = std::fabs(x);
    if (t == ScalarType::Bool) x = x > 0;
  }
  return from_vector(v, shape, t);
}
Tensor leaf(IntArrayRef shape, unsigned seed, double lo = -2, double hi = 2) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  std::vector<double> v(std::size_t(numel_of(shape)));
  for (double& x : v) x = u(g);
  return from_vector(v, shape, ScalarType::Float64).requires_grad_();
}

// Row-major flat index of `out_shape` -> flat index into `shape` broadcast to it.
std::int64_t broadcast_index(std::int64_t flat, IntArrayRef out_shape, IntArrayRef shape) {
  std::int64_t idx = 0, stride = 1;
  const std::size_t off = out_shape.size() - shape.size();
  for (std::size_t d = out_shape.size(); d-- > 0;) {
    const std::int64_t i = flat % out_shape[d];
    flat /= out_shape[d];
    if (d >= off) {
      const std::int64_t s = shape[d - off];
      idx += (s == 1 ? 0 : i) * stride;
      stride *= s;
    }
  }
  return idx;
}

TEST(TrainOps, ComparisonsMatchDoubleComparisonsWithBroadcasting) {
  struct Op {
    Tensor (*tensor)(const Tensor&, const Tensor&);
    Tensor (*scalar)(const Tensor&, Scalar);
    bool (*ref)(double, double);
  };
  const Op ops[] = {{&eq, &eq, [](double a, double b) { return a == b; }},
                    {&ne, &ne, [](double a, double b) { return a != b; }},
                    {&lt, &lt, [](double a, double b) { return a < b; }},
                    {&le, &le, [](double a, double b) { return a <= b; }},
                    {&gt, &gt, [](double a, double b) { return a > b; }},
                    {&ge, &ge, [](double a, double b) { return a >= b; }}};
  const ScalarType types[] = {ScalarType::Float32, ScalarType::Float64, ScalarType::BFloat16, ScalarType::Int64,
                              ScalarType::Int32, ScalarType::UInt8, ScalarType::Int8, ScalarType::Bool};
  for (ScalarType ta : types)
    for (ScalarType tb : {ScalarType::Float32, ScalarType::Int64, ta}) {
      // a [3, 1, 4] against a transposed (strided) [5, 4]: the result is [3, 5, 4]
      const Tensor a = values({3, 1, 4}, ta, 1), bb = values({4, 5}, tb, 2).t();
      const Dims out = broadcast_shapes(a.sizes(), bb.sizes());
      const auto va = a.to_vector(), vb = bb.to_vector();
      for (const auto& [op, op_scalar, ref] : ops) {
        const Tensor r = op(a, bb);
        ASSERT_EQ(r.dtype(), ScalarType::Bool);
        ASSERT_EQ(vec(r.sizes()), vec(out));
        for (std::int64_t i = 0; i < r.numel(); ++i)
          ASSERT_EQ(r.at(i) != 0, ref(va[std::size_t(broadcast_index(i, out, a.sizes()))],
                                      vb[std::size_t(broadcast_index(i, out, bb.sizes()))]))
              << dtype_name(ta) << " vs " << dtype_name(tb) << " at " << i;
        // Against a Python number (1.5 and 1 are exact in every dtype they promote to).
        for (Scalar s : {Scalar(1.5), Scalar(1)}) {
          const Tensor rs = op_scalar(a, s);
          ASSERT_EQ(vec(rs.sizes()), vec(a.sizes()));
          for (std::int64_t i = 0; i < a.numel(); ++i) ASSERT_EQ(rs.at(i) != 0, ref(va[std::size_t(i)], s.to_double()));
        }
      }
    }
  // Scalars: type promotion as torch.result_type (int64 vs 2.5 compares in float32; uint8 vs -1 wraps).
  EXPECT_EQ(lt(from_vector({2, 3}, {2}, ScalarType::Int64), 2.5).to_vector(), (std::vector<double>{1, 0}));
  EXPECT_EQ(eq(from_vector({16777217}, {1}, ScalarType::Int64), 16777216.0).to_vector(), std::vector<double>{1});
  EXPECT_EQ(eq(from_vector({255}, {1}, ScalarType::UInt8), -1).to_vector(), std::vector<double>{1});
  EXPECT_EQ(ne(from_vector({kNaN}, {1}), from_vector({kNaN}, {1})).to_vector(), std::vector<double>{1});
  EXPECT_NE(error_of([] { lt(zeros({2}), zeros({3})); }).find("must match the size of tensor b (3)"), std::string::npos);
  // No graph: the result is bool.
  EXPECT_FALSE(gt(leaf({3}, 1), 0).requires_grad());
}

TEST(TrainOps, ArgmaxIsTheFirstMaximumAndNaNWins) {
  for (ScalarType t : {ScalarType::Float32, ScalarType::Float64, ScalarType::BFloat16, ScalarType::Int64,
                       ScalarType::Int8, ScalarType::UInt8}) {
    const Tensor x = values({3, 4, 5}, t, 3).transpose(0, 2);  // strided: [5, 4, 3]
    const auto v = x.contiguous().to_vector();
    for (std::int64_t d = -3; d < 3; ++d) {
      for (bool keepdim : {false, true}) {
        const Tensor r = argmax(x, d, keepdim);
        const std::int64_t dw = (d + 3) % 3;
        std::vector<std::int64_t> want = vec(x.sizes());
        if (keepdim)
          want[std::size_t(dw)] = 1;
        else
          want.erase(want.begin() + dw);
        ASSERT_EQ(vec(r.sizes()), want);
        ASSERT_EQ(r.dtype(), ScalarType::Int64);
        std::int64_t inner = 1;
        for (std::int64_t k = dw + 1; k < 3; ++k) inner *= x.size(k);
        const std::int64_t n = x.size(dw);
        for (std::int64_t o = 0; o < r.numel(); ++o) {
          const std::int64_t base = (o / inner) * n * inner + o % inner;
          std::int64_t best = 0;  // the reference: first NaN, else first maximum
          for (std::int64_t i = 0; i < n; ++i) {
            const double e = v[std::size_t(base + i * inner)], m = v[std::size_t(base + best * inner)];
            if (std::isnan(e)) {
              best = i;
              break;
            }
            if (e > m) best = i;
          }
          ASSERT_EQ(r.at(o), double(best)) << dtype_name(t) << " dim " << d << " row " << o;
        }
      }
    }
  }
  const Tensor m = from_vector({1, 5, 7, 7, 2, kNaN, kNaN}, {7});
  EXPECT_EQ(argmax(m).item<double>(), 5);
  EXPECT_EQ(argmax(from_vector({1, 5, 7, 2}, {2, 2})).item<double>(), 2);
  EXPECT_EQ(vec(argmax(zeros({2, 3}), {}, true).sizes()), (std::vector<std::int64_t>{1, 1}));
  EXPECT_EQ(argmax(scalar_tensor(3.0), 0).item<double>(), 0);
  EXPECT_EQ(error_of([] { argmax(zeros({0})); }), "argmax(): Expected reduction dim to be specified for input.numel() == 0.");
  EXPECT_EQ(error_of([] { argmax(zeros({2, 0}), 1); }), "argmax(): Expected reduction dim 1 to have non-zero size.");
  EXPECT_EQ(error_of([] { argmax(zeros({2}, ScalarType::Bool)); }), "\"argmax_cpu\" not implemented for 'Bool'");
  EXPECT_EQ(vec(argmax(zeros({2, 0}), 0).sizes()), std::vector<std::int64_t>{0});
}

TEST(TrainOps, IndexSelectCopiesSlicesInIndexOrder) {
  for (ScalarType t : {ScalarType::Float32, ScalarType::BFloat16, ScalarType::Int64, ScalarType::Bool}) {
    const Tensor x = values({4, 3, 5}, t, 4).transpose(0, 1);  // [3, 4, 5], strided
    const auto v = x.contiguous().to_vector();
    for (std::int64_t d = 0; d < 3; ++d) {
      const Tensor index = from_vector({2, 0, 2, 1}, {4}, d == 1 ? ScalarType::Int32 : ScalarType::Int64);
      const Tensor r = index_select(x, d, index);
      Dims want(x.sizes());
      want[std::size_t(d)] = 4;
      ASSERT_EQ(vec(r.sizes()), vec(want));
      ASSERT_EQ(r.dtype(), t);
      const auto iv = index.to_vector();
      for (std::int64_t f = 0; f < r.numel(); ++f) {  // r[..., k, ...] == x[..., index[k], ...]
        std::int64_t rest = f, src = 0, stride = 1;
        for (std::int64_t k = 2; k >= 0; --k) {
          std::int64_t i = rest % want[std::size_t(k)];
          rest /= want[std::size_t(k)];
          if (k == d) i = std::int64_t(iv[std::size_t(i)]);
          src += i * stride;
          stride *= x.size(k);
        }
        const double a = r.at(f), b = v[std::size_t(src)];
        ASSERT_TRUE(a == b || (std::isnan(a) && std::isnan(b))) << f;
      }
    }
  }
  const Tensor x = zeros({3, 2});
  EXPECT_EQ(vec(index_select(x, 0, scalar_tensor(1, ScalarType::Int64)).sizes()), (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(vec(index_select(x, 1, zeros({0}, ScalarType::Int64)).sizes()), (std::vector<std::int64_t>{3, 0}));
  EXPECT_EQ(index_select(scalar_tensor(3.0), 0, from_vector({0, 0}, {2}, ScalarType::Int64)).dim(), 0);
  EXPECT_EQ(error_of([&] { index_select(x, 0, from_vector({3}, {1}, ScalarType::Int64)); }), "index out of range in self");
  EXPECT_EQ(error_of([&] { index_select(x, 0, from_vector({-1}, {1}, ScalarType::Int64)); }), "index out of range in self");
  EXPECT_EQ(error_of([&] { index_select(x, 0, zeros({1})); }), "index_select(): Expected dtype int32 or int64 for index");
  EXPECT_EQ(error_of([&] { index_select(x, 0, zeros({1, 1}, ScalarType::Int64)); }),
            "index_select(): Index is supposed to be a vector");
  EXPECT_THROW(index_select(x, 2, zeros({1}, ScalarType::Int64)), IndexError);
}

TEST(TrainOps, SqrtAbsClampMatchStdAndPyTorchsRules) {
  const std::vector<double> xs = {-3, -1.5, -0.0, 0, 0.25, 2, 9, kInf, -kInf, kNaN};
  for (ScalarType t : {ScalarType::Float32, ScalarType::Float64, ScalarType::BFloat16}) {
    const Tensor x = from_vector(xs, {std::int64_t(xs.size())}, t);
    const auto sq = sqrt(x).to_vector(), ab = abs(x).to_vector(), cl = clamp(x, -1, 2.5).to_vector(),
               lo = clamp(x, 0.5).to_vector(), hi = clamp(x, {}, -2).to_vector();
    for (std::size_t i = 0; i < xs.size(); ++i) {
      const double v = x.at(std::int64_t(i));
      auto same = [](double a, double b) { return a == b ? std::signbit(a) == std::signbit(b) : std::isnan(a) && std::isnan(b); };
      // sqrt rounds once to the dtype: the double result rounded to it
      EXPECT_TRUE(same(sq[i], from_vector({std::sqrt(v)}, {1}, t).at(0))) << v;
      EXPECT_TRUE(same(ab[i], std::fabs(v))) << v;
      EXPECT_TRUE(same(cl[i], std::isnan(v) ? v : std::min(std::max(v, -1.0), 2.5))) << v;
      EXPECT_TRUE(same(lo[i], std::isnan(v) ? v : std::max(v, 0.5))) << v;
      EXPECT_TRUE(same(hi[i], std::isnan(v) ? v : std::min(v, -2.0))) << v;
    }
  }
  // Integers: sqrt gives float32; abs wraps at the minimum; clamp keeps or promotes the dtype.
  EXPECT_EQ(sqrt(from_vector({4, 2}, {2}, ScalarType::Int64)).dtype(), ScalarType::Float32);
  EXPECT_EQ(abs(from_vector({-128, -3, 5}, {3}, ScalarType::Int8)).to_vector(), (std::vector<double>{-128, 3, 5}));
  EXPECT_EQ(abs(from_vector({-9.2e18}, {1}, ScalarType::Int64)).to_vector(), std::vector<double>{9.2e18});
  const Tensor ints = from_vector({-5, 1, 9}, {3}, ScalarType::Int32);
  EXPECT_EQ(clamp(ints, 0, 4).dtype(), ScalarType::Int32);
  EXPECT_EQ(clamp(ints, 0, 4).to_vector(), (std::vector<double>{0, 1, 4}));
  EXPECT_EQ(clamp(ints, 0.5).dtype(), ScalarType::Float32);
  EXPECT_EQ(clamp(from_vector({1}, {1}, ScalarType::Bool), 0, 1).dtype(), ScalarType::Int64);
  EXPECT_EQ(clamp(from_vector({1, 2}, {2}), 2, 1).to_vector(), (std::vector<double>{1, 1}));  // min > max: max
  EXPECT_TRUE(std::isnan(clamp(from_vector({1}, {1}), kNaN, 1).at(0)));
  EXPECT_EQ(clamp(from_vector({1, 200}, {2}, ScalarType::UInt8), -1).to_vector(), (std::vector<double>{255, 255}));
  EXPECT_EQ(error_of([] { clamp(zeros({1}, ScalarType::UInt8), 0, 300); }),
            "value cannot be converted to type uint8_t without overflow");
  EXPECT_EQ(error_of([] { clamp(zeros({1}), 1e300); }), "value cannot be converted to type float without overflow");
  EXPECT_EQ(error_of([] { clamp(zeros({1}), std::nullopt, std::nullopt); }), "torch.clamp: At least one of 'min' or 'max' must not be None");
  EXPECT_EQ(error_of([] { abs(zeros({1}, ScalarType::Bool)); }), "\"abs_cpu\" not implemented for 'Bool'");
}

TEST(TrainOps, GradientsMatchFiniteDifferencesAndPyTorchsNodes) {
  const Tensor index = from_vector({2, 0, 2, 3}, {4}, ScalarType::Int64);
  const std::vector<std::tuple<const char*, const char*, Fn, std::vector<Tensor>>> cases = {
      {"IndexSelectBackward0", "index_select dim 0", [&](auto& in) { return index_select(in[0], 0, index); }, {leaf({4, 3}, 1)}},
      {"IndexSelectBackward0", "index_select dim 1", [&](auto& in) { return index_select(in[0], 1, index); }, {leaf({2, 5, 2}, 2)}},
      {"SqrtBackward0", "sqrt", [](auto& in) { return sqrt(in[0]); }, {leaf({5}, 3, 0.3, 4)}},
      {"AbsBackward0", "abs", [](auto& in) { return abs(in[0]); }, {leaf({6}, 4)}},
      {"ClampBackward1", "clamp", [](auto& in) { return clamp(in[0], -0.5, 0.7); }, {leaf({8}, 5)}},
      {"ClampBackward1", "clamp min", [](auto& in) { return clamp(in[0], 0.1); }, {leaf({8}, 6)}},
      {"ClampBackward1", "clamp max", [](auto& in) { return clamp(in[0], {}, 0.1); }, {leaf({8}, 7)}},
  };
  for (const auto& [node, label, f, inputs] : cases) {
    SCOPED_TRACE(label);
    EXPECT_EQ(name(f(inputs)), node);
    EXPECT_TRUE(autograd::gradcheck(f, inputs));
  }
  // At the kinks, torch's conventions: clamp passes the gradient at the bounds (inclusive), abs and
  // NaN give 0; sqrt(0) gives inf.
  Tensor x = from_vector({-1, 0.5, 2, kNaN, 0}, {5}, ScalarType::Float64).requires_grad_();
  clamp(x, -1, 2).sum().backward();
  EXPECT_EQ(x.grad().to_vector(), (std::vector<double>{1, 1, 1, 0, 1}));
  x.set_grad({});
  abs(x).sum().backward();
  EXPECT_EQ(x.grad().to_vector(), (std::vector<double>{-1, 1, 1, 0, 0}));
  Tensor z = zeros({1}, ScalarType::Float64).requires_grad_();
  sqrt(z).sum().backward();
  EXPECT_EQ(z.grad().at(0), kInf);
  // Repeated indices accumulate.
  Tensor w = zeros({3}, ScalarType::Float32).requires_grad_();
  index_select(w, 0, from_vector({1, 1, 2, 1}, {4}, ScalarType::Int32)).sum().backward();
  EXPECT_EQ(w.grad().to_vector(), (std::vector<double>{0, 3, 1}));
}

}  // namespace
}  // namespace ramp
