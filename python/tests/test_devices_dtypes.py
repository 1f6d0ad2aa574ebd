"""Devices, ramp.cuda/backends stubs, dtype conversions, the default dtype, finfo/iinfo: each
compared with torch 1.13 (CPU-only, as ramp) on the same calls: values, dtypes, reprs, error types."""
import math
import pickle
import warnings

import numpy as np
import pytest

import ramp
from conftest import assert_values, dtype_name, outcome

torch = pytest.importorskip("torch")


def both(expr, x=None):
    """(ramp's outcome, torch's outcome) of evaluating `expr` with `T` bound to each library and `x`
    to that library's tensor of the values `x`."""
    return tuple(outcome(lambda: eval(expr, {"T": lib, "np": np, "x": None if x is None else lib.tensor(x)}))
                 for lib in (ramp, torch))


def same_error(expr, x=None):
    (r, re), (t, te) = both(expr, x)
    assert re is not None and te is not None, (expr, r, t)
    assert re[0] == te[0], (expr, re, te)
    return re[1], te[1]


# ---- devices ----
DEVICE_SPECS = ['"cpu"', '"cpu", 0', '"cuda:0"', '"cuda"', "0", '"cpu:1"', '"cuda", 3', '"mps"', '"meta"',
                'type="cuda", index=2', 'T.device("cuda:1")']


@pytest.mark.parametrize("spec", DEVICE_SPECS)
def test_device_objects(spec):
    (r, re), (t, te) = both(f"T.device({spec})")
    assert re is None and te is None
    assert repr(r) == repr(t) and str(r) == str(t)
    assert (r.type, r.index) == (t.type, t.index)
    r2 = eval(f"ramp.device({spec})", {"ramp": ramp, "T": ramp})
    assert r == r2 and hash(r) == hash(r2) and not (r != r2)
    assert pickle.loads(pickle.dumps(r)) == r


@pytest.mark.parametrize("spec", ['"gpu"', '"CUDA"', '" cpu"', '"cuda:01"', '"cuda:0x"', '"cuda:-1"', '"cuda", -1',
                                  '"cuda:0", 1', "-1", "1.0", '""', '"cuda:"'])
def test_device_errors(spec):
    r, t = same_error(f"T.device({spec})")
    if "received an invalid combination" not in t:
        assert r == t


def test_device_equality_as_torch():
    for a, b in [('"cpu"', '"cpu", 0'), ('"cuda:0"', '"cuda"'), ('"cpu"', '"cuda"'), ('"cuda:1"', '"cuda", 1')]:
        assert (ramp.device(*eval(f"({a},)")) == ramp.device(*eval(f"({b},)"))) == \
            (torch.device(*eval(f"({a},)")) == torch.device(*eval(f"({b},)")))
    assert (ramp.device("cpu") == "cpu") == (torch.device("cpu") == "cpu")
    assert len({ramp.device("cpu"), ramp.device("cpu"), ramp.device("cuda", 0)}) == 2


FACTORY_CALLS = ["T.tensor([1.5, 2.0], device={d})", "T.as_tensor([1, 2], device={d})", "T.zeros(2, 3, device={d})",
                 "T.ones((2,), device={d})", "T.empty(2, device={d}).shape", "T.full((2,), 1.5, device={d})",
                 "T.arange(3, device={d})", "T.linspace(0, 1, 5, device={d})", "T.rand(3, device={d}).shape",
                 "T.randn(3, device={d}).shape", "T.zeros_like(T.ones(2), device={d})",
                 "T.ones_like(T.ones(2), device={d})", "T.empty_like(T.ones(2), device={d}).shape",
                 "T.full_like(T.ones(2), 7, device={d})", "T.scalar_tensor(3, device={d})",
                 "T.randperm(4, device={d}).shape"]


@pytest.mark.parametrize("call", FACTORY_CALLS)
@pytest.mark.parametrize("dev", ['"cpu"', '"cpu:0"', 'T.device("cpu")', 'T.device("cpu", 1)', "None"])
def test_factories_on_cpu(call, dev):
    (r, re), (t, te) = both(call.format(d=dev))
    assert re is None and te is None, (re, te)
    if isinstance(t, torch.Tensor):
        assert_values(r, t)
        assert r.device == ramp.device("cpu") and str(r.device) == str(t.device)
    else:
        assert tuple(r) == tuple(t)


