"""Adadelta, Adagrad, RMSprop and the schedulers MultiStepLR, LambdaLR, OneCycleLR and
ReduceLROnPlateau against torch 1.13: parameters bit for bit over 20 steps, state and state_dict in
torch's format (loaded both ways), learning rates (and OneCycleLR's momentum) as the same doubles."""
import warnings

import numpy as np
import pytest

import ramp
from conftest import assert_values, outcome, to_numpy, to_ramp

torch = pytest.importorskip("torch")


def make(shape, dtype="float32", seed=0, lo=-2.0, hi=2.0):
    g = np.random.default_rng(seed)
    return torch.from_numpy(g.uniform(lo, hi, size=shape)).to(getattr(torch, dtype))


def params_pair(dtype="float32", shapes=((37, 11), (11,)), seed=0):
    t = [make(s, dtype, seed=seed + i).requires_grad_() for i, s in enumerate(shapes)]
    r = [to_ramp(p.detach()).requires_grad_() for p in t]
    return r, t


def set_grads(rp, tp, step, dtype="float32"):
    for i, (r, t) in enumerate(zip(rp, tp)):
        g = make(tuple(t.shape), dtype, seed=100 + step + 7 * i)
        r.grad, t.grad = to_ramp(g), g.clone()


OPTIMIZERS = [
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "eps": 1e-4, "weight_decay": 0.1}),
    ("Adadelta", {"lr": 2, "maximize": True}),
    ("Adagrad", {}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05, "weight_decay": 0.01, "initial_accumulator_value": 0.3, "eps": 1e-6}),
    ("Adagrad", {"lr": 0.05, "maximize": True}),
    ("RMSprop", {}),
    ("RMSprop", {"lr": 1e-3, "alpha": 0.9, "eps": 1e-6, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 1e-3, "momentum": 0.9}),
    ("RMSprop", {"lr": 1e-3, "centered": True}),
    ("RMSprop", {"lr": 1e-3, "momentum": 0.5, "centered": True, "weight_decay": 0.01, "maximize": True}),
]
IDS = [f"{o}-{i}" for i, (o, _) in enumerate(OPTIMIZERS)]


def assert_state(rstate, tstate, tol=0.0):
    assert list(rstate) == list(tstate)
    for k, tv in tstate.items():
        rv = rstate[k]
        if isinstance(tv, torch.Tensor):
            assert_values(rv, tv, tol, tol)
        else:
            assert type(rv) is type(tv) and rv == tv, (k, rv, tv)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("opt,kwargs", OPTIMIZERS, ids=IDS)
def test_trajectory(opt, kwargs, dtype):
    """20 steps on the same gradients: the parameters and the state torch keeps, bit for bit."""
    rp, tp = params_pair(dtype)
    ro, to = getattr(ramp.optim, opt)(rp, **kwargs), getattr(torch.optim, opt)(tp, **kwargs)
    assert repr(ro) == repr(to)
    for step in range(20):
        set_grads(rp, tp, step, dtype)
        ro.step()
        to.step()
        for r, t in zip(rp, tp):
            assert_values(r.detach(), t.detach())
    for r, t in zip(rp, tp):
        assert_state(ro.state[r], to.state[t])


