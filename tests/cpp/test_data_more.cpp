// The draws behind ramp.utils.data's samplers and random_split (include/ramp/data.h): checked by
// their definitions (ranges, permutations, distinctness) and frequencies (within 5 sigma), and
// random_split's lengths against 1.13's rule written out here.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "ramp/data.h"
#include "test_util.h"

namespace ramp {
namespace {

using test::error_of;

std::vector<std::int64_t> ints(const Tensor& t) {
  EXPECT_EQ(t.dtype(), ScalarType::Int64);
  std::vector<std::int64_t> v;
  for (double x : t.to_vector()) v.push_back(std::int64_t(x));
  return v;
}

void expect_frequencies(const std::vector<std::int64_t>& draws, const std::vector<double>& weights) {
  const double total = std::accumulate(weights.begin(), weights.end(), 0.0), n = double(draws.size());
  std::map<std::int64_t, double> count;
  for (auto d : draws) count[d] += 1;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    const double p = weights[i] / total;
    EXPECT_LE(std::fabs(count[std::int64_t(i)] - n * p), 5 * std::sqrt(n * p * (1 - p)) + 1e-9) << i;
  }
}

TEST(DataSampling, RandomAndPermutationIndices) {
  data::Generator g(3);
  const auto u = ints(data::random_indices(7, 30000, &g));
  EXPECT_EQ(u.size(), 30000u);
  expect_frequencies(u, std::vector<double>(7, 1.0));
  const auto p = ints(data::permutation_indices(5, 13, &g));
  ASSERT_EQ(p.size(), 13u);
  for (int block = 0; block < 2; ++block) {
    std::vector<std::int64_t> b(p.begin() + 5 * block, p.begin() + 5 * block + 5);
    std::sort(b.begin(), b.end());
    EXPECT_EQ(b, (std::vector<std::int64_t>{0, 1, 2, 3, 4}));
  }
  std::vector<std::int64_t> tail(p.begin() + 10, p.end());
  std::sort(tail.begin(), tail.end());
  EXPECT_TRUE(std::adjacent_find(tail.begin(), tail.end()) == tail.end());  // part of one more permutation
  data::Generator a(11), b(11);
  EXPECT_EQ(ints(data::random_indices(100, 10, &a)),
            ints(data::random_indices(100, 10, &b)));  // the seed decides
}

TEST(DataSampling, WeightedIndices) {
  data::Generator g(5);
  const std::vector<double> w = {0.1, 0.9, 0.0, 3.0, 0.6};
  const auto d = ints(data::weighted_indices(w, 40000, true, &g));
  expect_frequencies(d, w);
  EXPECT_EQ(std::count(d.begin(), d.end(), 2), 0);
  for (int k = 0; k < 50; ++k) {  // without replacement: distinct, zero weights only after the others
    auto s = ints(data::weighted_indices(w, 5, false, &g));
    EXPECT_EQ(s.back(), 2);
    std::sort(s.begin(), s.end());
    EXPECT_EQ(s, (std::vector<std::int64_t>{0, 1, 2, 3, 4}));
  }
  EXPECT_EQ(error_of([&] {
              data::weighted_indices({-1, 2}, 1, true, &g);
            }),
            "invalid multinomial distribution (encountering probability entry < 0)");
  EXPECT_EQ(error_of([&] {
              data::weighted_indices({0, 0}, 1, true, &g);
            }),
            "invalid multinomial distribution (sum of probabilities <= 0)");
  EXPECT_EQ(error_of([&] {
              data::weighted_indices({1, 2}, 3, false, &g);
            }),
            "cannot sample n_sample > prob_dist.size(-1) samples without replacement");
}

TEST(DataSampling, SplitLengths) {
  EXPECT_EQ(data::split_lengths(10, {3, 7}), (std::vector<std::int64_t>{3, 7}));
  // fractions: floor(n f), then the remainder one by one from the first
  for (std::int64_t n : {0, 1, 7, 11, 30, 101}) {
    const std::vector<double> f = {0.3, 0.3, 0.4};
    std::vector<std::int64_t> want;
    for (double x : f) want.push_back(std::int64_t(std::floor(double(n) * x)));
    std::int64_t rem = n - std::accumulate(want.begin(), want.end(), std::int64_t(0));
    for (std::size_t i = 0; rem > 0; ++i, --rem) ++want[i % 3];
    EXPECT_EQ(data::split_lengths(n, f), want) << n;
  }
  EXPECT_EQ(error_of([] {
              data::split_lengths(10, {3, 3});
            }),
            "Sum of input lengths does not equal the length of the input dataset!");
  EXPECT_EQ(error_of([] {
              data::split_lengths(10, {1.2, -0.2});
            }),
            "Fraction at index 0 is not between 0 and 1");
}

}  // namespace
}  // namespace ramp
