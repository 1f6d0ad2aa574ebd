"""keras.optimizers over ramp.optim, with Keras 2's names and defaults (SGD lr 0.01, Adam and
RMSprop lr 0.001, epsilon 1e-7). The updates are ramp.optim's (PyTorch's), which equal Keras's for
a constant learning rate; Adam's epsilon is rescaled each step to Keras's placement (Keras adds
epsilon to sqrt(v) before the bias correction: PyTorch's eps / sqrt(1 - beta_2^t))."""
import math

import ramp


class Optimizer:
    """A Keras optimizer: its arguments until the model's parameters are known (``build``), then a
    ramp.optim optimizer underneath (``step``/``zero_grad``)."""
    _defaults = {}

    def __init__(self, learning_rate=None, **kwargs):
        self.learning_rate = self._defaults["learning_rate"] if learning_rate is None else learning_rate
        unknown = set(kwargs) - set(self._defaults)
        if unknown:
            raise TypeError(f"{type(self).__name__}.__init__() got an unexpected keyword argument "
                            f"'{sorted(unknown)[0]}'")
        self.args = {k: kwargs.get(k, v) for k, v in self._defaults.items() if k != "learning_rate"}
        self.optimizer = None

    def build(self, params):
        self.optimizer = self._make(list(params))
        return self

    def zero_grad(self, set_to_none=False):
        self.optimizer.zero_grad(set_to_none)

    def step(self):
        self.optimizer.step()


class SGD(Optimizer):
    _defaults = {"learning_rate": 0.01, "momentum": 0.0, "nesterov": False}

    def _make(self, params):
        return ramp.optim.SGD(params, lr=self.learning_rate, momentum=self.args["momentum"],
                              nesterov=self.args["nesterov"])


class RMSprop(Optimizer):
    _defaults = {"learning_rate": 0.001, "rho": 0.9, "momentum": 0.0, "epsilon": 1e-7, "centered": False}

    def _make(self, params):
        a = self.args
        return ramp.optim.RMSprop(params, lr=self.learning_rate, alpha=a["rho"], eps=a["epsilon"],
                                  momentum=a["momentum"], centered=a["centered"])


class Adam(Optimizer):
    _defaults = {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7, "amsgrad": False}

    def _make(self, params):
        a = self.args
        self.iterations = 0
        return ramp.optim.Adam(params, lr=self.learning_rate, betas=(a["beta_1"], a["beta_2"]), eps=a["epsilon"],
                               amsgrad=a["amsgrad"])

    def step(self):
        self.iterations += 1
        for group in self.optimizer.param_groups:
            group["eps"] = self.args["epsilon"] / math.sqrt(1 - self.args["beta_2"] ** self.iterations)
        self.optimizer.step()


_BY_NAME = {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam}


def get(identifier):
    """A name ("adam", "sgd", "rmsprop") -> a new optimizer with Keras's defaults; a Keras optimizer
    or a ramp.optim optimizer -> itself."""
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier.lower())
        if cls is None:
            raise ValueError(f"Unknown optimizer: '{identifier}'. Please ensure you are using a "
                             "`keras.utils.custom_object_scope` and that this object is included in the scope.")
        return cls()
    if isinstance(identifier, (Optimizer, ramp.optim.Optimizer)):
        return identifier
    raise ValueError(f"Could not interpret optimizer identifier: {identifier}")
