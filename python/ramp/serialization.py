"""ramp.save / ramp.load: PyTorch's checkpoint format (what torch.save writes since 1.6), read and
written without torch, and safetensors.

    ramp.save(model.state_dict(), "model.pth")             # torch.load reads it
    model.load_state_dict(ramp.load("model.pth"))          # also a file torch.save wrote
    ramp.save({"model": model.state_dict(), "optim": opt.state_dict(), "epoch": 3}, buf)  # any BytesIO
    ramp.load("gpu.pt", map_location="cpu")                # storages saved on CUDA, onto the CPU
    ramp.save(sd, "model.safetensors")                     # safetensors: by extension or format=

The format (include/ramp/pt.h has the layout) is a zip of a pickle and raw storages; ramp writes the
globals torch's pickles name (torch._utils._rebuild_tensor_v2, torch.FloatStorage, ...) so that torch
reads its files. Loading never runs code from the file: the unpickler resolves only those globals (to
ramp's own functions) and refuses any other, as torch.load(weights_only=True) does.
"""
import collections
import io
import os
import pickle
import pickletools
import struct
import zipfile

from . import _C

__all__ = ["save", "load"]

_ALIGN = 64  # torch's writer starts every record's data at a multiple of 64 bytes
_CUDA_ERROR = ("Attempting to deserialize object on a CUDA device but torch.cuda.is_available() is False. "
               "If you are running on a CPU-only machine, please use torch.load with "
               "map_location=torch.device('cpu') to map your storages to the CPU.")
_LEGACY_MAGIC = 0x1950a86a20f9469cfc6c  # the first pickle of a pre-1.6 torch.save file


# ---- writing ----

class _TorchGlobal:
    """A name in torch (``torch._utils._rebuild_tensor_v2``) that the pickle must name without
    importing torch: the pickler below writes it as a GLOBAL opcode."""
    _made = {}

    def __new__(cls, module, name):
        key = (module, name)
        if key not in cls._made:  # one object per name, so the pickle's memo shares it as torch's does
            obj = cls._made[key] = super().__new__(cls)
            obj.module, obj.name = module, name
        return cls._made[key]

    def __call__(self, *args):  # the pickler asks reductions for a callable; this one is only a name
        raise TypeError(f"{self.module}.{self.name} is torch's, not ramp's")


_REBUILD_TENSOR_V2 = _TorchGlobal("torch._utils", "_rebuild_tensor_v2")
_REBUILD_PARAMETER = _TorchGlobal("torch._utils", "_rebuild_parameter")


class _StorageRef:
    """A storage being saved: written once as data/<key>, named by every tensor that views it."""

    def __init__(self, key, whole):
        self.whole = whole
        self.pid = ("storage", _TorchGlobal("torch", _C._pt.storage_type_name(whole.dtype)), key, "cpu",
                    whole.numel())


class _Pickler(pickle._Pickler):
    """Python's pickler (the pure-Python one: its dispatch table can be extended) with torch's
    reductions for ramp's tensors, Parameters, dtypes and Size."""
    dispatch = pickle._Pickler.dispatch.copy()

    def __init__(self, file, protocol):
        super().__init__(file, protocol)
        self.storages = {}  # id of the C++ storage -> _StorageRef, in the order they were met

    def _save_torch_global(self, obj):
        self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode("utf-8"))
        self.memoize(obj)

    dispatch[_TorchGlobal] = _save_torch_global

    def persistent_id(self, obj):
        return obj.pid if type(obj) is _StorageRef else None

    def reducer_override(self, obj):
        from .nn.parameter import Parameter
        if isinstance(obj, Parameter):
            return _REBUILD_PARAMETER, (obj.detach(), obj.requires_grad, collections.OrderedDict())
        if isinstance(obj, _C.Tensor):
            key, whole = _C._pt.storage_of(obj)
            ref = self.storages.get(key)
            if ref is None:
                ref = self.storages[key] = _StorageRef(str(len(self.storages)), whole)
            return _REBUILD_TENSOR_V2, (ref, obj.storage_offset(), tuple(obj.shape), tuple(obj.stride()),
                                        obj.requires_grad, collections.OrderedDict())
        from ._tensor import Size
        if type(obj) is Size:
            return _TorchGlobal("torch", "Size"), (tuple(obj),)
        return NotImplemented

    def _save_dtype(self, obj):  # a dtype is the global itself: torch.float32
        self._save_torch_global(_TorchGlobal("torch", str(obj).rpartition(".")[2]))

    dispatch[type(_C.float32)] = _save_dtype


