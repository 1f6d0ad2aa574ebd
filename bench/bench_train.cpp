// A training step through the module APIs, ramp's nn vs libtorch's torch::nn, in one process:
// Linear(784,256)-ReLU-Linear(256,10) (nn::Sequential / torch::nn::Sequential), cross_entropy,
// zero_grad, backward, SGD (lr 0.01, momentum 0.9) step. Batch 1 and 64, float32.
//
//   ramp_bench_train [--threads 1] [--rounds N] [--sample-ms M]
//
// Then what diagnostics::Monitor (every statistic on) costs on ramp's step at batch 64, every step
// and every 10th, beside the same step unwatched (docs/benchmarks.md "Diagnostics overhead").
//
// Both sides start from the same weights and input; after the timing, one more step each from equal
// starting points gives the largest relative difference of the updated parameters.
#include "bench_common.h"
#include "ramp/diagnostics.h"
#include "ramp/nn.h"
#include "ramp/optim.h"

namespace {

using namespace bench;

std::string g_cap;
std::vector<int> g_threads{1};

struct RampMlp {
  std::shared_ptr<ramp::nn::Sequential> model;
  std::unique_ptr<ramp::optim::SGD> opt;
  ramp::Tensor x, y;
  void step() {
    ramp::Tensor loss = ramp::cross_entropy((*model)(x), y);
    opt->zero_grad();
    loss.backward();
    opt->step();
  }
};

struct TorchMlp {
  torch::nn::Sequential model;
  std::unique_ptr<torch::optim::SGD> opt;
  torch::Tensor x, y;
  void step() {
    torch::Tensor loss = torch::nn::functional::cross_entropy(model->forward(x), y);
    opt->zero_grad();
    loss.backward();
    opt->step();
  }
};

std::pair<RampMlp, TorchMlp> make_mlp(std::int64_t batch) {
  ramp::manual_seed(0);
  RampMlp r;
  r.model = std::make_shared<ramp::nn::Sequential>(std::make_shared<ramp::nn::Linear>(784, 256),
                                                   std::make_shared<ramp::nn::ReLU>(),
                                                   std::make_shared<ramp::nn::Linear>(256, 10));
  r.opt = std::make_unique<ramp::optim::SGD>(r.model->parameters(), ramp::optim::SGDOptions{.lr = 0.01, .momentum = 0.9});
  r.x = ramp::randn({batch, 784});
  std::vector<double> labels(static_cast<std::size_t>(batch));
  std::mt19937 g(1);
  for (double& l : labels) l = double(g() % 10);
  r.y = ramp::from_vector(labels, {batch}, ramp::ScalarType::Int64);
  TorchMlp t;
  t.model = torch::nn::Sequential(torch::nn::Linear(784, 256), torch::nn::ReLU(), torch::nn::Linear(256, 10));
  {
    torch::NoGradGuard no_grad;
    auto tp = t.model->parameters();
    auto rp = r.model->parameters();
    for (std::size_t i = 0; i < rp.size(); ++i) tp[i].copy_(torch_view(rp[i]));
  }
  t.opt = std::make_unique<torch::optim::SGD>(t.model->parameters(), torch::optim::SGDOptions(0.01).momentum(0.9));
  t.x = torch_view(r.x).clone();
  std::vector<std::int64_t> ids(labels.begin(), labels.end());
  t.y = torch::from_blob(ids.data(), {batch}, torch::kLong).clone();
  return {std::move(r), std::move(t)};
}

double param_diff(const RampMlp& r, const TorchMlp& t) {
  double d = 0;
  auto rp = r.model->parameters();
  auto tp = t.model->parameters();
  for (std::size_t i = 0; i < rp.size(); ++i) {
    torch::Tensor a = torch_view(rp[i].detach()).to(torch::kFloat64), b = tp[i].detach().to(torch::kFloat64);
    d = std::max(d, ((a - b).abs().max() / b.abs().max()).item<double>());
  }
  return d;
}

void bench_mlp() {
  std::printf(
      "\n### MLP training step through the module APIs\n\nLinear(784,256)-ReLU-Linear(256,10) as nn::Sequential "
      "(torch::nn::Sequential), cross_entropy, zero_grad, backward, SGD(lr 0.01, momentum 0.9).step(), float32. "
      "Same initial weights and data on both sides; the last column: one more step each from equal starts, the "
      "largest relative difference of the updated parameters.\n\n");
  std::printf("| batch | thr | ramp | torch (%s) | torch/ramp | params after a step (rel diff) |\n"
              "|---:|---:|---:|---:|---:|---:|\n",
              g_cap.c_str());
  for (int threads : g_threads) {
    set_threads(threads);
    for (std::int64_t batch : {1, 64}) {
      auto [r, t] = make_mlp(batch);
      std::vector<Variant> vs{variant("ramp", [&] { r.step(); }), variant("torch", [&] { t.step(); })};
      int tries = 1;
      Result res = threads == 2 ? measure_2t(vs, &tries) : measure(vs);
      auto [r2, t2] = make_mlp(batch);
      r2.step();
      t2.step();
      const double sp = res.ratio(1, 0);
      std::printf("| %lld | %d | %s | %s | %s | %.1e |\n", static_cast<long long>(batch), threads,
                  fmt_time(res.time(0)).c_str(), fmt_time(res.time(1)).c_str(), fmt_ratio(sp).c_str(), param_diff(r2, t2));
      std::fflush(stdout);
      if (threads == 1) {
        const double goal = batch == 1 ? 4.0 : 1.5;
        target(fmt("MLP training step, batch %lld, 1 thr: ≥ %.1f× faster than torch", static_cast<long long>(batch), goal),
               fmt_ratio(sp), sp >= goal);
      }
    }
  }
}

// The Monitor attached through the C++ API: the same step with and without it, rounds interleaved.
void bench_monitor() {
  std::printf(
      "\n### diagnostics::Monitor on the MLP step (C++ API), batch 64, 1 thread\n\n"
      "| logged | step | with Monitor | overhead |\n|---:|---:|---:|---:|\n");
  set_threads(1);
  for (std::int64_t every : {1, 10}) {
    auto plain = make_mlp(64).first, watched = make_mlp(64).first;
    ramp::diagnostics::Monitor mon(*watched.model, {.every = every});
    std::vector<Variant> vs{variant("plain", [&] { plain.step(); }), variant("watched", [&] {
                              watched.step();
                              mon.step();
                            })};
    Result res = measure(vs);
    const double over = res.ratio(1, 0) - 1;
    std::printf("| every %lld | %s | %s | %+.1f%% |\n", static_cast<long long>(every),
                fmt_time(res.time(0)).c_str(), fmt_time(res.time(1)).c_str(), 100 * over);
    std::fflush(stdout);
    target(fmt("Monitor on the MLP step, every %lld: ≤ 5%% overhead", static_cast<long long>(every)),
           fmt("%+.1f%%", 100 * over), over <= 0.05);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const auto t0 = Clock::now();
  const int rc = parse_options(argc, argv, "[--threads 1,2] [--rounds N] [--sample-ms M]", [](const std::string& a, auto next) {
    if (a != "--threads") return false;
    g_threads.clear();
    for (const std::string& s : split_commas(next())) g_threads.push_back(std::atoi(s.c_str()));
    return true;
  });
  if (rc >= 0) return rc;
  raise_mmap_threshold();
  g_cap = torch_capability();
  std::printf("## ramp nn training step vs PyTorch %s (libtorch, CPU capability %s)\n\n", TORCH_VERSION, g_cap.c_str());
  print_machine();
  print_method();
  bench_mlp();
  bench_monitor();
  print_targets_and_time(g_cap, t0);
  return 0;
}
