"""The pointwise math ops of ramp/elementwise.h against torch 1.13: same inputs, interleaved, medians
of per-call times, at 1 and 2 threads, on 1M float32 and float64 elements and on a [64,10] float32
tensor (where the per-call overhead dominates). Ratio = torch time / ramp time (> 1: ramp faster).

    PYTHONPATH=build/python /usr/bin/python3 bench/bench_elementwise.py [--reps 9] [--ops sin,exp]
"""
import argparse
import statistics

import numpy as np
import torch

import ramp
from bench_timing import per_call

UNARY = ["sin", "cos", "tan", "exp", "expm1", "log", "log1p", "log2", "log10", "sqrt", "rsqrt", "reciprocal",
         "floor", "ceil", "round", "trunc", "frac", "abs", "neg", "sign", "erf", "erfc", "erfinv"]
BINARY = ["fmod", "remainder", "clamp_min", "clamp_max", "atan2", "hypot", "fmax", "fmin"]
POSITIVE = {"log", "log1p", "log2", "log10", "sqrt", "rsqrt"}  # inputs in (0.1, 10.1): no NaN paths
SIZES = [("1M", (1 << 20,), np.float32), ("1M f64", (1 << 20,), np.float64), ("[64,10]", (64, 10), np.float32)]


def inputs(op, shape, dtype):
    rng = np.random.default_rng(0)
    if op in POSITIVE:
        return [rng.uniform(0.1, 10.1, shape).astype(dtype)]
    if op == "erfinv":  # its domain
        return [rng.uniform(-0.99, 0.99, shape).astype(dtype)]
    a = (rng.standard_normal(shape) * 4).astype(dtype)
    if op in BINARY:  # a divisor away from zero
        return [a, (rng.uniform(0.5, 3.0, shape) * rng.choice([-1, 1], shape)).astype(dtype)]
    return [a]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=9)
    ap.add_argument("--ops", default=",".join(UNARY + BINARY))
    args = ap.parse_args()
    ops = args.ops.split(",")
    print(f"torch {torch.__version__}")
    print(f"{'op':12} {'size':8} {'threads':>7} {'ramp us':>9} {'torch us':>9} {'ratio':>6}")
    for threads in (1, 2):
        ramp.set_num_threads(threads)
        torch.set_num_threads(threads)
        for size, shape, dtype in SIZES:
            for op in ops:
                arrays = inputs(op, shape, dtype)
                xr = [ramp.from_numpy(a) for a in arrays]
                xt = [torch.from_numpy(a) for a in arrays]
                fr, ft = (lambda: getattr(ramp, op)(*xr)), (lambda: getattr(torch, op)(*xt))
                fr(), ft()  # warm up
                r, t = [], []
                for _ in range(args.reps):  # interleaved: the machine's speed drifts
                    r.append(per_call(fr))
                    t.append(per_call(ft))
                mr, mt = statistics.median(r) * 1e6, statistics.median(t) * 1e6
                print(f"{op:12} {size:8} {threads:>7} {mr:9.2f} {mt:9.2f} {mt / mr:6.2f}", flush=True)


if __name__ == "__main__":
    main()
