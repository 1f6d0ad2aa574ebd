"""ramp.save / ramp.load in torch's checkpoint format (python/ramp/serialization.py) and the C++
reader/writer behind ramp._C._pt (src/io/pt.cpp). Oracle: torch 1.13 itself. Files go both ways,
and the ramp side runs in a subprocess where `import torch` fails, so ramp provably needs no torch;
both sides describe what they hold (types, dtypes, shapes, strides, offsets, storage sharing,
requires_grad, the values' bytes) and the descriptions must be equal. Malformed and hostile files
(truncated, corrupted at every byte, lying sizes, code-running globals) must raise a clear error.
"""
import collections
import inspect
import io
import json
import os
import pickle
import struct
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import ramp

torch = pytest.importorskip("torch")


def describe(obj, ids=None):
    """A JSON-able picture of a loaded object, the same for torch's and ramp's objects: containers
    recursively, floats exactly, tensors by dtype, shape, stride, offset, requires_grad, class,
    storage (numbered by first appearance) and the bytes of their values."""
    ids = {} if ids is None else ids
    if hasattr(obj, "storage_offset"):
        t = obj.detach()
        dtype = str(t.dtype).rpartition(".")[2]
        values = (t.float() if dtype == "bfloat16" else t).contiguous().numpy()
        if type(t).__module__.startswith("torch"):
            storage = t.storage()
            sid = (storage.data_ptr(), storage.size()) if storage.size() else None
        else:
            import ramp as r
            sid = r._C._pt.storage_of(t)[0] if r._C._pt.storage_of(t)[1].numel() else None
        return {"tensor": type(obj).__name__, "dtype": dtype, "shape": list(t.shape), "stride": list(t.stride()),
                "offset": t.storage_offset() if t.numel() else 0, "requires_grad": obj.requires_grad,
                "values": values.tobytes().hex(), "storage": None if sid is None else ids.setdefault(sid, len(ids))}
    if isinstance(obj, dict):
        return {"dict": type(obj).__name__, "items": [[describe(k, ids), describe(v, ids)] for k, v in obj.items()],
                "metadata": describe(getattr(obj, "_metadata", None), ids)}
    if isinstance(obj, (list, tuple)):
        return {type(obj).__name__: [describe(x, ids) for x in obj]}
    if isinstance(obj, float):
        return {"float": obj.hex()}
    return obj  # int, bool, str, None


NO_TORCH = "import sys; sys.modules['torch'] = None\nimport json, ramp\n" + inspect.getsource(describe)


