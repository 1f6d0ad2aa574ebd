"""ConstantLR, LinearLR, MultiplicativeLR, PolynomialLR, CosineAnnealingWarmRestarts, CyclicLR,
SequentialLR and ChainedScheduler against torch 1.13: the same optimizer (two groups) stepped with
the same schedule gives the same lr (and momentum) at every step, bit for bit, through step(),
step(epoch) and a state_dict round trip; their errors match torch's."""
import warnings

import pytest

import ramp
from conftest import outcome

torch = pytest.importorskip("torch")


def optimizers(kind="SGD", **kw):
    """The same two-group optimizer in each library (lr 0.1 and 0.02)."""
    made = []
    for lib in (ramp, torch):
        a, b = lib.nn.Parameter(lib.ones(2)), lib.nn.Parameter(lib.ones(3))
        opt = getattr(lib.optim, kind)([{"params": [a]}, {"params": [b], "lr": 0.02}], lr=0.1, **kw)
        made.append((opt, [a, b]))
    return made


SCHEDULES = {
    "ConstantLR": lambda S, o: S.ConstantLR(o, factor=0.25, total_iters=4),
    "ConstantLR-defaults": lambda S, o: S.ConstantLR(o),
    "LinearLR": lambda S, o: S.LinearLR(o, start_factor=0.1, end_factor=0.9, total_iters=7),
    "LinearLR-defaults": lambda S, o: S.LinearLR(o),
    "MultiplicativeLR": lambda S, o: S.MultiplicativeLR(o, lambda e: 0.95 if e % 2 else 0.9),
    "MultiplicativeLR-per-group": lambda S, o: S.MultiplicativeLR(o, [lambda e: 0.9, lambda e: 1.0 - 0.01 * e]),
    "PolynomialLR": lambda S, o: S.PolynomialLR(o, total_iters=9, power=2.0),
    "PolynomialLR-defaults": lambda S, o: S.PolynomialLR(o),
    "CosineAnnealingWarmRestarts": lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.001),
    "CosineAnnealingWarmRestarts-1": lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=4),
    "CyclicLR": lambda S, o: S.CyclicLR(o, 0.01, 0.1, step_size_up=3, step_size_down=5),
    "CyclicLR-triangular2": lambda S, o: S.CyclicLR(o, [0.01, 0.001], [0.1, 0.05], step_size_up=2, mode="triangular2"),
    "CyclicLR-exp_range": lambda S, o: S.CyclicLR(o, 0.01, 0.1, step_size_up=4, mode="exp_range", gamma=0.9,
                                                  base_momentum=0.7, max_momentum=0.95),
    "CyclicLR-scale_fn": lambda S, o: S.CyclicLR(o, 0.01, 0.1, step_size_up=2, scale_fn=lambda x: 0.5 ** x,
                                                 scale_mode="iterations", cycle_momentum=False),
    "SequentialLR": lambda S, o: S.SequentialLR(o, [S.LinearLR(o, 0.1, total_iters=4), S.ExponentialLR(o, 0.9)],
                                                milestones=[4]),
    "SequentialLR-three": lambda S, o: S.SequentialLR(
        o, [S.ConstantLR(o, 0.5, total_iters=2), S.CosineAnnealingLR(o, T_max=5), S.StepLR(o, 2, 0.5)],
        milestones=[3, 9]),
    "ChainedScheduler": lambda S, o: S.ChainedScheduler([S.ConstantLR(o, 0.1, total_iters=3), S.ExponentialLR(o, 0.9)]),
    "ChainedScheduler-python": lambda S, o: S.ChainedScheduler([S.LinearLR(o, 0.2, total_iters=5),
                                                                S.PolynomialLR(o, total_iters=8)]),
}


def run(lib_opt, make, lib, steps, epoch_at=None):
    opt, params = lib_opt
    sched = make(lib.optim.lr_scheduler, opt)
    seen = []
    for i in range(steps):
        opt.step()
        if epoch_at is not None and i == epoch_at:
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                sched.step(epoch_at)
            seen.append([str(x.message)[:40] for x in w])  # the deprecation warning, where torch gives it
        else:
            sched.step()
        seen.append((list(sched.get_last_lr()), [g["lr"] for g in opt.param_groups],
                     [g.get("momentum") for g in opt.param_groups]))
    return sched, seen


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_rates_as_torch(name):
    (ro, rp), (to, tp) = optimizers(momentum=0.9)
    r_sched, r_seen = run((ro, rp), SCHEDULES[name], ramp, 25)
    t_sched, t_seen = run((to, tp), SCHEDULES[name], torch, 25)
    assert r_seen == t_seen  # exact: the same double arithmetic
    assert [g["initial_lr"] for g in ro.param_groups] == [g["initial_lr"] for g in to.param_groups]
    assert hasattr(r_sched, "last_epoch") == hasattr(t_sched, "last_epoch")
    assert hasattr(r_sched, "base_lrs") == hasattr(t_sched, "base_lrs")
    assert getattr(r_sched, "last_epoch", None) == getattr(t_sched, "last_epoch", None)


