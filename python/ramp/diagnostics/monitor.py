"""Monitor(model): training diagnostics recorded while the model trains (the C++ Monitor of
include/ramp/diagnostics.h, attached to Python modules through forward hooks)."""
import weakref

from .. import _C

_diag = _C._diagnostics


class Monitor:
    """Records, per activation layer (every leaf layer with ``all_layers=True``) and logged step:
    the fraction of outputs that are not positive, the saturated fraction of sigmoid-like layers,
    mean, std and a histogram of the outputs, the norm of the gradient reaching the layer's input;
    per window of samples (an epoch by default, closed by ``end_epoch()``) the dead units; per
    parameter the gradient norm and the update-to-weight ratio of each optimizer step; the loss and
    the learning rate (read from ``optimizer`` when given). A module called twice in a step is one
    row of both calls (``calls``); ``keep=K`` holds only the last K logged steps in ``steps`` (the
    log has all); ``units_dim=-1`` counts dead units over the last dim (a Linear on ``[N, L, F]``)
    instead of dim 1 (features of ``[N, F]``, channels of ``[N, C, ...]``).

        monitor = ramp.diagnostics.Monitor(model, optimizer=opt, every=10, log="diag.jsonl")
        for x, y in loader:
            loss = loss_fn(model(x), y); opt.zero_grad(); loss.backward(); opt.step()
            monitor.step(loss)
        monitor.end_epoch(); print(monitor.table()); monitor.save_report("report.html")
    """

    def __init__(self, model, *, optimizer=None, every=1, window=0, bins=40, hist_range=(-4.0, 4.0),
                 dead_threshold=0.1, log=None, all_layers=False, keep=0, units_dim=1):
        self._core = _diag.Monitor(int(every), int(window), int(bins), float(hist_range[0]), float(hist_range[1]),
                                   float(dead_threshold), "" if log is None else str(log), int(keep), int(units_dim))
        self._optimizer = optimizer
        self._handles = []
        for name, module in model.named_modules():
            if not name:
                continue
            kind = module._get_name()
            watched = _diag.family_of(kind) != "other"  # one list, C++'s diagnostics::family_of
            if not watched and not (all_layers and not any(True for _ in module.children())):
                continue
            self._attach(module, self._core.add_layer(name, kind))
        for name, p in model.named_parameters():
            self._core.add_parameter(name, p)
        # The hooks go with the Monitor (they hold the core, not the Monitor).
        self._finalizer = weakref.finalize(self, Monitor._detach, self._handles)

    @staticmethod
    def _detach(handles):
        for h in handles:
            h.remove()
        handles.clear()

    def _attach(self, module, layer):
        # The hook is C++ (the core's forward_hook): a training step pays no Python frame for it.
        self._handles.append(module.register_forward_hook(self._core.forward_hook(layer)))

    def step(self, loss=None, lr=None):
        """After the optimizer's step: records this step (when it is a logged one)."""
        if lr is None and self._optimizer is not None:
            lr = self._optimizer.param_groups[0]["lr"]
        self._core.step(loss, lr)

    def end_epoch(self):
        """Closes the dead-unit window."""
        self._core.end_epoch()

    def table(self):
        return self._core.table()

    def save_report(self, path, title="ramp diagnostics"):
        self._core.save_report(str(path), title)

    @property
    def layer_names(self):
        return self._core.layer_names

    @property
    def param_names(self):
        return self._core.param_names

    @property
    def steps(self):
        return self._core.steps

    @property
    def windows(self):
        return self._core.windows

    def remove(self):
        """Takes the hooks off the model (done too when the Monitor is garbage-collected)."""
        Monitor._detach(self._handles)

    def pause(self, paused=True):
        """While paused (an evaluation pass between training steps) nothing is recorded."""
        self._core.pause(paused)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
        return False

    def plot(self):
        """The loss, zero fractions and gradient norms as matplotlib figures (where matplotlib is
        installed; ``save_report`` needs nothing)."""
        try:
            import matplotlib.pyplot as plt
        except ImportError as e:
            raise ImportError("Monitor.plot() needs matplotlib; save_report(path) writes the charts "
                              "without it") from e
        steps = self.steps
        fig, axes = plt.subplots(1, 3, figsize=(15, 4))
        x = [s.step for s in steps]
        axes[0].plot(x, [s.loss for s in steps])
        axes[0].set(title="loss", xlabel="step", yscale="log")
        for i, name in enumerate(self.layer_names):
            axes[1].plot(x, [s.layers[i].zero_fraction for s in steps], label=name)
            axes[2].plot(x, [s.layers[i].grad_norm for s in steps], label=name)
        axes[1].set(title="outputs not positive", xlabel="step", ylim=(0, 1))
        axes[2].set(title="gradient norm at the layer's input", xlabel="step", yscale="log")
        axes[1].legend()
        return fig
