// Every pointwise activation's SIMD kernel against the entry's own formula evaluated in scalar
// arithmetic: bit-exact (same dtype arithmetic) for the piecewise-linear entries, and within a
// few ulp of the double-precision formula for the transcendental ones. Sizes cover every SIMD
// tail; layouts cover transposed, step-sliced and unaligned views; inputs include the special
// values and each entry's kink points.
#include <gtest/gtest.h>

#include <bit>
#include <cstdlib>
#include <cmath>
#include <limits>
#include <random>

#include "ramp/autograd.h"
#include "ramp/functional.h"

namespace ramp {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Piecewise-linear entries: their formulas involve no rounding beyond one multiply, so the
// kernel must reproduce the scalar formula in the same arithmetic to the bit.
template <class A> constexpr bool piecewise_linear =
    std::is_same_v<A, act::ReLU> || std::is_same_v<A, act::ReLU6> || std::is_same_v<A, act::LeakyReLU> ||
    std::is_same_v<A, act::Hardtanh> || std::is_same_v<A, act::Threshold> ||
    std::is_same_v<A, act::Hardswish> || std::is_same_v<A, act::Hardsigmoid> || std::is_same_v<A, act::Softshrink> ||
    std::is_same_v<A, act::Hardshrink>;

// Non-default parameters, so the tests exercise the parameter path too.
template <class A> typename A::Params test_params() {
  typename A::Params p{};
  if constexpr (std::is_same_v<A, act::LeakyReLU>) p.negative_slope = 0.2;
  if constexpr (std::is_same_v<A, act::ELU> || std::is_same_v<A, act::CELU>) p.alpha = 1.5;
  if constexpr (std::is_same_v<A, act::Hardtanh>) p = {-2.0, 2.5};
  if constexpr (std::is_same_v<A, act::Threshold>) p = {0.5, -3};  // an int value wraps in uint8
  if constexpr (std::is_same_v<A, act::Softplus>) p = {2, 10};
  if constexpr (std::is_same_v<A, act::Swish>) p.beta = 1.7;
  if constexpr (std::is_same_v<A, act::Softshrink> || std::is_same_v<A, act::Hardshrink>) p.lambd = 1.5;
  return p;
}

// Inputs: special values and kink points first, then random values over several scales.
std::vector<double> inputs(std::int64_t n, unsigned seed) {
  static const double special[] = {kNaN, kInf, -kInf, 0.0, -0.0, 1.0, -1.0, 3.0, -3.0, 6.0, 0.5,
                                   2.5, -2.0, 10.0, 5.0, 20.0, 1e-40, -1e-40, 1e30, -1e30, 88.0, -100.0, 1e-5, -1e-5};
  std::mt19937 g(seed);
  std::uniform_real_distribution<double> u(-8, 8);
  std::vector<double> v(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i)
    v[std::size_t(i)] = i < std::int64_t(std::size(special)) && seed % 2 == 0 ? special[i] : u(g) * (i % 3 ? 1 : 0.01);
  return v;
}

bool same_bits(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

// One ulp of dtype t at magnitude |y|.
double ulp(ScalarType t, double y) {
  int e;
  std::frexp(y == 0 || !std::isfinite(y) ? 1.0 : y, &e);
  int mant = t == ScalarType::Float64 ? 53 : t == ScalarType::Float32 ? 24 : 8;
  int min_exp = t == ScalarType::Float64 ? -1021 : -125;
  return std::ldexp(1.0, std::max(e, min_exp) - mant);
}

// The expected output of entry A at x, as the dtype `t` would store it.
template <class A> double oracle(double x, ScalarType t, const typename A::Params& p) {
  return dispatch(t, [&](auto v) -> double {
    using T = decltype(v);
    if constexpr (std::is_same_v<T, bool>) {
      return kNaN;
    } else if constexpr (piecewise_linear<A>) {
      // Same arithmetic as the kernel: the element type (bfloat16 computes in float).
      using C = std::conditional_t<std::is_same_v<T, BFloat16>, float, T>;
      C y = A::forward(act::ScalarMath<C>{}, convert<C>(convert<T>(x)), p);
      return convert<double>(convert<T>(y));
    } else {
      double y = A::forward(act::ScalarMath<double>{}, convert<double>(convert<T>(x)), p);
      return convert<double>(convert<T>(y));
    }
  });
}

template <class A> void expect_matches(const Tensor& x, const Tensor& y, const typename A::Params& p) {
  ASSERT_EQ(x.dtype(), y.dtype());
  ASSERT_EQ(std::vector<std::int64_t>(x.sizes().begin(), x.sizes().end()),
            std::vector<std::int64_t>(y.sizes().begin(), y.sizes().end()));
  const ScalarType t = x.dtype();
  // Transcendental formulas: 4 ulp of float32/float64 (1 of bfloat16, which rounds once more),
  // with an absolute floor of a few compute-precision units of |x| for results that cancel down
  // toward zero (gelu's 1 + erf(x) far left: PyTorch computes in the same precision).
  const double ulps = t == ScalarType::BFloat16 ? 1 : 4;
  const double eps = t == ScalarType::Float64 ? 4.5e-16 : 2.4e-7;
  int failures = 0;
  for (std::int64_t i = 0; i < x.numel() && failures < 5; ++i) {
    double in = x.at(i), got = y.at(i), want = oracle<A>(in, t, p);
    const double floor = eps * std::max(1.0, std::isfinite(in) ? std::abs(in) : 1.0);
    bool ok = piecewise_linear<A> || is_integral(t)
                  ? same_bits(got, want)
                  : (std::isnan(want) ? std::isnan(got)
                                      : got == want || std::abs(got - want) <= ulps * ulp(t, want) + floor);
    if (!ok) {
      ++failures;
      ADD_FAILURE() << A::name << " " << dtype_name(t) << " x=" << in << " got " << got << " want " << want
                    << " (index " << i << " of " << x.numel() << ")";
    }
  }
}

template <class F> void for_each_pointwise(F&& f) {
  act::for_each_activation([&](auto a) {
    using A = decltype(a);
    if constexpr (act::is_pointwise<A>) f(a);
  });
}

const ScalarType kAllTypes[] = {ScalarType::Float32, ScalarType::Float64, ScalarType::BFloat16, ScalarType::Int8,
                                ScalarType::UInt8, ScalarType::Int32, ScalarType::Int64};

TEST(Activations, EverySizeAndDtypeMatchesTheScalarFormula) {
  std::vector<std::int64_t> sizes;
  for (std::int64_t n = 0; n <= 67; ++n) sizes.push_back(n);
  sizes.insert(sizes.end(), {1000, 4099, 70001});
  for_each_pointwise([&](auto a) {
    using A = decltype(a);
    const auto p = test_params<A>();
    for (ScalarType t : kAllTypes) {
      if (!A::dtypes.has(t)) continue;
      if (t == ScalarType::UInt8 && std::is_same_v<A, act::Hardtanh>) continue;  // refused: negative limits
      for (std::int64_t n : sizes) {
        Tensor x = from_vector(inputs(n, unsigned(n) * 2), {n}, t);
        expect_matches<A>(x, activation<A>(x, p), p);
        if (A::inplace != act::Inplace::none) {
          Tensor y = x.clone();
          activation_<A>(y, p);
          expect_matches<A>(x, y, p);
        }
      }
    }
  });
}

TEST(Activations, RandomInputsAtScale) {
  for_each_pointwise([&](auto a) {
    using A = decltype(a);
    const auto p = test_params<A>();
    for (ScalarType t : {ScalarType::Float32, ScalarType::Float64}) {
      Tensor x = randn({50000}, t).mul(4.0);
      expect_matches<A>(x, activation<A>(x, p), p);
    }
  });
}

TEST(Activations, StridedViewsKeepTheirLayout) {
  for_each_pointwise([&](auto a) {
    using A = decltype(a);
    const auto p = test_params<A>();
    Tensor base = from_vector(inputs(7 * 37 + 1, 3), {7 * 37 + 1}, ScalarType::Float32);
    Tensor unaligned = base.slice(0, 1);                // offset by one element
    Tensor m = unaligned.view({7, 37});
    Tensor transposed = m.t();                          // dense, column-major
    Tensor stepped = m.slice(1, 0, {}, 3);              // not dense
    Tensor stepped_t = transposed.slice(0, 1, {}, 2);   // not dense, column-major order
    for (const Tensor& x : {unaligned, transposed, stepped, stepped_t}) {
      Tensor y = activation<A>(x, p);
      expect_matches<A>(x, y, p);
      if (A::contiguous_output) {
        EXPECT_TRUE(y.is_contiguous()) << A::name;  // 1.13's logsigmoid
      } else if (x.is_non_overlapping_and_dense()) {
        EXPECT_EQ(std::vector<std::int64_t>(y.strides().begin(), y.strides().end()),
                  std::vector<std::int64_t>(x.strides().begin(), x.strides().end()))
            << A::name;
      }
      if (A::inplace != act::Inplace::none) {
        Tensor view = x.clone();  // clone keeps dense layouts
        auto v0 = view.version();
        activation_<A>(view, p);
        EXPECT_EQ(view.version(), v0 + 1) << A::name << ": one in-place op bumps the version once";
        expect_matches<A>(x, view, p);
      }
    }
    // In place on a strided view writes through to the base and leaves the gaps alone.
    if constexpr (A::inplace != act::Inplace::none) {
      Tensor b = from_vector(inputs(40, 5), {40}, ScalarType::Float32);
      Tensor before = b.clone();
      Tensor v = b.slice(0, 1, {}, 3);
      activation_<A>(v, p);
      for (std::int64_t i = 0; i < 40; ++i) {
        double want = (i % 3 == 1) ? oracle<A>(before.at(i), ScalarType::Float32, p) : before.at(i);
        double got = b.at(i);
        EXPECT_TRUE(same_bits(got, want) || std::abs(got - want) <= 4 * ulp(ScalarType::Float32, want) + 2e-7)
            << A::name << " at " << i << ": " << got << " vs " << want;
      }
    }
  });
}

TEST(Activations, ThreadedAndStreamingPathsMatch) {
  // Large enough to split across threads and (above the last-level cache) to stream.
  const std::int64_t n = (std::int64_t(1) << 24) + 13;
  Tensor x = randn({n});
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    Tensor y = relu(x);
    Tensor s = sigmoid(x);
    for (std::int64_t i : {std::int64_t(0), n / 2 - 1, n / 2, n / 2 + 1, n - 17, n - 1}) {
      EXPECT_TRUE(same_bits(y.at(i), oracle<act::ReLU>(x.at(i), ScalarType::Float32, {})));
      EXPECT_NEAR(s.at(i), 1 / (1 + std::exp(-x.at(i))), 3e-7);
    }
  }
}

TEST(Activations, PyTorchSpecialValues) {
  // Reference §5: relu keeps -0.0 and NaN; elu/celu give +0.0 at -0.0; gelu, silu, mish give NaN at -inf.
  Tensor x = tensor({-0.0, kNaN, -kInf});
  auto bits = [](const Tensor& t, std::int64_t i) { return std::bit_cast<std::uint64_t>(t.at(i)); };
  EXPECT_EQ(bits(relu(x), 0), std::bit_cast<std::uint64_t>(-0.0));
  EXPECT_TRUE(std::isnan(relu(x).at(1)));
  EXPECT_EQ(relu(x).at(2), 0.0);
  EXPECT_EQ(bits(elu(x), 0), std::bit_cast<std::uint64_t>(0.0));
  EXPECT_EQ(bits(celu(x), 0), std::bit_cast<std::uint64_t>(0.0));
  EXPECT_EQ(elu(x).at(2), -1.0);
  for (const Tensor& y : {gelu(x), silu(x), mish(x), hardswish(x)}) EXPECT_TRUE(std::isnan(y.at(2)));
  EXPECT_FLOAT_EQ(selu(x).at(2), -1.7580993408473766f);
  // softplus compares x * beta with the threshold: 20 is not > 20.
  EXPECT_DOUBLE_EQ(softplus(tensor({20.0, 20.5}, ScalarType::Float64)).at(0), 20.000000002061153);
  EXPECT_EQ(softplus(tensor({20.0, 20.5}, ScalarType::Float64)).at(1), 20.5);
  // threshold is strict: x == threshold gives value.
  EXPECT_EQ(threshold(tensor({0.5, 0.6}), {0.5, 2.0}).at(0), 2.0);
  // far tails keep their denormals
  EXPECT_EQ(silu(tensor({-100.0})).at(0), 0.0);
  EXPECT_GT(std::abs(mish(tensor({-100.0})).at(0)), 0.0);
  EXPECT_NEAR(softplus(tensor({-100.0})).at(0), 3.78e-44, 1e-45);
  // integers: relu6 and hardtanh clamp, threshold truncates nothing
  EXPECT_EQ(relu6(tensor({-3, 0, 9})).to_vector(), (std::vector<double>{0, 0, 6}));
  EXPECT_EQ(hardtanh(tensor({-3, 0, 5})).to_vector(), (std::vector<double>{-1, 0, 1}));
  EXPECT_EQ(threshold(tensor({-3, 0, 9}), {1, 7}).to_vector(), (std::vector<double>{7, 7, 9}));
  EXPECT_EQ(relu(tensor({-3, 0, 5}, ScalarType::UInt8)).dtype(), ScalarType::UInt8);
  // sigmoid/tanh of integers give float32
  EXPECT_EQ(sigmoid(tensor({1, 2})).dtype(), ScalarType::Float32);
}

template <class F> std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

TEST(Activations, PyTorchErrors) {
  Tensor i64 = tensor({1, -1});
  EXPECT_EQ(error_of([&] { leaky_relu(i64); }), "\"leaky_relu_cpu\" not implemented for 'Long'");
  EXPECT_EQ(error_of([&] { elu(i64); }), "\"elu_cpu\" not implemented for 'Long'");
  EXPECT_EQ(error_of([&] { gelu(i64); }), "\"GeluKernelImpl\" not implemented for 'Long'");
  EXPECT_EQ(error_of([&] { mish(tensor({1.0}, ScalarType::BFloat16)); }), "\"mish_cpu\" not implemented for 'BFloat16'");
  EXPECT_EQ(error_of([&] { relu(tensor({true, false})); }), "Boolean inputs not supported for relu");
  EXPECT_EQ(error_of([&] { hardtanh(tensor({true})); }), "Bool inputs not supported for hardtanh");
  EXPECT_EQ(error_of([&] { hardtanh(tensor({1}, ScalarType::UInt8)); }),
            "cannot do hardtanh on an unsigned type with negative limits");
  EXPECT_EQ(error_of([&] { gelu(tensor({1.0}), {.approximate = "fast"}); }),
            "approximate argument must be either none or tanh.");
  EXPECT_EQ(error_of([&] { celu(tensor({1.0}), {0.0}); }), "ZeroDivisionError: alpha cannot be 0 for CELU");
  EXPECT_EQ(error_of([&] { rrelu(tensor({1.0}), {0.5, 0.2, true}); }),
            "Lower bound should be less than or equal to the upper bound");
  // c10's checked conversion of Number arguments for integer inputs: ints wrap into uint8, floats don't
  Tensor u8 = tensor({0, 5}, ScalarType::UInt8);
  EXPECT_EQ(threshold(u8, {1, -3}).to_vector(), (std::vector<double>{253, 5}));
  for (double v : {-0.5, 255.5, 256.0})
    EXPECT_EQ(error_of([&] { threshold(u8, {1, v}); }), "value cannot be converted to type uint8_t without overflow");
  EXPECT_EQ(error_of([&] { threshold(tensor({1}, ScalarType::Int32), {1, 3e9}); }),
            "value cannot be converted to type int without overflow");
  EXPECT_EQ(error_of([&] { softmax(i64, {0}); }), "\"softmax_lastdim_kernel_impl\" not implemented for 'Long'");
  Tensor expanded = zeros({1}).expand({3});
  EXPECT_EQ(error_of([&] { relu_(expanded); }),
            "unsupported operation: more than one element of the written-to tensor refers to a single memory "
            "location. Please clone() the tensor before performing the operation.");
  EXPECT_EQ(error_of([&] { prelu(randn({2, 4, 5}), full({3}, 0.25)); }),
            "Mismatch of parameter numbers and input channel size. Found parameter numbers = 3 and channel size = 4.");
  EXPECT_EQ(error_of([&] { prelu(randn({3}), full({3}, 0.25)); }),
            "Mismatch of parameter numbers and input channel size. Found parameter numbers = 3 and channel size = 1.");
  EXPECT_EQ(error_of([&] { prelu(randn({3}), full({3, 1}, 0.25)); }),
            "prelu: Expected `weight` to be a scalar or 1D tensor, but got ndim = 2");
  try {
    softmax(randn({2, 3}), {2});
    ADD_FAILURE() << "no error";
  } catch (const IndexError& e) {
    EXPECT_STREQ(e.what(), "Dimension out of range (expected to be in range of [-2, 1], but got 2)");
  }
}

TEST(Activations, OutArgument) {
  Tensor x = randn({5, 7});
  Tensor out = empty({7, 5}).t();  // a transposed out is written through its strides
  activation_out<act::Sigmoid>(x, out);
  for (std::int64_t i = 0; i < x.numel(); ++i) EXPECT_NEAR(out.at(i), 1 / (1 + std::exp(-x.at(i))), 3e-7);
  Tensor same = x.clone();
  activation_out<act::ReLU>(same, same);
  EXPECT_EQ(same.to_vector(), relu(x).to_vector());
  Tensor wrong_shape = empty({7});
  EXPECT_EQ(error_of([&] { activation_out<act::Sigmoid>(x, wrong_shape); }),
            "sigmoid(): out has shape [7] but the result has shape [5, 7] (ramp does not resize out)");
  Tensor wrong_dtype = empty({5, 7}, ScalarType::Int64);
  EXPECT_EQ(error_of([&] { activation_out<act::Sigmoid>(x, wrong_dtype); }),
            "result type Float can't be cast to the desired output type Long");
  Tensor shifted = x.reshape({35}).slice(0, 1).narrow(0, 0, 34);
  Tensor src = x.reshape({35}).narrow(0, 0, 34);
  EXPECT_NE(error_of([&] { activation_out<act::ReLU>(src, shifted); }), "<no error>");
}

TEST(Activations, PReLUPerChannel) {
  Tensor x = tensor({{-1., 2.}, {-3., -4.}});
  Tensor w = tensor({0.25, 0.5});
  EXPECT_EQ(prelu(x, w).to_vector(), (std::vector<double>{-0.25, 2, -0.75, -2}));
  Tensor x4 = randn({2, 3, 4, 5});
  Tensor w3 = tensor({0.1, -0.2, 0.3});
  Tensor y = prelu(x4, w3);
  for (std::int64_t i = 0; i < x4.numel(); ++i) {
    double v = x4.at(i), slope = float(w3.at((i / 20) % 3));
    EXPECT_EQ(y.at(i), v > 0 ? v : double(float(v) * float(slope)));
  }
}

TEST(Activations, RReLUTrainingDrawsSlopesInRange) {
  manual_seed(7);
  Tensor x = randn({10000});
  auto [y, noise] = rrelu_with_noise(x, {0.1, 0.3, true}, false);
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    if (x.at(i) > 0) {
      EXPECT_EQ(y.at(i), x.at(i));
      EXPECT_EQ(noise.at(i), 1.0);
    } else {
      EXPECT_GE(noise.at(i), 0.1 - 1e-7);
      EXPECT_LE(noise.at(i), 0.3 + 1e-7);
      EXPECT_FLOAT_EQ(float(y.at(i)), float(x.at(i) * noise.at(i)));
    }
  }
  manual_seed(7);
  Tensor x2 = randn({10000});
  EXPECT_EQ(rrelu(x2, {0.1, 0.3, true}).to_vector(), y.to_vector()) << "seeded runs repeat";
  // evaluation: the mean slope
  EXPECT_FLOAT_EQ(float(rrelu(tensor({-1.0})).at(0)), -0.22916667f);
}

