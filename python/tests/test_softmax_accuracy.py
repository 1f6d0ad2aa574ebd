"""softmax / log_softmax against the exact value (mpmath, 50 digits) and against PyTorch 1.13.

Errors are counted in ulps of the output dtype at the exact value (0 where ramp's result is the
exact value rounded). Rows of every path the kernels take: short rows (transposed panels), long
rows, other dims (vectors across the inner columns, narrower than a vector too), float32, float64
and bfloat16; near the row maximum (where 1.13 loses hundreds of ulps to log(1 + s)) and elsewhere.
"""
import math

import numpy as np
import pytest

import ramp
from conftest import to_ramp, torch_dtype

torch = pytest.importorskip("torch")
mpmath = pytest.importorskip("mpmath")

DTYPES = ["float32", "float64", "bfloat16"]
# Worst error allowed, in ulps of the output (float32 and float64; bfloat16 results are computed in
# float32 and rounded once, so they are the exact value rounded: within half an ulp, counted 0).
ULPS = {"log_softmax": 2.0, "softmax": 3.0}


def exact(rows):
    """(log_softmax, softmax) of each row (a list of floats), exact to double precision."""
    mpmath.mp.dps = 50
    ls, sm = [], []
    for row in rows:
        xs = [mpmath.mpf(v) for v in row]
        m = max(xs)
        lse = m + mpmath.log(mpmath.fsum(mpmath.exp(v - m) for v in xs))
        ls.append([float(v - lse) for v in xs])
        sm.append([float(mpmath.exp(v - lse)) for v in xs])
    return np.array(ls), np.array(sm)


def ulp_error(got, want, dtype):
    np_type = np.float64 if dtype == "float64" else np.float32
    spacing = np.spacing(np.abs(want).astype(np_type)).astype(np.float64)
    if dtype == "bfloat16":
        spacing *= 2.0 ** 16
    rounded = torch.from_numpy(want).to(torch_dtype(dtype)).double().numpy()
    err = np.abs(got - want) / spacing
    err[got == rounded] = 0.0
    return err


def cases():
    g = np.random.default_rng(12)
    yield "issue 12: 50 rows of 16, randn x 3", g.standard_normal((50, 16)) * 3
    yield "short rows", g.standard_normal((37, 3)) * 3
    yield "rows of 47 (last panel width)", g.standard_normal((20, 47)) * 3
    yield "long rows", g.standard_normal((5, 1000)) * 3
    yield "max far above the rest", np.concatenate([np.full((17, 1), 10.0), g.standard_normal((17, 30)) * 2], 1)
    yield "repeated maxima", np.round(g.standard_normal((19, 24)) * 2)
    yield "wide range", g.standard_normal((9, 70)) * 40
    # x - max on both sides of float32 AVX2's short exp range (>= -80), Highway's band [-104, -80)
    # and the zeros below, mixed within vectors, along rows of 50 and (dim 0) 11 columns
    band = np.array([0.0, -79.9, -80.1, -85.0, -87.5, -95.0, -103.9, -104.1, -120.0, -2.5, -60.0])
    yield "exp's range bands", np.stack([np.roll(np.resize(band, 50), k) for k in range(11)])


def ramp_fn(name):
    return getattr(ramp.nn.functional, name)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [1, 0])
def test_against_exact_value(dtype, dim):
    """Within ULPS of the exact value on every path, and never further from it than 1.13 is."""
    for label, values in cases():
        x_t = torch.from_numpy(values).to(torch_dtype(dtype))
        rows = (x_t if dim == 1 else x_t.t()).double().tolist()  # the values the dtype holds
        ls, sm = exact(rows)
        if dim == 0:
            ls, sm = ls.T, sm.T
        for name, want in (("log_softmax", ls), ("softmax", sm)):
            got = ramp_fn(name)(to_ramp(x_t), dim=dim)
            got = torch.tensor(got.double().tolist(), dtype=torch.float64).numpy()
            err = ulp_error(got, want, dtype)
            t_err = ulp_error(getattr(torch, name)(x_t, dim).double().numpy(), want, dtype)
            where = np.unravel_index(int(np.argmax(err)), err.shape)
            msg = f"{name} {dtype} dim {dim}, {label}: {err.max():.2f} ulp at {where} (torch {t_err.max():.2f})"
            assert err.max() <= ULPS[name], msg
            assert err.max() <= max(t_err.max(), 0.5), msg


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_near_the_max(dtype):
    """log_softmax at the row maximum is -log1p(s) with s small: the case 1.13 computes from the
    rounded 1 + s (hundreds of ulps). Here within 2 ulp."""
    g = np.random.default_rng(5)
    for gap in (2.0, 8.0, 20.0, 60.0):
        values = np.concatenate([np.zeros((30, 1)), -gap - np.abs(g.standard_normal((30, 12)))], 1)
        x_t = torch.from_numpy(values).to(torch_dtype(dtype))
        ls, _ = exact(x_t.double().tolist())
        got = np.array(ramp.nn.functional.log_softmax(to_ramp(x_t), dim=1).double().tolist())
        err = ulp_error(got[:, 0], ls[:, 0], dtype)
        assert err.max() <= 2.0, (gap, err.max())


