"""Advanced indexing, gather/scatter, masks, nonzero, sort/topk against torch 1.13 on the same inputs:
values, shapes, dtypes, view-or-copy, grad_fn names, gradients (vs torch and gradcheck), errors."""
import numpy as np
import pytest

import ramp
from conftest import assert_values, outcome, to_ramp

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.filterwarnings("ignore:indexing with dtype torch.uint8")


def make(shape, seed=0, dtype="float64"):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(tuple(shape), generator=g, dtype=getattr(torch, dtype))


def both(t):
    return to_ramp(t), t


def node_name(y):
    """The node's name as both libraries print it (<IndexBackward0 object at ...>)."""
    return None if y.grad_fn is None else repr(y.grad_fn).split()[0][1:]


# ---- reading: every rule of 1.13's __getitem__ (x is [3, 4, 5]) ----
READS = {
    "list": lambda x, L: x[[0, 2]],
    "list_dim1": lambda x, L: x[:, [0, 2]],
    "ellipsis_list": lambda x, L: x[..., [0, 2]],
    "separated": lambda x, L: x[[0, 2], :, [1, 3]],
    "adjacent": lambda x, L: x[:, [0, 2], [1, 3]],
    "broadcast": lambda x, L: x[[[0], [2]], :, [1, 3, 4]],
    "tensor_neg": lambda x, L: x[L.tensor([0, -1])],
    "tensor_2d": lambda x, L: x[L.tensor([[0, 1], [2, 0]])],
    "range_pair": lambda x, L: x[range(3), [0, 1, 3]],
    "range_tensor": lambda x, L: x[range(3), L.tensor([3, 0, 1])],
    "mask_full": lambda x, L: x[x > 0],
    "mask_2d": lambda x, L: x[x[:, :, 0] > 0],
    "mask_dim1": lambda x, L: x[:, x[0, :, 0] > 0],
    "mask_and_list": lambda x, L: x[x[:, 0, 0] > -10, :, [0, 1, 2]],
    "bool_list": lambda x, L: x[[True, False, True]],
    "byte_mask": lambda x, L: x[L.tensor([1, 0, 1], dtype=L.uint8)],
    "none_list": lambda x, L: x[None, [0, 1]],
    "int_list": lambda x, L: x[1, [0, 2]],
    "list_int_list": lambda x, L: x[[0, 1], 1, [1, 2]],
    "slice_list_none": lambda x, L: x[1:, [0, 2], None],
    "step_slice_list": lambda x, L: x[::2, [1]],
    "slice_list_end": lambda x, L: x[1:3, :, [4, 0]],
    "true": lambda x, L: x[True],
    "false": lambda x, L: x[False],
    "tensor_true": lambda x, L: x[L.tensor(True)],
    "zero_d_int": lambda x, L: x[L.tensor(1)],
    "empty_list": lambda x, L: x[[]],
    "seq_as_tuple": lambda x, L: x[[0, [1]]],
    "tuple_in_tuple": lambda x, L: x[(0, 1), ],
    "duplicates": lambda x, L: x[[0, 0, 1, 0]],
    "list_of_list": lambda x, L: x[[[0, 1]]],
    "float_list": lambda x, L: x[[1.7, 0.2]],
    "numpy_ints": lambda x, L: x[np.array([2, 0])],
    "numpy_int_item": lambda x, L: x[np.int64(1), [0]],
    "mask_list_2d": lambda x, L: x[L.tensor([[True, False, True, False]] * 3)],
    "all_false_mask": lambda x, L: x[x > 100],
    # basic indexing: views
    "int": lambda x, L: x[0],
    "slices": lambda x, L: x[1:, None, ..., 2],
    "ellipsis_int": lambda x, L: x[..., 1],
    "ellipsis": lambda x, L: x[...],
    "double_ellipsis": lambda x, L: x[..., 0, ...],
    "neg_slice": lambda x, L: x[-2:, :-1],
}
VIEWS = {"int", "slices", "ellipsis_int", "ellipsis", "double_ellipsis", "neg_slice", "zero_d_int"}


