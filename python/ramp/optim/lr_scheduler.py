"""ramp.optim.lr_scheduler: StepLR, ExponentialLR and CosineAnnealingLR with torch 1.13's signatures,
over the C++ schedulers of include/ramp/optim.h (1.13's chainable formulas). Each step pushes the
groups' current lr to C++, runs the C++ step and writes the new lr back into ``param_groups``."""
from .. import _C
from .optimizer import Optimizer

EPOCH_DEPRECATION_WARNING = (
    "The epoch parameter in `scheduler.step()` was not necessary and is being deprecated where possible. "
    "Please use `scheduler.step()` to step the scheduler. During the deprecation, if epoch is different from "
    "None, the closed form is used instead of the new chainable form, where available. Please open an issue if "
    "you are unable to replicate your use case: https://github.com/pytorch/pytorch/issues/new/choose."
)


class _LRScheduler:
    def __init__(self, optimizer, last_epoch, verbose, make):
        if not isinstance(optimizer, Optimizer):
            raise TypeError("{} is not an Optimizer".format(type(optimizer).__name__))
        if last_epoch != -1:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError("param 'initial_lr' is not specified in param_groups[{}] when resuming an "
                                   "optimizer".format(i))
        self.optimizer = optimizer
        self.verbose = verbose
        optimizer._push()
        self._c = make()  # runs the initial step
        optimizer._pull_lr()
        self._print(None)

    @property
    def last_epoch(self):
        return self._c.last_epoch

    @last_epoch.setter
    def last_epoch(self, value):
        self._c.last_epoch = value

    @property
    def base_lrs(self):
        return list(self._c.base_lrs)

    def get_last_lr(self):
        """The lr of each group set by the last step."""
        return list(self._c.get_last_lr())

    def step(self, epoch=None):
        if epoch is not None:
            import warnings
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning)
        self.optimizer._push()
        self._c.step(epoch)
        self.optimizer._pull_lr()
        self._print(epoch)

    def _print(self, epoch):
        if not self.verbose:
            return
        for i, lr in enumerate(self.get_last_lr()):
            if epoch is None:
                print("Adjusting learning rate of group {} to {:.4e}.".format(i, lr))
            else:
                epoch_str = ("%.2f" if isinstance(epoch, float) else "%.5d") % epoch
                print("Epoch {}: adjusting learning rate of group {} to {:.4e}.".format(epoch_str, i, lr))

    def state_dict(self):
        return {"last_epoch": self.last_epoch, "base_lrs": self.base_lrs, "_last_lr": self.get_last_lr()}


class StepLR(_LRScheduler):
    """Multiplies each group's lr by gamma every step_size epochs."""

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1, verbose=False):
        super().__init__(optimizer, last_epoch, verbose,
                         lambda: _C._optim.StepLR(optimizer._c, step_size, gamma, last_epoch))

    step_size = property(lambda self: self._c.step_size)
    gamma = property(lambda self: self._c.gamma)


class ExponentialLR(_LRScheduler):
    """Multiplies each group's lr by gamma every epoch."""

    def __init__(self, optimizer, gamma, last_epoch=-1, verbose=False):
        super().__init__(optimizer, last_epoch, verbose, lambda: _C._optim.ExponentialLR(optimizer._c, gamma, last_epoch))

    gamma = property(lambda self: self._c.gamma)


class CosineAnnealingLR(_LRScheduler):
    """lr = eta_min + (initial_lr - eta_min) (1 + cos(pi epoch / T_max)) / 2, by 1.13's recursion."""

    def __init__(self, optimizer, T_max, eta_min=0, last_epoch=-1, verbose=False):
        super().__init__(optimizer, last_epoch, verbose,
                         lambda: _C._optim.CosineAnnealingLR(optimizer._c, T_max, eta_min, last_epoch))

    T_max = property(lambda self: self._c.T_max)
    eta_min = property(lambda self: self._c.eta_min)


__all__ = ["StepLR", "ExponentialLR", "CosineAnnealingLR"]
