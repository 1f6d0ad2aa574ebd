// Defects found reviewing issue 9's C++ API, each checked against 1.13's rule (python/tests/
// test_aliasing_and_bounds.py compares the Python side with torch itself): the C++ channel-dropout
// modules read unbatched inputs as F.dropout1d/3d do and honour inplace; at::index with nothing but
// 0-d masks raises instead of reading an empty list; sizes whose element count overflows raise.
#include <gtest/gtest.h>

#include "ramp/indexing.h"
#include "ramp/nn.h"
#include "ramp/nn/layers_more.h"
#include "ramp/random.h"
#include "test_util.h"

namespace ramp {
namespace {

using test::error_of;

// Every slice x[i] (along dim 0) holds one value: what a channel dropout of x read as [C, ...] gives.
bool uniform_slices(const Tensor& x) {
  for (std::int64_t i = 0; i < x.size(0); ++i) {
    const std::vector<double> v = x.select(0, i).contiguous().to_vector();
    for (double e : v)
      if (e != v[0]) return false;
  }
  return true;
}

TEST(ReviewFixes, Dropout3dReadsEveryRankButFiveAsUnbatched) {
  // F.dropout3d of a 3-D input unsqueezes it: whole x[i] are the channels (1.13, with a warning).
  nn::Dropout3d drop(0.5);
  int dropped = 0, kept = 0;
  for (std::uint64_t seed = 0; seed < 4; ++seed) {
    manual_seed(seed);
    const Tensor y = drop(ones({6, 3, 5}, ScalarType::Float64));
    EXPECT_TRUE(uniform_slices(y)) << "seed " << seed;
    for (double v : y.to_vector()) {
      EXPECT_TRUE(v == 0 || v == 2);  // 0 or 1 / (1 - p)
      ++(v == 0 ? dropped : kept);
    }
  }
  EXPECT_GT(dropped, 0);
  EXPECT_GT(kept, 0);
}

TEST(ReviewFixes, ChannelDropoutInPlaceOnUnbatchedInputWritesTheInput) {
  for (int d : {1, 3}) {
    manual_seed(3);
    const std::vector<std::int64_t> shape = d == 1 ? std::vector<std::int64_t>{8, 5} : std::vector<std::int64_t>{8, 2, 2, 3};
    const Tensor x = ones(shape, ScalarType::Float64);
    const std::vector<double> before = x.to_vector();
    Tensor y;
    if (d == 1) {
      nn::Dropout1d drop(0.5, /*inplace=*/true);
      y = drop(x);
    } else {
      nn::Dropout3d drop(0.5, /*inplace=*/true);
      y = drop(x);
    }
    EXPECT_EQ(y.data_ptr(), x.data_ptr()) << d;
    EXPECT_EQ(test::vec(y.sizes()), test::vec(x.sizes())) << d;
    EXPECT_TRUE(uniform_slices(x)) << d;
    const std::vector<double> after = x.to_vector();
    EXPECT_NE(after, before) << d;  // 8 channels: some dropped (seeded)
    for (double v : after) EXPECT_TRUE(v == 0 || v == 2) << d;
  }
}

TEST(ReviewFixes, IndexWithOnlyZeroDimMasksRaises) {
  // 1.13 fails an internal assert here; ramp must raise, not read an empty index list.
  const Tensor x = arange(6).reshape({2, 3});
  const Tensor t = scalar_tensor(true, ScalarType::Bool);
  EXPECT_NE(error_of([&] { index(x, {t, t}); }), "");
  Tensor y = x.clone();
  EXPECT_NE(error_of([&] { index_put_(y, {t, t}, scalar_tensor(1, ScalarType::Int64)); }), "");
}

TEST(ReviewFixes, ElementCountOverflowRaises) {
  EXPECT_EQ(error_of([] { empty({std::int64_t(1) << 32, std::int64_t(1) << 32}); }),
            "Storage size calculation overflowed with sizes=[4294967296, 4294967296]");
  EXPECT_EQ(error_of([] { ones({1}).expand({std::int64_t(1) << 40, std::int64_t(1) << 40}); }),
            "numel: integer multiplication overflow");
  // a zero size makes any product empty
  EXPECT_EQ(empty({std::int64_t(1) << 40, std::int64_t(1) << 40, 0}).numel(), 0);
}

}  // namespace
}  // namespace ramp
