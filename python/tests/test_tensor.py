"""ramp.Tensor against torch.Tensor: construction, printing, indexing, arithmetic, reductions, views,
factories, threads and memory statistics."""
import math

import numpy as np
import pytest

import ramp
from conftest import assert_values, outcome, to_numpy

torch = pytest.importorskip("torch")


def both(fn):
    """fn run on ramp and on torch: ((ramp result, error), (torch result, error))."""
    return outcome(fn, ramp), outcome(fn, torch)


def assert_same(fn, rtol=0.0):
    """fn(lib) gives equal tensors (values, dtype, shape, strides) or the same error in both libraries."""
    (r, r_err), (t, t_err) = both(fn)
    assert r_err == t_err
    if t_err is None:
        for a, b in zip(r, t) if isinstance(t, tuple) else [(r, t)]:
            assert_values(a, b, rtol, rtol)
            assert a.stride() == b.stride() and a.storage_offset() == b.storage_offset()


DATA = [1.5, -2, [1, 2], [1.0, 2], [True, False], [[1, 2], [3, 4]], [[1.5], [2.5]], [], [[]], 3, True,
        [[1, 2], [3]], [1, [2]], [2 ** 40, -5], [[True, 2]], [1e300], ((1, 2), (3, 4)), range(3), range(0),
        [range(2), range(2, 4)]]


@pytest.mark.parametrize("data", DATA, ids=repr)
def test_tensor_from_data(data):
    assert_same(lambda L: L.tensor(data))
    for dt in ("float64", "int32", "bfloat16", "uint8"):
        assert_same(lambda L: L.tensor(data, dtype=getattr(L, dt)))


def test_tensor_from_numpy_and_scalars():
    for a in [np.arange(6, dtype=np.float64).reshape(2, 3), np.arange(4, dtype=np.int32), np.array([True]),
              np.arange(6.0, dtype=np.float32).reshape(2, 3).T, np.arange(5.0)[::-2], np.float64(2.5)]:
        assert_same(lambda L: L.tensor(a))
    a = np.zeros(3, dtype=np.float32)
    r = ramp.tensor(a)
    r[0] = 5  # ramp.tensor copies
    assert a[0] == 0
    assert_same(lambda L: L.tensor([L.tensor(1.0), L.tensor(2.0)]))
    assert outcome(lambda: ramp.tensor(np.zeros(2, np.uint16)))[1][0] == "TypeError"
    assert outcome(lambda: ramp.tensor("a"))[1] == ("TypeError", "new(): invalid data type 'str'")


PRINTED = [
    lambda L: L.tensor([-1.0, 0.0, 1.0, 2.0]).relu(),
    lambda L: L.tensor([-1.0, 0.0, 1.0, 2.0]),
    lambda L: L.tensor([-3, 0, 5]).relu(),
    lambda L: L.tensor([-3, 0, 5], dtype=L.int32),
    lambda L: L.tensor([1, 200], dtype=L.uint8),
    lambda L: L.tensor([True, False]),
    lambda L: L.tensor([[-1.5, 2.25], [0.0, 3.0]]).relu(),
    lambda L: L.tensor([0.31234567, 0.43159]),
    lambda L: L.tensor(3.5) / L.tensor(3),
    lambda L: L.tensor(3),
    lambda L: L.tensor([]),
    lambda L: L.tensor([], dtype=L.int64),
    lambda L: L.empty(2, 0),
    lambda L: L.tensor([-0.0, 0.0]),
    lambda L: L.relu(L.tensor([-0.0, 1.5])),
    lambda L: L.tensor([math.nan, math.inf, -math.inf, 1.5]),
    lambda L: L.tensor([0.5, 1.0], dtype=L.float64),
    lambda L: L.tensor([0.5, 1.0], dtype=L.bfloat16),
    lambda L: L.tensor([1, 10 ** 12]),
    lambda L: L.tensor([1e-5, 1.0, 1e5]),
    lambda L: L.tensor([1.0, 1e8]),
    lambda L: L.tensor([0.0001, 0.5]),
    lambda L: L.full((3,), 123456.0),
    lambda L: L.arange(1001.0).relu(),
    lambda L: L.arange(2000),
    lambda L: L.linspace(0, 1, 2000),
    lambda L: L.arange(8.0).reshape(2, 2, 2),
    lambda L: L.arange(20.0) * 1.5,
    lambda L: L.arange(10000.0).reshape(100, 100),
    lambda L: L.arange(12.0).reshape(3, 4).t(),
    lambda L: L.arange(60.0).reshape(3, 4, 5)[:, ::2, 1:],
]


