"""keras.callbacks over ramp: Callback, History, ProgbarLogger (Keras's Progbar text: the bar, the
ETA while running, '- 0s 5ms/step' and the running metrics at the end of each epoch),
EarlyStopping, ModelCheckpoint, LambdaCallback, with Keras 2's arguments, defaults and messages."""
import math
import os
import sys
import time
import warnings

import numpy as np

__all__ = ["Callback", "CallbackList", "History", "ProgbarLogger", "Progbar", "EarlyStopping", "ModelCheckpoint",
           "LambdaCallback"]


class Callback:
    def __init__(self):
        self.model, self.params = None, {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None): pass
    def on_train_end(self, logs=None): pass
    def on_epoch_begin(self, epoch, logs=None): pass
    def on_epoch_end(self, epoch, logs=None): pass
    def on_train_batch_begin(self, batch, logs=None): pass
    def on_train_batch_end(self, batch, logs=None): pass
    def on_test_begin(self, logs=None): pass
    def on_test_end(self, logs=None): pass
    def on_test_batch_end(self, batch, logs=None): pass
    def on_predict_batch_end(self, batch, logs=None): pass


class CallbackList:
    """Forwards each event to every callback in order."""

    def __init__(self, callbacks, model, params):
        self.callbacks = list(callbacks)
        for c in self.callbacks:
            c.set_model(model)
            c.set_params(params)

    def __getattr__(self, event):
        if not event.startswith("on_"):
            raise AttributeError(event)

        def call(*args):
            for c in self.callbacks:
                getattr(c, event)(*args)
        return call


class History(Callback):
    """What fit returns: ``history`` maps each log ("loss", "accuracy", "val_loss", ...) to its
    per-epoch values, ``epoch`` lists the epochs run."""

    def __init__(self):
        super().__init__()
        self.history, self.epoch = {}, []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)
        self.model.history = self


def _format_time(seconds, unit):
    if seconds >= 1 or seconds == 0:
        return f" {seconds:.0f}s/{unit}"
    if seconds >= 1e-3:
        return f" {seconds * 1e3:.0f}ms/{unit}"
    return f" {seconds * 1e6:.0f}us/{unit}"


class Progbar:
    """Keras's utils.Progbar (verbose 1: the bar, redrawn in place on a terminal, a new line per
    update elsewhere; verbose 2: one line at the end)."""

    def __init__(self, target, width=30, verbose=1, interval=0.05, unit_name="step", file=None):
        self.target, self.width, self.verbose = target, width, verbose
        self.interval, self.unit_name = interval, unit_name
        self.file = file or sys.stdout
        # Keras's test (true on every POSIX system, where the bar is redrawn with \b and \r)
        self._dynamic = (hasattr(self.file, "isatty") and self.file.isatty()) or "ipykernel" in sys.modules or \
            "posix" in sys.modules or "PYCHARM_HOSTED" in os.environ
        self._total_width = 0
        self._start = time.time()
        self._last_update = 0.0
        self._time_after_first_step = None
        self._values = {}

    def _step_time(self, current, now):
        if not current:
            return 0.0
        if self._time_after_first_step is not None and current > 1:
            per = (now - self._time_after_first_step) / (current - 1)
        else:
            per = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return per

    def _metrics(self):
        info = ""
        for k, v in self._values.items():
            info += f" - {k}:"
            info += f" {v:.4f}" if abs(v) > 1e-3 else f" {v:.4e}"
        return info

    def update(self, current, values=None, finalize=None):
        if finalize is None:
            finalize = current >= self.target
        for k, v in values or []:
            self._values[k] = float(v)
        now = time.time()
        per = self._step_time(current, now)
        digits = int(math.log10(self.target)) + 1
        if self.verbose == 1:
            if now - self._last_update < self.interval and not finalize:
                return
            previous = self._total_width
            message = "\b" * previous + "\r" if self._dynamic else "\n"
            bar = f"{current:{digits}d}/{self.target} ["
            filled = int(self.width * current / self.target)
            if filled > 0:
                bar += "=" * (filled - 1) + (">" if current < self.target else "=")
            bar += "." * (self.width - filled) + "]"
            self._total_width = len(bar)
            if finalize:
                info = f" - {now - self._start:.0f}s" + _format_time(per, self.unit_name)
            else:
                eta = per * (self.target - current)
                if eta > 3600:
                    eta_text = f"{int(eta // 3600)}:{int(eta % 3600 // 60):02d}:{int(eta % 60):02d}"
                elif eta > 60:
                    eta_text = f"{int(eta // 60)}:{int(eta % 60):02d}"
                else:
                    eta_text = f"{int(eta)}s"
                info = f" - ETA: {eta_text}"
            info += self._metrics()
            self._total_width += len(info)
            if previous > self._total_width:
                info += " " * (previous - self._total_width)
            if finalize:
                info += "\n"
            self.file.write(message + bar + info)
            self.file.flush()
            self._last_update = now
        elif self.verbose == 2 and finalize:
            elapsed = now - self._start
            info = f"{current:{digits}d}/{self.target} - {elapsed:.0f}s" + self._metrics()
            info += " -" + _format_time(elapsed, "epoch") + " -" + _format_time(per, self.unit_name) + "\n"
            self.file.write(info)
            self.file.flush()


