"""Names pasted PyTorch code uses around the core, against torch 1.13 on the same inputs:
logspace, repeat_interleave, Tensor.new_*, mT/mH/H, type() with the legacy classes, Module.type,
autograd.Variable, inference_mode, use_deterministic_algorithms, parameters_to_vector."""
import random
import warnings

import numpy as np
import pytest

import ramp
from conftest import outcome, to_numpy, to_ramp

torch = pytest.importorskip("torch")


def same(r, t):
    """Same dtype, shape and values (bit for bit, NaN where torch has NaN)."""
    assert str(r.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    assert tuple(r.shape) == tuple(t.shape)
    a, b = to_numpy(r).astype(np.float64), t.detach().to(torch.float64).numpy()
    np.testing.assert_array_equal(a, b)


# ---- logspace ----
@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16", "int64", "int32", "uint8"])
def test_logspace_values_as_torch(dtype):
    rng = random.Random(3)
    for _ in range(300):
        lo, hi = (0, 2.4) if dtype == "uint8" else (-6, 6)
        a, b = rng.uniform(lo, hi), rng.uniform(lo, hi)
        steps, base = rng.randint(0, 33), rng.choice([10.0, 2.0, 2.718281828459045, 3.7])
        if dtype == "uint8":
            base = 2.0
        r = ramp.logspace(a, b, steps, base=base, dtype=getattr(ramp, dtype))
        t = torch.logspace(a, b, steps, base=base, dtype=getattr(torch, dtype))
        same(r, t)


def test_logspace_ieee_results_as_torch():
    """C's pow: overflow to inf, 0 ** negative, a negative base's fractional power (NaN)."""
    for args, kw in [((0, 400, 3), {}), ((-1, 1, 3), {"base": 0.0}), ((0, 1, 3), {"base": -2.0}),
                     ((0, 3, 4), {"base": -2.0}), ((-400, 400, 5), {"base": -10.0}), ((0, 400, 3), {"dtype": "float32"})]:
        kw_r = {k: getattr(ramp, v) if k == "dtype" else v for k, v in kw.items()}
        kw_t = {k: getattr(torch, v) if k == "dtype" else v for k, v in kw.items()}
        same(ramp.logspace(*args, **kw_r), torch.logspace(*args, **kw_t))


def test_logspace_defaults_and_errors():
    same(ramp.logspace(0, 2, 3), torch.logspace(0, 2, 3))
    same(ramp.logspace(-2, 2, 1), torch.logspace(-2, 2, 1))
    assert ramp.logspace(0, 1, 4, requires_grad=True).requires_grad
    for args, kw in [((0, 1, -1), {}), ((0, 1, 3), {"dtype": "bool"})]:
        kw_r = {k: getattr(ramp, v) for k, v in kw.items()}
        kw_t = {k: getattr(torch, v) for k, v in kw.items()}
        assert outcome(lambda: ramp.logspace(*args, **kw_r)) == outcome(lambda: torch.logspace(*args, **kw_t))


# ---- repeat_interleave ----
CASES = [((2, 3), 2, None), ((2, 3), 2, 0), ((2, 3), 3, 1), ((2, 3), [1, 0], 0), ((2, 3), [2, 1, 3], -1),
         ((4,), [0, 0, 1, 2], 0), ((2, 3), [2], 1), ((2, 3), 0, 1), ((), 3, None)]


@pytest.mark.parametrize("shape,repeats,dim", CASES)
def test_repeat_interleave_values_and_gradients(shape, repeats, dim):
    t = torch.randn(shape, dtype=torch.float64, requires_grad=True)
    r = to_ramp(t.detach()).requires_grad_()
    rep_t = torch.tensor(repeats) if isinstance(repeats, list) else repeats
    rep_r = ramp.tensor(repeats) if isinstance(repeats, list) else repeats
    yt, yr = t.repeat_interleave(rep_t, dim), r.repeat_interleave(rep_r, dim)
    same(yr, yt)
    same(ramp.repeat_interleave(r, rep_r, dim=dim), torch.repeat_interleave(t, rep_t, dim=dim))
    assert yr.grad_fn.name() == type(yt.grad_fn).__name__ == "IndexSelectBackward0"
    g = torch.randn(yt.shape, dtype=torch.float64)
    yt.backward(g)
    yr.backward(to_ramp(g))
    same(r.grad, t.grad)


def test_repeat_interleave_index_form_and_errors():
    same(ramp.repeat_interleave(ramp.tensor([2, 0, 1])), torch.repeat_interleave(torch.tensor([2, 0, 1])))
    same(ramp.repeat_interleave(ramp.tensor([2, 0, 3], dtype=ramp.int32)),
         torch.repeat_interleave(torch.tensor([2, 0, 3], dtype=torch.int32)))
    same(ramp.repeat_interleave(ramp.tensor([], dtype=ramp.int64)), torch.repeat_interleave(torch.tensor([], dtype=torch.int64)))
    for make in [lambda m: m.repeat_interleave(m.tensor([1, 2]), output_size=5),
                 lambda m: m.repeat_interleave(m.tensor(5), 2, dim=0)]:
        assert outcome(lambda: make(ramp)) == outcome(lambda: make(torch))
    same(ramp.repeat_interleave(ramp.tensor(5.0), 3), torch.repeat_interleave(torch.tensor(5.0), 3))
    x_r, x_t = ramp.arange(6.).reshape(2, 3), torch.arange(6.).reshape(2, 3)
    same(x_r.repeat_interleave(ramp.tensor([1, 2]), dim=0, output_size=3),
         x_t.repeat_interleave(torch.tensor([1, 2]), dim=0, output_size=3))
    for make in [lambda m, x: x.repeat_interleave(-1), lambda m, x: x.repeat_interleave(m.tensor([[1]])),
                 lambda m, x: x.repeat_interleave(m.tensor([1, 2]), dim=1),
                 lambda m, x: x.repeat_interleave(m.tensor([1., 2.]), dim=0),
                 lambda m, x: m.repeat_interleave(m.tensor([1, -2])), lambda m, x: x.repeat_interleave(2, dim=5),
                 lambda m, x: m.repeat_interleave(m.tensor([[1, 2]]))]:
        assert outcome(lambda: make(ramp, x_r)) == outcome(lambda: make(torch, x_t))


# ---- Tensor.new_* ----
@pytest.mark.parametrize("dtype", ["float32", "int64", "bfloat16"])
def test_new_factories_take_the_tensors_dtype(dtype):
    r, t = ramp.zeros(2, 3, dtype=getattr(ramp, dtype)), torch.zeros(2, 3, dtype=getattr(torch, dtype))
    for name, args in [("new_zeros", (3,)), ("new_zeros", ((2, 3),)), ("new_ones", (2, 2)), ("new_ones", ([4],)),
                       ("new_full", ((2,), 5)), ("new_tensor", ([1, 2],)), ("new_tensor", ([[1.5, -2.25]],))]:
        same(getattr(r, name)(*args), getattr(t, name)(*args))
    assert tuple(r.new_empty(2, 5).shape) == (2, 5) and r.new_empty(3).dtype == r.dtype
    same(r.new_zeros(size=(2, 3)), t.new_zeros(size=(2, 3)))
    same(r.new_ones(size=[4]), t.new_ones(size=[4]))
    same(r.new_ones(2, dtype=ramp.float64), t.new_ones(2, dtype=torch.float64))
    if dtype != "int64":
        assert r.new_zeros(2, requires_grad=True).requires_grad


def test_new_tensor_copies_and_warns_on_a_tensor():
    src = ramp.ones(3)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        c = ramp.zeros(1, dtype=ramp.float64).new_tensor(src)
    assert any("clone().detach()" in str(x.message) for x in w)
    assert c.dtype == ramp.float64
    src.add_(1)
    assert c.tolist() == [1.0, 1.0, 1.0]  # a copy, not an alias


# ---- mT, mH, H ----
def test_matrix_transposes():
    t = torch.randn(2, 3, 4)
    r = to_ramp(t)
    same(r.mT, t.mT)
    same(r.mH, t.mH)
    same(r[0].H, t[0].H)
    for prop in ("mT", "mH", "H"):
        assert outcome(lambda: getattr(ramp.ones(3), prop)) == outcome(lambda: getattr(torch.ones(3), prop))
    assert outcome(lambda: r.H) == outcome(lambda: t.H)


# ---- type() with the legacy classes, Module.type ----
def test_type_takes_legacy_classes():
    r, t = ramp.tensor([1.5, -2.5]), torch.tensor([1.5, -2.5])
    for cls in ("FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "BoolTensor"):
        same(r.type(getattr(ramp, cls)), t.type(getattr(torch, cls)))
    assert r.type(ramp.FloatTensor) is r
    assert r.type() == "ramp.FloatTensor" and t.type() == "torch.FloatTensor"
    same(r.type("torch.DoubleTensor"), t.type("torch.DoubleTensor"))


def test_module_type_converts_every_parameter_and_buffer():
    m_r, m_t = ramp.nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3)
    for dst_r, dst_t in [(ramp.float64, torch.float64), (ramp.FloatTensor, torch.FloatTensor)]:
        assert m_r.type(dst_r) is m_r
        m_t.type(dst_t)
        for (nr, vr), (nt, vt) in zip(m_r.state_dict().items(), m_t.state_dict().items()):
            assert nr == nt
            same(vr, vt)


# ---- autograd.Variable ----
def test_variable_is_a_detached_alias():
    from ramp.autograd import Variable
    a = ramp.ones(2)
    v = Variable(a)
    assert v is not a and not v.requires_grad and isinstance(a, Variable)
    v.add_(1)
    assert a.tolist() == [2.0, 2.0]  # shares memory, as 1.13's
    w = Variable(a, requires_grad=True)
    assert w.requires_grad and w.is_leaf
    (w * 3).sum().backward()
    assert w.grad.tolist() == [3.0, 3.0]
    b = ramp.ones(2, requires_grad=True) * 2
    assert Variable(b).grad_fn is None and not Variable(b).requires_grad
    with pytest.raises(TypeError, match="Variable data has to be a tensor, but got list"):
        Variable([1, 2])
    with pytest.raises(TypeError, match="Variable data has to be a tensor, but got list"):
        torch.autograd.Variable([1, 2])


# ---- inference_mode, deterministic algorithms ----
def test_inference_mode_records_no_graph():
    x = ramp.ones(2, requires_grad=True)
    assert not ramp.is_inference_mode_enabled()
    with ramp.inference_mode():
        assert ramp.is_inference_mode_enabled()
        y = x * 2
    assert not y.requires_grad and ramp.is_grad_enabled() and not ramp.is_inference_mode_enabled()
    with ramp.inference_mode(False):
        assert (x * 2).requires_grad
    for lib, t in ((ramp, x), (torch, torch.ones(2, requires_grad=True))):  # 1.13: False turns grad back on
        seen = []
        with lib.no_grad():
            with lib.inference_mode(False):
                seen.append((lib.is_grad_enabled(), (t * 2).requires_grad))
        with lib.inference_mode():
            with lib.inference_mode(False):
                seen.append((lib.is_grad_enabled(), lib.is_inference_mode_enabled()))
            seen.append((lib.is_grad_enabled(), lib.is_inference_mode_enabled()))
        seen.append((lib.is_grad_enabled(), lib.is_inference_mode_enabled()))
        if lib is ramp:
            ramp_seen = seen
    assert ramp_seen == seen

    @ramp.inference_mode()
    def f(t):
        return t * 2
    assert not f(x).requires_grad


def test_deterministic_algorithms_flag():
    assert ramp.are_deterministic_algorithms_enabled() is torch.are_deterministic_algorithms_enabled() is False
    try:
        ramp.use_deterministic_algorithms(True, warn_only=True)
        assert ramp.are_deterministic_algorithms_enabled()
        assert ramp.is_deterministic_algorithms_warn_only_enabled()
    finally:
        ramp.use_deterministic_algorithms(False)
    assert not ramp.are_deterministic_algorithms_enabled()
    assert outcome(lambda: ramp.use_deterministic_algorithms(1)) == outcome(lambda: torch.use_deterministic_algorithms(1))


# ---- nn.utils.parameters_to_vector / vector_to_parameters ----
def test_parameters_to_vector_and_back():
    torch.manual_seed(0)
    m_t = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    m_r = ramp.nn.Sequential(ramp.nn.Linear(3, 4), ramp.nn.ReLU(), ramp.nn.Linear(4, 2))
    m_r.load_state_dict({k: to_ramp(v) for k, v in m_t.state_dict().items()})
    v_t = torch.nn.utils.parameters_to_vector(m_t.parameters())
    v_r = ramp.nn.utils.parameters_to_vector(m_r.parameters())
    same(v_r, v_t)
    new = torch.randn(v_t.numel())
    torch.nn.utils.vector_to_parameters(new, m_t.parameters())
    ramp.nn.utils.vector_to_parameters(to_ramp(new), m_r.parameters())
    for (nr, pr), (nt, pt) in zip(m_r.named_parameters(), m_t.named_parameters()):
        assert nr == nt
        same(pr, pt)
    x = torch.randn(5, 3)
    same(m_r(to_ramp(x)), m_t(x))
    assert outcome(lambda: ramp.nn.utils.vector_to_parameters([1.0], m_r.parameters())) == \
        outcome(lambda: torch.nn.utils.vector_to_parameters([1.0], m_t.parameters()))