TEST(Activations, SoftmaxMatchesDoubleFormula) {
  for (ScalarType t : {ScalarType::Float32, ScalarType::Float64}) {
    for (std::int64_t cols : {1, 3, 16, 17, 100}) {
      Tensor x = randn({5, cols}, t).mul(3.0);
      for (std::int64_t dim : {0, 1}) {
        Tensor y = softmax(x, {dim}), ly = log_softmax(x, {dim});
        for (std::int64_t r = 0; r < 5; ++r)
          for (std::int64_t c = 0; c < cols; ++c) {
            double mx = -kInf, sum = 0;
            std::int64_t n = dim == 1 ? cols : 5;
            auto get = [&](std::int64_t k) { return dim == 1 ? x.at(r * cols + k) : x.at(k * cols + c); };
            for (std::int64_t k = 0; k < n; ++k) mx = std::max(mx, get(k));
            for (std::int64_t k = 0; k < n; ++k) sum += std::exp(get(k) - mx);
            double want = std::exp(x.at(r * cols + c) - mx) / sum;
            double tol = t == ScalarType::Float32 ? 2e-6 : 1e-13;
            EXPECT_NEAR(y.at(r * cols + c), want, tol * std::max(1.0, want));
            EXPECT_NEAR(ly.at(r * cols + c), std::log(want), tol * std::max(1.0, std::abs(std::log(want))));
          }
      }
    }
  }
  // Stability and NaN rules (reference §5).
  Tensor big = softmax(tensor({1000., 1001.}), {0});
  EXPECT_NEAR(big.at(0), 0.2689414, 1e-6);
  EXPECT_TRUE(std::isnan(softmax(tensor({-kInf, -kInf}), {0}).at(0)));
  EXPECT_TRUE(std::isnan(softmax(tensor({1.0, kInf}), {0}).at(0)));
  EXPECT_TRUE(std::isnan(softmax(tensor({1.0, kNaN}), {0}).at(0)));
  Tensor ls = log_softmax(tensor({0.0, -kInf}), {0});
  EXPECT_EQ(ls.at(0), 0.0);
  EXPECT_EQ(ls.at(1), -kInf);
  EXPECT_EQ(softmax(tensor({2.0}).reshape({}), {0}).item<double>(), 1.0);
  EXPECT_EQ(softmax(empty({2, 0}), {1}).numel(), 0);
  EXPECT_EQ(implicit_softmax_dim(2), 1);
  EXPECT_EQ(implicit_softmax_dim(3), 0);
}

