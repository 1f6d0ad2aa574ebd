"""ramp.mm/bmm/mv/dot/addmm/matmul, pow/exp/log and cat/stack against torch 1.13 on the same inputs:
values, shapes, dtypes, error types and texts, the Tensor methods and operators, and gradients with
their grad_fn graphs."""
import math

import numpy as np
import pytest

import ramp
from conftest import assert_values, outcome, to_ramp

torch = pytest.importorskip("torch")

needs_autograd = pytest.mark.skipif(not hasattr(ramp.Tensor, "requires_grad_"), reason="autograd not bound")


def make(shape, dtype="float32", seed=0, lo=-2.0, hi=2.0):
    """A torch tensor of uniform values (drawn in float64, then converted)."""
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(shape, generator=g, dtype=torch.float64) * (hi - lo) + lo).to(getattr(torch, dtype))


def run(fn, inputs):
    """fn(lib, *inputs) in both libraries: ((ramp result, error), (torch result, error))."""
    return outcome(fn, ramp, *[to_ramp(t) for t in inputs]), outcome(fn, torch, *inputs)


# Matrix products sum in a different order from torch's BLAS: a few roundings of the dtype.
TOLERANCE = {"float32": 2e-5, "float64": 1e-12}


def assert_same(fn, inputs, rtol=None):
    """fn gives the same values (within rtol, default TOLERANCE) or the same error in both libraries."""
    (r, r_err), (t, t_err) = run(fn, inputs)
    assert r_err == t_err
    if t_err is None:
        tol = TOLERANCE.get(str(t.dtype).split(".")[-1], 0) if rtol is None else rtol
        assert_values(r, t, tol, tol)


def assert_product(fn, inputs):
    """assert_same for matrix products. bfloat16 products are checked against torch's float64 product
    of the same values rounded to bfloat16: ramp sums in float32 and rounds once, while torch 1.13's
    small-matrix kernels round their running sum to bfloat16 (several steps off for cancelling sums)."""
    if inputs[0].dtype != torch.bfloat16:
        return assert_same(fn, inputs)
    r = fn(ramp, *[to_ramp(t) for t in inputs])
    t = fn(torch, *[t.double() for t in inputs]).bfloat16()
    assert_values(r, t, 2 ** -8, 1e-5)


# ---- matrix products ----
SHAPES = [((5,), (5,)), ((3, 5), (5,)), ((5,), (5, 4)), ((3, 5), (5, 4)), ((2, 3, 5), (5, 4)), ((2, 3, 5), (5,)),
          ((5,), (2, 5, 4)), ((3, 5), (2, 5, 4)), ((2, 3, 5), (2, 5, 4)), ((2, 1, 3, 5), (3, 5, 4)),
          ((1, 3, 5), (2, 1, 5, 4)), ((2, 0, 5), (5, 4)), ((3, 0), (0, 4)), ((0,), (0,)), ((2, 3, 5), (1, 5, 0))]


@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16"])
@pytest.mark.parametrize("sa,sb", SHAPES, ids=str)
def test_matmul_shapes(sa, sb, dtype):
    a, b = make(sa, dtype, 1), make(sb, dtype, 2)
    assert_product(lambda L, x, y: L.matmul(x, y), [a, b])
    assert_product(lambda L, x, y: x @ y, [a, b])
    assert_product(lambda L, x, y: x.matmul(y), [a, b])


@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16"])
def test_mm_bmm_mv_dot_addmm(dtype):
    a, b, c = make((4, 6), dtype, 1), make((6, 3), dtype, 2), make((3,), dtype, 3)
    assert_product(lambda L, x, y: L.mm(x, y), [a, b])
    assert_product(lambda L, x, y: x.mm(y), [a, b])
    assert_product(lambda L, x, y: L.mm(input=x, mat2=y), [a, b])
    assert_product(lambda L, x, y: L.mm(x.t(), x), [a, b])  # column-major operand, read in place
    assert_product(lambda L, x, y: L.mm(x[:, ::2], y[::2]), [a, b])  # strided: copied
    assert_product(lambda L, x, y: L.mv(x, y), [b, c])
    assert_product(lambda L, x, y: L.mv(input=x, vec=y), [b, c])
    assert_product(lambda L, x, y: L.dot(x, y), [c, c])
    assert_product(lambda L, x, y: L.dot(input=x, tensor=y), [c, c])
    assert_product(lambda L, x, y: L.bmm(x, y), [make((3, 4, 6), dtype, 4), make((3, 6, 2), dtype, 5)])
    assert_product(lambda L, x, y, z: L.addmm(z, x, y), [a, b, c])
    assert_product(lambda L, x, y, z: L.addmm(z, x, y, beta=0.5, alpha=-2), [a, b, c])
    assert_product(lambda L, x, y, z: z.addmm(x, y, alpha=3), [a, b, make((4, 3), dtype, 6)])
    assert_product(lambda L, x, y, z: L.addmm(input=z, mat1=x, mat2=y, beta=2, alpha=3), [a, b, c])