@pytest.mark.parametrize("opt,kwargs", OPTIMIZERS, ids=IDS)
def test_groups_scheduler_and_option_changes(opt, kwargs):
    """Two groups with their own lr, StepLR on top, a user's change of an option mid-run, a parameter
    without a gradient (skipped, as in 1.13), a non-contiguous parameter."""
    tp = [make((6, 5), seed=1).t().requires_grad_(), make((4,), seed=2).requires_grad_(),
          make((3,), seed=3).requires_grad_()]
    rp = [to_ramp(tp[0].detach().t().contiguous()).t().requires_grad_()]
    rp += [to_ramp(p.detach()).requires_grad_() for p in tp[1:]]
    assert not rp[0].is_contiguous()
    groups = lambda p: [{"params": p[:1]}, {"params": p[1:], "lr": 0.003}]  # noqa: E731
    ro, to = getattr(ramp.optim, opt)(groups(rp), **kwargs), getattr(torch.optim, opt)(groups(tp), **kwargs)
    rs = ramp.optim.lr_scheduler.StepLR(ro, 3, 0.5)
    ts = torch.optim.lr_scheduler.StepLR(to, 3, 0.5)
    for step in range(12):
        if step == 6:
            for o in (ro, to):
                o.param_groups[1]["weight_decay"] = 0.02
                o.param_groups[0]["lr"] = 0.01
        for i, (r, t) in enumerate(zip(rp[:2], tp[:2])):
            g = make(tuple(t.shape), seed=50 + step + i)
            r.grad, t.grad = to_ramp(g), g.clone()
        ro.step()
        to.step()
        rs.step()
        ts.step()
        for r, t in zip(rp, tp):
            assert_values(r.detach(), t.detach())
    assert repr(ro) == repr(to)
    assert set(ro.state) == {rp[i] for i, t in enumerate(tp) if t in to.state}


def test_bfloat16_parameters():
    """bfloat16 parameters follow torch's to a couple of bfloat16 ulps."""
    for opt, kwargs in OPTIMIZERS:
        rp, tp = params_pair("bfloat16", shapes=((64,),))
        ro, to = getattr(ramp.optim, opt)(rp, **kwargs), getattr(torch.optim, opt)(tp, **kwargs)
        for step in range(5):
            set_grads(rp, tp, step, "bfloat16")
            ro.step()
            to.step()
            assert_values(rp[0].detach(), tp[0].detach(), 2 ** -6, 2 ** -6)


def to_torch_state(sd):
    """A ramp optimizer state_dict with torch tensors (what torch.save / ramp.save would carry)."""
    conv = lambda v: torch.from_numpy(to_numpy(v).copy()) if isinstance(v, ramp.Tensor) else v  # noqa: E731
    return {"state": {k: {n: conv(v) for n, v in s.items()} for k, s in sd["state"].items()},
            "param_groups": [dict(g) for g in sd["param_groups"]]}


def to_ramp_state(sd):
    conv = lambda v: to_ramp(v) if isinstance(v, torch.Tensor) else v  # noqa: E731
    return {"state": {k: {n: conv(v) for n, v in s.items()} for k, s in sd["state"].items()},
            "param_groups": [dict(g) for g in sd["param_groups"]]}


@pytest.mark.parametrize("opt,kwargs", OPTIMIZERS, ids=IDS)
def test_state_dict_round_trips(opt, kwargs):
    """state_dict in torch's format: ramp's loads into torch and torch's into ramp, and both continue
    on the same trajectory bit for bit."""
    rp, tp = params_pair()
    ro, to = getattr(ramp.optim, opt)(rp, **kwargs), getattr(torch.optim, opt)(tp, **kwargs)
    rsd0, tsd0 = ro.state_dict(), to.state_dict()  # before any step (Adagrad has state already)
    assert rsd0["param_groups"] == tsd0["param_groups"]
    assert set(rsd0["state"]) == set(tsd0["state"])
    for step in range(5):
        set_grads(rp, tp, step)
        ro.step()
        to.step()
    rsd, tsd = ro.state_dict(), to.state_dict()
    assert rsd["param_groups"] == tsd["param_groups"]
    assert list(rsd["state"]) == list(tsd["state"])
    for k in tsd["state"]:
        assert_state(rsd["state"][k], tsd["state"][k])
    # ramp -> torch and torch -> ramp, into fresh optimizers over copies of the parameters
    rp2 = [to_ramp(t.detach()).requires_grad_() for t in tp]
    tp2 = [t.detach().clone().requires_grad_() for t in tp]
    ro2 = getattr(ramp.optim, opt)(rp2, lr=0.123) if opt != "Adadelta" else ramp.optim.Adadelta(rp2, rho=0.5)
    to2 = getattr(torch.optim, opt)(tp2, lr=0.123) if opt != "Adadelta" else torch.optim.Adadelta(tp2, rho=0.5)
    ro2.load_state_dict(to_ramp_state(tsd))
    to2.load_state_dict(to_torch_state(rsd))
    assert ro2.param_groups[0]["lr"] == to.param_groups[0]["lr"]
    for step in range(5, 10):
        set_grads(rp, tp, step)
        set_grads(rp2, tp2, step)
        ro2.step()
        to2.step()
        to.step()
        for r, t, t0 in zip(rp2, tp2, tp):
            assert_values(r.detach(), t0.detach())
            assert_values(t.detach(), t0.detach())


