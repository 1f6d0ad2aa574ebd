// How many threads a parallel op may use now (src/tensor/parallel.h). On a machine whose cores are
// all taken by other work, a fork/join per op is a disaster: OpenMP's workers spin at every join
// while the core the late worker needs is busy, and each op waits out a scheduler time slice. An
// MLP step at batch 64 with 2 threads, beside busy processes on this 2-core machine, took 20-117 ms
// (mean) against 2-7 ms with 1 thread. So ramp polls the kernel's count of runnable tasks (the 4th
// field of /proc/loadavg, this thread included) at most every kPollNs and, while it exceeds the
// cores this process may use, runs its own loops and the libraries it calls (oneDNN and OpenBLAS
// follow the calling thread's OpenMP count) on one thread. One busy poll switches to one thread,
// two quiet polls in a row switch back: wrongly serial costs at most the parallel speed-up for a
// poll interval, wrongly parallel costs tens of times that.
#include <fcntl.h>
#include <omp.h>
#include <sched.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>

#include "ramp/error.h"
#include "ramp/tensor.h"
#include "parallel.h"

namespace ramp {
namespace detail {
namespace {

constexpr std::int64_t kPollNs = 20'000'000;  // 20 ms: a read of /proc/loadavg costs a few us

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int usable_cpus() {
  static const int n = [] {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) return CPU_COUNT(&set);
    return int(sysconf(_SC_NPROCESSORS_ONLN));
  }();
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
  return end != p && *end == '/' ? int(r) : -1;
}

std::atomic<int> g_requested{0};  // set_num_threads' value; 0: OpenMP's default, read on first use
std::atomic<std::int64_t> g_next_poll{0};
std::atomic<int> g_quiet_polls{2};  // consecutive polls that saw a free core
std::atomic<bool> g_serial{false};
RunnableProbe g_probe = nullptr;  // tests replace the reading of /proc/loadavg

int requested() {
  int r = g_requested.load(std::memory_order_relaxed);
  if (r == 0) {  // OMP_NUM_THREADS or the core count, as OpenMP's initial thread sees it
    static const int initial = omp_get_max_threads();
    r = initial;
  }
  return r;
}

void poll(std::int64_t now) {
  std::int64_t due = g_next_poll.load(std::memory_order_relaxed);
  if (now < due || !g_next_poll.compare_exchange_strong(due, now + kPollNs)) return;  // one poller
  const int runnable = g_probe ? g_probe() : runnable_from_loadavg();
  if (runnable < 0) return;
  if (runnable > usable_cpus()) {
    g_quiet_polls.store(0, std::memory_order_relaxed);
    g_serial.store(true, std::memory_order_relaxed);
  } else if (g_quiet_polls.fetch_add(1, std::memory_order_relaxed) + 1 >= 2) {
    g_serial.store(false, std::memory_order_relaxed);
  }
}

}  // namespace

int usable_threads() {
  const int req = requested();
  int n = req;
  if (req > 1) {
    poll(now_ns());
    if (g_serial.load(std::memory_order_relaxed)) n = 1;
  }
  if (!omp_in_parallel() && omp_get_max_threads() != n) omp_set_num_threads(n);  // for oneDNN, OpenBLAS
  return n;
}

void set_runnable_probe(RunnableProbe probe) {
  g_probe = probe;
  g_next_poll.store(0);
  g_quiet_polls.store(2);
  g_serial.store(false);
}

}  // namespace detail

void set_num_threads(int n) {
  RAMP_CHECK(n > 0, "set_num_threads expects a positive integer");
  detail::g_requested.store(n);
  omp_set_num_threads(n);
}
int get_num_threads() { return detail::requested(); }

}  // namespace ramp
