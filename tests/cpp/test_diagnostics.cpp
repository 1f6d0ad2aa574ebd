// diagnostics::Monitor against plain computations on the same activations: an oracle forward hook
// sees each output and counts zeros, unit liveness, mean, std and the histogram itself; gradient
// norms come from retain_grad and the parameters' .grad; update ratios from snapshots taken here.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>

#include "ramp/autograd.h"
#include "ramp/diagnostics.h"
#include "ramp/elementwise.h"
#include "ramp/nn.h"
#include "ramp/ops.h"
#include "ramp/optim.h"
#include "ramp/random.h"
#include "xml_check.h"

using namespace ramp;
using namespace ramp::diagnostics;

namespace {

std::vector<double> values(const Tensor& t) {
  const Tensor d = t.detach().contiguous().to(ScalarType::Float64);
  const double* p = static_cast<const double*>(d.data_ptr());
  return {p, p + d.numel()};
}
double l2(const Tensor& t) {
  double s = 0;
  for (double v : values(t)) s += v * v;
  return std::sqrt(s);
}

// What the oracle hook saw of one layer's output at one step.
struct Seen {
  double zero, mean, std;
  std::vector<double> hist;
};

// Plain statistics of an output of sizes [N, C, rest...]; marks channels with a positive value.
Seen plain(const Tensor& out, const Options& o, std::vector<bool>& alive) {
  const auto v = values(out);
  const std::int64_t n = std::int64_t(v.size()), units = out.size(1), inner = n / (out.size(0) * units);
  double zero = 0, sum = 0;
  for (double x : v) zero += x <= 0, sum += x;
  const double mean = sum / double(n);
  double var = 0;
  for (double x : v) var += (x - mean) * (x - mean);
  std::vector<double> hist(std::size_t(o.bins), 0);
  for (double x : v) {
    int b = int(std::floor((x - o.hist_lo) / (o.hist_hi - o.hist_lo) * o.bins));
    hist[std::size_t(std::clamp(b, 0, o.bins - 1))] += 1.0 / double(n);
  }
  for (std::int64_t i = 0; i < n; ++i)
    if (v[std::size_t(i)] > 0) alive[std::size_t((i / inner) % units)] = true;
  return {zero / double(n), mean, std::sqrt(var / double(n - 1)), hist};
}

}  // namespace

TEST(Diagnostics, BitHelpersMatchBitByBit) {
  std::mt19937_64 g(7);
  std::vector<std::uint64_t> bits(9);
  for (auto& w : bits) w = g() & g();  // sparse-ish
  auto bit = [&](std::int64_t i) { return bool(bits[std::size_t(i / 64)] >> (i % 64) & 1); };
  for (int trial = 0; trial < 500; ++trial) {
    const std::int64_t start = std::int64_t(g() % 300), len = std::int64_t(g() % (576 - start)) + 1;
    std::int64_t count = 0;
    bool any = false;
    std::vector<std::uint64_t> into(std::size_t((len + 63) / 64), 0);
    or_bits(into.data(), bits.data(), start, len);
    for (std::int64_t i = 0; i < len; ++i) {
      count += bit(start + i), any |= bit(start + i);
      ASSERT_EQ(bool(into[std::size_t(i / 64)] >> (i % 64) & 1), bit(start + i)) << start << " " << len;
    }
    for (std::int64_t i = len; i < std::int64_t(into.size()) * 64; ++i) ASSERT_FALSE(into[std::size_t(i / 64)] >> (i % 64) & 1);
    EXPECT_EQ(any_bit(bits.data(), start, len), any);
    std::int64_t before = 0;
    for (std::int64_t i = 0; i < start; ++i) before += bit(i);
    EXPECT_EQ(count_bits(bits.data(), start + len) - count_bits(bits.data(), start), count);
    EXPECT_EQ(count_bits(bits.data(), start), before);
  }
}

