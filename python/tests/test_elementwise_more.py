"""atan2, hypot, fmax, fmin, erf, erfc, erfinv, signbit, nan_to_num(_), nansum, count_nonzero,
flip and roll against an exact float64 oracle (NumPy / math) and torch 1.13 on the same inputs:
values, dtypes, shapes, grad_fn names, gradients and errors."""
import math

import numpy as np
import pytest

import ramp
from conftest import assert_oracle, assert_values, dtype_name, outcome, to_numpy, to_ramp

torch = pytest.importorskip("torch")


def check_oracle(r, want, ulps):
    """assert_oracle where the exact value is finite in r's dtype; where it rounds to an infinity
    (hypot(3e38, 3e38) in float32), r must be that infinity."""
    want = np.asarray(want, dtype=np.float64)
    rounded = torch.from_numpy(want).to(getattr(torch, dtype_name(r))).double().numpy()
    a = to_numpy(r).astype(np.float64)
    inf = np.isinf(rounded)
    assert (a[inf] == rounded[inf]).all()
    keep = torch.from_numpy(~inf)
    assert_oracle(r[to_ramp(keep)], want[~inf], ulps=np.broadcast_to(ulps, want.shape)[~inf])

SPECIALS = [-math.inf, -1e30, -3.5, -1.0, -0.5, -1e-8, -0.0, 0.0, 1e-8, 0.5, 1.0, 2.5, 1e30, math.inf, math.nan, 3e38]


def grid(dtype):
    g = torch.Generator().manual_seed(0)
    v = torch.cat([torch.tensor(SPECIALS, dtype=torch.float64), torch.randn(30, generator=g, dtype=torch.float64) * 5])
    a, b = torch.meshgrid(v, v, indexing="ij")
    return a.to(getattr(torch, dtype)), b.to(getattr(torch, dtype))


BINARY = {"atan2": np.arctan2, "hypot": np.hypot, "fmax": np.fmax, "fmin": np.fmin}


@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16"])
@pytest.mark.parametrize("name", list(BINARY))
def test_binary_against_oracle_and_torch(name, dtype):
    a, b = grid(dtype)
    ra, rb = to_ramp(a), to_ramp(b)
    r = getattr(ramp, name)(ra, rb)
    want = BINARY[name](to_numpy(ra).astype(np.float64), to_numpy(rb).astype(np.float64))
    check_oracle(r, want, 1 if name in ("atan2", "hypot") else 0)
    t = getattr(torch, name)(a, b)
    # SLEEF's functions as 1.13's vector kernels: equal to torch within an ulp
    # fmax/fmin: equal values (1.13's bfloat16 kernel gives the other zero for fmax(-0.0, 0.0));
    # atan2/hypot: SLEEF's functions as 1.13's vector kernels, within an ulp
    tol = ({"atol": 1e-300} if name in ("fmax", "fmin") else
           {"rtol": 2 ** -7 if dtype == "bfloat16" else 3e-7 if dtype == "float32" else 3e-16,
            "atol": 3e-45 if dtype == "float32" else 1e-323})  # an ulp of a subnormal result
    assert_values(r, t, **tol)
    assert_values(getattr(ra, name)(rb), t, **tol)
    # strided operands
    assert_values(getattr(ramp, name)(ra.t(), rb.t()), getattr(torch, name)(a.t(), b.t()), **tol)


