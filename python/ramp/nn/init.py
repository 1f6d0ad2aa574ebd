"""ramp.nn.init: torch 1.13's initialisers (C++ nn::init), in place, without recording a graph; each
returns the tensor it was given. The random stream is ramp's (ramp.manual_seed), not torch's.

    init.kaiming_uniform_(layer.weight, a=math.sqrt(5))    # Linear/Conv2d's default
    init.xavier_normal_(w, gain=init.calculate_gain("tanh"))
"""
import math
import warnings

from .. import _C

__all__ = ["calculate_gain", "uniform_", "normal_", "constant_", "ones_", "zeros_", "xavier_uniform_",
           "xavier_normal_", "kaiming_uniform_", "kaiming_normal_"]

_init = _C._init


def calculate_gain(nonlinearity, param=None):
    """The recommended gain: 1 for linear/conv/sigmoid, 5/3 tanh, sqrt(2) relu,
    sqrt(2 / (1 + slope^2)) leaky_relu (param: the slope, 0.01 by default), 3/4 selu."""
    return _init.calculate_gain(nonlinearity, _slope(nonlinearity, param))


def _slope(nonlinearity, param):
    """leaky_relu's slope as a float, with torch's check (a bool or a non-number is refused)."""
    if param is None or nonlinearity != "leaky_relu":
        return None
    if isinstance(param, bool) or not isinstance(param, (int, float)):
        raise ValueError(f"negative_slope {param} not a valid number")
    return float(param)


def _calculate_fan_in_and_fan_out(tensor):
    return _init.calculate_fan_in_and_fan_out(tensor)


def uniform_(tensor, a=0.0, b=1.0):
    return _init.uniform_(tensor, a, b)


def normal_(tensor, mean=0.0, std=1.0):
    return _init.normal_(tensor, mean, std)


def constant_(tensor, val):
    return _init.constant_(tensor, val)


def ones_(tensor):
    return _init.constant_(tensor, 1)


def zeros_(tensor):
    return _init.constant_(tensor, 0)


def xavier_uniform_(tensor, gain=1.0):
    """U(-b, b), b = gain * sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio)."""
    return _init.xavier_uniform_(tensor, gain)


def xavier_normal_(tensor, gain=1.0):
    """N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out))."""
    return _init.xavier_normal_(tensor, gain)


def _kaiming(fn, tensor, a, mode, nonlinearity):
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op")
        return tensor
    return fn(tensor, _slope(nonlinearity, a) or 0.0, mode, nonlinearity)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu"):
    """U(-b, b), b = gain * sqrt(3 / fan) (He et al.); gain = calculate_gain(nonlinearity, a);
    mode 'fan_in' keeps the forward pass's variance, 'fan_out' the backward pass's."""
    return _kaiming(_init.kaiming_uniform_, tensor, a, mode, nonlinearity)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu"):
    """N(0, std^2), std = gain / sqrt(fan)."""
    return _kaiming(_init.kaiming_normal_, tensor, a, mode, nonlinearity)


def _reset_weight_and_bias(weight, bias):
    """1.13's reset_parameters of Linear and Conv: kaiming_uniform_(a=sqrt(5)) for the weight, which
    is U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the same bound for the bias (0 when fan_in is 0,
    where torch's Conv leaves its bias uninitialised)."""
    kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = _calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        uniform_(bias, -bound, bound)
