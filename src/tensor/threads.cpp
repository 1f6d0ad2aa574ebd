// How many threads a parallel op may use now (src/tensor/parallel.h). On a machine whose cores are
// all taken by other work, a fork/join per op is a disaster: OpenMP's workers spin at every join
// while the core the late worker needs is busy, and each op waits out a scheduler time slice. An
// MLP step at batch 64 with 2 threads, beside busy processes on this 2-core machine, took 20-117 ms
// (mean) against 2-7 ms with 1 thread. So ramp polls the kernel's count of runnable tasks (the 4th
// field of /proc/loadavg, machine-wide, this process's running threads included) at most every
// kPollNs. Counting this process's requested threads as part of it (they may be spinning), the rest
// is other work; while there is any, ramp's loops use the cores it leaves (at least 1), and the
// libraries it calls (oneDNN, OpenBLAS) run under the same limit (LibraryThreads). A smaller limit
// applies at once, the full count again after two quiet polls: wrongly few threads cost at most the
// parallel speed-up for a poll interval, wrongly many cost tens of times that.
//
// RAMP_ADAPTIVE_THREADS=0 turns this off (the requested count always). Results of ramp's own kernels
// do not depend on the thread count; oneDNN's GEMMs and convolutions may, so with adaptation on they
// follow the machine's load, and the switch is there for bitwise reproducible runs.
#include <fcntl.h>
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "parallel.h"
#include "ramp/error.h"
#include "ramp/tensor.h"

namespace ramp {
namespace detail {
namespace {

constexpr std::int64_t kPollNs = 20'000'000;  // 20 ms: a read of /proc/loadavg costs a few us

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int online_cpus() {  // machine-wide, as /proc/loadavg counts
  static const int n = std::max(1, int(sysconf(_SC_NPROCESSORS_ONLN)));
  return n;
}

// The runnable tasks on the machine now, or -1 if unknown ("0.52 0.58 0.59 3/345 1234").
int runnable_from_loadavg() {
  const int fd = ::open("/proc/loadavg", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  char buf[128];
  const ssize_t len = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (len <= 0) return -1;
  buf[len] = 0;
  const char* p = buf;
  for (int field = 0; field < 3; ++field) {  // skip the three averages
    while (*p && *p != ' ') ++p;
    while (*p == ' ') ++p;
  }
  char* end = nullptr;
  const long r = std::strtol(p, &end, 10);
  return end != p && *end == '/' && r > 0 ? int(r) : -1;  // 0/N: a sandbox that does not count
}

bool enabled_by_env() {
  const char* v = std::getenv("RAMP_ADAPTIVE_THREADS");
  return !(v && std::strcmp(v, "0") == 0);
}

std::atomic<std::int64_t> g_next_poll{0};
std::atomic<int> g_quiet_polls{2};  // consecutive polls that saw no other work
std::atomic<int> g_limit{1 << 20};  // the threads ops may use now (above any request: no limit)
std::atomic<bool> g_enabled{enabled_by_env()};
std::atomic<RunnableProbe> g_probe{nullptr};  // tests replace the reading of /proc/loadavg

// The calling thread's OpenMP count: set_num_threads' (and torch.set_num_threads', which sets the
// same libgomp's), else OMP_NUM_THREADS or the core count.
int requested() { return omp_get_max_threads(); }

void poll(std::int64_t now, int req) {
  std::int64_t due = g_next_poll.load(std::memory_order_relaxed);
  if (now < due || !g_next_poll.compare_exchange_strong(due, now + kPollNs)) return;  // one poller
  const RunnableProbe probe = g_probe.load();
  const int runnable = probe ? probe() : runnable_from_loadavg();
  if (runnable < 0) return;
  const int others = std::max(0, runnable - req);
  if (others > 0) {
    g_quiet_polls.store(0, std::memory_order_relaxed);
    g_limit.store(std::clamp(online_cpus() - others, 1, req), std::memory_order_relaxed);
  } else if (g_quiet_polls.fetch_add(1, std::memory_order_relaxed) + 1 >= 2) {
    g_limit.store(1 << 20, std::memory_order_relaxed);
  }
}

}  // namespace

int usable_threads() {
  const int req = requested();
  if (req <= 1 || !g_enabled.load(std::memory_order_relaxed)) return req;
  poll(now_ns(), req);
  return std::min(req, g_limit.load(std::memory_order_relaxed));
}

LibraryThreads::LibraryThreads() {
  if (omp_in_parallel()) return;
  const int prev = omp_get_max_threads(), n = std::min(prev, usable_threads());
  if (n < prev) {
    omp_set_num_threads(n);
    restore_ = prev;
  }
}
LibraryThreads::~LibraryThreads() {
  if (restore_) omp_set_num_threads(restore_);
}

void set_adaptive_threads_for_testing(bool on, RunnableProbe probe) {
  g_enabled.store(on);
  g_probe.store(probe);
  g_next_poll.store(0);
  g_quiet_polls.store(2);
  g_limit.store(1 << 20);
}
void reset_adaptive_threads() { set_adaptive_threads_for_testing(enabled_by_env(), nullptr); }

}  // namespace detail

void set_num_threads(int n) {
  RAMP_CHECK(n > 0, "set_num_threads expects a positive integer");
  omp_set_num_threads(n);
}
int get_num_threads() { return omp_get_max_threads(); }

}  // namespace ramp
