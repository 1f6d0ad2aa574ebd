"""Gradients of every activation against PyTorch 1.13 on the same inputs.

Parametrized over the C++ registry (a new entry is covered automatically): grad_fn names out of
place and in place, input gradients on random values and on the kinks / NaN / +-inf of reference §6,
the in-place negative-slope errors, PReLU's weight gradient, modules, and gradcheck in float64.
"""
import math

import numpy as np
import pytest

import ramp
import ramp.nn.functional as F
from conftest import FLOAT_DTYPES, assert_values, outcome, to_numpy, to_ramp, torch_dtype
from ramp._generate import REGISTRY, has_inplace_keyword
from test_activations import EXACT, arguments, torch_oracle

torch = pytest.importorskip("torch")
TF = torch.nn.functional
NAMES = [e["name"] for e in REGISTRY]
BY_NAME = {e["name"]: e for e in REGISTRY}
NOT_IN_TORCH = {"swish"}  # its oracle is composed of torch ops, so torch has no node name to compare
INPLACE = [n for n in NAMES if BY_NAME[n]["inplace"] != "none"]

# Smooth entries: |ramp - torch| <= atol + rtol |torch|, a few ulp of the dtype. ramp's elu/selu/celu
# (and leaky_relu) read the saved OUTPUT where 1.13 reads the input out of place: grad = y + alpha
# cancels for x << 0, so the error is an ulp of alpha * scale, absolute (the `scale` term below).
# bfloat16: both libraries compute in float32 and round the gradient once, but values saved in
# bfloat16 (the output, for ramp's elu family; sigmoid/tanh/softmax in both) carry 1/2 ulp.
EPS = {"float32": 2.0 ** -23, "float64": 2.0 ** -52, "bfloat16": 2.0 ** -8}


def tolerance(entry, dtype, kw):
    """(rtol, atol): 8 units of EPS (4 ulp in bfloat16), absolute in units of the entry's largest
    parameter; log_softmax's gradient g - softmax * sum(g) cancels, twice that."""
    eps = EPS[dtype] * (2 if entry["kind"] == "softmax" else 1)
    scale = max([1.0] + [abs(v) for v in kw.values() if isinstance(v, float)])
    # gelu's oracle is the inexact side: 1.13's Phi(x) + x phi(x) = 0.5 (1 + erf) + x phi cancels for
    # x < 0 (absolute error a few eps of 1; ramp's is within 4 ulp, test_activation_accuracy.py).
    scale *= 4 if entry["name"] == "gelu" else 1
    return 8 * eps, 8 * eps * scale * (1.7581 if entry["name"] == "selu" else 1.0)


def functional(lib, name):
    return torch_oracle(name) if lib is torch else getattr(F, name)


def call(lib, entry, x, kw, inplace=False):
    """F.<name>(x, **kw) of lib, or its in-place form the way a user writes it (F.relu_,
    F.silu(inplace=True), torch.sigmoid_)."""
    name, fns = entry["name"], TF if lib is torch else F
    if not inplace:
        return functional(lib, name)(x, **kw)
    if hasattr(fns, name + "_"):
        return getattr(fns, name + "_")(x, **kw)
    if has_inplace_keyword(entry):
        return getattr(fns, name)(x, **kw, inplace=True)
    return getattr(lib, name + "_")(x, **kw)


def run(lib, entry, x_t, g_t, kw, inplace=False):
    """(x.grad, grad_fn name) of call(...) backward with grad_output g, or the error raised."""
    x = x_t if lib is torch else to_ramp(x_t)
    x = x.detach().requires_grad_()
    g = g_t if lib is torch else to_ramp(g_t)

    def go():
        y = call(lib, entry, x * 1 if inplace else x, kw, inplace)  # in place on a non-leaf
        name = y.grad_fn.name()
        y.backward(g)
        return x.grad, name
    return outcome(go)


