"""One rank of the DistributedDataParallel tests in test_ddp.py (not a test module itself).

    python ddp_worker.py LIB SCENARIO RANK WORLD_SIZE FOLDER      LIB: ramp or torch

The same code runs on ramp and on torch 1.13 (the oracle): weights and batches come from NumPy
with fixed seeds, so both libraries and every rank see the same numbers. Prints one JSON line:
what the scenario recorded (parameters, gradients, buffers, error texts), or {"exception": ...}.
"""
import importlib
import json
import os
import sys
import time
import traceback
from datetime import timedelta

import numpy as np

LIB, SCENARIO, RANK, WS, FOLDER = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
lib = importlib.import_module(LIB)
dist = importlib.import_module(LIB + ".distributed")
nn = lib.nn
DDP = importlib.import_module(LIB + ".nn.parallel").DistributedDataParallel
F = nn.functional
BATCH = 6  # rows per rank
STEPS = 10


def T(a):
    return lib.from_numpy(np.ascontiguousarray(a, dtype=np.float32))


def values(t):
    return None if t is None else np.asarray(t.detach().numpy(), dtype=np.float64).ravel().tolist()


def init_weights(module, seed):
    """Every parameter from a NumPy stream (the same in both libraries)."""
    rng = np.random.default_rng(seed)
    with lib.no_grad():
        for p in module.parameters():
            p.copy_(T(rng.standard_normal(tuple(p.shape)) * 0.4))


def batch(step, width_in=8, width_out=4):
    """Step `step`'s batch of every rank; rank r's rows are r*BATCH ..."""
    rng = np.random.default_rng(1000 + step)
    return T(rng.standard_normal((WS * BATCH, width_in))), T(rng.standard_normal((WS * BATCH, width_out)))


def mine(t):
    return t[RANK * BATCH:(RANK + 1) * BATCH]


def mlp():
    return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))


def params(module):
    return [values(p) for p in module.parameters()]


def grads(module):
    return [values(p.grad) for p in module.parameters()]


def train(out):
    net = mlp()
    init_weights(net, 0 if RANK == 0 else 50 + RANK)  # other ranks start elsewhere: DDP gives them rank 0's
    model = DDP(net)
    out["init"] = params(net)
    opt = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for step in range(STEPS):
        x, y = batch(step)
        loss = F.mse_loss(model(mine(x)), mine(y))
        opt.zero_grad()
        loss.backward()
        opt.step()
    out["final"] = params(net)


def no_sync(out):
    net = mlp()
    init_weights(net, 0)
    model = DDP(net)
    (xa, ya), (xb, yb) = batch(0), batch(1)
    with model.no_sync():
        F.mse_loss(model(mine(xa)), mine(ya)).backward()
    out["local"] = grads(net)
    F.mse_loss(model(mine(xb)), mine(yb)).backward()
    out["synced"] = grads(net)


class TwoHeads(nn.Module):
    """Parameters 0, 1 (body), 2, 3 (extra: used on rank 0 only, when asked), 4, 5 (head),
    6, 7 (never: used by no rank)."""

    def __init__(self, extra_on_rank0):
        super().__init__()
        self.body = nn.Linear(8, 8)
        self.extra = nn.Linear(8, 4)
        self.head = nn.Linear(8, 4)
        self.never = nn.Linear(8, 4)
        self.extra_on_rank0 = extra_on_rank0

    def forward(self, x):
        h = F.relu(self.body(x))
        y = self.head(h)
        if self.extra_on_rank0 and dist.get_rank() == 0:
            y = y + 0.5 * self.extra(h)
        return y


def unused(out):
    net = TwoHeads(False)
    init_weights(net, 0)
    model = DDP(net)
    x, y = batch(0)
    F.mse_loss(model(mine(x)), mine(y)).backward()
    try:
        model(mine(x))
    except RuntimeError as e:
        out["error"] = str(e)


def find_unused(out):
    net = TwoHeads(True)
    init_weights(net, 0)
    model = DDP(net, find_unused_parameters=True)
    opt = lib.optim.SGD(model.parameters(), lr=0.1)
    out["grads"] = []
    for step in range(3):
        x, y = batch(step)
        opt.zero_grad()
        F.mse_loss(model(mine(x)), mine(y)).backward()
        out["grads"].append(grads(net))
        opt.step()
    out["final"] = params(net)


def buffers(out, broadcast):
    net = nn.Sequential(nn.Linear(8, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 4))
    init_weights(net, 0)
    model = DDP(net, broadcast_buffers=broadcast)
    opt = lib.optim.SGD(model.parameters(), lr=0.1)
    for step in range(3):
        x, y = batch(step)
        opt.zero_grad()
        F.mse_loss(model(mine(x) * (1 + RANK)), mine(y)).backward()  # rank-dependent statistics
        opt.step()
    out["trained"] = [values(b.float()) for b in net.buffers()]
    model.eval()
    with lib.no_grad():
        model(mine(batch(9)[0]))  # broadcasts (when asked) before it runs; eval leaves the stats
    out["after_eval_forward"] = [values(b.float()) for b in net.buffers()]
    out["params"] = params(net)


