"""Weights trained in PyTorch load into ramp through safetensors and give PyTorch's outputs, and
ramp's trained weights load into PyTorch the same way (issue 4, "Data and weights"). The files on
the PyTorch side are written and read by this test's own safetensors code (struct + json + NumPy),
so ramp's reader and writer are checked against an independent implementation."""
import json
import struct

import numpy as np
import pytest

import ramp

torch = pytest.importorskip("torch")

DTYPES = {np.dtype(np.float32): "F32", np.dtype(np.float64): "F64", np.dtype(np.int64): "I64"}


def write_safetensors(path, arrays):
    header, offset, blobs = {}, 0, []
    for name, a in arrays.items():
        a = np.ascontiguousarray(a)
        header[name] = {"dtype": DTYPES[a.dtype], "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        blobs.append(a.tobytes())
        offset += a.nbytes
    text = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def read_safetensors(path):
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    header.pop("__metadata__", None)
    by_code = {v: k for k, v in DTYPES.items()}
    out = {}
    for name, info in header.items():
        b, e = info["data_offsets"]
        out[name] = np.frombuffer(raw[8 + n + b:8 + n + e], dtype=by_code[info["dtype"]]).reshape(info["shape"])
    return out


def cnn(lib):
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(4 * 4 * 4, 3))


def train_a_little(lib, model, x, y, steps=3):
    opt = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for _ in range(steps):
        loss = lib.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()


def data():
    rng = np.random.default_rng(3)
    return rng.standard_normal((5, 1, 8, 8), dtype=np.float32), rng.integers(0, 3, 5).astype(np.int64)


def test_pytorch_weights_load_into_ramp_and_give_pytorchs_outputs(tmp_path):
    x, y = data()
    torch.manual_seed(0)
    t = cnn(torch)
    train_a_little(torch, t, torch.from_numpy(x), torch.from_numpy(y))
    path = tmp_path / "torch.safetensors"
    write_safetensors(path, {k: v.numpy() for k, v in t.state_dict().items()})
    r = cnn(ramp)
    r.load_state_dict(ramp.load(str(path)))
    r.eval()
    expected = t(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(np.array(r(ramp.from_numpy(x)).detach()), expected, rtol=1e-5, atol=1e-6)
    assert int(r[1].num_batches_tracked) == 3


def test_ramp_weights_load_into_pytorch_and_give_ramps_outputs(tmp_path):
    x, y = data()
    ramp.manual_seed(0)
    r = cnn(ramp)
    train_a_little(ramp, r, ramp.from_numpy(x), ramp.from_numpy(y))
    path = tmp_path / "ramp.safetensors"
    ramp.save(r.state_dict(), str(path))
    arrays = read_safetensors(path)
    assert list(arrays) == list(r.state_dict())  # written in the state_dict's order
    t = cnn(torch)
    t.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in arrays.items()})
    t.eval()
    expected = np.array(r(ramp.from_numpy(x)).detach())
    np.testing.assert_allclose(t(torch.from_numpy(x)).detach().numpy(), expected, rtol=1e-5, atol=1e-6)


def test_a_file_for_another_model_gives_pytorchs_message(tmp_path):
    path = tmp_path / "other.safetensors"
    write_safetensors(path, {"0.weight": np.zeros((2, 2), np.float32)})
    with pytest.raises(RuntimeError, match=r'Error\(s\) in loading state_dict for Sequential:\n\tMissing key\(s\)'):
        cnn(ramp).load_state_dict(ramp.load(str(path)))
