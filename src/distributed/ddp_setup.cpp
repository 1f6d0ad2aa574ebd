// DistributedDataParallel's setup: c10d's bucket assignment (which the Reducer uses) and the two
// collectives DDP's constructor runs (1.13's _verify_params_across_processes, _broadcast_coalesced).
#include <algorithm>
#include <map>
#include <numeric>

#include "ramp/distributed/reducer.h"
#include "ramp/error.h"
#include "../tensor/loop.h"

namespace ramp::distributed {

using ramp::detail::cat;

std::vector<std::vector<std::size_t>> compute_bucket_assignment_by_size(const std::vector<Tensor>& tensors,
                                                                        const std::vector<std::int64_t>& limits,
                                                                        const std::vector<std::size_t>& order) {
  RAMP_CHECK(!limits.empty(), "compute_bucket_assignment_by_size: expected at least one bucket size limit");
  std::vector<std::size_t> seq = order;
  if (seq.empty()) {
    seq.resize(tensors.size());
    std::iota(seq.begin(), seq.end(), std::size_t(0));
  }
  struct Open {
    std::vector<std::size_t> indices;
    std::int64_t bytes = 0;
    std::size_t limit = 0;  // which of `limits` this dtype's next bucket fills to
  };
  std::map<ScalarType, Open> open;  // ordered: the leftover buckets come out the same on every rank
  std::vector<std::vector<std::size_t>> result;
  for (std::size_t i : seq) {
    RAMP_CHECK(i < tensors.size(), "compute_bucket_assignment_by_size: index ", i, " out of range");
    Open& b = open[tensors[i].dtype()];
    b.indices.push_back(i);
    b.bytes += std::int64_t(tensors[i].nbytes());
    if (b.bytes >= limits[b.limit]) {
      result.push_back(std::move(b.indices));
      b.indices.clear();
      b.bytes = 0;
      b.limit = std::min(b.limit + 1, limits.size() - 1);
    }
  }
  for (auto& [dtype, b] : open)
    if (!b.indices.empty()) result.push_back(std::move(b.indices));
  if (order.empty())
    std::sort(result.begin(), result.end(), [](const auto& a, const auto& b) {
      return *std::min_element(a.begin(), a.end()) < *std::min_element(b.begin(), b.end());
    });
  return result;
}

namespace {
Tensor int64_vector(const std::vector<std::int64_t>& v) {
  Tensor t = empty({std::int64_t(v.size())}, ScalarType::Int64);
  std::copy(v.begin(), v.end(), t.data<std::int64_t>());
  return t;
}
std::vector<Tensor> gathered(ProcessGroup& group, const Tensor& input) {
  std::vector<Tensor> outs;
  for (int r = 0; r < group.size(); ++r) outs.push_back(empty_like(input));
  group.all_gather(outs, input)->wait();
  return outs;
}
}  // namespace

void verify_params_across_processes(ProcessGroup& group, const std::vector<Tensor>& params) {
  const int rank = group.rank();
  // The counts first: differing ones would make the later messages differ in size.
  auto counts = gathered(group, int64_vector({std::int64_t(params.size())}));
  for (int r = 0; r < group.size(); ++r) {
    const std::int64_t theirs = counts[std::size_t(r)].data<std::int64_t>()[0];
    RAMP_CHECK(theirs == std::int64_t(params.size()), "DDP expects same model across all ranks, but Rank ", rank,
               " has ", params.size(), " params, while rank ", r, " has inconsistent ", theirs, " params.");
  }
  // Then the ranks (ramp's step: 1.13 broadcasts the sizes right away, and ranks with other ranks
  // would send messages of another length), then sizes and strides against rank 0's.
  std::vector<std::int64_t> dims, meta;
  for (const Tensor& t : params) dims.push_back(t.dim());
  const auto all_dims = gathered(group, int64_vector(dims));
  const std::int64_t* dims0 = all_dims[0].data<std::int64_t>();
  auto sizes_differ = [&](std::size_t p) {
    return cat("[", rank, "]: params[", p, "] in this process with sizes ", shape_str(params[p].sizes()),
               " appears not to match sizes of the same param in process 0.");
  };
  for (std::size_t p = 0; p < params.size(); ++p) RAMP_CHECK(dims0[p] == dims[p], sizes_differ(p));
  for (const Tensor& t : params) {
    meta.insert(meta.end(), t.sizes().begin(), t.sizes().end());
    meta.insert(meta.end(), t.strides().begin(), t.strides().end());
  }
  Tensor control = int64_vector(meta);
  group.broadcast(control, 0)->wait();
  const std::int64_t* c = control.data<std::int64_t>();
  std::size_t i = 0;
  for (std::size_t p = 0; p < params.size(); ++p) {
    for (std::int64_t s : params[p].sizes()) RAMP_CHECK(s == c[i++], sizes_differ(p));
    for (std::int64_t s : params[p].strides())
      RAMP_CHECK(s == c[i++], "params[", p, "] in this process with sizes ", shape_str(params[p].sizes()),
                 " appears not to match strides of the same param in process 0.");
  }
}

void broadcast_coalesced(ProcessGroup& group, const std::vector<Tensor>& tensors, std::int64_t bucket_bytes, int src) {
  // torch's take_tensors: consecutive runs per dtype, a run closed before it would pass the limit.
  std::map<ScalarType, std::vector<Tensor>> open;
  std::map<ScalarType, std::int64_t> open_bytes;
  const bool sending = group.rank() == src;
  auto flush = [&](std::vector<Tensor>& run) {
    if (run.empty()) return;
    std::int64_t n = 0;
    for (const Tensor& t : run) n += t.numel();
    Tensor flat = empty({n}, run.front().dtype());
    std::int64_t at = 0;
    if (sending)
      for (const Tensor& t : run) {
        ramp::detail::copy_into(flat.narrow(0, at, t.numel()).view(t.sizes()), t);
        at += t.numel();
      }
    group.broadcast(flat, src)->wait();
    at = 0;
    if (!sending)
      for (const Tensor& t : run) {
        ramp::detail::copy_into(t, flat.narrow(0, at, t.numel()).view(t.sizes()));
        at += t.numel();
      }
    run.clear();
  };
  for (const Tensor& t : tensors) {
    if (!t.defined()) continue;
    auto& run = open[t.dtype()];
    auto& bytes = open_bytes[t.dtype()];
    if (!run.empty() && bytes + std::int64_t(t.nbytes()) > bucket_bytes) {
      flush(run);
      bytes = 0;
    }
    run.push_back(t);
    bytes += std::int64_t(t.nbytes());
  }
  for (auto& [dtype, run] : open) flush(run);
}

}  // namespace ramp::distributed
