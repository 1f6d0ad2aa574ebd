"""scatter_reduce, index_reduce, masked_scatter and put against torch 1.13 on the same inputs: values,
dtypes, grad_fn names, gradients (vs torch and gradcheck) and errors."""
import pytest

import ramp
from conftest import assert_values, outcome, to_ramp

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.filterwarnings("ignore:.*is in beta")

DTYPES = ["float32", "float64", "bfloat16", "int64", "int32", "uint8", "int8", "bool"]
REDUCES = ["sum", "prod", "mean", "amax", "amin"]


def data(shape, dtype, seed=0, lo=-3, hi=4):
    g = torch.Generator().manual_seed(seed)
    if dtype == "bool":
        return torch.randint(0, 2, tuple(shape), generator=g) > 0
    if dtype == "uint8":
        lo = 0
    return torch.randint(lo, hi, tuple(shape), generator=g).to(getattr(torch, dtype))


def index(shape, n, seed=1):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, n, tuple(shape), generator=g)


def same(fr, ft, rtol=0.0):
    (r, er), (t, et) = outcome(fr), outcome(ft)
    assert er == et
    if t is not None:
        assert_values(r, t, rtol=rtol)
    return r, t


def node_name(y):
    return None if y.grad_fn is None else repr(y.grad_fn).split()[0][1:]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduce", REDUCES)
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce(dtype, reduce, include_self):
    if dtype == "bool" and reduce == "mean" and not include_self:
        pytest.skip("bool mean: 1.13 refuses it on some paths and answers on others; ramp refuses it")
    xt, st, it = data((4, 5), dtype), data((6, 5), dtype, 2), index((6, 5), 4)
    xr, sr, ir = to_ramp(xt), to_ramp(st), to_ramp(it)
    for dim, idx_t, idx_r in [(0, it, ir), (1, it[:, :3] % 5, ir[:, :3] % 5)]:
        same(lambda: ramp.scatter_reduce(xr, dim, idx_r, sr, reduce, include_self=include_self),
             lambda: torch.scatter_reduce(xt, dim, idx_t, st, reduce, include_self=include_self))
        yr, yt = xr.clone(), xt.clone()
        same(lambda: yr.scatter_reduce_(dim, idx_r, sr, reduce, include_self=include_self),
             lambda: yt.scatter_reduce_(dim, idx_t, st, reduce, include_self=include_self))
        assert_values(yr, yt)
    # a non-contiguous self and src
    same(lambda: ramp.scatter_reduce(xr.t(), 1, ir[:3, :4].t().contiguous(), sr.t(), reduce, include_self=include_self),
         lambda: torch.scatter_reduce(xt.t(), 1, it[:3, :4].t().contiguous(), st.t(), reduce, include_self=include_self))


def test_scatter_reduce_float_order_and_nan():
    g = torch.Generator().manual_seed(3)
    x, s = torch.randn(5, 3, generator=g), torch.randn(40, 3, generator=g)
    s[7, 1] = float("nan")
    i = index((40, 3), 5, 4)
    for reduce in REDUCES:
        same(lambda: ramp.scatter_reduce(to_ramp(x), 0, to_ramp(i), to_ramp(s), reduce),
             lambda: torch.scatter_reduce(x, 0, i, s, reduce))


