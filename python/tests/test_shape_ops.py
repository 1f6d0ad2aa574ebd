"""Shape ops against torch 1.13 on the same inputs: values (bit for bit), dtypes, shapes, view-ness,
grad_fn names, gradients (vs torch and gradcheck) and error types/texts; arange and linspace values
bit for bit over many ranges."""
import numpy as np
import pytest

import ramp
import ramp.nn.functional as F
from conftest import assert_values, outcome, to_ramp

torch = pytest.importorskip("torch")
import torch.nn.functional as TF  # noqa: E402


def pair(shape=(2, 3, 4), dtype=torch.float64, seed=0):
    g = torch.Generator().manual_seed(seed)
    t = torch.randn(*shape, generator=g, dtype=dtype)
    return t, to_ramp(t)


def is_view(x, base):
    if isinstance(x, torch.Tensor):
        return x._base is not None or x.data_ptr() == base.data_ptr() and x is not base
    return x.storage_offset() is not None and x.numpy().__array_interface__["data"][0] >= 0 and \
        np.shares_memory(x.numpy(), base.numpy())


def as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


# Each case: an expression over T (the module) and x (the input tensor), run with torch and ramp.
CASES = [
    "x.flatten()", "x.flatten(1)", "T.flatten(x, 0, 1)", "x.flatten(1, 1)", "x.flatten(-2)", "x.transpose(0, 2).flatten()",
    "x.unflatten(1, (3, 1))", "x.unflatten(1, (-1, 1))", "T.unflatten(x, -1, (2, 2))", "x.unflatten(2, [2, -1])",
    "x.split(2, 1)", "x.split([1, 2], 1)", "T.split(x, 1)", "T.split(x, [2, 2], -1)", "x.split(5, 2)",
    "x.split_with_sizes([3, 1], 2)", "x.chunk(2, 2)", "T.chunk(x, 3, 1)", "x.chunk(5, -1)", "x.chunk(3)",
    "x.unbind(1)", "T.unbind(x)", "x.unbind(-1)",
    "x.repeat(2, 1, 1)", "x.repeat(1, 2, 3, 1)", "x.repeat(1, 0, 1)", "x[0].repeat(2, 3)",
    "x.narrow(1, 1, 2)", "T.narrow(x, 2, -2, 2)", "x.narrow(1, 3, 0)", "x.narrow(-1, 0, 4)",
    "x.tril()", "T.tril(x, 1)", "x.triu(-1)", "T.triu(x, 2)", "x.tril(-5)", "x.triu(10)", "x.transpose(1, 2).tril(1)",
    "x.movedim(0, 2)", "T.movedim(x, (0, 1), (2, 0))", "x.moveaxis(-1, 0)", "T.movedim(x, [], [])",
    "T.swapaxes(x, 0, 1)", "x.swapdims(0, 2)", "x.swapaxes(-1, 0)",
    "T.reshape(x, (6, 4))", "T.reshape(x.transpose(0, 1), (6, -1))", "T.transpose(x, 0, 1)", "T.permute(x, (2, 0, 1))",
    "T.squeeze(x[:, :1], 1)", "T.squeeze(x[:1, :1])", "T.unsqueeze(x, -1)", "T.squeeze(x, 0)",
]


@pytest.mark.parametrize("expr", CASES)
def test_values_views_and_grads(expr):
    t0, r0 = pair()
    t = t0.clone().requires_grad_()
    r = r0.clone().requires_grad_()
    (to, te), (ro, re_) = [outcome(lambda: eval(expr, {"T": mod, "x": x})) for mod, x in ((torch, t), (ramp, r))]
    assert te is None and re_ is None, (te, re_)
    to, ro = as_tuple(to), as_tuple(ro)
    assert len(to) == len(ro)
    for a, b in zip(ro, to):
        assert_values(a.detach(), b.detach())
        assert (a.grad_fn is None) == (b.grad_fn is None)
        if b.grad_fn is not None:
            assert a.grad_fn.name() == b.grad_fn.name()
        if b._base is not None and b.numel() > 0:  # torch gives a view: ramp's shares the input's memory
            assert a.storage_offset() is not None and np.shares_memory(a.detach().numpy(), r.detach().numpy())
    # gradients: each output weighted differently so the pieces' places matter
    tw = [torch.arange(o.numel(), dtype=torch.float64).reshape(o.shape) for o in to]
    rw = [to_ramp(w) for w in tw]
    sum(((o * w).sum() for o, w in zip(to, tw)), torch.zeros((), dtype=torch.float64)).backward()
    total = None
    for o, w in zip(ro, rw):
        s = (o * w).sum()
        total = s if total is None else total + s
    if total is not None and total.requires_grad:
        total.backward()
        assert_values(r.grad, t.grad)