def without_torch(code, *args):
    """Runs `code` (after `import ramp`, with `import torch` failing) in a fresh interpreter; its
    stdout, parsed as JSON."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    out = subprocess.run([sys.executable, "-c", NO_TORCH + code, *map(str, args)], env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def ramp_describes(path):
    return without_torch("print(json.dumps(describe(ramp.load(sys.argv[1]))))", path)


# ---- what scripts save ----

def every_dtype_tensors():
    g = torch.Generator().manual_seed(0)
    f = torch.tensor([0.0, -0.0, 1.5, float("inf"), -float("inf"), float("nan"), 1e-40, 3.4e38])
    return {
        "float32": f, "float64": f.double() * 1e300, "bfloat16": f.bfloat16(),
        "int64": torch.tensor([0, -1, 2**63 - 1, -2**63]), "int32": torch.tensor([0, -1, 2**31 - 1, -2**31], dtype=torch.int32),
        "uint8": torch.tensor([0, 1, 255], dtype=torch.uint8), "int8": torch.tensor([0, -128, 127], dtype=torch.int8),
        "bool": torch.tensor([True, False, True]), "scalar": torch.tensor(2.5), "empty": torch.zeros(0, 3),
        "randn": torch.randn(3, 4, 5, generator=g),
    }


def views():
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    return {"base": base, "t": base.t(), "slice": base[1:, ::2], "row": base[2], "expand": base[0, :1].expand(3, 5),
            "other": torch.arange(5)[2:], "same": base}


def parameters():
    w = torch.nn.Parameter(torch.randn(3, 2))
    return {"w": w, "frozen": torch.nn.Parameter(torch.ones(2), requires_grad=False),
            "leaf": torch.ones(3, requires_grad=True), "w_again": w}


def model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3), torch.nn.ReLU(), torch.nn.Linear(3, 2))


def optimizer_state(cls, **kw):
    m = model()
    opt = cls(m.parameters(), **kw)
    m(torch.randn(5, 4)).sum().backward()
    opt.step()
    return opt.state_dict()


OBJECTS = {
    "every_dtype": every_dtype_tensors,
    "views": views,
    "parameters": parameters,
    "state_dict": lambda: model().state_dict(),
    "sgd": lambda: optimizer_state(torch.optim.SGD, lr=0.1, momentum=0.9, nesterov=True),
    "adam": lambda: optimizer_state(torch.optim.Adam, lr=1e-3, amsgrad=True),
    "containers": lambda: {"list": [torch.ones(2), 3, 2.5, None, "s", True], "tuple": (torch.zeros(1), -7),
                           "nested": {"a": {"b": [torch.arange(3)]}}, 1: float("nan"), "big": 2**70},
    "tensor": lambda: torch.arange(6.0).reshape(2, 3).t(),
}


@pytest.mark.parametrize("name", OBJECTS)
def test_torch_save_is_read_by_ramp_without_torch(tmp_path, name):
    obj = OBJECTS[name]()
    path = tmp_path / "t.pt"
    torch.save(obj, path)
    assert ramp_describes(path) == json.loads(json.dumps(describe(torch.load(path))))


@pytest.mark.parametrize("name", OBJECTS)
def test_ramp_save_is_read_by_torch(tmp_path, name):
    # ramp (without torch) loads torch's file, saves it again; torch reads ramp's file as its own
    src, dst = tmp_path / "t.pt", tmp_path / "r.pth"
    torch.save(OBJECTS[name](), src)
    saved = without_torch("obj = ramp.load(sys.argv[1]); ramp.save(obj, sys.argv[2]); print(json.dumps(describe(obj)))",
                          src, dst)
    assert json.loads(json.dumps(describe(torch.load(dst)))) == saved
    try:  # 1.13's weights_only unpickler has no floats (BINFLOAT): where it reads torch's file, it reads ramp's
        torch.load(src, weights_only=True)
    except pickle.UnpicklingError:
        return
    assert json.loads(json.dumps(describe(torch.load(dst, weights_only=True)))) == saved


def test_a_state_dict_is_written_byte_for_byte_as_torch_writes_it(tmp_path):
    sd = model().state_dict()
    torch.save(sd, tmp_path / "t.pth")
    r = ramp.load(tmp_path / "t.pth")
    ramp.save(r, tmp_path / "r.pth")
    ours, theirs = zipfile.ZipFile(tmp_path / "r.pth"), zipfile.ZipFile(tmp_path / "t.pth")
    assert [n.replace("r/", "t/") for n in ours.namelist()] == theirs.namelist()
    for a, b in zip(ours.namelist(), theirs.namelist()):
        assert ours.read(a) == theirs.read(b), a  # the pickle and the storages, identical
    # (the offsets differ: torch's writer follows each entry with a 16-byte data descriptor)


def data_offsets(path):
    """Where each entry's data starts, from its local header (Python's zipfile shows the central one)."""
    raw = open(path, "rb").read()
    out = {}
    for info in zipfile.ZipFile(path).infolist():
        n, m = struct.unpack("<HH", raw[info.header_offset + 26:info.header_offset + 30])
        out[info.filename] = info.header_offset + 30 + n + m
    return out


def test_storages_are_64_byte_aligned_in_python_and_cpp_files(tmp_path):
    sd = {"a": ramp.ones(3), "b": ramp.arange(7), "c": ramp.zeros(2, 5, dtype=ramp.float64)}
    ramp.save(sd, tmp_path / "p.pt")
    ramp._C._pt.save_pt(list(sd.items()), str(tmp_path / "c.pt"))
    for f in ["p.pt", "c.pt"]:
        assert all(o % 64 == 0 for o in data_offsets(tmp_path / f).values()), f
        loaded = torch.load(tmp_path / f)
        assert list(loaded) == list(sd)
        for k, v in sd.items():
            np.testing.assert_array_equal(loaded[k].numpy(), v.numpy())


def test_views_stay_views_of_one_storage_after_loading(tmp_path):
    torch.save(views(), tmp_path / "v.pt")
    v = ramp.load(tmp_path / "v.pt")
    assert v["base"] is v["same"]  # one object saved twice is one object
    v["base"][2, 4] = -1.0
    assert v["t"][4, 2].item() == -1.0 and v["slice"][1, 2].item() == -1.0 and v["row"][4].item() == -1.0
    assert v["other"].storage_offset() == 2


def test_a_model_trained_in_torch_runs_in_ramp(tmp_path):
    t = model()
    t(torch.randn(8, 4))  # BatchNorm's running stats move
    t.eval()
    torch.save(t.state_dict(), tmp_path / "m.pth")
    r = ramp.nn.Sequential(ramp.nn.Linear(4, 3), ramp.nn.BatchNorm1d(3), ramp.nn.ReLU(), ramp.nn.Linear(3, 2))
    r.load_state_dict(ramp.load(tmp_path / "m.pth"))
    r.eval()
    x = torch.randn(5, 4)
    np.testing.assert_allclose(r(ramp.from_numpy(x.numpy())).detach().numpy(), t(x).detach().numpy(),
                               rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("opt", ["SGD", "Adam"])
def test_rampss_optimizer_state_dict_loads_into_torch(tmp_path, opt):
    r = ramp.nn.Linear(3, 2)
    ro = getattr(ramp.optim, opt)(r.parameters(), lr=0.1)
    r(ramp.ones(4, 3)).sum().backward()
    ro.step()
    ramp.save({"model": r.state_dict(), "optim": ro.state_dict(), "epoch": 3}, tmp_path / "ckpt.pt")
    ck = torch.load(tmp_path / "ckpt.pt")
    t = torch.nn.Linear(3, 2)
    t.load_state_dict(ck["model"])
    to = getattr(torch.optim, opt)(t.parameters(), lr=0.5)
    to.load_state_dict(ck["optim"])
    assert ck["epoch"] == 3 and to.param_groups[0]["lr"] == 0.1
    assert describe(ck["optim"]) == describe(ramp.load(tmp_path / "ckpt.pt")["optim"])


def test_file_objects_and_pathlike(tmp_path):
    buf = io.BytesIO()
    ramp.save({"x": ramp.arange(4)}, buf)
    assert zipfile.ZipFile(io.BytesIO(buf.getvalue())).namelist()[0] == "archive/data.pkl"  # torch's name for a buffer
    buf.seek(0)
    assert torch.load(buf)["x"].tolist() == [0, 1, 2, 3]
    buf = io.BytesIO()
    torch.save(torch.ones(2, dtype=torch.int8), buf)
    buf.seek(0)
    assert ramp.load(buf).tolist() == [1, 1]
    ramp.save(ramp.ones(1), tmp_path / "p.pt")  # a pathlib.Path
    assert ramp.load(tmp_path / "p.pt").tolist() == [1.0] and torch.load(str(tmp_path / "p.pt")).tolist() == [1.0]
    assert ramp.load(str(tmp_path / "p.pt"), weights_only=True).tolist() == [1.0]  # always the restricted unpickler


def test_the_format_follows_the_extension(tmp_path):
    sd = {"w": ramp.ones(2)}
    ramp.save(sd, tmp_path / "m.safetensors")
    assert (tmp_path / "m.safetensors").read_bytes()[8:9] == b"{"
    assert list(ramp.load(tmp_path / "m.safetensors")) == ["w"]  # read by content
    for name in ["m.pth", "m.pt", "m.bin", "m"]:
        ramp.save(sd, tmp_path / name)
        assert zipfile.is_zipfile(tmp_path / name) and list(torch.load(tmp_path / name)) == ["w"]
    ramp.save(sd, tmp_path / "forced.pt", format="safetensors")
    assert list(ramp.io.load_file(tmp_path / "forced.pt")) == ["w"]
    with pytest.raises(ValueError, match="format"):
        ramp.save(sd, tmp_path / "x", format="onnx")


# ---- map_location ----

def cuda_file(tmp_path, location="cuda:0"):
    """A torch file whose storages say they were saved on `location` (this torch has no CUDA): the
    pickle's 'cpu' strings replaced, the archive re-zipped with correct CRCs."""
    torch.save({"a": torch.arange(3.0), "b": torch.ones(2, dtype=torch.int64)}, tmp_path / "c.pt")
    entries = read_entries(tmp_path / "c.pt")
    loc = location.encode()
    entries["c/data.pkl"] = entries["c/data.pkl"].replace(b"X\x03\x00\x00\x00cpu", b"X" + struct.pack("<I", len(loc)) + loc)
    write_entries(tmp_path / "g.pt", entries)
    return tmp_path / "g.pt"


