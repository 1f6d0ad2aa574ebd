"""ramp.optim's Optimizer: torch.optim.Optimizer's Python surface (param_groups as dicts, defaults,
state, add_param_group, zero_grad, step(closure), repr) over the C++ optimizers of
include/ramp/optim.h, which do the updates. Each step pushes every group's options to C++, so a
user or scheduler may change ``group['lr']`` (or any other option) between steps, as in torch.
A subclass without a C++ optimizer (``_cpp = None``) is a plain Python optimizer, as torch's: it
writes its own step() and keeps its own ``state``; the C++ schedulers drive it through a stand-in
(``_scheduled``) that carries only its groups' rates and momentum."""
import warnings
from collections import defaultdict

from .. import _C
from ..autograd import enable_grad


class _RequiredParameter:
    """Singleton for a required option (SGD's lr)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


def _typename(obj):
    if isinstance(obj, _C.Tensor):
        return "ramp." + {"float32": "Float", "float64": "Double", "bfloat16": "BFloat16", "int64": "Long",
                          "int32": "Int", "int8": "Char", "uint8": "Byte", "bool": "Bool"}[
            repr(obj.dtype).split(".")[-1]] + "Tensor"
    module = type(obj).__module__
    name = type(obj).__qualname__
    return name if module in (None, "builtins") else module + "." + name


class Optimizer:
    """Base class: subclasses set ``_cpp`` (the C++ class) and pass their ``defaults``."""

    _cpp = None

    def __init__(self, params, defaults):
        self.defaults = defaults
        self._python_state = defaultdict(dict)  # a Python subclass's state
        if isinstance(params, _C.Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            "but got " + _typename(params))
        self.param_groups = []
        self._c = None
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    def add_param_group(self, param_group):
        """torch's add_param_group: fills in the defaults, checks the parameters (C++ checks that
        they are leaves and in one group only)."""
        assert isinstance(param_group, dict), "param group must be a dict"
        params = param_group["params"]
        if isinstance(params, _C.Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering of "
                            "tensors in sets will change between runs. Please use a list instead.")
        else:
            param_group["params"] = list(params)
        for param in param_group["params"]:
            if not isinstance(param, _C.Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is " + _typename(param))
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError("parameter group didn't specify a value of required optimization parameter " + name)
            param_group.setdefault(name, default)
        params = param_group["params"]
        if len(params) != len({id(p) for p in params}):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this will cause "
                          "an error; see github.com/pytorch/pytorch/issues/40967 for more information", stacklevel=3)
        self._check_group(param_group)
        if self._cpp is None:
            pass
        elif self._c is None:
            self._c = self._cpp([(params, param_group)], self.defaults if self._defaults_complete() else param_group)
        else:
            self._c.add_param_group(params, param_group)
        self.param_groups.append(param_group)

    def _defaults_complete(self):
        return all(v is not required for v in self.defaults.values())

    def _check_group(self, group):
        """Options C++ cannot honour: CUDA-only or differentiable updates."""
        if group.get("fused"):
            raise RuntimeError("FusedAdam requires all the params to be CUDA, floating point")
        if group.get("capturable"):
            raise RuntimeError("If capturable=True, params and state_steps must be CUDA tensors.")
        if group.get("differentiable"):
            raise RuntimeError("ramp's optimizers are not differentiable (differentiable=True is not supported)")

    def _scheduled(self):
        """The C++ optimizer the C++ schedulers drive: this one's, or for a Python optimizer (a user's
        subclass with its own step()) a stand-in that only carries each group's lr, initial_lr and
        momentum (or beta1, where the defaults have betas) between the groups and the schedulers;
        it never steps."""
        if self._c is not None:
            return self._c
        groups = [(list(g["params"]), self._stand_in_options(g)) for g in self.param_groups]
        if getattr(self, "_stand_in", None) is None or self._stand_in.num_param_groups() != len(groups):
            cls = _C._optim.Adam if "betas" in self.defaults else _C._optim.SGD
            self._stand_in = cls(groups, groups[0][1])
        return self._stand_in

    def _stand_in_options(self, group):
        if self._c is not None:
            return group
        if "betas" in self.defaults:
            return {"lr": group["lr"], "betas": group["betas"], "eps": 1e-8, "weight_decay": 0, "amsgrad": False,
                    "maximize": False}
        return {"lr": group["lr"], "momentum": group.get("momentum", 0), "dampening": 0, "weight_decay": 0,
                "nesterov": False, "maximize": False}

    def _push(self):
        """Every group's options (and the lr a scheduler started from) into C++."""
        c = self._scheduled()
        for i, group in enumerate(self.param_groups):
            c.set_options(i, self._stand_in_options(group))
            c.set_initial_lr(i, group.get("initial_lr"))

    def _pull_lr(self):
        """The lr (and initial_lr) a scheduler set in C++; an unchanged value keeps its Python type
        (an int lr stays an int, as torch's scheduler leaves it)."""
        c = self._scheduled()
        for i, group in enumerate(self.param_groups):
            initial = c.initial_lr(i)
            if initial is not None and group.get("initial_lr") != initial:
                # 1.13's group.setdefault('initial_lr', group['lr']) keeps the lr's own type
                group["initial_lr"] = group["lr"] if "initial_lr" not in group and group["lr"] == initial else initial
            lr = c.lr(i)
            if group.get("lr") != lr:
                group["lr"] = lr

    def _pull_momentum(self):
        """The momentum (or Adam's beta1) a scheduler set in C++ (OneCycleLR's cycle_momentum)."""
        for i, group in enumerate(self.param_groups):
            momentum = self._scheduled().momentum(i)
            if "betas" in group:
                group["betas"] = (momentum, *group["betas"][1:])
            else:
                group["momentum"] = momentum

    @property
    def state(self):
        """torch's optimizer.state: {param: {name: tensor}} (the live C++ state tensors)."""
        if self._c is None:
            return self._python_state
        out = {}
        for i, group in enumerate(self.param_groups):
            for p, s in zip(group["params"], self._c.state(i)):
                if s:
                    out[p] = s
        return out

    def state_dict(self):
        """torch's format: {'state': {index: {name: tensor}}, 'param_groups': [group with 'params' as
        indices]}, parameters numbered across the groups in order. The tensors are the live state."""
        mapping = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                mapping.setdefault(id(p), len(mapping))
            packed["params"] = [mapping[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {mapping[id(p)] if isinstance(p, _C.Tensor) else p: v for p, v in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """torch's load_state_dict: the saved groups' options replace the current ones (the parameters
        stay), and each parameter's state is copied in, floating tensors cast to its dtype."""
        groups, saved_groups = self.param_groups, state_dict["param_groups"]
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                             "optimizer's group")
        saved_state = state_dict["state"]
        new_groups = []
        for group, saved in zip(groups, saved_groups):
            new_group = {k: v for k, v in saved.items() if k != "params"}
            new_group["params"] = group["params"]
            new_groups.append(new_group)
        if self._c is None:
            state = defaultdict(dict)
            for group, saved in zip(groups, saved_groups):
                for p, index in zip(group["params"], saved["params"]):
                    if index in saved_state:
                        state[p] = {k: v.to(p.dtype) if isinstance(v, _C.Tensor) and k != "step"
                                    and p.is_floating_point() else v for k, v in saved_state[index].items()}
            self._python_state = state
        else:
            for g, (group, saved) in enumerate(zip(groups, saved_groups)):
                for i, index in enumerate(saved["params"]):
                    self._c.set_state(g, i, dict(saved_state.get(index, {})))
        self.param_groups = new_groups
        if self._c is not None:
            self._push()  # the saved options and initial_lr into C++ now, as step() would

    def zero_grad(self, set_to_none=False):
        if self._c is not None:
            return self._c.zero_grad(set_to_none)
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    if set_to_none:
                        p.grad = None
                    else:
                        if p.grad.grad_fn is not None:
                            p.grad.detach_()
                        else:
                            p.grad.requires_grad_(False)
                        p.grad.zero_()

    def step(self, closure=None):
        if self._c is None:
            raise NotImplementedError
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        self._push()
        self._c.step()
        return loss

    def __repr__(self):
        s = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            s += "\nParameter Group {0}\n".format(i)
            for key in sorted(group.keys()):
                if key != "params":
                    s += "    {0}: {1}\n".format(key, group[key])
        return s + ")"

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}


class SGD(Optimizer):
    """torch.optim.SGD (1.13): momentum, dampening, weight_decay, nesterov, maximize."""

    _cpp = _C._optim.SGD

    def __init__(self, params, lr=required, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False):
        if lr is not required and lr < 0.0:
            raise ValueError("Invalid learning rate: {}".format(lr))
        if momentum < 0.0:
            raise ValueError("Invalid momentum value: {}".format(momentum))
        if weight_decay < 0.0:
            raise ValueError("Invalid weight_decay value: {}".format(weight_decay))
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov,
                        maximize=maximize, foreach=foreach, differentiable=differentiable)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)


def _check_adam(lr, betas, eps, weight_decay):
    if not 0.0 <= lr:
        raise ValueError("Invalid learning rate: {}".format(lr))
    if not 0.0 <= eps:
        raise ValueError("Invalid epsilon value: {}".format(eps))
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError("Invalid beta parameter at index 0: {}".format(betas[0]))
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError("Invalid beta parameter at index 1: {}".format(betas[1]))
    if not 0.0 <= weight_decay:
        raise ValueError("Invalid weight_decay value: {}".format(weight_decay))


class Adam(Optimizer):
    """torch.optim.Adam (1.13): betas, eps, weight_decay (L2, added to the gradient), amsgrad, maximize."""

    _cpp = _C._optim.Adam

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=False):
        _check_adam(lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)


class AdamW(Optimizer):
    """torch.optim.AdamW (1.13): Adam with decoupled weight decay (default 1e-2)."""

    _cpp = _C._optim.AdamW

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False):
        _check_adam(lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, foreach=foreach,
                        maximize=maximize, capturable=capturable)
        super().__init__(params, defaults)
