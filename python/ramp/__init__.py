"""ramp: PyTorch 1.13's ReLU family rebuilt in C++, with PyTorch's names.

    import ramp
    import ramp.nn.functional as F
    x = ramp.tensor([-1.0, 0.0, 2.0])
    F.leaky_relu(x, 0.2), ramp.nn.ELU(alpha=0.5)(x), x.relu_()
    x.requires_grad_(); F.elu(x).sum().backward(); x.grad      # autograd, see ramp.autograd
"""
from . import _C
from ._C import (Tensor, dtype, tensor, as_tensor, from_numpy, from_dlpack, to_dlpack, zeros, ones, empty, full,
                 arange, linspace, rand, randn, zeros_like, ones_like, empty_like, full_like, scalar_tensor,
                 manual_seed, initial_seed, set_num_threads, get_num_threads, set_printoptions,
                 float32, float64, bfloat16, int8, uint8, int32, int64)
from ._C import mm, bmm, mv, dot, addmm, matmul, pow, exp, log, cat, stack  # include/ramp/ops.h
from ._C import eq, ne, lt, le, gt, ge, argmax, index_select, sqrt, abs, clamp, clip, Generator, randperm
from ._tensor import Size
from . import _generate, autograd, memory, nn, io, utils, optim
from .serialization import save, load
from .autograd import no_grad, enable_grad, set_grad_enabled, is_grad_enabled

_activations = _generate.torch_namespace()  # relu, relu_, sigmoid, softmax, ... as torch.* has them
globals().update(_activations)
globals()["bool"] = _C.bool
# PyTorch's dtype aliases (these shadow the builtins inside this module only, as in torch/__init__).
float, double, long, int = float32, float64, int64, int32

__all__ = ["Tensor", "dtype", "Size", "tensor", "as_tensor", "from_numpy", "from_dlpack", "to_dlpack", "zeros",
           "ones", "empty", "full", "arange", "linspace", "rand", "randn", "zeros_like", "ones_like",
           "empty_like", "full_like", "scalar_tensor", "manual_seed", "initial_seed", "set_num_threads",
           "get_num_threads", "set_printoptions", "float32", "float64", "bfloat16", "int8", "uint8", "int32",
           "int64", "mm", "bmm", "mv", "dot", "addmm", "matmul", "pow", "exp", "log", "cat", "stack",
           "eq", "ne", "lt", "le", "gt", "ge", "argmax", "index_select", "sqrt", "clamp", "clip", "Generator",
           "randperm", "save", "load", "io", "utils",
           "memory", "nn", "optim", "autograd", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
           *_activations]  # not bool/float/int/long/double/abs: builtins