@pytest.mark.parametrize("name", list(BINARY))
def test_binary_dtypes_and_errors(name):
    cases = [(torch.tensor([1, -2, 0]), torch.tensor([3, 0, -1])),
             (torch.tensor([True, False]), torch.tensor([False, False])),
             (torch.tensor([1.5, -2.0]), torch.tensor([1, 2])),
             (torch.tensor([1.5, -2.0]).bfloat16(), torch.tensor([1.0, 2.0])),
             (torch.tensor([1.5, -2.0]).double(), torch.tensor([1.0, 2.0])),
             (torch.tensor([[1.5], [-2.0]]), torch.tensor([1.0, 2.0, 3.0]))]
    for a, b in cases:
        t, et = outcome(getattr(torch, name), a, b)
        r, er = outcome(getattr(ramp, name), to_ramp(a), to_ramp(b))
        assert er == et
        if et is None:
            assert_values(r, t, rtol=1e-6)
    _, et = outcome(getattr(torch, name), torch.ones(2), 2)
    _, er = outcome(getattr(ramp, name), ramp.ones(2), 2)
    assert er[0] == et[0] == "TypeError"
    assert hasattr(ramp.Tensor, name + "_") == hasattr(torch.Tensor, name + "_")
    assert hasattr(ramp, name + "_") == hasattr(torch, name + "_")
    if hasattr(torch.Tensor, name + "_"):
        _, et = outcome(lambda x: getattr(x, name + "_")(x), torch.tensor([1, 2]))
        _, er = outcome(lambda x: getattr(x, name + "_")(x), ramp.tensor([1, 2]))
        assert er == et
        x, y = torch.tensor([0.5, -2.0]), ramp.tensor([0.5, -2.0])
        assert getattr(y, name + "_")(ramp.tensor([2.0, 3.0])) is y
        assert_values(y, getattr(x, name + "_")(torch.tensor([2.0, 3.0])))


@pytest.mark.parametrize("name", list(BINARY))
def test_binary_gradients(name):
    g = torch.Generator().manual_seed(1)
    a = torch.randn(3, 4, generator=g, dtype=torch.float64)
    b = torch.randn(4, generator=g, dtype=torch.float64)
    b[1] = a[0, 1]  # a tie for fmax/fmin
    ta, tb = a.clone().requires_grad_(), b.clone().requires_grad_()
    ra, rb = to_ramp(a).requires_grad_(), to_ramp(b).requires_grad_()
    yt, yr = getattr(torch, name)(ta, tb), getattr(ramp, name)(ra, rb)
    assert yr.grad_fn.name() == yt.grad_fn.name()
    w = torch.randn(3, 4, generator=g, dtype=torch.float64)
    (yt * w).sum().backward()
    (yr * to_ramp(w)).sum().backward()
    assert_values(ra.grad, ta.grad, rtol=1e-14, atol=1e-15)
    assert_values(rb.grad, tb.grad, rtol=1e-14, atol=1e-15)
    x = ramp.randn(3, 4, dtype=ramp.float64, requires_grad=True)
    y = ramp.rand(4, dtype=ramp.float64, requires_grad=True)
    assert ramp.autograd.gradcheck(lambda p, q: getattr(ramp, name)(p, q), (x, y))


UNARY = {"erf": np.vectorize(math.erf), "erfc": np.vectorize(math.erfc)}


def erfinv_oracle(y):
    """Newton on math.erf from 0 (a long climb near +-1 is fine in float64: few steps suffice)."""
    out = np.empty_like(y)
    for i, v in enumerate(y.ravel()):
        if math.isnan(v) or abs(v) > 1:
            out.ravel()[i] = math.nan
        elif abs(v) == 1:
            out.ravel()[i] = math.copysign(math.inf, v)
        else:
            x = math.copysign(math.sqrt(-math.log((1 - abs(v)) / 2)), v) if abs(v) > 0.7 else v
            for _ in range(60):
                step = (math.erf(x) - v) / (2 / math.sqrt(math.pi) * math.exp(-x * x))
                x -= step
                if abs(step) <= 1e-17 * abs(x):
                    break
            out.ravel()[i] = x
    return out


