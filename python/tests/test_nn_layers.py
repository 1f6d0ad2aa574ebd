"""ramp.nn's layers against torch 1.13's on the same weights (copied through NumPy by load_state_dict)
and inputs: reprs, attributes, constructor errors, forward and backward (input and parameter
gradients, grad_fn names) in float32 and float64, train/eval (BatchNorm's running statistics,
Dropout's statistics), and nn.init's distributions against their formulas."""
import math
import re
import warnings
from collections import OrderedDict

import numpy as np
import pytest

import ramp
import ramp.nn.functional as F
from conftest import outcome, to_numpy

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def to_ramp_state(sd):
    return OrderedDict((k, ramp.from_numpy(v.detach().numpy().copy())) for k, v in sd.items())


def torch_text(s):
    return s.replace("torch.Size", "ramp.Size")


# name -> (constructor over a library's nn, input shape)
LAYERS = {
    "linear": (lambda nn: nn.Linear(5, 3), (4, 5)),
    "linear_no_bias_3d": (lambda nn: nn.Linear(5, 3, bias=False), (2, 4, 5)),
    "linear_3d": (lambda nn: nn.Linear(5, 3), (2, 4, 5)),
    "linear_1d": (lambda nn: nn.Linear(5, 3), (5,)),
    "conv": (lambda nn: nn.Conv2d(3, 4, 3), (2, 3, 7, 6)),
    "conv_stride_padding": (lambda nn: nn.Conv2d(3, 4, (3, 2), stride=2, padding=(1, 2)), (2, 3, 7, 6)),
    "conv_dilation_groups": (lambda nn: nn.Conv2d(4, 6, 3, dilation=2, groups=2, bias=False), (2, 4, 9, 8)),
    "conv_same": (lambda nn: nn.Conv2d(3, 4, 4, padding="same"), (2, 3, 7, 6)),
    "conv_same_dilation": (lambda nn: nn.Conv2d(3, 2, 3, padding="same", dilation=2), (1, 3, 6, 7)),
    "conv_valid": (lambda nn: nn.Conv2d(3, 4, 3, padding="valid"), (2, 3, 7, 6)),
    "conv_unbatched": (lambda nn: nn.Conv2d(3, 4, 3, padding=1), (3, 5, 5)),
    "max_pool": (lambda nn: nn.MaxPool2d(2), (2, 3, 6, 6)),
    "max_pool_ceil": (lambda nn: nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True), (2, 3, 7, 8)),
    "max_pool_dilation": (lambda nn: nn.MaxPool2d((2, 3), stride=(1, 2), dilation=2), (2, 2, 7, 9)),
    "avg_pool": (lambda nn: nn.AvgPool2d(2), (2, 3, 6, 6)),
    "avg_pool_padding": (lambda nn: nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
                         (2, 3, 7, 8)),
    "avg_pool_divisor": (lambda nn: nn.AvgPool2d(2, divisor_override=3), (2, 3, 6, 5)),
    "adaptive_avg_pool": (lambda nn: nn.AdaptiveAvgPool2d((3, None)), (2, 3, 7, 5)),
    "adaptive_avg_pool_int": (lambda nn: nn.AdaptiveAvgPool2d(4), (2, 3, 9, 7)),
    "batch_norm_1d": (lambda nn: nn.BatchNorm1d(3), (6, 3)),
    "batch_norm_1d_3d_cumulative": (lambda nn: nn.BatchNorm1d(3, momentum=None), (4, 3, 5)),
    "batch_norm_2d": (lambda nn: nn.BatchNorm2d(3, eps=1e-3, momentum=0.3), (4, 3, 5, 5)),
    "batch_norm_2d_no_affine": (lambda nn: nn.BatchNorm2d(3, affine=False), (4, 3, 2, 2)),
    "batch_norm_2d_untracked": (lambda nn: nn.BatchNorm2d(3, track_running_stats=False), (4, 3, 2, 2)),
    "flatten": (lambda nn: nn.Flatten(), (2, 3, 4, 5)),
    "flatten_range": (lambda nn: nn.Flatten(0, 2), (2, 3, 4, 5)),
    "identity": (lambda nn: nn.Identity(3, unused=1), (2, 3)),
    "sequential": (lambda nn: nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                                            nn.MaxPool2d(2), nn.Flatten(), nn.Linear(36, 5), nn.Tanh()),
                   (2, 3, 6, 6)),
}


