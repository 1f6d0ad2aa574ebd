"""The activation API against PyTorch 1.13: signatures, in-place identity and version counters,
module reprs and state, warnings, and errors (type and message)."""
import inspect
import warnings

import pytest

import ramp
import ramp.nn.functional as F
from conftest import assert_values, outcome, to_ramp
from ramp._generate import REGISTRY, has_inplace_keyword

torch = pytest.importorskip("torch")
TF = torch.nn.functional
BY_NAME = {e["name"]: e for e in REGISTRY}
REQUIRED = {"threshold": 0.5, "value": 2}
# Signatures that PyTorch's docs give differently from its builtins' doc lines (reference §1).
# logsigmoid: 1.13's builtin is named log_sigmoid, its doc line "logsigmoid(input) -> Tensor".
DOCUMENTED_SIGNATURES = {"gelu": "(input, *, approximate='none')", "swish": "(input, beta=1.0)",
                         "logsigmoid": "(input)"}
# Hardtanh's deprecated min_value/max_value keywords are not generated (see the package notes).
MODULE_SIGNATURE_OMISSIONS = {"Hardtanh": {"min_value", "max_value"}}


def plain_signature(fn, drop=()):
    """A signature without annotations, as text; a builtin's from its doc line ("relu_(input) -> Tensor")."""
    try:
        sig = inspect.signature(fn)
    except ValueError:
        scope = {}
        exec(f"def f{fn.__doc__.strip().split(' -> ')[0][len(fn.__name__):]}: pass", scope)  # noqa: S102
        sig = inspect.signature(scope["f"])
    params = [p.replace(annotation=inspect.Parameter.empty) for p in sig.parameters.values() if p.name not in drop]
    return str(sig.replace(parameters=params, return_annotation=inspect.Signature.empty))


@pytest.mark.parametrize("name", sorted(n for n in dir(F) if not n.startswith("_")))
def test_functional_signature(name):
    expected = DOCUMENTED_SIGNATURES.get(name) or plain_signature(getattr(TF, name))
    assert plain_signature(getattr(F, name)) == expected


@pytest.mark.parametrize("entry", REGISTRY, ids=lambda e: e["module"])
def test_module_signature(entry):
    cls = getattr(torch.nn, entry["module"], None)
    if cls is None:
        pytest.skip("not a PyTorch module")
    drop = MODULE_SIGNATURE_OMISSIONS.get(entry["module"], ())
    assert plain_signature(getattr(ramp.nn, entry["module"]).__init__) == plain_signature(cls.__init__, drop)


def inputs(lib):
    """A contiguous, a transposed and a step-sliced (not dense) tensor of lib with the same values."""
    base = torch.tensor([[-2.0, -0.5, 0.0, 0.5], [1.5, -3.0, 4.0, -0.0]])
    base = base if lib is torch else to_ramp(base)
    return {"contiguous": base.clone(), "transposed": base.clone().t(), "strided": base.clone()[:, ::2]}


def inplace_forms(lib, entry):
    """(label, call) for every in-place form of the entry in lib: F(x, inplace=True), F.name_, torch.name_,
    Tensor.name_, nn.Module(inplace=True)."""
    F_, name, forms = lib.nn.functional, entry["name"], []
    kw = {f["name"]: REQUIRED.get(f["name"], f["default"]) for f in entry["fields"]}
    if has_inplace_keyword(entry):
        forms.append(("F(inplace=True)", lambda x: getattr(F_, name)(x, **kw, inplace=True)))
        forms.append(("module", lambda x: getattr(lib.nn, entry["module"])(**kw, inplace=True).eval()(x)))
    if hasattr(F_, name + "_"):
        forms.append(("F_", lambda x: getattr(F_, name + "_")(x, **kw)))
    if hasattr(lib, name + "_"):
        forms.append(("torch_", lambda x: getattr(lib, name + "_")(x, **kw)))
    if hasattr(lib.Tensor, name + "_"):
        forms.append(("Tensor_", lambda x: getattr(x, name + "_")(**kw)))
    return forms


