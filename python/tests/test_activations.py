"""Every activation in the registry against PyTorch 1.13 on the same inputs.

Parametrized over the C++ registry (a new entry is covered automatically) x dtypes x layouts x two
parameter sets; each test sweeps the sizes that cover SIMD tails (0..67, 1000, 4099) over a pool of
special values (NaN, +-inf, +-0, denormals, +-1e30, each activation's kinks and their neighbours)
and random ones.
"""
import math

import numpy as np
import pytest

import ramp
import ramp.nn.functional as F
from conftest import FLOAT_DTYPES, INT_DTYPES, assert_values, outcome, to_numpy, to_ramp, torch_dtype
from ramp._generate import REGISTRY

torch = pytest.importorskip("torch")
TF = torch.nn.functional
NAMES = [e["name"] for e in REGISTRY]
BY_NAME = {e["name"]: e for e in REGISTRY}

# Piecewise-linear entries: bit for bit equal to PyTorch (sign of zero and NaN places included).
# hardswish and hardsigmoid divide by 6 as PyTorch does, so they are exact too.
EXACT = {"relu", "relu6", "leaky_relu", "prelu", "rrelu", "hardtanh", "threshold", "hardswish", "hardsigmoid"}
# Transcendental entries: |ramp - torch| <= atol + rtol |torch| (+ the terms below).
#  * float32 / float64: a few ulp (rtol 1e-6 / 1e-12).
#  * bfloat16: ramp computes in float32 and rounds once. PyTorch 1.13 does so for some ops but keeps
#    bfloat16 intermediates in others (gelu(-3) is -0.00586 there, the true value -0.00405), so the
#    oracle is PyTorch run on the float32 values, rounded to bfloat16; the tolerance is 1 ulp.
TOLERANCE = {"float32": (1e-6, 1e-30), "float64": (1e-12, 1e-300), "bfloat16": (2.0 ** -7, 1e-30)}
# Where the float evaluation cancels, both libraries err by about an ulp of |x|, so the absolute
# tolerance grows with the input: gelu's 1 + erf(x) for x << 0; log_softmax's x - (max + log(sum));
# 1.13's tanhshrink x - tanh(x) for small |x| (ramp's is within 3 ulp there, test_activation_accuracy.py).
CANCELLATION = {"gelu", "log_softmax", "tanhshrink"}
# Intentional difference: ramp's elu/selu/celu use expm1 where 1.13 computes exp(x) - 1, which
# loses every digit near 0 (torch.elu(-1e-8) == 0 in float32; ramp gives -1e-8). The absolute
# error of 1.13 is up to an ulp of 1 times alpha * scale, so these compare with that atol.
EXPM1 = {"elu", "selu", "celu"}
EPS = {"float32": 2.0 ** -23, "float64": 2.0 ** -52, "bfloat16": 2.0 ** -7}

SIZES = list(range(68)) + [1000, 4099]
INTEGER_WRAPS = {"softsign"}
# Values a required field takes here (Threshold has no defaults); strings' second value.
REQUIRED = {"threshold": 0.5, "value": -2.0}
ALTERNATIVE = {"approximate": "tanh"}


def arguments(entry, alt, lib, dtype="float32"):
    """Keyword arguments for F.<name> of `lib` (ramp or torch): the defaults, or (alt) a second set.
    prelu's weight has the input's dtype, except a float32 weight for bfloat16 (nn.PReLU's default)."""
    if entry["kind"] == "prelu":
        return {"weight": lib.tensor([-0.5 if alt else 0.25], dtype=getattr(lib, dtype.replace("bfloat16", "float32")))}
    kw = {}
    for f in entry["fields"]:
        v = REQUIRED[f["name"]] if f["required"] else f["default"]
        if alt:
            v = (ALTERNATIVE[f["name"]] if f["name"] in ALTERNATIVE else 0 if v is None
                 else v + 1 if isinstance(v, int) else v * 2 + 0.25)
        kw[f["name"]] = v
    if entry["kind"] == "softmax" and kw["dim"] is None:
        kw["dim"] = -1
    return kw