@pytest.mark.parametrize("name", ["ConstantLR", "LinearLR", "PolynomialLR", "CosineAnnealingWarmRestarts"])
def test_step_with_epoch_as_torch(name):
    (ro, rp), (to, tp) = optimizers(momentum=0.9)
    assert run((ro, rp), SCHEDULES[name], ramp, 12, epoch_at=6)[1] == run((to, tp), SCHEDULES[name], torch, 12, epoch_at=6)[1]


def test_warm_restarts_fractional_epochs():
    (ro, _), (to, _) = optimizers()
    rs = ramp.optim.lr_scheduler.CosineAnnealingWarmRestarts(ro, T_0=2, T_mult=3)
    ts = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(to, T_0=2, T_mult=3)
    for e in [0.5, 1.25, 2.0, 7.5, 9.0, 30.1]:
        rs.step(e)
        ts.step(e)
        assert rs.get_last_lr() == ts.get_last_lr() and rs.T_cur == ts.T_cur and rs.T_i == ts.T_i


@pytest.mark.parametrize("name", ["LinearLR", "MultiplicativeLR", "CyclicLR", "SequentialLR", "ChainedScheduler",
                                  "CosineAnnealingWarmRestarts"])
def test_state_dict_round_trip(name):
    (ro, _), (to, _) = optimizers(momentum=0.9)
    rs, ts = SCHEDULES[name](ramp.optim.lr_scheduler, ro), SCHEDULES[name](torch.optim.lr_scheduler, to)
    for _ in range(5):
        ro.step(), to.step(), rs.step(), ts.step()
    r_state, t_state = rs.state_dict(), ts.state_dict()
    assert sorted(r_state) == sorted(t_state)
    (ro2, _), (to2, _) = optimizers(momentum=0.9)
    rs2, ts2 = SCHEDULES[name](ramp.optim.lr_scheduler, ro2), SCHEDULES[name](torch.optim.lr_scheduler, to2)
    rs2.load_state_dict(r_state)
    ts2.load_state_dict(t_state)
    for opt, state in ((ro2, ro), (to2, to)):
        for g, g_saved in zip(opt.param_groups, state.param_groups):
            g["lr"] = g_saved["lr"]
    for _ in range(4):
        ro2.step(), to2.step(), rs2.step(), ts2.step()
        assert rs2.get_last_lr() == ts2.get_last_lr()


ERRORS = [
    lambda S, o: S.ConstantLR(o, factor=1.5),
    lambda S, o: S.LinearLR(o, start_factor=-0.1),
    lambda S, o: S.LinearLR(o, end_factor=2),
    lambda S, o: S.MultiplicativeLR(o, [lambda e: 1.0]),
    lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=0),
    lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0.5),
    lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=2).step(-1),
    lambda S, o: S.CyclicLR(o, 0.01, 0.1, mode="bad"),
    lambda S, o: S.CyclicLR(o, [0.01], 0.1),
    lambda S, o: S.SequentialLR(o, [S.ExponentialLR(o, 0.9)], milestones=[2]),
    lambda S, o: S.ConstantLR("not an optimizer"),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors_as_torch(i):
    (ro, _), (to, _) = optimizers(momentum=0.9)
    r, t = outcome(lambda: ERRORS[i](ramp.optim.lr_scheduler, ro)), outcome(lambda: ERRORS[i](torch.optim.lr_scheduler, to))
    assert t[1] is not None and r[1] == t[1]


def test_cyclic_needs_momentum():
    (ro, _), (to, _) = optimizers("Adam")
    assert outcome(lambda: ramp.optim.lr_scheduler.CyclicLR(ro, 0.01, 0.1)) == \
        outcome(lambda: torch.optim.lr_scheduler.CyclicLR(to, 0.01, 0.1))
    other_r, other_t = optimizers()
    assert outcome(lambda: ramp.optim.lr_scheduler.SequentialLR(ro, [ramp.optim.lr_scheduler.StepLR(other_r[0], 2)], [])) \
        == outcome(lambda: torch.optim.lr_scheduler.SequentialLR(to, [torch.optim.lr_scheduler.StepLR(other_t[0], 2)], []))


def test_momentum_cycled_into_the_optimizer_step():
    """CyclicLR's momentum reaches ramp's C++ SGD: parameters after 12 steps equal torch's."""
    (ro, rp), (to, tp) = optimizers(momentum=0.9)
    rs = ramp.optim.lr_scheduler.CyclicLR(ro, 0.01, 0.1, step_size_up=3)
    ts = torch.optim.lr_scheduler.CyclicLR(to, 0.01, 0.1, step_size_up=3)
    for step in range(12):
        for lib, params in ((ramp, rp), (torch, tp)):
            for k, p in enumerate(params):
                p.grad = lib.full(tuple(p.shape), 0.5 + 0.25 * k - 0.1 * step)
        ro.step(), to.step(), rs.step(), ts.step()
    for p_r, p_t in zip(rp, tp):
        assert p_r.detach().tolist() == p_t.detach().tolist()
