"""sigmoid and silu, forward and backward kernels, against torch 1.13's default kernels: 1M float32,
1 thread, the same input (uniform in [-10, 10], as bench_activations.cpp), interleaved rounds (each
round times every case once, ramp and torch in alternating order), medians of per-call times;
ratio = torch / ramp (> 1: ramp faster), the median of the per-round ratios. Backward is the
gradient kernel alone: autograd.grad of a retained graph (sigmoid's from its saved output, silu's
from its input), so no forward and no accumulation into .grad is timed. Target (issue 12): forward
>= 3x.

    PYTHONPATH=build/python /usr/bin/python3 bench/bench_sigmoid.py [--rounds 15]
"""
import argparse

import numpy as np
import torch

import ramp
from bench_timing import print_interleaved


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=15)
    args = ap.parse_args()
    torch.set_num_threads(1)
    ramp.set_num_threads(1)
    x = np.random.default_rng(3).uniform(-10, 10, 1 << 20).astype(np.float32)
    tx, rx = torch.from_numpy(x.copy()), ramp.tensor(x.copy())
    cases = []
    for name in ("sigmoid", "silu"):
        rf, tf = getattr(ramp, name, None) or getattr(ramp.nn.functional, name), getattr(torch, name, None) or getattr(torch.nn.functional, name)
        cases.append((f"{name} forward", lambda f=rf: f(rx), lambda f=tf: f(tx)))
        rxl, txl = ramp.tensor(x.copy(), requires_grad=True), torch.tensor(x.copy(), requires_grad=True)
        ry, ty = rf(rxl), tf(txl)
        rg, tg = ramp.ones_like(ry), torch.ones_like(ty)
        cases.append((f"{name} backward",
                      lambda y=ry, a=rxl, g=rg: ramp.autograd.grad(y, a, g, retain_graph=True),
                      lambda y=ty, a=txl, g=tg: torch.autograd.grad(y, a, g, retain_graph=True)))
    print(f"torch {torch.__version__}, 1 thread, 1M float32, {args.rounds} rounds")
    print_interleaved(cases, args.rounds)


if __name__ == "__main__":
    main()
