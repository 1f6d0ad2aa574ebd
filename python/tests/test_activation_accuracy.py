"""Accuracy of the transcendental activations, forward and backward, against the exact value
(mpmath, 40 digits) at random, special and tail points, per dtype and (in a subprocess with
$RAMP_ISA forced) per instruction set. The rule (issue 12): gelu, both forms, within 4 ulp of the
output's dtype everywhere; every entry never less accurate than 1.13 (its worst error on the same
points, plus 1 ulp of slack for the two libraries' different roundings), and within 4 ulp where the
formula allows it (ACCURATE below; the others are recorded by `survey`).

    PYTHONPATH=build/python /usr/bin/python3 python/tests/test_activation_accuracy.py   # the table
"""
import functools
import os
import subprocess
import sys

import numpy as np
import pytest

import ramp

torch = pytest.importorskip("torch")
mpmath = pytest.importorskip("mpmath")
mp = mpmath.mp
mp.dps = 40

K = mp.mpf("0.044715")
SELU_A = mp.mpf("1.6732632423543772848170429916717")
SELU_S = mp.mpf("1.0507009873554804934193349852946")


def _sig(v):
    return 1 / (1 + mp.exp(-v))


def _tanhshrink(x):
    """x - tanh(x) cancels to x^3 / 3: 40 digits plus the ones it loses."""
    with mp.workdps(40 + max(0, int(-2 * mp.log10(abs(x) + mp.mpf(10) ** -300)))):
        return x - mp.tanh(x)


def _gelu_tanh_v(x):
    return 2 * mp.sqrt(2 / mp.pi) * (x + K * x ** 3)


# name: (ramp call, torch call, exact forward, exact derivative); parameters at their defaults.
ENTRIES = {
    "gelu": (lambda F, x: F.gelu(x), lambda F, x: F.gelu(x),
             lambda x: x / 2 * mp.erfc(-x / mp.sqrt(2)),
             lambda x: mp.erfc(-x / mp.sqrt(2)) / 2 + x * mp.exp(-x * x / 2) / mp.sqrt(2 * mp.pi)),
    "gelu_tanh": (lambda F, x: F.gelu(x, approximate="tanh"), lambda F, x: F.gelu(x, approximate="tanh"),
                  lambda x: x * _sig(_gelu_tanh_v(x)),
                  lambda x: _sig(_gelu_tanh_v(x)) * (1 + x * 2 * mp.sqrt(2 / mp.pi) * (1 + 3 * K * x * x)
                                                     * _sig(-_gelu_tanh_v(x)))),
    "elu": (lambda F, x: F.elu(x), lambda F, x: F.elu(x),
            lambda x: x if x > 0 else mp.expm1(x), lambda x: mp.mpf(1) if x > 0 else mp.exp(x)),
    "selu": (lambda F, x: F.selu(x), lambda F, x: F.selu(x),
             lambda x: SELU_S * (x if x > 0 else SELU_A * mp.expm1(x)),
             lambda x: SELU_S * (1 if x > 0 else SELU_A * mp.exp(x))),
    "celu": (lambda F, x: F.celu(x), lambda F, x: F.celu(x),
             lambda x: x if x > 0 else mp.expm1(x), lambda x: mp.mpf(1) if x > 0 else mp.exp(x)),
    "silu": (lambda F, x: F.silu(x), lambda F, x: F.silu(x),
             lambda x: x * _sig(x), lambda x: _sig(x) * (1 + x * _sig(-x))),
    "mish": (lambda F, x: F.mish(x), lambda F, x: F.mish(x),
             lambda x: x * mp.tanh(mp.log1p(mp.exp(x))),
             lambda x: mp.tanh(mp.log1p(mp.exp(x))) + x * _sig(x) * (1 - mp.tanh(mp.log1p(mp.exp(x))) ** 2)),
    "softplus": (lambda F, x: F.softplus(x), lambda F, x: F.softplus(x),
                 lambda x: x if x > 20 else mp.log1p(mp.exp(x)), lambda x: mp.mpf(1) if x > 20 else _sig(x)),
    "sigmoid": (lambda F, x: F.sigmoid(x), lambda F, x: torch.sigmoid(x),
                lambda x: _sig(x), lambda x: _sig(x) * _sig(-x)),
    "tanh": (lambda F, x: F.tanh(x), lambda F, x: torch.tanh(x),
             lambda x: mp.tanh(x), lambda x: 1 / mp.cosh(x) ** 2),
    "logsigmoid": (lambda F, x: F.logsigmoid(x), lambda F, x: F.logsigmoid(x),
                   lambda x: -mp.log1p(mp.exp(-x)), lambda x: _sig(-x)),
    "softsign": (lambda F, x: F.softsign(x), lambda F, x: F.softsign(x),
                 lambda x: x / (1 + abs(x)), lambda x: 1 / (1 + abs(x)) ** 2),
    "tanhshrink": (lambda F, x: F.tanhshrink(x), lambda F, x: F.tanhshrink(x),
                   lambda x: _tanhshrink(x), lambda x: mp.tanh(x) ** 2),
}
# Entries whose backward reads their output y (both libraries): its exact value is the derivative
# at the rounded y (1 - y^2 once y rounds to -1 says nothing of exp(-2|x|)), so that is the oracle.
FROM_OUTPUT = {
    "sigmoid": lambda y: y * (1 - y),
    "tanh": lambda y: 1 - y * y,
    "hardswish": (lambda F, x: F.hardswish(x), lambda F, x: F.hardswish(x),
                  lambda x: x * min(max(x + 3, 0), 6) / 6,
                  lambda x: mp.mpf(0) if x < -3 else (x / 3 + mp.mpf(1) / 2 if x <= 3 else mp.mpf(1))),
}
DTYPES = ["float32", "float64", "bfloat16"]
# Held to 4 ulp (the rest: never worse than 1.13). Not here: silu and mish forward in float32's
# subnormal tail (x*exp(x) with exp(x) itself subnormal: 136 and 33 ulp at x = -103, as 1.13);
# silu, mish and hardswish backward near their derivative's zero (cancellation, as 1.13).
# softsign's backward is 1.13's composite dy / a - dy (x / a) / a (a = 1 + |x|), which cancels for large |x|.
ACCURATE = {"forward": {"gelu", "gelu_tanh", "elu", "selu", "celu", "softplus", "sigmoid", "tanh", "hardswish",
                        "logsigmoid", "softsign", "tanhshrink"},
            "backward": {"gelu", "gelu_tanh", "elu", "selu", "celu", "softplus", "sigmoid", "tanh", "logsigmoid",
                         "tanhshrink"}}
