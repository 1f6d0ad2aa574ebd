"""ramp.optim.lr_scheduler: StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LambdaLR,
OneCycleLR and ReduceLROnPlateau with torch 1.13's signatures, over the C++ schedulers of
include/ramp/optim.h (1.13's formulas, in its double arithmetic). Each step pushes the groups' current
lr to C++, runs the C++ step and writes the new lr back into ``param_groups``. ConstantLR, LinearLR,
MultiplicativeLR, PolynomialLR, CosineAnnealingWarmRestarts, CyclicLR, SequentialLR and
ChainedScheduler compute in Python (_lr_scheduler_python.py), as torch's do."""
import functools
import types
import warnings
import weakref
from collections import Counter

from .. import _C
from .optimizer import Optimizer

EPOCH_DEPRECATION_WARNING = (
    "The epoch parameter in `scheduler.step()` was not necessary and is being deprecated where possible. "
    "Please use `scheduler.step()` to step the scheduler. During the deprecation, if epoch is different from "
    "None, the closed form is used instead of the new chainable form, where available. Please open an issue if "
    "you are unable to replicate your use case: https://github.com/pytorch/pytorch/issues/new/choose."
)


def _with_counter(method):
    """optimizer.step counting its calls into optimizer._step_count (1.13's wrapper, for its warning
    when the scheduler steps first); holds the optimizer weakly, as 1.13."""
    if getattr(method, "_with_counter", False):
        return method
    instance_ref = weakref.ref(method.__self__)
    func = method.__func__
    cls = instance_ref().__class__
    del method

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        instance = instance_ref()
        instance._step_count += 1
        return func.__get__(instance, cls)(*args, **kwargs)
    wrapper._with_counter = True
    return wrapper


