// The thread count on a busy machine (src/tensor/threads.cpp): one thread while the machine has more
// runnable tasks than this process has cores, the requested count again after two quiet polls; the
// libraries' OpenMP count follows; parallel_for's chunks cover the range either way.
#include <gtest/gtest.h>
#include <omp.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "../../src/tensor/parallel.h"
#include "ramp/tensor.h"

namespace ramp {
namespace {

std::atomic<int> g_runnable{1};
int fake_runnable() { return g_runnable.load(); }

int cores() {
  cpu_set_t set;
  return sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
}

// Calls usable_threads() until it returns `want` or 2 s pass (polls are 20 ms apart).
int settle(int want) {
  int got = detail::usable_threads();
  for (auto end = std::chrono::steady_clock::now() + std::chrono::seconds(2);
       got != want && std::chrono::steady_clock::now() < end;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    got = detail::usable_threads();
  }
  return got;
}

struct ThreadsTest : ::testing::Test {
  int before = get_num_threads();
  void SetUp() override { set_num_threads(3); }
  void TearDown() override {
    detail::set_runnable_probe(nullptr);
    set_num_threads(before);
  }
};

TEST_F(ThreadsTest, OneThreadWhileEveryCoreIsTaken) {
  detail::set_runnable_probe(fake_runnable);
  g_runnable = cores();  // as many runnable tasks as cores (this one included): not busy
  EXPECT_EQ(settle(3), 3);
  EXPECT_EQ(omp_get_max_threads(), 3);
  g_runnable = cores() + 1;  // one more: the first poll switches to one thread
  EXPECT_EQ(settle(1), 1);
  EXPECT_EQ(omp_get_max_threads(), 1);  // what oneDNN and OpenBLAS follow
  EXPECT_EQ(get_num_threads(), 3);      // the requested count is kept
  // parallel_for still covers the range, in one chunk
  std::vector<int> hits(1000, 0);
  std::atomic<int> chunks{0};
  detail::parallel_for(1000, 10, 1, [&](std::int64_t b, std::int64_t e) {
    ++chunks;
    for (std::int64_t i = b; i < e; ++i) ++hits[std::size_t(i)];
  });
  EXPECT_EQ(chunks.load(), 1);
  for (int h : hits) ASSERT_EQ(h, 1);
  g_runnable = 1;  // quiet again: back after two quiet polls
  EXPECT_EQ(settle(3), 3);
  EXPECT_EQ(omp_get_max_threads(), 3);
  chunks = 0;
  detail::parallel_for(1000, 10, 1, [&](std::int64_t b, std::int64_t e) {
    ++chunks;
    for (std::int64_t i = b; i < e; ++i) ++hits[std::size_t(i)];
  });
  EXPECT_EQ(chunks.load(), 3);
  for (int h : hits) ASSERT_EQ(h, 2);
}

TEST_F(ThreadsTest, OneRequestedThreadNeverPolls) {
  set_num_threads(1);
  detail::set_runnable_probe(fake_runnable);
  g_runnable = 1000;
  EXPECT_EQ(settle(1), 1);
  EXPECT_EQ(get_num_threads(), 1);
}

// The real count from /proc/loadavg: spinning threads beyond the cores make the machine busy.
TEST_F(ThreadsTest, BusyThreadsAreSeen) {
  std::atomic<bool> stop{false};
  std::vector<std::thread> spinners;
  for (int i = 0; i < cores() + 2; ++i)
    spinners.emplace_back([&] {
      while (!stop.load(std::memory_order_relaxed)) {
      }
    });
  const int got = settle(1);
  stop = true;
  for (auto& t : spinners) t.join();
  EXPECT_EQ(got, 1);
}

TEST(Threads, SetNumThreadsChecks) {
  EXPECT_THROW(set_num_threads(0), Error);
}

}  // namespace
}  // namespace ramp
