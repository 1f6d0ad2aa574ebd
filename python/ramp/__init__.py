"""ramp: PyTorch 1.13's ReLU family rebuilt in C++, with PyTorch's names.

    import ramp
    import ramp.nn.functional as F
    x = ramp.tensor([-1.0, 0.0, 2.0])
    F.leaky_relu(x, 0.2), ramp.nn.ELU(alpha=0.5)(x), x.relu_()
    x.requires_grad_(); F.elu(x).sum().backward(); x.grad      # autograd, see ramp.autograd
"""
import builtins as _builtins

from . import _C
from ._C import (Tensor, dtype, tensor, as_tensor, from_numpy, from_dlpack, to_dlpack, zeros, ones, empty, full,
                 arange, linspace, rand, randn, zeros_like, ones_like, empty_like, full_like, scalar_tensor,
                 manual_seed, initial_seed, set_num_threads, get_num_threads, set_printoptions,
                 float32, float64, bfloat16, int8, uint8, int32, int64)
from ._C import mm, bmm, mv, dot, addmm, matmul, pow, float_power, einsum, cat, stack  # include/ramp/ops.h
from ._C import eq, ne, lt, le, gt, ge, index_select, clamp, clip, Generator, randperm
from ._C import add, sub, subtract, mul, multiply, div, divide, true_divide, rsub, floor_divide
from ._C import (sum, mean, prod, std, var, std_mean, var_mean, max, min, amax, amin, argmax, argmin, all, any,
                 norm, logsumexp, cumsum, cumprod, maximum, minimum, histc, bincount, nansum,
                 count_nonzero)  # include/ramp/reduce.h
_elementwise = {_n: getattr(_C, _n) for _n in _C._elementwise_names}  # sin, floor_, where, ... (ramp/elementwise.h)
globals().update(_elementwise)
from ._C import (default_generator, seed, get_rng_state, set_rng_state, randint, randint_like, rand_like,  # random.h
                 randn_like, normal, bernoulli, multinomial, flatten, unflatten, split, split_with_sizes, chunk,
                 unbind, narrow, eye, tril, triu, movedim, moveaxis, swapaxes, swapdims, reshape, transpose, permute,
                 squeeze, unsqueeze, flip, roll)  # ramp/shape.h
from ._C import (gather, scatter, scatter_add, index_put, index_add, index_fill, index_copy, masked_fill,  # indexing.h
                 masked_select, nonzero, argwhere, take, sort, argsort, msort, topk, kthvalue, scatter_reduce,
                 index_reduce, masked_scatter, put)
from ._C import (clone, ravel, broadcast_to, broadcast_tensors, meshgrid, atleast_1d, atleast_2d,  # shape.h
                 atleast_3d, hstack, vstack, row_stack, dstack, column_stack, tensor_split, hsplit, vsplit, dsplit)
from ._C import (diag, diagonal, diag_embed, trace, rot90, tril_indices, triu_indices, outer, ger, inner, kron,  # ops.h
                 tensordot, addmv, addbmm, baddbmm, cross, dist, cdist, cartesian_prod, take_along_dim, isin)
from ._C import cummax, cummin, logcumsumexp, diff  # reduce.h
from ._C import (median, nanmedian, mode, aminmax, unique, unique_consecutive, searchsorted,  # sort.h, reduce.h
                 bucketize)
from ._tensor import Size
from . import return_types
from . import _protocol  # Tensor's __format__, __contains__, copy and pickle protocols
from ._C import device, get_default_dtype, set_default_dtype
from ._dtype import finfo, iinfo, is_floating_point, is_tensor, numel
from . import _device, backends, cuda
from . import _generate, autograd, memory, nn, io, utils, optim, random, linalg
from .serialization import save, load
from . import diagnostics, distributed
from .autograd import no_grad, enable_grad, set_grad_enabled, is_grad_enabled, inference_mode, is_inference_mode_enabled
from ._factories import logspace, repeat_interleave

_deterministic = {"mode": False, "warn_only": False}


def use_deterministic_algorithms(mode, *, warn_only=False):
    """torch.use_deterministic_algorithms: recorded (the are_/is_ queries answer it). ramp's own
    kernels give the same bits for any thread count or split already; RAMP_ADAPTIVE_THREADS=0 pins
    oneDNN's thread count too."""
    if not isinstance(mode, _builtins.bool):
        raise TypeError(f"_set_deterministic_algorithms(): argument 'mode' (position 1) must be bool, not "
                        f"{type(mode).__name__}")
    _deterministic.update(mode=mode, warn_only=_builtins.bool(warn_only))


def are_deterministic_algorithms_enabled():
    return _deterministic["mode"]


def is_deterministic_algorithms_warn_only_enabled():
    return _deterministic["warn_only"]


def adaptive_max_pool1d(input, output_size):
    """torch.adaptive_max_pool1d: (values, indices) over output_size bins of the last dim."""
    return _C.adaptive_max_pool1d(input, output_size, True)


_activations = _generate.torch_namespace()  # relu, relu_, sigmoid, softmax, ... as torch.* has them
globals().update(_activations)
from . import special  # torch.special's aliases (after the activations: expit is sigmoid)
strided, layout = _device.strided, _device.layout
from . import _legacy
globals().update(_legacy.classes())  # FloatTensor, LongTensor, ... (1.13's legacy constructors)
globals().update(_device.wrapped())  # device= on the factories (ramp.zeros(2, device="cpu")): after all of them
globals()["bool"] = _C.bool
# PyTorch's dtype aliases (these shadow the builtins inside this module only, as in torch/__init__).
float, double, long, int = float32, float64, int64, int32

# Every public name but those that would shadow builtins in `from ramp import *`.
__all__ = [n for n in list(globals()) if not n.startswith("_") and n not in
           ("bool", "float", "int", "long", "double", "abs", "sum", "max", "min", "all", "any")]


def __getattr__(name):
    """ramp.float16, ramp.half, ramp.int16, ...: dtypes ramp lacks, with a clear error."""
    from . import _dtype
    if name in _dtype.MISSING:
        raise _dtype.missing(name)
    raise AttributeError(f"module 'ramp' has no attribute '{name}'")
