"""median, nanmedian, mode, aminmax, sgn, pow_ and float_power against torch 1.13 on the same inputs:
values, dtypes, shapes, the indices picked among ties, named results, grad_fn names, gradients
(vs torch and gradcheck) and errors."""
import numpy as np
import pytest

import ramp
from conftest import assert_values, outcome, to_ramp

torch = pytest.importorskip("torch")

DTYPES = ["float32", "float64", "bfloat16", "int64", "int32", "uint8", "int8", "bool"]


def data(shape, dtype, seed=0, nan=False):
    """Small integers (many ties) in the dtype; NaNs sprinkled in for floating dtypes when `nan`."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randint(0, 5, tuple(shape), generator=g)
    if dtype == "bool":
        return x > 2
    x = x.to(getattr(torch, dtype))
    if nan and x.is_floating_point():
        x[torch.rand(tuple(shape), generator=g) < 0.2] = float("nan")
    return x


def node_name(y):
    return None if y.grad_fn is None else repr(y.grad_fn).split()[0][1:]


def same_outcome(fr, ft):
    """Both raise the same exception type and text, or both return: then the results."""
    (r, er), (t, et) = outcome(fr), outcome(ft)
    assert er == et
    return r, t


def assert_named(r, t, fields):
    assert type(r).__name__ == type(t).__name__ and type(r).__module__ == "ramp.return_types"
    for f in fields:
        assert_values(getattr(r, f), getattr(t, f))


# ---- median / nanmedian / mode by dim: values and the index 1.13 picks ----
CASES = [((4, 7), 1, False), ((4, 7), 0, True), ((3, 4, 5), -2, False), ((6,), 0, True), ((2, 33), 1, False),
         ((5, 40), -1, True)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", ["median", "nanmedian", "mode"])
@pytest.mark.parametrize("shape,dim,keepdim", CASES)
def test_by_dim(op, dtype, shape, dim, keepdim):
    xt = data(shape, dtype, nan=op != "mode")
    xr = to_ramp(xt)
    r, t = same_outcome(lambda: getattr(ramp, op)(xr, dim, keepdim), lambda: getattr(torch, op)(xt, dim, keepdim))
    if t is not None:
        assert_named(r, t, ["values", "indices"])
        assert_named(getattr(xr, op)(dim=dim, keepdim=keepdim), t, ["values", "indices"])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", ["median", "nanmedian"])
def test_all(op, dtype):
    for seed, nan in [(0, False), (1, True), (2, False)]:
        xt = data((5, 6), dtype, seed, nan)
        r, t = same_outcome(lambda: getattr(ramp, op)(to_ramp(xt)), lambda: getattr(torch, op)(xt))
        if t is not None:
            assert_values(r, t)


def test_noncontiguous_and_special():
    xt = data((6, 8), "float64", 3, nan=True).t()[::2]  # non-contiguous
    xr = to_ramp(xt.contiguous()).t().contiguous().t()
    for op in ["median", "nanmedian", "mode"]:
        for dim in [0, 1]:
            assert_named(getattr(ramp, op)(xr, dim), getattr(torch, op)(xt, dim), ["values", "indices"])
    nan3 = torch.full((3, 7), float("nan"))
    assert_named(ramp.nanmedian(to_ramp(nan3), 1), torch.nanmedian(nan3, 1), ["values", "indices"])
    for x in [torch.tensor(3.0), torch.tensor(5)]:
        for op in ["median", "mode"]:
            assert_named(getattr(ramp, op)(to_ramp(x), 0), getattr(torch, op)(x, 0), ["values", "indices"])
    for dtype in DTYPES[:-1]:
        e = torch.tensor([], dtype=getattr(torch, dtype))
        assert_values(ramp.median(to_ramp(e)), torch.median(e))
        assert_values(ramp.nanmedian(to_ramp(e)), torch.nanmedian(e))


@pytest.mark.parametrize("call", [
    lambda L, x: L.median(x.reshape(2, 0), 1), lambda L, x: L.mode(x.reshape(2, 0), 1),
    lambda L, x: L.median(x.reshape(0, 2), 1), lambda L, x: L.mode(x, 0), lambda L, x: L.median(x.reshape(0, 2), 5),
    lambda L, x: L.aminmax(x), lambda L, x: L.aminmax(x.reshape(2, 0), dim=1),
    lambda L, x: L.aminmax(x.reshape(0, 2), dim=1), lambda L, x: L.median(L.tensor([True])),
    lambda L, x: L.median(L.tensor([[True]]), 0)])
def test_errors_and_empty(call):
    r, t = same_outcome(lambda: call(ramp, ramp.zeros(0)), lambda: call(torch, torch.zeros(0)))
    if t is not None:
        for a, b in zip(r, t):
            assert_values(a, b)


# ---- gradients ----
def grad_of(L, op, x0, *args):
    x = (to_ramp(x0) if L is ramp else x0.clone()).requires_grad_()
    y = getattr(L, op)(x, *args)
    v = y if not isinstance(y, tuple) else y[0]
    w = (to_ramp if L is ramp else lambda t: t)(torch.arange(1.0, v.numel() + 1, dtype=x0.dtype).reshape(v.shape))
    v.backward(w)
    # torch's zero gradients may be lazy ZeroTensors, whose .numpy() reads no values: materialize.
    return node_name(v), x.grad if L is ramp else torch.zeros_like(x.grad).add_(x.grad)


@pytest.mark.parametrize("op,args", [("median", ()), ("nanmedian", ()), ("median", (1,)), ("nanmedian", (0, True)),
                                     ("mode", (1,)), ("mode", (0, True)), ("sgn", ()), ("float_power", (3,))])
def test_grads(op, args):
    for nan in [False, True]:
        x0 = data((4, 5), "float64", 4, nan=nan)
        (nr, gr), (nt, gt) = grad_of(ramp, op, x0, *args), grad_of(torch, op, x0, *args)
        assert nr == nt
        assert_values(gr, gt)


@pytest.mark.parametrize("op,args", [("median", (1,)), ("nanmedian", (0, True)), ("mode", (1,)), ("median", ()),
                                     ("float_power", (2.5,))])
def test_gradcheck(op, args):
    g = torch.Generator().manual_seed(5)
    x = to_ramp(torch.rand(4, 5, generator=g, dtype=torch.float64) + 0.5).requires_grad_()
    assert ramp.autograd.gradcheck(lambda a: getattr(ramp, op)(a, *args)[0] if args and op != "float_power"
                                   else getattr(ramp, op)(a, *args), (x,))


# ---- aminmax ----
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kw", [{}, {"dim": 1}, {"dim": -1, "keepdim": True}, {"dim": None, "keepdim": True},
                                {"dim": 0}])
def test_aminmax(dtype, kw):
    xt = data((4, 6), dtype, 6, nan=True)
    r, t = same_outcome(lambda: ramp.aminmax(to_ramp(xt), **kw), lambda: torch.aminmax(xt, **kw))
    if t is None:
        return
    assert_named(r, t, ["min", "max"])
    assert_named(to_ramp(xt).aminmax(**kw), t, ["min", "max"])


def test_aminmax_no_derivative():
    res = []
    x0 = torch.randn(3, 4, dtype=torch.float64)
    for L, conv in [(ramp, to_ramp), (torch, lambda t: t.clone())]:
        x = conv(x0).requires_grad_()
        lo, hi = L.aminmax(x, dim=0)
        assert lo.requires_grad and hi.requires_grad
        res.append(outcome(lambda: hi.sum().backward())[1])
    assert res[0] == res[1]
    (_, er), (_, et) = outcome(lambda: ramp.aminmax(ramp.zeros(2, 3), 1)), outcome(lambda: torch.aminmax(torch.zeros(2, 3), 1))
    assert er[0] == et[0] == "TypeError"  # keyword-only dim (pybind11's message)


# ---- sgn ----
@pytest.mark.parametrize("dtype", DTYPES)
def test_sgn(dtype):
    xt = (data((3, 5), dtype, 7, nan=True).to(torch.float64) - 2).to(getattr(torch, dtype)) if dtype not in (
        "bool", "uint8") else data((3, 5), dtype, 7)
    xr = to_ramp(xt)
    assert_values(ramp.sgn(xr), torch.sgn(xt))
    assert_values(xr.sgn(), xt.sgn())
    assert_values(xr.clone().sgn_(), xt.clone().sgn_())


# ---- pow_ and float_power ----
POW = [("float64", 2), ("float32", 0.5), ("bfloat16", 3), ("int64", 3), ("int32", 2), ("uint8", 2), ("int8", 3),
       ("float32", -1.5), ("int64", 2.5), ("bool", 2), ("int64", -1)]


@pytest.mark.parametrize("dtype,e", POW)
def test_pow_inplace_scalar(dtype, e):
    xt = data((3, 4), dtype, 8) + (1 if dtype != "bool" else 0)
    if dtype == "bool":
        xt = xt > 0
    xr = to_ramp(xt)
    (r, t) = same_outcome(lambda: xr.pow_(e), lambda: xt.pow_(e))
    if t is not None:
        assert r is xr
        assert_values(xr, xt)
    xr, xt = to_ramp(data((3, 4), dtype, 9)), data((3, 4), dtype, 9)
    if dtype != "bool":
        xr2 = xr
        xr2 **= 2
        xt **= 2
        assert xr2 is xr
        assert_values(xr, xt)


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "uint8"])
def test_pow_inplace_tensor(dtype):
    xt, et = data((3, 4), dtype, 10) + 1, data((4,), dtype, 11)
    xr, er = to_ramp(xt), to_ramp(et)
    assert_values(xr.pow_(er), xt.pow_(et))
    r, t = same_outcome(lambda: to_ramp(data((4,), dtype, 1)).pow_(er.reshape(1, 4).expand(3, 4)),
                        lambda: data((4,), dtype, 1).pow_(et.reshape(1, 4).expand(3, 4)))
    assert r is None and t is None
    r, t = same_outcome(lambda: to_ramp(data((4,), "int64", 1)).pow_(ramp.ones(4)),
                        lambda: data((4,), "int64", 1).pow_(torch.ones(4)))


def test_pow_inplace_grad():
    res = []
    g = torch.Generator().manual_seed(14)
    a0, e0 = torch.rand(3, 4, dtype=torch.float64, generator=g) + 0.5, torch.rand(4, dtype=torch.float64, generator=g) + 0.5
    for L, conv in [(ramp, to_ramp), (torch, lambda t: t.clone())]:
        a, e = conv(a0).requires_grad_(), conv(e0).requires_grad_()
        y = a * 1
        y.pow_(e)
        z = a * 2
        z.pow_(3)
        (y.sum() + z.sum()).backward()
        res.append((node_name(y), node_name(z), a.grad, e.grad))
    assert res[0][:2] == res[1][:2] == ("PowBackward1", "PowBackward0")
    assert_values(res[0][2], res[1][2])
    assert_values(res[0][3], res[1][3], rtol=4e-16)  # summed over the broadcast dim: the order may differ


@pytest.mark.parametrize("dtype", DTYPES)
def test_float_power(dtype):
    xt = data((3, 4), dtype, 12)
    et = data((4,), dtype, 13)
    xr, er = to_ramp(xt), to_ramp(et)
    for fr, ft in [(lambda: ramp.float_power(xr, er), lambda: torch.float_power(xt, et)),
                   (lambda: ramp.float_power(xr, 2), lambda: torch.float_power(xt, 2)),
                   (lambda: ramp.float_power(xr, -0.5), lambda: torch.float_power(xt, -0.5)),
                   (lambda: ramp.float_power(2, er), lambda: torch.float_power(2, et)),
                   (lambda: xr.float_power(er), lambda: xt.float_power(et)),
                   (lambda: xr.clone().float_power_(2), lambda: xt.clone().float_power_(2)),
                   (lambda: xr.double().float_power_(er), lambda: xt.double().float_power_(et))]:
        r, t = same_outcome(fr, ft)
        if t is not None:
            assert_values(r, t, rtol=1e-15)
