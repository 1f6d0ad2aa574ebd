"""torch.utils.data.distributed (1.13): DistributedSampler, each rank's share of a dataset for
data-parallel training. 1.13's rules: every rank gets num_samples = ceil(len / num_replicas) indices
(with drop_last and an uneven length, ceil((len - num_replicas) / num_replicas)); without drop_last
the list is padded by repeating it from the start to num_samples * num_replicas; rank r takes every
num_replicas-th index from r. The shuffle is a permutation from a generator seeded with
seed + epoch (ramp's own stream, so the order differs from torch's, the partition rule does not).
The rule itself is C++'s ramp::data::distributed_indices, which the C++ DataLoader uses too."""
from ... import _C
from .sampler import Sampler

__all__ = ["DistributedSampler"]


class DistributedSampler(Sampler):
    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        if num_replicas is None or rank is None:
            from ... import distributed as dist
            if not dist.is_available():
                raise RuntimeError("Requires distributed package to be available")
            if num_replicas is None:
                num_replicas = dist.get_world_size()  # raises 1.13's error without a process group
            if rank is None:
                rank = dist.get_rank()
        if rank >= num_replicas or rank < 0:
            raise ValueError("Invalid rank {}, rank should be in the interval [0, {}]".format(rank, num_replicas - 1))
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        self.num_samples = _C._data.distributed_samples(len(dataset), num_replicas, drop_last)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self):
        # the C++ sampler's rule (include/ramp/data.h); seeds wrap to 64 bits as manual_seed's do
        return iter(_C._data.distributed_indices(len(self.dataset), self.num_replicas, self.rank, self.shuffle,
                                                 (self.seed + self.epoch) % (1 << 64), 0, self.drop_last).tolist())

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """Sets the epoch, so that each epoch's shuffle differs (call it before each epoch)."""
        self.epoch = epoch
