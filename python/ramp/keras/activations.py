"""keras.activations over ramp: the functions with Keras 2's arguments (relu(x, alpha, max_value,
threshold), softmax(x, axis), elu(x, alpha), gelu(x, approximate), ...), ``get(identifier)``, and
``module(identifier)``: the one place a Keras activation name (or any name of ramp's activation
registry: "LeakyReLU", "hardswish", ...) becomes the ramp nn module a layer applies.
"""
import functools

import ramp
from ramp import _generate, nn
from ramp.nn import functional as F

# Keras names that ramp's registry spells otherwise. hard_sigmoid is PyTorch's relu6(x + 3) / 6 here,
# not Keras 2's clip(0.2 x + 0.5, 0, 1): the layer is the registry's Hardsigmoid module.
_ALIASES = {"hard_sigmoid": "hardsigmoid"}


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """Keras's backend.relu: max_value for x >= max_value, x for threshold < x < max_value,
    alpha (x - threshold) below (with Keras's op choices, so gradients at the kinks agree)."""
    if alpha != 0.0:
        if max_value is None and threshold == 0:
            return F.leaky_relu(x, alpha)
        negative = F.relu(threshold - x) if threshold != 0 else F.relu(-x)
    clip_max = max_value is not None
    if threshold != 0:
        x = x * (x > threshold).to(x.dtype)
    elif max_value == 6:
        x, clip_max = F.relu6(x), False
    else:
        x = F.relu(x)
    if clip_max:
        x = ramp.clamp(x, 0.0, float(max_value))
    if alpha != 0.0:
        x = x - alpha * negative
    return x


def softmax(x, axis=-1):
    return F.softmax(x, dim=axis)


def elu(x, alpha=1.0):
    return F.elu(x, alpha)


def gelu(x, approximate=False):
    return F.gelu(x, approximate="tanh" if approximate else "none")


def linear(x):
    return x


def exponential(x):
    return ramp.exp(x)


def softsign(x):
    return x / (1 + x.abs())


# The rest are the registry's functions with their defaults.
sigmoid, tanh, selu, softplus = F.sigmoid, F.tanh, F.selu, F.softplus
swish = silu = F.silu
mish, hard_sigmoid = F.mish, F.hardsigmoid



def _on_tensors(fn):
    """Keras's activations take anything convertible to a tensor (NumPy arrays, lists), as TF's ops
    convert their inputs; ramp's functions take tensors, so the Keras names convert first."""
    @functools.wraps(fn)
    def wrapper(x, *args, **kwargs):
        return fn(x if isinstance(x, ramp.Tensor) else ramp.as_tensor(x), *args, **kwargs)
    return wrapper


relu, softmax, elu, gelu, linear, exponential, softsign = map(
    _on_tensors, (relu, softmax, elu, gelu, linear, exponential, softsign))
sigmoid, tanh, selu, softplus, swish, mish, hard_sigmoid = map(
    _on_tensors, (sigmoid, tanh, selu, softplus, swish, mish, hard_sigmoid))
silu = swish

_FUNCTIONS = {n: f for n, f in [
    ("relu", relu), ("softmax", softmax), ("elu", elu), ("gelu", gelu), ("linear", linear),
    ("exponential", exponential), ("softsign", softsign), ("sigmoid", sigmoid), ("tanh", tanh), ("selu", selu),
    ("softplus", softplus), ("swish", swish), ("silu", silu), ("mish", mish), ("hard_sigmoid", hard_sigmoid)]}


def _unknown(identifier):
    return ValueError(f"Unknown activation function: '{identifier}'. Please ensure you are using a "
                      "`keras.utils.custom_object_scope` and that this object is included in the scope.")


def _registry_entry(name):
    name = _ALIASES.get(name, name)
    return _generate.BY_NAME.get(name) or next((e for e in _generate.REGISTRY if e["module"] == name), None)


def get(identifier):
    """keras.activations.get: None -> linear, a name -> the function, a callable -> itself."""
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        if identifier in _FUNCTIONS:
            return _FUNCTIONS[identifier]
        entry = _registry_entry(identifier)
        if entry is None:
            raise _unknown(identifier)
        return getattr(F, entry["name"])
    if callable(identifier):
        return identifier
    raise TypeError(f"Could not interpret activation function identifier: {identifier}")


class Lambda(nn.Module):
    """An activation given as a Python callable (a keras.activations function with non-default
    arguments, or the user's own), as a module so that the model lists and hooks it."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, input):
        return self.fn(input)

    def extra_repr(self):
        return getattr(self.fn, "__name__", repr(self.fn))


def module(identifier):
    """The ramp nn module applying an activation (None for none/linear): registry names give the
    registry's module (softmax-like ones over the last dim, Keras's axis=-1), so a Keras model has
    the modules of the equivalent PyTorch model; a function of this module maps back to its name."""
    if identifier is None or identifier == "linear" or identifier is linear:
        return None
    if isinstance(identifier, nn.Module):
        return identifier
    if callable(identifier) and not isinstance(identifier, str):
        name = next((n for n, f in _FUNCTIONS.items() if identifier in (f, f.__wrapped__)), None)
        if name is None or _registry_entry(name) is None:
            return Lambda(identifier)
        identifier = name
    if not isinstance(identifier, str):
        raise TypeError(f"Could not interpret activation function identifier: {identifier}")
    entry = _registry_entry(identifier)
    if entry is None:
        if identifier in _FUNCTIONS:
            return Lambda(_FUNCTIONS[identifier])
        raise _unknown(identifier)
    return getattr(nn, entry["module"])(**({"dim": -1} if entry["kind"] == "softmax" else {}))


def serialize(activation):
    return next((n for n, f in _FUNCTIONS.items() if activation in (f, f.__wrapped__)),
                getattr(activation, "__name__", None))


__all__ = ["get", "serialize", "module", *_FUNCTIONS]
