"""Reductions against torch 1.13 on the same inputs: values (bit for bit where the order of
operations is fixed, else within a few ulps of the output dtype, and within one or two ulps of the
same reduction done in float64), dtypes, shapes, named results, NaN and empty rules, gradients
(values and grad_fn names, plus gradcheck) and error types."""
import math

import numpy as np
import pytest

import ramp
from conftest import assert_values, outcome, to_numpy, to_ramp, ulp

torch = pytest.importorskip("torch")

SHAPE = (3, 4, 5)
DIMS = [None, 0, 1, -1, (0, 2), (1, 2), (0, 1), (2, 0), (), [0, 1, 2]]
FLOATS = ["float32", "float64", "bfloat16"]
INTS = ["int8", "uint8", "int32", "int64", "bool"]


def make(dtype, shape=SHAPE, seed=0, positive=False):
    g = torch.Generator().manual_seed(seed)
    if dtype in FLOATS:
        t = torch.rand(shape, generator=g, dtype=torch.float64) + 0.5 if positive else \
            torch.randn(shape, generator=g, dtype=torch.float64)
        return t.to(getattr(torch, dtype))
    if dtype == "bool":
        return torch.randint(0, 2, shape, generator=g).bool()
    lo, hi = (0, 256) if dtype == "uint8" else (-100, 100)
    return torch.randint(lo, hi, shape, generator=g).to(getattr(torch, dtype))


def assert_ulps(r, t, ulps):
    """Same dtype and shape, NaN/inf in the same places, finite values within `ulps` ulps of t."""
    assert repr(r.dtype).split(".")[-1] == repr(t.dtype).split(".")[-1]
    assert tuple(r.shape) == tuple(t.shape)
    a, b = to_numpy(r).astype(np.float64), to_numpy(t).astype(np.float64)
    assert (np.isnan(a) == np.isnan(b)).all()
    fin = np.isfinite(b)
    assert (a[~fin & ~np.isnan(b)] == b[~fin & ~np.isnan(b)]).all()
    err = np.abs(a[fin] - b[fin])
    tol = ulps * np.maximum(ulp(b[fin], t.dtype), ulp(np.array([np.finfo(np.float32).tiny]), t.dtype))
    bad = err > tol
    assert not bad.any(), f"{bad.sum()} differ: ramp {a[fin][bad][:4]} torch {b[fin][bad][:4]}"


def call(lib, name, x, *args, method=False, **kw):
    return getattr(x, name)(*args, **kw) if method else getattr(lib, name)(x, *args, **kw)


def both(name, t, *args, method=False, **kw):
    """(ramp result, torch result, torch result computed in float64 and rounded back)."""
    r = call(ramp, name, to_ramp(t), *args, method=method, **kw)
    w = call(torch, name, t, *args, method=method, **kw)
    d = None
    if t.is_floating_point():
        d = call(torch, name, t.double(), *args, method=method, **kw)
        d = tuple(v.to(w[i].dtype) for i, v in enumerate(d)) if isinstance(d, tuple) else d.to(w.dtype)
    return r, w, d


def oracle(name, t, dim=None, keepdim=False, correction=1, p=2):
    """The reduction in long double (NumPy), rounded to t's dtype: the scalar reference."""
    x = t.double().numpy().astype(np.longdouble)
    axis = None if dim is None or dim == () else tuple(dim) if isinstance(dim, (tuple, list)) else dim
    if name == "sum":
        r = np.sum(x, axis=axis, keepdims=keepdim)
    elif name == "mean":
        r = np.mean(x, axis=axis, keepdims=keepdim)
    elif name in ("var", "std"):
        r = np.var(x, axis=axis, ddof=correction, keepdims=keepdim)
        r = np.sqrt(r) if name == "std" else r
    elif name == "norm":
        a = np.abs(x)
        if p == float("inf"):
            r = np.max(a, axis=axis, keepdims=keepdim)
        elif p == -float("inf"):
            r = np.min(a, axis=axis, keepdims=keepdim)
        elif p == 0:
            r = np.sum(a != 0, axis=axis, keepdims=keepdim).astype(np.longdouble)
        else:
            r = np.sum(a ** p, axis=axis, keepdims=keepdim) ** (np.longdouble(1) / p)
    return torch.from_numpy(np.asarray(r, dtype=np.float64)).to(t.dtype)


def dim_args(dim):
    return () if dim is None else (dim,)


# ---- sum, mean, prod ----
@pytest.mark.parametrize("dtype", FLOATS + INTS)
@pytest.mark.parametrize("dim", DIMS)
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("method", [False, True])
def test_sum(dtype, dim, keepdim, method):
    # float64 sums are as accurate as 1.13's (not exact under cancellation): positive values there
    t = make(dtype, positive=dtype == "float64")
    args = dim_args(dim) + ((keepdim,) if dim is not None else ())
    r, w, d = both("sum", t, *args, method=method)
    if dtype in FLOATS:
        assert_ulps(r, oracle("sum", t, dim, keepdim and dim is not None), 1 if dtype != "float64" else 4)  # within an ulp of the float64 sum
        # 1.13's float32 sum can be many ulps off under cancellation: compare on positive values
        r, w, _ = both("sum", make(dtype, positive=True), *args, method=method)
        assert_ulps(r, w, 2 if dtype != "float64" else 4)
    else:
        assert_values(r, w)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("dim", DIMS)
