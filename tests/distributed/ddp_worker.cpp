// One rank of the DistributedDataParallel tests in tests/cpp/test_ddp.cpp (not a test itself).
//
//   ramp_ddp_worker SCENARIO RANK WORLD_SIZE FOLDER
//
// Every rank can build every rank's batch (one generator, fixed seed), so a rank checks what it
// can against a plain module run locally; what needs all ranks (bit-identical replicas, the
// 1-process run on the concatenated batch) the test reads from FOLDER/<name>_<rank>.bin. Exits 0
// when every check passed, 1 with the failed check on stderr.
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>

#include "ramp/autograd.h"
#include "ramp/distributed.h"
#include "ramp/elementwise.h"
#include "ramp/nn.h"
#include "ramp/nn/loss.h"
#include "ramp/nn/parallel.h"
#include "ramp/ops.h"
#include "ramp/optim.h"
#include "ramp/random.h"
#include "ddp_common.h"

using namespace ramp;
namespace dist = ramp::distributed;
using nn::parallel::DistributedDataParallel;
using ddp_test::kBatch;

namespace {

void expect(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error("check failed: " + what);
}

void save(const std::string& path, const std::vector<Tensor>& ts) {
  std::ofstream f(path, std::ios::binary);
  for (const Tensor& t : ts) {
    Tensor c = t.contiguous();
    f.write(static_cast<const char*>(c.data_ptr()), std::streamsize(c.nbytes()));
  }
}

double max_diff(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  double m = 0;
  for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, ramp::abs(a[i] - b[i]).max().item<double>());
  return m;
}

std::vector<Tensor> grads(nn::Module& m) {
  std::vector<Tensor> g;
  for (const Tensor& p : m.parameters()) g.push_back(p.grad().defined() ? p.grad().clone() : Tensor());
  return g;
}

// 10 SGD steps; the parameters before (after DDP's broadcast) and after go to the folder.
void train(int rank, int ws, const std::string& dir) {
  manual_seed(std::uint64_t(100 + rank));  // different replicas: DDP must give every rank rank 0's
  auto net = ddp_test::make_mlp();
  auto model = std::make_shared<DistributedDataParallel>(net);
  expect(model->state_dict().front().first == "module.0.weight", "state_dict keys carry module.");
  expect(&model->module() == net.get(), "module()");
  save(dir + "/init_" + std::to_string(rank) + ".bin", net->parameters());
  optim::SGD opt(model->parameters(), {.lr = 0.1, .momentum = 0.9});
  for (int step = 0; step < ddp_test::kSteps; ++step) {
    auto [x, y] = ddp_test::batch(step, ws);
    Tensor loss = mse_loss((*model)(x.narrow(0, rank * kBatch, kBatch)), y.narrow(0, rank * kBatch, kBatch));
    opt.zero_grad();
    loss.backward();
    opt.step();
  }
  save(dir + "/final_" + std::to_string(rank) + ".bin", net->parameters());
}

// no_sync: gradients stay local (equal to a plain copy's), then the next synced backward averages
// the accumulated ones over the ranks.
void no_sync(int rank, int ws) {
  manual_seed(7);
  auto net = ddp_test::make_mlp();
  DistributedDataParallel model(net);
  auto plain = ddp_test::make_mlp();
  plain->load_state_dict(net->state_dict());
  auto [xa, ya] = ddp_test::batch(0, ws);
  auto [xb, yb] = ddp_test::batch(1, ws);
  auto local = [&](const Tensor& x, const Tensor& y, int r) {
    return mse_loss((*plain)(x.narrow(0, r * kBatch, kBatch)), y.narrow(0, r * kBatch, kBatch));
  };
  {
    auto guard = model.no_sync();
    mse_loss(model(xa.narrow(0, rank * kBatch, kBatch)), ya.narrow(0, rank * kBatch, kBatch)).backward();
  }
  local(xa, ya, rank).backward();
  expect(max_diff(grads(*net), grads(*plain)) == 0, "no_sync's gradients are the local ones");
  mse_loss(model(xb.narrow(0, rank * kBatch, kBatch)), yb.narrow(0, rank * kBatch, kBatch)).backward();
  // reference: every rank's A and B gradients, summed, over ws
  plain->zero_grad();
  for (int r = 0; r < ws; ++r) {
    local(xa, ya, r).backward();
    local(xb, yb, r).backward();
  }
  auto want = grads(*plain);
  for (auto& g : want) g = g / double(ws);
  const double d = max_diff(grads(*net), want);
  expect(d < 1e-6, "synced after no_sync: off by " + std::to_string(d));
}

