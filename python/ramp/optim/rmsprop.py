"""torch.optim.rmsprop's RMSprop (1.13), updated in C++ (src/optim/rmsprop.cpp)."""
from .. import _C
from .optimizer import Optimizer


class RMSprop(Optimizer):
    """RMSprop: alpha, eps, weight_decay (L2), momentum, centered, maximize."""

    _cpp = _C._optim.RMSprop

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 foreach=None, maximize=False, differentiable=False):
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize, differentiable=differentiable)
        self._cpp.check(defaults)
        super().__init__(params, defaults)


__all__ = ["RMSprop"]