def kwargs_pair(entry, dtype, alt=False):
    kw_t, kw_r = arguments(entry, alt, torch, dtype), arguments(entry, alt, ramp, dtype)
    if entry["kind"] == "softmax":
        kw_t["dim"] = kw_r["dim"] = -1
    return kw_t, kw_r


def torch_grads(entry, x_t, g_t, kw, inplace):
    """((x.grad, grad_fn name), error) from torch, where bfloat16 backward kernels exist."""
    t, t_err = run(torch, entry, x_t, g_t, kw, inplace)
    if t_err and "not implemented for 'BFloat16'" in t_err[1]:
        # A gap in 1.13's bfloat16 backward kernels (hardtanh's, relu6's): ramp has them. The oracle
        # is torch in float32, rounded to bfloat16 (its bfloat16 kernels compute in float32 too).
        kw32 = {k: v.float() if isinstance(v, torch.Tensor) else v for k, v in kw.items()}
        t, t_err = run(torch, entry, x_t.float(), g_t.float(), kw32, inplace)
        t = (t[0].bfloat16(), t[1]) if t else t
    return t, t_err


def scalar_path(entry, x_t, g_t, kw, inplace, grad_t, grad_r):
    """torch's gradient with each element computed alone where it differs from ramp's.

    1.13's vectorized backward kernels disagree with its scalar ones (and with reference §6) at NaN
    (elu, selu, celu, hardswish: NaN instead of 1; hardtanh, relu6: 0 instead of 1) and at kinks
    (hardswish'(3): 1 instead of 1.5), so a value's gradient depends on its position in the tensor.
    ramp gives the scalar path's answer everywhere; a one-element tensor takes that path in torch."""
    if entry["kind"] == "softmax":
        return grad_t
    a, b = to_numpy(grad_r).ravel(), to_numpy(grad_t).ravel()
    differ = np.flatnonzero(~((a == b) | (np.isnan(a) & np.isnan(b))))
    if not len(differ):
        return grad_t
    out = grad_t.detach().clone().view(-1)
    for i in differ:
        one, err = torch_grads(entry, x_t.reshape(-1)[i:i + 1], g_t.reshape(-1)[i:i + 1], kw, inplace)
        assert err is None, err
        out[i] = one[0][0]
    return out.view(grad_t.shape)


def compare_grads(entry, dtype, x_t, g_t, alt=False, inplace=False):
    kw_t, kw_r = kwargs_pair(entry, dtype, alt)
    t, t_err = torch_grads(entry, x_t, g_t, kw_t, inplace)
    r, r_err = run(ramp, entry, x_t, g_t, kw_r, inplace)
    assert r_err == t_err
    if t_err:
        return
    assert (entry["name"] in NOT_IN_TORCH) or r[1] == t[1], "grad_fn"
    expected = scalar_path(entry, x_t, g_t, kw_t, inplace, t[0], r[0])
    if entry["name"] in EXACT:
        assert_values(r[0], expected, inputs=x_t)
    else:
        assert_values(r[0], expected, *tolerance(entry, dtype, kw_t), inputs=x_t)


# ---- grad_fn names ----
@pytest.mark.parametrize("inplace", [False, True], ids=["out_of_place", "in_place"])
@pytest.mark.parametrize("name", NAMES)
def test_grad_fn_name(name, inplace):
    """The node's name() and the `grad_fn=<...>` of the repr are torch's (ReluBackward0,
    LeakyReluBackward1 in place, EluBackward0 for selu, HardtanhBackward0 for relu6, ...)."""
    entry = BY_NAME[name]
    if inplace and entry["inplace"] == "none":
        pytest.skip("no in-place form")
    x_t = torch.tensor([[-1.5, 0.5, 2.0]], dtype=torch.float64)
    kw_t, kw_r = kwargs_pair(entry, "float64")
    x_r = to_ramp(x_t).requires_grad_()
    y_r = call(ramp, entry, x_r * 1 if inplace else x_r, kw_r, inplace)
    assert y_r.grad_fn is not None and y_r.requires_grad and not y_r.is_leaf
    assert f"grad_fn=<{y_r.grad_fn.name()}>" in repr(y_r)
    assert repr(y_r.grad_fn).startswith(f"<{y_r.grad_fn.name()} object at 0x")
    if name in NOT_IN_TORCH:
        return
    y_t = call(torch, entry, x_t.requires_grad_() * 1 if inplace else x_t.requires_grad_(), kw_t, inplace)
    assert y_r.grad_fn.name() == y_t.grad_fn.name()


