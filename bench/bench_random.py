"""Random sampling, arange/linspace and sort/topk on the sizes a training script uses: ramp against
torch 1.13, interleaved, medians of per-call times, at 1 and 2 threads. Ratio = torch time / ramp time
(> 1: ramp faster). The random streams differ (ramp's are its own); the work per call is the same.

    PYTHONPATH=build/python /usr/bin/python3 bench/bench_random.py [--reps 11]
"""
import argparse
import statistics
import time

import numpy as np
import torch

import ramp
from bench_timing import per_call

M = 1 << 20
CASES = [
    ("randn(1M)", None, lambda L, x: L.randn(M)),
    ("normal_(1M)", (M,), lambda L, x: x.normal_(1.0, 2.0)),
    ("normal(0,1,1M)", None, lambda L, x: L.normal(0.0, 1.0, (M,))),
    ("randn(1M) float64", None, lambda L, x: L.randn(M, dtype=L.float64)),
    ("rand(1M)", None, lambda L, x: L.rand(M)),
    ("uniform_(1M)", (M,), lambda L, x: x.uniform_(-1.0, 1.0)),
    ("randint(0,10,1M)", None, lambda L, x: L.randint(0, 10, (M,))),
    ("bernoulli_(0.5) 1M", (M,), lambda L, x: x.bernoulli_(0.5)),
    ("randn(64,1000)", None, lambda L, x: L.randn(64, 1000)),
    ("arange(1M) float", None, lambda L, x: L.arange(0.0, float(M))),
    ("arange(1M) int64", None, lambda L, x: L.arange(M)),
    ("linspace(1M)", None, lambda L, x: L.linspace(-1.0, 1.0, M)),
    ("topk(5,1) [64,1000]", (64, 1000), lambda L, x: x.topk(5, 1)),
    ("topk(5,1) [4096,10]", (4096, 10), lambda L, x: x.topk(5, 1)),
    ("sort [1M]", (M,), lambda L, x: x.sort()),
    ("argsort(1) [64,1000]", (64, 1000), lambda L, x: x.argsort(1)),
    ("argsort(1) [4096,10]", (4096, 10), lambda L, x: x.argsort(1)),
]




def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=11)
    ap.add_argument("-k", default="", help="only the cases whose name contains this")
    args = ap.parse_args()
    print(f"torch {torch.__version__}")
    print(f"{'case':24} {'threads':>7} {'ramp us':>9} {'torch us':>9} {'ratio':>6}")
    for threads in (1, 2):
        ramp.set_num_threads(threads)
        torch.set_num_threads(threads)
        for name, shape, fn in CASES:
            if args.k not in name:
                continue
            a = np.random.default_rng(0).standard_normal(shape or (1,)).astype(np.float32)
            xr, xt = ramp.from_numpy(a.copy()), torch.from_numpy(a.copy())
            fn(ramp, xr), fn(torch, xt)  # warm up
            r, t = [], []
            for _ in range(args.reps):  # interleaved: the machine's speed drifts
                r.append(per_call(fn, xr, ramp))
                t.append(per_call(fn, xt, torch))
            mr, mt = statistics.median(r) * 1e6, statistics.median(t) * 1e6
            print(f"{name:24} {threads:>7} {mr:9.1f} {mt:9.1f} {mt / mr:6.2f}", flush=True)


if __name__ == "__main__":
    main()
