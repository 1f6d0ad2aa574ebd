"""logaddexp(2), logit, xlogy, special.xlog1py, deg2rad, rad2deg, copysign, heaviside, positive, sinc,
lgamma, digamma, polygamma, gcd, lcm, ldexp, bitwise shifts (and << >>), nextafter against torch 1.13
on the same inputs (values bit for bit where 1.13's formula is ramp's, else a few ulps; dtypes,
in-place forms, errors, gradients and node names) and against exact oracles (math, mpmath)."""
import math

import numpy as np
import pytest

import ramp
from conftest import assert_oracle, assert_values, dtype_name, outcome, to_numpy, to_ramp, ulp

torch = pytest.importorskip("torch")
mpmath = pytest.importorskip("mpmath")

FLOATS = ["float32", "float64", "bfloat16"]
INTS = ["int8", "uint8", "int32", "int64"]
ALL = FLOATS + INTS + ["bool"]
# zeros of both signs, infinities, NaN, the poles of lgamma/digamma, logit's ends, large values
SPECIALS = [0.0, -0.0, math.inf, -math.inf, math.nan, 1.0, -1.0, 2.0, -2.0, -3.0, 0.5, -0.5, 1e-30, 1e30, 3e38,
            -7.25, 0.25, 0.75, 1e-8, 100.0]


def values(dtype, n=200, scale=5.0, seed=0):
    g = torch.Generator().manual_seed(seed)
    v = torch.cat([torch.tensor(SPECIALS, dtype=torch.float64), torch.randn(n, generator=g, dtype=torch.float64) * scale])
    return v.to(getattr(torch, dtype))


def grid(dtype, seed=0):
    v = values(dtype, 40, seed=seed)
    a, b = torch.meshgrid(v, v, indexing="ij")
    return a.contiguous(), b.contiguous()


def ints(dtype, seed=0, lowest=True):
    """Edge values of an integer dtype (0, ±1, its extremes) and random ones, as a grid. Without
    `lowest`, no most negative value (1.13's lcm divides it by a gcd of -1 and dies of SIGFPE)."""
    info = torch.iinfo(getattr(torch, dtype))
    low = info.min if lowest else info.min + 1
    edge = sorted({0, 1, -1 if info.min < 0 else 2, low, info.max, info.min + 1, 6, -6 if info.min < 0 else 12,
                   12, 18, -128 if info.min < 0 else 128})
    g = torch.Generator().manual_seed(seed)
    r = torch.randint(max(info.min, -1000), min(info.max, 1000), (20,), generator=g)
    v = torch.cat([torch.tensor(edge), r]).to(getattr(torch, dtype))
    a, b = torch.meshgrid(v, v, indexing="ij")
    return a.contiguous(), b.contiguous()


def ulps_tol(dtype, n):
    """rtol of n ulps in dtype (relative spacing at the bottom of a binade)."""
    return n * {"float32": 2.0 ** -23, "float64": 2.0 ** -52, "bfloat16": 2.0 ** -7}[dtype]


def same(r, t, ulps=0, dtype=None, atol=0.0):
    if ulps == 0 and atol == 0:
        assert_values(r, t)
    else:
        assert_values(r, t, rtol=ulps_tol(dtype or dtype_name(t), ulps) if ulps else 0.0, atol=atol)


def oracle(r, want, ulps, **kw):
    """assert_oracle where the exact value is finite in r's dtype; where it is infinite there (or
    rounds to an infinity: 3e38 * 88 in float32), r equals that infinity."""
    want = np.array(np.broadcast_to(np.asarray(want, dtype=np.float64), tuple(r.shape)))  # (a writable copy)
    a = to_numpy(r).astype(np.float64)
    rounded = torch.from_numpy(want).to(getattr(torch, dtype_name(r))).double().numpy()
    inf = np.isinf(rounded)
    assert (a[inf] == rounded[inf]).all(), (a[inf], want[inf])
    # (within 2 ulps of the largest finite value a result a few ulps off may round to an infinity)
    keep = ~inf & ~(np.abs(want) > torch.finfo(getattr(torch, dtype_name(r))).max * (1 - 2 * ulp(1.0, dtype_name(r))))
    for k in ("mag",):
        if kw.get(k) is not None:
            kw[k] = np.broadcast_to(np.asarray(kw[k], dtype=np.float64), want.shape)[keep]
    assert_oracle(r[to_ramp(torch.from_numpy(keep))], want[keep], np.broadcast_to(ulps, want.shape)[keep], **kw)


def near_torch(r, t, ulps, mag, dtype):
    """r within `ulps` ulps (of the dtype) of torch's t at |t| and at the magnitudes `mag` the
    computation cancelled (a difference of an ulp in SLEEF's or libm's last bit there); infinities,
    NaN and dtype as t."""
    assert dtype_name(r) == dtype_name(t) and tuple(r.shape) == tuple(t.shape)
    a, b = to_numpy(r).astype(np.float64), to_numpy(t).astype(np.float64)
    assert (np.isnan(a) == np.isnan(b)).all()
    fin = np.isfinite(b)
    assert (a[~fin & ~np.isnan(b)] == b[~fin & ~np.isnan(b)]).all()
    mag = np.broadcast_to(mag, b.shape)[fin]
    tol = ulps * (ulp(b[fin], dtype) + ulp(np.where(np.isfinite(mag), mag, 0), dtype))
    bad = ~((a[fin] == b[fin]) | (np.abs(a[fin] - b[fin]) <= tol))
    assert not bad.any(), (a[fin][bad][:5], b[fin][bad][:5])


# ---- unary ----

def mp_oracle(fn, x):
    mpmath.mp.dps = 40
    out = np.empty(x.shape)
    for i, v in enumerate(x.ravel()):
        try:
            out.ravel()[i] = float(fn(mpmath.mpf(float(v))))
        except (ValueError, ZeroDivisionError):
            out.ravel()[i] = math.nan
    return out


