"""Indexing speed, ramp vs torch in one process, interleaved (ratios within one run; no timed tests).

    PYTHONPATH=build/python /usr/bin/python3 bench/bench_indexing.py
"""
import sys
import timeit

import numpy as np
import torch

import ramp

torch.set_num_threads(ramp.get_num_threads())


def case(name, make):
    """make(L) -> a zero-argument callable doing the work with library L."""
    fr, ft = make(ramp), make(torch)
    best = {"ramp": [], "torch": []}
    n = max(1, int(0.01 / max(timeit.timeit(ft, number=3) / 3, 1e-9)))  # ~10 ms per timing
    for _ in range(5):  # interleaved rounds; the median of each side
        for lib, f in (("ramp", fr), ("torch", ft)):
            best[lib].append(min(timeit.repeat(f, number=n, repeat=3)) / n)
    r, t = np.median(best["ramp"]), np.median(best["torch"])
    print(f"{name:38s} ramp {r * 1e6:9.2f} us   torch {t * 1e6:9.2f} us   ramp/torch {r / t:5.2f}")


def data(L, shape, seed=0):
    return L.from_numpy(np.random.default_rng(seed).standard_normal(shape).astype(np.float32))


def basic(expr):
    def make(L):
        x = data(L, (64, 10))
        return lambda: expr(x)
    return make


def cross_entropy(L):
    x = data(L, (64, 10))
    t = L.from_numpy(np.random.default_rng(1).integers(0, 10, 64))
    return lambda: x[range(64), t]


def cross_entropy_grad(L):
    x = data(L, (64, 10)).requires_grad_()
    t = L.from_numpy(np.random.default_rng(1).integers(0, 10, 64))
    return lambda: (-x[range(64), t]).sum().backward()


def mask_assign(L):
    x = data(L, (4096, 256))
    m = x > 0
    def f():
        x[m] = 0.0
    return f


def masked_fill_(L):
    x = data(L, (4096, 256))
    m = x > 0
    return lambda: x.masked_fill_(m, 0.0)


def masked_fill(L):
    x = data(L, (4096, 256))
    m = x > 0
    return lambda: x.masked_fill(m, 0.0)


def mask_read(L):
    x = data(L, (4096, 256))
    m = x > 0
    return lambda: x[m]


def gather(L):
    x = data(L, (64, 10))
    i = L.from_numpy(np.random.default_rng(1).integers(0, 10, (64, 1)))
    return lambda: x.gather(1, i)


def topk(L):
    x = data(L, (64, 1000))
    return lambda: x.topk(5)


def sort(L):
    x = data(L, (64, 1000))
    return lambda: x.sort()


CASES = [
    ("x[0]", basic(lambda x: x[0])),
    ("x[:, 1]", basic(lambda x: x[:, 1])),
    ("x[1:3, None, ...]", basic(lambda x: x[1:3, None, ...])),
    ("x[range(64), t] [64, 10]", cross_entropy),
    ("(-x[range(64), t]).sum().backward()", cross_entropy_grad),
    ("x[mask] = 0 [4096, 256]", mask_assign),
    ("x.masked_fill_(mask, 0) [4096, 256]", masked_fill_),
    ("x.masked_fill(mask, 0) [4096, 256]", masked_fill),
    ("x[mask] [4096, 256]", mask_read),
    ("x.gather(1, i) [64, 10]", gather),
    ("x.topk(5) [64, 1000]", topk),
    ("x.sort() [64, 1000]", sort),
]

if __name__ == "__main__":
    only = sys.argv[1:]
    for name, make in CASES:
        if not only or any(o in name for o in only):
            case(name, make)
