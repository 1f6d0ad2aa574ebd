"""ramp.autograd: torch.autograd's Python API over ramp's C++ engine.

    x = ramp.randn(3, requires_grad=True)
    y = ramp.relu(x * 2)
    y.sum().backward()                      # x.grad
    ramp.autograd.grad(y.sum(), x)          # (gradient,) without touching x.grad
    with ramp.no_grad(): ...                # also @ramp.no_grad() as a decorator
    ramp.autograd.gradcheck(F.elu, (x.double().detach().requires_grad_(),))

Double backward: create_graph=True runs the backward pass in grad mode, so the gradients have a
graph of their own (Hessian-vector products, gradient penalties):

    g, = ramp.autograd.grad(F.gelu(x).sum(), x, create_graph=True)   # g.grad_fn: GeluBackwardBackward0
    h, = ramp.autograd.grad(g.sum(), x)                              # d2/dx2 gelu
    ramp.autograd.gradgradcheck(F.elu, (x,))                         # against finite differences

Differentiable twice: every activation entry (softmax and log_softmax too; hardsigmoid raises at
the second backward as in 1.13), the arithmetic, elementwise math, sum/mean, mm/addmm/bmm/dot,
linear/matmul, views, slicing, where/cat/stack, max_pool2d/avg_pool2d, nll_loss/cross_entropy and
mse_loss. Any other node (conv2d, batch_norm, bce, norm/var/max, prelu, ...) refuses with
RuntimeError "double backward through X is not supported" when its formula would need a graph.
Third derivatives work through the piecewise-linear entries, softmax, pooling and the arithmetic;
a curved entry's own second-derivative node (GeluBackwardBackward0, ...) refuses to be
differentiated again.
"""
import functools
import threading
import inspect
import sys
import warnings

from . import _C
from . import _function as function
from ._function import Function, FunctionCtx, once_differentiable

sys.modules[__name__ + ".function"] = function  # `from ramp.autograd.function import Function`
Node = _C.Node
is_grad_enabled = _C.is_grad_enabled

__all__ = ["Function", "FunctionCtx", "once_differentiable", "function", "grad", "backward", "gradcheck", "gradgradcheck", "GradcheckError", "no_grad", "enable_grad", "set_grad_enabled",
           "set_mask_backward", "mask_backward_enabled",
           "is_grad_enabled", "inference_mode", "is_inference_mode_enabled", "Variable", "Node"]


# ---- grad mode: torch 1.13's grad_mode.py, context managers that also decorate ----
class _DecoratorContextManager:
    """A context manager that decorates functions and generators (each call runs inside a fresh copy)."""

    def __call__(self, func):
        if inspect.isgeneratorfunction(func):
            return self._wrap_generator(func)

        @functools.wraps(func)
        def decorate_context(*args, **kwargs):
            with self.clone():
                return func(*args, **kwargs)
        return decorate_context

    def _wrap_generator(self, func):
        """The mode holds while the generator runs, not while its caller does."""
        @functools.wraps(func)
        def generator_context(*args, **kwargs):
            gen = func(*args, **kwargs)
            try:
                with self.clone():
                    response = gen.send(None)
                while True:
                    try:
                        request = yield response
                    except GeneratorExit:
                        with self.clone():
                            gen.close()
                        raise
                    except BaseException:  # noqa: B036 -- forwarded into the generator, as torch
                        with self.clone():
                            response = gen.throw(*sys.exc_info())
                    else:
                        with self.clone():
                            response = gen.send(request)
            except StopIteration as e:
                return e.value
        return generator_context

    def clone(self):
        return self.__class__()


class no_grad(_DecoratorContextManager):
    """Ops inside record no graph: their results have requires_grad=False."""

    def __init__(self):
        self.prev = False

    def __enter__(self):
        self.prev = is_grad_enabled()
        _C._set_grad_enabled(False)

    def __exit__(self, *exc):
        _C._set_grad_enabled(self.prev)


