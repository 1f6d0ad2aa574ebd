"""Zero-copy exchange with NumPy (from_numpy, .numpy(), __array__) and DLPack (NumPy and PyTorch, both
ways): memory is shared (a write through one side shows in the other) and owners stay alive.
Runs without PyTorch; the PyTorch cases skip then."""
import gc

import numpy as np
import pytest

import ramp
from conftest import assert_values, outcome


def test_numpy_shares_memory_both_ways():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    r = ramp.from_numpy(a)
    r[0, 0] = 100.0
    a[1, 2] = -5.0
    assert a[0, 0] == 100.0 and r[1, 2].item() == -5.0
    back = r.numpy()
    assert np.shares_memory(back, a)
    r2 = ramp.from_numpy(a.T[:, ::2])  # strided views keep their strides
    assert r2.stride() == (1, 6) and r2.tolist() == a.T[:, ::2].tolist()
    n = ramp.arange(12.0).reshape(3, 4).t()
    v = n.numpy()
    assert v.strides == (4, 16) and v.flags.writeable
    v[0, 0] = 42
    assert n[0, 0].item() == 42 and np.asarray(n)[0, 0] == 42
    for dt in (np.float64, np.int8, np.uint8, np.int32, np.int64, np.bool_):
        x = np.ones(3, dtype=dt)
        assert ramp.from_numpy(x).numpy().dtype == dt and np.shares_memory(ramp.from_numpy(x).numpy(), x)


def test_numpy_owners_stay_alive():
    r = ramp.from_numpy(np.arange(1000, dtype=np.float64))  # the array is only referenced by r
    gc.collect()
    assert r[999].item() == 999.0
    a = ramp.arange(1000.0).numpy()  # the tensor is only referenced by the array
    gc.collect()
    assert a[999] == 999.0
    f = F_relu = ramp.relu(ramp.from_numpy(np.array([-1.0, 2.0])))
    del F_relu
    assert f.tolist() == [0.0, 2.0]


def test_numpy_errors_match_torch():
    torch = pytest.importorskip("torch")
    cases = [lambda L: L.from_numpy(np.zeros(3)[::-1]), lambda L: L.from_numpy([1.0]),
             lambda L: L.tensor([1.0], dtype=L.bfloat16).numpy()]
    for fn in cases:
        assert outcome(fn, ramp) == outcome(fn, torch) and outcome(fn, ramp)[1] is not None
    assert outcome(lambda: ramp.from_numpy(np.zeros(2, np.float16)))[1][0] == "TypeError"


@pytest.mark.parametrize("dtype", ["float32", "float64", "int8", "uint8", "int32", "int64"])
def test_dlpack_with_numpy(dtype):
    a = np.arange(12).astype(dtype).reshape(3, 4)
    r = ramp.from_dlpack(a)
    r[0, 0] = 7
    assert a[0, 0] == 7 and r.dtype is getattr(ramp, dtype)
    back = np.from_dlpack(r.t())  # NumPy 1.24 marks DLPack imports read-only
    r[0, 1] = 9
    assert back[1, 0] == 9 and a[0, 1] == 9 and back.strides == a.T.strides
    assert r.__dlpack_device__() == (1, 0)


@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16", "int8", "uint8", "int32", "int64"])
def test_dlpack_with_torch(dtype):
    torch = pytest.importorskip("torch")
    t = torch.arange(12).to(getattr(torch, dtype)).reshape(3, 4)[:, 1:]
    r = ramp.from_dlpack(t)
    r[0, 0] = 5
    assert t[0, 0].item() == 5 and r.stride() == t.stride()
    assert_values(r, t)
    t2 = torch.from_dlpack(r.t())
    t2[0, 1] = 3
    assert r[1, 0].item() == 3 and t2.stride() == r.t().stride()
    capsule = torch.utils.dlpack.to_dlpack(t)
    r2 = ramp.from_dlpack(capsule)
    assert r2.data_ptr() == t.data_ptr()
    with pytest.raises(ValueError, match="consumed only once"):
        ramp.from_dlpack(capsule)
    t3 = torch.utils.dlpack.from_dlpack(ramp.to_dlpack(r))
    assert t3.data_ptr() == r.data_ptr()
    del t, t2, t3, capsule
    gc.collect()
    assert r2.tolist() == r.tolist()  # each side keeps the memory alive


def test_dlpack_bool_refused_like_torch():
    torch = pytest.importorskip("torch")
    assert outcome(ramp.to_dlpack, ramp.tensor([True])) == outcome(torch.utils.dlpack.to_dlpack,
                                                                    torch.tensor([True]))