@pytest.mark.parametrize("entry", [e for e in REGISTRY if e["inplace"] != "none"], ids=lambda e: e["name"])
def test_inplace_returns_same_object_and_bumps_version_once(entry):
    forms = dict(inplace_forms(ramp, entry))
    assert forms, "an in-place entry without any in-place form"
    assert forms.keys() == dict(inplace_forms(torch, entry)).keys() or entry["name"] == "swish"
    kw = {f["name"]: REQUIRED.get(f["name"], f["default"]) for f in entry["fields"]}
    for label, call in forms.items():
        for layout, x in inputs(ramp).items():
            expected = getattr(F, entry["name"])(x, **kw)
            t = inputs(torch)[layout]
            before, t_before = x._version, t._version
            out = call(x)
            assert out is x, (label, layout)
            assert x._version == before + 1 and t._version == t_before + 0, (label, layout)
            dict(inplace_forms(torch, entry))[label](t)
            assert t._version == t_before + 1
            assert_values(x, expected)
            assert_values(x, t, 1e-6, 1e-7)


@pytest.mark.parametrize("name", [e["name"] for e in REGISTRY if e["kind"] != "prelu"])
def test_out_of_place_leaves_input_alone(name):
    entry = BY_NAME[name]
    x = ramp.tensor([-1.0, 2.0])
    kw = {f["name"]: REQUIRED.get(f["name"], f["default"]) for f in entry["fields"]}
    if entry["kind"] == "softmax":
        kw["dim"] = 0
    v = x._version
    y = getattr(F, name)(x, **kw)
    assert y is not x and x._version == v and x.tolist() == [-1.0, 2.0]


def module_arguments(entry):
    """Constructor calls (args, kwargs) worth comparing reprs on: defaults, ints, floats that print
    long, tiny floats, negative values, positional arguments, inplace=True."""
    base = {f["name"]: REQUIRED[f["name"]] for f in entry["fields"] if f["required"]}
    calls = [([], base), (list(base.values()), {})]
    for f in entry["fields"]:
        if f["type"] == "Number":
            calls += [([], {**base, f["name"]: v}) for v in (1, 0.1 + 0.2, 1e-5, 2.0, -3)]
    if entry["kind"] == "softmax":
        calls += [([], {"dim": 1}), ([-1], {})]
    if any(f["type"] == "str" for f in entry["fields"]):
        calls += [([], {"approximate": "tanh"}), (["tanh"], {})]
    if entry["kind"] == "prelu":
        calls += [([3], {}), ([3], {"init": 0.1})]
    if has_inplace_keyword(entry):
        calls += [([], {**base, "inplace": True})]
        calls += [([True], {})] if not entry["fields"] else []
    return calls


@pytest.mark.parametrize("entry", REGISTRY, ids=lambda e: e["module"])
def test_module_repr(entry):
    """Equal reprs, or the same error (Hardtanh's bare AssertionError when max_val <= min_val)."""
    for args, kwargs in module_arguments(entry):
        r = outcome(lambda: repr(getattr(ramp.nn, entry["module"])(*args, **kwargs)))
        cls = getattr(torch.nn, entry["module"], None)
        if cls is None:  # Swish: ramp's own, printed by the same rules
            expected = "Swish(" + ", ".join(f"{k}={v!r}" for k, v in {"beta": 1.0, **kwargs}.items()) + ")"
            assert r == (expected, None)
        else:
            assert r == outcome(lambda: repr(cls(*args, **kwargs))), (args, kwargs)


def test_reference_reprs():
    nn = ramp.nn
    assert repr(nn.ELU(1)) == "ELU(alpha=1)"
    assert repr(nn.LeakyReLU(0.1 + 0.2)) == "LeakyReLU(negative_slope=0.30000000000000004)"
    assert repr(nn.RReLU(inplace=True)) == "RReLU(lower=0.125, upper=0.3333333333333333, inplace=True)"
    assert repr(nn.Hardswish(inplace=True)) == "Hardswish()"
    assert repr(nn.Softmax()) == "Softmax(dim=None)"
    assert repr(nn.Threshold(0.1, 20.0)) == "Threshold(threshold=0.1, value=20.0)"
    assert repr(nn.PReLU(3, init=0.1)) == "PReLU(num_parameters=3)"