TEST(Diagnostics, PassBitsComeFromTheMaskNode) {
  Tensor x = randn({4, 70}).requires_grad_();
  Tensor y = relu(x);
  const std::uint64_t* bits = pass_bits(y);
  ASSERT_NE(bits, nullptr);
  const auto v = values(x);
  for (std::size_t i = 0; i < v.size(); ++i) ASSERT_EQ(bool(bits[i / 64] >> (i % 64) & 1), v[i] > 0);
  EXPECT_EQ(pass_bits(relu(x.detach())), nullptr);  // no graph, no mask
  y.sum().backward();
  EXPECT_EQ(pass_bits(y), nullptr);  // the bits are freed with the saved tensors
}

// A backward pass after the Monitor is gone finds no Monitor (its gradient hooks stay on the graph).
TEST(Diagnostics, BackwardAfterTheMonitorDies) {
  auto net = std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(4, 8), std::make_shared<nn::ReLU>());
  Tensor out;
  {
    Monitor mon(*net);
    out = (*net)(randn({3, 4}));
  }
  out.sum().backward();
  EXPECT_TRUE(net->parameters()[0].grad().defined());
  Monitor late;
  late.step();
  EXPECT_THROW(late.add_layer("x", "ReLU"), Error);  // columns are fixed at the first step
}

// An MLP and a CNN trained a few steps with a monitor; every figure against the oracle.
void check_monitor(bool conv) {
  manual_seed(3);
  std::shared_ptr<nn::Sequential> net;
  if (conv) {
    auto c = std::make_shared<nn::Conv2d>(2, 6, nn::IntPair{3, 3});
    { autograd::NoGradGuard ng; c->find_parameter("bias")->index_put_({0}, -100.0); }  // channel 0 dies
    net = std::make_shared<nn::Sequential>(c, std::make_shared<nn::ReLU>(), std::make_shared<nn::Flatten>(),
                                           std::make_shared<nn::Linear>(6 * 6 * 6, 3));
  } else {
    auto l = std::make_shared<nn::Linear>(20, 70);  // 70 units: the bits of a row straddle words
    { autograd::NoGradGuard ng; l->find_parameter("bias")->index_put_({indexing::Slice(0, 5)}, -100.0); }  // 5 dead units
    net = std::make_shared<nn::Sequential>(l, std::make_shared<nn::ReLU>(), std::make_shared<nn::Linear>(70, 3),
                                           std::make_shared<nn::Sigmoid>());
  }
  Options o;
  o.every = 2;
  o.dead_threshold = 0.05;  // the MLP kills 5 of 70 units (7%), the CNN 1 of 6
  const auto dir = std::filesystem::temp_directory_path() / ("ramp_diag_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  o.log_path = (dir / "log.jsonl").string();
  Monitor mon(*net, o, /*all_layers=*/false);
  ASSERT_EQ(mon.layer_names().size(), conv ? 1u : 2u);
  EXPECT_EQ(mon.layer_names()[0], "1");
  auto& relu = *(*net)[1];
  std::vector<Seen> seen;
  std::vector<bool> alive(conv ? 6 : 70, false);
  Tensor relu_in;
  relu.register_forward_hook([&](nn::Module&, const Tensor& in, const Tensor& out) -> std::optional<Tensor> {
    seen.push_back(plain(out, o, alive));
    if (in.requires_grad()) in.retain_grad();
    relu_in = in;
    return std::nullopt;
  });
  optim::SGD opt(net->parameters(), {.lr = 0.1});
  std::vector<double> grad_in, param_grad, ratio;
  for (int step = 0; step < 5; ++step) {
    Tensor x = conv ? randn({4, 2, 8, 8}) : randn({16, 20});
    Tensor loss = square((*net)(x)).mean();
    opt.zero_grad();
    loss.backward();
    Tensor w = net->parameters()[0];
    const Tensor before = w.detach().clone();
    opt.step();
    grad_in.push_back(l2(relu_in.grad()));
    param_grad.push_back(l2(w.grad()));
    ratio.push_back(l2(w.detach().sub(before)) / l2(before));
    mon.step(loss.item<double>(), 0.1);
  }
  mon.end_epoch();
  ASSERT_EQ(mon.steps().size(), 3u);  // steps 0, 2, 4
  for (std::size_t k = 0; k < 3; ++k) {
    const StepRecord& r = mon.steps()[k];
    const std::size_t step = std::size_t(r.step);
    EXPECT_EQ(step, 2 * k);
    const Seen& s = seen[step];
    const LayerStep& l = r.layers[0];
    EXPECT_NEAR(l.zero_fraction, s.zero, 1e-12);
    EXPECT_NEAR(l.mean, s.mean, 1e-9 * (1 + std::abs(s.mean)));
    EXPECT_NEAR(l.std, s.std, 1e-9 * s.std);
    ASSERT_EQ(l.histogram.size(), s.hist.size());
    for (std::size_t b = 0; b < s.hist.size(); ++b) EXPECT_NEAR(l.histogram[b], s.hist[b], 1e-12);
    EXPECT_NEAR(l.grad_norm, grad_in[step], 1e-6 * grad_in[step]);
    EXPECT_NEAR(r.params[0].grad_norm, param_grad[step], 5e-7 * param_grad[step]);  // a float32 norm: 4 ulp
    EXPECT_NEAR(r.params[0].update_ratio, ratio[step], 1e-6 * ratio[step]);
  }
  ASSERT_EQ(mon.windows().size(), 1u);
  std::int64_t dead = 0;
  for (bool a : alive) dead += !a;
  EXPECT_EQ(mon.windows()[0].dead[0], dead);
  EXPECT_GE(dead, conv ? 1 : 5);
  EXPECT_EQ(mon.windows()[0].units[0], conv ? 6 : 70);
  if (!conv) {
    EXPECT_TRUE(std::isfinite(mon.steps()[0].layers[1].saturated_fraction));  // the Sigmoid layer
  }
  EXPECT_NE(mon.table().find("<- dead"), std::string::npos) << mon.table();
  // The log: one JSON object per logged step and window.
  std::ifstream in(o.log_path);
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[1]["step"], 2);
  EXPECT_EQ(lines[1]["layers"][0]["zero_fraction"].get<double>(), mon.steps()[1].layers[0].zero_fraction);
  EXPECT_EQ(lines[3]["type"], "window");
  EXPECT_EQ(lines[3]["layers"][0]["dead"], dead);
  EXPECT_TRUE(lines[0]["params"][0]["update_ratio"].is_number());
  mon.save_report((dir / "report.html").string());
  std::ifstream rep(dir / "report.html");
  EXPECT_EQ(ramp::test::xml_problem(std::string(std::istreambuf_iterator<char>(rep), {})), "");
  std::filesystem::remove_all(dir);
}