def test_addmm_beta_zero_ignores_nan():
    bias = torch.full((4, 3), math.nan)
    assert_same(lambda L, x, y, z: L.addmm(z, x, y, beta=0), [make((4, 6)), make((6, 3)), bias])
    assert_same(lambda L, x, y, z: L.addmm(z, x, y, beta=2), [torch.zeros(2, 0), torch.zeros(0, 3), make((3,))])


def test_large_and_batched_products():
    assert_same(lambda L, x, y: x @ y, [make((300, 200), "float64", 1), make((200, 250), "float64", 2)])
    assert_same(lambda L, x, y: x @ y, [make((64, 7, 9), "float32", 3), make((9, 5), "float32", 4)])
    assert_same(lambda L, x, y: x @ y, [make((64, 7, 9), "float32", 3), make((64, 9, 5), "float32", 4)])


ERRORS = [
    (lambda L: L.mm(L.ones(2, 3), L.ones(4, 5))),
    (lambda L: L.mm(L.ones(3), L.ones(3, 5))),
    (lambda L: L.mm(L.ones(2, 3), L.ones(3))),
    (lambda L: L.mm(L.ones(2, 2), L.ones(2, 2, dtype=L.float64))),
    (lambda L: L.mm(L.ones(2, 2, dtype=L.float64), L.ones(2, 2))),
    (lambda L: L.mm(L.ones(2, 3), L.ones(4, 2, dtype=L.float64))),
    (lambda L: L.mm(L.ones(2, 2, dtype=L.bool), L.ones(2, 2, dtype=L.bool))),
    (lambda L: L.mm(L.ones(2, 2), L.ones(2, 2, dtype=L.int64))),
    (lambda L: L.addmm(L.ones(2, 2), L.ones(2), L.ones(2, 2))),
    (lambda L: L.addmm(L.ones(2, 2), L.ones(2, 2), L.ones(2, 2, 2))),
    (lambda L: L.addmm(L.ones(2, 2, dtype=L.float64), L.ones(2, 2), L.ones(2, 2))),
    (lambda L: L.addmm(L.ones(2, 2), L.ones(2, 2, dtype=L.float64), L.ones(2, 2))),
    (lambda L: L.addmm(L.ones(3, 3), L.ones(2, 3), L.ones(4, 2))),
    (lambda L: L.addmm(L.ones(3), L.ones(2, 3), L.ones(3, 4))),
    (lambda L: L.addmm(L.ones(3, 4), L.ones(2, 3), L.ones(3, 4))),
    (lambda L: L.addmm(L.ones(2, 2, dtype=L.bool), L.ones(2, 2, dtype=L.bool), L.ones(2, 2, dtype=L.bool))),
    (lambda L: L.bmm(L.ones(2, 3), L.ones(2, 3, 4))),
    (lambda L: L.bmm(L.ones(2, 2, 3), L.ones(3, 4))),
    (lambda L: L.bmm(L.ones(2, 2, 3), L.ones(3, 3, 4))),
    (lambda L: L.bmm(L.ones(2, 2, 3), L.ones(2, 3, 4, dtype=L.float64))),
    (lambda L: L.bmm(L.ones(2, 2, 3, dtype=L.bool), L.ones(2, 3, 4, dtype=L.bool))),
    (lambda L: L.mv(L.ones(3), L.ones(3))),
    (lambda L: L.mv(L.ones(2, 3), L.ones(3, 1))),
    (lambda L: L.mv(L.ones(2, 3), L.ones(4, dtype=L.float64))),
    (lambda L: L.mv(L.ones(2, 3), L.ones(3, dtype=L.float64))),
    (lambda L: L.dot(L.ones(2, 3), L.ones(3))),
    (lambda L: L.dot(L.ones(3), L.ones(4, dtype=L.float64))),
    (lambda L: L.dot(L.ones(3), L.ones(4))),
    (lambda L: L.dot(L.ones(3, dtype=L.bool), L.ones(3, dtype=L.bool))),
    (lambda L: L.matmul(L.tensor(1.0), L.ones(3))),
    (lambda L: L.matmul(L.ones(3), L.tensor(1.0))),
    (lambda L: L.matmul(L.ones(3), L.ones(4))),
    (lambda L: L.matmul(L.ones(2, 3), L.ones(4))),
    (lambda L: L.matmul(L.ones(3), L.ones(4, 5))),
    (lambda L: L.matmul(L.ones(2, 2, 3), L.ones(4, 5))),
    (lambda L: L.matmul(L.ones(2, 2, 3), L.ones(3, 3, 5))),
    (lambda L: L.matmul(L.ones(2, 2, 3), L.ones(4))),
    (lambda L: L.matmul(L.ones(4), L.ones(2, 2, 3))),
    (lambda L: L.matmul(L.ones(2, 4), L.ones(2, 3, 5))),
    (lambda L: L.matmul(L.ones(2, 2, 3), L.ones(2, 4, 5))),
    (lambda L: L.matmul(L.ones(2, 2, 4), L.ones(1, 2, 3, 5))),
    (lambda L: L.matmul(L.ones(2, 2, 3), L.ones(2, 3, 4, dtype=L.float64))),
    (lambda L: L.matmul(L.ones(2, 2, 3, dtype=L.bool), L.ones(2, 3, 4, dtype=L.bool))),
    (lambda L: L.ones(2, 2) @ 2),
    (lambda L: L.pow(L.tensor([2, 3]), -1)),
    (lambda L: L.pow(L.tensor([True]), -2)),
    (lambda L: L.pow(L.tensor([True]), True)),
    (lambda L: L.pow(L.tensor([True]), L.tensor([False]))),
    (lambda L: L.ones(2, 3) ** L.ones(4, 3)),
    (lambda L: L.cat([])),
    (lambda L: L.cat([L.tensor(1.0), L.tensor(2.0)])),
    (lambda L: L.cat([L.ones(2), L.tensor(2.0)], dim=5)),
    (lambda L: L.cat([L.ones(2, 3), L.ones(2)])),
    (lambda L: L.cat([L.ones(2), L.ones(2, 3)])),
    (lambda L: L.cat([L.ones(2, 3), L.ones(2, 4)])),
    (lambda L: L.cat([L.ones(2, 3), L.ones(3, 4)], dim=1)),
    (lambda L: L.cat([L.ones(2, 3), L.ones(2, 3)], dim=2)),
    (lambda L: L.cat([L.ones(2, 3), L.empty(0, 4)])),
    (lambda L: L.cat([L.ones(2), 1])),
    (lambda L: L.stack([])),
    (lambda L: L.stack([L.ones(2, 3), L.ones(2, 3), L.ones(2, 4)])),
    (lambda L: L.stack([L.ones(2, 3), L.ones(2)])),
    (lambda L: L.stack([L.ones(2, 3), L.ones(2, 4)], dim=5)),
    (lambda L: L.stack([L.ones(2, 3), L.ones(2, 3)], dim=-4)),
    (lambda L: L.stack([L.empty(0), L.empty(0, 1)])),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors_as_torch(i):
    r, t = outcome(ERRORS[i], ramp), outcome(ERRORS[i], torch)
    assert t[1] is not None
    if "unsupported operand" in t[1][1]:  # Python's text names the class: ramp._C.Tensor
        assert r[1][0] == "TypeError" and r[1][1].startswith("unsupported operand type(s) for @")
    else:
        assert r[1] == t[1]


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "int8"])
def test_integer_products_are_refused(dtype):
    # PyTorch 1.13 multiplies integer matrices on CPU; ramp's products run on BLAS only.
    for fn in (lambda L: L.mm(L.ones(2, 2, dtype=getattr(L, dtype)), L.ones(2, 2, dtype=getattr(L, dtype))),
               lambda L: L.ones(3, dtype=getattr(L, dtype)) @ L.ones(3, dtype=getattr(L, dtype))):
        assert outcome(fn, torch)[1] is None
        err = outcome(fn, ramp)[1]
        assert err[0] == "RuntimeError" and "is not supported: ramp computes matrix products with BLAS" in err[1]


