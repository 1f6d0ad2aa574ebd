"""The named arithmetic (ramp.add/sub/mul/div and aliases, methods, in-place forms, alpha,
rounding_mode, //) against PyTorch 1.13 on the same inputs: values bit for bit, dtypes, grad_fn
names, error types."""
import numpy as np
import pytest

import ramp
from conftest import assert_values, outcome, to_ramp

torch = pytest.importorskip("torch")

DTYPES = ["float32", "float64", "bfloat16", "int64", "int32", "int8", "uint8"]


def pair(dtype, seed=0):
    g = torch.Generator().manual_seed(seed)
    if dtype.startswith("float") or dtype == "bfloat16":
        a = (torch.randn(5, 7, generator=g) * 4).to(getattr(torch, dtype))
        b = (torch.randn(7, generator=g) * 3).to(getattr(torch, dtype))
        a[0, :4] = torch.tensor([7.0, -7.0, 0.0, -0.0])
        b[:4] = torch.tensor([0.7, 0.7, -2.0, 3.0])
        a[1, 0], b[0] = float("nan"), 0.7
    else:
        lo = 0 if dtype == "uint8" else -50
        a = torch.randint(lo, 50, (5, 7), generator=g).to(getattr(torch, dtype))
        b = torch.randint(1, 9, (7,), generator=g).to(getattr(torch, dtype))
        if dtype != "uint8":
            b[::2] = -b[::2]
    return a, b


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", [None, "trunc", "floor"])
def test_div_rounding_mode(dtype, mode):
    a, b = pair(dtype)
    if mode is None and not (dtype.startswith("float") or dtype == "bfloat16"):
        pass  # true division of integers is float32
    assert_values(ramp.div(to_ramp(a), to_ramp(b), rounding_mode=mode), torch.div(a, b, rounding_mode=mode))
    assert_values(to_ramp(a).div(to_ramp(b), rounding_mode=mode), a.div(b, rounding_mode=mode))
    assert_values(ramp.div(to_ramp(a), 3, rounding_mode=mode), torch.div(a, 3, rounding_mode=mode))


