// The bulk random path against independent oracles: Mt19937_64 against std::mt19937_64 draw for
// draw, and each sampler's values against its documented mapping from the engine's words
// (include/ramp/random.h, src/kernels/random_kernels.h) computed here in scalar double: exact for
// the uniforms, integers and Bernoulli draws, a few ulps for Box-Muller's normals. Run again at the
// lower instruction sets (ctest random_kernels_*).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <numbers>
#include <sstream>
#include <random>

#include "ramp/ops.h"
#include "ramp/random.h"

namespace ramp {
namespace {

constexpr std::uint64_t kSeeds[] = {0, 5489, 67280421310721ull, (1ull << 63) + 7};
// Sizes around the kernels' vector tails and the 2048-word chunks.
constexpr std::int64_t kSizes[] = {1, 2, 3, 15, 16, 17, 33, 4095, 4096, 4097, 10001};

std::vector<std::uint64_t> words(std::uint64_t seed, std::int64_t n) {
  std::mt19937_64 e(seed);
  std::vector<std::uint64_t> w(static_cast<std::size_t>(n));
  for (auto& x : w) x = e();
  return w;
}
std::uint32_t half(const std::vector<std::uint64_t>& w, std::int64_t i) {
  return std::uint32_t(w[std::size_t(i / 2)] >> (32 * (i & 1)));
}

TEST(RandomKernels, EngineIsStdMt19937_64) {
  for (std::uint64_t seed : kSeeds) {
    std::mt19937_64 ref(seed);
    Mt19937_64 e(seed);
    for (int i = 0; i < 1000; ++i) ASSERT_EQ(e(), ref()) << seed << " draw " << i;
    for (std::int64_t n : {1, 311, 312, 313, 5, 1000, 624}) {  // blocks across the twists
      std::vector<std::uint64_t> got(static_cast<std::size_t>(n));
      e.fill(got.data(), n);
      for (std::int64_t i = 0; i < n; ++i) ASSERT_EQ(got[std::size_t(i)], ref()) << seed << " fill " << n;
    }
    e.discard(777), ref.discard(777);
    EXPECT_EQ(e(), ref());
  }
}

TEST(RandomKernels, StateIsStdMt19937_64sTextForm) {
  Generator g(99);
  std::mt19937_64 ref(99);
  for (int i = 0; i < 500; ++i) ref();
  randint(0, 1 << 30, {1000}, &g);  // 500 words: two halves each
  std::ostringstream text;
  text << ref;
  const Tensor state = g.get_state();
  std::vector<std::uint64_t> w(std::size_t(state.numel() / 8));
  std::memcpy(w.data(), state.data_ptr(), std::size_t(state.numel()));
  std::ostringstream ours;
  for (std::size_t i = 1; i < w.size(); ++i) ours << w[i] << (i + 1 < w.size() ? " " : "");
  EXPECT_EQ(ours.str(), text.str());
  EXPECT_EQ(w[0], 99u);
}

TEST(RandomKernels, UniformIsTheMaskedWords) {
  for (std::int64_t n : kSizes) {
    Generator g(n);
    const auto f = rand({n}, ScalarType::Float32, &g).to_vector();
    Tensor dt = empty({n}, ScalarType::Float64);
    const auto d = uniform_(dt, -2, 3, &g).to_vector();
    const auto b = rand({n}, ScalarType::BFloat16, &g).to_vector();
    const auto w = words(std::uint64_t(n), (n + 1) / 2 + n + (n + 1) / 2);
    const std::vector<std::uint64_t> wd(w.begin() + (n + 1) / 2, w.begin() + (n + 1) / 2 + n),
        wb(w.begin() + (n + 1) / 2 + n, w.end());
    for (std::int64_t i = 0; i < n; ++i) {
      const auto k = std::size_t(i);
      ASSERT_EQ(f[k], double(float(half(w, i) & 0xffffff) * 0x1p-24f)) << n << " " << i;
      ASSERT_EQ(d[k], double(wd[k] & ((1ull << 53) - 1)) * 0x1p-53 * 5 - 2) << n << " " << i;
      ASSERT_EQ(b[k], double(half(wb, i) & 0xff) / 256) << n << " " << i;
    }
  }
}

TEST(RandomKernels, NormalIsBoxMullerOnTheWords) {
  for (std::int64_t n : kSizes) {
    Generator g(n + 1);
    const auto f = randn({n}, ScalarType::Float32, &g).to_vector();
    const auto d = normal(0.5, 2.0, {n}, &g, ScalarType::Float64).to_vector();
    const auto b = randn({n}, ScalarType::BFloat16, &g).to_vector();
    const std::int64_t pairs = (n + 1) / 2;
    const auto w = words(std::uint64_t(n + 1), 4 * pairs);
    for (std::int64_t i = 0; i < n; ++i) {
      const std::int64_t k = i / 2;
      // float32: word k; u1 from the high half's top 24 bits, u2 from the low half's low 24
      const std::uint64_t wf = w[std::size_t(k)];
      const double r = std::sqrt(-2 * std::log(double((wf >> 40) + 1) * 0x1p-24));
      const double t = 2 * std::numbers::pi * double(wf & 0xffffff) * 0x1p-24;
      const double ef = r * (i & 1 ? std::sin(t) : std::cos(t));
      ASSERT_NEAR(f[std::size_t(i)], ef, 1e-6 * (1 + r)) << n << " " << i;
      // bfloat16: the float value rounded (words after float32's and float64's)
      const std::uint64_t wb = w[std::size_t(3 * pairs + k)];
      const double rb = std::sqrt(-2 * std::log(double((wb >> 40) + 1) * 0x1p-24));
      const double tb = 2 * std::numbers::pi * double(wb & 0xffffff) * 0x1p-24;
      const double eb = rb * (i & 1 ? std::sin(tb) : std::cos(tb));
      ASSERT_NEAR(b[std::size_t(i)], eb, std::abs(eb) * 0x1p-8 + 1e-6 * (1 + rb)) << n << " " << i;
      // float64: words 2k, 2k + 1 after float32's
      const std::uint64_t a = w[std::size_t(pairs + 2 * k)], c = w[std::size_t(pairs + 2 * k + 1)];
      const double rd = std::sqrt(-2 * std::log(double((a >> 11) + 1) * 0x1p-53));
      const double td = 2 * std::numbers::pi * double(c >> 11) * 0x1p-53;
      ASSERT_NEAR(d[std::size_t(i)], 0.5 + 2 * rd * (i & 1 ? std::sin(td) : std::cos(td)), 1e-13 * (1 + rd))
          << n << " " << i;
    }
  }
}

TEST(RandomKernels, IntegersAndBernoulliAreTheWords) {
  for (std::int64_t n : kSizes) {
    Generator g(n + 2);
    const auto small = randint(-3, 7, {n}, &g).to_vector();
    const auto big = randint(0, 1ll << 40, {n}, &g).to_vector();
    const auto bern = bernoulli(zeros({n}), 0.3, &g).to_vector();
    const auto w = words(std::uint64_t(n + 2), (n + 1) / 2 + 2 * n);
    for (std::int64_t i = 0; i < n; ++i) {
      const auto k = std::size_t(i);
      ASSERT_EQ(small[k], double(half(w, i) % 10) - 3) << n << " " << i;
      ASSERT_EQ(big[k], double(w[std::size_t((n + 1) / 2) + k] % (1ull << 40))) << n << " " << i;
      const double u = double(w[std::size_t((n + 1) / 2 + n) + k] >> 11) * 0x1p-53;
      ASSERT_EQ(bern[k], u < 0.3 ? 1 : 0) << n << " " << i;
    }
  }
}

// Box-Muller's pairs: each value N(0, 1), and x^2 + y^2 of a pair Exp(1/2) (independence), by
// moments that a 10% error in the std or the pairing breaks.
TEST(RandomKernels, NormalPairsAreIndependent) {
  Generator g(3);
  const std::int64_t n = 200000;
  for (ScalarType dt : {ScalarType::Float32, ScalarType::Float64}) {
    const auto x = randn({n}, dt, &g).to_vector();
    double s2 = 0, s4 = 0, cross = 0, rr = 0;
    for (std::int64_t i = 0; i < n; i += 2) {
      const double a = x[std::size_t(i)], b = x[std::size_t(i + 1)];
      s2 += a * a + b * b, s4 += a * a * a * a + b * b * b * b, cross += a * b, rr += (a * a + b * b) * (a * a + b * b);
    }
    EXPECT_NEAR(s2 / double(n), 1, 0.01);
    EXPECT_NEAR(s4 / double(n), 3, 0.06);  // the fourth moment of N(0, 1)
    EXPECT_NEAR(cross / double(n / 2), 0, 0.01);
    EXPECT_NEAR(rr / double(n / 2), 8, 0.2);  // E[(x^2 + y^2)^2] of Exp(1/2) = 2 / (1/2)^2
  }
}

}  // namespace
}  // namespace ramp
