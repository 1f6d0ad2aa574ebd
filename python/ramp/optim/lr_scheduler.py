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
        self._step_count = 1
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
        self._step_count += 1
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

    _hyperparameters = ()  # a subclass's own options, in torch's __dict__ order

    def state_dict(self):
        """torch's keys (its scheduler __dict__ less the optimizer)."""
        state = {name: getattr(self, name) for name in self._hyperparameters}
        state.update(base_lrs=self.base_lrs, last_epoch=self.last_epoch, verbose=self.verbose,
                     _step_count=self._step_count, _get_lr_called_within_step=False, _last_lr=self.get_last_lr())
        return state

    def load_state_dict(self, state_dict):
        """Restores what state_dict() saved (torch's __dict__.update); the optimizer's lr is its own
        (restored by the optimizer's load_state_dict)."""
        for name in self._hyperparameters:
            if name in state_dict:
                setattr(self._c, name, state_dict[name])
        if "base_lrs" in state_dict:
            self._c.base_lrs = list(state_dict["base_lrs"])
        if "last_epoch" in state_dict:
            self._c.last_epoch = state_dict["last_epoch"]
        if "_last_lr" in state_dict:
            self._c.set_last_lr(list(state_dict["_last_lr"]))
        self.verbose = state_dict.get("verbose", self.verbose)
        self._step_count = state_dict.get("_step_count", self._step_count)


class StepLR(_LRScheduler):
    """Multiplies each group's lr by gamma every step_size epochs."""

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1, verbose=False):
        super().__init__(optimizer, last_epoch, verbose,
                         lambda: _C._optim.StepLR(optimizer._c, step_size, gamma, last_epoch))

    _hyperparameters = ("step_size", "gamma")
    step_size = property(lambda self: self._c.step_size)
    gamma = property(lambda self: self._c.gamma)


class ExponentialLR(_LRScheduler):
    """Multiplies each group's lr by gamma every epoch."""

    def __init__(self, optimizer, gamma, last_epoch=-1, verbose=False):
        super().__init__(optimizer, last_epoch, verbose, lambda: _C._optim.ExponentialLR(optimizer._c, gamma, last_epoch))

    _hyperparameters = ("gamma",)
    gamma = property(lambda self: self._c.gamma)


class CosineAnnealingLR(_LRScheduler):
    """lr = eta_min + (initial_lr - eta_min) (1 + cos(pi epoch / T_max)) / 2, by 1.13's recursion."""

    def __init__(self, optimizer, T_max, eta_min=0, last_epoch=-1, verbose=False):
        super().__init__(optimizer, last_epoch, verbose,
                         lambda: _C._optim.CosineAnnealingLR(optimizer._c, T_max, eta_min, last_epoch))

    _hyperparameters = ("T_max", "eta_min")
    T_max = property(lambda self: self._c.T_max)
    eta_min = property(lambda self: self._c.eta_min)


__all__ = ["StepLR", "ExponentialLR", "CosineAnnealingLR"]
