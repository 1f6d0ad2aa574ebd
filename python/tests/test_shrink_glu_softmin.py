"""The activations 1.13 has beside the ReLU family: logsigmoid, softsign, tanhshrink, softshrink,
hardshrink (entries of include/ramp/activations.h, so test_activations.py / test_activation_grads.py /
test_activation_accuracy.py cover them too), softmin (softmax(-x)) and glu (src/ops/glu.cpp), against
PyTorch 1.13 on the same inputs: reprs, signatures, special values bit for bit, errors, dtypes,
gradients, grad_fn names, gradcheck / gradgradcheck.
"""
import inspect
import math
import warnings

import numpy as np
import pytest

import ramp
import ramp.nn.functional as F
from conftest import assert_values, outcome, to_numpy, to_ramp

torch = pytest.importorskip("torch")
TF = torch.nn.functional

SPECIAL = [math.nan, math.inf, -math.inf, -0.0, 0.0, -1.0, 1.0, 0.5, -0.5, 0.3, -0.3, 0.5000001, -0.4999999,
           -100.0, 100.0, 1e-30, -1e-30, 1e-40, -1e-40, 1e30, -1e30, 20.0, -20.0, 88.5, -88.5, 1e-4, -1e-4]
POINTWISE = ["logsigmoid", "softsign", "tanhshrink", "softshrink", "hardshrink"]


def both(values, dtype="float32"):
    t = torch.tensor(values, dtype=torch.float64).to(getattr(torch, dtype))
    return t, to_ramp(t)


# ---- modules: reprs, signatures, constants ----
@pytest.mark.parametrize("build", [
    lambda nn: nn.LogSigmoid(), lambda nn: nn.Softsign(), lambda nn: nn.Tanhshrink(),
    lambda nn: nn.Softshrink(), lambda nn: nn.Softshrink(0.3), lambda nn: nn.Softshrink(1), lambda nn: nn.Softshrink(lambd=2.5),
    lambda nn: nn.Hardshrink(), lambda nn: nn.Hardshrink(0.1 + 0.2), lambda nn: nn.Softshrink(-1),
    lambda nn: nn.GLU(), lambda nn: nn.GLU(1), lambda nn: nn.GLU(dim=0),
    lambda nn: nn.Softmin(), lambda nn: nn.Softmin(1), lambda nn: nn.Softmin(dim=-1)])
def test_module_repr(build):
    """Softshrink(0.3) and Hardshrink(0.5) print the bare value (1.13's extra_repr is str(lambd))."""
    assert repr(build(ramp.nn)) == repr(build(torch.nn))


@pytest.mark.parametrize("cls", ["LogSigmoid", "Softsign", "Tanhshrink", "Softshrink", "Hardshrink", "GLU", "Softmin"])
def test_module_signature_and_state(cls):
    r, t = getattr(ramp.nn, cls), getattr(torch.nn, cls)
    rp = [(p.name, p.default) for p in inspect.signature(r.__init__).parameters.values()]
    tp = [(p.name, p.default) for p in inspect.signature(t.__init__).parameters.values()]
    assert rp == tp
    m = r()
    assert m.training and list(m.parameters()) == [] and len(m.state_dict()) == 0
    for name in getattr(t, "__constants__", []):
        assert getattr(m, name) == getattr(t(), name)


def test_functional_signatures():
    for name, want in [("softshrink", ["input", "lambd"]), ("hardshrink", ["input", "lambd"]),
                       ("logsigmoid", ["input"]), ("softsign", ["input"]), ("tanhshrink", ["input"]),
                       ("glu", ["input", "dim"]), ("softmin", ["input", "dim", "_stacklevel", "dtype"])]:
        assert list(inspect.signature(getattr(F, name)).parameters) == want
    assert inspect.signature(F.softshrink).parameters["lambd"].default == 0.5
    assert inspect.signature(F.glu).parameters["dim"].default == -1
    # 1.13 has these two as torch.hardshrink and Tensor.hardshrink (the others only in F)
    x_t, x_r = both([-1.0, -0.25, 0.25, 2.0])
    assert_values(ramp.hardshrink(x_r, 0.3), torch.hardshrink(x_t, 0.3))
    assert_values(x_r.hardshrink(), x_t.hardshrink())
    for name in ("logsigmoid", "softsign", "tanhshrink", "softshrink", "glu", "softmin"):
        assert hasattr(ramp, name) == hasattr(torch, name), name