@pytest.mark.parametrize("keepdim", [False, True])
def test_mean(dtype, dim, keepdim):
    t = make(dtype, positive=dtype == "float64")
    args = dim_args(dim) + ((keepdim,) if dim is not None else ())
    r, w, d = both("mean", t, *args)
    assert_ulps(r, oracle("mean", t, dim, keepdim and dim is not None), 2 if dtype != "float64" else 4)
    r, w, _ = both("mean", make(dtype, positive=True), *args)
    assert_ulps(r, w, 2 if dtype != "float64" else 4)


@pytest.mark.parametrize("dtype", ["int8", "int64", "bool", "uint8"])
def test_mean_of_integers_raises_as_torch(dtype):
    t = make(dtype)
    (_, re), (_, te) = outcome(lambda: to_ramp(t).mean()), outcome(lambda: t.mean())
    assert re == te
    r, w, _ = both("mean", t, dtype=torch.float64) if False else (None, None, None)
    r = to_ramp(t).mean(dtype=ramp.float64)
    assert_ulps(r, t.mean(dtype=torch.float64), 1)
    (_, re), (_, te) = outcome(lambda: to_ramp(t).float().mean(dtype=ramp.int64)), \
        outcome(lambda: t.float().mean(dtype=torch.int64))
    assert re == te


@pytest.mark.parametrize("src,dst", [("int8", "int64"), ("int8", "float32"), ("uint8", "uint8"), ("int32", "int8"),
                                     ("float32", "float64"), ("bfloat16", "float32"), ("float64", "float32"),
                                     ("bool", "int32"), ("float32", "int32")])
def test_sum_dtype(src, dst):
    t = make(src, positive=True)
    for args in [(), (1,), ((0, 2), True)]:
        r = to_ramp(t).sum(*args, dtype=getattr(ramp, dst))
        w = t.sum(*args, dtype=getattr(torch, dst))
        if w.is_floating_point():
            assert_ulps(r, w, 1)
        else:
            assert_values(r, w)


