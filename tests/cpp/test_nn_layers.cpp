// The layer modules end to end: each module's forward against a reference loop written here in
// double from PyTorch 1.13's definitions (so a module that passes the wrong stride, padding,
// ceil_mode, momentum, ... to its op fails), gradients of input and parameters against central
// finite differences (gradcheck, float64), BatchNorm's running statistics, Dropout and Flatten
// as torch 1.13 behaves (probed by hand with torch on the same cases).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <random>

#include "ramp/autograd.h"
#include "ramp/nn.h"

namespace ramp {
namespace {

using Vec = std::vector<double>;

Tensor random(IntArrayRef shape, unsigned seed, ScalarType t = ScalarType::Float32) {
  std::mt19937 g(seed);
  std::normal_distribution<double> n;
  Vec v(std::size_t(numel_of(shape)));
  for (double& x : v) x = n(g);
  return from_vector(v, shape, t);
}

void expect_close(const Vec& got, const Vec& want, double tol) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_NEAR(got[i], want[i], tol * (1 + std::abs(want[i]))) << "at " << i;
  }
}

std::vector<std::int64_t> shape(const Tensor& t) { return {t.sizes().begin(), t.sizes().end()}; }

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

// Gradients of the module's output (weighted by a fixed random tensor, so every output counts
// differently) with respect to the input and every parameter, against finite differences. The
// parameters are swapped for gradcheck's leaves through the registered slots.
void check_module_grads(nn::Module& m, const Tensor& input) {
  m.to(ScalarType::Float64);
  std::vector<Tensor> inputs{input.to(ScalarType::Float64).requires_grad_()};
  std::vector<Tensor*> slots;
  for (auto& [name, p] : m.named_parameters()) {
    Tensor* slot = m.find_parameter(name);  // direct parameters only: the layers have no children
    ASSERT_NE(slot, nullptr) << name;
    slots.push_back(slot);
    inputs.push_back(p.detach().clone().requires_grad_());
  }
  Tensor weights;
  auto fn = [&](const std::vector<Tensor>& in) {
    for (std::size_t i = 0; i < slots.size(); ++i) *slots[i] = in[i + 1];
    Tensor y = m(in[0]);
    if (!weights.defined()) weights = random(y.sizes(), 99, ScalarType::Float64);
    return y.mul(weights).sum();
  };
  EXPECT_TRUE(autograd::gradcheck(fn, inputs));
}

// Out = floor or ceil((in + 2p - d(k-1) - 1) / s) + 1; in ceil mode the last window must start
// inside the input or the left padding (PyTorch's pooling_output_shape).
std::int64_t pool_out(std::int64_t in, std::int64_t k, std::int64_t s, std::int64_t p, std::int64_t d, bool ceil) {
  std::int64_t num = in + 2 * p - d * (k - 1) - 1 + (ceil ? s - 1 : 0);
  std::int64_t out = num / s + 1;
  if (ceil && (out - 1) * s >= in + p) --out;
  return out;
}

}  // namespace

TEST(NnLayers, LinearMatchesTheFormulaOverLeadingDims) {
  manual_seed(1);
  nn::Linear lin(5, 3);
  Tensor x = random({2, 4, 5}, 1);
  Vec y = lin(x).to_vector(), xv = x.to_vector(), w = lin.weight.to_vector(), b = lin.bias.to_vector();
  Vec want;
  for (int r = 0; r < 8; ++r) {
    for (int o = 0; o < 3; ++o) {
      double acc = b[std::size_t(o)];
      for (int i = 0; i < 5; ++i) acc += xv[std::size_t(r * 5 + i)] * w[std::size_t(o * 5 + i)];
      want.push_back(acc);
    }
  }
  EXPECT_EQ(shape(lin(x)), (std::vector<std::int64_t>{2, 4, 3}));
  expect_close(y, want, 1e-5);
  check_module_grads(lin, random({3, 5}, 2));
  nn::Linear nobias(5, 2, false);
  check_module_grads(nobias, random({3, 5}, 3));
}

