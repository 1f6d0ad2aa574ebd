"""unique, unique_consecutive, searchsorted and bucketize against torch 1.13 on the same inputs: values,
order (1.13's hash order when unsorted), inverse and counts, dtypes, grad_fn names and errors."""
import pytest

import ramp
from conftest import assert_values, outcome, to_ramp

torch = pytest.importorskip("torch")

DTYPES = ["float32", "float64", "bfloat16", "int64", "int32", "uint8", "int8", "bool"]


def data(shape, dtype, seed=0, hi=6, nan=False):
    g = torch.Generator().manual_seed(seed)
    x = torch.randint(0, hi, tuple(shape), generator=g)
    if dtype == "bool":
        return x > hi // 2
    x = x.to(getattr(torch, dtype))
    if nan and x.is_floating_point():
        x[torch.rand(tuple(shape), generator=g) < 0.2] = float("nan")
    return x


def same(fr, ft):
    (r, er), (t, et) = outcome(fr), outcome(ft)
    assert er == et
    if t is None:
        return
    if isinstance(t, tuple):
        assert isinstance(r, tuple) and len(r) == len(t)
        for a, b in zip(r, t):
            assert_values(a, b)
    else:
        assert_values(r, t)


FLAGS = [dict(), dict(return_inverse=True), dict(return_counts=True), dict(return_inverse=True, return_counts=True)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("flags", FLAGS)
@pytest.mark.parametrize("sorted_", [True, False])
def test_unique(dtype, flags, sorted_):
    for shape, hi, nan in [((5, 7), 6, False), ((40,), 1000, False), ((3, 4), 4, True), ((0,), 3, False)]:
        xt = data(shape, dtype, hi=hi, nan=nan)
        xr = to_ramp(xt)
        same(lambda: ramp.unique(xr, sorted=sorted_, **flags), lambda: torch.unique(xt, sorted=sorted_, **flags))
        same(lambda: xr.unique(sorted_, **flags), lambda: xt.unique(sorted_, **flags))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("flags", FLAGS)
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_unique_dim(dtype, flags, dim):
    xt = data((6, 5, 2), dtype, 1, hi=2)
    xr = to_ramp(xt)
    same(lambda: ramp.unique(xr, dim=dim, **flags), lambda: torch.unique(xt, dim=dim, **flags))
    same(lambda: ramp.unique_consecutive(xr, dim=dim, **flags), lambda: torch.unique_consecutive(xt, dim=dim, **flags))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("flags", FLAGS)
def test_unique_consecutive(dtype, flags):
    for shape, nan in [((4, 9), False), ((20,), True), ((0,), False)]:
        xt = data(shape, dtype, 2, hi=3, nan=nan)
        xr = to_ramp(xt)
        same(lambda: ramp.unique_consecutive(xr, **flags), lambda: torch.unique_consecutive(xt, **flags))
        same(lambda: xr.unique_consecutive(**flags), lambda: xt.unique_consecutive(**flags))
    nan_first = torch.tensor([float("nan"), float("nan"), 1.0, 1.0])
    same(lambda: ramp.unique_consecutive(to_ramp(nan_first), **flags), lambda: torch.unique_consecutive(nan_first, **flags))


@pytest.mark.parametrize("call", [
    lambda L, x: L.unique(x.reshape(3, 0), dim=0), lambda L, x: L.unique(x.reshape(0, 3), dim=0, return_counts=True),
    lambda L, x: L.unique(L.tensor(3.0), dim=0), lambda L, x: L.unique(x.reshape(3, 0), dim=2),
    lambda L, x: L.unique(L.tensor(3.0), return_inverse=True, return_counts=True),
    lambda L, x: L.unique_consecutive(L.tensor([[1, 2], [1, 2], [0, 5], [1, 2]]), dim=0, return_counts=True)])
def test_unique_edges(call):
    same(lambda: call(ramp, ramp.zeros(0)), lambda: call(torch, torch.zeros(0)))


def test_unique_noncontiguous_and_graph():
    xt = data((6, 8), "float64", 3).t()[::2]
    xr = to_ramp(xt.contiguous()).t().contiguous().t()
    same(lambda: ramp.unique(xr, return_inverse=True), lambda: torch.unique(xt, return_inverse=True))
    res = []
    for L, conv in [(ramp, to_ramp), (torch, lambda t: t.clone())]:
        x = conv(xt.contiguous()).requires_grad_()
        names = [repr(f(x).grad_fn).split()[0][1:] for f in
                 (lambda a: L.unique(a), lambda a: L.unique(a, dim=0), lambda a: L.unique_consecutive(a))]
        res.append((names, outcome(lambda: L.unique(x).sum().backward())[1]))
    assert res[0] == res[1]


# ---- searchsorted / bucketize ----
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kw", [{}, {"right": True}, {"side": "right"}, {"side": "left"}, {"out_int32": True}])
def test_searchsorted(dtype, kw):
    g = torch.Generator().manual_seed(4)
    seq = torch.sort(torch.randint(0, 20, (3, 8), generator=g), dim=1).values.to(getattr(torch, dtype))
    v = torch.randint(-2, 22, (3, 5), generator=g).to(getattr(torch, dtype))
    sr, vr = to_ramp(seq), to_ramp(v)
    same(lambda: ramp.searchsorted(sr, vr, **kw), lambda: torch.searchsorted(seq, v, **kw))
    same(lambda: ramp.searchsorted(sr[0], vr, **kw), lambda: torch.searchsorted(seq[0], v, **kw))
    same(lambda: ramp.searchsorted(sr[1], 7, **kw), lambda: torch.searchsorted(seq[1], 7, **kw))
    same(lambda: ramp.searchsorted(sr.t().contiguous().t(), vr.t().contiguous().t(), **kw),
         lambda: torch.searchsorted(seq, v, **kw))
    bkw = {k: a for k, a in kw.items() if k != "side"}
    same(lambda: ramp.bucketize(vr, sr[2], **bkw), lambda: torch.bucketize(v, seq[2], **bkw))
    same(lambda: ramp.bucketize(3, sr[2], **bkw), lambda: torch.bucketize(3, seq[2], **bkw))


def test_searchsorted_sorter_nan_mixed():
    g = torch.Generator().manual_seed(5)
    seq = torch.randn(2, 9, generator=g, dtype=torch.float64)
    sorter = torch.argsort(seq, dim=1)
    v = torch.randn(2, 4, generator=g, dtype=torch.float64)
    same(lambda: ramp.searchsorted(to_ramp(seq), to_ramp(v), sorter=to_ramp(sorter)),
         lambda: torch.searchsorted(seq, v, sorter=sorter))
    nanseq = torch.tensor([1.0, 2.0, float("nan")])
    nv = torch.tensor([float("nan"), 2.0, 0.5])
    same(lambda: ramp.searchsorted(to_ramp(nanseq), to_ramp(nv)), lambda: torch.searchsorted(nanseq, nv))
    same(lambda: ramp.searchsorted(ramp.tensor([1, 3, 5, 7]), ramp.tensor([4.5, 3.0])),
         lambda: torch.searchsorted(torch.tensor([1, 3, 5, 7]), torch.tensor([4.5, 3.0])))


@pytest.mark.parametrize("call", [
    lambda L: L.searchsorted(L.tensor([1, 3]), L.tensor([2]), side="left", right=True),
    lambda L: L.searchsorted(L.tensor([1, 3]), L.tensor([2]), side="foo"),
    lambda L: L.searchsorted(L.tensor([[1, 3], [2, 4]]), L.tensor([[2, 3, 4]])),
    lambda L: L.searchsorted(L.tensor([[1, 3], [2, 4]]), 3),
    lambda L: L.searchsorted(L.tensor([1, 3]), L.tensor([2]), sorter=L.tensor([0, 1, 2])),
    lambda L: L.searchsorted(L.tensor([True, False]), L.tensor([True])),
    lambda L: L.bucketize(L.tensor([4]), L.tensor([[1, 3, 5, 7]])),
    lambda L: L.searchsorted(L.tensor([1, 3]), L.tensor([2]), sorter=L.tensor([0, 1], dtype=L.int32))])
def test_search_errors(call):
    same(lambda: call(ramp), lambda: call(torch))