@pytest.mark.parametrize("i", range(len(PRINTED)))
def test_print_matches_torch(i):
    r, t = PRINTED[i](ramp), PRINTED[i](torch)
    assert str(r) == str(t).replace("torch.", "ramp.")
    assert repr(r) == repr(t).replace("torch.", "ramp.")


def test_printoptions(restore_printoptions):
    x = lambda L: L.tensor([1.123456789, 2e-3, 3.0]) * L.arange(1.0, 4.0)  # noqa: E731
    for kw in [dict(precision=2), dict(sci_mode=True), dict(sci_mode=False), dict(threshold=5, edgeitems=1),
               dict(linewidth=30), dict(profile="full"), dict(profile="short"), dict(profile="default")]:
        ramp.set_printoptions(**kw)
        torch.set_printoptions(**kw)
        for big in (False, True):
            make = (lambda L: L.arange(2000.0) / 3) if big else x
            assert str(make(ramp)) == str(make(torch)), kw
    ramp.set_printoptions(sci_mode=True)
    ramp.set_printoptions(precision=3)  # like PyTorch, resets sci_mode to automatic
    torch.set_printoptions(precision=3)
    assert str(x(ramp)) == str(x(torch))


INDEXES = [0, -1, (1, 2), (slice(None), slice(None, None, 2)), (Ellipsis, 0), None, (None, 1),
           (slice(1, None), None, slice(None, None, 3)), (1, Ellipsis, None), slice(-2, None), (0, 0, 0),
           (slice(5, 1),), 7, (0, 0, 0, 0), 1.5, (slice(None, None, -1),), ()]


@pytest.mark.parametrize("index", INDEXES, ids=repr)
def test_indexing(index):
    assert_same(lambda L: L.arange(60.0).reshape(3, 4, 5)[index])


def test_setitem_and_views_share_storage():
    def edit(L):
        x = L.zeros(3, 4)
        x[0] = 1.0
        x[1, ::2] = L.tensor([5.0, 6.0])
        x[..., -1] = 7
        x[2][1] = L.tensor(-1.0)
        v = x.t()
        v[0] = 9.0
        x[:, 2] += 100
        return x
    assert_same(edit)
    x = ramp.zeros(3)
    before = x._version
    x[1] = 2.0
    assert x._version == before + 1


ARITH = [
    lambda L: L.tensor([1.0, 2.0]) + L.tensor([[10.0], [20.0]]),
    lambda L: L.tensor([1.0, 2.0]) - 3,
    lambda L: 3 - L.tensor([1.0, 2.0]),
    lambda L: 2.5 * L.tensor([1, 2]),
    lambda L: L.tensor([1, 2]) / 2,
    lambda L: 1 / L.tensor([1.0, 0.0, -0.0]),
    lambda L: L.tensor([1, 2]) * L.tensor([1.5, 2.0], dtype=L.float64),
    lambda L: L.tensor([True]) + 1,
    lambda L: L.tensor([1], dtype=L.int8) + L.tensor([1], dtype=L.int64),
    lambda L: -L.tensor([1.0, -0.0]),
    lambda L: L.tensor([1.0, 2.0], dtype=L.bfloat16) * 3,
    lambda L: L.tensor([1.0, 2.0]) + L.tensor([1.0, 2.0, 3.0]),
]