TEST(Diagnostics, MlpAgainstPlainStatistics) { check_monitor(false); }
TEST(Diagnostics, CnnChannelsAgainstPlainStatistics) { check_monitor(true); }

// Without a graph (evaluation, no_grad) the counts come from the output instead of the mask: the
// same figures either way, for rows that straddle 64-bit words and for channels.
TEST(Diagnostics, MaskAndOutputPathsAgree) {
  for (auto sizes : {std::vector<std::int64_t>{9, 70}, std::vector<std::int64_t>{3, 5, 7, 3}}) {
    Tensor x = randn(sizes).sub(1.5);
    {
      autograd::NoGradGuard ng;
      x.index_put_({0}, std::numeric_limits<double>::quiet_NaN());  // NaN passes the mask: positive on both paths
    }
    x.requires_grad_();
    Monitor with_mask, without;
    with_mask.add_layer("r", "ReLU"), without.add_layer("r", "ReLU");
    const Tensor y = relu(x);
    ASSERT_NE(pass_bits(y), nullptr);
    with_mask.observe(0, y);
    without.observe(0, y.detach());
    for (Monitor* m : {&with_mask, &without}) m->step(), m->end_epoch();
    EXPECT_EQ(with_mask.steps()[0].layers[0].zero_fraction, without.steps()[0].layers[0].zero_fraction);
    EXPECT_EQ(with_mask.windows()[0].dead, without.windows()[0].dead);
    EXPECT_EQ(with_mask.windows()[0].units[0], sizes[1]);
    // The oracle: a unit is dead when no value of it is > 0 or NaN.
    const auto v = values(x);
    const std::int64_t units = sizes[1], inner = std::int64_t(v.size()) / (sizes[0] * units);
    std::vector<bool> alive(std::size_t(units), false);
    for (std::size_t i = 0; i < v.size(); ++i)
      if (!(v[i] <= 0)) alive[std::size_t((std::int64_t(i) / inner) % units)] = true;
    EXPECT_EQ(with_mask.windows()[0].dead[0], std::count(alive.begin(), alive.end(), false));
  }
}