# Known misses (strict xfail: a fix must move the entry out). Empty since mish's derivative was
# rewritten without the cancellation around its zero (was 147 ulp in float64 against 1.13's 41).
KNOWN = set()
# silu's float64 derivative near its zero (x = -1.2785) on the baseline ISA (no FMA): 215 ulp at
# x = -1.2741 against 1.13's 152 (both cancel; silu's kernels belong to the sigmoid/silu speed work).
KNOWN_ISA = {("silu", "float64", "baseline")}
ISA = os.environ.get("RAMP_ISA", "best")


# The edges of gelu's float split (src/kernels/gelu_math.h): the fast core's |x| <= 13 (the tables
# beyond), the derivative's near-zero polynomial on [-1.5, -0.375], each with float neighbours.
GELU_EDGES = [float(q) for p in (13.0, -13.0, -1.5, -0.375)
              for q in (p, np.nextafter(np.float32(p), np.float32(np.inf)), np.nextafter(np.float32(p), np.float32(-np.inf)))]


def points(dtype):
    """Random (uniform on [-20, 20] and normal x 3), special, kink and tail points, rounded to dtype."""
    rng = np.random.default_rng(12)
    tail = -np.linspace(5, 40 if dtype == "float64" else 16, 80)
    x = np.concatenate([rng.uniform(-20, 20, 160), rng.standard_normal(160) * 3, tail,
                        rng.uniform(-1.6, -0.3, 50),  # gelu's derivative vanishes at -0.75
                        [0.0, -0.0, 1e-30, -1e-30, 1e-7, -1e-7, 0.5, -0.5, 1, -1, 3, -3, -4.2, -5.5, 19.9, 20.1, 88.5,
                         -88.5, -103.0], GELU_EDGES])
    t = torch.tensor(x, dtype=torch.float64).to(getattr(torch, dtype))
    return t[torch.isfinite(t)]