GRADCHECK = ["lambda x: x.split(2, 1)[1]", "lambda x: x.split([1, 2], 1)[0]", "lambda x: x.chunk(3, 1)[2]",
             "lambda x: x.unbind(0)[1]", "lambda x: x.repeat(2, 1, 3)", "lambda x: x.tril(1)", "lambda x: x.triu(-1)",
             "lambda x: x.unflatten(2, (2, 2))", "lambda x: ramp.flatten(x, 1)", "lambda x: ramp.movedim(x, 0, 2)",
             "lambda x: x.clone().tril_()", "lambda x: x.clone().triu_(1)"]


@pytest.mark.parametrize("fn", GRADCHECK)
def test_gradcheck(fn):
    _, r = pair()
    x = r.clone().requires_grad_()
    assert ramp.autograd.gradcheck(eval(fn, {"ramp": ramp}), (x,))


def test_in_place_triangles():
    for name in ("tril_", "triu_"):
        t, r = pair((3, 4, 5))
        for k in (-1, 0, 2):
            tt, rr = t.clone(), r.clone()
            assert getattr(rr, name)(k) is rr
            getattr(tt, name)(k)
            assert_values(rr, tt)
        # a non-contiguous target and a graph through it
        tt, rr = t.clone().transpose(1, 2), r.clone().transpose(1, 2)
        getattr(tt, name)(1), getattr(rr, name)(1)
        assert_values(rr, tt)
        tl, rl = t.clone().requires_grad_(), r.clone().requires_grad_()
        (to, ro) = (getattr(tl * 2, name)(), getattr(rl * 2, name)())
        assert ro.grad_fn.name() == to.grad_fn.name()
        to.sum().backward(), ro.sum().backward()
        assert_values(rl.grad, tl.grad)


@pytest.mark.parametrize("dtype", ["int64", "bool", "int8", "bfloat16", "float32"])
def test_dtypes(dtype):
    t = (torch.arange(24).reshape(2, 3, 4) % 3).to(getattr(torch, dtype))
    r = to_ramp(t)
    for expr in ["x.tril()", "x.triu(1)", "x.repeat(2, 1, 1)", "x.flatten(1)", "x.split(2, 1)", "x.unbind(2)",
                 "x.chunk(2)", "x.movedim(2, 0)"]:
        for a, b in zip(as_tuple(eval(expr, {"x": r})), as_tuple(eval(expr, {"x": t}))):
            assert_values(a, b)


@pytest.mark.parametrize("args,kw", [((3,), {}), ((2, 3), {}), ((3, 2), {}), ((0,), {}), ((2, 0), {}),
                                     ((2,), {"dtype": "int64"}), ((3,), {"dtype": "bool"}), ((2, 4), {"dtype": "float64"})])
def test_eye(args, kw):
    t = torch.eye(*args, **{k: getattr(torch, v) for k, v in kw.items()})
    r = ramp.eye(*args, **{k: getattr(ramp, v) for k, v in kw.items()})
    assert_values(r, t)


@pytest.mark.parametrize("idx,n", [([0, 2, 1], -1), ([0, 2, 1], 5), ([[1, 0], [3, 3]], -1), (2, 3), ([], 3),
                                   ([[0, 1]], 2)])