# ---- pow, exp, log ----
SPECIAL = [-3.0, -1.5, -0.0, 0.0, 0.25, 1.0, 2.5, 7.0, math.inf, -math.inf, math.nan, 1e-30, 40.0, -40.0]
EXPONENTS = [0, 1, 2, 3, -1, -2, 0.5, -0.5, 2.5, -1.7, 0.3, True, 2.0]


def special(dtype):
    return torch.tensor(SPECIAL, dtype=getattr(torch, dtype))


# float32's pow/exp/log are 1-ulp Sleef in torch, correctly rounded glibc in ramp.
POINTWISE_TOL = {"float32": 3e-7, "float64": 1e-15, "bfloat16": 8e-3}


@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16"])
def test_exp_log_float(dtype):
    tol = POINTWISE_TOL[dtype]
    x = special(dtype)
    for fn in (lambda L, v: L.exp(v), lambda L, v: v.exp(), lambda L, v: L.log(v), lambda L, v: v.log(),
               lambda L, v: L.exp(input=v)):
        assert_same(fn, [x], tol)
    assert_same(lambda L, v: L.exp(v.t()), [make((3, 4), dtype)], tol)  # strided input


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "int8", "bool"])
def test_exp_log_integer_give_float32(dtype):
    x = torch.tensor([0, 1, 2, 5], dtype=getattr(torch, dtype)) if dtype != "bool" else torch.tensor([True, False])
    assert_same(lambda L, v: L.exp(v), [x], 3e-7)
    assert_same(lambda L, v: L.log(v), [x], 3e-7)


