"""nn.AdaptiveMaxPool1d/2d and F.adaptive_max_pool1d/2d (return_indices) against torch 1.13 on the
same inputs: values and indices bit for bit (ties, NaN, -inf), dtypes, shapes, None sizes, grad_fn
names, gradients (and gradcheck), reprs and errors."""
import numpy as np
import pytest

import ramp
import ramp.nn.functional as F
from conftest import assert_values, outcome, to_ramp

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def tied(*shape, seed=0, dtype=torch.float32):
    """Values on a coarse grid (many ties) with NaNs and -inf sprinkled in."""
    g = torch.Generator().manual_seed(seed)
    t = torch.randint(-3, 3, shape, generator=g).double()
    flat = t.view(-1)
    flat[5::17] = float("nan")
    flat[7::23] = float("-inf")
    return t.to(dtype)


SIZES_2D = [((2, 3, 7, 9), (3, 4)), ((3, 5, 5), 5), ((1, 2, 3, 3), (5, 7)), ((2, 2, 6, 4), 1),
            ((2, 2, 6, 4), (None, 3)), ((2, 2, 6, 4), (4, None)), ((0, 2, 6, 4), 2), ((2, 3, 4, 4), (0, 2)),
            ((0, 4, 5), 3), ((1, 1, 13, 11), [4, 3])]


@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16"])
@pytest.mark.parametrize("shape,size", SIZES_2D)
def test_2d_values_and_indices(shape, size, dtype):
    t = tied(*shape, dtype=getattr(torch, dtype))
    r = to_ramp(t)
    yt, it = TF.adaptive_max_pool2d(t, size, return_indices=True)
    yr, ir = F.adaptive_max_pool2d(r, size, return_indices=True)
    assert_values(yr, yt)
    assert_values(ir, it)
    assert_values(F.adaptive_max_pool2d(r, size), TF.adaptive_max_pool2d(t, size))
    assert_values(F.adaptive_max_pool2d_with_indices(r, size)[1], it)
    # positional return_indices, and a strided input
    assert_values(F.adaptive_max_pool2d(r.transpose(-1, -2), size, True)[1],
                  TF.adaptive_max_pool2d(t.transpose(-1, -2), size, True)[1])


@pytest.mark.parametrize("shape,size", [((2, 3, 10), 4), ((3, 7), 3), ((2, 2, 5), 8), ((0, 2, 5), 2),
                                        ((2, 6), 0), ((2, 3, 9), (3,))])
def test_1d_values_and_indices(shape, size):
    t = tied(*shape, seed=1)
    r = to_ramp(t)
    yt, it = TF.adaptive_max_pool1d(t, size, return_indices=True)
    yr, ir = F.adaptive_max_pool1d(r, size, return_indices=True)
    assert_values(yr, yt)
    assert_values(ir, it)
    assert_values(F.adaptive_max_pool1d(r, size), TF.adaptive_max_pool1d(t, size))
    mt, mr = torch.nn.AdaptiveMaxPool1d(size, True), ramp.nn.AdaptiveMaxPool1d(size, True)
    assert_values(mr(r)[1], mt(t)[1])
    top_t, top_r = torch.adaptive_max_pool1d(t, size), ramp.adaptive_max_pool1d(r, size)
    assert type(top_r) is tuple and len(top_r) == 2
    assert_values(top_r[0], top_t[0])
    assert_values(top_r[1], top_t[1])


def test_oracle_ties_nan_inf():
    """Independent of torch: the first maximum wins ties, the last NaN wins, an all -inf bin points
    at its first element."""
    nan, inf = float("nan"), float("inf")
    x = ramp.tensor([[[3.0, 3.0, 1.0, 3.0, nan, nan, -inf, -inf, -inf]]])
    y, i = F.adaptive_max_pool1d(x, 3, return_indices=True)
    assert i.tolist() == [[[0, 5, 6]]]
    got = y.tolist()[0][0]
    assert got[0] == 3.0 and np.isnan(got[1]) and got[2] == -inf


