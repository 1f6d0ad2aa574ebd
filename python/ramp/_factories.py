"""torch.logspace and torch.repeat_interleave, written over ramp's ops (1.13's arithmetic)."""
import builtins
import math

from . import _C


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
        values = [math.pow(base, builtins.float(start))]
    elif steps > 1:
        if integral:
            s, e = builtins.int(start), builtins.int(end)
            diff = builtins.float(e - s)
        else:  # start, end and their difference in the dtype (a float32 or bfloat16 subtraction)
            s, e = _C.tensor([builtins.float(start), builtins.float(end)], dtype=_C.float64).to(dt).tolist()
            diff = (_C.tensor(e, dtype=dt) - _C.tensor(s, dtype=dt)).item()
        step = diff / (steps - 1)
        half = steps // 2
        values = [math.pow(base, s + step * i) if i < half else math.pow(base, e - step * (steps - i - 1))
                  for i in range(steps)]
    else:
        values = []
    if integral:
        out = _C.tensor([builtins.int(v) for v in values], dtype=_C.int64).to(dt)
    else:
        out = _C.tensor(values, dtype=_C.float64).to(dt)
    return out.requires_grad_(requires_grad) if requires_grad else out


def _repeat_index(repeats):
    """The 1-D int64 index 0 (repeats[0] times), 1 (repeats[1] times), ... of a 1-D repeats."""
    if repeats.dtype not in (_C.int64, _C.int32):
        raise RuntimeError(f"\"repeat_interleave_cpu\" not implemented for '{_dtype_name(repeats.dtype)}'")
    if repeats.dim() != 1:
        raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
    counts = repeats.tolist()
    if counts and builtins.min(counts) < 0:
        raise RuntimeError("repeats can not be negative")
    return _C.tensor([i for i, c in enumerate(counts) for _ in range(c)], dtype=_C.int64)


def _dtype_name(dt):
    return {"float32": "Float", "float64": "Double", "bfloat16": "BFloat16", "bool": "Bool",
            "uint8": "Byte", "int8": "Char"}.get(str(dt).replace("ramp.", ""), str(dt))


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """torch.repeat_interleave: each element (each slice along dim) repeated `repeats` times, as
    1.13 composes it: input (flattened when dim is None).index_select(dim, index); with one
    argument, the index itself."""
    if repeats is None:  # repeat_interleave(repeats)
        return _repeat_index(input)
    if dim is None:
        input, dim = input.flatten(), 0
    if input.dim() == 0:
        input = input.reshape(1)
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
    index = _repeat_index(repeats.contiguous())
    if output_size is not None and output_size != index.numel():
        raise RuntimeError("allocated size does not match required size")
    return input.index_select(dim, index)