// [256, 256, 2, 2]: 262144 outputs, a sampling stride of 4 would land on position (0, 0) of every
// channel. Position (0, 0) is 0 and the other three are 1: the histogram must see 3/4 at 1.
TEST(Diagnostics, HistogramSampleDoesNotAliasWithTheUnits) {
  Tensor y = ones({256, 256, 2, 2});
  y.index_put_({indexing::Slice(), indexing::Slice(), 0, 0}, 0.0);
  Monitor m;
  m.add_layer("conv", "Conv2d");
  m.observe(0, y);
  m.step();
  const auto& h = m.steps()[0].layers[0].histogram;
  const Options o;
  const auto bin = [&](double v) { return std::size_t((v - o.hist_lo) / (o.hist_hi - o.hist_lo) * o.bins); };
  EXPECT_NEAR(h[bin(1.0)], 0.75, 0.01);
  EXPECT_NEAR(h[bin(0.0)], 0.25, 0.01);
}

TEST(Diagnostics, SaturationAndBadOptions) {
  Monitor m;
  const int s = m.add_layer("sig", "Sigmoid");
  Tensor y = sigmoid(tensor({-10.0, -1.0, 0.0, 3.0, 7.0, 12.0}, ScalarType::Float32).reshape({1, 6}));
  m.observe(s, y);
  m.step();
  int want = 0;
  for (double v : values(y)) want += v * (1 - v) < 0.0025;
  EXPECT_DOUBLE_EQ(m.steps()[0].layers[0].saturated_fraction, want / 6.0);
  EXPECT_EQ(want, 3);
  EXPECT_THROW(Monitor({.every = 0}), ValueError);
  EXPECT_THROW(m.observe(5, y), IndexError);
  Options bad;
  bad.log_path = "/proc/no/such/log.jsonl";
  EXPECT_THROW(Monitor{bad}, Error);
}

// The optimizers report gradient norms and update ratios from inside their fused updates: each one
// (float32 and float64, with momentum / weight decay so every loop variant runs) against norms of
// snapshots taken here; the updated weights are bit for bit those of the same optimizer unwatched.
template <class Opt, class Options>
void check_reported(ScalarType dtype, const Options& options) {
  manual_seed(11);
  auto make = [&] {
    auto net =
        std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(9, 40), std::make_shared<nn::ReLU>(),
                                         std::make_shared<nn::Linear>(40, 2));
    net->to(dtype);
    return net;
  };
  auto net = make(), twin = make();
  {
    autograd::NoGradGuard ng;
    std::vector<Tensor> a = net->parameters(), b = twin->parameters();
    for (std::size_t i = 0; i < a.size(); ++i) b[i].copy_(a[i]);
  }
  Opt opt(net->parameters(), options), opt_twin(twin->parameters(), options);
  diagnostics::Options o;
  o.every = 2;
  Monitor mon(*net, o);
  std::vector<std::vector<double>> grad(6), ratio(6);
  for (int step = 0; step < 6; ++step) {
    const Tensor x = randn({5, 9}).to(dtype);
    opt.zero_grad(), opt_twin.zero_grad();
    for (auto* m : {net.get(), twin.get()}) square((*m)(x)).mean().backward();
    const std::vector<Tensor> params = net->parameters(), twins = twin->parameters();
    std::vector<Tensor> before;
    for (const Tensor& p : params) before.push_back(p.detach().clone());
    opt.step();
    opt_twin.step();
    for (std::size_t i = 0; i < before.size(); ++i) {
      const Tensor& p = params[i];
      grad[std::size_t(step)].push_back(l2(p.grad()));
      ratio[std::size_t(step)].push_back(l2(p.detach().sub(before[i])) / l2(before[i]));
      ASSERT_EQ(values(p), values(twins[i])) << "the watched update differs, parameter " << i;
    }
    mon.step();
  }
  ASSERT_EQ(mon.steps().size(), 3u);
  const double tol = dtype == ScalarType::Float32 ? 5e-7 : 1e-12;  // norms of float32 values: a few ulp
  for (const StepRecord& r : mon.steps())
    for (std::size_t i = 0; i < r.params.size(); ++i) {
      const double g = grad[std::size_t(r.step)][i], q = ratio[std::size_t(r.step)][i];
      EXPECT_NEAR(r.params[i].grad_norm, g, tol * g) << "step " << r.step << " param " << i;
      EXPECT_NEAR(r.params[i].update_ratio, q, 2 * tol * q) << "step " << r.step << " param " << i;
    }
}