class Scaled(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)

    def forward(self, x, scale=1.0, *, shift=None):
        y = self.fc(x) * scale
        return {"y": y if shift is None else y + shift, "n": 7}


def api(out):
    inner = Scaled()
    init_weights(inner, 0)
    model = DDP(inner)
    out["repr"] = repr(model)
    out["keys"] = list(model.state_dict().keys())
    out["module_is_inner"] = model.module is inner
    r = model(T(np.ones((2, 3))), 2.0, shift=T(np.full((2, 2), 0.5)))
    out["kwargs"] = [values(r["y"]), r["n"]]
    out["errors"] = []
    for make in (lambda: DDP(nn.Linear(3, 1), device_ids=[0]), lambda: DDP(nn.ReLU()),
                 lambda: DDP(nn.Linear(3, 1), device_ids=[0, 1])):
        try:
            make()
            out["errors"].append(None)
        except Exception as e:  # noqa: BLE001 - the type is what is compared
            out["errors"].append([type(e).__name__, str(e)])


def overlap(out):
    """Buckets as 1.13 builds them (one at first; rebuilt after the first iteration in the order the
    gradients arrived) and, on ramp, the first bucket reduced while backward still runs."""
    net = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 600), nn.ReLU(), nn.Linear(600, 600))
    init_weights(net, 0)
    model = DDP(net)

    def buckets():
        if LIB == "ramp":
            return [list(b) for b in model.reducer._bucket_indices()]
        rebuilt = model._get_ddp_logging_data().get("rebuilt_per_bucket_param_indices")
        return [[0, 1, 2, 3, 4, 5]] if rebuilt is None else [[int(i) for i in b.split()] for b in rebuilt.split(",")]
    out["buckets"] = []
    fc3 = net[4]
    for step in range(3):
        x, y = batch(step, 8, 600)
        seen = {}
        if step == 2 and LIB == "ramp":
            # fc3's local gradient, from a plain replica with the same weights
            plain = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 600), nn.ReLU(), nn.Linear(600, 600))
            plain.load_state_dict(net.state_dict())
            F.mse_loss(plain(mine(x)), mine(y)).backward()
            local = plain[4].weight.grad.clone()

            def hook(grad):
                # runs once fc3 is done, before fc2 and fc1: wait (up to 3 s) for the averaged fc3
                # gradient to land while backward is held here
                start = time.monotonic()
                while time.monotonic() - start < 3.0 and fc3.weight.grad is not None and \
                        bool((fc3.weight.grad == local).all()):
                    time.sleep(0.001)
                seen["grad"] = fc3.weight.grad.clone()
                return grad
            def on_output(module, inputs, output):
                output.register_hook(hook)
            handle = net[2].register_forward_hook(on_output)
        model.zero_grad()
        F.mse_loss(model(mine(x)), mine(y)).backward()
        if seen:
            handle.remove()
            out["overlapped"] = bool((seen["grad"] == fc3.weight.grad).all()) and \
                not bool((fc3.weight.grad == local).all())
        out["buckets"].append(buckets())


def early_exit(out, kill):
    net = mlp()
    init_weights(net, 0)
    model = DDP(net)
    for step in range(3):
        if RANK == 1 and step == 2:
            if kill:
                os._exit(3)
            dist.destroy_process_group()
            out["left"] = True
            return
        x, y = batch(step)
        loss = F.mse_loss(model(mine(x)), mine(y))
        start = time.monotonic()
        try:
            loss.backward()
        except RuntimeError as e:
            out["step"], out["error"], out["seconds"] = step, str(e), time.monotonic() - start
            return


SCENARIOS = {"train": train, "no_sync": no_sync, "unused": unused, "find_unused": find_unused,
             "buffers": lambda out: buffers(out, True), "no_buffers": lambda out: buffers(out, False),
             "api": api, "overlap": overlap, "killed": lambda out: early_exit(out, True), "uneven": lambda out: early_exit(out, False)}

if __name__ == "__main__":
    out = {}
    try:
        dist.init_process_group("gloo", init_method="file://" + os.path.join(FOLDER, LIB + "_store"), rank=RANK,
                                world_size=WS, timeout=timedelta(seconds=20))
        SCENARIOS[SCENARIO](out)
        if dist.is_initialized():
            dist.destroy_process_group()
    except Exception:  # noqa: BLE001 - reported to the test
        out["exception"] = traceback.format_exc()[-3000:]
    print(json.dumps(out), flush=True)