OPTIM_ERRORS = [
    lambda L, p: L.optim.Adadelta(p, lr=-1),
    lambda L, p: L.optim.Adadelta(p, rho=1.5),
    lambda L, p: L.optim.Adadelta(p, rho=-0.1),
    lambda L, p: L.optim.Adadelta(p, eps=-1e-6),
    lambda L, p: L.optim.Adadelta(p, weight_decay=-1),
    lambda L, p: L.optim.Adadelta([], lr=1.0),
    lambda L, p: L.optim.Adagrad(p, lr=-0.1),
    lambda L, p: L.optim.Adagrad(p, lr_decay=-1),
    lambda L, p: L.optim.Adagrad(p, weight_decay=-1.0),
    lambda L, p: L.optim.Adagrad(p, initial_accumulator_value=-1),
    lambda L, p: L.optim.Adagrad(p, eps=-1),
    lambda L, p: L.optim.Adagrad(p[0]),
    lambda L, p: L.optim.RMSprop(p, lr=-1),
    lambda L, p: L.optim.RMSprop(p, eps=-1.0),
    lambda L, p: L.optim.RMSprop(p, momentum=-0.5),
    lambda L, p: L.optim.RMSprop(p, weight_decay=-2),
    lambda L, p: L.optim.RMSprop(p, alpha=-0.9),
    lambda L, p: L.optim.RMSprop([p[0] * 2]),
]


@pytest.mark.parametrize("i", range(len(OPTIM_ERRORS)))
def test_optimizer_errors(i):
    rp, tp = params_pair()
    r, t = outcome(OPTIM_ERRORS[i], ramp, rp), outcome(OPTIM_ERRORS[i], torch, tp)
    assert t[1] is not None
    assert r[1] == (t[1][0], t[1][1].replace("torch.", "ramp."))


def test_signatures_and_defaults():
    import inspect
    for name in ("Adadelta", "Adagrad", "RMSprop"):
        rsig, tsig = inspect.signature(getattr(ramp.optim, name)), inspect.signature(getattr(torch.optim, name))
        assert [(p.name, p.default, p.kind) for p in rsig.parameters.values()] == \
            [(p.name, p.default, p.kind) for p in tsig.parameters.values()], name
        rp, tp = params_pair()
        assert getattr(ramp.optim, name)(rp).defaults == getattr(torch.optim, name)(tp).defaults
    from ramp.optim.adadelta import Adadelta  # 1.13's module paths
    from ramp.optim.adagrad import Adagrad
    from ramp.optim.rmsprop import RMSprop
    assert (Adadelta, Adagrad, RMSprop) == (ramp.optim.Adadelta, ramp.optim.Adagrad, ramp.optim.RMSprop)


# ---- schedulers ----
def sgd_pair(momentum=0.9, lrs=(0.5, 0.2)):
    rp, tp = params_pair()
    ro = ramp.optim.SGD([{"params": rp[:1]}, {"params": rp[1:], "lr": lrs[1]}], lr=lrs[0], momentum=momentum)
    to = torch.optim.SGD([{"params": tp[:1]}, {"params": tp[1:], "lr": lrs[1]}], lr=lrs[0], momentum=momentum)
    return ro, to