def lgamma_oracle(x):
    return np.vectorize(lambda v: math.lgamma(v) if not (v <= 0 and v == math.floor(v)) else math.inf)(x)


UNARY_TOL = {  # ulps against torch: 0 where 1.13's formula and libm are ramp's
    "deg2rad": 0, "rad2deg": 0, "sinc": 0, "digamma": 0, "lgamma": 4}


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", list(UNARY_TOL))
def test_unary_against_torch(name, dtype):
    t_in = values(dtype)
    r_in = to_ramp(t_in)
    t = getattr(torch, name)(t_in)
    r = getattr(ramp, name)(r_in)
    tol = UNARY_TOL[name]
    if name == "lgamma":  # 1.13: SLEEF's lgamma; ramp: libm's. Near lgamma's zeros (1, 2) both are off by an ulp of 1
        same(r, t, tol, dtype, atol=4 * ulps_tol(dtype, 1))
    else:
        same(r, t, tol, dtype)
    # strided, method, in place
    same(getattr(ramp, name)(r_in[::2]), getattr(torch, name)(t_in[::2]), tol, dtype, atol=1e-6 if name == "lgamma" else 0)
    assert_values(getattr(r_in, name)(), r)
    y = r_in.clone()
    assert getattr(y, name + "_")() is y
    assert_values(y, r)
    assert hasattr(ramp, name + "_") == hasattr(torch, name + "_")
    assert hasattr(ramp.Tensor, name + "_") == hasattr(torch.Tensor, name + "_")


@pytest.mark.parametrize("dtype", FLOATS)
def test_unary_against_exact_oracles(dtype):
    g = torch.Generator().manual_seed(4)
    x = torch.cat([torch.rand(300, generator=g, dtype=torch.float64) * 30 + 0.05,
                   -(torch.randint(0, 20, (100,), generator=g) + torch.rand(100, generator=g, dtype=torch.float64) * 0.8
                     + 0.1)]).to(getattr(torch, dtype))
    r_in = to_ramp(x)
    xd = to_numpy(r_in).astype(np.float64)
    steps = 3 if dtype == "bfloat16" else 2  # bfloat16: the float result rounded again
    assert_oracle(ramp.deg2rad(r_in), xd * (math.pi / 180), steps)
    assert_oracle(ramp.rad2deg(r_in), xd * (180 / math.pi), steps)
    # digamma: Cephes' series, a few ulps of the magnitudes it went through: the recurrence's sum of
    # 1/x up to 10 and log(x) (about 3), and for x < 0 the reflection's pi / tan(pi x)
    want = mp_oracle(mpmath.digamma, xd)
    with np.errstate(all="ignore"):
        mag = 3 + np.log(np.maximum(np.abs(xd), 10)) + np.where(xd < 0, np.abs(np.pi / np.tan(np.pi * xd)), 0)
    assert_oracle(ramp.digamma(r_in), want, 4, mag=mag, mag_dtype=dtype)
    # lgamma, positive arguments: glibc's, within a few ulps, absolutely an ulp of 1 near its zeros
    pos = r_in[xd > 0]
    assert_oracle(ramp.lgamma(pos), lgamma_oracle(xd[xd > 0]), 4, mag=np.ones(int((xd > 0).sum())))
    # sinc: sin(pi x) / (pi x) with pi x rounded to the dtype: exact for that product within 2 ulps
    # (its rounding moves the result by |x| pi cos(pi x) ulps near sinc's zeros)
    if dtype != "bfloat16":
        s = ramp.sinc(r_in)
        pi = np.float32(np.pi) if dtype == "float32" else np.pi  # pi in the dtype, as 1.13's c10::pi<T>
        p = (pi * xd.astype(getattr(np, dtype))).astype(np.float64)  # the product rounded once
        assert_oracle(s, np.sin(p) / p, 2)


@pytest.mark.parametrize("dtype", INTS + ["bool"])
@pytest.mark.parametrize("name", list(UNARY_TOL))
def test_unary_integers_give_the_default_dtype(name, dtype):
    t_in = torch.tensor([0, 1, 2, 3, 5], dtype=getattr(torch, dtype)) if dtype != "bool" else torch.tensor([True, False])
    t = getattr(torch, name)(t_in)
    r = getattr(ramp, name)(to_ramp(t_in))
    same(r, t, UNARY_TOL[name], "float32")
    # in place on an integer tensor: 1.13's cast error
    _, et = outcome(lambda x: getattr(x, name + "_")(), t_in.clone())
    _, er = outcome(lambda x: getattr(x, name + "_")(), to_ramp(t_in))
    assert er == et


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("eps", [None, 0.0, 0.1, 1e-6, -1.0, 0.5])
def test_logit(eps, dtype):
    x = torch.cat([torch.tensor([0.0, -0.0, 1.0, 0.5, -0.5, 1.5, 1e-30, 1 - 1e-7, 0.05, 0.95, math.nan, math.inf],
                                dtype=torch.float64),
                   torch.rand(100, generator=torch.Generator().manual_seed(5), dtype=torch.float64)]).to(getattr(torch, dtype))
    r_in = to_ramp(x)
    t, r = torch.logit(x, eps), ramp.logit(r_in, eps)
    assert_values(r, t)  # each step as 1.13's vector kernel: bit for bit
    assert_values(ramp.logit(r_in, eps=eps), t)
    assert_values(r_in.logit(eps), t)
    assert_values(ramp.special.logit(r_in, eps), torch.special.logit(x, eps))
    y = r_in.clone()
    assert y.logit_(eps) is y
    assert_values(y, t)
    y = r_in.clone()
    assert ramp.logit_(y, eps) is y
    assert_values(y, t)
    # against log(z / (1 - z)) exactly, z the clamped input, away from 1 (cancellation of 1 - z)
    z = to_numpy(r_in).astype(np.float64)
    if eps is not None and eps >= 0:  # the bounds as 1.13 rounds them: eps and 1 - eps in the dtype
        e = torch.tensor(eps, dtype=getattr(torch, dtype))
        z = np.clip(z, float(e), float(1 - e))
    keep = (z > 0.01) & (z < 0.9)
    steps = 4 if dtype == "bfloat16" else 3  # (1 - z), the quotient and the log each round
    assert_oracle(r[to_ramp(torch.from_numpy(keep))], np.log(z[keep] / (1 - z[keep])), steps,
                  mag=np.ones(int(keep.sum())) * 4, mag_dtype=dtype)