TEST(Diagnostics, OptimizersReportTheirUpdates) {
  for (ScalarType t : {ScalarType::Float32, ScalarType::Float64}) {
    SCOPED_TRACE(dtype_name(t));
    check_reported<optim::SGD>(t, optim::SGDOptions{.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01});
    check_reported<optim::SGD>(t, optim::SGDOptions{.lr = 0.1});
    check_reported<optim::Adam>(t, optim::AdamOptions{.lr = 0.01, .weight_decay = 0.01});
    check_reported<optim::AdamW>(t, optim::AdamWOptions{.lr = 0.01});
    check_reported<optim::Adagrad>(t, optim::AdagradOptions{.lr = 0.1});
    check_reported<optim::RMSprop>(t, optim::RMSpropOptions{.lr = 0.01, .momentum = 0.5});
    check_reported<optim::Adadelta>(t, optim::AdadeltaOptions{});
  }
}

// Float32 gradients of ~1e25 (an exploding net) and ~1e-24: their norms are finite and nonzero, so
// the reported ones must be too (squares summed in float32 overflowed to inf from |g| ~ 1.8e19 and
// fell below float32's smallest subnormal under |g| ~ 3.7e-23).
TEST(Diagnostics, ReportedSumsDoNotOverflowInFloat32) {
  for (double scale : {1e25, 1e-24}) {
    SCOPED_TRACE(scale);
    manual_seed(13);
    auto net = std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(4, 3), std::make_shared<nn::ReLU>());
    optim::SGD opt(net->parameters(), optim::SGDOptions{.lr = 1e-30 / scale});
    Monitor mon(*net);
    ((*net)(ones({2, 4})).sum() * scale).backward();
    const std::vector<Tensor> params = net->parameters();
    std::vector<Tensor> before;
    for (const Tensor& p : params) before.push_back(p.detach().clone());
    opt.step();
    mon.step();
    ASSERT_EQ(mon.steps().size(), 1u);
    for (std::size_t i = 0; i < params.size(); ++i) {
      const double g = l2(params[i].grad()), q = l2(params[i].detach().sub(before[i])) / l2(before[i]);
      ASSERT_GT(g, scale / 10);
      EXPECT_NEAR(mon.steps()[0].params[i].grad_norm, g, 5e-7 * g) << "param " << i;
      EXPECT_NEAR(mon.steps()[0].params[i].update_ratio, q, 1e-6 * q) << "param " << i;
    }
  }
}

