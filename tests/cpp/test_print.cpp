// Tests for ramp's tensor printing (src/tensor/print.cpp) against PyTorch 1.13.
//
// Every expected string below is what Debian's PyTorch 1.13 (torch/_tensor_str.py) printed for
// the expression in the comment above it, i.e. `repr(<expression>)` after the stated
// torch.set_printoptions(...) (each test starts from the default options), with "torch." turned
// into "ramp." in dtype suffixes. Element values are embedded (floats as the exact double of the
// float32/bfloat16/float64 element), so the tests need neither torch nor the rest of ramp; values
// from torch.randn are embedded the same way. Line breaks are PyTorch's: the dtype suffix is laid
// out at the length of its "torch." spelling. A few summarized tensors (more than 1000 elements)
// get their elements from a formula instead; only the printed edge elements affect the output.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "ramp/print.h"

using namespace ramp;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();
const std::int64_t kInt64Min = std::numeric_limits<std::int64_t>::min();

// A PrintSource over row-major `values`, for floating and bool dtypes.
PrintSource floats(ScalarType dtype, std::vector<std::int64_t> sizes, std::vector<double> values) {
  return PrintSource{std::move(sizes), dtype,
                     [v = std::move(values)](std::int64_t i) { return v.at(std::size_t(i)); },
                     nullptr};
}
// A bool PrintSource over row-major `values`.
PrintSource bools(std::vector<std::int64_t> sizes, std::vector<bool> values) {
  return PrintSource{
      std::move(sizes), ScalarType::Bool,
      [v = std::move(values)](std::int64_t i) { return v.at(std::size_t(i)) ? 1.0 : 0.0; },
      nullptr};
}
// A PrintSource over row-major `values`, for integer dtypes.
PrintSource ints(ScalarType dtype, std::vector<std::int64_t> sizes,
                 std::vector<std::int64_t> values) {
  return PrintSource{std::move(sizes), dtype, nullptr,
                     [v = std::move(values)](std::int64_t i) { return v.at(std::size_t(i)); }};
}
// A PrintSource whose element i is f(i).
template <class F> PrintSource floats_fn(ScalarType dtype, std::vector<std::int64_t> sizes, F f) {
  return PrintSource{std::move(sizes), dtype, f, nullptr};
}
template <class F> PrintSource ints_fn(ScalarType dtype, std::vector<std::int64_t> sizes, F f) {
  return PrintSource{std::move(sizes), dtype, nullptr, f};
}

