// ramp/random.h and ramp/shape.h from C++: reproducible streams, distribution moments at fixed
// seeds (bounds a 10% error breaks), 1.13's errors, the shape ops against index formulas and
// gradcheck, and arange/linspace values taken from torch 1.13.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <set>

#include "ramp/autograd.h"
#include "ramp/nn/functional.h"
#include "ramp/ops.h"
#include "test_util.h"

namespace ramp {
namespace {

using test::error_of;
using test::name;
using test::vec;

std::pair<double, double> moments(const Tensor& t) {
  const std::vector<double> v = t.to_vector();
  double m = std::accumulate(v.begin(), v.end(), 0.0) / double(v.size()), s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return {m, std::sqrt(s / double(v.size() - 1))};
}

TEST(RandomShape, SeedsReproduceAndGeneratorsAreIndependent) {
  manual_seed(5);
  const std::vector<double> a = randn({50}).to_vector();
  Generator g(5);
  manual_seed(5);
  EXPECT_EQ(randn({50}, {}, &g).to_vector(), a);  // the same seed, the same numbers
  EXPECT_EQ(randn({50}).to_vector(), a);          // g's draws left the default stream alone
  EXPECT_NE(randn({50}, {}, &g).to_vector(), a);
  const Tensor state = g.get_state();
  const std::vector<double> next = rand({20}, {}, &g).to_vector();
  g.set_state(state);
  EXPECT_EQ(rand({20}, {}, &g).to_vector(), next);
  EXPECT_EQ(g.initial_seed(), 5u);
  Generator copy = g;
  EXPECT_EQ(randint(0, 1000, {10}, &copy).to_vector(), randint(0, 1000, {10}, &g).to_vector());
  EXPECT_EQ(error_of([&] { g.set_state(zeros({3})); }), "RNG state must be a torch.ByteTensor");
}

TEST(RandomShape, ManualSeedDrivesDropoutAndInit) {
  auto run = [] {
    return std::pair{dropout(ones({100}), 0.5, true, false).to_vector(), randperm(10).to_vector()};
  };
  manual_seed(1);
  auto a = run();
  manual_seed(1);
  EXPECT_EQ(run(), a);
}

TEST(RandomShape, MomentsAtFixedSeeds) {
  Generator g(11);
  const std::int64_t n = 100000;
  auto [m, s] = moments(randn({n}, ScalarType::Float64, &g));
  EXPECT_LT(std::abs(m), 0.015);
  EXPECT_LT(std::abs(s - 1), 0.01);  // a 10% wrong std is 0.1 away
  Tensor u = empty({n}, ScalarType::Float32);
  uniform_(u, -1, 3, &g);
  std::tie(m, s) = moments(u);
  EXPECT_LT(std::abs(m - 1), 0.02);
  EXPECT_LT(std::abs(s - 4 / std::sqrt(12.0)), 0.01);
  Tensor e = empty({n}, ScalarType::Float64);
  exponential_(e, 2, &g);
  std::tie(m, s) = moments(e);
  EXPECT_LT(std::abs(m - 0.5), 0.008);
  EXPECT_LT(std::abs(s - 0.5), 0.01);
  std::tie(m, s) = moments(normal(3.0, 2.0, {n}, &g));
  EXPECT_LT(std::abs(m - 3), 0.03);
  EXPECT_LT(std::abs(s - 2), 0.02);
  std::tie(m, s) = moments(bernoulli(full({n}, 0.25), &g));
  EXPECT_LT(std::abs(m - 0.25), 0.006);
  Tensor ri = randint(-5, 5, {n}, &g);
  EXPECT_EQ(ri.dtype(), ScalarType::Int64);
  std::tie(m, s) = moments(ri);
  EXPECT_LT(std::abs(m + 0.5), 0.03);
  EXPECT_LT(std::abs(s - std::sqrt(99.0 / 12)), 0.02);  // discrete uniform on 10 values
}

TEST(RandomShape, MultinomialAndErrors) {
  Generator g(3);
  Tensor w = tensor({0.0, 1.0, 3.0});
  Tensor s = multinomial(w, 20000, true, &g);
  std::int64_t twos = 0;
  for (double v : s.to_vector()) {
    EXPECT_NE(v, 0);
    twos += v == 2;
  }
  EXPECT_NEAR(double(twos) / 20000, 0.75, 0.015);
  const std::vector<double> perm = multinomial(ones({5}), 5, false, &g).to_vector();
  EXPECT_EQ(std::set<double>(perm.begin(), perm.end()).size(), 5u);
  EXPECT_EQ(error_of([&] { multinomial(w, 4); }),
            "cannot sample n_sample > prob_dist.size(-1) samples without replacement");
  EXPECT_EQ(error_of([&] { multinomial(tensor({-1.0, 1.0}), 1); }),
            "probability tensor contains either `inf`, `nan` or element < 0");
  EXPECT_EQ(error_of([&] { multinomial(tensor({0.0, 0.0}), 2, true); }),
            "invalid multinomial distribution (sum of probabilities <= 0)");
  EXPECT_EQ(error_of([&] { randint(5, 5, {3}); }), "random_ expects 'from' to be less than 'to', but got from=5 >= to=5");
  Tensor i = zeros({3}, ScalarType::Int64);
  EXPECT_EQ(error_of([&] { normal_(i); }), "\"normal_kernel_cpu\" not implemented for 'Long'");
  EXPECT_EQ(error_of([&] { normal(0.0, -1.0, {2}); }), "normal expects std >= 0.0, but found std -1");
}

TEST(RandomShape, FactoriesFollowTheDefaultDtype) {
  set_default_dtype(ScalarType::Float64);
  EXPECT_EQ(rand({2}).dtype(), ScalarType::Float64);
  EXPECT_EQ(randn({2}).dtype(), ScalarType::Float64);
  EXPECT_EQ(eye(2).dtype(), ScalarType::Float64);
  EXPECT_EQ(arange(0, 1, 0.5).dtype(), ScalarType::Float64);
  EXPECT_EQ(linspace(0, 1, 3).dtype(), ScalarType::Float64);
  set_default_dtype(ScalarType::Float32);
  EXPECT_EQ(rand({2}).dtype(), ScalarType::Float32);
}

TEST(RandomShape, InPlaceSamplersRecordZeroGradients) {
  Tensor x = test::leaf({3}, 1);
  Tensor y = x * 2;
  normal_(y);
  EXPECT_EQ(name(y), "NormalBackward0");
  y.sum().backward();
  EXPECT_EQ(x.grad().to_vector(), (std::vector<double>{0, 0, 0}));
  EXPECT_EQ(error_of([&] { uniform_(x); }), "a leaf Variable that requires grad is being used in an in-place operation.");
}

TEST(RandomShape, SplitChunkUnbind) {
  Tensor x = arange(24.0).reshape({2, 3, 4});
  auto parts = split(x, 2, 2);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(vec(parts[1].sizes()), (std::vector<std::int64_t>{2, 3, 2}));
  EXPECT_EQ(parts[1].storage(), x.storage());  // a view
  for (std::int64_t i = 0; i < 2; ++i)
    for (std::int64_t j = 0; j < 3; ++j)
      for (std::int64_t k = 0; k < 2; ++k) EXPECT_EQ(parts[1].at((i * 3 + j) * 2 + k), double(i * 12 + j * 4 + 2 + k));
  EXPECT_EQ(chunk(zeros({5}), 3).size(), 3u);  // pieces of ceil(5 / 3): 2, 2, 1 (torch)
  EXPECT_EQ(chunk(zeros({6}), 4).size(), 3u);  // 2, 2, 2: fewer than asked
  EXPECT_EQ(chunk(zeros({0}), 4).size(), 4u);
  auto rows = unbind(x, 1);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[2].at(5), double(1 * 12 + 2 * 4 + 1));
  EXPECT_EQ(error_of([&] { split_with_sizes(x, {1, 1}, 1); }),
            "split_with_sizes expects split_sizes to sum exactly to 3 (input tensor's size at dimension 1), but got "
            "split_sizes=[1, 1]");
  Tensor l = test::leaf({2, 3, 4}, 2);
  EXPECT_EQ(name(split(l, 2, 1)[0]), "SplitBackward0");
  EXPECT_EQ(name(split_with_sizes(l, {1, 2}, 1)[0]), "SplitWithSizesBackward0");
  EXPECT_EQ(name(unbind(l, 0)[1]), "UnbindBackward0");
  EXPECT_TRUE(autograd::gradcheck([](const std::vector<Tensor>& in) { return split(in[0], 2, 2)[1] * 3; }, {l}));
  EXPECT_TRUE(autograd::gradcheck([](const std::vector<Tensor>& in) { return unbind(in[0], 1)[2]; }, {l}));
}

TEST(RandomShape, RepeatTrilEyeOneHotMovedimFlatten) {
  Tensor x = arange(6.0).reshape({2, 3});
  Tensor r = repeat(x, {2, 2, 2});
  EXPECT_EQ(vec(r.sizes()), (std::vector<std::int64_t>{2, 4, 6}));
  for (std::int64_t a = 0; a < 2; ++a)
    for (std::int64_t i = 0; i < 4; ++i)
      for (std::int64_t j = 0; j < 6; ++j) EXPECT_EQ(r.at((a * 4 + i) * 6 + j), double((i % 2) * 3 + j % 3));
  Tensor m = arange(20.0).reshape({4, 5});
  for (std::int64_t k : {-2, 0, 1, 7}) {
    Tensor lo = tril(m, k), up = triu(m, k);
    for (std::int64_t i = 0; i < 4; ++i)
      for (std::int64_t j = 0; j < 5; ++j) {
        EXPECT_EQ(lo.at(i * 5 + j), j - i <= k ? double(i * 5 + j) : 0);
        EXPECT_EQ(up.at(i * 5 + j), j - i >= k ? double(i * 5 + j) : 0);
      }
  }
  Tensor l = test::leaf({3, 4}, 3);
  EXPECT_EQ(name(tril(l)), "TrilBackward0");
  EXPECT_EQ(name(repeat(l, {2, 1})), "RepeatBackward0");
  EXPECT_TRUE(autograd::gradcheck([](const std::vector<Tensor>& in) { return repeat(in[0], {2, 1, 3}); }, {l}));
  EXPECT_TRUE(autograd::gradcheck([](const std::vector<Tensor>& in) { return triu(in[0], 1); }, {l}));
  EXPECT_EQ(eye(2, 3).to_vector(), (std::vector<double>{1, 0, 0, 0, 1, 0}));
  EXPECT_EQ(one_hot(tensor({2, 0})).to_vector(), (std::vector<double>{0, 0, 1, 1, 0, 0}));
  EXPECT_EQ(error_of([] { one_hot(tensor({-1, 0})); }), "Class values must be non-negative.");
  Tensor y = zeros({2, 3, 4});
  EXPECT_EQ(vec(movedim(y, {0, 1}, {2, 0}).sizes()), (std::vector<std::int64_t>{3, 4, 2}));
  EXPECT_EQ(vec(flatten(y, 1).sizes()), (std::vector<std::int64_t>{2, 12}));
  EXPECT_EQ(vec(unflatten(y, 2, {2, -1}).sizes()), (std::vector<std::int64_t>{2, 3, 2, 2}));
  EXPECT_EQ(error_of([&] { narrow(y, 1, 2, 2); }), "start (2) + length (2) exceeds dimension size (3).");
}

TEST(RandomShape, ArangeLinspaceValuesOfTorch) {
  // torch 1.13: torch.arange(-8.0, 8.0, 0.1)[80], [3], [159] and the float64 [80], [83]
  Tensor a = arange(-8.0, 8.0, 0.1);
  ASSERT_EQ(a.numel(), 160);
  EXPECT_EQ(a.at(80), 4.440892098500626e-16);
  EXPECT_EQ(a.at(3), -7.699999809265137);
  EXPECT_EQ(a.at(159), 7.899999618530273);
  Tensor d = arange(-8.0, 8.0, 0.1, ScalarType::Float64);
  EXPECT_EQ(d.at(80), 4.440892098500626e-16);
  EXPECT_EQ(d.at(83), 0.3000000000000005);
  // torch.linspace(-1.0, 1.0, 100)[49], [50], [19]; linspace(0.1, 0.7, 13, float64)[5], [11]
  Tensor l = linspace(-1.0, 1.0, 100);
  EXPECT_EQ(l.at(49), -0.010101011022925377);
  EXPECT_EQ(l.at(50), 0.010101009160280228);
  EXPECT_EQ(l.at(19), -0.6161616444587708);
  Tensor l64 = linspace(0.1, 0.7, 13, ScalarType::Float64);
  EXPECT_EQ(l64.at(5), 0.35);
  EXPECT_EQ(l64.at(11), 0.6499999999999999);
  EXPECT_EQ(arange(0.5, 5, 1, ScalarType::Int64).to_vector(), (std::vector<double>{0, 1, 2, 3, 4}));
  EXPECT_EQ(arange(0, 5.5, 1, ScalarType::Int32).to_vector(), (std::vector<double>{0, 1, 2, 3, 4, 5}));
}

}  // namespace
}  // namespace ramp
