// parallel_for over OpenMP: the only place ramp starts threads.
#pragma once

#include <omp.h>

#include <algorithm>
#include <cstdint>

namespace ramp::detail {

// The threads a parallel op may use now: set_num_threads' count, or fewer while other work holds
// the machine's cores (threads.cpp; RAMP_ADAPTIVE_THREADS=0: always the count).
int usable_threads();
// Around a call into oneDNN or OpenBLAS (which follow the calling thread's OpenMP count): lowers
// that count to usable_threads() for the call, and puts the caller's back after.
class LibraryThreads {
 public:
  LibraryThreads();
  ~LibraryThreads();
  LibraryThreads(const LibraryThreads&) = delete;
  LibraryThreads& operator=(const LibraryThreads&) = delete;

 private:
  int restore_ = 0;
};
// Tests: turns adaptation on or off and replaces the count of runnable tasks (null: /proc/loadavg);
// reset_adaptive_threads() goes back to the environment's setting.
using RunnableProbe = int (*)();
void set_adaptive_threads_for_testing(bool on, RunnableProbe probe);
void reset_adaptive_threads();

// Calls f(begin, end) on disjoint chunks covering [0, n). Splits only when every thread gets at
// least `grain` items; chunk boundaries are multiples of `align` items (so each thread's output
// starts on a cache line and streaming stores stay aligned).
template <class F> void parallel_for(std::int64_t n, std::int64_t grain, std::int64_t align, F&& f) {
  if (n <= 0) return;
  if (n < 2 * grain) {  // too small to split: skip asking OpenMP anything
    f(std::int64_t(0), n);
    return;
  }
  const std::int64_t max_threads = omp_in_parallel() ? 1 : usable_threads();
  const std::int64_t threads = std::min<std::int64_t>(max_threads, n / std::max<std::int64_t>(grain, 1));
  if (threads <= 1) {
    f(std::int64_t(0), n);
    return;
  }
  std::int64_t chunk = (n + threads - 1) / threads;
  chunk = (chunk + align - 1) / align * align;
#pragma omp parallel num_threads(int(threads))
  {
    const std::int64_t b = std::int64_t(omp_get_thread_num()) * chunk;
    const std::int64_t e = std::min(n, b + chunk);
    if (b < e) f(b, e);
  }
}

}  // namespace ramp::detail
