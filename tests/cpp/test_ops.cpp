// include/ramp/ops.h: values against references computed here in double with naive loops (the
// matrix products included: ramp's own go through OpenBLAS), PyTorch 1.13's error texts, gradients
// against central finite differences (autograd::gradcheck, float64), node names and saved tensors.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <random>

#include "ramp/autograd.h"
#include "ramp/ops.h"
#include "test_util.h"

extern "C" int openblas_get_parallel();  // OpenBLAS: 0 sequential, 1 pthreads, 2 OpenMP

namespace ramp {
namespace {

using namespace test;

// ---- the reference: torch.matmul's semantics as naive loops in double ----
// 1-D operands become a row (left) or a column (right) that is dropped from the result; batch
// dims broadcast.
struct Ref {
  std::vector<std::int64_t> shape;
  std::vector<double> values;
};
Ref ref_matmul(const Tensor& a, const Tensor& b) {
  std::vector<std::int64_t> sa = vec(a.sizes()), sb = vec(b.sizes());
  const bool a_vec = sa.size() == 1, b_vec = sb.size() == 1;
  if (a_vec) sa = {1, sa[0]};
  if (b_vec) sb = {sb[0], 1};
  const std::int64_t n = sa[sa.size() - 2], k = sa.back(), m = sb.back();
  std::vector<std::int64_t> ba(sa.begin(), sa.end() - 2), bb(sb.begin(), sb.end() - 2);
  const std::size_t nb = std::max(ba.size(), bb.size());
  ba.insert(ba.begin(), nb - ba.size(), 1);
  bb.insert(bb.begin(), nb - bb.size(), 1);
  std::vector<std::int64_t> batch(nb);
  for (std::size_t i = 0; i < nb; ++i) batch[i] = std::max(ba[i], bb[i]);
  const std::vector<double> va = a.to_vector(), vb = b.to_vector();
  Ref r;
  r.shape = batch;
  if (!a_vec) r.shape.push_back(n);
  if (!b_vec) r.shape.push_back(m);
  const std::int64_t total = numel_of(batch);
  for (std::int64_t flat = 0; flat < total; ++flat) {
    std::int64_t rest = flat, oa = 0, ob = 0, stride_a = 1, stride_b = 1;
    for (std::size_t d = nb; d-- > 0;) {  // batch index -> offsets into a and b (size-1 dims repeat)
      const std::int64_t i = rest % batch[d];
      rest /= batch[d];
      oa += (ba[d] == 1 ? 0 : i) * stride_a;
      ob += (bb[d] == 1 ? 0 : i) * stride_b;
      stride_a *= ba[d];
      stride_b *= bb[d];
    }
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t j = 0; j < m; ++j) {
        double s = 0;
        for (std::int64_t l = 0; l < k; ++l)
          s += va[std::size_t(oa * n * k + i * k + l)] * vb[std::size_t(ob * k * m + l * m + j)];
        r.values.push_back(s);
      }
  }
  return r;
}

// The product `got` of a and b == the reference: shape, dtype, and values within 2 ulps of the
// dtype (expect_ulps: the reference on |a|, |b| bounds what a cancelling sum may lose in float32 /
// float64; bfloat16 is summed in float32 and rounded once), whatever the inner length.
void expect_product(const Tensor& got, const Tensor& a, const Tensor& b, ScalarType t) {
  ASSERT_EQ(got.dtype(), t);
  const Ref ref = ref_matmul(a, b);
  expect_ulps(got, ref.shape, ref.values, 2, ref_matmul(absolute(a), absolute(b)).values);
}

TEST(Ops, LinksTheOpenMPBuildOfOpenBLAS) { EXPECT_EQ(openblas_get_parallel(), 2); }

TEST(Ops, MatmulEveryRankCombination) {
  const std::vector<std::pair<std::vector<std::int64_t>, std::vector<std::int64_t>>> shapes = {
      {{5}, {5}},
      {{3, 5}, {5}},
      {{5}, {5, 4}},
      {{3, 5}, {5, 4}},
      {{2, 3, 5}, {5, 4}},
      {{2, 3, 5}, {5}},
      {{5}, {2, 5, 4}},
      {{3, 5}, {2, 5, 4}},
      {{2, 3, 5}, {2, 5, 4}},
      {{2, 1, 3, 5}, {3, 5, 4}},
      {{4, 2, 2, 5}, {4, 2, 5, 3}},
      {{1, 3, 5}, {2, 1, 5, 4}},
      {{2, 0, 5}, {5, 4}},
      {{3, 0}, {0, 4}},
      {{0}, {0}},
      {{2, 3, 5}, {1, 5, 0}}};
  for (ScalarType t : {ScalarType::Float32, ScalarType::Float64, ScalarType::BFloat16}) {
    for (const auto& [sa, sb] : shapes) {
      SCOPED_TRACE(shape_str(sa) + " @ " + shape_str(sb) + " " + std::string(dtype_name(t)));
      Tensor a = random(sa, t, 3), b = random(sb, t, 4);
      expect_product(matmul(a, b), a, b, t);
    }
  }
}

TEST(Ops, ProductsReadTransposedAndStridedOperands) {
  Tensor base = random({6, 8}, ScalarType::Float32, 5);
  const std::vector<Tensor> lefts = {base.slice(1, 0, 4),  // row-major with a leading dim
                                     random({4, 6}, ScalarType::Float32, 6).t(),  // column-major
                                     base.slice(1, 0, 8, 2),  // stride 2 along rows: copied
                                     random({6, 1}, ScalarType::Float32, 7).expand({6, 4})};  // stride 0
  Tensor right = random({5, 4}, ScalarType::Float32, 8).t();
  for (const Tensor& a : lefts) {
    expect_product(mm(a, right), a, right, ScalarType::Float32);
    expect_product(matmul(a.t(), a), a.t(), a, ScalarType::Float32);
  }
  Tensor v = random({12}, ScalarType::Float64, 9).slice(0, 0, 12, 3);  // a strided vector
  Tensor m = random({3, 4}, ScalarType::Float64, 10);
  expect_product(mv(m, v), m, v, ScalarType::Float64);
  expect_product(dot(v, v), v, v, ScalarType::Float64);
  // A batch of small matrices runs over threads; one large product is threaded by BLAS.
  Tensor x = random({64, 7, 9}, ScalarType::Float32, 11), y = random({64, 9, 5}, ScalarType::Float32, 12);
  expect_product(bmm(x, y), x, y, ScalarType::Float32);
  Tensor p = random({150, 170}, ScalarType::Float64, 13), q = random({170, 140}, ScalarType::Float64, 14);
  expect_product(mm(p, q), p, q, ScalarType::Float64);
}

TEST(Ops, AddmmScalesAndBroadcastsTheBias) {
  Tensor a = random({3, 4}), b = random({4, 2}), bias = random({2}, ScalarType::Float64, 3);
  Ref r = ref_matmul(a, b);
  Tensor out = addmm(bias, a, b, 0.5, -2);
  for (std::int64_t i = 0; i < 6; ++i)
    EXPECT_NEAR(out.at(i), 0.5 * bias.at(i % 2) - 2 * r.values[std::size_t(i)], 1e-12);
  // beta == 0 ignores the bias, NaN included; an empty sum leaves beta * bias.
  Tensor nan_bias = full({3, 2}, kNaN, ScalarType::Float64);
  Tensor ignored = addmm(nan_bias, a, b, 0, 1);
  for (std::int64_t i = 0; i < 6; ++i) EXPECT_NEAR(ignored.at(i), r.values[std::size_t(i)], 1e-12);
  Tensor empty_k = addmm(full({1}, 3.0, ScalarType::Float32), zeros({2, 0}), zeros({0, 3}), 2);
  EXPECT_EQ(empty_k.to_vector(), std::vector<double>(6, 6.0));
  EXPECT_EQ(addmm(full({1}, kNaN), zeros({2, 0}), zeros({0, 3}), 0).to_vector(), std::vector<double>(6, 0.0));
}

TEST(Ops, ProductErrorsUsePyTorchText) {
  const Tensor f = ones({2, 3}), v = ones({3});
  const Tensor d = ones({2, 3}, ScalarType::Float64), i = ones({2, 2}, ScalarType::Int64);
  const Tensor b = ones({2, 2}, ScalarType::Bool);
  const std::vector<std::pair<std::function<Tensor()>, std::string>> cases = {
      {[&] {
         return mm(f, ones({4, 5}));
       },
       "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)"},
      {[&] { return mm(v, f); }, "self must be a matrix"},
      {[&] { return mm(f, v); }, "mat2 must be a matrix"},
      {[&] {
         return mm(f, ones({3, 2}, ScalarType::Float64));
       },
       "expected scalar type Float but found Double"},
      {[&] {
         return mm(f, ones({4, 2}, ScalarType::Float64));
       },
       "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x2)"},
      {[&] { return mm(b, b); }, "\"addmm_impl_cpu_\" not implemented for 'Bool'"},
      {[&] {
         return mm(f, ones({3, 2}, ScalarType::Bool));
       },
       "expected scalar type Float but found Bool"},
      {[&] { return mm(i, i); },
       "mm: 'Long' is not supported: ramp computes matrix products with BLAS in Float, "
       "Double or BFloat16 (PyTorch 1.13 also accepts integer dtypes on CPU)"},
      {[&] {
         return addmm(ones({2, 2}), v, f);
       },
       "mat1 must be a matrix, got 1-D tensor"},
      {[&] {
         return addmm(ones({2, 2}), f, ones({2, 3, 4}));
       },
       "mat2 must be a matrix, got 3-D tensor"},
      {[&] {
         return addmm(ones({2, 2}, ScalarType::Float64), f, ones({3, 2}, ScalarType::BFloat16));
       },
       "self and mat2 must have the same dtype"},
      {[&] {
         return addmm(ones({2, 2}), d, ones({3, 2}));
       },
       "mat1 and mat2 must have the same dtype"},
      {[&] {
         return addmm(ones({3, 3}), f, ones({4, 2}));
       },
       "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x2)"},
      {[&] {
         return addmm(ones({3}), f, ones({3, 4}));
       },
       "The expanded size of the tensor (4) must match the existing size (3) at non-singleton dimension 1.  "
       "Target "
       "sizes: [2, 4].  Tensor sizes: [3]"},
      {[&] { return addmm(b, b, b); }, "\"addmm_impl_cpu_\" not implemented for 'Bool'"},
      {[&] {
         return bmm(f, ones({2, 3, 4}));
       },
       "batch1 must be a 3D tensor"},
      {[&] {
         return bmm(ones({2, 2, 3}), f);
       },
       "batch2 must be a 3D tensor"},
      {[&] {
         return bmm(ones({2, 2, 3}), ones({3, 3, 4}));
       },
       "Expected size for first two dimensions of batch2 tensor to be: [2, 3] but got: [3, 3]."},
      {[&] {
         return bmm(ones({2, 2, 3}), ones({2, 3, 4}, ScalarType::Float64));
       },
       "expected scalar type Float but found Double"},
      {[&] {
         return bmm(ones({1, 2, 2}, ScalarType::Bool), ones({1, 2, 2}, ScalarType::Bool));
       },
       "\"bmm\" not implemented for 'Bool'"},
      {[&] { return mv(v, v); }, "vector + matrix @ vector expected, got 1, 1, 1"},
      {[&] { return mv(f, ones({4}, ScalarType::Float64)); }, "size mismatch, got 2, 2x3,4"},
      {[&] { return mv(f, ones({3}, ScalarType::Float64)); }, "expected scalar type Float but found Double"},
      {[&] { return mv(b, ones({2}, ScalarType::Bool)); }, "\"addmv_impl_cpu\" not implemented for 'Bool'"},
      {[&] { return dot(f, v); }, "1D tensors expected, but got 2D and 1D tensors"},
      {[&] { return dot(v, ones({4}, ScalarType::Float64)); },
       "dot : expected both vectors to have same dtype, but found Float and Double"},
      {[&] { return dot(v, ones({4})); },
       "inconsistent tensor size, expected tensor [3] and src [4] to have the same "
       "number of elements, but got 3 and 4 elements respectively"},
      {[&] { return dot(ones({2}, ScalarType::Bool), ones({2}, ScalarType::Bool)); },
       "\"dot\" not implemented for 'Bool'"},
      {[&] { return matmul(scalar_tensor(1.0), v); },
       "both arguments to matmul need to be at least 1D, but they are 0D and 1D"},
      {[&] {
         return matmul(ones({3}), ones({4, 5}));
       },
       "mat1 and mat2 shapes cannot be multiplied (1x3 and 4x5)"},
      {[&] {
         return matmul(ones({2, 2, 3}), ones({4, 5}));
       },
       "mat1 and mat2 shapes cannot be multiplied (4x3 and 4x5)"},
      {[&] {
         return matmul(ones({2, 2, 3}), ones({3, 3, 5}));
       },
       "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0"},
      {[&] {
         return matmul(ones({4}), ones({2, 3, 5}));
       },
       "size mismatch, got 10, 10x3,4"},
      {[&] {
         return matmul(ones({2, 4}), ones({2, 3, 5}));
       },
       "mat1 and mat2 shapes cannot be multiplied (10x3 and 4x2)"},
      {[&] {
         return matmul(ones({2, 2, 4}), ones({1, 2, 3, 5}));
       },
       "Expected size for first two dimensions of batch2 tensor to be: [2, 4] but got: [2, 3]."},
  };
  for (const auto& [f, text] : cases) EXPECT_EQ(error_of(f), text);
}

// ---- pow, exp, log ----
// c10's integer power, written out as repeated multiplication with wrap-around.
std::int64_t ref_powi(std::int64_t a, std::int64_t e, int bits) {
  if (e < 0) return a == 1 ? 1 : a == -1 ? (e % 2 ? -1 : 1) : 0;
  std::uint64_t r = 1;
  for (std::int64_t i = 0; i < e; ++i) r *= std::uint64_t(a);
  const std::uint64_t mask = bits == 64 ? ~0ull : (1ull << bits) - 1;
  return std::int64_t(r & mask);
}

// PyTorch's fast paths define x ** 0.5 as sqrt and x ** -0.5 as 1 / sqrt (they differ from pow at
// -0.0 and -inf).
double ref_pow(double x, double e) {
  return e == 0.5 ? std::sqrt(x) : e == -0.5 ? 1 / std::sqrt(x) : std::pow(x, e);
}

TEST(Ops, PowExpLogValuesAndDtypes) {
  const std::vector<double> xs = {-3, -1.5, -0.0, 0.0, 0.25, 1, 2.5, 7, kInf, -kInf, kNaN};
  const std::vector<double> es = {2, 0.5, -1, 3, 0, 1.5, 2, -0.5, 1, 0, 2};
  const auto n = std::int64_t(xs.size());
  for (ScalarType t : {ScalarType::Float32, ScalarType::Float64}) {
    Tensor x = from_vector(xs, {n}, t);
    const double tol = t == ScalarType::Float32 ? 4e-7 : 1e-15;
    auto check = [&](const Tensor& got, auto want_at) {
      ASSERT_EQ(got.dtype(), t);
      for (std::int64_t i = 0; i < n; ++i) {
        const double want = want_at(i), v = got.at(i);
        if (std::isnan(want))
          EXPECT_TRUE(std::isnan(v)) << x.at(i);
        else if (std::isinf(want) || want == 0)
          EXPECT_EQ(v, want) << x.at(i);
        else
          EXPECT_NEAR(v, want, tol * std::abs(want)) << x.at(i);
      }
    };
    check(exp(x), [&](std::int64_t i) { return std::exp(x.at(i)); });
    check(log(x), [&](std::int64_t i) { return std::log(x.at(i)); });
    for (double e : {0.0, 1.0, 2.0, 3.0, -1.0, -2.0, 0.5, -0.5, 2.5, -1.7}) {
      SCOPED_TRACE(e);
      check(pow(x, e), [&](std::int64_t i) { return ref_pow(x.at(i), e); });
    }
    check(pow(x, from_vector(es, {n}, t)),
          [&](std::int64_t i) { return std::pow(x.at(i), es[std::size_t(i)]); });
  }
  // Integers: exp/log give float32; integer powers wrap (c10's powi).
  Tensor ints = from_vector({3, -2, 0, 1, -1, 7}, {6}, ScalarType::Int64);
  EXPECT_EQ(exp(ints).dtype(), ScalarType::Float32);
  EXPECT_NEAR(exp(ints).at(0), std::exp(3.0), 1e-5);
  EXPECT_EQ(log(tensor({true, false})).to_vector(), (std::vector<double>{0, -kInf}));
  for (ScalarType t : {ScalarType::Int64, ScalarType::Int32, ScalarType::Int8, ScalarType::UInt8}) {
    Tensor x = ints.to(t);
    auto wrap = [t](std::int64_t v) { return dispatch(t, [v](auto z) { return double(decltype(z)(v)); }); };
    for (std::int64_t e : {0, 1, 2, 3, 5, 13, 40}) {
      Tensor got = pow(x, e);
      ASSERT_EQ(got.dtype(), t);
      for (std::int64_t i = 0; i < 6; ++i)
        EXPECT_EQ(got.at(i), wrap(ref_powi(std::int64_t(x.at(i)), e, int(element_size(t)) * 8)))
            << dtype_name(t) << " " << x.at(i) << "**" << e;
    }
  }
  Tensor ie = from_vector({-1, 2, -3, 0}, {4}, ScalarType::Int64);
  EXPECT_EQ(pow(from_vector({2, 3, -1, 0}, {4}, ScalarType::Int64), ie).to_vector(),
            (std::vector<double>{0, 9, -1, 1}));
  EXPECT_EQ(pow(2, ie).to_vector(), (std::vector<double>{0, 4, 0, 1}));
  // Promotion: int ** float is float32; bool ** int is int64; a 0-d float64 exponent gives float64
  // for an integer base but keeps a float32 base.
  EXPECT_EQ(pow(ints, 2.5).dtype(), ScalarType::Float32);
  EXPECT_EQ(pow(tensor({true, false}), 2).dtype(), ScalarType::Int64);
  EXPECT_EQ(pow(ints, scalar_tensor(2.0, ScalarType::Float64)).dtype(), ScalarType::Float64);
  EXPECT_EQ(pow(ones({2}), scalar_tensor(2.0, ScalarType::Float64)).dtype(), ScalarType::Float32);
  EXPECT_EQ(pow(2.5, ints).dtype(), ScalarType::Float32);
  EXPECT_EQ(pow(ones({2}, ScalarType::BFloat16), 2).dtype(), ScalarType::BFloat16);
  // bfloat16 raises to the exponent rounded to bfloat16 (0.3 -> 0.30078125), as PyTorch.
  EXPECT_EQ(pow(full({1}, 5.0, ScalarType::BFloat16), 0.3).item<double>(), 1.625);
  // Broadcasting.
  Tensor b = pow(from_vector({1, 2, 3}, {3, 1}, ScalarType::Float64),
                 from_vector({0, 1, 2}, {3}, ScalarType::Float64));
  EXPECT_EQ(vec(b.sizes()), (std::vector<std::int64_t>{3, 3}));
  EXPECT_EQ(b.to_vector(), (std::vector<double>{1, 1, 1, 1, 2, 4, 1, 3, 9}));
  EXPECT_EQ(pow(full({2}, kNaN), 0).to_vector(), (std::vector<double>{1, 1}));
}

TEST(Ops, PowErrorsUsePyTorchText) {
  EXPECT_EQ(error_of([] { pow(tensor({std::int64_t(2)}), -1); }),
            "Integers to negative integer powers are not allowed.");
  EXPECT_EQ(error_of([] { pow(tensor({true}), -1); }),
            "Integers to negative integer powers are not allowed.");
  EXPECT_EQ(error_of([] { pow(tensor({true}), true); }), "\"pow\" not implemented for 'Bool'");
  EXPECT_EQ(error_of([] { pow(tensor({true}), tensor({true})); }), "\"pow\" not implemented for 'Bool'");
  EXPECT_EQ(error_of([] { pow(true, tensor({true})); }), "\"pow\" not implemented for 'Bool'");
  EXPECT_EQ(error_of([] {
              pow(ones({2, 3}), ones({4, 3}));
            }),
            "The size of tensor a (2) must match the size of tensor b (4) at non-singleton dimension 0");
  EXPECT_EQ(error_of([] { pow(tensor({std::int64_t(2)}), -1.0); }), "");
}

// ---- cat, stack ----
TEST(Ops, CatAndStackValuesAndDtypes) {
  Tensor a = arange(6).reshape({2, 3}), b = arange(6, 9).reshape({1, 3}).to(ScalarType::Float32);
  Tensor c = cat({a, b});
  EXPECT_EQ(c.dtype(), ScalarType::Float32);
  EXPECT_EQ(vec(c.sizes()), (std::vector<std::int64_t>{3, 3}));
  EXPECT_EQ(c.to_vector(), (std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7, 8}));
  Tensor c1 = cat({a.t(), b.t(), empty({0})}, -1);  // strided inputs; [0] tensors are skipped
  EXPECT_EQ(vec(c1.sizes()), (std::vector<std::int64_t>{3, 3}));
  EXPECT_EQ(c1.to_vector(), (std::vector<double>{0, 3, 6, 1, 4, 7, 2, 5, 8}));
  EXPECT_EQ(vec(cat({empty({0}), empty({0}, ScalarType::Float64)}, 1).sizes()), std::vector<std::int64_t>{0});
  EXPECT_EQ(cat({empty({0}), empty({0}, ScalarType::Float64)}).dtype(), ScalarType::Float64);
  EXPECT_EQ(cat({tensor({true}), tensor({false})}).dtype(), ScalarType::Bool);
  Tensor s = stack({a, a.mul(10)}, 2);
  EXPECT_EQ(vec(s.sizes()), (std::vector<std::int64_t>{2, 3, 2}));
  EXPECT_EQ(s.to_vector(), (std::vector<double>{0, 0, 1, 10, 2, 20, 3, 30, 4, 40, 5, 50}));
  EXPECT_EQ(vec(stack({scalar_tensor(1.0), scalar_tensor(2.0)}).sizes()), std::vector<std::int64_t>{2});
  EXPECT_EQ(stack({tensor({1, 2}), tensor({1.5, 2.5})}, -1).dtype(), ScalarType::Float32);
  EXPECT_EQ(vec(stack({empty({0}), empty({0})}).sizes()), (std::vector<std::int64_t>{2, 0}));
}