def attributes(m):
    """A module's public non-tensor attributes, as torch stores them (kernel_size as a tuple, ...)."""
    return {k: v for k, v in vars(m).items() if not k.startswith("_") and not hasattr(v, "shape")}


@pytest.mark.parametrize("name", LAYERS)
def test_layer_repr_and_attributes(name):
    make, _ = LAYERS[name]
    r, t = make(ramp.nn), make(torch.nn)
    assert repr(r) == repr(t)
    assert attributes(r) == attributes(t)
    assert list(r.state_dict()) == list(t.state_dict())
    assert [(n, tuple(p.shape)) for n, p in r.named_parameters()] == [(n, tuple(p.shape)) for n, p in
                                                                      t.named_parameters()]


def pair(name, dtype):
    """(ramp module, torch module) with torch's weights, both in dtype."""
    make, _ = LAYERS[name]
    torch.manual_seed(1)
    t = make(torch.nn).to(getattr(torch, dtype))
    r = make(ramp.nn).to(getattr(ramp, dtype))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # identity: no state
        r.load_state_dict(to_ramp_state(t.state_dict()))
    return r, t


def tolerance(dtype):
    return dict(rtol=2e-5, atol=2e-6) if dtype == "float32" else dict(rtol=1e-11, atol=1e-13)


def close(r, t, dtype, what):
    assert tuple(r.shape) == tuple(t.shape), what
    np.testing.assert_allclose(to_numpy(r), t.detach().numpy(), **tolerance(dtype), err_msg=what)


def run_step(r, t, shape, dtype, seed):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(shape, generator=gen, dtype=getattr(torch, dtype), requires_grad=True)
    xr = ramp.from_numpy(x.detach().numpy().copy()).requires_grad_()
    yt, yr = t(x), r(xr)
    close(yr, yt, dtype, "forward")
    if yt.grad_fn is not None:
        assert yr.grad_fn.name() == yt.grad_fn.name()
    g = torch.randn(yt.shape, generator=gen, dtype=yt.dtype)
    yt.backward(g)
    yr.backward(ramp.from_numpy(g.numpy().copy()))
    close(xr.grad, x.grad, dtype, "input grad")
    for (n, pr), (_, pt) in zip(r.named_parameters(), t.named_parameters()):
        close(pr.grad, pt.grad, dtype, n + " grad")
    for (n, br), (_, bt) in zip(r.named_buffers(), t.named_buffers()):
        close(br, bt, dtype, n)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", LAYERS)
def test_layer_forward_backward(name, dtype):
    """Three training steps (BatchNorm's running statistics move), then eval (they are used)."""
    r, t = pair(name, dtype)
    for seed in range(3):
        run_step(r, t, LAYERS[name][1], dtype, seed)
    r.eval(), t.eval()
    run_step(r, t, LAYERS[name][1], dtype, 3)


def test_max_pool_indices():
    x = torch.randn(2, 3, 7, 8)
    xr = ramp.from_numpy(x.numpy().copy())
    for kwargs in ({}, {"stride": 1, "padding": 1}, {"ceil_mode": True, "dilation": 2}):
        yt, it = TF.max_pool2d(x, 3, return_indices=True, **kwargs)
        yr, ir = F.max_pool2d(xr, 3, return_indices=True, **kwargs)
        assert to_numpy(ir).tolist() == it.numpy().tolist() and to_numpy(yr).tolist() == yt.numpy().tolist()
        yr2, ir2 = ramp.nn.MaxPool2d(3, return_indices=True, **kwargs)(xr)
        assert to_numpy(ir2).tolist() == it.numpy().tolist()
    args = (xr, 2, None, 0, 1, False, True)  # return_indices positionally, as 1.13's dispatch reads it
    assert isinstance(F.max_pool2d(*args), tuple) and len(F.max_pool2d_with_indices(xr, 2)) == 2