@pytest.mark.parametrize("name", READS)
def test_read_values(name):
    xr, xt = both(make((3, 4, 5)))
    f = READS[name]
    yt = f(xt, torch)
    yr = f(xr, ramp)
    assert_values(yr, yt)


@pytest.mark.parametrize("name", READS)
def test_read_view_or_copy(name):
    f = READS[name]
    xr, xt = both(make((3, 4, 5)))
    yr, yt = f(xr, ramp), f(xt, torch)
    yr += 1
    yt += 1
    changed_t = not torch.equal(xt, make((3, 4, 5)))
    changed_r = not np.array_equal(xr.numpy(), make((3, 4, 5)).numpy())
    assert changed_r == changed_t
    assert changed_t == (name in VIEWS and yt.numel() > 0)


@pytest.mark.parametrize("dtype", ["float32", "bfloat16", "int64", "int32", "uint8", "int8", "bool"])
def test_read_dtypes(dtype):
    base = make((3, 4, 5)) * 3
    xt = base > 0 if dtype == "bool" else base.to(getattr(torch, dtype))
    xr = to_ramp(xt)
    for name in ["separated", "range_pair", "mask_2d", "duplicates", "list_int_list"]:
        assert_values(READS[name](xr, ramp), READS[name](xt, torch))


@pytest.mark.parametrize("name", sorted(set(READS) - {"false", "empty_list", "all_false_mask"}))
def test_read_grad(name):
    f = READS[name]
    xr, xt = both(make((3, 4, 5)))
    xr.requires_grad_()
    xt.requires_grad_()
    yr, yt = f(xr * 1, ramp), f(xt * 1, torch)
    assert node_name(yr) == node_name(yt)
    w = make(tuple(yt.shape), seed=1)
    (yt * w).sum().backward()
    (yr * to_ramp(w)).sum().backward()
    assert_values(xr.grad, xt.grad, rtol=1e-15, atol=0)
    assert ramp.autograd.gradcheck(lambda a: f(a, ramp), (to_ramp(make((3, 4, 5))).requires_grad_(),))


def test_read_strided_source():
    base = make((4, 5, 6))
    for perm in [(2, 0, 1), (0, 2, 1)]:
        xt = base.permute(*perm)
        xr = to_ramp(base).permute(*perm)
        for name in ["list_dim1", "separated", "adjacent", "mask_2d", "slice_list_end"]:
            assert_values(READS[name](xr, ramp), READS[name](xt, torch))


def test_index_function():
    """ramp.index_put with None for a whole dim is x[:, i] = v."""
    xr, xt = both(make((3, 4, 5)))
    i = torch.tensor([2, 0])
    expect = xt.clone()
    expect[:, i] = 1.0
    assert_values(ramp.index_put(xr, (None, to_ramp(i)), ramp.tensor(1.0, dtype=ramp.float64)), expect)
    assert_values(xr, xt)  # out of place


# ---- writing ----
# (index, value shape or a number); the value is a tensor of that shape or the number.
WRITES = {
    "mask_scalar": (lambda x, L: x > 0, 0.0),
    "mask_int_scalar": (lambda x, L: x > 0, 2),
    "list_scalar": (lambda x, L: [0, 2], 1.5),
    "list_tensor": (lambda x, L: [0, 2], (2, 4, 5)),
    "list_broadcast": (lambda x, L: [0, 2], (5,)),
    "list_lead_ones": (lambda x, L: [0, 2], (1, 1, 4, 5)),
    "dim1_list": (lambda x, L: (slice(None), [0, 2]), (3, 2, 5)),
    "slice_list": (lambda x, L: (slice(1, None), [0, 2]), (2, 2, 5)),
    "separated": (lambda x, L: ([0, 2], slice(None), [1, 3]), (2, 4)),
    "range_pair": (lambda x, L: (range(3), [0, 1, 3]), (3, 5)),
    "mask_tensor": (lambda x, L: x > 0, None),  # value: one per true element
    "mask_2d_rows": (lambda x, L: x[:, :, 0] > 0, (5,)),
    "duplicates": (lambda x, L: [0, 0], (2, 4, 5)),
    "basic_int": (lambda x, L: 1, 3.0),
    "basic_slice_tensor": (lambda x, L: (slice(None), 1), (3, 5)),
    "basic_broadcast": (lambda x, L: (0, slice(1, 3)), (5,)),
    "true": (lambda x, L: True, 2.0),
    "false": (lambda x, L: False, 2.0),
    "none": (lambda x, L: None, (4, 5)),
    "zero_d_value": (lambda x, L: [1], ()),
}


