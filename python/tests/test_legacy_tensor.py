"""ramp.Tensor(...) as torch.Tensor(...) in 1.13: the legacy constructor of the default dtype
(data, sizes, a Size, a tensor alias, nothing), its errors, and the subclasses built on it."""
import numpy as np
import pytest

import ramp
from conftest import assert_values, outcome, to_ramp

torch = pytest.importorskip("torch")


def both(fn):
    return fn(torch), fn(ramp)


@pytest.mark.parametrize("make", [
    lambda m: m.Tensor([1, 2]), lambda m: m.Tensor((1.5, 2)), lambda m: m.Tensor([[1, 2], [3, 4]]),
    lambda m: m.Tensor([True]), lambda m: m.Tensor(data=[1.0]), lambda m: m.Tensor(np.array([1, 2])),
    lambda m: m.Tensor(), lambda m: m.Tensor([]),
])
def test_data(make):
    t, r = both(make)
    assert_values(r, t)
    assert r.requires_grad is False
    assert type(r) is ramp.Tensor


@pytest.mark.parametrize("make", [lambda m: m.Tensor(2, 3), lambda m: m.Tensor(m.Size([2])), lambda m: m.Tensor(0),
                                  lambda m: m.Tensor(3, device="cpu"), lambda m: m.Tensor(np.int64(3)),
                                  lambda m: m.Tensor(2, np.int32(3)), lambda m: m.Tensor(np.array(2), 1),
                                  lambda m: m.FloatTensor(np.int64(4))])
def test_sizes_uninitialised(make):
    t, r = both(make)
    assert r.shape == t.shape and r.dtype == ramp.float32


def test_alias_of_any_dtype():
    for x in [ramp.tensor([1, 2]), ramp.tensor([1.0, 2.0]), ramp.tensor([1.0]).double()]:
        y = ramp.Tensor(x)
        assert y.dtype == x.dtype
        y[0] = 5
        assert x[0].item() == 5  # shares the data, as torch.Tensor(other)
    # (torch.Tensor(x) of a tensor in a graph is an alias that stays in it, AliasBackward0; ramp's
    # is detached, the alias nn.Parameter builds on.)


def test_default_dtype():
    old = ramp.get_default_dtype()
    try:
        ramp.set_default_dtype(ramp.float64)
        assert ramp.Tensor([1, 2]).dtype == ramp.float64
        assert ramp.Tensor(2).dtype == ramp.float64
    finally:
        ramp.set_default_dtype(old)


@pytest.mark.parametrize("args", [(2.5,), ("a",), (2, "a"), (-1,), (1, [2])])
def test_errors(args):
    _, et = outcome(torch.Tensor, *args)
    _, er = outcome(ramp.Tensor, *args)
    assert et is not None
    assert er[0] == et[0]
    if args != (1, [2]):
        assert er == et


def test_parameter_still_built_on_it():
    p = ramp.nn.Parameter(ramp.Tensor(3, 4))
    assert p.shape == (3, 4) and p.requires_grad
    assert isinstance(ramp.nn.Parameter(ramp.Tensor([1.0])), ramp.Tensor)