@pytest.mark.parametrize("exponent", EXPONENTS, ids=repr)
@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16"])
def test_pow_float_scalar(dtype, exponent):
    tol = POINTWISE_TOL[dtype]
    assert_same(lambda L, v: L.pow(v, exponent), [special(dtype)], tol)
    assert_same(lambda L, v: v ** exponent, [special(dtype)], tol)
    assert_same(lambda L, v: v.pow(exponent), [special(dtype)], tol)


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "int8", "bool"])
def test_pow_integer(dtype):
    values = [3, -2, 0, 1, -1, 7, 100] if dtype not in ("uint8", "bool") else [3, 2, 0, 1, 7, 200]
    x = torch.tensor(values).to(getattr(torch, dtype))
    for e in [0, 1, 2, 3, 13, 40, 2.5, -1.0, True]:
        assert_same(lambda L, v: L.pow(v, e), [x], 3e-7)
    assert_same(lambda L, v: L.pow(v, L.tensor([2, -1, 0, 3, 5, 1, 2][:len(values)])), [x], 0)
    assert_same(lambda L, v: L.pow(2, v), [x], 0)
    assert_same(lambda L, v: L.pow(2.5, v), [x], 3e-7)
    assert_same(lambda L, v: 3 ** v, [x], 0)
    assert_same(lambda L, v: L.pow(v, L.tensor(0.5, dtype=L.float64)), [x], 1e-15)


@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16"])
def test_pow_tensor_broadcast_and_promotion(dtype):
    tol = POINTWISE_TOL[dtype]
    base = make((3, 1), dtype, 1, 0.0, 3.0)
    assert_same(lambda L, b, e: L.pow(b, e), [base, make((4,), dtype, 2)], tol)
    assert_same(lambda L, b, e: b ** e, [base, make((4,), "float64", 2)], 1e-7 if dtype != "bfloat16" else 2e-3)
    assert_same(lambda L, b, e: L.pow(b, e), [base, torch.tensor(2.0, dtype=torch.float64)], tol)
    assert_same(lambda L, b, e: L.pow(b, e), [base, torch.tensor([1, 2, 3])], tol)
    assert_same(lambda L, e: L.pow(self=2, exponent=e), [make((4,), dtype, 3)], tol)
    x = special(dtype)
    assert_same(lambda L, v, w: L.pow(v, w), [x, x.flip(0)], tol)
    assert_same(lambda L, v: 2 ** v, [x], tol)
    assert_same(lambda L, v: 0.5 ** v, [x], tol)
    assert_same(lambda L, v: L.pow(0, v), [x], tol)
    assert_same(lambda L, v: L.pow(1, v), [x], tol)


