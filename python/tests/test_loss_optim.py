"""Losses, optimizers, schedulers and gradient clipping against torch 1.13 on the same inputs: every
loss x reduction x dtype forward and backward (values, grad_fn names, errors), the loss modules,
20-step optimizer trajectories with schedulers and clipping (parameters compared after every step,
bit for bit where 1.13's arithmetic is reproduced), and a Linear-ReLU-Linear training run."""
import warnings

import numpy as np
import pytest

import ramp
import ramp.nn.loss as RF
import ramp.nn.utils as RU
from conftest import assert_oracle, assert_values, outcome, to_numpy, to_ramp

torch = pytest.importorskip("torch")
TF = torch.nn.functional

REDUCTIONS = ["none", "mean", "sum"]
DTYPES = ["float32", "float64", "bfloat16"]
# Losses computed through log_softmax, reductions or exp/log differ from torch's in the last bits
# (ramp sums in double). bfloat16 is checked against float64 (exact()).
RTOL = {"float32": 4e-6, "float64": 1e-12}
ATOL = {"float32": 1e-7, "float64": 1e-14}


def make(shape, dtype="float32", seed=0, lo=-2.0, hi=2.0):
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(shape, generator=g, dtype=torch.float64) * (hi - lo) + lo).to(getattr(torch, dtype))


def labels(shape, classes, seed=0, ignore=None):
    g = torch.Generator().manual_seed(seed)
    t = torch.randint(0, classes, shape, generator=g)
    if ignore is not None:
        t.view(-1)[1] = ignore
    return t


def inputs_for(name, dtype, seed=0):
    """(tensors, indices that require grad, keyword arguments) for one loss."""
    w = make((5,), dtype, seed + 7, 0.5, 2.0)
    if name in ("mse_loss", "l1_loss"):
        return [make((4, 5), dtype, seed), make((4, 5), dtype, seed + 1)], (0, 1), {}
    if name == "mse_broadcast":
        return [make((4, 5), dtype, seed), make((5,), dtype, seed + 1)], (0, 1), {}
    if name == "nll_loss":
        return [make((6, 5), dtype, seed), labels((6,), 5, seed, ignore=1)], (0,), {"weight": w, "ignore_index": 1}
    if name == "nll_loss_2d":
        return [make((2, 5, 3, 4), dtype, seed), labels((2, 3, 4), 5, seed, ignore=1)], (0,), {"weight": w, "ignore_index": 1}
    if name == "nll_loss_3d":
        return [make((2, 5, 7), dtype, seed), labels((2, 7), 5, seed)], (0,), {}
    if name == "nll_loss_1d":
        return [make((5,), dtype, seed), torch.tensor(3)], (0,), {"weight": w}
    if name == "cross_entropy":
        return [make((64, 5), dtype, seed), labels((64,), 5, seed)], (0,), {}
    if name == "cross_entropy_weighted":
        return [make((6, 5), dtype, seed), labels((6,), 5, seed, ignore=2)], (0,), {"weight": w, "ignore_index": 2}
    if name == "cross_entropy_smoothing":
        return ([make((2, 5, 3), dtype, seed), labels((2, 3), 5, seed, ignore=2)], (0,),
                {"weight": w, "ignore_index": 2, "label_smoothing": 0.2})
    if name == "cross_entropy_probs":
        p = torch.softmax(make((6, 5), "float64", seed + 2), 1).to(getattr(torch, dtype))
        return [make((6, 5), dtype, seed), p], (0, 1), {"weight": w, "label_smoothing": 0.1}
    if name == "binary_cross_entropy":
        return [make((4, 5), dtype, seed, 0.02, 0.98), make((4, 5), dtype, seed + 1, 0, 1)], (0, 1), {"weight": w}
    if name == "binary_cross_entropy_with_logits":
        return ([make((4, 5), dtype, seed, -6, 6), make((4, 5), dtype, seed + 1, 0, 1)], (0, 1),
                {"weight": w, "pos_weight": make((5,), dtype, seed + 3, 0.5, 3)})
    raise KeyError(name)


def function(name):
    return {"mse_broadcast": "mse_loss", "nll_loss_2d": "nll_loss", "nll_loss_3d": "nll_loss",
            "nll_loss_1d": "nll_loss"}.get(name, name.replace("_weighted", "").replace("_smoothing", "")
                                           .replace("_probs", ""))


