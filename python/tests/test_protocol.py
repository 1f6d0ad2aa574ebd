"""Python protocols on tensors and modules (format, bool/int/float/index, len/iter/in, tolist,
NumPy interop, pickle, copy/deepcopy), compared with torch 1.13 on the same inputs."""
import copy
import math
import pickle

import numpy as np
import pytest

import ramp
from conftest import assert_values, outcome

torch = pytest.importorskip("torch")

VALUES = {"l": (1.23456, None), "v": ([1.5, 2.5], None), "i0": (2, None), "b0": (True, None), "e": ([], None),
          "one": ([1.5], None), "ione": ([3], None), "m": ([[1, 2], [3, 4]], None), "bf": (2.5, "bfloat16"),
          "neg": (-2.7, None), "f1": ([2.7], None), "z1": ([0.0], None), "u8": ([200], "uint8")}


def tensors(lib):
    return {k: lib.tensor(v, dtype=getattr(lib, d) if d else None) for k, (v, d) in VALUES.items()}


def both(expr):
    return tuple(outcome(lambda: eval(expr, {"T": lib, "np": np, "math": math, **tensors(lib)}))
                 for lib in (ramp, torch))


def same(expr):
    (r, re), (t, te) = both(expr)
    assert (re and re[0]) == (te and te[0]), (expr, re, te)
    if re is not None:
        assert re[1] == te[1].replace("torch.", "ramp."), (expr, re, te)
        return
    if isinstance(t, torch.Tensor):
        assert_values(r, t)
    elif isinstance(t, np.ndarray):
        assert isinstance(r, np.ndarray) and r.dtype == t.dtype and r.shape == t.shape and (r == t).all()
    elif isinstance(t, str):
        assert r == t.replace("torch.", "ramp."), (expr, r, t)
    else:
        assert type(r) is type(t) and r == t, (expr, r, t)


FORMATS = ['f"{l:05.2f}"', '"{:.4f}".format(l)', 'f"{l}"', "format(l)", 'format(l, "")', 'f"{v}"', 'f"{v:.2f}"',
           'f"{i0:d}"', 'f"{i0:03d}"', 'f"{i0:.2f}"', 'f"{b0}"', 'f"{bf:.3f}"', 'f"{l:>10}"', 'f"{l!r}"',
           'f"{one:.2f}"', 'f"{T.tensor(1.5, requires_grad=True):.2f}"', 'f"{e}"', 'f"{T.nn.Parameter(l):.2f}"',
           'f"{u8}"', 'f"{neg:+.1e}"']


@pytest.mark.parametrize("expr", FORMATS)
def test_format(expr):
    same(expr)


SCALARS = ["bool(v)", "bool(one)", "bool(e)", "bool(z1)", "bool(l)", "bool(T.tensor([[0.5]]))", "int(v)", "int(f1)",
           "int(neg)", "float(v)", "float(ione)", "float(e)", "int(e)", "float(b0)", "int(b0)", "int(u8)",
           "v.__index__()", "l.__index__()", "i0.__index__()", "ione.__index__()", "b0.__index__()",
           "[10, 20, 30][i0]", "[10, 20, 30][ione - 2]", "[10, 20, 30][l]", "range(5)[i0]", "math.floor(l)",
           "math.ceil(l)", "math.isnan(l)", "complex(l)", "operator_index(i0)", "float(bf)", "int(bf)",
           "bool(T.tensor(float('nan')))", "int(T.tensor(2**40))"]


@pytest.mark.parametrize("expr", SCALARS)
def test_scalar_conversions(expr):
    same(expr.replace("operator_index(i0)", "__import__('operator').index(i0)"))


CONTAINERS = ["len(v)", "len(l)", "len(m)", "[x.tolist() for x in v]", "[x.tolist() for x in m]", "iter(l)",
              "1.5 in v", "3 in v", "v in v", "one in v", "'a' in v", "1.5 in l", "T.tensor([1, 2]) in m",
              "True in b0", "7 in m", "v.tolist()", "l.tolist()", "i0.tolist()", "T.zeros(0, 2).tolist()",
              "m.tolist()", "b0.tolist()", "bf.tolist()", "T.tensor([[1.5]]).tolist()"]


@pytest.mark.parametrize("expr", CONTAINERS)
def test_containers(expr):
    same(expr)