TEST(Ops, CatAndStackErrorsUsePyTorchText) {
  const std::vector<std::pair<std::function<Tensor()>, std::string>> cases = {
      {[] { return cat({}); }, "torch.cat(): expected a non-empty list of Tensors"},
      {[] {
         return cat({ones({2}), scalar_tensor(2.0)}, 5);
       },
       "zero-dimensional tensor (at position 1) cannot be concatenated"},
      {[] {
         return cat({ones({2, 3}), ones({2})});
       },
       "Tensors must have same number of dimensions: got 2 and 1"},
      {[] {
         return cat({ones({2}), ones({2, 3})});
       },
       "Tensors must have same number of dimensions: got 1 and 2"},
      {[] {
         return cat({ones({2, 3}), ones({2, 4}), ones({2})});
       },
       "Sizes of tensors must match except in dimension 0. Expected size 3 but got size 4 for tensor number "
       "1 in the list."},
      {[] {
         return cat({ones({2, 3}), ones({3, 4})}, 1);
       },
       "Sizes of tensors must match except in dimension 1. Expected size 2 but got size 3 for tensor number "
       "1 in the list."},
      {[] {
         return cat({ones({2, 3}), ones({2, 3})}, -3);
       },
       "Dimension out of range (expected to be in range of [-2, 1], but got -3)"},
      {[] { return stack({}); }, "stack expects a non-empty TensorList"},
      {[] {
         return stack({ones({2, 3}), ones({2, 3}), ones({2, 4})});
       },
       "stack expects each tensor to be equal size, but got [2, 3] at entry 0 and [2, 4] at entry 2"},
      {[] {
         return stack({ones({2, 3}), ones({2, 4})}, 5);
       },
       "Dimension out of range (expected to be in range of [-3, 2], but got 5)"},
  };
  for (const auto& [f, text] : cases) EXPECT_EQ(error_of(f), text);
  EXPECT_THROW(cat({ones({2, 3}), ones({2, 3})}, 2), IndexError);
}

