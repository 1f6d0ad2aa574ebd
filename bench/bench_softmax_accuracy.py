"""softmax / log_softmax accuracy, ramp vs PyTorch 1.13, against mpmath (50 digits).

    PYTHONPATH=build/python /usr/bin/python3 bench/bench_softmax_accuracy.py

Issue 12's case (50 rows of 16, randn x 3) and a few more row shapes, along the last dim and dim 0.
Worst error in ulps of the output dtype at the exact value, at each row's maximum and elsewhere.
"""
import mpmath
import numpy as np
import torch

import ramp

mpmath.mp.dps = 50


def exact(rows):
    ls, sm = [], []
    for row in rows:
        xs = [mpmath.mpf(v) for v in row]
        m = max(xs)
        lse = m + mpmath.log(mpmath.fsum(mpmath.exp(v - m) for v in xs))
        ls.append([float(v - lse) for v in xs])
        sm.append([float(mpmath.exp(v - lse)) for v in xs])
    return np.array(ls), np.array(sm)


def ulps(got, want, dtype):
    np_type = np.float64 if dtype == "float64" else np.float32
    spacing = np.spacing(np.abs(want).astype(np_type)).astype(np.float64) * (2.0 ** 16 if dtype == "bfloat16" else 1)
    err = np.abs(got - want) / spacing
    err[got == torch.from_numpy(want).to(getattr(torch, dtype)).double().numpy()] = 0.0
    return err


def main():
    gen = np.random.default_rng(0)
    print("| dtype | rows | dim | op | ramp at max | torch at max | ramp elsewhere | torch elsewhere |")
    print("|---|---|---:|---|---:|---:|---:|---:|")
    for dtype in ("float32", "float64", "bfloat16"):
        for shape in ((50, 16), (40, 3), (17, 100), (3, 1000)):
            x = torch.from_numpy(gen.standard_normal(shape) * 3).to(getattr(torch, dtype))
            for dim in (1, 0):
                rows = (x if dim == 1 else x.t()).double().numpy()
                ls, sm = exact(rows.tolist())
                at_max = rows == rows.max(1, keepdims=True)
                if dim == 0:
                    ls, sm, at_max = ls.T, sm.T, at_max.T
                x_r = ramp.tensor(x.double().tolist(), dtype=getattr(ramp, dtype))
                for name, want in (("log_softmax", ls), ("softmax", sm)):
                    r = np.array(getattr(ramp.nn.functional, name)(x_r, dim=dim).double().tolist())
                    t = getattr(torch, name)(x, dim).double().numpy()
                    er, et = ulps(r, want, dtype), ulps(t, want, dtype)
                    print(f"| {dtype} | {shape[0]}×{shape[1]} | {dim} | {name} | {er[at_max].max():.2f} | "
                          f"{et[at_max].max():.2f} | {er[~at_max].max():.2f} | {et[~at_max].max():.2f} |")


if __name__ == "__main__":
    main()