def test_module_forward_matches_functional():
    x_t = torch.randn(4, 6, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    x_r = to_ramp(x_t)
    for cls, args in [("LogSigmoid", ()), ("Softsign", ()), ("Tanhshrink", ()), ("Softshrink", (0.7,)),
                      ("Hardshrink", (0.2,)), ("GLU", (1,)), ("GLU", (0,)), ("Softmin", (0,))]:
        # (1.13's tanhshrink x - tanh(x) is off by about an ulp of x: the absolute tolerance)
        assert_values(getattr(ramp.nn, cls)(*args)(x_r), getattr(torch.nn, cls)(*args)(x_t), 1e-15, 1e-15)


# ---- special values ----
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("lambd", [None, 0.0, 0.3, 2.0, -0.5])
def test_shrinks_bit_for_bit(dtype, lambd):
    """softshrink (NaN -> 0, -0.0 -> +0.0), hardshrink (NaN passes; a negative lambd keeps -0.0) and
    softsign (x / (|x| + 1): NaN at +-inf) exactly as 1.13, signs of zero included."""
    x_t, x_r = both(SPECIAL + list(np.linspace(-3, 3, 61)), dtype)
    kw = {} if lambd is None else {"lambd": lambd}
    for name in ("softshrink", "hardshrink"):
        t, t_err = outcome(lambda: getattr(TF, name)(x_t, **kw))
        r, r_err = outcome(lambda: getattr(F, name)(x_r, **kw))
        assert r_err == t_err
        if t_err is None:
            assert_values(r, t, inputs=x_t)
    assert_values(F.softsign(x_r), TF.softsign(x_t), inputs=x_t)


@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16"])
def test_smooth_special_values(dtype):
    """logsigmoid (0 at +inf, -inf at -inf, -log 2 at +-0) and tanhshrink (+-inf at +-inf, +0.0 at
    -0.0): NaN, infinities and zeros exactly as 1.13, the rest within a few ulp (tanhshrink: 1.13's
    x - tanh(x) cancels for small |x|, so its error there is an ulp of x)."""
    x_t, x_r = both(SPECIAL, dtype)
    eps = {"float32": 2.0 ** -23, "float64": 2.0 ** -52, "bfloat16": 2.0 ** -7}[dtype]
    for name in ("logsigmoid", "tanhshrink"):
        r, t = getattr(F, name)(x_r), getattr(TF, name)(x_t.float() if dtype == "bfloat16" else x_t)
        t = t.to(x_t.dtype)
        a, b = to_numpy(r).astype(np.float64), to_numpy(t).astype(np.float64)
        xs = to_numpy(x_t).astype(np.float64)
        exact = ~np.isfinite(b) | ~np.isfinite(xs) | (xs == 0)
        assert np.array_equal(a[exact], b[exact], equal_nan=True), (name, a[exact], b[exact])
        assert np.array_equal(np.signbit(a[exact & (b == 0)]), np.signbit(b[exact & (b == 0)])), name
        atol = 2 * eps * np.abs(xs[~exact]) if name == "tanhshrink" else 1e-38
        assert np.all(np.abs(a[~exact] - b[~exact]) <= atol + 4 * eps * np.abs(b[~exact])), name


def test_tanhshrink_small_inputs_accurate():
    """Where 1.13's x - tanh(x) cancels (tanhshrink(1e-4) == 0 in float32, exact 3.3e-13), ramp's
    polynomial gives the exact value x^3/3 - 2x^5/15 to a few ulp; mpmath is the oracle."""
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 40
    xs = [1e-4, -1e-4, 1e-10, 0.3, -0.3, 0.999, 1.0, 1.001, 0.75, -0.9999999]
    for dtype, npt in (("float32", np.float32), ("float64", np.float64)):
        x = np.array(xs, dtype=npt)
        got = F.tanhshrink(ramp.from_numpy(x)).numpy()
        for g, v in zip(got, x):
            want = npt(float(mpmath.mpf(float(v)) - mpmath.tanh(mpmath.mpf(float(v)))))
            assert abs(float(g) - float(want)) <= 4 * float(np.spacing(np.abs(want))), (dtype, v, g, want)
    assert TF.tanhshrink(torch.tensor([1e-4])).item() == 0.0  # the 1.13 cancellation this avoids


# ---- errors ----
def test_softshrink_lambda_errors():
    """1.13 refuses a negative (or NaN) lambd at the call, with its message (c10's number format);
    nn.Softshrink(-1) builds and raises when called. hardshrink takes any lambd."""
    for lambd in (-0.5, -1, -1.0, -1e-20, math.nan):
        t_out, t_err = outcome(lambda: TF.softshrink(torch.ones(2), lambd))
        r_out, r_err = outcome(lambda: F.softshrink(ramp.ones(2), lambd))
        assert t_err is not None and r_err == t_err
    m = ramp.nn.Softshrink(-1)
    with pytest.raises(RuntimeError, match=r"^lambda must be greater or equal to 0, but found to be -1\.$"):
        m(ramp.ones(2))
    assert_values(F.hardshrink(ramp.tensor([-0.0, 0.2, -1.0]), -0.5), TF.hardshrink(torch.tensor([-0.0, 0.2, -1.0]), -0.5))


@pytest.mark.parametrize("dtype", ["int64", "int32", "int8", "uint8", "bool"])
def test_integer_dtypes(dtype):
    """softsign/tanhshrink give float32 for integers (1.13 composes them of abs/div, sub/tanh) and
    fail on bool with the first op's error; the others raise their kernel's not-implemented."""
    t = torch.arange(-5, 6).to(getattr(torch, dtype))
    r = to_ramp(t)
    for name in POINTWISE + ["softmin", "glu"]:
        kw = {"dim": 0} if name == "softmin" else {}
        t_out, t_err = outcome(lambda: getattr(TF, name)(t[:10], **kw))
        r_out, r_err = outcome(lambda: getattr(F, name)(r[:10], **kw))
        assert r_err == t_err, name
        if t_err is None:
            assert_values(r_out, t_out, 1e-6, 1e-30)


def test_glu_errors():
    for args in [(torch.randn(3),), (torch.randn(3, 2), 0), (torch.randn(2, 3),), (torch.tensor(1.0),),
                 (torch.randn(2, 4), 2), (torch.randn(2, 4), -3)]:
        _, t_err = outcome(lambda: TF.glu(*args))
        _, r_err = outcome(lambda: F.glu(to_ramp(args[0]), *args[1:]))
        assert t_err is not None and r_err == t_err


def test_softmin_implicit_dim_warns_as_1_13():
    for shape in [(3,), (2, 3), (2, 3, 4), (2, 3, 4, 5)]:
        x_t = torch.randn(*shape, generator=torch.Generator().manual_seed(1))
        for call_t, call_r in [(lambda: TF.softmin(x_t), lambda: F.softmin(to_ramp(x_t))),
                               (lambda: torch.nn.Softmin()(x_t), lambda: ramp.nn.Softmin()(to_ramp(x_t)))]:
            with warnings.catch_warnings(record=True) as wt:
                warnings.simplefilter("always")
                t = call_t()
            with warnings.catch_warnings(record=True) as wr:
                warnings.simplefilter("always")
                r = call_r()
            assert [str(w.message) for w in wr] == [str(w.message) for w in wt]
            assert [w.filename for w in wr] == [__file__]  # at the caller, as torch's stacklevel
            assert_values(r, t, 4e-7, 1e-30)
    # dtype= casts first (an integer input works then)
    assert_values(F.softmin(ramp.tensor([1, 2]), 0, dtype=ramp.float64),
                  TF.softmin(torch.tensor([1, 2]), 0, dtype=torch.float64), 1e-15)
    # ... after the negation, which 1.13 does in the input's dtype: uint8 and int8 wrap, bool raises
    for vals, dt in (([0, 1], "uint8"), ([-128, 0, 5], "int8")):
        assert_values(F.softmin(ramp.tensor(vals, dtype=getattr(ramp, dt)), 0, dtype=ramp.float64),
                      TF.softmin(torch.tensor(vals, dtype=getattr(torch, dt)), 0, dtype=torch.float64), 1e-15)
    with pytest.raises(RuntimeError, match="Negation, the `-` operator, on a bool tensor is not supported"):
        F.softmin(ramp.tensor([True, False]), 0, dtype=ramp.float32)
    x = ramp.tensor([0.3, -0.2], requires_grad=True)
    assert F.softmin(x, 0, dtype=ramp.float64).grad_fn.name() == TF.softmin(
        torch.tensor([0.3, -0.2], requires_grad=True), 0, dtype=torch.float64).grad_fn.name()


# ---- glu and softmin values ----
@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16"])
def test_glu_and_softmin_values(dtype):
    g = torch.Generator().manual_seed(4)
    rtol = {"float32": 4e-7, "float64": 1e-15, "bfloat16": 2.0 ** -7}[dtype]
    for shape in [(8,), (0, 4), (4, 0), (3, 6), (2, 4, 6), (5, 2)]:
        x_t = (torch.randn(*shape, generator=g, dtype=torch.float64) * 4).to(getattr(torch, dtype))
        x_r = to_ramp(x_t)
        for dim in range(-len(shape), len(shape)):
            if shape[dim] % 2 == 0:
                assert_values(F.glu(x_r, dim), TF.glu(x_t, dim), rtol, 1e-30)
            assert_values(F.softmin(x_r, dim), TF.softmin(x_t, dim), 2 * rtol, 1e-30)
    # glu's special values: a * sigmoid(b) with inf * 0 = NaN
    x_t, x_r = both([1.0, 2.0, math.nan, math.inf, math.inf, -1.0, -math.inf, math.nan, -0.0, 3.0, 0.0, -math.inf],
                    dtype)
    assert_values(F.glu(x_r), TF.glu(x_t), rtol, 1e-30)
    # softmin of a transposed input along either dim
    x_t = torch.randn(4, 6, generator=g, dtype=torch.float64).to(getattr(torch, dtype)).t()
    for dim in (0, 1):
        assert_values(F.softmin(to_ramp(x_t.contiguous()).t().contiguous().t(), dim), TF.softmin(x_t, dim),
                      2 * rtol, 1e-30)


# ---- gradients ----
def test_glu_and_softmin_gradients_and_nodes():
    g = torch.Generator().manual_seed(5)
    x_t = torch.randn(3, 4, generator=g, dtype=torch.float64)
    w_t = torch.randn(3, 2, generator=g, dtype=torch.float64)
    for dim in (1, -1):
        xt, xr = x_t.clone().requires_grad_(), to_ramp(x_t).requires_grad_()
        yt, yr = TF.glu(xt, dim), F.glu(xr, dim)
        assert yr.grad_fn.name() == yt.grad_fn.name() == "GluBackward0"
        gt, = torch.autograd.grad((yt * w_t).sum(), xt, create_graph=True)
        gr, = ramp.autograd.grad((yr * to_ramp(w_t)).sum(), xr, create_graph=True)
        assert gr.grad_fn.name() == gt.grad_fn.name() == "GluBackwardBackward0"
        assert_values(gr, gt, 1e-14, 1e-15)
        ht, = torch.autograd.grad((gt * x_t.sin()).sum(), xt)
        hr, = ramp.autograd.grad((gr * to_ramp(x_t.sin())).sum(), xr)
        assert_values(hr, ht, 1e-13, 1e-14)
    xt, xr = x_t.clone().requires_grad_(), to_ramp(x_t).requires_grad_()
    yt, yr = TF.softmin(xt, 1), F.softmin(xr, 1)
    assert yr.grad_fn.name() == yt.grad_fn.name() == "SoftmaxBackward0"
    assert [f.name() for f, _ in yr.grad_fn.next_functions] == ["NegBackward0"]
    (yt * x_t).sum().backward()
    (yr * to_ramp(x_t)).sum().backward()
    assert_values(xr.grad, xt.grad, 1e-14, 1e-15)


@pytest.mark.parametrize("name", POINTWISE + ["glu", "softmin"])
def test_gradcheck_and_gradgradcheck(name):
    """Finite differences of ramp's first and second derivatives (float64, away from the kinks)."""
    pts = [-2.7, -1.3, -0.45, 0.35, 0.9, 1.7, 2.6, 4.1, -4.3, 0.6, -0.8, 1.2, 2.2, -2.1, 0.15, 1.45]
    fn = {"glu": lambda t: F.glu(t.reshape(4, 4), 0), "softmin": lambda t: F.softmin(t.reshape(4, 4), 1),
          "softshrink": lambda t: F.softshrink(t, 0.2), "hardshrink": lambda t: F.hardshrink(t, 0.7)}.get(
        name, getattr(F, name))
    x = ramp.tensor(pts, dtype=ramp.float64, requires_grad=True)
    assert ramp.autograd.gradcheck(fn, (x,))
    assert ramp.autograd.gradgradcheck(fn, (x,))


def test_saved_tensors_and_version_checks():
    """Out of place each saves its input as 1.13 (logsigmoid self + buffer, shrinks self, softsign's
    Div self): writing the input raises the version error, writing the output does not. tanhshrink
    differs: 1.13's Sub/Tanh nodes keep tanh's output, ramp's one node keeps the input."""
    for name in ("logsigmoid", "softsign", "softshrink", "hardshrink", "tanhshrink"):
        for written in ("input", "output"):
            def go(lib, fns):
                x = lib.tensor([-1.5, 0.25, 2.0], dtype=lib.float64, requires_grad=True)
                h = x * 1
                y = getattr(fns, name)(h)
                (h if written == "input" else y).mul_(2)
                y.sum().backward()
                return x.grad
            t, t_err = outcome(lambda: go(torch, TF))
            r, r_err = outcome(lambda: go(ramp, F))
            if name == "tanhshrink" and written == "input":
                assert t_err is None and r_err is not None and "modified by an inplace operation" in r_err[1]
                continue
            assert (r_err is None) == (t_err is None), (name, written, r_err, t_err)
            if t_err is None:
                assert_values(r, t, 1e-15, 1e-15)


def test_bfloat16_parameters_as_1_13():
    """1.13's bfloat16 kernels convert threshold's parameters, hardshrink's lambd and the shrinks'
    backward lambd to bfloat16 first (bf16(0.3) = 0.30078125 then counts as <= lambd); softshrink's
    forward keeps lambd in float. Both vector and tail lengths."""
    vals = [0.3, -0.3, 0.30078125, -0.30078125, 0.298828125, 0.69921875, 0.703125, 0.7, -0.7, 0.1, -0.1]
    for name, args in (("threshold", (0.3, 0.7)), ("hardshrink", (0.3,)), ("softshrink", (0.3,)),
                       ("hardshrink", (0.1,)), ("softshrink", (0.7,))):
        for n in (len(vals), 96):
            out = {}
            for lib in (torch, ramp):
                x = lib.tensor((vals * 9)[:n], dtype=lib.bfloat16, requires_grad=True)
                y = getattr(lib.nn.functional, name)(x, *args)
                (y * lib.arange(n, dtype=lib.bfloat16)).sum().backward()
                out[lib] = (y.float().tolist(), x.grad.float().tolist())
            assert out[ramp] == out[torch], (name, args, n)
