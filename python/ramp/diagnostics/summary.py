"""summary(model, input_size): the C++ summary's rows gathered from a Python model through forward
hooks, printed by the same C++ code (include/ramp/summary.h says what each column means)."""
from .. import _C
from .. import memory as _memory
from ..autograd import enable_grad, no_grad

_diag = _C._diagnostics


def _allocated():
    return _memory.stats()["allocated"]


def _first_tensor(out):
    if isinstance(out, _C.Tensor):
        return out
    if isinstance(out, (tuple, list)):
        for o in out:
            t = _first_tensor(o)
            if t is not None:
                return t
    if isinstance(out, dict):
        return _first_tensor(list(out.values()))
    return None


class _Restore:
    """Puts the model back as it was: each module's mode, the buffers (BatchNorm's running
    statistics move in a training forward), the default generator (dropout draws from it)."""

    def __init__(self, model):
        self.model = model

    def __enter__(self):
        self.modes = [(m, m.training) for m in self.model.modules()]
        self.buffers = [(b, b.clone()) for b in self.model.buffers()]
        self.rng = _C.get_rng_state()
        return self

    def __exit__(self, *exc):
        for m, mode in self.modes:
            m.training = mode
        with no_grad():
            for live, saved in self.buffers:
                live.copy_(saved)
        _C.set_rng_state(self.rng)
        return False


def summary(model, input_size=None, *, input_data=None, dtype=None):
    """The model's layer tree in call order, with output shapes, parameters, multiply-adds and the
    bytes each call left allocated, from one forward pass in training mode with autograd on (as a
    training step runs it); the model is left as it was. ``input_size`` includes the batch
    dimension (torchinfo's convention); ``input_data`` gives the input itself instead. Returns the
    summary; printing it shows torchinfo's layout."""
    if input_data is None:
        if input_size is None:
            raise ValueError("summary(): give input_size or input_data")
        input_data = _C.ones(tuple(input_size), dtype=dtype or _C.get_default_dtype())
    if not isinstance(input_data, _C.Tensor):
        raise TypeError(f"summary(): input_data must be a Tensor, not {type(input_data).__name__}")
    where = {}
    for name, m in model.named_modules():
        where.setdefault(id(m), (name, 0 if not name else name.count(".") + 1))
    result = _diag.Summary()
    rows, stack, calls = [], [], {}

    def pre(module, inputs):
        path, depth = where[id(module)]
        row = _diag.LayerSummary()
        row.type, row.path, row.depth = module._get_name(), path, depth
        calls[depth] = row.index = calls.get(depth, 0) + 1
        own = list(module.parameters(recurse=False))
        row.params = sum(p.numel() for p in own)
        row.trainable = sum(p.numel() for p in own if p.requires_grad)
        row.has_children = any(True for _ in module.children())
        rows.append(row)
        stack.append((row, _allocated()))

    def post(module, inputs, output):
        row, before = stack.pop()
        out = _first_tensor(output)
        row.output_shape = list(out.shape) if out is not None else []
        row.memory = _allocated() - before
        weight = getattr(module, "weight", None)
        if isinstance(weight, _C.Tensor):
            row.mult_adds = _diag.mult_adds(row.type, weight, row.output_shape)

    handles = []
    with _Restore(model):
        try:
            for m in model.modules():
                handles.append(m.register_forward_pre_hook(pre))
                handles.append(m.register_forward_hook(post))
            model.train(True)
            with enable_grad():
                before = _allocated()
                _memory.reset_peak_stats()
                out = model(input_data)
                result.forward_bytes = _allocated() - before
                del out
                result.peak_bytes = _memory.stats()["peak_allocated"] - before
        finally:
            for h in handles:
                h.remove()
    params = list(model.parameters())
    result.layers = rows
    result.mult_adds = sum(r.mult_adds for r in rows)
    result.total_params = sum(p.numel() for p in params)
    result.trainable_params = sum(p.numel() for p in params if p.requires_grad)
    result.param_bytes = sum(p.numel() * p.element_size() for p in params)
    result.input_bytes = input_data.numel() * input_data.element_size()
    return result