@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16"])
@pytest.mark.parametrize("name", ["erf", "erfc", "erfinv"])
def test_erf_family(name, dtype):
    g = torch.Generator().manual_seed(2)
    v = torch.cat([torch.tensor(SPECIALS + [0.9999999, -0.999, 0.75, 1e-40], dtype=torch.float64),
                   torch.randn(500, generator=g, dtype=torch.float64) * (0.5 if name == "erfinv" else 3),
                   torch.rand(200, generator=g, dtype=torch.float64) * 2 - 1])
    t_in = v.to(getattr(torch, dtype))
    r_in = to_ramp(t_in)
    r = getattr(ramp, name)(r_in)
    x = to_numpy(r_in).astype(np.float64)
    want = erfinv_oracle(x) if name == "erfinv" else UNARY[name](x)
    ulps = 2.0
    if name == "erfinv":  # ill-conditioned toward ±1: erf's rounding moves the root by cond ulps
        with np.errstate(all="ignore"):
            cond = np.sqrt(np.pi) / 2 * np.exp(want * want) * np.abs(x) / np.abs(want)
        ulps = np.where(np.isfinite(cond), 2 + 2 * cond, 2.0)
    check_oracle(r, want, ulps)
    t = getattr(torch, name)(t_in)
    assert_values(r, t)  # bit for bit: the same SLEEF functions, and 1.13's erfinv arithmetic
    # integers give the default dtype; in place
    assert_values(getattr(ramp, name)(ramp.tensor([0, 1, -1])), getattr(torch, name)(torch.tensor([0, 1, -1])),
                  rtol=1e-6)
    y = r_in.clone()
    assert getattr(y, name + "_")() is y
    assert_values(y, r)
    assert hasattr(ramp, name + "_") == hasattr(torch, name + "_")


@pytest.mark.parametrize("name", ["erf", "erfc", "erfinv"])
def test_erf_family_gradients(name):
    t = (torch.rand(7, dtype=torch.float64, generator=torch.Generator().manual_seed(3)) * 1.8 - 0.9)
    ta, ra = t.clone().requires_grad_(), to_ramp(t).requires_grad_()
    yt, yr = getattr(torch, name)(ta), getattr(ramp, name)(ra)
    assert yr.grad_fn.name() == yt.grad_fn.name()
    yt.sum().backward()
    yr.sum().backward()
    assert_values(ra.grad, ta.grad, rtol=1e-14)
    assert ramp.autograd.gradcheck(getattr(ramp, name), (to_ramp(t).requires_grad_(),))


def test_signbit():
    for dtype in ["float32", "float64", "bfloat16"]:
        t = torch.tensor(SPECIALS + [-math.nan], dtype=getattr(torch, dtype))
        assert_values(ramp.signbit(to_ramp(t)), torch.signbit(t))
        assert_values(to_ramp(t).signbit(), torch.signbit(t))
    for t in [torch.tensor([-3, 0, 4]), torch.tensor([200], dtype=torch.uint8), torch.tensor([True, False])]:
        assert_values(ramp.signbit(to_ramp(t)), torch.signbit(t))
    assert not hasattr(ramp.Tensor, "signbit_")


def test_nan_to_num():
    for dtype in ["float32", "float64", "bfloat16"]:
        t = torch.tensor(SPECIALS, dtype=getattr(torch, dtype))
        for kw in [{}, {"nan": 1.0, "posinf": 2.0, "neginf": -3.0}, {"posinf": 1e40}, {"neginf": -1e300}, {"nan": 7}]:
            assert_values(ramp.nan_to_num(to_ramp(t), **kw), torch.nan_to_num(t, **kw))
            assert_values(to_ramp(t).nan_to_num(**kw), t.nan_to_num(**kw))
            y = to_ramp(t)
            assert y.nan_to_num_(**kw) is y
            assert_values(y, t.clone().nan_to_num_(**kw))
            y = to_ramp(t)
            assert ramp.nan_to_num_(y, **kw) is y
    for t in [torch.tensor([1, -2]), torch.tensor([True, False])]:
        assert_values(ramp.nan_to_num(to_ramp(t), 3.0), torch.nan_to_num(t, 3.0))
    t = torch.tensor([math.nan, 2.0, math.inf, -1.0], requires_grad=True)
    r = to_ramp(t.detach()).requires_grad_()
    yt, yr = torch.nan_to_num(t), ramp.nan_to_num(r)
    assert yr.grad_fn.name() == yt.grad_fn.name() == "NanToNumBackward0"
    yt.sum().backward()
    yr.sum().backward()
    assert_values(r.grad, t.grad)
    # 1.13's formula is dy * isfinite(x): a NaN dy where x is not finite stays NaN (not 0)
    t.grad, r.grad = None, None
    w = torch.tensor([math.nan, math.nan, math.nan, 2.0])
    torch.nan_to_num(t).backward(w)
    ramp.nan_to_num(r).backward(to_ramp(w))
    assert_values(r.grad, t.grad)
    assert math.isnan(r.grad[0].item())


