"""smooth_l1_loss, huber_loss and kl_div (functional and modules) against torch 1.13 on the same
inputs: values (elements bit for bit for reduction='none', reduced losses within a few ulps of the
output dtype), gradients of input and target against torch's, finite differences (gradcheck),
grad_fn names, beta = 0, broadcasting with 1.13's warning, kl_div's reductions and warning, and the
errors."""
import warnings

import numpy as np
import pytest

import ramp
from conftest import outcome, to_numpy, to_ramp, ulp

torch = pytest.importorskip("torch")

LOSSES = [("smooth_l1_loss", "beta", [1.0, 0.3, 2.5]), ("huber_loss", "delta", [1.0, 0.3, 2.5])]
CASES = [(name, key, k) for name, key, ks in LOSSES for k in ks]


def inputs(dtype, shape=(7, 13), seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(shape, generator=g, dtype=torch.float64) * 2
    t = torch.randn(shape, generator=g, dtype=torch.float64)
    x.view(-1)[:3] = t.view(-1)[:3] + torch.tensor([0.3, -0.3, 0.0], dtype=torch.float64)  # at the threshold
    return x.to(getattr(torch, dtype)), t.to(getattr(torch, dtype))


def close(r, t, ulps):
    assert str(r.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    assert tuple(r.shape) == tuple(t.shape)
    a, b = to_numpy(r).astype(np.float64), t.detach().to(torch.float64).numpy()
    np.testing.assert_allclose(a, b, rtol=0, atol=0) if ulps == 0 else \
        np.testing.assert_array_less(np.abs(a - b), ulps * ulp(b, str(t.dtype).split(".")[-1]) + 1e-300)


@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16"])
@pytest.mark.parametrize("name,key,k", CASES)
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_values_and_gradients_as_torch(name, key, k, dtype, reduction):
    xt, tt = inputs(dtype)
    xt.requires_grad_()
    tt.requires_grad_()
    xr, tr = to_ramp(xt.detach()).requires_grad_(), to_ramp(tt.detach()).requires_grad_()
    lt = getattr(torch.nn.functional, name)(xt, tt, reduction=reduction, **{key: k})
    lr = getattr(ramp.nn.functional, name)(xr, tr, reduction=reduction, **{key: k})
    close(lr, lt, 0 if reduction == "none" else 4)
    assert lr.grad_fn.name() == type(lt.grad_fn).__name__
    g = torch.randn(lt.shape, dtype=lt.dtype)
    lt.backward(g)
    lr.backward(to_ramp(g))
    # 4 ulps: 1.13's kernels take norm (x / beta) g on full vectors but norm x g / beta on the tail
    close(xr.grad, xt.grad, 4)
    close(tr.grad, tt.grad, 4)


@pytest.mark.parametrize("name,key,k", CASES)
def test_gradcheck(name, key, k):
    xt, tt = inputs("float64", (4, 5), seed=3)
    x, t = to_ramp(xt).requires_grad_(), to_ramp(tt).requires_grad_()
    fn = getattr(ramp.nn.functional, name)
    for reduction in ("none", "mean", "sum"):
        assert ramp.autograd.gradcheck(lambda a, b: fn(a, b, reduction=reduction, **{key: k}), (x, t))


def test_a_wrong_formula_would_fail():
    """The oracle is exact enough to see a 10% error in the quadratic part."""
    xt, tt = inputs("float32")
    lt = torch.nn.functional.smooth_l1_loss(xt, tt, reduction="none", beta=2.5)
    lr = ramp.nn.functional.smooth_l1_loss(to_ramp(xt), to_ramp(tt), reduction="none", beta=2.5)
    with pytest.raises(AssertionError):
        close(lr * 1.1, lt, 4)


def test_mixed_dtypes_as_torch():
    """huber's result takes the input's dtype (computed in the promoted one), smooth_l1's the promoted one."""
    xt, tt = inputs("float32")
    for name in ("huber_loss", "smooth_l1_loss"):
        for a, b in ((xt, tt.double()), (xt.double(), tt), (xt.bfloat16(), tt)):
            for reduction in ("none", "sum"):
                r = getattr(ramp.nn.functional, name)(to_ramp(a), to_ramp(b), reduction=reduction)
                t = getattr(torch.nn.functional, name)(a, b, reduction=reduction)
                close(r, t, 0 if reduction == "none" else 4)


def test_modules_reprs_and_defaults():
    for name, kw in [("SmoothL1Loss", {}), ("SmoothL1Loss", {"beta": 0.5, "reduction": "sum"}),
                     ("HuberLoss", {}), ("HuberLoss", {"delta": 2.0, "reduction": "none"})]:
        mr, mt = getattr(ramp.nn, name)(**kw), getattr(torch.nn, name)(**kw)
        assert repr(mr) == repr(mt)
        xt, tt = inputs("float32")
        close(mr(to_ramp(xt), to_ramp(tt)), mt(xt, tt), 4)
        assert mr.reduction == mt.reduction


def test_beta_zero_is_l1_and_broadcast_warns():
    xt, tt = inputs("float32")
    r = ramp.nn.functional.smooth_l1_loss(to_ramp(xt).requires_grad_(), to_ramp(tt), beta=0.0)
    t = torch.nn.functional.smooth_l1_loss(xt.requires_grad_(), tt, beta=0.0)
    close(r, t, 4)
    assert r.grad_fn.name() == type(t.grad_fn).__name__
    for name in ("smooth_l1_loss", "huber_loss"):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            r = getattr(ramp.nn.functional, name)(to_ramp(xt.detach()), to_ramp(tt[0]))
        assert any("different to the input size" in str(m.message) for m in w)
        close(r, getattr(torch.nn.functional, name)(xt.detach(), tt[0]), 4)


@pytest.mark.parametrize("call", [
    lambda lib: lib.nn.functional.smooth_l1_loss(lib.ones(2), lib.ones(2), beta=-1.0),
    lambda lib: lib.nn.functional.huber_loss(lib.ones(2), lib.ones(2), delta=0.0),
    lambda lib: lib.nn.functional.huber_loss(lib.ones(2), lib.ones(2), delta=-2.0),
    lambda lib: lib.nn.functional.smooth_l1_loss(lib.ones(2), lib.ones(2), reduction="avg"),
    lambda lib: lib.nn.functional.smooth_l1_loss(lib.ones(2), lib.ones(3)),
    lambda lib: lib.nn.functional.huber_loss(lib.ones(2, dtype=lib.int64), lib.ones(2, dtype=lib.int64)),
    lambda lib: lib.nn.functional.huber_loss(lib.ones(2, dtype=lib.int64), lib.ones(2)),
])
def test_errors_as_torch(call):
    r, t = outcome(lambda: call(ramp)), outcome(lambda: call(torch))
    assert t[1] is not None and r[1] == t[1]


# ---- kl_div ----
@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16"])
@pytest.mark.parametrize("reduction", ["none", "mean", "batchmean", "sum"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_as_torch(dtype, reduction, log_target):
    g = torch.Generator().manual_seed(5)
    x = torch.randn(4, 6, generator=g).log_softmax(1).to(getattr(torch, dtype)).requires_grad_()
    t = torch.randn(4, 6, generator=g).softmax(1)
    t[0, :2] = 0  # xlogy(0, 0) = 0
    t = (t.log() if log_target else t).to(getattr(torch, dtype)).requires_grad_()
    xr, tr = to_ramp(x.detach()).requires_grad_(), to_ramp(t.detach()).requires_grad_()
    with warnings.catch_warnings(record=True) as wr:
        warnings.simplefilter("always")
        lr = ramp.nn.functional.kl_div(xr, tr, reduction=reduction, log_target=log_target)
    with warnings.catch_warnings(record=True) as wt:
        warnings.simplefilter("always")
        lt = torch.nn.functional.kl_div(x, t, reduction=reduction, log_target=log_target)
    assert [str(m.message) for m in wr] == [str(m.message) for m in wt]
    close(lr, lt, 0 if reduction == "none" else 4)
    assert lr.grad_fn.name() == type(lt.grad_fn).__name__
    gy = torch.randn(lt.shape, dtype=lt.dtype)
    lt.backward(gy)
    lr.backward(to_ramp(gy))
    close(xr.grad, x.grad, 4)
    if not log_target:  # d/dt of xlogy(t, t) at t = 0 is -inf in both; compare the finite ones
        keep = torch.isfinite(t.grad)
        np.testing.assert_array_equal(to_numpy(tr.grad)[~keep.numpy()], t.grad[~keep].to(torch.float64).numpy())
    else:  # exp(t) (t - x) + exp(t) cancels where t - x ~ -1: ulps of the largest gradient (NaN at t = -inf)
        a, b = to_numpy(tr.grad).astype(np.float64), t.grad.to(torch.float64).numpy()
        fin = np.isfinite(b)
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
        np.testing.assert_array_less(np.abs(a - b)[fin], 4 * ulp(np.abs(b[fin]).max(), dtype))


def test_kl_div_module_and_errors():
    for kw in [{}, {"reduction": "batchmean", "log_target": True}]:
        mr, mt = ramp.nn.KLDivLoss(**kw), torch.nn.KLDivLoss(**kw)
        assert repr(mr) == repr(mt) and mr.log_target == mt.log_target
    r = outcome(lambda: ramp.nn.functional.kl_div(ramp.ones(2), ramp.ones(2), reduction="avg"))
    t = outcome(lambda: torch.nn.functional.kl_div(torch.ones(2), torch.ones(2), reduction="avg"))
    assert t[1] is not None and r[1] == t[1]