// Conv2d: y[n, o, i, j] = b[o] + sum over the group's channels c and taps (u, v) of
// w[o, c, u, v] x[n, g*Cg + c, i*s - pl + u*d, j*s - pt + v*d] (zero outside), with "same"
// padding d(k-1) split left = floor(half), right = the rest (ATen's conv padding_same).
TEST(NnLayers, Conv2dPassesEveryOptionToTheConvolution) {
  struct Case {
    std::int64_t in, out;
    nn::IntPair k;
    nn::Conv2dOptions o;
  };
  std::vector<Case> cases = {
      {2, 4, 3, {}},
      {4, 6, {3, 2}, {.stride = {2, 1}, .padding = {1, 2}, .dilation = {1, 2}, .groups = 2}},
      {3, 3, 2, {.padding = "same", .dilation = 3, .groups = 3, .bias = false}},
      {2, 2, {4, 3}, {.padding = "same"}},
      {2, 2, 3, {.stride = 2, .padding = "valid"}},
  };
  manual_seed(2);
  for (const Case& c : cases) {
    nn::Conv2d conv(c.in, c.out, c.k, c.o);
    const std::int64_t N = 2, H = 7, W = 6, kh = c.k.h, kw = c.k.w, G = c.o.groups;
    const std::int64_t sh = c.o.stride.h, sw = c.o.stride.w, dh = c.o.dilation.h, dw = c.o.dilation.w;
    std::int64_t pt = c.o.padding.h, pl = c.o.padding.w, pb = pt, pr = pl;
    if (c.o.padding.mode == "same") {
      pt = dh * (kh - 1) / 2, pb = dh * (kh - 1) - pt;
      pl = dw * (kw - 1) / 2, pr = dw * (kw - 1) - pl;
    } else if (c.o.padding.mode == "valid") {
      pt = pb = pl = pr = 0;
    }
    Tensor x = random({N, c.in, H, W}, 3);
    Tensor y = conv(x);
    const std::int64_t OH = (H + pt + pb - dh * (kh - 1) - 1) / sh + 1, OW = (W + pl + pr - dw * (kw - 1) - 1) / sw + 1;
    ASSERT_EQ(shape(y), (std::vector<std::int64_t>{N, c.out, OH, OW})) << conv.repr();
    Vec xv = x.to_vector(), wv = conv.weight.to_vector(), want;
    Vec bv = c.o.bias ? conv.bias.to_vector() : Vec(std::size_t(c.out), 0.0);
    const std::int64_t Cg = c.in / G, Og = c.out / G;
    for (std::int64_t n = 0; n < N; ++n) {
      for (std::int64_t o = 0; o < c.out; ++o) {
        for (std::int64_t i = 0; i < OH; ++i) {
          for (std::int64_t j = 0; j < OW; ++j) {
            double acc = bv[std::size_t(o)];
            for (std::int64_t ch = 0; ch < Cg; ++ch) {
              for (std::int64_t u = 0; u < kh; ++u) {
                for (std::int64_t v = 0; v < kw; ++v) {
                  std::int64_t r = i * sh - pt + u * dh, q = j * sw - pl + v * dw;
                  if (r < 0 || r >= H || q < 0 || q >= W) continue;
                  std::int64_t cin = (o / Og) * Cg + ch;
                  acc += wv[std::size_t(((o * Cg + ch) * kh + u) * kw + v)] *
                         xv[std::size_t(((n * c.in + cin) * H + r) * W + q)];
                }
              }
            }
            want.push_back(acc);
          }
        }
      }
    }
    expect_close(y.to_vector(), want, 1e-5);
    check_module_grads(conv, random({1, c.in, 5, 5}, 4));
  }
}

// Default init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias, fan_in = in/groups*kh*kw.
TEST(NnLayers, ConvAndLinearDefaultInitBoundsFollowFanIn) {
  manual_seed(3);
  nn::Conv2d conv(8, 4096, 3, {.groups = 8});  // fan_in 9: bound 1/3
  for (const Tensor* t : {&conv.weight, &conv.bias}) {
    Vec v = t->to_vector();
    double mx = 0, sq = 0;
    for (double x : v) mx = std::max(mx, std::abs(x)), sq += x * x;
    EXPECT_LE(mx, 1.0 / 3);
    EXPECT_GT(mx, 0.99 / 3);
    EXPECT_NEAR(std::sqrt(sq / double(v.size())), 1.0 / 3 / std::sqrt(3.0), 0.03 / 3);
  }
}

