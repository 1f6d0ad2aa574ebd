"""Fits the polynomial of float32 exp's short form on AVX2 (src/kernels/activation_kernels.cpp,
VecMath::exp_short): exp(r) = 1 + r + r^2 q(r), q of degree 4, on |r| <= ln2/2, minimizing the
largest relative error of exp (Lawson's iteratively reweighted least squares on Chebyshev nodes,
mpmath for the exact values), then rounded to float. Prints the coefficients, the model's error
and the error of the float32 evaluation (Horner + FMA, as the kernel) on a fine grid.

    /usr/bin/python3 tools/fit_exp_poly.py
"""
import mpmath as mp
import numpy as np

mp.mp.dps = 40


def fit(degree=6, nodes=2000, iterations=200):
    h = float(mp.log(2) / 2) + 1e-3  # a little past ln2/2: |r| after the two-part reduction
    r = np.cos(np.pi * (np.arange(nodes) + 0.5) / nodes) * h
    ex = np.array([float(mp.exp(mp.mpf(v))) for v in r])
    a = np.stack([r ** k for k in range(2, degree + 1)], 1) / ex[:, None]
    b = (ex - 1 - r) / ex
    w = np.ones(nodes)
    for _ in range(iterations):
        sw = np.sqrt(w)
        c, *_ = np.linalg.lstsq(a * sw[:, None], b * sw, rcond=None)
        err = np.abs(a @ c - b)
        w = w * err
        w /= w.sum()
    return [float(np.float32(v)) for v in c], float(err.max()), h


def float32_error(q, h):
    r = np.linspace(-h, h, 200001).astype(np.float32)
    f = lambda x: x.astype(np.float32)
    p = np.full_like(r, np.float32(q[-1]))
    for c in reversed(q[:-1]):
        p = f(p.astype(np.float64) * r + c)  # one rounding per FMA
    u = f((r.astype(np.float64) * r) * p + r)  # r^2 rounded, then FMA: close enough for the bound
    e = f(u.astype(np.float64) + 1)
    want = np.exp(r.astype(np.float64))
    return float(np.max(np.abs(e - want) / want) / 2.0 ** -24)


if __name__ == "__main__":
    q, model, h = fit()
    print("q (r^0 .. r^4):", ", ".join(repr(v) for v in q))
    print(f"model relative error {model:.3g}; float32 evaluation within {float32_error(q, h):.2f} x 2^-24")