@pytest.mark.parametrize("call", FACTORY_CALLS)
@pytest.mark.parametrize("dev", ['"cuda"', '"cuda:1"', "0", 'T.device("cuda", 0)'])
def test_factories_on_cuda_raise(call, dev):
    r, t = same_error(call.format(d=dev))
    assert "not compiled with CUDA enabled" in r and "CPU only" in r


def test_factory_bad_device():
    same_error('T.zeros(2, device="gpu")')
    with pytest.raises(RuntimeError, match="mps"):  # torch: NotImplementedError from its MPS stub
        ramp.zeros(2, device="mps")


def test_every_factory_takes_device():
    for name in ramp._device.FACTORIES:
        assert getattr(ramp, name).__wrapped__ is getattr(ramp._C, name)


# pin_memory= and layout= on every factory: test_factory_keywords below.


TO_CALLS = ['x.to("cpu")', 'x.to(T.device("cpu"))', "x.to(T.float64)", 'x.to("cpu", T.int32)',
            'x.to(T.device("cpu"), T.float32)', "x.to(T.ones(2, dtype=T.int8))", 'x.to("cpu", copy=True)',
            'x.to(dtype=T.int64, device="cpu", non_blocking=True, copy=True)', 'x.to("cpu", T.int32, True, True)',
            "x.to()", "x.to(T.bfloat16, False, True)", "x.to(device=None)", "x.to(None)", "x.cpu()",
            "x.double().to(x)", 'x.to("cpu:0")', "x.to(dtype=T.float64)", 'x.to("cpu", None, True)',
            "x.to(None, T.int32)", "x.to(None, None)", "x.to(None, T.int32, False, True)", "x.to(None, dtype=T.int32)"]


@pytest.mark.parametrize("call", TO_CALLS)
def test_tensor_to(call):
    (r, re), (t, te) = both(call, [1.5, -2.25, 3.0])
    assert re is None and te is None, (re, te)
    assert_values(r, t)


def test_to_returns_self_when_unchanged():
    for lib in (ramp, torch):
        x = lib.tensor([1.0, 2.0])
        assert x.to("cpu") is x and x.to(lib.float32) is x and x.cpu() is x and x.float() is x
        assert x.to("cpu", copy=True) is not x and x.to(lib.float64) is not x
        y = x.to(lib.float32, copy=True)
        y[0] = 5
        assert x[0].item() == 1.0


@pytest.mark.parametrize("call", ['x.to("cuda")', 'x.to("cuda:0")', "x.to(0)", "x.cuda()", "x.cuda(0)",
                                  'x.to(T.device("cuda", 1), T.float64)', 'x.to(device="cuda")'])
def test_to_cuda_raises(call):
    (_, re), (_, te) = both(call, [1.0, 2.0])
    assert re[0] == te[0] == "AssertionError"
    assert "CUDA" in re[1]


@pytest.mark.parametrize("call", ['x.to("cpu", "cpu")', "x.to(T.float64, T.float32)", "x.to(foo=1)", 'x.to("gpu")',
                                  "x.to([1])", "x.to(T.float64, device='cpu')", 'x.to("cpu", False)',
                                  "x.to(None, False)", 'x.to(None, device="cpu")'])
def test_to_errors(call):
    same_error(call, [1.0, 2.0])


def test_tensor_device_attributes():
    for lib in (ramp, torch):
        x = lib.ones(2)
        assert repr(x.device) == "device(type='cpu')"
        assert (x.is_cuda, x.is_cpu, x.is_mps, x.is_meta, x.get_device()) == (False, True, False, False, -1)


def test_module_to_devices():
    for lib in (ramp, torch):
        m = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.BatchNorm1d(3), lib.nn.ReLU())
        w = m[0].weight
        assert m.to("cpu") is m and m.cpu() is m and m.to(lib.device("cpu")) is m
        assert m.to("cpu", lib.float64) is m and m[0].weight is w and w.dtype == lib.float64
        assert m[1].running_mean.dtype == lib.float64 and m[1].num_batches_tracked.dtype == lib.int64
        m.to(lib.ones(1, dtype=lib.float32))
        assert w.dtype == lib.float32
        m.to(dtype=lib.float64, device="cpu", non_blocking=True)
        assert w.dtype == lib.float64
        for call in (lambda: m.to("cuda"), lambda: m.cuda(), lambda: m.to("cuda:0", lib.float32), lambda: m.cuda(0),
                     lambda: lib.nn.Linear(2, 2, device="cuda")):
            with pytest.raises(AssertionError):
                call()
        with pytest.raises(TypeError, match="only accepts floating point"):
            m.to("cpu", lib.int64)
        with pytest.raises(TypeError, match="only accepts floating point"):
            m.to(lib.int32)