@pytest.mark.parametrize("name", NAMES)
def test_no_graph_without_grad(name):
    """Inputs that do not require grad, or no_grad mode: no node, result is a plain tensor."""
    entry = BY_NAME[name]
    _, kw = kwargs_pair(entry, "float32")
    x = ramp.tensor([[-1.5, 0.5, 2.0]])
    assert call(ramp, entry, x, kw).grad_fn is None
    with ramp.no_grad():
        y = call(ramp, entry, x.requires_grad_(), kw)
    assert y.grad_fn is None and not y.requires_grad


# ---- gradients vs torch ----
def random_pair(dtype, seed, shape=(6, 43)):
    g = torch.Generator().manual_seed(seed)
    x = (torch.randn(*shape, generator=g, dtype=torch.float64) * 4).to(torch_dtype(dtype))
    gout = torch.randn(*shape, generator=g, dtype=torch.float64).to(torch_dtype(dtype))
    return x, gout


@pytest.fixture(params=[False, True], ids=["saved", "mask"])
def mask_backward(request):
    """Both ways ramp's relu-like entries can read their backward: the saved tensor (PyTorch's way)
    or a bit mask the forward writes (_C._set_mask_backward); the gradients must not differ."""
    before = ramp._C._mask_backward_enabled()
    ramp._C._set_mask_backward(request.param)
    yield request.param
    ramp._C._set_mask_backward(before)


@pytest.mark.parametrize("alt", [False, True], ids=["defaults", "alt"])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("name", NAMES)
def test_grad_random(name, dtype, alt, mask_backward):
    entry = BY_NAME[name]
    if torch_dtype(dtype) not in [torch_dtype(repr(d).split(".")[-1]) for d in entry["dtypes"]]:
        pytest.skip(f"{name} has no {dtype} kernel")
    x, g = random_pair(dtype, 7)
    compare_grads(entry, dtype, x, g, alt)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("name", INPLACE)
def test_grad_random_in_place(name, dtype, mask_backward):
    """In place the node saves the output (or a clone of the input): same gradients as torch."""
    entry = BY_NAME[name]
    if torch_dtype(dtype) not in [torch_dtype(repr(d).split(".")[-1]) for d in entry["dtypes"]]:
        pytest.skip(f"{name} has no {dtype} kernel")
    x, g = random_pair(dtype, 8)
    compare_grads(entry, dtype, x, g, inplace=True)