def torch_oracle(name):
    if name == "swish":  # not in PyTorch: x * sigmoid(beta x), computed in float32 for bfloat16
        def swish(x, beta):
            y = x.float() if x.dtype == torch.bfloat16 else x
            return (y * torch.sigmoid(beta * y)).to(x.dtype)
        return swish
    return getattr(TF, name)


def kinks(entry):
    """Where the activation changes formula or its float evaluation gets delicate, with neighbours."""
    points = [0.0, 1.0, 3.0, 6.0, 20.0, 20.5, 21.0, 0.5, 10.0, 88.72, 89.0, 104.0, 709.78, 710.0, 745.0, 1e-8,
              2.0 ** -126, 1e-4, 100.0]
    for alt in (False, True):
        points += [abs(v) for v in arguments(entry, alt, torch).values() if isinstance(v, float)]
    out = []
    for p in points:
        for q in (p, float(np.nextafter(np.float32(p), np.float32(np.inf))),
                  float(np.nextafter(np.float32(p), np.float32(-np.inf)))):
            out += [q, -q]
    return out


SPECIAL = [math.nan, math.inf, -math.inf, 0.0, -0.0, 1e-40, -1e-40, 5e-324, -5e-324, 1e30, -1e30, 1e300, -1e300]


def pool(entry, dtype):
    values = np.array(SPECIAL + kinks(entry), dtype=np.float64)
    rand = np.random.default_rng(0).standard_normal(2 * max(SIZES) + 2) * 4
    rand[: len(values)] = values
    return torch.from_numpy(rand).to(torch_dtype(dtype))


# Each layout: (number of pool values it needs for n elements, the view it takes of them).
LAYOUTS = {
    "contiguous": (lambda n: n, lambda x, n: x),
    "transposed": (lambda n: 2 * n, lambda x, n: x.view(2, n).t()),
    "strided": (lambda n: 2 * n, lambda x, n: x[::2]),
    "offset": (lambda n: n + 1, lambda x, n: x[1:]),
}


def check_case(entry, dtype, alt, base_t, view, n):
    name = entry["name"]
    t_in = view(base_t, n)
    r_in = view(to_ramp(base_t), n)
    kw = arguments(entry, alt, torch, dtype)
    t_out, t_err = outcome(lambda: torch_oracle(name)(t_in, **kw))
    r_out, r_err = outcome(lambda: getattr(F, name)(r_in, **arguments(entry, alt, ramp, dtype)))
    if t_err:
        assert r_err == t_err
        return
    assert r_err is None, r_err
    if n > 1:  # layout: a transposed input gives a transposed output where PyTorch's does
        assert r_out.stride() == t_out.stride()
    if name in EXACT:
        return assert_values(r_out, t_out, inputs=t_in)
    if dtype == "bfloat16":
        t_out = torch_oracle(name)(t_in.float(), **kw).bfloat16()
    assert_values(r_out, t_out, *tolerance(entry, dtype, kw, t_in), inputs=t_in)


def tolerance(entry, dtype, kw, t_in):
    """(rtol, atol) for a transcendental entry (see TOLERANCE and the notes beside it)."""
    rtol, atol = TOLERANCE[dtype]
    if entry["name"] in CANCELLATION:
        atol = atol + 2 * EPS[dtype] * np.abs(to_numpy(t_in).astype(np.float64))
    if entry["name"] in EXPM1:
        atol = max(atol, 2 * EPS[dtype] * abs(kw.get("alpha", 1.7581)))
    if entry["kind"] == "softmax":  # PyTorch sums exp(x) in float32 along a non-last dim: its
        rtol += 2 * EPS[dtype] * math.sqrt(t_in.shape[kw["dim"]] or 1)  # error grows like sqrt(n) ulp
    if entry["name"] in ("softmax", "softmin"):  # and 1.13 rounds x - max before exp, |x - max| / 2 ulps of its
        rtol += 64 * EPS[dtype]  # result (ramp puts that error back): <= 64 where it is not 0
    if entry["name"] == "log_softmax":  # 1.13's log(1 + s) next to the max is off by up to half an
        atol = atol + EPS[dtype]  # ulp of 1 (ramp's log1p(s) is not): test_softmax_accuracy.py
    return rtol, atol


