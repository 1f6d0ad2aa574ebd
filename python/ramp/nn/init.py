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


# ---- composed in Python, as 1.13's are (under no_grad; ramp's random stream) ----
from ..autograd import no_grad  # noqa: E402
def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0):
    """N(mean, std^2) truncated to [a, b] by inverting the CDF: uniform on [2 cdf(a) - 1,
    2 cdf(b) - 1], then erfinv, scaled, shifted and clamped (1.13's method and warning)."""
    def norm_cdf(x):
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0
    if (mean < a - 2 * std) or (mean > b + 2 * std):
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
                      "The distribution of values may be incorrect.", stacklevel=2)
    with no_grad():
        lo, hi = norm_cdf((a - mean) / std), norm_cdf((b - mean) / std)
        tensor.uniform_(2 * lo - 1, 2 * hi - 1)
        tensor.erfinv_()
        tensor.mul_(std * math.sqrt(2.0))
        tensor.add_(mean)
        tensor.clamp_(min=a, max=b)
    return tensor


def eye_(tensor):
    """The identity in a 2-D tensor (Linear layers keep their inputs)."""
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    with no_grad():
        tensor.copy_(_C.eye(*tensor.shape, dtype=tensor.dtype))
    return tensor


def dirac_(tensor, groups=1):
    """A 3-, 4- or 5-d convolution weight that passes each of the first min(out/groups, in) input
    channels through unchanged (per group)."""
    dims = tensor.dim()
    if dims not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    sizes = tensor.size()
    if sizes[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    per_group = sizes[0] // groups
    centre = tuple(s // 2 for s in sizes[2:])
    with no_grad():
        tensor.zero_()
        for g in range(groups):
            for d in range(min(per_group, sizes[1])):
                tensor[(g * per_group + d, d) + centre] = 1
    return tensor


def orthogonal_(tensor, gain=1.0):
    """A (semi-)orthogonal matrix over the first dim and the rest flattened: Q of the QR of a normal
    sample, its columns' signs set by R's diagonal (1.13's method; numpy's QR, as LAPACK's), times
    gain."""
    import numpy as np
    if tensor.dim() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.size(0)
    cols = tensor.numel() // rows
    flat = _C.empty(rows, cols, dtype=_C.float64).normal_(0, 1).numpy()
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    with no_grad():
        tensor.view(rows, cols).copy_(_C.from_numpy(np.ascontiguousarray(q)).to(tensor.dtype))
        tensor.mul_(gain)
    return tensor


__all__ += ["trunc_normal_", "eye_", "dirac_", "orthogonal_"]
