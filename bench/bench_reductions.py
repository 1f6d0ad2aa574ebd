"""Reductions on the shapes a training step uses: ramp against torch 1.13, same inputs, interleaved,
medians of per-call times, at 1 and 2 threads. Ratio = torch time / ramp time (> 1: ramp faster).

    PYTHONPATH=build/python /usr/bin/python3 bench/bench_reductions.py [--reps 15] [--cases var,BN]
"""
import argparse
import statistics
import time

import numpy as np
import torch

import ramp
from bench_timing import per_call

CASES = [
    # what a training step reduces: Linear's bias gradient, the loss, BatchNorm2d's batch statistics,
    # clip_grad_norm_ over a weight, the accuracy's argmax
    ("sum(0) [64,256] (bias grad)", (64, 256), lambda L, x: x.sum(0)),
    ("mean() [64] (loss)", (64,), lambda L, x: x.mean()),
    ("mean((0,2,3)) [32,16,28,28] (BN)", (32, 16, 28, 28), lambda L, x: x.mean((0, 2, 3))),
    ("var((0,2,3)) [32,16,28,28] (BN)", (32, 16, 28, 28), lambda L, x: x.var((0, 2, 3), unbiased=False)),
    ("norm() [256,784] (clip)", (256, 784), lambda L, x: x.norm()),
    # larger shapes
    ("sum(0) [4096,256]", (4096, 256), lambda L, x: x.sum(0)),
    ("sum(1) [4096,256]", (4096, 256), lambda L, x: x.sum(1)),
    ("mean() [4096,256]", (4096, 256), lambda L, x: x.mean()),
    ("mean(0) [4096,256]", (4096, 256), lambda L, x: x.mean(0)),
    ("sum() [1M]", (1 << 20,), lambda L, x: x.sum()),
    ("max(1) [64,10]", (64, 10), lambda L, x: x.max(1)),
    ("argmax(1) [64,10]", (64, 10), lambda L, x: x.argmax(1)),
    ("max(1) [4096,10]", (4096, 10), lambda L, x: x.max(1)),
    ("argmax(1) [4096,10]", (4096, 10), lambda L, x: x.argmax(1)),
    ("sum() [64,10]", (64, 10), lambda L, x: x.sum()),
    ("mean() [64,10] (loss)", (64, 10), lambda L, x: x.mean()),
    ("mean() [4096,10] (loss)", (4096, 10), lambda L, x: x.mean()),
    ("amax(1) [4096,256]", (4096, 256), lambda L, x: x.amax(1)),
    ("amin(1) [4096,256]", (4096, 256), lambda L, x: x.amin(1)),
    ("amax(0) [4096,256]", (4096, 256), lambda L, x: x.amax(0)),
    ("logsumexp(1) [4096,10]", (4096, 10), lambda L, x: L.logsumexp(x, 1)),
    ("logsumexp(1) [512,1000]", (512, 1000), lambda L, x: L.logsumexp(x, 1)),
]




def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=15)
    ap.add_argument("--cases", default="", help="comma-separated substrings: only the cases naming one")
    args = ap.parse_args()
    keys = [k for k in args.cases.split(",") if k]
    cases = [c for c in CASES if not keys or any(k in c[0] for k in keys)]
    print(f"torch {torch.__version__}")
    print(f"{'case':34} {'threads':>7} {'ramp us':>9} {'torch us':>9} {'ratio':>6}")
    for threads in (1, 2):
        ramp.set_num_threads(threads)
        torch.set_num_threads(threads)
        for name, shape, fn in cases:
            a = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
            xr, xt = ramp.from_numpy(a), torch.from_numpy(a)
            fn(ramp, xr), fn(torch, xt)  # warm up
            r, t = [], []
            for _ in range(args.reps):  # interleaved: the machine's speed drifts
                r.append(per_call(fn, xr, ramp))
                t.append(per_call(fn, xt, torch))
            mr, mt = statistics.median(r) * 1e6, statistics.median(t) * 1e6
            print(f"{name:34} {threads:>7} {mr:9.2f} {mt:9.2f} {mt / mr:6.2f}")


if __name__ == "__main__":
    main()
