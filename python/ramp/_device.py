"""Devices for factories: ``device=`` on every tensor factory, in one place.

ramp computes on the CPU. ``ramp.zeros(2, device="cpu")`` (or ``"cpu:0"``, ``ramp.device("cpu")``) works;
a CUDA device raises AssertionError (torch without CUDA does the same); other device types raise
RuntimeError; ``pin_memory=`` is taken where 1.13 takes it (True raises: pinning needs CUDA).
``ramp.device`` itself, ``Tensor.to/.cpu/.cuda/.device`` live in C++ (python/src/device.cpp).

To give a new factory ``device=`` (and 1.13's ``pin_memory=``/``layout=``): add its name to FACTORIES (it must be a ``ramp._C`` function that
takes no ``device`` itself); ``ramp.<name>`` is then the wrapped one.
"""
import functools

from . import _C

FACTORIES = ("tensor", "as_tensor", "zeros", "ones", "empty", "full", "arange", "linspace", "rand", "randn",
             "zeros_like", "ones_like", "empty_like", "full_like", "scalar_tensor", "randperm", "randint",
             "randint_like", "rand_like", "randn_like", "normal", "eye")
# 1.13 takes pin_memory= on every factory but as_tensor, layout= on every one but tensor/as_tensor.
NO_PIN_MEMORY = ("as_tensor",)
NO_LAYOUT = ("tensor", "as_tensor")


class layout:
    """torch.layout: ramp's tensors are all strided (dense), so ramp.strided is the one value."""

    def __init__(self, name):
        self._name = name

    def __repr__(self):
        return "ramp." + self._name

    def __reduce__(self):
        return self._name  # pickles as the module attribute


strided = layout("strided")


# 1.13's text on a build without CUDA (pinned memory is page-locked host memory for CUDA copies).
PIN_MEMORY_ERROR = ("Pinned memory requires CUDA. PyTorch splits its backend into two shared libraries: a CPU "
                    "library and a CUDA library; this error has occurred because you are trying to use some CUDA "
                    "functionality, but the CUDA library has not been loaded by the dynamic linker for some reason."
                    "  The CUDA library MUST be loaded, EVEN IF you don't directly use any symbols from the CUDA "
                    "library! One common culprit is a lack of -Wl,--no-as-needed in your link arguments; many "
                    "dynamic linkers will delete dynamic library dependencies if you don't depend on any of their "
                    "symbols.  You can check if this has occurred by using ldd on your binary to see if there is a "
                    "dependency on *_cuda.so library.")


def _with_device(name, factory):
    check = _C._check_device
    pin, lay = name not in NO_PIN_MEMORY, name not in NO_LAYOUT

    @functools.wraps(factory)
    def with_device(*args, device=None, **kwargs):
        if device is not None:
            check(device)
        if pin and "pin_memory" in kwargs:
            p = kwargs.pop("pin_memory")
            if not isinstance(p, bool) and (p is not None or name == "tensor"):  # tensor's is not optional
                raise TypeError(f"{name}(): argument 'pin_memory' must be bool, not {type(p).__name__}")
            if p:
                raise RuntimeError(PIN_MEMORY_ERROR)
        if lay and "layout" in kwargs:
            l = kwargs.pop("layout")  # noqa: E741
            if l is not None and l is not strided:
                raise TypeError(f"{name}(): argument 'layout' must be torch.layout, not {type(l).__name__}")
        return factory(*args, **kwargs)

    return with_device


def wrapped(names=FACTORIES):
    """{name: factory taking device=, pin_memory=, layout= as 1.13} for the _C factories named."""
    return {name: _with_device(name, getattr(_C, name)) for name in names}