@pytest.mark.parametrize("alt", [False, True], ids=["defaults", "alt"])
@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("name", NAMES)
def test_matches_torch(name, dtype, layout, alt):
    entry = BY_NAME[name]
    values = pool(entry, dtype)
    need, view = LAYOUTS[layout]
    for n in SIZES:
        start = (7 * n) % (len(values) - need(n))  # each size sees the special values in other lanes
        check_case(entry, dtype, alt, values[start:start + need(n)], view, n)


@pytest.mark.parametrize("dtype", INT_DTYPES)
@pytest.mark.parametrize("name", [n for n in NAMES if hasattr(TF, n)])
def test_integer_and_bool_inputs(name, dtype):
    """Where PyTorch accepts the dtype, equal values and dtype; where it refuses, the same error."""
    entry = BY_NAME[name]
    for alt in (False, True):
        t = torch.arange(-130, 131).to(torch_dtype(dtype))
        r = to_ramp(t)
        t_out, t_err = outcome(lambda: TF.__dict__[name](t, **arguments(entry, alt, torch)))
        if name in INTEGER_WRAPS and dtype in ("int8", "uint8"):
            # 1.13's softsign computes |x| + 1 in the input's dtype, which wraps at -128/127 and 255;
            # ramp's in float32, as every other dtype: torch on the float32 values is the oracle.
            t_out, t_err = outcome(lambda: TF.__dict__[name](t.float(), **arguments(entry, alt, torch)))
        r_out, r_err = outcome(lambda: getattr(F, name)(r, **arguments(entry, alt, ramp)))
        assert r_err == t_err
        if t_err is None:
            assert_values(r_out, t_out, *TOLERANCE["float32"])


@pytest.mark.parametrize("name", NAMES)
def test_softmax_like_and_2d(name):
    """2-D inputs reduced along each dim (softmax) or passed whole, empty and 0-d tensors."""
    entry = BY_NAME[name]
    g = torch.Generator().manual_seed(1)
    for shape in [(0, 3), (3, 0), (5, 7), (1, 9), (33, 17)]:
        t = torch.randn(*shape, generator=g, dtype=torch.float64) * 3
        dims = [0, 1, -1] if entry["kind"] == "softmax" else [None]
        for dim in dims:
            kw = arguments(entry, False, torch, "float64")
            rkw = arguments(entry, False, ramp, "float64")
            if dim is not None:
                kw["dim"] = rkw["dim"] = dim
            t_out = torch_oracle(name)(t, **kw)
            r_out = getattr(F, name)(to_ramp(t), **rkw)
            assert_values(r_out, t_out, *tolerance(entry, "float64", kw, t))


@pytest.mark.parametrize("name", NAMES)
def test_zero_dim(name):
    entry = BY_NAME[name]
    t, kw = torch.tensor(-1.5), arguments(entry, False, torch)
    assert_values(getattr(F, name)(to_ramp(t), **arguments(entry, False, ramp)), torch_oracle(name)(t, **kw),
                  *tolerance(entry, "float32", kw, t.view(1)))


@pytest.mark.parametrize("name", NAMES)
def test_channels_last_layout(name):
    """A channels-last input: the output's strides are PyTorch's (kept, or contiguous for softmax/rrelu)."""
    entry = BY_NAME[name]
    t = torch.randn(2, 3, 4, 5, generator=torch.Generator().manual_seed(3)).to(memory_format=torch.channels_last)
    r = to_ramp(t.contiguous()).permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2)
    assert r.stride() == t.stride()
    kw, rkw = arguments(entry, False, torch), arguments(entry, False, ramp)
    if entry["kind"] == "softmax":
        kw["dim"] = rkw["dim"] = 1
    if entry["kind"] == "prelu":
        kw["weight"], rkw["weight"] = torch.tensor([0.1, 0.2, 0.3]), ramp.tensor([0.1, 0.2, 0.3])
    t_out, r_out = torch_oracle(name)(t, **kw), getattr(F, name)(r, **rkw)
    assert r_out.stride() == t_out.stride()
    assert_values(r_out, t_out, *tolerance(entry, "float32", kw, t))