def test_one_hot(idx, n):
    t = torch.tensor(idx, dtype=torch.int64)
    assert_values(F.one_hot(to_ramp(t) if t.numel() else ramp.tensor(idx, dtype=ramp.int64), n), TF.one_hot(t, n))


ERRORS = [
    "x.flatten(2, 1)", "x.flatten(3)", "x.unflatten(1, (2, 2))", "x.unflatten(1, ())", "x.unflatten(1, [-1, -1])",
    "x.unflatten(1, [4, -1])", "x.unflatten(3, (1, 3))",
    "x.split([1, 1], 1)", "x.split(0, 1)", "x.split(-1, 1)", "x.split([1, 2, 3], 1)", "x.split([1, -1, 3], 1)",
    "T.tensor(1.).split(1)", "x.split(2, 3)", "x.chunk(0)", "x.chunk(-1)", "T.tensor(1.).chunk(1)",
    "x.unbind(3)", "T.unbind(T.tensor(1.))",
    "x.repeat(2, 1)", "x.repeat(-1, 1, 1)",
    "T.narrow(x, 1, 2, 2)", "x.narrow(1, -4, 1)", "x.narrow(1, 4, 0)", "x.narrow(1, 0, -1)", "T.tensor(1.).narrow(0, 0, 1)",
    "x.narrow(3, 0, 1)",
    "T.eye(-1)", "T.eye(2, -1)", "T.tril(T.zeros(3))", "T.triu(T.tensor(1.))",
    "x.movedim(0, 3)", "x.movedim((0, 0), (1, 2))", "x.movedim((0, 1), (1,))", "x.movedim((0, 1), (2, 2))",
    "T.swapaxes(x, 0, 3)", "T.squeeze(x, 3)", "T.unsqueeze(x, 4)", "T.permute(x, (0, 1))", "T.reshape(x, (5, -1))",
]


@pytest.mark.parametrize("expr", ERRORS)
def test_errors_match_torch(expr):
    t, r = pair()
    (_, te), (_, re_) = [outcome(lambda: eval(expr, {"T": mod, "x": x})) for mod, x in ((torch, t), (ramp, r))]
    assert te is not None, "torch accepts it"
    assert re_ is not None, f"ramp accepts {expr}"
    assert re_[0] == te[0] and re_[1].split("\n")[0] == te[1].split("\n")[0], (te, re_)


ONE_HOT_ERRORS = [([0, 2, 1], 2), ([0, -2, 1], -1), ([0, 2], -2), ([], -1)]


@pytest.mark.parametrize("idx,n", ONE_HOT_ERRORS)
def test_one_hot_errors(idx, n):
    (_, te) = outcome(lambda: TF.one_hot(torch.tensor(idx, dtype=torch.int64), n))
    (_, re_) = outcome(lambda: F.one_hot(ramp.tensor(idx, dtype=ramp.int64) if idx else ramp.zeros(0, dtype=ramp.int64), n))
    assert te is not None and re_ is not None and te == re_
    for dt in ("float32", "int32"):
        (_, te) = outcome(lambda: TF.one_hot(torch.tensor([0, 2], dtype=getattr(torch, dt))))
        (_, re_) = outcome(lambda: F.one_hot(ramp.tensor([0, 2], dtype=getattr(ramp, dt))))
        assert te == re_ and te is not None


def test_split_outputs_are_distinct_views_and_cpp_style_calls():
    x = ramp.arange(12.0).reshape(3, 4)
    a, b = x.split(2)
    a[0, 0] = 100.0
    assert x[0, 0].item() == 100.0
    assert [tuple(p.shape) for p in ramp.chunk(ramp.zeros(0), 4)] == [(0,)] * 4
    assert [tuple(p.shape) for p in ramp.zeros(6).chunk(4)] == [(2,)] * 3


# ---- arange / linspace: 1.13's values bit for bit ----

