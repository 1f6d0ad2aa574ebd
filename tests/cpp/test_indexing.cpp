// Advanced indexing (TensorIndex, index, index_put_), gather/scatter, masks, nonzero, sort/topk in
// C++: values against element-by-element loops, grad_fn names, gradcheck, error types. (The
// Python tests compare the same ops with torch 1.13.)
#include <gtest/gtest.h>

#include "ramp/ops.h"
#include "test_util.h"

namespace ramp {
namespace {

using namespace indexing;
using test::error_of;
using test::name;
using test::random;

// x is [3, 4, 5]; element (i, j, k) read through at().
double at3(const Tensor& x, std::int64_t i, std::int64_t j, std::int64_t k) { return x.at((i * 4 + j) * 5 + k); }

TEST(Indexing, BasicItemsAreViews) {
  Tensor x = random({3, 4, 5});
  Tensor v = x.index({Slice(1, None), None, Ellipsis, 2});
  EXPECT_EQ(test::vec(v.sizes()), (std::vector<std::int64_t>{2, 1, 4}));
  EXPECT_EQ(v.storage(), x.storage());
  EXPECT_EQ(v.at(5), at3(x, 2, 1, 2));
  EXPECT_EQ(x.index({Ellipsis}).storage(), x.storage());
}

TEST(Indexing, AdjacentAndSeparatedIndices) {
  Tensor x = random({3, 4, 5});
  Tensor i = tensor({0, 2}), j = tensor({1, 3});
  Tensor a = x.index({Slice(), i, j});  // adjacent: [3, 2]
  ASSERT_EQ(test::vec(a.sizes()), (std::vector<std::int64_t>{3, 2}));
  for (std::int64_t r = 0; r < 3; ++r)
    for (std::int64_t b = 0; b < 2; ++b) EXPECT_EQ(a.at(r * 2 + b), at3(x, r, b ? 2 : 0, b ? 3 : 1));
  Tensor s = x.index({i, Slice(), j});  // separated: the index dim goes first, [2, 4]
  ASSERT_EQ(test::vec(s.sizes()), (std::vector<std::int64_t>{2, 4}));
  for (std::int64_t b = 0; b < 2; ++b)
    for (std::int64_t c = 0; c < 4; ++c) EXPECT_EQ(s.at(b * 4 + c), at3(x, b ? 2 : 0, c, b ? 3 : 1));
  // broadcasting index tensors: [[0], [2]] with [1, 3, 4] -> [2, 3] in front of the middle dim
  Tensor bi = tensor({0, 2}).reshape({2, 1}), bj = tensor({1, 3, 4});
  Tensor b = x.index({bi, Slice(), bj});
  ASSERT_EQ(test::vec(b.sizes()), (std::vector<std::int64_t>{2, 3, 4}));
  EXPECT_EQ(b.at((1 * 3 + 2) * 4 + 3), at3(x, 2, 3, 4));
  // the at::index form: an undefined tensor leaves a dim whole
  Tensor c = index(x, {Tensor(), i});
  EXPECT_EQ(c.to_vector(), x.index({Slice(), i}).to_vector());
  EXPECT_NE(c.storage(), x.storage());
}

TEST(Indexing, MasksAndNegativeIndices) {
  Tensor x = random({3, 4});
  Tensor m = gt(x, 0.0);
  Tensor sel = x.index({m});
  std::vector<double> expect;
  for (double v : x.to_vector())
    if (v > 0) expect.push_back(v);
  EXPECT_EQ(sel.to_vector(), expect);
  Tensor rows = x.index({tensor({true, false, true})});
  EXPECT_EQ(rows.to_vector(), x.index({tensor({0, 2})}).to_vector());
  EXPECT_EQ(x.index({tensor({-1})}).to_vector(), x.index({Slice(2, 3)}).to_vector());
  EXPECT_EQ(x.index({true}).dim(), 3);
  EXPECT_EQ(x.index({false}).numel(), 0);
}

TEST(Indexing, CrossEntropyGatherAndGrad) {
  Tensor x = random({4, 3}).requires_grad_();
  Tensor t = tensor({2, 0, 1, 2});
  Tensor picked = x.index({arange(4), t});
  EXPECT_EQ(name(picked), "IndexBackward0");
  for (std::int64_t r = 0; r < 4; ++r) EXPECT_EQ(picked.at(r), x.at(r * 3 + t.at(r)));
  picked.sum().backward();
  for (std::int64_t r = 0; r < 4; ++r)
    for (std::int64_t c = 0; c < 3; ++c) EXPECT_EQ(x.grad().at(r * 3 + c), c == t.at(r) ? 1.0 : 0.0);
  Tensor dup = tensor({0, 0, 1});
  EXPECT_TRUE(autograd::gradcheck([&](auto& in) { return in[0].index({dup, Slice(1, None)}); }, {test::leaf({3, 4}, 2)}));
  EXPECT_TRUE(autograd::gradcheck([](auto& in) { return in[0].index({gt(in[0], 0.0)}); }, {test::leaf({3, 4}, 3)}));
}

TEST(Indexing, SetItem) {
  Tensor x = random({3, 4});
  const std::vector<double> before = x.to_vector();
  Tensor m = gt(x, 0.0);
  const auto v0 = x.version();
  x.index_put_({m}, 0.0);
  EXPECT_EQ(x.version(), v0 + 1);
  for (std::size_t i = 0; i < before.size(); ++i) EXPECT_EQ(x.at(std::int64_t(i)), before[i] > 0 ? 0.0 : before[i]);
  // broadcast value into x[:, [0, 2]] (a view of all of x: index_put_ straight on x)
  Tensor y = zeros({3, 4}, ScalarType::Float64);
  y.index_put_({Slice(), tensor({0, 2})}, tensor({1.0, 2.0}, ScalarType::Float64));
  EXPECT_EQ(y.to_vector(), (std::vector<double>{1, 0, 2, 0, 1, 0, 2, 0, 1, 0, 2, 0}));
  // accumulate adds repeated indices up
  Tensor z = zeros({3}, ScalarType::Float64);
  index_put_(z, {tensor({0, 0, 2})}, tensor({1.0, 2.0, 3.0}, ScalarType::Float64), true);
  EXPECT_EQ(z.to_vector(), (std::vector<double>{3, 0, 3}));
}

TEST(Indexing, SetItemGradients) {
  Tensor x = random({3, 4}).requires_grad_();
  Tensor v = random({2, 4}, ScalarType::Float64, 5).requires_grad_();
  Tensor y = x.mul(1.0);
  y.index_put_({tensor({2, 0})}, v);
  EXPECT_EQ(name(y), "IndexPutBackward0");
  Tensor s = x.mul(1.0);
  s.index_put_({Slice(1, None), tensor({0})}, 1.0);  // through a view: the base records CopySlices
  EXPECT_EQ(name(s), "torch::autograd::CopySlices");
  EXPECT_TRUE(autograd::gradcheck(
      [](auto& in) {
        Tensor r = in[0].mul(1.0);
        r.index_put_({tensor({2, 0})}, in[1]);
        return r;
      },
      {test::leaf({3, 4}, 6), test::leaf({2, 4}, 7)}));
  EXPECT_TRUE(autograd::gradcheck(
      [](auto& in) { return index_put(in[0], {tensor({1, 1})}, in[1], true); },
      {test::leaf({3, 4}, 8), test::leaf({4}, 9)}));
  EXPECT_NE(error_of([&] { x.index_put_({tensor({0})}, 1.0); }).find("a leaf Variable that requires grad"),
            std::string::npos);
}

TEST(Indexing, Errors) {
  Tensor x = random({3, 4, 5});
  EXPECT_THROW(x.index({tensor({5})}), IndexError);
  EXPECT_EQ(error_of([&] { x.index({Slice(), tensor({9})}); }), "index 9 is out of bounds for dimension 0 with size 4");
  EXPECT_EQ(error_of([&] { x.index({tensor({0, 1}), tensor({0, 1, 2})}); }),
            "shape mismatch: indexing tensors could not be broadcast together with shapes [2], [3]");
  EXPECT_THROW(x.index({0, 0, 0, 0}), IndexError);
  EXPECT_THROW(x.index({tensor({0.5})}), IndexError);
  EXPECT_THROW(x.index({tensor({0}, ScalarType::Int32)}), IndexError);
  EXPECT_EQ(error_of([&] { x.index({ones({3, 5}, ScalarType::Bool)}); }),
            "The shape of the mask [3, 5] at index 1 does not match the shape of the indexed tensor [3, 4, 5] at index 1");
  EXPECT_EQ(error_of([&] { x.index_put_({tensor({0})}, zeros({2, 2}, ScalarType::Float64)); }),
            "shape mismatch: value tensor of shape [2, 2] cannot be broadcast to indexing result of shape [1, 4, 5]");
  EXPECT_EQ(error_of([&] { index_put_(x, {tensor({0})}, zeros({5})); }),
            "Index put requires the source and destination dtypes match, got Double for the destination and Float for "
            "the source.");
}

TEST(Indexing, GatherScatter) {
  Tensor x = random({3, 4}).requires_grad_();
  Tensor idx = tensor({{0, 3}, {2, 2}, {1, 0}});
  Tensor g = gather(x, 1, idx);
  EXPECT_EQ(name(g), "GatherBackward0");
  for (std::int64_t r = 0; r < 3; ++r)
    for (std::int64_t c = 0; c < 2; ++c) EXPECT_EQ(g.at(r * 2 + c), x.at(r * 4 + idx.at(r * 2 + c)));
  Tensor s = scatter(zeros({3, 4}, ScalarType::Float64), 1, idx, x.index({Slice(), Slice(0, 2)}));
  EXPECT_EQ(name(s), "ScatterBackward0");
  EXPECT_EQ(s.at(0 * 4 + 3), x.at(1));
  Tensor sa = scatter_add(zeros({3, 4}, ScalarType::Float64), 1, idx, ones({3, 2}, ScalarType::Float64));
  EXPECT_EQ(sa.at(1 * 4 + 2), 2.0);  // row 1 scatters both ones to column 2
  EXPECT_EQ(name(scatter(x, 1, idx, 2.0)), "ScatterBackward1");
  EXPECT_EQ(name(scatter_add(x, 1, idx, x)), "ScatterAddBackward0");
  EXPECT_TRUE(autograd::gradcheck([&](auto& in) { return gather(in[0], 1, idx); }, {test::leaf({3, 4}, 11)}));
  EXPECT_TRUE(autograd::gradcheck([&](auto& in) { return scatter_add(in[0], 1, idx, in[1]); },
                                  {test::leaf({3, 4}, 12), test::leaf({3, 2}, 13)}));
  EXPECT_EQ(error_of([&] { gather(x, 1, tensor({5}).reshape({1, 1})); }), "index 5 is out of bounds for dimension 1 with size 4");
  EXPECT_EQ(error_of([&] { scatter(x, 1, idx, 1.0, "max"); }), "reduce argument must be either add or multiply.");
}

TEST(Indexing, MaskedFillSelectNonzero) {
  Tensor x = random({3, 4}).requires_grad_();
  Tensor m = gt(x, 0.0);
  Tensor f = masked_fill(x, m, -1.0);
  EXPECT_EQ(name(f), "MaskedFillBackward0");
  for (std::int64_t i = 0; i < 12; ++i) EXPECT_EQ(f.at(i), x.at(i) > 0 ? -1.0 : x.at(i));
  EXPECT_EQ(name(masked_fill(x, m, scalar_tensor(2.0, ScalarType::Float64))), "MaskedFillBackward1");
  Tensor row_mask = tensor({true, false, true, false});
  EXPECT_EQ(test::vec(masked_fill(x, row_mask, 0.0).sizes()), (std::vector<std::int64_t>{3, 4}));
  EXPECT_THROW(masked_fill(x, m, ones({2}, ScalarType::Float64)), Error);
  EXPECT_THROW(masked_fill(x, x, 1.0), Error);
  Tensor sel = masked_select(x, m);
  EXPECT_EQ(name(sel), "MaskedSelectBackward0");
  EXPECT_EQ(sel.numel(), nonzero(m).size(0));
  EXPECT_TRUE(autograd::gradcheck([&](auto& in) { return masked_select(in[0], row_mask); }, {test::leaf({3, 4}, 14)}));
  Tensor nz = nonzero(tensor({{0.0, 1.0}, {2.0, 0.0}}));
  EXPECT_EQ(nz.to_vector(), (std::vector<double>{0, 1, 1, 0}));
  EXPECT_EQ(nonzero_tuple(tensor({0.0, 3.0, 4.0}))[0].to_vector(), (std::vector<double>{1, 2}));
}

TEST(Indexing, SortTopk) {
  Tensor x = tensor({3.0, NAN, -1.0, 3.0, 0.5});
  auto [v, i] = sort(x);
  EXPECT_EQ(i.to_vector(), (std::vector<double>{2, 4, 0, 3, 1}));  // NaN last, ties in order
  auto [vd, id] = sort(x, 0, true);
  EXPECT_EQ(id.to_vector(), (std::vector<double>{1, 0, 3, 4, 2}));
  auto [tv, ti] = topk(tensor({1.0, 5.0, 3.0, 4.0}), 2);
  EXPECT_EQ(tv.to_vector(), (std::vector<double>{5, 4}));
  EXPECT_EQ(ti.to_vector(), (std::vector<double>{1, 3}));
  auto [kv, ki] = kthvalue(tensor({1.0, 5.0, 3.0, 4.0}), 2);
  EXPECT_EQ(kv.item<double>(), 3.0);
  EXPECT_EQ(ki.item<std::int64_t>(), 2);
  Tensor y = random({3, 5}).requires_grad_();
  EXPECT_EQ(name(std::get<0>(sort(y, 1))), "SortBackward0");
  EXPECT_EQ(name(std::get<0>(sort(y, 1, false, true))), "SortBackward1");
  EXPECT_EQ(name(std::get<0>(topk(y, 2))), "TopkBackward0");
  EXPECT_EQ(name(std::get<0>(kthvalue(y, 2))), "KthvalueBackward0");
  EXPECT_TRUE(autograd::gradcheck([](auto& in) { return std::get<0>(sort(in[0], 0, true)); }, {test::leaf({3, 5}, 15)}));
  EXPECT_TRUE(autograd::gradcheck([](auto& in) { return std::get<0>(topk(in[0], 2, 1, false)); }, {test::leaf({3, 5}, 16)}));
  EXPECT_EQ(error_of([&] { topk(y, 6); }), "selected index k out of range");
}

}  // namespace
}  // namespace ramp