# ---- cat, stack ----
@pytest.mark.parametrize("dim", [0, 1, -1, -2])
def test_cat_stack(dim):
    a, b = make((2, 3), "float32", 1), make((2, 3), "float64", 2)
    assert_same(lambda L, x, y: L.cat([x, y], dim), [a, b], 0)
    assert_same(lambda L, x, y: L.cat((x, y.t().t(), x), dim=dim), [a, b], 0)
    assert_same(lambda L, x, y: L.stack([x, y], dim), [a, b], 0)
    assert_same(lambda L, x, y: L.stack((x.t(), y.t()), dim=dim), [a, b], 0)
    assert_same(lambda L, x, y: L.stack(tensors=[x, x], dim=dim), [a, b], 0)


def test_cat_stack_special_cases():
    assert_same(lambda L: L.cat([L.ones(2, 3), L.empty(0), L.zeros(1, 3)]), [], 0)
    assert_same(lambda L: L.cat([L.empty(0), L.empty(0, dtype=L.float64)], dim=1), [], 0)
    assert_same(lambda L: L.cat([L.ones(2, 3), L.empty(0, 3)]), [], 0)
    assert_same(lambda L: L.cat([L.tensor([1, 2]), L.tensor([True]), L.tensor([0.5], dtype=L.bfloat16)]), [], 0)
    assert_same(lambda L: L.cat([L.tensor([True]), L.tensor([False])]), [], 0)
    assert_same(lambda L: L.cat(tensors=[L.ones(2)]), [], 0)
    assert_same(lambda L: L.stack([L.tensor(1.0), L.tensor(2.0)]), [], 0)
    assert_same(lambda L: L.stack([L.empty(0), L.empty(0)], dim=1), [], 0)
    assert_same(lambda L: L.stack([L.tensor([1, 2]), L.tensor([1.5, 2.5])], dim=-1), [], 0)


# ---- gradients ----
def graph(t):
    """The grad_fn names from the output along first inputs that have a node, as a list."""
    names, fn = [], t.grad_fn
    while fn is not None:
        names.append(fn.name())
        fn = next((f for f, _ in fn.next_functions if f is not None and "AccumulateGrad" not in f.name()), None)
    return names


GRAD_CASES = [
    ("mm", lambda L, a, b: L.mm(a, b), [(3, 4), (4, 2)]),
    ("mm t", lambda L, a, b: L.mm(a.t(), b.t()), [(4, 3), (2, 4)]),
    ("addmm", lambda L, c, a, b: L.addmm(c, a, b, beta=0.5, alpha=-1.5), [(2,), (3, 4), (4, 2)]),
    ("addmm column bias", lambda L, c, a, b: L.addmm(c, a, b, beta=2), [(3, 1), (3, 4), (4, 2)]),
    ("bmm", lambda L, a, b: L.bmm(a, b), [(2, 3, 4), (2, 4, 2)]),
    ("mv", lambda L, a, b: L.mv(a, b), [(3, 4), (4,)]),
    ("dot", lambda L, a, b: L.dot(a, b), [(4,), (4,)]),
    ("matmul 1-1", lambda L, a, b: a @ b, [(4,), (4,)]),
    ("matmul 2-1", lambda L, a, b: a @ b, [(3, 4), (4,)]),
    ("matmul 1-2", lambda L, a, b: a @ b, [(4,), (4, 3)]),
    ("matmul 2-2", lambda L, a, b: a @ b, [(3, 4), (4, 2)]),
    ("matmul 3-2", lambda L, a, b: a @ b, [(2, 3, 4), (4, 2)]),
    ("matmul 3-1", lambda L, a, b: a @ b, [(2, 3, 4), (4,)]),
    ("matmul 1-3", lambda L, a, b: a @ b, [(4,), (2, 4, 3)]),
    ("matmul 2-3", lambda L, a, b: a @ b, [(3, 4), (2, 4, 2)]),
    ("matmul 3-3", lambda L, a, b: a @ b, [(2, 3, 4), (2, 4, 2)]),
    ("matmul 4-3", lambda L, a, b: a @ b, [(2, 1, 3, 4), (3, 4, 2)]),
    ("matmul 3t-2", lambda L, a, b: a.transpose(1, 2) @ b, [(2, 4, 3), (4, 2)]),
    ("rmatmul", lambda L, a, b: b.__rmatmul__(a), [(3, 4), (4, 2)]),
    ("exp", lambda L, a: L.exp(a), [(5,)]),
    ("log", lambda L, a: (a * a + 0.1).log(), [(5,)]),
    ("pow 2", lambda L, a: a ** 2, [(5,)]),
    ("pow 0", lambda L, a: a.pow(0), [(5,)]),
    ("pow 2.5", lambda L, a: (a * a).pow(2.5), [(5,)]),
    ("pow -0.5", lambda L, a: L.pow(a * a + 0.5, -0.5), [(5,)]),
    ("pow tensor", lambda L, a, b: (a * a) ** b, [(2, 3), (3,)]),
    ("pow 0-d exponent", lambda L, a, b: (a * a).pow(b), [(3,), ()]),
    ("pow scalar base", lambda L, a: L.pow(2.5, a), [(2, 2)]),
    ("rpow", lambda L, a: 2 ** a, [(2, 2)]),
    ("cat", lambda L, a, b: L.cat([a, b, L.empty(0, dtype=L.float64)], 1), [(2, 3), (2, 2)]),
    ("stack", lambda L, a, b: L.stack([a, b], -1), [(2, 3), (2, 3)]),
]