def run_both(name, dtype, reduction, seed=0):
    """The loss and its gradients in both libraries: ((ramp loss, grads) or error, (torch ...))."""
    tensors, grads, kwargs = inputs_for(name, dtype, seed)
    fn = function(name)
    out = []
    for lib, F, conv in ((ramp, RF, to_ramp), (torch, TF, lambda t: t.clone())):
        ins = [conv(t) for t in tensors]
        for i in grads:
            ins[i].requires_grad_()
        kw = {k: conv(v) if isinstance(v, torch.Tensor) else v for k, v in kwargs.items()}

        def go():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                loss = getattr(F, fn)(*ins, reduction=reduction, **kw)
            g = conv(make(tuple(loss.shape), "float64", seed + 5, 0.5, 1.5).to(getattr(torch, dtype)))
            loss.backward(g)
            return loss, [ins[i].grad for i in grads]
        out.append(outcome(go))
    return out


LOSSES = ["mse_loss", "mse_broadcast", "l1_loss", "nll_loss", "nll_loss_2d", "nll_loss_3d", "nll_loss_1d",
          "cross_entropy", "cross_entropy_weighted", "cross_entropy_smoothing", "cross_entropy_probs",
          "binary_cross_entropy", "binary_cross_entropy_with_logits"]


def ce_of_logp(logp, target, reduction, weight=None, ignore_index=-100, label_smoothing=0.0):
    """cross_entropy as a function of log_softmax's output (1.13's documented formula), in float64."""
    C = logp.shape[1]
    w = torch.ones(C, dtype=logp.dtype) if weight is None else weight
    wv = w.view([1, C] + [1] * (logp.dim() - 2))
    if target.is_floating_point():  # class probabilities
        t = target * (1 - label_smoothing) + label_smoothing / C
        terms = -(logp * t * wv).sum(1)
        return terms if reduction == "none" else terms.sum() / (logp.numel() / C if reduction == "mean" else 1)
    keep = target != ignore_index
    safe = target.where(keep, torch.zeros_like(target))
    wt = w[safe] * keep
    nll = -logp.gather(1, safe.unsqueeze(1)).squeeze(1) * wt
    smooth = -(logp * wv).sum(1) * keep
    if reduction == "mean":
        return (1 - label_smoothing) * nll.sum() / wt.sum() + label_smoothing / C * smooth.sum() / wt.sum()
    terms = (1 - label_smoothing) * nll + label_smoothing / C * smooth
    return terms if reduction == "none" else terms.sum()


def exact(name, reduction, seed=0):
    """The bfloat16 case's loss and gradients computed by torch in float64 from the same (bfloat16)
    values, each with the magnitude its bfloat16 arithmetic rounds at (None: the result's own).
    ramp, as 1.13, rounds to bfloat16 between steps: nll/l1 round each (weighted) term before the
    sum, so their sums carry half an ulp of Σ|terms| (the loss of -|x|); cross_entropy's gradient is
    log_softmax's backward, gl - p Σgl with gl rounded and p = exp(logp) from a rounded logp (half
    an ulp of |logp|, relative), so |gl| + p |Σgl| (1 + |logp|)."""
    tensors, grads, kwargs = inputs_for(name, "bfloat16", seed)
    fn = function(name)
    f64 = [t.double() if t.is_floating_point() else t for t in tensors]
    kw = {k: v.double() if isinstance(v, torch.Tensor) else v for k, v in kwargs.items()}

    def run(ins):
        ins = [t.clone().requires_grad_(i in grads) for i, t in enumerate(ins)]
        loss = getattr(TF, fn)(*ins, reduction=reduction, **kw)
        g = make(tuple(loss.shape), "float64", seed + 5, 0.5, 1.5).bfloat16().double()
        loss.backward(g)
        return loss.detach(), [ins[i].grad for i in grads], g
    loss, gr, g = run(f64)
    loss_mag, grad_mag = None, [None] * len(gr)
    if fn == "nll_loss":
        loss_mag = run([-f64[0].abs()] + f64[1:])[0]
    if fn == "cross_entropy":
        logp = TF.log_softmax(f64[0], 1).requires_grad_()
        of_logp = ce_of_logp(logp, f64[1], reduction, **kw)
        assert torch.allclose(of_logp, loss, rtol=1e-12, atol=1e-12)  # the formula is 1.13's
        of_logp.backward(g)
        gl, p = logp.grad, logp.detach().exp()  # d loss / d logp, softmax
        grad_mag[0] = gl.abs() + p * gl.sum(1, keepdim=True).abs() * (1 + logp.detach().abs())
    return (loss, loss_mag), list(zip(gr, grad_mag))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", LOSSES)