def test_prelu_per_channel():
    g = torch.Generator().manual_seed(2)
    for shape in [(2, 3), (4, 3, 5), (2, 3, 4, 17), (1, 3, 0)]:
        t = torch.randn(*shape, generator=g)
        w = torch.tensor([0.25, -0.5, 2.0])
        for view in (lambda x: x, lambda x: x.transpose(0, -1).transpose(0, -1) if x.dim() > 2 else x):
            assert_values(F.prelu(to_ramp(view(t)), to_ramp(w)), TF.prelu(view(t), w))
    m = ramp.nn.PReLU(3, init=0.1)
    assert_values(m(to_ramp(t)), torch.nn.PReLU(3, init=0.1)(t).detach())


def test_rrelu_training_statistics_and_seed():
    x = ramp.linspace(-4.0, 4.0, 20001)
    y = F.rrelu(x, 0.1, 0.3, training=True)
    xs, ys = to_numpy(x), to_numpy(y)
    neg = xs < 0
    ratio = ys[neg] / xs[neg]
    assert ratio.min() >= 0.1 and ratio.max() <= 0.3
    assert abs(ratio.mean() - 0.2) < 0.005 and ratio.std() > 0.05  # U(0.1, 0.3): mean .2, std .0577
    assert (ys[~neg] == xs[~neg]).all()
    ramp.manual_seed(123)
    a = to_numpy(F.rrelu(x, training=True))
    ramp.manual_seed(123)
    b = to_numpy(F.rrelu(x, training=True))
    c = to_numpy(F.rrelu(x, training=True))
    assert (a == b).all() and not (a == c).all()
    m = ramp.nn.RReLU()
    assert m.training and not (to_numpy(m(x)) == to_numpy(m(x))).all()
    m.eval()
    assert (to_numpy(m(x)) == to_numpy(F.leaky_relu(x, (1 / 8 + 1 / 3) / 2))).all()
    z = x.clone()
    assert F.rrelu_(z, training=True) is z and (to_numpy(z)[~neg] == xs[~neg]).all()


@pytest.mark.parametrize("name", ["sigmoid", "silu", "mish", "softplus", "selu"])
@pytest.mark.parametrize("odd", [100.0, -100.0, float("nan"), float("inf"), -85.0])
def test_lane_results_do_not_depend_on_neighbours(name, odd):
    """float32 exp on AVX2 has a short form for |x| <= 80 and Highway's Exp for vectors with a lane
    outside: the in-range lanes of such a vector must come out bit for bit as they do beside
    in-range neighbours, and the odd lane as 1.13 computes it (within 4 float ulp, or both NaN)."""
    torch = pytest.importorskip("torch")
    g = np.random.default_rng(7)
    x = (g.uniform(-10, 10, 64)).astype(np.float32)
    f = getattr(ramp.nn.functional, name)
    base = f(ramp.from_numpy(x)).numpy()
    for k in (0, 3, 7, 13, 63):  # lane positions within 8-lane vectors and the last vector
        x2 = x.copy()
        x2[k] = odd
        got = f(ramp.from_numpy(x2)).numpy()
        others = np.arange(64) != k
        assert np.array_equal(got[others].view(np.int32), base[others].view(np.int32)), (name, odd, k)
        want = getattr(torch.nn.functional, name)(torch.from_numpy(x2)).numpy()[k]
        if np.isnan(want) or np.isinf(want):
            assert np.array_equal(got[k], want, equal_nan=True), (got[k], want)
        elif abs(want) < np.finfo(np.float32).tiny:  # subnormal tail: both libraries a few % off
            assert abs(float(got[k]) - float(want)) <= 0.05 * abs(float(want)), (got[k], want)
        else:
            assert abs(float(got[k]) - float(want)) <= 4 * float(np.spacing(np.abs(np.float32(want)))), (got[k], want)
