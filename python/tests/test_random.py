"""Random numbers: torch 1.13's API (signatures, defaults, dtypes, errors, grad_fn names) checked
against torch on the same calls; the distributions checked statistically (moments, Kolmogorov-Smirnov
and chi-square tests at fixed seeds, each shown to reject a distribution 10% off); reproducibility
of seeds, generators and states. ramp's streams are its own, so values are never compared with torch's.
"""
import math

import numpy as np
import pytest

import ramp
import ramp.nn.functional as F
from conftest import outcome

torch = pytest.importorskip("torch")

N = 40000
_erf = np.vectorize(math.erf)


def phi(x):
    return 0.5 * (1 + _erf(np.asarray(x, np.float64) / math.sqrt(2)))


def ks(sample, cdf):
    """Kolmogorov-Smirnov statistic of `sample` against the continuous `cdf`."""
    x = np.sort(np.asarray(sample, np.float64).ravel())
    n = x.size
    c = cdf(x)
    return max(np.max(np.arange(1, n + 1) / n - c), np.max(c - np.arange(n) / n))


def ks_limit(n):
    return 1.95 / math.sqrt(n)  # alpha = 1e-3


def check_ks(sample, cdf, wrong_cdf):
    """The sample fits `cdf` and is told apart from `wrong_cdf` (a distribution 10% off)."""
    n = np.asarray(sample).size
    assert ks(sample, cdf) < ks_limit(n)
    assert ks(sample, wrong_cdf) > ks_limit(n)


def chi2_limit(df):
    z = 3.09  # alpha = 1e-3, Wilson-Hilferty
    return df * (1 - 2 / (9 * df) + z * math.sqrt(2 / (9 * df))) ** 3


def chi2(counts, probs):
    counts, probs = np.asarray(counts, np.float64), np.asarray(probs, np.float64)
    expected = probs * counts.sum()
    return float(((counts - expected) ** 2 / expected).sum())


def check_chi2(values, support, probs, wrong_probs):
    counts = [(np.asarray(values) == v).sum() for v in support]
    assert sum(counts) == np.asarray(values).size, "a value outside the support"
    assert chi2(counts, probs) < chi2_limit(len(support) - 1)
    assert chi2(counts, wrong_probs) > chi2_limit(len(support) - 1)


def np_(x):
    return x.float().numpy().astype(np.float64) if x.dtype == ramp.bfloat16 else x.numpy().astype(np.float64)


def same_error(t_fn, r_fn):
    """ramp raises what torch raises (type and text), or both succeed."""
    (_, te), (_, re_) = outcome(t_fn), outcome(r_fn)
    assert te is not None and re_ is not None, (te, re_)
    assert te[0] == re_[0], (te, re_)
    if te[0] != "TypeError":  # argument-parsing texts are pybind11's, not torch's
        assert re_[1].split("\n")[0] == te[1].split("\n")[0], (te, re_)


# ---- distributions ----

@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_normal_distribution(dtype):
    ramp.manual_seed(1)
    x = np_(ramp.randn(N, dtype=getattr(ramp, dtype)))
    assert abs(x.mean()) < 4.5 / math.sqrt(N) and abs(x.std() - 1) < 0.02
    check_ks(x, phi, lambda v: phi(v / 1.1))
    y = np_(ramp.empty(N).normal_(2.0, 3.0))
    check_ks(y, lambda v: phi((v - 2) / 3), lambda v: phi((v - 2) / 3.3))
    z = np_(ramp.normal(-1.0, 0.5, (N,)))
    check_ks(z, lambda v: phi((v + 1) / 0.5), lambda v: phi((v + 1.05) / 0.5))


@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16"])
def test_uniform_distribution(dtype):
    ramp.manual_seed(2)
    x = np_(ramp.rand(N, dtype=getattr(ramp, dtype)))
    assert x.min() >= 0 and x.max() < 1
    if dtype == "bfloat16":  # 8 random bits, as 1.13: the 256 values k / 256 equally often
        check_chi2(x * 256, range(256), [1 / 256] * 256, np.r_[[0.9 / 128] * 128, [1.1 / 128] * 128])
        return
    check_ks(x, lambda v: np.clip(v, 0, 1), lambda v: np.clip(v / 1.1, 0, 1))
    y = np_(ramp.empty(N, dtype=getattr(ramp, dtype)).uniform_(-2, 3))
    assert y.min() >= -2 and y.max() < 3
    check_ks(y, lambda v: np.clip((v + 2) / 5, 0, 1), lambda v: np.clip((v + 2) / 5.5, 0, 1))