def test_logit_integers_and_gradients():
    t_in = torch.tensor([0, 1, 2])
    assert_values(ramp.logit(to_ramp(t_in), 0.25), torch.logit(t_in, 0.25))
    _, et = outcome(lambda x: x.logit_(), t_in.clone())
    _, er = outcome(lambda x: x.logit_(), to_ramp(t_in))
    assert er == et
    x = torch.tensor([0.0, 0.05, 0.3, 0.5, 0.97, 1.0, -0.2, 1.2], dtype=torch.float64)
    for eps in [None, 0.1, -1.0]:
        ta, ra = x.clone().requires_grad_(), to_ramp(x).requires_grad_()
        yt, yr = torch.logit(ta, eps), ramp.logit(ra, eps)
        assert yr.grad_fn.name() == yt.grad_fn.name() == "LogitBackward0"
        yt.backward(torch.arange(1.0, 9.0, dtype=torch.float64))
        yr.backward(ramp.arange(1.0, 9.0, dtype=ramp.float64))
        assert_values(ra.grad, ta.grad, rtol=1e-15)
    inner = to_ramp(torch.rand(6, dtype=torch.float64, generator=torch.Generator().manual_seed(6)) * 0.8 + 0.1)
    assert ramp.autograd.gradcheck(lambda p: ramp.logit(p, 0.05), (inner.requires_grad_(),))
    assert ramp.autograd.gradgradcheck(lambda p: ramp.logit(p), (inner,))


def test_polygamma():
    # positive and negative arguments (negative half-integers, where the zeta sum cancels), poles
    x = torch.cat([torch.tensor([0.0, -0.0, 1.0, -1.0, -2.5, 0.5, 3.0, math.inf, -math.inf, math.nan, 1e-5, 2.0, 10.0,
                                 -0.5, -1.5, -9.5, -20.5, -3.25], dtype=torch.float64),
                   torch.rand(60, generator=torch.Generator().manual_seed(7), dtype=torch.float64) * 12 + 0.1,
                   torch.rand(40, generator=torch.Generator().manual_seed(8), dtype=torch.float64) * -20])
    for dtype in FLOATS:
        t_in = x.to(getattr(torch, dtype))
        r_in = to_ramp(t_in)
        xd = to_numpy(r_in).astype(np.float64)
        # bit for bit: 1.13's n! in double, zeta accumulated in double (float for bfloat16) and rounded
        # to the dtype, the product rounded once (float32's polygamma(40, 2) is finite: -3.71e35)
        for n in list(range(12)) + [20, 34, 40, 50]:
            assert_values(ramp.polygamma(n, r_in), torch.polygamma(n, t_in), inputs=r_in)
        # 1.13 takes n as a 32-bit int: 2**32 + 2 is 2
        for n in [2 ** 32, 2 ** 32 + 1, 2 ** 32 + 2, 2 ** 33 + 10, 2 ** 63 - 1]:
            assert_values(ramp.polygamma(n, r_in[:30]), torch.polygamma(n, t_in[:30]))
        for n in range(5):
            t, r = torch.polygamma(n, t_in), ramp.polygamma(n, r_in)
            assert_values(r_in.polygamma(n), r)
            assert_values(ramp.special.polygamma(n, r_in), r)
            y = r_in.clone()
            assert y.polygamma_(n) is y
            assert_values(y, r)
            if n >= 1:  # exact: psi^(n)(x), positive arguments
                keep = (xd > 0.05) & np.isfinite(xd)
                want = mp_oracle(lambda v, n=n: mpmath.polygamma(n, v), xd[keep])
                got = r[to_ramp(torch.from_numpy(keep))]
                if n == 1 and dtype == "float64":  # 1.13's trigamma stops its series early: 1e-9 relative
                    assert np.allclose(to_numpy(got), want, rtol=2e-9, atol=0)
                else:
                    assert_oracle(got, want, 8 if dtype != "bfloat16" else 4)
    # integers give the default dtype; negative n refused as 1.13
    assert_values(ramp.polygamma(2, ramp.tensor([1, 2])), torch.polygamma(2, torch.tensor([1, 2])), rtol=1e-6)
    _, et = outcome(torch.polygamma, -1, torch.ones(2))
    _, er = outcome(ramp.polygamma, -1, ramp.ones(2))
    assert er == et
    assert hasattr(ramp, "polygamma_") == hasattr(torch, "polygamma_")


@pytest.mark.parametrize("name,n", [("lgamma", None), ("digamma", None), ("sinc", None), ("deg2rad", None),
                                    ("rad2deg", None), ("polygamma", 0), ("polygamma", 1), ("polygamma", 2)])
