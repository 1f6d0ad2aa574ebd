"""ramp.nn.functional: PyTorch 1.13's functional API.

Activations, generated from the C++ entries (see ramp._generate): relu, relu_, relu6, leaky_relu,
leaky_relu_, prelu, rrelu, rrelu_, elu, elu_, selu, selu_, celu, celu_, gelu, silu, swish, mish, softplus,
hardtanh, hardtanh_, hardswish, hardsigmoid, threshold, threshold_, sigmoid, tanh, softmax, log_softmax,
logsigmoid, softsign, tanhshrink, softshrink, hardshrink, softmin; and glu (below, src/ops/glu.cpp).

Layers (include/ramp/nn/functional.h): linear, conv1d, conv2d, max_pool1d/2d, avg_pool1d, adaptive_avg_pool1d, max_pool2d (return_indices), max_pool2d_with_indices,
avg_pool2d, adaptive_avg_pool2d, adaptive_max_pool1d/2d (return_indices), batch_norm, dropout, dropout1d/2d/3d, layer_norm, pad. Each records
1.13's grad_fn.
"""
import warnings as _warnings

from .. import _C
from .._generate import functional_namespace as _functional_namespace

globals().update(_functional_namespace())


# Thin wrappers over the C++ ops, so that signatures read as 1.13's (inspect, TypeErrors).
def glu(input, dim=-1):
    """a * sigmoid(b), a and b the halves of input along dim (its size must be even)."""
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    return _C.glu(input, dim)


def linear(input, weight, bias=None):
    """y = input @ weight^T + bias."""
    return _C.linear(input, weight, bias)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D cross-correlation; padding also "valid" or "same"."""
    return _C.conv2d(input, weight, bias, stride, padding, dilation, groups)


# ---- the 1-d layers: the 2-d ops over a height-1 plane (x.unsqueeze(-2)), as 1.13 composes its
# avg_pool1d and max_pool1d_with_indices; conv1d's values are conv2d's on that plane ----
def _one(v, name):
    """An int or a 1-tuple as an int (1.13's _single, with its error for longer tuples)."""
    if isinstance(v, (tuple, list)):
        if len(v) != 1:
            raise RuntimeError(f"{name} must be an int or a 1-tuple, got {tuple(v)}")
        return v[0]
    return v


_PLANE_ERRORS = {  # 1.13's messages for an input of the wrong rank
    "conv1d": "Expected 2D (unbatched) or 3D (batched) input to conv1d, but got input of size: {}",
    "max_pool1d": "max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for input, but got:{}",
    "avg_pool1d": "Expected 2 to 3 dimensions, but got {}-dimensional tensor for argument #1 'self' (while checking "
                  "arguments for avg_pool1d)",
    "adaptive_avg_pool1d": "Expected 2 to 3 dimensions, but got {}-dimensional tensor for argument #1 'self' (while "
                           "checking arguments for adaptive_avg_pool1d)",
}


def _on_plane(fn, input, dims_name, *args):
    if input.dim() not in (2, 3):
        shown = input.dim() if "dimensions" in _PLANE_ERRORS[dims_name] else str(list(input.shape)).replace(" ", "")
        if dims_name == "conv1d":
            shown = list(input.shape)
        raise RuntimeError(_PLANE_ERRORS[dims_name].format(shown))
    out = fn(input.unsqueeze(-2), *args)
    if isinstance(out, tuple):
        return tuple(o.squeeze(-2) for o in out)
    return out.squeeze(-2)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D cross-correlation of [N, C, L] (or [C, L]) with weight [out, C / groups, k]; padding also
    "valid" or "same"."""
    if weight.dim() != 3:
        raise RuntimeError(f"Expected 3-dimensional weight for 3-dimensional input {list(input.shape)}, but got "
                           f"{weight.dim()}-dimensional weight of size {list(weight.shape)} instead")
    pad = padding if isinstance(padding, str) else (0, _one(padding, "padding"))
    return _on_plane(lambda x: _C.conv2d(x, weight.unsqueeze(-2), bias, (1, _one(stride, "stride")), pad,
                                         (1, _one(dilation, "dilation")), groups), input, "conv1d")


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """(output, indices): each window's maximum and its position in L."""
    stride = kernel_size if stride is None or stride == [] else stride
    return _on_plane(lambda x: _C.max_pool2d(x, (1, _one(kernel_size, "kernel_size")), (1, _one(stride, "stride")),
                                             (0, _one(padding, "padding")), (1, _one(dilation, "dilation")),
                                             ceil_mode, True), input, "max_pool1d")


def _max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    stride = kernel_size if stride is None or stride == [] else stride
    return _on_plane(lambda x: _C.max_pool2d(x, (1, _one(kernel_size, "kernel_size")), (1, _one(stride, "stride")),
                                             (0, _one(padding, "padding")), (1, _one(dilation, "dilation")),
                                             ceil_mode, False), input, "max_pool1d")


def max_pool1d(*args, **kwargs):
    """The max over each window of L; return_indices=True gives max_pool1d_with_indices."""
    return_indices = kwargs["return_indices"] if "return_indices" in kwargs else len(args) > 6 and args[6]
    return (max_pool1d_with_indices if return_indices else _max_pool1d)(*args, **kwargs)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """The mean over each window of L."""
    stride = kernel_size if stride is None or stride == [] else stride
    return _on_plane(lambda x: _C.avg_pool2d(x, (1, _one(kernel_size, "kernel_size")), (1, _one(stride, "stride")),
                                             (0, _one(padding, "padding")), ceil_mode, count_include_pad, None),
                     input, "avg_pool1d")


def adaptive_avg_pool1d(input, output_size):
    """The mean over output_size bins of L."""
    return _on_plane(lambda x: _C.adaptive_avg_pool2d(x, [1, _one(output_size, "output_size")]), input,
                     "adaptive_avg_pool1d")


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """(output, indices): each window's maximum and its flat position in the input plane."""
    return _C.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def _max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    return _C.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, False)