NAN_INPUT = [[1.0, math.nan, 2.5, -4.0], [math.nan, 0.0, -0.0, 3.0], [math.nan] * 4]


@pytest.mark.parametrize("args,kw", [((), {}), ((0,), {}), ((1, True), {}), (((0, 1),), {}), ((), {"dim": [1]}),
                                     ((), {"dtype": torch.float64}), ((-1,), {"keepdim": True})])
def test_nansum(args, kw):
    t = torch.tensor(NAN_INPUT)
    kr = {k: (ramp.float64 if v is torch.float64 else v) for k, v in kw.items()}
    r = ramp.nansum(to_ramp(t), *args, **kr)
    want = np.nansum(t.numpy().astype(np.float64), axis=args[0] if args else kw.get("dim", None) and tuple(kw["dim"]),
                     keepdims=bool(args[1:] and args[1]) or kw.get("keepdim", False))
    assert_oracle(r, want, ulps=1)
    assert_values(r, torch.nansum(t, *args, **kw))
    assert_values(to_ramp(t).nansum(*args, **kr), t.nansum(*args, **kw))


def test_nansum_dtypes_errors_grad():
    for t in [torch.tensor([1, 2, 3], dtype=torch.int8), torch.tensor([True, True]), torch.tensor([1.5, math.nan]).bfloat16()]:
        assert_values(ramp.nansum(to_ramp(t)), torch.nansum(t))
    assert_values(ramp.nansum(ramp.tensor([1, -2]), dtype=ramp.float32), torch.nansum(torch.tensor([1, -2]), dtype=torch.float32))
    for args in [((0, 0),), (2,)]:
        _, et = outcome(torch.nansum, torch.ones(2, 3), *args)
        _, er = outcome(ramp.nansum, ramp.ones(2, 3), *args)
        assert er == et
    # a floating input with an integral or bool dtype: 1.13's nansum kernel refuses the dtype
    for dt in ["int32", "int64", "bool", "uint8"]:
        for dims in [(), (1,)]:
            _, et = outcome(lambda x: torch.nansum(x, *dims, dtype=getattr(torch, dt)), torch.ones(2, 3))
            _, er = outcome(lambda x: ramp.nansum(x, *dims, dtype=getattr(ramp, dt)), ramp.ones(2, 3))
            assert et is not None and er == et
    t = torch.tensor(NAN_INPUT, requires_grad=True)
    r = to_ramp(t.detach()).requires_grad_()
    yt, yr = torch.nansum(t, 1), ramp.nansum(r, 1)
    assert yr.grad_fn.name() == yt.grad_fn.name()
    w = torch.tensor([1.0, 2.0, 3.0])
    yt.backward(w)
    yr.backward(to_ramp(w))
    assert_values(r.grad, t.grad)


@pytest.mark.parametrize("dim", [None, 0, 1, (0, 1), [1], -1])
def test_count_nonzero(dim):
    t = torch.tensor(NAN_INPUT)
    for x in [t, t.long(), t > 0]:
        r = ramp.count_nonzero(to_ramp(x)) if dim is None else ramp.count_nonzero(to_ramp(x), dim)
        want = np.count_nonzero(x.numpy(), axis=dim if not isinstance(dim, list) else tuple(dim))
        assert_oracle(r.double(), want, ulps=0)
        assert_values(r, torch.count_nonzero(x, dim))
        assert_values(to_ramp(x).count_nonzero(dim=dim), x.count_nonzero(dim=dim))
    for d in [(0, 0), 2]:
        _, et = outcome(torch.count_nonzero, torch.ones(2, 3), d)
        _, er = outcome(ramp.count_nonzero, ramp.ones(2, 3), d)
        assert er == et