def test_unary_gradients(name, n):
    x = torch.tensor([0.3, 1.7, 2.5, -0.4, -1.5, 4.0, 0.0, 1.0], dtype=torch.float64)
    if name in ("lgamma", "digamma", "polygamma"):
        x = x[x > 0]  # (away from the poles)
    ta, ra = x.clone().requires_grad_(), to_ramp(x).requires_grad_()
    fn_t = (lambda v: torch.polygamma(n, v)) if n is not None else getattr(torch, name)
    fn_r = (lambda v: ramp.polygamma(n, v)) if n is not None else getattr(ramp, name)
    yt, yr = fn_t(ta), fn_r(ra)
    assert yr.grad_fn.name() == yt.grad_fn.name()
    yt.backward(torch.linspace(-1, 2, len(x), dtype=torch.float64))
    yr.backward(ramp.linspace(-1, 2, len(x), dtype=ramp.float64))
    assert_values(ra.grad, ta.grad, rtol=1e-12, atol=1e-15)
    p = to_ramp(x[x != 0]).requires_grad_()
    assert ramp.autograd.gradcheck(fn_r, (p,))
    assert ramp.autograd.gradgradcheck(fn_r, (p,))
    # in place: 1.13's node for the in-place form (PolygammaBackward1 for every n), its gradient
    zs = []
    for lib, v in [(torch, x), (ramp, to_ramp(x))]:
        leaf = v.clone().requires_grad_()
        z = leaf.mul(1)
        z.polygamma_(n) if n is not None else getattr(z, name + "_")()
        z.backward(lib.linspace(-1, 2, len(x), dtype=lib.float64))
        zs.append((z.grad_fn.name(), leaf.grad))
    assert zs[1][0] == zs[0][0]
    assert_values(zs[1][1], zs[0][1], rtol=1e-12, atol=1e-15)
    q = to_ramp(x[x != 0]).requires_grad_()
    assert ramp.autograd.gradgradcheck(lambda v: v.mul(1).polygamma_(n) if n is not None else
                                       getattr(v.mul(1), name + "_")(), (q,))


@pytest.mark.parametrize("dtype", FLOATS)
def test_sinc_gradient_bit_for_bit(dtype):
    # 1.13 divides by pi x² before multiplying by dy: ((pi x cos(pi x) - sin(pi x)) / (pi x²)) dy
    g = torch.Generator().manual_seed(11)
    x = (torch.randn(2000, generator=g, dtype=torch.float64) * 3).to(getattr(torch, dtype))
    w = (torch.randn(2000, generator=g, dtype=torch.float64) * 5).to(getattr(torch, dtype))
    tx, rx = x.clone().requires_grad_(), to_ramp(x).requires_grad_()
    torch.sinc(tx).backward(w)
    ramp.sinc(rx).backward(to_ramp(w))
    assert_values(rx.grad, tx.grad, inputs=rx)


def test_sinc_gradient_at_zero_is_zero():
    t, r = torch.zeros(3, dtype=torch.float64, requires_grad=True), ramp.zeros(3, dtype=ramp.float64, requires_grad=True)
    torch.sinc(t).sum().backward()
    ramp.sinc(r).sum().backward()
    assert_values(r.grad, t.grad)


def test_positive():
    for dtype in FLOATS + INTS:
        t = values("float64", 10).to(getattr(torch, dtype)) if dtype in FLOATS else torch.tensor([1, 0, 5]).to(getattr(torch, dtype))
        r = to_ramp(t)
        assert_values(ramp.positive(r), torch.positive(t))
        assert_values(r.positive(), t.positive())
    r = ramp.tensor([1.0, 2.0])
    ramp.positive(r)[0] = 7.0  # x itself, not a copy (as 1.13)
    assert r[0].item() == 7.0
    _, et = outcome(torch.positive, torch.tensor([True]))
    _, er = outcome(ramp.positive, ramp.tensor([True]))
    assert er == et
    assert not hasattr(ramp, "positive_") and not hasattr(ramp.Tensor, "positive_")
    # x itself, the same Python object, as 1.13 (torch.positive(x) is x, +x is x)
    for lib in (torch, ramp):
        x = lib.ones(2, requires_grad=True)
        assert lib.positive(x) is x and (+x) is x and x.positive() is x
    # +bool is positive's error, as 1.13
    _, et = outcome(lambda v: +v, torch.tensor([True]))
    _, er = outcome(lambda v: +v, ramp.tensor([True]))
    assert er == et and et is not None


# ---- binary, floating ----

BINARY_TOL = {"logaddexp": 2, "logaddexp2": 2, "xlogy": 0, "copysign": 0, "nextafter": 0, "ldexp": 0}


def tfn(name):
    return torch.special.xlog1py if name == "xlog1py" else getattr(torch, name)


def rfn(name):
    return ramp.special.xlog1py if name == "xlog1py" else getattr(ramp, name)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", list(BINARY_TOL) + ["xlog1py"])
def test_binary_against_torch(name, dtype):
    a, b = grid(dtype)
    if name == "ldexp":
        b = b.clamp(-200, 200).round()
    if dtype == "bfloat16":  # 1.13's float -> bfloat16 conversion makes NaN 0xffff (negative): copysign
        b = torch.where(b.isnan(), torch.tensor(math.nan, dtype=b.dtype), b)  # would see its sign
    ra, rb = to_ramp(a), to_ramp(b)
    t, r = tfn(name)(a, b), rfn(name)(ra, rb)
    tol = BINARY_TOL.get(name, 0)

    def check(r, t, a):
        if name.startswith("logaddexp"):  # m + log(1 + t): an ulp of exp/log at 1 + t, near m cancelling
            near_torch(r, t, tol, np.maximum(np.abs(to_numpy(a).astype(np.float64)), 1), dtype)
        else:
            same(r, t, tol, dtype)
    check(r, t, a)
    # broadcasting, strided, and the method form
    check(rfn(name)(ra[:, :1], rb[0]), tfn(name)(a[:, :1], b[0]), a[:, :1].expand(a.shape))
    check(rfn(name)(ra.t(), rb.t()), tfn(name)(a.t(), b.t()), a.t())
    if hasattr(torch.Tensor, name):
        assert_values(getattr(ra, name)(rb), r)