@pytest.mark.parametrize("dtype", FLOATS + INTS)
@pytest.mark.parametrize("dim", [None, 0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_prod(dtype, dim, keepdim):
    t = make(dtype, positive=True) if dtype in FLOATS else make(dtype, (3, 4, 5)) % 4
    if dtype == "bool":
        t = make(dtype)
    args = dim_args(dim) + ((keepdim,) if dim is not None else ())
    if dtype == "bfloat16":  # 1.13 has no bfloat16 prod
        (_, re), (_, te) = outcome(lambda: to_ramp(t).prod(*args)), outcome(lambda: t.prod(*args))
        assert re == te and te is not None
        return
    r, w, d = both("prod", t, *args)
    if dtype in FLOATS:
        assert_ulps(r, d, 1)
    else:
        assert_values(r, w)


# ---- accuracy and speed-path shapes: the engine's row, column, split and copy paths ----
@pytest.mark.parametrize("shape,dim", [((4096, 256), 0), ((4096, 256), 1), ((1 << 20,), None), ((64, 10), 1),
                                       ((4096, 10), 1), ((3, 70000, 2), 1), ((70000, 3), 0), ((5, 6, 7, 8), (0, 2)),
                                       ((2, 1, 300, 1, 7), (0, 2)), ((300, 257), 0), ((32, 16, 28, 28), (0, 2, 3)),
                                       ((64, 32, 2, 2), (0, 2, 3)), ((2, 3, 4, 5, 6), (1, 3)),
                                       ((20, 3, 2, 5), (0, 2))])
@pytest.mark.parametrize("op", ["sum", "mean", "amax", "amin", "norm", "var"])
def test_large_shapes_against_float64(shape, dim, op):
    t = make("float32", shape, seed=3)
    args = dim_args(dim)
    if op == "norm":
        args = (2,) + args
    r, w, d = both(op, t, *args)
    assert_ulps(r, d if op in ("amax", "amin") else oracle(op, t, dim), 0 if op in ("amax", "amin") else 1)
    if op in ("amax", "amin"):
        assert_values(r, w)


def test_results_do_not_depend_on_threads():
    t = make("float32", (1 << 20,), seed=5)
    x = to_ramp(t)
    n = ramp.get_num_threads()

    def each():
        c = x.view(64, 16, 32, 32)
        return [x.sum(), x.view(1024, 1024).sum(0), x.view(1024, 1024).sum(1), x.var(), c.mean((0, 2, 3)),
                c.var((0, 2, 3)), c.double().sum((0, 2, 3))]
    try:
        ramp.set_num_threads(1)
        one = each()
        ramp.set_num_threads(2)
        two = each()
    finally:
        ramp.set_num_threads(n)
    for a, b in zip(one, two):
        assert_values(a, to_torch(b))


# Two reduced runs around a kept one (BatchNorm's statistics) are read in place: every dtype, keepdim,
# dtype=, odd sizes, size-1 dims, a channels-last (non-contiguous) input, against the long double
# oracle and against 1.13.
SPLIT = [((8, 5, 7, 9), (0, 2, 3)), ((3, 5, 7, 9), (0, 2)), ((4, 6, 5, 8, 3), (1, 3)), ((2, 1, 3, 1, 33), (0, 4)),
         ((6, 4, 2, 3), (0, 2)), ((3, 4, 5, 6), (-1, 1))]


@pytest.mark.parametrize("shape,dim", SPLIT)
@pytest.mark.parametrize("dtype", FLOATS + ["int32", "uint8", "bool"])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("layout", ["contiguous", "channels_last"])
def test_split_runs_read_in_place(shape, dim, dtype, keepdim, layout):
    t = make(dtype, shape, seed=11, positive=dtype == "float64")
    if layout == "channels_last":  # the same values, strided: the last dim moved first in memory
        t = t.movedim(-1, 0).contiguous().movedim(0, -1)
    x = to_ramp(t)
    r, w = x.sum(dim, keepdim), t.sum(dim, keepdim)
    if dtype in FLOATS:
        assert_ulps(r, oracle("sum", t, dim, keepdim), 4 if dtype == "float64" else 1)
        assert_ulps(x.mean(dim, keepdim), oracle("mean", t, dim, keepdim), 4 if dtype == "float64" else 2)
        if dtype != "bfloat16":  # 1.13's bfloat16 sums round every step; its float32 ones on positive values
            p = make(dtype, shape, seed=12, positive=True)
            assert_ulps(to_ramp(p).sum(dim, keepdim), p.sum(dim, keepdim), 2 if dtype == "float32" else 4)
            assert_ulps(to_ramp(p).mean(dim, keepdim), p.mean(dim, keepdim), 2 if dtype == "float32" else 4)
        for name in ("amax", "amin"):
            assert_values(getattr(x, name)(dim, keepdim), getattr(t, name)(dim, keepdim))
        if dtype != "bfloat16":
            if dtype == "float32":  # (float64 var is Welford's in double, 1.13's too: ~9 ulps off here, both)
                assert_ulps(x.var(dim, keepdim=keepdim), oracle("var", t, dim, keepdim), 2)
            assert_ulps(x.norm(2, dim, keepdim), oracle("norm", t, dim, keepdim), 4 if dtype == "float64" else 1)
    else:
        assert_values(r, w)
        assert_values(x.amax(dim, keepdim), t.amax(dim, keepdim)) if dtype != "bool" else None
    # dtype=: converted first, as 1.13
    for dst in ("float64", "float32"):
        assert_ulps(x.sum(dim, keepdim, dtype=getattr(ramp, dst)), oracle("sum", t.to(getattr(torch, dst)), dim, keepdim),
                    4 if dst == "float64" and dtype == "float64" else 1)


@pytest.mark.parametrize("shape", [(0, 3, 4), (2, 3, 0), (0, 3, 20), (0, 3, 4, 5)])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32"])
def test_split_runs_of_empty_inputs(shape, dtype):
    t = make(dtype, shape)
    dim = (0, 2) if len(shape) == 3 else (0, 2, 3)
    for name, kw in [("sum", {}), ("mean", {}), ("norm", {"p": 2}), ("count_nonzero", {})]:
        if name in ("mean", "norm") and dtype == "int32":  # (both refuse integers)
            continue
        fn = (lambda L, x: L.count_nonzero(x, dim)) if name == "count_nonzero" else \
            (lambda L, x: getattr(x, name)(dim=dim, **kw))
        assert_values(fn(ramp, to_ramp(t)), fn(torch, t))


def test_split_float32_sums_exact_on_cancellation():
    """1e8, 1, -1e8 + 8 along each channel's slabs: 1.13's float accumulation loses the ones."""
    v = np.array([1e8, 1.0, -1e8 + 8] * (16 * 16 * 28 * 28 // 3 + 1), dtype=np.float32)[:16 * 16 * 28 * 28]
    a = v.reshape(16, 16, 28, 28)
    exact = np.array([math.fsum(a[:, c].astype(np.float64).ravel()) for c in range(16)])
    r = to_numpy(ramp.from_numpy(a).sum((0, 2, 3))).astype(np.float64)
    assert (np.abs(r - exact) <= 0.5 * np.spacing(np.abs(exact).astype(np.float32))).all(), (r, exact)
    m = to_numpy(ramp.from_numpy(a).mean((0, 2, 3))).astype(np.float64)
    want = (exact.astype(np.float32) / np.float32(16 * 28 * 28)).astype(np.float64)
    assert (m == want).all(), (m, want)


def to_torch(x):
    return torch.from_numpy(to_numpy(x).copy()).to(getattr(torch, repr(x.dtype).split(".")[-1]))


# ---- max, min, amax, amin, argmax, argmin ----
@pytest.mark.parametrize("dtype", FLOATS + INTS)
@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min(dtype, name):
    t = make(dtype)
    if dtype in FLOATS:
        t.view(-1)[7] = float("nan")
        t.view(-1)[20:25] = 0.25  # ties
    for args, kw in [((), {}), ((0,), {}), ((1, True), {}), ((-1,), {"keepdim": True}), ((), {"dim": 2}),
                     ((), {"axis": 1})]:
        for method in (False, True):
            r = call(ramp, name, to_ramp(t), *args, method=method, **kw)
            w = call(torch, name, t, *args, method=method, **kw)
            if isinstance(w, tuple):
                assert type(r).__name__ == type(w).__name__ == name and r.n_fields == w.n_fields == 2
                assert_values(r.values, w.values)
                assert_values(r.indices, w.indices)
                assert_values(r[0], w[0])
            else:
                assert_values(r, w)


def test_max_repr_matches_torch():
    t = torch.tensor([[1.0, 5.0], [3.0, 2.0]])
    assert repr(ramp.max(to_ramp(t), 1)) == repr(torch.max(t, 1)).replace("torch.", "ramp.")
    assert repr(ramp.min(to_ramp(t), dim=0)) == repr(torch.min(t, dim=0)).replace("torch.", "ramp.")
    assert isinstance(ramp.max(to_ramp(t), 1), ramp.return_types.max)
    v, i = ramp.max(to_ramp(t), 1)
    assert_values(i, torch.max(t, 1)[1])


@pytest.mark.parametrize("dtype", FLOATS + INTS)
@pytest.mark.parametrize("name", ["amax", "amin"])
@pytest.mark.parametrize("dim", DIMS)
@pytest.mark.parametrize("keepdim", [False, True])
def test_amax_amin(dtype, name, dim, keepdim):
    t = make(dtype)
    if dtype in FLOATS:
        t.view(-1)[13] = float("nan")
    kw = {} if dim is None else {"dim": dim}
    r, w, _ = both(name, t, keepdim=keepdim, **kw)
    assert_values(r, w)


@pytest.mark.parametrize("dtype", FLOATS + INTS[:-1])
@pytest.mark.parametrize("name", ["argmax", "argmin"])
@pytest.mark.parametrize("dim", [None, 0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_argmax_argmin(dtype, name, dim, keepdim):
    t = make(dtype, (6, 70, 5)) % 5 if dtype not in FLOATS else make(dtype, (6, 70, 5)).round()  # many ties
    if dtype in FLOATS:
        t.view(-1)[[40, 41, 900]] = float("nan")
    kw = {"keepdim": keepdim} if dim is None else {"dim": dim, "keepdim": keepdim}
    r, w, _ = both(name, t, **kw)
    assert_values(r, w)
    assert_values(call(ramp, name, to_ramp(t), method=True, **kw), w)


def test_axis_keepdims_aliases():
    t = make("float32")
    x = to_ramp(t)
    assert_values(x.argmax(axis=1), t.argmax(axis=1))
    assert_values(x.argmin(axis=0), t.argmin(axis=0))
    p = make("float32", positive=True)
    assert_ulps(to_ramp(p).mean(axis=(0, 2), keepdims=True), p.mean(axis=(0, 2), keepdims=True), 1)
    assert_values(ramp.amax(x, axis=-1), torch.amax(t, axis=-1))
    assert_values(ramp.max(input=x, dim=1).values, torch.max(input=t, dim=1).values)


# ---- all, any ----
@pytest.mark.parametrize("dtype", FLOATS + INTS)
@pytest.mark.parametrize("name", ["all", "any"])
@pytest.mark.parametrize("dim", [None, 0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_all_any(dtype, name, dim, keepdim):
    t = make(dtype) % 3 if dtype not in FLOATS + ["bool"] else make(dtype)
    if dtype in FLOATS:
        t = t.round()
        t.view(-1)[3] = float("nan")
    args = () if dim is None else (dim, keepdim)
    r, w, _ = both(name, t, *args)
    assert_values(r, w)
    ones = torch.ones(SHAPE, dtype=t.dtype)
    assert_values(call(ramp, name, to_ramp(ones), *args), call(torch, name, ones, *args))


# ---- std, var, std_mean, var_mean ----
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", ["std", "var"])
@pytest.mark.parametrize("args,kw", [((), {}), ((False,), {}), ((1,), {}), ((1, False, True), {}), (((0, 2),), {}),
                                     ((), {"dim": 1, "correction": 0}), ((), {"dim": (0, 1), "correction": 2}),
                                     ((), {"axis": 2, "unbiased": False, "keepdims": True}), ((None,), {"correction": 0})])
def test_std_var(dtype, name, args, kw):
    t = make(dtype)
    for method in (False, True):
        r, w, d = both(name, t, *args, method=method, **kw)
        assert_ulps(r, d, 2)
        assert_ulps(r, w, 4)
    r, w, d = both(name + "_mean", t, *args, **kw)
    assert type(r) is tuple and len(r) == 2
    for a, b in zip(r, d):
        assert_ulps(a, b, 2)


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
@pytest.mark.parametrize("n", [7, 8, 255, 256, 257, 1000, 4103])
def test_var_of_long_runs(dtype, n):
    """float32 / bfloat16 runs are taken 256 at a time (a mean, then squared deviations): rows of
    several runs with ragged ends, a large common offset (cancellation), BatchNorm's (0, 2, 3), and
    inf / NaN inside a run (var_mean's mean is NaN as 1.13's Welford makes it)."""
    g = torch.Generator().manual_seed(n)
    t = (torch.randn(3, n, generator=g, dtype=torch.float64) * 2 + torch.tensor([[0.0], [1e3], [-7.5]]))
    t = t.to(getattr(torch, dtype))
    for args in [(1,), ((1,), False), (None,)]:
        for name in ["var", "std", "var_mean"]:
            r, w, d = both(name, t, *args)
            for a, b in zip(*(x if isinstance(x, tuple) else (x,) for x in (r, d))):
                assert_ulps(a, b, 1)
    bn = torch.randn(4, 3, n // 4 + 1, 5, generator=g).to(getattr(torch, dtype))
    r, w, d = both("var_mean", bn, (0, 2, 3))
    for a, b in zip(r, d):
        assert_ulps(a, b, 1)
    bad = t.clone()
    bad[0, n // 2] = float("inf")
    bad[1, n - 1] = float("nan")
    if n > 8:
        bad[2, 3] = -float("inf")
    for name in ["var", "var_mean"]:
        r, w, _ = both(name, bad, 1)
        for a, b in zip(*(x if isinstance(x, tuple) else (x,) for x in (r, w))):
            assert_values(a, b)


def test_std_var_of_one_element_and_empty():
    for shape, args in [((1,), ()), ((0, 3), ()), ((0, 3), (0,)), ((2, 3), (1,))]:
        t = torch.ones(shape)
        for name in ["std", "var"]:
            for kw in [{}, {"correction": 5} if args else {"unbiased": False}]:
                if "correction" in kw:
                    kw = {"dim": args[0], "correction": 5}
                    r, w = getattr(ramp, name)(to_ramp(t), **kw), getattr(torch, name)(t, **kw)
                else:
                    r, w = getattr(ramp, name)(to_ramp(t), *args, **kw), getattr(torch, name)(t, *args, **kw)
                assert_values(r, w)


# ---- norm ----
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("p", [None, 2, 1, float("inf"), -float("inf"), "fro", 0, 3, 0.5, -1.5])
@pytest.mark.parametrize("dim", [None, 1, (0, 2), -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_norm(dtype, p, dim, keepdim):
    t = make(dtype)
    t.view(-1)[5] = 0.0
    if p == "fro" and dim is not None and not isinstance(dim, tuple):
        dim = (dim,)
    kw = {"keepdim": keepdim}
    if p is not None:
        kw["p"] = p
    if dim is not None:
        kw["dim"] = dim
    r, w, d = both("norm", t, **kw)
    assert_ulps(r, oracle("norm", t, dim, keepdim, p=2 if p in (None, "fro") else p), 1 if p not in (0.5, -1.5, 3) else 4)
    if dtype != "bfloat16" or p in (None, "fro", 2, 1, 0, float("inf"), -float("inf")):
        assert_ulps(r, w, 4)  # 1.13's bfloat16 p-norms are off by more (it sums |x|^p in bfloat16)



def test_norm_of_empty():
    # 1.13's norm of an empty set is 0 for every p, negative p included (not sum(|x|^p)^(1/p) = inf)
    for shape, dim in [((0,), None), ((0, 3), 0), ((3, 0), 1), ((0, 3), 1)]:
        for p in [-1, -2.5, -float("inf"), 0, 1, 2, 3, float("inf")]:
            t = torch.ones(shape)
            kw = {} if dim is None else {"dim": dim}
            assert_values(ramp.norm(to_ramp(t), p, **kw), torch.norm(t, p, **kw))


@pytest.mark.parametrize("dtype", FLOATS)
def test_mean_gradient_divides_as_1_13(dtype):
    # 1.13's mean backward is g / n (g * (1 / n) differs in the last bit for n = 3, 7, ...)
    for shape, dim in (((4, 3), 1), ((7, 5), 0), ((3, 7, 2), (0, 1)), ((6,), None)):
        w = torch.linspace(0.37, 2.9, 13, dtype=torch.float64)[:3].to(getattr(torch, dtype))
        grads = {}
        for lib in (torch, ramp):
            x = lib.ones(*shape, dtype=getattr(lib, dtype), requires_grad=True)
            m = x.mean() if dim is None else x.mean(dim)
            (m * (lib.ones_like(m) * float(w[1]))).sum().backward()
            grads[lib] = x.grad.double().reshape(-1).tolist()
        assert grads[ramp] == grads[torch], (shape, dim)

# ---- logsumexp, cumsum, cumprod ----
@pytest.mark.parametrize("dtype", FLOATS + ["int64", "bool"])
@pytest.mark.parametrize("dim", [0, 1, -1, (0, 2), [0, 1, 2]])
@pytest.mark.parametrize("keepdim", [False, True])
def test_logsumexp(dtype, dim, keepdim):
    t = make(dtype) * 3 if dtype in FLOATS else make(dtype)
    r, w, _ = both("logsumexp", t, dim, keepdim)
    assert_ulps(r, w, 4)


@pytest.mark.parametrize("shape,dim", [((4096, 10), 1), ((512, 1000), 1), ((300, 257), 0), ((7, 33, 5), 1),
                                       ((64, 10), 0), ((1 << 16,), 0)])
def test_logsumexp_fused_kernel_shapes(shape, dim):
    # float32 runs one fused kernel (max, then the sum of exps in double): within 2 ulps of the
    # float64 result, 4 of 1.13's (which sums the exps in float)
    t = make("float32", shape, seed=11) * 4
    if shape == (300, 257):
        t.view(-1)[5::101] = float("nan")
    r, w, d = both("logsumexp", t, dim)
    assert_ulps(r, d, 2)
    assert_ulps(r, w, 4)


def test_logsumexp_special_values():
    inf, nan = float("inf"), float("nan")
    t = torch.tensor([[inf, 1.0], [-inf, -inf], [nan, 1.0], [-inf, 2.0], [1e30, 1e30]])
    assert_values(ramp.logsumexp(to_ramp(t), 1), torch.logsumexp(t, 1))
    e = torch.empty(0, 3)
    for dim in (0, 1):
        assert_values(ramp.logsumexp(to_ramp(e), dim), torch.logsumexp(e, dim))


@pytest.mark.parametrize("dtype", FLOATS + INTS)
@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumsum_cumprod(dtype, name, dim):
    t = make(dtype, positive=True) if dtype in FLOATS else make(dtype)
    r, w, _ = both(name, t, dim)
    if dtype == "bfloat16":
        assert_ulps(r, w, 1)  # 1.13 accumulates bfloat16 in float32, ramp in double
    else:
        assert_values(r, w)
    assert_values(call(ramp, name, to_ramp(t), dim=dim, method=True).float(), call(torch, name, t, dim=dim, method=True).float(), rtol=1e-2)
    r = call(ramp, name, to_ramp(t), dim, dtype=ramp.float64)
    assert_values(r, call(torch, name, t, dim, dtype=torch.float64), rtol=1e-15)


# ---- maximum, minimum ----
@pytest.mark.parametrize("a,b", [("float32", "float32"), ("float32", "float64"), ("int8", "float32"), ("int32", "int64"),
                                 ("bool", "bool"), ("uint8", "int32"), ("bfloat16", "float32"), ("int64", "bool")])
@pytest.mark.parametrize("name", ["maximum", "minimum", "max", "min"])
def test_maximum_minimum(a, b, name):
    x, y = make(a, (3, 4), seed=1), make(b, (4,), seed=2)
    if x.is_floating_point():
        x[0, 1] = float("nan")
        x[1, :] = y[:] if y.dtype == x.dtype else x[1, :]
    if y.is_floating_point():
        y[2] = float("nan")
    for u, v in [(x, y), (y, x)]:
        r = getattr(ramp, name)(to_ramp(u), to_ramp(v))
        assert_values(r, getattr(torch, name)(u, v))
        assert_values(getattr(to_ramp(u), name)(to_ramp(v)), getattr(u, name)(v))
        assert_values(getattr(ramp, name)(to_ramp(u), other=to_ramp(v)), getattr(torch, name)(u, other=v))


# ---- histc, bincount ----
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("args", [(), (4,), (10, -1, 1), (7, 0.5, 0.5), (5, 0, 0), (3, -0.3, 2.7)])
def test_histc(dtype, args):
    # Known differences: 1.13's right edge is the last value of its vectorized linspace, which ramp
    # reproduces for float32 and float64 except some bin counts (8 edges in float64), and not for
    # bfloat16 (1.13 rounds its linspace and bin arithmetic differently there).
    if dtype == "bfloat16" or (dtype == "float64" and args[:1] == (7,)):
        pytest.skip("1.13's linspace rounding is not reproduced here")
    t = make(dtype, (500,))
    r, w, _ = both("histc", t, *args)
    assert_values(r, w)
    assert_values(to_ramp(t).histc(*args), t.histc(*args))


def test_histc_skips_nan():
    # 1.13 counts a NaN in the first bin when min and max are given (later versions skip it, as ramp)
    t = torch.tensor([float("nan"), 0.5, 0.1])
    assert_values(ramp.histc(to_ramp(t), 4, 0, 1), torch.histc(t[1:], 4, 0, 1))
    (_, re), (_, te) = outcome(lambda: ramp.histc(to_ramp(t), 4)), outcome(lambda: torch.histc(t, 4))
    assert re[0] == te[0] == "RuntimeError"


def test_histc_edges_and_constant_input():
    t = torch.tensor([0.0, 1.0, 0.5, 0.25, 0.75, 2.0, -1.0])
    assert_values(ramp.histc(to_ramp(t), 4, 0, 1), torch.histc(t, 4, 0, 1))
    c = torch.full((5,), 3.0)
    assert_values(ramp.histc(to_ramp(c), 4), torch.histc(c, 4))
    assert_values(ramp.histc(to_ramp(torch.empty(0)), 3), torch.histc(torch.empty(0), 3))


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int32", "int64"])
@pytest.mark.parametrize("weights", [None, "float32", "float64", "int64"])
@pytest.mark.parametrize("minlength", [0, 3, 40])
def test_bincount(dtype, weights, minlength):
    t = make(dtype, (50,)).abs() % 20
    w = None if weights is None else make(weights if weights != "int64" else "int32", (50,)).to(getattr(torch, weights))
    r = ramp.bincount(to_ramp(t), None if w is None else to_ramp(w), minlength)
    assert_values(r, torch.bincount(t, w, minlength))
    r = to_ramp(t).bincount(weights=None if w is None else to_ramp(w), minlength=minlength)
    assert_values(r, t.bincount(weights=w, minlength=minlength))
    assert_values(ramp.bincount(to_ramp(t[:0]), minlength=minlength), torch.bincount(t[:0], minlength=minlength))


# ---- NaN and empty-tensor rules, errors ----
NAN = torch.tensor([[1.0, float("nan"), 3.0], [float("nan"), 2.0, float("nan")]])


@pytest.mark.parametrize("expr", [
    "L.max(x)", "L.max(x, 1)", "L.min(x, 0)", "L.amax(x, 1)", "L.argmax(x)", "L.argmin(x, 1)", "L.sum(x, 1)",
    "L.norm(x, float('inf'), 1)", "L.norm(x)", "L.logsumexp(x, 1)", "L.mean(x, 0)", "L.prod(x, 1)", "L.std(x, 1)",
    "L.all(x, 1)", "L.any(x)", "L.cumsum(x, 1)", "L.amin(x, 0)"])
def test_nan_rules(expr):
    r, w = eval(expr, {"L": ramp, "x": to_ramp(NAN)}), eval(expr, {"L": torch, "x": NAN})
    for a, b in (zip(r, w) if isinstance(w, tuple) else [(r, w)]):
        assert_values(a, b) if not b.is_floating_point() else assert_ulps(a, b, 1)


EMPTY = [torch.empty(0, 3), torch.empty(2, 0), torch.empty(0)]


@pytest.mark.parametrize("expr", [
    "x.sum()", "x.sum(0)", "x.sum(-1)", "x.mean()", "x.mean(0)", "x.prod(0)", "x.prod()", "x.std()", "x.var(0)",
    "x.max()", "x.max(0)", "x.max(-1)", "x.min()", "x.amax(0)", "x.amax(-1)", "x.amax()", "x.amin(())",
    "x.argmax()", "x.argmax(0)", "x.argmin(-1)", "x.all()", "x.any()", "x.all(0)", "x.norm()",
    "x.norm(float('inf'))", "x.norm(float('inf'), 0)", "x.norm(1, -1)", "x.logsumexp(0)", "x.logsumexp(-1)",
    "x.cumsum(0)", "x.cumprod(-1)", "x.std_mean() if False else L.std_mean(x)", "x.sum(dtype=L.int64)"])
@pytest.mark.parametrize("i", range(len(EMPTY)))
def test_empty_rules(expr, i):
    t = EMPTY[i]
    r, re = outcome(lambda: eval(expr, {"L": ramp, "x": to_ramp(t)}))
    w, te = outcome(lambda: eval(expr, {"L": torch, "x": t}))
    if te is not None:
        assert re == te
        return
    assert re is None, re
    for a, b in (zip(r, w) if isinstance(w, tuple) else [(r, w)]):
        assert_values(a, b)


@pytest.mark.parametrize("expr", [
    "L.sum(x, 3)", "L.sum(x, (0, 0))", "L.sum(x, (1, -1))", "L.max(x, 5)", "L.mean(i)", "L.mean(b)",
    "L.std(i)", "L.var(b, 0)", "L.argmax(b)", "L.argmin(b, 0)", "L.norm(i)", "L.prod(x, (0, 1))",
    "L.all(x, (0, 1))", "L.logsumexp(x)", "L.cumsum(x)", "L.histc(i)", "L.histc(x, 4, 3, 1)",
    "L.histc(x, 4, 0, float('inf'))", "L.bincount(x)", "L.bincount(b)", "L.bincount(-i)", "L.bincount(i.view(2, -1))",
    "L.bincount(i.abs(), minlength=-1)", "L.bincount(i.abs(), x)", "L.max(x, 1, keepdim=3)",
    "L.sum(x, 1.5)", "L.max(x, 1.5)", "L.amax(x, (0, 0))", "x.mean(dtype=L.int64)", "x.sum(foo=1)",
    "L.maximum(x, 2)", "L.norm(x, 'fro', dtype=L.float64)", "L.std(x, 1, True, correction=0)"])
def test_errors(expr):
    def env(L):
        i = L.tensor([[1, 2, 3], [4, 5, 6]])
        return {"L": L, "x": L.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), "i": i, "b": i > 2}
    _, re = outcome(lambda: eval(expr, env(ramp)))
    _, te = outcome(lambda: eval(expr, env(torch)))
    assert te is not None and re is not None, (re, te)
    assert re[0] == te[0], (re, te)


@pytest.mark.parametrize("expr", ["L.sum(x, (0, 0))", "L.mean(i)", "L.std(i)", "L.argmax(b)", "L.norm(i)",
                                  "L.max(e)", "L.max(e, 0)", "L.argmax(e)", "L.amax(e)", "L.amin(e, 0)",
                                  "L.bincount(-i)", "L.histc(x, 4, 3, 1)", "L.sum(x, 3)"])
def test_error_messages_match(expr):
    def env(L):
        i = L.tensor([[1, 2, 3], [4, 5, 6]])
        return {"L": L, "x": L.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), "i": i, "b": i > 2, "e": L.zeros(0, 3)}
    _, re = outcome(lambda: eval(expr, env(ramp)))
    _, te = outcome(lambda: eval(expr, env(torch)))
    assert re == te


# ---- gradients ----
GRADS = [
    ("sum", (), {}), ("sum", (1,), {}), ("sum", ((0, 2), True), {}), ("mean", (), {}), ("mean", (-1,), {}),
    ("mean", ((0, 1),), {"keepdim": True}), ("prod", (), {}), ("prod", (1,), {}), ("prod", (0, True), {}),
    ("std", (), {}), ("std", (1,), {}), ("var", ((0, 2), False, True), {}), ("var", (), {"dim": 1, "correction": 0}),
    ("max", (), {}), ("min", (), {}), ("max", (1,), {}), ("min", (0, True), {}), ("amax", (), {}),
    ("amax", ((0, 2),), {}), ("amin", (1, True), {}), ("norm", (), {}), ("norm", (1,), {}), ("norm", (2, 1), {}),
    ("norm", (float("inf"),), {}), ("norm", (-float("inf"), 1), {}), ("norm", (3, (0, 2)), {}),
    ("norm", (0.5, 1), {}), ("norm", ("fro", (0, 1)), {}), ("logsumexp", (1,), {}), ("logsumexp", ((0, 2), True), {}),
    ("cumsum", (1,), {}), ("cumsum", (0,), {}), ("cumprod", (2,), {}), ("cumprod", (0,), {}),
    ("sum", (1,), {"dtype": "float32"}), ("cumsum", (1,), {"dtype": "float32"}), ("norm", (2, 1), {"dtype": "float64"}),
]


def kwargs_for(lib, kw):
    return {k: getattr(lib, v) if k == "dtype" else v for k, v in kw.items()}


@pytest.mark.parametrize("zeros", [False, True])
@pytest.mark.parametrize("name,args,kw", GRADS)
def test_gradients_match_torch(name, args, kw, zeros):
    t = make("float64", seed=4)
    if zeros:  # ties and zeros: prod/cumprod's zero paths, max's even split, norm's kinks
        t.view(-1)[[0, 1, 7, 22]] = 0.0
        t.view(-1)[[30, 31, 50]] = 5.0
    tl = t.clone().requires_grad_()
    rl = to_ramp(t).requires_grad_()
    w = getattr(tl, name)(*args, **kwargs_for(torch, kw))
    r = getattr(rl, name)(*args, **kwargs_for(ramp, kw))
    if isinstance(w, tuple):
        w, r = w[0], r[0]
    assert type(r.grad_fn).__name__ == type(w.grad_fn).__name__ or r.grad_fn.name() == w.grad_fn.name()
    g = make("float64", tuple(w.shape), seed=9)
    w.backward(g)
    r.backward(to_ramp(g).to(r.dtype))
    assert_values(rl.grad, tl.grad, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name,args,kw", [e for e in GRADS if "dtype" not in e[2]])
def test_gradcheck(name, args, kw):
    t = make("float64", (2, 3, 4), seed=6)
    if name == "logsumexp" or name.startswith("cum") or name in ("prod",):
        t = t * 0.5
    x = to_ramp(t).requires_grad_()

    def f(x):
        r = getattr(x, name)(*args, **kw)
        return r[0] if isinstance(r, tuple) else r
    assert ramp.autograd.gradcheck(f, (x,))


def test_std_mean_var_mean_gradients():
    t = make("float64", seed=8)
    for name in ["std_mean", "var_mean"]:
        tl, rl = t.clone().requires_grad_(), to_ramp(t).requires_grad_()
        (ws, wm), (rs, rm) = getattr(torch, name)(tl, 1), getattr(ramp, name)(rl, 1)
        assert rs.grad_fn.name() == type(ws.grad_fn).__name__ == rm.grad_fn.name()
        (ws * 2 + wm * 3).sum().backward()
        (rs * 2 + rm * 3).sum().backward()
        assert_values(rl.grad, tl.grad, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("name", ["maximum", "minimum", "max"])
def test_maximum_gradients_split_ties(name):
    a = torch.tensor([[1.0, 2.0, 3.0], [4.0, 0.0, -1.0]], dtype=torch.float64)
    b = torch.tensor([2.0, 2.0, 1.0], dtype=torch.float64)
    ta, tb = a.clone().requires_grad_(), b.clone().requires_grad_()
    ra, rb = to_ramp(a).requires_grad_(), to_ramp(b).requires_grad_()
    w, r = getattr(torch, name)(ta, tb), getattr(ramp, name)(ra, rb)
    assert r.grad_fn.name() == type(w.grad_fn).__name__
    g = make("float64", (2, 3), seed=2)
    w.backward(g)
    r.backward(to_ramp(g))
    assert_values(ra.grad, ta.grad)
    assert_values(rb.grad, tb.grad)
    assert ramp.autograd.gradcheck(lambda u, v: getattr(ramp, name)(u, v),
                                   (to_ramp(a + 0.1 * b.mean()).requires_grad_(), to_ramp(b).requires_grad_()))


def test_no_grad_for_index_and_bool_results():
    x = to_ramp(make("float64")).requires_grad_()
    for r in [x.argmax(), x.argmin(1), x.max(1).indices, x.all(), x.any(1), ramp.histc(x.detach(), 3)]:
        assert r.grad_fn is None and not r.requires_grad