// Split over threads (whole rows, or 64-column chunks of another dim) the results are the same
// bits as on one thread, forward and backward.
TEST(Activations, SoftmaxSplitOverThreadsIsExact) {
  const int threads = get_num_threads();
  for (const auto& [sizes, dim] : std::vector<std::pair<std::vector<std::int64_t>, std::int64_t>>{
           {{700, 100}, 1}, {{4000, 10}, 1}, {{300, 200}, 0}, {{3, 300, 70}, 1}})
    for (bool log : {false, true}) {
      manual_seed(3);
      const Tensor x = randn(IntArrayRef(sizes.data(), sizes.size())).mul(3.0).requires_grad_();
      const Tensor g = randn(IntArrayRef(sizes.data(), sizes.size()));
      auto run = [&](int n) {
        set_num_threads(n);
        Tensor y = log ? log_softmax(x, {dim}) : softmax(x, {dim});
        Tensor dx = autograd::grad({y}, {x}, {g})[0];
        return std::make_pair(y.detach().to_vector(), dx.to_vector());
      };
      const auto one = run(1), two = run(2);
      EXPECT_EQ(one.first, two.first) << sizes[0] << " dim " << dim << " log " << log;
      EXPECT_EQ(one.second, two.second) << sizes[0] << " dim " << dim << " log " << log;
    }
  set_num_threads(threads);
}