@pytest.mark.parametrize("dtype", FLOATS)
def test_logaddexp_against_exact(dtype):
    a, b = grid(dtype, seed=3)
    ra, rb = to_ramp(a), to_ramp(b)
    x, y = to_numpy(ra).astype(np.float64), to_numpy(rb).astype(np.float64)
    with np.errstate(all="ignore"):
        # 1.13's log(1 + t) loses t below half an ulp of 1: an ulp of 1 absolutely, besides the ulps of the result
        mag = np.maximum(np.abs(np.fmax(x, y)), 2)  # m, and 1 + t's rounding (an ulp of 2 at most)
        oracle(ramp.logaddexp(ra, rb), np.logaddexp(x, y), 2, mag=mag, mag_dtype="float32" if dtype != "float64" else None)
        oracle(ramp.logaddexp2(ra, rb), np.logaddexp2(x, y), 2, mag=mag, mag_dtype="float32" if dtype != "float64" else None)
        # xlogy: x log(y), the logarithm rounded first in bfloat16 (an ulp of log(y) times x)
        want = np.where(np.isnan(y), np.nan, np.where(x == 0, 0.0, x * np.log(y)))
        oracle(ramp.xlogy(ra, rb), want, 2, mag=np.abs(want), mag_dtype=dtype)
        want = np.where(np.isnan(y), np.nan, np.where(x == 0, 0.0, x * np.log1p(y)))
        oracle(ramp.special.xlog1py(ra, rb), want, 2, mag=np.abs(want), mag_dtype=dtype)
        assert_values(ramp.copysign(ra, rb), torch.from_numpy(np.copysign(to_numpy(ra), to_numpy(rb))).to(
            getattr(torch, dtype)))
        # nextafter: float64 against NumPy exactly, float32 too
        if dtype != "bfloat16":
            assert_values(ramp.nextafter(ra, rb), torch.from_numpy(np.nextafter(to_numpy(ra), to_numpy(rb))))


def test_xlogy_special_points():
    x = torch.tensor([0.0, 0.0, 0.0, -0.0, 2.0, 0.0, 3.0])
    y = torch.tensor([math.nan, 0.0, -1.0, math.inf, 0.0, -math.inf, -2.0])
    for fn, rf in [(torch.xlogy, ramp.xlogy), (torch.special.xlogy, ramp.special.xlogy),
                   (torch.special.xlog1py, ramp.special.xlog1py)]:
        assert_values(rf(to_ramp(x), to_ramp(y)), fn(x, y))


@pytest.mark.parametrize("name", ["xlogy", "xlog1py", "copysign"])
def test_binary_numbers(name):
    t = torch.tensor([0.0, 1.5, -2.0, 3.0])
    r = to_ramp(t)
    it = torch.tensor([0, 2, -3])
    for other in [2, 2.5, -0.0, 0, True]:
        assert_values(rfn(name)(r, other), tfn(name)(t, other))
        assert_values(rfn(name)(to_ramp(it), other), tfn(name)(it, other))
    if name != "copysign":  # a number first (1.13 has these overloads for xlogy and xlog1py)
        assert_values(rfn(name)(2, r.abs()), tfn(name)(2, t.abs()))
        assert_values(rfn(name)(0.5, to_ramp(it.abs())), tfn(name)(0.5, it.abs()))
    # methods and in place with a number
    if name != "xlog1py":
        assert_values(getattr(r, name)(2.5), getattr(t, name)(2.5))
        y = r.clone()
        assert getattr(y, name + "_")(-1) is y
        assert_values(y, getattr(t.clone(), name + "_")(-1))
    assert hasattr(ramp, name + "_") == hasattr(torch, name + "_")
    assert hasattr(ramp.Tensor, name + "_") == hasattr(torch.Tensor, name + "_")
    assert hasattr(ramp.Tensor, name) == hasattr(torch.Tensor, name)


@pytest.mark.parametrize("dtype", INTS + ["bool"])
def test_numbers_join_in_the_floating_dtype(dtype):
    # An op that computes integers in floating point takes a number straight to that dtype, as 1.13
    # converts a wrapped number: xlogy(int8 tensor, 200) is x log(200.), not of 200 wrapped to -56
    t = torch.tensor([[3, 2], [1, 0], [5, 7]], dtype=getattr(torch, dtype)) if dtype != "bool" else \
        torch.tensor([True, False])
    r = to_ramp(t)
    for s in [-1, 200, -300, 2 ** 40, -2 ** 40, 2.5, True]:
        for name in ["xlogy", "xlog1py", "copysign"]:
            assert_values(rfn(name)(r, s), tfn(name)(t, s))
            if name != "copysign":  # (1.13 has a number-first overload for these)
                assert_values(rfn(name)(s, r), tfn(name)(s, t))
        assert_values(r.xlogy(s), t.xlogy(s))
        assert_values(r.copysign(s), t.copysign(s))
        # true division: the number as a divisor and as a dividend (1.13: reciprocal() * number)
        assert_values(r / s, t / s)
        assert_values(s / r, s / t)
        assert_values(ramp.div(r, s), torch.div(t, s))
        assert_values(r.div(s), t.div(s))
        assert_values(ramp.true_divide(r, s), torch.true_divide(t, s))
        if dtype != "bool" and not isinstance(s, bool) and abs(s) < 2 ** 31:  # integer division: s wraps, as 1.13
            for mode in ["floor", "trunc"]:
                _, et = outcome(lambda: torch.div(t, s, rounding_mode=mode))
                _, er = outcome(lambda: ramp.div(r, s, rounding_mode=mode))
                assert er == et
                if et is None:
                    assert_values(ramp.div(r, s, rounding_mode=mode), torch.div(t, s, rounding_mode=mode))
    # the gradient of a number over a tensor: 1.13's reciprocal() * number
    tx = torch.tensor([3.0, -7.0, 0.1], dtype=torch.float64, requires_grad=True)
    rx = to_ramp(tx.detach()).requires_grad_()
    yt, yr = 200 / tx, 200 / rx
    assert yr.grad_fn.name() == yt.grad_fn.name()
    yt.sum().backward()
    yr.sum().backward()
    assert_values(rx.grad, tx.grad)