// A parameter that gets no gradient: 1.13's error at the next forward without
// find_unused_parameters; with it, the used ones are averaged and the unused one keeps no grad.
void unused(int rank, int ws, bool find_unused) {
  manual_seed(3);
  auto net = std::make_shared<ddp_test::TwoHeads>();
  DistributedDataParallel model(net, {.find_unused_parameters = find_unused});
  auto [x, y] = ddp_test::batch(0, ws);
  Tensor xr = x.narrow(0, rank * kBatch, kBatch), yr = y.narrow(0, rank * kBatch, kBatch);
  mse_loss(model(xr), yr).backward();
  if (!find_unused) {
    try {
      model(xr);
      expect(false, "no error at the forward after a backward that left a parameter without gradient");
    } catch (const Error& e) {
      const std::string want =
          "Expected to have finished reduction in the prior iteration before starting a new one. This error "
          "indicates that your module has parameters that were not used in producing loss. You can enable unused "
          "parameter detection by passing the keyword argument `find_unused_parameters=True` to "
          "`torch.nn.parallel.DistributedDataParallel`, and by \nmaking sure all `forward` function outputs "
          "participate in calculating loss. \nIf you already have done the above, then the distributed data "
          "parallel module wasn't able to locate the output tensors in the return value of your module's `forward` "
          "function. Please include the loss function and the structure of the return value of `forward` of your "
          "module when reporting this issue (e.g. list, dict, iterable).\nParameter indices which did not receive "
          "grad for rank " +
          std::to_string(rank) +
          ": 2 3\n In addition, you can set the environment variable TORCH_DISTRIBUTED_DEBUG to either INFO or "
          "DETAIL to print out information about which particular parameters did not receive gradient on this "
          "rank as part of this error";
      expect(e.what() == want, std::string("message: ") + e.what());
    }
    return;
  }
  expect(!net->unused->weight.grad().defined() && !net->unused->bias.grad().defined(), "the unused head has no grad");
  auto plain = std::make_shared<ddp_test::TwoHeads>();
  plain->load_state_dict(net->state_dict());
  for (int r = 0; r < ws; ++r)
    mse_loss((*plain)(x.narrow(0, r * kBatch, kBatch)), y.narrow(0, r * kBatch, kBatch)).backward();
  for (auto* m : {plain->body.get(), plain->head.get()})
    for (const Tensor& p : m->parameters()) {
      Tensor g = p.grad();
      g.div_(double(ws));
    }
  const double d = std::max(max_diff(grads(*net->body), grads(*plain->body)),
                            max_diff(grads(*net->head), grads(*plain->head)));
  expect(d < 1e-6, "find_unused_parameters' averaged gradients off by " + std::to_string(d));
  // the next iteration goes on (no error)
  mse_loss(model(xr), yr).backward();
}

// Rank 1 stops after 2 steps, by dying (`killed`) or by leaving the group (`uneven`); rank 0's
// third backward must raise at once, naming DDP, not wait for the 20 s timeout.
void early_exit(int rank, int ws, bool kill) {
  manual_seed(5);
  DistributedDataParallel model(ddp_test::make_mlp());
  for (int step = 0; step < 3; ++step) {
    if (rank == 1 && step == 2) {
      if (kill) _exit(3);
      dist::destroy_process_group();
      std::exit(0);
    }
    auto [x, y] = ddp_test::batch(step, ws);
    Tensor loss = mse_loss(model(x.narrow(0, rank * kBatch, kBatch)), y.narrow(0, rank * kBatch, kBatch));
    auto start = std::chrono::steady_clock::now();
    try {
      loss.backward();
      expect(step < 2, "backward with a peer gone returned");
    } catch (const Error& e) {
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      expect(step == 2, std::string("error before the peer left: ") + e.what());
      expect(std::string(e.what()).find("DistributedDataParallel: averaging the gradients") == 0,
             std::string("message: ") + e.what());
      expect(s < 5.0, "the peer's exit noticed after " + std::to_string(s) + " s");
      std::exit(0);
    }
  }
  throw std::runtime_error("unreachable");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s SCENARIO RANK WORLD_SIZE FOLDER\n", argv[0]);
    return 2;
  }
  const std::string scenario = argv[1], dir = argv[4];
  const int rank = std::atoi(argv[2]), ws = std::atoi(argv[3]);
  try {
    dist::init_process_group("gloo", "file://" + dir + "/store", rank, ws, std::chrono::seconds(20));
    if (scenario == "train") train(rank, ws, dir);
    else if (scenario == "no_sync") no_sync(rank, ws);
    else if (scenario == "unused") unused(rank, ws, false);
    else if (scenario == "find_unused") unused(rank, ws, true);
    else if (scenario == "killed") early_exit(rank, ws, true);
    else if (scenario == "uneven") early_exit(rank, ws, false);
    else throw std::runtime_error("unknown scenario " + scenario);
    dist::destroy_process_group();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rank %d: %s\n", rank, e.what());
    return 1;
  }
  return 0;
}
