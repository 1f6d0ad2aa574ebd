"""Python's protocols on ramp.Tensor, as torch 1.13's Tensor has them: format(), `in`, NumPy's
__array_wrap__, copy.copy / copy.deepcopy (views of one storage stay views of one copied storage,
a leaf's .grad is copied, shared tensors stay shared) and pickling (dtype, shape, strides, values,
requires_grad; a subclass such as nn.Parameter keeps its class)."""
import copy
from numbers import Number

from . import _C
from .autograd import no_grad

Tensor = _C.Tensor


def __format__(self, format_spec):
    if self.dim() == 0 and type(self) is Tensor:  # torch formats 0-d plain tensors as their number
        return self.item().__format__(format_spec)
    if format_spec:  # object.__format__'s error, with the class's short name as torch's reads
        raise TypeError(f"unsupported format string passed to {type(self).__name__}.__format__")
    return str(self)


def __contains__(self, element):
    if isinstance(element, (Tensor, Number)):
        return bool((self == element).sum().item())
    raise RuntimeError(f"Tensor.__contains__ only supports Tensor or scalar, but you passed in a {type(element)}.")


def __array_wrap__(self, array):
    """NumPy ufuncs on tensors give tensors back (np.sqrt(t)); bool results become uint8, as 1.13."""
    if array.dtype == bool:
        array = array.astype("uint8")
    return _C.from_numpy(array)


def _new_like(cls, data):
    """An object of `cls` (Tensor or a subclass) viewing `data`, without running cls.__init__."""
    if cls is Tensor:
        return data
    obj = Tensor.__new__(cls)
    Tensor.__init__(obj, data)
    return obj


def __deepcopy__(self, memo):
    if not self.is_leaf:
        raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                           "protocol at the moment")
    if id(self) in memo:
        return memo[id(self)]
    storage_id, storage = _C._pt.storage_of(self)
    key = ("ramp storage", storage_id)  # views of one storage share one copy of it
    if key not in memo:
        memo[key] = storage.clone()
        memo.setdefault(id(memo), []).append(self)  # keeps the storage (and so its key) alive
    with no_grad():
        new = _new_like(type(self), _rebuild(memo[key], self))
    if self.requires_grad:
        new.requires_grad_()
    if self.grad is not None:
        new.grad = self.grad.__deepcopy__(memo)
    new.__dict__ = copy.deepcopy(self.__dict__, memo)  # tensors take attributes, as torch's
    memo[id(self)] = new
    return new


def __copy__(self):
    """torch's copy.copy: a tensor sharing the data, without the graph, keeping requires_grad."""
    new = _new_like(type(self), Tensor(self))
    if self.requires_grad:
        new.requires_grad_()
    if type(self) is not Tensor:  # torch's copy.copy of a plain tensor drops its attributes
        new.__dict__.update(self.__dict__)
    return new


def _rebuild(storage, like):
    """`like`'s layout over `storage` (a 1-d tensor of a whole storage)."""
    return _C._pt.rebuild_tensor(storage, like.storage_offset(), list(like.size()), list(like.stride()))


def _rebuild_tensor(data, dtype, size, stride, offset, requires_grad):
    """A pickle's tensor: the storage's bytes and the layout, checked as ramp.load checks a file's
    (C++ ramp::pt: bool bytes, overflow, bounds)."""
    t = _C._pt.rebuild_tensor(_C._pt.storage_from_bytes(data, dtype), offset, list(size), list(stride))
    return t.requires_grad_() if requires_grad else t


def _rebuild_from_type(cls, tensor, state):
    new = _new_like(cls, tensor)
    if tensor.requires_grad:
        new.requires_grad_()
    new.__dict__.update(state)
    return new


def __reduce_ex__(self, proto):
    """The whole storage as bytes with the layout, as torch pickles a CPU tensor (no .grad, no hooks)."""
    args = (bytes(_C._pt.storage_bytes(_C._pt.storage_of(self)[1])), self.dtype, tuple(self.size()), self.stride(),
            self.storage_offset(), self.requires_grad)
    if type(self) is Tensor:
        return _rebuild_tensor, args
    return _rebuild_from_type, (type(self), _rebuild_tensor(*args), getattr(self, "__dict__", {}))


def __hash__(self):
    return id(self)  # torch's: identity (== is elementwise, so tensors hash as objects)


for _name in ("__hash__", "__format__", "__contains__", "__array_wrap__", "__deepcopy__", "__copy__", "__reduce_ex__"):
    setattr(Tensor, _name, globals()[_name])
Tensor.__array_priority__ = 1000  # NumPy defers to the tensor's operators (ndarray * tensor is a tensor)
