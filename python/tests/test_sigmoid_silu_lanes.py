"""The fast paths of sigmoid and silu (float32 on AVX2: exp in a short form for |x| <= 80, tested
once per block of four vectors, src/kernels/activation_kernels.cpp) against lane and range bugs.
Each odd input (the range's boundary and just past it, the float overflow/underflow points of exp,
the subnormal tail, NaN, +-inf, subnormal inputs, +-0) goes into every lane of a block of in-range
inputs, at three alignments: the block's other lanes must come out bit for bit as beside in-range
inputs only, and the odd lane within 4 ulp of the exact value (float64 formula), or never less
accurate than torch 1.13 where 1.13 itself is not (silu's subnormal tail), NaN and infinities as
1.13. Forward, and backward from the saved input (silu) or output (sigmoid). Per instruction set:
the module again with $RAMP_ISA forced, in a subprocess.
"""
import os
import subprocess
import sys

import numpy as np
import pytest

import ramp

torch = pytest.importorskip("torch")

F32 = np.float32
ODD = [80.0, float(np.nextafter(F32(80), F32(np.inf))), -80.0, -float(np.nextafter(F32(80), F32(np.inf))),
       79.99999, 88.72, 88.73, -87.33, -88.5, -88.73, -103.0, -104.0, 200.0, -200.0, 1e30, -1e30,
       float("nan"), float("inf"), -float("inf"), 1e-45, -1e-45, 1.2e-38, 0.0, -0.0]
BLOCK = 32  # four AVX2 float vectors


def exact(name, x, backward):
    """float64 value of the forward, or of the derivative (silu: at x; sigmoid: y (1 - y) at y = x)."""
    x = x.astype(np.float64)
    with np.errstate(all="ignore"):
        if name == "sigmoid":
            return x * (1 - x) if backward else 1 / (1 + np.exp(-x))
        s = 1 / (1 + np.exp(-x))
        return s * (1 + x * (1 - s)) if backward else x * s


def ulps(got, want, dtype):
    mant = 23 if dtype == "float32" else 7
    with np.errstate(all="ignore"):
        e = np.floor(np.log2(np.abs(want)))
        e = np.where(np.isfinite(e), np.maximum(e, -126), -126)
        err = np.abs(got.astype(np.float64) - want) / np.exp2(e - mant)
    rounded = torch.tensor(want).to(getattr(torch, dtype)).double().numpy()
    return np.where(got.astype(np.float64) == rounded, 0.0, err)


def run(lib, name, x, dtype, backward):
    """(output, gradient with dy = 1) of `name` on float32 array x, in `lib`, as float32 arrays."""
    if lib == "ramp":
        t = ramp.from_numpy(x).to(getattr(ramp, dtype)).requires_grad_(True)
        y = getattr(ramp, name)(t) if name == "sigmoid" else ramp.nn.functional.silu(t)
        g = ramp.autograd.grad(y, t, ramp.ones_like(y))[0] if backward else y
    else:
        t = torch.from_numpy(x).to(getattr(torch, dtype)).requires_grad_(True)
        y = getattr(torch, name)(t) if name == "sigmoid" else torch.nn.functional.silu(t)
        g = torch.autograd.grad(y, t, torch.ones_like(y))[0] if backward else y
    return y.detach().float().numpy(), g.detach().float().numpy()


def check_lane(name, dtype, backward, got_y, got_g, want_y, want_g, x):
    """The odd lane: NaN/inf as 1.13, else within max(4, 1.13's error + 1) ulp of the exact value."""
    got, want = (got_g, want_g) if backward else (got_y, want_y)
    if not np.isfinite(want):
        assert np.array_equal(got, want, equal_nan=True), (name, backward, x, got, want)
        return
    # sigmoid's backward reads its own output: its exact value is taken at the rounded y
    ref = exact(name, np.array([got_y if name == "sigmoid" else x]), backward)[0] if backward else \
        exact(name, np.array([x]), False)[0]
    ref_t = exact(name, np.array([want_y if name == "sigmoid" else x]), backward)[0] if backward else ref
    mine = ulps(np.array([got]), np.array([ref]), dtype)[0]
    theirs = ulps(np.array([want]), np.array([ref_t]), dtype)[0]
    assert mine <= max(4, theirs + 1), (name, "backward" if backward else "forward", dtype, x, got, ref, mine, theirs)


@pytest.mark.parametrize("name", ["sigmoid", "silu"])
@pytest.mark.parametrize("dtype,backward", [("float32", False), ("float32", True), ("bfloat16", False)])
def test_odd_lanes_in_fast_blocks(name, dtype, backward):
    g = np.random.default_rng(12)
    base = g.uniform(-10, 10, 3 * BLOCK + 8).astype(F32)
    for off in (0, 1, 5):  # the blocks start `off` elements into the data
        xs = base[off:off + 2 * BLOCK]
        by, bg = run("ramp", name, xs, dtype, backward)
        ref = bg if backward else by
        for odd in ODD:
            for k in list(range(BLOCK)) + [BLOCK + 9, 2 * BLOCK - 1]:
                x2 = xs.copy()
                x2[k] = odd
                y, gr = run("ramp", name, x2, dtype, backward)
                got = gr if backward else y
                others = np.arange(len(xs)) != k
                assert np.array_equal(got[others].view(np.int32), ref[others].view(np.int32)), (name, odd, k, off)
                if k in (0, 7, 13, BLOCK - 1, 2 * BLOCK - 1):  # the odd lane itself, against 1.13 and the exact value
                    ty, tg = run("torch", name, x2, dtype, backward)
                    seen = float(torch.tensor(float(odd)).to(getattr(torch, dtype)).float())  # the input as rounded
                    check_lane(name, dtype, backward, y[k], gr[k], ty[k], tg[k], seen)


@pytest.mark.parametrize("isa", ["avx2", "baseline"])
def test_lower_instruction_sets(isa):
    here = os.path.dirname(os.path.dirname(os.path.abspath(ramp.__file__)))
    env = dict(os.environ, RAMP_ISA=isa, PYTHONPATH=os.pathsep.join([here, os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                           f"{__file__}::test_odd_lanes_in_fast_blocks"], env=env, capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
