"""all_reduce (SUM) of float32 tensors on N ranks over loopback: ramp.distributed against
torch.distributed 1.13 (both on Gloo), the same ranks running both, interleaved; medians of
per-call times on rank 0. Ratio = torch time / ramp time (> 1: ramp faster). The default sizes:
1M floats and the gradients of the Fashion-MNIST example's MLP (203,530) and CNN (50,186).

    PYTHONPATH=build/python /usr/bin/python3 bench/bench_allreduce.py [--world-size 2] [--reps 30] [--sizes N ...]

With --steps: one process instead, the training step (forward, loss, backward, SGD) of the
example's MLP and CNN at batch 64, 1 thread, ramp and torch interleaved, then the ring-allreduce
projection of docs/distributed.md for 8-64 nodes at 10 and 100 Gbit/s from ramp's step times.

    PYTHONPATH=build/python /usr/bin/python3 bench/bench_allreduce.py --steps [--reps 30]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta

SIZES = [1 << 20, 203530, 50186]  # 1M floats, the example's MLP and CNN gradients


def rank_main(rank, ws, folder, reps, sizes):
    import torch
    import torch.distributed as tdist

    import ramp
    import ramp.distributed as dist
    torch.set_num_threads(1)
    ramp.set_num_threads(1)
    timeout = timedelta(seconds=60)
    dist.init_process_group("gloo", init_method="file://" + os.path.join(folder, "ramp"), rank=rank,
                            world_size=ws, timeout=timeout)
    tdist.init_process_group("gloo", init_method="file://" + os.path.join(folder, "torch"), rank=rank,
                             world_size=ws, timeout=timeout)
    for n in sizes:
        a, b = torch.ones(n), ramp.ones(n)
        times = {"torch": [], "ramp": []}
        for i in range(reps + 3):  # 3 warm-up rounds
            for lib, fn in (("torch", lambda: tdist.all_reduce(a)), ("ramp", lambda: dist.all_reduce(b))):
                tdist.barrier()
                t0 = time.perf_counter()
                fn()
                if i >= 3:
                    times[lib].append(time.perf_counter() - t0)
        if rank == 0:
            t, r = statistics.median(times["torch"]), statistics.median(times["ramp"])
            print("%9d floats  torch %8.3f ms  ramp %8.3f ms  ratio %.2f" % (n, t * 1e3, r * 1e3, t / r), flush=True)
    tdist.destroy_process_group()
    dist.destroy_process_group()


# ---- --steps: the examples' training steps, and the projection ----

MLP_PARAMS, CNN_PARAMS = 203530, 50186
ALPHA_S = 30e-6  # per-message latency of TCP over Ethernet between machines (assumed: docs/distributed.md)


def models(lib):
    nn = lib.nn  # examples/train_fashion_mnist.{cpp,py}: make_model
    mlp = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    cnn = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Flatten(), nn.Linear(64 * 7 * 7, 10))
    return {"MLP": mlp, "CNN": cnn}


def step_times(reps):
    """Median seconds per training step at batch 64 on 1x28x28 images, ramp and torch interleaved."""
    import numpy as np
    import torch

    import ramp
    torch.set_num_threads(1)
    ramp.set_num_threads(1)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, 64)
    out = {}
    for name in ("MLP", "CNN"):
        steps = {}
        for lib in (torch, ramp):
            model = models(lib)[name]
            assert sum(p.numel() for p in model.parameters()) == {"MLP": MLP_PARAMS, "CNN": CNN_PARAMS}[name]
            opt = lib.optim.SGD(model.parameters(), lr=0.01)
            xb, yb = lib.from_numpy(x.copy()), lib.from_numpy(y.copy())

            def step(model=model, opt=opt, xb=xb, yb=yb, lib=lib):
                opt.zero_grad()
                lib.nn.functional.cross_entropy(model(xb), yb).backward()
                opt.step()
            steps[lib.__name__] = step
        times = {"torch": [], "ramp": []}
        for i in range(reps + 3):
            for lib_name in ("torch", "ramp"):
                t0 = time.perf_counter()
                for _ in range(5):
                    steps[lib_name]()
                if i >= 3:
                    times[lib_name].append((time.perf_counter() - t0) / 5)
        out[name] = {k: statistics.median(v) for k, v in times.items()}
    return out


def ring_allreduce_s(n, nbytes, gbit):
    """2(N-1) steps of alpha, and 2(N-1)/N of the bytes through each link."""
    return 2 * (n - 1) * ALPHA_S + 2 * (n - 1) / n * nbytes / (gbit * 1e9 / 8)


def steps_main(reps):
    t = step_times(reps)
    print("training step, batch 64, 1 thread, median of %d (5 steps each)" % reps)
    for name in ("MLP", "CNN"):
        print("%s  torch %7.3f ms  ramp %7.3f ms  ratio %.2f" % (name, t[name]["torch"] * 1e3, t[name]["ramp"] * 1e3,
                                                            t[name]["torch"] / t[name]["ramp"]))
    print()
    print("| model | Gbit/s | nodes | allreduce ms | step ms | efficiency |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, params in (("MLP", MLP_PARAMS), ("CNN", CNN_PARAMS)):
        compute = t[name]["ramp"]
        for gbit in (10, 100):
            for n in (8, 16, 32, 64):
                comm = ring_allreduce_s(n, 4 * params, gbit)
                print("| %s | %d | %d | %.2f | %.2f | %.0f%% |" % (name, gbit, n, comm * 1e3, (compute + comm) * 1e3,
                                                                  100 * compute / (compute + comm)))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--world-size", "--ranks", dest="ranks", type=int, default=2)
    p.add_argument("--sizes", type=int, nargs="+", default=SIZES, help="float32 elements per all_reduce")
    p.add_argument("--reps", type=int, default=30)
    p.add_argument("--steps", action="store_true", help="the step times and the projection instead")
    p.add_argument("--rank", type=int, default=-1)
    p.add_argument("--folder", default="")
    a = p.parse_args()
    if a.steps:
        return steps_main(a.reps)
    if a.rank >= 0:
        return rank_main(a.rank, a.ranks, a.folder, a.reps, a.sizes)
    print("all_reduce SUM float32, %d ranks on 127.0.0.1, 1 thread each, median of %d" % (a.ranks, a.reps))
    with tempfile.TemporaryDirectory() as folder:
        env = dict(os.environ, OMP_NUM_THREADS="1")
        procs = [subprocess.Popen([sys.executable, __file__, "--world-size", str(a.ranks), "--reps", str(a.reps),
                                   "--rank", str(r), "--folder", folder, "--sizes"] + [str(n) for n in a.sizes],
                                  env=env) for r in range(a.ranks)]
        for q in procs:
            q.wait(timeout=600)


if __name__ == "__main__":
    main()