def test_layers_take_device_cpu():
    for lib in (ramp, torch):
        assert lib.nn.Linear(2, 3, device="cpu").weight.shape == (3, 2)
        assert lib.nn.Conv2d(1, 2, 3, device=lib.device("cpu")).weight.shape == (2, 1, 3, 3)
        assert lib.nn.BatchNorm2d(4, device="cpu").running_var.shape == (4,)


# ---- ramp.cuda and ramp.backends ----
CUDA_CALLS = ["is_available()", "device_count()", "is_initialized()", "manual_seed(1)", "manual_seed_all(3)",
              "manual_seed(2 ** 70)", "manual_seed(-1)", "manual_seed(1.5)", "seed()", "seed_all()", "empty_cache()",
              "memory_allocated()", "max_memory_allocated(0)", "memory_reserved()", "max_memory_reserved()",
              "get_arch_list()", "get_rng_state_all()", "set_device(-1)", "memory_stats()"]


@pytest.mark.parametrize("call", CUDA_CALLS)
def test_cuda_queries(call):
    (r, re), (t, te) = both(f"T.cuda.{call}")
    assert re is None and te is None and r == t


@pytest.mark.parametrize("call", ["current_device()", "synchronize()", "get_device_name()", "get_device_name(0)",
                                  "get_device_properties(0)", "get_device_capability()", "initial_seed()",
                                  "get_rng_state()", "current_stream()", "mem_get_info()", "is_bf16_supported()",
                                  "init()", 'manual_seed("a")', "manual_seed(None)", 'set_device("cpu")'])
def test_cuda_errors(call):
    same_error(f"T.cuda.{call}")


def test_cuda_device_context():
    for lib in (ramp, torch):
        with lib.cuda.device(-1):
            pass
        with pytest.raises(AssertionError):
            with lib.cuda.device(0):
                pass
        with pytest.raises(ValueError):
            lib.cuda.device("cpu")


def test_cuda_amp_disabled():
    for lib in (ramp, torch):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            scaler = lib.cuda.amp.GradScaler()
            with lib.cuda.amp.autocast():
                loss = (lib.ones(2, requires_grad=True) * 3).sum()
        assert scaler.scale(loss) is loss and not scaler.is_enabled() and scaler.get_scale() == 1.0
        assert scaler.state_dict() == {}
        scaler.load_state_dict(scaler.state_dict())  # a checkpoint's round trip: 1.13 ignores it when disabled
        scaler.load_state_dict({"scale": 8.0})
        assert scaler.get_scale() == 1.0


def test_backends():
    for lib in (ramp, torch):
        b = lib.backends
        assert (b.mps.is_available(), b.mps.is_built(), b.cudnn.is_available(), b.cudnn.version()) == \
            (False, False, False, None)
        assert (b.cudnn.benchmark, b.cudnn.deterministic, b.cudnn.enabled) == (False, False, True)
        assert (b.cuda.is_built(), b.cuda.matmul.allow_tf32) == (False, False)
    import ramp.backends.cudnn as cudnn
    cudnn.benchmark, cudnn.deterministic = True, True
    try:
        assert ramp.backends.cudnn.benchmark and ramp.backends.cudnn.deterministic
    finally:
        cudnn.benchmark, cudnn.deterministic = False, False


# ---- dtype conversions ----
DATA = [1.5, -2.7, 0.0, 3.0, 255.0]


@pytest.mark.parametrize("method", ["float", "double", "long", "int", "bool", "byte", "char", "bfloat16"])
def test_conversion_methods(method):
    r, t = getattr(ramp.tensor(DATA[:4]), method)(), getattr(torch.tensor(DATA[:4]), method)()
    assert_values(r, t)


@pytest.mark.parametrize("src", ["float32", "float64", "int8", "uint8", "int32", "int64", "bool", "bfloat16"])
def test_type_strings(src):
    r, t = ramp.tensor([1, 0, 2]).to(getattr(ramp, src)), torch.tensor([1, 0, 2]).to(getattr(torch, src))
    assert r.type() == t.type().replace("torch.", "ramp.")