def run_both(rs, ts, ro, to, steps, keys=("lr",), change_at=None):
    assert rs.get_last_lr() == ts.get_last_lr()
    for epoch in range(steps):
        if epoch == change_at:
            ro.param_groups[1]["lr"] = to.param_groups[1]["lr"] = 0.05
        ro.step()
        to.step()
        rs.step()
        ts.step()
        assert rs.get_last_lr() == ts.get_last_lr(), epoch
        assert rs.last_epoch == ts.last_epoch
        for key in keys:
            assert [g[key] for g in ro.param_groups] == [g[key] for g in to.param_groups], (epoch, key)


class Halving:
    """A callable object: LambdaLR's state_dict saves its __dict__."""

    def __init__(self):
        self.base = 0.5

    def __call__(self, epoch):
        return self.base ** epoch


@pytest.mark.parametrize("case", ["multistep", "multistep-repeats", "lambda", "lambda-per-group", "lambda-int"])
def test_chainable_schedulers(case):
    ro, to = sgd_pair()
    if case.startswith("multistep"):
        milestones = [3, 7, 12] if case == "multistep" else [7, 3, 7, 20]
        rs = ramp.optim.lr_scheduler.MultiStepLR(ro, milestones, gamma=0.3)
        ts = torch.optim.lr_scheduler.MultiStepLR(to, milestones, gamma=0.3)
    elif case == "lambda":
        rs = ramp.optim.lr_scheduler.LambdaLR(ro, lambda e: 0.95 ** e)
        ts = torch.optim.lr_scheduler.LambdaLR(to, lambda e: 0.95 ** e)
    elif case == "lambda-per-group":
        rs = ramp.optim.lr_scheduler.LambdaLR(ro, [lambda e: 1 / (e + 1), Halving()])
        ts = torch.optim.lr_scheduler.LambdaLR(to, [lambda e: 1 / (e + 1), Halving()])
    else:
        rs = ramp.optim.lr_scheduler.LambdaLR(ro, lambda e: 1 if e < 5 else 0)
        ts = torch.optim.lr_scheduler.LambdaLR(to, lambda e: 1 if e < 5 else 0)
    assert rs.base_lrs == ts.base_lrs
    run_both(rs, ts, ro, to, 25, keys=("lr", "initial_lr"), change_at=10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rs.step(9)
        ts.step(9)
    assert rs.get_last_lr() == ts.get_last_lr()
    rsd, tsd = rs.state_dict(), ts.state_dict()
    assert rsd == tsd
    # resuming (last_epoch given), and load_state_dict
    name = type(ts).__name__
    args = {"MultiStepLR": lambda L: ([4, 8],), "LambdaLR": lambda L: (lambda e: 0.9 ** e,)}[name]
    r2 = getattr(ramp.optim.lr_scheduler, name)(ro, *args(ramp), last_epoch=6)
    t2 = getattr(torch.optim.lr_scheduler, name)(to, *args(torch), last_epoch=6)
    assert r2.get_last_lr() == t2.get_last_lr()
    if case == "lambda-per-group":
        rsd["lr_lambdas"][1] = tsd["lr_lambdas"][1] = {"base": 0.25}
    r2 = getattr(ramp.optim.lr_scheduler, name)(ro, *args(ramp)) if case != "lambda-per-group" else \
        ramp.optim.lr_scheduler.LambdaLR(ro, [lambda e: 1.0, Halving()])
    t2 = getattr(torch.optim.lr_scheduler, name)(to, *args(torch)) if case != "lambda-per-group" else \
        torch.optim.lr_scheduler.LambdaLR(to, [lambda e: 1.0, Halving()])
    r2.load_state_dict(rsd)
    t2.load_state_dict(tsd)
    assert r2.state_dict() == t2.state_dict()
    ro.step()
    to.step()
    r2.step()
    t2.step()
    assert r2.get_last_lr() == t2.get_last_lr()


ONE_CYCLE = [
    ("SGD", {"max_lr": 1.0, "total_steps": 40}),
    ("SGD", {"max_lr": [0.5, 0.1], "epochs": 5, "steps_per_epoch": 7, "pct_start": 0.25,
             "anneal_strategy": "linear"}),
    ("SGD", {"max_lr": 0.3, "total_steps": 31, "three_phase": True, "base_momentum": [0.8, 0.7],
             "max_momentum": 0.99, "div_factor": 10.0, "final_div_factor": 100.0}),
    ("SGD", {"max_lr": 0.3, "total_steps": 20, "cycle_momentum": False}),
    ("Adam", {"max_lr": 0.01, "total_steps": 25}),
    ("AdamW", {"max_lr": 0.01, "total_steps": 25, "three_phase": True, "anneal_strategy": "linear"}),
    ("RMSprop", {"max_lr": 0.01, "total_steps": 15}),
]


@pytest.mark.parametrize("opt,kwargs", ONE_CYCLE, ids=[f"{o}-{i}" for i, (o, _) in enumerate(ONE_CYCLE)])
def test_one_cycle(opt, kwargs):
    """lr and momentum (or beta1) each step as torch's doubles; the groups' added keys; the error
    past total_steps; state_dict."""
    rp, tp = params_pair()
    extra = {"momentum": 0.9} if opt == "SGD" else {}
    ro = getattr(ramp.optim, opt)([{"params": rp[:1]}, {"params": rp[1:], "lr": 0.2}], lr=0.5, **extra)
    to = getattr(torch.optim, opt)([{"params": tp[:1]}, {"params": tp[1:], "lr": 0.2}], lr=0.5, **extra)
    rs = ramp.optim.lr_scheduler.OneCycleLR(ro, **kwargs)
    ts = torch.optim.lr_scheduler.OneCycleLR(to, **kwargs)
    total = ts.total_steps
    keys = [k for k in to.param_groups[0] if k != "params"]
    assert sorted(keys) == sorted(k for k in ro.param_groups[0] if k != "params")

    def same_groups():
        for rg, tg in zip(ro.param_groups, to.param_groups):
            assert {k: rg[k] for k in keys} == {k: tg[k] for k in keys}
    same_groups()
    for step in range(total):
        set_grads(rp, tp, step)
        ro.step()
        to.step()
        rs.step()
        ts.step()
        assert rs.get_last_lr() == ts.get_last_lr(), step
        same_groups()
        for r, t in zip(rp, tp):
            assert_values(r.detach(), t.detach())
    rsd, tsd = rs.state_dict(), ts.state_dict()
    del tsd["anneal_func"]
    assert rsd == tsd
    r, t = outcome(rs.step), outcome(ts.step)
    assert r[1] is not None and r[1] == t[1]


ONE_CYCLE_ERRORS = [
    lambda L, o: L.optim.lr_scheduler.OneCycleLR(o, 1.0),
    lambda L, o: L.optim.lr_scheduler.OneCycleLR(o, 1.0, total_steps=0),
    lambda L, o: L.optim.lr_scheduler.OneCycleLR(o, 1.0, total_steps=2.5),
    lambda L, o: L.optim.lr_scheduler.OneCycleLR(o, 1.0, epochs=-1, steps_per_epoch=3),
    lambda L, o: L.optim.lr_scheduler.OneCycleLR(o, 1.0, epochs=2, steps_per_epoch=0),
    lambda L, o: L.optim.lr_scheduler.OneCycleLR(o, 1.0, total_steps=10, pct_start=1.5),
    lambda L, o: L.optim.lr_scheduler.OneCycleLR(o, 1.0, total_steps=10, pct_start=1),
    lambda L, o: L.optim.lr_scheduler.OneCycleLR(o, 1.0, total_steps=10, anneal_strategy="exp"),
    lambda L, o: L.optim.lr_scheduler.OneCycleLR(o, [1.0], total_steps=10),
    lambda L, o: L.optim.lr_scheduler.OneCycleLR(o, 1.0, total_steps=10, base_momentum=[0.1, 0.2, 0.3]),
    lambda L, o: L.optim.lr_scheduler.OneCycleLR(object(), 1.0, total_steps=10),
    lambda L, o: L.optim.lr_scheduler.LambdaLR(o, [lambda e: 1.0]),
    lambda L, o: L.optim.lr_scheduler.MultiStepLR(o, [2, 4], last_epoch=3),
    lambda L, o: L.optim.lr_scheduler.ReduceLROnPlateau(o, factor=1.0),
    lambda L, o: L.optim.lr_scheduler.ReduceLROnPlateau(o, mode="mean"),
    lambda L, o: L.optim.lr_scheduler.ReduceLROnPlateau(o, threshold_mode="relative"),
    lambda L, o: L.optim.lr_scheduler.ReduceLROnPlateau(o, min_lr=[0.1]),
    lambda L, o: L.optim.lr_scheduler.ReduceLROnPlateau(object()),
]


@pytest.mark.parametrize("i", range(len(ONE_CYCLE_ERRORS)))
def test_scheduler_errors(i):
    ro, to = sgd_pair()
    r, t = outcome(ONE_CYCLE_ERRORS[i], ramp, ro), outcome(ONE_CYCLE_ERRORS[i], torch, to)
    assert t[1] is not None
    assert r[1] == t[1]


def test_one_cycle_needs_momentum():
    rp, tp = params_pair()
    r = outcome(lambda: ramp.optim.lr_scheduler.OneCycleLR(ramp.optim.Adagrad(rp), 0.1, total_steps=5))
    t = outcome(lambda: torch.optim.lr_scheduler.OneCycleLR(torch.optim.Adagrad(tp), 0.1, total_steps=5))
    assert r[1] == t[1] and t[1][0] == "ValueError"
    r = ramp.optim.lr_scheduler.OneCycleLR(ramp.optim.Adagrad(rp), 0.1, total_steps=5, cycle_momentum=False)
    t = torch.optim.lr_scheduler.OneCycleLR(torch.optim.Adagrad(tp), 0.1, total_steps=5, cycle_momentum=False)
    for _ in range(4):
        r.step()
        t.step()
        assert r.get_last_lr() == t.get_last_lr()


METRICS = [1.0, 0.9, 0.95, 0.95, 0.96, 0.97, 0.89, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0,
           1.1, 1.2, 1.3, 1.4]


@pytest.mark.parametrize("kwargs", [{}, {"patience": 2}, {"mode": "max", "patience": 1, "factor": 0.5},
                                    {"patience": 1, "cooldown": 2, "threshold": 0.05, "threshold_mode": "abs"},
                                    {"patience": 0, "min_lr": [0.1, 0.01], "factor": 0.3},
                                    {"mode": "max", "threshold_mode": "abs", "patience": 0, "eps": 0.1}])
def test_reduce_lr_on_plateau(kwargs):
    ro, to = sgd_pair()
    rs = ramp.optim.lr_scheduler.ReduceLROnPlateau(ro, **kwargs)
    ts = torch.optim.lr_scheduler.ReduceLROnPlateau(to, **kwargs)
    assert rs.state_dict() == ts.state_dict()
    for i, m in enumerate(METRICS):
        metric = ramp.tensor(m) if i % 2 else m  # a zero-dim tensor or a number
        rs.step(metric)
        ts.step(torch.tensor(m) if i % 2 else m)
        assert [g["lr"] for g in ro.param_groups] == [g["lr"] for g in to.param_groups], i
        assert rs.state_dict() == ts.state_dict(), i
        assert rs.in_cooldown == ts.in_cooldown
    assert rs._last_lr == ts._last_lr
    # load_state_dict restores the counters and options
    r2 = ramp.optim.lr_scheduler.ReduceLROnPlateau(ro)
    t2 = torch.optim.lr_scheduler.ReduceLROnPlateau(to)
    r2.load_state_dict(rs.state_dict())
    t2.load_state_dict(ts.state_dict())
    for m in METRICS[:8]:
        r2.step(m)
        t2.step(m)
        assert r2.state_dict() == t2.state_dict()
        assert [g["lr"] for g in ro.param_groups] == [g["lr"] for g in to.param_groups]


def test_scheduler_verbose(capsys):
    ro, to = sgd_pair()
    rs = ramp.optim.lr_scheduler.ReduceLROnPlateau(ro, patience=0, verbose=True)
    ts = torch.optim.lr_scheduler.ReduceLROnPlateau(to, patience=0, verbose=True)
    for m in (1.0, 2.0, 3.0):
        rs.step(m)
        r_out = capsys.readouterr().out
        ts.step(m)
        assert r_out == capsys.readouterr().out
    rs = ramp.optim.lr_scheduler.MultiStepLR(ro, [1], verbose=True)
    r_out = capsys.readouterr().out
    ts = torch.optim.lr_scheduler.MultiStepLR(to, [1], verbose=True)
    assert r_out == capsys.readouterr().out
    rs.step()
    r_out = capsys.readouterr().out
    ts.step()
    assert r_out == capsys.readouterr().out


@pytest.mark.parametrize("edit", [False, True])
def test_one_cycle_resume(edit):
    """last_epoch != -1: 1.13 reads max_lr, min_lr and the momenta from the resumed groups."""
    def run(lib):
        p = [lib.zeros(3).requires_grad_()]
        o = lib.optim.SGD(p, lr=0.1, momentum=0.9)
        s = lib.optim.lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=20)
        for _ in range(5):
            o.step()
            s.step()
        if edit:
            o.param_groups[0]["max_lr"] = 2.0
            o.param_groups[0]["base_momentum"] = 0.5
        s2 = lib.optim.lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=20, last_epoch=5)
        out = [(s2.get_last_lr(), o.param_groups[0]["momentum"], s2.last_epoch, s2._step_count)]
        for _ in range(5):
            o.step()
            s2.step()
            out.append((s2.get_last_lr(), o.param_groups[0]["momentum"]))
        return out
    assert run(ramp) == run(torch)