// ---- gradients ----

TEST(OpsGrad, GradcheckProducts) {
  const std::vector<std::tuple<const char*, Fn, std::vector<Tensor>>> cases = {
      {"mm", [](auto& in) { return mm(in[0], in[1]); }, {leaf({3, 4}, 1), leaf({4, 2}, 2)}},
      {"mm column-major",
       [](auto& in) { return mm(in[0].t(), in[1].t()); },
       {leaf({4, 3}, 1), leaf({2, 4}, 2)}},
      {"addmm",
       [](auto& in) { return addmm(in[0], in[1], in[2], 0.5, -1.5); },
       {leaf({2}, 3), leaf({3, 4}, 1), leaf({4, 2}, 2)}},
      {"addmm int scalars",
       [](auto& in) { return addmm(in[0], in[1], in[2], 2, 3); },
       {leaf({3, 1}, 3), leaf({3, 4}, 1), leaf({4, 2}, 2)}},
      {"bmm", [](auto& in) { return bmm(in[0], in[1]); }, {leaf({2, 3, 4}, 1), leaf({2, 4, 2}, 2)}},
      {"mv", [](auto& in) { return mv(in[0], in[1]); }, {leaf({3, 4}, 1), leaf({4}, 2)}},
      {"dot", [](auto& in) { return dot(in[0], in[1]); }, {leaf({4}, 1), leaf({4}, 2)}},
      {"matmul 1-D 2-D", [](auto& in) { return matmul(in[0], in[1]); }, {leaf({4}, 1), leaf({4, 3}, 2)}},
      {"matmul 3-D 2-D",
       [](auto& in) { return matmul(in[0], in[1]); },
       {leaf({2, 3, 4}, 1), leaf({4, 2}, 2)}},
      {"matmul 3-D 1-D", [](auto& in) { return matmul(in[0], in[1]); }, {leaf({2, 3, 4}, 1), leaf({4}, 2)}},
      {"matmul 1-D 3-D", [](auto& in) { return matmul(in[0], in[1]); }, {leaf({4}, 1), leaf({2, 4, 3}, 2)}},
      {"matmul 2-D 3-D",
       [](auto& in) { return matmul(in[0], in[1]); },
       {leaf({3, 4}, 1), leaf({2, 4, 2}, 2)}},
      {"matmul broadcast",
       [](auto& in) { return matmul(in[0], in[1]); },
       {leaf({2, 1, 2, 3}, 1), leaf({3, 3, 2}, 2)}},
      {"matmul transposed 3-D",
       [](auto& in) { return matmul(in[0].transpose(1, 2), in[1]); },
       {leaf({2, 4, 3}, 1), leaf({4, 2}, 2)}},
  };
  for (const auto& [label, f, inputs] : cases) {
    SCOPED_TRACE(label);
    EXPECT_TRUE(autograd::gradcheck(f, inputs));
  }
}

