"""ramp.io against independent readers and writers: safetensors files written and parsed here with
struct + json (no ramp code) from and into torch/NumPy tensors, IDX files packed with struct and
gzip, Fashion-MNIST decoded with Python's gzip + NumPy, CSV values parsed by Python's float()."""
import gzip
import json
import os
import struct
from collections import OrderedDict

import numpy as np
import pytest

import ramp
from conftest import assert_values

torch = pytest.importorskip("torch")

# safetensors dtype tag -> (torch dtype, NumPy dtype of the raw little-endian bytes)
TAGS = {"F32": (torch.float32, "<f4"), "F64": (torch.float64, "<f8"), "BF16": (torch.bfloat16, "<i2"),
        "I64": (torch.int64, "<i8"), "I32": (torch.int32, "<i4"), "U8": (torch.uint8, "u1"),
        "I8": (torch.int8, "i1"), "BOOL": (torch.bool, "?")}
TAG_OF = {t: tag for tag, (t, _) in TAGS.items()}


def raw_bytes(t):
    """A torch tensor's values as little-endian bytes, row-major (bfloat16 as its 16-bit patterns)."""
    t = t.contiguous()
    return (t.view(torch.int16) if t.dtype == torch.bfloat16 else t).numpy().tobytes()


def write_reference(path, tensors, metadata=None, sort=True):
    """An independent safetensors writer: the reference implementation's layout (tensors sorted by
    dtype size, then name; header padded with spaces to 8 bytes)."""
    items = sorted(tensors.items(), key=lambda kv: (-kv[1].element_size(), kv[0])) if sort else list(tensors.items())
    header, data = {}, b""
    if metadata:
        header["__metadata__"] = metadata
    for name, t in items:
        b = raw_bytes(t)
        header[name] = {"dtype": TAG_OF[t.dtype], "shape": list(t.shape), "data_offsets": [len(data), len(data) + len(b)]}
        data += b
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