def test_step_order_warnings():
    """1.13 warns when the scheduler steps before the optimizer; not when the order is right."""
    def warned(lib, optimizer_first):
        p = [lib.zeros(2).requires_grad_()]
        o = lib.optim.SGD(p, lr=0.1)
        s = lib.optim.lr_scheduler.MultiStepLR(o, [2])
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            if optimizer_first:
                o.step()
            s.step()
            o.step()
            s.step()
        return [str(x.message) for x in w]
    for first in (True, False):
        assert warned(ramp, first) == warned(torch, first)
    assert warned(torch, False) and not warned(torch, True)


def warmup_class(lib):
    class Warmup(lib.optim.lr_scheduler._LRScheduler):
        """A user's scheduler as written for 1.13: linear warmup, then the chained lr halves."""

        def __init__(self, optimizer, warmup, last_epoch=-1, verbose=False):
            self.warmup = warmup
            super().__init__(optimizer, last_epoch, verbose)

        def get_lr(self):
            if self.last_epoch < self.warmup:
                return [base * (self.last_epoch + 1) / self.warmup for base in self.base_lrs]
            return [group["lr"] * 0.5 for group in self.optimizer.param_groups]

        def _get_closed_form_lr(self):
            return [base / (self.last_epoch + 1) for base in self.base_lrs]
    return Warmup