@needs_autograd
@pytest.mark.parametrize("case", GRAD_CASES, ids=lambda c: c[0])
def test_gradients_as_torch(case):
    _, fn, shapes = case
    ts = [make(s, "float64", i + 1).requires_grad_() for i, s in enumerate(shapes)]
    rs = [to_ramp(t.detach()).requires_grad_() for t in ts]
    t_out, r_out = fn(torch, *ts), fn(ramp, *rs)
    assert graph(r_out) == graph(t_out)
    g = make(tuple(t_out.shape), "float64", 99)
    t_out.backward(g)
    r_out.backward(to_ramp(g))
    for r, t in zip(rs, ts):
        assert_values(r.grad, t.grad, 1e-12, 1e-12)


@needs_autograd
def test_mm_gradient_layout_as_torch():
    # mm_mat1_backward/mm_mat2_backward give a column-major input a column-major gradient.
    for transpose_a, transpose_b in [(True, False), (False, True), (True, True), (False, False)]:
        def grads(L):
            a = L.ones(4, 3, dtype=L.float64)
            b = L.ones(2, 4, dtype=L.float64)
            a = (a.t() if transpose_a else a.reshape(3, 4)).requires_grad_()
            b = (b.t() if transpose_b else b.reshape(4, 2)).requires_grad_()
            L.mm(a, b).sum().backward()
            return a.grad.stride(), b.grad.stride()

        assert grads(ramp) == grads(torch)


@needs_autograd
def test_gradients_at_zero_as_torch():
    def grads(L):
        b = L.tensor([0.0, 0.0, 0.0, 2.0], dtype=L.float64).requires_grad_()
        e = L.tensor([0.0, 2.0, -1.0, 0.0], dtype=L.float64).requires_grad_()
        y = L.tensor([1.0, 0.0, -2.0], dtype=L.float64).requires_grad_()
        z = L.tensor([0.0, -1.0], dtype=L.float64).requires_grad_()
        ((b ** e).sum() + L.pow(0, y).sum() + z.pow(0).sum()).backward()
        return b.grad, e.grad, y.grad, z.grad

    for r, t in zip(grads(ramp), grads(torch)):
        assert_values(r, t)


@needs_autograd
def test_mixed_dtype_gradients_and_reprs():
    def run_(L):
        f = L.ones(2).requires_grad_()
        d = L.ones(3, dtype=L.float64).requires_grad_()
        out = L.cat([f, d]) * L.arange(5, dtype=L.float64)
        out.sum().backward()
        return f.grad, d.grad, repr(L.cat([f, d])).replace("torch", "ramp")

    r, t = run_(ramp), run_(torch)
    assert_values(r[0], t[0])
    assert_values(r[1], t[1])
    assert r[2] == t[2]
    x = ramp.ones(2, 2, dtype=ramp.bfloat16).requires_grad_()
    (x @ x).sum().backward()
    assert x.grad.dtype == ramp.bfloat16 and x.grad.tolist() == [[4.0, 4.0], [4.0, 4.0]]


def test_bfloat16_pow_rounds_the_exponent():
    assert_same(lambda L: L.tensor([3.0, 5.0, 7.0], dtype=L.bfloat16).pow(0.3), [], 0)


def test_operators_return_not_implemented_for_other_types():
    x = ramp.ones(2)
    assert x.__matmul__("a") is NotImplemented
    assert x.__pow__("a") is NotImplemented
    assert np.allclose((x * 3).numpy() ** 2, (x * 3).pow(2).numpy())