def read_entries(path):
    z = zipfile.ZipFile(path)
    return {n: z.read(n) for n in z.namelist()}


def write_entries(path, entries):
    with zipfile.ZipFile(path, "w") as z:
        for n, b in entries.items():
            z.writestr(n, b)


def torch_error(fn):
    with pytest.raises(Exception) as e:
        fn()
    return type(e.value), str(e.value)


def test_cuda_storages_need_a_map_location_as_in_torch(tmp_path):
    path = cuda_file(tmp_path)
    assert torch_error(lambda: ramp.load(path)) == torch_error(lambda: torch.load(path))
    assert torch_error(lambda: ramp.load(path, map_location={"cuda:1": "cpu"})) == \
        torch_error(lambda: torch.load(path, map_location={"cuda:1": "cpu"}))
    assert torch_error(lambda: ramp.load(path, map_location="cuda")) == \
        torch_error(lambda: torch.load(path, map_location="cuda"))
    xla = cuda_file(tmp_path, "xla:0")
    assert torch_error(lambda: ramp.load(xla)) == torch_error(lambda: torch.load(xla))


class Device:  # what ramp.device (another helper's) or torch.device looks like to ramp.load
    type, index = "cpu", None


@pytest.mark.parametrize("map_location", ["cpu", {"cuda:0": "cpu"}, lambda s, loc: s, Device(), "torch_device"],
                         ids=["str", "dict", "callable", "device", "torch_device"])