NUMPY = ["np.array(v)", "np.array(v, dtype=np.float64)", "np.asarray(i0)", "np.array(m)", "np.squeeze(T.zeros(1, 2))",
         "np.mean(v)", "np.sum(v)", "np.float32(l)", "np.sqrt(v)", "np.exp(l)", "np.array([l, l])",
         "np.stack([v, v])", "np.concatenate([v, v])", "np.abs(v)", "np.greater(v, 2)",
         "np.array(T.tensor([1.0], requires_grad=True))", "np.array(T.zeros(2, dtype=T.bfloat16))",
         "v.__array__(np.int64)", "np.float64(2.0) * v", "np.float64(1.0) + l", "type(np.float64(1.0) * v).__name__",
         "np.transpose(T.zeros(2, 3)).shape", "np.asarray(T.zeros(2, 3)).T.shape", "np.array(b0)", "np.array(u8)"]


@pytest.mark.parametrize("expr", NUMPY)
def test_numpy(expr):
    (r, re), (t, te) = both(expr)
    assert (re and re[0]) == (te and te[0]), (expr, re, te)
    if re is None:
        if isinstance(t, torch.Tensor):
            assert_values(r, t)
        elif isinstance(t, np.ndarray):
            assert r.dtype == t.dtype and r.shape == t.shape and (r == t).all()
        elif isinstance(t, tuple):  # a Size
            assert tuple(r) == tuple(t)
        else:
            assert r == t and type(r) is type(t)


# ---- pickle ----
def pickled(x):
    return pickle.loads(pickle.dumps(x))


@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16", "int8", "uint8", "int32", "int64", "bool"])
def test_pickle_tensor(dtype):
    t = torch.tensor([[1, 0, 3], [4, 5, 0]]).to(getattr(torch, dtype))
    r = ramp.tensor([[1, 0, 3], [4, 5, 0]]).to(getattr(ramp, dtype))
    assert_values(pickled(r), pickled(t))
    assert_values(pickled(r[:, 1]), pickled(t[:, 1]))
    assert pickled(r[:, 1]).stride() == pickled(t[:, 1]).stride()
    assert pickled(r[:, 1]).storage_offset() == pickled(t[:, 1]).storage_offset()
    assert_values(pickled(r[0, 0]), pickled(t[0, 0]))