TEST(OpsGrad, GradcheckPointwiseAndJoins) {
  const std::vector<std::tuple<const char*, Fn, std::vector<Tensor>>> cases = {
      {"exp", [](auto& in) { return exp(in[0]); }, {leaf({5}, 1)}},
      {"log", [](auto& in) { return log(in[0]); }, {leaf({5}, 1, 0.2, 3)}},
      {"pow 2", [](auto& in) { return pow(in[0], 2); }, {leaf({5}, 1)}},
      {"pow 3", [](auto& in) { return pow(in[0], 3); }, {leaf({5}, 1)}},
      {"pow -1", [](auto& in) { return pow(in[0], -1); }, {leaf({5}, 1, 0.5, 2)}},
      {"pow 0.5", [](auto& in) { return pow(in[0], 0.5); }, {leaf({5}, 1, 0.5, 2)}},
      {"pow 2.7", [](auto& in) { return pow(in[0], 2.7); }, {leaf({5}, 1, 0.5, 2)}},
      {"pow 0", [](auto& in) { return pow(in[0], 0); }, {leaf({5}, 1)}},
      {"pow tensor", [](auto& in) { return pow(in[0], in[1]); }, {leaf({2, 3}, 1, 0.5, 2), leaf({3}, 2)}},
      {"pow tensor 0-d exponent",
       [](auto& in) { return pow(in[0], in[1]); },
       {leaf({3}, 1, 0.5, 2), leaf({}, 2)}},
      {"pow scalar base", [](auto& in) { return pow(2.5, in[0]); }, {leaf({2, 2}, 1)}},
      {"cat",
       [](auto& in) {
         return cat({in[0], in[1], empty({0}, ScalarType::Float64)}, 1);
       },
       {leaf({2, 3}, 1), leaf({2, 2}, 2)}},
      {"cat with legacy empty leaf",
       [](auto& in) {
         return cat({in[0], in[1]});
       },
       {leaf({3}, 1), leaf({0}, 2)}},
      {"stack",
       [](auto& in) {
         return stack({in[0], in[1]}, 1);
       },
       {leaf({2, 3}, 1), leaf({2, 3}, 2)}},
  };
  for (const auto& [label, f, inputs] : cases) {
    SCOPED_TRACE(label);
    EXPECT_TRUE(autograd::gradcheck(f, inputs));
  }
}

