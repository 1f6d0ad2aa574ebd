"""The ops training code needs, against torch 1.13 on the same inputs: comparisons (functions,
methods, operators), argmax, index_select, sqrt, abs, clamp — values bit for bit, dtypes, shapes,
error types and texts, gradients and grad_fn names."""
import itertools
import math

import pytest

import ramp
from conftest import assert_values, outcome, to_ramp

torch = pytest.importorskip("torch")

DTYPES = ["float32", "float64", "bfloat16", "int64", "int32", "uint8", "int8", "bool"]
NAN, INF = float("nan"), float("inf")


def make(shape, dtype, seed):
    """Small integers and halves with NaN, +-inf and -0.0 mixed in for floating dtypes (exact in every dtype)."""
    g = torch.Generator().manual_seed(seed)
    v = torch.randint(-4, 5, shape, generator=g).double() / (2 if dtype in ("float32", "float64", "bfloat16") else 1)
    if dtype in ("float32", "float64", "bfloat16"):
        special = torch.tensor([NAN, INF, -INF, -0.0], dtype=torch.float64)
        pick = torch.randint(0, 12, shape, generator=g)
        v = torch.where(pick < 4, special[pick.clamp(max=3)], v)
    if dtype == "uint8":
        v = v.abs()
    return v.to(getattr(torch, dtype))


def both(fn, *inputs):
    """fn(lib, *inputs) in ramp and torch: ((result, error), (result, error))."""
    return outcome(fn, ramp, *[to_ramp(t) if isinstance(t, torch.Tensor) else t for t in inputs]), \
        outcome(fn, torch, *inputs)


def assert_same(fn, *inputs):
    (r, r_err), (t, t_err) = both(fn, *inputs)
    assert r_err == t_err
    if t_err is None:
        assert_values(r, t)


# ---- comparisons ----
COMPARISONS = ["eq", "ne", "lt", "le", "gt", "ge"]
OPERATORS = {"eq": "__eq__", "ne": "__ne__", "lt": "__lt__", "le": "__le__", "gt": "__gt__", "ge": "__ge__"}


@pytest.mark.parametrize("op", COMPARISONS)
@pytest.mark.parametrize("da,db", [(a, b) for a in DTYPES for b in ("float32", "int64", a)])
def test_comparisons_tensor_tensor(op, da, db):
    a, b = make((3, 1, 4), da, 1), make((5, 4), db, 2)
    assert_same(lambda lib, x, y: getattr(lib, op)(x, y), a, b)
    assert_same(lambda lib, x, y: getattr(x, op)(y), a, b)
    assert_same(lambda lib, x, y: getattr(x, OPERATORS[op])(y), a, b)
    assert_same(lambda lib, x, y: getattr(lib, op)(x, y), a, make((), db, 3))  # 0-d: a number's rules