@functools.lru_cache(maxsize=None)
def exact(name, xs):
    _, _, f, df = ENTRIES[name]
    return np.array([float(f(mp.mpf(v))) for v in xs]), np.array([float(df(mp.mpf(v))) for v in xs])


def ulps(got, want, dtype):
    """|got - want| in the dtype's units in the last place at want (subnormal spacing below the
    smallest normal); 0 where got equals want rounded to the dtype."""
    info = np.finfo(np.float64 if dtype == "float64" else np.float32)
    mant = {"float64": 52, "float32": 23, "bfloat16": 7}[dtype]
    min_exp = int(info.minexp)
    with np.errstate(all="ignore"):
        e = np.floor(np.log2(np.abs(want)))
        e = np.where(np.isfinite(e), np.maximum(e, min_exp), min_exp)
        err = np.abs(got - want) / np.exp2(e - mant)
    rounded = torch.tensor(want, dtype=torch.float64).to(getattr(torch, dtype)).double().numpy()
    err[got == rounded] = 0
    return err


def run_both(name, dtype):
    """ramp's and torch's (forward, gradient) on the same points, as float64 arrays."""
    r_call, t_call, _, _ = ENTRIES[name]
    x = points(dtype)
    out = {}
    for lib, call, F in (("ramp", r_call, ramp.nn.functional), ("torch", t_call, torch.nn.functional)):
        if lib == "ramp":
            xr = ramp.from_numpy(x.double().numpy()).to(getattr(ramp, dtype)).requires_grad_(True)
        else:
            xr = x.clone().requires_grad_(True)
        y = call(F, xr)
        y.sum().backward()
        to64 = (lambda t: t.detach().double().numpy()) if lib == "torch" else (lambda t: t.detach().double().numpy())
        out[lib] = (to64(y), to64(xr.grad))
    return x.double().numpy(), out


def measure(name, dtype):
    xs, out = run_both(name, dtype)
    want = exact(name, tuple(xs.tolist()))
    res = {}
    for lib in ("ramp", "torch"):
        for k, what in enumerate(("forward", "backward")):
            w = want[k]
            if what == "backward" and name in FROM_OUTPUT:
                w = np.array([float(FROM_OUTPUT[name](mp.mpf(y))) for y in out[lib][0].tolist()])
            e = ulps(out[lib][k], w, dtype)
            i = int(np.argmax(e))
            res[lib, what] = (float(e[i]), float(xs[i]))
    return res


@pytest.mark.parametrize("name,dtype", [
    pytest.param(n, t, marks=pytest.mark.xfail(strict=True, reason="known miss")) if (n, t) in KNOWN else (n, t)
    for n in ENTRIES for t in DTYPES])
def test_never_less_accurate_than_torch(name, dtype):
    if name == "mish" and dtype == "bfloat16":
        pytest.skip("mish has no bfloat16 kernel in 1.13")
    res = measure(name, dtype)
    if (name, dtype, ISA) in KNOWN_ISA and res["ramp", "backward"][0] > max(4, res["torch", "backward"][0] + 1):
        pytest.xfail(f"known miss: {res['ramp', 'backward']} vs 1.13's {res['torch', 'backward']}")
    for what in ("forward", "backward"):
        mine, at = res["ramp", what]
        theirs, _ = res["torch", what]
        limit = 4 if name in ACCURATE[what] else max(4, theirs + 1)
        assert mine <= limit, f"{name} {what} {dtype} [{ISA}]: {mine:.3g} ulp at x={at!r} (1.13: {theirs:.3g})"


def gelu_exact(xs):
    """x Phi(x) and Phi(x) + x phi(x) at 40 digits, as float64 arrays."""
    f = lambda x: x * mp.erfc(-x / mp.sqrt(2)) / 2
    df = lambda x: mp.erfc(-x / mp.sqrt(2)) / 2 + x * mp.exp(-x * x / 2) / mp.sqrt(2 * mp.pi)
    return (np.array([float(f(mp.mpf(float(v)))) for v in xs]), np.array([float(df(mp.mpf(float(v)))) for v in xs]))


