"""ModuleDict, ParameterList, ParameterDict, LayerNorm, Dropout1d/2d/3d, Unflatten, F.pad, Conv2d's
padding_mode, AdaptiveAvgPool2d with None, and module backward hooks, against torch 1.13 on the same
inputs (forward, backward, reprs, state_dict round trips, errors)."""
import warnings

import numpy as np
import pytest

import ramp
import ramp.nn.functional as F
from conftest import assert_oracle, assert_values, outcome, to_ramp


def av(r, t, **kw):
    """assert_values on the tensors' data (torch refuses .numpy() on a tensor that requires grad)."""
    assert_values(r.detach(), t.detach(), **kw)

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def pair(*shape, seed=0, dtype=torch.float32, requires_grad=False):
    t = torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)
    r = to_ramp(t)
    return t.requires_grad_(requires_grad), r.requires_grad_(requires_grad)


def rrepr(m):
    return repr(m).replace("ramp.", "torch.")


def same_error(f_ramp, f_torch):
    a, b = outcome(f_ramp)[1], outcome(f_torch)[1]
    assert b is not None, "torch raised nothing"
    assert a == b


# ---- containers ----
def test_module_dict():
    def build(lib):
        return lib.nn.ModuleDict({"fc": lib.nn.Linear(2, 3), "act": lib.nn.ReLU()})
    mt, mr = build(torch), build(ramp)
    assert rrepr(mr) == repr(mt)
    assert list(mr.keys()) == list(mt.keys()) == ["fc", "act"]
    assert list(mr.state_dict()) == list(mt.state_dict())
    mr["extra"] = ramp.nn.Identity()
    mt["extra"] = torch.nn.Identity()
    assert rrepr(mr) == repr(mt) and len(mr) == 3 and "extra" in mr
    assert mr.pop("extra").__class__.__name__ == "Identity"
    mr.update([("x", ramp.nn.Tanh())])
    assert list(mr) == ["fc", "act", "x"]
    same_error(lambda: mr.update([("a",)]), lambda: mt.update([("a",)]))
    same_error(lambda: mr.update(5), lambda: mt.update(5))


def test_parameter_list():
    def build(lib, ts):
        return lib.nn.ParameterList([lib.nn.Parameter(ts[0]), ts[1], "x"])
    (a, ra), (b, rb) = pair(2, 3), pair(4, seed=1)
    mt, mr = build(torch, [a, b]), build(ramp, [ra, rb])
    assert rrepr(mr) == repr(mt)
    assert len(mr) == 3 and isinstance(mr[1], ramp.nn.Parameter)
    assert list(mr.state_dict()) == list(mt.state_dict()) == ["0", "1"]
    assert [tuple(p.shape) for p in mr.parameters()] == [(2, 3), (4,)]
    assert len(mr[0:2]) == 2
    same_error(lambda: mr(1), lambda: mt(1))
    same_error(lambda: mr.extend(ramp.zeros(2)), lambda: mt.extend(torch.zeros(2)))


def test_parameter_dict():
    def build(lib, ts):
        return lib.nn.ParameterDict({"b": ts[0], "a": lib.nn.Parameter(ts[1])})  # a plain dict: sorted
    (a, ra), (b, rb) = pair(2, 3), pair(4, seed=1)
    mt, mr = build(torch, [a, b]), build(ramp, [ra, rb])
    assert rrepr(mr) == repr(mt)
    assert list(mr.keys()) == list(mt.keys()) == ["a", "b"]
    sd = mt.state_dict()
    mr.load_state_dict({k: to_ramp(v) for k, v in sd.items()})
    av(mr["b"], sd["b"])
    mr["c"] = ramp.zeros(1)
    assert isinstance(mr["c"], ramp.nn.Parameter) and "c" in mr
    assert mr.get("zz", 5) == 5
    same_error(lambda: mr[1], lambda: mt[1])
    same_error(lambda: mr(1), lambda: mt(1))


