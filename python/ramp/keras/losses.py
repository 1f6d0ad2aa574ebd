"""keras.losses over ramp: the losses compile() takes by name or as objects, with Keras 2's
formulas (on probabilities they clip to [1e-7, 1 - 1e-7] first; from_logits=True takes logits)
and its reduction (the mean over the batch)."""
import ramp
from ramp.nn import functional as F

_EPSILON = 1e-7  # Keras's backend.epsilon()


def _clip(p):
    return ramp.clamp(p, _EPSILON, 1 - _EPSILON)


def _matched(y_pred, y_true):
    """Keras's squeeze_or_expand_dimensions: a (N,) target for a (N, 1) output."""
    if y_true.dim() == y_pred.dim() - 1 and y_pred.shape[-1] == 1:
        return y_true.unsqueeze(-1)
    return y_true


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, axis=-1):
    logp = F.log_softmax(y_pred, axis) if from_logits else _clip(y_pred).log()
    y = y_true.reshape(-1) if y_true.dim() == y_pred.dim() else y_true
    return F.nll_loss(logp.reshape(-1, logp.shape[-1]), y.reshape(-1).to(ramp.int64))


def categorical_crossentropy(y_true, y_pred, from_logits=False, axis=-1):
    if from_logits:
        return -(y_true * F.log_softmax(y_pred, axis)).sum(axis).mean()
    p = y_pred / y_pred.sum(axis, keepdim=True)  # Keras rescales the probabilities to sum to one
    return -(y_true * _clip(p).log()).sum(axis).mean()


def binary_crossentropy(y_true, y_pred, from_logits=False):
    y_true = _matched(y_pred, y_true)
    if from_logits:
        return F.binary_cross_entropy_with_logits(y_pred, y_true)
    return F.binary_cross_entropy(_clip(y_pred), y_true)


def mean_squared_error(y_true, y_pred):
    """mean((y_pred - y_true)^2, axis=-1) averaged over the batch (broadcasting as Keras does)."""
    return (y_pred - _matched(y_pred, y_true)).square().mean()


def mean_absolute_error(y_true, y_pred):
    return (y_pred - _matched(y_pred, y_true)).abs().mean()


mse, mae = mean_squared_error, mean_absolute_error


class Loss:
    """A loss object: ``loss(y_true, y_pred)``."""
    fn = None

    def __init__(self, from_logits=False, name=None, **kwargs):
        self.kwargs = dict(kwargs, **({"from_logits": True} if from_logits else {}))
        self.name = name

    def __call__(self, y_true, y_pred):
        return type(self).fn(y_true, y_pred, **self.kwargs)


class SparseCategoricalCrossentropy(Loss):
    fn = staticmethod(sparse_categorical_crossentropy)


class CategoricalCrossentropy(Loss):
    fn = staticmethod(categorical_crossentropy)


class BinaryCrossentropy(Loss):
    fn = staticmethod(binary_crossentropy)


class MeanSquaredError(Loss):
    fn = staticmethod(mean_squared_error)

    def __init__(self, name=None):
        super().__init__(name=name)


class MeanAbsoluteError(Loss):
    fn = staticmethod(mean_absolute_error)

    def __init__(self, name=None):
        super().__init__(name=name)


_BY_NAME = {f.__name__: f for f in (sparse_categorical_crossentropy, categorical_crossentropy, binary_crossentropy,
                                    mean_squared_error, mean_absolute_error)}
_BY_NAME.update(mse=mse, mae=mae)


def get(identifier):
    """A loss name -> the function; a callable (y_true, y_pred) -> itself."""
    if isinstance(identifier, str):
        if identifier not in _BY_NAME:
            raise ValueError(f"Unknown loss function: '{identifier}'. Please ensure you are using a "
                             "`keras.utils.custom_object_scope` and that this object is included in the scope.")
        return _BY_NAME[identifier]
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret loss function identifier: {identifier}")

