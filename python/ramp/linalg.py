"""ramp.linalg: torch.linalg's norms over ramp.norm / amax / amin, with 1.13's signatures, defaults and
errors (its checks in its order: bad dims, dtypes and empty reductions raise rather than compute).
The graph records ramp.norm's NormBackward1 where 1.13 records LinalgVectorNormBackward0.
Matrix 2-norms and the nuclear norm need singular values, which ramp does not compute: they raise."""
import numbers

from . import _C

_INF = float("inf")
_TYPE_NAMES = {"float64": "Double", "float32": "Float", "bfloat16": "BFloat16", "int64": "Long", "int32": "Int",
               "int8": "Char", "uint8": "Byte", "bool": "Bool"}
_FLOAT_RANK = {"bfloat16": 0, "float32": 1, "float64": 2}


def _name(dtype):
    short = str(dtype).split(".")[-1]
    return _TYPE_NAMES.get(short, short)


def _dims(dim):
    if dim is None:
        return None
    return (dim,) if isinstance(dim, int) else tuple(dim)


def _wrap(d, n):
    if not -n <= d < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})")
    return d % n


def _check_floating(fn, x):
    if not x.is_floating_point():
        raise RuntimeError(f"{fn}: Expected a floating point or complex tensor as input. Got {_name(x.dtype)}")


def _check_dtype(fn, x, dtype):
    """1.13's check_linalg_norm_dtype: a floating dtype that x converts to without narrowing."""
    if dtype is None:
        return
    if not dtype.is_floating_point:
        raise RuntimeError(f"{fn}: dtype should be floating point or complex, but got {_name(dtype)}")
    short = lambda t: str(t).split(".")[-1]  # noqa: E731
    if _FLOAT_RANK[short(x.dtype)] > _FLOAT_RANK[short(dtype)]:
        raise RuntimeError(f"{fn}: the dtype of the input ({_name(x.dtype)}) should be convertible without narrowing "
                           f"to the specified dtype ({_name(dtype)})")


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """The p-norm of x's elements over dim (all of them when None), as torch.linalg.vector_norm."""
    if not isinstance(ord, numbers.Real):
        raise TypeError(f"linalg_vector_norm(): argument 'ord' (position 2) must be Number, not {type(ord).__name__}")
    _check_floating("linalg.vector_norm", x)
    _check_dtype("linalg.vector_norm", x, dtype)
    dims = _dims(dim)
    ord = float(ord)
    if x.numel() == 0 and (ord < 0 or ord == _INF):  # no identity: max / 1 / sum(1 / ...) of nothing
        if not dims:
            raise RuntimeError(f"linalg.vector_norm cannot compute the {ord:g} norm on an empty tensor because the "
                               "operation does not have an identity")
        for d in dims:
            if x.size(d) == 0:
                raise RuntimeError(f"linalg.vector_norm cannot compute the {ord:g} norm on the dimension {d}because "
                                   "this dimension is empty and the operation does not have an identity")
    if dtype is not None:  # converted first, as 1.13 (then computed in dtype)
        x = x.to(dtype)
    return _C.norm(x, ord, dims or None, keepdim)


def _matrix_dims(A, dim, dtype):
    """1.13's _linalg_matrix_norm_checks: A a floating matrix (batch), dim two different dims of it."""
    if A.dim() < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    _check_floating("linalg.matrix_norm", A)
    dims = _dims(dim)
    if len(dims) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dims))}")
    d0, d1 = (_wrap(d, A.dim()) for d in dims)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({d0}, {d1})")
    _check_dtype("linalg.matrix_norm", A, dtype)
    return d0, d1


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    """'fro', inf, -inf, 1 or -1 norm of the matrices in dims dim of A, as torch.linalg.matrix_norm."""
    if isinstance(ord, str):
        if ord not in ("fro", "nuc"):
            raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    elif abs(float(ord)) not in (1.0, 2.0, _INF):
        raise RuntimeError(f"linalg.matrix_norm: Order {float(ord):g} not supported.")
    d0, d1 = _matrix_dims(A, dim, dtype)
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim, dtype=dtype)
    if ord in ("nuc", 2, -2):
        raise NotImplementedError(f"ramp.linalg.matrix_norm: ord={ord!r} needs singular values, which ramp does "
                                  "not compute")
    x = A if dtype is None else A.to(dtype)
    # inf: the largest row sum of |A| (sum over the columns); 1: the largest column sum.
    summed, other = (d1, d0) if ord in (_INF, -_INF) else (d0, d1)
    sums = x.abs().sum(summed, keepdim=True)
    out = (sums.amax if ord > 0 else sums.amin)(other, keepdim=True)
    return out if keepdim else out.squeeze(max(d0, d1)).squeeze(min(d0, d1))


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """torch.linalg.norm: a vector norm for one dim (or a flattened A, or ord None), a matrix norm
    for two (or a 2-D A given an ord)."""
    dims = _dims(dim)
    if dims is not None:
        if len(dims) not in (1, 2):
            must = "mut" if isinstance(ord, str) else "must"  # 1.13's text for a string ord has the typo
            raise RuntimeError(f"linalg.norm: If dim is specified, it {must} be of length 1 or 2. "
                               f"Got [{', '.join(map(str, dims))}]")
    elif ord is not None and A.dim() not in (1, 2):
        raise RuntimeError("linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. "
                           f"Got {A.dim()}D.")
    if isinstance(ord, str) or (ord is not None and len(dims if dims is not None else range(A.dim())) == 2):
        return matrix_norm(A, ord, dims if dims is not None else (0, 1), keepdim, dtype=dtype)
    # ord None: the 2-norm of the elements (for two dims too: the Frobenius norm), as 1.13
    return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
