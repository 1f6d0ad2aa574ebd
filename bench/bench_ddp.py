"""A DistributedDataParallel training step of the examples' MLP (Linear(784,256)-ReLU-Linear(256,10),
cross-entropy, SGD) at batch 64 per rank on 2 ranks over loopback, ramp beside torch 1.13 (both on
Gloo), the same processes running both, interleaved. Each round times a block of steps of every
variant (a barrier before each block): the DDP step, the same step under no_sync() (no
communication: what the sync costs beyond it is the un-overlapped part), and the plain model with no
DDP (the single-process ratio the DDP ratio is held against), the plain step followed by an
all_reduce of 203,530 floats (the gradients' count: the MLP is one bucket; the sync without the
Reducer), and that all_reduce alone, 20 back to back. Medians over rounds, on rank 0; the ratios
(torch / ramp, > 1: ramp faster; DDP / no_sync) are medians of the per-round ratios, each taken
between blocks a few milliseconds apart (the machine's load swings between rounds).

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
    # What the sync adds: one all_reduce of as many floats as the gradients (this MLP's single
    # bucket), after each plain step as DDP runs it (the Reducer's own work is the difference from
    # the DDP row), and back to back (20 in a row: not what DDP does; see docs/benchmarks.md).
    n = 784 * 256 + 256 + 256 * 10 + 10
    ra, ta = ramp.zeros(n), torch.zeros(n)
    for lib, coll, buf in (("ramp", dist, ra), ("torch", tdist, ta)):
        def plain_ar(plain=built[lib + " plain"], coll=coll, buf=buf):
            plain()
            coll.all_reduce(buf)
        built[lib + " plain + all_reduce"] = plain_ar
        built[lib + " all_reduce back to back"] = lambda coll=coll, buf=buf: coll.all_reduce(buf)
    # the two libraries' blocks of one variant side by side, and DDP beside no_sync
    kinds = ("DDP", "DDP no_sync", "plain", "plain + all_reduce", "all_reduce back to back")
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
        def diff(a, b):
            return statistics.median(x - y for x, y in zip(times[a], times[b])) * 1e3
        for lib in ("ramp", "torch"):
            print("%s: DDP / no_sync = %.2f, DDP / plain = %.2f (medians of per-round ratios); sync = DDP - no_sync "
                  "= %.3f ms, plain + all_reduce - plain = %.3f ms (medians of per-round differences)"
                  % (lib, ratio(lib + " DDP", lib + " DDP no_sync"), ratio(lib + " DDP", lib + " plain"),
                     diff(lib + " DDP", lib + " DDP no_sync"), diff(lib + " plain + all_reduce", lib + " plain")))
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