@pytest.mark.parametrize("reduce", REDUCES)
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_grad(reduce, include_self):
    x0, s0 = torch.randn(4, 5, dtype=torch.float64), torch.randn(6, 5, dtype=torch.float64)
    x0[0, 0], s0[1, 1] = 0.0, 0.0  # prod's zero handling
    s0[2, 2] = x0[1, 2] = 5.0  # amax ties
    i0 = index((6, 5), 4)
    res = []
    for L, conv in [(ramp, to_ramp), (torch, lambda t: t.clone())]:
        x, s = conv(x0).requires_grad_(), conv(s0).requires_grad_()
        y = L.scatter_reduce(x, 0, conv(i0), s, reduce, include_self=include_self)
        y.backward(conv(torch.arange(20.0, dtype=torch.float64).reshape(4, 5)))
        res.append((node_name(y), x.grad, s.grad))
    assert res[0][0] == res[1][0] == "ScatterReduceBackward0"
    assert_values(res[0][1], res[1][1], rtol=1e-15)
    assert_values(res[0][2], res[1][2], rtol=1e-15)
    xs = (to_ramp(torch.rand(4, 5, dtype=torch.float64) + 0.5).requires_grad_(),
          to_ramp(torch.rand(6, 5, dtype=torch.float64) + 0.5).requires_grad_())
    assert ramp.autograd.gradcheck(lambda a, b: ramp.scatter_reduce(a, 0, to_ramp(i0), b, reduce,
                                                                    include_self=include_self), xs)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_index_reduce(dtype, reduce, include_self):
    if dtype == "bool" and reduce == "mean" and include_self:
        pytest.skip("1.13's n-d path divides bool by the counts with tensor ops: refused here, its results vary")
    xt, st = data((4, 5), dtype), data((4, 7), dtype, 2)
    it = index((7,), 5)
    xr, sr, ir = to_ramp(xt), to_ramp(st), to_ramp(it)
    same(lambda: ramp.index_reduce(xr, 1, ir, sr, reduce, include_self=include_self),
         lambda: torch.index_reduce(xt, 1, it, st, reduce, include_self=include_self))
    same(lambda: xr.clone().index_reduce_(0, ir[:4] % 4, sr[:, :5], reduce, include_self=include_self),
         lambda: xt.clone().index_reduce_(0, it[:4] % 4, st[:, :5], reduce, include_self=include_self))


@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
def test_index_reduce_grad(reduce):
    x0, s0 = torch.randn(4, 5, dtype=torch.float64), torch.randn(4, 7, dtype=torch.float64)
    i0 = index((7,), 5)
    res = []
    for L, conv in [(ramp, to_ramp), (torch, lambda t: t.clone())]:
        x, s = conv(x0).requires_grad_(), conv(s0).requires_grad_()
        y = L.index_reduce(x, 1, conv(i0), s, reduce, include_self=False)
        y.backward(conv(torch.arange(20.0, dtype=torch.float64).reshape(4, 5)))
        res.append((node_name(y), x.grad, s.grad))
    assert res[0][0] == res[1][0] == "IndexReduceBackward0"
    assert_values(res[0][1], res[1][1], rtol=1e-15)
    assert_values(res[0][2], res[1][2], rtol=1e-15)


@pytest.mark.parametrize("call", [
    lambda L, x, i, s: L.scatter_reduce(x, 0, i, s, "foo"),
    lambda L, x, i, s: L.scatter_reduce(x, 0, i.int(), s, "sum"),
    lambda L, x, i, s: L.scatter_reduce(x, 0, i, s.double(), "sum"),
    lambda L, x, i, s: L.scatter_reduce(x, 0, i + 10, s, "sum"),
    lambda L, x, i, s: L.index_reduce(x, 0, i[:, 0], s, "sum"),
    lambda L, x, i, s: L.index_reduce(x, 0, i[:3, 0], s, "prod"),
    lambda L, x, i, s: L.index_reduce(x, 0, i, s, "prod"),
    lambda L, x, i, s: L.index_reduce(x > 0, 0, i[:, 0] % 4, s > 0, "prod")])
def test_reduce_errors(call):
    xt, st, it = data((4, 5), "float32"), data((6, 5), "float32", 2), index((6, 5), 4)
    same(lambda: call(ramp, to_ramp(xt), to_ramp(it), to_ramp(st)), lambda: call(torch, xt, it, st))