def test_loss_forward_backward(name, reduction, dtype):
    (r, r_err), (t, t_err) = run_both(name, dtype, reduction)
    assert r_err == t_err  # 1.13 has no bfloat16 mse/bce: the same error
    if t_err is not None:
        return
    (rl, rg), (tl, tg) = r, t
    assert rl.grad_fn.name() == tl.grad_fn.name()
    if dtype != "bfloat16":
        assert_values(rl.detach(), tl.detach(), RTOL[dtype], ATOL[dtype])
        for a, b in zip(rg, tg):
            assert_values(a, b, RTOL[dtype], ATOL[dtype])
        return
    # bfloat16: 2 ulps of the float64 result of the same values, plus 2 bfloat16 ulps of the
    # magnitudes ramp rounds at (exact()); 1.13's own bfloat16 results are up to 40 ulps off.
    (want, mag), grads = exact(name, reduction)
    assert_oracle(rl, want.numpy(), 2, None if mag is None else mag.numpy(), "bfloat16")
    for a, (w, m) in zip(rg, grads):
        assert_oracle(a, w.numpy(), 2, None if m is None else m.numpy(), "bfloat16")


# Where ramp computes in 1.13's order and type, the results are 1.13's bits.
EXACT = [("nll_loss", r) for r in REDUCTIONS] + [("nll_loss_2d", r) for r in REDUCTIONS] + [
    ("nll_loss_3d", r) for r in REDUCTIONS] + [("nll_loss_1d", r) for r in REDUCTIONS] + [
    ("mse_loss", "none"), ("l1_loss", "none"), ("binary_cross_entropy", "none")]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,reduction", EXACT)
def test_loss_bitwise(name, reduction, dtype):
    for seed in range(3):
        ((rl, rg), _), ((tl, tg), _) = run_both(name, dtype, reduction, seed)
        assert_values(rl.detach(), tl.detach())
        # (bce's target gradient goes through 1.13's vectorized logit: a few ulp apart)
        for a, b in zip(rg[:1] if name == "binary_cross_entropy" else rg, tg):
            assert_values(a, b)


def test_cross_entropy_training_shapes_match_nll_bits():
    """The training step's loss: cross_entropy on [64, 10] and [1, 10] equals nll_loss applied to
    ramp's own log_softmax bit for bit, and torch's value to a rounding."""
    for n in (64, 1):
        x, t = make((n, 10), seed=n), labels((n,), 10, seed=n)
        r = RF.cross_entropy(to_ramp(x), to_ramp(t))
        assert_values(r, RF.nll_loss(ramp.log_softmax(to_ramp(x), 1), to_ramp(t)))
        assert_values(r, TF.cross_entropy(x, t), 2e-7, 0)