def test_module_state():
    m = ramp.nn.LeakyReLU(0.2)
    assert m.training and m.eval() is m and not m.training and m.train() is m and m.training
    assert m.negative_slope == 0.2 and m.inplace is False
    m.negative_slope = 1
    assert repr(m) == "LeakyReLU(negative_slope=1)"
    m.inplace = True
    x = ramp.tensor([-2.0, 3.0])
    assert m(x) is x and m.forward(x) is x and x.tolist() == [-2.0, 3.0]
    p = ramp.nn.PReLU(3, init=0.1)
    assert isinstance(p.weight, ramp.Tensor) and p.weight.shape == (3,) and p.weight.dtype == ramp.float32
    assert ramp.nn.PReLU(dtype=ramp.float64).weight.dtype == ramp.float64
    with ramp.no_grad():  # the weight is a parameter (requires grad), as in torch
        p.weight[1] = 2.0  # the module sees writes through its weight
    assert p(ramp.tensor([[-1.0, -1.0, -1.0]]))[0].tolist() == pytest.approx([-0.1, -2.0, -0.1])
    assert isinstance(ramp.nn.ReLU(), ramp.nn.Module)
    assert ramp.nn.get_activation("relu").__class__ is ramp.nn.ReLU
    assert repr(ramp.nn.get_activation("LeakyReLU", 0.5)) == "LeakyReLU(negative_slope=0.5)"
    with pytest.raises(ValueError, match="unknown activation 'nope'"):
        ramp.nn.get_activation("nope")


def test_hardtanh_assert():
    for lib in (ramp, torch):
        with pytest.raises(AssertionError) as e:
            lib.nn.Hardtanh(2.0, -2.0)
        assert e.value.args == ()
    assert F.hardtanh(ramp.tensor([0.0, 5.0]), 2.0, -2.0).tolist() == [-2.0, -2.0]


def test_tensor_slope_and_int_params():
    x = ramp.tensor([-1.0, 2.0])
    assert F.leaky_relu(x, ramp.tensor(0.5)).tolist() == [-0.5, 2.0]
    t = torch.tensor([-3, 0, 9])
    assert_values(F.threshold(to_ramp(t), 1, 7), TF.threshold(t, 1, 7))
    assert_values(F.relu6(to_ramp(t)), TF.relu6(t))


@pytest.mark.parametrize("name", [e["name"] for e in REGISTRY if e["kind"] == "softmax"])
def test_implicit_dim_warning(name):
    x = ramp.zeros(2, 3)
    t = torch.zeros(2, 3)
    for call, tcall in [(lambda: getattr(F, name)(x), lambda: getattr(TF, name)(t)),
                        (lambda: getattr(ramp.nn, BY_NAME[name]["module"])()(x),
                         lambda: getattr(torch.nn, BY_NAME[name]["module"])()(t))]:
        with warnings.catch_warnings(record=True) as got:
            warnings.simplefilter("always")
            y = call()
        with warnings.catch_warnings(record=True) as want:
            warnings.simplefilter("always")
            ty = tcall()
        assert [str(w.message) for w in got] == [str(w.message) for w in want]
        assert got[0].category is UserWarning and got[0].filename == __file__  # the caller's line
        assert y.tolist() == ty.tolist()
    assert ramp.softmax(x, 1).tolist() == torch.softmax(t, 1).tolist()
    assert ramp.softmax(ramp.tensor(2.0), dim=0).item() == 1.0


