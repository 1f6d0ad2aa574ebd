"""ramp.autograd.Function (also importable as ramp.autograd.function): torch 1.13's custom autograd
functions, whose node lives in the C++ engine (include/ramp/custom_function.h).

    class Swish(ramp.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * ramp.sigmoid(x)

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            s = ramp.sigmoid(x)
            return g * (s + x * s * (1 - s))

    y = Swish.apply(x)          # y.grad_fn: <ramp.autograd.function.SwishBackward object at ...>
"""
import functools
import warnings
from collections import OrderedDict

from . import _C

__all__ = ["Function", "FunctionCtx", "BackwardCFunction", "once_differentiable", "InplaceFunction",
           "NestedIOFunction"]


class FunctionCtx:
    """What forward calls on ctx; the engine reads these attributes once forward returns."""

    def save_for_backward(self, *tensors):
        self.to_save = tensors

    def save_for_forward(self, *tensors):
        for tensor in tensors:
            assert isinstance(tensor, _C.Tensor) or tensor is None, (
                "save_for_forward expects all arguments to be tensors; you should "
                "save non-tensors as attributes on ctx.")
        self.saved_for_forward = tensors

    def mark_dirty(self, *args):
        self.dirty_tensors = args

    def mark_shared_storage(self, *pairs):
        warnings.warn(
            'mark_shared_storage is deprecated. '
            'Tensors with shared storages are automatically tracked. Note '
            'that calls to `set_()` are not tracked')

    def mark_non_differentiable(self, *args):
        self.non_differentiable = args

    def set_materialize_grads(self, value):
        self.materialize_grads = value


_ContextMethodMixin = FunctionCtx


class _HookMixin:
    @staticmethod
    def _register_hook(backward_hooks, hook):
        from .nn.module import RemovableHandle
        if backward_hooks is None:
            backward_hooks = OrderedDict()
        handle = RemovableHandle(backward_hooks)
        backward_hooks[handle.id] = hook
        return backward_hooks, handle


class BackwardCFunction(_C._FunctionBase, FunctionCtx, _HookMixin):
    """The ctx class: one instance per call, and the node's Python face (`y.grad_fn`)."""

    def apply(self, *args):
        backward_fn = self._forward_cls.backward
        vjp_fn = self._forward_cls.vjp
        if backward_fn is not Function.backward and vjp_fn is not Function.vjp:
            raise RuntimeError("Implementing both 'backward' and 'vjp' for a custom "
                               "Function is not allowed. You should only implement one "
                               "of them.")
        user_fn = vjp_fn if vjp_fn is not Function.vjp else backward_fn
        return user_fn(self, *args)

    def apply_jvp(self, *args):
        return self._forward_cls.jvp(self, *args)

    @property
    def saved_variables(self):
        warnings.warn("'saved_variables' is deprecated; use 'saved_tensors'", DeprecationWarning)
        return self.saved_tensors


class FunctionMeta(type):
    """Makes `cls._backward_cls`, the ctx class named `<cls>Backward` (the grad_fn's name)."""

    def __init__(cls, name, bases, attrs):
        cls._backward_cls = type(name + 'Backward', (BackwardCFunction,),
                                 {'_forward_cls': cls, '__module__': 'ramp.autograd.function'})
        super().__init__(name, bases, attrs)


class Function(FunctionCtx, _HookMixin, metaclass=FunctionMeta):
    """Base class of custom autograd functions: static forward(ctx, *args) and backward(ctx, *grads),
    called through `apply`."""

    def __init__(self, *args, **kwargs):
        cls = self.__class__
        warnings.warn(f"{cls} should not be instantiated. Methods on autograd functions"
                      "are all static, so you should invoke them on the class itself. "
                      "Instantiating an autograd function will raise an "
                      "error in a future version of PyTorch.", DeprecationWarning)

    def __call__(self, *args, **kwargs):
        raise RuntimeError(
            "Legacy autograd function with non-static forward method is deprecated. "
            "Please use new-style autograd function with static forward method. "
            "(Example: https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)")

    is_traceable = False

    @classmethod
    def apply(cls, *args, **kwargs):
        if kwargs:
            raise TypeError("apply() takes no keyword arguments")
        ctx = cls._backward_cls()
        # 1.13: needs_input_grad is each tensor's requires_grad, whatever the grad mode.
        ctx.needs_input_grad = tuple(isinstance(a, _C.Tensor) and a.requires_grad for a in args)
        executable = _C.is_grad_enabled() and any(ctx.needs_input_grad)
        prev = _C.is_grad_enabled()
        _C._set_grad_enabled(False)
        try:
            out = cls.forward(ctx, *args)
        finally:
            _C._set_grad_enabled(prev)
        is_tuple = isinstance(out, tuple)
        outputs = out if is_tuple else (out,)
        d = ctx.__dict__
        result = _C._wrap_function(ctx, cls._backward_cls.__name__, args, outputs, d.pop("dirty_tensors", ()),
                                   d.pop("non_differentiable", ()), d.pop("to_save", ()) or (),
                                   d.get("materialize_grads", True), executable)
        return result if is_tuple else result[0]

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom"
                                  " autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward "
                                  "mode AD.")

    vjp = backward

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError("You must implement the jvp function for custom "
                                  "autograd.Function to use it with forward mode AD.")


def once_differentiable(fn):
    """Backward runs with grad mode off. In a create_graph pass whose incoming gradients need a
    graph, the results get a node that raises when differentiated (1.13's DelayedError) instead of
    silently carrying no second derivative."""
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        prev = _C.is_grad_enabled()
        _C._set_grad_enabled(False)
        try:
            outputs = fn(ctx, *args)
        finally:
            _C._set_grad_enabled(prev)
        if not prev or not any(isinstance(a, _C.Tensor) and a.requires_grad for a in args):
            return outputs
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs
        # the outputs' aliases require grad so that the error node is recorded (as 1.13)
        wrapped = tuple(_DelayedError.apply(o.detach().requires_grad_()) if isinstance(o, _C.Tensor) else o
                        for o in outs)
        return wrapped[0] if single else wrapped
    return wrapper


class _DelayedError(Function):
    @staticmethod
    def forward(ctx, x):
        return x.clone()

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError("trying to differentiate twice a function that was marked with @once_differentiable")


class InplaceFunction(Function):
    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace


class NestedIOFunction(Function):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError("ramp: NestedIOFunction (legacy, non-static forward) is not supported")
