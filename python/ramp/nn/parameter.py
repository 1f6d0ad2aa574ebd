"""ramp.nn.Parameter: a tensor that a Module registers as a parameter when assigned as an attribute.

    w = nn.Parameter(ramp.zeros(3))        # shares the data of the tensor given, requires_grad=True
    print(w)                               # Parameter containing:\\ntensor([0., 0., 0.], requires_grad=True)
"""
from .. import _C


class Parameter(_C.Tensor):
    """torch.nn.Parameter: `data` (default an empty tensor) without its graph, sharing its storage and
    version counter, as a leaf with the given requires_grad. Ops on it return plain ramp.Tensors."""

    def __init__(self, data=None, requires_grad=True):
        _C.Tensor.__init__(self, _C.empty(0) if data is None else data)
        self.requires_grad_(requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + _C.Tensor.__repr__(self)

    __str__ = __repr__  # _C.Tensor binds its own __str__; torch's Parameter prints the header in both

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = type(self)(self.data.clone(), self.requires_grad)
        return memo[id(self)]