def test_pickle_requires_grad_and_parameters():
    for lib in (ramp, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        x.grad = lib.ones(2)
        y = pickled(x)
        assert y.requires_grad and y.is_leaf and y.grad is None and y.tolist() == [1.0, 2.0]
        nl = pickled(x * 2)  # a non-leaf pickles as a leaf with requires_grad, as torch
        assert nl.requires_grad and nl.is_leaf and nl.tolist() == [2.0, 4.0]
        p = lib.nn.Parameter(lib.tensor([1.5, -2.0]))
        q = pickled(p)
        assert type(q) is lib.nn.Parameter and q.requires_grad and q.tolist() == [1.5, -2.0]
        q2 = pickled(lib.nn.Parameter(lib.tensor([1.0]), requires_grad=False))
        assert type(q2) is lib.nn.Parameter and not q2.requires_grad


class _Lying:
    """Pickles as a call of ramp's tensor rebuilder with the arguments given (a corrupt or hostile pickle)."""

    def __init__(self, *args):
        self.args = args

    def __reduce__(self):
        from ramp import _protocol
        return _protocol._rebuild_tensor, self.args


@pytest.mark.parametrize("args,problem", [
    ((b"\0" * 16, ramp.float32, (2 ** 62, 2), (4, 1), 0, False), "overflow"),  # (2**62 - 1) * 4 wraps in int64
    ((b"\0" * 16, ramp.float32, (3, 2), (2, 1), 0, False), "reads past the end of its storage of 4 elements"),
    ((b"\0" * 16, ramp.float32, (2,), (1,), -1, False), "negative storage offset"),
    ((bytes([2, 1]), ramp.bool, (2,), (1,), 0, False), "bool storage byte 0 is 2, not 0 or 1"),  # UB as a bool
    ((b"\0" * 6, ramp.float32, (1,), (1,), 0, False), "not a whole number of 4-byte elements"),
])
def test_unpickling_a_lying_tensor_raises(args, problem):
    # torch 1.13 raises RuntimeError from set_() for a layout outside the storage; ramp checks as ramp.load does.
    with pytest.raises(RuntimeError, match=problem):
        pickled(_Lying(*args))


def test_pickle_modules():
    for lib in (ramp, torch):
        lib.manual_seed(0)
        m = lib.nn.Sequential(lib.nn.Linear(3, 2), lib.nn.BatchNorm1d(2), lib.nn.LeakyReLU(0.3), lib.nn.PReLU(),
                              lib.nn.Softmax(dim=1))
        m(lib.ones(4, 3) * lib.arange(4.0).reshape(4, 1))
        m.eval()
        m2 = pickled(m)
        assert repr(m2) == repr(m) and not m2.training and not m2[2].training
        x = lib.ones(2, 3)
        assert m2(x).tolist() == m(x).tolist()
        assert m2[1].running_mean.tolist() == m[1].running_mean.tolist()
        assert m2[1].num_batches_tracked.item() == 1


# ---- copy / deepcopy ----
def test_deepcopy_tensor_with_grad():
    for lib in (ramp, torch):
        t = lib.tensor([1.0, 2.0], requires_grad=True)
        t.grad = lib.ones(2) * 3
        d = copy.deepcopy(t)
        assert d is not t and d.requires_grad and d.is_leaf and d.grad.tolist() == [3.0, 3.0]
        assert d.data_ptr() != t.data_ptr() and d.grad.data_ptr() != t.grad.data_ptr()
        with pytest.raises(RuntimeError, match="graph leaves"):
            copy.deepcopy(t * 2)


def test_deepcopy_keeps_views_and_sharing():
    for lib in (ramp, torch):
        a = lib.arange(6.0).reshape(2, 3)
        b = a[:, 1]
        ca, cb, ca2 = copy.deepcopy([a, b, a])
        assert ca is ca2
        ca[0, 1] = 100
        assert cb.tolist() == [100.0, 4.0] and b.tolist() == [1.0, 4.0]
        assert (cb.stride(), cb.storage_offset()) == (b.stride(), b.storage_offset())


def test_copy_tensor():
    for lib in (ramp, torch):
        v = lib.tensor([1.5, 2.5])
        c = copy.copy(v)
        assert c is not v and c.data_ptr() == v.data_ptr() and c.tolist() == v.tolist()
        x = lib.tensor([1.0], requires_grad=True)
        y = copy.copy(x * 2)
        assert y.requires_grad and y.is_leaf
        p = lib.nn.Parameter(lib.tensor([1.0, 2.0]))
        p.grad = lib.ones(2)
        cp = copy.copy(p)
        assert type(cp) is lib.nn.Parameter and cp.data_ptr() == p.data_ptr() and cp.grad is None


def test_deepcopy_parameter():
    for lib in (ramp, torch):
        p = lib.nn.Parameter(lib.tensor([1.0, 2.0]))
        p.grad = lib.ones(2)
        d = copy.deepcopy(p)
        assert type(d) is lib.nn.Parameter and d.requires_grad and d.grad is None and d.data_ptr() != p.data_ptr()


def _all_modules(lib):
    nn = lib.nn
    acts = [getattr(nn, name)() for name in ["ReLU", "ReLU6", "LeakyReLU", "PReLU", "RReLU", "ELU", "SELU", "CELU",
                                             "GELU", "SiLU", "Mish", "Hardswish", "Hardsigmoid", "Hardtanh",
                                             "Sigmoid", "Tanh", "Softplus"]]
    acts += [nn.LeakyReLU(0.3, inplace=True), nn.Softmax(dim=1), nn.LogSoftmax(dim=-1), nn.Threshold(0.1, 2.0),
             nn.GELU("tanh"), nn.ELU(alpha=0.5)]
    layers = [nn.Linear(4, 3), nn.Conv2d(1, 2, 3), nn.BatchNorm1d(4), nn.BatchNorm2d(2), nn.MaxPool2d(2),
              nn.AvgPool2d(2), nn.AdaptiveAvgPool2d(1), nn.Dropout(0.3), nn.Flatten(), nn.Identity(),
              nn.MSELoss(), nn.CrossEntropyLoss()]
    return acts + layers


def test_deepcopy_every_module():
    for lib in (ramp, torch):
        lib.manual_seed(0)
        for m in _all_modules(lib):
            m.train(False)
            d = copy.deepcopy(m)
            assert type(d) is type(m) and repr(d) == repr(m) and d.training is False
            assert d.state_dict().keys() == m.state_dict().keys()
            for (k, a), (_, b) in zip(m.state_dict().items(), d.state_dict().items()):
                assert a.tolist() == b.tolist() and a.dtype == b.dtype and (a.numel() == 0 or a.data_ptr() != b.data_ptr()), k
            for a, b in zip(m.parameters(), d.parameters()):
                assert type(b) is type(a) and b is not a


def test_copy_and_deepcopy_modules_behave_as_torch():
    results = []
    for lib in (ramp, torch):
        lib.manual_seed(0)
        lin = lib.nn.Linear(2, 2)
        seq = lib.nn.Sequential(lin, lib.nn.LeakyReLU(0.2), lin, lib.nn.BatchNorm1d(2))
        seq[0].weight.grad = lib.ones(2, 2)
        d = copy.deepcopy(seq)
        assert d[0] is d[2] and d[0].weight is d[2].weight and d[0].weight is not lin.weight
        assert d[0].weight.grad is None  # Parameter.__deepcopy__ drops .grad, as torch
        x = lib.tensor([[1.0, -2.0], [0.5, 3.0]])
        results.append((d(x).tolist(), seq(x).tolist()))
        assert d[3].running_mean.tolist() == seq[3].running_mean.tolist()
        d[1].negative_slope = 0.5
        assert seq[1].negative_slope == 0.2
        s = copy.copy(seq[1])
        assert s.__dict__ is not seq[1].__dict__ and s._parameters is seq[1]._parameters
        assert s.negative_slope == 0.2
    for r, t in results:
        assert np.allclose(r, t, rtol=0, atol=0)  # the copy computes exactly what the original does


def test_deepcopy_optimizer_state_style():
    """A best-model snapshot (copy.deepcopy(model.state_dict())) is independent of later training."""
    m = ramp.nn.Linear(2, 1)
    snap = copy.deepcopy(m.state_dict())
    with ramp.no_grad():
        m.weight += 1.0
    assert snap["weight"].tolist() != m.weight.tolist()
    m.load_state_dict(snap)
    assert snap["weight"].tolist() == m.weight.tolist()


def test_hash_is_identity():
    for lib in (ramp, torch):
        a, b = lib.tensor(1.0), lib.tensor(1.0)
        assert hash(a) != hash(b) or a is b
        assert len({a, b, a}) == 2


@pytest.mark.parametrize("entry", ramp._generate.REGISTRY, ids=lambda e: e["module"])
def test_every_activation_module_copies_and_pickles(entry):
    """Each C++-backed activation module survives deepcopy, copy and pickle with its fields (reprs),
    training flag, parameters and forward intact."""
    kwargs = {f["name"]: 1 if f["name"] == "dim" else 0.5 if f["required"] else f["default"] for f in entry["fields"]}
    m = getattr(ramp.nn, entry["module"])(**kwargs)
    m.eval()
    x = ramp.tensor([[-1.5, 0.25, 2.0], [0.5, -0.75, 3.0]])
    for clone in (copy.deepcopy(m), copy.copy(m), pickled(m)):
        assert type(clone) is type(m) and repr(clone) == repr(m) and clone.training is False
        assert clone(x).tolist() == m(x).tolist()
        assert [p.tolist() for p in clone.parameters()] == [p.tolist() for p in m.parameters()]
    d = copy.deepcopy(m)
    for p, q in zip(m.parameters(), d.parameters()):
        assert p is not q and p.data_ptr() != q.data_ptr()


NAMED = ["T.sort(T.tensor([3., 1., 2.]))", "T.topk(T.tensor([3., 1., 2.]), 2)", "T.kthvalue(T.tensor([3., 1., 2.]), 1)",
         "T.max(T.tensor([[3., 1.]]), 1)", "T.min(T.tensor([[3., 1.]]), 1, keepdim=True)",
         "T.tensor([3., 1., 2.]).sort(descending=True)"]


@pytest.mark.parametrize("expr", NAMED)
def test_named_results_are_torch_return_types(expr):
    # torch.return_types are structseqs: tuples with .values/.indices, picklable, not namedtuples
    # (default_collate treats a namedtuple apart), constructed from one sequence
    r, t = (eval(expr, {"T": lib}) for lib in (ramp, torch))
    assert type(r).__name__ == type(t).__name__ and type(r).__module__ == "ramp.return_types"
    assert getattr(ramp.return_types, type(r).__name__) is type(r)
    assert repr(r).replace("ramp", "torch") == repr(t)
    for copied in (pickled(r), copy.deepcopy(r), copy.copy(r)):
        assert type(copied) is type(r)
        assert_values(copied.values, t.values)
        assert_values(copied.indices, t.indices)
    assert not hasattr(r, "_fields") and not hasattr(t, "_fields")
    assert type(r)((r.values, r.indices)).indices is r.indices
    assert (r.n_fields, r.n_sequence_fields, r.n_unnamed_fields) == (t.n_fields, t.n_sequence_fields, t.n_unnamed_fields)