def special_points(entry, dtype, alt):
    """Reference §6's kinks and NaN/+-inf, the entry's own parameters (thresholds, clamp bounds,
    softplus' threshold / beta) with their float neighbours, and signed zeros."""
    kw = kwargs_pair(entry, dtype, alt)[0]
    points = [0.0, 0.5, 1.0, 3.0, 6.0, 20.0, 21.0, 100.0, 1e-30]
    points += [abs(v) for v in kw.values() if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if "beta" in kw and "threshold" in kw:
        points.append(kw["threshold"] / kw["beta"])
    values = [math.nan, math.inf, -math.inf]
    for p in points:
        for q in (p, float(np.nextafter(p, math.inf)), float(np.nextafter(p, -math.inf))):
            values += [q, -q]
    return torch.tensor(values, dtype=torch.float64).to(torch_dtype(dtype))


@pytest.mark.parametrize("inplace", [False, True], ids=["out_of_place", "in_place"])
@pytest.mark.parametrize("alt", [False, True], ids=["defaults", "alt"])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("name", NAMES)
def test_grad_special_values(name, dtype, alt, inplace, mask_backward):
    """d(sum y)/dx at the kinks, NaN and +-inf: torch's choice of branch, bit for bit for the
    piecewise-linear entries (relu'(0) = 0, hardtanh'(nan) = 1, elu'(0) = alpha, ...)."""
    entry = BY_NAME[name]
    if inplace and entry["inplace"] == "none":
        pytest.skip("no in-place form")
    if torch_dtype(dtype) not in [torch_dtype(repr(d).split(".")[-1]) for d in entry["dtypes"]]:
        pytest.skip(f"{name} has no {dtype} kernel")
    x = special_points(entry, dtype, alt)
    if entry["kind"] == "softmax":  # one row per value, beside an ordinary one: the row's NaNs are its own
        x = torch.stack([x, torch.full_like(x, 0.25)], dim=1)
    compare_grads(entry, dtype, x, torch.ones_like(x), alt, inplace)


# ---- parameters that make the in-place backward impossible ----
NEGATIVE_FIELDS = {"negative_slope", "alpha", "lower", "upper"}


@pytest.mark.parametrize("inplace", [False, True], ids=["out_of_place", "in_place"])
@pytest.mark.parametrize("name", [n for n in NAMES if {f["name"] for f in BY_NAME[n]["fields"]} & NEGATIVE_FIELDS])
def test_negative_slope(name, inplace):
    """leaky_relu_/rrelu_ (eval) with a negative slope and elu_/celu_ with a negative alpha: the
    forward runs, the backward raises torch's error. Out of place the gradient is right (ramp must not
    read the output then, which has the wrong sign)."""
    entry = BY_NAME[name]
    if inplace and entry["inplace"] == "none":
        pytest.skip("no in-place form")
    x = torch.tensor([-2.0, -0.5, 0.0, 1.5], dtype=torch.float64)
    kw_t, kw_r = kwargs_pair(entry, "float64")
    for kw in (kw_t, kw_r):
        for f in NEGATIVE_FIELDS & set(kw):
            kw[f] = {"upper": -0.25, "lower": -0.5}.get(f, -0.5)
    t, t_err = torch_grads(entry, x, torch.ones_like(x), kw_t, inplace)
    r, r_err = run(ramp, entry, x, torch.ones_like(x), kw_r, inplace)
    assert r_err == t_err
    if t_err is None:
        assert r[1] == t[1] or name in NOT_IN_TORCH
        assert_values(r[0], t[0], 1e-15, 1e-15)


def test_negative_slope_forward_and_no_grad():
    """The error belongs to the backward: forward succeeds, and without grad nothing is raised."""
    x = ramp.tensor([-1.0, 2.0], requires_grad=True)
    y = F.leaky_relu_(x * 1, -0.5)
    assert y.tolist() == [0.5, 2.0]
    with ramp.no_grad():
        F.elu_(x.detach(), alpha=-1.0)
    with pytest.raises(RuntimeError, match="^In-place elu backward calculation is triggered with a negative slope"):
        F.elu_(x * 1, alpha=-1.0).sum().backward()


# ---- what the node saves (reference §6's table), seen through the version counter ----
# Out of place, these read their output instead of their input (non-negative default slopes).
# (elu, selu and celu read their input, as 1.13: from the output their gradient cancels for x << 0.)
READS_OUTPUT = {"leaky_relu"}
# 1.13 composes tanhshrink of sub and tanh, whose nodes keep tanh's output (not the input or y);
# ramp's one node keeps the input, so writing the input raises there.
READS_INPUT_NOT_1_13 = {"tanhshrink"}


@pytest.mark.parametrize("written", ["output", "input"])
@pytest.mark.parametrize("name", [n for n in NAMES if n not in NOT_IN_TORCH])
def test_saved_tensor_written_in_place(name, written):
    """y = f(h); then `y *= 2` or `h *= 2`; backward. Raises torch's version error exactly where torch
    saved the written tensor (relu, sigmoid, tanh, softmax save their output; leaky_relu, elu, gelu,
    silu, ... their input; reference §6-7), else gives torch's gradient of the modified graph."""
    entry = BY_NAME[name]
    x = torch.tensor([[-1.5, 0.5, 2.0]], dtype=torch.float64)

    def go(lib, kw):
        xl = (x if lib is torch else to_ramp(x)).detach().requires_grad_()
        h = xl * 1
        y = call(lib, entry, h, kw)
        t = y if written == "output" else h
        t *= 2
        y.sum().backward()
        return xl.grad
    kw_t, kw_r = kwargs_pair(entry, "float64")
    (t, t_err), (r, r_err) = outcome(lambda: go(torch, kw_t)), outcome(lambda: go(ramp, kw_r))
    if name == "relu" and ramp._C._mask_backward_enabled():
        # relu's default 1-bit mask: neither write raises; the gradient is torch's for the same
        # modified graph with relu's output not saved (a clone).
        assert r_err is None
        xt = x.detach().requires_grad_()
        h = xt * 1
        y = call(torch, entry, h, kw_t).clone()
        (y if written == "output" else h).mul_(2)
        y.sum().backward()
        assert_values(r, xt.grad, 0, 0)
        return
    if name in READS_OUTPUT:
        # ramp's documented difference (PyTorch issue 63644): these read their output, so writing
        # the output raises and writing the input is fine, with the unmodified graph's gradient.
        if written == "output":
            assert r_err is not None and r_err[1].startswith("one of the variables needed for gradient")
        else:
            assert r_err is None
            xt = x.detach().requires_grad_()
            call(torch, entry, xt * 1, kw_t).sum().backward()
            assert_values(r, xt.grad, 1e-12, 1e-12)
        return
    if name in READS_INPUT_NOT_1_13 and written == "input":
        assert t_err is None and r_err is not None and r_err[1].startswith("one of the variables needed for gradient")
        return
    assert r_err == t_err, f"ramp {'raises' if r_err else 'does not raise'}, torch {'does' if t_err else 'does not'}"
    if t_err is None:
        assert_values(r, t, 1e-15, 1e-15)


# ---- PReLU: the weight's gradient ----
def test_prelu_weight_grad_reference():
    """Reference §6: x=[[-1,2],[-3,-4]] through nn.PReLU(2) -> weight.grad = [-4,-4]."""
    m = ramp.nn.PReLU(2)
    x = ramp.tensor([[-1.0, 2.0], [-3.0, -4.0]], requires_grad=True)
    assert m.weight.requires_grad and m.weight.is_leaf  # a parameter, as nn.PReLU's
    m(x).sum().backward()
    assert m.weight.grad.tolist() == [-4.0, -4.0]
    assert x.grad.tolist() == [[0.25, 1.0], [0.25, 0.25]]
    assert m(x).grad_fn.name() == "PreluBackward0"


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("shape,channels", [((5,), 1), ((4, 3), 3), ((2, 3, 7), 3), ((2, 3, 4, 5), 1)])
def test_prelu_weight_grad(shape, channels, dtype):
    x, g = random_pair(dtype, 11, shape)
    w = torch.linspace(-0.5, 0.75, channels, dtype=torch_dtype(dtype))
    grads = []
    for lib in (torch, ramp):
        xl, wl, gl = (x, w, g) if lib is torch else (to_ramp(x), to_ramp(w), to_ramp(g))
        xl, wl = xl.detach().requires_grad_(), wl.detach().requires_grad_()
        F_ = TF if lib is torch else F
        F_.prelu(xl, wl).backward(gl)
        grads.append((xl.grad, wl.grad))
    (tx, tw), (rx, rw) = grads
    assert_values(rx, tx)
    # The weight's gradient is a sum over the channel: summation order may differ.
    assert_values(rw, tw, 1e-2 if dtype == "bfloat16" else 1e-5 if dtype == "float32" else 1e-12, 0)


# ---- modules, as users call them ----
@pytest.mark.parametrize("name", NAMES)
def test_module_backward(name):
    """nn.<Module>() with its defaults, forward and backward, equal to torch's module."""
    entry = BY_NAME[name]
    if name in NOT_IN_TORCH:
        pytest.skip("not in torch")
    args = {"threshold": (0.5, -2.0)}.get(name, ())
    kwargs = {"dim": -1} if entry["kind"] == "softmax" else {}
    x, g = random_pair("float64", 12)
    grads = []
    for lib in (torch, ramp):
        m = getattr(lib.nn, entry["module"])(*args, **kwargs)
        if name == "prelu":
            m = m.double()
        if name == "rrelu":
            m.eval()
        xl = (x if lib is torch else to_ramp(x)).detach().requires_grad_()
        m(xl).backward(g if lib is torch else to_ramp(g))
        grads.append(xl.grad)
    assert_values(grads[1], grads[0], *(0, 0) if name in EXACT else tolerance(entry, "float64", {}))


def test_rrelu_training_grad_is_the_noise():
    """In training, the gradient on x < 0 is the slope drawn in the forward (y / x), 1 elsewhere."""
    x = ramp.linspace(-4.0, 4.0, 1000, dtype=ramp.float64).requires_grad_()
    y = F.rrelu(x, training=True)
    y.sum().backward()
    xs, ys, gs = to_numpy(x.detach()), to_numpy(y.detach()), to_numpy(x.grad)
    neg = xs < 0
    assert np.allclose(gs[neg], ys[neg] / xs[neg], rtol=1e-15) and (gs[~neg] == 1).all()
    assert y.grad_fn.name() == "RreluWithNoiseBackward0"


# ---- gradcheck in float64 ----
def gradcheck_inputs(entry):
    """Values away from every kink (0, +-1, +-3, 6, the thresholds), 2-D for softmax's dim."""
    x = ramp.tensor([[-2.3, -0.7, 0.4], [1.3, 2.9, 7.1]], dtype=ramp.float64)
    return x.requires_grad_()


@pytest.mark.parametrize("name", NAMES)
def test_gradcheck(name):
    entry = BY_NAME[name]
    _, kw = kwargs_pair(entry, "float64")
    x = gradcheck_inputs(entry)
    if entry["kind"] == "prelu":
        w = kw.pop("weight").double().requires_grad_()
        assert ramp.autograd.gradcheck(lambda a, b: F.prelu(a, b), (x, w))
    else:
        assert ramp.autograd.gradcheck(lambda a: getattr(F, name)(a, **kw), (x,))


def test_gradcheck_detects_a_wrong_gradient():
    """A hook that doubles the gradient: ramp's gradcheck fails as torch's does (False, or
    GradcheckError, a RuntimeError, naming the output and input)."""
    def doubled(lib):
        def f(a):
            y = lib.nn.functional.elu(a * 1)
            y.register_hook(lambda g: g * 2)
            return y
        return f
    x_t = torch.tensor([-0.5, 0.7], dtype=torch.float64, requires_grad=True)
    x_r = to_ramp(x_t.detach()).requires_grad_()
    assert torch.autograd.gradcheck(doubled(torch), (x_t,), raise_exception=False) is False
    assert ramp.autograd.gradcheck(doubled(ramp), (x_r,), raise_exception=False) is False
    with pytest.raises(RuntimeError, match="^Jacobian mismatch for output 0 with respect to input 0,\nnumerical:"):
        ramp.autograd.gradcheck(doubled(ramp), (x_r,))
    with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
        ramp.autograd.gradcheck(F.relu, (x_r.detach(),))