class _LRScheduler:
    """The schedulers' base. ramp's own schedulers compute in C++ (``make`` builds it); a user's
    subclass that calls ``super().__init__(optimizer, last_epoch, verbose)`` and defines get_lr()
    (and optionally _get_closed_form_lr()) runs 1.13's base logic in Python, as torch's does."""

    def __init__(self, optimizer, last_epoch=-1, verbose=False, make=None):
        if not isinstance(optimizer, Optimizer):
            raise TypeError("{} is not an Optimizer".format(type(optimizer).__name__))
        if last_epoch == -1 and make is None:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        elif last_epoch != -1:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError("param 'initial_lr' is not specified in param_groups[{}] when resuming an "
                                   "optimizer".format(i))
        self.optimizer = optimizer
        self._c = None
        optimizer.step = _with_counter(optimizer.step)
        self.verbose = verbose
        optimizer._step_count = 0
        if make is None:  # a Python subclass: 1.13's _initial_step
            self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
            self.last_epoch = last_epoch
            self._step_count = 0
            self.step()
            return
        optimizer._push()
        self._c = make()  # runs the initial step
        self._step_count = 1
        optimizer._pull_lr()
        self._print(None)

    # In C++ for ramp's schedulers; in the instance's __dict__ (torch's attributes) for a Python subclass.
    @property
    def last_epoch(self):
        if self._c is not None:
            return self._c.last_epoch
        if "last_epoch" not in self.__dict__:  # ChainedScheduler has none, as 1.13's
            raise AttributeError(f"'{type(self).__name__}' object has no attribute 'last_epoch'")
        return self.__dict__["last_epoch"]

    @last_epoch.setter
    def last_epoch(self, value):
        if self._c is None:
            self.__dict__["last_epoch"] = value
        else:
            self._c.last_epoch = value

    @property
    def base_lrs(self):
        if self._c is not None:
            return list(self._c.base_lrs)
        if "base_lrs" not in self.__dict__:  # SequentialLR, ChainedScheduler: none, as 1.13's
            raise AttributeError(f"'{type(self).__name__}' object has no attribute 'base_lrs'")
        return self.__dict__["base_lrs"]

    @base_lrs.setter
    def base_lrs(self, value):
        if self._c is None:
            self.__dict__["base_lrs"] = value
        else:
            self._c.base_lrs = list(value)

    def get_last_lr(self):
        """The lr of each group set by the last step."""
        return self._last_lr if self._c is None else list(self._c.get_last_lr())

    def get_lr(self):
        """A Python subclass's chainable rates (1.13: subclasses define it)."""
        raise NotImplementedError

    def step(self, epoch=None):
        if self._step_count == 1:  # 1.13's warnings about the order of the first steps
            if not hasattr(self.optimizer.step, "_with_counter"):
                warnings.warn("Seems like `optimizer.step()` has been overridden after learning rate scheduler "
                              "initialization. Please, make sure to call `optimizer.step()` before "
                              "`lr_scheduler.step()`. See more details at "
                              "https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate", UserWarning)
            elif self.optimizer._step_count < 1:
                warnings.warn("Detected call of `lr_scheduler.step()` before `optimizer.step()`. "
                              "In PyTorch 1.1.0 and later, you should call them in the opposite order: "
                              "`optimizer.step()` before `lr_scheduler.step()`.  Failure to do this "
                              "will result in PyTorch skipping the first value of the learning rate schedule. "
                              "See more details at "
                              "https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate", UserWarning)
        self._step_count += 1
        if epoch is not None:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning)
        if self._c is None:
            self._python_step(epoch)
        else:
            self.optimizer._push()
            self._before_step()
            self._c.step(epoch)
            self.optimizer._pull_lr()
            self._after_step()
        self._print(epoch)

    def _python_step(self, epoch):
        self._get_lr_called_within_step = True
        try:
            if epoch is None:
                self.last_epoch += 1
                values = self.get_lr()
            else:
                self.last_epoch = epoch
                values = self._get_closed_form_lr() if hasattr(self, "_get_closed_form_lr") else self.get_lr()
        finally:
            self._get_lr_called_within_step = False
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _before_step(self):
        """What a subclass reads from the param groups (OneCycleLR's max_lr, ...), into C++."""

    def _after_step(self):
        """What a subclass writes into the param groups besides lr (OneCycleLR's momentum)."""

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

    def _set_hyperparameter(self, name, value):
        setattr(self._c, name, value)

    def state_dict(self):
        """torch's keys (its scheduler __dict__ less the optimizer)."""
        if self._c is None:
            return {key: value for key, value in self.__dict__.items() if key not in ("optimizer", "_c")}
        state = {name: getattr(self, name) for name in self._hyperparameters}
        state.update(base_lrs=self.base_lrs, last_epoch=self.last_epoch, verbose=self.verbose,
                     _step_count=self._step_count, _get_lr_called_within_step=False, _last_lr=self.get_last_lr())
        return state

    def load_state_dict(self, state_dict):
        """Restores what state_dict() saved (torch's __dict__.update); the optimizer's lr is its own
        (restored by the optimizer's load_state_dict)."""
        if self._c is None:
            self.__dict__.update(state_dict)
            return
        for name in self._hyperparameters:
            if name in state_dict:
                self._set_hyperparameter(name, state_dict[name])
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
                         lambda: _C._optim.StepLR(optimizer._scheduled(), step_size, gamma, last_epoch))

    _hyperparameters = ("step_size", "gamma")
    step_size = property(lambda self: self._c.step_size)
    gamma = property(lambda self: self._c.gamma)


class ExponentialLR(_LRScheduler):
    """Multiplies each group's lr by gamma every epoch."""

    def __init__(self, optimizer, gamma, last_epoch=-1, verbose=False):
        super().__init__(optimizer, last_epoch, verbose, lambda: _C._optim.ExponentialLR(optimizer._scheduled(), gamma, last_epoch))

    _hyperparameters = ("gamma",)
    gamma = property(lambda self: self._c.gamma)