def max_pool2d(*args, **kwargs):
    """The max over each window (stride None: the kernel size); return_indices=True gives
    max_pool2d_with_indices. (*args, **kwargs), as 1.13's boolean_dispatch wrapper reads."""
    return_indices = kwargs["return_indices"] if "return_indices" in kwargs else len(args) > 6 and args[6]
    return (max_pool2d_with_indices if return_indices else _max_pool2d)(*args, **kwargs)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    return _C.avg_pool2d(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)


def _list_with_default(out_size, defaults):
    """torch's: an int stays; a tuple's None entries take the input's trailing sizes."""
    if isinstance(out_size, int):
        return out_size
    if len(defaults) <= len(out_size):
        raise ValueError(f"Input dimension should be at least {len(out_size) + 1}")
    return [v if v is not None else d for v, d in zip(out_size, defaults[-len(out_size):])]


def adaptive_avg_pool2d(input, output_size):
    """Averages over output_size bins of H and W; a None entry keeps that input size."""
    return _C.adaptive_avg_pool2d(input, _list_with_default(output_size, input.shape))


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):
    """(output, indices): the max over output_size bins of L and its int64 position within L."""
    return _C.adaptive_max_pool1d(input, output_size, True)


def _adaptive_max_pool1d(input, output_size, return_indices=False):
    return _C.adaptive_max_pool1d(input, output_size, False)


def adaptive_max_pool1d(*args, **kwargs):
    """The max over output_size bins of L; return_indices=True gives adaptive_max_pool1d_with_indices."""
    return_indices = kwargs["return_indices"] if "return_indices" in kwargs else len(args) > 2 and args[2]
    return (adaptive_max_pool1d_with_indices if return_indices else _adaptive_max_pool1d)(*args, **kwargs)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    """(output, indices): the max over output_size bins of H and W (None keeps that size) and its
    int64 flat position within the H x W plane (the first maximum; NaN wins)."""
    return _C.adaptive_max_pool2d(input, _list_with_default(output_size, input.size()), True)


def _adaptive_max_pool2d(input, output_size, return_indices=False):
    return _C.adaptive_max_pool2d(input, _list_with_default(output_size, input.size()), False)