SPECIAL_ROWS = [
    [1.0, math.inf, 2.0], [-math.inf, -math.inf], [1.0, math.nan, 3.0], [-math.inf, 0.0, 1.0],
    [math.inf, math.inf], [math.nan], [5.0, 5.0, 5.0], [3.0], [-1e30, 1e30, 0.0], [1e30, 1e30, -1e30],
    [-math.inf, 1e-40, -1e-40],
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["log_softmax", "softmax"])
def test_special_values_match_torch(name, dtype):
    """NaN, infinities and huge values, as rows and as columns (every row of 20 copies / columns),
    forward and backward: the same NaN places and values as 1.13."""
    for row in SPECIAL_ROWS:
        for dim, x_t in ((1, torch.tensor([row] * 20)), (0, torch.tensor([row] * 20).t().contiguous())):
            x_t = x_t.to(torch_dtype(dtype)).requires_grad_()
            x_r = to_ramp(x_t.detach()).requires_grad_()
            y_t, y_r = getattr(torch, name)(x_t, dim), ramp_fn(name)(x_r, dim=dim)
            got = np.array(y_r.double().tolist())
            want = y_t.detach().double().numpy()
            assert np.array_equal(np.isnan(got), np.isnan(want)), (row, dim, got, want)
            np.testing.assert_allclose(got, want, rtol=2.0 ** -7 if dtype == "bfloat16" else 1e-6, atol=0)
            g = torch.linspace(-1, 1, x_t.numel()).reshape(x_t.shape).to(x_t.dtype)
            (gx_t,) = torch.autograd.grad(y_t, x_t, g)
            (gx_r,) = ramp.autograd.grad([y_r], [x_r], [to_ramp(g)])
            got, want = np.array(gx_r.double().tolist()), gx_t.double().numpy()
            assert np.array_equal(np.isnan(got), np.isnan(want)), (row, dim, got, want)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["log_softmax", "softmax"])
def test_backward_against_float64_formula(name, dtype):
    """The gradient on every path against 1.13's formula evaluated in float64 from the exact
    output (mpmath): softmax dx = y (g - sum(g y)), log_softmax dx = g - exp(y) sum(g). The result
    cancels, so the bound is a few ulps of the terms' size, |y| (|g| + sum|g y|) or
    |g| + exp(y) sum|g| (ramp's y is the rounded output, a few ulps off too)."""
    gen = np.random.default_rng(9)
    eps = {"float32": 2.0 ** -23, "float64": 2.0 ** -52, "bfloat16": 2.0 ** -7}[dtype]
    for shape, dim in (((40, 10), 1), ((6, 300), 1), ((300, 6), 0), ((64, 10), 0), ((5, 3, 70), 1)):
        x_t = torch.from_numpy(gen.standard_normal(shape) * 3).to(torch_dtype(dtype))
        g_t = torch.from_numpy(gen.standard_normal(shape)).to(torch_dtype(dtype))
        x_r = to_ramp(x_t).requires_grad_()
        y_r = ramp_fn(name)(x_r, dim=dim)
        (gx,) = ramp.autograd.grad([y_r], [x_r], [to_ramp(g_t)])
        got = np.array(gx.double().tolist())
        moved = np.moveaxis(x_t.double().numpy(), dim, -1)
        ls, sm = exact(moved.reshape(-1, moved.shape[-1]).tolist())
        y = np.moveaxis((ls if name == "log_softmax" else sm).reshape(moved.shape), -1, dim)
        g = g_t.double().numpy()
        if name == "softmax":
            want = y * (g - (g * y).sum(dim, keepdims=True))
            scale = np.abs(y) * (np.abs(g) + np.abs(g * y).sum(dim, keepdims=True))
        else:
            want = g - np.exp(y) * g.sum(dim, keepdims=True)
            scale = np.abs(g) + np.exp(y) * np.abs(g).sum(dim, keepdims=True)
        assert np.all(np.abs(got - want) <= 4 * eps * scale + 1e-300), (shape, dim)