def test_map_location_moves_cuda_storages_to_the_cpu(tmp_path, map_location):
    path = cuda_file(tmp_path)
    if map_location == "torch_device":
        map_location = torch.device("cpu")
    assert describe(ramp.load(path, map_location=map_location)) == describe(torch.load(path, map_location="cpu"))
    # a callable that returns None leaves the location as it was: cuda, refused as torch does
    assert torch_error(lambda: ramp.load(path, map_location=lambda s, loc: None)) == \
        torch_error(lambda: torch.load(path, map_location=lambda s, loc: None))


def test_map_location_callable_sees_each_storage_once_with_its_location(tmp_path):
    path = cuda_file(tmp_path)
    seen = []
    ramp.load(path, map_location=lambda s, loc: seen.append((s.dtype, s.numel(), loc)) or s)
    assert seen == [(ramp.float32, 3, "cuda:0"), (ramp.int64, 2, "cuda:0")]


# ---- refused and unsupported files ----

class RunsCode:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


@pytest.mark.parametrize("protocol", [2, 4])
def test_a_pickle_that_would_run_code_is_refused_unrun(tmp_path, protocol):
    marker = tmp_path / "pwned"
    for payload in [RunsCode(marker), {"w": torch.ones(1), "x": [RunsCode(marker)]}]:
        buf = io.BytesIO()
        torch.save(payload, buf, pickle_protocol=protocol)
        (tmp_path / "evil.pt").write_bytes(buf.getvalue())
        assert not marker.exists()
        with pytest.raises(pickle.UnpicklingError, match=r"ramp.load: .*evil.pt: refusing the global '(posix|os).system'"):
            ramp.load(tmp_path / "evil.pt")
        with pytest.raises(RuntimeError, match=r"load_pt: .*evil.pt: the pickle names the global '(posix|os).system'"):
            ramp._C._pt.load_pt(str(tmp_path / "evil.pt"))
        assert not marker.exists()


def test_other_globals_are_refused(tmp_path):
    for obj in [collections.Counter(a=1), {"f": print}, torch.float16, {1, 2}]:
        torch.save(obj, tmp_path / "g.pt")
        with pytest.raises(pickle.UnpicklingError, match="refusing the global"):
            ramp.load(tmp_path / "g.pt")


def test_dtypes_and_sizes_round_trip(tmp_path):
    torch.save({"d": torch.float32, "s": torch.Size([2, 3]), "b": torch.bfloat16}, tmp_path / "d.pt")
    r = ramp.load(tmp_path / "d.pt")
    assert r["d"] is ramp.float32 and r["b"] is ramp.bfloat16 and r["s"] == (2, 3) and type(r["s"]) is ramp.Size
    ramp.save(r, tmp_path / "r.pt")
    assert torch.load(tmp_path / "r.pt") == {"d": torch.float32, "s": torch.Size([2, 3]), "b": torch.bfloat16}