class enable_grad(_DecoratorContextManager):
    """Turns recording back on inside no_grad."""

    def __enter__(self):
        self.prev = is_grad_enabled()
        _C._set_grad_enabled(True)

    def __exit__(self, *exc):
        _C._set_grad_enabled(self.prev)


class set_grad_enabled(_DecoratorContextManager):
    """Sets grad mode at construction (so it also works as a plain call, as in torch) and restores
    the previous mode when its block ends."""

    def __init__(self, mode):
        self.prev = is_grad_enabled()
        _C._set_grad_enabled(mode)
        self.mode = mode

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        _C._set_grad_enabled(self.prev)

    def clone(self):
        return self.__class__(self.mode)


class inference_mode(_DecoratorContextManager):
    """torch.inference_mode: ramp has no inference tensors, so inside inference_mode() ops record no
    graph, as under no_grad (what 1.13's inference mode also guarantees); inference_mode(False)
    turns recording back on, as 1.13's does. The mode is per thread, as grad mode is."""

    def __init__(self, mode=True):
        self.mode = mode
        self.prev = None

    def __enter__(self):
        self.prev = (is_grad_enabled(), is_inference_mode_enabled())
        _C._set_grad_enabled(not self.mode)
        _inference.enabled = bool(self.mode)

    def __exit__(self, *exc):
        grad, inference = self.prev
        _C._set_grad_enabled(grad)
        _inference.enabled = inference

    def clone(self):
        return self.__class__(self.mode)


_inference = threading.local()


def is_inference_mode_enabled():
    """Whether this thread is inside an inference_mode() block (and not an inner inference_mode(False))."""
    return getattr(_inference, "enabled", False)


class _VariableMeta(type):
    def __instancecheck__(cls, other):
        return isinstance(other, _C.Tensor)


class Variable(metaclass=_VariableMeta):
    """torch.autograd.Variable, kept by 1.13 for old code: Variable(t, requires_grad=False) is a
    detached alias of tensor t (sharing its memory) with that requires_grad; every tensor is an
    instance."""

    def __new__(cls, data=None, requires_grad=False, volatile=False):
        if data is None:
            return _C.empty(0)
        if not isinstance(data, _C.Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        out = data.detach()
        return out.requires_grad_() if requires_grad else out


# ---- backward and grad ----
def set_mask_backward(on):
    """relu's backward from a 1-bit mask its forward writes (True, the default) or from its output
    (False, PyTorch's way: writing relu's output in place before backward then raises)."""
    _C._set_mask_backward(bool(on))


def mask_backward_enabled():
    return _C._mask_backward_enabled()


def _tensor_list(x):
    return [x] if isinstance(x, _C.Tensor) else list(x)


def _grad_list(grads, n):
    """grad_outputs as a list of n (None entries mean ones for a scalar output, as torch)."""
    if grads is None:
        return [None] * n
    grads = _tensor_list(grads)
    if len(grads) < n:
        raise RuntimeError(f"got {n} tensors and {len(grads)} gradients")
    return grads[:n]  # torch zips them: extra gradients are ignored


# 1.13's engine warns once per process (TORCH_WARN_ONCE) when a pass both accumulates into .grad and
# creates a graph: .grad then holds a graph that holds the parameter. Its text, without the
# "(Triggered internally at ...)" tail.
_CREATE_GRAPH_CYCLE = ("Using backward() with create_graph=True will create a reference cycle between the parameter "
                       "and its gradient which can cause a memory leak. We recommend using autograd.grad when creating "
                       "the graph to avoid this. If you have to use this function, make sure to reset the .grad fields "
                       "of your parameters to None after use to break the cycle and avoid the leak.")
_create_graph_warned = False


def _warn_create_graph_cycle(create_graph):
    global _create_graph_warned
    if create_graph and not _create_graph_warned:
        _create_graph_warned = True
        warnings.warn(_CREATE_GRAPH_CYCLE, UserWarning, stacklevel=3)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None, inputs=None):
    """Accumulates the gradients of `tensors` into the `.grad` of the leaves they depend on.
    create_graph=True records the backward pass itself, so `.grad` has a graph (double backward)."""
    if grad_variables is not None:
        warnings.warn("'grad_variables' is deprecated. Use 'grad_tensors' instead.")
        if grad_tensors is not None:
            raise RuntimeError("'grad_tensors' and 'grad_variables' (deprecated) arguments both passed to "
                               "backward(). Please only use 'grad_tensors'.")
        grad_tensors = grad_variables
    if inputs is not None:
        raise NotImplementedError("ramp: backward(inputs=...) is not supported; use ramp.autograd.grad")
    tensors = _tensor_list(tensors)
    retain = create_graph if retain_graph is None else retain_graph
    _warn_create_graph_cycle(create_graph)
    _C._backward(tensors, _grad_list(grad_tensors, len(tensors)), bool(retain), bool(create_graph))


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=False, is_grads_batched=False):
    """d(outputs)/d(inputs) weighted by grad_outputs, as a tuple; `.grad` fields are left alone.
    create_graph=True: the gradients carry a graph, so they can be differentiated again."""
    if not only_inputs:
        warnings.warn("only_inputs argument is deprecated and is ignored now (defaults to True). To accumulate "
                      "gradient for other parts of the graph, please use torch.autograd.backward.")
    if is_grads_batched:
        raise NotImplementedError("ramp: is_grads_batched=True is not supported")
    outputs, inputs = _tensor_list(outputs), _tensor_list(inputs)
    retain = create_graph if retain_graph is None else retain_graph
    return _C._grad(outputs, inputs, _grad_list(grad_outputs, len(outputs)), bool(retain), allow_unused,
                    bool(create_graph))


