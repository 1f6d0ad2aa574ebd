// torch.utils.data.DistributedSampler's partition (1.13's rules), shared by the C++ DataLoader and
// ramp.utils.data.DistributedSampler.
#include <algorithm>

#include "ramp/data.h"
#include "ramp/distributed.h"
#include "ramp/random.h"

namespace ramp::data {

std::int64_t distributed_samples(std::int64_t n, std::int64_t num_replicas, bool drop_last) {
  RAMP_CHECK_T(ValueError, n >= 0, "DistributedSampler: the dataset size must be non-negative, got ", n);
  RAMP_CHECK_T(ValueError, num_replicas > 0, "DistributedSampler: num_replicas must be positive, got ", num_replicas);
  // 1.13: ceil((n - r) / r) with drop_last and n % r != 0, which is floor(n / r); else ceil(n / r).
  return drop_last ? n / num_replicas : (n + num_replicas - 1) / num_replicas;
}

Tensor distributed_indices(std::int64_t n, std::int64_t num_replicas, std::int64_t rank, bool shuffle,
                           std::uint64_t seed, std::int64_t epoch, bool drop_last) {
  RAMP_CHECK_T(ValueError, rank >= 0 && rank < num_replicas, "Invalid rank ", rank,
               ", rank should be in the interval [0, ", num_replicas - 1, "]");
  const std::int64_t per_rank = distributed_samples(n, num_replicas, drop_last);
  Tensor order;
  if (shuffle) {
    Generator g;
    g.manual_seed(seed + std::uint64_t(epoch));  // the same permutation on every rank for an epoch
    order = randperm(n, &g);
  }
  const std::int64_t* perm = order.defined() ? order.data<std::int64_t>() : nullptr;
  Tensor out = empty({per_rank}, ScalarType::Int64);
  std::int64_t* p = out.data<std::int64_t>();
  // Position rank + k * num_replicas of the order padded by repeating it from the start (drop_last:
  // the positions never pass n).
  for (std::int64_t k = 0; k < per_rank; ++k) {
    const std::int64_t i = (rank + k * num_replicas) % n;
    p[k] = perm ? perm[i] : i;
  }
  return out;
}

DistributedSampler::DistributedSampler(std::int64_t dataset_size, const DistributedSamplerOptions& options)
    : n_(dataset_size),
      // 1.13 asks the default group only for what it was not given (and raises its error without one)
      num_replicas_(options.num_replicas ? *options.num_replicas : distributed::get_world_size()),
      rank_(options.rank ? *options.rank : distributed::get_rank()),
      o_(options) {
  RAMP_CHECK_T(ValueError, rank_ >= 0 && rank_ < num_replicas_, "Invalid rank ", rank_,
               ", rank should be in the interval [0, ", num_replicas_ - 1, "]");
  (void)distributed_samples(n_, num_replicas_, o_.drop_last);  // its checks, at construction
}

}  // namespace ramp::data