@pytest.mark.parametrize("arg", ['"torch.IntTensor"', '"ramp.IntTensor"', '"torch.DoubleTensor"', '"ramp.ByteTensor"',
                                 '"torch.BFloat16Tensor"', '"torch.BoolTensor"', "T.int64", "T.float32",
                                 'dtype="torch.LongTensor"', "dtype=T.int8", "T.int64, non_blocking=True"])
def test_type_conversion(arg):
    r = eval(f"x.type({arg})", {"T": ramp, "x": ramp.tensor(DATA)})
    t = eval(f"x.type({arg.replace('ramp.', 'torch.')})", {"T": torch, "x": torch.tensor(DATA)})  # torch: its prefix only
    assert_values(r, t)


def test_type_same_object_and_errors():
    x = ramp.tensor(DATA)
    assert x.type(ramp.float32) is x and x.type("torch.FloatTensor") is x and x.type("ramp.FloatTensor") is x
    for bad in ["torch.int32", "IntTensor", "float", "ramp.Int"]:
        r, t = outcome(lambda: x.type(bad)), outcome(lambda: torch.tensor(DATA).type(bad))
        assert r[1][0] == t[1][0] == "ValueError"
        assert r[1][1] == t[1][1]
    r, t = outcome(lambda: x.type("torch.cuda.FloatTensor")), outcome(
        lambda: torch.tensor(DATA).type("torch.cuda.FloatTensor"))
    assert r[1][0] == t[1][0] == "RuntimeError" and "CUDA" in r[1][1]


def test_missing_dtypes_are_clear_errors():
    for name in ["float16", "half", "int16", "short"]:
        with pytest.raises(AttributeError, match="ramp has no"):
            getattr(ramp, name)
        assert hasattr(torch, name)
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        ramp.nonexistent
    for call in [lambda: ramp.ones(2).half(), lambda: ramp.ones(2).short(), lambda: ramp.ones(2).type("torch.HalfTensor"),
                 lambda: ramp.nn.Linear(2, 2).half()]:
        with pytest.raises(TypeError, match="float16|int16"):
            call()


# ---- default dtype ----
DEFAULT_CALLS = ["T.tensor([1.5])", "T.tensor([1])", "T.tensor(1.5)", "T.tensor([])", "T.tensor([True])",
                 "T.zeros(2)", "T.ones(2)", "T.empty(2).dtype", "T.rand(2).dtype", "T.randn(2).dtype",
                 "T.arange(0.5, 2)", "T.arange(3)", "T.arange(3.)", "T.linspace(0, 1, 3)", "T.full((2,), 1.5)",
                 "T.full((2,), 1)", "T.full((2,), True)", "T.scalar_tensor(1)", "T.scalar_tensor(True)",
                 "T.tensor([1]) + 2.5", "T.tensor([1]) / 2", "T.tensor([1]) / T.tensor([2])",
                 "T.tensor([1], dtype=T.float32) + 2.5", "T.tensor(True) + 1.5", "T.zeros_like(T.tensor([1]))",
                 "T.as_tensor([1.5])", "T.tensor([1.5], dtype=T.float32)", "T.empty(0, dtype=T.float32)",
                 "T.nn.Linear(2, 2).weight.dtype", "T.get_default_dtype()", "T.sigmoid(T.tensor([1]))",
                 "T.sqrt(T.tensor([4]))", "T.from_numpy(np.ones(1))", "T.tensor([1.5]).type()",
                 "T.nn.BatchNorm1d(2).running_mean.dtype"]


@pytest.fixture
def default_dtype():
    yield
    ramp.set_default_dtype(ramp.float32)
    torch.set_default_dtype(torch.float32)


@pytest.mark.parametrize("default", ["float64", "bfloat16", "float32"])
@pytest.mark.parametrize("call", DEFAULT_CALLS)
def test_default_dtype_factories(default_dtype, default, call):
    ramp.set_default_dtype(getattr(ramp, default))
    torch.set_default_dtype(getattr(torch, default))
    (r, re), (t, te) = both(call)
    assert re is None and te is None, (re, te)
    if isinstance(t, torch.Tensor):
        assert_values(r, t)
        assert repr(r) == repr(t).replace("torch.", "ramp.")
    elif isinstance(t, str):
        assert r == t.replace("torch.", "ramp.")
    else:
        assert repr(r) == repr(t).replace("torch.", "ramp.")