def _archive_name(f):
    """torch names the archive's folder after the file, without its extension; "archive" for a buffer."""
    if isinstance(f, (str, os.PathLike)):
        return os.path.splitext(os.path.basename(os.fspath(f)))[0] or "archive"
    return "archive"


def _write_zip(f, folder, records):
    """Stored entries, each one's data 64-byte aligned as torch's writer pads them (an "FB" extra field)."""
    with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as zf:
        for name, data in records:
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=(1980, 1, 1, 0, 0, 0))
            zip64 = len(data) * 1.05 > zipfile.ZIP64_LIMIT  # zipfile's rule: it then adds a 20-byte extra
            start = zf.fp.tell() + 30 + len(info.filename.encode("utf-8")) + 4 + (20 if zip64 else 0)
            pad = -start % _ALIGN
            info.extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
            zf.writestr(info, data)


def save(obj, f, pickle_module=pickle, pickle_protocol=2, _use_new_zipfile_serialization=True, *,
         format=None, metadata=None):
    """torch.save: ``obj`` (tensors, Parameters, state dicts, optimizer state dicts, and containers of
    them and of numbers and strings) into ``f`` (a path or a writable binary file object) in torch's
    format, which torch.load reads. Views of one storage stay views of one storage, saved whole.

    ``format="safetensors"`` (the default for a path ending in ``.safetensors``, or when ``metadata``
    is given) writes a {name: tensor} dict as safetensors instead (ramp.io.save_file)."""
    if format is None:
        is_st = isinstance(f, (str, os.PathLike)) and os.fspath(f).endswith(".safetensors")
        format = "safetensors" if is_st or metadata is not None else "pt"
    if format == "safetensors":
        from . import io as safetensors
        return safetensors.save_file(dict(obj), f, metadata)
    if format != "pt":
        raise ValueError(f"ramp.save: format must be 'pt' or 'safetensors', not {format!r}")
    if pickle_module is not pickle:
        raise NotImplementedError("ramp.save: only the standard pickle module is supported")
    if not _use_new_zipfile_serialization:
        raise NotImplementedError("ramp.save: the legacy (pre-1.6) format is not supported; "
                                  "ramp writes the zip format torch.save writes by default")
    buf = io.BytesIO()
    pickler = _Pickler(buf, pickle_protocol)
    pickler.dump(obj)
    records = [("data.pkl", buf.getvalue())]
    refs = sorted(pickler.storages.values(), key=lambda r: r.pid[2])  # torch sorts the keys as strings
    records += [(f"data/{r.pid[2]}", _C._pt.storage_bytes(r.whole)) for r in refs]
    records.append(("version", b"3\n"))
    _write_zip(f, _archive_name(f), records)


# ---- reading ----

class _LoadError(Exception):
    """A problem with the file's contents, reported as "ramp.load: <name>: <problem>"."""


def _refuse_state(full):
    return pickle.UnpicklingError(f"refusing to set the state of {full}: ramp.load sets attributes of an "
                                  "OrderedDict only, as torch.load(weights_only=True)")


class _StorageType:
    """What the pickle's torch.FloatStorage (and friends) resolves to: only a tag."""

    def __init__(self, name):
        self.name = name
        self.dtype = _C._pt.storage_type_dtype(name)

    def __setstate__(self, state):  # pickle's BUILD would set the tag's attributes
        raise _refuse_state(f"torch.{self.name}")


class _Resolver:
    """A global the pickle may call (torch._utils._rebuild_tensor_v2, ...), resolved to one of the
    functions below. Not the function itself: pickle's BUILD opcode on a global sets the attributes
    of what it resolves to, and a file must not change ramp's functions for the loads after it."""
    __slots__ = ("full", "fn")

    def __init__(self, full, fn):
        self.full, self.fn = full, fn

    def __call__(self, *args):
        return self.fn(*args)

    def __setstate__(self, state):
        raise _refuse_state(self.full)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks, metadata=None):
    if not isinstance(storage, _C.Tensor):
        raise _LoadError(f"_rebuild_tensor_v2 got a {type(storage).__name__} where a storage belongs")
    if not (_is_ints(size) and _is_ints(stride) and type(storage_offset) is int and type(requires_grad) is bool):
        raise _LoadError("_rebuild_tensor_v2 needs (storage, int offset, size tuple, stride tuple, bool, hooks)")
    t = _C._pt.rebuild_tensor(storage, storage_offset, list(size), list(stride))
    return t.requires_grad_(True) if requires_grad else t


