"""Checkpointing and resuming training against torch 1.13: optimizer and scheduler state_dict /
load_state_dict (torch's format, a resumed run continuing torch's uninterrupted one bit for bit, a
torch optimizer's state loaded into ramp), and parameters converted after a step (model.double()),
whose optimizer state must follow them."""
import numpy as np
import pytest

import ramp
from conftest import assert_values, to_ramp

torch = pytest.importorskip("torch")

CASES = [("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}), ("SGD", {"lr": 0.1}),
         ("Adam", {"lr": 1e-2, "amsgrad": True}), ("AdamW", {"lr": 1e-2})]
IDS = [f"{o}-{i}" for i, (o, _) in enumerate(CASES)]


def grad(shape, step, i, dtype=torch.float32):
    g = torch.Generator().manual_seed(1000 * i + step)
    return torch.randn(shape, generator=g, dtype=torch.float64).to(dtype)


def params(dtype=torch.float32):
    g = torch.Generator().manual_seed(0)
    t = [torch.randn(s, generator=g, dtype=torch.float64).to(dtype).requires_grad_() for s in ((5, 3), (3,))]
    return [to_ramp(p.detach()).requires_grad_() for p in t], t


def step(lib_params, opt, n, i0=0, to=lambda g: g):
    for s in range(i0, i0 + n):
        opt.zero_grad()
        for i, p in enumerate(lib_params):
            p.grad = to(grad(tuple(p.shape), s, i))
        opt.step()


def make(lib, rp, opt, kwargs):
    """[group of the weight, group of the bias (its own lr)], as a user with two groups would."""
    o = getattr(lib.optim, opt)([{"params": [rp[0]]}, {"params": [rp[1]], "lr": kwargs["lr"] / 2}], **kwargs)
    return o, lib.optim.lr_scheduler.StepLR(o, step_size=2, gamma=0.5)


@pytest.mark.parametrize("opt,kwargs", CASES, ids=IDS)
def test_state_dict_format_matches_torch(opt, kwargs):
    rp, tp = params()
    (ro, rs), (to, ts) = make(ramp, rp, opt, kwargs), make(torch, tp, opt, kwargs)
    step(rp, ro, 3, to=to_ramp)
    step(tp, to, 3)
    rs.step()
    ts.step()
    r, t = ro.state_dict(), to.state_dict()
    assert r["param_groups"] == t["param_groups"]
    assert r["state"].keys() == t["state"].keys()
    for k in t["state"]:
        assert r["state"][k].keys() == t["state"][k].keys()
        for name, value in t["state"][k].items():
            if value is None:  # SGD without momentum
                assert r["state"][k][name] is None
            else:
                assert_values(r["state"][k][name], value, 0, 0)
    assert rs.state_dict() == ts.state_dict()


@pytest.mark.parametrize("opt,kwargs", CASES, ids=IDS)
def test_resumed_run_continues_torchs(opt, kwargs):
    """5 steps, state_dicts into a fresh optimizer and scheduler, 5 more: torch's 10 uninterrupted
    steps, bit for bit (lr edits from the scheduler included)."""
    rp, tp = params()
    ro, rs = make(ramp, rp, opt, kwargs)
    to, ts = make(torch, tp, opt, kwargs)
    for s in range(5):
        step(rp, ro, 1, s, to=to_ramp)
        rs.step()
    saved_opt, saved_sched = ro.state_dict(), rs.state_dict()
    ro2, rs2 = make(ramp, rp, opt, dict(kwargs, lr=123.0))  # wrong options, overwritten by the load
    ro2.load_state_dict(saved_opt)
    rs2.load_state_dict(saved_sched)
    for s in range(5, 10):
        step(rp, ro2, 1, s, to=to_ramp)
        rs2.step()
    for s in range(10):
        step(tp, to, 1, s)
        ts.step()
    assert [g["lr"] for g in ro2.param_groups] == [g["lr"] for g in to.param_groups]
    assert rs2.get_last_lr() == ts.get_last_lr() and rs2.last_epoch == ts.last_epoch
    for r, t in zip(rp, tp):
        assert_values(r.detach(), t.detach(), 0, 0)


@pytest.mark.parametrize("opt,kwargs", CASES, ids=IDS)
def test_torch_optimizer_state_loads_into_ramp(opt, kwargs):
    """A torch state_dict exported through NumPy (float64 state into float32 parameters: cast, as
    torch's load_state_dict casts) continues torch's run."""
    rp, tp = params()
    to, _ = make(torch, tp, opt, kwargs)
    step(tp, to, 4)
    for r, t in zip(rp, tp):
        with ramp.no_grad():
            r.copy_(to_ramp(t.detach()))
    sd = to.state_dict()
    exported = {"param_groups": sd["param_groups"],
                "state": {k: {n: None if v is None else ramp.tensor(v.double().numpy()) for n, v in s.items()}
                          for k, s in sd["state"].items()}}
    ro, _ = make(ramp, rp, opt, kwargs)
    ro.load_state_dict(exported)
    assert all(v.dtype == ramp.float32 for s in ro.state.values() for n, v in s.items() if n != "step" and v is not None)
    step(rp, ro, 3, 4, to=to_ramp)
    step(tp, to, 3, 4)
    for r, t in zip(rp, tp):
        assert_values(r.detach(), t.detach(), 1e-6, 1e-7)


def test_load_state_dict_errors_match_torch():
    rp, tp = params()
    ro, to = ramp.optim.Adam(rp), torch.optim.Adam(tp)
    one_group = ramp.optim.Adam([rp[0]]).state_dict()
    for bad_r, bad_t in [({"state": {}, "param_groups": one_group["param_groups"] * 2},
                          {"state": {}, "param_groups": torch.optim.Adam([tp[0]]).state_dict()["param_groups"] * 2}),
                         (one_group, torch.optim.Adam([tp[0]]).state_dict())]:
        with pytest.raises(ValueError) as r:
            ro.load_state_dict(bad_r)
        with pytest.raises(ValueError) as t:
            to.load_state_dict(bad_t)
        assert str(r.value) == str(t.value)
    # A state tensor of the wrong shape: a clear error naming the optimizer, nothing written.
    step(rp, ro, 1, to=to_ramp)
    sd = ro.state_dict()
    sd["state"][0]["exp_avg"] = ramp.zeros(2)
    with pytest.raises(ValueError, match=r"Adam.load_state_dict: state 'exp_avg' has shape \[2\]"):
        ro.load_state_dict(sd)


@pytest.mark.parametrize("opt,kwargs", CASES, ids=IDS)
def test_parameters_converted_after_a_step(opt, kwargs):
    """model.double() after the first step: the optimizer's float32 state follows the parameters.
    ramp converts it, as torch's load_state_dict casts it: the oracle is torch reloading its own
    state after the conversion (without that, 1.13's Adam fails an internal assert). Before the
    fix ramp's fused update read the float32 state as float64, past its end."""
    rp, tp = params()
    rm, tm = ramp.nn.Linear(3, 5), torch.nn.Linear(3, 5)
    with ramp.no_grad():
        rm.weight.copy_(rp[0].detach())
        rm.bias.copy_(to_ramp(tm.bias.detach()))
    with torch.no_grad():
        tm.weight.copy_(tp[0])
    ro, to = getattr(ramp.optim, opt)(rm.parameters(), **kwargs), getattr(torch.optim, opt)(tm.parameters(), **kwargs)
    for s in range(4):
        if s == 1:
            rm.double()
            tm.double()
            to.load_state_dict(to.state_dict())
        x = grad((4, 3), s, 7, torch.float64 if s else torch.float32)
        ro.zero_grad()
        to.zero_grad()
        rm(to_ramp(x)).pow(2).sum().backward()
        tm(x).pow(2).sum().backward()
        ro.step()
        to.step()
    assert rm.weight.dtype == ramp.float64
    assert all(v.dtype == ramp.float64 for s in ro.state.values() for n, v in s.items() if n != "step" and v is not None)
    for r, t in ((rm.weight, tm.weight), (rm.bias, tm.bias)):
        np.testing.assert_allclose(r.detach().numpy(), t.detach().numpy(), rtol=1e-5, atol=1e-6)
