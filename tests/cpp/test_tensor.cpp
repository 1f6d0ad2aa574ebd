// Tensor metadata, views, copies, factories, arithmetic, reductions and the caching allocator,
// checked against values computed independently in the test (index arithmetic, double sums).
#include <gtest/gtest.h>

#include <cmath>

#include "ramp/allocator.h"
#include "ramp/tensor.h"

namespace ramp {
namespace {

std::vector<std::int64_t> vec(IntArrayRef a) { return {a.begin(), a.end()}; }

TEST(Tensor, ViewsShareStorageAndComputeStrides) {
  Tensor x = arange(24).reshape({2, 3, 4});
  EXPECT_EQ(vec(x.strides()), (std::vector<std::int64_t>{12, 4, 1}));
  Tensor t = x.transpose(0, 2);
  EXPECT_EQ(vec(t.sizes()), (std::vector<std::int64_t>{4, 3, 2}));
  EXPECT_FALSE(t.is_contiguous());
  EXPECT_TRUE(t.is_non_overlapping_and_dense());
  // element [i][j][k] of the transpose is i + 4 j + 12 k
  for (std::int64_t i = 0; i < 4; ++i)
    for (std::int64_t j = 0; j < 3; ++j)
      for (std::int64_t k = 0; k < 2; ++k) EXPECT_EQ(t.at(i * 6 + j * 2 + k), double(i + 4 * j + 12 * k));
  Tensor s = x.slice(2, 1, {}, 2);  // [:, :, 1::2]
  EXPECT_EQ(vec(s.sizes()), (std::vector<std::int64_t>{2, 3, 2}));
  EXPECT_FALSE(s.is_non_overlapping_and_dense());
  EXPECT_EQ(s.at(0), 1);
  EXPECT_EQ(s.at(1), 3);
  EXPECT_EQ(s.at(2), 5);
  EXPECT_EQ(x.select(1, -1).at(0), 8);
  EXPECT_EQ(x.permute({2, 0, 1}).contiguous().at(1), 4);
  EXPECT_EQ(vec(x.unsqueeze(0).sizes()), (std::vector<std::int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(vec(x.unsqueeze(-1).squeeze().sizes()), (std::vector<std::int64_t>{2, 3, 4}));
  EXPECT_EQ(vec(x.view({6, -1}).sizes()), (std::vector<std::int64_t>{6, 4}));
  EXPECT_THROW(t.view({24}), Error);           // not viewable: needs reshape
  EXPECT_EQ(t.reshape({24}).at(1), 12);        // reshape copies
  Tensor e = tensor({1.0, 2.0}).unsqueeze(1).expand({2, 3});
  EXPECT_EQ(e.stride(1), 0);
  EXPECT_TRUE(e.has_internal_overlap());
  EXPECT_EQ(e.at(5), 2.0);
  // writing through a view changes the base
  Tensor b = zeros({3, 3});
  b.select(0, 1).fill_(7);
  EXPECT_EQ(b.sum().item<double>(), 21.0);
}

TEST(Tensor, ViewErrorsUsePyTorchText) {
  Tensor x = zeros({2, 3});
  try {
    x.view({4, -1});
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "shape '[4, -1]' is invalid for input of size 6");
  }
  try {
    x.select(0, 2);
    ADD_FAILURE();
  } catch (const IndexError& e) {
    EXPECT_STREQ(e.what(), "index 2 is out of bounds for dimension 0 with size 2");
  }
  EXPECT_THROW(x.transpose(0, 2), IndexError);
  EXPECT_THROW(x.expand({3, 3}), Error);
}

TEST(Tensor, CopyConvertAndClone) {
  Tensor x = tensor({-1.5, 0.5, 2.75});
  EXPECT_EQ(x.to(ScalarType::Int64).to_vector(), (std::vector<double>{-1, 0, 2}));  // truncation
  EXPECT_EQ(x.to(ScalarType::Bool).to_vector(), (std::vector<double>{1, 1, 1}));
  EXPECT_EQ(tensor({1.00390625}).to(ScalarType::BFloat16).item<double>(), 1.0);  // ties to even
  EXPECT_EQ(tensor({1.01171875}).to(ScalarType::BFloat16).item<double>(), 1.015625);
  Tensor c = x.clone();
  c.fill_(0);
  EXPECT_EQ(x.at(0), -1.5);
  Tensor t = arange(6.0).reshape({2, 3}).t();
  EXPECT_EQ(vec(t.clone().strides()), vec(t.strides()));  // clone keeps a dense layout
  auto v0 = c.version();
  c.copy_(x);
  EXPECT_EQ(c.version(), v0 + 1);
}

TEST(Tensor, Factories) {
  EXPECT_EQ(arange(5).dtype(), ScalarType::Int64);
  EXPECT_EQ(arange(0.0, 1.0, 0.25).to_vector(), (std::vector<double>{0, 0.25, 0.5, 0.75}));
  EXPECT_EQ(full({2}, 2.5).dtype(), ScalarType::Float32);
  EXPECT_EQ(full({2}, 3).dtype(), ScalarType::Int64);
  EXPECT_EQ(linspace(0, 1, 5).to_vector(), (std::vector<double>{0, 0.25, 0.5, 0.75, 1}));
  manual_seed(3);
  Tensor a = randn({1000});
  manual_seed(3);
  EXPECT_EQ(randn({1000}).to_vector(), a.to_vector());
  double mean = a.mean().item<double>();
  EXPECT_LT(std::abs(mean), 0.15);
  Tensor u = rand({1000});
  EXPECT_GE(u.max().item<double>(), 0.9);
  EXPECT_LT(u.max().item<double>(), 1.0);
  EXPECT_THROW(empty({-1}), Error);
}

TEST(Tensor, ArithmeticBroadcastsAndPromotes) {
  Tensor a = tensor({{1., 2., 3.}, {4., 5., 6.}});
  Tensor b = tensor({10., 20., 30.});
  EXPECT_EQ((a + b).to_vector(), (std::vector<double>{11, 22, 33, 14, 25, 36}));
  EXPECT_EQ((a * 2).to_vector(), (std::vector<double>{2, 4, 6, 8, 10, 12}));
  EXPECT_EQ((1 - b).to_vector(), (std::vector<double>{-9, -19, -29}));
  Tensor i = tensor({1, 2, 3});
  EXPECT_EQ((i + 1).dtype(), ScalarType::Int64);
  EXPECT_EQ((i + 0.5).dtype(), ScalarType::Float32);
  EXPECT_EQ((i / 2).dtype(), ScalarType::Float32);  // true division
  EXPECT_EQ((i / 2).to_vector(), (std::vector<double>{0.5, 1, 1.5}));
  EXPECT_EQ((i + a.to(ScalarType::Float64)).dtype(), ScalarType::Float64);
  EXPECT_EQ((tensor({1.0}, ScalarType::BFloat16) + tensor({1.0})).dtype(), ScalarType::Float32);
  EXPECT_EQ((tensor({1.0}, ScalarType::BFloat16) + 1.0).dtype(), ScalarType::BFloat16);
  Tensor c = a.clone();
  c.add_(b);
  EXPECT_EQ(c.at(5), 36);
  EXPECT_THROW(i.add_(0.5), Error);  // float result into an int tensor
  EXPECT_THROW(a + tensor({1., 2.}), Error);
  EXPECT_EQ((-a).at(0), -1);
}

TEST(Tensor, Reductions) {
  Tensor a = arange(24.0).reshape({2, 3, 4});
  EXPECT_EQ(a.sum().item<double>(), 276);
  EXPECT_EQ(vec(a.sum({1}).sizes()), (std::vector<std::int64_t>{2, 4}));
  EXPECT_EQ(vec(a.sum({1}, true).sizes()), (std::vector<std::int64_t>{2, 1, 4}));
  EXPECT_EQ(a.sum({1}).at(0), 0 + 4 + 8);
  EXPECT_EQ(a.sum({0, 2}).to_vector(), (std::vector<double>{60, 92, 124}));
  EXPECT_EQ(a.mean({-1}).at(0), 1.5);
  auto [v, idx] = a.max(1);
  EXPECT_EQ(v.at(0), 8);
  EXPECT_EQ(idx.at(0), 2);
  EXPECT_EQ(idx.dtype(), ScalarType::Int64);
  EXPECT_EQ(arange(5).sum().dtype(), ScalarType::Int64);
  EXPECT_THROW(arange(5).mean(), Error);
  EXPECT_TRUE(std::isnan(tensor({1.0, NAN, 3.0}).max().item<double>()));
  EXPECT_THROW(empty({0}).max(), Error);
}

// Sums over leading dims take a row-order path (bias gradients); check it against plain double
// sums, and the binary ops' dense path against element-wise double arithmetic.
TEST(Tensor, LeadingReductionsAndDenseArithmetic) {
  Tensor x = randn({37, 5, 70});
  std::vector<double> v = x.to_vector();
  Tensor s = x.sum({0, 1});
  Tensor m = x.mean({1, 0}, true);
  ASSERT_EQ(m.sizes().size(), 3u);
  for (std::int64_t c = 0; c < 70; ++c) {
    double acc = 0;
    for (std::int64_t r = 0; r < 37 * 5; ++r) acc += v[std::size_t(r * 70 + c)];
    EXPECT_NEAR(s.at(c), acc, 1e-4);
    EXPECT_NEAR(m.at(c), acc / (37 * 5), 1e-6);
  }
  Tensor a = randn({1000}, ScalarType::Float64), b = randn({1000}, ScalarType::Float64);
  Tensor r = a.sub(b, 0.25).mul(b).div(b.add(3.0));
  for (std::int64_t i = 0; i < 1000; ++i)
    EXPECT_DOUBLE_EQ(r.at(i), (a.at(i) - 0.25 * b.at(i)) * b.at(i) / (b.at(i) + 3.0));
}

TEST(Allocator, ReusesFreedBlocksAndCountsThem) {
  memory::empty_cache();
  const std::int64_t n = std::int64_t(16) << 20;  // 64 MB of float32
  void* first;
  {
    Tensor a = empty({n});
    first = a.data_ptr();
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(first) % 64, 0u);
    EXPECT_GE(memory::stats().allocated, n * 4);
  }
  EXPECT_GE(memory::stats().cached, n * 4);
  auto hits = memory::stats().cache_hits;
  Tensor b = empty({n});
  EXPECT_EQ(b.data_ptr(), first) << "a freed block of the same bucket is handed out again";
  EXPECT_EQ(memory::stats().cache_hits, hits + 1);
  EXPECT_GE(memory::stats().peak_allocated, n * 4);
  b = Tensor();
  memory::empty_cache();
  EXPECT_EQ(memory::stats().cached, 0);
  // small blocks come back too, 64-byte aligned (up to 32 bytes live inside the storage header)
  for (int i = 0; i < 100; ++i) EXPECT_EQ(reinterpret_cast<std::uintptr_t>(empty({i + 9}).data_ptr()) % 64, 0u);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(empty({1}).data_ptr()) % 16, 0u);
}

}  // namespace
}  // namespace ramp
