// The NumPy-style shape ops, diagonals, products and running reductions of issue 9 through the C++ API:
// values against naive loops in double written here, views sharing storage, 1.13's node names where
// ramp records them, error texts, and gradients against finite differences (autograd::gradcheck).
#include <gtest/gtest.h>

#include <cmath>

#include "ramp/autograd.h"
#include "ramp/ops.h"
#include "test_util.h"

namespace ramp {
namespace {

using namespace test;

// got's values equal want's (row-major) exactly, with the given shape.
void expect_exact(const Tensor& got, std::vector<std::int64_t> shape, const std::vector<double>& want) {
  EXPECT_EQ(vec(got.sizes()), shape);
  const std::vector<double> g = got.to_vector();
  ASSERT_EQ(g.size(), want.size());
  for (std::size_t i = 0; i < g.size(); ++i) EXPECT_EQ(g[i], want[i]) << i;
}

// Element [i, j] of a row-major matrix of width w.
double at2(const std::vector<double>& v, std::int64_t w, std::int64_t i, std::int64_t j) {
  return v[std::size_t(i * w + j)];
}

bool shares(const Tensor& a, const Tensor& b) { return a.storage() == b.storage(); }

TEST(MoreOps, StackAndSplit) {
  const Tensor x = random({2, 3}), v = random({3}, ScalarType::Float64, 2);
  const std::vector<double> xv = x.to_vector(), vv = v.to_vector();
  // hstack of matrices: rows side by side
  std::vector<double> want;
  for (int i = 0; i < 2; ++i)
    for (int k = 0; k < 2; ++k)
      for (int j = 0; j < 3; ++j) want.push_back(at2(xv, 3, i, j));
  expect_exact(hstack({x, x}), {2, 6}, want);
  expect_exact(vstack({v, v}), {2, 3}, {vv[0], vv[1], vv[2], vv[0], vv[1], vv[2]});
  expect_exact(row_stack({v}), {1, 3}, vv);
  expect_exact(dstack({v, v}), {1, 3, 2}, {vv[0], vv[0], vv[1], vv[1], vv[2], vv[2]});
  expect_exact(column_stack({v, x.t()}), {3, 3}, {vv[0], xv[0], xv[3], vv[1], xv[1], xv[4], vv[2], xv[2], xv[5]});
  EXPECT_EQ(error_of([] { hstack({}); }), "hstack expects a non-empty TensorList");
  // tensor_split: 7 into 3 is 3, 2, 2; indices past the end give empty pieces; views
  const Tensor r = arange(7);
  auto p = tensor_split(r, 3);
  ASSERT_EQ(p.size(), 3u);
  expect_exact(p[0], {3}, {0, 1, 2});
  expect_exact(p[2], {2}, {5, 6});
  EXPECT_TRUE(shares(p[1], r));
  p = tensor_split(r, {5, 2});
  expect_exact(p[1], {0}, {});
  expect_exact(p[2], {5}, {2, 3, 4, 5, 6});
  p = tensor_split(r, tensor({1, 9}));
  expect_exact(p[1], {6}, {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(error_of([&] { tensor_split(r, 0); }), "number of sections must be larger than 0, got 0");
  EXPECT_EQ(error_of([&] { hsplit(r, 3); }), "torch.hsplit attempted to split along dimension 0, but the size of the "
                                              "dimension 7 is not divisible by the split_size 3!");
  EXPECT_EQ(error_of([&] { vsplit(r, 1); }),
            "torch.vsplit requires a tensor with at least 2 dimension, but got a tensor with 1 dimensions!");
  ASSERT_EQ(vsplit(random({4, 2}), std::vector<std::int64_t>{1}).size(), 2u);  // {1} alone would pick sections
  EXPECT_EQ(vsplit(random({4, 2}), std::vector<std::int64_t>{1})[1].size(0), 3);
  EXPECT_EQ(dsplit(random({1, 1, 4}), 2)[0].size(2), 2);
}

TEST(MoreOps, BroadcastMeshgridAtleast) {
  const Tensor v = tensor({1.0, 2.0, 3.0}), w = tensor({10.0, 20.0});
  auto g = meshgrid({v, w}, "ij");
  expect_exact(g[0], {3, 2}, {1, 1, 2, 2, 3, 3});
  expect_exact(g[1], {3, 2}, {10, 20, 10, 20, 10, 20});
  g = meshgrid({v, w}, "xy");
  expect_exact(g[0], {2, 3}, {1, 2, 3, 1, 2, 3});
  EXPECT_TRUE(shares(g[0], v));
  EXPECT_EQ(error_of([&] { meshgrid({v}, "ab"); }),
            "torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: ab");
  EXPECT_EQ(error_of([&] { meshgrid({v, arange(2)}); }), "meshgrid expects all tensors to have the same dtype");
  auto b = broadcast_tensors({random({2, 1}), v});
  EXPECT_EQ(vec(b[0].sizes()), (std::vector<std::int64_t>{2, 3}));
  EXPECT_TRUE(broadcast_tensors({v})[0].is_same(v));
  EXPECT_EQ(vec(broadcast_to(v, {4, 3}).strides()), (std::vector<std::int64_t>{0, 1}));
  EXPECT_EQ(vec(atleast_3d(v).sizes()), (std::vector<std::int64_t>{1, 3, 1}));
  EXPECT_EQ(vec(atleast_2d(scalar_tensor(1.0)).sizes()), (std::vector<std::int64_t>{1, 1}));
  EXPECT_TRUE(atleast_1d(v).is_same(v));
  const Tensor t = random({2, 3}).t();
  EXPECT_TRUE(ravel(t).is_contiguous());
  expect_exact(ravel(t), {6}, t.contiguous().to_vector());
}

TEST(MoreOps, Diagonals) {
  const Tensor c = random({3, 4, 5});
  const std::vector<double> cv = c.to_vector();
  // diagonal(c, 1, 0, 2)[j, i] = c[i, j, i + 1]: a view
  const Tensor d = diagonal(c, 1, 0, 2);
  std::vector<double> want;
  for (int j = 0; j < 4; ++j)
    for (int i = 0; i < 3; ++i) want.push_back(cv[std::size_t(i * 20 + j * 5 + i + 1)]);
  expect_exact(d, {4, 3}, want);
  EXPECT_TRUE(shares(d, c));
  EXPECT_EQ(error_of([&] { diagonal(c, 0, 1, 1); }), "diagonal dimensions cannot be identical 1, 1");
  const Tensor v = tensor({1.0, 2.0});
  expect_exact(diag(v, 1), {3, 3}, {0, 1, 0, 0, 0, 2, 0, 0, 0});
  expect_exact(diag(diag(v, -1), -1), {2}, {1, 2});
  expect_exact(diag_embed(tensor({{1.0, 2.0}})), {1, 2, 2}, {1, 0, 0, 2});
  EXPECT_EQ(error_of([&] { diag(c); }), "matrix or a vector expected");
  const Tensor m = random({3, 4});
  const std::vector<double> mv = m.to_vector();
  EXPECT_EQ(trace(m).item<double>(), mv[0] + mv[5] + mv[10]);
  EXPECT_EQ(trace(arange(9).view({3, 3})).dtype(), ScalarType::Int64);
  EXPECT_EQ(error_of([] { trace(arange(3)); }), "trace: expected a matrix, but got tensor with dim 1");
  // rot90 once: out[i, j] = m[j, w - 1 - i]
  want.clear();
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 3; ++j) want.push_back(at2(mv, 4, j, 3 - i));
  expect_exact(rot90(m), {4, 3}, want);
  expect_exact(rot90(m, 4), {3, 4}, mv);
  expect_exact(tril_indices(3, 3), {2, 6}, {0, 1, 1, 2, 2, 2, 0, 0, 1, 0, 1, 2});
  expect_exact(triu_indices(2, 3, 1), {2, 3}, {0, 0, 1, 1, 2, 2});
  for (auto [fn, name] : {std::pair{std::function<Tensor(const Tensor&)>([](const Tensor& x) { return diag(x, 1); }),
                                    "DiagBackward0"},
                          {[](const Tensor& x) { return diagonal(x, -1); }, "DiagonalBackward0"},
                          {[](const Tensor& x) { return trace(x); }, "TraceBackward0"},
                          {[](const Tensor& x) { return diag_embed(x); }, "DiagEmbedBackward0"},
                          {[](const Tensor& x) { return rot90(x, 3); }, "Rot90Backward0"}}) {
    const Tensor a = leaf({3, 4}, 5);
    EXPECT_EQ(test::name(fn(a)), name);
    EXPECT_TRUE(autograd::gradcheck([fn](const std::vector<Tensor>& in) { return fn(in[0]); }, {a})) << name;
  }
}

TEST(MoreOps, Products) {
  const Tensor a = random({2, 3}), b = random({3, 2}, ScalarType::Float64, 3), v = random({3}, ScalarType::Float64, 4),
               w = random({2}, ScalarType::Float64, 5);
  const std::vector<double> av = a.to_vector(), bv = b.to_vector(), vv = v.to_vector(), wv = w.to_vector();
  std::vector<double> want;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 2; ++j) want.push_back(vv[std::size_t(i)] * wv[std::size_t(j)]);
  expect_exact(outer(v, w), {3, 2}, want);
  want.clear();  // kron(a, w)[i, 2k + j] = a[i, k] w[j]
  for (int i = 0; i < 2; ++i)
    for (int k = 0; k < 3; ++k)
      for (int j = 0; j < 2; ++j) want.push_back(at2(av, 3, i, k) * wv[std::size_t(j)]);
  expect_exact(kron(a, w), {2, 6}, want);
  // tensordot / inner / addmv against loops in double (BLAS may order the 3-term sums otherwise)
  auto close = [](const Tensor& got, const std::vector<double>& ref) {
    const std::vector<double> g = got.to_vector();
    ASSERT_EQ(g.size(), ref.size());
    for (std::size_t i = 0; i < g.size(); ++i) EXPECT_NEAR(g[i], ref[i], 8 * ulp_of(8.0, ScalarType::Float64)) << i;
  };
  want.clear();
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j) {
      double s = 0;
      for (int k = 0; k < 3; ++k) s += at2(av, 3, i, k) * at2(bv, 2, k, j);
      want.push_back(s);
    }
  close(tensordot(a, b, 1), want);
  close(inner(a, b.t()), want);
  close(addmv(w, a, v, 0.5, 2), {0.5 * wv[0] + 2 * (av[0] * vv[0] + av[1] * vv[1] + av[2] * vv[2]),
                                 0.5 * wv[1] + 2 * (av[3] * vv[0] + av[4] * vv[1] + av[5] * vv[2])});
  const Tensor ia = arange(6).view({2, 3}), ib = arange(6).view({3, 2});
  expect_exact(tensordot(ia, ib, 1), {2, 2}, {10, 13, 28, 40});  // integers, summed exactly
  const Tensor b1 = random({4, 2, 3}, ScalarType::Float64, 6), b2 = random({4, 3, 2}, ScalarType::Float64, 7);
  close(addbmm(zeros({2, 2}, ScalarType::Float64), b1, b2), sum(bmm(b1, b2), {0}).to_vector());
  close(baddbmm(ones({1, 2}, ScalarType::Float64), b1, b2, 2, 3), bmm(b1, b2).mul(3).add(2).to_vector());
  // cross: (a1 b2 - a2 b1, a2 b0 - a0 b2, a0 b1 - a1 b0)
  const Tensor x = tensor({1.0, 2.0, 3.0}), y = tensor({4.0, 5.0, 7.0});
  expect_exact(cross(x, y), {3}, {2 * 7 - 3 * 5, 3 * 4 - 1 * 7, 1 * 5 - 2 * 4});
  EXPECT_EQ(error_of([] { cross(ones({4, 4}), ones({4, 4})); }), "no dimension of size 3 in input");
  EXPECT_EQ(error_of([&] { outer(a, v); }), "outer: Expected 1-D argument self, but got 2-D");
  EXPECT_EQ(dist(x, y).item<double>(), double(float(std::sqrt(9.0 + 9.0 + 16.0))));  // float32, summed in double
  // cdist both ways (the product form for 30 rows) against the direct distance
  const Tensor p = random({30, 3}, ScalarType::Float64, 8), q = random({4, 3}, ScalarType::Float64, 9);
  const std::vector<double> pv = p.to_vector(), qv = q.to_vector();
  want.clear();
  for (int i = 0; i < 30; ++i)
    for (int j = 0; j < 4; ++j) {
      double s = 0;
      for (int k = 0; k < 3; ++k) s += std::pow(at2(pv, 3, i, k) - at2(qv, 3, j, k), 2);
      want.push_back(std::sqrt(s));
    }
  const std::vector<double> got = cdist(p, q).to_vector(), direct = cdist(p, q, 2, 2).to_vector();
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_NEAR(got[i], want[i], 1e-12) << i;  // |x|² + |y|² - 2x·y cancels: absolute error at |x|², not ulps of d
    EXPECT_NEAR(direct[i], want[i], 4 * ulp_of(want[i], ScalarType::Float64)) << i;
  }
  expect_exact(cartesian_prod({tensor({1.0, 2.0}), tensor({3.0, 4.0, 5.0})}), {6, 2}, {1, 3, 1, 4, 1, 5, 2, 3, 2, 4, 2, 5});
  expect_exact(take_along_dim(a, tensor({{2, 0}, {1, 1}}), 1), {2, 2}, {av[2], av[0], av[4], av[4]});
  expect_exact(isin(arange(5), tensor({1, 3, 7})), {5}, {0, 1, 0, 1, 0});
  expect_exact(isin(tensor({0.5, kNaN}), tensor({kNaN, 0.5}), false, true), {2}, {0, 1});
  for (const Fn& fn : std::vector<Fn>{
           [](const std::vector<Tensor>& in) { return tensordot(in[0], in[1], 1); },
           [](const std::vector<Tensor>& in) { return kron(in[0], in[1]); },
                  [](const std::vector<Tensor>& in) { return cross(in[0], in[1].t(), 1); },
                  [](const std::vector<Tensor>& in) { return cdist(in[0], in[1].t()); },
                  [](const std::vector<Tensor>& in) { return baddbmm(in[0], in[0].unsqueeze(0), in[1].unsqueeze(0)); }})
    EXPECT_TRUE(autograd::gradcheck(fn, {leaf({3, 3}, 11), leaf({3, 3}, 12)}));
}