ARANGE = [(-8.0, 8.0, 0.1), (0.0, 1.0, 0.1), (1.0, 0.0, -0.1), (0.0, 10.0, 0.3), (-3.0, 3.0, 0.7), (0.5, 100.0, 1.5),
          (1e-3, 1.0, 1e-3), (0.0, 1.0, 1 / 3), (-1.0, 1.0, 0.01), (2.5, -7.5, -0.25), (0, 10, 3), (-7, 8, 2),
          (10, -3, -4), (0.0, 5.0, 1), (0, 5.5, 1), (1e8, 1e8 + 100, 7.7), (0.0, 2.0, 0.2), (-0.3, 0.3, 0.1)]


@pytest.mark.parametrize("args", ARANGE)
@pytest.mark.parametrize("dtype", [None, "float32", "float64", "int64", "bfloat16"])
def test_arange_bits(args, dtype):
    kw_t = {} if dtype is None else {"dtype": getattr(torch, dtype)}
    kw_r = {} if dtype is None else {"dtype": getattr(ramp, dtype)}
    (t, te), (r, re_) = outcome(lambda: torch.arange(*args, **kw_t)), outcome(lambda: ramp.arange(*args, **kw_r))
    assert te == re_
    if t is not None:
        assert_values(r, t)


def test_arange_forms_and_errors():
    for args in [(5,), (5.0,), (2, 9), (0.5,), (3, 3), (0, -3, -1)]:
        assert_values(ramp.arange(*args), torch.arange(*args))
    for args in [(0, 5, 0), (0, 5, -1), (5, 0, 1), (0, float("inf")), (float("nan"), 5)]:
        (_, te), (_, re_) = outcome(lambda: torch.arange(*args)), outcome(lambda: ramp.arange(*args))
        assert te is not None and re_ is not None and te[0] == re_[0] and te[1] == re_[1], (args, te, re_)


LINSPACE = [(0.0, 1.0, 11), (-8.0, 8.0, 161), (1.0, 0.0, 7), (0.0, 1.0, 1), (3.0, 3.0, 5), (0.0, 1.0, 0),
            (-1.0, 1.0, 100), (0.1, 0.7, 13), (1e-3, 1e3, 37), (0.0, 10.0, 2), (-5.5, 2.25, 1000), (0, 10, 7),
            (10, 0, 4), (-3, 8, 12), (0.0, 1.0, 3)]


@pytest.mark.parametrize("args", LINSPACE)
@pytest.mark.parametrize("dtype", [None, "float32", "float64", "int64", "bfloat16", "int32", "uint8"])
def test_linspace_bits(args, dtype):
    if dtype == "uint8" and min(args[0], args[1]) < 0:
        return
    kw_t = {} if dtype is None else {"dtype": getattr(torch, dtype)}
    kw_r = {} if dtype is None else {"dtype": getattr(ramp, dtype)}
    (t, te), (r, re_) = outcome(lambda: torch.linspace(*args, **kw_t)), outcome(lambda: ramp.linspace(*args, **kw_r))
    assert te == re_
    if t is not None:
        assert_values(r, t)


def test_linspace_errors():
    (_, te), (_, re_) = outcome(lambda: torch.linspace(0, 1, -1)), outcome(lambda: ramp.linspace(0, 1, -1))
    assert te is not None and te == re_


@pytest.mark.parametrize("threads", [1, 3])
def test_arange_linspace_above_the_parallel_grain(threads):
    """Above 32768 elements 1.13 cuts the range per thread; ramp repeats the cut for the same count."""
    old_t, old_r = torch.get_num_threads(), ramp.get_num_threads()
    torch.set_num_threads(threads)
    ramp.set_num_threads(threads)
    try:
        for dt in ("float32", "float64", "bfloat16"):
            assert_values(ramp.arange(-3.3, 1e5, 1.7, dtype=getattr(ramp, dt)),
                          torch.arange(-3.3, 1e5, 1.7, dtype=getattr(torch, dt)))
            assert_values(ramp.linspace(-3.0, 9.7, 100001, dtype=getattr(ramp, dt)),
                          torch.linspace(-3.0, 9.7, 100001, dtype=getattr(torch, dt)))
    finally:
        torch.set_num_threads(old_t)
        ramp.set_num_threads(old_r)