// Worst error in ulps of the output dtype against long double, on each path of the kernels (short
// rows through the transposed panel, long rows, columns narrower and wider than a vector) at this
// instruction set ($RAMP_ISA: the kernels_avx2 / kernels_baseline tests run it again there).
TEST(Activations, SoftmaxUlpsAgainstLongDouble) {
  using LD = long double;
  auto ulp = [](LD want, ScalarType t) -> LD {
    const LD a = std::fabs(want);
    if (t == ScalarType::Float64) return LD(std::nextafter(double(a), kInf) - double(a));
    const float f = float(a);
    const LD u = LD(std::nextafter(f, float(kInf)) - f);
    return t == ScalarType::BFloat16 ? u * 65536 : u;
  };
  std::mt19937_64 gen(11);
  std::normal_distribution<double> normal(0.0, 3.0);
  struct Case {
    std::vector<std::int64_t> sizes;
    std::int64_t dim;
  };
  for (ScalarType t : {ScalarType::Float32, ScalarType::Float64, ScalarType::BFloat16})
    for (const Case& c : {Case{{50, 16}, 1}, Case{{7, 100}, 1}, Case{{100, 7}, 0}, Case{{3, 40, 33}, 1}}) {
      std::int64_t numel = 1;
      for (std::int64_t s : c.sizes) numel *= s;
      std::vector<double> v(static_cast<std::size_t>(numel));
      for (double& e : v) e = normal(gen);
      const Tensor x = from_vector(v, IntArrayRef(c.sizes.data(), c.sizes.size())).to(t);
      const Tensor ls = log_softmax(x, {c.dim}).to(ScalarType::Float64).contiguous();
      const Tensor sm = softmax(x, {c.dim}).to(ScalarType::Float64).contiguous();
      const Tensor xd = x.to(ScalarType::Float64).contiguous();
      const std::int64_t n = c.sizes[std::size_t(c.dim)];
      std::int64_t inner = 1;
      for (std::size_t i = std::size_t(c.dim) + 1; i < c.sizes.size(); ++i) inner *= c.sizes[i];
      LD worst_ls = 0, worst_sm = 0;
      for (std::int64_t o = 0; o < numel / (n * inner); ++o)
        for (std::int64_t j = 0; j < inner; ++j) {
          auto at = [&](std::int64_t k) { return (o * n + k) * inner + j; };
          std::int64_t top = 0;
          for (std::int64_t k = 1; k < n; ++k) top = xd.at(at(k)) > xd.at(at(top)) ? k : top;
          const LD m = LD(xd.at(at(top)));
          LD others = 0;  // sum of exp(x - m) over all but one maximum
          for (std::int64_t k = 0; k < n; ++k) others += k == top ? 0 : std::exp(LD(xd.at(at(k))) - m);
          const LD lse = std::log1p(others);
          for (std::int64_t k = 0; k < n; ++k) {
            const LD want_ls = (LD(xd.at(at(k))) - m) - lse, want_sm = std::exp(want_ls);
            worst_ls = std::max(worst_ls, std::fabs(LD(ls.at(at(k))) - want_ls) / ulp(want_ls, t));
            worst_sm = std::max(worst_sm, std::fabs(LD(sm.at(at(k))) - want_sm) / ulp(want_sm, t));
          }
        }
      // bfloat16 is computed in float and rounded once: within half an ulp (plus float's error).
      const LD bound_ls = t == ScalarType::BFloat16 ? 0.51L : 2, bound_sm = t == ScalarType::BFloat16 ? 0.51L : 3;
      EXPECT_LE(worst_ls, bound_ls) << dtype_name(t) << " " << c.sizes.size() << "-d dim " << c.dim;
      EXPECT_LE(worst_sm, bound_sm) << dtype_name(t) << " " << c.sizes.size() << "-d dim " << c.dim;
    }
}

TEST(Activations, LookupByName) {
  Tensor x = tensor({-1.0, 2.0});
  EXPECT_EQ(activation_by_name("LeakyReLU", x).to_vector(), leaky_relu(x).to_vector());
  EXPECT_EQ(activation_by_name("relu", x).to_vector(), relu(x).to_vector());
  EXPECT_TRUE(is_activation_name("gelu"));
  EXPECT_FALSE(is_activation_name("relu7"));
  EXPECT_THROW(activation_by_name("relu7", x), ValueError);
}

}  // namespace
}  // namespace ramp

namespace ramp {
namespace {

// Under ctest's kernels_avx2 / kernels_baseline runs, the forced instruction set is really used.
TEST(Isa, ForcedInstructionSetIsUsed) {
  const char* want = std::getenv("RAMP_EXPECT_ISA");
  std::string have = cpu_capability();
  if (!want) GTEST_SKIP() << "running with " << have;
  if (std::string(want) == "avx2") EXPECT_EQ(have, "AVX2");
  else EXPECT_TRUE(have != "AVX2" && have != "AVX3") << have;
}

}  // namespace
}  // namespace ramp
