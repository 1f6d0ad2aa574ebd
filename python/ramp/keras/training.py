"""Keras's training API for ramp.keras models: compile, fit (mini-batches, validation_split /
validation_data, shuffle, callbacks, Keras's progress bar), evaluate, predict, train_on_batch.
The logs are Keras's: per-epoch means weighted by batch size, one "<output>_loss" per output when a
model has several, "val_" for validation; accuracy resolves as Keras's compile does (binary,
sparse categorical or categorical, by the shapes)."""
import math

import numpy as np

import ramp

from . import callbacks as callbacks_module
from . import losses as losses_module
from . import optimizers

_ACCURACY_NAMES = ("accuracy", "acc")


def _as_tensor(a):
    return a if isinstance(a, ramp.Tensor) else ramp.from_numpy(np.ascontiguousarray(a))


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _accuracy(p, y):
    """Keras's "accuracy", resolved by the shapes as its compile_utils does: binary (threshold 0.5)
    for one output unit, sparse categorical for index targets, else categorical."""
    kind = "binary" if p.shape[-1] == 1 else "sparse" if y.dim() < p.dim() or y.shape[-1] == 1 else "categorical"
    if kind == "binary":
        y = y.unsqueeze(-1) if y.dim() == p.dim() - 1 else y
        return ((p > 0.5).to(y.dtype) == y).float().mean().item()
    if kind == "sparse":
        y = y.reshape(p.shape[:-1]) if y.dim() == p.dim() else y
        return (p.argmax(-1) == y.to(ramp.int64)).float().mean().item()
    return (p.argmax(-1) == y.argmax(-1)).float().mean().item()