TEST(NnLayers, PoolsMatchTheirWindows) {
  manual_seed(4);
  const std::int64_t N = 1, C = 2, H = 7, W = 6;
  Tensor x = random({N, C, H, W}, 5);
  Vec xv = x.to_vector();
  auto at = [&](std::int64_t c, std::int64_t r, std::int64_t q) { return xv[std::size_t((c * H + r) * W + q)]; };

  // Max over the dilated window, padding never wins.
  struct MaxCase {
    nn::IntPair k;
    nn::MaxPool2dOptions o;
  };
  std::vector<MaxCase> max_cases(3, MaxCase{2, {}});
  max_cases[1] = {3, {.stride = nn::IntPair(2, 1), .padding = 1, .dilation = {1, 2}, .ceil_mode = true}};
  max_cases[2] = {{3, 2}, {.stride = 2, .ceil_mode = true}};
  for (const MaxCase& mc : max_cases) {
    nn::MaxPool2d pool(mc.k, mc.o);
    std::int64_t sh = pool.stride.h, sw = pool.stride.w, p = mc.o.padding.h, q0 = mc.o.padding.w;
    std::int64_t OH = pool_out(H, mc.k.h, sh, p, mc.o.dilation.h, mc.o.ceil_mode);
    std::int64_t OW = pool_out(W, mc.k.w, sw, q0, mc.o.dilation.w, mc.o.ceil_mode);
    Tensor y = pool(x);
    ASSERT_EQ(shape(y), (std::vector<std::int64_t>{N, C, OH, OW})) << pool.repr();
    Vec want;
    for (std::int64_t c = 0; c < C; ++c) {
      for (std::int64_t i = 0; i < OH; ++i) {
        for (std::int64_t j = 0; j < OW; ++j) {
          double m = -std::numeric_limits<double>::infinity();
          for (std::int64_t u = 0; u < mc.k.h; ++u) {
            for (std::int64_t v = 0; v < mc.k.w; ++v) {
              std::int64_t r = i * sh - p + u * mc.o.dilation.h, q = j * sw - q0 + v * mc.o.dilation.w;
              if (r >= 0 && r < H && q >= 0 && q < W) m = std::max(m, at(c, r, q));
            }
          }
          want.push_back(m);
        }
      }
    }
    expect_close(y.to_vector(), want, 0);
    check_module_grads(pool, random({1, 1, 5, 6}, 6));
  }

  // Average: the window clipped to input + padding gives the divisor when padding counts,
  // clipped to the input when not; divisor_override replaces both (avg_pool2d's CPU kernel).
  struct AvgCase {
    nn::IntPair k;
    nn::AvgPool2dOptions o;
  };
  std::vector<AvgCase> avg_cases(4, AvgCase{2, {}});
  avg_cases[1] = {3, {.stride = 2, .padding = 1, .ceil_mode = true}};
  avg_cases[2] = {3, {.stride = 2, .padding = 1, .ceil_mode = true, .count_include_pad = false}};
  avg_cases[3] = {{3, 2}, {.stride = 1, .padding = {1, 0}, .divisor_override = 5}};
  for (const AvgCase& ac : avg_cases) {
    nn::AvgPool2d pool(ac.k, ac.o);
    std::int64_t sh = pool.stride.h, sw = pool.stride.w, ph = ac.o.padding.h, pw = ac.o.padding.w;
    std::int64_t OH = pool_out(H, ac.k.h, sh, ph, 1, ac.o.ceil_mode), OW = pool_out(W, ac.k.w, sw, pw, 1, ac.o.ceil_mode);
    Tensor y = pool(x);
    ASSERT_EQ(shape(y), (std::vector<std::int64_t>{N, C, OH, OW})) << pool.repr();
    Vec want;
    for (std::int64_t c = 0; c < C; ++c) {
      for (std::int64_t i = 0; i < OH; ++i) {
        for (std::int64_t j = 0; j < OW; ++j) {
          std::int64_t r0 = i * sh - ph, q0 = j * sw - pw;
          std::int64_t r1 = std::min(r0 + ac.k.h, H + ph), q1 = std::min(q0 + ac.k.w, W + pw);
          double padded = double((r1 - r0) * (q1 - q0));
          r0 = std::max<std::int64_t>(r0, 0), q0 = std::max<std::int64_t>(q0, 0);
          r1 = std::min(r1, H), q1 = std::min(q1, W);
          double sum = 0;
          for (std::int64_t r = r0; r < r1; ++r) {
            for (std::int64_t q = q0; q < q1; ++q) sum += at(c, r, q);
          }
          double div = ac.o.divisor_override ? double(*ac.o.divisor_override)
                       : ac.o.count_include_pad ? padded
                                                : double((r1 - r0) * (q1 - q0));
          want.push_back(sum / div);
        }
      }
    }
    expect_close(y.to_vector(), want, 1e-6);
    check_module_grads(pool, random({1, 1, 5, 6}, 7));
  }

  // Adaptive: output cell o averages input rows [floor(o*In/Out), ceil((o+1)*In/Out)).
  for (nn::IntPair out : {nn::IntPair(1), nn::IntPair(3, 4), nn::IntPair(7, 6)}) {
    nn::AdaptiveAvgPool2d pool(out);
    Tensor y = pool(x);
    ASSERT_EQ(shape(y), (std::vector<std::int64_t>{N, C, out.h, out.w}));
    Vec want;
    for (std::int64_t c = 0; c < C; ++c) {
      for (std::int64_t i = 0; i < out.h; ++i) {
        for (std::int64_t j = 0; j < out.w; ++j) {
          std::int64_t r0 = i * H / out.h, r1 = ((i + 1) * H + out.h - 1) / out.h;
          std::int64_t q0 = j * W / out.w, q1 = ((j + 1) * W + out.w - 1) / out.w;
          double sum = 0;
          for (std::int64_t r = r0; r < r1; ++r) {
            for (std::int64_t q = q0; q < q1; ++q) sum += at(c, r, q);
          }
          want.push_back(sum / double((r1 - r0) * (q1 - q0)));
        }
      }
    }
    expect_close(y.to_vector(), want, 1e-6);
    check_module_grads(pool, random({1, 1, 5, 6}, 8));
  }
}

