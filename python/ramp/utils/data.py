"""ramp.utils.data: torch.utils.data's Dataset, TensorDataset and DataLoader (single process).

    loader = DataLoader(TensorDataset(images, labels), batch_size=64, shuffle=True,
                        generator=ramp.Generator().manual_seed(0))
    for x, y in loader: ...          # each batch is a list [x, y] of stacked tensors; len(loader) batches

Shuffling draws ramp.randperm(len(dataset), generator=generator) each epoch (ramp's global generator,
seeded by ramp.manual_seed, when generator is None). A TensorDataset's batches are gathered with one
index_select per tensor; other datasets are indexed item by item and collated as torch's
default_collate does. C++: ramp::data::DataLoader (the same permutations for the same seed).
"""
import collections.abc
import numbers

from .. import _C

__all__ = ["Dataset", "TensorDataset", "DataLoader", "default_collate"]


class Dataset:
    """A map-style dataset: subclasses define ``__getitem__`` and ``__len__``."""

    def __getitem__(self, index):
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")


class TensorDataset(Dataset):
    """Item i is ``tuple(t[i] for t in tensors)``; every tensor has the same first dimension."""

    def __init__(self, *tensors):
        assert all(tensors[0].size(0) == t.size(0) for t in tensors), "Size mismatch between tensors"
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].size(0)


def default_collate(batch):
    """torch's default_collate: tensors stacked, numbers made tensors (float64 for floats, int64 for
    ints), sequences collated element-wise into a list, dicts per key, strings kept as a list."""
    elem = batch[0]
    if isinstance(elem, _C.Tensor):
        return _C.stack(list(batch), 0)
    if type(elem).__module__ == "numpy" and type(elem).__name__ == "ndarray":
        return _C.stack([_C.as_tensor(b) for b in batch], 0)
    if isinstance(elem, bool):
        return _C.tensor(list(batch))
    if isinstance(elem, float):
        return _C.tensor(list(batch), dtype=_C.float64)
    if isinstance(elem, numbers.Integral):
        return _C.tensor(list(batch))
    if isinstance(elem, str):
        return list(batch)
    if isinstance(elem, collections.abc.Mapping):
        return {key: default_collate([d[key] for d in batch]) for key in elem}
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(b) != size for b in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        return [default_collate(samples) for samples in zip(*batch)]
    raise TypeError(f"default_collate: batch must contain tensors, numbers, dicts or lists; found {type(elem)}")


def _convert(item):
    """torch's default_convert (batch_size=None): NumPy arrays become tensors, containers are walked."""
    if type(item).__module__ == "numpy" and type(item).__name__ == "ndarray":
        return _C.as_tensor(item)
    if isinstance(item, collections.abc.Mapping):
        return {key: _convert(value) for key, value in item.items()}
    if type(item) in (tuple, list):  # a tuple becomes a list (1.13: "backwards compatibility")
        return [_convert(v) for v in item]
    return item


class DataLoader:
    """Batches of a dataset, as torch.utils.data.DataLoader with torch's signature. Loading is always
    in this process: num_workers > 0 gives the same batches in the same order as torch's workers
    would (without their parallelism), and the pinning/worker options have nothing to act on.
    batch_size=None yields the items one by one, unbatched, as torch does."""

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=2, persistent_workers=False,
                 pin_memory_device=""):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable "
                             "multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if sampler is not None or batch_sampler is not None:
            raise NotImplementedError("ramp.utils.data.DataLoader has no sampler or batch_sampler: use shuffle "
                                      "(with generator) and drop_last")
        if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral)
                                       or batch_size <= 0):
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with "
                             "drop_last")
        if generator is not None and not isinstance(generator, _C.Generator):
            raise TypeError(f"generator must be a ramp.Generator, not {type(generator).__name__}")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = bool(shuffle)
        self.drop_last = drop_last
        self.generator = generator
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.collate_fn = (default_collate if batch_size is not None else _convert) if collate_fn is None else collate_fn

    def __len__(self):
        n = len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else (n + self.batch_size - 1) // self.batch_size

    def __iter__(self):
        n = len(self.dataset)
        order = _C.randperm(n, generator=self.generator) if self.shuffle else _C.arange(n)
        if self.batch_size is None:
            for i in order.tolist():
                yield self.collate_fn(self.dataset[i])
            return
        gather = isinstance(self.dataset, TensorDataset) and self.collate_fn is default_collate
        for b in range(len(self)):
            index = order[b * self.batch_size:(b + 1) * self.batch_size]
            if gather:
                yield [t.index_select(0, index) for t in self.dataset.tensors]
            else:
                yield self.collate_fn([self.dataset[i] for i in index.tolist()])