@pytest.mark.parametrize("i", range(len(ARITH)))
def test_arithmetic(i):
    assert_same(ARITH[i])


def test_inplace_arithmetic_keeps_identity():
    for op in ("__iadd__", "__isub__", "__imul__", "__itruediv__"):
        x = ramp.tensor([1.0, 2.0])
        y = x
        y = getattr(y, op)(2)
        assert y is x
    x = ramp.tensor([1.0, 2.0])
    x += ramp.tensor([1.0, 1.0])
    x *= 3
    assert x.tolist() == [6.0, 9.0]


REDUCTIONS = [
    lambda L: L.arange(12.0).reshape(3, 4).sum(),
    lambda L: L.arange(12.0).reshape(3, 4).sum(1),
    lambda L: L.arange(12.0).reshape(3, 4).sum(dim=(0, 1), keepdim=True),
    lambda L: L.arange(12).reshape(3, 4).sum(0),
    lambda L: L.arange(12.0).reshape(3, 4).mean(0, keepdim=True),
    lambda L: L.arange(12.0).reshape(3, 4).t().mean(-1),
    lambda L: L.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]]).max(),
    lambda L: tuple(L.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]]).max(1)),
    lambda L: tuple(L.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]]).max(dim=0, keepdim=True)),
    lambda L: L.tensor([1, 2]).mean(),
]


@pytest.mark.parametrize("i", range(len(REDUCTIONS)))
def test_reductions(i):
    assert_same(REDUCTIONS[i])


SHAPES = [
    lambda L: L.arange(6.0).view(2, 3),
    lambda L: L.arange(6.0).view((3, 2)).t(),
    lambda L: L.arange(6.0).view(-1, 2).transpose(0, 1).contiguous(),
    lambda L: L.arange(24.0).reshape(2, 3, 4).permute(2, 0, 1),
    lambda L: L.arange(24.0).reshape(2, 3, 4).permute(2, 0, 1).reshape(4, 6),
    lambda L: L.arange(6.0).view(2, 3).t().view(6),
    lambda L: L.arange(3.0).expand(2, 3),
    lambda L: L.arange(3.0).view(3, 1).expand(-1, 4),
    lambda L: L.zeros(1, 3, 1).squeeze(),
    lambda L: L.zeros(1, 3, 1).squeeze(0),
    lambda L: L.zeros(3).unsqueeze(-1),
    lambda L: L.arange(6.0).view(2, 3).t().clone(),
    lambda L: L.arange(6.0).view(2, 3).to(L.float64),
    lambda L: L.tensor([1.7, -1.7]).to(L.int32),
    lambda L: L.tensor([1.7, -1.7]).long(),
    lambda L: L.zeros(2).view(3),
]


@pytest.mark.parametrize("i", range(len(SHAPES)))
def test_shape_ops(i):
    assert_same(SHAPES[i])


def test_tensor_queries():
    r, t = ramp.arange(24.0).reshape(2, 3, 4), torch.arange(24.0).reshape(2, 3, 4)
    assert repr(r.shape) == "ramp.Size([2, 3, 4])" and r.shape == t.shape and r.size() == (2, 3, 4)
    assert r.size(1) == 3 and r.size(-1) == 4 and r.stride() == t.stride() and r.stride(0) == 12
    assert (r.dim(), r.ndim, r.numel(), len(r), r.element_size()) == (3, 3, 24, 2, 4)
    assert r.dtype is ramp.float32 and r.is_contiguous() and not r.transpose(0, 2).is_contiguous()
    assert [x.tolist() for x in r] == [x.tolist() for x in t]
    assert r.tolist() == t.tolist() and r[1, 2, 3].item() == 23.0
    assert type(ramp.tensor([1]).item()) is int and type(ramp.tensor([True]).item()) is bool
    assert ramp.tensor([1, 2], dtype=ramp.int8).element_size() == 1
    assert r.data_ptr() == r[0].data_ptr() and r[1].data_ptr() == r.data_ptr() + 12 * 4
    assert float(ramp.tensor(2.5)) == 2.5 and int(ramp.tensor(3)) == 3
    for fn in (lambda L: len(L.tensor(1.0)), lambda L: iter(L.tensor(1.0)), lambda L: bool(L.zeros(2)),
               lambda L: L.zeros(2).item()):
        (_, r_err), (_, t_err) = both(fn)
        assert r_err == t_err and r_err is not None


