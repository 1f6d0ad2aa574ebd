#!/usr/bin/python3
"""Fits the rational function of float32 gelu's fast core (src/kernels/gelu_math.h, GeluMath::core):
H(a) = sqrt(2 pi) Phi(-a) exp(a^2 / 2) (the Mills ratio; sqrt(2 pi) = s is folded into the
kernel's exp) on 0 <= a <= 13 as
    H = R / (a R + P),   R = r0 + r1 a + ... + r5 a^5 (r0 = R0 fixed),  P = p0 + ... + p4 a^4
(P / R approximates 1 / H - a, the reciprocal Mills ratio less its asymptote, which falls like
1 / a). Why this shape: H falls like 1 / a, which a rational function follows with few terms
(a polynomial needs ~10 in 1 / (1 + k a) for the same error), and in this form the rounding errors
of R and P hardly reach H: R's appears in both numerator and denominator (cancelling but for the
share P / (a R + P), 0.34 at a = 1, 0.09 at a = 3) and P's is damped by that share too, and a R + P
is one FMA with no rounded product. (The plain N / D of degrees 4 and 5 fits as well but its two
Horner chains add up to 4.7 x 2^-24.) Every coefficient comes out positive, so Horner's rule in float on a >= 0 adds no cancellation.
Minimizes the largest relative error of H (Loeb's linearization, Lawson's reweighting, on Chebyshev
nodes; mpmath for the exact H), then rounds the coefficients to float one at a time, refitting the
rest after each (so the rounding is absorbed). Prints the coefficients, the model's error (as
float) and the error of the float32 evaluation (Horner with FMA, then a R + P by FMA and one
division) on a fine grid. R0 is a float whose product with 1 / H(0) = sqrt(2 / pi) is within
1e-7 float ulp of a float, so p0 = R0 / H(0) rounds to almost nothing (with r0 = 1 the last
rounded coefficient left 2.8e-8 at a = 0).

    /usr/bin/python3 tools/fit_gelu_rational.py
"""
import mpmath as mp
import numpy as np

mp.mp.dps = 30
A = 13.0  # the core's range: a = |x| <= 13 (exp(-a^2 / 2) stays normal, results too)
M, N = 4, 5  # degrees of P and R
R0 = 1.8039411306381226


def H(a):
    return mp.erfc(a / mp.sqrt(2)) * mp.exp(a * a / 2) / 2 * mp.sqrt(2 * mp.pi)


def nodes(n=1200):
    h = (A + 0.05) / 2
    a = np.cos(np.pi * (np.arange(n) + 0.5) / n) * h + h
    g = [H(mp.mpf(v)) for v in a]
    gk = [1 - mp.mpf(v) * x for v, x in zip(a, g)]  # H (1 / H - a), at 30 digits: it cancels
    return a, np.array([float(v) for v in g]), np.array([float(v) for v in gk])


def evaluate(c, a):
    p = sum(c[j] * a ** j for j in range(M + 1))
    r = R0 + sum(c[M + j] * a ** j for j in range(1, N + 1))
    return p, r


def fit(a, g, gk, fixed, iterations=25, inner=40):
    """Coefficients [p0 .. pM, r1 .. rN] minimizing max |H_model / H - 1|, `fixed` {index: value}."""
    # H (a R + P) = R  <=>  R (1 - a H) - H P = 0, linear in the coefficients; with r0 = R0 on the
    # right. Scaled by 1 / (H D_previous) it approximates the relative error of H_model.
    cols = [-g * a ** j for j in range(M + 1)] + [gk * a ** j for j in range(1, N + 1)]
    free = [k for k in range(M + 1 + N) if k not in fixed]
    c = np.zeros(M + 1 + N)
    for k, v in fixed.items():
        c[k] = v
    den = np.ones_like(a)
    w = np.ones_like(a)
    for _ in range(iterations):
        s = 1 / (g * den)
        rhs = -R0 * gk * s - sum(cols[k] * s * c[k] for k in fixed)
        mat = np.stack([cols[k] * s for k in free], 1)
        for _ in range(inner):
            sw = np.sqrt(w)
            x, *_ = np.linalg.lstsq(mat * sw[:, None], rhs * sw, rcond=None)
            err = np.abs(mat @ x - rhs)
            w = w * err
            w /= w.sum()
        c[free] = x
        p, r = evaluate(c, a)
        den = a * r + p
    return c


def rel_error(c, a, g):
    p, r = evaluate(c, a)
    return np.abs(r / (a * r + p) / g - 1).max()


def coefficients():
    a, g, gk = nodes()
    fixed = {}
    c = fit(a, g, gk, fixed)
    # Round the highest terms first (their rounding moves H most at large a), refit the rest.
    order = sorted(range(M + 1 + N), key=lambda k: -(k if k <= M else k - M))
    for k in order:
        fixed[k] = float(np.float32(c[k]))
        if len(fixed) < M + 1 + N:
            c = fit(a, g, gk, fixed)
        else:
            c = np.array([fixed[j] for j in range(M + 1 + N)])
    return c, rel_error(c, a, g)


def float32_h(c, a):
    """H evaluated in float32 as the kernel does (FMA: the product is exact in double)."""
    f = lambda v: np.asarray(v, np.float64).astype(np.float32).astype(np.float64)
    p = np.full_like(a, c[M])
    for j in range(M - 1, -1, -1):
        p = f(p * a + c[j])
    r = np.full_like(a, c[M + N])
    for j in range(N - 1, 0, -1):
        r = f(r * a + c[M + j])
    r = f(r * a + R0)
    return f(r / f(a * r + p))


def float32_error(c):
    """Largest error of H evaluated in float32, in units of 2^-24 relative (grid of 10,001 a)."""
    a = np.linspace(0, A, 10001).astype(np.float32).astype(np.float64)
    want = np.array([float(H(mp.mpf(v))) for v in a])
    return float(np.max(np.abs(float32_h(c, a) / want - 1)) / 2.0 ** -24)


if __name__ == "__main__":
    c, model = coefficients()
    print("P (a^0 .. a^%d):" % M, ", ".join(repr(float(v)) for v in c[: M + 1]))
    print("R (a^1 .. a^%d):" % N, ", ".join(repr(float(v)) for v in c[M + 1:]))
    print(f"r0 = {R0!r}; model relative error {model:.3g}; float32 evaluation within {float32_error(c):.2f} x 2^-24")
