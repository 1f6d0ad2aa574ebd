// nn::parallel::DistributedDataParallel across processes: spawns ranks of ramp_ddp_worker
// (tests/distributed/ddp_worker.cpp) with file:// rendezvous in a fresh temporary folder,
// OMP_NUM_THREADS=1 and a deadline (a hang fails, never blocks). The ranks check what they can
// locally; this process checks the rest: replicas bit-identical, and equal to one process training
// on the concatenated batch. Plus the engine's end-of-backward callbacks, in this process.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "../distributed/ddp_common.h"
#include "ramp/autograd.h"
#include "ramp/distributed/reducer.h"
#include "ramp/elementwise.h"
#include "ramp/nn/loss.h"
#include "ramp/optim.h"
#include "spawn_ranks.h"

extern char** environ;

namespace {

using ramp::Tensor;

struct Ranks {
  std::vector<int> codes;  // exit codes, -1: killed at the deadline
  std::filesystem::path dir;
  ~Ranks() { std::filesystem::remove_all(dir); }
  std::string file(const std::string& name) const {
    std::ifstream f(dir / name, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), {}};
  }
};

void run_ranks(Ranks& out, const std::string& scenario, int ws, double deadline_s = 60) {
  out.dir = std::filesystem::temp_directory_path() /
            ("ramp_ddp_" + std::to_string(::getpid()) + "_" + scenario + "_" + std::to_string(ws));
  std::filesystem::remove_all(out.dir);
  std::filesystem::create_directories(out.dir);
  out.codes = ramp::test::spawn_ranks(RAMP_DDP_WORKER, scenario, ws, out.dir, deadline_s);
}

// The parameters of an MLP from the bytes a rank saved.
void load(ramp::nn::Module& m, const std::string& bytes) {
  std::size_t at = 0;
  ramp::autograd::NoGradGuard no_grad;
  for (Tensor p : m.parameters()) {
    ASSERT_LE(at + p.nbytes(), bytes.size());
    std::memcpy(p.data_ptr(), bytes.data() + at, p.nbytes());
    at += p.nbytes();
  }
  EXPECT_EQ(at, bytes.size());
}

void train_matches_one_process(int ws) {
  Ranks ranks;
  run_ranks(ranks, "train", ws);
  ASSERT_EQ(ranks.codes, std::vector<int>(std::size_t(ws), 0));
  const std::string final0 = ranks.file("final_0.bin"), init0 = ranks.file("init_0.bin");
  ASSERT_FALSE(final0.empty());
  for (int r = 1; r < ws; ++r) {
    EXPECT_EQ(ranks.file("init_" + std::to_string(r) + ".bin"), init0) << "rank " << r << " did not start from rank 0's";
    EXPECT_EQ(ranks.file("final_" + std::to_string(r) + ".bin"), final0) << "rank " << r << " ended elsewhere";
  }
  // One process, the same start, each step on the concatenated batch.
  auto net = ddp_test::make_mlp();
  load(*net, init0);
  ramp::optim::SGD opt(net->parameters(), {.lr = 0.1, .momentum = 0.9});
  for (int step = 0; step < ddp_test::kSteps; ++step) {
    auto [x, y] = ddp_test::batch(step, ws);
    Tensor loss = ramp::mse_loss((*net)(x), y);
    opt.zero_grad();
    loss.backward();
    opt.step();
  }
  auto ddp = ddp_test::make_mlp();
  load(*ddp, final0);
  auto a = net->parameters(), b = ddp->parameters();
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, ramp::abs(a[i] - b[i]).max().item<double>());
  EXPECT_LT(worst, 1e-6);
  // and DDP did train: the parameters moved by far more than that
  auto start = ddp_test::make_mlp();
  load(*start, init0);
  EXPECT_GT(ramp::abs(start->parameters()[0] - b[0]).max().item<double>(), 1e-3);
}