def _rebuild_parameter(data, requires_grad, backward_hooks):
    from .nn.parameter import Parameter
    if not isinstance(data, _C.Tensor) or type(requires_grad) is not bool:
        raise _LoadError("_rebuild_parameter needs (tensor, bool, hooks)")
    return Parameter(data, requires_grad)


def _is_ints(v):
    return isinstance(v, tuple) and all(type(x) is int for x in v)


def _size(*args):
    from ._tensor import Size
    return Size(*args)


_GLOBALS = {
    "collections.OrderedDict": collections.OrderedDict,
    "torch._utils._rebuild_tensor_v2": _rebuild_tensor_v2,
    "torch._utils._rebuild_parameter": _rebuild_parameter,
    "torch.Size": _size,
}


def _find_global(module, name):
    full = f"{module}.{name}"
    if full in _GLOBALS:  # OrderedDict is a class, whose attributes pickle cannot set (an immutable type)
        return _GLOBALS[full] if isinstance(_GLOBALS[full], type) else _Resolver(full, _GLOBALS[full])
    if module == "torch" and _C._pt.is_storage_type(name):
        return _StorageType(name)
    if module == "torch" and isinstance(getattr(_C, name, None), _C.dtype):
        return getattr(_C, name)  # torch.float32 -> ramp.float32
    raise pickle.UnpicklingError(
        f"refusing the global '{full}': ramp.load resolves only the globals torch writes for tensors, "
        "Parameters, dtypes and containers, and never runs code from a file (load it with torch if you "
        "trust it)")


def _restore_location(storage, location, map_location):
    """torch.load's map_location: where a storage saved at `location` goes (ramp: the CPU only)."""
    if callable(map_location) and not isinstance(map_location, (str, dict)) and not hasattr(map_location, "type"):
        result = map_location(storage, location)
        if result is not None:
            if not isinstance(result, _C.Tensor) or result.dtype != storage.dtype or result.numel() != storage.numel():
                raise _LoadError(f"map_location returned a {type(result).__name__}, not the storage it was given")
            return result
    elif isinstance(map_location, str):
        location = map_location
    elif isinstance(map_location, dict):
        location = map_location.get(location, location)
    elif map_location is not None:  # torch.device, or anything with its type and index
        index = getattr(map_location, "index", None)
        location = map_location.type if index is None else f"{map_location.type}:{index}"
    if location == "cpu":
        return storage
    if isinstance(location, str) and location.startswith("cuda"):
        raise RuntimeError(_CUDA_ERROR)
    raise RuntimeError(f"don't know how to restore data location of torch.storage.UntypedStorage (tagged with {location})")


class _Unpickler(pickle.Unpickler):
    def __init__(self, data, archive, folder, map_location, **kw):
        super().__init__(io.BytesIO(data), **kw)
        self.archive, self.folder, self.map_location = archive, folder, map_location
        self.storages = {}

    def find_class(self, module, name):
        return _find_global(module, name)

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage" and isinstance(pid[1], _StorageType)
                and isinstance(pid[2], str) and isinstance(pid[3], str) and type(pid[4]) is int):
            raise _LoadError(f"a persistent id that is not ('storage', storage class, key, location, numel): {pid!r:.200}")
        _, kind, key, location, numel = pid
        if kind.dtype is None:
            raise _LoadError(f"torch.{kind.name} holds a dtype ramp does not have")
        if key not in self.storages:
            entry = f"{self.folder}data/{key}"
            info = self.archive.info(entry, f"storage '{key}'")
            itemsize = _C.empty(0, dtype=kind.dtype).element_size()
            if numel < 0 or numel * itemsize != info.file_size:
                raise _LoadError(f"storage '{key}' of {numel} {kind.name} elements needs {numel * itemsize} bytes but "
                                 f"'{entry}' holds {info.file_size}")
            storage = _C._pt.storage_from_bytes(self.archive.read(entry), kind.dtype)
            self.storages[key] = _restore_location(storage, location, self.map_location)
        storage = self.storages[key]
        if storage.dtype != kind.dtype:
            raise _LoadError(f"storage '{key}' is read as two different dtypes")
        return storage


class _Archive:
    """The zip, with every entry's size checked against the archive's before anything is read."""

    def __init__(self, src, size):
        self.zip = zipfile.ZipFile(src)
        self.size = size

    def info(self, entry, what):
        try:
            info = self.zip.getinfo(entry)
        except KeyError:
            raise _LoadError(f"{what} has no entry '{entry}' in the archive") from None
        if info.file_size > self.size:
            raise _LoadError(f"zip entry '{entry}' claims {info.file_size} bytes, more than the file's {self.size}")
        return info

    def read(self, entry):
        return self.zip.read(self.info(entry, entry))


