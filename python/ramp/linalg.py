"""ramp.linalg: torch.linalg's norms over ramp.norm / amax / amin, with 1.13's signatures, defaults and
errors. The graph records ramp.norm's NormBackward1 where 1.13 records LinalgVectorNormBackward0.
Matrix 2-norms and the nuclear norm need singular values, which ramp does not compute: they raise."""
from . import _C

_INF = float("inf")
_TYPE_NAMES = {"int64": "Long", "int32": "Int", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _dims(dim):
    if dim is None:
        return None
    return (dim,) if isinstance(dim, int) else tuple(dim)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """The p-norm of x's elements over dim (all of them when None), as torch.linalg.vector_norm."""
    if not (x.is_floating_point() or (dtype is not None and dtype.is_floating_point)):
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as input. "
                           f"Got {_TYPE_NAMES.get(str(x.dtype).split('.')[-1], x.dtype)}")
    if dtype is not None:  # converted first, as 1.13 (then computed in dtype)
        x = x.to(dtype)
    return _C.norm(x, float(ord), _dims(dim), keepdim)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    """'fro', inf, -inf, 1 or -1 norm of the matrices in dims dim of A, as torch.linalg.matrix_norm."""
    if A.dim() < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    d0, d1 = (d % A.dim() for d in dim)
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim, dtype=dtype)
    if ord in ("nuc", 2, -2):
        raise NotImplementedError(f"ramp.linalg.matrix_norm: ord={ord!r} needs singular values, which ramp does "
                                  "not compute")
    if ord not in (_INF, -_INF, 1, -1):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    x = A if dtype is None else A.to(dtype)
    # inf: the largest row sum of |A| (sum over the columns); 1: the largest column sum.
    summed, other = (d1, d0) if ord in (_INF, -_INF) else (d0, d1)
    sums = x.abs().sum(summed, keepdim=True)
    out = (sums.amax if ord > 0 else sums.amin)(other, keepdim=True)
    return out if keepdim else out.squeeze(max(d0, d1)).squeeze(min(d0, d1))


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """torch.linalg.norm: a vector norm for one dim (or a flattened A), a matrix norm for two."""
    dims = _dims(dim)
    if ord is None:
        if dims is not None and len(dims) == 2:
            return matrix_norm(A, "fro", dims, keepdim, dtype=dtype)
        return vector_norm(A, 2, dims, keepdim, dtype=dtype)
    if dims is None:
        if A.dim() not in (1, 2):
            raise RuntimeError("linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. "
                               f"Got {A.dim()}D.")
        dims = tuple(range(A.dim()))
    if len(dims) == 2:
        return matrix_norm(A, ord, dims, keepdim, dtype=dtype)
    return vector_norm(A, ord, dims, keepdim, dtype=dtype)
