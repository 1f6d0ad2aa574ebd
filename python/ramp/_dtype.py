"""ramp.finfo / ramp.iinfo (torch's fields, values and reprs; the numbers come from C++'s
std::numeric_limits, bfloat16's from its bit patterns) and the dtype queries is_floating_point,
is_tensor, numel."""
from . import _C


class finfo:
    """finfo(dtype=get_default_dtype()): bits, eps, max, min, tiny (= smallest_normal), resolution, dtype."""

    def __init__(self, type=None):
        type = _C.get_default_dtype() if type is None else type
        if not isinstance(type, _C.dtype):
            raise TypeError(f"finfo(): argument 'type' must be ramp.dtype, not {_typename(type)}")
        self.bits, self.eps, self.max, self.tiny, self.resolution = _C._finfo(type)
        self.min = -self.max
        self.smallest_normal = self.tiny
        self.dtype = repr(type).split(".")[-1]

    def __eq__(self, other):
        return isinstance(other, finfo) and self.dtype == other.dtype

    __hash__ = None  # unhashable, as torch's

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")

    __str__ = __repr__


class iinfo:
    """iinfo(dtype): bits, min, max, dtype of an integer dtype (not bool)."""

    def __init__(self, type):
        if not isinstance(type, _C.dtype):
            raise TypeError(f"iinfo(): argument 'type' must be ramp.dtype, not {_typename(type)}")
        self.bits, self.min, self.max = _C._iinfo(type)
        self.dtype = repr(type).split(".")[-1]

    def __eq__(self, other):
        return isinstance(other, iinfo) and self.dtype == other.dtype

    __hash__ = None

    def __repr__(self):
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"

    __str__ = __repr__


def _typename(o):
    return type(o).__name__


def _tensor_arg(fn, input):
    if not isinstance(input, _C.Tensor):
        raise TypeError(f"{fn}(): argument 'input' (position 1) must be Tensor, not {_typename(input)}")
    return input


def is_floating_point(input):
    return _tensor_arg("is_floating_point", input).is_floating_point()


def is_tensor(obj):
    return isinstance(obj, _C.Tensor)


def numel(input):
    return _tensor_arg("numel", input).numel()


# The dtypes ramp lacks, for a clear error where torch has them (ramp.float16, ramp.half, ...).
MISSING = {"float16": "float16", "half": "float16", "int16": "int16", "short": "int16", "complex64": "complex64",
           "cfloat": "complex64", "complex128": "complex128", "cdouble": "complex128"}


def missing(name):
    return AttributeError(f"ramp has no {MISSING[name]} dtype (ramp.{name}): its dtypes are bool, uint8, int8, "
                          "int32, int64, bfloat16, float32, float64")
