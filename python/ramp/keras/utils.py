"""keras.utils' data helpers the tutorials use: to_categorical (NumPy arrays, as Keras returns)."""
import numpy as np


def to_categorical(y, num_classes=None, dtype="float32"):
    """Class indices -> one-hot rows (Keras's rule: a trailing unit dim is dropped first; the
    classes default to max(y) + 1)."""
    y = np.array(y, dtype="int")
    input_shape = y.shape
    if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
        input_shape = tuple(input_shape[:-1])
    y = y.ravel()
    if not num_classes:
        num_classes = np.max(y) + 1
    n = y.shape[0]
    categorical = np.zeros((n, num_classes), dtype=dtype)
    categorical[np.arange(n), y] = 1
    return np.reshape(categorical, input_shape + (num_classes,))