def err(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (r, r_err), (t, t_err) = outcome(fn, ramp, RF), outcome(fn, torch, TF)
    return r_err, (t_err[0], t_err[1].replace("torch.", "ramp.")) if t_err else None


ERROR_CASES = {
    "target out of bounds": lambda L, F: F.cross_entropy(L.zeros(4, 5), L.tensor([0, 1, 12, 2])),
    "negative target": lambda L, F: F.nll_loss(L.zeros(4, 5), L.tensor([0, -2, 1, 2]), reduction="none"),
    "bad reduction": lambda L, F: F.mse_loss(L.zeros(3), L.zeros(3), reduction="bad"),
    "bad reduction ce": lambda L, F: F.cross_entropy(L.zeros(4, 5), L.tensor([0, 1, 2, 3]), reduction="avg"),
    "float target": lambda L, F: F.nll_loss(L.zeros(4, 5), L.zeros(4)),
    "int32 target": lambda L, F: F.cross_entropy(L.zeros(4, 5), L.tensor([0, 1, 2, 3], dtype=L.int32)),
    "batch mismatch": lambda L, F: F.cross_entropy(L.zeros(4, 5), L.tensor([0, 1, 2])),
    "1d size mismatch": lambda L, F: F.nll_loss(L.zeros(5), L.tensor([0, 1, 2])),
    "0d input": lambda L, F: F.nll_loss(L.zeros(()), L.tensor(0)),
    "weight size": lambda L, F: F.cross_entropy(L.zeros(4, 5), L.tensor([0, 1, 2, 3]), weight=L.ones(4)),
    "weight size 2d": lambda L, F: F.nll_loss(L.zeros(4, 5, 3, 2), L.zeros(4, 3, 2, dtype=L.int64), weight=L.ones(3)),
    "weight dtype": lambda L, F: F.nll_loss(L.zeros(4, 5), L.tensor([0, 1, 2, 3]), weight=L.ones(5, dtype=L.float64)),
    "spatial mismatch": lambda L, F: F.nll_loss(L.zeros(4, 5, 3, 2), L.zeros(4, 3, 3, dtype=L.int64)),
    "spatial target dims": lambda L, F: F.nll_loss(L.zeros(4, 5, 3, 2), L.zeros(4, 3, dtype=L.int64)),
    "3d target size": lambda L, F: F.nll_loss(L.zeros(4, 5, 3), L.zeros(4, 2, dtype=L.int64)),
    "multi-target": lambda L, F: F.nll_loss(L.zeros(4, 5), L.zeros(4, 3, dtype=L.int64)),
    "label_smoothing": lambda L, F: F.cross_entropy(L.zeros(4, 5), L.tensor([0, 1, 2, 3]), label_smoothing=1.5),
    "label_smoothing 2": lambda L, F: F.cross_entropy(L.zeros(2, 5), L.ones(2, 5), label_smoothing=2.0),
    "probs int": lambda L, F: F.cross_entropy(L.zeros(2, 5), L.ones(2, 5, dtype=L.int32)),
    "probs ignore_index": lambda L, F: F.cross_entropy(L.zeros(2, 5), L.ones(2, 5), ignore_index=1),
    "probs weight": lambda L, F: F.cross_entropy(L.zeros(2, 5), L.ones(2, 5), weight=L.ones(4)),
    "int input": lambda L, F: F.nll_loss(L.zeros(4, 5, dtype=L.int32), L.tensor([0, 1, 2, 3])),
    "bce range": lambda L, F: F.binary_cross_entropy(L.tensor([0.5, 1.5]), L.tensor([0.0, 1.0])),
    "bce nan": lambda L, F: F.binary_cross_entropy(L.tensor([0.5, float("nan")]), L.tensor([0.0, 1.0])),
    "bce size": lambda L, F: F.binary_cross_entropy(L.tensor([0.5, 0.5]), L.tensor([0.0, 1.0, 1.0])),
    "bce dtype": lambda L, F: F.binary_cross_entropy(L.tensor([0.5, 0.5]), L.tensor([0.0, 1.0], dtype=L.float64)),
    "bce bfloat16": lambda L, F: F.binary_cross_entropy(L.ones(2, dtype=L.bfloat16), L.ones(2, dtype=L.bfloat16)),
    "bcel size": lambda L, F: F.binary_cross_entropy_with_logits(L.zeros(2), L.zeros(3)),
    "bcel pos_weight": lambda L, F: F.binary_cross_entropy_with_logits(L.zeros(2, 3), L.zeros(2, 3), pos_weight=L.ones(2)),
    "mse int": lambda L, F: F.mse_loss(L.zeros(3, dtype=L.int32), L.zeros(3, dtype=L.int32)),
    "mse broadcast": lambda L, F: F.mse_loss(L.zeros(3), L.zeros(4)),
    "weight requires grad": lambda L, F: F.nll_loss(L.zeros(4, 5, requires_grad=True), L.tensor([0, 1, 2, 3]),
                                                    weight=L.ones(5, requires_grad=True)),
    "pos_weight requires grad": lambda L, F: F.binary_cross_entropy_with_logits(
        L.zeros(3, requires_grad=True), L.zeros(3), pos_weight=L.ones(3, requires_grad=True)),
}


@pytest.mark.parametrize("case", list(ERROR_CASES), ids=str)
def test_loss_errors(case):
    r, t = err(ERROR_CASES[case])
    assert t is not None, "torch accepts it"
    assert r == t


def test_loss_edge_values():
    cases = [
        lambda L, F: F.nll_loss(L.zeros(2, 3), L.tensor([-100, -100])),  # all ignored: 0 / 0
        lambda L, F: F.nll_loss(L.zeros(0, 3), L.zeros(0, dtype=L.int64)),
        lambda L, F: F.mse_loss(L.zeros(0), L.zeros(0)),
        lambda L, F: F.cross_entropy(L.zeros(2, 3), L.tensor([-100, -100]), label_smoothing=0.1),
        lambda L, F: F.binary_cross_entropy(L.tensor([0.0, 1.0, 0.0, 1.0]), L.tensor([1.0, 0.0, 0.0, 1.0]),
                                            reduction="none"),  # logs clamped at -100
        lambda L, F: F.binary_cross_entropy_with_logits(L.tensor([100.0, -100.0, 0.0]), L.tensor([0.0, 1.0, 0.5]),
                                                        reduction="none"),
        lambda L, F: F.nll_loss(L.tensor([[0.5, -1.5]]), L.tensor([1], dtype=L.uint8)),
        lambda L, F: F.mse_loss(L.zeros(3), L.zeros(3, dtype=L.float64)),  # dtypes promote
    ]
    for fn in cases:
        (r, r_err), (t, t_err) = outcome(fn, ramp, RF), outcome(fn, torch, TF)
        assert r_err == t_err
        assert_values(r, t, 1e-6, 1e-6)


def test_legacy_arguments_and_warnings():
    x, y = make((3, 4)), make((3, 4), seed=1)
    for size_average, reduce in [(None, False), (False, None), (True, True), (False, True)]:
        with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
            r = RF.mse_loss(to_ramp(x), to_ramp(y), size_average, reduce)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t = TF.mse_loss(x, y, size_average, reduce)
        assert_values(r, t, 4e-7, 1e-7)
    with pytest.warns(UserWarning, match="This will likely lead to incorrect results due to broadcasting"):
        RF.mse_loss(to_ramp(x), to_ramp(y[0]))
    with pytest.warns(UserWarning, match="elementwise_mean"):
        RF.l1_loss(to_ramp(x), to_ramp(y), reduction="elementwise_mean")


MODULES = [("MSELoss", {}), ("L1Loss", {"reduction": "sum"}), ("NLLLoss", {"ignore_index": 2}),
           ("CrossEntropyLoss", {"label_smoothing": 0.1}), ("BCELoss", {}), ("BCEWithLogitsLoss", {})]


@pytest.mark.parametrize("name,kwargs", MODULES, ids=[m for m, _ in MODULES])
def test_loss_modules(name, kwargs):
    w = make((5,), seed=4, lo=0.5, hi=2)
    if name in ("NLLLoss", "CrossEntropyLoss", "BCELoss", "BCEWithLogitsLoss"):
        kwargs = dict(kwargs, weight=w)
    if name == "BCEWithLogitsLoss":
        kwargs["pos_weight"] = w.flip(0)
    x = make((6, 5), lo=0.05, hi=0.95) if name == "BCELoss" else make((6, 5))
    y = labels((6,), 5) if "NLL" in name or "Cross" in name else make((6, 5), seed=2, lo=0, hi=1)
    rm = getattr(RF, name)(**{k: to_ramp(v) if isinstance(v, torch.Tensor) else v for k, v in kwargs.items()})
    tm = getattr(torch.nn, name)(**kwargs)
    assert repr(rm) == repr(tm) == name + "()"
    assert list(rm.state_dict()) == list(tm.state_dict())
    assert_values(rm(to_ramp(x), to_ramp(y)), tm(x, y), 4e-6, 1e-7)
    assert rm.reduction == tm.reduction


# ---- optimizers ----
def params_pair(seed=0, shapes=((37, 11), (11,))):
    t = [make(s, seed=seed + i).requires_grad_() for i, s in enumerate(shapes)]
    r = [to_ramp(p.detach()).requires_grad_() for p in t]
    return r, t


OPTIMIZERS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-2}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "dampening": 0.3, "weight_decay": 1e-3, "maximize": True}),
    ("Adam", {"lr": 1e-2}),
    ("Adam", {"lr": 1e-2, "weight_decay": 0.1, "betas": (0.8, 0.99), "eps": 1e-6}),
    ("Adam", {"lr": 1e-2, "amsgrad": True, "maximize": True}),
    ("AdamW", {"lr": 1e-2}),
    ("AdamW", {"lr": 1e-2, "weight_decay": 0.1, "amsgrad": True}),
]
SCHEDULERS = [None, ("StepLR", {"step_size": 3, "gamma": 0.5}), ("ExponentialLR", {"gamma": 0.9}),
              ("CosineAnnealingLR", {"T_max": 7, "eta_min": 1e-3})]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("clip", [None, 0.5])