def _value(spec, xt, idx_t, seed=2):
    if spec is None:
        return make((int((xt > 0).sum()),), seed=seed)
    if isinstance(spec, tuple):
        return make(spec, seed=seed)
    return spec


@pytest.mark.parametrize("name", WRITES)
def test_write_values(name):
    fi, spec = WRITES[name]
    xr, xt = both(make((3, 4, 5)))
    v = _value(spec, xt, None)
    vr = to_ramp(v) if isinstance(v, torch.Tensor) else v
    xt[fi(xt, torch)] = v
    xr[fi(xr, ramp)] = vr
    assert_values(xr, xt)


@pytest.mark.parametrize("name", WRITES)
def test_write_grad(name):
    fi, spec = WRITES[name]
    x0 = make((3, 4, 5))
    v0 = _value(spec, x0, None)
    results = []
    for L, conv in [(torch, lambda t: t.clone()), (ramp, to_ramp)]:
        x = conv(x0).requires_grad_()
        v = conv(v0).requires_grad_() if isinstance(v0, torch.Tensor) else v0
        z = x * 1
        z[fi(z, L)] = v
        w = conv(make((3, 4, 5), seed=3))
        (z * w).sum().backward()
        results.append((node_name(z), x.grad, v.grad if isinstance(v0, torch.Tensor) else None, z))
    (nt, gxt, gvt, zt), (nr, gxr, gvr, zr) = results
    assert nr == nt
    assert_values(gxr, gxt)
    if gvt is not None:
        assert_values(gvr, gvt, rtol=1e-15)
    if isinstance(v0, torch.Tensor) and name != "duplicates":  # the last write wins: no derivative there
        def f(a, b):
            z = a * 1
            z[fi(z, ramp)] = b
            return z
        assert ramp.autograd.gradcheck(f, (to_ramp(x0).requires_grad_(), to_ramp(v0).requires_grad_()))


def test_setitem_iadd():
    """x[range(n), t] += 1 is __getitem__, __iadd__, __setitem__ (IndexPutBackward0 over AddBackward0)."""
    x0 = make((4, 3))
    t = [2, 0, 1, 2]
    out = []
    for L, conv in [(torch, lambda a: a.clone()), (ramp, to_ramp)]:
        x = conv(x0).requires_grad_()
        z = x * 1
        z[range(4), t] += 1
        (z * conv(make((4, 3), seed=5))).sum().backward()
        out.append((node_name(z), z.detach(), x.grad))
    assert out[0][0] == out[1][0] == "IndexPutBackward0"
    assert_values(out[1][1], out[0][1])
    assert_values(out[1][2], out[0][2])


def test_index_put_accumulate():
    x0 = make((5, 3))
    i = torch.tensor([0, 0, 4, 0])
    v0 = make((4, 3), seed=1)
    res = []
    for L, conv in [(torch, lambda a: a.clone()), (ramp, to_ramp)]:
        x = conv(x0).requires_grad_()
        v = conv(v0).requires_grad_()
        z = (x * 1).index_put_((conv(i),), v, accumulate=True)
        z2 = L.index_put(x * 1, (conv(i),), v, accumulate=False)
        ((z + z2) * conv(make((5, 3), seed=4))).sum().backward()
        res.append((z.detach(), z2.detach(), x.grad, v.grad, node_name(z), node_name(z2)))
    t, r = res
    for a, b in zip(r[:4], t[:4]):
        assert_values(a, b, rtol=1e-15)
    assert r[4:] == t[4:]


