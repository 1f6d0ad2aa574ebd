"""The legacy tensor classes of torch 1.13 (torch.FloatTensor, LongTensor, ...): calling one makes a
CPU tensor of its dtype from sizes (uninitialised), a ramp.Size, data (a sequence or array), an
existing tensor of that dtype (an alias) or nothing (an empty tensor); isinstance(x, FloatTensor)
asks whether x is a float32 tensor (torch's tensortype metaclass). ramp.Tensor(...) takes the same
arguments for the default dtype (tensor_new), as torch.Tensor(...)."""
import operator

from . import _C

# class name, dtype name, c10's name of the element type (1.13's TensorOptions text)
CLASSES = [("FloatTensor", "float32", "float"), ("DoubleTensor", "float64", "double"),
           ("LongTensor", "int64", "long int"), ("IntTensor", "int32", "int"),
           ("ByteTensor", "uint8", "unsigned char"), ("CharTensor", "int8", "signed char"),
           ("BoolTensor", "bool", "bool"), ("BFloat16Tensor", "bfloat16", "c10::BFloat16")]
C10_NAMES = {dtype: c10 for _, dtype, c10 in CLASSES}


def _options(c10):
    return (f"TensorOptions(dtype={c10}, device=cpu, layout=Strided, requires_grad=false (default), "
            "pinned_memory=false (default), memory_format=(nullopt))")


class tensortype(type):
    """The metaclass: instances are ramp tensors of the class's dtype."""

    def __instancecheck__(cls, x):
        return isinstance(x, _C.Tensor) and x.dtype == cls.dtype

    def __call__(cls, *args, device=None):
        return new(cls.dtype, args, device, cls._c10)


def _is_size(a):
    """An int of a size list as 1.13's parser takes it: anything with __index__ (numpy integers,
    np.bool_, 0-d integer arrays) except Python's bool and tensors."""
    if type(a) is bool or isinstance(a, _C.Tensor):
        return False
    try:
        operator.index(a)  # an ndarray has __index__ too, which only 0-d integer ones pass
    except TypeError:
        return False
    return True


def new(dt, args, device=None, c10=None):
    """1.13's legacy constructor for dtype dt: sizes, a Size, data, a tensor (an alias; of dtype dt
    when `c10` names it, any dtype for ramp.Tensor) or nothing."""
    from . import Size, empty, tensor
    if device is not None:
        _C._check_device(device)
    if not args:
        return empty(0, dtype=dt)
    if all(_is_size(a) for a in args) or (len(args) == 1 and isinstance(args[0], Size)):
        return empty(*(a if isinstance(a, Size) else operator.index(a) for a in args), dtype=dt)
    if len(args) > 1:
        for i, a in enumerate(args):
            if not _is_size(a) and all(_is_size(b) for b in args[:i]) and _is_size(args[0]):
                raise TypeError(f"new(): argument 'size' must be tuple of ints, but found element of type "
                                f"{type(a).__name__} at pos {i + 1}")
        raise TypeError(f"new() received an invalid combination of arguments - got "
                        f"({', '.join(type(a).__name__ for a in args)}), but expected one of: (*, device), "
                        "(Tensor other), (tuple of ints size, *, device), (object data, *, device)")
    data = args[0]
    if isinstance(data, _C.Tensor):
        if c10 is not None and data.dtype != dt:
            raise TypeError(f"expected {_options(c10)} (got {_options(C10_NAMES[str(data.dtype)[5:]])})")
        return data.detach()  # shares the data, as 1.13's alias
    if isinstance(data, str):
        raise TypeError("new(): invalid data type 'str'")
    if isinstance(data, (int, float, bool)):
        raise TypeError(f"new(): data must be a sequence (got {type(data).__name__})")
    return tensor(data, dtype=dt)


def tensor_new(*args, device=None, **kwargs):
    """ramp.Tensor(...) as torch.Tensor(...): the legacy constructor of the default dtype (data= is
    the data argument by keyword)."""
    if "data" in kwargs:
        if args:
            raise TypeError("new() got multiple values for argument 'data'")
        args = (kwargs.pop("data"),)
    if kwargs:
        raise TypeError(f"new() got an unexpected keyword argument '{next(iter(kwargs))}'")
    return new(_C.get_default_dtype(), args, device)


def classes():
    """{name: class} for ramp's namespace."""
    out = {}
    for name, dtype, c10 in CLASSES:
        out[name] = tensortype(name, (), {"dtype": getattr(_C, dtype), "_c10": c10, "is_cuda": False,
                                          "__module__": "ramp"})
    return out