# ---- LayerNorm ----
def layer_norm_oracle(x, w, b, dy, nshape, eps=1e-5):
    """F.layer_norm's output and gradients in float64 over the trailing dims nshape, with the magnitudes ramp's
    float32 (bfloat16, float32) or float64 arithmetic cancels through (its formulas: layer_norm.cpp)."""
    x, w, b, dy = (np.asarray(a, dtype=np.float64) for a in (x, w, b, dy))
    shape, n = x.shape, int(np.prod(nshape))
    x, dy, w, b = x.reshape(-1, n), dy.reshape(-1, n), w.reshape(n), b.reshape(n)
    m = x.mean(1, keepdims=True)
    rs = 1 / np.sqrt(((x - m) ** 2).mean(1, keepdims=True) + eps)
    xhat = (x - m) * rs
    y = xhat * w + b
    y_mag = (np.abs(x * rs) + np.abs(rs * m)) * np.abs(w) + np.abs(b)  # (x rs + (-rs m)) w + b
    g = dy * w
    dx = rs * (g - g.mean(1, keepdims=True) - xhat * (g * xhat).mean(1, keepdims=True))
    ds, db = (g * x).sum(1, keepdims=True), g.sum(1, keepdims=True)
    bd = (db * m - ds) * rs ** 3 / n
    dx_mag = np.abs(rs * g) + np.abs(bd * x) + np.abs(-bd * m - db * rs / n)  # rs g + bd x + c
    dw, dw_mag = (dy * xhat).sum(0), np.abs(dy * xhat).sum(0)
    dbias, db_mag = dy.sum(0), np.abs(dy).sum(0)
    return [(y.reshape(shape), y_mag.reshape(shape)), (dx.reshape(shape), dx_mag.reshape(shape)),
            (dw.reshape(nshape), dw_mag.reshape(nshape)), (dbias.reshape(nshape), db_mag.reshape(nshape))]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16])
@pytest.mark.parametrize("shape, normalized", [((4, 5), 5), ((2, 3, 4, 5), (4, 5)), ((3, 8), [8])])
def test_layer_norm_values_and_grads(dtype, shape, normalized):
    """Output and gradients within 2 ulps of the output dtype of the float64 result of the same
    inputs (ramp computes in float32 for bfloat16 and rounds once), and torch's float32/float64
    results to a few ulps."""
    t, r = pair(*shape, dtype=dtype, requires_grad=True)
    mt = torch.nn.LayerNorm(normalized, dtype=dtype)
    mr = ramp.nn.LayerNorm(normalized, dtype=getattr(ramp, str(dtype).split(".")[1]))
    with torch.no_grad():  # non-trivial affine parameters, shared
        mt.weight.uniform_(0.5, 1.5, generator=torch.Generator().manual_seed(5))
        mt.bias.uniform_(-1, 1, generator=torch.Generator().manual_seed(6))
    mr.load_state_dict({k: to_ramp(v) for k, v in mt.state_dict().items()})
    yt, yr = mt(t), mr(r)
    assert yr.grad_fn.name() == yt.grad_fn.name() == "NativeLayerNormBackward0"
    g = torch.randn(*shape, generator=torch.Generator().manual_seed(9)).to(dtype)
    yt.backward(g)
    yr.backward(to_ramp(g))
    f64 = lambda a: a.detach().double().numpy()  # noqa: E731
    want = layer_norm_oracle(f64(t), f64(mt.weight), f64(mt.bias), f64(g), mt.normalized_shape)
    for got, (w, mag) in zip([yr, r.grad, mr.weight.grad, mr.bias.grad], want):
        assert_oracle(got, w, 2, mag)
    if dtype != torch.bfloat16:  # 1.13's own bfloat16 sums round more often than its output
        eps = float(torch.finfo(dtype).eps)
        av(yr, yt, atol=16 * eps, rtol=4 * eps)
        for a, b in [(r.grad, t.grad), (mr.weight.grad, mt.weight.grad), (mr.bias.grad, mt.bias.grad)]:
            av(a, b, atol=64 * eps, rtol=16 * eps)


