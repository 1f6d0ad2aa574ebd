"""keras.initializers over ramp's random stream: an initializer is called as Keras calls it,
``init(shape, dtype=None)`` with the shape in Keras's layout (a Dense kernel is [in, out], a Conv2D
kernel [kh, kw, in, out]), and returns a ramp tensor; layers copy it into their PyTorch-layout
weights. Names and formulas are Keras 2's (VarianceScaling: glorot = fan_avg scale 1, he = fan_in
scale 2, lecun = fan_in scale 1; the normal ones truncated at two standard deviations).
"""
import math

import ramp
from ramp.nn import init as _init

from .engine import snake_case

# The std of a standard normal truncated to [-2, 2] (Keras divides by it so the truncated draw
# keeps the variance the scale asks for).
_TRUNCATED_STD = 0.87962566103423978


def _fans(shape):
    """Keras's _compute_fans for a Keras-layout shape."""
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


def _dtype(dtype):
    return getattr(ramp, dtype) if isinstance(dtype, str) else (dtype or ramp.float32)


def _truncated_normal(shape, dtype, mean, stddev):
    """N(mean, stddev) redrawn outside two standard deviations (tf.random.truncated_normal)."""
    t = _init.normal_(ramp.empty(shape, dtype=dtype), 0.0, 1.0)
    out = t.abs() > 2.0
    while out.any().item():
        t = ramp.where(out, _init.normal_(ramp.empty(shape, dtype=dtype), 0.0, 1.0), t)
        out = t.abs() > 2.0
    return t * stddev + mean


class Initializer:
    def __call__(self, shape, dtype=None):
        raise NotImplementedError

    def get_config(self):
        return {}


class Zeros(Initializer):
    def __call__(self, shape, dtype=None):
        return ramp.zeros(tuple(shape), dtype=_dtype(dtype))


class Ones(Initializer):
    def __call__(self, shape, dtype=None):
        return ramp.ones(tuple(shape), dtype=_dtype(dtype))


class Constant(Initializer):
    def __init__(self, value=0):
        self.value = value

    def __call__(self, shape, dtype=None):
        return ramp.full(tuple(shape), float(self.value), dtype=_dtype(dtype))


class RandomNormal(Initializer):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        return _init.normal_(ramp.empty(tuple(shape), dtype=_dtype(dtype)), self.mean, self.stddev)


class RandomUniform(Initializer):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval = minval, maxval

    def __call__(self, shape, dtype=None):
        return _init.uniform_(ramp.empty(tuple(shape), dtype=_dtype(dtype)), self.minval, self.maxval)


class TruncatedNormal(Initializer):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        return _truncated_normal(tuple(shape), _dtype(dtype), self.mean, self.stddev)


class VarianceScaling(Initializer):
    """scale / n with n = fan_in, fan_out or their mean: truncated_normal with std sqrt(scale / n) /
    0.8796..., untruncated_normal with std sqrt(scale / n), or uniform in +-sqrt(3 scale / n)."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        if scale <= 0.0:
            raise ValueError(f"`scale` must be positive float. Received: scale={scale}.")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"Invalid `mode` argument: {mode}")
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in ("uniform", "truncated_normal", "untruncated_normal"):
            raise ValueError(f"Invalid `distribution` argument: {distribution}")
        self.scale, self.mode, self.distribution = scale, mode, distribution

    def __call__(self, shape, dtype=None):
        shape, dtype = tuple(shape), _dtype(dtype)
        fan_in, fan_out = _fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, n)
        if self.distribution == "truncated_normal":
            return _truncated_normal(shape, dtype, 0.0, math.sqrt(scale) / _TRUNCATED_STD)
        if self.distribution == "untruncated_normal":
            return _init.normal_(ramp.empty(shape, dtype=dtype), 0.0, math.sqrt(scale))
        limit = math.sqrt(3.0 * scale)
        return _init.uniform_(ramp.empty(shape, dtype=dtype), -limit, limit)


def _variance_scaling(class_name, scale, mode, distribution):
    def __init__(self, seed=None):
        VarianceScaling.__init__(self, scale, mode, distribution, seed)
    return type(class_name, (VarianceScaling,), {"__init__": __init__, "__module__": __name__})


GlorotUniform = _variance_scaling("GlorotUniform", 1.0, "fan_avg", "uniform")
GlorotNormal = _variance_scaling("GlorotNormal", 1.0, "fan_avg", "truncated_normal")
HeUniform = _variance_scaling("HeUniform", 2.0, "fan_in", "uniform")
HeNormal = _variance_scaling("HeNormal", 2.0, "fan_in", "truncated_normal")
LecunUniform = _variance_scaling("LecunUniform", 1.0, "fan_in", "uniform")
LecunNormal = _variance_scaling("LecunNormal", 1.0, "fan_in", "truncated_normal")

_CLASSES = [Zeros, Ones, Constant, RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling, GlorotUniform,
            GlorotNormal, HeUniform, HeNormal, LecunUniform, LecunNormal]
# Keras's names: each class by its own name and its snake_case name ("glorot_uniform").
_BY_NAME = {**{c.__name__: c for c in _CLASSES}, **{snake_case(c.__name__): c for c in _CLASSES}}


def get(identifier):
    """keras.initializers.get: a name -> a new initializer, an initializer or callable -> itself."""
    if identifier is None:
        return None
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier)
        if cls is None:
            raise ValueError(f"Unknown initializer: '{identifier}'. Please ensure you are using a "
                             "`keras.utils.custom_object_scope` and that this object is included in the scope.")
        return cls()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret initializer identifier: {identifier}")


__all__ = ["get", "Initializer", *[c.__name__ for c in _CLASSES]]