def test_float32_uniform_has_24_bits():
    ramp.manual_seed(3)
    x = ramp.rand(N).numpy().astype(np.float64) * 2**24
    assert np.all(x == np.round(x))  # multiples of 2^-24, as 1.13
    assert len(np.unique(x)) > N * 0.99


def test_exponential_cauchy_log_normal():
    ramp.manual_seed(4)
    e = np_(ramp.empty(N, dtype=ramp.float64).exponential_(2.0))
    assert e.min() >= 0
    check_ks(e, lambda v: 1 - np.exp(-2 * v), lambda v: 1 - np.exp(-2.2 * v))
    c = np_(ramp.empty(N, dtype=ramp.float64).cauchy_(1.0, 2.0))
    check_ks(c, lambda v: 0.5 + np.arctan((v - 1) / 2) / math.pi, lambda v: 0.5 + np.arctan((v - 1) / 2.2) / math.pi)
    ln = np_(ramp.empty(N, dtype=ramp.float64).log_normal_(0.5, 0.25))
    check_ks(ln, lambda v: phi((np.log(v) - 0.5) / 0.25), lambda v: phi((np.log(v) - 0.5) / 0.275))
    d = np_(ramp.empty(N).log_normal_())  # defaults mean=1, std=2 (torch's)
    check_ks(d, lambda v: phi((np.log(v) - 1) / 2), lambda v: phi((np.log(v) - 1) / 2.2))


def test_geometric():
    ramp.manual_seed(5)
    for dtype in (ramp.float32, ramp.int64):
        g = np_(ramp.empty(N, dtype=dtype).geometric_(0.3))
        support = range(1, 16)
        probs = np.array([0.3 * 0.7 ** (k - 1) for k in support])
        g = np.minimum(g, 15)
        probs[-1] = 0.7 ** 14
        wrong = np.array([0.33 * 0.67 ** (k - 1) for k in support])
        wrong[-1] = 0.67 ** 14
        check_chi2(g, support, probs, wrong)


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "float32", "float64"])
def test_randint(dtype):
    ramp.manual_seed(6)
    x = ramp.randint(-3, 7, (N,), dtype=getattr(ramp, dtype)) if dtype != "uint8" else ramp.randint(0, 10, (N,), dtype=ramp.uint8)
    assert x.dtype == getattr(ramp, dtype)
    v = np_(x) - (0 if dtype == "uint8" else -3)
    check_chi2(v, range(10), [0.1] * 10, [0.09] * 5 + [0.11] * 5)
    big = np_(ramp.randint(2**40, (N,)))  # 64-bit draws for ranges above 2^32
    check_ks(big / 2**40, lambda u: np.clip(u, 0, 1), lambda u: np.clip(u / 1.1, 0, 1))


def test_random_():
    ramp.manual_seed(7)
    for dtype, hi in [(ramp.uint8, 255), (ramp.int8, 127), (ramp.float32, 2**24), (ramp.bfloat16, 256)]:
        v = np_(ramp.empty(N, dtype=dtype).random_())
        assert v.min() >= 0 and v.max() <= hi and np.all(v == np.round(v))
        check_ks((v + 0.5) / (hi + 1), lambda u: np.clip(u, 0, 1), lambda u: np.clip(u / 1.1, 0, 1))
    b = np_(ramp.empty(N, dtype=ramp.bool).random_())
    check_chi2(b, [0, 1], [0.5, 0.5], [0.45, 0.55])
    t = np_(ramp.empty(N, dtype=ramp.int32).random_(5))
    check_chi2(t, range(5), [0.2] * 5, [0.18, 0.18, 0.2, 0.22, 0.22])
    ft = np_(ramp.empty(N).random_(-2, 3))
    check_chi2(ft, range(-2, 3), [0.2] * 5, [0.18, 0.18, 0.2, 0.22, 0.22])
    i64 = np_(ramp.empty(N, dtype=ramp.int64).random_())
    assert i64.min() >= 0 and i64.max() > 2**62