def test_write_version_and_leaf_rules():
    for L, conv in [(torch, lambda a: a.clone()), (ramp, to_ramp)]:
        x = conv(make((3, 4)))
        v0 = x._version
        x[[0, 1]] = 0.0
        assert x._version == v0 + 1
        leaf = conv(make((3, 4))).requires_grad_()
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
            leaf[[0]] = 1.0
        # a value saved for backward, then overwritten through indexing
        y = leaf * 1
        s = y.sigmoid() if L is torch else ramp.sigmoid(y)
        s[[0]] = 0.0
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            s.sum().backward()


# ---- errors: 1.13's types and texts ----
ERRORS = [
    lambda x, L: x[[5]],
    lambda x, L: x[:, [9]],
    lambda x, L: x[[0], [5]],
    lambda x, L: x[:, :, [-6]],
    lambda x, L: x[[0, 1], [0, 1, 2]],
    lambda x, L: x[0, 0, 0, 0],
    lambda x, L: x[[0], [0], [0], [0]],
    lambda x, L: x[L.ones(3, 5, dtype=L.bool)],
    lambda x, L: x[:, L.ones(3, 4, dtype=L.bool)],
    lambda x, L: x[1.5],
    lambda x, L: x[L.tensor([1.0])],
    lambda x, L: x[L.tensor([0, 1], dtype=L.int32)],
    lambda x, L: x[3],
    lambda x, L: x.__setitem__([0], L.zeros(2, 2, dtype=L.float64)),
    lambda x, L: x.__setitem__([0, 1], L.zeros(3, dtype=L.float64)),
    lambda x, L: x.__setitem__([0], L.zeros(4, 5, dtype=L.float32)),
    lambda x, L: x.__setitem__([0], [1.0, 2.0]),
    lambda x, L: x.index_put_((L.tensor([0]),), L.zeros(1, dtype=L.float32)),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors(i):
    xr, xt = both(make((3, 4, 5)))
    _, et = outcome(ERRORS[i], xt, torch)
    _, er = outcome(ERRORS[i], xr, ramp)
    assert et is not None and er is not None
    assert er[0] == et[0]
    assert er[1] == et[1]


# ---- gather / scatter / masks / nonzero / take / index_* (x is [3, 4]) ----
def _i(L, v, dtype="int64"):
    return L.tensor(v, dtype=getattr(L, dtype))


OPS = {
    "gather": lambda x, L: L.gather(x, 1, _i(L, [[0, 1], [3, 0], [1, 1]])),
    "gather_dim0": lambda x, L: x.gather(0, _i(L, [[0, 1, 2, 0], [2, 2, 1, 0]])),
    "gather_neg_dim": lambda x, L: x.gather(-1, _i(L, [[3], [2], [0]])),
    "scatter": lambda x, L: x.scatter(1, _i(L, [[0, 1], [3, 2], [1, 0]]), x[:, :2] * 2),
    "scatter_value": lambda x, L: L.scatter(x, 0, _i(L, [[0, 1, 2, 0]]), 7.5),
    "scatter_add": lambda x, L: L.scatter_add(x, 1, _i(L, [[0, 0], [3, 3], [1, 0]]), x[:, 1:3]),
    "scatter_reduce_add": lambda x, L: x.detach().scatter(1, _i(L, [[0, 0], [3, 3], [1, 0]]), x.detach()[:, :2],
                                                          reduce="add"),
    "scatter_reduce_mul": lambda x, L: x.detach().scatter(1, _i(L, [[0, 0], [3, 3], [1, 0]]), 2.0, reduce="multiply"),
    "masked_fill": lambda x, L: x.masked_fill(x > 0, -1.0),
    "masked_fill_int_value": lambda x, L: L.masked_fill(x, x < 0, 3),
    "masked_fill_broadcast_mask": lambda x, L: x.masked_fill(L.tensor([True, False, True, False]), 2.0),
    "masked_fill_mask_bigger": lambda x, L: x.masked_fill(L.ones(2, 3, 4, dtype=L.bool), 2.0),
    "masked_fill_tensor_value": lambda x, L: x.masked_fill(x > 0, L.tensor(0.25, dtype=L.float64)),
    "masked_select": lambda x, L: L.masked_select(x, x > 0),
    "masked_select_broadcast": lambda x, L: x.masked_select(L.tensor([[True], [False], [True]])),
    "take": lambda x, L: L.take(x, _i(L, [[0, 11], [-1, 5]])),
    "index_add": lambda x, L: x.index_add(0, _i(L, [0, 2, 0]), x * 3, alpha=2),
    "index_add_int32": lambda x, L: x.index_add(1, _i(L, [3, 1, 0, 0], "int32"), x),
    "index_fill": lambda x, L: x.index_fill(1, _i(L, [0, 2]), -2.0),
    "index_copy": lambda x, L: x.index_copy(0, _i(L, [2, 0]), x[:2] * 5),
}
NO_GRAD_OPS = {"scatter_reduce_add", "scatter_reduce_mul"}


@pytest.mark.parametrize("name", OPS)
def test_ops_values_and_grads(name):
    f = OPS[name]
    x0 = make((3, 4))
    res = []
    for L, conv in [(torch, lambda a: a.clone()), (ramp, to_ramp)]:
        x = conv(x0).requires_grad_()
        y = f(x, L)
        name_ = node_name(y)
        if name not in NO_GRAD_OPS:
            (y * conv(make(tuple(y.shape), seed=7))).sum().backward()
        res.append((y.detach(), name_, x.grad))
    (yt, nt, gt), (yr, nr, gr) = res
    assert_values(yr, yt, rtol=1e-15)
    assert nr == nt
    if name not in NO_GRAD_OPS:
        assert_values(gr, gt, rtol=1e-15)
        assert ramp.autograd.gradcheck(lambda a: f(a, ramp), (to_ramp(x0).requires_grad_(),))


@pytest.mark.parametrize("name", ["scatter", "scatter_add", "index_add", "index_fill", "index_copy", "masked_fill"])
def test_inplace_ops(name):
    f = OPS[name]
    x0 = make((3, 4))
    out = []
    for L, conv in [(torch, lambda a: a.clone()), (ramp, to_ramp)]:
        x = conv(x0.clone())
        y = f(x, L)
        m = getattr(x, name + "_")
        args = {"scatter": lambda: m(1, _i(L, [[0, 1], [3, 2], [1, 0]]), x[:, :2] * 2),
                "scatter_add": lambda: m(1, _i(L, [[0, 0], [3, 3], [1, 0]]), x[:, 1:3]),
                "index_add": lambda: m(0, _i(L, [0, 2, 0]), x * 3, alpha=2),
                "index_fill": lambda: m(1, _i(L, [0, 2]), -2.0),
                "index_copy": lambda: m(0, _i(L, [2, 0]), x[:2] * 5),
                "masked_fill": lambda: m(x > 0, -1.0)}[name]
        v = x._version
        r = args()
        assert r is x and x._version == v + 1
        out.append((x, y))
    assert_values(out[1][0], out[0][0])
    assert_values(out[1][0], out[1][1])


def test_scatter_reduce_has_no_derivative():
    for L, conv in [(torch, lambda a: a.clone()), (ramp, to_ramp)]:
        x = conv(make((3, 4))).requires_grad_()
        y = x.scatter(1, _i(L, [[0], [1], [2]]), 2.0, reduce="add")
        assert node_name(y) == "NotImplemented"
        with pytest.raises(RuntimeError, match="derivative for aten::scatter is not implemented"):
            y.sum().backward()


@pytest.mark.parametrize("dtype", ["float32", "bfloat16", "int64", "int32", "uint8", "bool"])
def test_ops_dtypes(dtype):
    base = make((3, 4)) * 3
    xt = base > 0 if dtype == "bool" else base.to(getattr(torch, dtype))
    xr = to_ramp(xt)
    for name in ["gather", "scatter_value", "masked_select", "take", "index_fill"]:
        (rr, er), (rt, et) = outcome(OPS[name], xr, ramp), outcome(OPS[name], xt, torch)
        assert er == et
        if et is None:
            assert_values(rr, rt)
    if dtype != "bool":
        assert_values(xr.masked_fill(xr > 1, 5), xt.masked_fill(xt > 1, 5))
        assert_values(xr.scatter_add(0, ramp.tensor([[1, 0, 2, 2]]), xr[:1]),
                      xt.scatter_add(0, torch.tensor([[1, 0, 2, 2]]), xt[:1]))


@pytest.mark.parametrize("shape", [(3, 4), (5,), (), (2, 0, 3), (2, 3, 4)])
def test_nonzero(shape):
    xt = (make(shape) > 0.3) if shape else torch.tensor(2.0)
    if shape:
        xt = xt.to(torch.float32) * make(shape)
    xr = to_ramp(xt)
    assert_values(ramp.nonzero(xr), torch.nonzero(xt))
    assert_values(xr.argwhere(), xt.argwhere())
    tr, tt = ramp.nonzero(xr, as_tuple=True), torch.nonzero(xt, as_tuple=True)
    assert isinstance(tr, tuple) and len(tr) == len(tt)
    for a, b in zip(tr, tt):
        assert_values(a, b)
    nan = torch.tensor([0.0, float("nan"), -0.0, 1.0])
    assert_values(ramp.nonzero(to_ramp(nan)), torch.nonzero(nan))


OP_ERRORS = [
    lambda x, L: x.gather(1, _i(L, [[0]], "int32")),
    lambda x, L: x.gather(1, _i(L, [[5]])),
    lambda x, L: x.gather(1, _i(L, [-1])),
    lambda x, L: x.gather(1, L.zeros(4, 2, dtype=L.int64)),
    lambda x, L: x.scatter(1, _i(L, [[9]]), 1.0),
    lambda x, L: x.scatter(1, _i(L, [[0]]), x.float()),
    lambda x, L: x.scatter(1, _i(L, [[0]]), 1.0, reduce="max"),
    lambda x, L: x.scatter(1, L.zeros(3, 2, dtype=L.int64), x[:1, :1]),
    lambda x, L: x.scatter(1, L.zeros(4, 2, dtype=L.int64), 1.0),
    lambda x, L: x.masked_fill(x > 0, L.ones(2, dtype=L.float64)),
    lambda x, L: x.masked_fill_(L.ones(2, 3, 4, dtype=L.bool), 2.0),
    lambda x, L: x.masked_fill(_i(L, [0, 2, 1, 0]), 1.0),
    lambda x, L: x.masked_select(x.int()),
    lambda x, L: x.take(_i(L, [12])),
    lambda x, L: x.take(_i(L, [1], "int32")),
    lambda x, L: x.index_add(0, _i(L, [0]), L.ones(1, 4)),
    lambda x, L: x.index_add(0, _i(L, [0, 5]), x[:2]),
    lambda x, L: x.index_add(0, L.tensor([0.0]), x[:1]),
    lambda x, L: x.index_fill(1, _i(L, [7]), 1.0),
    lambda x, L: x.index_copy(1, _i(L, [7]), x[:, :1]),
    lambda x, L: x.index_copy(0, _i(L, [0]), x[:2]),
    lambda x, L: L.topk(x, 5),
    lambda x, L: L.topk(x, 2, dim=3),
    lambda x, L: L.kthvalue(x, 5),
    lambda x, L: L.topk(x > 0, 1),
]


@pytest.mark.parametrize("i", range(len(OP_ERRORS)))
def test_op_errors(i):
    xr, xt = both(make((3, 4)))
    _, et = outcome(OP_ERRORS[i], xt, torch)
    _, er = outcome(OP_ERRORS[i], xr, ramp)
    assert et is not None and er is not None, (et, er)
    assert er == et


# ---- sort / topk / kthvalue ----
SORTS = {
    "sort": lambda x, L: L.sort(x),
    "sort_desc_dim0": lambda x, L: x.sort(0, descending=True),
    "sort_stable": lambda x, L: L.sort(x, dim=1, stable=True),
    "topk": lambda x, L: L.topk(x, 3),
    "topk_small_dim0": lambda x, L: x.topk(2, dim=0, largest=False),
    "topk_unsorted": lambda x, L: x.topk(2, sorted=False),
    "kthvalue": lambda x, L: L.kthvalue(x, 2),
    "kthvalue_keepdim": lambda x, L: x.kthvalue(3, 0, True),
    "msort": lambda x, L: L.msort(x),
    "argsort": lambda x, L: x.argsort(descending=True),
}


@pytest.mark.parametrize("name", SORTS)
def test_sort_family(name):
    f = SORTS[name]
    x0 = make((4, 6))
    res = []
    for L, conv in [(torch, lambda a: a.clone()), (ramp, to_ramp)]:
        x = conv(x0).requires_grad_()
        r = f(x, L)
        y = r[0] if isinstance(r, tuple) else r
        if y.dtype == getattr(L, "float64"):
            (y * conv(make(tuple(y.shape), seed=9))).sum().backward()
        res.append((tuple(t.detach() for t in r) if isinstance(r, tuple) else r.detach(), type(r).__name__,
                    node_name(y), x.grad))
    (rt, tt, nt, gt), (rr, tr, nr, gr) = res
    assert nr == nt
    if isinstance(rt, tuple):
        assert tr == tt
        assert_values(rr[0], rt[0])
        assert_values(rr[1], rt[1])
        r = f(to_ramp(x0), ramp)
        assert r.values is r[0] and r.indices is r[1]
        assert repr(r).startswith("ramp.return_types." + tt + "(\nvalues=tensor(")
    else:
        assert_values(rr, rt)
    if gt is not None:
        assert_values(gr, gt)


@pytest.mark.parametrize("dtype", ["float32", "bfloat16", "int64", "int32", "uint8", "int8", "bool"])
def test_sort_dtypes_ties_nan(dtype):
    g = torch.Generator().manual_seed(3)
    raw = torch.randint(0, 4, (5, 12), generator=g)
    xt = raw > 1 if dtype == "bool" else raw.to(getattr(torch, dtype))
    if dtype in ("float32", "bfloat16"):
        xt[1, 3] = xt[2, 0] = xt[2, 7] = float("nan")
    xr = to_ramp(xt)
    for desc in (False, True):
        vt, it = torch.sort(xt, descending=desc, stable=True)
        vr, ir = ramp.sort(xr, descending=desc, stable=True)
        assert_values(vr, vt)
        assert_values(ir, it)
        # short rows: 1.13's default sort keeps ties in order too
        assert_values(ramp.sort(xr, descending=desc).indices, torch.sort(xt, descending=desc).indices)
    if dtype != "bool":
        for largest in (True, False):
            vt, it = torch.topk(xt, 4, largest=largest)
            vr, ir = ramp.topk(xr, 4, largest=largest)
            assert_values(vr, vt)
            # ties: any of the tied positions (1.13's pick follows its algorithm), same value there
            assert_values(xr.gather(1, ir), vt)


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
@pytest.mark.parametrize("n", [255, 300, 70000])
def test_long_rows_sort_like_torch(dtype, n):
    """Rows long enough for the radix sort: ties, NaN, -0.0 and 0.0, infinities, in both orders, along
    the last dim and along a strided dim 0; stable order as 1.13's."""
    g = torch.Generator().manual_seed(n)
    xt = (torch.randint(-50, 50, (2, n), generator=g).float() / 4).to(getattr(torch, dtype))
    xt[0, ::7] = float("nan")
    xt[1, ::11] = -0.0
    xt[1, ::13] = 0.0
    xt[0, 5::17] = float("inf")
    xt[1, 3::19] = -float("inf")
    for x in (xt, xt.t().contiguous()):
        dim = 1 if x is xt else 0
        for desc in (False, True):
            vt, it = torch.sort(x, dim=dim, descending=desc, stable=True)
            vr, ir = ramp.sort(to_ramp(x), dim=dim, descending=desc, stable=True)
            assert_values(vr, vt)
            assert_values(ir, it)
            assert_values(ramp.argsort(to_ramp(x), dim=dim, descending=desc), torch.sort(x, dim=dim, descending=desc, stable=True)[1])


@pytest.mark.parametrize("k", [1, 5, 32, 40])
def test_topk_rows_like_torch(k):
    """topk over the shapes a training script uses (distinct values: indices as 1.13's), both
    directions, by insertion (k <= 32) and by partial sort."""
    g = torch.Generator().manual_seed(k)
    for shape in [(64, 1000), (4096, 10), (3, 100)]:
        if k > shape[1]:
            continue
        xt = torch.randn(shape, generator=g)
        for largest in (True, False):
            vt, it = torch.topk(xt, k, 1, largest)
            vr, ir = ramp.topk(to_ramp(xt), k, 1, largest)
            assert_values(vr, vt)
            assert_values(ir, it)
        xn = xt.clone()
        xn[::3, 37::41] = float("nan")  # NaN is the largest: taken first by largest, never by smallest
        for largest in (True, False):
            vt, it = torch.topk(xn, k, 1, largest)
            vr, ir = ramp.topk(to_ramp(xn), k, 1, largest)
            assert_values(vr, vt)
            assert_values(to_ramp(xn).gather(1, ir), vt)
        vt, it = torch.topk(xt, min(k, shape[0]), 0)
        vr, ir = ramp.topk(to_ramp(xt), min(k, shape[0]), 0)
        assert_values(vr, vt)
        assert_values(ir, it)



@pytest.mark.parametrize("k", [1, 2, 5, 16, 33])
def test_topk_ties_and_unsorted_like_torch(k):
    """Tied values (integers, relu-like zeros, repeated floats, NaNs) and sorted=False: the positions
    1.13 returns are its algorithm's (partial_sort when k * 64 <= n, else nth_element), matched
    exactly; the gradient lands on the same elements."""
    g = torch.Generator().manual_seed(100 + k)
    rows = [torch.randint(0, 5, (40, 12), generator=g).float(),           # nth_element rows
            torch.randint(-3, 4, (8, 3000), generator=g).to(torch.int64),  # partial_sort rows
            torch.relu(torch.randn(30, 50, generator=g)),
            torch.randn(20, 7, generator=g).round(),
            torch.tensor([[1., 4, 4, 9], [4, 4, 4, 1]])]
    nan = torch.randint(0, 3, (16, 70), generator=g).float()
    nan[nan == 2] = float("nan")
    rows.append(nan)
    for xt in rows:
        kk = min(k, xt.shape[1])
        for largest in (True, False):
            for srt in (True, False):
                vt, it = torch.topk(xt, kk, 1, largest, srt)
                vr, ir = ramp.topk(to_ramp(xt), kk, 1, largest, srt)
                assert_values(vr, vt)
                assert_values(ir, it)
        if xt.is_floating_point():
            w = torch.arange(kk, dtype=torch.float32) + 1
            xg_t, xg_r = xt.clone().requires_grad_(), to_ramp(xt).requires_grad_()
            (torch.topk(xg_t, kk, 1).values.nan_to_num() * w).sum().backward()
            (ramp.topk(xg_r, kk, 1).values.nan_to_num() * to_ramp(w)).sum().backward()
            assert_values(xg_r.grad, xg_t.grad)

def test_sort_zero_d_and_empty():
    for x0 in [torch.tensor(2.5), torch.zeros(0, 3), torch.zeros(3, 0)]:
        rt, rr = torch.sort(x0), ramp.sort(to_ramp(x0))
        assert_values(rr.values, rt.values)
        assert_values(rr.indices, rt.indices)
        tt, tr = torch.topk(x0, 0), ramp.topk(to_ramp(x0), 0)
        assert_values(tr.values, tt.values)
