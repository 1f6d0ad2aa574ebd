// parallel_for over OpenMP: the only place ramp starts threads.
#pragma once

#include <omp.h>

#include <algorithm>
#include <cstdint>

namespace ramp::detail {

// The threads a parallel op may use now: set_num_threads' count, or 1 while the machine has more
// runnable tasks than this process has cores (threads.cpp). Also sets the calling thread's OpenMP
// count to it, which oneDNN's and OpenBLAS's kernels follow.
int usable_threads();
// Tests: replaces the count of runnable tasks (null: /proc/loadavg again) and resets the state.
using RunnableProbe = int (*)();
void set_runnable_probe(RunnableProbe probe);

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