def test_unsupported_files_say_why(tmp_path):
    torch.save(torch.ones(2), tmp_path / "legacy.pt", _use_new_zipfile_serialization=False)
    with pytest.raises(RuntimeError, match=r"ramp.load: .*legacy.pt: a legacy \(pre-1.6, non-zip\) torch file"):
        ramp.load(tmp_path / "legacy.pt")
    with pytest.raises(RuntimeError, match=r"load_pt: .*legacy.pt: a legacy \(pre-1.6, non-zip\) torch file"):
        ramp._C._pt.load_pt(str(tmp_path / "legacy.pt"))
    torch.save(torch.ones(2, dtype=torch.float16), tmp_path / "half.pt")
    with pytest.raises(RuntimeError, match="torch.HalfStorage holds a dtype ramp does not have"):
        ramp.load(tmp_path / "half.pt")
    torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), tmp_path / "script.pt")
    with pytest.raises(RuntimeError, match="TorchScript"):
        ramp.load(tmp_path / "script.pt")
    (tmp_path / "text.pt").write_text("hello")
    with pytest.raises(RuntimeError, match="not a torch checkpoint"):
        ramp.load(tmp_path / "text.pt")
    with pytest.raises(FileNotFoundError):
        ramp.load(tmp_path / "missing.pt")
    with pytest.raises(NotImplementedError, match="legacy"):
        ramp.save(ramp.ones(1), tmp_path / "x.pt", _use_new_zipfile_serialization=False)


# ---- hostile files: a clear error, never a crash, hang or huge allocation ----