def _tensor_backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    """Tensor.backward: backward((self,), (gradient,), ...)."""
    if inputs is not None:
        raise NotImplementedError("ramp: backward(inputs=...) is not supported; use ramp.autograd.grad")
    _warn_create_graph_cycle(create_graph)
    self._backward(gradient, bool(create_graph if retain_graph is None else retain_graph), bool(create_graph))


_C.Tensor.backward = _tensor_backward


# ---- gradcheck: central differences in float64 against the engine's vector-Jacobian products ----
class GradcheckError(RuntimeError):
    """Raised by gradcheck when the analytical and numerical Jacobians differ."""


def _flat(t):
    return [float(v) for v in t.detach().double().reshape(-1).tolist()] if t.numel() else []


def _outputs(func, inputs):
    out = func(*inputs)
    return [out] if isinstance(out, _C.Tensor) else [o for o in out if isinstance(o, _C.Tensor)]


def _numerical_jacobians(func, inputs, x, eps):
    """Per output, the columns d(output)/d(x[j]) = (f(x + eps e_j) - f(x - eps e_j)) / 2eps.

    The perturbation is written through a detached alias of x's data. func runs in grad mode, as in
    torch (a func may register hooks on its intermediates)."""
    if not x.is_contiguous():
        raise ValueError("ramp gradcheck needs contiguous inputs")
    data = x.detach().reshape(-1)
    columns = []
    for j in range(x.numel()):
        orig = data[j].item()
        data[j] = orig - eps
        minus = [_flat(o) for o in _outputs(func, inputs)]
        data[j] = orig + eps
        plus = [_flat(o) for o in _outputs(func, inputs)]
        data[j] = orig
        columns.append([[(p - m) / (2 * eps) for p, m in zip(po, mo)] for po, mo in zip(plus, minus)])
    return [[col[k] for col in columns] for k in range(len(columns[0]))] if columns else []


def _analytical_jacobians(output, xs):
    """Per input x, the columns d(output)/d(x[j]), from one vector-Jacobian product per output
    element (zeros where the output does not depend on x or has no graph)."""
    rows = []  # rows[k][i]: d(output[k])/d(xs[i]), flat
    for k in range(output.numel()):
        gs = [None] * len(xs)
        if output.requires_grad:
            onehot = _C.zeros(output.numel(), dtype=output.dtype)
            onehot[k] = 1
            gs = grad([output], xs, [onehot.reshape(*output.shape)], retain_graph=True, allow_unused=True)
        rows.append([_flat(g) if g is not None else [0.0] * x.numel() for g, x in zip(gs, xs)])
    return [[[row[i][j] for row in rows] for j in range(x.numel())] for i, x in enumerate(xs)]