@pytest.mark.parametrize("dtype", DTYPES)
def test_floordiv_operators(dtype):
    a, b = pair(dtype, seed=1)
    assert_values(to_ramp(a) // to_ramp(b), a // b)
    assert_values(to_ramp(a) // 4, a // 4)
    assert_values(ramp.floor_divide(to_ramp(a), to_ramp(b)), torch.floor_divide(a, b))
    if dtype != "uint8":
        assert_values(-9 // to_ramp(b), -9 // b)
    x, y = to_ramp(a), a.clone()
    x //= 3
    y //= 3
    assert_values(x, y)


def test_integer_division_by_zero():
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        ramp.tensor([1, 2]) // ramp.tensor([1, 0])
    with pytest.raises(RuntimeError):
        torch.tensor([1, 2]) // torch.tensor([1, 0])
    with pytest.raises(RuntimeError, match="rounding_mode"):
        ramp.div(ramp.tensor([1.0]), 2, rounding_mode="round")


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_named_forms_and_alpha(dtype):
    a, b = pair(dtype, seed=2)
    ra, rb = to_ramp(a), to_ramp(b)
    for name in ["add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide"]:
        assert_values(getattr(ramp, name)(ra, rb), getattr(torch, name)(a, b))
        assert_values(getattr(ra, name)(rb), getattr(a, name)(b))
        assert_values(getattr(ra, name)(2), getattr(a, name)(2))
    assert_values(ramp.add(ra, rb, alpha=3), torch.add(a, b, alpha=3))
    assert_values(ra.sub(rb, alpha=2), a.sub(b, alpha=2))
    assert_values(ramp.rsub(ra, rb, alpha=2), torch.rsub(a, b, alpha=2))
    assert_values(ramp.rsub(ra, 5), torch.rsub(a, 5))
    assert_values(ra.add(2, alpha=3), a.add(2, alpha=3))


@pytest.mark.parametrize("name", ["add_", "sub_", "subtract_", "mul_", "multiply_", "div_", "divide_", "true_divide_"])
def test_inplace_forms_return_self(name):
    a, b = pair("float32", seed=3)
    ra, rb = to_ramp(a), to_ramp(b)
    out = getattr(ra, name)(rb)
    getattr(a, name)(b)
    assert out is ra
    assert_values(ra, a)


def test_inplace_alpha_and_rounding():
    a, b = pair("float64", seed=4)
    ra, rb = to_ramp(a), to_ramp(b)
    ra.add_(rb, alpha=-0.1)
    a.add_(b, alpha=-0.1)
    assert_values(ra, a)
    ra.div_(rb, rounding_mode="floor")
    a.div_(b, rounding_mode="floor")
    assert_values(ra, a)


@pytest.mark.parametrize("seed", range(20))  # seeded: unseeded, 1 run in 6 met div's 1-ulp difference below
def test_gradients_and_names(seed):
    # bit for bit: 1.13's div gradient for the divisor is -grad * ((a / b) / b), not -grad * a / (b * b)
    g = torch.Generator().manual_seed(seed)
    a = torch.randn(3, 4, dtype=torch.float64, generator=g).requires_grad_()
    b = torch.randn(4, dtype=torch.float64, generator=g).requires_grad_()
    ra, rb = ramp.from_numpy(a.detach().numpy().copy()).requires_grad_(), ramp.from_numpy(b.detach().numpy().copy()).requires_grad_()
    for fn in ["add", "sub", "mul", "div"]:
        for x in (a, b):
            x.grad = None
        ra.grad = rb.grad = None
        t = getattr(torch, fn)(a, b, **({"alpha": 2} if fn in ("add", "sub") else {}))
        r = getattr(ramp, fn)(ra, rb, **({"alpha": 2} if fn in ("add", "sub") else {}))
        assert r.grad_fn.name() == t.grad_fn.name()
        t.sum().backward()
        r.sum().backward()
        np.testing.assert_array_equal(ra.grad.numpy(), a.grad.numpy())
        np.testing.assert_array_equal(rb.grad.numpy(), b.grad.numpy())


def test_bool_subtraction_refused_and_bad_operand():
    with pytest.raises(RuntimeError, match="with two bool tensors is not supported"):
        ramp.tensor([True]).sub(ramp.tensor([False]))
    with pytest.raises(TypeError, match="must be Tensor or Number, not str"):
        ramp.add(ramp.tensor([1.0]), "x")


# 1.13 checks sub's operands (sub_check) and alpha against the result dtype (alpha_check) before
# computing; ramp truncated a float alpha on integers (ints.add(ints, alpha=0.5) gave ints + 0 * ints).
CHECKED = [
    "T.tensor([1, 2]).add(T.tensor([3, 4]), alpha=0.5)", "T.add(T.tensor([1, 2]), 3, alpha=1.5)",
    "T.tensor([1, 2]).sub(T.tensor([3, 4]), alpha=2.5)", "T.rsub(T.tensor([1, 2]), T.tensor([3, 4]), alpha=0.5)",
    "T.tensor([1, 2]).add_(T.tensor([3, 4]), alpha=0.5)", "T.tensor([1, 2]).sub_(1, alpha=0.5)",
    "T.tensor([1., 2.]).add(1, alpha=True)", "T.tensor([1, 2]).add(T.tensor([1, 2]), alpha=True)",
    "T.tensor([True]).add(T.tensor([True]), alpha=True)", "T.tensor([1., 2.]).add(T.tensor([1, 2]), alpha=0.5)",
    "T.tensor([1, 2], dtype=T.uint8).add(T.tensor([1, 2]), alpha=2)",
    "T.tensor([1, 2]) - T.tensor([True, False])", "T.tensor([True, False]) - T.tensor([1, 2])",
    "T.tensor([True]) - T.tensor([True])", "T.tensor([True]).sub(T.tensor([False]))", "T.tensor([1, 2]) - True",
    "True - T.tensor([1, 2])", "T.tensor([True]) - 1", "T.rsub(T.tensor([True, False]), 1)", "T.sub(T.tensor([1.5]), True)",
    "T.tensor([1.5]).sub_(T.tensor([True]))", "T.tensor([True]).sub_(T.tensor([True]))", "T.tensor([1, 2]).__isub__(True)",
    "T.tensor([1, 2]) + True", "T.tensor([1.5]).mul(True)",
]


@pytest.mark.parametrize("expr", CHECKED)
def test_sub_and_alpha_checks_as_torch(expr):
    r, t = (outcome(lambda: eval(expr, {"T": lib})) for lib in (ramp, torch))
    assert r[1] == t[1], (expr, r, t)  # the same exception type and text, or none
    if t[1] is None:
        assert_values(r[0], t[0])


@pytest.mark.parametrize("expr", ["T.tensor([1, 2, 3]).div_(2.5, rounding_mode='floor')",
                                  "T.tensor([1, 2, 3]).div_(T.tensor(2.5), rounding_mode='trunc')",
                                  "T.tensor([5, 2, 3]).__ifloordiv__(2.5)", "T.tensor([5, 2, 3]).__ifloordiv__(T.tensor([1.5]))",
                                  "T.tensor([5, 2, 3]).div_(2, rounding_mode='floor')",
                                  "T.tensor([5., 2., 3.]).div_(T.tensor([2, 1, 2]), rounding_mode='floor')"])
def test_inplace_rounding_division_keeps_self_dtype_or_raises(expr):
    # 1.13: the rounded quotient must be castable to self's dtype (float into int64 raises)
    r, t = (outcome(lambda: eval(expr, {"T": lib})) for lib in (ramp, torch))
    assert r[1] == t[1], (expr, r, t)
    if t[1] is None:
        assert_values(r[0], t[0])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "add_alpha", "sub_alpha"])
@pytest.mark.parametrize("side", ["left", "right"])
def test_one_value_expanded_against_dense(dtype, op, side):
    """One broadcast value (all strides 0, as autograd's g.expand(sizes) after a sum) against a
    dense operand, on either side: the dense loops' one-value forms, bit for bit as 1.13."""
    # 4 x 8: a multiple of 1.13's vector loop (its scalar tail rounds a - alpha b unfused)
    a = (torch.randn(4, 8, generator=torch.Generator().manual_seed(3)) * 4).to(getattr(torch, dtype))
    a[0, :3] = torch.tensor([float("nan"), 0.0, -0.0])
    one = torch.tensor(-1.7, dtype=getattr(torch, dtype)).expand(4, 8)
    x, y = (one, a) if side == "left" else (a, one)
    name, alpha = (op[:3], 2.5) if op.endswith("alpha") else (op, None)
    kw = {} if alpha is None else {"alpha": alpha}
    rx, ry = ramp.tensor(-1.7, dtype=getattr(ramp, dtype)).expand(4, 8), to_ramp(a)
    if side == "right":
        rx, ry = ry, rx
    want = getattr(torch, name)(x, y, **kw)
    got = getattr(ramp, name)(rx, ry, **kw)
    assert_values(got, want)
    assert np.isnan(got.numpy()).sum() == torch.isnan(want).sum().item() > 0  # the NaN lane went through
    assert_values(getattr(ramp, name)(rx[:0], ry[:0], **kw), getattr(torch, name)(x[:0], y[:0], **kw))  # empty


@pytest.mark.parametrize("name", ["add_", "sub_", "mul_", "div_"])
@pytest.mark.parametrize("dtypes", [("float32", "float64"), ("bfloat16", "float32"), ("bfloat16", "float64"),
                                    ("int32", "int64"), ("float32", "int64"), ("int64", "float32"),
                                    ("uint8", "int64"), ("bool", "int64"), ("int32", "float64")])
def test_inplace_computes_in_the_common_dtype_then_casts(name, dtypes):
    # 1.13: self op other in the common dtype, the result cast to self's where the cast is safe
    # (float32.add_(float64) rounds once from the double result), else its cast error
    a, _ = pair(dtypes[0] if dtypes[0] != "bool" else "int64", seed=5)
    _, b = pair(dtypes[1], seed=6)
    if dtypes[0] == "bool":
        a = a > 0
    args = [dict(), dict(alpha=3)] if name in ("add_", "sub_") and not dtypes[1].startswith(("float", "bf")) \
        and not dtypes[0].startswith(("float", "bf")) else [dict()]
    if name in ("add_", "sub_") and dtypes[0].startswith(("float", "bf")):
        args.append(dict(alpha=-0.1))
    for kw in args:
        t, et = outcome(lambda: getattr(a.clone(), name)(b, **kw))
        y = to_ramp(a)
        r, er = outcome(lambda: getattr(y, name)(to_ramp(b), **kw))
        assert er == et, (kw, er, et)
        if et is None:
            assert r is y
            assert_values(r, t)
    # the gradients reach both operands in their own dtypes
    if dtypes[0] in ("float32", "bfloat16") and dtypes[1].startswith(("float", "bf")):
        ta, tb = a.clone().requires_grad_(), b.clone().requires_grad_()
        ra, rb = to_ramp(a).requires_grad_(), to_ramp(b).requires_grad_()
        yt, yr = getattr(ta.mul(1), name)(tb), getattr(ra.mul(1), name)(rb)
        assert yr.grad_fn.name() == yt.grad_fn.name()
        w = torch.linspace(0.5, 2, yt.numel()).reshape(yt.shape).to(yt.dtype)
        yt.backward(w)
        yr.backward(to_ramp(w))
        assert_values(ra.grad, ta.grad)
        # b's is summed over the broadcast rows in self's dtype: ramp's order is not 1.13's (an ulp)
        assert_values(rb.grad, tb.grad, rtol=4 * (2.0 ** -7 if dtypes[0] == "bfloat16" else 2.0 ** -23))