@pytest.mark.parametrize("sched", SCHEDULERS, ids=lambda s: s[0] if s else "none")
@pytest.mark.parametrize("opt,kwargs", OPTIMIZERS, ids=[f"{o}-{i}" for i, (o, _) in enumerate(OPTIMIZERS)])
def test_optimizer_trajectory(opt, kwargs, sched, clip, dtype):
    """20 steps on the same gradients: parameters equal torch's bit for bit after every step; with
    clip_grad_norm_ the total norm (summed in double by ramp) may differ in its last bit, so the
    parameters are compared to float tolerance."""
    rp, tp = params_pair()
    rp = [to_ramp(p.detach().to(getattr(torch, dtype))).requires_grad_() for p in tp]
    tp = [p.detach().to(getattr(torch, dtype)).requires_grad_() for p in tp]
    ro, to = getattr(ramp.optim, opt)(rp, **kwargs), getattr(torch.optim, opt)(tp, **kwargs)
    if sched:
        rs = getattr(ramp.optim.lr_scheduler, sched[0])(ro, **sched[1])
        ts = getattr(torch.optim.lr_scheduler, sched[0])(to, **sched[1])
    tol = (1e-6 if dtype == "float32" else 1e-14) if clip else 0.0
    for step in range(20):
        grads = [make(tuple(p.shape), dtype, seed=100 + step + 7 * i) for i, p in enumerate(tp)]
        ro.zero_grad()
        to.zero_grad()
        for r, t, g in zip(rp, tp, grads):
            r.grad, t.grad = to_ramp(g), g.clone()
        if clip:
            rn, tn = RU.clip_grad_norm_(rp, clip), torch.nn.utils.clip_grad_norm_(tp, clip)
            assert_values(rn, tn, 1e-6, 0)
        ro.step()
        to.step()
        if sched:
            rs.step()
            ts.step()
            assert rs.get_last_lr() == ts.get_last_lr()
        assert ro.param_groups[0]["lr"] == to.param_groups[0]["lr"]
        for r, t in zip(rp, tp):
            assert_values(r.detach(), t.detach(), tol, tol)
    # The state torch keeps, with the same values.
    for r, t in zip(rp, tp):
        rs_, ts_ = ro.state[r], to.state[t]
        assert set(rs_) == set(ts_)
        for k in ts_:
            if ts_[k] is not None:
                assert_values(rs_[k], ts_[k], tol, tol)