CONSTRUCTOR_ERRORS = {
    "groups 0": lambda nn: nn.Conv2d(3, 8, 3, groups=0),
    "in not divisible": lambda nn: nn.Conv2d(3, 8, 3, groups=2),
    "out not divisible": lambda nn: nn.Conv2d(4, 9, 3, groups=2),
    "padding string": lambda nn: nn.Conv2d(3, 8, 3, padding="full"),
    "same strided": lambda nn: nn.Conv2d(3, 8, 3, padding="same", stride=2),
    "padding mode": lambda nn: nn.Conv2d(3, 8, 3, padding_mode="bogus"),
    "dropout > 1": lambda nn: nn.Dropout(1.5),
    "dropout < 0": lambda nn: nn.Dropout(-0.1),
}


def sorted_sets(message):
    """The message with each printed set's items sorted (a set's order varies between runs)."""
    return re.sub(r"\{([^{}]*)\}", lambda m: "{" + ", ".join(sorted(m.group(1).split(", "))) + "}", message)


@pytest.mark.parametrize("name", CONSTRUCTOR_ERRORS)
def test_constructor_errors(name):
    r, t = outcome(CONSTRUCTOR_ERRORS[name], ramp.nn), outcome(CONSTRUCTOR_ERRORS[name], torch.nn)
    assert r[1] is not None and r[1][0] == t[1][0] and sorted_sets(r[1][1]) == sorted_sets(t[1][1])


REPRS = [
    lambda nn: nn.Linear(4, 2, bias=False),
    lambda nn: nn.Conv2d(3, 8, 3),
    lambda nn: nn.Conv2d(3, 8, (3, 5), stride=(2, 1), padding=(1, 2), dilation=2, bias=False),
    lambda nn: nn.Conv2d(4, 8, 3, groups=2),
    lambda nn: nn.Conv2d(3, 8, 3, padding="same"),
    lambda nn: nn.Conv2d(3, 8, 3, padding="valid"),
    lambda nn: nn.MaxPool2d(3, 1, 1, 2, True, True),
    lambda nn: nn.MaxPool2d((2, 3)),
    lambda nn: nn.AvgPool2d((2, 3), stride=1, padding=1),
    lambda nn: nn.AdaptiveAvgPool2d((5, None)),
    lambda nn: nn.BatchNorm1d(8),
    lambda nn: nn.BatchNorm2d(8, eps=1e-3, momentum=None, affine=False, track_running_stats=False),
    lambda nn: nn.Dropout(),
    lambda nn: nn.Dropout(0.2, True),
    lambda nn: nn.Flatten(0, -2),
    lambda nn: nn.ModuleList([nn.Linear(2, 2), nn.Sequential(nn.ReLU(), nn.Dropout())]),
]


@pytest.mark.parametrize("i", range(len(REPRS)))
def test_reprs(i):
    assert repr(REPRS[i](ramp.nn)) == repr(REPRS[i](torch.nn))


def test_batch_norm_errors():
    cases = [lambda lib: lib.nn.BatchNorm1d(3)(lib.zeros(2, 3, 4, 5)),
             lambda lib: lib.nn.BatchNorm2d(3)(lib.zeros(2, 3)),
             lambda lib: lib.nn.BatchNorm1d(3)(lib.zeros(1, 3)),
             lambda lib: lib.nn.BatchNorm1d(3).eval()(lib.zeros(1, 4))]
    for case in cases:
        r, t = outcome(case, ramp), outcome(case, torch)
        assert r[1] is not None and r[1][0] == t[1][0], (r, t)
        if t[1][0] == "ValueError":
            assert r[1][1] == torch_text(t[1][1])
    assert outcome(lambda: ramp.nn.BatchNorm1d(3).eval()(ramp.zeros(1, 3)))[1] is None  # eval: one sample is fine


def test_batch_norm_state_dict_version_1():
    """A version-1 state dict (no num_batches_tracked) loads, as torch's does."""
    for lib in (ramp, torch):
        m = lib.nn.BatchNorm1d(2)
        sd = m.state_dict()
        del sd["num_batches_tracked"]
        sd._metadata[""] = {"version": 1}
        m.load_state_dict(sd)
        sd._metadata[""] = {"version": 2}
        with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "num_batches_tracked"'):
            m.load_state_dict(sd)


