"""ramp.utils.data's datasets, samplers, collation and DataLoader options against torch.utils.data
1.13: the same structure, lengths, partition rules, collated values and dtypes, argument errors; the
random draws (ramp's own streams) checked by their definition and by their frequencies."""
import collections
import math
import warnings

import numpy as np
import pytest

import ramp
from conftest import assert_values, outcome, to_ramp
from ramp.utils.data import (BatchSampler, ChainDataset, ConcatDataset, DataLoader, Dataset, IterableDataset,
                             RandomSampler, SequentialSampler, Subset, SubsetRandomSampler, TensorDataset,
                             WeightedRandomSampler, random_split)

torch = pytest.importorskip("torch")
tdata = pytest.importorskip("torch.utils.data")


def gen(seed=0):
    return ramp.Generator().manual_seed(seed)


def test_module_paths():
    from ramp.utils.data._utils.collate import default_collate as c1
    from ramp.utils.data.dataloader import DataLoader as D, default_collate as c2
    from ramp.utils.data.dataset import ConcatDataset as C, Subset as S, random_split as rs
    from ramp.utils.data.sampler import SubsetRandomSampler as SRS, WeightedRandomSampler as W
    assert c1 is c2 is ramp.utils.data.default_collate
    assert (D, C, S, rs, SRS, W) == (DataLoader, ConcatDataset, Subset, random_split, SubsetRandomSampler,
                                     WeightedRandomSampler)
    assert sorted(ramp.utils.data.__all__) == sorted(n for n in ramp.utils.data.__all__ if hasattr(tdata, n))


# ---- datasets ----
class Squares(Dataset):
    def __init__(self, n, offset=0):
        self.n, self.offset = n, offset

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return (self.offset + i) ** 2


class Stream(IterableDataset):
    def __init__(self, n, length=True):
        self.n, self.length = n, length

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


