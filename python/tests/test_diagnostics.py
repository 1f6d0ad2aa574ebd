"""ramp.diagnostics.Monitor against torch 1.13 hooks computing the same statistics on the same
model (same weights, same inputs, same SGD steps): zero fractions, mean, std, histograms, dead
units per window, the gradient reaching each activation's input, parameter gradient norms and
update ratios; the JSON-lines log and the report."""
import json
import math

import numpy as np
import pytest

import ramp

torch = pytest.importorskip("torch")

BINS, LO, HI = 40, -4.0, 4.0


def build(lib):
    n = lib.nn
    return n.Sequential(n.Linear(20, 70), n.ReLU(), n.Linear(70, 30), n.Tanh(), n.Linear(30, 3))


def update_ratio(after, before):
    """|after - before| / |before| in double, and how far rounding `after` to float32 alone can move
    it: half an ulp of each new weight, relative to the update's norm."""
    a, b = after.astype(np.float64), before.astype(np.float64)
    d = np.linalg.norm(a - b)
    return d / np.linalg.norm(b), np.linalg.norm(np.spacing(after).astype(np.float64) / 2) / d


def torch_stats(model, steps, xs):
    """Per step, per watched layer (ReLU, Tanh): the statistics computed by torch hooks."""
    records, alive, grads = [], np.zeros(70, bool), {}
    current = {}

    def fwd(name):
        def hook(mod, inp, out):
            y = out.detach().double().numpy()
            hist = np.clip(np.floor((y - LO) / (HI - LO) * BINS), 0, BINS - 1)
            current[name] = dict(zero=float((y <= 0).mean()), mean=float(y.mean()), std=float(y.std(ddof=1)),
                                 hist=np.bincount(hist.astype(int).ravel(), minlength=BINS) / y.size,
                                 sat=float((1 - y * y < 0.01).mean()))
            if name == "1":
                alive[:] |= (y > 0).any(axis=0)
            inp[0].register_hook(lambda g: grads.__setitem__(name, float(g.double().norm())))
        return hook

    model[1].register_forward_hook(fwd("1"))
    model[3].register_forward_hook(fwd("3"))
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    for x in xs:
        loss = model(torch.from_numpy(x)).square().mean()
        opt.zero_grad()
        loss.backward()
        before = [p.detach().clone() for p in model.parameters()]
        opt.step()
        rec = {k: dict(v, grad=grads[k]) for k, v in current.items()}
        rec["params"] = [(float(p.grad.double().norm()), *update_ratio(p.detach().numpy(), b.numpy()))
                         for p, b in zip(model.parameters(), before)]
        rec["loss"] = float(loss)
        records.append(rec)
    return records, int((~alive).sum())