def test_bfloat16_parameters():
    rp, tp = params_pair(shapes=((64,),))
    rp = [to_ramp(p.detach().bfloat16()).requires_grad_() for p in tp]
    tp = [p.detach().bfloat16().requires_grad_() for p in tp]
    for opt, kwargs in [("SGD", {"lr": 0.1, "momentum": 0.9}), ("Adam", {"lr": 1e-2})]:
        ro, to = getattr(ramp.optim, opt)(rp, **kwargs), getattr(torch.optim, opt)(tp, **kwargs)
        for step in range(5):
            g = make((64,), "bfloat16", seed=step)
            rp[0].grad, tp[0].grad = to_ramp(g), g.clone()
            ro.step()
            to.step()
            assert_values(rp[0].detach(), tp[0].detach(), 2 ** -7, 2 ** -7)


def test_param_groups_and_lr_changes():
    rp, tp = params_pair()
    ro = ramp.optim.SGD([{"params": [rp[0]]}, {"params": [rp[1]], "lr": 0.01, "momentum": 0.5}], lr=0.1)
    to = torch.optim.SGD([{"params": [tp[0]]}, {"params": [tp[1]], "lr": 0.01, "momentum": 0.5}], lr=0.1)
    assert repr(ro) == repr(to)
    assert ro.state == to.state == {}  # no state before a step
    for step in range(6):
        if step == 3:  # a user's change of a group's options is honoured at the next step
            for o in (ro, to):
                o.param_groups[0]["lr"] = 0.3
                o.param_groups[1]["momentum"] = 0.0
        for r, t in zip(rp, tp):
            g = make(tuple(t.shape), seed=step)
            r.grad, t.grad = to_ramp(g), g
        ro.step()
        to.step()
        for r, t in zip(rp, tp):
            assert_values(r.detach(), t.detach())
    # add_param_group fills in the defaults
    rx, tx = to_ramp(make((3,))).requires_grad_(), make((3,)).requires_grad_()
    ro.add_param_group({"params": rx, "lr": 0.2})
    to.add_param_group({"params": tx, "lr": 0.2})
    assert [{k: v for k, v in g.items() if k != "params"} for g in ro.param_groups] == \
        [{k: v for k, v in g.items() if k != "params"} for g in to.param_groups]


def test_zero_grad_and_closure():
    rp, tp = params_pair()
    ro, to = ramp.optim.Adam(rp), torch.optim.Adam(tp)
    for r, t in zip(rp, tp):
        r.grad, t.grad = to_ramp(make(tuple(t.shape))), make(tuple(t.shape))
    before = rp[0].grad
    ro.zero_grad()
    to.zero_grad()
    assert rp[0].grad is not None and (to_numpy(rp[0].grad) == 0).all() and (to_numpy(tp[0].grad) == 0).all()
    assert_values(rp[0].grad, before)  # zeroed in place: the same storage
    ro.zero_grad(set_to_none=True)
    to.zero_grad(set_to_none=True)
    assert rp[0].grad is None and tp[0].grad is None
    ro.step()  # no gradients: nothing moves, no state
    assert ro.state == {}

    def closure(lib, params, opt):
        def f():
            opt.zero_grad()
            loss = (params[0] * params[0]).sum() + params[1].sum()
            loss.backward()
            return loss
        return f
    with ramp.no_grad():
        rl = ro.step(closure(ramp, rp, ro))
    tl = to.step(closure(torch, tp, to))
    assert_values(rl.detach(), tl.detach(), 1e-6, 0)
    for r, t in zip(rp, tp):
        assert_values(r.detach(), t.detach())


