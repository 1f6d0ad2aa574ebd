"""torch.utils.data.dataloader (1.13): DataLoader over map-style and iterable datasets, with its
samplers, batch samplers, collate functions, lengths and argument errors (single process).

    loader = DataLoader(TensorDataset(images, labels), batch_size=64, shuffle=True,
                        generator=ramp.Generator().manual_seed(0))
    for x, y in loader: ...          # each batch is a list [x, y] of stacked tensors; len(loader) batches

Shuffling is RandomSampler: ramp.randperm(len(dataset), generator=generator) each epoch (ramp's
global generator, seeded by ramp.manual_seed, when generator is None). A TensorDataset batched by the
default samplers and default_collate is gathered with one index_select per tensor; everything else is
fetched item by item and collated as torch does. num_workers > 0 loads in this process, with the
batches and order torch's workers would give (an IterableDataset is iterated once per emulated worker,
get_worker_info() naming the worker; the workers' RNG seeding is not emulated: WorkerInfo.seed is
None). C++: ramp::data::DataLoader (the same permutations for the same seed)."""
import contextlib
import itertools

from ... import _C
from ._utils.collate import default_collate, default_convert
from .dataset import IterableDataset, TensorDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info"]


class WorkerInfo:
    """torch.utils.data.get_worker_info()'s answer inside a worker: id, num_workers, seed, dataset."""

    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)

    def __repr__(self):
        return "WorkerInfo({})".format(", ".join(f"{k}={v}" for k, v in self.__dict__.items()))


_worker_info = None  # set while a loader runs code "in" one of its emulated workers


def get_worker_info():
    """The WorkerInfo of the worker running this code; None in the main process (ramp's workers are
    emulated in this process, one at a time, so that IterableDatasets shard and batch as in torch)."""
    return _worker_info


@contextlib.contextmanager
def _in_worker(info):
    global _worker_info
    outer, _worker_info = _worker_info, info
    try:
        yield
    finally:
        _worker_info = outer


_DONE = object()  # a worker's stream has ended


class _DatasetKind:
    Map = 0
    Iterable = 1


class _InfiniteConstantSampler(Sampler):
    """An IterableDataset's index sampler: None forever."""

    def __iter__(self):
        while True:
            yield None


class _DataLoaderIter:
    """What iter(loader) returns: an iterator over the batches with len()."""

    def __init__(self, loader, batches):
        self._batches = batches
        self._len = loader._index_sampler
        self._num_yielded = 0

    def __iter__(self):
        return self

    def __next__(self):
        data = next(self._batches)
        self._num_yielded += 1
        return data

    def __len__(self):
        return len(self._len)


class DataLoader:
    """Batches of a dataset, as torch.utils.data.DataLoader with torch's signature. Loading is always
    in this process; the pinning and worker options have nothing to act on. batch_size=None yields
    the items one by one, unbatched (default_convert), as torch does."""

    __initialized = False

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=2, persistent_workers=False,
                 pin_memory_device=""):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable "
                             "multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor != 2:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing.let num_workers > 0 "
                             "to enable multiprocessing.")
        assert prefetch_factor > 0
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        if multiprocessing_context is not None and num_workers == 0:
            raise ValueError("multiprocessing_context can only be used with multi-process loading (num_workers > 0), "
                             "but got num_workers={}".format(num_workers))
        if generator is not None and not isinstance(generator, _C.Generator):
            raise TypeError(f"generator must be a ramp.Generator, not {type(generator).__name__}")
        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        if isinstance(dataset, IterableDataset):
            self._dataset_kind = _DatasetKind.Iterable
            if shuffle not in {False, None}:
                raise ValueError("DataLoader with IterableDataset: expected unspecified shuffle option, but got "
                                 "shuffle={}".format(shuffle))
            if sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified sampler option, but got "
                                 "sampler={}".format(sampler))
            if batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified batch_sampler option, but got "
                                 "batch_sampler={}".format(batch_sampler))
        else:
            shuffle = bool(shuffle)
            self._dataset_kind = _DatasetKind.Map
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and "
                                 "drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None:
            if drop_last:
                raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with "
                                 "drop_last")
        if sampler is None:
            if self._dataset_kind == _DatasetKind.Iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        self._default_batching = False
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
            self._default_batching = True
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers
        self.__initialized = True

    def _iterable_batches(self, it):
        """An IterableDataset's iterator, batched (batch_size=None: item by item) and collated."""
        if self.batch_size is None:
            for item in it:
                yield self.collate_fn(item)
            return
        while True:
            data = list(itertools.islice(it, self.batch_size))
            if not data or (self.drop_last and len(data) < self.batch_size):
                return
            yield self.collate_fn(data)

    def __setattr__(self, attr, val):
        if self.__initialized and attr in ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset",
                                           "persistent_workers"):
            raise ValueError("{} attribute should not be set after {} is initialized".format(
                attr, self.__class__.__name__))
        super().__setattr__(attr, val)

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __len__(self):
        if self._dataset_kind == _DatasetKind.Iterable:
            length = len(self.dataset)
            if self.batch_size is not None:
                length = length // self.batch_size if self.drop_last else -(-length // self.batch_size)
            return length
        return len(self._index_sampler)

    def __iter__(self):
        return _DataLoaderIter(self, self._batches())

    def _start_workers(self):
        """The emulated workers' WorkerInfos, worker_init_fn(id) run "in" each, as torch starts them
        for each iterator; none when num_workers is 0."""
        infos = [WorkerInfo(id=wid, num_workers=self.num_workers, seed=None, dataset=self.dataset)
                 for wid in range(self.num_workers)]
        for info in infos:
            with _in_worker(info):
                if self.worker_init_fn is not None:
                    self.worker_init_fn(info.id)
        return infos

    def _batches(self):
        collate = self.collate_fn
        infos = self._start_workers()
        if self._dataset_kind == _DatasetKind.Iterable:
            if not infos:
                yield from self._iterable_batches(iter(self.dataset))
                return
            # torch's workers: each iterates the dataset (get_worker_info() tells it which one it is)
            # and batches its own stream; the loader takes a batch from each live worker in turn.
            workers = []
            for info in infos:
                with _in_worker(info):
                    workers.append((info, self._iterable_batches(iter(self.dataset))))
            while workers:
                for worker in list(workers):
                    with _in_worker(worker[0]):
                        batch = next(worker[1], _DONE)
                    if batch is _DONE:
                        workers.remove(worker)
                    else:
                        yield batch
            return
        if (self._default_batching and collate is default_collate and type(self.dataset) is TensorDataset
                and type(self.sampler) in (RandomSampler, SequentialSampler)):
            # TensorDataset: one index_select per tensor (what default_collate of its items gives)
            order, bs = self.sampler._indices(), self.batch_size
            count = len(order) // bs if self.drop_last else -(-len(order) // bs)
            for b in range(count):
                index = order[b * bs:(b + 1) * bs]
                yield [t.index_select(0, index) for t in self.dataset.tensors]
            return
        # A map-style dataset: batch k is fetched by worker k % num_workers, as torch deals them out.
        worker = (lambda k: _in_worker(infos[k % len(infos)])) if infos else (lambda k: contextlib.nullcontext())
        if self._auto_collation:
            for k, indices in enumerate(self.batch_sampler):
                with worker(k):
                    batch = collate([self.dataset[i] for i in indices])
                yield batch
        else:
            for k, index in enumerate(self.sampler):
                with worker(k):
                    batch = collate(self.dataset[index])
                yield batch


