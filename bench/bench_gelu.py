"""gelu (both forms), forward and backward kernels, against torch 1.13's default kernels: 1M float32,
1 thread, the same input (uniform in [-10, 10], as bench_activations.cpp), interleaved rounds (each
round times every case once, starting at a different case), medians of per-call times; ratio =
torch / ramp (> 1: ramp faster), the median of the per-round ratios. Target (issue 12): >= 1.3x.

    PYTHONPATH=build/python /usr/bin/python3 bench/bench_gelu.py [--rounds 15]
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
    tg, rg = torch.ones_like(tx), ramp.ones_like(rx)
    cases = []
    for form in ("none", "tanh"):
        cases.append((f"gelu ({form}) forward", lambda f=form: ramp.nn.functional.gelu(rx, approximate=f),
                      lambda f=form: torch.nn.functional.gelu(tx, approximate=f)))
        # backward: the kernel through autograd on a leaf (ramp and torch alike): forward + backward
        rxl, txl = ramp.tensor(x.copy(), requires_grad=True), torch.tensor(x.copy(), requires_grad=True)
        cases.append((f"gelu ({form}) forward+backward",
                      lambda f=form, a=rxl: ramp.nn.functional.gelu(a, approximate=f).backward(rg),
                      lambda f=form, a=txl: torch.nn.functional.gelu(a, approximate=f).backward(tg)))
    print(f"torch {torch.__version__}, 1 thread, "
          f"1M float32, {args.rounds} rounds")
    print_interleaved(cases, args.rounds)


if __name__ == "__main__":
    main()
