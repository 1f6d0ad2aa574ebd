// ramp::distributed::Reducer: DistributedDataParallel's gradient averaging (1.13's c10d::Reducer),
// and the two construction-time steps DDP takes from c10d (shape check, state broadcast).
//
// The parameters' gradients are averaged over the ranks in buckets: flat tensors of one dtype, each
// about `bucket_bytes_cap` (the first `first_bucket_bytes`, 1 MiB, so the first gradients ready
// leave early). A hook after each parameter's AccumulateGrad copies its gradient, times
// 1/world_size, into its bucket; when a bucket is full, and every bucket before it was launched,
// its all_reduce is queued on the group's worker and backward goes on computing. Work::then writes
// the reduced values back into `.grad` on the worker; a final callback of the backward pass
// (autograd::queue_callback) waits for every bucket, so `.grad` is averaged when backward returns.
//
// As 1.13: one bucket (per dtype) for the first iteration, then rebuilt once, at the forward after
// the first backward, in the order gradients did arrive (rank 0's order, broadcast, so every rank
// queues the same all_reduces in the same order). With find_unused_parameters there is no rebuild:
// the buckets are by size from the start, in reverse parameter order (the order gradients usually
// arrive).
//
//   Reducer reducer(params, group);
//   reducer.rebuild_buckets();                 // each forward (raises if the last one did not finish)
//   Tensor loss = ...;
//   reducer.prepare_for_backward({});          // after each forward that should sync
//   loss.backward();                           // .grad averaged over the ranks
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "ramp/distributed.h"

namespace ramp::distributed {

inline constexpr std::int64_t kDefaultFirstBucketBytes = 1024 * 1024;  // dist._DEFAULT_FIRST_BUCKET_BYTES

// c10d's compute_bucket_assignment_by_size: the tensors in order (or in `order`'s, indices into
// tensors: the gradients' ready order), a bucket per dtype at a time, each closed once its bytes
// reach its limit (`limits` in turn, the last repeated). Without `order` the buckets are sorted by
// their smallest index (DDP then reverses the list); with it they stay in the order they filled.
// Returns the tensors' indices per bucket.
std::vector<std::vector<std::size_t>> compute_bucket_assignment_by_size(const std::vector<Tensor>& tensors,
                                                                        const std::vector<std::int64_t>& limits,
                                                                        const std::vector<std::size_t>& order = {});

// 1.13's dist._verify_params_across_processes: the same number of parameters, with the same sizes
// and strides, on every rank (1.13's messages), else throws on the rank that differs.
void verify_params_across_processes(ProcessGroup& group, const std::vector<Tensor>& params);

// 1.13's dist._broadcast_coalesced: `src`'s values into every rank's tensors, through flat buffers
// of one dtype of at most `bucket_bytes` each (one all_reduce-sized message instead of one per
// tensor). Writes data only (no autograd).
void broadcast_coalesced(ProcessGroup& group, const std::vector<Tensor>& tensors, std::int64_t bucket_bytes,
                         int src = 0);

class Reducer {
 public:
  // `params`: the module's parameters that require grad, in registration order.
  Reducer(std::vector<Tensor> params, std::shared_ptr<ProcessGroup> group,
          std::int64_t bucket_bytes_cap = 25 * 1024 * 1024, bool find_unused_parameters = false,
          std::int64_t first_bucket_bytes = kDefaultFirstBucketBytes);
  ~Reducer();  // removes the hooks (waits for buckets still being reduced)
  Reducer(const Reducer&) = delete;
  Reducer& operator=(const Reducer&) = delete;

  // Called at each forward with grad enabled: raises 1.13's "Expected to have finished reduction in
  // the prior iteration ..." when the last backward left parameters without a gradient (so no
  // bucket could be finished), then rebuilds the buckets once, after the first iteration. Returns
  // whether it rebuilt.
  bool rebuild_buckets();
  // Arms the hooks for the next backward (DDP's forward, when it syncs). With find_unused_parameters,
  // the parameters that `outputs`' graph does not reach are marked ready at the first hook.
  void prepare_for_backward(const std::vector<Tensor>& outputs);

  // The current buckets: parameter indices each, in launch order.
  std::vector<std::vector<std::size_t>> bucket_indices() const;
  const std::vector<Tensor>& parameters() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace ramp::distributed
