// What an optimizer's fused update (update.cpp) reports about one parameter to whoever watches it
// (diagnostics::Monitor): the sums of squares of the gradient, of the weights before the step and of
// the step's change, gathered inside the update loop while the values are in registers. The
// Monitor's gradient norms and update ratios need no snapshot copy and no pass of their own.
#pragma once

#include <mutex>

#include "ramp/tensor.h"

namespace ramp::optim {

struct UpdateSums {
  double grad = 0, weight = 0, delta = 0;  // sum g^2, sum w_before^2, sum (w_after - w_before)^2
  bool reported = false;                   // an update added to the sums since the watcher reset them
  bool armed = false;                      // updates gather only while armed (the Monitor's logged steps)
  std::mutex mutex;                        // a parameter's update may run in chunks on several threads
  void add(double g, double w, double d) {
    std::lock_guard lock(mutex);
    grad += g, weight += w, delta += d, reported = true;
  }
  void reset() { grad = weight = delta = 0, reported = false; }
};

// Routes the fused updates of `param` (the same tensor, not a copy) to `sums` while it is armed (a
// later call for the same parameter takes over). The caller keeps `sums` alive until stop_reports.
void report_updates(const Tensor& param, UpdateSums* sums);
// Stops routing `param`'s updates to `sums` (if they still go there).
void stop_reports(const Tensor& param, const UpdateSums* sums);

namespace detail {
// The armed sums of `param`, or nullptr (one relaxed load when nothing is watched).
UpdateSums* update_sums(const Tensor& param);
// The sums the update running on this thread adds to (set by with_dense around its update).
UpdateSums*& current_sums();
}  // namespace detail

}  // namespace ramp::optim