// Restores the global print options when a test that changes them ends.
struct OptionsGuard {
  PrintOptions saved = print_options();
  ~OptionsGuard() { print_options() = saved; }
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// Options API and error cases (hand-written)

TEST(PrintOptionsApi, DefaultsMatchPyTorch) {
  const PrintOptions o;
  EXPECT_EQ(o.precision, 4);
  EXPECT_EQ(o.threshold, 1000);
  EXPECT_EQ(o.edgeitems, 3);
  EXPECT_EQ(o.linewidth, 80);
  EXPECT_FALSE(o.sci_mode.has_value());
}

TEST(PrintOptionsApi, SetAndProfiles) {
  OptionsGuard guard;
  set_printoptions(2, 5, 1, 60, true);
  EXPECT_EQ(print_options().precision, 2);
  EXPECT_EQ(print_options().threshold, 5);
  EXPECT_EQ(print_options().edgeitems, 1);
  EXPECT_EQ(print_options().linewidth, 60);
  EXPECT_EQ(print_options().sci_mode, true);
  // nullopt leaves an option alone, sci_mode included
  set_printoptions(3, std::nullopt, std::nullopt, std::nullopt, std::nullopt);
  EXPECT_EQ(print_options().precision, 3);
  EXPECT_EQ(print_options().threshold, 5);
  EXPECT_EQ(print_options().sci_mode, true);
  // profile="short", like torch.set_printoptions(profile="short"), also resets sci_mode to None
  set_printoptions_profile("short");
  EXPECT_EQ(print_options().precision, 2);
  EXPECT_EQ(print_options().threshold, 1000);
  EXPECT_EQ(print_options().edgeitems, 2);
  EXPECT_EQ(print_options().linewidth, 80);
  EXPECT_FALSE(print_options().sci_mode.has_value());
  set_printoptions_profile("full");
  EXPECT_EQ(print_options().threshold, std::numeric_limits<std::int64_t>::max());
  print_options().sci_mode = false;
  set_printoptions_profile("no-such-profile");  // PyTorch ignores an unknown profile
  EXPECT_EQ(print_options().threshold, std::numeric_limits<std::int64_t>::max());
  EXPECT_FALSE(print_options().sci_mode.has_value());
  set_printoptions_profile("default");
  EXPECT_EQ(print_options().precision, 4);
  EXPECT_EQ(print_options().threshold, 1000);
  EXPECT_EQ(print_options().edgeitems, 3);
}

TEST(PrintErrors, SummarizingMatrixWithZeroEdgeitems) {
  // torch 1.13: torch.set_printoptions(threshold=3, edgeitems=0);
  //             repr(torch.arange(10).reshape(2, 5))
  // raises RuntimeError: stack expects a non-empty TensorList
  OptionsGuard guard;
  print_options().threshold = 3;
  print_options().edgeitems = 0;
  const PrintSource src = ints_fn(ScalarType::Int64, {2, 5}, [](std::int64_t i) { return i; });
  EXPECT_THROW(format_tensor(src), Error);
}

TEST(PrintErrors, NegativePrecision) {
  // torch 1.13: torch.set_printoptions(precision=-1); repr(torch.tensor([1.5]))
  // raises ValueError: Format specifier missing precision; tensor([1.]) still prints (int mode).
  OptionsGuard guard;
  print_options().precision = -1;
  EXPECT_THROW(format_tensor(floats(ScalarType::Float32, {1}, {1.5})), ValueError);
  EXPECT_EQ(format_tensor(floats(ScalarType::Float32, {1}, {1.0})), "tensor([1.])");
}

TEST(PrintErrors, MalformedSource) {
  EXPECT_THROW(format_tensor(PrintSource{{2}, ScalarType::Float32, nullptr, nullptr}), Error);
  EXPECT_THROW(format_tensor(floats(ScalarType::Float32, {-1}, {})), Error);
}

// ---------------------------------------------------------------------------------------------
// Generated from torch 1.13 (see the comment in each test)

TEST(PrintReference, ReluIntModeFloats) {
  // torch 1.13: repr(torch.tensor([-1.0, 0.0, 1.0, 2.0]).relu())
  const PrintSource src = floats(ScalarType::Float32, {4}, {0.0, 0.0, 1.0, 2.0});
  EXPECT_EQ(format_tensor(src), "tensor([0., 0., 1., 2.])");
}

TEST(PrintReference, IntModeFloatsNegative) {
  // torch 1.13: repr(torch.tensor([-1.0, 0.0, 1.0, 2.0]))
  const PrintSource src = floats(ScalarType::Float32, {4}, {-1.0, 0.0, 1.0, 2.0});
  EXPECT_EQ(format_tensor(src), "tensor([-1.,  0.,  1.,  2.])");
}

TEST(PrintReference, Int64Relu) {
  // torch 1.13: repr(torch.tensor([-3, 0, 5]).relu())
  const PrintSource src = ints(ScalarType::Int64, {3}, {0, 0, 5});
  EXPECT_EQ(format_tensor(src), "tensor([0, 0, 5])");
}

TEST(PrintReference, Int32) {
  // torch 1.13: repr(torch.tensor([-3, 0, 5], dtype=torch.int32))
  const PrintSource src = ints(ScalarType::Int32, {3}, {-3, 0, 5});
  EXPECT_EQ(format_tensor(src), "tensor([-3,  0,  5], dtype=ramp.int32)");
}

TEST(PrintReference, UInt8) {
  // torch 1.13: repr(torch.tensor([1, 200], dtype=torch.uint8))
  const PrintSource src = ints(ScalarType::UInt8, {2}, {1, 200});
  EXPECT_EQ(format_tensor(src), "tensor([  1, 200], dtype=ramp.uint8)");
}

TEST(PrintReference, Bool) {
  // torch 1.13: repr(torch.tensor([True, False]))
  const PrintSource src = bools({2}, {true, false});
  EXPECT_EQ(format_tensor(src), "tensor([ True, False])");
}

TEST(PrintReference, Matrix) {
  // torch 1.13: repr(torch.tensor([[-1.5, 2.25], [0., 3.]]).relu())
  const PrintSource src = floats(ScalarType::Float32, {2, 2}, {0.0, 2.25, 0.0, 3.0});
  EXPECT_EQ(format_tensor(src),
            "tensor([[0.0000, 2.2500],\n"
            "        [0.0000, 3.0000]])");
}

TEST(PrintReference, FourDecimals) {
  // torch 1.13: repr(torch.tensor([0.3123, 0.4315]))
  const PrintSource src =
      floats(ScalarType::Float32, {2}, {0.3122999966144562, 0.43149998784065247});
  EXPECT_EQ(format_tensor(src), "tensor([0.3123, 0.4315])");
}

TEST(PrintReference, RoundsToPrecision) {
  // torch 1.13: repr(torch.tensor([0.31234567, 0.43159]))
  const PrintSource src =
      floats(ScalarType::Float32, {2}, {0.3123456835746765, 0.4315899908542633});
  EXPECT_EQ(format_tensor(src), "tensor([0.3123, 0.4316])");
}

TEST(PrintReference, RequiresGrad) {
  // torch 1.13: repr(torch.tensor([-1., 2.], requires_grad=True))
  const PrintSource src = floats(ScalarType::Float32, {2}, {-1.0, 2.0});
  EXPECT_EQ(format_tensor(src, {"requires_grad=True"}), "tensor([-1.,  2.], requires_grad=True)");
}

TEST(PrintReference, GradFn) {
  // torch 1.13: repr(torch.tensor([-1., 2.], requires_grad=True).relu())
  const PrintSource src = floats(ScalarType::Float32, {2}, {0.0, 2.0});
  EXPECT_EQ(format_tensor(src, {"grad_fn=<ReluBackward0>"}),
            "tensor([0., 2.], grad_fn=<ReluBackward0>)");
}

TEST(PrintReference, LeakyReluGradFn) {
  // torch 1.13: repr(F.leaky_relu(torch.tensor([-1., 2.], requires_grad=True)))
  const PrintSource src = floats(ScalarType::Float32, {2}, {-0.009999999776482582, 2.0});
  EXPECT_EQ(format_tensor(src, {"grad_fn=<LeakyReluBackward0>"}),
            "tensor([-0.0100,  2.0000], grad_fn=<LeakyReluBackward0>)");
}

TEST(PrintReference, SigmoidGradFn) {
  // torch 1.13: repr(torch.tensor([-1., 0., 1.], requires_grad=True).sigmoid())
  const PrintSource src =
      floats(ScalarType::Float32, {3}, {0.2689414322376251, 0.5, 0.7310585975646973});
  EXPECT_EQ(format_tensor(src, {"grad_fn=<SigmoidBackward0>"}),
            "tensor([0.2689, 0.5000, 0.7311], grad_fn=<SigmoidBackward0>)");
}

TEST(PrintReference, ScalarGradFn) {
  // torch 1.13: repr(torch.tensor(-3.5, requires_grad=True).relu())
  const PrintSource src = floats(ScalarType::Float32, {}, {0.0});
  EXPECT_EQ(format_tensor(src, {"grad_fn=<ReluBackward0>"}), "tensor(0., grad_fn=<ReluBackward0>)");
}

TEST(PrintReference, ScalarFloat) {
  // torch 1.13: repr(torch.tensor(3.5))
  const PrintSource src = floats(ScalarType::Float32, {}, {3.5});
  EXPECT_EQ(format_tensor(src), "tensor(3.5000)");
}

TEST(PrintReference, ScalarInt) {
  // torch 1.13: repr(torch.tensor(3))
  const PrintSource src = ints(ScalarType::Int64, {}, {3});
  EXPECT_EQ(format_tensor(src), "tensor(3)");
}

TEST(PrintReference, EmptyFloat) {
  // torch 1.13: repr(torch.tensor([]))
  const PrintSource src = floats(ScalarType::Float32, {0}, {});
  EXPECT_EQ(format_tensor(src), "tensor([])");
}

TEST(PrintReference, EmptyLong) {
  // torch 1.13: repr(torch.tensor([], dtype=torch.long))
  const PrintSource src = ints(ScalarType::Int64, {0}, {});
  EXPECT_EQ(format_tensor(src), "tensor([], dtype=ramp.int64)");
}

TEST(PrintReference, EmptyMatrix) {
  // torch 1.13: repr(torch.empty(2, 0))
  const PrintSource src = floats(ScalarType::Float32, {2, 0}, {});
  EXPECT_EQ(format_tensor(src), "tensor([], size=(2, 0))");
}

TEST(PrintReference, NegativeZero) {
  // torch 1.13: repr(torch.tensor([-0.0, 0.0]))
  const PrintSource src = floats(ScalarType::Float32, {2}, {-0.0, 0.0});
  EXPECT_EQ(format_tensor(src), "tensor([-0., 0.])");
}

TEST(PrintReference, NegativeZeroFixed) {
  // torch 1.13: repr(torch.relu(torch.tensor([-0.0, 1.5])))
  const PrintSource src = floats(ScalarType::Float32, {2}, {-0.0, 1.5});
  EXPECT_EQ(format_tensor(src), "tensor([-0.0000, 1.5000])");
}

TEST(PrintReference, NanInfFixed) {
  // torch 1.13: repr(torch.tensor([nan, inf, -inf, 1.5]))
  const PrintSource src = floats(ScalarType::Float32, {4}, {kNaN, kInf, -kInf, 1.5});
  EXPECT_EQ(format_tensor(src), "tensor([   nan,    inf,   -inf, 1.5000])");
}

TEST(PrintReference, NanIntMode) {
  // torch 1.13: repr(torch.tensor([nan, 1., 2.]))
  const PrintSource src = floats(ScalarType::Float32, {3}, {kNaN, 1.0, 2.0});
  EXPECT_EQ(format_tensor(src), "tensor([nan, 1., 2.])");
}

TEST(PrintReference, Float64) {
  // torch 1.13: repr(torch.tensor([0.5, 1.0], dtype=torch.float64))
  const PrintSource src = floats(ScalarType::Float64, {2}, {0.5, 1.0});
  EXPECT_EQ(format_tensor(src), "tensor([0.5000, 1.0000], dtype=ramp.float64)");
}

TEST(PrintReference, BFloat16) {
  // torch 1.13: repr(torch.tensor([0.5, 1.0], dtype=torch.bfloat16))
  const PrintSource src = floats(ScalarType::BFloat16, {2}, {0.5, 1.0});
  EXPECT_EQ(format_tensor(src), "tensor([0.5000, 1.0000], dtype=ramp.bfloat16)");
}

TEST(PrintReference, BFloat16GradFn) {
  // torch 1.13: repr(torch.tensor([-0.5, 1.], dtype=torch.bfloat16, requires_grad=True).relu())
  const PrintSource src = floats(ScalarType::BFloat16, {2}, {0.0, 1.0});
  EXPECT_EQ(format_tensor(src, {"grad_fn=<ReluBackward0>"}),
            "tensor([0., 1.], dtype=ramp.bfloat16, grad_fn=<ReluBackward0>)");
}

TEST(PrintReference, BigInt64) {
  // torch 1.13: repr(torch.tensor([1, 10**12]))
  const PrintSource src = ints(ScalarType::Int64, {2}, {1, 1000000000000});
  EXPECT_EQ(format_tensor(src), "tensor([            1, 1000000000000])");
}

TEST(PrintReference, SciSmallAndLarge) {
  // torch 1.13: repr(torch.tensor([1e-5, 1.0, 1e5]))
  const PrintSource src = floats(ScalarType::Float32, {3}, {9.999999747378752e-06, 1.0, 100000.0});
  EXPECT_EQ(format_tensor(src), "tensor([1.0000e-05, 1.0000e+00, 1.0000e+05])");
}

TEST(PrintReference, SciRatio) {
  // torch 1.13: repr(torch.tensor([0.001, 1.0, 1000.0]))
  const PrintSource src = floats(ScalarType::Float32, {3}, {0.0010000000474974513, 1.0, 1000.0});
  EXPECT_EQ(format_tensor(src), "tensor([1.0000e-03, 1.0000e+00, 1.0000e+03])");
}

TEST(PrintReference, IntModeWidth) {
  // torch 1.13: repr(torch.tensor([1.0, 2.0, 300.0]))
  const PrintSource src = floats(ScalarType::Float32, {3}, {1.0, 2.0, 300.0});
  EXPECT_EQ(format_tensor(src), "tensor([  1.,   2., 300.])");
}

TEST(PrintReference, IntModeSciAbove1e8) {
  // torch 1.13: repr(torch.tensor([1.0, 1e8]))
  const PrintSource src = floats(ScalarType::Float32, {2}, {1.0, 100000000.0});
  EXPECT_EQ(format_tensor(src), "tensor([1.0000e+00, 1.0000e+08])");
}

TEST(PrintReference, SciFractional) {
  // torch 1.13: repr(torch.tensor([123456.7, 0.5]))
  const PrintSource src = floats(ScalarType::Float32, {2}, {123456.703125, 0.5});
  EXPECT_EQ(format_tensor(src), "tensor([1.2346e+05, 5.0000e-01])");
}

TEST(PrintReference, Float32TenThousandthIsBelow1e4) {
  // torch 1.13: repr(torch.tensor([0.0001, 0.5]))
  const PrintSource src = floats(ScalarType::Float32, {2}, {9.999999747378752e-05, 0.5});
  EXPECT_EQ(format_tensor(src), "tensor([1.0000e-04, 5.0000e-01])");
}

TEST(PrintReference, IntModeLargeEqual) {
  // torch 1.13: repr(torch.full((3,), 123456.0))
  const PrintSource src = floats(ScalarType::Float32, {3}, {123456.0, 123456.0, 123456.0});
  EXPECT_EQ(format_tensor(src), "tensor([123456., 123456., 123456.])");
}

TEST(PrintReference, SummarizedIntMode) {
  // torch 1.13: repr(torch.arange(1001.).relu())
  const PrintSource src =
      floats_fn(ScalarType::Float32, {1001}, [](std::int64_t i) { return double(i); });
  EXPECT_EQ(format_tensor(src), "tensor([   0.,    1.,    2.,  ...,  998.,  999., 1000.])");
}

TEST(PrintReference, SummarizedInt64) {
  // torch 1.13: repr(torch.arange(2000))
  const PrintSource src = ints_fn(ScalarType::Int64, {2000}, [](std::int64_t i) { return i; });
  EXPECT_EQ(format_tensor(src), "tensor([   0,    1,    2,  ..., 1997, 1998, 1999])");
}

TEST(PrintReference, SummarizedSciWraps) {
  // torch 1.13: repr(torch.linspace(0, 1, 2000))
  const PrintSource src = floats_fn(ScalarType::Float32, {2000}, [](std::int64_t i) {
    // the six printed elements are torch's float32 values; the others are never read
    const double head[] = {0.0, 0.0005002501420676708, 0.0010005002841353416};
    const double tail[] = {0.9989994764328003, 0.9994997382164001, 1.0};
    return i < 3 ? head[i] : i >= 1997 ? tail[i - 1997] : double(i) / 1999.0;
  });
  EXPECT_EQ(format_tensor(src),
            "tensor([0.0000e+00, 5.0025e-04, 1.0005e-03,  ..., 9.9900e-01, 9.9950e-01,\n"
            "        1.0000e+00])");
}

TEST(PrintReference, RandnMatrixGradFn) {
  // torch 1.13: torch.manual_seed(0); repr(F.relu(torch.randn(2, 3, requires_grad=True)))
  const PrintSource src = floats(ScalarType::Float32, {2, 3},
                                 {1.5409960746765137, 0.0, 0.0, 0.5684312582015991, 0.0, 0.0});
  EXPECT_EQ(format_tensor(src, {"grad_fn=<ReluBackward0>"}),
            "tensor([[1.5410, 0.0000, 0.0000],\n"
            "        [0.5684, 0.0000, 0.0000]], grad_fn=<ReluBackward0>)");
}

TEST(PrintReference, SuffixWrapsAtLinewidth) {
  // torch 1.13: torch.manual_seed(0); torch.randn(2, 3);
  //             repr(torch.randn(3, 3, dtype=torch.float64, requires_grad=True).relu())
  // "dtype=ramp.float64" is a character shorter than "dtype=torch.float64", but the grad_fn
  // suffix still wraps where PyTorch wraps it (print.cpp counts the dtype at PyTorch's length).
  const PrintSource src = floats(ScalarType::Float64, {3, 3},
                                 {0.4033468476292993, 0.8380263329976598, 0.0, 0.0, 0.0,
                                  0.18203648506130554, 0.0, 1.100604170903427, 0.0});
  EXPECT_EQ(format_tensor(src, {"grad_fn=<ReluBackward0>"}),
            "tensor([[0.4033, 0.8380, 0.0000],\n"
            "        [0.0000, 0.0000, 0.1820],\n"
            "        [0.0000, 1.1006, 0.0000]], dtype=ramp.float64,\n"
            "       grad_fn=<ReluBackward0>)");
}

TEST(PrintReference, ThreeDims) {
  // torch 1.13: repr(torch.arange(8.).reshape(2, 2, 2))
  const PrintSource src =
      floats(ScalarType::Float32, {2, 2, 2}, {0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0});
  EXPECT_EQ(format_tensor(src),
            "tensor([[[0., 1.],\n"
            "         [2., 3.]],\n"
            "\n"
            "        [[4., 5.],\n"
            "         [6., 7.]]])");
}

TEST(PrintReference, RowWrapsAt80) {
  // torch 1.13: repr(torch.arange(20.) * 1.5)
  const PrintSource src = floats(ScalarType::Float32, {20},
                                 {0.0,  1.5,  3.0,  4.5,  6.0,  7.5,  9.0,  10.5, 12.0, 13.5,
                                  15.0, 16.5, 18.0, 19.5, 21.0, 22.5, 24.0, 25.5, 27.0, 28.5});
  EXPECT_EQ(format_tensor(src),
            "tensor([ 0.0000,  1.5000,  3.0000,  4.5000,  6.0000,  7.5000,  9.0000, 10.5000,\n"
            "        12.0000, 13.5000, 15.0000, 16.5000, 18.0000, 19.5000, 21.0000, 22.5000,\n"
            "        24.0000, 25.5000, 27.0000, 28.5000])");
}

TEST(PrintReference, SummarizedMatrixSci) {
  // torch 1.13: repr(torch.arange(10000.).reshape(100, 100))
  const PrintSource src =
      floats_fn(ScalarType::Float32, {100, 100}, [](std::int64_t i) { return double(i); });
  EXPECT_EQ(format_tensor(src),
            "tensor([[0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 9.7000e+01, 9.8000e+01,\n"
            "         9.9000e+01],\n"
            "        [1.0000e+02, 1.0100e+02, 1.0200e+02,  ..., 1.9700e+02, 1.9800e+02,\n"
            "         1.9900e+02],\n"
            "        [2.0000e+02, 2.0100e+02, 2.0200e+02,  ..., 2.9700e+02, 2.9800e+02,\n"
            "         2.9900e+02],\n"
            "        ...,\n"
            "        [9.7000e+03, 9.7010e+03, 9.7020e+03,  ..., 9.7970e+03, 9.7980e+03,\n"
            "         9.7990e+03],\n"
            "        [9.8000e+03, 9.8010e+03, 9.8020e+03,  ..., 9.8970e+03, 9.8980e+03,\n"
            "         9.8990e+03],\n"
            "        [9.9000e+03, 9.9010e+03, 9.9020e+03,  ..., 9.9970e+03, 9.9980e+03,\n"
            "         9.9990e+03]])");
}

TEST(PrintSpecial, NanAndNegInfIntModeWidthOne) {
  // torch 1.13: repr(torch.tensor([nan, -inf]))
  const PrintSource src = floats(ScalarType::Float32, {2}, {kNaN, -kInf});
  EXPECT_EQ(format_tensor(src), "tensor([nan, -inf])");
}

TEST(PrintSpecial, NegativeNanPrintsNan) {
  // torch 1.13: repr(torch.tensor([-nan, 1.5]))
  const PrintSource src = floats(ScalarType::Float32, {2}, {-kNaN, 1.5});
  EXPECT_EQ(format_tensor(src), "tensor([   nan, 1.5000])");
}

TEST(PrintSpecial, NanInfSci) {
  // torch 1.13: repr(torch.tensor([nan, inf, 1e-5, -2.5]))
  const PrintSource src =
      floats(ScalarType::Float32, {4}, {kNaN, kInf, 9.999999747378752e-06, -2.5});
  EXPECT_EQ(format_tensor(src), "tensor([        nan,         inf,  1.0000e-05, -2.5000e+00])");
}

TEST(PrintSpecial, AllZeros) {
  // torch 1.13: repr(torch.zeros(2, 3))
  const PrintSource src = floats(ScalarType::Float32, {2, 3}, {0.0, 0.0, 0.0, 0.0, 0.0, 0.0});
  EXPECT_EQ(format_tensor(src),
            "tensor([[0., 0., 0.],\n"
            "        [0., 0., 0.]])");
}

TEST(PrintSpecial, ScalarNan) {
  // torch 1.13: repr(torch.tensor(nan))
  const PrintSource src = floats(ScalarType::Float32, {}, {kNaN});
  EXPECT_EQ(format_tensor(src), "tensor(nan)");
}

TEST(PrintSpecial, ScalarNegInf) {
  // torch 1.13: repr(torch.tensor(-inf, dtype=torch.float64))
  const PrintSource src = floats(ScalarType::Float64, {}, {-kInf});
  EXPECT_EQ(format_tensor(src), "tensor(-inf, dtype=ramp.float64)");
}

TEST(PrintSpecial, ScalarNegZero) {
  // torch 1.13: repr(torch.tensor(-0.0))
  const PrintSource src = floats(ScalarType::Float32, {}, {-0.0});
  EXPECT_EQ(format_tensor(src), "tensor(-0.)");
}

TEST(PrintSpecial, ScalarSci) {
  // torch 1.13: repr(torch.tensor(1e-7))
  const PrintSource src = floats(ScalarType::Float32, {}, {1.0000000116860974e-07});
  EXPECT_EQ(format_tensor(src), "tensor(1.0000e-07)");
}

TEST(PrintSpecial, ScalarIntModeBig) {
  // torch 1.13: repr(torch.tensor(1e9))
  const PrintSource src = floats(ScalarType::Float32, {}, {1000000000.0});
  EXPECT_EQ(format_tensor(src), "tensor(1.0000e+09)");
}

TEST(PrintSpecial, Float64Exact1e4IsFixed) {
  // torch 1.13: repr(torch.tensor([0.0001, 0.5], dtype=torch.float64))
  const PrintSource src = floats(ScalarType::Float64, {2}, {0.0001, 0.5});
  EXPECT_EQ(format_tensor(src), "tensor([1.0000e-04, 5.0000e-01], dtype=ramp.float64)");
}

TEST(PrintSpecial, RatioExactly1000IsFixed) {
  // torch 1.13: repr(torch.tensor([0.5, 500.0]))
  const PrintSource src = floats(ScalarType::Float32, {2}, {0.5, 500.0});
  EXPECT_EQ(format_tensor(src), "tensor([  0.5000, 500.0000])");
}

TEST(PrintSpecial, IntModeRatioAbove1000) {
  // torch 1.13: repr(torch.tensor([1., 1001.]))
  const PrintSource src = floats(ScalarType::Float32, {2}, {1.0, 1001.0});
  EXPECT_EQ(format_tensor(src), "tensor([1.0000e+00, 1.0010e+03])");
}

TEST(PrintSpecial, IntModeExactly1e8) {
  // torch 1.13: repr(torch.tensor([1e8, 2e8], dtype=torch.float64))
  const PrintSource src = floats(ScalarType::Float64, {2}, {100000000.0, 200000000.0});
  EXPECT_EQ(format_tensor(src), "tensor([1.0000e+08, 2.0000e+08], dtype=ramp.float64)");
}

TEST(PrintSpecial, NegativeSci) {
  // torch 1.13: repr(torch.tensor([-1e-5, 3e10]))
  const PrintSource src = floats(ScalarType::Float32, {2}, {-9.999999747378752e-06, 30000001024.0});
  EXPECT_EQ(format_tensor(src), "tensor([-1.0000e-05,  3.0000e+10])");
}

TEST(PrintSpecial, HugeFloat64) {
  // torch 1.13: repr(torch.tensor([1.5e300, -2e-300], dtype=torch.float64))
  const PrintSource src = floats(ScalarType::Float64, {2}, {1.5e+300, -2e-300});
  EXPECT_EQ(format_tensor(src), "tensor([ 1.5000e+300, -2.0000e-300], dtype=ramp.float64)");
}

TEST(PrintSpecial, RoundHalfEven) {
  // torch 1.13: repr(torch.tensor([1.03125, 2.5, 0.5], dtype=torch.float64))
  const PrintSource src = floats(ScalarType::Float64, {3}, {1.03125, 2.5, 0.5});
  EXPECT_EQ(format_tensor(src), "tensor([1.0312, 2.5000, 0.5000], dtype=ramp.float64)");
}

TEST(PrintDtypes, ScalarBool) {
  // torch 1.13: repr(torch.tensor(True))
  const PrintSource src = bools({}, {true});
  EXPECT_EQ(format_tensor(src), "tensor(True)");
}

TEST(PrintDtypes, AllTrue) {
  // torch 1.13: repr(torch.tensor([True, True]))
  const PrintSource src = bools({2}, {true, true});
  EXPECT_EQ(format_tensor(src), "tensor([True, True])");
}

TEST(PrintDtypes, BoolMatrix) {
  // torch 1.13: repr(torch.tensor([[True, False, True], [False, False, True]]))
  const PrintSource src = bools({2, 3}, {true, false, true, false, false, true});
  EXPECT_EQ(format_tensor(src),
            "tensor([[ True, False,  True],\n"
            "        [False, False,  True]])");
}

TEST(PrintDtypes, ScalarUInt8) {
  // torch 1.13: repr(torch.tensor(5, dtype=torch.uint8))
  const PrintSource src = ints(ScalarType::UInt8, {}, {5});
  EXPECT_EQ(format_tensor(src), "tensor(5, dtype=ramp.uint8)");
}

TEST(PrintDtypes, Int8) {
  // torch 1.13: repr(torch.tensor([-128, 0, 127], dtype=torch.int8))
  const PrintSource src = ints(ScalarType::Int8, {3}, {-128, 0, 127});
  EXPECT_EQ(format_tensor(src), "tensor([-128,    0,  127], dtype=ramp.int8)");
}

TEST(PrintDtypes, Int32Matrix) {
  // torch 1.13: repr(torch.tensor([[1, -20], [300, 4]], dtype=torch.int32))
  const PrintSource src = ints(ScalarType::Int32, {2, 2}, {1, -20, 300, 4});
  EXPECT_EQ(format_tensor(src),
            "tensor([[  1, -20],\n"
            "        [300,   4]], dtype=ramp.int32)");
}

TEST(PrintDtypes, Int64Extremes) {
  // torch 1.13: repr(torch.tensor([-2**63, 2**63 - 1, 0]))
  const PrintSource src = ints(ScalarType::Int64, {3}, {kInt64Min, 9223372036854775807, 0});
  EXPECT_EQ(format_tensor(src),
            "tensor([-9223372036854775808,  9223372036854775807,                    0])");
}

TEST(PrintDtypes, BFloat16Rounded) {
  // torch 1.13: repr(torch.tensor([1/3, 2/3, 100.1], dtype=torch.bfloat16))
  const PrintSource src = floats(ScalarType::BFloat16, {3}, {0.333984375, 0.66796875, 100.0});
  EXPECT_EQ(format_tensor(src), "tensor([  0.3340,   0.6680, 100.0000], dtype=ramp.bfloat16)");
}

TEST(PrintDtypes, BFloat16Sci) {
  // torch 1.13: repr(torch.tensor([1e-6, 3e4], dtype=torch.bfloat16))
  const PrintSource src = floats(ScalarType::BFloat16, {2}, {9.98377799987793e-07, 29952.0});
  EXPECT_EQ(format_tensor(src), "tensor([9.9838e-07, 2.9952e+04], dtype=ramp.bfloat16)");
}

TEST(PrintDtypes, Float64Fraction) {
  // torch 1.13: repr(torch.tensor([1/3, -2/3], dtype=torch.float64))
  const PrintSource src =
      floats(ScalarType::Float64, {2}, {0.3333333333333333, -0.6666666666666666});
  EXPECT_EQ(format_tensor(src), "tensor([ 0.3333, -0.6667], dtype=ramp.float64)");
}

TEST(PrintDtypes, EmptyBool) {
  // torch 1.13: repr(torch.empty(0, dtype=torch.bool))
  const PrintSource src = bools({0}, {});
  EXPECT_EQ(format_tensor(src), "tensor([], dtype=ramp.bool)");
}

TEST(PrintDtypes, EmptyFloat64Matrix) {
  // torch 1.13: repr(torch.empty(2, 0, dtype=torch.float64))
  const PrintSource src = floats(ScalarType::Float64, {2, 0}, {});
  EXPECT_EQ(format_tensor(src), "tensor([], size=(2, 0), dtype=ramp.float64)");
}

TEST(PrintDtypes, EmptyInt64ThreeDims) {
  // torch 1.13: repr(torch.empty(0, 3, 4, dtype=torch.int64))
  const PrintSource src = ints(ScalarType::Int64, {0, 3, 4}, {});
  EXPECT_EQ(format_tensor(src), "tensor([], size=(0, 3, 4), dtype=ramp.int64)");
}

TEST(PrintDtypes, EmptyBFloat16RequiresGrad) {
  // torch 1.13: repr(torch.empty(0, dtype=torch.bfloat16, requires_grad=True))
  const PrintSource src = floats(ScalarType::BFloat16, {0}, {});
  EXPECT_EQ(format_tensor(src, {"requires_grad=True"}),
            "tensor([], dtype=ramp.bfloat16, requires_grad=True)");
}

TEST(PrintDtypes, EmptyUInt8) {
  // torch 1.13: repr(torch.empty(0, 2, dtype=torch.uint8))
  const PrintSource src = ints(ScalarType::UInt8, {0, 2}, {});
  EXPECT_EQ(format_tensor(src), "tensor([], size=(0, 2), dtype=ramp.uint8)");
}

TEST(PrintLayout, OneElementThreeDims) {
  // torch 1.13: repr(torch.tensor([[[2.5]]]))
  const PrintSource src = floats(ScalarType::Float32, {1, 1, 1}, {2.5});
  EXPECT_EQ(format_tensor(src), "tensor([[[2.5000]]])");
}

TEST(PrintLayout, FourDims) {
  // torch 1.13: repr(torch.arange(8.).reshape(2, 1, 2, 2) - 3.5)
  const PrintSource src =
      floats(ScalarType::Float32, {2, 1, 2, 2}, {-3.5, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5});
  EXPECT_EQ(format_tensor(src),
            "tensor([[[[-3.5000, -2.5000],\n"
            "          [-1.5000, -0.5000]]],\n"
            "\n"
            "\n"
            "        [[[ 0.5000,  1.5000],\n"
            "          [ 2.5000,  3.5000]]]])");
}

TEST(PrintLayout, RandnWideMatrixWraps) {
  // torch 1.13: torch.manual_seed(1); repr((torch.randn(4, 12) * 100).double())
  const PrintSource src =
      floats(ScalarType::Float64, {4, 12},
             {-152.55958557128906, -75.02317810058594,  -65.3980941772461,   -160.948486328125,
              -10.016717910766602, -60.91889190673828,  -97.97722625732422,  -160.9096221923828,
              -71.21446228027344,  30.37220001220703,   -77.73143005371094,  -25.145524978637695,
              -22.227048873901367, 168.71133422851562,  22.842517852783203,  46.7635498046875,
              -69.6972427368164,   -116.0761489868164,  69.95423889160156,   19.90816307067871,
              86.5692367553711,    24.44038963317871,   -66.2911376953125,   80.73082733154297,
              110.16806030273438,  -17.593605041503906, -224.5557861328125,  -144.6457977294922,
              6.115528106689453,   -61.774444580078125, -79.8069839477539,   -13.162321090698242,
              187.9345703125,      -7.2131781578063965, 15.777060508728027,  -77.34548950195312,
              19.905651092529297,  4.570277690887451,   15.29569149017334,   -47.56787872314453,
              -11.101983070373535, 29.27352523803711,   -15.784515380859375, -2.878714084625244,
              235.71109008789062,  -103.73387145996094, 157.4798126220703,   -62.98472213745117});
  EXPECT_EQ(format_tensor(src),
            "tensor([[-152.5596,  -75.0232,  -65.3981, -160.9485,  -10.0167,  -60.9189,\n"
            "          -97.9772, -160.9096,  -71.2145,   30.3722,  -77.7314,  -25.1455],\n"
            "        [ -22.2270,  168.7113,   22.8425,   46.7635,  -69.6972, -116.0761,\n"
            "           69.9542,   19.9082,   86.5692,   24.4404,  -66.2911,   80.7308],\n"
            "        [ 110.1681,  -17.5936, -224.5558, -144.6458,    6.1155,  -61.7744,\n"
            "          -79.8070,  -13.1623,  187.9346,   -7.2132,   15.7771,  -77.3455],\n"
            "        [  19.9057,    4.5703,   15.2957,  -47.5679,  -11.1020,   29.2735,\n"
            "          -15.7845,   -2.8787,  235.7111, -103.7339,  157.4798,  -62.9847]],\n"
            "       dtype=ramp.float64)");
}

TEST(PrintLayout, Int64RowWraps) {
  // torch 1.13: repr(torch.arange(40) * 1000 - 7000)
  const PrintSource src =
      ints(ScalarType::Int64, {40},
           {-7000, -6000, -5000, -4000, -3000, -2000, -1000, 0,     1000,  2000,
            3000,  4000,  5000,  6000,  7000,  8000,  9000,  10000, 11000, 12000,
            13000, 14000, 15000, 16000, 17000, 18000, 19000, 20000, 21000, 22000,
            23000, 24000, 25000, 26000, 27000, 28000, 29000, 30000, 31000, 32000});
  EXPECT_EQ(format_tensor(src),
            "tensor([-7000, -6000, -5000, -4000, -3000, -2000, -1000,     0,  1000,  2000,\n"
            "         3000,  4000,  5000,  6000,  7000,  8000,  9000, 10000, 11000, 12000,\n"
            "        13000, 14000, 15000, 16000, 17000, 18000, 19000, 20000, 21000, 22000,\n"
            "        23000, 24000, 25000, 26000, 27000, 28000, 29000, 30000, 31000, 32000])");
}

TEST(PrintLayout, BoolRowWraps) {
  // torch 1.13: repr(torch.arange(30) % 3 == 0)
  const PrintSource src =
      bools({30}, {true,  false, false, true,  false, false, true,  false, false, true,
                   false, false, true,  false, false, true,  false, false, true,  false,
                   false, true,  false, false, true,  false, false, true,  false, false});
  EXPECT_EQ(format_tensor(src),
            "tensor([ True, False, False,  True, False, False,  True, False, False,  True,\n"
            "        False, False,  True, False, False,  True, False, False,  True, False,\n"
            "        False,  True, False, False,  True, False, False,  True, False, False])");
}

TEST(PrintLayout, SummarizedThreeDims) {
  // torch 1.13: repr(torch.arange(3000.).reshape(10, 10, 30))
  const PrintSource src =
      floats_fn(ScalarType::Float32, {10, 10, 30}, [](std::int64_t i) { return double(i); });
  EXPECT_EQ(format_tensor(src),
            "tensor([[[0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 2.7000e+01,\n"
            "          2.8000e+01, 2.9000e+01],\n"
            "         [3.0000e+01, 3.1000e+01, 3.2000e+01,  ..., 5.7000e+01,\n"
            "          5.8000e+01, 5.9000e+01],\n"
            "         [6.0000e+01, 6.1000e+01, 6.2000e+01,  ..., 8.7000e+01,\n"
            "          8.8000e+01, 8.9000e+01],\n"
            "         ...,\n"
            "         [2.1000e+02, 2.1100e+02, 2.1200e+02,  ..., 2.3700e+02,\n"
            "          2.3800e+02, 2.3900e+02],\n"
            "         [2.4000e+02, 2.4100e+02, 2.4200e+02,  ..., 2.6700e+02,\n"
            "          2.6800e+02, 2.6900e+02],\n"
            "         [2.7000e+02, 2.7100e+02, 2.7200e+02,  ..., 2.9700e+02,\n"
            "          2.9800e+02, 2.9900e+02]],\n"
            "\n"
            "        [[3.0000e+02, 3.0100e+02, 3.0200e+02,  ..., 3.2700e+02,\n"
            "          3.2800e+02, 3.2900e+02],\n"
            "         [3.3000e+02, 3.3100e+02, 3.3200e+02,  ..., 3.5700e+02,\n"
            "          3.5800e+02, 3.5900e+02],\n"
            "         [3.6000e+02, 3.6100e+02, 3.6200e+02,  ..., 3.8700e+02,\n"
            "          3.8800e+02, 3.8900e+02],\n"
            "         ...,\n"
            "         [5.1000e+02, 5.1100e+02, 5.1200e+02,  ..., 5.3700e+02,\n"
            "          5.3800e+02, 5.3900e+02],\n"
            "         [5.4000e+02, 5.4100e+02, 5.4200e+02,  ..., 5.6700e+02,\n"
            "          5.6800e+02, 5.6900e+02],\n"
            "         [5.7000e+02, 5.7100e+02, 5.7200e+02,  ..., 5.9700e+02,\n"
            "          5.9800e+02, 5.9900e+02]],\n"
            "\n"
            "        [[6.0000e+02, 6.0100e+02, 6.0200e+02,  ..., 6.2700e+02,\n"
            "          6.2800e+02, 6.2900e+02],\n"
            "         [6.3000e+02, 6.3100e+02, 6.3200e+02,  ..., 6.5700e+02,\n"
            "          6.5800e+02, 6.5900e+02],\n"
            "         [6.6000e+02, 6.6100e+02, 6.6200e+02,  ..., 6.8700e+02,\n"
            "          6.8800e+02, 6.8900e+02],\n"
            "         ...,\n"
            "         [8.1000e+02, 8.1100e+02, 8.1200e+02,  ..., 8.3700e+02,\n"
            "          8.3800e+02, 8.3900e+02],\n"
            "         [8.4000e+02, 8.4100e+02, 8.4200e+02,  ..., 8.6700e+02,\n"
            "          8.6800e+02, 8.6900e+02],\n"
            "         [8.7000e+02, 8.7100e+02, 8.7200e+02,  ..., 8.9700e+02,\n"
            "          8.9800e+02, 8.9900e+02]],\n"
            "\n"
            "        ...,\n"
            "\n"
            "        [[2.1000e+03, 2.1010e+03, 2.1020e+03,  ..., 2.1270e+03,\n"
            "          2.1280e+03, 2.1290e+03],\n"
            "         [2.1300e+03, 2.1310e+03, 2.1320e+03,  ..., 2.1570e+03,\n"
            "          2.1580e+03, 2.1590e+03],\n"
            "         [2.1600e+03, 2.1610e+03, 2.1620e+03,  ..., 2.1870e+03,\n"
            "          2.1880e+03, 2.1890e+03],\n"
            "         ...,\n"
            "         [2.3100e+03, 2.3110e+03, 2.3120e+03,  ..., 2.3370e+03,\n"
            "          2.3380e+03, 2.3390e+03],\n"
            "         [2.3400e+03, 2.3410e+03, 2.3420e+03,  ..., 2.3670e+03,\n"
            "          2.3680e+03, 2.3690e+03],\n"
            "         [2.3700e+03, 2.3710e+03, 2.3720e+03,  ..., 2.3970e+03,\n"
            "          2.3980e+03, 2.3990e+03]],\n"
            "\n"
            "        [[2.4000e+03, 2.4010e+03, 2.4020e+03,  ..., 2.4270e+03,\n"
            "          2.4280e+03, 2.4290e+03],\n"
            "         [2.4300e+03, 2.4310e+03, 2.4320e+03,  ..., 2.4570e+03,\n"
            "          2.4580e+03, 2.4590e+03],\n"
            "         [2.4600e+03, 2.4610e+03, 2.4620e+03,  ..., 2.4870e+03,\n"
            "          2.4880e+03, 2.4890e+03],\n"
            "         ...,\n"
            "         [2.6100e+03, 2.6110e+03, 2.6120e+03,  ..., 2.6370e+03,\n"
            "          2.6380e+03, 2.6390e+03],\n"
            "         [2.6400e+03, 2.6410e+03, 2.6420e+03,  ..., 2.6670e+03,\n"
            "          2.6680e+03, 2.6690e+03],\n"
            "         [2.6700e+03, 2.6710e+03, 2.6720e+03,  ..., 2.6970e+03,\n"
            "          2.6980e+03, 2.6990e+03]],\n"
            "\n"
            "        [[2.7000e+03, 2.7010e+03, 2.7020e+03,  ..., 2.7270e+03,\n"
            "          2.7280e+03, 2.7290e+03],\n"
            "         [2.7300e+03, 2.7310e+03, 2.7320e+03,  ..., 2.7570e+03,\n"
            "          2.7580e+03, 2.7590e+03],\n"
            "         [2.7600e+03, 2.7610e+03, 2.7620e+03,  ..., 2.7870e+03,\n"
            "          2.7880e+03, 2.7890e+03],\n"
            "         ...,\n"
            "         [2.9100e+03, 2.9110e+03, 2.9120e+03,  ..., 2.9370e+03,\n"
            "          2.9380e+03, 2.9390e+03],\n"
            "         [2.9400e+03, 2.9410e+03, 2.9420e+03,  ..., 2.9670e+03,\n"
            "          2.9680e+03, 2.9690e+03],\n"
            "         [2.9700e+03, 2.9710e+03, 2.9720e+03,  ..., 2.9970e+03,\n"
            "          2.9980e+03, 2.9990e+03]]])");
}

TEST(PrintLayout, SummarizedOnlyInnerDim) {
  // torch 1.13: repr(torch.arange(2002).reshape(2, 1001))
  const PrintSource src = ints_fn(ScalarType::Int64, {2, 1001}, [](std::int64_t i) { return i; });
  EXPECT_EQ(format_tensor(src),
            "tensor([[   0,    1,    2,  ...,  998,  999, 1000],\n"
            "        [1001, 1002, 1003,  ..., 1999, 2000, 2001]])");
}

TEST(PrintLayout, SummarizedStatsFromEdgesOnly) {
  // torch 1.13: repr(torch.cat([torch.tensor([0.5, 1., 2.]), torch.full((1000,), 1e6),
  // torch.tensor([3., 4., 5.5])]))
  const PrintSource src = floats_fn(ScalarType::Float32, {1006}, [](std::int64_t i) {
    // the hidden middle elements (1e6) would select sci mode if they were looked at
    const double head[] = {0.5, 1.0, 2.0};
    const double tail[] = {3.0, 4.0, 5.5};
    return i < 3 ? head[i] : i >= 1003 ? tail[i - 1003] : 1e6;
  });
  EXPECT_EQ(format_tensor(src), "tensor([0.5000, 1.0000, 2.0000,  ..., 3.0000, 4.0000, 5.5000])");
}

TEST(PrintLayout, SummarizedNegativeFloat64Wrap) {
  // torch 1.13: repr((torch.arange(1500.) - 750.5).double())
  const PrintSource src =
      floats_fn(ScalarType::Float64, {1500}, [](std::int64_t i) { return double(i) - 750.5; });
  EXPECT_EQ(format_tensor(src),
            "tensor([-750.5000, -749.5000, -748.5000,  ...,  746.5000,  747.5000,\n"
            "         748.5000], dtype=ramp.float64)");
}

TEST(PrintSuffix, DtypeAndRequiresGrad) {
  // torch 1.13: repr(torch.tensor([1.5, -2.], dtype=torch.float64, requires_grad=True))
  const PrintSource src = floats(ScalarType::Float64, {2}, {1.5, -2.0});
  EXPECT_EQ(format_tensor(src, {"requires_grad=True"}),
            "tensor([ 1.5000, -2.0000], dtype=ramp.float64, requires_grad=True)");
}

TEST(PrintSuffix, LongLineWrapsBothSuffixes) {
  // torch 1.13: repr(torch.arange(1., 10., dtype=torch.float64).requires_grad_() * 1.125)
  const PrintSource src =
      floats(ScalarType::Float64, {9}, {1.125, 2.25, 3.375, 4.5, 5.625, 6.75, 7.875, 9.0, 10.125});
  EXPECT_EQ(format_tensor(src, {"grad_fn=<MulBackward0>"}),
            "tensor([ 1.1250,  2.2500,  3.3750,  4.5000,  5.6250,  6.7500,  7.8750,  9.0000,\n"
            "        10.1250], dtype=ramp.float64, grad_fn=<MulBackward0>)");
}

TEST(PrintSuffix, MultiLineWrapsGradFn) {
  // torch 1.13: repr(torch.arange(24.).reshape(2, 12).requires_grad_().relu() * 1.5)
  const PrintSource src =
      floats(ScalarType::Float32, {2, 12},
             {0.0,  1.5,  3.0,  4.5,  6.0,  7.5,  9.0,  10.5, 12.0, 13.5, 15.0, 16.5,
              18.0, 19.5, 21.0, 22.5, 24.0, 25.5, 27.0, 28.5, 30.0, 31.5, 33.0, 34.5});
  EXPECT_EQ(format_tensor(src, {"grad_fn=<MulBackward0>"}),
            "tensor([[ 0.0000,  1.5000,  3.0000,  4.5000,  6.0000,  7.5000,  9.0000, 10.5000,\n"
            "         12.0000, 13.5000, 15.0000, 16.5000],\n"
            "        [18.0000, 19.5000, 21.0000, 22.5000, 24.0000, 25.5000, 27.0000, 28.5000,\n"
            "         30.0000, 31.5000, 33.0000, 34.5000]], grad_fn=<MulBackward0>)");
}

TEST(PrintSuffix, BFloat16ScalarGradFn) {
  // torch 1.13: repr(torch.tensor(2.5, dtype=torch.bfloat16, requires_grad=True).relu())
  const PrintSource src = floats(ScalarType::BFloat16, {}, {2.5});
  EXPECT_EQ(format_tensor(src, {"grad_fn=<ReluBackward0>"}),
            "tensor(2.5000, dtype=ramp.bfloat16, grad_fn=<ReluBackward0>)");
}

TEST(PrintSuffix, Parameter) {
  // torch 1.13: repr(torch.nn.Parameter(torch.tensor([1., 2.])))
  const PrintSource src = floats(ScalarType::Float32, {2}, {1.0, 2.0});
  EXPECT_EQ("Parameter containing:\n" + format_tensor(src, {"requires_grad=True"}),
            "Parameter containing:\n"
            "tensor([1., 2.], requires_grad=True)");
}

TEST(PrintSuffix, ParameterNoGrad) {
  // torch 1.13: repr(torch.nn.Parameter(torch.tensor([[0.25, -1.]], dtype=torch.float64),
  // requires_grad=False))
  const PrintSource src = floats(ScalarType::Float64, {1, 2}, {0.25, -1.0});
  EXPECT_EQ("Parameter containing:\n" + format_tensor(src),
            "Parameter containing:\n"
            "tensor([[ 0.2500, -1.0000]], dtype=ramp.float64)");
}

TEST(PrintOptions, SciModeForcedOnIntMode) {
  // torch 1.13: torch.set_printoptions(sci_mode=True); repr(torch.tensor([1., 2.]))
  OptionsGuard guard;
  print_options().sci_mode = true;
  const PrintSource src = floats(ScalarType::Float32, {2}, {1.0, 2.0});
  EXPECT_EQ(format_tensor(src), "tensor([1.0000e+00, 2.0000e+00])");
}

TEST(PrintOptions, SciModeForcedIgnoredForAllZeros) {
  // torch 1.13: torch.set_printoptions(sci_mode=True); repr(torch.tensor([0., 0.]))
  OptionsGuard guard;
  print_options().sci_mode = true;
  const PrintSource src = floats(ScalarType::Float32, {2}, {0.0, 0.0});
  EXPECT_EQ(format_tensor(src), "tensor([0., 0.])");
}

TEST(PrintOptions, SciModeForcedWithNan) {
  // torch 1.13: torch.set_printoptions(sci_mode=True); repr(torch.tensor([nan, 1.5]))
  OptionsGuard guard;
  print_options().sci_mode = true;
  const PrintSource src = floats(ScalarType::Float32, {2}, {kNaN, 1.5});
  EXPECT_EQ(format_tensor(src), "tensor([   nan, 1.5000e+00])");
}

TEST(PrintOptions, SciModeForcedWiderThanWidth) {
  // torch 1.13: torch.set_printoptions(sci_mode=True); repr(torch.tensor([[1.5, 22.25],
  // [-3., 4.]]))
  OptionsGuard guard;
  print_options().sci_mode = true;
  const PrintSource src = floats(ScalarType::Float32, {2, 2}, {1.5, 22.25, -3.0, 4.0});
  EXPECT_EQ(format_tensor(src),
            "tensor([[1.5000e+00, 2.2250e+01],\n"
            "        [-3.0000e+00, 4.0000e+00]])");
}

TEST(PrintOptions, SciModeOffKeepsSciWidth) {
  // torch 1.13: torch.set_printoptions(sci_mode=False); repr(torch.tensor([1.5e-5, 1e5]))
  OptionsGuard guard;
  print_options().sci_mode = false;
  const PrintSource src = floats(ScalarType::Float32, {2}, {1.4999999621068127e-05, 100000.0});
  EXPECT_EQ(format_tensor(src), "tensor([    0.0000, 100000.0000])");
}

TEST(PrintOptions, SciModeOffIntMode) {
  // torch 1.13: torch.set_printoptions(sci_mode=False); repr(torch.tensor([1., 1e9]))
  OptionsGuard guard;
  print_options().sci_mode = false;
  const PrintSource src = floats(ScalarType::Float32, {2}, {1.0, 1000000000.0});
  EXPECT_EQ(format_tensor(src), "tensor([        1., 1000000000.])");
}

TEST(PrintOptions, Precision2) {
  // torch 1.13: torch.set_printoptions(precision=2); repr(torch.tensor([1.12345, -0.5]))
  OptionsGuard guard;
  print_options().precision = 2;
  const PrintSource src = floats(ScalarType::Float32, {2}, {1.1234500408172607, -0.5});
  EXPECT_EQ(format_tensor(src), "tensor([ 1.12, -0.50])");
}

TEST(PrintOptions, Precision0) {
  // torch 1.13: torch.set_printoptions(precision=0); repr(torch.tensor([1.5, 2.5, 3.25]))
  OptionsGuard guard;
  print_options().precision = 0;
  const PrintSource src = floats(ScalarType::Float32, {3}, {1.5, 2.5, 3.25});
  EXPECT_EQ(format_tensor(src), "tensor([2, 2, 3])");
}

TEST(PrintOptions, Precision8Sci) {
  // torch 1.13: torch.set_printoptions(precision=8); repr(torch.tensor([1/3, 1e-6],
  // dtype=torch.float64))
  OptionsGuard guard;
  print_options().precision = 8;
  const PrintSource src = floats(ScalarType::Float64, {2}, {0.3333333333333333, 1e-06});
  EXPECT_EQ(format_tensor(src), "tensor([3.33333333e-01, 1.00000000e-06], dtype=ramp.float64)");
}

TEST(PrintOptions, Threshold5Edgeitems2) {
  // torch 1.13: torch.set_printoptions(threshold=5, edgeitems=2); repr(torch.arange(10.) / 4)
  OptionsGuard guard;
  print_options().threshold = 5;
  print_options().edgeitems = 2;
  const PrintSource src =
      floats(ScalarType::Float32, {10}, {0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.25});
  EXPECT_EQ(format_tensor(src), "tensor([0.0000, 0.2500,  ..., 2.0000, 2.2500])");
}

TEST(PrintOptions, Edgeitems0Vector) {
  // torch 1.13: torch.set_printoptions(threshold=3, edgeitems=0); repr(torch.arange(10))
  OptionsGuard guard;
  print_options().threshold = 3;
  print_options().edgeitems = 0;
  const PrintSource src = ints(ScalarType::Int64, {10}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  EXPECT_EQ(format_tensor(src), "tensor([ ..., 0, 1, 2, 3, 4, 5, 6, 7, 8, 9])");
}

TEST(PrintOptions, EdgeitemsLargerThanHalf) {
  // torch 1.13: torch.set_printoptions(threshold=3, edgeitems=5); repr(torch.arange(10))
  OptionsGuard guard;
  print_options().threshold = 3;
  print_options().edgeitems = 5;
  const PrintSource src = ints(ScalarType::Int64, {10}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  EXPECT_EQ(format_tensor(src), "tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])");
}

TEST(PrintOptions, Linewidth30) {
  // torch 1.13: torch.set_printoptions(linewidth=30); repr(torch.arange(12.).reshape(2, 6) * 1.25)
  OptionsGuard guard;
  print_options().linewidth = 30;
  const PrintSource src =
      floats(ScalarType::Float32, {2, 6},
             {0.0, 1.25, 2.5, 3.75, 5.0, 6.25, 7.5, 8.75, 10.0, 11.25, 12.5, 13.75});
  EXPECT_EQ(format_tensor(src),
            "tensor([[ 0.0000,  1.2500,\n"
            "          2.5000,  3.7500,\n"
            "          5.0000,  6.2500],\n"
            "        [ 7.5000,  8.7500,\n"
            "         10.0000, 11.2500,\n"
            "         12.5000, 13.7500]])");
}

TEST(PrintOptions, Linewidth10OneElementPerLine) {
  // torch 1.13: torch.set_printoptions(linewidth=10); repr(torch.arange(3.).reshape(1, 1, 3) / 2)
  OptionsGuard guard;
  print_options().linewidth = 10;
  const PrintSource src = floats(ScalarType::Float32, {1, 1, 3}, {0.0, 0.5, 1.0});
  EXPECT_EQ(format_tensor(src),
            "tensor([[[0.0000,\n"
            "          0.5000,\n"
            "          1.0000]]])");
}

TEST(PrintOptions, Linewidth40SuffixWrap) {
  // torch 1.13: torch.set_printoptions(linewidth=40); repr(torch.tensor([1.5, 2.5],
  // dtype=torch.float64, requires_grad=True).relu())
  OptionsGuard guard;
  print_options().linewidth = 40;
  const PrintSource src = floats(ScalarType::Float64, {2}, {1.5, 2.5});
  EXPECT_EQ(format_tensor(src, {"grad_fn=<ReluBackward0>"}),
            "tensor([1.5000, 2.5000],\n"
            "       dtype=ramp.float64,\n"
            "       grad_fn=<ReluBackward0>)");
}

TEST(PrintOptions, Precision2Edgeitems2Summarized) {
  // torch 1.13: torch.set_printoptions(precision=2, edgeitems=2);
  // repr(torch.arange(3000.).reshape(3, 1000) / 7)
  OptionsGuard guard;
  print_options().precision = 2;
  print_options().edgeitems = 2;
  const PrintSource src = floats_fn(ScalarType::Float32, {3, 1000}, [](std::int64_t i) {
    const double printed[][2] = {{0, 0.0},
                                 {1, 0.1428571492433548},
                                 {998, 142.57142639160156},
                                 {999, 142.7142791748047},
                                 {1000, 142.85714721679688},
                                 {1001, 143.0},
                                 {1998, 285.4285583496094},
                                 {1999, 285.5714416503906},
                                 {2000, 285.71429443359375},
                                 {2001, 285.8571472167969},
                                 {2998, 428.28570556640625},
                                 {2999, 428.4285583496094}};
    for (const auto& p : printed)
      if (p[0] == double(i)) return p[1];
    return double(float(double(i) / 7.0));
  });
  EXPECT_EQ(format_tensor(src),
            "tensor([[0.00e+00, 1.43e-01,  ..., 1.43e+02, 1.43e+02],\n"
            "        [1.43e+02, 1.43e+02,  ..., 2.85e+02, 2.86e+02],\n"
            "        [2.86e+02, 2.86e+02,  ..., 4.28e+02, 4.28e+02]])");
}

TEST(PythonFloatRepr, MatchesPythonRepr) {
  // Expected strings are CPython's repr() of the same double (written as a C++ literal).
  EXPECT_EQ(python_float_repr(1.0), "1.0");
  EXPECT_EQ(python_float_repr(1e-05), "1e-05");
  EXPECT_EQ(python_float_repr(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(python_float_repr(1e+16), "1e+16");
  EXPECT_EQ(python_float_repr(100000.0), "100000.0");
  EXPECT_EQ(python_float_repr(kInf), "inf");
  EXPECT_EQ(python_float_repr(-kInf), "-inf");
  EXPECT_EQ(python_float_repr(kNaN), "nan");
  EXPECT_EQ(python_float_repr(-0.0), "-0.0");
  EXPECT_EQ(python_float_repr(0.0), "0.0");
  EXPECT_EQ(python_float_repr(1000000000000000.0), "1000000000000000.0");
  EXPECT_EQ(python_float_repr(9999999999999998.0), "9999999999999998.0");
  EXPECT_EQ(python_float_repr(1.2345678901234568e+17), "1.2345678901234568e+17");
  EXPECT_EQ(python_float_repr(0.0001), "0.0001");
  EXPECT_EQ(python_float_repr(0.00012345), "0.00012345");
  EXPECT_EQ(python_float_repr(1.5e-07), "1.5e-07");
  EXPECT_EQ(python_float_repr(5e-324), "5e-324");
  EXPECT_EQ(python_float_repr(2.2250738585072014e-308), "2.2250738585072014e-308");
  EXPECT_EQ(python_float_repr(1.7976931348623157e+308), "1.7976931348623157e+308");
  EXPECT_EQ(python_float_repr(2.5), "2.5");
  EXPECT_EQ(python_float_repr(-1.25), "-1.25");
  EXPECT_EQ(python_float_repr(0.01), "0.01");
  EXPECT_EQ(python_float_repr(1e+22), "1e+22");
  EXPECT_EQ(python_float_repr(1.5e+16), "1.5e+16");
  EXPECT_EQ(python_float_repr(0.1), "0.1");
  EXPECT_EQ(python_float_repr(double(0.1f)), "0.10000000149011612");
  EXPECT_EQ(python_float_repr(1.0 / 3.0), "0.3333333333333333");
  EXPECT_EQ(python_float_repr(2.0 / 3.0), "0.6666666666666666");
  EXPECT_EQ(python_float_repr(12345.678), "12345.678");
  EXPECT_EQ(python_float_repr(-123.0), "-123.0");
  EXPECT_EQ(python_float_repr(0.00030000000000000003), "0.00030000000000000003");
  EXPECT_EQ(python_float_repr(4.35), "4.35");
  EXPECT_EQ(python_float_repr(0.5), "0.5");
  EXPECT_EQ(python_float_repr(1e+100), "1e+100");
  EXPECT_EQ(python_float_repr(1.23e-100), "1.23e-100");
}