TEST(DistributedDataParallel, TwoRanksEqualOneProcessOnTheConcatenatedBatch) { train_matches_one_process(2); }
TEST(DistributedDataParallel, ThreeRanksEqualOneProcessOnTheConcatenatedBatch) { train_matches_one_process(3); }

TEST(DistributedDataParallel, NoSyncAccumulatesLocallyThenAverages) {
  Ranks ranks;
  run_ranks(ranks, "no_sync", 2);
  EXPECT_EQ(ranks.codes, std::vector<int>(2, 0));
}

TEST(DistributedDataParallel, UnusedParameterRaisesAtTheNextForward) {
  Ranks ranks;
  run_ranks(ranks, "unused", 2);
  EXPECT_EQ(ranks.codes, std::vector<int>(2, 0));
}

TEST(DistributedDataParallel, FindUnusedParameters) {
  Ranks ranks;
  run_ranks(ranks, "find_unused", 3);
  EXPECT_EQ(ranks.codes, std::vector<int>(3, 0));
}

TEST(DistributedDataParallel, KilledRankFailsThePeersBackwardAtOnce) {
  Ranks ranks;
  run_ranks(ranks, "killed", 2);
  EXPECT_EQ(ranks.codes, (std::vector<int>{0, 3}));
}

TEST(DistributedDataParallel, RankLeavingEarlyFailsThePeersBackwardAtOnce) {
  Ranks ranks;
  run_ranks(ranks, "uneven", 2);
  EXPECT_EQ(ranks.codes, (std::vector<int>{0, 0}));
}

TEST(DistributedDataParallel, BucketAssignmentAsC10d) {
  // float32 tensors of 4 bytes x numel; limits 1 KiB then 2 KiB
  std::vector<Tensor> ts{ramp::empty({200}), ramp::empty({100}), ramp::empty({10}, ramp::ScalarType::Float64),
                         ramp::empty({300}), ramp::empty({500}), ramp::empty({50})};
  using V = std::vector<std::vector<std::size_t>>;
  // 800 B, +400 -> 1200 >= 1024 closes {0,1}; then {3,4} = 3200 >= 2048; leftovers {2} (f64), {5}
  EXPECT_EQ(ramp::distributed::compute_bucket_assignment_by_size(ts, {1024, 2048}), (V{{0, 1}, {2}, {3, 4}, {5}}));
  // in a given order: no sorting
  EXPECT_EQ(ramp::distributed::compute_bucket_assignment_by_size(ts, {1024, 2048}, {5, 4, 3, 2, 1, 0}),
            (V{{5, 4}, {3, 1, 0}, {2}}));
}

TEST(Autograd, QueueCallbackRunsAtTheEndOfBackward) {
  namespace ag = ramp::autograd;
  try {
    ag::queue_callback([] {});
    ADD_FAILURE() << "no error outside backward";
  } catch (const ramp::Error& e) {
    EXPECT_STREQ(e.what(), "Final callbacks can only be installed during backward pass.");
  }
  Tensor w = ramp::ones({3}).requires_grad_();
  std::vector<std::string> events;
  Tensor x = w * 2;
  x.register_hook([&](const Tensor& g) {
    events.push_back("hook");
    ag::queue_callback([&] {
      // runs after every node: w's gradient is accumulated by now
      events.push_back(w.grad().defined() ? "callback after grad" : "callback before grad");
      ag::queue_callback([&] { events.push_back("queued by a callback"); });
    });
    return g;
  });
  x.sum().backward();
  EXPECT_EQ(events, (std::vector<std::string>{"hook", "callback after grad", "queued by a callback"}));
  // a callback's error ends backward with it
  Tensor y = w * 3;
  y.register_hook([](const Tensor& g) {
    ag::queue_callback([] { throw ramp::Error("from the callback"); });
    return g;
  });
  EXPECT_THROW(y.sum().backward(), ramp::Error);
}

}  // namespace