// Weights whose squares leave float32's range (1e25: overflow; 1e-24: below the subnormals): the
// weights before the update are gone when the block's sums are checked, so the update ratio is
// reported as not measured (NaN), never as a wrong number; the gradient norm stays exact.
TEST(Diagnostics, UpdateRatioOfOutOfRangeWeightsIsNotMeasured) {
  for (double w : {1e25, 1e-24}) {
    SCOPED_TRACE(w);
    auto lin = std::make_shared<nn::Linear>(4, 3);
    {
      autograd::NoGradGuard no_grad;
      lin->find_parameter("weight")->fill_(w);
    }
    optim::SGD opt(lin->parameters(), optim::SGDOptions{.lr = w * 1e-3});
    Monitor mon(*lin);
    ((*lin)(ones({2, 4})).sum()).backward();
    const double g = l2(lin->find_parameter("weight")->grad());
    opt.step();
    mon.step();
    EXPECT_NEAR(mon.steps()[0].params[0].grad_norm, g, 5e-7 * g);
    EXPECT_TRUE(std::isnan(mon.steps()[0].params[0].update_ratio)) << mon.steps()[0].params[0].update_ratio;
  }
}

// Updates no optimizer reports (written by hand, as a Python optimizer does) fall back to snapshots.
TEST(Diagnostics, UnreportedUpdatesUseSnapshots) {
  manual_seed(12);
  auto net =
      std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(6, 5), std::make_shared<nn::ReLU>());
  Monitor mon(*net);
  std::vector<double> grad, ratio;
  for (int step = 0; step < 3; ++step) {
    square((*net)(randn({4, 6}))).sum().backward();
    Tensor w = net->parameters()[0];
    const Tensor before = w.detach().clone();
    {
      autograd::NoGradGuard ng;
      w.sub_(w.grad().mul(0.1));
    }
    grad.push_back(l2(w.grad()));
    ratio.push_back(l2(w.detach().sub(before)) / l2(before));
    mon.step();
    for (Tensor p : net->parameters()) p.set_grad(Tensor());
  }
  for (const StepRecord& r : mon.steps()) {
    EXPECT_NEAR(r.params[0].grad_norm, grad[std::size_t(r.step)], 5e-7 * grad[std::size_t(r.step)]);
    EXPECT_NEAR(r.params[0].update_ratio, ratio[std::size_t(r.step)], 1e-6 * ratio[std::size_t(r.step)]);
  }
}

// A module called twice in a step is one row: the statistics of both outputs together, the norm of
// both input gradients together, calls = 2; against the plain statistics of the two outputs joined.
TEST(Diagnostics, ModuleCalledTwiceIsOneRowOfBothCalls) {
  manual_seed(13);
  auto lin = std::make_shared<nn::Linear>(5, 30);
  auto relu = std::make_shared<nn::ReLU>();
  auto net = std::make_shared<nn::Sequential>(lin, relu);
  Monitor mon(*net);
  std::vector<Tensor> outs, ins;
  relu->register_forward_hook([&](nn::Module&, const Tensor& in, const Tensor& out) -> std::optional<Tensor> {
    in.retain_grad();
    ins.push_back(in), outs.push_back(out);
    return std::nullopt;
  });
  Tensor h = (*relu)((*lin)(randn({6, 5})));
  Tensor y = (*relu)(matmul(h, randn({30, 30})).sub(0.3));  // the same ReLU again, on 6 more rows
  y.sum().add(square(h).sum()).backward();
  mon.step();
  mon.end_epoch();
  const Options o;
  std::vector<bool> alive(30, false);
  const Seen s = plain(cat({outs[0].detach(), outs[1].detach()}, 0), o, alive);
  const LayerStep& l = mon.steps()[0].layers[0];
  EXPECT_EQ(l.calls, 2);
  EXPECT_NEAR(l.zero_fraction, s.zero, 1e-12);
  EXPECT_NEAR(l.mean, s.mean, 1e-9 * (1 + std::abs(s.mean)));
  EXPECT_NEAR(l.std, s.std, 1e-9 * s.std);
  for (std::size_t b = 0; b < s.hist.size(); ++b) EXPECT_NEAR(l.histogram[b], s.hist[b], 1e-12);
  const double g0 = l2(ins[0].grad()), g1 = l2(ins[1].grad());
  EXPECT_NEAR(l.grad_norm, std::sqrt(g0 * g0 + g1 * g1), 1e-6 * l.grad_norm);
  std::int64_t dead = 0;
  for (bool a : alive) dead += !a;
  EXPECT_EQ(mon.windows()[0].dead[0], dead);
}