def gelu_ramp(x):
    xr = ramp.from_numpy(x).requires_grad_(True)
    y = ramp.nn.functional.gelu(xr)
    y.sum().backward()
    return y.detach().numpy(), xr.grad.numpy()


def test_gelu_float32_dense():
    """gelu (erf) float32 within 4 ulp on 6,000 points across the fast core's whole range and past
    its edge (a wrong coefficient of its rational function or exp shows as a band of errors)."""
    x = np.random.default_rng(5).uniform(-14, 14, 4000).astype(np.float32)
    x = np.concatenate([x, np.linspace(-13.2, 13.2, 2001, dtype=np.float32)])
    got = gelu_ramp(x)
    for k, w in enumerate(gelu_exact(x.tolist())):
        e = ulps(got[k].astype(np.float64), w, "float32")
        i = int(np.argmax(e))
        assert e[i] <= 4, f"{('forward', 'backward')[k]} [{ISA}]: {e[i]:.3g} ulp at x={float(x[i])!r}"
        # A coefficient a digit off moves the whole band, not just its worst point (measured mean
        # 0.19 / 0.15 ulp forward / backward on AVX2).
        assert e.mean() <= 0.4, f"{('forward', 'backward')[k]} [{ISA}]: mean {e.mean():.3g} ulp"


@pytest.mark.parametrize("odd", [13.5, -13.5, 20.0, -30.0, float("nan"), float("inf"), float("-inf")])
@pytest.mark.parametrize("n", [64, 67])
def test_gelu_lanes_beside_the_tables(odd, n):
    """A vector with a lane outside the fast core (|x| > 13, inf, NaN) takes the tables for that
    lane only: the other lanes keep their bits (forward and gradient, in the two-vector loop and
    the tail), the odd lane is within 4 ulp of the exact value (inf and NaN as 1.13)."""
    x = np.random.default_rng(9).uniform(-12, 12, n).astype(np.float32)
    base = gelu_ramp(x)
    for k in (0, 5, 8, 15, 16, n - 1):
        x2 = x.copy()
        x2[k] = odd
        got = gelu_ramp(x2)
        others = np.arange(n) != k
        for g, b in zip(got, base):
            assert np.array_equal(g[others].view(np.int32), b[others].view(np.int32)), (odd, n, k)
        if np.isfinite(odd):
            for g, w in zip(got, gelu_exact([odd])):
                assert ulps(np.array([float(g[k])]), w, "float32")[0] <= 4, (odd, g[k], w)
        else:
            tx = torch.tensor([odd], requires_grad=True)
            torch.nn.functional.gelu(tx).sum().backward()
            want = (torch.nn.functional.gelu(tx).detach().numpy()[0], tx.grad.numpy()[0])
            for g, w in zip(got, want):
                assert np.array_equal(g[k], w, equal_nan=True), (odd, g[k], w)


@pytest.mark.parametrize("isa", ["avx2", "baseline"])
def test_lower_instruction_sets(isa):
    """The test above again in a process with $RAMP_ISA forced (the kernel table is chosen once per
    process)."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(ramp.__file__)))
    env = dict(os.environ, RAMP_ISA=isa, PYTHONPATH=os.pathsep.join([here, os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                           f"{__file__}::test_never_less_accurate_than_torch", f"{__file__}::test_gelu_float32_dense",
                           f"{__file__}::test_gelu_lanes_beside_the_tables"], env=env, capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]


def survey():
    print(f"| entry | dtype | ramp fwd | 1.13 fwd | ramp bwd | 1.13 bwd |  (worst ulp, at x; RAMP_ISA={ISA})")
    print("|---|---|---:|---:|---:|---:|")
    for name in ENTRIES:
        for dtype in DTYPES:
            if name == "mish" and dtype == "bfloat16":
                continue
            r = measure(name, dtype)
            cell = lambda k: f"{r[k][0]:.3g} ({r[k][1]:.4g})"
            print(f"| {name} | {dtype} | {cell(('ramp', 'forward'))} | {cell(('torch', 'forward'))} | "
                  f"{cell(('ramp', 'backward'))} | {cell(('torch', 'backward'))} |", flush=True)


if __name__ == "__main__":
    survey()