def _check_memo(data):
    """The pickle's memo indices, checked before the C unpickler sees them: it would allocate a memo
    as large as the largest index (LONG_BINPUT 2**31 asks for 16 GiB)."""
    for op, arg, _ in pickletools.genops(data):
        if op.name in ("BINPUT", "LONG_BINPUT", "BINGET", "LONG_BINGET") and arg > len(data):
            raise _LoadError(f"the pickle uses memo index {arg}, beyond anything a pickle of {len(data)} bytes stores")


def _kind(head):
    if head[:4] == b"PK\x03\x04":
        return "zip"
    if len(head) >= 9 and head[8:9] == b"{":
        return "safetensors"
    if head.startswith(b"\x80\x02\x8a\x0a" + _LEGACY_MAGIC.to_bytes(10, "little")):  # PROTO 2, LONG1 magic
        return "legacy"
    return None


def _load_zip(src, size, map_location, pickle_load_args):
    archive = _Archive(src, size)
    names = archive.zip.namelist()
    if not names or "/" not in names[0]:
        raise _LoadError("not a torch checkpoint (no folder in the zip archive)")
    folder = names[0].split("/", 1)[0] + "/"  # torch takes the folder of the first entry
    if folder + "constants.pkl" in names:  # torch.load's test for one (_is_torchscript_zip)
        raise _LoadError("a TorchScript archive (torch.jit.save), which ramp does not read")
    if folder + "data.pkl" not in names:
        raise _LoadError(f"the archive has no '{folder}data.pkl'")
    data = archive.read(folder + "data.pkl")
    _check_memo(data)
    return _Unpickler(data, archive, folder, map_location, **pickle_load_args).load()


def load(f, map_location=None, pickle_module=None, *, weights_only=False, **pickle_load_args):
    """torch.load: what torch.save (or ramp.save) wrote to ``f`` (a path or a readable binary file
    object), with tensors as ramp tensors, without importing torch. ``map_location`` (None, "cpu", a
    device, a {saved: target} dict or a callable(storage, location)) puts storages saved on a GPU onto
    the CPU. The unpickler is always the restricted one (``weights_only`` changes nothing): a file
    naming any other global raises pickle.UnpicklingError. A safetensors file is read as ramp.io.load_file."""
    if pickle_module is not None and pickle_module is not pickle:
        raise NotImplementedError("ramp.load: only the standard pickle module is supported")
    unknown = set(pickle_load_args) - {"encoding", "errors"}
    if unknown:
        raise TypeError(f"ramp.load() got unexpected keyword arguments {sorted(unknown)}")
    if isinstance(f, (str, os.PathLike)):
        name = os.fspath(f)
        with open(name, "rb") as fh:  # FileNotFoundError, IsADirectoryError as open() gives them
            head = fh.read(64)
        src, size = name, os.path.getsize(name)
    else:
        name = getattr(f, "name", None) or type(f).__name__
        data = f.read()
        if not isinstance(data, bytes):
            raise TypeError(f"ramp.load: {name}: the file object must be opened in binary mode")
        src, head, size = io.BytesIO(data), data[:64], len(data)
    kind = _kind(head)
    prefix = f"ramp.load: {name}: "
    if kind == "safetensors" and isinstance(src, str):
        from . import io as safetensors
        return safetensors.load_file(src)
    if kind == "legacy":
        raise RuntimeError(prefix + "a legacy (pre-1.6, non-zip) torch file: ramp reads only the zip format "
                           "torch.save writes since 1.6 (load it in torch and save it again)")
    if kind != "zip":
        raise RuntimeError(prefix + "not a torch checkpoint (no zip archive" +
                           (", and safetensors loads from a path only)" if kind else ")"))
    try:
        return _load_zip(src, size, map_location, pickle_load_args)
    except pickle.UnpicklingError as e:
        if str(e).startswith("refusing"):
            raise pickle.UnpicklingError(prefix + str(e)) from None
        raise RuntimeError(prefix + f"damaged pickle (data.pkl): {e}") from None
    except RuntimeError as e:
        if str(e).startswith(("Attempting to deserialize", "don't know how to restore")):
            raise
        raise RuntimeError(prefix + str(e)) from None
    except Exception as e:  # zipfile's, the unpickler's and the rebuilders' errors: all the file's fault
        raise RuntimeError(prefix + (str(e) or type(e).__name__)) from None