// units_dim = -1: a [N, L, F] output's units are its F features (every (n, l) a row); dim 1 (the
// default) reads it as [N, C, L], torch's Conv1d / BatchNorm1d layout.
TEST(Diagnostics, UnitsDimLastForSequenceOutputs) {
  manual_seed(14);
  Tensor x = randn({3, 4, 70}).sub(0.5);
  {
    autograd::NoGradGuard ng;
    x.index_put_({indexing::Slice(), indexing::Slice(), indexing::Slice(0, 9)},
                 -1.0);  // features 0..8 never fire
  }
  x.requires_grad_();
  const Tensor y = relu(x);
  for (int dim : {1, -1}) {
    Options o;
    o.units_dim = dim;
    Monitor with_mask(o), without(o);
    with_mask.add_layer("r", "ReLU"), without.add_layer("r", "ReLU");
    with_mask.observe(0, y);
    without.observe(0, y.detach());
    for (Monitor* m : {&with_mask, &without}) m->step(), m->end_epoch();
    const auto v = values(y);
    const std::int64_t units = dim == 1 ? 4 : 70;
    std::vector<bool> alive(std::size_t(units), false);
    for (std::size_t i = 0; i < v.size(); ++i)
      if (v[i] > 0) alive[std::size_t(dim == 1 ? (std::int64_t(i) / 70) % 4 : std::int64_t(i) % 70)] = true;
    const std::int64_t dead = std::count(alive.begin(), alive.end(), false);
    EXPECT_EQ(with_mask.windows()[0].units[0], units);
    EXPECT_EQ(with_mask.windows()[0].dead[0], dead);
    EXPECT_EQ(without.windows()[0].dead[0], dead);
    if (dim == -1) {
      EXPECT_GE(dead, 9);  // the features set negative, and any other that drew no positive value
    }
  }
  EXPECT_THROW(Monitor({.units_dim = 2}), ValueError);
}

// The window counts a step's samples from dim 0 of the first output seen in it, not the largest
// dim 0 among the layers (a later layer with rows reshaped from features would close it early).
TEST(Diagnostics, WindowCountsTheBatchOfTheFirstLayer) {
  Options o;
  o.window = 16;
  Monitor m(o);
  m.add_layer("a", "ReLU"), m.add_layer("b", "ReLU");
  for (int step = 0; step < 3; ++step) {
    m.observe(0, rand({8, 4}));   // the batch: 8 samples
    m.observe(1, rand({32, 1}));  // the same samples' values as 32 rows
    m.step();
    EXPECT_EQ(m.windows().size(), step == 0 ? 0u : 1u) << "after step " << step;
  }
  EXPECT_EQ(m.windows()[0].step, 2);
}

// keep = K: the last K logged steps in memory, every one in the log.
TEST(Diagnostics, KeepsTheLastStepsInMemory) {
  const auto path =
      std::filesystem::temp_directory_path() / ("ramp_keep_" + std::to_string(::getpid()) + ".jsonl");
  Options o;
  o.keep = 2;
  o.log_path = path.string();
  {
    Monitor m(o);
    m.add_layer("r", "ReLU");
    for (int step = 0; step < 5; ++step) m.observe(0, randn({2, 3})), m.step(double(step));
    ASSERT_EQ(m.steps().size(), 2u);
    EXPECT_EQ(m.steps()[0].step, 3);
    EXPECT_EQ(m.steps()[1].loss, 4.0);
  }
  std::ifstream in(path);
  int lines = 0;
  for (std::string line; std::getline(in, line);) ++lines;
  EXPECT_EQ(lines, 5);
  std::filesystem::remove(path);
  EXPECT_THROW(Monitor({.keep = -1}), ValueError);
}