class CosineAnnealingLR(_LRScheduler):
    """lr = eta_min + (initial_lr - eta_min) (1 + cos(pi epoch / T_max)) / 2, by 1.13's recursion."""

    def __init__(self, optimizer, T_max, eta_min=0, last_epoch=-1, verbose=False):
        super().__init__(optimizer, last_epoch, verbose,
                         lambda: _C._optim.CosineAnnealingLR(optimizer._scheduled(), T_max, eta_min, last_epoch))

    _hyperparameters = ("T_max", "eta_min")
    T_max = property(lambda self: self._c.T_max)
    eta_min = property(lambda self: self._c.eta_min)


class MultiStepLR(_LRScheduler):
    """Multiplies each group's lr by gamma at each milestone (by gamma^k at one listed k times)."""

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1, verbose=False):
        milestones = list(Counter(milestones).elements())
        super().__init__(optimizer, last_epoch, verbose,
                         lambda: _C._optim.MultiStepLR(optimizer._scheduled(), milestones, gamma, last_epoch))

    _hyperparameters = ("milestones", "gamma")
    milestones = property(lambda self: Counter(self._c.milestones))
    gamma = property(lambda self: self._c.gamma)

    def _set_hyperparameter(self, name, value):
        setattr(self._c, name, list(Counter(value).elements()) if name == "milestones" else value)


def _lambdas_state(fns):
    """lr_lambdas as torch saves them: each callable object's __dict__, None for a plain function or lambda."""
    return [None if isinstance(fn, types.FunctionType) else fn.__dict__.copy() for fn in fns]


def _load_lambdas(fns, saved):
    for fn, state in zip(fns, saved):
        if state is not None:
            fn.__dict__.update(state)


class LambdaLR(_LRScheduler):
    """lr = initial_lr * lr_lambda(epoch): one function for every group, or a list with one per group."""

    def __init__(self, optimizer, lr_lambda, last_epoch=-1, verbose=False):
        if not isinstance(lr_lambda, (list, tuple)):
            self.lr_lambdas = [lr_lambda] * len(optimizer.param_groups)
        else:
            self.lr_lambdas = list(lr_lambda)  # C++ checks there is one per group
        super().__init__(optimizer, last_epoch, verbose,
                         lambda: _C._optim.LambdaLR(optimizer._scheduled(), self.lr_lambdas, last_epoch))

    def state_dict(self):
        """torch's: the base keys, and the lambdas' saved form (_lambdas_state)."""
        state = super().state_dict()
        state["lr_lambdas"] = _lambdas_state(self.lr_lambdas)
        return state

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        lr_lambdas = state.pop("lr_lambdas", [])
        super().load_state_dict(state)
        _load_lambdas(self.lr_lambdas, lr_lambdas)


def _format_param(name, optimizer, param):
    """A value for each group: a list or tuple must have one per group (1.13's check)."""
    if isinstance(param, (list, tuple)):
        if len(param) != len(optimizer.param_groups):
            raise ValueError("expected {} values for {}, got {}".format(len(optimizer.param_groups), name, len(param)))
        return list(param)
    return [param] * len(optimizer.param_groups)