class TStream(tdata.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


class TSquares(tdata.Dataset):
    def __init__(self, n, offset=0):
        self.n, self.offset = n, offset

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return (self.offset + i) ** 2


def test_subset_concat_chain():
    r = ConcatDataset([Squares(3), Squares(4, 10)])
    t = tdata.ConcatDataset([TSquares(3), TSquares(4, 10)])
    assert len(r) == len(t) == 7 and r.cumulative_sizes == t.cumulative_sizes
    assert [r[i] for i in range(-7, 7)] == [t[i] for i in range(-7, 7)]
    assert outcome(lambda: r[-8]) == outcome(lambda: t[-8])
    both = Squares(2) + Squares(3, 5)
    assert isinstance(both, ConcatDataset) and [both[i] for i in range(5)] == [0, 1, 25, 36, 49]
    for args in ([], [Stream(3)]):
        assert outcome(ConcatDataset, args)[1] == outcome(tdata.ConcatDataset, [TStream(3)] if args else [])[1]
    sub = Subset(Squares(10), [7, 2, 2, 9])
    assert len(sub) == 4 and [sub[i] for i in range(4)] == [49, 4, 4, 81]
    chain = Stream(3) + Stream(2)
    assert isinstance(chain, ChainDataset) and list(chain) == [0, 1, 2, 0, 1] and len(chain) == 5
    assert outcome(lambda: list(ChainDataset([Squares(2)])))[1] == \
        outcome(lambda: list(tdata.ChainDataset([TSquares(2)])))[1]


@pytest.mark.parametrize("n,lengths", [(10, [3, 7]), (10, [0.3, 0.7]), (11, [0.3, 0.3, 0.4]), (7, [0.5, 0.5]),
                                       (5, [1, 0]), (3, [0.1, 0.1, 0.8]), (30, [0.25, 0.25, 0.25, 0.25])])
def test_random_split_partitions(n, lengths):
    with warnings.catch_warnings(record=True) as rw:
        warnings.simplefilter("always")
        rs = random_split(range(n), lengths, generator=gen(3))
    with warnings.catch_warnings(record=True) as tw:
        warnings.simplefilter("always")
        ts = tdata.random_split(range(n), lengths, generator=torch.Generator().manual_seed(3))
    assert [len(s) for s in rs] == [len(s) for s in ts]
    assert [str(w.message) for w in rw] == [str(w.message) for w in tw]
    items = [x for s in rs for x in s]
    assert sorted(items) == list(range(n))  # disjoint, covering
    assert all(isinstance(s, Subset) for s in rs)
    again = random_split(range(n), lengths, generator=gen(3))
    assert [list(s) for s in again] == [list(s) for s in rs]  # the generator decides


def test_random_split_errors():
    for lengths in ([3, 3], [0.5, 0.6], [1.2, -0.2], [4, 7]):
        r, t = outcome(random_split, range(10), lengths), outcome(tdata.random_split, range(10), lengths)
        assert r[1] == t[1] and t[1] is not None, lengths


# ---- samplers ----
def test_sequential_batch_and_subset_samplers():
    assert list(SequentialSampler(range(5))) == list(tdata.SequentialSampler(range(5)))
    assert len(SequentialSampler(range(5))) == 5
    for bs in (1, 3, 5, 7):
        for drop in (False, True):
            r, t = BatchSampler(range(10), bs, drop), tdata.BatchSampler(range(10), bs, drop)
            assert list(r) == list(t) and len(r) == len(t)
    for args in ((0, False), (2.0, False), (True, False), (2, 1)):
        assert outcome(BatchSampler, range(4), *args)[1] == outcome(tdata.BatchSampler, range(4), *args)[1]
    s = SubsetRandomSampler([5, 9, 11, 40], generator=gen(1))
    draws = [list(s) for _ in range(20)]
    assert all(sorted(d) == [5, 9, 11, 40] for d in draws) and len(s) == 4
    assert len({tuple(d) for d in draws}) > 1  # a new order each pass


def test_random_sampler():
    s = RandomSampler(range(20), generator=gen(0))
    perms = [list(s) for _ in range(3)]
    assert all(sorted(p) == list(range(20)) for p in perms) and perms[0] != perms[1]
    # more samples than items, without replacement: whole permutations, then the start of one more
    s = RandomSampler(range(6), num_samples=15, generator=gen(0))
    d = list(s)
    assert len(s) == len(d) == 15 and sorted(d[:6]) == sorted(d[6:12]) == list(range(6)) and len(set(d[12:])) == 3
    # with replacement: uniform over the indices (counts within 5 sigma of n * p)
    s = RandomSampler(range(10), replacement=True, num_samples=20000, generator=gen(2))
    counts = collections.Counter(s)
    assert len(s) == 20000 and set(counts) == set(range(10))
    sigma = math.sqrt(20000 * 0.1 * 0.9)
    assert all(abs(c - 2000) < 5 * sigma for c in counts.values()), counts
    for kwargs in (dict(replacement=1), dict(num_samples=0), dict(num_samples=2.5)):
        assert outcome(lambda: RandomSampler(range(4), **kwargs))[1] == \
            outcome(lambda: tdata.RandomSampler(range(4), **kwargs))[1]
    ramp.manual_seed(4)  # without a generator: ramp's global one
    first = list(RandomSampler(range(30)))
    ramp.manual_seed(4)
    assert list(RandomSampler(range(30))) == first


def test_weighted_random_sampler():
    w = [0.1, 0.9, 0.4, 0.0, 3.0, 0.6]
    s = WeightedRandomSampler(w, 50000, generator=gen(5))
    counts = collections.Counter(s)
    assert len(s) == 50000 and counts[3] == 0
    total = sum(w)
    for i, wi in enumerate(w):
        p = wi / total
        assert abs(counts[i] - 50000 * p) <= 5 * math.sqrt(50000 * p * (1 - p)) + 1e-9, (i, counts)
    assert s.weights.dtype == ramp.float64 and s.weights.tolist() == w
    # without replacement: distinct indices; the largest weight comes first most often
    s = WeightedRandomSampler([1.0, 1.0, 100.0, 0.0], 3, replacement=False, generator=gen(6))
    draws = [list(s) for _ in range(300)]
    assert all(len(set(d)) == 3 and 3 not in d for d in draws)
    assert sum(d[0] == 2 for d in draws) > 270  # p = 100/102
    d = list(WeightedRandomSampler([0.0, 1.0, 0.0], 3, replacement=False, generator=gen(0)))
    assert d == list(tdata.WeightedRandomSampler([0.0, 1.0, 0.0], 3, replacement=False))  # zero weights last, in order
    for args in (([1.0, 2.0], 0), ([1.0, 2.0], 2.0), ([[1.0, 2.0]], 2), ([1.0, 2.0], 1, 1)):
        assert outcome(WeightedRandomSampler, *args)[1] == outcome(tdata.WeightedRandomSampler, *args)[1]
    for weights, n, repl in (([-1.0, 2.0], 1, True), ([0.0, 0.0], 1, True), ([float("inf"), 1.0], 1, True),
                             ([float("nan"), 1.0], 1, True), ([1.0, 2.0], 3, False)):
        r = outcome(lambda: list(WeightedRandomSampler(weights, n, repl)))
        t = outcome(lambda: list(tdata.WeightedRandomSampler(weights, n, repl)))
        assert r[1] == t[1] and t[1] is not None, weights


# ---- collation ----
Point = collections.namedtuple("Point", ["x", "y"])


def collate_cases(lib):
    T = lib.tensor
    return {
        "tensors": [T([1.0, 2.0]), T([3.0, 4.0])],
        "ints": [1, 2, 3],
        "floats": [0.5, 1.5],
        "bools": [True, False],
        "mixed": [1, 2.5],
        "strings": ["a", "b"],
        "tuples": [(1, 0.5, "a"), (2, 1.5, "b")],
        "lists": [[1, 2], [3, 4]],
        "dicts": [{"a": 1, "b": T([1, 2])}, {"a": 2, "b": T([3, 4])}],
        "ordered": [collections.OrderedDict(z=1.0, y=2), collections.OrderedDict(z=3.0, y=4)],
        "namedtuples": [Point(1, 2.0), Point(3, 4.0)],
        "nested": [{"p": [Point(1, T([0.5])), "s"]}, {"p": [Point(2, T([1.5])), "t"]}],
        "arrays": [np.arange(3, dtype=np.float32), np.arange(3, dtype=np.float32) + 1],
        "int_arrays": [np.arange(4).reshape(2, 2), np.arange(4).reshape(2, 2)],
        "np_floats": [np.float32(1.5), np.float32(2.5)],
        "np_ints": [np.int32(1), np.int32(7)],
        "np_doubles": [np.float64(1.5), np.float64(2.5)],
        "np_bools": [np.bool_(True), np.bool_(False)],
    }


def assert_collated(r, t):
    if isinstance(t, torch.Tensor):
        assert isinstance(r, ramp.Tensor)
        assert_values(r, t)
    elif isinstance(t, tuple) and hasattr(t, "_fields"):
        assert type(r).__name__ == type(t).__name__ and r._fields == t._fields
        for a, b in zip(r, t):
            assert_collated(a, b)
    elif isinstance(t, dict):
        assert type(r) is type(t) and list(r) == list(t)
        for k in t:
            assert_collated(r[k], t[k])
    elif isinstance(t, (list, tuple)):
        assert type(r) is type(t) and len(r) == len(t)
        for a, b in zip(r, t):
            assert_collated(a, b)
    else:
        assert r == t


@pytest.mark.parametrize("case", list(collate_cases(torch)))
def test_default_collate(case):
    r = ramp.utils.data.default_collate(collate_cases(ramp)[case])
    t = tdata.default_collate(collate_cases(torch)[case])
    assert_collated(r, t)


def test_default_convert_and_collate_errors():
    for case in ("arrays", "np_floats", "tuples", "namedtuples", "dicts"):
        for item in collate_cases(torch)[case]:
            rc = ramp.utils.data.default_convert(item if case not in ("dicts",) else collate_cases(ramp)[case][0])
            tc = tdata.default_convert(item if case not in ("dicts",) else collate_cases(torch)[case][0])
            assert_collated(rc, tc)
    for batch in ([[1, 2], [3]], [object(), object()], [np.array(["a"]), np.array(["b"])], [None, None]):
        r, t = outcome(ramp.utils.data.default_collate, batch), outcome(tdata.default_collate, batch)
        assert r[1] == t[1] and t[1] is not None
    r = outcome(ramp.utils.data.default_collate, [ramp.ones(2), ramp.ones(3)])
    assert r[1] is not None and r[1][0] == "RuntimeError"


# ---- DataLoader ----
def loaders(kwargs):
    """The same loader over a TensorDataset in both libraries (torch's samplers over torch's data)."""
    x = torch.arange(26 * 2, dtype=torch.float32).reshape(26, 2)
    y = torch.arange(26)
    return (DataLoader(TensorDataset(to_ramp(x), to_ramp(y)), **kwargs(ramp, True)),
            tdata.DataLoader(tdata.TensorDataset(x, y), **kwargs(torch, False)))


@pytest.mark.parametrize("name", ["sampler", "sampler-list", "batch_sampler", "collate_fn", "drop_last",
                                  "subset", "no-batch"])
def test_loader_options_match_torch(name):
    def kwargs(lib, is_ramp):
        data = ramp.utils.data if is_ramp else tdata
        return {
            "sampler": dict(sampler=data.SequentialSampler(range(26)), batch_size=4),
            "sampler-list": dict(sampler=[5, 3, 25, 0, 7], batch_size=2),
            "batch_sampler": dict(batch_sampler=data.BatchSampler([9, 8, 7, 1, 2], 2, drop_last=False)),
            "collate_fn": dict(batch_size=5, collate_fn=lambda b: [len(b), b[0][1]]),
            "drop_last": dict(batch_size=7, drop_last=True),
            "subset": dict(batch_size=3, sampler=[1, 3, 5, 7, 9, 11, 13]),
            "no-batch": dict(batch_size=None, sampler=[4, 2]),
        }[name]
    r, t = loaders(kwargs)
    assert len(r) == len(t)
    rb, tb = list(r), list(t)
    assert len(rb) == len(tb)
    for a, b in zip(rb, tb):
        assert_collated(a, b)


def test_generic_datasets_and_iterables():
    for kwargs in (dict(batch_size=3), dict(batch_size=3, drop_last=True), dict(batch_size=None),
                   dict(batch_size=2, shuffle=False)):
        r, t = DataLoader(Squares(8), **kwargs), tdata.DataLoader(TSquares(8), **kwargs)
        assert len(r) == len(t)
        for a, b in zip(list(r), list(t)):
            assert_collated(a, b)
        r, t = DataLoader(Stream(8), **kwargs), tdata.DataLoader(TStream(8), **kwargs)
        assert len(r) == len(t)
        rb, tb = list(r), list(t)
        assert len(rb) == len(tb)
        for a, b in zip(rb, tb):
            assert_collated(a, b)
    it = iter(DataLoader(Squares(8), batch_size=3))
    assert len(it) == 3 and next(it).tolist() == [0, 1, 4]


def test_shuffle_and_fast_path():
    """shuffle=True is RandomSampler(generator): the TensorDataset fast path gives the batches the
    generic path (item by item, default_collate) gives for the same generator state."""
    x, y = ramp.arange(40.0).reshape(20, 2), ramp.arange(20)
    fast = DataLoader(TensorDataset(x, y), batch_size=6, shuffle=True, generator=gen(9))
    slow = DataLoader(TensorDataset(x, y), batch_size=6, shuffle=True, generator=gen(9),
                      collate_fn=lambda b: ramp.utils.data.default_collate(b))
    for _ in range(2):
        fb, sb = list(fast), list(slow)
        assert len(fb) == len(sb) == 4
        for a, b in zip(fb, sb):
            assert a[0].tolist() == b[0].tolist() and a[1].tolist() == b[1].tolist()
        labels = [v for b in fb for v in b[1].tolist()]
        assert sorted(labels) == list(range(20))
        assert all(row == [2.0 * l, 2.0 * l + 1] for b in fb for row, l in zip(b[0].tolist(), b[1].tolist()))
    # a weighted sampler drives the loader too
    loader = DataLoader(TensorDataset(y), batch_size=50,
                        sampler=WeightedRandomSampler([1.0] * 10 + [0.0] * 10, 200, generator=gen(1)))
    drawn = [v for (b,) in loader for v in b.tolist()]
    assert len(loader) == 4 and len(drawn) == 200 and max(drawn) < 10


LOADER_ERRORS = [
    lambda D, d, s: D(d, sampler=s, shuffle=True),
    lambda D, d, s: D(d, batch_sampler=[[0, 1]], batch_size=2),
    lambda D, d, s: D(d, batch_sampler=[[0, 1]], drop_last=True),
    lambda D, d, s: D(d, batch_sampler=[[0, 1]], sampler=s),
    lambda D, d, s: D(d, batch_sampler=[[0, 1]], shuffle=True),
    lambda D, d, s: D(d, batch_size=0),
    lambda D, d, s: D(d, batch_size=2, drop_last=1),
    lambda D, d, s: D(d, prefetch_factor=4),
    lambda D, d, s: D(d, persistent_workers=True),
    lambda D, d, s: D(d, multiprocessing_context="fork"),
]


@pytest.mark.parametrize("i", range(len(LOADER_ERRORS)))
def test_loader_errors(i):
    r = outcome(LOADER_ERRORS[i], DataLoader, Squares(4), [0, 1])
    t = outcome(LOADER_ERRORS[i], tdata.DataLoader, TSquares(4), [0, 1])
    assert t[1] is not None and r[1] == t[1]


def test_iterable_loader_errors_and_frozen_attributes():
    for kwargs in (dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])):
        r, t = outcome(lambda: DataLoader(Stream(3), **kwargs)), outcome(lambda: tdata.DataLoader(TStream(3), **kwargs))
        assert t[1] is not None and r[1] == t[1]
    r, t = DataLoader(Squares(3)), tdata.DataLoader(TSquares(3))
    for attr in ("batch_size", "sampler", "drop_last", "dataset"):
        assert outcome(setattr, r, attr, 2)[1] == outcome(setattr, t, attr, 2)[1]
    r.collate_fn = t.collate_fn = lambda b: b  # other attributes may change
    assert list(r) == list(t)