@pytest.mark.parametrize("opt", ["SGD", "RMSprop"])
def test_user_scheduler_subclass(opt, capsys):
    """A Python subclass of _LRScheduler with its own get_lr() runs as in 1.13 (over ramp's C++
    optimizers: the parameters follow the same rates)."""
    rp, tp = params_pair()
    ro, to = getattr(ramp.optim, opt)(rp, lr=0.1), getattr(torch.optim, opt)(tp, lr=0.1)
    rs = warmup_class(ramp)(ro, 4, verbose=True)
    printed = capsys.readouterr().out
    ts = warmup_class(torch)(to, 4, verbose=True)
    assert printed == capsys.readouterr().out
    for step in range(8):
        set_grads(rp, tp, step)
        ro.step()
        to.step()
        rs.step()
        printed = capsys.readouterr().out
        ts.step()
        assert printed == capsys.readouterr().out and printed.startswith("Adjusting learning rate of group 0")
        assert rs.get_last_lr() == ts.get_last_lr() and rs.last_epoch == ts.last_epoch
        for r, t in zip(rp, tp):
            assert_values(r.detach(), t.detach())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rs.step(3)
        printed = capsys.readouterr().out
        ts.step(3)
    assert printed == capsys.readouterr().out and printed.startswith("Epoch 00003")
    assert rs.get_last_lr() == ts.get_last_lr()
    assert rs.state_dict() == ts.state_dict()
    r2, t2 = warmup_class(ramp)(ro, 2, last_epoch=5), warmup_class(torch)(to, 2, last_epoch=5)
    r2.load_state_dict(rs.state_dict())
    t2.load_state_dict(ts.state_dict())
    assert r2.state_dict() == t2.state_dict()