// BatchNorm (1.13's _BatchNorm.forward): training normalises by the batch mean and biased
// variance and moves running_mean/var (unbiased) by `momentum`, or by 1/num_batches_tracked when
// momentum is None; eval normalises by the running statistics; without them, always by the batch.
TEST(NnLayers, BatchNormRunningStatisticsAndModes) {
  const std::int64_t N = 4, C = 3, L = 5;
  auto batch_stats = [&](const Vec& x) {
    Vec mean(C, 0), var(C, 0);
    for (std::int64_t c = 0; c < C; ++c) {
      for (std::int64_t n = 0; n < N; ++n) {
        for (std::int64_t l = 0; l < L; ++l) mean[std::size_t(c)] += x[std::size_t((n * C + c) * L + l)];
      }
      mean[std::size_t(c)] /= double(N * L);
      for (std::int64_t n = 0; n < N; ++n) {
        for (std::int64_t l = 0; l < L; ++l) {
          double d = x[std::size_t((n * C + c) * L + l)] - mean[std::size_t(c)];
          var[std::size_t(c)] += d * d;
        }
      }
      var[std::size_t(c)] /= double(N * L);  // biased
    }
    return std::pair{mean, var};
  };
  auto normalise = [&](const Vec& x, const Vec& mean, const Vec& var, const Vec& w, const Vec& b, double eps) {
    Vec y(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
      std::size_t c = (i / std::size_t(L)) % std::size_t(C);
      y[i] = (x[i] - mean[c]) / std::sqrt(var[c] + eps) * w[c] + b[c];
    }
    return y;
  };

  for (std::optional<double> momentum : {std::optional<double>(0.3), std::optional<double>()}) {
    nn::BatchNorm1d bn(C, {.eps = 1e-3, .momentum = momentum});
    nn::init::uniform_(bn.weight, 0.5, 1.5);
    nn::init::uniform_(bn.bias, -1, 1);
    Vec rm(C, 0.0), rv(C, 1.0), w = bn.weight.to_vector(), b = bn.bias.to_vector();
    for (int step = 1; step <= 3; ++step) {
      Tensor x = random({N, C, L}, unsigned(10 + step));
      Vec xv = x.to_vector();
      auto [mean, var] = batch_stats(xv);
      expect_close(bn(x).to_vector(), normalise(xv, mean, var, w, b, 1e-3), 1e-5);
      double m = momentum ? *momentum : 1.0 / step;
      double unbias = double(N * L) / double(N * L - 1);
      for (std::size_t c = 0; c < std::size_t(C); ++c) {
        rm[c] = (1 - m) * rm[c] + m * mean[c];
        rv[c] = (1 - m) * rv[c] + m * var[c] * unbias;
      }
      EXPECT_EQ(bn.num_batches_tracked.item<std::int64_t>(), step);
      expect_close(bn.running_mean.to_vector(), rm, 1e-6);
      expect_close(bn.running_var.to_vector(), rv, 1e-6);
    }
    bn.eval();
    Tensor x = random({N, C, L}, 20);
    expect_close(bn(x).to_vector(), normalise(x.to_vector(), rm, rv, w, b, 1e-3), 1e-5);
    EXPECT_EQ(bn.num_batches_tracked.item<std::int64_t>(), 3);  // eval leaves the statistics alone
    expect_close(bn.running_mean.to_vector(), rm, 1e-6);
  }

  // track_running_stats=False: no buffers, and eval still uses the batch.
  nn::BatchNorm1d free(C, {.affine = false, .track_running_stats = false});
  EXPECT_TRUE(free.state_dict().empty());
  EXPECT_TRUE(free.buffers().empty());
  free.eval();
  Tensor x = random({N, C, L}, 21);
  auto [mean, var] = batch_stats(x.to_vector());
  expect_close(free(x).to_vector(), normalise(x.to_vector(), mean, var, Vec(C, 1.0), Vec(C, 0.0), 1e-5), 1e-5);

  // 2d over [N, C, H, W] is the 1d case over [N, C, H*W]; gradients in both modes.
  nn::BatchNorm2d bn2(C);
  nn::BatchNorm1d bn1(C);
  Tensor x4 = random({N, C, 2, 3}, 22);
  expect_close(bn2(x4).to_vector(), bn1(x4.reshape({N, C, 6})).to_vector(), 1e-6);
  expect_close(bn2.running_var.to_vector(), bn1.running_var.to_vector(), 1e-7);
  check_module_grads(bn2, random({3, C, 2, 2}, 23));
  bn2.eval();
  check_module_grads(bn2, random({3, C, 2, 2}, 24));
  // 1.13's check on a training batch of one value per channel.
  nn::BatchNorm1d one(C);
  EXPECT_THROW(one(ones({1, C})), ValueError);
  one.eval();
  EXPECT_EQ(shape(one(ones({1, C}))), (std::vector<std::int64_t>{1, C}));
}