class ProgbarLogger(Callback):
    """Prints 'Epoch i/n' (when there is more than one) and the progress bar of each epoch."""

    def __init__(self, verbose=1):
        super().__init__()
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        if self.verbose and self.params["epochs"] > 1:
            print(f"Epoch {epoch + 1}/{self.params['epochs']}")
        self._bar = Progbar(self.params["steps"], verbose=self.verbose)

    def on_train_batch_end(self, batch, logs=None):
        self._bar.update(batch + 1, list((logs or {}).items()), finalize=False)

    def on_epoch_end(self, epoch, logs=None):
        self._bar.update(self.params["steps"], list((logs or {}).items()), finalize=True)


def _monitor_op(mode, monitor, who):
    if mode not in ("auto", "min", "max"):
        warnings.warn(f"{who} mode {mode} is unknown, fallback to auto mode.")
        mode = "auto"
    if mode == "auto":
        mode = "max" if monitor.endswith(("acc", "accuracy", "auc")) or monitor.startswith("fmeasure") else "min"
    return np.greater if mode == "max" else np.less


class EarlyStopping(Callback):
    """Stops training when ``monitor`` has not improved by more than min_delta for ``patience``
    epochs (Keras's rules: the first epoch never stops; baseline; restore_best_weights)."""

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto", baseline=None,
                 restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        self.monitor, self.patience, self.verbose, self.baseline = monitor, patience, verbose, baseline
        self.restore_best_weights, self.start_from_epoch = restore_best_weights, start_from_epoch
        self.monitor_op = _monitor_op(mode, monitor, "EarlyStopping")
        self.min_delta = abs(min_delta) * (1 if self.monitor_op == np.greater else -1)

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best_weights, self.best_epoch = 0, 0, None, 0
        self.best = np.inf if self.monitor_op == np.less else -np.inf

    def _improved(self, value, reference):
        return self.monitor_op(value - self.min_delta, reference)

    def on_epoch_end(self, epoch, logs=None):
        current = (logs or {}).get(self.monitor)
        if current is None:
            warnings.warn(f"Early stopping conditioned on metric `{self.monitor}` which is not available. Available "
                          f"metrics are: {','.join(logs or {})}")
            return
        if epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
        self.wait += 1
        if self._improved(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._improved(current, self.baseline):
                self.wait = 0
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            if self.restore_best_weights and self.best_weights is not None:
                if self.verbose > 0:
                    print("Restoring model weights from the end of the best epoch: " f"{self.best_epoch + 1}.")
                self.model.set_weights(self.best_weights)

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")


class ModelCheckpoint(Callback):
    """Saves the model (its weights: see Model.save) after each epoch to filepath formatted with
    epoch (1-based) and the logs; save_best_only keeps only improvements of ``monitor``."""

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False, save_weights_only=False,
                 mode="auto", save_freq="epoch", initial_value_threshold=None):
        super().__init__()
        if save_freq != "epoch":
            raise ValueError(f"Unrecognized save_freq: {save_freq} (ramp.keras saves per epoch)")
        self.filepath, self.monitor, self.verbose = os.fspath(filepath), monitor, verbose
        self.save_best_only, self.save_weights_only = save_best_only, save_weights_only
        self.monitor_op = _monitor_op(mode, monitor, "ModelCheckpoint")
        self.best = initial_value_threshold if initial_value_threshold is not None else (
            np.inf if self.monitor_op == np.less else -np.inf)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        path = self.filepath.format(epoch=epoch + 1, **logs)
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                warnings.warn(f"Can save best model only with {self.monitor} available, skipping.")
                return
            if not self.monitor_op(current, self.best):
                if self.verbose > 0:
                    print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}")
                return
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to {current:.5f}, saving "
                      f"model to {path}")
            self.best = current
        elif self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: saving model to {path}")
        (self.model.save_weights if self.save_weights_only else self.model.save)(path)


class LambdaCallback(Callback):
    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_batch_begin=None, on_batch_end=None,
                 on_train_begin=None, on_train_end=None):
        super().__init__()
        for name, fn in [("on_epoch_begin", on_epoch_begin), ("on_epoch_end", on_epoch_end),
                         ("on_train_batch_begin", on_batch_begin), ("on_train_batch_end", on_batch_end),
                         ("on_train_begin", on_train_begin), ("on_train_end", on_train_end)]:
            if fn is not None:
                setattr(self, name, fn)
