"""torch.utils.data.distributed (1.13): DistributedSampler, each rank's share of a dataset for
data-parallel training. 1.13's rules: every rank gets num_samples = ceil(len / num_replicas) indices
(with drop_last and an uneven length, ceil((len - num_replicas) / num_replicas)); without drop_last
the list is padded by repeating it from the start to num_samples * num_replicas; rank r takes every
num_replicas-th index from r. The shuffle is a permutation from a generator seeded with
seed + epoch (ramp's own stream, so the order differs from torch's, the partition rule does not)."""
import math

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
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            # Drop the tail so every rank gets the same count without repeating indices.
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            g = _C.Generator()
            g.manual_seed(self.seed + self.epoch)  # the same order on every rank for an epoch
            order = _C.randperm(n, generator=g).tolist()
        else:
            order = list(range(n))
        if self.drop_last:
            order = order[:self.total_size]
        else:
            missing = self.total_size - len(order)
            if missing > 0:
                order += (order * math.ceil(missing / len(order)))[:missing]
        assert len(order) == self.total_size
        mine = order[self.rank:self.total_size:self.num_replicas]
        assert len(mine) == self.num_samples
        return iter(mine)

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """Sets the epoch, so that each epoch's shuffle differs (call it before each epoch)."""
        self.epoch = epoch