def pickled_tensor(numel=4, offset=0, size=(4,), stride=(1,), key="0", storage="FloatStorage", nbytes=16, fill=b"\x00"):
    """data.pkl of one tensor written opcode by opcode (so that any field can lie), and its archive."""
    def ints(v):
        return b"(" + b"".join(b"J" + struct.pack("<i", x) if -2**31 <= x < 2**31 else
                               b"\x8a\x08" + struct.pack("<q", x) for x in v) + b"t"

    def s(x):
        return b"X" + struct.pack("<I", len(x)) + x.encode()

    num = b"\x8a\x08" + struct.pack("<q", numel)
    pkl = (b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n((" + s("storage") + b"ctorch\n" + storage.encode() + b"\n" +
           s(key) + s("cpu") + num + b"tQ" + ints([offset])[1:-1] + ints(size) + ints(stride) +
           b"\x89ccollections\nOrderedDict\n)Rt" + b"R.")
    return {"archive/data.pkl": pkl, "archive/data/0": fill * nbytes, "archive/version": b"3\n"}


HOSTILE = {
    "numel past the entry": (pickled_tensor(numel=1 << 40), "needs 4398046511104 bytes but 'archive/data/0' holds 16"),
    "numel overflowing": (pickled_tensor(numel=(1 << 62) + 1), "bytes but 'archive/data/0' holds 16|invalid element count"),
    "negative numel": (pickled_tensor(numel=-4), "holds 16|invalid element count"),
    "size past the storage": (pickled_tensor(size=(5,)), "reads past the end of its storage of 4 elements"),
    "offset past the end": (pickled_tensor(offset=4, size=(1,)), "reads past the end of its storage"),
    "negative size": (pickled_tensor(size=(-1,)), "negative size -1"),
    "negative stride": (pickled_tensor(size=(2,), stride=(-1,)), "negative stride -1"),
    "negative offset": (pickled_tensor(offset=-1), "negative storage offset -1"),
    "overflowing strides": (pickled_tensor(size=(1 << 40, 1 << 40), stride=(1 << 40, 1 << 40)), "overflow"),
    "too many dims": (pickled_tensor(size=(1,) * 13, stride=(1,) * 13), "at most 12"),
    "missing storage key": (pickled_tensor(key="7"), "no entry 'archive/data/7'"),
    "bool byte 2": (pickled_tensor(storage="BoolStorage", nbytes=4, fill=b"\x02"), "bool storage byte 0 is 2, not 0 or 1"),
    "odd bytes": (pickled_tensor(numel=4, nbytes=16, storage="DoubleStorage"), "needs 32 bytes"),
}


@pytest.mark.parametrize("case", HOSTILE)
def test_lying_files_raise_naming_the_file_and_the_problem(tmp_path, case):
    entries, problem = HOSTILE[case]
    write_entries(tmp_path / "h.pt", entries)
    with pytest.raises(RuntimeError, match=r"ramp.load: .*h.pt: .*(" + problem + ")"):
        ramp.load(tmp_path / "h.pt")
    with pytest.raises(RuntimeError, match=r"load_pt: .*h.pt: .*(" + problem + ")"):
        ramp._C._pt.load_pt_tensor(str(tmp_path / "h.pt"))


def test_the_hand_written_pickle_is_valid_when_it_does_not_lie(tmp_path):  # so the cases above test one lie each
    write_entries(tmp_path / "ok.pt", pickled_tensor(size=(2, 2), stride=(1, 2)))
    assert torch.load(tmp_path / "ok.pt").stride() == (1, 2)
    assert ramp.load(tmp_path / "ok.pt").stride() == (1, 2)
    assert ramp._C._pt.load_pt_tensor(str(tmp_path / "ok.pt")).stride() == (1, 2)


@pytest.mark.parametrize("pkl,problem", [
    (b"\x80\x02h\x05.", "memo"),                            # BINGET of a key never stored
    (b"\x80\x02Nr\xff\xff\xff\x7f.", "memo index"),        # LONG_BINPUT 2**31: a 16 GiB memo
    (b"\x80\x02X\xff\xff\xff\x7fab.", "truncated|only 3 remain"),         # a 2 GiB string in 2 bytes
    (b"\x80\x02" + b"]" * 200000 + b"a" * 199999 + b".", None),  # deep nesting: fine in Python, refused in C++
    (b"\x80\x02(((", "truncated|exhausted before seeing STOP"),
    (b"", "truncated|exhausted before seeing STOP"),
])
def test_hostile_pickles(tmp_path, pkl, problem):
    write_entries(tmp_path / "p.pt", {"archive/data.pkl": pkl, "archive/version": b"3\n"})
    if problem is None:
        depth, x = 0, ramp.load(tmp_path / "p.pt")
        while x:
            depth, x = depth + 1, x[0]
        assert depth == 199999
    else:
        with pytest.raises(RuntimeError, match="ramp.load: .*p.pt: (?i:.*(" + problem + "))"):
            ramp.load(tmp_path / "p.pt")
    with pytest.raises(RuntimeError, match=r"load_pt: .*p.pt: "):
        ramp._C._pt.load_pt(str(tmp_path / "p.pt"))


def _build_on(module, name, state):
    """data.pkl: the global module.name, then BUILD with `state` (what pickle does to set an object's
    attributes; torch writes it for an OrderedDict's _metadata only)."""
    return b"\x80\x02c" + f"{module}\n{name}\n".encode() + state + b"b."


_S = b"X\x0c\x00\x00\x00__defaults__K\x01K\x02\x86"  # '__defaults__': (1, 2)


@pytest.mark.parametrize("module,name,state", [
    ("torch._utils", "_rebuild_parameter", b"N}" + _S + b"s\x86"),          # (None, {slot: value}): setattr
    ("torch._utils", "_rebuild_tensor_v2", b"}X\x08\x00\x00\x00__name__X\x03\x00\x00\x00pwns"),  # __dict__
    ("torch", "Size", b"N}" + _S + b"s\x86"),
    ("torch", "FloatStorage", b"}X\x05\x00\x00\x00dtypeK\x01s"),
])
def test_a_pickle_cannot_set_attributes_of_what_the_globals_resolve_to(tmp_path, module, name, state):
    # torch.load(weights_only=True) refuses BUILD on anything but an OrderedDict, a Tensor or a
    # Parameter; ramp's resolvers are its own functions, which a file must not change for later loads.
    from ramp import serialization
    before = {k: (getattr(v, "__defaults__", None), dict(getattr(v, "__dict__", {})))
              for k, v in vars(serialization).items() if callable(v)}
    write_entries(tmp_path / "b.pt", {"archive/data.pkl": _build_on(module, name, state), "archive/version": b"3\n"})
    with pytest.raises(pickle.UnpicklingError, match=f"ramp.load: .*b.pt: refusing to set the state of {module}.{name}"):
        ramp.load(tmp_path / "b.pt")
    after = {k: (getattr(v, "__defaults__", None), dict(getattr(v, "__dict__", {})))
             for k, v in vars(serialization).items() if callable(v)}
    assert after == before
    with pytest.raises(RuntimeError, match=r"load_pt: .*b.pt: "):
        ramp._C._pt.load_pt(str(tmp_path / "b.pt"))


def test_an_ordered_dicts_metadata_is_still_restored(tmp_path):  # the BUILD torch writes
    sd = torch.nn.Linear(2, 2).state_dict()
    torch.save(sd, tmp_path / "sd.pt")
    assert ramp.load(tmp_path / "sd.pt")._metadata == sd._metadata


def truncations(blob):
    return (blob[:n] for n in range(len(blob)))


def corruptions(blob):
    for at in range(len(blob)):
        for c in (0x00, 0xFF, 0x80, ord("("), ord("h")):
            if blob[at] != c:
                yield blob[:at] + bytes([c]) + blob[at + 1:]


def check_loads_or_raises(path):
    """Whether ramp.load loaded the file; False when it raised as it should (anything else fails)."""
    try:
        ramp.load(path)
        return True
    except (RuntimeError, pickle.UnpicklingError):
        return False


def fuzz_sample():
    """A small file with a view, a parameter, ints and an OrderedDict: what the fuzzers mutate."""
    base = torch.arange(6, dtype=torch.float32)
    return collections.OrderedDict(a=base[1:].view(5), b=base, p=torch.nn.Parameter(torch.ones(2)),
                                   n=torch.tensor([True]), k=[1, 2.5, None])


def test_every_truncation_and_byte_corruption_of_a_file_raises_cleanly(tmp_path):
    buf = io.BytesIO()
    torch.save(fuzz_sample(), buf)
    blob, path = buf.getvalue(), tmp_path / "f.pt"
    for case in truncations(blob):
        path.write_bytes(case)
        assert not check_loads_or_raises(path), len(case)
    raised = 0
    for case in corruptions(blob):
        path.write_bytes(case)
        raised += not check_loads_or_raises(path)
    assert raised > len(blob)  # the zip's CRCs catch most corruptions


def test_every_corruption_of_the_pickle_raises_cleanly(tmp_path):
    """The CRCs catch a corrupted pickle inside a zip: here the pickle is corrupted and re-zipped."""
    buf = io.BytesIO()
    torch.save(fuzz_sample(), buf)
    entries = read_entries(buf)
    pkl, path = entries["archive/data.pkl"], tmp_path / "f.pt"
    for case in truncations(pkl):
        write_entries(path, dict(entries, **{"archive/data.pkl": case}))
        assert not check_loads_or_raises(path), len(case)
    loaded = raised = 0
    for case in corruptions(pkl):
        write_entries(path, dict(entries, **{"archive/data.pkl": case}))
        ok = check_loads_or_raises(path)
        loaded, raised = loaded + ok, raised + (not ok)
    assert raised > 2 * len(pkl) and loaded > 0


# ---- a model trained in PyTorch, run by a C++ program without libtorch ----

def test_run_torch_checkpoint_example_gives_torchs_outputs(tmp_path):
    exe = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(ramp.__file__))), "ramp_run_torch_checkpoint")
    if not os.path.exists(exe):
        pytest.skip("the examples are not built")
    torch.manual_seed(0)
    net = torch.nn.Sequential(collections.OrderedDict(fc1=torch.nn.Linear(784, 128), relu=torch.nn.ReLU(),
                                                      fc2=torch.nn.Linear(128, 10)))  # examples/simple_nn.h
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    x, y = torch.randn(16, 784), torch.randint(0, 10, (16,))
    for _ in range(3):  # trained a little, so the weights are not the initial ones
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(x), y).backward()
        opt.step()
    torch.save(net.state_dict(), tmp_path / "simple_nn.pth")
    torch.save(x[:4], tmp_path / "input.pt")
    out = subprocess.run([exe, tmp_path / "simple_nn.pth", tmp_path / "input.pt"], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    got = np.array([[float(v) for v in line.split()] for line in out.stdout.splitlines()], dtype=np.float32)
    expected = net(x[:4]).detach().numpy()
    assert got.shape == expected.shape == (4, 10)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)  # float32 sums in another order
    bad = subprocess.run([exe, tmp_path / "input.pt", tmp_path / "input.pt"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and "load_pt: " in bad.stderr and "holds a tensor, not a state dict" in bad.stderr