def test_dtypes_and_aliases():
    names = ["float32", "float64", "bfloat16", "int8", "uint8", "int32", "int64", "bool"]
    assert [repr(getattr(ramp, n)) for n in names] == [f"ramp.{n}" for n in names]
    assert (ramp.float, ramp.double, ramp.long, ramp.int) == (ramp.float32, ramp.float64, ramp.int64, ramp.int32)
    assert ramp.zeros(1, dtype=ramp.float64).dtype is ramp.float64


FACTORIES = [
    lambda L: L.zeros(2, 3), lambda L: L.zeros((2, 3)), lambda L: L.zeros([4], dtype=L.int32),
    lambda L: L.ones(3, dtype=L.bfloat16), lambda L: L.empty(0, 2).shape, lambda L: L.full((2,), 7),
    lambda L: L.full((2, 2), 1.5), lambda L: L.full((1,), True), lambda L: L.arange(5), lambda L: L.arange(1, 4, 0.5),
    lambda L: L.arange(5.0, dtype=L.float64), lambda L: L.linspace(0, 1, 1), lambda L: L.linspace(2, 3, 0),
    lambda L: L.linspace(-1, 1, 5, dtype=L.float64),
    lambda L: L.zeros_like(L.ones(2, 3).t()), lambda L: L.ones_like(L.zeros(2, dtype=L.int32)),
    lambda L: L.zeros(-1), lambda L: L.rand(3).shape, lambda L: L.randn(2, 3).shape,
]


@pytest.mark.parametrize("i", range(len(FACTORIES)))
def test_factories(i):
    (r, r_err), (t, t_err) = both(FACTORIES[i])
    assert r_err == t_err
    if isinstance(t, torch.Size):
        assert r == t and isinstance(r, ramp.Size)
    elif t is not None:
        assert_values(r, t)
        assert r.stride() == t.stride()


def test_linspace_within_an_ulp():
    """ramp's core computes linspace in double and rounds once; PyTorch steps in float32 (1 ulp apart)."""
    for args in [(-1, 1, 7), (0, 1, 2000), (3.5, -2.25, 33)]:
        assert_values(ramp.linspace(*args), torch.linspace(*args), 2.0 ** -23, 2.0 ** -23)


def test_random():
    ramp.manual_seed(7)
    a, b = ramp.rand(1000), ramp.randn(1000)
    ramp.manual_seed(7)
    assert ramp.rand(1000).tolist() == a.tolist() and ramp.randn(1000).tolist() == b.tolist()
    u, n = to_numpy(a), to_numpy(b)
    assert u.min() >= 0 and u.max() < 1 and abs(u.mean() - 0.5) < 0.05
    assert abs(n.mean()) < 0.1 and abs(n.std() - 1) < 0.1
    assert ramp.rand(2, dtype=ramp.float64).dtype is ramp.float64


def test_threads_and_memory():
    n = ramp.get_num_threads()
    ramp.set_num_threads(1)
    assert ramp.get_num_threads() == 1
    ramp.set_num_threads(n)
    stats = ramp.memory.stats()
    assert set(stats) == {"allocated", "cached", "peak_allocated", "num_allocs", "cache_hits"}
    x = ramp.empty(1 << 20)
    after = ramp.memory.stats()
    assert after["num_allocs"] > stats["num_allocs"] and after["allocated"] >= stats["allocated"] + (4 << 20)
    del x
    ramp.memory.reset_peak_stats()
    ramp.memory.empty_cache()
    s = ramp.memory.stats()
    assert s["cached"] == 0 and s["peak_allocated"] == s["allocated"]
