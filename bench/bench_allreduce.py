"""all_reduce (SUM) of float32 tensors on N ranks over loopback: ramp.distributed against
torch.distributed 1.13 (both on Gloo), the same ranks running both, interleaved; medians of
per-call times on rank 0. Ratio = torch time / ramp time (> 1: ramp faster).

    PYTHONPATH=build/python /usr/bin/python3 bench/bench_allreduce.py [--ranks 2] [--reps 30]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta

SIZES = [1 << 10, 1 << 16, 1 << 20]


def rank_main(rank, ws, folder, reps):
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
    for n in SIZES:
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


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ranks", type=int, default=2)
    p.add_argument("--reps", type=int, default=30)
    p.add_argument("--rank", type=int, default=-1)
    p.add_argument("--folder", default="")
    a = p.parse_args()
    if a.rank >= 0:
        return rank_main(a.rank, a.ranks, a.folder, a.reps)
    print("all_reduce SUM float32, %d ranks on 127.0.0.1, 1 thread each, median of %d" % (a.ranks, a.reps))
    with tempfile.TemporaryDirectory() as folder:
        env = dict(os.environ, OMP_NUM_THREADS="1")
        procs = [subprocess.Popen([sys.executable, __file__, "--ranks", str(a.ranks), "--reps", str(a.reps),
                                   "--rank", str(r), "--folder", folder], env=env) for r in range(a.ranks)]
        for q in procs:
            q.wait(timeout=600)


if __name__ == "__main__":
    main()