@pytest.mark.parametrize("dtype", FLOATS)
def test_number_over_tensor_is_reciprocal_times_number(dtype):
    t = values(dtype)
    r = to_ramp(t)
    for s in [200, 2.5, -1, 0.1]:
        assert_values(s / r, s / t)


# ---- every dtype pair: result dtypes and errors as 1.13 ----

def sample(dtype):
    if dtype == "bool":
        return torch.tensor([True, False, True])
    if dtype in FLOATS:
        return torch.tensor([1.5, 0.0, -2.0], dtype=getattr(torch, dtype))
    return torch.tensor([3, 0, 2], dtype=getattr(torch, dtype))


# every pair but int8 with uint8 (1.13 promotes them to int16, which ramp does not have)
PAIRS = [(a, b) for a in ALL for b in ALL if {a, b} != {"int8", "uint8"}]
TWO = ["logaddexp", "logaddexp2", "xlogy", "xlog1py", "copysign", "heaviside", "gcd", "lcm", "ldexp",
       "bitwise_left_shift", "bitwise_right_shift", "nextafter"]


@pytest.mark.parametrize("name", TWO)
def test_binary_dtypes_and_errors(name):
    for da, db in PAIRS:
        a, b = sample(da), sample(db)
        t, et = outcome(tfn(name), a, b)
        r, er = outcome(rfn(name), to_ramp(a), to_ramp(b))
        assert er == et, (da, db)
        if et is None:
            same(r, t, 0, dtype_name(t))
    # numbers where 1.13 takes none: a TypeError (pybind's text, not torch's)
    if name not in ("xlogy", "xlog1py", "copysign", "bitwise_left_shift", "bitwise_right_shift"):
        _, et = outcome(tfn(name), torch.ones(2), 2)
        _, er = outcome(rfn(name), ramp.ones(2), 2)
        assert er[0] == et[0] == "TypeError"
    # in-place: what exists, and the cast errors
    for owner_t, owner_r, suffix in [(torch, ramp, "_"), (torch.Tensor, ramp.Tensor, "_")]:
        if name != "xlog1py":
            assert hasattr(owner_r, name + suffix) == hasattr(owner_t, name + suffix), (owner_r, name)
    if hasattr(torch.Tensor, name + "_"):
        for da, db in PAIRS:
            a, b = sample(da), sample(db)
            t, et = outcome(lambda x, y: getattr(x, name + "_")(y), a.clone(), b)
            y = to_ramp(a)
            r, er = outcome(lambda x, z: getattr(x, name + "_")(z), y, to_ramp(b))
            assert er == et, (da, db)
            if et is None:
                assert r is y
                same(r, t, 0, dtype_name(t))


# ---- integers: gcd, lcm, shifts ----

@pytest.mark.parametrize("dtype", INTS)
@pytest.mark.parametrize("name", ["gcd", "lcm", "bitwise_left_shift", "bitwise_right_shift"])
def test_integer_ops_against_torch(name, dtype):
    a, b = ints(dtype, lowest=name != "lcm" or dtype in ("int8", "uint8"))
    if name.startswith("bitwise"):  # every count from -1 to past the widest shift, as 1.13 does them
        counts = torch.arange(-1, 70).to(getattr(torch, dtype)) if dtype != "int8" else torch.arange(-1, 70).to(torch.int8)
        a, b = torch.meshgrid(a[:, 0], counts, indexing="ij")
        a, b = a.contiguous(), b.contiguous()
    t = getattr(torch, name)(a, b)
    r = getattr(ramp, name)(to_ramp(a), to_ramp(b))
    assert_values(r, t)
    assert_values(getattr(ramp, name)(to_ramp(a).t(), to_ramp(b).t()), getattr(torch, name)(a.t(), b.t()))
    y = to_ramp(a)
    assert getattr(y, name + "_")(to_ramp(b)) is y
    assert_values(y, t)
    if hasattr(torch, name + "_"):
        y = to_ramp(a)
        assert getattr(ramp, name + "_")(y, to_ramp(b)) is y
        assert_values(y, t)


def test_gcd_lcm_exact():
    a = np.random.default_rng(8).integers(-10 ** 6, 10 ** 6, 500)
    b = np.random.default_rng(9).integers(-10 ** 6, 10 ** 6, 500)
    a[:5], b[:5] = [0, 0, 7, -12, 5], [0, 9, 0, 18, -5]
    r = ramp.gcd(ramp.tensor(a.tolist()), ramp.tensor(b.tolist()))
    assert r.tolist() == np.gcd(a, b).tolist()
    r = ramp.lcm(ramp.tensor(a.tolist()), ramp.tensor(b.tolist()))
    assert r.tolist() == np.lcm(a, b).tolist()


def test_shift_operators():
    for dtype in INTS:
        t = torch.tensor([5, 3, 0, 100], dtype=getattr(torch, dtype))
        s = torch.tensor([1, 0, 7, 2], dtype=getattr(torch, dtype))
        r, rs = to_ramp(t), to_ramp(s)
        assert_values(r << rs, t << s)
        assert_values(r >> rs, t >> s)
        assert_values(r << 2, t << 2)
        assert_values(r >> 1, t >> 1)
        assert_values(3 << rs, 3 << s)
        assert_values(300 >> rs, 300 >> s)
        assert_values(ramp.bitwise_left_shift(2, rs), torch.bitwise_left_shift(2, s))
        assert_values(r.bitwise_right_shift(1), t.bitwise_right_shift(1))
        y, x = r.clone(), t.clone()
        y <<= rs
        x <<= s
        assert_values(y, x)
        y >>= 1
        x >>= 1
        assert_values(y, x)
        y2 = r.clone()
        assert y2.bitwise_left_shift_(2) is y2
        assert_values(y2, t.clone().bitwise_left_shift_(2))
    for op in [lambda x: x << 2, lambda x: x >> 1, lambda x: 2 << x, lambda x: x << 2.5]:
        _, et = outcome(op, torch.tensor([1.5, 2.0]))
        _, er = outcome(op, ramp.tensor([1.5, 2.0]))
        assert er == et
    _, et = outcome(lambda x: x << 2.5, torch.tensor([1, 2]))
    _, er = outcome(lambda x: x << 2.5, ramp.tensor([1, 2]))
    assert er == et