def python_optimizers(L):
    """A user's optimizers written in Python (their own step), one with momentum, one with betas."""
    class PlainSGD(L.optim.Optimizer):
        def __init__(self, params, lr=0.5, momentum=0.9):
            super().__init__(params, dict(lr=lr, momentum=momentum))

        @L.no_grad()
        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        p.add_(p.grad, alpha=-group["lr"])

    class Betas(PlainSGD):
        def __init__(self, params, lr=0.1, betas=(0.9, 0.99)):
            L.optim.Optimizer.__init__(self, params, dict(lr=lr, betas=betas))
    return PlainSGD, Betas


SCHEDULES = [lambda L, o: L.optim.lr_scheduler.StepLR(o, 2, gamma=0.5),
             lambda L, o: L.optim.lr_scheduler.MultiStepLR(o, [1, 3], gamma=0.3),
             lambda L, o: L.optim.lr_scheduler.LambdaLR(o, lambda e: 0.9 ** e),
             lambda L, o: L.optim.lr_scheduler.CosineAnnealingLR(o, 4),
             lambda L, o: L.optim.lr_scheduler.ExponentialLR(o, 0.7),
             lambda L, o: L.optim.lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=7),
             lambda L, o: L.optim.lr_scheduler.ReduceLROnPlateau(o, patience=0)]


@pytest.mark.parametrize("schedule", range(len(SCHEDULES)))
@pytest.mark.parametrize("which", [0, 1])
def test_schedulers_drive_python_optimizers(schedule, which):
    """ramp's schedulers on a user's Python optimizer (two groups): the rates, OneCycleLR's momentum
    or beta1, and the parameters follow 1.13's step by step."""
    runs = []
    for L in (ramp, torch):
        w, w2 = L.nn.Parameter(L.ones(3, dtype=L.float64)), L.nn.Parameter(L.ones(2, dtype=L.float64))
        opt = python_optimizers(L)[which]([w])
        opt.add_param_group({"params": [w2], "lr": 0.25})
        sched = SCHEDULES[schedule](L, opt)
        trace = []
        for _ in range(6):
            ((w * w).sum() + (w2 * w2).sum()).backward()
            opt.step()
            opt.zero_grad()
            sched.step(1.0) if isinstance(sched, L.optim.lr_scheduler.ReduceLROnPlateau) else sched.step()
            trace.append(([g["lr"] for g in opt.param_groups], [g.get("momentum", g.get("betas"))
                                                                 for g in opt.param_groups], w.tolist(), w2.tolist()))
        runs.append(trace)
    assert runs[0] == runs[1]