def training_script(torch, data):
    """A PyTorch 1.13 script as people write it (`import ramp as torch` runs it unchanged)."""
    from collections import namedtuple
    Sample = namedtuple("Sample", ["features", "label"])

    class Blobs(data.Dataset):
        def __init__(self, n):
            rng = np.random.default_rng(0)
            self.x = rng.normal(size=(n, 4)).astype(np.float32)
            self.y = (self.x[:, 0] + self.x[:, 1] > 0).astype(np.int64)

        def __len__(self):
            return len(self.x)

        def __getitem__(self, i):
            return Sample(self.x[i], int(self.y[i]))

    train, val = data.random_split(Blobs(100), [0.8, 0.2], generator=torch.Generator().manual_seed(0))
    loader = data.DataLoader(data.Subset(Blobs(100), list(range(80))), batch_size=16, shuffle=False)
    model = torch.nn.Linear(4, 2)
    with torch.no_grad():
        model.weight.copy_(torch.tensor(np.linspace(-1, 1, 8).reshape(2, 4), dtype=torch.float32))
        model.bias.zero_()
    opt = torch.optim.RMSprop(model.parameters(), lr=0.01, momentum=0.5)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.05, epochs=3, steps_per_epoch=len(loader))
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0)
    losses = []
    for epoch in range(3):
        for batch in loader:
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(batch.features), batch.label)
            loss.backward()
            opt.step()
            sched.step()
            losses.append(loss.item())
        plateau.step(losses[-1])
    return losses, len(train), len(val), opt.param_groups[0]["lr"]