TEST(OpsGrad, PowGradientsAtZeroAsPyTorch) {
  // pow(x, 0): gradient 0 even at x = 0 (not 0 * 0 ** -1 = NaN).
  Tensor x = zeros({2}, ScalarType::Float64).requires_grad_();
  pow(x, 0).sum().backward();
  EXPECT_EQ(x.grad().to_vector(), (std::vector<double>{0, 0}));
  // pow(x, y) at x = 0: d/dx is 0 where y == 0; d/dy is 0 where y >= 0, else result * log(0). The
  // values are torch 1.13's.
  Tensor b = zeros({3}, ScalarType::Float64).requires_grad_();
  Tensor e = from_vector({0, 2, -1}, {3}, ScalarType::Float64).requires_grad_();
  pow(b, e).sum().backward();
  EXPECT_EQ(b.grad().at(0), 0);
  EXPECT_EQ(b.grad().at(1), 0);
  EXPECT_EQ(b.grad().at(2), -kInf);  // -1 * 0 ** -2
  EXPECT_EQ(e.grad().at(0), 0);
  EXPECT_EQ(e.grad().at(1), 0);
  EXPECT_EQ(e.grad().at(2), -kInf);  // inf * -inf
  // pow(0, y): 0 where y >= 0.
  Tensor y = from_vector({1, 0, -2}, {3}, ScalarType::Float64).requires_grad_();
  pow(0, y).sum().backward();
  EXPECT_EQ(y.grad().at(0), 0);
  EXPECT_EQ(y.grad().at(1), 0);
  EXPECT_EQ(y.grad().at(2), -kInf);
}