def test_monitor_matches_torch_hooks(tmp_path):
    tm = build(torch)
    with torch.no_grad():
        tm[0].bias[:5] = -100.0  # five units that never fire
    rm = build(ramp)
    rm.load_state_dict({k: ramp.from_numpy(v.numpy().copy()) for k, v in tm.state_dict().items()})
    rng = np.random.default_rng(0)
    xs = [rng.standard_normal((16, 20)).astype(np.float32) for _ in range(4)]
    want, dead = torch_stats(tm, 4, xs)

    opt = ramp.optim.SGD(rm.parameters(), lr=0.5)
    log = tmp_path / "diag.jsonl"
    mon = ramp.diagnostics.Monitor(rm, optimizer=opt, log=log, dead_threshold=0.05)
    assert mon.layer_names == ["1", "3"]
    exact = []  # ramp's own update ratios, from its weights before and after each step
    for x in xs:
        loss = rm(ramp.from_numpy(x)).square().mean()
        opt.zero_grad()
        loss.backward()
        before = [p.detach().numpy().copy() for p in rm.parameters()]
        opt.step()
        mon.step(loss)
        exact.append([update_ratio(p.detach().numpy(), b)[0] for p, b in zip(rm.parameters(), before)])
    mon.end_epoch()
    assert len(mon.steps) == 4
    for rec, w, ex in zip(mon.steps, want, exact):
        assert rec.loss == pytest.approx(w["loss"], rel=1e-5)
        assert rec.lr == 0.5
        for i, name in enumerate(["1", "3"]):
            got, ref = rec.layers[i], w[name]
            assert got.zero_fraction == pytest.approx(ref["zero"], abs=1e-12)
            assert got.mean == pytest.approx(ref["mean"], rel=1e-5, abs=1e-7)
            assert got.std == pytest.approx(ref["std"], rel=1e-5)
            np.testing.assert_allclose(got.histogram, ref["hist"], atol=1e-12)
            assert got.grad_norm == pytest.approx(ref["grad"], rel=1e-6)
        assert math.isnan(rec.layers[0].saturated_fraction)
        assert rec.layers[1].saturated_fraction == pytest.approx(w["3"]["sat"], abs=1e-12)
        # The optimizer's fused sums add float32 squares, 16 per vector lane, in blocks of 256 (then in
        # double): relative error <= ~20 float ulps (1.2e-6) on a sum, ~6e-7 on its square root, so
        # 2e-6 on a ratio of two (one run measured 1.0e-6), against the exact ratio of ramp's weights.
        # Against torch, the new weights' rounding adds up to half an ulp per weight in each library:
        # for a small update that is far more than a float ulp of the ratio (an AVX-512 run: 2.3e-6).
        for got, want_r, (g, r, slack) in zip(rec.params, ex, w["params"]):
            assert got.grad_norm == pytest.approx(g, rel=2e-6)
            assert got.update_ratio == pytest.approx(want_r, rel=2e-6)
            assert got.update_ratio == pytest.approx(r, rel=2e-6 + 2 * slack)
    assert mon.windows[0].dead[0] == dead >= 5
    assert mon.windows[0].units[0] == 70
    assert "<- dead" in mon.table()
    lines = [json.loads(l) for l in log.read_text().splitlines()]
    assert [l["type"] for l in lines] == ["step"] * 4 + ["window"]
    assert lines[4]["layers"][0] == {"name": "1", "dead": dead, "units": 70}
    mon.save_report(tmp_path / "report.html")
    assert (tmp_path / "report.html").read_text().startswith("<!DOCTYPE html>")
    mon.remove()
    assert all(len(m._forward_hooks) == 0 for m in rm.modules())


def test_every_and_bad_arguments():
    m = build(ramp)
    mon = ramp.diagnostics.Monitor(m, every=3)
    for _ in range(7):
        m(ramp.randn(4, 20)).sum().backward()
        mon.step()
    assert [s.step for s in mon.steps] == [0, 3, 6]
    with pytest.raises(ValueError, match="every"):
        ramp.diagnostics.Monitor(m, every=0)


class PlainSGD(ramp.optim.Optimizer):
    """A Python optimizer (no C++ update): the Monitor's snapshot fallback measures its steps."""
    _cpp = None

    def __init__(self, params, lr):
        super().__init__(params, dict(lr=lr))

    @ramp.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                p.sub_(p.grad * group["lr"])


class TwiceNet:
    """The same ReLU applied twice in a step (a shared module), for both libraries."""

    def __init__(self, lib):
        n = lib.nn
        self.lin, self.relu, self.out = n.Linear(8, 24), n.ReLU(), n.Linear(24, 24)
        self.model = n.Sequential(self.lin, self.relu, self.out)

    def __call__(self, x):
        h = self.relu(self.lin(x))
        return self.relu(self.out(h) - 0.2)