def test_dropout_statistics():
    n, p = 200_000, 0.3
    x = ramp.ones(n, requires_grad=True)
    y = F.dropout(x, p)
    a = to_numpy(y)
    zero = (a == 0).mean()
    assert abs(zero - p) < 5 * math.sqrt(p * (1 - p) / n)
    t = TF.dropout(torch.ones(1000), p)
    assert set(np.unique(a)) == set(np.unique(t.numpy()))  # kept values scaled by 1 / (1 - p) as torch
    assert y.grad_fn.name() == TF.dropout(torch.ones(3, requires_grad=True), p).grad_fn.name()
    y.backward(ramp.ones(n))
    assert (to_numpy(x.grad) == a).all()  # the same mask and scale
    m = ramp.nn.Dropout(p)
    z = ramp.ones(4)
    assert m.eval()(z).tolist() == [1.0] * 4 and F.dropout(z, 0.5, training=False) is z
    assert F.dropout(z, 0.0).tolist() == [1.0] * 4 and F.dropout(z, 1.0).tolist() == [0.0] * 4
    w = ramp.ones(1000)
    assert F.dropout(w, 0.5, inplace=True) is w and ramp.nn.Dropout(0.5, inplace=True)(w) is w
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 2"):
        F.dropout(z, 2)


def test_flatten_and_adaptive_errors():
    for case in [lambda lib: lib.zeros(2, 3).flatten(5), lambda lib: lib.zeros(2, 3, 4).flatten(2, 1),
                 lambda lib: lib.nn.functional.adaptive_avg_pool2d(lib.zeros(3, 4), (2, 2, 2))]:
        r, t = outcome(case, ramp), outcome(case, torch)
        assert r[1] is not None and r[1] == t[1]
    assert ramp.tensor(3.0).flatten().shape == (1,) and ramp.zeros(2, 3).flatten(1, 1).shape == (2, 3)


# ---- nn.init ----
def moments(t):
    a = to_numpy(t).astype(np.float64).ravel()
    return a, a.mean(), a.std()


def check_uniform(t, lo, hi):
    a, mean, std = moments(t)
    n = a.size
    assert a.min() >= lo and a.max() <= hi
    width = hi - lo
    assert abs(mean - (lo + hi) / 2) < 5 * width / math.sqrt(12 * n)
    assert abs(std - width / math.sqrt(12)) < 5 * width / math.sqrt(12) / math.sqrt(n) * 1.2
    assert a.min() < lo + width * 0.01 and a.max() > hi - width * 0.01  # it reaches the bounds


def check_normal(t, mean0, std0):
    a, mean, std = moments(t)
    n = a.size
    assert abs(mean - mean0) < 5 * std0 / math.sqrt(n)
    assert abs(std - std0) < 5 * std0 / math.sqrt(2 * n)


def test_default_initialisation():
    """Linear/Conv2d as 1.13's reset_parameters: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for both."""
    ramp.manual_seed(3)
    lin = ramp.nn.Linear(400, 300)
    check_uniform(lin.weight, -1 / 20, 1 / 20)
    conv = ramp.nn.Conv2d(16, 300, 5)  # fan_in = 16 * 25 = 400
    check_uniform(conv.weight, -1 / 20, 1 / 20)
    big_bias = ramp.nn.Linear(100, 100000)
    check_uniform(big_bias.bias, -0.1, 0.1)
    bn = ramp.nn.BatchNorm2d(3)
    assert bn.weight.tolist() == [1.0] * 3 and bn.bias.tolist() == [0.0] * 3
    ramp.manual_seed(3)
    assert ramp.nn.Linear(400, 300).weight.tolist() == lin.weight.tolist()  # ramp's seeded stream