TEST(OpsGrad, GradientsKeepDtypeAndLayout) {
  // float32 products: the gradient is float32; a column-major input gets a column-major gradient.
  Tensor a = random({4, 3}, ScalarType::Float32, 1).t().detach().requires_grad_();
  ASSERT_EQ(a.stride(0), 1);
  Tensor b = random({4, 2}, ScalarType::Float32, 2).requires_grad_();
  mm(a, b).sum().backward();
  EXPECT_EQ(a.grad().dtype(), ScalarType::Float32);
  EXPECT_EQ(vec(a.grad().strides()), (std::vector<std::int64_t>{1, 3}));
  EXPECT_EQ(vec(b.grad().strides()), (std::vector<std::int64_t>{2, 1}));
  // cat of float32 and float64 leaves: each gradient in its own dtype.
  Tensor f = ones({2}).requires_grad_(), d = ones({2}, ScalarType::Float64).requires_grad_();
  cat({f, d}).mul(from_vector({1, 2, 3, 4}, {4}, ScalarType::Float64)).sum().backward();
  EXPECT_EQ(f.grad().dtype(), ScalarType::Float32);
  EXPECT_EQ(f.grad().to_vector(), (std::vector<double>{1, 2}));
  EXPECT_EQ(d.grad().to_vector(), (std::vector<double>{3, 4}));
  // bfloat16 products differentiate too.
  Tensor h = ones({2, 2}, ScalarType::BFloat16).requires_grad_();
  matmul(h, h).sum().backward();
  EXPECT_EQ(h.grad().to_vector(), (std::vector<double>{4, 4, 4, 4}));
}