# ---- heaviside, nextafter, ldexp ----

def test_heaviside():
    x = torch.tensor([math.nan, -0.0, 0.0, 1.0, -1.0, math.inf, -math.inf, 1e-45])
    v = torch.tensor([0.5, 2.0, -3.0, math.nan, 0.5, 0.5, 0.5, 0.5])
    for dtype in FLOATS:
        t_x, t_v = x.to(getattr(torch, dtype)), v.to(getattr(torch, dtype))
        assert_values(ramp.heaviside(to_ramp(t_x), to_ramp(t_v)), torch.heaviside(t_x, t_v))
        assert_values(ramp.heaviside(to_ramp(t_x), to_ramp(t_v[:1])), torch.heaviside(t_x, t_v[:1]))
        assert_values(to_ramp(t_x).heaviside(values=to_ramp(t_v)), t_x.heaviside(values=t_v))
    for dtype in INTS + ["bool"]:
        t_x = torch.tensor([0, 1, 0, 1], dtype=getattr(torch, dtype)) if dtype in ("uint8", "bool") else \
            torch.tensor([-2, 0, 3, 0], dtype=getattr(torch, dtype))
        t_v = torch.tensor([1, 0, 1, 1], dtype=getattr(torch, dtype))
        assert_values(ramp.heaviside(to_ramp(t_x), to_ramp(t_v)), torch.heaviside(t_x, t_v))
    t = torch.tensor([0.0, 1.0], requires_grad=True)
    r = ramp.tensor([0.0, 1.0], requires_grad=True)
    yt, yr = torch.heaviside(t, t.detach()), ramp.heaviside(r, r.detach())
    assert yr.grad_fn.name() == yt.grad_fn.name()
    _, et = outcome(lambda y: y.sum().backward(), yt)
    _, er = outcome(lambda y: y.sum().backward(), yr)
    assert er == et
    # in place: the same node, its own error (aten::heaviside_)
    yt, yr = t.mul(1).heaviside_(t.detach()), r.mul(1).heaviside_(r.detach())
    assert yr.grad_fn.name() == yt.grad_fn.name()
    _, et = outcome(lambda y: y.sum().backward(), yt)
    _, er = outcome(lambda y: y.sum().backward(), yr)
    assert er == et


def test_nextafter():
    a = torch.tensor([1.0, 0.0, -0.0, 0.0, -1.0, math.inf, -math.inf, math.nan, 1.0, 3e38, 1e-45, -2.5])
    b = torch.tensor([2.0, -1.0, 1.0, -0.0, -2.0, 0.0, 0.0, 1.0, math.nan, math.inf, 0.0, -2.5])
    for dtype in FLOATS:
        ta, tb = a.to(getattr(torch, dtype)), b.to(getattr(torch, dtype))
        assert_values(ramp.nextafter(to_ramp(ta), to_ramp(tb)), torch.nextafter(ta, tb))
        y = to_ramp(ta)
        assert y.nextafter_(to_ramp(tb)) is y
        assert_values(y, torch.nextafter(ta, tb))
    # bfloat16 steps its own bits: ±1 in the encoding
    r = ramp.nextafter(ramp.tensor([1.0], dtype=ramp.bfloat16), ramp.tensor([2.0], dtype=ramp.bfloat16))
    assert r.item() == 1.0 + 2 ** -7
    t = torch.tensor([1.0], requires_grad=True)
    rr = ramp.tensor([1.0], requires_grad=True)
    _, et = outcome(lambda y: y.sum().backward(), torch.nextafter(t, t.detach() + 1))
    _, er = outcome(lambda y: y.sum().backward(), ramp.nextafter(rr, rr.detach() + 1))
    assert er == et


def test_ldexp():
    cases = [(torch.tensor([1.0, -2.5, 0.0, 3e38]), torch.tensor([3, -2, 5, 1])),
             (torch.tensor([1.0, -2.5]).double(), torch.tensor([1000, -1100])),
             (torch.tensor([1, 3]), torch.tensor([2.5, -1.0])),
             (torch.tensor([1.5, 2.0]).bfloat16(), torch.tensor([1, 2], dtype=torch.int32)),
             (torch.tensor([1.5, 2.0]), torch.tensor([1.0, 2.0]).double())]
    for a, b in cases:
        assert_values(ramp.ldexp(to_ramp(a), to_ramp(b)), torch.ldexp(a, b))
        assert_values(to_ramp(a).ldexp(to_ramp(b)), a.ldexp(b))
        t, et = outcome(lambda x, y: x.ldexp_(y), a.clone(), b)
        r, er = outcome(lambda x, y: x.ldexp_(y), to_ramp(a), to_ramp(b))
        assert er == et
        if et is None:
            assert_values(r, t)
    # ldexp_ is 1.13's mul_out(self, self, pow(2, other)): autograd refuses it, a leaf or not, and
    # for an exponent that requires grad too
    for make in [lambda L: (L.ones(2, requires_grad=True), L.tensor([1, 2])),
                 lambda L: (L.ones(2, requires_grad=True).mul(1), L.tensor([1, 2])),
                 lambda L: (L.ones(2), L.tensor([1.0, 2.0], requires_grad=True))]:
        _, et = outcome(lambda: torch.Tensor.ldexp_(*make(torch)))
        _, er = outcome(lambda: ramp.Tensor.ldexp_(*make(ramp)))
        assert er == et and et is not None
    with torch.no_grad(), ramp.no_grad():
        assert_values(ramp.ones(2, requires_grad=True).ldexp_(ramp.tensor([1, 2])),
                      torch.ones(2, requires_grad=True).ldexp_(torch.tensor([1, 2])))
    ta = torch.tensor([1.5, -0.5], dtype=torch.float64, requires_grad=True)
    ra = to_ramp(ta.detach()).requires_grad_()
    yt, yr = torch.ldexp(ta, torch.tensor([2, -1])), ramp.ldexp(ra, ramp.tensor([2, -1]))
    assert yr.grad_fn.name() == yt.grad_fn.name()
    yt.sum().backward()
    yr.sum().backward()
    assert_values(ra.grad, ta.grad)


