"""1.13's Work methods and torch.futures.Future's shape, on the C++ Work (include/ramp/distributed.h):
``wait(timeout)``, ``is_completed``, ``is_success``, ``exception``, ``source_rank``, ``result``,
``synchronize`` and ``get_future``. A Future's callbacks run where the Work's ``then`` runs them: on
a worker thread of the group when the op finishes (holding the GIL), or at once if it already has.
"""
import threading
from datetime import timedelta

from .. import _C

Work = _C._distributed.Work


def _wait(self, timeout=timedelta(0)):
    """Blocks until the op finished and raises its error; with a positive ``timeout`` (a timedelta,
    as 1.13), raises ``RuntimeError("Operation timed out!")`` if it has not finished by then."""
    seconds = timeout.total_seconds() if isinstance(timeout, timedelta) else float(timeout)
    return self._wait(seconds if seconds > 0 else 0.0)


def _exception(self):
    """The op's error as a RuntimeError, or None (1.13's binding of it fails with a TypeError)."""
    text = self._error()
    return None if text is None else RuntimeError(text)


def _source_rank(self):
    raise RuntimeError("sourceRank() may only be called on work objects that correspond to a recv or "
                       "recv-from-any call.")


def _result(self):
    """The op's output tensors (1.13's Gloo: the tensor an all_reduce wrote, the list all_gather filled)."""
    return list(getattr(self, "_outputs", []))


def _get_future(self):
    """A Future completed with ``result()`` when the op finishes (with its error if it failed)."""
    fut = Future()

    def done():
        text = self._error()
        if text is None:
            fut.set_result(_result(self))
        else:
            fut.set_exception(RuntimeError(text))
    self._then(done)
    return fut


Work.wait = _wait
Work.exception = _exception
Work.source_rank = _source_rank
Work.result = _result
Work.synchronize = lambda self: None  # CPU: nothing to synchronize
Work.get_future = _get_future


class Future(object):
    """torch.futures.Future's shape: ``done()``, ``wait()``, ``value()``, ``then(callback)``,
    ``add_done_callback(callback)``, ``set_result``, ``set_exception``."""

    def __init__(self):
        self._cv = threading.Condition()
        self._done = False
        self._value = None
        self._error = None
        self._callbacks = []

    def done(self):
        with self._cv:
            return self._done

    def wait(self):
        """Blocks until completed; returns the value or raises the error."""
        with self._cv:
            self._cv.wait_for(lambda: self._done)
        return self.value()

    def value(self):
        with self._cv:
            if not self._done:
                raise RuntimeError("Future.value() called before the future completed (wait() first)")
            if self._error is not None:
                raise self._error
            return self._value

    def then(self, callback):
        """A new Future completed with ``callback(self)``'s result (or its error, as 1.13 wraps it)."""
        child = Future()

        def run(fut):
            try:
                child.set_result(callback(fut))
            except Exception as e:  # noqa: BLE001 - passed on to the child, as torch does
                child.set_exception(RuntimeError("Got the following error when running the callback: {}: {}"
                                                 .format(type(e).__name__, e)))
        self.add_done_callback(run)
        return child

    def add_done_callback(self, callback):
        with self._cv:
            if not self._done:
                self._callbacks.append(callback)
                return
        callback(self)

    def set_result(self, result):
        self._complete(result, None)

    def set_exception(self, result):
        assert isinstance(result, Exception), "{} is of type {}, not an Exception.".format(result, type(result))
        self._complete(None, result)

    def _complete(self, value, error):
        with self._cv:
            if self._done:
                raise RuntimeError("Future can only be marked completed once.")
            self._done, self._value, self._error = True, value, error
            callbacks, self._callbacks = self._callbacks, []
            self._cv.notify_all()
        for callback in callbacks:
            callback(self)