def test_layer_norm_double_oracle_and_gradcheck():
    x = np.random.default_rng(3).standard_normal((3, 6))
    r = ramp.tensor(x, dtype=ramp.float64)
    y = F.layer_norm(r, (6,), eps=1e-5).numpy()
    ref = (x - x.mean(1, keepdims=True)) / np.sqrt(x.var(1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(y, ref, rtol=1e-13, atol=1e-13)
    w = ramp.randn(6, dtype=ramp.float64, requires_grad=True)
    b = ramp.randn(6, dtype=ramp.float64, requires_grad=True)
    assert ramp.autograd.gradcheck(lambda a, w, b: F.layer_norm(a, (6,), w, b),
                                   (r.requires_grad_(), w, b))


def test_layer_norm_module_repr_state_dict_errors():
    for args in [(3,), ([3, 4],), ((3, 4), 1e-3, False)]:
        mt, mr = torch.nn.LayerNorm(*args), ramp.nn.LayerNorm(*args)
        assert rrepr(mr) == repr(mt)
        assert list(mr.state_dict()) == list(mt.state_dict())
    x, r = pair(2, 3)
    for args in [([],), ([4],), ([3], torch.ones(4)), ([3], None, torch.ones(4))]:
        rargs = [to_ramp(a) if isinstance(a, torch.Tensor) else a for a in args]
        same_error(lambda: F.layer_norm(r, *rargs), lambda: TF.layer_norm(x, *args))
    same_error(lambda: F.layer_norm(r.double(), [3], ramp.ones(3)), lambda: TF.layer_norm(x.double(), [3], torch.ones(3)))
    same_error(lambda: F.layer_norm(r.long(), [3]), lambda: TF.layer_norm(x.long(), [3]))


# ---- dropout ----
@pytest.mark.parametrize("fn, shape, channels", [
    ("dropout1d", (4, 6, 50), 24), ("dropout1d", (6, 50), 6), ("dropout2d", (4, 6, 7, 8), 24),
    ("dropout3d", (2, 6, 3, 4, 5), 12), ("dropout3d", (6, 3, 4, 5), 6)])
def test_channel_dropout_zeroes_whole_channels(fn, shape, channels):
    r = ramp.rand(*shape) + 1
    r.requires_grad_()
    y = getattr(F, fn)(r, 0.5, True)
    ys, xs = y.detach().numpy().reshape(channels, -1), r.detach().numpy().reshape(channels, -1)
    kept, dropped = np.all(ys == 2 * xs, axis=1), np.all(ys == 0, axis=1)
    assert np.all(kept ^ dropped) and kept.any() and dropped.any()
    assert y.grad_fn.name() == "MulBackward0" or (len(shape) in (2, 4) and fn != "dropout2d")
    y.sum().backward()
    np.testing.assert_array_equal(r.grad.numpy().reshape(channels, -1),
                                  np.broadcast_to(np.where(kept, 2.0, 0.0)[:, None], ys.shape))


def test_dropout_modules_eval_warnings_errors():
    for name in ["Dropout1d", "Dropout2d", "Dropout3d"]:
        mt, mr = getattr(torch.nn, name)(0.3), getattr(ramp.nn, name)(0.3)
        assert rrepr(mr) == repr(mt)
    r = ramp.randn(2, 3, 4, 5)
    assert ramp.nn.Dropout2d().eval()(r) is r
    x, r = pair(2, 3, 4, 5, 6)
    same_error(lambda: F.dropout1d(r), lambda: TF.dropout1d(x))
    same_error(lambda: F.dropout2d(r, 1.5), lambda: TF.dropout2d(x, 1.5))
    for shape in [(2, 3, 4), (2, 3, 4, 5, 6)]:
        x, r = pair(*shape)
        with warnings.catch_warnings(record=True) as wt:
            warnings.simplefilter("always")
            TF.dropout2d(x, 0.5, False)
        with warnings.catch_warnings(record=True) as wr:
            warnings.simplefilter("always")
            F.dropout2d(r, 0.5, False)
        assert [str(w.message) for w in wr] == [str(w.message) for w in wt] and wt
    t = ramp.ones(2, 3, 4)
    av(F.dropout2d(t, 1.0, True), torch.zeros(2, 3, 4))


# ---- Unflatten ----
def test_unflatten():
    x, r = pair(2, 12, requires_grad=True)
    for dim, sizes in [(1, (3, 4)), (-1, (2, -1, 3)), (1, [12])]:
        mt, mr = torch.nn.Unflatten(dim, sizes), ramp.nn.Unflatten(dim, sizes)
        assert rrepr(mr) == repr(mt)
        yt, yr = mt(x), mr(r)
        av(yr, yt)
        assert yr.grad_fn.name() == "ViewBackward0"
    for dim, sizes in [(1, (5, 2)), (1, (-1, -1)), (3, (2, 6)), (1, ())]:
        same_error(lambda: ramp.nn.Unflatten(dim, sizes)(r), lambda: torch.nn.Unflatten(dim, sizes)(x))
    same_error(lambda: ramp.nn.Unflatten(1, 5), lambda: torch.nn.Unflatten(1, 5))
    same_error(lambda: ramp.nn.Unflatten(1, (2.0, 3)), lambda: torch.nn.Unflatten(1, (2.0, 3)))
    same_error(lambda: ramp.nn.Unflatten(1.0, (2, 3)), lambda: torch.nn.Unflatten(1.0, (2, 3)))


# ---- F.pad ----
PADS = [
    ("constant", (2, 3), (1, 1)), ("constant", (2, 3, 4), (1, 2, 0, 1)), ("constant", (1, 2, 5, 5), (-1, 2, 3, -2)),
    ("constant", (2, 3), (1, 1, 2, 0)),
    ("reflect", (2, 3, 5), (2, 3)), ("reflect", (3, 5), (1, 4)), ("reflect", (1, 2, 4, 5), (1, 2, 3, 0)),
    ("reflect", (2, 4, 5), (2, 2, 1, 3)), ("reflect", (1, 2, 3, 4, 5), (1, 1, 2, 1, 0, 2)),
    ("reflect", (2, 3, 5), (-1, 2)),
    ("replicate", (2, 3, 5), (2, 3)), ("replicate", (1, 2, 4, 5), (1, 6, 3, 0)), ("replicate", (2, 3, 4, 5), (2, 1, 1, 2)),
    ("replicate", (1, 2, 3, 4, 5), (1, 1, 2, 1, 3, 2)),
    ("circular", (2, 3, 5), (2, 3)), ("circular", (1, 2, 4, 5), (1, 2, 3, 0)), ("circular", (1, 2, 4, 5), (-1, 2, 1, 1)),
    ("circular", (1, 2, 3, 4, 5), (1, 1, 2, 1, 0, 2)),
]


@pytest.mark.parametrize("mode, shape, p", PADS)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_pad_values_and_grads(mode, shape, p, dtype):
    x, r = pair(*shape, dtype=dtype, requires_grad=True)
    yt, yr = TF.pad(x, p, mode), F.pad(r, p, mode)
    av(yr, yt)
    assert yr.grad_fn.name() == yt.grad_fn.name()
    g = torch.randn(*yt.shape, generator=torch.Generator().manual_seed(4), dtype=dtype)
    yt.backward(g)
    yr.backward(to_ramp(g))
    av(r.grad, x.grad)


def test_pad_constant_value_and_dtypes():
    for dtype in [torch.int64, torch.bfloat16, torch.float32]:
        x = torch.arange(6).reshape(1, 2, 3).to(dtype)
        av(F.pad(to_ramp(x), (1, 2), value=2.5), TF.pad(x, (1, 2), value=2.5))
    assert ramp.autograd.gradcheck(lambda a: F.pad(a, (1, 2, 2, 1), "reflect"),
                                   (ramp.randn(1, 2, 3, 4, dtype=ramp.float64, requires_grad=True),))


@pytest.mark.parametrize("mode, shape, p, value", [
    ("reflect", (1, 2, 3, 3), (1, 1), None), ("reflect", (1, 2, 3, 3), (3, 3, 1, 1), None),
    ("reflect", (1, 2, 3, 3), (1, 1, 3, 3), None), ("reflect", (2, 3, 4), (4, 1), None),
    ("reflect", (1, 2, 3, 3, 3), (1, 1, 1, 1, 3, 1), None), ("constant", (1, 2, 3, 3), (1,), None),
    ("constant", (1, 2, 3, 3), (1,) * 10, None), ("circular", (1, 2, 3, 3), (1, 1), None),
    ("foo", (1, 2, 3, 3), (1, 1), None), ("reflect", (1, 2, 3, 3), (1, 1, 1, 1), 2.0),
    ("constant", (1, 2, 3, 3), (-2, -2), None), ("circular", (2, 3), (1, 1), None),
    ("circular", (1, 2, 3), (4, 3), None), ("reflect", (2, 3, 0), (1, 1), None),
    ("replicate", (2, 3, 0), (1, 1), None), ("reflect", (2, 3, 4), (-3, -1), None),
    ("replicate", (2, 3, 4), (-3, -1), None),
])
def test_pad_errors(mode, shape, p, value):
    x, r = pair(*shape)
    same_error(lambda: F.pad(r, p, mode, value), lambda: TF.pad(x, p, mode, value))


@pytest.mark.parametrize("mode, dtype", [("reflect", torch.int64), ("replicate", torch.int64),
                                         ("reflect", torch.bfloat16), ("replicate", torch.bfloat16)])
def test_pad_dtype_errors(mode, dtype):
    """1.13 pads in float32/float64 only, except reflection_pad3d, which also takes bfloat16."""
    for shape, p in [((2, 3, 4), (1, 1)), ((1, 2, 3, 3), (1, 1, 1, 1)), ((1, 2, 3, 3, 3), (1,) * 6)]:
        x = torch.randn(*shape).to(dtype)
        rt, et = outcome(lambda: TF.pad(x, p, mode))
        rr, er = outcome(lambda: F.pad(to_ramp(x), p, mode))
        assert er == et
        if et is None:
            av(rr, rt)


# ---- Conv2d padding_mode, AdaptiveAvgPool2d(None) ----
@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular", "zeros"])
@pytest.mark.parametrize("padding", [1, (2, 1), "same"])
def test_conv2d_padding_mode(mode, padding):
    kw = dict(kernel_size=3, padding=padding, padding_mode=mode, bias=True)
    torch.manual_seed(0)
    mt = torch.nn.Conv2d(2, 3, **kw)
    mr = ramp.nn.Conv2d(2, 3, **kw)
    assert rrepr(mr) == repr(mt)
    assert list(mr.state_dict()) == list(mt.state_dict())
    mr.load_state_dict({k: to_ramp(v) for k, v in mt.state_dict().items()})
    x, r = pair(2, 2, 6, 7, requires_grad=True)
    yt, yr = mt(x), mr(r)
    av(yr, yt, atol=1e-5, rtol=1e-5)
    g = torch.randn(*yt.shape, generator=torch.Generator().manual_seed(4))
    yt.backward(g)
    yr.backward(to_ramp(g))
    av(r.grad, x.grad, atol=1e-5, rtol=1e-5)
    av(mr.weight.grad, mt.weight.grad, atol=1e-4, rtol=1e-5)


def test_adaptive_avg_pool2d_none():
    x, r = pair(2, 3, 9, 10, requires_grad=True)
    for size in [(None, 7), (4, None), (None, None), 5]:
        mt, mr = torch.nn.AdaptiveAvgPool2d(size), ramp.nn.AdaptiveAvgPool2d(size)
        assert rrepr(mr) == repr(mt)
        av(mr(r), mt(x), atol=1e-6, rtol=1e-6)


# ---- module backward hooks ----
class Two:
    """A small model in either library: Linear -> ReLU -> Linear, sharing torch's weights."""

    def __init__(self, lib, state=None):
        self.m = lib.nn.Sequential(lib.nn.Linear(4, 5), lib.nn.ReLU(), lib.nn.Linear(5, 2))
        if state is not None:
            self.m.load_state_dict({k: to_ramp(v) for k, v in state.items()})


def models():
    torch.manual_seed(1)
    t = Two(torch)
    return t.m, Two(ramp, t.m.state_dict()).m


def test_full_backward_hook_sees_and_replaces_grads():
    mt, mr = models()
    seen = {"t": [], "r": []}

    def hook(key):
        def h(module, grad_input, grad_output):
            seen[key].append((type(module).__name__, grad_input, grad_output))
            return tuple(g * 2 if g is not None else None for g in grad_input)
        return h

    mt[0].register_full_backward_hook(hook("t"))
    mr[0].register_full_backward_hook(hook("r"))
    mt[2].register_full_backward_hook(lambda m, gi, go: None)
    mr[2].register_full_backward_hook(lambda m, gi, go: None)
    x, r = pair(3, 4, requires_grad=True)
    yt, yr = mt(x), mr(r)
    assert yr.grad_fn.name() == yt.grad_fn.name() == "BackwardHookFunctionBackward"
    yt.sum().backward()
    yr.sum().backward()
    (nt, git, got), (nr, gir, gor) = seen["t"][0], seen["r"][0]
    assert nt == nr and len(git) == len(gir) == 1 and len(got) == len(gor) == 1
    av(gir[0], git[0], atol=1e-6, rtol=1e-6)
    av(gor[0], got[0], atol=1e-6, rtol=1e-6)
    av(r.grad, x.grad, atol=1e-6, rtol=1e-6)  # doubled by the hook in both


def test_full_backward_hook_input_without_grad_and_errors():
    mt, mr = models()
    calls = []
    mr[0].register_full_backward_hook(lambda m, gi, go: calls.append((gi, go)))
    mr(ramp.randn(3, 4)).sum().backward()
    assert calls and calls[0][0] == (None,) and tuple(calls[0][1][0].shape) == (3, 5)
    same_error(lambda: mr[0].register_backward_hook(lambda *a: None),
               lambda: (mt[0].register_full_backward_hook(lambda *a: None), mt[0].register_backward_hook(lambda *a: None)))
    _, mr2 = models()
    mr2[0].register_full_backward_hook(lambda m, gi, go: (gi[0], gi[0]))
    mt2, _ = models()
    mt2[0].register_full_backward_hook(lambda m, gi, go: (gi[0], gi[0]))
    x, r = pair(3, 4, requires_grad=True)
    same_error(lambda: mr2(r).sum().backward(), lambda: mt2(x).sum().backward())


def test_legacy_backward_hook_and_warning():
    mt, mr = models()
    seen = {"t": [], "r": []}
    mt[2].register_backward_hook(lambda m, gi, go: seen["t"].append((gi, go)))
    mr[2].register_backward_hook(lambda m, gi, go: seen["r"].append((gi, go)))
    x, r = pair(3, 4, requires_grad=True)
    with warnings.catch_warnings(record=True) as wt:
        warnings.simplefilter("always")
        yt = mt(x)
    with warnings.catch_warnings(record=True) as wr:
        warnings.simplefilter("always")
        yr = mr(r)
    assert [str(w.message) for w in wr] == [str(w.message) for w in wt]
    yt.sum().backward()
    yr.sum().backward()
    (git, got), (gir, gor) = seen["t"][0], seen["r"][0]
    assert len(gor) == len(got) == 1
    av(gor[0], got[0])
    assert len(gir) == len(git)
    for a, b in zip(gir, git):
        assert (a is None) == (b is None)
        if a is not None:
            av(a, b, atol=1e-6, rtol=1e-6)


def test_hooks_removed_restore_fast_path():
    _, mr = models()
    h = mr[0].register_full_backward_hook(lambda *a: None)
    h.remove()
    r = pair(3, 4, requires_grad=True)[1]
    assert mr(r).grad_fn.name() != "BackwardHookFunctionBackward"


def test_torch_nn_modules_paths():
    # the global module hooks live at torch.nn.modules.module.register_module_*; code written for
    # torch reaches them (and the layers) through nn.modules
    for path in ["module.register_module_forward_pre_hook", "module.register_module_forward_hook",
                 "module.register_module_backward_hook", "module.register_module_full_backward_hook",
                 "module.Module", "linear.Linear", "container.Sequential", "conv.Conv2d", "loss.MSELoss",
                 "batchnorm.BatchNorm1d", "dropout.Dropout", "flatten.Unflatten", "normalization.LayerNorm",
                 "pooling.MaxPool2d", "Linear", "Module", "ReLU"]:
        t, r = torch.nn.modules, ramp.nn.modules
        for part in path.split("."):
            t, r = getattr(t, part), getattr(r, part)
        assert r.__name__ == t.__name__
    from ramp.nn.modules.module import register_module_forward_hook
    seen = []
    h = register_module_forward_hook(lambda m, i, o: seen.append(type(m).__name__))
    ramp.nn.ReLU()(ramp.ones(1))
    h.remove()
    ramp.nn.ReLU()(ramp.ones(1))
    assert seen == ["ReLU"]