OPTIM_ERRORS = [
    lambda L, p: L.optim.SGD(p, lr=-1),
    lambda L, p: L.optim.SGD(p, lr=-1.0),
    lambda L, p: L.optim.SGD(p, lr=0.1, momentum=-0.5),
    lambda L, p: L.optim.SGD(p, lr=0.1, weight_decay=-1),
    lambda L, p: L.optim.SGD(p, lr=0.1, nesterov=True),
    lambda L, p: L.optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
    lambda L, p: L.optim.SGD(p),
    lambda L, p: L.optim.SGD([], lr=0.1),
    lambda L, p: L.optim.SGD(p[0], lr=0.1),
    lambda L, p: L.optim.SGD([p[0] * 2], lr=0.1),
    lambda L, p: L.optim.SGD([{"params": p[0]}, {"params": p[0]}], lr=0.1),
    lambda L, p: L.optim.SGD([1.0], lr=0.1),
    lambda L, p: L.optim.SGD([{"params": {p[0]}}], lr=0.1),
    lambda L, p: L.optim.Adam(p, lr=-1e-3),
    lambda L, p: L.optim.Adam(p, eps=-1),
    lambda L, p: L.optim.Adam(p, betas=(1.0, 0.9)),
    lambda L, p: L.optim.Adam(p, betas=(0.9, -0.1)),
    lambda L, p: L.optim.AdamW(p, weight_decay=-0.1),
    lambda L, p: L.optim.lr_scheduler.StepLR(L.optim.SGD(p, lr=0.1), 2, last_epoch=3),
    lambda L, p: L.optim.lr_scheduler.ExponentialLR(object(), 0.5),
]


@pytest.mark.parametrize("i", range(len(OPTIM_ERRORS)))
def test_optimizer_errors(i):
    rp, tp = params_pair()
    r, t = outcome(OPTIM_ERRORS[i], ramp, rp), outcome(OPTIM_ERRORS[i], torch, tp)
    assert t[1] is not None
    assert r[1] == (t[1][0], t[1][1].replace("torch.", "ramp."))


@pytest.mark.parametrize("sched,kwargs", [("StepLR", {"step_size": 4, "gamma": 0.3}),
                                          ("ExponentialLR", {"gamma": 0.95}),
                                          ("CosineAnnealingLR", {"T_max": 10}),
                                          ("CosineAnnealingLR", {"T_max": 3, "eta_min": 0.05})])
def test_scheduler_rates(sched, kwargs):
    """Rates over 30 epochs (past cosine's minimum and back), a user's change chained in, the
    deprecated step(epoch) closed form, and resuming from last_epoch: the same doubles."""
    rp, tp = params_pair()
    ro = ramp.optim.SGD([{"params": rp[:1]}, {"params": rp[1:], "lr": 0.2}], lr=0.5)
    to = torch.optim.SGD([{"params": tp[:1]}, {"params": tp[1:], "lr": 0.2}], lr=0.5)
    rs = getattr(ramp.optim.lr_scheduler, sched)(ro, **kwargs)
    ts = getattr(torch.optim.lr_scheduler, sched)(to, **kwargs)
    assert rs.get_last_lr() == ts.get_last_lr() and rs.base_lrs == ts.base_lrs
    for epoch in range(30):
        if epoch == 12:
            ro.param_groups[1]["lr"] = to.param_groups[1]["lr"] = 0.05
        ro.step()
        to.step()
        rs.step()
        ts.step()
        assert rs.get_last_lr() == ts.get_last_lr(), epoch
        assert rs.last_epoch == ts.last_epoch
        assert [g["lr"] for g in ro.param_groups] == [g["lr"] for g in to.param_groups]
        assert [g["initial_lr"] for g in ro.param_groups] == [g["initial_lr"] for g in to.param_groups]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rs.step(5)
        ts.step(5)
    assert rs.get_last_lr() == ts.get_last_lr()
    r2 = getattr(ramp.optim.lr_scheduler, sched)(ro, last_epoch=7, **kwargs)
    t2 = getattr(torch.optim.lr_scheduler, sched)(to, last_epoch=7, **kwargs)
    assert r2.get_last_lr() == t2.get_last_lr() and r2.last_epoch == t2.last_epoch == 8


