"""F.adaptive_max_pool2d (with indices, as a training step computes them) against torch 1.13 on the
same [64, 256, 14, 14] float32 input: medians of interleaved rounds, ratio = ramp time / torch time.

    PYTHONPATH=build/python /usr/bin/python3 bench/bench_adaptive_pool.py [--rounds 7] [--threads 2]
"""
import argparse
import statistics
import time

import torch

import ramp
import ramp.nn.functional as F


def per_call(fn, n):
    fn()
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    ramp.set_num_threads(args.threads)
    xt = torch.randn(64, 256, 14, 14, generator=torch.Generator().manual_seed(0))
    xr = ramp.from_numpy(xt.numpy())
    for size in [(1, 1), (7, 7), (5, 3)]:
        ft = lambda: torch.nn.functional.adaptive_max_pool2d(xt, size, True)  # noqa: E731
        fr = lambda: F.adaptive_max_pool2d(xr, size, True)  # noqa: E731
        t, r = [], []
        for _ in range(args.rounds):  # interleaved: the machine's speed drifts
            t.append(per_call(ft, 20))
            r.append(per_call(fr, 20))
        mt, mr = statistics.median(t), statistics.median(r)
        print(f"{str(size):8} torch {mt * 1e3:8.3f} ms  ramp {mr * 1e3:8.3f} ms  ramp/torch {mr / mt:5.2f}", flush=True)


if __name__ == "__main__":
    main()
