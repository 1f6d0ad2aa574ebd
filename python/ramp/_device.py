"""Devices for factories: ``device=`` on every tensor factory, in one place.

ramp computes on the CPU. ``ramp.zeros(2, device="cpu")`` (or ``"cpu:0"``, ``ramp.device("cpu")``) works;
a CUDA device raises AssertionError (torch without CUDA does the same); other device types raise
RuntimeError. ``ramp.device`` itself, ``Tensor.to/.cpu/.cuda/.device`` live in C++ (python/src/device.cpp).

To give a new factory ``device=``: add its name to FACTORIES (it must be a ``ramp._C`` function that
takes no ``device`` itself); ``ramp.<name>`` is then the wrapped one.
"""
import functools

from . import _C

FACTORIES = ("tensor", "as_tensor", "zeros", "ones", "empty", "full", "arange", "linspace", "rand", "randn",
             "zeros_like", "ones_like", "empty_like", "full_like", "scalar_tensor", "randperm", "randint",
             "randint_like", "rand_like", "randn_like", "normal", "eye")


def _with_device(factory):
    check = _C._check_device

    @functools.wraps(factory)
    def with_device(*args, device=None, **kwargs):
        if device is not None:
            check(device)
        return factory(*args, **kwargs)

    return with_device


def wrapped(names=FACTORIES):
    """{name: factory taking device=} for the _C factories named."""
    return {name: _with_device(getattr(_C, name)) for name in names}
