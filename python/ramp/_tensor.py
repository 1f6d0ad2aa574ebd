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
