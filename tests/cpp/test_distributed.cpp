// ramp::distributed across processes: spawns 2 or 3 ranks of ramp_dist_worker
// (tests/distributed/dist_worker.cpp) with file:// rendezvous in a fresh temporary folder and
// OMP_NUM_THREADS=1, and kills them all if they outlive the deadline (a hang fails, never blocks).
// In this process: the errors that need no peer.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "ramp/distributed.h"
#include "spawn_ranks.h"

extern char** environ;

namespace {

namespace dist = ramp::distributed;

// Exit codes of the ranks (-1: killed at the deadline).
std::vector<int> run_ranks(const std::string& scenario, int ws, double deadline_s = 60) {
  auto dir = std::filesystem::temp_directory_path() /
             ("ramp_dist_" + std::to_string(::getpid()) + "_" + scenario + "_" + std::to_string(ws));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::vector<int> codes = ramp::test::spawn_ranks(RAMP_DIST_WORKER, scenario, ws, dir, deadline_s);
  std::filesystem::remove_all(dir);
  return codes;
}

TEST(Distributed, CollectivesEveryDtypeTwoRanks) { EXPECT_EQ(run_ranks("collectives", 2), std::vector<int>(2, 0)); }
TEST(Distributed, CollectivesEveryDtypeThreeRanks) { EXPECT_EQ(run_ranks("collectives", 3), std::vector<int>(3, 0)); }

TEST(Distributed, KilledRankRaisesWithinSeconds) {
  // rank 1 exits after the first barrier; ranks 0 and 2 check they raised in < 5 s (their timeout: 20 s)
  EXPECT_EQ(run_ranks("killed", 3), (std::vector<int>{0, 3, 0}));
}

TEST(Distributed, ErrorsWithoutPeers) {
  EXPECT_FALSE(dist::is_initialized());
  try {
    dist::get_rank();
    ADD_FAILURE() << "no error";
  } catch (const ramp::Error& e) {
    EXPECT_STREQ(e.what(), "Default process group has not been initialized, please make sure to call init_process_group.");
  }
  EXPECT_THROW(dist::init_process_group("foo", "file:///tmp/x", 0, 1), ramp::ValueError);
  try {
    dist::init_process_group("gloo", "tcp://127.0.0.1", 0, 1);
    ADD_FAILURE() << "no error";
  } catch (const ramp::ValueError& e) {
    EXPECT_STREQ(e.what(), "Error initializing torch.distributed using tcp:// rendezvous: port number missing");
  }
  EXPECT_THROW(dist::init_process_group("gloo", "file:///tmp/x", 2, 2), ramp::ValueError);  // rank out of range
}

TEST(Distributed, OneRankGroup) {
  auto dir = std::filesystem::temp_directory_path() / ("ramp_dist_one_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  dist::init_process_group("gloo", "file://" + dir.string(), 0, 1, std::chrono::seconds(5));
  EXPECT_EQ(dist::get_world_size(), 1);
  EXPECT_THROW(dist::init_process_group("gloo", "file://" + dir.string(), 0, 1), ramp::Error);
  ramp::Tensor t = ramp::full({3}, 2.5);
  // DDP's pattern: start an op, attach "reduced" callbacks, wait later
  auto group = dist::default_group();
  std::atomic<int> called{0};
  group->barrier()->then([&] { called += 1; });  // runs on the worker, before the all_reduce starts
  auto work = dist::all_reduce(t, dist::ReduceOp::PRODUCT, /*async_op=*/true);
  ASSERT_TRUE(work);
  work->then([&] { called += 10; });
  EXPECT_TRUE(work->wait());
  EXPECT_TRUE(work->is_completed() && work->is_success());
  work->then([&] { called += 100; });  // already done: runs at once, on this thread
  EXPECT_EQ(called.load(), 111);
  EXPECT_EQ(t.to_vector(), (std::vector<double>{2.5, 2.5, 2.5}));
  dist::destroy_process_group();
  EXPECT_FALSE(dist::is_initialized());
  std::filesystem::remove_all(dir);
}

}  // namespace