TEST(OpsGrad, NodeNamesAsPyTorch) {
  auto x = [](IntArrayRef s) { return randn(s).requires_grad_(); };
  Tensor v = x({3});
  EXPECT_EQ(name(mm(x({2, 3}), x({3, 2}))), "MmBackward0");
  EXPECT_EQ(name(addmm(x({2}), x({2, 3}), x({3, 2}))), "AddmmBackward0");
  EXPECT_EQ(name(bmm(x({1, 2, 3}), x({1, 3, 2}))), "BmmBackward0");
  EXPECT_EQ(name(mv(x({2, 3}), v)), "MvBackward0");
  EXPECT_EQ(name(matmul(v, v)), "DotBackward0");
  EXPECT_EQ(name(matmul(x({2, 3}), v)), "MvBackward0");
  EXPECT_EQ(name(matmul(x({2, 3}), x({3, 2}))), "MmBackward0");
  EXPECT_EQ(name(pow(v, 2)), "PowBackward0");
  EXPECT_EQ(name(pow(v, v)), "PowBackward1");
  EXPECT_EQ(name(pow(2, v)), "PowBackward2");
  EXPECT_EQ(name(exp(v)), "ExpBackward0");
  EXPECT_EQ(name(log(v)), "LogBackward0");
  EXPECT_EQ(name(cat({v, v})), "CatBackward0");
  EXPECT_EQ(name(stack({v, v})), "StackBackward0");
  EXPECT_EQ(name(mm(ones({2, 3}), ones({3, 2}))), "None");
  {
    autograd::NoGradGuard off;
    EXPECT_EQ(name(matmul(v, v)), "None");
  }
}

