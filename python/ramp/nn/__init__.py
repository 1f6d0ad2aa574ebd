"""ramp.nn: torch 1.13's nn — Module and Parameter, the layers, the activation modules (ReLU, LeakyReLU,
PReLU, ..., Softmax, generated from the C++ entries; GLU in activation.py), the losses, init, functional, utils (clip_grad_*), parallel
(DistributedDataParallel), and ``get_activation(name)``
to build an activation module by name ("relu", "LeakyReLU", ...)."""
from .. import _generate
from . import functional, init
from .activation import GLU
from .batchnorm import BatchNorm1d, BatchNorm2d
from .container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .conv import Conv1d, Conv2d
from .sparse import Embedding
from .distance import PairwiseDistance
from .dropout import Dropout, Dropout1d, Dropout2d, Dropout3d
from .flatten import Flatten, Unflatten
from .linear import Identity, Linear
from .loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, KLDivLoss, L1Loss, MSELoss, NLLLoss,
                   SmoothL1Loss)
from .module import Module
from .normalization import LayerNorm
from .parameter import Parameter
from .pooling import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveMaxPool1d, AdaptiveMaxPool2d, AvgPool1d, AvgPool2d,
                      MaxPool1d, MaxPool2d)
from . import utils
from . import parallel

_CLASSES = {e["module"]: _generate.make_module(e, Module, Parameter) for e in _generate.REGISTRY}
globals().update(_CLASSES)


def _modules_package():
    """ramp.nn.modules: torch.nn.modules' paths (nn.modules.module.register_module_forward_hook, ...)
    over ramp's modules, which live one level up (ramp.nn.module, ramp.nn.linear, ...)."""
    import sys
    import types
    pkg = types.ModuleType(__name__ + ".modules", _modules_package.__doc__)
    pkg.__path__ = []  # a package, so that `from ramp.nn.modules.module import ...` resolves
    for sub in ("activation", "module", "container", "linear", "conv", "batchnorm", "dropout", "flatten", "loss", "normalization",
                "pooling"):
        setattr(pkg, sub, sys.modules[f"{__name__}.{sub}"])
        sys.modules[f"{pkg.__name__}.{sub}"] = sys.modules[f"{__name__}.{sub}"]
    pkg.__dict__.update({k: v for k, v in globals().items() if isinstance(v, type) and issubclass(v, Module)})
    sys.modules[pkg.__name__] = pkg
    return pkg


modules = _modules_package()


def get_activation(name, *args, **kwargs):
    """The module for an activation's function name ("leaky_relu") or class name ("LeakyReLU")."""
    entry = _generate.BY_NAME.get(name) or next((e for e in _generate.REGISTRY if e["module"] == name), None)
    if entry is None:
        raise ValueError(f"unknown activation '{name}'")
    return _CLASSES[entry["module"]](*args, **kwargs)


__all__ = ["Module", "Parameter", "functional", "init", "get_activation", "GLU", "Linear", "Identity", "Embedding", "PairwiseDistance",
           "Conv1d", "Conv2d", "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d",
           "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "BatchNorm1d", "BatchNorm2d", "Dropout", "Flatten",
           "Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict", "LayerNorm", "Dropout1d",
           "Dropout2d", "Dropout3d", "Unflatten", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "KLDivLoss", "CrossEntropyLoss", "NLLLoss", "BCELoss",
           "BCEWithLogitsLoss", "utils", "modules", *_CLASSES]
