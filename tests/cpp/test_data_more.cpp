// The draws behind ramp.utils.data's samplers and random_split (include/ramp/data.h): checked by
// their definitions (ranges, permutations, distinctness) and frequencies (within 5 sigma), and
// random_split's lengths and DistributedSampler's partition against 1.13's rules written out here.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "ramp/data.h"
#include "ramp/ops.h"
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

// torch.utils.data.DistributedSampler's rule, as 1.13's source states it: pad the order by repeating it
// (math.ceil(padding / len) copies) or cut it to total_size, then order[rank:total_size:num_replicas].
std::vector<std::int64_t> sampler_rule(std::vector<std::int64_t> order, std::int64_t r, std::int64_t rank,
                                       bool drop_last) {
  const auto n = std::int64_t(order.size());
  const std::int64_t per = drop_last && n % r ? std::int64_t(std::ceil(double(n - r) / double(r)))
                                              : std::int64_t(std::ceil(double(n) / double(r)));
  const std::int64_t total = per * r;
  if (drop_last) {
    order.resize(std::size_t(total));
  } else if (total > n) {
    const std::vector<std::int64_t> once = order;
    while (std::int64_t(order.size()) < total) order.insert(order.end(), once.begin(), once.end());
    order.resize(std::size_t(total));
  }
  std::vector<std::int64_t> mine;
  for (std::int64_t i = rank; i < total; i += r) mine.push_back(order[std::size_t(i)]);
  return mine;
}

TEST(DataSampling, DistributedIndicesFollow113sRule) {
  for (std::int64_t n : {0, 1, 2, 5, 10, 11, 17})
    for (std::int64_t r : {1, 2, 3, 4, 7})
      for (bool drop_last : {false, true}) {
        std::vector<std::int64_t> in_order(static_cast<std::size_t>(n));
        std::iota(in_order.begin(), in_order.end(), 0);
        Generator g{uint64_t(5 + 3)};  // seed 5, epoch 3
        const std::vector<std::int64_t> shuffled = ints(randperm(n, &g));
        for (std::int64_t rank = 0; rank < r; ++rank) {
          EXPECT_EQ(ints(data::distributed_indices(n, r, rank, false, 5, 3, drop_last)),
                    sampler_rule(in_order, r, rank, drop_last));
          EXPECT_EQ(ints(data::distributed_indices(n, r, rank, true, 5, 3, drop_last)),
                    sampler_rule(shuffled, r, rank, drop_last));
          EXPECT_EQ(data::distributed_samples(n, r, drop_last), std::int64_t(sampler_rule(in_order, r, rank, drop_last).size()));
        }
      }
}

TEST(DataSampling, DistributedSamplerFeedsTheDataLoader) {
  const Tensor x = arange(0, 11).reshape({11, 1}), y = arange(100, 111);
  auto sampler = std::make_shared<data::DistributedSampler>(11, data::DistributedSamplerOptions{.num_replicas = 3, .rank = 1});
  data::DataLoader loader(x, y, 2, sampler);
  EXPECT_EQ(sampler->size(), 4);
  EXPECT_EQ(loader.size(), 2);
  for (std::int64_t epoch : {0, 1}) {
    sampler->set_epoch(epoch);
    std::vector<std::int64_t> seen;
    for (auto [xb, yb] : loader) {
      for (std::int64_t v : ints(yb)) seen.push_back(v - 100);
      EXPECT_EQ(ints(xb.reshape({-1})), ints(yb - 100));
    }
    EXPECT_EQ(seen, ints(data::distributed_indices(11, 3, 1, true, 0, epoch, false))) << epoch;
  }
  EXPECT_EQ(error_of([] { data::DistributedSampler(5, {.num_replicas = 3, .rank = 3}); }),
            "Invalid rank 3, rank should be in the interval [0, 2]");
  EXPECT_EQ(error_of([] { data::DistributedSampler(5, {.num_replicas = 3, .rank = -1}); }),
            "Invalid rank -1, rank should be in the interval [0, 2]");
  // without a process group, the defaults raise 1.13's error
  EXPECT_NE(error_of([] { data::DistributedSampler s(5); }).find("Default process group has not been initialized"),
            std::string::npos);
  EXPECT_NE(error_of([&] { data::DataLoader(x, y, 2, std::make_shared<data::DistributedSampler>(
                                                         7, data::DistributedSamplerOptions{.num_replicas = 2, .rank = 0})); })
                .find("the sampler covers 7 items but the dataset has 11"),
            std::string::npos);
}

}  // namespace
}  // namespace ramp