@pytest.mark.parametrize("python_optimizer", [False, True])
def test_twice_called_module_and_python_optimizer_against_torch(python_optimizer):
    tn, rn = TwiceNet(torch), TwiceNet(ramp)
    rn.model.load_state_dict({k: ramp.from_numpy(v.detach().numpy().copy()) for k, v in tn.model.state_dict().items()})
    outs, grads = [], []

    def hook(mod, inp, out):
        outs.append(out.detach().double().numpy())
        inp[0].register_hook(lambda g: grads.append(float(g.double().norm()) ** 2))

    tn.relu.register_forward_hook(hook)
    topt = torch.optim.SGD(tn.model.parameters(), lr=0.05)
    ropt = PlainSGD(rn.model.parameters(), lr=0.05) if python_optimizer else ramp.optim.SGD(rn.model.parameters(), lr=0.05)
    mon = ramp.diagnostics.Monitor(rn.model, optimizer=ropt, keep=2)
    rng = np.random.default_rng(1)
    want = []
    for _ in range(3):
        x = rng.standard_normal((10, 8)).astype(np.float32)
        outs.clear(), grads.clear()
        tloss = tn(torch.from_numpy(x)).square().mean()
        topt.zero_grad()
        tloss.backward()
        topt.step()
        y = np.concatenate([o.ravel() for o in outs])
        hist = np.clip(np.floor((y - LO) / (HI - LO) * BINS), 0, BINS - 1).astype(int)
        want.append(dict(zero=float((y <= 0).mean()), mean=float(y.mean()), std=float(y.std(ddof=1)),
                         hist=np.bincount(hist, minlength=BINS) / y.size, grad=math.sqrt(sum(grads))))
        rloss = rn(ramp.from_numpy(x)).square().mean()
        ropt.zero_grad()
        rloss.backward()
        rbefore = [p.detach().numpy().astype(np.float64) for p in rn.model.parameters()]
        ropt.step()
        mon.step(rloss)
        # The parameters' norms from ramp's own weights in double: torch's GEMMs round differently, so
        # its gradients differ by ulps and its weights drift, and a bias's update ratio moves by ~1e-5
        # when one weight differs by an ulp.
        want[-1]["params"] = [(np.linalg.norm(p.grad.numpy().astype(np.float64)),
                               np.linalg.norm(p.detach().numpy() - b) / np.linalg.norm(b))
                              for p, b in zip(rn.model.parameters(), rbefore)]
    assert [s.step for s in mon.steps] == [1, 2]  # keep=2: the last two logged steps
    for rec, w in zip(mon.steps, want[1:]):
        got = rec.layers[0]
        assert got.calls == 2
        assert got.zero_fraction == pytest.approx(w["zero"], abs=1e-12)
        assert got.mean == pytest.approx(w["mean"], rel=1e-5, abs=1e-7)
        assert got.std == pytest.approx(w["std"], rel=1e-5)
        np.testing.assert_allclose(got.histogram, w["hist"], atol=1e-12)
        assert got.grad_norm == pytest.approx(w["grad"], rel=1e-6)
        for p, (g, r) in zip(rec.params, w["params"]):  # float block sums: 2e-6, as above
            assert p.grad_norm == pytest.approx(g, rel=2e-6)
            assert p.update_ratio == pytest.approx(r, rel=2e-6)


def test_units_dim_last_against_torch():
    x = torch.randn(4, 5, 30) - 0.5
    x[:, :, :7] = -1.0  # features 0..6 never fire
    y = torch.relu(x)
    dead = int((~(y > 0).reshape(-1, 30).any(dim=0)).sum())
    for units_dim, units in ((-1, 30), (1, 5)):
        m = ramp.nn.Sequential(ramp.nn.ReLU())
        mon = ramp.diagnostics.Monitor(m, units_dim=units_dim)
        m(ramp.from_numpy(x.numpy().copy()).requires_grad_())
        mon.step()
        mon.end_epoch()
        assert mon.windows[0].units[0] == units
        want = dead if units_dim == -1 else int((~(y > 0).transpose(0, 1).reshape(5, -1).any(dim=1)).sum())
        assert mon.windows[0].dead[0] == want
    assert dead >= 7
    with pytest.raises(ValueError, match="units_dim"):
        ramp.diagnostics.Monitor(m, units_dim=2)