def test_bernoulli():
    ramp.manual_seed(8)
    p = ramp.full((N,), 0.3)
    b = ramp.bernoulli(p)
    assert b.dtype == ramp.float32
    check_chi2(np_(b), [0, 1], [0.7, 0.3], [0.73, 0.27])
    b2 = np_(ramp.bernoulli(ramp.zeros(N, dtype=ramp.float64), 0.6))
    check_chi2(b2, [0, 1], [0.4, 0.6], [0.44, 0.56])
    probs = ramp.tensor([0.0, 1.0, 0.5]).repeat(N // 3)
    out = np_(ramp.zeros(N // 3 * 3, dtype=ramp.int64).bernoulli_(probs)).reshape(-1, 3)
    assert np.all(out[:, 0] == 0) and np.all(out[:, 1] == 1)
    check_chi2(out[:, 2], [0, 1], [0.5, 0.5], [0.45, 0.55])
    dflt = np_(ramp.empty(N).bernoulli_())  # p=0.5
    check_chi2(dflt, [0, 1], [0.5, 0.5], [0.45, 0.55])


# ---- the bulk paths (src/kernels/random_kernels.cpp) ----

class Mt64:
    """mt19937-64 in plain Python (Matsumoto & Nishimura's reference), the oracle for ramp's engine."""

    def __init__(self, seed):
        m = (1 << 64) - 1
        self.x = [seed & m]
        for i in range(1, 312):
            self.x.append((6364136223846793005 * (self.x[-1] ^ (self.x[-1] >> 62)) + i) & m)
        self.p = 312

    def __call__(self):
        if self.p == 312:
            x = self.x
            for k in range(312):
                y = (x[k] & ~((1 << 31) - 1) & ((1 << 64) - 1)) | (x[(k + 1) % 312] & ((1 << 31) - 1))
                x[k] = x[(k + 156) % 312] ^ (y >> 1) ^ (0xB5026F5AA96619E9 if y & 1 else 0)
            self.p = 0
        z = self.x[self.p]
        self.p += 1
        z ^= (z >> 29) & 0x5555555555555555
        z ^= (z << 17) & 0x71D67FFFEDA60000
        z ^= (z << 37) & 0xFFF7EEE000000000
        z &= (1 << 64) - 1
        return z ^ (z >> 43)


def test_streams_are_the_documented_maps_of_mt19937_64():
    """Python draws ramp's C++ numbers: the words of mt19937-64 (computed here) through the documented
    maps: float32 uniforms from each word's halves (24 bits), randint from the halves modulo the range,
    float32 normals by Box-Muller on a word's halves (scalar double here: a few float ulps apart)."""
    n = 37  # odd: the last pair's second value unused
    g = ramp.Generator().manual_seed(2024)
    u = ramp.rand(n, generator=g).numpy()
    ri = ramp.randint(-5, 95, (n,), generator=g).numpy()
    z = ramp.randn(n, generator=g).numpy().astype(np.float64)
    e = Mt64(2024)
    halves = []
    for _ in range((n + 1) // 2):
        w = e()
        halves += [w & 0xFFFFFFFF, w >> 32]
    assert np.array_equal(u, np.float32([(h & 0xFFFFFF) * 2.0**-24 for h in halves[:n]]))
    halves = []
    for _ in range((n + 1) // 2):
        w = e()
        halves += [w & 0xFFFFFFFF, w >> 32]
    assert np.array_equal(ri, [h % 100 - 5 for h in halves[:n]])
    want = []
    for _ in range((n + 1) // 2):
        w = e()
        r = math.sqrt(-2 * math.log(((w >> 40) + 1) * 2.0**-24))
        t = 2 * math.pi * (w & 0xFFFFFF) * 2.0**-24
        want += [r * math.cos(t), r * math.sin(t)]
    want = np.array(want[:n])
    assert np.all(np.abs(z - want) <= 1e-6 * (1 + np.abs(want)))
    assert g.get_state()[8:].numpy().view(np.uint64)[-1] == e.p  # the engine's position: no word skipped


@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16"])
def test_normal_small_calls_odd_sizes_and_pairs(dtype):
    """Normals from calls of every size 1..40 (the kernels' vector tails) pooled, a strided fill,
    and Box-Muller's pairing: x^2 + y^2 of a pair is Exp(1/2)."""
    ramp.manual_seed(12)
    dt = getattr(ramp, dtype)
    pooled = np.concatenate([np_(ramp.randn(k, dtype=dt)) for _ in range(30) for k in range(1, 41)])
    assert abs(pooled.mean()) < 4.5 / math.sqrt(pooled.size) and abs(pooled.std() - 1) < 0.03
    check_ks(pooled, phi, lambda v: phi(v / 1.1))
    view = ramp.zeros(N, 2, dtype=dt)[:, 1]
    view.normal_(1.0, 2.0)
    check_ks(np_(view), lambda v: phi((v - 1) / 2), lambda v: phi((v - 1) / 2.2))
    x = np_(ramp.randn(N, dtype=dt))
    rr = x[0::2] ** 2 + x[1::2] ** 2
    check_ks(rr, lambda v: 1 - np.exp(-v / 2), lambda v: 1 - np.exp(-v / 2.2))
    assert abs(np.corrcoef(x[0::2], x[1::2])[0, 1]) < 0.03


def test_uniform_randint_bernoulli_small_calls():
    ramp.manual_seed(13)
    u = np.concatenate([np_(ramp.rand(k)) for _ in range(30) for k in range(1, 41)])
    check_ks(u, lambda v: np.clip(v, 0, 1), lambda v: np.clip(v / 1.1, 0, 1))
    ri = np.concatenate([np_(ramp.randint(0, 10, (k,))) for _ in range(30) for k in range(1, 41)])
    check_chi2(ri, range(10), [0.1] * 10, [0.09] * 5 + [0.11] * 5)
    b = np.concatenate([np_(ramp.empty(k).bernoulli_(0.2)) for _ in range(30) for k in range(1, 41)])
    check_chi2(b, [0, 1], [0.8, 0.2], [0.78, 0.22])
    assert np.all(np_(ramp.empty(1000).bernoulli_(0.0)) == 0) and np.all(np_(ramp.empty(1000).bernoulli_(1.0)) == 1)


def test_normal_tensor_overloads():
    ramp.manual_seed(9)
    mean = ramp.tensor([-5.0, 0.0, 5.0]).repeat(N // 3)
    std = ramp.tensor([1.0, 2.0, 0.5]).repeat(N // 3)
    mu, sd = [-5.0, 0.0, 5.0], [1.0, 2.0, 0.5]
    for r, m, s in [(ramp.normal(mean, std), mu, sd), (ramp.normal(mean, 2.0), mu, [2.0] * 3),
                    (ramp.normal(1.0, std), [1.0] * 3, sd), (ramp.normal(mean), mu, [1.0] * 3)]:
        x = np_(r).reshape(-1, 3)
        for j in range(3):
            check_ks(x[:, j], lambda v: phi((v - m[j]) / s[j]), lambda v: phi((v - m[j]) / (1.1 * s[j])))
    assert tuple(ramp.normal(ramp.zeros(2, 3), ramp.ones(3)).shape) == (2, 3)  # broadcasting


def test_multinomial_distribution():
    ramp.manual_seed(10)
    w = ramp.tensor([1.0, 2.0, 3.0, 4.0, 0.0])
    probs = [0.1, 0.2, 0.3, 0.4, 0.0]
    s = ramp.multinomial(w, N, replacement=True)
    assert s.dtype == ramp.int64 and tuple(s.shape) == (N,)
    v = np_(s)
    assert not np.any(v == 4)
    check_chi2(v, range(4), probs[:4], [0.12, 0.2, 0.3, 0.38])
    # without replacement: each row a set of distinct categories; the first draw ~ w
    rows = ramp.multinomial(w.unsqueeze(0).expand(N // 4, 5).contiguous(), 3)
    r = np_(rows)
    assert tuple(rows.shape) == (N // 4, 3)
    assert all(len(set(row)) == 3 for row in r[:2000])
    check_chi2(r[:, 0], range(4), probs[:4], [0.12, 0.2, 0.3, 0.38])
    # the second draw: P(j second) = sum_i p_i p_j / (1 - p_i)
    second = [sum(probs[i] * probs[j] / (1 - probs[i]) for i in range(4) if i != j) for j in range(4)]
    check_chi2(r[:, 1], range(4), second, [0.1] + second[1:3] + [second[3] - 0.1 + second[0]])
    one = np_(ramp.multinomial(w, 1))
    assert one.shape == (1,) and one[0] < 4
    allcat = np_(ramp.multinomial(ramp.tensor([0.5, 0.0, 0.5]), 3))  # zero weight drawn last
    assert allcat[2] == 1 and set(allcat) == {0, 1, 2}


# ---- reproducibility ----

def draws(gen=None):
    kw = {} if gen is None else {"generator": gen}
    return [ramp.rand(5, **kw), ramp.randn(5, **kw), ramp.randint(0, 100, (5,), **kw), ramp.randperm(6, **kw),
            ramp.normal(0.0, 1.0, (3,), **kw), ramp.empty(4).uniform_(**kw), ramp.empty(4).normal_(**kw),
            ramp.empty(4).exponential_(**kw), ramp.empty(4).bernoulli_(0.5, **kw),
            ramp.empty(4, dtype=ramp.int64).random_(**kw), ramp.multinomial(ramp.ones(5), 3, **kw),
            ramp.bernoulli(ramp.full((4,), 0.5), **kw), ramp.rand_like(ramp.zeros(3), **kw),
            ramp.empty(3).log_normal_(**kw), ramp.empty(3).cauchy_(**kw), ramp.empty(3).geometric_(0.5, **kw)]


def same(a, b):
    return len(a) == len(b) and all(np.array_equal(np_(x), np_(y)) for x, y in zip(a, b))


def test_manual_seed_reproduces_and_returns_default_generator():
    assert ramp.manual_seed(123) is ramp.default_generator
    a = draws()
    ramp.manual_seed(123)
    b = draws()
    assert same(a, b)
    ramp.manual_seed(124)
    assert not same(a, draws())
    assert ramp.initial_seed() == 124
    ramp.manual_seed(-1)
    assert ramp.initial_seed() == 2**64 - 1


def test_generators_are_independent():
    g1, g2 = ramp.Generator().manual_seed(5), ramp.Generator()
    assert g2.initial_seed() == 67280421310721 == torch.Generator().initial_seed()
    g2.manual_seed(5)
    ramp.manual_seed(0)
    ref = ramp.rand(3)
    ramp.manual_seed(0)
    a = draws(g1)
    assert np.array_equal(np_(ramp.rand(3)), np_(ref))  # g1's draws left the default stream alone
    assert same(a, draws(g2))  # same seed, same numbers
    assert not same(draws(g1), a)  # the stream moved on


def test_get_set_state():
    g = ramp.Generator().manual_seed(77)
    draws(g)
    state = g.get_state()
    assert state.dtype == ramp.uint8 and state.dim() == 1
    a = draws(g)
    assert g.set_state(state) is g
    assert same(a, draws(g))
    assert g.initial_seed() == 77
    ramp.manual_seed(3)
    s = ramp.get_rng_state()
    b = draws()
    ramp.set_rng_state(s)
    assert same(b, draws())
    with ramp.random.fork_rng():
        draws()
    c = draws()
    ramp.set_rng_state(s)
    draws()
    assert same(c, draws())
    h = ramp.Generator()
    h.set_state(g.get_state())
    assert same(draws(h), draws(g))


def test_seed_is_fresh():
    s1 = ramp.seed()
    assert ramp.initial_seed() == s1 and isinstance(s1, int)
    g = ramp.Generator()
    s2 = g.seed()
    assert g.initial_seed() == s2 and s1 != s2


def test_state_errors():
    g, tg = ramp.Generator(), torch.Generator()
    same_error(lambda: tg.set_state(torch.zeros(5)), lambda: g.set_state(ramp.zeros(5)))
    same_error(lambda: torch.set_rng_state(torch.zeros(5)), lambda: ramp.set_rng_state(ramp.zeros(5)))
    same_error(lambda: tg.set_state(5), lambda: g.set_state(5))
    _, err = outcome(lambda: g.set_state(ramp.zeros(5, dtype=ramp.uint8)))
    assert err[0] == "RuntimeError" and "state size" in err[1]
    same_error(lambda: tg.manual_seed(1.5), lambda: g.manual_seed(1.5))
    same_error(lambda: tg.manual_seed(2**64), lambda: g.manual_seed(2**64))
    same_error(lambda: torch.randn(3, generator=5), lambda: ramp.randn(3, generator=5))


def test_default_generator_drives_dropout_rrelu_init_and_shuffling():
    def run():
        x = ramp.ones(200)
        w = ramp.empty(4, 5)
        ramp.nn.init.kaiming_uniform_(w)
        loader = ramp.utils.data.DataLoader(ramp.utils.data.TensorDataset(ramp.arange(10)), batch_size=10, shuffle=True)
        return [F.dropout(x, 0.5), F.rrelu(-x, training=True), w, next(iter(loader))[0], ramp.nn.Dropout()(x)]
    ramp.manual_seed(11)
    a = run()
    ramp.manual_seed(11)
    assert same(a, run())
    ramp.manual_seed(12)
    assert all(not np.array_equal(np_(x), np_(y)) for x, y in zip(a, run()))


# ---- API against torch: dtypes, shapes, defaults, errors, grad_fn ----

FACTORIES = [
    ("rand", (2, 3), {}), ("rand", ((2, 3),), {"dtype": "float64"}), ("randn", (4,), {}),
    ("randint", (5, (3,)), {}), ("randint", (2, 5, (3, 2)), {}), ("randint", (0, 3, (3,)), {"dtype": "float32"}),
    ("randint", (0, 3, (3,)), {"dtype": "int32"}), ("normal", (0.0, 1.0, (2, 3)), {}),
    ("normal", (0.0, 1.0, (2,)), {"dtype": "float64"}), ("randperm", (5,), {}), ("randperm", (5,), {"dtype": "float32"}),
]


@pytest.mark.parametrize("name,args,kw", FACTORIES)
def test_factory_dtype_shape(name, args, kw):
    tkw = {k: getattr(torch, v) for k, v in kw.items()}
    rkw = {k: getattr(ramp, v) for k, v in kw.items()}
    t, r = getattr(torch, name)(*args, **tkw), getattr(ramp, name)(*args, **rkw)
    assert repr(r.dtype).split(".")[1] == repr(t.dtype).split(".")[1] and tuple(r.shape) == tuple(t.shape)
    t2, r2 = getattr(torch, name)(*args, generator=torch.Generator(), **tkw), getattr(ramp, name)(*args, generator=ramp.Generator(), **rkw)
    assert tuple(r2.shape) == tuple(t2.shape)


def test_factories_follow_default_dtype():
    setter = getattr(ramp, "set_default_dtype", None)
    if setter is None:
        pytest.skip("ramp.set_default_dtype is bound by the dtypes work (C++: tests/cpp/test_random_shape.cpp)")
    setter(ramp.float64)
    try:
        assert ramp.rand(2).dtype == ramp.randn(2).dtype == ramp.normal(0.0, 1.0, (2,)).dtype == ramp.float64
        assert ramp.eye(2).dtype == ramp.float64
    finally:
        setter(ramp.float32)


LIKE = [("rand_like", ("float64",), {}), ("randn_like", ("float32",), {"dtype": "float64"}),
        ("randint_like", ("float32", 5), {}), ("randint_like", ("int32", 2, 5), {}),
        ("randint_like", ("float32", 2, 5), {"dtype": "int64"}), ("rand_like", ("int32",), {}),
        ("randn_like", ("int64",), {})]


@pytest.mark.parametrize("name,args,kw", LIKE)
def test_like(name, args, kw):
    dt, *rest = args
    t_in, r_in = torch.zeros(2, 3, dtype=getattr(torch, dt)), ramp.zeros(2, 3, dtype=getattr(ramp, dt))
    (t, te) = outcome(lambda: getattr(torch, name)(t_in, *rest, **{k: getattr(torch, v) for k, v in kw.items()}))
    (r, re_) = outcome(lambda: getattr(ramp, name)(r_in, *rest, **{k: getattr(ramp, v) for k, v in kw.items()}))
    assert te == re_
    if t is not None:
        assert repr(r.dtype).split(".")[1] == repr(t.dtype).split(".")[1] and tuple(r.shape) == tuple(t.shape)


def call_both(expr):
    """Evaluates `expr` with T bound to torch and to ramp; returns both outcomes."""
    out = []
    for mod in (torch, ramp):
        out.append(outcome(lambda: eval(expr, {"T": mod, "inf": float("inf"), "nan": float("nan")})))
    return out


ERRORS = [
    "T.normal(T.zeros(6), T.ones(2, 3))", "T.normal(T.zeros(5), T.ones(3))", "T.normal(T.zeros(3), -T.ones(3))",
    "T.normal(0., -1., (2,))", "T.normal(T.zeros(3), -1.)", "T.normal(T.zeros(3, dtype=T.int64), 1.)",
    "T.normal(T.zeros(3), nan)", "T.normal(T.zeros(3), T.tensor([1, nan, 1]))",
    "T.normal(1., T.ones(3, dtype=T.int64))",
    "T.randint(5, 5, (3,))", "T.randint(5, 3, (3,))", "T.randint(0, 300, (3,), dtype=T.uint8)",
    "T.randint(-1, 3, (3,), dtype=T.uint8)", "T.randint(0, 3, (3,), dtype=T.bool)", "T.randint(0, 3.5, (3,))",
    "T.randint(3)", "T.rand(3, dtype=T.int64)", "T.randn(3, dtype=T.int64)",
    "T.bernoulli(T.full((3,), 1.5))", "T.bernoulli(T.full((3,), 0.5), 1.5)",
    "T.bernoulli(T.full((3,), 1, dtype=T.int64))", "T.zeros(3, dtype=T.int64).bernoulli_(T.full((3,), 1.5))",
    "T.zeros(3).bernoulli_(T.full((2,), 0.5))", "T.zeros(3).bernoulli_(-0.5)",
    "T.zeros(3).exponential_(-1)", "T.zeros(3, dtype=T.int64).exponential_()",
    "T.zeros(3, dtype=T.int64).normal_()", "T.zeros(3, dtype=T.int64).uniform_()", "T.zeros(3).normal_(0, -1)",
    "T.zeros(3).uniform_(2, 1)", "T.zeros(3).uniform_(0, inf)", "T.zeros(3).uniform_(-3e38, 3e38)",
    "T.zeros(3, dtype=T.bfloat16).uniform_(-1e300, 1e300)", "T.zeros(3).log_normal_(1, 0)",
    "T.zeros(3).log_normal_(1, -1)", "T.zeros(3, dtype=T.int64).log_normal_()", "T.zeros(3).geometric_(0)",
    "T.zeros(3).geometric_(1)", "T.zeros(3).geometric_(1.5)", "T.zeros(3, dtype=T.int64).cauchy_()",
    "T.zeros(3).random_(5, 5)", "T.zeros(3).random_(-5)", "T.zeros(3, dtype=T.uint8).random_(0, 300)",
    "T.zeros(3, dtype=T.uint8).random_(-3, 3)", "T.zeros(3, dtype=T.bool).random_(0, 3)",
    "T.zeros(3, dtype=T.int8).random_(-2**40, 2**40)", "T.zeros(3, dtype=T.int32).random_(-2**40, 2**40)",
    "T.zeros(3, dtype=T.uint8).random_(300, None)", "T.zeros(3).random_(2**30, None)",
    "T.zeros(3, dtype=T.bool).normal_()", "T.zeros(3, requires_grad=True).normal_()",
    "T.zeros(3, requires_grad=True).uniform_()",
    "T.multinomial(T.tensor([0.2, 0.8]), 3)", "T.multinomial(T.tensor([0.2, 0.8]), 0)",
    "T.multinomial(T.tensor([0.2, 0.8]), -1)", "T.multinomial(T.tensor([-1., 1]), 1)",
    "T.multinomial(T.tensor([inf, 1]), 1)", "T.multinomial(T.tensor([nan, 1]), 1)", "T.multinomial(T.tensor([0., 0]), 1)",
    "T.multinomial(T.tensor([-1., 1]), 2, True)", "T.multinomial(T.tensor([inf, 1]), 2, True)",
    "T.multinomial(T.tensor([nan, 1]), 2, True)", "T.multinomial(T.tensor([0., 0]), 2, True)",
    "T.multinomial(T.tensor([[0., 0], [1, 1]]), 1)", "T.multinomial(T.tensor([[0., 0], [1, 1]]), 2, True)",
    "T.multinomial(T.tensor([1, 2]), 1)", "T.multinomial(T.zeros(2, 2, 2), 1)", "T.multinomial(T.tensor(1.), 1)",
    "T.multinomial(T.zeros(3, 0), 2)", "T.multinomial(T.zeros(0), 2, True)",
]


@pytest.mark.parametrize("expr", ERRORS)
def test_errors_match_torch(expr):
    (t, te), (r, re_) = call_both(expr)
    assert te is not None, "torch accepts it"
    assert re_ is not None, f"ramp accepts {expr}"
    assert re_[0] == te[0], (te, re_)
    if te[0] != "TypeError":  # argument-parsing texts are pybind11's, not torch's
        assert re_[1].split("\n")[0] == te[1].split("\n")[0], (te, re_)


OK_CALLS = [
    "T.zeros(3).uniform_(1, 1)", "T.zeros(3).random_(0, 2**25)", "T.zeros(3, dtype=T.int64).random_(-2**40, 2**40)",
    "T.zeros(3, dtype=T.bfloat16).random_(-2**40, 2**40)", "T.zeros(3, dtype=T.bool).bernoulli_(0.5)",
    "T.zeros(3).random_(-5, None)", "T.zeros(3, dtype=T.uint8).random_(3, None)", "T.zeros(3).exponential_(0)",
    "T.zeros(3).cauchy_(0, -1)", "T.zeros(3, dtype=T.int64).geometric_(0.5)", "T.zeros(3, dtype=T.int64).bernoulli_(0.5)",
    "T.zeros(3).bernoulli_(T.full((1,), 0.5))", "T.normal(T.zeros(2, 3), T.ones(3))",
    "T.normal(T.zeros(3), T.ones(3, dtype=T.float64))", "T.normal(T.zeros(3, dtype=T.float64), T.ones(3))",
    "T.normal(1., T.ones(3, dtype=T.float64))", "T.multinomial(T.zeros(0, 3), 2)",
    "T.multinomial(T.ones(3, dtype=T.float64), 2)", "T.multinomial(T.tensor([1., 0, 0]), 2)",
    "T.multinomial(T.ones(2, 4), 3)", "T.randint(3, (2, 2))", "T.randint(-2**40, 2**40, (3,))",
    "T.zeros(2, 3).t().normal_()", "T.zeros(4, 4)[:, 1].uniform_(-1, 1)", "T.bernoulli(T.full((3,), 0.5), 0.3)",
    "T.zeros(0).normal_()", "T.multinomial(T.ones(2, 3, dtype=T.float64), 3)",
]


@pytest.mark.parametrize("expr", OK_CALLS)
def test_accepted_calls_match_torch(expr):
    (t, te), (r, re_) = call_both(expr)
    assert te is None and re_ is None, (te, re_)
    assert repr(r.dtype).split(".")[1] == repr(t.dtype).split(".")[1] and tuple(r.shape) == tuple(t.shape)


def test_strided_in_place_fills_only_the_view():
    x = ramp.zeros(4, 4)
    x[:, 1].uniform_(2, 3)
    v = x.numpy()
    assert np.all(v[:, 1] >= 2) and np.all(np.delete(v, 1, axis=1) == 0)
    y = ramp.zeros(3, 5).t()
    y.normal_()
    assert np.all(y.numpy() != 0)


GRADS = [
    ("lambda m, s: T.normal(m, s)", 2), ("lambda m, s: T.normal(m, 2.0)", 1), ("lambda m, s: T.normal(1.0, s)", 1),
    ("lambda m, s: T.bernoulli(m * 0 + 0.5)", 1),
    ("lambda m, s: (m * 1).normal_()", 1), ("lambda m, s: (m * 1).uniform_()", 1), ("lambda m, s: (m * 1).random_()", 1),
    ("lambda m, s: (m * 1).random_(5)", 1), ("lambda m, s: (m * 1).random_(1, 5)", 1),
    ("lambda m, s: (m * 1).bernoulli_()", 1), ("lambda m, s: (m * 1).bernoulli_(T.full((3,), 0.5))", 1),
    ("lambda m, s: (m * 1).exponential_()", 1), ("lambda m, s: (m * 1).log_normal_()", 1),
    ("lambda m, s: (m * 1).cauchy_()", 1), ("lambda m, s: (m * 1).geometric_(0.5)", 1),
]


@pytest.mark.parametrize("fn,n", GRADS)
def test_grad_fn_and_zero_gradients(fn, n):
    res = []
    for mod in (torch, ramp):
        m = mod.zeros(3, requires_grad=True)
        s = mod.ones(3, requires_grad=True)
        out = eval(fn, {"T": mod})(m, s)
        out.sum().backward()
        name = out.grad_fn.name()
        res.append((name, None if m.grad is None else m.grad.numpy().tolist(),
                    None if s.grad is None else s.grad.numpy().tolist()))
    assert res[0] == res[1]


def test_normal_broadcast_mean_gradient_shape():
    m = ramp.zeros(3, requires_grad=True)
    ramp.normal(m, ramp.ones(2, 3)).sum().backward()
    assert tuple(m.grad.shape) == (3,) and np.all(m.grad.numpy() == 0)


def test_tensor_method_defaults_match_torch():
    for expr in ["T.zeros(2).uniform_(0.5)",
                 "T.zeros(2).normal_(std=2.0)", "T.zeros(2).exponential_(lambd=3.0)", "T.zeros(2).geometric_(p=0.2)",
                 "T.zeros(2).log_normal_(mean=0.0, std=1.0)", "T.zeros(2).cauchy_(median=1.0, sigma=2.0)",
                 "T.zeros(2).random_(to=5)", "T.zeros(2).bernoulli_(p=0.2)", "T.ones(2).multinomial(2, replacement=True)",
                 "T.ones(2).bernoulli(p=0.5)", "T.randint(low=0, high=3, size=(2,))", "T.randint(high=3, size=(2,))",
                 "T.normal(mean=T.zeros(2), std=T.ones(2))", "T.normal(mean=0.0, std=1.0, size=(2,))",
                 "T.multinomial(input=T.ones(2), num_samples=1)", "T.randperm(n=3)"]:
        (t, te), (r, re_) = call_both(expr)
        assert te is None and re_ is None, (expr, te, re_)
        assert tuple(r.shape) == tuple(t.shape)
