// The thread count on a busy machine (src/tensor/threads.cpp): while other work holds cores, ramp's
// loops and the libraries' calls use the cores left (at least 1); the requested count again after two
// quiet polls; the caller's OpenMP count is put back after a library call; parallel_for's chunks
// cover the range either way. (ctest runs every test with RAMP_ADAPTIVE_THREADS=0, so the
// thread-count independence tests stay meaningful on a loaded machine; these turn it on.)
#include <gtest/gtest.h>
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "../../src/tensor/parallel.h"
#include "ramp/tensor.h"

namespace ramp {
namespace {

std::atomic<int> g_runnable{1}, g_probes{0};
int fake_runnable() {
  ++g_probes;
  return g_runnable.load();
}

int cpus() { return int(sysconf(_SC_NPROCESSORS_ONLN)); }

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

// The chunks parallel_for makes over [0, 1000), checking each element is visited once.
int chunks_over_range() {
  std::vector<int> hits(1000, 0);
  std::atomic<int> chunks{0};
  detail::parallel_for(1000, 10, 1, [&](std::int64_t b, std::int64_t e) {
    ++chunks;
    for (std::int64_t i = b; i < e; ++i) ++hits[std::size_t(i)];
  });
  for (int h : hits) EXPECT_EQ(h, 1);
  return chunks.load();
}

struct ThreadsTest : ::testing::Test {
  int before = get_num_threads();
  void SetUp() override {
    set_num_threads(3);
    g_probes = 0;
  }
  void TearDown() override {
    detail::reset_adaptive_threads();
    set_num_threads(before);
  }
};

TEST_F(ThreadsTest, FewerThreadsWhileOtherWorkHoldsTheCores) {
  detail::set_adaptive_threads_for_testing(true, fake_runnable);
  g_runnable = 3;  // no more runnable tasks than our 3 threads: no other work
  EXPECT_EQ(settle(3), 3);
  EXPECT_EQ(chunks_over_range(), 3);
  g_runnable = 3 + cpus() + 5;  // other work on every core: one thread, at the first poll
  EXPECT_EQ(settle(1), 1);
  EXPECT_EQ(get_num_threads(), 3);  // the requested count is kept
  EXPECT_EQ(chunks_over_range(), 1);
  {
    const detail::LibraryThreads guard;   // what a GEMM runs under
    EXPECT_EQ(omp_get_max_threads(), 1);  // oneDNN and OpenBLAS follow this
  }
  EXPECT_EQ(omp_get_max_threads(), 3);  // put back after the call
  g_runnable = 3 + 1;                   // one other task: the cores it leaves
  const int left = std::clamp(cpus() - 1, 1, 3);
  EXPECT_EQ(settle(left), left);
  g_runnable = 1;  // quiet again: back after two quiet polls
  EXPECT_EQ(settle(3), 3);
  EXPECT_EQ(chunks_over_range(), 3);
  {
    const detail::LibraryThreads guard;
    EXPECT_EQ(omp_get_max_threads(), 3);
  }
  EXPECT_GT(g_probes.load(), 0);
}

TEST_F(ThreadsTest, OneRequestedThreadOrSwitchedOffNeverPolls) {
  detail::set_adaptive_threads_for_testing(true, fake_runnable);
  set_num_threads(1);
  g_runnable = 1000;
  EXPECT_EQ(settle(1), 1);
  EXPECT_EQ(g_probes.load(), 0);
  set_num_threads(3);
  detail::set_adaptive_threads_for_testing(false, fake_runnable);  // RAMP_ADAPTIVE_THREADS=0
  EXPECT_EQ(settle(3), 3);
  EXPECT_EQ(g_probes.load(), 0);
}

// The real count from /proc/loadavg: spinning threads on every core are other work.
TEST_F(ThreadsTest, BusyThreadsAreSeen) {
  detail::set_adaptive_threads_for_testing(true, nullptr);
  std::atomic<bool> stop{false};
  std::vector<std::thread> spinners;
  for (int i = 0; i < cpus() + 3; ++i)
    spinners.emplace_back([&] {
      while (!stop.load(std::memory_order_relaxed)) {
      }
    });
  const int got = settle(1);
  stop = true;
  for (auto& t : spinners) t.join();
  if (got != 1) {
    FILE* f = std::fopen("/proc/loadavg", "r");
    char buf[128] = {};
    if (f) std::fgets(buf, sizeof buf, f), std::fclose(f);
    if (std::string(buf).find(" 0/") != std::string::npos || !f) GTEST_SKIP() << "no runnable counts here: " << buf;
  }
  EXPECT_EQ(got, 1);
}

TEST(Threads, SetNumThreadsChecks) { EXPECT_THROW(set_num_threads(0), Error); }

}  // namespace
}  // namespace ramp