def test_training_script_runs_unchanged():
    r_losses, *r_rest = training_script(ramp, ramp.utils.data)
    t_losses, *t_rest = training_script(torch, tdata)
    assert r_rest == t_rest
    assert len(r_losses) == len(t_losses) == 15
    np.testing.assert_allclose(r_losses, t_losses, rtol=1e-5)


def _iterables(lib):
    D = lib.utils.data

    class Whole(D.IterableDataset):  # no sharding: torch's workers each yield all of it
        def __iter__(self):
            return iter(range(5))

    class Sharded(D.IterableDataset):  # torch's documented pattern: each worker takes its share
        def __iter__(self):
            info = D.get_worker_info()
            if info is None:
                return iter(range(11))
            assert info.dataset is self and info.num_workers == 3
            return iter(range(info.id, 11, info.num_workers))
    return Whole(), Sharded()


@pytest.mark.parametrize("kw", [dict(batch_size=2), dict(batch_size=2, drop_last=True), dict(batch_size=None),
                                dict(batch_size=3, num_workers=3), dict(batch_size=2, num_workers=2),
                                dict(batch_size=2, num_workers=3, drop_last=True), dict(batch_size=None, num_workers=2)])
def test_iterable_dataset_batches_as_torchs_workers_give_them(kw):
    # each worker iterates its own copy of the dataset (get_worker_info() names it) and batches
    # its own stream; the loader takes one batch from each worker in turn, skipping finished ones
    kw = dict(kw)
    workers = kw.pop("num_workers", 0)
    for rd, td in zip(_iterables(ramp), _iterables(torch)):
        n = workers if workers != 2 or not type(rd).__name__ == "Sharded" else 0  # Sharded wants 3 or none
        r = [b.tolist() if hasattr(b, "tolist") else b for b in DataLoader(rd, num_workers=n, **kw)]
        t = [b.tolist() if hasattr(b, "tolist") else b for b in tdata.DataLoader(td, num_workers=n, **kw)]
        assert r == t, (type(rd).__name__, n, r, t)
    assert ramp.utils.data.get_worker_info() is None


def test_worker_init_fn_runs_once_per_worker_in_that_worker():
    seen = []
    D = ramp.utils.data

    class Stream(D.IterableDataset):
        def __iter__(self):
            return iter([D.get_worker_info().id] * 2)
    loader = DataLoader(Stream(), batch_size=1, num_workers=2,
                        worker_init_fn=lambda i: seen.append((i, D.get_worker_info().id)))
    assert [b.tolist() for b in loader] == [[0], [1], [0], [1]]
    assert seen == [(0, 0), (1, 1)]


@pytest.mark.parametrize("kw", [dict(batch_size=2, num_workers=3), dict(batch_size=None, num_workers=2),
                                dict(batch_size=3, num_workers=0)])
def test_map_style_batches_are_fetched_in_torchs_workers(kw):
    def which(lib):
        D = lib.utils.data

        class Who(D.Dataset):
            def __len__(self):
                return 7

            def __getitem__(self, i):
                info = D.get_worker_info()
                return [i, -1 if info is None else info.id]
        return Who()
    r = [b[1].tolist() if kw["batch_size"] else b for b in DataLoader(which(ramp), **kw)]
    t = [b[1].tolist() if kw["batch_size"] else b for b in tdata.DataLoader(which(torch), **kw)]
    assert r == t
