// ramp's layer ops vs PyTorch 1.13's (libtorch, C++), in one process.
//
//   ramp_bench_nn [--sections check,cnn,pieces] [--threads 1,2] [--rounds N] [--sample-ms M]
//
// Sections:
//   check   every op of include/ramp/nn/functional.h and its gradients against libtorch on the same
//           inputs: the largest difference, relative to the largest magnitude (a sanity table, not a race).
//   cnn     a training step of Conv2d(3,32,3,p=1)-ReLU-MaxPool2d(2)-Conv2d(32,64,3,p=1)-ReLU-MaxPool2d(2),
//           batch 32 of 3x32x32 float32: forward, loss = Σ out·r (r fixed), backward, SGD under no_grad.
//   pieces  the step's ops one by one (forward, and backward through autograd), to see where time goes.
//
// Timing as in bench_autograd.cpp (bench/bench_common.h): interleaved rounds, medians, ratios as
// medians of per-round ratios, 2-thread cases retried while the host squeezes the vCPUs.
#include "bench_common.h"
#include "ramp/autograd.h"
#include "ramp/functional.h"
#include "ramp/nn/functional.h"
#include "ramp/ops.h"
#include "ramp/tensor.h"

namespace {

using namespace bench;

std::string g_cap;
std::vector<int> g_threads{1, 2};

ramp::Tensor ramp_param(std::vector<std::int64_t> sizes, double bound, std::uint64_t seed) {
  ramp::Tensor t = ramp::empty(ramp::IntArrayRef(sizes.data(), sizes.size()));
  float* p = t.data<float>();
  std::mt19937_64 g(seed);
  std::uniform_real_distribution<float> d(float(-bound), float(bound));
  for (std::int64_t i = 0; i < t.numel(); ++i) p[i] = d(g);
  return t;
}
// A torch copy (not a view: the two sides update their own parameters).
torch::Tensor torch_copy(const ramp::Tensor& t) { return torch_view(t).clone(); }

double rel_diff(const ramp::Tensor& a, const torch::Tensor& b) {
  const ramp::Tensor ac = a.contiguous().to(ramp::ScalarType::Float64);
  const torch::Tensor bc = b.contiguous().to(torch::kFloat64);
  const double* pa = ac.data<double>();
  const double* pb = bc.data_ptr<double>();
  double m = 0, scale = 0;
  for (std::int64_t i = 0; i < ac.numel(); ++i) {
    if (std::isnan(pa[i]) != std::isnan(pb[i])) return INFINITY;
    if (std::isnan(pa[i])) continue;
    m = std::max(m, std::fabs(pa[i] - pb[i]));
    scale = std::max(scale, std::fabs(pb[i]));
  }
  return scale > 0 ? m / scale : m;
}

// ---------------------------------------------------------------------------------------------
// check

void bench_check() {
  set_threads(2);
  std::printf("\n### Values against libtorch (float32; max |ramp - torch| / max |torch|)\n\n");
  std::printf("| op | output | grad input | grad weight | grad bias |\n|---|---:|---:|---:|---:|\n");
  auto row = [](const char* op, const ramp::Tensor& y, const torch::Tensor& ty, std::vector<ramp::Tensor> g,
                std::vector<torch::Tensor> tg) {
    std::string cells;
    for (std::size_t i = 0; i < 3; ++i)
      cells += i < g.size() && g[i].defined() ? fmt(" %.1e |", rel_diff(g[i], tg[i])) : std::string(" – |");
    std::printf("| %s | %.1e |%s\n", op, rel_diff(y, ty), cells.c_str());
  };
  // Each case: the ramp op on leaves, the torch op on copies, both backward with the same dy.
  auto conv_case = [&](const char* label, std::vector<std::int64_t> xs, std::vector<std::int64_t> ws,
                       std::vector<std::int64_t> stride, std::vector<std::int64_t> pad,
                       std::vector<std::int64_t> dil, std::int64_t groups) {
    ramp::Tensor x = ramp_param(xs, 2, 1).requires_grad_(), w = ramp_param(ws, 0.5, 2).requires_grad_();
    ramp::Tensor b = ramp_param({ws[0]}, 0.5, 3).requires_grad_();
    torch::Tensor tx = torch_copy(x).requires_grad_(), tw = torch_copy(w).requires_grad_(),
                  tb = torch_copy(b).requires_grad_();
    ramp::Tensor y = ramp::conv2d(x, w, b, stride, pad, dil, groups);
    torch::Tensor ty = torch::conv2d(tx, tw, tb, stride, pad, dil, groups);
    ramp::Tensor dy = ramp_param({y.sizes().begin(), y.sizes().end()}, 1, 4);
    y.backward(dy);
    ty.backward(torch_copy(dy));
    row(label, y, ty, {x.grad(), w.grad(), b.grad()}, {tx.grad(), tw.grad(), tb.grad()});
  };
  conv_case("conv2d 3→32 3x3 p1", {4, 3, 16, 16}, {32, 3, 3, 3}, {1}, {1}, {1}, 1);
  conv_case("conv2d 8→6 (3,2) s(2,1) p(1,0) d(1,2) g2", {3, 8, 11, 9}, {6, 4, 3, 2}, {2, 1}, {1, 0}, {1, 2},
            2);
  conv_case("conv2d 16→16 1x1", {2, 16, 7, 7}, {16, 16, 1, 1}, {1}, {0}, {1}, 1);
  {
    ramp::Tensor x = ramp_param({2, 4, 9, 9}, 2, 5).requires_grad_(), w = ramp_param({3, 4, 2, 2}, 0.5, 6);
    torch::Tensor tx = torch_copy(x).requires_grad_();
    ramp::Tensor y = ramp::conv2d(x, w, {}, {1}, "same");
    torch::Tensor ty = torch::conv2d(tx, torch_copy(w), {}, 1, "same");
    ramp::Tensor dy = ramp_param({2, 3, 9, 9}, 1, 7);
    y.backward(dy);
    ty.backward(torch_copy(dy));
    row("conv2d 'same' 2x2", y, ty, {x.grad()}, {tx.grad()});
  }
  {
    ramp::Tensor x = ramp_param({2, 3, 10, 11}, 2, 8).requires_grad_(),
                 w = ramp_param({5, 11}, 0.5, 9).requires_grad_(),
                 b = ramp_param({5}, 0.5, 10).requires_grad_();
    torch::Tensor tx = torch_copy(x).requires_grad_(), tw = torch_copy(w).requires_grad_(),
                  tb = torch_copy(b).requires_grad_();
    ramp::Tensor y = ramp::linear(x, w, b);
    torch::Tensor ty = torch::nn::functional::linear(tx, tw, tb);
    ramp::Tensor dy = ramp_param({2, 3, 10, 5}, 1, 11);
    y.backward(dy);
    ty.backward(torch_copy(dy));
    row("linear [2,3,10,11]·[5,11]ᵀ", y, ty, {x.grad(), w.grad(), b.grad()},
        {tx.grad(), tw.grad(), tb.grad()});
  }
  auto pool_case = [&](const char* label, auto rf, auto tf, std::vector<std::int64_t> xs) {
    ramp::Tensor x = ramp_param(xs, 2, 12).requires_grad_();
    torch::Tensor tx = torch_copy(x).requires_grad_();
    ramp::Tensor y = rf(x);
    torch::Tensor ty = tf(tx);
    ramp::Tensor dy = ramp_param({y.sizes().begin(), y.sizes().end()}, 1, 13);
    y.backward(dy);
    ty.backward(torch_copy(dy));
    row(label, y, ty, {x.grad()}, {tx.grad()});
  };
  pool_case(
      "max_pool2d 3 s2 p1 ceil", [](auto& x) { return ramp::max_pool2d(x, {3}, {2}, {1}, {1}, true); },
      [](auto& x) { return torch::max_pool2d(x, 3, 2, 1, 1, true); }, {2, 3, 12, 13});
  pool_case(
      "max_pool2d 3 d2", [](auto& x) { return ramp::max_pool2d(x, {3}, {1}, {0}, {2}); },
      [](auto& x) { return torch::max_pool2d(x, 3, 1, 0, 2); }, {2, 3, 12, 13});
  pool_case(
      "avg_pool2d 3 s2 p1 ceil, exclude pad",
      [](auto& x) { return ramp::avg_pool2d(x, {3}, {2}, {1}, true, false); },
      [](auto& x) { return torch::avg_pool2d(x, 3, 2, 1, true, false); }, {2, 3, 12, 13});
  pool_case(
      "avg_pool2d 2, divisor 3", [](auto& x) { return ramp::avg_pool2d(x, {2}, {}, {0}, false, true, 3); },
      [](auto& x) { return torch::avg_pool2d(x, 2, {}, 0, false, true, 3); }, {3, 12, 13});
  pool_case(
      "adaptive_avg_pool2d (5,3)",
      [](auto& x) {
        return ramp::adaptive_avg_pool2d(x, {5, 3});
      },
      [](auto& x) {
        return torch::adaptive_avg_pool2d(x, {5, 3});
      },
      {2, 3, 12, 13});
  for (bool training : {true, false}) {
    ramp::Tensor x = ramp_param({8, 4, 5, 5}, 3, 14).requires_grad_(),
                 w = ramp_param({4}, 1, 15).requires_grad_(), b = ramp_param({4}, 1, 16).requires_grad_();
    ramp::Tensor rm = ramp_param({4}, 1, 17), rv = ramp_param({4}, 0.5, 18).add(1.0);
    torch::Tensor tx = torch_copy(x).requires_grad_(), tw = torch_copy(w).requires_grad_(),
                  tb = torch_copy(b).requires_grad_(), trm = torch_copy(rm), trv = torch_copy(rv);
    ramp::Tensor y = ramp::batch_norm(x, rm, rv, w, b, training, 0.2, 1e-4);
    torch::Tensor ty = torch::batch_norm(tx, tw, tb, trm, trv, training, 0.2, 1e-4, false);
    ramp::Tensor dy = ramp_param({8, 4, 5, 5}, 1, 19);
    y.backward(dy);
    ty.backward(torch_copy(dy));
    row(training ? "batch_norm train" : "batch_norm eval", y, ty, {x.grad(), w.grad(), b.grad()},
        {tx.grad(), tw.grad(), tb.grad()});
    if (training)
      std::printf("| batch_norm running mean / var | %.1e / %.1e | | | |\n", rel_diff(rm, trm),
                  rel_diff(rv, trv));
  }
}

// ---------------------------------------------------------------------------------------------
// cnn

constexpr std::int64_t kN = 32;
constexpr double kLr = 0.01;

struct RampCnn {
  ramp::Tensor w1, b1, w2, b2, x, r;
  ramp::Tensor forward() const {
    ramp::Tensor h = ramp::max_pool2d(ramp::relu(ramp::conv2d(x, w1, b1, {1}, {1})), {2});
    return ramp::max_pool2d(ramp::relu(ramp::conv2d(h, w2, b2, {1}, {1})), {2});
  }
  void step() {
    forward().mul(r).sum().backward();
    ramp::autograd::NoGradGuard no_grad;
    for (ramp::Tensor* p : {&w1, &b1, &w2, &b2}) {
      p->sub_(p->grad() * kLr);
      p->set_grad({});
    }
  }
};

struct TorchCnn {
  torch::Tensor w1, b1, w2, b2, x, r;
  torch::Tensor forward() const {
    torch::Tensor h = torch::max_pool2d(torch::relu(torch::conv2d(x, w1, b1, 1, 1)), 2);
    return torch::max_pool2d(torch::relu(torch::conv2d(h, w2, b2, 1, 1)), 2);
  }
  void step() {
    (forward() * r).sum().backward();
    torch::NoGradGuard no_grad;
    for (torch::Tensor* p : {&w1, &b1, &w2, &b2}) {
      p->sub_(p->grad() * kLr);
      p->mutable_grad().reset();
    }
  }
};

// Same initial values on both sides (PyTorch's default bound 1/sqrt(fan_in)).
std::pair<RampCnn, TorchCnn> make_cnn() {
  RampCnn m;
  m.w1 = ramp_param({32, 3, 3, 3}, 1 / std::sqrt(27.0), 1);
  m.b1 = ramp_param({32}, 1 / std::sqrt(27.0), 2);
  m.w2 = ramp_param({64, 32, 3, 3}, 1 / std::sqrt(288.0), 3);
  m.b2 = ramp_param({64}, 1 / std::sqrt(288.0), 4);
  m.x = ramp_param({kN, 3, 32, 32}, 1, 5);
  m.r = ramp_param({kN, 64, 8, 8}, 1, 6);
  TorchCnn t{torch_copy(m.w1), torch_copy(m.b1), torch_copy(m.w2),
             torch_copy(m.b2), torch_copy(m.x),  torch_copy(m.r)};
  for (ramp::Tensor* p : {&m.w1, &m.b1, &m.w2, &m.b2}) p->requires_grad_();
  for (torch::Tensor* p : {&t.w1, &t.b1, &t.w2, &t.b2}) p->requires_grad_(true);
  return {m, t};
}

void bench_cnn() {
  std::printf(
      "\n### CNN training step, batch %lld of 3x32x32 float32\n\nConv2d(3,32,3,p=1)-ReLU-MaxPool2d(2)-"
      "Conv2d(32,64,3,p=1)-ReLU-MaxPool2d(2); loss = Σ out·r (r fixed); backward; SGD (lr %.2g) under "
      "no_grad; gradients reset. Same initial parameters and input on both sides. After the timing, one "
      "more step on each: the largest relative difference of the updated parameters.\n\n",
      static_cast<long long>(kN), kLr);
  std::printf(
      "| thr | ramp | torch (%s) | torch/ramp | params after a step (rel diff) | fork/join |\n"
      "|---:|---:|---:|---:|---:|---:|\n",
      g_cap.c_str());
  for (int threads : g_threads) {
    set_threads(threads);
    auto [m, t] = make_cnn();
    std::vector<Variant> vs{variant("ramp", [&] { m.step(); }), variant("torch", [&] { t.step(); })};
    if (threads == 2) vs.push_back(variant("fork/join", fork_join));
    int tries = 1;
    Result r = threads == 2 ? measure_2t(vs, &tries) : measure(vs);
    const std::string sq = threads == 2 ? squeezed(r.worst(2)) : "";
    // Equal starting points, one step each, then compare.
    auto [m2, t2] = make_cnn();
    m2.step();
    t2.step();
    double d = 0;
    for (auto [a, b] : {std::pair{&m2.w1, &t2.w1}, {&m2.b1, &t2.b1}, {&m2.w2, &t2.w2}, {&m2.b2, &t2.b2}})
      d = std::max(d, rel_diff(a->detach(), b->detach()));
    const double sp = r.ratio(1, 0);
    std::printf("| %d | %s | %s | %s | %.1e | %s%s |\n", threads, fmt_time(r.time(0)).c_str(),
                fmt_time(r.time(1)).c_str(), fmt_ratio(sp).c_str(), d,
                threads == 2 ? fmt_time(r.time(2)).c_str() : "–", (sq + retried(tries)).c_str());
    std::fflush(stdout);
    target(fmt("CNN training step, %d thr: ≥ 1.2× faster than torch", threads), fmt_ratio(sp) + sq, sp >= 1.2,
           sq.empty());
  }
}

// ---------------------------------------------------------------------------------------------
// pieces

void bench_pieces() {
  for (int threads : g_threads) {
    set_threads(threads);
    std::printf("\n#### The step's ops, %d thread%s\n\n", threads, threads > 1 ? "s" : "");
    std::printf("| op | ramp | torch (%s) | torch/ramp |\n|---|---:|---:|---:|\n", g_cap.c_str());
    auto [m, t] = make_cnn();
    ramp::autograd::NoGradGuard no_grad;
    torch::NoGradGuard torch_no_grad;
    const ramp::Tensor w1 = m.w1.detach(), b1 = m.b1.detach(), w2 = m.w2.detach(), b2 = m.b2.detach();
    const ramp::Tensor c1 = ramp::conv2d(m.x, w1, b1, {1}, {1}), h1 = ramp::max_pool2d(ramp::relu(c1), {2});
    const ramp::Tensor c2 = ramp::conv2d(h1, w2, b2, {1}, {1}), a2 = ramp::relu(c2);
    const torch::Tensor tw1 = t.w1.detach(), tb1 = t.b1.detach(), tw2 = t.w2.detach(), tb2 = t.b2.detach();
    const torch::Tensor tc1 = torch_copy(c1), th1 = torch_copy(h1), tc2 = torch_copy(c2),
                        ta2 = torch_copy(a2);
    const ramp::Tensor g2 = ramp_param({kN, 64, 16, 16}, 1, 9);
    const torch::Tensor tg2 = torch_copy(g2);
    // Backward pieces through autograd: the op on a leaf, then backward with a fixed gradient.
    auto rbwd = [](auto f, const ramp::Tensor& in, const ramp::Tensor& g) {
      ramp::autograd::EnableGradGuard on;
      ramp::Tensor x = in.detach().requires_grad_();
      f(x).backward(g);
    };
    auto tbwd = [](auto f, const torch::Tensor& in, const torch::Tensor& g) {
      torch::AutoGradMode on(true);
      torch::Tensor x = in.detach().requires_grad_(true);
      f(x).backward(g);
    };
    struct Piece {
      std::string op;
      std::function<void()> r, t;
    };
    std::vector<Piece> pieces{
        {"conv1 forward [32,3,32,32]→[32,32,32,32]", [&] { ramp::conv2d(m.x, w1, b1, {1}, {1}); },
         [&] { torch::conv2d(t.x, tw1, tb1, 1, 1); }},
        {"conv2 forward [32,32,16,16]→[32,64,16,16]", [&] { ramp::conv2d(h1, w2, b2, {1}, {1}); },
         [&] { torch::conv2d(th1, tw2, tb2, 1, 1); }},
        {"relu [32,32,32,32]", [&] { ramp::relu(c1); }, [&] { torch::relu(tc1); }},
        {"max_pool2d(2) [32,32,32,32]", [&] { ramp::max_pool2d(c1, {2}); },
         [&] { torch::max_pool2d(tc1, 2); }},
        {"max_pool2d(2) fwd+bwd [32,64,16,16]",
         [&] {
           rbwd([](auto& x) { return ramp::max_pool2d(x, {2}); }, a2, ramp_param({kN, 64, 8, 8}, 1, 10));
         },
         [&] {
           tbwd([](auto& x) { return torch::max_pool2d(x, 2); }, ta2, torch::ones({kN, 64, 8, 8}));
         }},
        {"conv2 fwd+bwd (dx, dW, db)",
         [&] {
           ramp::autograd::EnableGradGuard on;
           ramp::Tensor x = h1.detach().requires_grad_(), w = w2.detach().requires_grad_(),
                        b = b2.detach().requires_grad_();
           ramp::conv2d(x, w, b, {1}, {1}).backward(g2);
         },
         [&] {
           torch::AutoGradMode on(true);
           torch::Tensor x = th1.detach().requires_grad_(true), w = tw2.detach().requires_grad_(true),
                         b = tb2.detach().requires_grad_(true);
           torch::conv2d(x, w, b, 1, 1).backward(tg2);
         }},
        {"conv1 fwd+bwd (dW, db)",
         [&] {
           ramp::autograd::EnableGradGuard on;
           ramp::Tensor w = w1.detach().requires_grad_(), b = b1.detach().requires_grad_();
           ramp::conv2d(m.x, w, b, {1}, {1}).backward(c1);
         },
         [&] {
           torch::AutoGradMode on(true);
           torch::Tensor w = tw1.detach().requires_grad_(true), b = tb1.detach().requires_grad_(true);
           torch::conv2d(t.x, w, b, 1, 1).backward(tc1);
         }},
    };
    for (auto& p : pieces) {
      std::vector<Variant> vs{variant("ramp", p.r), variant("torch", p.t)};
      Result r = measure(vs);
      std::printf("| %s | %s | %s | %s |\n", p.op.c_str(), fmt_time(r.time(0)).c_str(),
                  fmt_time(r.time(1)).c_str(), fmt_ratio(r.ratio(1, 0)).c_str());
      std::fflush(stdout);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  const auto t0 = Clock::now();
  g_opt.sections = {"check", "cnn", "pieces"};
  const int rc =
      parse_options(argc, argv, "[--sections check,cnn,pieces] [--threads 1,2] [--rounds N] [--sample-ms M]",
                    [](const std::string& a, auto next) {
                      if (a != "--threads") return false;
                      g_threads.clear();
                      for (const std::string& s : split_commas(next()))
                        g_threads.push_back(std::atoi(s.c_str()));
                      return true;
                    });
  if (rc >= 0) return rc;
  raise_mmap_threshold();
  g_cap = torch_capability();
  std::printf("## ramp layer ops vs PyTorch %s (libtorch, CPU capability %s)\n\n", TORCH_VERSION,
              g_cap.c_str());
  print_machine();
  print_method();
  if (g_opt.sections.count("check")) bench_check();
  if (g_opt.sections.count("cnn")) bench_cnn();
  if (g_opt.sections.count("pieces")) bench_pieces();
  print_targets_and_time(g_cap, t0);
  return 0;
}
