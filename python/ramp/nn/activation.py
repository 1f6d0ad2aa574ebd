"""nn.GLU (torch/nn/modules/activation.py, 1.13); the other activation modules are generated from the
C++ entries (ramp._generate)."""
from . import functional as F
from .module import Module

__all__ = ["GLU"]


class GLU(Module):
    """a * sigmoid(b), a and b the halves of the input along dim."""
    __constants__ = ["dim"]

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.glu(input, self.dim)

    def extra_repr(self):
        return "dim={}".format(self.dim)
