"""ramp.nn.functional: every activation with PyTorch 1.13's signature, generated from the C++
entries (see ramp._generate): relu, relu_, relu6, leaky_relu, leaky_relu_, prelu, rrelu, rrelu_, elu,
elu_, selu, selu_, celu, celu_, gelu, silu, swish, mish, softplus, hardtanh, hardtanh_, hardswish,
hardsigmoid, threshold, threshold_, sigmoid, tanh, softmax, log_softmax."""
from .._generate import functional_namespace as _functional_namespace

globals().update(_functional_namespace())
__all__ = sorted(n for n in globals() if not n.startswith("_"))