def adaptive_max_pool2d(*args, **kwargs):
    """The max over output_size bins of H and W; return_indices=True gives
    adaptive_max_pool2d_with_indices (1.13's boolean_dispatch, argument 2)."""
    return_indices = kwargs["return_indices"] if "return_indices" in kwargs else len(args) > 2 and args[2]
    return (adaptive_max_pool2d_with_indices if return_indices else _adaptive_max_pool2d)(*args, **kwargs)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-05):
    """Per channel (dim 1): batch statistics in training (updating running_mean/var in place when
    given), the running ones otherwise."""
    return _C.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def one_hot(tensor, num_classes=-1):
    """int64 class indices -> int64 [..., num_classes] (ramp/shape.h)."""
    return _C.one_hot(tensor, num_classes)


def dropout(input, p=0.5, training=True, inplace=False):
    """In training zeroes each element with probability p and scales the rest by 1 / (1 - p)."""
    return _C.dropout(input, p, training, inplace)


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError("dropout probability has to be between 0 and 1, " "but got {}".format(p))


def _feature_dropout(input, p, training, inplace, unbatched):
    if not unbatched:
        return _C.feature_dropout(input, p, training, inplace)
    if inplace:  # through a batched view of input (1.13 unsqueezes input itself in place)
        _C.feature_dropout(input.unsqueeze(0), p, training, True)
        return input
    return _C.feature_dropout(input.unsqueeze(0), p, training, False).squeeze(0)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zeroes whole channels of [N, C, L] (or unbatched [C, L]) with probability p."""
    _check_p(p)
    inp_dim = input.dim()
    if inp_dim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {inp_dim}D input. "
                           "Note that dropout1d exists to provide channel-wise dropout on inputs with 1 "
                           "spatial dimension, a channel dimension, and an optional batch dimension "
                           "(i.e. 2D or 3D inputs).")
    return _feature_dropout(input, p, training, inplace, inp_dim == 2)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zeroes whole channels of [N, C, H, W] with probability p (a 3-D input is read as [N, C, L],
    with 1.13's warning)."""
    _check_p(p)
    inp_dim = input.dim()
    if inp_dim not in (3, 4):
        _warnings.warn(f"dropout2d: Received a {inp_dim}-D input to dropout2d, which is deprecated "
                      "and will result in an error in a future release. To retain the behavior "
                      "and silence this warning, please use dropout instead. Note that dropout2d "
                      "exists to provide channel-wise dropout on inputs with 2 spatial dimensions, "
                      "a channel dimension, and an optional batch dimension (i.e. 3D or 4D inputs).")
    if inp_dim == 3:
        _warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise "
                      "1D dropout behavior is desired - input is interpreted as shape (N, C, L), where C "
                      "is the channel dim. This behavior will change in a future release to interpret the "
                      "input as one without a batch dimension, i.e. shape (C, H, W). To maintain the 1D "
                      "channel-wise dropout behavior, please switch to using dropout1d instead.")
    return _C.feature_dropout(input, p, training, inplace)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zeroes whole channels of [N, C, D, H, W] (or unbatched [C, D, H, W]) with probability p."""
    _check_p(p)
    inp_dim = input.dim()
    if inp_dim not in (4, 5):
        _warnings.warn(f"dropout3d: Received a {inp_dim}-D input to dropout3d, which is deprecated "
                      "and will result in an error in a future release. To retain the behavior "
                      "and silence this warning, please use dropout instead. Note that dropout3d "
                      "exists to provide channel-wise dropout on inputs with 3 spatial dimensions, "
                      "a channel dimension, and an optional batch dimension (i.e. 4D or 5D inputs).")
    return _feature_dropout(input, p, training, inplace, inp_dim != 5)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalises over the last len(normalized_shape) dims, then weight * x + bias."""
    return _C.layer_norm(input, normalized_shape, weight, bias, eps)


def pad(input, pad, mode="constant", value=None):
    """Pads the last len(pad) // 2 dims: pad = (left, right) for the last dim, then the one before...
    mode "constant" (value, default 0), "reflect", "replicate" or "circular"."""
    return _C.pad(input, pad, mode, value)


from .sparse import embedding  # noqa: E402
from .distance import normalize, pairwise_distance  # noqa: E402

# ---- losses (python/ramp/nn/loss.py) ----
from .loss import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, huber_loss, kl_div,  # noqa: E402
                   l1_loss, mse_loss, nll_loss, smooth_l1_loss)

__all__ = sorted(n for n in globals() if not n.startswith("_"))