TEST(MoreOps, RunningReductions) {
  const Tensor x = tensor({1.0, 3.0, 3.0, 2.0, kNaN, 5.0, kNaN, 0.0});
  auto [mx, imx] = cummax(x, 0);
  const std::vector<double> m = mx.to_vector();
  for (int i = 0; i < 4; ++i) EXPECT_EQ(m[std::size_t(i)], i == 0 ? 1.0 : 3.0);
  for (int i = 4; i < 8; ++i) EXPECT_TRUE(std::isnan(m[std::size_t(i)]));
  expect_exact(imx, {8}, {0, 1, 2, 2, 4, 4, 6, 6});  // ties move the index; NaN sticks
  auto [mn, imn] = cummin(tensor({2, 1, 2, 1, 3}), 0);
  expect_exact(mn, {5}, {2, 1, 1, 1, 1});
  expect_exact(imn, {5}, {0, 1, 1, 3, 3});
  // logcumsumexp against log(cumsum(exp)) in double
  const Tensor r = random({3, 5}, ScalarType::Float64, 3, -5, 5);
  const std::vector<double> rv = r.to_vector(), got = logcumsumexp(r, 1).to_vector();
  for (int i = 0; i < 3; ++i) {
    double s = 0, mag = 0;  // each log-add-exp step rounds at the size of its larger operand
    for (int j = 0; j < 5; ++j) {
      s += std::exp(at2(rv, 5, i, j));
      mag = std::max({mag, std::abs(at2(rv, 5, i, j)), std::abs(std::log(s))});
      EXPECT_NEAR(got[std::size_t(i * 5 + j)], std::log(s), 4 * ulp_of(mag, ScalarType::Float64));
    }
  }
  expect_exact(logcumsumexp(tensor({-kInf, -kInf}), 0), {2}, {-kInf, -kInf});
  EXPECT_EQ(error_of([] { logcumsumexp(arange(3), 0); }), "\"logcumsumexp_out_cpu\" not implemented for 'Long'");
  expect_exact(diff(tensor({1, 3, 6, 10})), {3}, {2, 3, 4});
  expect_exact(diff(tensor({1, 3, 6, 10}), 2), {2}, {1, 1});
  expect_exact(diff(tensor({1, 2}), 1, -1, tensor({0}), tensor({5, 9})), {4}, {1, 1, 3, 4});
  expect_exact(diff(tensor({true, false, false})), {2}, {1, 0});
  expect_exact(diff(tensor({1.0, 2.0, 4.0}), 5), {0}, {});
  EXPECT_EQ(error_of([] { diff(scalar_tensor(1.0)); }), "diff expects input to be at least one-dimensional");
  for (auto [fn, node] : {std::pair{std::function<Tensor(const std::vector<Tensor>&)>(
                                        [](const std::vector<Tensor>& in) { return cummax(in[0], 1).first; }),
                                    "CummaxBackward0"},
                          {[](const std::vector<Tensor>& in) { return cummin(in[0], 0).first; }, "CumminBackward0"},
                          {[](const std::vector<Tensor>& in) { return logcumsumexp(in[0], 1); }, "LogcumsumexpBackward0"},
                          {[](const std::vector<Tensor>& in) { return diff(in[0], 2, 1); }, "SubBackward0"}}) {
    const Tensor a = leaf({3, 4}, 21);
    EXPECT_EQ(test::name(fn({a})), node);
    EXPECT_TRUE(autograd::gradcheck(fn, {a})) << node;
  }
}

}  // namespace
}  // namespace ramp