def test_init_functions():
    init = ramp.nn.init
    w = ramp.empty(300, 500)
    assert init.uniform_(w, -2.0, 3.0) is w
    check_uniform(w, -2.0, 3.0)
    check_normal(init.normal_(w, 1.5, 0.5), 1.5, 0.5)
    b = math.sqrt(6 / 800) * 5 / 3
    check_uniform(init.xavier_uniform_(w, gain=init.calculate_gain("tanh")), -b, b)
    check_normal(init.xavier_normal_(w), 0, math.sqrt(2 / 800))
    check_normal(init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu"), 0, math.sqrt(2) / math.sqrt(300))
    b = math.sqrt(3) * math.sqrt(2 / (1 + 0.2 ** 2)) / math.sqrt(500)
    check_uniform(init.kaiming_uniform_(w, a=0.2), -b, b)
    c = ramp.empty(64, 8, 3, 3, dtype=ramp.float64)  # fan_in 72
    check_normal(init.kaiming_normal_(c), 0, math.sqrt(2 / (1 + 0)) / math.sqrt(72))
    assert init.constant_(c, 0.5).sum().item() == 0.5 * c.numel()
    assert init.ones_(c).sum().item() == c.numel() and init.zeros_(c).sum().item() == 0
    p = ramp.nn.Parameter(ramp.zeros(3, 3))
    init.ones_(p)  # a leaf that requires grad: written without recording
    assert p.is_leaf and p.grad_fn is None and p.sum().item() == 9


def test_init_gains_and_errors():
    for args in [("linear",), ("conv2d",), ("sigmoid",), ("tanh",), ("relu",), ("leaky_relu",), ("leaky_relu", 0.2),
                 ("leaky_relu", 1), ("selu",)]:
        assert ramp.nn.init.calculate_gain(*args) == pytest.approx(torch.nn.init.calculate_gain(*args), rel=1e-15)
    cases = [lambda lib: lib.nn.init.calculate_gain("bogus"),
             lambda lib: lib.nn.init.calculate_gain("leaky_relu", "x"),
             lambda lib: lib.nn.init.calculate_gain("leaky_relu", True),
             lambda lib: lib.nn.init.kaiming_uniform_(lib.zeros(3)),
             lambda lib: lib.nn.init.xavier_normal_(lib.zeros(3)),
             lambda lib: lib.nn.init.kaiming_normal_(lib.zeros(3, 3), mode="fan_x")]
    for case in cases:
        r, t = outcome(case, ramp), outcome(case, torch)
        assert r[1] is not None and r[1] == t[1]
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        ramp.nn.init.kaiming_uniform_(ramp.zeros(0, 3))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_one_row_and_one_column_products(dtype):
    """Products with one row or one column (GEMV inside) over the layouts BLAS reads in place
    (row-major, transposed, padded rows) and one it copies first (strided columns); against NumPy
    in float64 on the same values."""
    rng = np.random.default_rng(7)
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == "float32" else dict(rtol=1e-12, atol=1e-12)

    def layouts(rows, cols):
        arr = rng.standard_normal((rows, cols)).astype(dtype)
        padded = np.zeros((rows, cols + 5), dtype)
        padded[:, :cols] = arr
        wide = np.zeros((rows, 2 * cols), dtype)
        wide[:, ::2] = arr
        views = [ramp.from_numpy(arr.copy()), ramp.from_numpy(arr.T.copy()).t(),
                 ramp.from_numpy(padded)[:, :cols], ramp.from_numpy(wide)[:, ::2]]
        return arr.astype(np.float64), views

    for (rows, k, cols) in [(1, 37, 23), (23, 37, 1), (1, 37, 1)]:
        a_ref, a_views = layouts(rows, k)
        b_ref, b_views = layouts(k, cols)
        for a in a_views:
            for b in b_views:
                np.testing.assert_allclose(to_numpy(ramp.mm(a, b)), a_ref @ b_ref, **tol)
    w_ref, w_views = layouts(23, 37)
    x_ref, x_views = layouts(1, 37)
    bias = rng.standard_normal(23).astype(dtype)
    for w in w_views:
        np.testing.assert_allclose(to_numpy(F.linear(x_views[0], w, ramp.from_numpy(bias))),
                                   x_ref @ w_ref.T + bias, **tol)