def read_reference(path):
    """An independent safetensors reader: (OrderedDict name -> torch tensor in header order, metadata)."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n], object_pairs_hook=OrderedDict)
    metadata = header.pop("__metadata__", None)
    out = OrderedDict()
    for name, e in header.items():
        b, end = e["data_offsets"]
        tdtype, npdtype = TAGS[e["dtype"]]
        arr = np.frombuffer(blob[8 + n + b:8 + n + end], dtype=npdtype).reshape(e["shape"]).copy()
        t = torch.from_numpy(arr)
        out[name] = t.view(torch.bfloat16) if tdtype == torch.bfloat16 else t
    return out, metadata


def sample_tensors():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(3, 4, generator=g)
    return OrderedDict([
        ("layer.0.weight", x), ("layer.0.bias", torch.randn(4, generator=g, dtype=torch.float64)),
        # bfloat16 from bit patterns: 1, -2, NaN (0x7FC0, the pattern ramp's float -> bfloat16 gives), inf, -0
        ("bf", torch.tensor([0x3F80, 0xC000 - 0x10000, 0x7FC0, 0x7F80, -0x8000], dtype=torch.int16).view(torch.bfloat16)),
        ("steps", torch.tensor([-(2 ** 62), 7])), ("i32", torch.tensor([[-5, 2 ** 31 - 1]], dtype=torch.int32)),
        ("u8", torch.tensor([0, 255, 9], dtype=torch.uint8)), ("i8", torch.tensor([-128, 127], dtype=torch.int8)),
        ("mask", torch.tensor([True, False, True])), ("scalar", torch.tensor(2.5)), ("empty", torch.zeros(0, 3)),
        ("transposed", x.t()),  # non-contiguous: written in its logical order
    ])


def to_ramp(t):
    return ramp.from_numpy(t.float().numpy()).to(ramp.bfloat16) if t.dtype == torch.bfloat16 else \
        ramp.from_numpy(t.contiguous().numpy().copy())


def test_reads_files_of_the_reference_layout(tmp_path):
    src = sample_tensors()
    write_reference(tmp_path / "ref.safetensors", src, metadata={"format": "pt", "note": "ünïcode"})
    got = ramp.io.load_file(tmp_path / "ref.safetensors")
    # file-offset order, which the reference writer sorts by dtype size, then name
    expected_order = [k for k, _ in sorted(src.items(), key=lambda kv: (-kv[1].element_size(), kv[0]))]
    assert list(got) == expected_order
    for name, t in src.items():
        assert_values(got[name], t)
    with ramp.io.safe_open(tmp_path / "ref.safetensors", framework="pt") as f:
        assert f.metadata() == {"format": "pt", "note": "ünïcode"}
        assert f.keys() == expected_order
        assert_values(f.get_tensor("u8"), src["u8"])


def test_written_files_parse_with_an_independent_reader(tmp_path):
    src = sample_tensors()
    ramp.io.save_file({k: to_ramp(v) for k, v in src.items()}, tmp_path / "r.safetensors", metadata={"epoch": "3"})
    got, metadata = read_reference(tmp_path / "r.safetensors")
    assert metadata == {"epoch": "3"}
    assert list(got) == list(src)  # ramp keeps the dict's order in the header and the data
    for name, t in src.items():
        assert got[name].dtype == t.dtype and got[name].shape == t.shape
        assert raw_bytes(got[name]) == raw_bytes(t), name  # bit for bit, NaN payloads and -0.0 included
    with open(tmp_path / "r.safetensors", "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
    assert n % 8 == 0
    # and back through ramp
    again = ramp.io.load_file(tmp_path / "r.safetensors")
    for name, t in src.items():
        assert_values(again[name], t)


def test_save_and_load_are_torchs_names_for_state_dicts(tmp_path):
    state = OrderedDict((k, to_ramp(v)) for k, v in sample_tensors().items())
    ramp.save(state, tmp_path / "m.safetensors")
    loaded = ramp.load(str(tmp_path / "m.safetensors"))
    assert list(loaded) == list(state)
    for k in state:
        assert_values(loaded[k], sample_tensors()[k])


def test_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="No such file or directory"):
        ramp.io.load_file(tmp_path / "missing.safetensors")
    with pytest.raises(TypeError, match="not a ramp.Tensor"):
        ramp.io.save_file({"a": np.zeros(2)}, tmp_path / "a")
    with pytest.raises(TypeError, match="metadata must be a dict of str -> str"):
        ramp.io.save_file({"a": ramp.zeros(2)}, tmp_path / "a", metadata={"a": 1})
    with pytest.raises(RuntimeError, match="No such file or directory"):
        ramp.io.save_file({"a": ramp.zeros(2)}, tmp_path / "no" / "dir")
    # a truncated file names itself and the problem
    ramp.io.save_file({"a": ramp.zeros(4)}, tmp_path / "t")
    blob = (tmp_path / "t").read_bytes()
    (tmp_path / "t").write_bytes(blob[:-3])
    with pytest.raises(RuntimeError, match=r"safetensors: .*/t: tensor 'a' ends at byte 16 past the data section's 13 bytes"):
        ramp.io.load_file(tmp_path / "t")
    # F16 is valid safetensors that ramp cannot hold
    write_reference(tmp_path / "h", {"h": torch.zeros(2)})
    blob = (tmp_path / "h").read_bytes().replace(b'"F32"', b'"F16"').replace(b"[0, 8]", b"[0, 4]")[:-4]
    (tmp_path / "h").write_bytes(blob)
    with pytest.raises(RuntimeError, match="dtype F16 is not supported by ramp"):
        ramp.io.load_file(tmp_path / "h")


# ---- IDX ----
IDX_TYPES = [(0x08, "B", np.uint8, ramp.uint8), (0x09, "b", np.int8, ramp.int8), (0x0B, "h", np.int16, ramp.int32),
             (0x0C, "i", np.int32, ramp.int32), (0x0D, "f", np.float32, ramp.float32), (0x0E, "d", np.float64, ramp.float64)]


@pytest.mark.parametrize("code,fmt,npdtype,rdtype", IDX_TYPES, ids=lambda v: str(v))
@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_every_type(tmp_path, code, fmt, npdtype, rdtype, compress):
    rng = np.random.default_rng(code)
    shape = (3, 2, 5)
    if np.issubdtype(npdtype, np.integer):
        info = np.iinfo(npdtype)
        values = rng.integers(info.min, info.max, size=shape, endpoint=True).astype(npdtype)
    else:
        values = (rng.standard_normal(shape) * 1e3).astype(npdtype)
    blob = struct.pack(">BBBB", 0, 0, code, len(shape)) + struct.pack(f">{len(shape)}I", *shape)
    blob += struct.pack(f">{values.size}{fmt}", *values.ravel().tolist())
    path = tmp_path / ("x.idx.gz" if compress else "x.idx")
    path.write_bytes(gzip.compress(blob) if compress else blob)
    got = ramp.io.read_idx(path)
    assert got.dtype == rdtype and tuple(got.shape) == shape
    np.testing.assert_array_equal(got.numpy(), values.astype(got.numpy().dtype))


def test_read_idx_errors(tmp_path):
    (tmp_path / "a").write_bytes(b"\x00\x00\x08\x01\x00\x00\x00\x05abc")
    with pytest.raises(RuntimeError, match="truncated: sizes \\[5\\] need 5 bytes of data, the file has 3"):
        ramp.io.read_idx(tmp_path / "a")
    (tmp_path / "b.gz").write_bytes(gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x05abcde")[:-10])
    with pytest.raises(RuntimeError, match="gzip"):
        ramp.io.read_idx(tmp_path / "b.gz")
    (tmp_path / "c").write_bytes(b"PK\x03\x04")
    with pytest.raises(RuntimeError, match="bad magic number"):
        ramp.io.read_idx(tmp_path / "c")
    with pytest.raises(FileNotFoundError):
        ramp.io.read_idx(tmp_path / "none")


@pytest.mark.skipif(not os.path.exists(ramp.io.FASHION_MNIST_ROOT), reason="dataset-fashion-mnist not installed")
@pytest.mark.parametrize("train", [False, True])
def test_fashion_mnist_matches_a_numpy_decoding(train):
    prefix = os.path.join(ramp.io.FASHION_MNIST_ROOT, "train" if train else "t10k")
    with gzip.open(prefix + "-images-idx3-ubyte.gz") as f:
        pixels = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
    with gzip.open(prefix + "-labels-idx1-ubyte.gz") as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    images, got_labels = ramp.io.load_fashion_mnist(train=train)
    assert_values(images, torch.from_numpy(pixels.copy()).float() / 255)  # torchvision's ToTensor, bit for bit
    assert_values(got_labels, torch.from_numpy(labels.copy()).long())
    with pytest.raises(RuntimeError, match="install the Debian package dataset-fashion-mnist"):
        ramp.io.load_fashion_mnist(train, root="/nonexistent")


# ---- CSV ----
def test_read_csv_against_python_float(tmp_path):
    rng = np.random.default_rng(1)
    values = (rng.standard_normal((17, 4)) * 10.0 ** rng.integers(-8, 8, (17, 4))).astype(np.float32)
    lines = ["a,b,\"c, d\",e"] + [",".join(repr(float(v)) for v in row) for row in values]
    (tmp_path / "x.csv").write_text("\r\n".join(lines) + "\n\n")
    got, columns = ramp.io.read_csv(tmp_path / "x.csv", return_columns=True)
    assert columns == ["a", "b", "c, d", "e"]
    expected = np.array([[float(s) for s in line.split(",")] for line in lines[1:]]).astype(np.float32)
    assert_values(got, torch.from_numpy(expected))
    (tmp_path / "y.tsv").write_text("1\t2\n3\t4\n")
    assert ramp.io.read_csv(tmp_path / "y.tsv", header=False, delimiter="\t").tolist() == [[1.0, 2.0], [3.0, 4.0]]
    (tmp_path / "z.csv").write_text("a,b\n1,2\n3\n")
    with pytest.raises(RuntimeError, match=r"read_csv: .*z.csv:3: expected 2 fields, found 1"):
        ramp.io.read_csv(tmp_path / "z.csv")
