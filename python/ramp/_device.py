"""Devices for factories: ``device=`` on every tensor factory, in one place.

ramp computes on the CPU. ``ramp.zeros(2, device="cpu")`` (or ``"cpu:0"``, ``ramp.device("cpu")``) works;
a CUDA device raises AssertionError (torch without CUDA does the same); other device types raise
RuntimeError; ``pin_memory=`` is taken where 1.13 takes it (True raises: pinning needs CUDA).
``ramp.device`` itself, ``Tensor.to/.cpu/.cuda/.device`` live in C++ (python/src/device.cpp).

To give a new factory ``device=``: add its name to FACTORIES (it must be a ``ramp._C`` function that
takes no ``device`` itself); ``ramp.<name>`` is then the wrapped one.
"""
import functools

from . import _C

FACTORIES = ("tensor", "as_tensor", "zeros", "ones", "empty", "full", "arange", "linspace", "rand", "randn",
             "zeros_like", "ones_like", "empty_like", "full_like", "scalar_tensor", "randperm", "randint",
             "randint_like", "rand_like", "randn_like", "normal", "eye")


NO_PIN_MEMORY = ("as_tensor",)  # the factories whose 1.13 signature has no pin_memory=
BOOL_PIN_MEMORY = ("tensor",)   # `bool pin_memory=False` in 1.13 (the others: `bool? pin_memory=None`)
_PINNED = ("Pinned memory requires CUDA: ramp computes on the CPU only (pin_memory=True is torch's page-locked "
           "host memory for faster copies to a GPU)")


def _with_device(factory, pin_memory):
    check = _C._check_device
    name = factory.__name__

    if pin_memory:
        @functools.wraps(factory)
        def with_device(*args, device=None, pin_memory=False, **kwargs):
            if device is not None:
                check(device)
            if name in BOOL_PIN_MEMORY and type(pin_memory) is not bool:
                raise TypeError(f"{name}(): argument 'pin_memory' must be bool, not {type(pin_memory).__name__}")
            if pin_memory:
                raise RuntimeError(_PINNED)
            return factory(*args, **kwargs)
    else:
        @functools.wraps(factory)
        def with_device(*args, device=None, **kwargs):
            if device is not None:
                check(device)
            return factory(*args, **kwargs)

    return with_device


def wrapped(names=FACTORIES):
    """{name: factory taking device= (and pin_memory=, as 1.13's)} for the _C factories named."""
    return {name: _with_device(getattr(_C, name), name not in NO_PIN_MEMORY) for name in names}
