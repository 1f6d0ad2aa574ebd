"""nn.init.trunc_normal_, eye_, dirac_ and orthogonal_ against torch 1.13 (shapes, exact values
where deterministic, errors, warnings) and, for the random ones, statistically: values inside
[a, b] with the truncated normal's mean and standard deviation (exact formulas), and QᵀQ = I."""
import math
import warnings

import numpy as np
import pytest

import ramp
from conftest import outcome, to_numpy

torch = pytest.importorskip("torch")
init = ramp.nn.init


def truncated_moments(mean, std, a, b):
    """Mean and standard deviation of N(mean, std²) truncated to [a, b] (closed form)."""
    al, be = (a - mean) / std, (b - mean) / std
    pdf = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    cdf = lambda x: (1 + math.erf(x / math.sqrt(2))) / 2
    z = cdf(be) - cdf(al)
    m = mean + std * (pdf(al) - pdf(be)) / z
    var = std ** 2 * (1 + (al * pdf(al) - be * pdf(be)) / z - ((pdf(al) - pdf(be)) / z) ** 2)
    return m, math.sqrt(var)


@pytest.mark.parametrize("mean,std,a,b", [(0.0, 1.0, -2.0, 2.0), (0.0, 0.02, -0.04, 0.04), (1.0, 2.0, 0.0, 5.0)])
def test_trunc_normal_distribution(mean, std, a, b):
    ramp.manual_seed(0)
    w = ramp.empty(200, 500)
    assert init.trunc_normal_(w, mean, std, a, b) is w
    v = to_numpy(w).astype(np.float64)
    assert v.min() >= a and v.max() <= b
    m, s = truncated_moments(mean, std, a, b)
    n = v.size
    assert abs(v.mean() - m) < 5 * s / math.sqrt(n)  # 5 standard errors
    assert abs(v.std() - s) < 0.01 * s


def test_trunc_normal_warns_as_torch():
    for lib in (ramp, torch):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            lib.nn.init.trunc_normal_(lib.empty(3), mean=10.0)
        assert any("mean is more than 2 std from [a, b]" in str(x.message) for x in w)


def test_eye_and_dirac_as_torch():
    for shape in [(3, 5), (4, 2)]:
        assert np.array_equal(to_numpy(init.eye_(ramp.empty(*shape))), torch.nn.init.eye_(torch.empty(*shape)).numpy())
    for shape, groups in [((4, 3, 3), 1), ((6, 2, 3, 3), 2), ((4, 4, 1, 3, 5), 1), ((2, 5, 4, 4), 1)]:
        r = init.dirac_(ramp.empty(*shape), groups)
        t = torch.nn.init.dirac_(torch.empty(*shape), groups)
        assert np.array_equal(to_numpy(r), t.numpy())
    x = torch.randn(1, 3, 8, 8)
    conv_r, conv_t = ramp.nn.Conv2d(3, 3, 3, padding=1, bias=False), torch.nn.Conv2d(3, 3, 3, padding=1, bias=False)
    init.dirac_(conv_r.weight)
    assert np.array_equal(to_numpy(conv_r(ramp.from_numpy(x.numpy()))), x.numpy())  # passes its input through


@pytest.mark.parametrize("shape,gain", [((5, 5), 1.0), ((3, 7), 2.0), ((8, 2, 3, 3), 1.0), ((10, 4), 0.5)])
def test_orthogonal(shape, gain):
    ramp.manual_seed(1)
    w = ramp.empty(*shape)
    assert init.orthogonal_(w, gain) is w
    q = to_numpy(w).astype(np.float64).reshape(shape[0], -1)
    rows, cols = q.shape
    gram = q @ q.T if rows < cols else q.T @ q
    np.testing.assert_allclose(gram, gain ** 2 * np.eye(min(rows, cols)), atol=1e-5 * gain ** 2)
    w2 = init.orthogonal_(ramp.empty(*shape), gain)
    assert not np.allclose(to_numpy(w2), to_numpy(w))  # a fresh draw


@pytest.mark.parametrize("call", [
    lambda lib: lib.nn.init.eye_(lib.empty(2, 2, 2)),
    lambda lib: lib.nn.init.dirac_(lib.empty(2, 2)),
    lambda lib: lib.nn.init.dirac_(lib.empty(3, 2, 3), groups=2),
    lambda lib: lib.nn.init.orthogonal_(lib.empty(3)),
])
def test_errors_as_torch(call):
    r, t = outcome(lambda: call(ramp)), outcome(lambda: call(torch))
    assert t[1] is not None and r[1] == t[1]
