"""torch.logspace and torch.repeat_interleave, written over ramp's ops (1.13's arithmetic)."""
import builtins
import math

from . import _C


def _pow(base, exponent):
    """C's pow (what 1.13 calls): inf on overflow, inf at 0 ** negative, NaN for a negative base's
    fractional power, where Python's math.pow raises."""
    try:
        return math.pow(base, exponent)
    except OverflowError:
        odd = exponent.is_integer() and exponent % 2 == 1
        return -math.inf if base < 0 and odd else math.inf
    except ValueError:
        if base == 0:
            odd = exponent.is_integer() and exponent % 2 == 1
            return math.copysign(math.inf, base) if odd else math.inf
        return math.nan


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False, layout=None):
    """steps values base ** e, e evenly spaced from start to end, as 1.13's CPU loop computes them:
    start and end rounded to the dtype, their difference taken in it, then in double
    pow(base, start + step i) for the first half and pow(base, end - step (steps - 1 - i)) for the
    second, rounded (integers: truncated) to the dtype."""
    if device is not None:
        _C._check_device(device)
    dt = _C.get_default_dtype() if dtype is None else dtype
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    if dt == _C.bool:
        raise RuntimeError("\"logspace_cpu\" not implemented for 'Bool'")
    integral = not dt.is_floating_point
    if steps == 1:
        values = [_pow(base, builtins.float(start))]
    elif steps > 1:
        if integral:
            s, e = builtins.int(start), builtins.int(end)
            diff = builtins.float(e - s)
        else:  # start, end and their difference in the dtype (a float32 or bfloat16 subtraction)
            s, e = _C.tensor([builtins.float(start), builtins.float(end)], dtype=_C.float64).to(dt).tolist()
            diff = (_C.tensor(e, dtype=dt) - _C.tensor(s, dtype=dt)).item()
        step = diff / (steps - 1)
        half = steps // 2
        values = [_pow(base, s + step * i) if i < half else _pow(base, e - step * (steps - i - 1))
                  for i in range(steps)]
    else:
        values = []
    out = _C.tensor(values, dtype=_C.float64)
    out = out.trunc().to(dt) if integral else out.to(dt)  # C's cast truncates
    return out.requires_grad_(requires_grad) if requires_grad else out


def _repeat_index(repeats, output_size=None):
    """The 1-D index 0 (repeats[0] times), 1 (repeats[1] times), ... of a 1-D repeats, in its dtype:
    for each output position, the number of cumulative counts at or below it."""
    if repeats.dtype not in (_C.int64, _C.int32):
        raise RuntimeError(f"\"repeat_interleave_cpu\" not implemented for '{_dtype_name(repeats.dtype)}'")
    if repeats.dim() != 1:
        raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
    if repeats.numel() and repeats.min().item() < 0:
        raise RuntimeError("repeats can not be negative")
    ends = repeats.long().cumsum(0)
    total = ends[-1].item() if repeats.numel() else 0
    if output_size is not None and output_size != total:
        raise RuntimeError("allocated size does not match required size")
    return _C.searchsorted(ends, _C.arange(total), right=True).to(repeats.dtype)


def _dtype_name(dt):
    return {"float32": "Float", "float64": "Double", "bfloat16": "BFloat16", "bool": "Bool",
            "uint8": "Byte", "int8": "Char"}.get(str(dt).replace("ramp.", ""), str(dt))


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """torch.repeat_interleave: each element (each slice along dim) repeated `repeats` times, as
    1.13 composes it: input (flattened when dim is None).index_select(dim, index); with one
    argument, the index itself."""
    if repeats is None:  # repeat_interleave(repeats)
        return _repeat_index(input, output_size)
    if dim is None:
        input, dim = input.flatten(), 0
    elif input.dim() == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    size = input.size(dim)  # IndexError for a dim out of range, as 1.13
    if isinstance(repeats, _C.Tensor):
        if repeats.dim() > 1:
            raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
        if repeats.dim() == 0 or repeats.numel() == 1:
            repeats = repeats.reshape(1).expand(size)
        elif repeats.numel() != size:
            raise RuntimeError("repeats must have the same size as input along dim")
    else:
        if repeats < 0:
            raise RuntimeError("repeats can not be negative")
        repeats = _C.full((size,), repeats, dtype=_C.int64)
    return input.index_select(dim, _repeat_index(repeats.contiguous(), output_size).long())