class OneCycleLR(_LRScheduler):
    """The 1cycle policy (1.13's OneCycleLR): lr up from max_lr / div_factor to max_lr, then down to
    initial_lr / final_div_factor; with cycle_momentum, momentum (Adam: beta1) the other way. Like 1.13,
    it stores 'initial_lr', 'max_lr', 'min_lr' (and 'max_momentum', 'base_momentum') in each group."""

    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None, pct_start=0.3,
                 anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85, max_momentum=0.95, div_factor=25.,
                 final_div_factor=1e4, three_phase=False, last_epoch=-1, verbose=False):
        if not isinstance(optimizer, Optimizer):
            raise TypeError("{} is not an Optimizer".format(type(optimizer).__name__))
        # 1.13's type checks (Python ints and floats); C++ checks the values again in the same order.
        if total_steps is None and epochs is None and steps_per_epoch is None:
            raise ValueError("You must define either total_steps OR (epochs AND steps_per_epoch)")
        if total_steps is not None:
            if total_steps <= 0 or not isinstance(total_steps, int):
                raise ValueError("Expected positive integer total_steps, but got {}".format(total_steps))
        else:
            if epochs <= 0 or not isinstance(epochs, int):
                raise ValueError("Expected positive integer epochs, but got {}".format(epochs))
            if steps_per_epoch <= 0 or not isinstance(steps_per_epoch, int):
                raise ValueError("Expected positive integer steps_per_epoch, but got {}".format(steps_per_epoch))
        if pct_start < 0 or pct_start > 1 or not isinstance(pct_start, float):
            raise ValueError("Expected float between 0 and 1 pct_start, but got {}".format(pct_start))
        if anneal_strategy not in ["cos", "linear"]:
            raise ValueError("anneal_strategy must by one of 'cos' or 'linear', instead got {}".format(anneal_strategy))
        max_lrs = _format_param("max_lr", optimizer, max_lr)
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError("optimizer must support momentum with `cycle_momentum` option enabled")
            self.use_beta1 = "betas" in optimizer.defaults
            max_momentums = _format_param("max_momentum", optimizer, max_momentum)
            base_momentums = _format_param("base_momentum", optimizer, base_momentum)
        else:
            max_momentums, base_momentums = [max_momentum], [base_momentum]
        self._anneal_strategy = anneal_strategy
        super().__init__(optimizer, last_epoch, verbose, lambda: _C._optim.OneCycleLR(
            optimizer._scheduled(), max_lrs, total_steps, epochs, steps_per_epoch, pct_start, anneal_strategy, cycle_momentum,
            base_momentums, max_momentums, div_factor, final_div_factor, three_phase, last_epoch))
        if last_epoch == -1:
            for group, max_lr_, min_lr in zip(optimizer.param_groups, self._c.max_lrs, self._c.min_lrs):
                group["max_lr"] = max_lr_
                group["min_lr"] = min_lr
            if cycle_momentum:
                for group, m, b in zip(optimizer.param_groups, max_momentums, base_momentums):
                    group["max_momentum"] = m
                    group["base_momentum"] = b
        elif self._before_step():
            # Resuming: 1.13 reads max_lr, min_lr, ... from the groups, which may differ from the
            # arguments C++ started from: redo the initial step with the groups' values.
            self._c.last_epoch -= 1
            self._c.step(None)
            optimizer._pull_lr()
        self._after_step()

    total_steps = property(lambda self: self._c.total_steps)

    @property
    def _schedule_phases(self):
        ends = self._c.phase_ends
        if len(ends) == 3:
            names = [("initial_lr", "max_lr", "max_momentum", "base_momentum"),
                     ("max_lr", "initial_lr", "base_momentum", "max_momentum"),
                     ("initial_lr", "min_lr", "max_momentum", "max_momentum")]
        else:
            names = [("initial_lr", "max_lr", "max_momentum", "base_momentum"),
                     ("max_lr", "min_lr", "base_momentum", "max_momentum")]
        return [{"end_step": end if i < len(ends) - 1 else self.total_steps - 1, "start_lr": n[0], "end_lr": n[1],
                 "start_momentum": n[2], "end_momentum": n[3]} for i, (end, n) in enumerate(zip(ends, names))]

    def state_dict(self):
        """torch's keys, less 'anneal_func' (a bound method in 1.13; the strategy is a constructor argument)."""
        state = {"total_steps": self.total_steps, "_schedule_phases": self._schedule_phases,
                 "cycle_momentum": self.cycle_momentum}
        if self.cycle_momentum:
            state["use_beta1"] = self.use_beta1
        state.update(super().state_dict())
        return state

    def _before_step(self):
        """The groups' max_lr, min_lr, max_momentum, base_momentum into C++; True if one differed."""
        groups, changed = self.optimizer.param_groups, False
        for key, attr in (("max_lr", "max_lrs"), ("min_lr", "min_lrs"), ("max_momentum", "max_momentums"),
                          ("base_momentum", "base_momentums")):
            if all(key in g for g in groups):
                values = [float(g[key]) for g in groups]
                if values != getattr(self._c, attr):
                    setattr(self._c, attr, values)
                    changed = True
        return changed

    def _after_step(self):
        if self.cycle_momentum:
            self.optimizer._pull_momentum()