TEST(NnLayers, DropoutTrainAndEval) {
  manual_seed(5);
  nn::Dropout drop(0.25);
  Tensor x = random({200, 500}, 30);
  Vec xv = x.to_vector(), y = drop(x).to_vector();
  std::size_t zeros = 0;
  for (std::size_t i = 0; i < y.size(); ++i) {
    if (y[i] == 0) {
      ++zeros;
    } else {
      EXPECT_NEAR(y[i], xv[i] / 0.75, 1e-6 * std::abs(xv[i]));
    }
  }
  EXPECT_NEAR(double(zeros) / double(y.size()), 0.25, 0.005);  // 5 standard errors of 100k draws
  drop.eval();
  EXPECT_TRUE(drop(x).is_same(x));  // 1.13 returns its input in eval
  nn::Dropout inplace(0.5, true);
  Tensor z = random({10}, 31);
  Tensor out = inplace(z);
  EXPECT_TRUE(out.is_same(z));
  nn::Dropout all(1);
  EXPECT_EQ(all(x).to_vector(), Vec(xv.size(), 0.0));
}

TEST(NnLayers, FlattenAsTorchFlatten) {
  nn::Flatten flat;
  Tensor x = random({2, 3, 4}, 40);
  EXPECT_EQ(shape(flat(x)), (std::vector<std::int64_t>{2, 12}));
  EXPECT_EQ(flat(x).to_vector(), x.to_vector());
  EXPECT_EQ(shape(nn::Flatten(0, 1)(x)), (std::vector<std::int64_t>{6, 4}));
  EXPECT_EQ(shape(nn::Flatten(-2, -1)(x)), (std::vector<std::int64_t>{2, 12}));
  EXPECT_TRUE(nn::Flatten(1, 1)(x).is_same(x));
  EXPECT_EQ(shape(flat(zeros({0, 3, 4}))), (std::vector<std::int64_t>{0, 12}));
  // torch: the dims are checked before a 0-d input becomes [1].
  EXPECT_EQ(error_of([&] { flat(scalar_tensor(1.0)); }), "Dimension out of range (expected to be in range of [-1, 0], but got 1)");
  EXPECT_EQ(shape(nn::Flatten(0)(scalar_tensor(1.0))), std::vector<std::int64_t>{1});
  EXPECT_THROW(flat(ones({3})), IndexError);
  EXPECT_EQ(error_of([&] { nn::Flatten(2, 1)(x); }), "flatten() has invalid args: start_dim cannot come after end_dim");
  EXPECT_EQ(shape(flat(x.transpose(0, 2))), (std::vector<std::int64_t>{4, 6}));
  EXPECT_EQ(flat(x.transpose(0, 2)).to_vector(), x.transpose(0, 2).contiguous().to_vector());
}

}  // namespace ramp