# ---- masked_scatter ----
@pytest.mark.parametrize("dtype", DTYPES)
def test_masked_scatter(dtype):
    xt, st = data((3, 4), dtype), data((13,), dtype, 2)
    mt = data((3, 4), "bool", 3)
    xr, sr, mr = to_ramp(xt), to_ramp(st), to_ramp(mt)
    same(lambda: ramp.masked_scatter(xr, mr, sr), lambda: torch.masked_scatter(xt, mt, st))
    same(lambda: xr.masked_scatter(mr[0], sr), lambda: xt.masked_scatter(mt[0], st))
    same(lambda: xr[:1].masked_scatter(mr, sr), lambda: xt[:1].masked_scatter(mt, st))  # self broadcast
    # in place into a transposed self: 1.13 fills in memory order
    same(lambda: to_ramp(xt.t().contiguous()).t().masked_scatter_(mr, sr),
         lambda: xt.t().contiguous().t().masked_scatter_(mt, st))


def test_masked_scatter_grad_and_errors():
    x0, s0, m0 = torch.randn(3, 4, dtype=torch.float64), torch.randn(2, 7, dtype=torch.float64), data((4,), "bool", 5)
    res = []
    for L, conv in [(ramp, to_ramp), (torch, lambda t: t.clone())]:
        x, s = conv(x0).requires_grad_(), conv(s0).requires_grad_()
        y = L.masked_scatter(x, conv(m0), s)
        y.backward(conv(torch.arange(12.0, dtype=torch.float64).reshape(3, 4)))
        res.append((node_name(y), x.grad, s.grad))
        res.append(outcome(lambda: L.masked_scatter(conv(x0), conv(m0) | True, conv(s0)[0, :2]))[1])
        res.append(outcome(lambda: L.masked_scatter(conv(x0), conv(m0), conv(s0).float()))[1])
    assert res[0][0] == res[3][0] == "MaskedScatterBackward0"
    assert_values(res[0][1], res[3][1])
    assert_values(res[0][2], res[3][2])
    assert res[1:3] == res[4:6]


# ---- put / put_ ----
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("accumulate", [False, True])
def test_put(dtype, accumulate):
    xt, st = data((3, 4), dtype), data((2, 3), dtype, 2)
    it = torch.tensor([[0, -1, 5], [11, 5, 2]]) if accumulate else torch.tensor([[0, -1, 5], [11, 6, 2]])
    xr, sr, ir = to_ramp(xt), to_ramp(st), to_ramp(it)
    same(lambda: ramp.put(xr, ir, sr, accumulate), lambda: torch.put(xt, it, st, accumulate))
    same(lambda: xr.t().clone().put_(ir, sr, accumulate=accumulate),
         lambda: xt.t().clone().put_(it, st, accumulate=accumulate))
    y = xr.t()  # a non-contiguous self written in place
    yt = xt.clone().t()
    y = to_ramp(xt.clone()).t()
    y.put_(ir, sr, accumulate)
    yt.put_(it, st, accumulate)
    assert_values(y, yt)


@pytest.mark.parametrize("accumulate", [False, True])
def test_put_grad_and_errors(accumulate):
    x0, s0 = torch.randn(3, 4, dtype=torch.float64), torch.randn(3, dtype=torch.float64)
    i0 = torch.tensor([1, 7, 1]) if accumulate else torch.tensor([1, 7, 2])
    res = []
    for L, conv in [(ramp, to_ramp), (torch, lambda t: t.clone())]:
        x, s = conv(x0).requires_grad_(), conv(s0).requires_grad_()
        y = x.put(conv(i0), s, accumulate)
        y.backward(conv(torch.arange(12.0, dtype=torch.float64).reshape(3, 4)))
        res.append((node_name(y), x.grad, s.grad))
        res.append([outcome(f)[1] for f in (lambda: conv(x0).put(conv(i0)[:2], conv(s0)),
                                            lambda: conv(x0).put(conv(i0) + 20, conv(s0)),
                                            lambda: conv(x0).put(conv(i0), conv(s0).float()))])
    assert res[0][0] == res[2][0] == "PutBackward0"
    assert_values(res[0][1], res[2][1])
    assert_values(res[0][2], res[2][2])
    assert res[1] == res[3]