// The chain of first inputs from the output's node, as the probes of torch.matmul print it.
std::vector<std::string> chain(const Tensor& t) {
  std::vector<std::string> out;
  for (auto n = t.grad_fn(); n;) {
    if (dynamic_cast<autograd::AccumulateGrad*>(n.get())) break;
    out.emplace_back(n->name());
    std::shared_ptr<autograd::Node> next;
    for (const auto& e : n->next)
      if (e.fn && !dynamic_cast<autograd::AccumulateGrad*>(e.fn.get())) {
        next = e.fn;
        break;
      }
    n = next;
  }
  return out;
}

TEST(OpsGrad, MatmulComposesAsPyTorch) {
  auto x = [](IntArrayRef s, bool rg = true) { return randn(s).requires_grad_(rg); };
  using V = std::vector<std::string>;
  EXPECT_EQ(chain(matmul(x({3}), x({3, 4}))), (V{"SqueezeBackward3", "MmBackward0", "UnsqueezeBackward0"}));
  EXPECT_EQ(chain(matmul(x({2, 2, 3}), x({3, 4}))),
            (V{"UnsafeViewBackward0", "MmBackward0", "ReshapeAliasBackward0"}));
  EXPECT_EQ(chain(matmul(x({2, 2, 3}), x({3}))),
            (V{"UnsafeViewBackward0", "MvBackward0", "ReshapeAliasBackward0"}));
  EXPECT_EQ(chain(matmul(x({3}), x({2, 3, 4}))),
            (V{"UnsafeViewBackward0", "MvBackward0", "UnsafeViewBackward0", "CloneBackward0",
               "TransposeBackward0"}));
  EXPECT_EQ(chain(matmul(x({2, 3}), x({5, 3, 4}))),
            (V{"CloneBackward0", "TransposeBackward0", "UnsafeViewBackward0", "MmBackward0",
               "UnsafeViewBackward0", "CloneBackward0", "TransposeBackward0"}));
  EXPECT_EQ(chain(matmul(x({2, 3}), x({5, 3, 4}, false))),
            (V{"CloneBackward0", "TransposeBackward0", "UnsafeViewBackward0", "MmBackward0", "TBackward0"}));
  EXPECT_EQ(chain(matmul(x({2, 2, 3}), x({2, 3, 4}))),
            (V{"UnsafeViewBackward0", "BmmBackward0", "ReshapeAliasBackward0", "ExpandBackward0"}));
  EXPECT_EQ(
      chain(matmul(x({2, 1, 2, 3}), x({3, 3, 4}))),
      (V{"UnsafeViewBackward0", "BmmBackward0", "UnsafeViewBackward0", "CloneBackward0", "ExpandBackward0"}));
  // A 3-D operand with its last two dims transposed is not folded (bmm instead).
  Tensor tr = randn({2, 3, 2}).transpose(1, 2).requires_grad_();
  EXPECT_EQ(chain(matmul(tr, x({3, 4}))),
            (V{"UnsafeViewBackward0", "BmmBackward0", "ReshapeAliasBackward0", "ExpandBackward0"}));
  // The result of a folded matmul is no view: it may be written in place.
  Tensor y = matmul(x({2, 2, 3}), x({3, 4}));
  EXPECT_NO_THROW(y.mul_(2.0));
}

TEST(OpsGrad, SavesOnlyWhatBackwardReads) {
  auto saved = [](const Tensor& t) {
    std::vector<bool> s;
    for (const auto& st : t.grad_fn()->saved) s.push_back(st.defined());
    return s;
  };
  Tensor a = randn({2, 3}).requires_grad_(), b = randn({3, 2});
  EXPECT_EQ(saved(mm(a, b)), (std::vector<bool>{false, true}));  // self's grad reads mat2
  EXPECT_EQ(saved(mm(b.t(), a.t())), (std::vector<bool>{true, false}));
  EXPECT_EQ(saved(addmm(zeros({2}), a, b)), (std::vector<bool>{false, true}));
  Tensor v = randn({3}).requires_grad_();
  EXPECT_EQ(saved(pow(v, randn({3}))),
            (std::vector<bool>{true, true, false}));              // result only for d/dexponent
  EXPECT_EQ(saved(pow(2, v)), (std::vector<bool>{false, true}));  // exponent only for base 0
  // A saved input written in place makes backward raise PyTorch's error.
  Tensor w = randn({3}).requires_grad_();
  Tensor u = w.mul(1.0);
  Tensor l = log(u);
  u.add_(1.0);
  EXPECT_NE(error_of([&] { l.sum().backward(); }).find("modified by an inplace operation"),
            std::string::npos);
}

}  // namespace
}  // namespace ramp