class ReduceLROnPlateau:
    """Lowers each group's lr by ``factor`` (not below its min_lr) when the metric given to step() has
    not improved for ``patience`` epochs, then waits ``cooldown`` epochs (1.13's, computed in C++)."""

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel",
                 cooldown=0, min_lr=0, eps=1e-8, verbose=False):
        if factor >= 1.0:
            raise ValueError("Factor should be < 1.0.")
        if not isinstance(optimizer, Optimizer):
            raise TypeError("{} is not an Optimizer".format(type(optimizer).__name__))
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != len(optimizer.param_groups):
                raise ValueError("expected {} min_lrs, got {}".format(len(optimizer.param_groups), len(min_lr)))
            min_lrs = list(min_lr)
        else:
            min_lrs = [min_lr] * len(optimizer.param_groups)
        self.optimizer = optimizer
        self.verbose = verbose
        self._c = _C._optim.ReduceLROnPlateau(optimizer._scheduled(), mode, factor, patience, threshold, threshold_mode,
                                              cooldown, min_lrs, eps)

    _attributes = ("factor", "min_lrs", "patience", "verbose", "cooldown", "cooldown_counter", "mode", "threshold",
                   "threshold_mode", "best", "num_bad_epochs", "mode_worse", "eps", "last_epoch")

    def __getattr__(self, name):  # the C++ scheduler's fields, as torch's attributes
        c = self.__dict__.get("_c")
        if c is not None and name in ReduceLROnPlateau._attributes and name != "verbose":
            return getattr(c, name)
        if c is not None and name == "_last_lr" and c.last_lr:
            return list(c.last_lr)
        raise AttributeError("'ReduceLROnPlateau' object has no attribute '{}'".format(name))

    def __setattr__(self, name, value):
        if name in ReduceLROnPlateau._attributes and name != "verbose":
            setattr(self._c, name, value)
        elif name == "_last_lr":
            self._c.last_lr = list(value)
        else:
            object.__setattr__(self, name, value)

    @property
    def in_cooldown(self):
        return self.cooldown_counter > 0

    def is_better(self, a, best):
        return self._c.is_better(a, best)

    def step(self, metrics, epoch=None):
        current = float(metrics)  # a number or a one-element tensor
        if epoch is not None:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning)
        self.optimizer._push()
        reduced = self._c.step(current, epoch)
        self.optimizer._pull_lr()
        if self.verbose:
            epoch = self.last_epoch
            epoch_str = ("%.2f" if isinstance(epoch, float) else "%.5d") % epoch
            for i in reduced:
                print("Epoch {}: reducing learning rate of group {} to {:.4e}.".format(
                    epoch_str, i, self.optimizer.param_groups[i]["lr"]))

    def state_dict(self):
        """torch's: its attributes but the optimizer."""
        state = {name: getattr(self, name) for name in self._attributes}
        if self._c.last_lr:
            state["_last_lr"] = list(self._c.last_lr)
        return state

    def load_state_dict(self, state_dict):
        for name, value in state_dict.items():
            setattr(self, name, value)
        self._c.init_is_better()


# The schedulers whose rates are computed in Python (after _LRScheduler and _format_param, which they use).
from ._lr_scheduler_python import (ConstantLR, LinearLR, MultiplicativeLR, PolynomialLR,  # noqa: E402
                                   CosineAnnealingWarmRestarts, CyclicLR, SequentialLR, ChainedScheduler)

__all__ = ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LambdaLR", "OneCycleLR",
           "ReduceLROnPlateau", "ConstantLR", "LinearLR", "MultiplicativeLR", "PolynomialLR",
           "CosineAnnealingWarmRestarts", "CyclicLR", "SequentialLR", "ChainedScheduler"]
