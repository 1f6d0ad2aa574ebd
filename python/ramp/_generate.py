"""The Python API of every activation, generated from the C++ entries (``_C.registry()``).

Each entry yields, with PyTorch 1.13's names, signatures and defaults:
  * ``F.<name>`` (and ``F.<name>_`` where PyTorch has one),
  * the ``torch.<name>`` / ``Tensor.<name>`` forms for the names PyTorch has there,
  * the ``nn.<Module>`` class, a subclass of ramp.nn.Module and of the C++ module (forward, extra_repr,
    training and the validated fields live in C++).
Functions are generated as real ``def`` text so that signatures, ``inspect`` and the TypeErrors
for missing or extra arguments read exactly like PyTorch's.
"""
import warnings

from . import _C

REGISTRY = _C.registry()
BY_NAME = {e["name"]: e for e in REGISTRY}

_REQUIRED = object()

# What the non-pointwise kinds take beyond their fields (PyTorch's names and defaults).
_KIND_ARGS = {
    "rrelu": [("training", False)],
    "softmax": [("_stacklevel", 3), ("dtype", None)],
}
_MODULE_ARGS = {"prelu": [("init", 0.25), ("device", None), ("dtype", None)]}

# torch.sigmoid_/tanh_ exist, but F.sigmoid/F.tanh and nn.Sigmoid/nn.Tanh take no `inplace`.
_NO_INPLACE_KEYWORD = {"sigmoid", "tanh"}
# torch.<name>(input, *, out=None) (torch.relu has no out=).
_OUT_KEYWORD = {"sigmoid", "tanh"}
# PyTorch defines F.threshold as `_threshold`; its TypeErrors name that function.
_DEF_NAMES = {"threshold": "_threshold"}
# The activations PyTorch also offers as torch.<name> and as Tensor methods.
TORCH_FUNCTIONS = ["relu", "relu_", "prelu", "rrelu", "rrelu_", "selu", "selu_", "celu", "celu_", "threshold",
                   "threshold_", "sigmoid", "sigmoid_", "tanh", "tanh_", "softmax", "log_softmax", "hardshrink"]
TENSOR_METHODS = ["relu", "relu_", "prelu", "sigmoid", "sigmoid_", "tanh", "tanh_", "softmax", "log_softmax",
                  "hardshrink"]


def has_inplace_keyword(entry):
    return entry["inplace"] != "none" and entry["name"] not in _NO_INPLACE_KEYWORD


def _implicit_dim(name, input, stacklevel):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. "
                  "Change the call to include dim=X as an argument.", stacklevel=stacklevel)
    return _C.implicit_softmax_dim(input.dim())


def _params(entry, variant):
    """[(name, default, keyword_only)] of a generated signature, `input` excluded.

    variant: "functional" (F.name), "inplace" (F.name_, torch.name_), "plain" (torch.name), "module".
    """
    kind = entry["kind"]
    fields = [(f["name"], _REQUIRED if f["required"] else f["default"], f["keyword_only"])
              for f in entry["fields"]]
    if variant == "module":  # constructors take every argument positionally (nn.GELU('tanh'))
        params = [(n, d, False) for n, d, _ in fields] + [(n, d, False) for n, d in _MODULE_ARGS.get(kind, [])]
    elif kind == "prelu":  # its field (num_parameters) belongs to the module only
        params = [("weight", _REQUIRED, False)]
    else:
        params = fields + [(n, d, False) for n, d in _KIND_ARGS.get(kind, [])]
    if variant == "plain" and kind == "softmax":  # torch.softmax(input, dim, dtype=None)
        params = [("dim", _REQUIRED, False), ("dtype", None, False)]
    if variant == "plain" and entry["name"] in _OUT_KEYWORD:  # torch.sigmoid(input, *, out=None)
        params.append(("out", None, True))
    if variant in ("functional", "module") and has_inplace_keyword(entry):
        params.append(("inplace", False, False))
    return params


def _signature(params):
    parts, star = [], False
    for name, default, keyword_only in params:
        if keyword_only and not star:
            parts.append("*")
            star = True
        parts.append(name if default is _REQUIRED else f"{name}={default!r}")
    return ", ".join(parts)