# ---- gradients of the binary ops ----

GRAD2 = ["logaddexp", "logaddexp2", "xlogy", "xlog1py", "copysign"]


@pytest.mark.parametrize("name", GRAD2)
def test_binary_gradients(name):
    g = torch.Generator().manual_seed(10)
    a = torch.randn(3, 4, generator=g, dtype=torch.float64)
    b = torch.rand(4, generator=g, dtype=torch.float64) + 0.2
    a[0, 0] = 0.0  # xlogy's zero, copysign's zero
    ta, tb = a.clone().requires_grad_(), b.clone().requires_grad_()
    ra, rb = to_ramp(a).requires_grad_(), to_ramp(b).requires_grad_()
    yt, yr = tfn(name)(ta, tb), rfn(name)(ra, rb)
    assert yr.grad_fn.name() == yt.grad_fn.name()
    w = torch.randn(3, 4, generator=g, dtype=torch.float64)
    (yt * w).sum().backward()
    (yr * to_ramp(w)).sum().backward()
    assert_values(ra.grad, ta.grad, rtol=1e-14, atol=1e-300)
    assert_values(rb.grad, tb.grad, rtol=1e-14, atol=1e-300)
    if name not in ("logaddexp", "logaddexp2"):  # a number as other (its own node)
        ta2, ra2 = a.clone().requires_grad_(), to_ramp(a).requires_grad_()
        yt, yr = tfn(name)(ta2, 1.5), rfn(name)(ra2, 1.5)
        assert yr.grad_fn.name() == yt.grad_fn.name()
        yt.sum().backward()
        yr.sum().backward()
        assert_values(ra2.grad, ta2.grad, rtol=1e-14)
    x = to_ramp(torch.rand(3, 4, generator=g, dtype=torch.float64) + 0.1).requires_grad_()
    y = to_ramp(torch.rand(4, generator=g, dtype=torch.float64) + 0.1).requires_grad_()
    assert ramp.autograd.gradcheck(lambda p, q: rfn(name)(p, q), (x, y))
    assert ramp.autograd.gradgradcheck(lambda p, q: rfn(name)(p, q), (x, y))


@pytest.mark.parametrize("name", ["xlogy", "xlog1py"])
def test_number_first_gradients(name):
    # 1.13's own overload and node for a number as self (XlogyBackward1): dy = g self / y (y + 1)
    y = torch.tensor([0.5, 2.0, 0.1, 3.0, 1.5], dtype=torch.float64)
    for s in [2.0, 0.0, -1.5, 3]:
        ty, ry = y.clone().requires_grad_(), to_ramp(y).requires_grad_()
        zt, zr = tfn(name)(s, ty), rfn(name)(s, ry)
        assert zr.grad_fn.name() == zt.grad_fn.name()
        w = torch.linspace(-1, 2, 5, dtype=torch.float64)
        zt.backward(w)
        zr.backward(to_ramp(w))
        assert_values(ry.grad, ty.grad)
    p = to_ramp(y).requires_grad_()
    assert ramp.autograd.gradcheck(lambda v: rfn(name)(2.5, v), (p,))
    assert ramp.autograd.gradgradcheck(lambda v: rfn(name)(2.5, v), (p,))


def test_xlogy_gradient_at_zero():
    # dx is 0 where x == 0 and y <= 0, as 1.13's masked formula; dy = x / y
    x = torch.tensor([0.0, 0.0, 1.0, 0.0], dtype=torch.float64, requires_grad=True)
    y = torch.tensor([0.0, -1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
    rx, ry = to_ramp(x.detach()).requires_grad_(), to_ramp(y.detach()).requires_grad_()
    torch.xlogy(x, y).sum().backward()
    ramp.xlogy(rx, ry).sum().backward()
    assert_values(rx.grad, x.grad)
    assert_values(ry.grad, y.grad)


def test_special_aliases():
    x = torch.tensor([0.3, 1.5, 4.0, -0.7])
    r = to_ramp(x)
    for name in ["expit", "gammaln", "digamma", "psi", "sinc", "erf", "erfc", "expm1", "log1p", "round"]:
        assert_values(getattr(ramp.special, name)(r), getattr(torch.special, name)(x), rtol=4e-7, atol=1e-7)
    assert_values(ramp.special.erfinv(r * 0.2), torch.special.erfinv(x * 0.2))
    assert_values(ramp.special.logsumexp(r, 0), torch.special.logsumexp(x, 0), rtol=1e-6)
    assert_values(ramp.special.softmax(r, 0), torch.special.softmax(x, 0), rtol=1e-6)
    assert_values(ramp.special.log_softmax(r, 0), torch.special.log_softmax(x, 0), rtol=1e-6)
    assert not hasattr(ramp, "xlog1py") and not hasattr(ramp.Tensor, "xlog1py")
    assert hasattr(torch, "xlog1py") is False
