"""Fits the polynomial and tables of float32 exp's short form on AVX2 (src/kernels/activation_kernels.cpp,
VecMath::exp_short): exp(x) = 2^k 2^(j/4) (1 + u), n = 4k + j = round(4x / ln2), r = x - n ln2/4,
u = r + c_j + r^2 q(r), q of degree 2, on |r| <= ln2/8, minimizing the largest relative error of exp
(Lawson's iteratively reweighted least squares on Chebyshev nodes, mpmath for the exact values),
then rounded to float. Prints the coefficients, the tables (2^(j/4) rounded to float, as bits less
j << 21: the kernel adds t's bits << 21, which carry k << 23 + j << 21; c_j, that rounding's
relative error with its sign flipped), the two parts of ln2/4, the model's error and the error of
the float32 evaluation (as the kernel: the products of u at the first part of r) on a fine grid.

    /usr/bin/python3 tools/fit_exp_poly.py
"""
import mpmath as mp
import numpy as np

mp.mp.dps = 40
TABLE = 4


def fit(degree=4, nodes=2000, iterations=200):
    # a little past ln2/8: |r| after rounding x 4/ln2 in float
    h = float(mp.log(2) / (2 * TABLE)) + 2e-5
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


def table():
    t = [np.float32(float(mp.power(2, mp.mpf(j) / TABLE))) for j in range(TABLE)]
    bits = [int(v.view(np.uint32)) - (j << 21) for j, v in enumerate(t)]
    # exp = 2^k T_j (1 + u + c_j) to first order, T_j (1 + c_j) = 2^(j/4)
    corr = [float(np.float32(float((mp.power(2, mp.mpf(j) / TABLE) - mp.mpf(float(v))) / mp.mpf(float(v)))))
            for j, v in enumerate(t)]
    return bits, corr


def float32_error(q, h, lo_shift=2.2e-7):
    """exp(r)'s relative error in units of 2^-24 (j = 0), r's products evaluated at r + lo_shift (the
    second part of the reduction, n ln2/4's low part at |x| = 80, added after them)."""
    r = np.linspace(-h, h, 200001).astype(np.float32)
    rh = (r.astype(np.float64) + lo_shift).astype(np.float32)
    f = lambda x: x.astype(np.float32)
    p = np.full_like(r, np.float32(q[-1]))
    for c in reversed(q[:-1]):
        p = f(p.astype(np.float64) * rh + c)  # one rounding per FMA
    u = f(f(rh.astype(np.float64) * rh) * p.astype(np.float64) + r)
    e = f(u.astype(np.float64) + 1)
    want = np.exp(r.astype(np.float64))
    return float(np.max(np.abs(e - want) / want) / 2.0 ** -24)


if __name__ == "__main__":
    q, model, h = fit()
    bits, corr = table()
    c = np.float32(float(mp.log(2) / TABLE))
    print("q (r^0 .. r^2):", ", ".join(repr(v) for v in q))
    print("table bits:", ", ".join(hex(b) for b in bits))
    print("c_j:", ", ".join(repr(v) for v in corr))
    print(f"ln2/4 = {float(c).hex()} + {float(np.float32(float(mp.log(2) / TABLE - mp.mpf(float(c))))).hex()}, "
          f"4/ln2 = {float(np.float32(float(TABLE / mp.log(2)))).hex()}")
    print(f"model relative error {model:.3g}; float32 evaluation within {float32_error(q, h):.2f} x 2^-24")
