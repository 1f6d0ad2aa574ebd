"""The parts of ramp.Tensor written in Python: ramp.Size, NumPy's __array__,
and the activation methods (x.relu(), x.relu_(), x.softmax(dim), ...)."""
from . import _C, _generate


class Size(tuple):
    """The shape of a tensor, a tuple that prints as ``ramp.Size([2, 3])``."""

    def __repr__(self):
        return f"ramp.Size({list(self)})"

    def __getitem__(self, index):
        item = super().__getitem__(index)
        return Size(item) if isinstance(index, slice) else item

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n


def _array(self, dtype=None):
    a = self.numpy()
    return a if dtype is None else a.astype(dtype, copy=False)


_C._set_size_class(Size)
_C.Tensor.__array__ = _array
for _name in _generate.TENSOR_METHODS:
    setattr(_C.Tensor, _name, _generate.make_function(
        _generate.BY_NAME[_name.rstrip("_")], "inplace" if _name.endswith("_") else "plain"))


# ---- x.new_zeros(...), x.new_tensor(...), ...: factories taking x's dtype (and device) by default ----
def _new_size(size):
    return tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else tuple(size)


def _new_factory(factory):
    def method(self, *args, size=None, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
        if device is not None:
            _C._check_device(device)
        out = factory(_new_size(args) if size is None else tuple(size), dtype=self.dtype if dtype is None else dtype)
        return out.requires_grad_() if requires_grad else out
    method.__name__ = "new_" + factory.__name__
    method.__doc__ = f"Tensor.new_{factory.__name__}: ramp.{factory.__name__} of this tensor's dtype unless given."
    return method


for _factory in (_C.zeros, _C.ones, _C.empty):
    setattr(_C.Tensor, "new_" + _factory.__name__, _new_factory(_factory))


def _new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    """Tensor.new_full: ramp.full of this tensor's dtype unless given."""
    if device is not None:
        _C._check_device(device)
    out = _C.full(tuple(size), fill_value, dtype=self.dtype if dtype is None else dtype)
    return out.requires_grad_() if requires_grad else out


def _new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    """Tensor.new_tensor: a copy of data (never an alias) of this tensor's dtype unless given."""
    import warnings
    if device is not None:
        _C._check_device(device)
    if isinstance(data, _C.Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use sourceTensor.clone().detach() "
                      "or sourceTensor.clone().detach().requires_grad_(True), rather than tensor.new_tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
        out = data.detach().to(self.dtype if dtype is None else dtype).clone()
    else:
        out = _C.tensor(data, dtype=self.dtype if dtype is None else dtype)
    return out.requires_grad_() if requires_grad else out


_C.Tensor.new_full = _new_full
_C.Tensor.new_tensor = _new_tensor


# ---- x.mT, x.mH, x.H: matrix transposes (ramp's tensors are real, so the conjugate ones are the same) ----
def _mT(self):
    if self.dim() < 2:
        raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. Got {self.dim()}-D tensor.")
    return self.transpose(-2, -1)


def _mH(self):
    if self.dim() < 2:
        raise RuntimeError(f"tensor.mH is only supported on matrices or batches of matrices. Got {self.dim()}-D tensor.")
    return self.transpose(-2, -1)


def _H(self):
    if self.dim() not in (0, 2):
        batches = " For batches of matrices, consider using tensor.mH" if self.dim() > 2 else ""
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {self.dim()}-D tensor.{batches}")
    return self.transpose(0, 1) if self.dim() == 2 else self


_C.Tensor.mT, _C.Tensor.mH, _C.Tensor.H = property(_mT), property(_mH), property(_H)


# ---- x.type(torch.FloatTensor): the legacy classes name a dtype too ----
_c_type = _C.Tensor.type


def _type(self, dtype=None, non_blocking=False, **kwargs):
    """Tensor.type(): this tensor's type string; type(t) with t a dtype, a type string or a legacy
    class (ramp.FloatTensor, ...): this tensor in that dtype (itself if it already is)."""
    dtype = getattr(dtype, "dtype", dtype) if isinstance(dtype, type) else dtype
    return _c_type(self, dtype, non_blocking, **kwargs)


_C.Tensor.type = _type


def _repeat_interleave(self, repeats=None, dim=None, *, output_size=None):
    """Tensor.repeat_interleave (ramp.repeat_interleave)."""
    from ._factories import repeat_interleave
    return repeat_interleave(self, repeats, dim, output_size=output_size)


_C.Tensor.repeat_interleave = _repeat_interleave