def test_set_default_dtype_errors(default_dtype):
    for arg in ["T.int32", "T.bool", '"float"', "None", "T.float32"]:
        (r, re), (t, te) = both(f"T.set_default_dtype({arg})")
        assert (re and re[0], re and re[1]) == (te and te[0], te and te[1])
    assert ramp.get_default_dtype() is ramp.float32


# ---- finfo / iinfo ----
@pytest.mark.parametrize("dt", ["float32", "float64", "bfloat16", None])
def test_finfo(default_dtype, dt):
    r = ramp.finfo(getattr(ramp, dt)) if dt else ramp.finfo()
    t = torch.finfo(getattr(torch, dt)) if dt else torch.finfo()
    for f in ["bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"]:
        assert getattr(r, f) == getattr(t, f) and type(getattr(r, f)) is type(getattr(t, f)), f
    assert repr(r) == repr(t) and str(r) == str(t)
    assert r == (ramp.finfo(getattr(ramp, dt)) if dt else ramp.finfo())
    with pytest.raises(TypeError):
        hash(r)


def test_finfo_follows_default_dtype(default_dtype):
    ramp.set_default_dtype(ramp.float64)
    torch.set_default_dtype(torch.float64)
    assert repr(ramp.finfo()) == repr(torch.finfo())


@pytest.mark.parametrize("dt", ["int8", "uint8", "int32", "int64"])
def test_iinfo(dt):
    r, t = ramp.iinfo(getattr(ramp, dt)), torch.iinfo(getattr(torch, dt))
    for f in ["bits", "min", "max", "dtype"]:
        assert getattr(r, f) == getattr(t, f) and type(getattr(r, f)) is type(getattr(t, f)), f
    assert repr(r) == repr(t) and r == ramp.iinfo(getattr(ramp, dt))


@pytest.mark.parametrize("call", ["T.finfo(T.int32)", "T.finfo(T.bool)", "T.iinfo(T.float32)", "T.iinfo(T.bool)",
                                  "T.iinfo(T.bfloat16)"])
def test_info_errors(call):
    r, t = same_error(call)
    assert r == t.replace("torch.", "ramp.")


def test_finfo_values_against_formula():
    # eps = 2^-mantissa bits, max = (2 - eps) 2^emax, tiny = 2^(1 - emax): an oracle independent of torch.
    for dt, m, emax in [(ramp.float32, 23, 127), (ramp.float64, 52, 1023), (ramp.bfloat16, 7, 127)]:
        f = ramp.finfo(dt)
        assert f.eps == 2.0 ** -m and f.max == (2 - 2.0 ** -m) * 2.0 ** emax and f.tiny == 2.0 ** (1 - emax)
        assert f.resolution == 10 ** -math.floor(-math.log10(f.eps))


# ---- dtype queries ----
@pytest.mark.parametrize("dt", ["float32", "float64", "bfloat16", "int8", "uint8", "int32", "int64", "bool"])
def test_dtype_properties(dt):
    r, t = getattr(ramp, dt), getattr(torch, dt)
    assert (r.is_floating_point, r.is_signed, r.is_complex) == (t.is_floating_point, t.is_signed, t.is_complex)
    assert pickle.loads(pickle.dumps(r)) is r
    x, y = ramp.ones(2, dtype=r), torch.ones(2, dtype=t)
    assert ramp.is_floating_point(x) == torch.is_floating_point(y) == x.is_floating_point()
    assert ramp.is_tensor(x) and not ramp.is_tensor([1]) and ramp.numel(x) == torch.numel(y)


@pytest.mark.parametrize("call", ["T.is_floating_point(1.0)", "T.numel([1])"])
def test_dtype_query_errors(call):
    r, t = same_error(call)
    assert r == t


# ---- pin_memory= / layout= / requires_grad= on the factories (1.13 takes them on each it lists) ----
FACTORY_CALLS = {"tensor": "([1.5, 2.0]{})", "as_tensor": "([1.5]{})", "zeros": "(2, 3{})", "ones": "(2{})",
                 "empty": "(0{})", "full": "((2,), 1.5{})", "arange": "(3{})", "linspace": "(0, 1, 5{})",
                 "rand": "(0{})", "randn": "(0{})", "zeros_like": "(L.ones(2){})", "ones_like": "(L.ones(2){})",
                 "empty_like": "(L.ones(0){})", "full_like": "(L.ones(2), 2.5{})", "scalar_tensor": "(1.5{})",
                 "randperm": "(1{})", "randint": "(1, (2,){})", "randint_like": "(L.ones(2), 1{})",
                 "rand_like": "(L.ones(0){})", "randn_like": "(L.ones(0){})", "normal": "(0.0, 1.0, (0,){})",
                 "eye": "(2{})"}