def _kwargs(params, python_only=("inplace", "_stacklevel")):
    """The dict literal of the arguments the C++ call path reads."""
    names = [n for n, _, _ in params if n not in python_only]
    return "{" + ", ".join(f"{n!r}: {n}" for n in names) + "}"


def _define(def_name, text, **names):
    scope = {"_C": _C, "_implicit_dim": _implicit_dim, **names}
    exec(text, scope)  # noqa: S102 -- generated from the registry, not from user input
    return scope[def_name]


def make_function(entry, variant):
    """F.<name> ("functional"), F.<name>_ ("inplace") or torch.<name> ("plain")."""
    name, params = entry["name"], _params(entry, variant)
    def_name = {"functional": _DEF_NAMES.get(name, name), "inplace": name + "_"}.get(variant, name)
    inplace = {"inplace": "True", "plain": "False"}.get(variant, "inplace" if has_inplace_keyword(entry) else "False")
    implicit_dim = (f"    if dim is None:\n        dim = _implicit_dim({name!r}, input, _stacklevel)\n"
                    if entry["kind"] == "softmax" and variant == "functional" else "")
    text = (f"def {def_name}(input, {_signature(params)}):\n" if params else f"def {def_name}(input):\n")
    text += implicit_dim + f"    return _C.apply({name!r}, input, {_kwargs(params)}, {inplace})\n"
    fn = _define(def_name, text)
    fn.__module__ = "ramp.nn.functional"
    return fn


def make_module(entry, base, parameter):
    """The nn.<Module> class: `base` (the Python ramp.nn.Module: children, hooks, state_dict, repr) and
    the C++ _C.Module (forward, extra_repr, training, the fields as validated properties). PReLU's weight
    is a Parameter registered on the Python side, and its forward reads that (the optimizer's object)."""
    name, params = entry["name"], _params(entry, "module")
    inplace = "inplace" if has_inplace_keyword(entry) else "False"
    kwargs = _kwargs(params, python_only=("inplace", "device", "dtype"))
    cls = entry["module"]
    # The C++ base first: Module.__init__ sets `training`, a property of the C++ object.
    text = (f"class {cls}(_Module, _C.Module):\n    __module__ = 'ramp.nn'\n"
            "    extra_repr = _C.Module.extra_repr\n    forward = _C.Module.forward\n\n")
    text += f"    def __init__(self, {_signature(params)}):\n" if params else "    def __init__(self):\n"
    text += f"        _C.Module.__init__(self, {name!r}, {kwargs}, {inplace})\n        _Module.__init__(self)\n"
    if entry["kind"] == "prelu":  # torch: Parameter(torch.empty(num_parameters, dtype=dtype).fill_(init))
        text += ("        _C._check_device(device)\n"
                 "        self.weight = _Parameter(_C.empty([num_parameters], dtype=dtype).fill_(init))\n\n"
                 "    def forward(self, input):\n"
                 "        return _C.apply('prelu', input, {'weight': self.weight}, False)\n")
    if entry["kind"] == "softmax":  # warns as F.softmax does, at the caller of Module.__call__; C++ picks the dim
        text += ("\n    def forward(self, input):\n        if self.dim is None:\n"
                 f"            _implicit_dim({name!r}, input, 4)\n        return _C.Module.forward(self, input)\n")
    module = _define(cls, text, _Module=base, _Parameter=parameter)
    for field in [f["name"] for f in entry["fields"]] + (["inplace"] if has_inplace_keyword(entry) else []):
        setattr(module, field, property(lambda self, n=field: self._get(n), lambda self, v, n=field: self._set(n, v)))
    return module


def functional_namespace():
    ns = {}
    for e in REGISTRY:
        ns[e["name"]] = make_function(e, "functional")
        if e["inplace"] == "function" and has_inplace_keyword(e):
            ns[e["name"] + "_"] = make_function(e, "inplace")
    return ns


def torch_namespace():
    """ramp.relu, ramp.relu_, ... for the names in TORCH_FUNCTIONS."""
    ns = {}
    for fname in TORCH_FUNCTIONS:
        base = fname.rstrip("_")
        ns[fname] = make_function(BY_NAME[base], "inplace" if fname.endswith("_") else "plain")
        ns[fname].__module__ = "ramp"
    return ns