class TrainingMixin:
    """compile / fit / evaluate / predict for a model whose forward maps its inputs to outputs."""
    _compiled = None
    stop_training = False

    # ---- compile ----
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None, **kwargs):
        """optimizer: a name ("sgd", "adam", "rmsprop"), a keras.optimizers object or a ramp.optim
        optimizer; loss: a name, a keras.losses object or a callable (y_true, y_pred), or one per
        output; metrics: ["accuracy"] (or per output)."""
        unknown = set(kwargs) - {"run_eagerly", "jit_compile", "steps_per_execution"}
        if unknown:
            raise TypeError(f"Invalid keyword argument(s) in `compile()`: {tuple(sorted(unknown))}. Valid keyword "
                            "arguments include \"cloning\", \"experimental_run_tf_function\", \"distribute\", "
                            "\"target_tensors\", or \"sample_weight_mode\".")
        n = len(self._output_names())
        loss_list = list(loss) if isinstance(loss, (list, tuple)) else [loss] * n
        if len(loss_list) != n:
            raise ValueError(f"When passing a list as loss, it should have one entry per model outputs. The model "
                             f"has {n} outputs, but you passed loss={loss}")
        fns = [losses_module.get(x) for x in loss_list]
        metric_names = [m for m in (metrics or [])]
        for m in metric_names:
            if m not in _ACCURACY_NAMES:
                raise ValueError(f"Unknown metric function: '{m}'. Please ensure you are using a "
                                 "`keras.utils.custom_object_scope` and that this object is included in the scope.")
        self._compiled = dict(optimizer=optimizers.get(optimizer), losses=fns,
                              weights=list(loss_weights) if loss_weights is not None else [1.0] * n,
                              metrics=metric_names, raw_losses=loss_list)
        self._optimizer_built = False

    @property
    def optimizer(self):
        return None if self._compiled is None else self._compiled["optimizer"]

    def _check_compiled(self):
        if self._compiled is None:
            raise RuntimeError("You must compile your model before training/testing. Use `model.compile(optimizer, "
                               "loss)`.")

    def _optimizer_step(self):
        opt = self._compiled["optimizer"]
        if isinstance(opt, optimizers.Optimizer) and opt.optimizer is None:
            opt.build(self.parameters())
        return opt

    # ---- data ----
    def _inputs(self, x):
        """Inputs as tensors of the model's dtype (Keras's layers cast NumPy's float64 and ints)."""
        xs = [_as_tensor(a) for a in _as_list(x)]
        dtype = next((p.dtype for p in self.parameters()), ramp.float32)
        return [a if a.dtype == dtype else a.to(dtype) for a in xs]

    def _targets(self, y, dtype):
        ys = [_as_tensor(a) for a in _as_list(y)]
        out = []
        for a, fn in zip(ys, self._compiled["losses"]):
            sparse = fn is losses_module.sparse_categorical_crossentropy or \
                getattr(type(fn), "fn", None) is losses_module.sparse_categorical_crossentropy
            if sparse:
                out.append(a if a.dtype == ramp.int64 else a.to(ramp.int64))
            elif isinstance(fn, (losses_module.Loss,)) or fn in losses_module._BY_NAME.values():
                out.append(a if a.dtype == dtype else a.to(dtype))
            else:
                out.append(a)  # the user's own loss gets y as given
        return out

    def _forward(self, xs):
        out = self(xs[0] if len(xs) == 1 else xs)
        return _as_list(out)

    def _prepare(self, x, y):
        xs = self._inputs(x)
        if not getattr(self, "built", True):
            with ramp.no_grad():
                self(xs[0][:1] if len(xs) == 1 else [a[:1] for a in xs])
            xs = self._inputs(x)
        ys = None if y is None else self._targets(y, xs[0].dtype if xs[0].is_floating_point() else ramp.float32)
        n = xs[0].shape[0]
        for a in xs + (ys or []):
            if a.shape[0] != n:
                sizes = ", ".join(str(t.shape[0]) for t in xs)
                raise ValueError(f"Data cardinality is ambiguous:\n  x sizes: {sizes}\n"
                                 f"  y sizes: {', '.join(str(t.shape[0]) for t in ys or [])}\nMake sure all arrays "
                                 "contain the same number of samples.")
        return xs, ys

    @staticmethod
    def _batches(tensors, batch_size, shuffle):
        n = tensors[0].shape[0]
        order = ramp.randperm(n) if shuffle else None  # ramp's stream: manual_seed makes fit reproducible
        for start in range(0, n, batch_size):
            if order is None:
                yield [t[start:start + batch_size] for t in tensors]
            else:
                idx = order[start:start + batch_size]
                yield [ramp.index_select(t, 0, idx) for t in tensors]

    # ---- one batch ----
    def _losses(self, preds, ys):
        """The total loss (a tensor) and the logs of this batch (loss, per-output losses, metrics)."""
        c, names = self._compiled, self._output_names()
        parts = [fn(y, p) for fn, p, y in zip(c["losses"], preds, ys)]
        total = parts[0] * c["weights"][0] if c["weights"][0] != 1 else parts[0]
        for part, w in zip(parts[1:], c["weights"][1:]):
            total = total + part * w
        logs = {"loss": total.item()}
        if len(names) > 1:
            logs.update({f"{name}_loss": part.item() for name, part in zip(names, parts)})
        for m in c["metrics"]:
            for name, p, y in zip(names, preds, ys):
                key = m if len(names) == 1 else f"{name}_{m}"
                logs[key] = _accuracy(p.detach(), y)
        return total, logs

    def _output_names(self):
        return [t._keras_history[0].name for t in self.outputs] if hasattr(self, "outputs") else ["output_1"]

    def train_on_batch(self, x, y):
        self._check_compiled()
        xs, ys = self._prepare(x, y)
        logs = self._train_step(xs, ys)
        return logs["loss"] if len(logs) == 1 else list(logs.values())

    def _train_step(self, xs, ys):
        opt = self._optimizer_step()
        self.train()
        try:
            opt.zero_grad()
            total, logs = self._losses(self._forward(xs), ys)
            total.backward()
            opt.step()
        finally:
            self.eval()
        return logs

    # ---- fit / evaluate / predict ----
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, initial_epoch=0):
        """Keras's fit: returns the History; prints Keras's progress bar per epoch (verbose=1), one
        line per epoch (verbose=2) or nothing (0)."""
        self._check_compiled()
        if y is None:
            raise ValueError("ramp.keras fit needs targets `y` (datasets and generators are not supported)")
        verbose = 1 if verbose == "auto" else verbose
        batch_size = 32 if batch_size is None else batch_size
        xs, ys = self._prepare(x, y)
        if validation_split and validation_data is None:
            if not 0 < validation_split < 1:
                raise ValueError(f"`validation_split` must be in [0, 1). Received: validation_split={validation_split}")
            split = int(math.floor(xs[0].shape[0] * (1.0 - validation_split)))  # Keras takes the last samples
            if split == 0 or split == xs[0].shape[0]:
                raise ValueError(f"Training data contains {xs[0].shape[0]} samples, which is not sufficient to split "
                                 f"it into a validation and training set as specified by `validation_split="
                                 f"{validation_split}`. Either provide more data, or a different value for the "
                                 "`validation_split` argument.")
            validation = ([t[split:] for t in xs], [t[split:] for t in ys])
            xs, ys = [t[:split] for t in xs], [t[:split] for t in ys]
        elif validation_data is not None:
            if len(validation_data) != 2:
                raise ValueError("ramp.keras validation_data takes (x_val, y_val)")
            validation = self._prepare(*validation_data)
        else:
            validation = None
        steps = math.ceil(xs[0].shape[0] / batch_size)
        history = callbacks_module.History()
        cbs = list(callbacks or [])
        if verbose:
            cbs.insert(0, callbacks_module.ProgbarLogger(verbose))
        cbs.append(history)
        cb = callbacks_module.CallbackList(cbs, self, {"epochs": epochs, "steps": steps, "verbose": verbose})
        self.stop_training = False
        n_in = len(xs)
        cb.on_train_begin()
        logs = {}
        for epoch in range(initial_epoch, epochs):
            cb.on_epoch_begin(epoch)
            totals, seen = {}, 0
            for step, batch in enumerate(self._batches(xs + ys, batch_size, shuffle)):
                cb.on_train_batch_begin(step)
                bx, by = batch[:n_in], batch[n_in:]
                batch_logs = self._train_step(bx, by)
                k = bx[0].shape[0]
                seen += k
                for key, v in batch_logs.items():
                    totals[key] = totals.get(key, 0.0) + v * k
                logs = {key: v / seen for key, v in totals.items()}
                cb.on_train_batch_end(step, logs)
            if validation is not None:
                val = self._evaluate(*validation, batch_size)
                logs.update({f"val_{k}": v for k, v in val.items()})
            cb.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        cb.on_train_end(logs)
        return history

    def _evaluate(self, xs, ys, batch_size, progbar=None):
        self.eval()
        totals, seen = {}, 0
        with ramp.no_grad():
            for step, batch in enumerate(self._batches(xs + ys, batch_size, False)):
                bx, by = batch[:len(xs)], batch[len(xs):]
                _, logs = self._losses(self._forward(bx), by)
                seen += bx[0].shape[0]
                for key, v in logs.items():
                    totals[key] = totals.get(key, 0.0) + v * bx[0].shape[0]
                if progbar is not None:
                    progbar.update(step + 1, [(k, v / seen) for k, v in totals.items()], finalize=False)
        logs = {key: v / seen for key, v in totals.items()}
        if progbar is not None:
            progbar.update(progbar.target, list(logs.items()), finalize=True)
        return logs

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", return_dict=False):
        """The loss, or [loss, (per-output losses,) metrics...] (a dict with return_dict)."""
        self._check_compiled()
        verbose = 1 if verbose == "auto" else verbose
        batch_size = 32 if batch_size is None else batch_size
        xs, ys = self._prepare(x, y)
        bar = callbacks_module.Progbar(math.ceil(xs[0].shape[0] / batch_size), verbose=verbose) if verbose else None
        logs = self._evaluate(xs, ys, batch_size, bar)
        if return_dict:
            return logs
        return logs["loss"] if len(logs) == 1 else list(logs.values())

    def predict(self, x, batch_size=None, verbose="auto"):
        """The outputs in inference mode, as NumPy arrays (a list for several outputs)."""
        verbose = 1 if verbose == "auto" else verbose
        batch_size = 32 if batch_size is None else batch_size
        xs, _ = self._prepare(x, None)
        self.eval()
        steps = math.ceil(xs[0].shape[0] / batch_size)
        bar = callbacks_module.Progbar(steps, verbose=verbose) if verbose else None
        outs = []
        with ramp.no_grad():
            for step, batch in enumerate(self._batches(xs, batch_size, False)):
                outs.append([o.numpy() for o in self._forward(batch)])
                if bar is not None:
                    bar.update(step + 1)
        result = [np.concatenate(parts) for parts in zip(*outs)]
        return result[0] if len(result) == 1 else result

    def predict_on_batch(self, x):
        return self.predict(x, batch_size=max(1, _as_tensor(_as_list(x)[0]).shape[0]), verbose=0)