FACTORY_KEYWORDS = ["pin_memory=False", "pin_memory=True", "pin_memory=None", "layout=L.strided", "layout=None",
                    "requires_grad=True", "layout=L.strided, pin_memory=False, requires_grad=False"]


@pytest.mark.parametrize("kw", FACTORY_KEYWORDS)
@pytest.mark.parametrize("name", sorted(FACTORY_CALLS))
def test_factory_keywords(name, kw):
    """Accepted (same values, dtype, requires_grad) or refused (same exception type; pinned memory
    with 1.13's text) as in 1.13."""
    def call(L):
        return eval(f"L.{name}" + FACTORY_CALLS[name].format(", " + kw), {"L": L})
    (r, r_err), (t, t_err) = outcome(call, ramp), outcome(call, torch)
    assert (r_err is None) == (t_err is None), (r_err, t_err)
    if t_err is not None:
        assert r_err[0] == t_err[0]  # the exception type
        if t_err[0] == "RuntimeError":  # pinned memory
            assert r_err == t_err
        return
    assert r.requires_grad == t.requires_grad
    assert_values(r.detach(), t.detach()) if name not in ("empty", "empty_like") else None


def test_strided_layout():
    assert repr(ramp.strided) == "ramp.strided" and isinstance(ramp.strided, ramp.layout)
    assert pickle.loads(pickle.dumps(ramp.strided)) is ramp.strided


# ---- the legacy tensor classes ----
LEGACY_CALLS = ["L.FloatTensor(2, 3)", "L.FloatTensor()", "L.FloatTensor([1, 2])", "L.FloatTensor((2, 3))",
                "L.FloatTensor(L.Size([2, 3]))", "L.LongTensor([1, 2])", "L.LongTensor(2)", "L.LongTensor([1.7, -2.5])",
                "L.DoubleTensor([1.5])", "L.IntTensor([1])", "L.ByteTensor([1, 255])", "L.BoolTensor([1, 0])",
                "L.CharTensor([-3])", "L.BFloat16Tensor([1.5])", "L.FloatTensor(L.ones(2))",
                "L.FloatTensor(L.ones(2, dtype=L.int64))", "L.FloatTensor('a')", "L.FloatTensor(2.5)",
                "L.FloatTensor(-1)", "L.FloatTensor(np.array([1.0, 2.0]))", "L.FloatTensor([1], [2])",
                "L.FloatTensor(2, device='cpu')", "L.FloatTensor([1.0], device='cpu')", "L.FloatTensor([[1, 2], [3, 4]])"]


@pytest.mark.parametrize("expr", LEGACY_CALLS)
def test_legacy_tensor_classes(expr):
    """Same shape, dtype and (for data) values, or the same exception type (and text, but for the
    long overload list), as 1.13."""
    (r, r_err), (t, t_err) = [outcome(lambda: eval(expr, {"L": L, "np": np})) for L in (ramp, torch)]
    assert (r_err is None) == (t_err is None), (r_err, t_err)
    if t_err is not None:
        assert r_err[0] == t_err[0] and (r_err == t_err or "invalid combination" in t_err[1])
        return
    assert tuple(r.shape) == tuple(t.shape) and dtype_name(r) == dtype_name(t)
    if ("[" in expr or "array" in expr or "ones" in expr) and "Size" not in expr:  # data, not sizes
        assert_values(r, t)


def test_legacy_isinstance_and_alias():
    for L in (ramp, torch):
        x = L.ones(2)
        assert isinstance(x, L.FloatTensor) and not isinstance(x, L.DoubleTensor)
        assert isinstance(x.double(), L.DoubleTensor) and isinstance(x.long(), L.LongTensor)
        assert isinstance(L.ones(2, requires_grad=True), L.FloatTensor)
        assert isinstance(L.nn.Parameter(L.ones(2)), L.FloatTensor)
        assert not isinstance(3, L.FloatTensor) and not issubclass(L.FloatTensor, L.Tensor)
        assert L.FloatTensor.dtype is L.float32 and L.LongTensor.dtype is L.int64 and not L.FloatTensor.is_cuda
        assert repr(L.FloatTensor) == f"<class '{L.__name__}.FloatTensor'>"
        assert L.FloatTensor(x).data_ptr() == x.data_ptr()  # an alias
