"""ramp.utils.data against torch.utils.data 1.13: the same batches (values, dtypes, structure) for
unshuffled loaders, the same len(), errors and collation; shuffled loaders against their own
definition (each epoch is ramp.randperm of the generator, rows stay paired, nothing repeats)."""
import math

import numpy as np
import pytest

import ramp
from conftest import assert_values, to_ramp
from ramp.utils.data import DataLoader, Dataset, TensorDataset

torch = pytest.importorskip("torch")
tdata = pytest.importorskip("torch.utils.data")


def pair(n=23):
    g = torch.Generator().manual_seed(0)
    return torch.randn(n, 3, 2, generator=g), torch.arange(n)


def assert_batches(rb, tb):
    """Two collated batches have the same structure and values."""
    if isinstance(tb, torch.Tensor):
        assert_values(rb, tb)
    elif isinstance(tb, str):
        assert rb == tb
    elif isinstance(tb, dict):
        assert list(rb) == list(tb)
        for k in tb:
            assert_batches(rb[k], tb[k])
    else:
        assert type(rb) is type(tb) and len(rb) == len(tb), (type(rb), type(tb))
        for a, b in zip(rb, tb):
            assert_batches(a, b)


@pytest.mark.parametrize("batch_size", [1, 5, 23, 40])
@pytest.mark.parametrize("drop_last", [False, True])
def test_unshuffled_batches_equal_torchs(batch_size, drop_last):
    x, y = pair()
    r = DataLoader(TensorDataset(to_ramp(x), to_ramp(y)), batch_size=batch_size, drop_last=drop_last)
    t = tdata.DataLoader(tdata.TensorDataset(x, y), batch_size=batch_size, drop_last=drop_last)
    assert len(r) == len(t)
    rb, tb = list(r), list(t)
    assert len(rb) == len(tb) == len(t)
    for a, b in zip(rb, tb):
        assert_batches(a, b)


class Items(Dataset):
    """A map-style dataset of mixed items, built for both libraries from the same values."""

    def __init__(self, lib, x):
        self.lib, self.x = lib, x

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return {"x": self.x[i], "pair": (i, float(i) / 4), "flag": i % 2 == 0, "name": f"item{i}"}


def test_generic_datasets_collate_as_torch():
    x, _ = pair(9)
    r = DataLoader(Items(ramp, to_ramp(x)), batch_size=4)
    t = tdata.DataLoader(Items(torch, x), batch_size=4)
    assert len(r) == len(t)
    for a, b in zip(r, t):
        assert_batches(a, b)
    # numpy arrays are stacked into tensors, as torch's collate
    arrays = [np.arange(3, dtype=np.float32) + i for i in range(4)]
    assert_batches(ramp.utils.data.default_collate(arrays), tdata.default_collate(arrays))


def test_shuffled_epochs_follow_the_generator():
    x, y = pair()
    ds = TensorDataset(to_ramp(x), to_ramp(y))
    loader = DataLoader(ds, batch_size=5, shuffle=True, generator=ramp.Generator().manual_seed(7))
    reference = ramp.Generator().manual_seed(7)
    epochs = []
    for _ in range(3):
        order = ramp.randperm(23, generator=reference).tolist()
        labels = []
        for bx, by in loader:
            labels += by.tolist()
            assert_values(bx, x[torch.tensor(by.tolist())])  # rows stay with their labels
        assert labels == order
        epochs.append(labels)
    assert epochs[0] != epochs[1] != epochs[2]  # reshuffled every epoch
    assert sorted(epochs[0]) == list(range(23))
    # without a generator: ramp's global one, so manual_seed makes it reproducible
    ramp.manual_seed(5)
    first = [b[1].tolist() for b in DataLoader(ds, batch_size=4, shuffle=True)]
    ramp.manual_seed(5)
    assert first == [b[1].tolist() for b in DataLoader(ds, batch_size=4, shuffle=True)]


def test_errors_match_torch():
    x, y = pair()
    for bad in [0, -1, 1.5, True]:
        with pytest.raises(ValueError) as r:
            DataLoader(TensorDataset(to_ramp(x)), batch_size=bad)
        with pytest.raises(ValueError) as t:
            tdata.DataLoader(tdata.TensorDataset(x), batch_size=bad)
        assert str(r.value) == str(t.value)
    with pytest.raises(AssertionError) as r:
        TensorDataset(to_ramp(x), to_ramp(y[:3]))
    with pytest.raises(AssertionError) as t:
        tdata.TensorDataset(x, y[:3])
    assert str(r.value) == str(t.value)
    ds = TensorDataset(to_ramp(x), to_ramp(y))
    assert len(ds) == 23 and isinstance(ds[2], tuple)
    assert_values(ds[-1][0], x[-1])


@pytest.mark.skipif(not ramp.io.os.path.exists(ramp.io.FASHION_MNIST_ROOT), reason="dataset-fashion-mnist not installed")
def test_fashion_mnist_epoch():
    images, labels = ramp.io.load_fashion_mnist(train=False)
    loader = DataLoader(TensorDataset(images, labels), batch_size=1000, shuffle=True,
                        generator=ramp.Generator().manual_seed(0))
    counts = [0] * 10
    for x, y in loader:
        assert tuple(x.shape) == (1000, 1, 28, 28) and x.dtype == ramp.float32 and y.dtype == ramp.int64
        for label in y.tolist():
            counts[label] += 1
    assert counts == [1000] * 10 and len(loader) == math.ceil(10000 / 1000)


def test_torch_keyword_arguments():
    """torch's signature: loaders written for torch (num_workers, pin_memory, ...) run, in-process,
    with torch's batches; batch_size=None yields the items unbatched; torch's argument errors."""
    x, y = pair()
    for kwargs in [dict(batch_size=3, num_workers=1, pin_memory=True, persistent_workers=True, prefetch_factor=4),
                   dict(batch_size=None), dict(batch_size=4, drop_last=True, timeout=0, worker_init_fn=None)]:
        r = list(DataLoader(TensorDataset(to_ramp(x), to_ramp(y)), **kwargs))
        t = list(tdata.DataLoader(tdata.TensorDataset(x, y), **kwargs))
        assert len(r) == len(t) and type(r[0]) == type(t[0])
        for rb, tb in zip(r, t):
            for rt, tt in zip(rb, tb):
                assert_values(rt, tt)
    items = [np.arange(3.0) + i for i in range(4)]  # batch_size=None converts NumPy items, as torch
    assert [b.tolist() for b in DataLoader(items, batch_size=None)] == \
        [b.tolist() for b in tdata.DataLoader(items, batch_size=None)]
    for kwargs in [dict(num_workers=-1), dict(batch_size=None, drop_last=True), dict(timeout=-1)]:
        with pytest.raises(ValueError) as r:
            DataLoader(TensorDataset(to_ramp(x)), **kwargs)
        with pytest.raises(ValueError) as t:
            tdata.DataLoader(tdata.TensorDataset(x), **kwargs)
        assert str(r.value) == str(t.value)
    # samplers and batch samplers exist now: a plain list of indices is a sampler, as in torch
    assert [b[0].tolist() for b in DataLoader(TensorDataset(to_ramp(y)), sampler=[3, 1], batch_size=2)] == \
        [b[0].tolist() for b in tdata.DataLoader(tdata.TensorDataset(y), sampler=[3, 1], batch_size=2)]