# Each case runs against both libraries; the exception type and message must agree.
ERROR_CASES = {
    "relu of a list": lambda L: L.nn.functional.relu([1.0, -1.0]),
    "softmax dim out of range": lambda L: L.nn.functional.softmax(L.zeros(2, 3), dim=2),
    "torch.softmax dim out of range": lambda L: L.softmax(L.zeros(2, 3), -3),
    "log_softmax of int64": lambda L: L.nn.functional.log_softmax(L.tensor([1, 2]), 0),
    "prelu channel mismatch": lambda L: L.nn.PReLU(3)(L.zeros(2, 4, 5)),
    "prelu 1-d channel mismatch": lambda L: L.nn.PReLU(3)(L.zeros(3)),
    "prelu zero-dim": lambda L: L.nn.functional.prelu(L.tensor(1.0), L.tensor([0.25, 0.5])),
    "prelu 2-d weight": lambda L: L.nn.functional.prelu(L.zeros(2, 3), L.zeros(1, 3)),
    "prelu weight dtype": lambda L: L.nn.PReLU(3)(L.zeros(2, 3, dtype=L.int64)),
    "prelu float weight": lambda L: L.nn.functional.prelu(L.zeros(2, 3), 0.25),
    "inplace on expanded": lambda L: L.zeros(1).expand(3).relu_(),
    "F inplace on expanded": lambda L: L.nn.functional.elu(L.zeros(1).expand(3), inplace=True),
    "leaky_relu int64": lambda L: L.nn.functional.leaky_relu(L.tensor([1, -1])),
    "relu bool": lambda L: L.relu(L.tensor([True, False])),
    "hardtanh uint8": lambda L: L.nn.functional.hardtanh(L.tensor([1, 2], dtype=L.uint8)),
    "threshold uint8 overflow": lambda L: L.nn.functional.threshold(L.tensor([1], dtype=L.uint8), 0.5, -2.0),
    "threshold int32 overflow": lambda L: L.nn.Threshold(0.5, 1e10)(L.tensor([1], dtype=L.int32)),
    "hardtanh int8 overflow": lambda L: L.nn.functional.hardtanh(L.tensor([1], dtype=L.int8), -200, 1),
    "mish bfloat16": lambda L: L.nn.functional.mish(L.zeros(2, dtype=L.bfloat16)),
    "sigmoid_ of int64": lambda L: L.tensor([1, 2]).sigmoid_(),
    "gelu bad approximate": lambda L: L.nn.functional.gelu(L.zeros(2), approximate="fast"),
    "gelu positional approximate": lambda L: L.nn.functional.gelu(L.zeros(2), "tanh"),
    "gelu approximate not str": lambda L: L.nn.functional.gelu(L.zeros(2), approximate=1),
    "celu alpha 0": lambda L: L.nn.functional.celu(L.zeros(2), alpha=0.0),
    "rrelu lower > upper": lambda L: L.nn.functional.rrelu(L.zeros(2), 0.5, 0.2, training=True),
    "threshold missing value": lambda L: L.nn.functional.threshold(L.zeros(2), 1.0),
    "Threshold missing value": lambda L: L.nn.Threshold(0.1),
    "leaky_relu str slope": lambda L: L.nn.functional.leaky_relu(L.zeros(1), "a"),
    "elu None alpha": lambda L: L.nn.functional.elu(L.zeros(1), None),
    "hardtanh str": lambda L: L.nn.functional.hardtanh(L.zeros(2), "a"),
    "relu out=": lambda L: L.relu(L.zeros(2), out=1),
    "relu extra argument": lambda L: L.nn.functional.relu(L.zeros(2), False, 3),
}


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_error_matches_torch(case):
    _, r_err = outcome(ERROR_CASES[case], ramp)
    _, t_err = outcome(ERROR_CASES[case], torch)
    assert t_err is not None
    assert r_err == t_err


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_out_keyword(name):
    """torch.sigmoid/tanh(input, *, out=): the result lands in `out`, which is returned itself."""
    t = torch.randn(4, 5)
    x = to_ramp(t)
    out = ramp.empty(5, 4).t()  # written through its strides
    result = getattr(ramp, name)(x, out=out)
    assert result is out
    assert_values(out, getattr(torch, name)(t), rtol=1e-6, atol=1e-7)
    # dtype mismatch: PyTorch's text; a wrong shape is refused (1.13 would resize with a warning)
    r_bad, t_bad = ramp.empty(4, 5, dtype=ramp.int64), torch.empty(4, 5, dtype=torch.int64)
    got = outcome(lambda: getattr(ramp, name)(x, out=r_bad))
    assert got[1] is not None and got == outcome(lambda: getattr(torch, name)(t, out=t_bad))
    with pytest.raises(RuntimeError, match="out has shape"):
        getattr(ramp, name)(x, out=ramp.empty(3))