def _jacobian_text(columns):
    return repr(_C.tensor(columns, dtype=_C.float64)) if columns and columns[0] else "(empty)"


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """Whether the gradients of `func` at `inputs` match finite differences, as torch.autograd.gradcheck:
    |analytical - numerical| <= atol + rtol |numerical| for every output and input. Inputs should be
    float64."""
    inputs = (inputs,) if isinstance(inputs, _C.Tensor) else tuple(inputs)
    positions = [i for i, x in enumerate(inputs) if isinstance(x, _C.Tensor) and x.requires_grad]
    xs = [inputs[i] for i in positions]
    if not xs:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of the them "
                         "have requires_grad=True.")
    for i, x in zip(positions, xs):
        if x.dtype != _C.float64:
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating point or complex. "
                          "This check will likely fail if all the inputs are not of double precision floating "
                          "point or complex. ")
    numerical = [_numerical_jacobians(func, inputs, x, eps) for x in xs]
    outputs = _outputs(func, inputs)  # a fresh graph: the perturbations bumped the inputs' versions
    for k, out in enumerate(outputs):
        analytical = _analytical_jacobians(out, xs)
        for i, x in enumerate(xs):
            num, ana = (numerical[i][k] if numerical[i] else []), analytical[i]
            if all(abs(a - n) <= atol + rtol * abs(n) for nc, ac in zip(num, ana) for n, a in zip(nc, ac)):
                continue
            if not raise_exception:
                return False
            raise GradcheckError(f"Jacobian mismatch for output {k} with respect to input {positions[i]},\n"
                                 f"numerical:{_jacobian_text(num)}\nanalytical:{_jacobian_text(ana)}\n")
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0, check_undefined_grad=True,
                  check_grad_dtypes=False, check_batched_grad=False, check_fwd_over_rev=False,
                  check_rev_over_rev=True, fast_mode=False):
    """Whether the second derivatives of `func` match finite differences of its first, as
    torch.autograd.gradgradcheck: gradcheck of (inputs, v) -> v^T J(inputs), the vector-Jacobian
    products taken with create_graph=True. `grad_outputs` are the v (drawn uniformly in [-1, 1) as
    in 1.13 when None) and are checked as inputs too. Inputs should be float64."""
    if gen_non_contig_grad_outputs or check_batched_grad or check_fwd_over_rev or fast_mode or not check_rev_over_rev:
        raise NotImplementedError("ramp gradgradcheck: only the default slow reverse-over-reverse check")
    inputs = (inputs,) if isinstance(inputs, _C.Tensor) else tuple(inputs)
    if grad_outputs is None:
        with no_grad():
            outputs = _outputs(func, inputs)
        grad_outputs = tuple((_C.rand(*o.shape, dtype=o.dtype) * 2 - 1).requires_grad_() for o in outputs)
    else:
        grad_outputs = (grad_outputs,) if isinstance(grad_outputs, _C.Tensor) else tuple(grad_outputs)
    n = len(grad_outputs)

    def first_derivatives(*args):
        xs, vs = args[:-n], args[-n:]
        outputs = _outputs(func, xs)
        diff = [x for x in xs if isinstance(x, _C.Tensor) and x.requires_grad]
        pairs = [(o, v) for o, v in zip(outputs, vs) if o.requires_grad]
        if not pairs:
            return tuple(_C.zeros(*x.shape, dtype=x.dtype) for x in diff)
        grads = grad([o for o, _ in pairs], diff, [v for _, v in pairs], create_graph=True, allow_unused=True)
        return tuple(g if g is not None else _C.zeros(*x.shape, dtype=x.dtype) for g, x in zip(grads, diff))

    return gradcheck(first_derivatives, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
