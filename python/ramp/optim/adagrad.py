"""torch.optim.adagrad's Adagrad (1.13), updated in C++ (src/optim/adagrad.cpp). As in 1.13, every
parameter has state ('step', 'sum') from the start."""
from .. import _C
from .optimizer import Optimizer


class Adagrad(Optimizer):
    """Adagrad: lr_decay, weight_decay (L2), initial_accumulator_value, eps, maximize (dense gradients)."""

    _cpp = _C._optim.Adagrad

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False):
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize)
        self._cpp.check(defaults)
        super().__init__(params, defaults)


__all__ = ["Adagrad"]
