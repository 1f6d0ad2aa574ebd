"""Shared helpers for the differential tests against PyTorch 1.13.

Run from the repository root: PYTHONPATH=build-py/python /usr/bin/python3 -m pytest python/tests -q
"""
import os

import numpy as np
import pytest

# Adaptive threads off (src/tensor/threads.cpp), so the tests that compare 1 and 2 threads stay
# meaningful on a loaded machine; set before ramp is imported.
os.environ.setdefault("RAMP_ADAPTIVE_THREADS", "0")

import ramp  # noqa: E402

try:  # the differential test modules skip themselves without it (pytest.importorskip)
    import torch
except ImportError:
    torch = None

FLOAT_DTYPES = ["float32", "float64", "bfloat16"]
INT_DTYPES = ["int8", "uint8", "int32", "int64", "bool"]


def torch_dtype(name):
    return getattr(torch, name)


def to_ramp(t):
    """A ramp tensor with the values of a torch tensor (bfloat16 travels as float32, exactly)."""
    if t.dtype == torch.bfloat16:
        return ramp.from_numpy(t.float().numpy()).to(ramp.bfloat16)
    return ramp.from_numpy(t.contiguous().numpy().copy())


def to_numpy(x):
    """The values of a ramp or torch tensor as NumPy (bfloat16 widened to float32, exactly)."""
    x = x.detach()  # .numpy() refuses tensors that require grad (both libraries)
    if isinstance(x, ramp.Tensor):
        return (x.float() if x.dtype == ramp.bfloat16 else x).contiguous().numpy()
    return (x.float() if x.dtype == torch.bfloat16 else x).contiguous().numpy()


def dtype_name(x):
    return repr(x.dtype).split(".")[-1]


def same_dtype(r, t):
    return dtype_name(r) == dtype_name(t)


def assert_values(r, t, rtol=0.0, atol=0.0, inputs=None):
    """ramp result `r` equals torch result `t`: same dtype and shape, NaN in the same places, and
    elsewhere bit for bit (sign of zero included) when rtol == atol == 0, else |r - t| <= atol + rtol |t|."""
    assert same_dtype(r, t), (r.dtype, t.dtype)
    assert tuple(r.shape) == tuple(t.shape)
    a, b = to_numpy(r), to_numpy(t)
    if a.dtype.kind != "f":
        bad = a != b
    else:
        nan_a, nan_b = np.isnan(a), np.isnan(b)
        if rtol == 0 and atol == 0:
            ia, ib = a.view(f"i{a.itemsize}"), b.view(f"i{b.itemsize}")
            bad = (nan_a != nan_b) | (~nan_a & ~nan_b & (ia != ib))
        else:
            with np.errstate(invalid="ignore", over="ignore"):
                close = (a == b) | (np.abs(a.astype(np.float64) - b) <= atol + rtol * np.abs(b.astype(np.float64)))
            bad = (nan_a != nan_b) | (~nan_a & ~nan_b & ~close)
    if bad.any():
        i = np.flatnonzero(bad.ravel())[:5]
        x = "" if inputs is None else f" inputs {to_numpy(inputs).ravel()[i].tolist()}"
        pytest.fail(f"{bad.sum()} of {a.size} differ at {i.tolist()}:{x} ramp {a.ravel()[i].tolist()} "
                    f"torch {b.ravel()[i].tolist()}")


def ulp(a, dtype):
    """The spacing of `dtype`'s numbers (ramp's, torch's or a name) at |a|: bfloat16's is float32's
    times 2^16; below the smallest normal float32 (float64) the subnormal spacing."""
    name = str(dtype).split(".")[-1]
    a = np.abs(np.asarray(a, dtype=np.float64))
    if name == "float64":
        return np.spacing(np.maximum(a, np.finfo(np.float64).tiny))
    s = np.spacing(np.maximum(a, np.finfo(np.float32).tiny).astype(np.float32)).astype(np.float64)
    return s * 65536 if name == "bfloat16" else s


def assert_oracle(r, want, ulps=2, mag=None, mag_dtype=None):
    """ramp result `r` within `ulps` ulps of its own dtype (at |want|) of `want`, the exact result of
    r's own inputs (float64 NumPy): a kernel that computes in a wider type and rounds once is within
    half an ulp. Where `mag` is given (the magnitudes a cancelling sum or difference went through),
    `ulps` ulps of the computing dtype (float32 for bfloat16, or `mag_dtype`: the output's where an
    intermediate of that size is itself rounded) at mag are allowed too. Neither grows with a
    reduction's length: a result 10% off fails."""
    name = dtype_name(r)
    a = to_numpy(r).astype(np.float64)
    want = np.broadcast_to(np.asarray(want, dtype=np.float64), a.shape)
    assert (np.isnan(a) == np.isnan(want)).all(), "NaN in different places"
    tol = ulps * ulp(want, name)
    if mag is not None:
        tol = tol + ulps * ulp(mag, mag_dtype or ("float32" if name == "bfloat16" else name))
    bad = ~np.isnan(want) & ~(np.abs(a - want) <= tol)
    if bad.any():
        i = np.flatnonzero(bad.ravel())[:5]
        pytest.fail(f"{bad.sum()} of {a.size} beyond {ulps} ulp at {i.tolist()}: ramp {a.ravel()[i].tolist()} "
                    f"exact {want.ravel()[i].tolist()} tolerance {np.broadcast_to(tol, a.shape).ravel()[i].tolist()}")


def outcome(fn, *args):
    """(result, None) or (None, (exception type name, message)) of calling fn."""
    try:
        return fn(*args), None
    except Exception as e:  # noqa: BLE001 -- the point is to compare whatever is raised
        return None, (type(e).__name__, str(e))


@pytest.fixture
def restore_printoptions():
    yield
    ramp.set_printoptions(profile="default")
    torch.set_printoptions(profile="default")


def pytest_configure(config):
    # The oracle calls torch.nn.functional.sigmoid/tanh, which 1.13 deprecates.
    config.addinivalue_line("filterwarnings", "ignore:nn.functional.* is deprecated:UserWarning")


def collect_ranks(procs, wall):
    """Waits for subprocess ranks (stdout/stderr piped) at most `wall` seconds in all, killing every
    one if any outlives it; returns (exit codes, the JSON each printed last, or its stderr's tail)."""
    import json
    import subprocess
    import time
    deadline = time.monotonic() + wall
    codes, infos = [], []
    for p in procs:
        try:
            out, err = p.communicate(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            for q in procs:
                q.kill()
            pytest.fail("a rank hung past %d s" % wall)
        codes.append(p.returncode)
        lines = out.decode().strip().splitlines()
        infos.append(json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {"stderr": err.decode()[-3000:]})
    return codes, infos
