"""torch.optim.adadelta's Adadelta (1.13), updated in C++ (src/optim/adadelta.cpp)."""
from .. import _C
from .optimizer import Optimizer


class Adadelta(Optimizer):
    """Adadelta: rho, eps, weight_decay (L2, added to the gradient), maximize."""

    _cpp = _C._optim.Adadelta

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, maximize=False):
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize, foreach=foreach)
        self._cpp.check(defaults)
        super().__init__(params, defaults)


__all__ = ["Adadelta"]