@pytest.mark.parametrize("op", COMPARISONS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("number", [2, 1.5, -1, True, NAN, 300, -INF])
def test_comparisons_with_numbers(op, dtype, number):
    a = make((4, 3), dtype, 4)
    assert_same(lambda lib, x: getattr(lib, op)(x, number), a)
    assert_same(lambda lib, x: getattr(x, op)(number), a)


def test_comparison_operators_and_reflections():
    a, b = make((6,), "float32", 5), make((6,), "float32", 6)
    for expr in [lambda x, y: x == y, lambda x, y: x != y, lambda x, y: x < y, lambda x, y: x <= y,
                 lambda x, y: x > y, lambda x, y: x >= y, lambda x, y: 1 < x, lambda x, y: 0.5 == x,
                 lambda x, y: 2 >= x, lambda x, y: x != 0]:
        assert_same(lambda lib, x, y: expr(x, y), a, b)
    r = ramp.zeros(2)
    assert (r == None) is False and (r != "a") is True  # noqa: E711 -- torch's NotImplemented fallback
    with pytest.raises(TypeError):
        r < "a"
    assert {r: 1}[r] == 1 and r in [r] and len({r, ramp.zeros(2)}) == 2  # hashed by identity, as torch
    assert_same(lambda lib, x, y: lib.lt(x, y), make((2,), "float32", 1), make((3,), "float32", 1))  # shape error


# ---- argmax ----
@pytest.mark.parametrize("dtype", DTYPES)
def test_argmax(dtype):
    x = make((3, 4, 5), dtype, 7).transpose(0, 2)
    assert_same(lambda lib, t: lib.argmax(t), x)
    assert_same(lambda lib, t: t.argmax(keepdim=True), x)
    for dim, keepdim in itertools.product(range(-3, 3), [False, True]):
        assert_same(lambda lib, t: lib.argmax(t, dim, keepdim), x)
        assert_same(lambda lib, t: t.argmax(dim=dim, keepdim=keepdim), x)


def test_argmax_edges():
    for t in [torch.tensor(3.0), torch.zeros(0), torch.zeros(2, 0), torch.tensor([1.0, NAN, 5, NAN]),
              torch.tensor([[2, 7, 7], [7, 7, 2]])]:
        assert_same(lambda lib, x: lib.argmax(x), t)
        for dim in range(-max(t.dim(), 1), max(t.dim(), 1)):
            assert_same(lambda lib, x: lib.argmax(x, dim), t)


# ---- index_select ----
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("index_dtype", ["int64", "int32"])
def test_index_select(dtype, index_dtype):
    x = make((4, 3, 5), dtype, 8).transpose(0, 1)
    for dim in range(-3, 3):
        size = x.shape[dim]
        for index in [[0], [size - 1, 0, size - 1], list(range(size))[::-1], []]:
            idx = torch.tensor(index, dtype=getattr(torch, index_dtype))
            assert_same(lambda lib, t, i: lib.index_select(t, dim, i), x, idx)
            assert_same(lambda lib, t, i: t.index_select(dim, i), x, idx)


def test_index_select_errors_and_scalars():
    x = torch.zeros(3, 2)
    for dim, index in [(0, torch.tensor([3])), (0, torch.tensor([-1])), (0, torch.tensor([0.0])),
                       (0, torch.tensor([[0]])), (2, torch.tensor([0])), (0, torch.tensor(1)),
                       (1, torch.tensor([], dtype=torch.long))]:
        assert_same(lambda lib, t, i: lib.index_select(t, dim, i), x, index)
    assert_same(lambda lib, t, i: lib.index_select(t, 0, i), torch.tensor(3.0), torch.tensor([0, 0]))


# ---- sqrt, abs, clamp ----
@pytest.mark.parametrize("dtype", DTYPES)
def test_sqrt_abs(dtype):
    x = make((5, 6), dtype, 9)
    assert_same(lambda lib, t: lib.sqrt(t), x)
    assert_same(lambda lib, t: t.sqrt(), x)
    assert_same(lambda lib, t: lib.abs(t), x)
    assert_same(lambda lib, t: abs(t), x)
    assert_same(lambda lib, t: lib.abs(t), torch.tensor([-128, -3, 127], dtype=torch.int8))


CLAMPS = [(-1, 2.5), (0.5, None), (None, -2), (2, 1), (-1, 2), (0, None), (None, 3), (NAN, 1), (-1, 300),
          (1e300, None), (None, None), (True, None)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("lo,hi", CLAMPS, ids=str)
def test_clamp(dtype, lo, hi):
    x = make((5, 7), dtype, 10)
    assert_same(lambda lib, t: lib.clamp(t, lo, hi), x)
    assert_same(lambda lib, t: t.clamp(min=lo, max=hi), x)
    assert_same(lambda lib, t: lib.clip(t, lo, hi), x)


def test_dtype_conversion_methods():
    x = make((4,), "float32", 11)
    for m in ["float", "double", "long", "int", "bool", "bfloat16"]:
        assert_same(lambda lib, t: getattr(t.nan_to_num() if lib is torch else t, m)(), x.nan_to_num())


# ---- gradients ----
GRAD_CASES = {
    "index_select": lambda lib, x: lib.index_select(x, 1, lib.tensor([2, 0, 2, 2])),
    "sqrt": lambda lib, x: lib.sqrt(x),
    "abs": lambda lib, x: lib.abs(x),
    "clamp": lambda lib, x: lib.clamp(x, -1, 1),
    "clamp_min": lambda lib, x: x.clamp(min=0),
    "clamp_max": lambda lib, x: x.clamp(max=0.5),
    "clamp_nan": lambda lib, x: x.clamp(NAN, 1),
}


@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16"])
@pytest.mark.parametrize("case", list(GRAD_CASES))
def test_gradients_match_torch(case, dtype):
    fn = GRAD_CASES[case]
    # kinks included: 0, +-1, NaN
    base = torch.tensor([[-2.0, -1.0, -0.0, 0.0, 0.25], [1.0, 3.0, NAN, 0.5, -0.5], [4.0, -3.0, 1.5, 2.0, 9.0]])
    t = base.to(getattr(torch, dtype)).clone().requires_grad_()
    r = to_ramp(base.to(getattr(torch, dtype))).requires_grad_()
    ty, ry = fn(torch, t), fn(ramp, r)
    assert ry.grad_fn.name() == ty.grad_fn.name()
    g = torch.linspace(-1, 2, ty.numel()).reshape(ty.shape).to(ty.dtype)
    ty.backward(g)
    ry.backward(to_ramp(g))
    assert_values(r.grad, t.grad)


def test_gradcheck():
    x = ramp.tensor([[0.3, -1.2, 2.0], [1.4, -0.6, 0.9]], dtype=ramp.float64, requires_grad=True)
    idx = ramp.tensor([1, 0, 1])
    for f in [lambda t: t.index_select(0, idx), lambda t: t.abs(), lambda t: t.clamp(-1, 1), lambda t: t.abs().sqrt()]:
        assert ramp.autograd.gradcheck(f, (x,))
