"""ramp.io: weights and datasets on disk (C++: include/ramp/io.h, include/ramp/data.h).

    ramp.io.save_file({"w": w, "b": b}, "model.safetensors", metadata={"epoch": "3"})
    tensors = ramp.io.load_file("model.safetensors")     # {name: tensor}, in file order
    ramp.save(model_state, "m.safetensors"); ramp.load("m.safetensors")   # the same (ramp.serialization)
    images, labels = ramp.io.load_fashion_mnist(train=True)   # [60000, 1, 28, 28] float32, [60000] int64
    ramp.io.read_idx("train-labels-idx1-ubyte.gz"); ramp.io.read_csv("data.csv")

save_file/load_file/safe_open have the `safetensors` package's names and arguments: its files and
ramp's are the same format (F32 F64 BF16 I64 I32 U8 I8 BOOL).
"""
import errno
import os

from . import _C

__all__ = ["save_file", "load_file", "safe_open", "save", "load", "read_idx", "read_csv", "load_fashion_mnist"]

FASHION_MNIST_ROOT = "/usr/share/datasets/fashion-mnist"


def _check_tensors(tensors, fn):
    if not isinstance(tensors, dict):
        raise TypeError(f"{fn}() expects a dict of str -> ramp.Tensor, got {type(tensors).__name__}")
    for name, t in tensors.items():
        if not isinstance(name, str):
            raise TypeError(f"{fn}(): tensor names must be str, got {type(name).__name__}")
        if not isinstance(t, _C.Tensor):
            raise TypeError(f"{fn}(): '{name}' is a {type(t).__name__}, not a ramp.Tensor")
    return list(tensors.items())


def save_file(tensors, filename, metadata=None):
    """Writes ``tensors`` ({name: Tensor}) to a safetensors file, in the dict's order; ``metadata``
    is a {str: str} dict stored in the header's ``__metadata__``."""
    metadata = {} if metadata is None else metadata
    if not isinstance(metadata, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise TypeError("save_file(): metadata must be a dict of str -> str")
    _C._io.save_safetensors(_check_tensors(tensors, "save_file"), os.fspath(filename), metadata)


def load_file(filename, device="cpu"):
    """The tensors of a safetensors file as {name: Tensor}, in file-offset order."""
    _check_device(device)
    return dict(_C._io.read_safetensors(_existing(filename))[0])


def _existing(filename):
    """The path as a str; a missing file raises FileNotFoundError as open() does (torch.load, safetensors)."""
    path = os.fspath(filename)
    if not os.path.exists(path):
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), path)
    return path


def _check_device(device):
    if str(device) != "cpu":
        raise ValueError(f"ramp tensors live on the CPU, not on device {device!r}")


class safe_open:
    """``with safe_open(path, framework="pt") as f: f.keys(), f.get_tensor(name), f.metadata()``.
    The file is read whole when opened (ramp has no memory-mapped tensors)."""

    def __init__(self, filename, framework="ramp", device="cpu"):
        _check_device(device)
        tensors, self._metadata = _C._io.read_safetensors(_existing(filename))
        self._tensors = dict(tensors)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def keys(self):
        return list(self._tensors)

    def get_tensor(self, name):
        return self._tensors[name]

    def metadata(self):
        return dict(self._metadata) or None


def read_idx(path):
    """An IDX (MNIST format) file, gzipped or plain, as a tensor: uint8 stays uint8, int16 becomes int32."""
    return _C._io.read_idx(_existing(path))


def read_csv(path, header=True, delimiter=",", return_columns=False):
    """A CSV file of numbers as float32 [rows, cols]; with ``return_columns``, (tensor, header names)."""
    values, columns = _C._io.read_csv(_existing(path), header, delimiter)
    return (values, columns) if return_columns else values


def load_fashion_mnist(train=True, root=FASHION_MNIST_ROOT):
    """(images float32 [N, 1, 28, 28] in [0, 1], labels int64 [N]) from the Debian package
    dataset-fashion-mnist: N = 60000 for train, 10000 for the test set."""
    return _C._io.load_fashion_mnist(train, os.fspath(root))


from .serialization import save, load  # noqa: E402  (torch's format, or safetensors by extension)