def test_gradients_match_torch_and_finite_differences():
    g = torch.Generator().manual_seed(3)
    for shape, size, fr, ft in [((2, 3, 7, 9), (3, 4), F.adaptive_max_pool2d, TF.adaptive_max_pool2d),
                                ((2, 3, 5, 4), (7, None), F.adaptive_max_pool2d, TF.adaptive_max_pool2d),
                                ((2, 3, 10), 4, F.adaptive_max_pool1d, TF.adaptive_max_pool1d),
                                ((3, 5), 8, F.adaptive_max_pool1d, TF.adaptive_max_pool1d)]:
        t = torch.randn(*shape, generator=g).requires_grad_()
        r = to_ramp(t.detach()).requires_grad_()
        yt, yr = ft(t, size), fr(r, size)
        w = torch.randn(*yt.shape, generator=g)
        (yt * w).sum().backward()
        (yr * to_ramp(w)).sum().backward()
        assert_values(r.grad, t.grad)
        x = ramp.randn(*shape, dtype=ramp.float64, requires_grad=True)
        assert ramp.autograd.gradcheck(lambda v: fr(v, size), (x,))


def test_grad_fn_names():
    t = torch.randn(2, 3, 8, 8, requires_grad=True)
    r = to_ramp(t.detach()).requires_grad_()
    for ft, fr, a, b in [(TF.adaptive_max_pool2d, F.adaptive_max_pool2d, t, r),
                         (TF.adaptive_max_pool1d, F.adaptive_max_pool1d, t[0], r[0])]:
        yt, it = ft(a, 3, True)
        yr, ir = fr(b, 3, True)
        assert yr.grad_fn.name() == yt.grad_fn.name()
        nt = yt.grad_fn.next_functions[0][0]
        nr = yr.grad_fn.next_functions[0][0]
        assert nr.name() == nt.name()
        assert ir.grad_fn is None and it.grad_fn is None
        assert ir.requires_grad == it.requires_grad


def test_modules_repr_and_constants():
    for args in [((None, 3),), (3,), ((2, 3),), (3, True), ((None, None),)]:
        mt, mr = torch.nn.AdaptiveMaxPool2d(*args), ramp.nn.AdaptiveMaxPool2d(*args)
        assert repr(mr) == repr(mt)
        assert mr.return_indices == mt.return_indices and mr.output_size == mt.output_size
    assert repr(ramp.nn.AdaptiveMaxPool1d(4)) == repr(torch.nn.AdaptiveMaxPool1d(4))
    assert ramp.nn.AdaptiveMaxPool2d.__constants__ == torch.nn.AdaptiveMaxPool2d.__constants__
    t = tied(2, 3, 6, 9)
    mt, mr = torch.nn.AdaptiveMaxPool2d((None, 3), return_indices=True), ramp.nn.AdaptiveMaxPool2d((None, 3), True)
    for a, b in zip(mr(to_ramp(t)), mt(t)):
        assert_values(a, b)
    m = ramp.nn.Sequential(ramp.nn.Conv2d(1, 2, 3), ramp.nn.ReLU(), ramp.nn.AdaptiveMaxPool2d((5, 5)))
    assert m(ramp.randn(1, 1, 12, 12)).shape == (1, 2, 5, 5)


ERRORS = [
    ("2d", (8, 8), 3, "float32"), ("2d", (2, 3, 4, 5, 6), 3, "float32"), ("2d", (2, 0, 4, 5), 3, "float32"),
    ("2d", (3, 4, 0), 3, "float32"), ("2d", (3, 4, 5), (-1, 2), "float32"), ("2d", (3, 4, 5), (1, 2, 3), "float32"),
    ("2d", (4, 5), (None, 2), "float32"), ("2d", (3, 4, 5), 2, "int64"), ("2d", (3, 4, 5), 2, "bool"),
    ("2d", (3, 4, 5), 2.0, "float32"), ("2d", (3, 4, 5), "a", "float32"), ("2d", (3, 4, 5), (-1, 2), "int64"),
    ("1d", (8,), 3, "float32"), ("1d", (2, 3, 4, 8), 3, "float32"), ("1d", (2, 0, 8), 3, "float32"),
    ("1d", (2, 8), (3, 2), "float32"), ("1d", (2, 8), (None,), "float32"), ("1d", (2, 8), None, "float32"),
    ("1d", (2, 8), -1, "float32"), ("1d", (2, 8), 2, "int64"),
]


@pytest.mark.parametrize("kind,shape,size,dtype", ERRORS)
def test_errors_as_torch(kind, shape, size, dtype):
    ft = TF.adaptive_max_pool2d if kind == "2d" else TF.adaptive_max_pool1d
    fr = F.adaptive_max_pool2d if kind == "2d" else F.adaptive_max_pool1d
    _, et = outcome(ft, torch.ones(shape, dtype=getattr(torch, dtype)), size)
    _, er = outcome(fr, ramp.ones(shape, dtype=getattr(ramp, dtype)), size)
    assert et is not None
    assert er == et
