"""ramp.nn.functional: PyTorch 1.13's functional API.

Activations, generated from the C++ entries (see ramp._generate): relu, relu_, relu6, leaky_relu,
leaky_relu_, prelu, rrelu, rrelu_, elu, elu_, selu, selu_, celu, celu_, gelu, silu, swish, mish, softplus,
hardtanh, hardtanh_, hardswish, hardsigmoid, threshold, threshold_, sigmoid, tanh, softmax, log_softmax.

Layers (include/ramp/nn/functional.h): linear, conv2d, max_pool2d (return_indices), max_pool2d_with_indices,
avg_pool2d, adaptive_avg_pool2d, batch_norm, dropout. Each records 1.13's grad_fn.
"""
from .. import _C
from .._generate import functional_namespace as _functional_namespace

globals().update(_functional_namespace())

# The C++ ops take 1.13's signatures as they are (ints or pairs for sizes, None for no bias):
# linear(input, weight, bias=None), conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1,
# groups=1) with padding also "same"/"valid", avg_pool2d(input, kernel_size, stride=None, padding=0,
# ceil_mode=False, count_include_pad=True, divisor_override=None), batch_norm(input, running_mean,
# running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-05).
linear = _C.linear
conv2d = _C.conv2d
avg_pool2d = _C.avg_pool2d
batch_norm = _C.batch_norm
dropout = _C.dropout  # (input, p=0.5, training=True, inplace=False)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """The max over each window; with return_indices, (output, indices) with each maximum's flat
    position in its input plane (stride None: the kernel size)."""
    return _C.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    return _C.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def adaptive_avg_pool2d(input, output_size):
    """Averages over output_size bins of H and W; a None entry keeps that input size."""
    if not isinstance(output_size, int):  # torch's _list_with_default
        if len(input.shape) <= len(output_size):
            raise ValueError(f"Input dimension should be at least {len(output_size) + 1}")
        output_size = [v if v is not None else d for v, d in zip(output_size, input.shape[-len(output_size):])]
    return _C.adaptive_avg_pool2d(input, output_size)


# ---- losses: the lead adds `from .loss import ...` here ----

__all__ = sorted(n for n in globals() if not n.startswith("_"))
