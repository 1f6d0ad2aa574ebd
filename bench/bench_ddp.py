"""A DistributedDataParallel training step of the examples' MLP (Linear(784,256)-ReLU-Linear(256,10),
cross-entropy, SGD) at batch 64 per rank on 2 ranks over loopback, ramp beside torch 1.13 (both on
Gloo), the same processes running both, interleaved. Each round times a block of steps of every
variant (a barrier before each block): the DDP step, the same step under no_sync() (no
communication: what the sync costs beyond it is the un-overlapped part), and the plain model with no
DDP (the single-process ratio the DDP ratio is held against), and a lone all_reduce of the
gradients' 203,530 floats (what the sync adds: the MLP is one bucket). Medians over rounds, on rank 0; the
ratios (torch / ramp, > 1: ramp faster; DDP / no_sync) are medians of the per-round ratios, each
taken between blocks a few milliseconds apart (the machine's load swings between rounds).

    PYTHONPATH=build/python /usr/bin/python3 bench/bench_ddp.py [--ranks 2] [--rounds 15] [--steps 20]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta


def rank_main(rank, ws, folder, rounds, steps):
    import numpy as np
    import torch
    import torch.distributed as tdist

    import ramp
    import ramp.distributed as dist
    from ramp.nn.parallel import DistributedDataParallel as RDDP
    torch.set_num_threads(1)
    ramp.set_num_threads(1)
    timeout = timedelta(seconds=120)
    dist.init_process_group("gloo", init_method="file://" + os.path.join(folder, "ramp"), rank=rank,
                            world_size=ws, timeout=timeout)
    tdist.init_process_group("gloo", init_method="file://" + os.path.join(folder, "torch"), rank=rank,
                             world_size=ws, timeout=timeout)
    rng = np.random.default_rng(rank)
    x_np = rng.standard_normal((64, 784)).astype(np.float32)
    y_np = rng.integers(0, 10, 64)

    def variant(lib, wrap):
        lib.manual_seed(0)
        nn = lib.nn
        model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
        if wrap is not None:
            model = wrap(model)
        opt = lib.optim.SGD(model.parameters(), lr=0.01)
        x, y = lib.from_numpy(x_np.copy()), lib.from_numpy(y_np.copy())
        F = nn.functional

        def step():
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        return model, step

    built = {}
    for name, lib, wrap in (("ramp", ramp, RDDP), ("torch", torch, torch.nn.parallel.DistributedDataParallel)):
        model, step = variant(lib, wrap)
        built[name + " DDP"] = step

        def no_sync_step(model=model, step=step):
            with model.no_sync():
                step()
        built[name + " DDP no_sync"] = no_sync_step
        built[name + " plain"] = variant(lib, None)[1]
    # what the sync adds: one all_reduce of every gradient (this MLP's single bucket), in lockstep
    n = 784 * 256 + 256 + 256 * 10 + 10
    ra, ta = ramp.ones(n), torch.ones(n)
    built["ramp all_reduce"] = lambda: dist.all_reduce(ra)
    built["torch all_reduce"] = lambda: tdist.all_reduce(ta)
    # the two libraries' blocks of one variant side by side, and DDP beside no_sync
    kinds = ("DDP", "DDP no_sync", "plain", "all_reduce")
    variants = {k: built[k] for v in kinds for k in ("ramp " + v, "torch " + v)}
    times = {k: [] for k in variants}
    for r in range(rounds + 2):  # 2 warm-up rounds
        for name, step in variants.items():
            tdist.barrier()
            t0 = time.perf_counter()
            for _ in range(steps):
                step()
            if r >= 2:
                times[name].append((time.perf_counter() - t0) / steps)
    if rank == 0:
        med = {k: statistics.median(v) * 1e3 for k, v in times.items()}
        def ratio(a, b):
            return statistics.median(x / y for x, y in zip(times[a], times[b]))
        print("| variant | ramp ms | torch ms | torch / ramp (median of per-round ratios) |")
        print("| --- | --- | --- | --- |")
        for v in kinds:
            print("| %s | %.3f | %.3f | %.2f |" % (v, med["ramp " + v], med["torch " + v],
                                                  ratio("torch " + v, "ramp " + v)))
        for lib in ("ramp", "torch"):
            print("%s: DDP / no_sync = %.2f (median of per-round ratios)" % (lib, ratio(lib + " DDP", lib + " DDP no_sync")))
        sys.stdout.flush()
    tdist.destroy_process_group()
    dist.destroy_process_group()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ranks", type=int, default=2)
    p.add_argument("--rounds", type=int, default=15)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--rank", type=int, default=-1)
    p.add_argument("--folder", default="")
    a = p.parse_args()
    if a.rank >= 0:
        return rank_main(a.rank, a.ranks, a.folder, a.rounds, a.steps)
    print("MLP 784-256-10 step, batch 64 per rank, %d ranks on 127.0.0.1, 1 thread each; median of %d rounds of "
          "%d steps" % (a.ranks, a.rounds, a.steps))
    with tempfile.TemporaryDirectory() as folder:
        env = dict(os.environ, OMP_NUM_THREADS="1")
        procs = [subprocess.Popen([sys.executable, __file__, "--ranks", str(a.ranks), "--rounds", str(a.rounds),
                                   "--steps", str(a.steps), "--rank", str(r), "--folder", folder], env=env)
                 for r in range(a.ranks)]
        for q in procs:
            q.wait(timeout=900)


if __name__ == "__main__":
    main()
