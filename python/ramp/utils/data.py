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


class DataLoader:
    """Batches of a dataset, as torch.utils.data.DataLoader with num_workers=0."""

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, generator=None, collate_fn=None):
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if generator is not None and not isinstance(generator, _C.Generator):
            raise TypeError(f"generator must be a ramp.Generator, not {type(generator).__name__}")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = bool(shuffle)
        self.drop_last = drop_last
        self.generator = generator
        self.collate_fn = default_collate if collate_fn is None else collate_fn

    def __len__(self):
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else (n + self.batch_size - 1) // self.batch_size

    def __iter__(self):
        n = len(self.dataset)
        order = _C.randperm(n, generator=self.generator) if self.shuffle else _C.arange(n)
        gather = isinstance(self.dataset, TensorDataset) and self.collate_fn is default_collate
        for b in range(len(self)):
            index = order[b * self.batch_size:(b + 1) * self.batch_size]
            if gather:
                yield [t.index_select(0, index) for t in self.dataset.tensors]
            else:
                yield self.collate_fn([self.dataset[i] for i in index.tolist()])