@pytest.mark.parametrize("dims", [(0,), (2,), (0, -1), [1, 2, 0], ()])
def test_flip(dims):
    t = torch.arange(24).view(2, 3, 4)
    r = to_ramp(t)
    want = np.flip(t.numpy(), axis=tuple(dims)) if dims else t.numpy()
    assert to_numpy(ramp.flip(r, dims)).tolist() == want.tolist()
    assert_values(ramp.flip(r, dims), torch.flip(t, dims))
    assert_values(r.flip(*dims) if dims else r.flip(dims), t.flip(*dims) if dims else t.flip(dims))
    assert_values(r.flip(dims), t.flip(dims))
    assert_values(ramp.flip(r.transpose(0, 2), dims), torch.flip(t.transpose(0, 2), dims))


def test_flip_errors_and_grad():
    for args in [(0,), ([0, 0],), ((3,),), ((0.5,),)]:
        _, et = outcome(torch.flip, torch.ones(2, 3, 4), *args)
        _, er = outcome(ramp.flip, ramp.ones(2, 3, 4), *args)
        assert er == et
    assert outcome(ramp.ones(3).flip)[1] == outcome(torch.ones(3).flip)[1]
    t = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    r = to_ramp(t.detach()).requires_grad_()
    yt, yr = torch.flip(t, [0, 1]), ramp.flip(r, [0, 1])
    assert yr.grad_fn.name() == yt.grad_fn.name()
    w = torch.randn(3, 4, dtype=torch.float64)
    (yt * w).sum().backward()
    (yr * to_ramp(w)).sum().backward()
    assert_values(r.grad, t.grad)


@pytest.mark.parametrize("shifts,dims", [(1, None), (1, 0), (-5, 2), ((7, -1), (1, 2)), ((2, 1), (2, 2)), (25, None),
                                         ((1,), (0,)), (3, -1)])
def test_roll(shifts, dims):
    t = torch.arange(24).view(2, 3, 4)
    r = to_ramp(t)
    if dims is None:
        want = np.roll(t.numpy(), shifts)
    else:
        want = np.roll(t.numpy(), shifts, axis=dims)
    assert to_numpy(ramp.roll(r, shifts, dims)).tolist() == want.tolist()
    assert_values(ramp.roll(r, shifts, dims), torch.roll(t, shifts, dims))
    assert_values(r.roll(shifts, dims), t.roll(shifts, dims))
    assert_values(r.t().roll(shifts, dims) if r.dim() == 2 else r.transpose(0, 2).roll(shifts, dims),
                  t.transpose(0, 2).roll(shifts, dims))


def test_roll_errors_and_grad():
    for args in [((1, 2), (0,)), ([], []), (1, 5), ((1, 2),)]:
        _, et = outcome(torch.roll, torch.ones(3), *args)
        _, er = outcome(ramp.roll, ramp.ones(3), *args)
        assert er == et
    assert ramp.roll(ramp.ones(0), 1).shape == (0,)
    # a 0-d input with a dim (1.13's IndexError; ramp divided by a zero size, SIGFPE, for dim -1),
    # and an empty input with any dim (1.13 returns the copy before looking at the dim)
    for make, args in [(lambda m: m.tensor(3.0), (1, 0)), (lambda m: m.tensor(3.0), (1, -1)),
                       (lambda m: m.tensor(3.0), (1, 1)), (lambda m: m.tensor(3.0), ((1, 2), (0, -1))),
                       (lambda m: m.zeros(0, 3), (1, 5))]:
        yt, et = outcome(torch.roll, make(torch), *args)
        yr, er = outcome(ramp.roll, make(ramp), *args)
        assert er == et
        if et is None:
            assert_values(yr, yt)
    t = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    r = to_ramp(t.detach()).requires_grad_()
    yt, yr = torch.roll(t, (1, -2), (0, 1)), ramp.roll(r, (1, -2), (0, 1))
    assert yr.grad_fn.name() == yt.grad_fn.name()
    w = torch.randn(3, 4, dtype=torch.float64)
    (yt * w).sum().backward()
    (yr * to_ramp(w)).sum().backward()
    assert_values(r.grad, t.grad)