# ---- clipping ----
@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, float("inf"), 0])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
def test_clip_grad_norm(norm_type, max_norm):
    rp, tp = params_pair(shapes=((4, 5), (7,), (3,)))
    for i, (r, t) in enumerate(zip(rp[:2], tp[:2])):  # the last one has no gradient
        g = make(tuple(t.shape), seed=10 + i)
        r.grad, t.grad = to_ramp(g), g.clone()
    rn = RU.clip_grad_norm_(rp, max_norm, norm_type)
    tn = torch.nn.utils.clip_grad_norm_(tp, max_norm, norm_type)
    assert_values(rn, tn, 1e-6, 0)
    for r, t in zip(rp[:2], tp[:2]):
        assert_values(r.grad, t.grad, 2e-6, 0)
    assert rp[2].grad is None
    # One tensor, no gradients, a non-finite norm.
    assert_values(RU.clip_grad_norm_(rp[0], 0.1), torch.nn.utils.clip_grad_norm_(tp[0], 0.1), 1e-6, 0)
    assert_values(RU.clip_grad_norm_(rp[2], 0.1), torch.nn.utils.clip_grad_norm_(tp[2], 0.1))
    rp[1].grad, tp[1].grad = to_ramp(torch.tensor([1.0, float("inf")] + [0.0] * 5)), torch.tensor([1.0, float("inf")] + [0.0] * 5)
    r = outcome(lambda: RU.clip_grad_norm_(rp, 1.0, norm_type, error_if_nonfinite=True))
    t = outcome(lambda: torch.nn.utils.clip_grad_norm_(tp, 1.0, norm_type, error_if_nonfinite=True))
    assert r[1] == t[1]
    if t[1] is None:
        assert_values(r[0], t[0], 1e-6, 0)


def test_clip_grad_value():
    rp, tp = params_pair()
    for r, t in zip(rp, tp):
        g = make(tuple(t.shape), seed=3)
        g.view(-1)[0] = float("nan")
        r.grad, t.grad = to_ramp(g), g.clone()
    RU.clip_grad_value_(rp, 0.7)
    torch.nn.utils.clip_grad_value_(tp, 0.7)
    for r, t in zip(rp, tp):
        assert_values(r.grad, t.grad)


# ---- training ----
@pytest.mark.parametrize("opt,kwargs", [("SGD", {"lr": 0.1, "momentum": 0.9}), ("Adam", {"lr": 1e-2})])
def test_training_run(opt, kwargs):
    """Linear(20, 32) - ReLU - Linear(32, 10) from the same initial weights, cross_entropy on the
    same batches: 20 steps give torch's losses (GEMMs sum in another order: float tolerance)."""
    linear = getattr(ramp.nn.functional, "linear", None) or ramp._C.linear
    tw = [make((32, 20), seed=1, lo=-0.2, hi=0.2), make((32,), seed=2, lo=-0.2, hi=0.2),
          make((10, 32), seed=3, lo=-0.2, hi=0.2), make((10,), seed=4, lo=-0.2, hi=0.2)]
    tw = [w.requires_grad_() for w in tw]
    rw = [to_ramp(w.detach()).requires_grad_() for w in tw]
    ro, to = getattr(ramp.optim, opt)(rw, **kwargs), getattr(torch.optim, opt)(tw, **kwargs)
    teacher = make((20, 10), seed=99)  # labels a linear teacher gives: learnable
    losses = []
    for step in range(20):
        x = make((64, 20), seed=50 + step)
        y = (x @ teacher).argmax(1)
        rl = RF.cross_entropy(linear(ramp.relu(linear(to_ramp(x), rw[0], rw[1])), rw[2], rw[3]), to_ramp(y))
        tl = TF.cross_entropy(TF.linear(torch.relu(TF.linear(x, tw[0], tw[1])), tw[2], tw[3]), y)
        assert_values(rl.detach(), tl.detach(), 1e-5, 1e-6)
        losses.append(tl.item())
        ro.zero_grad()
        to.zero_grad()
        rl.backward()
        tl.backward()
        ro.step()
        to.step()
    for r, t in zip(rw, tw):
        assert_values(r.detach(), t.detach(), 1e-4, 1e-5)
    assert losses[-1] < 0.8 * losses[0]  # it learned


def test_python_optimizer_subclass():
    """A Python subclass without a C++ optimizer (torch's way to write one) keeps param_groups,
    zero_grad and state; its step is its own."""
    class Sign(ramp.optim.Optimizer):
        def __init__(self, params, lr=0.1):
            super().__init__(params, dict(lr=lr))

        def step(self, closure=None):
            with ramp.no_grad():
                for group in self.param_groups:
                    for p in group["params"]:
                        self.state[p]["n"] = self.state[p].get("n", 0) + 1
                        p -= group["lr"] * ramp.clamp(p.grad * 1e9, -1, 1)

    p = ramp.tensor([1.0, -2.0]).requires_grad_()
    opt = Sign([p], lr=0.5)
    p.grad = ramp.tensor([3.0, -1.0])
    opt.step()
    assert p.tolist() == [0.5, -1.5] and opt.state[p]["n"] == 1
    opt.zero_grad()
    assert p.grad.tolist() == [0.0, 0.0]
    sched = ramp.optim.lr_scheduler.StepLR(opt, 1)  # a scheduler drives it (test_optim_more.py: as 1.13)
    sched.step()
    assert opt.param_groups[0]["lr"] == 0.05 and sched.get_last_lr() == [0.05]
