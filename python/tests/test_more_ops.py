"""torch functions that pasted tutorial code uses (issue 9), against torch 1.13 on the same inputs:
stacking/splitting/broadcasting, diagonals, products and distances, cumulative ops. Values bit for bit
where 1.13 computes the same composition (a few ulps where a BLAS product or a different summation order
is involved), dtypes, shapes, view-ness, grad_fn names where ramp records 1.13's node, gradients against
torch and by gradcheck, and error types and texts."""
import warnings

import numpy as np
import pytest

import ramp
from conftest import assert_values, outcome, to_ramp

torch = pytest.importorskip("torch")


def inputs(dtype=torch.float64, seed=0):
    """Named inputs for the expressions below: the same values for torch and ramp."""
    g = torch.Generator().manual_seed(seed)
    t = {
        "x": torch.randn(2, 3, generator=g, dtype=dtype),    # a matrix
        "y": torch.randn(2, 3, generator=g, dtype=dtype),
        "v": torch.randn(3, generator=g, dtype=dtype),       # vectors
        "w": torch.randn(4, generator=g, dtype=dtype),
        "s": torch.randn((), generator=g, dtype=dtype),      # a 0-d tensor
        "c": torch.randn(3, 4, 5, generator=g, dtype=dtype),  # a cube
        "d": torch.randn(4, 5, 6, generator=g, dtype=dtype),
        "b1": torch.randn(5, 2, 3, generator=g, dtype=dtype),  # batches of matrices
        "b2": torch.randn(5, 3, 4, generator=g, dtype=dtype),
        "m": torch.randn(2, 4, generator=g, dtype=dtype),
        "p": torch.randn(30, 3, generator=g, dtype=dtype),   # enough rows for cdist's product form
        "q": torch.randn(7, 3, generator=g, dtype=dtype),
    }
    return t, {k: to_ramp(v) for k, v in t.items()}


def as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


# (expression over T and the inputs, ulps allowed (0: bit for bit), whether ramp records 1.13's grad_fn)
CASES = [
    # group 1: joining, splitting, broadcasting
    ("T.clone(x)", 0, True), ("T.ravel(x)", 0, True), ("T.ravel(x.t())", 0, True), ("x.t().ravel()", 0, True),
    ("T.broadcast_to(v, (2, 3))", 0, True), ("v.broadcast_to((4, 2, 3))", 0, True),
    ("T.broadcast_tensors(x, v, s)", 0, True), ("T.broadcast_tensors(c[:, :1], d[0, :, :5])", 0, True),
    ("T.meshgrid(v, w, indexing='ij')", 0, True), ("T.meshgrid(v, w, indexing='xy')", 0, True),
    ("T.meshgrid([v, w, s], indexing='xy')", 0, True), ("T.meshgrid((v,), indexing='ij')", 0, True),
    ("T.atleast_1d(s)", 0, True), ("T.atleast_1d(x)", 0, True), ("T.atleast_2d(s)", 0, True), ("T.atleast_2d(v)", 0, True),
    ("T.atleast_3d(s)", 0, True), ("T.atleast_3d(v)", 0, True), ("T.atleast_3d(x)", 0, True), ("T.atleast_3d(c)", 0, True),
    ("T.atleast_1d(s, v)", 0, True), ("T.atleast_2d([s, x])", 0, True), ("T.atleast_3d((v,))", 0, True),
    ("T.hstack([v, w])", 0, True), ("T.hstack((x, y))", 0, True), ("T.hstack([s, s])", 0, True),
    ("T.vstack([v, v])", 0, True), ("T.vstack([x, v])", 0, True), ("T.row_stack([x, y])", 0, True),
    ("T.dstack([v, v])", 0, True), ("T.dstack([x, y])", 0, True), ("T.column_stack([v, x.t()])", 0, True),
    ("T.column_stack([s, s])", 0, True), ("T.column_stack([v, v])", 0, True),
    ("T.tensor_split(c, 2)", 0, True), ("T.tensor_split(c, 3, 2)", 0, True), ("c.tensor_split([1, 3], dim=1)", 0, True),
    ("T.tensor_split(w, (3, 1))", 0, True), ("T.tensor_split(w, [1, 9])", 0, True),
    ("T.tensor_split(c, T.tensor(2), 1)", 0, True), ("T.tensor_split(c, T.tensor([1, 2]), -1)", 0, True),
    ("T.tensor_split(w, 7)", 0, True), ("T.tensor_split(w, [-1])", 0, True),
    ("T.hsplit(w, 2)", 0, True), ("T.hsplit(c, [1])", 0, True), ("c.hsplit(2)", 0, True), ("T.vsplit(c, 3)", 0, True),
    ("c.vsplit([1, 2])", 0, True), ("T.dsplit(c, 5)", 0, True), ("c.dsplit([2])", 0, True),
    # group 2: diagonals, products, distances
    ("T.diag(v)", 0, True), ("T.diag(v, 1)", 0, True), ("v.diag(-2)", 0, True), ("T.diag(x)", 0, True),
    ("T.diag(x, 1)", 0, True), ("x.diag(-1)", 0, True), ("T.diag(x, 3)", 0, True),
    ("T.diagonal(x)", 0, True), ("x.diagonal(1)", 0, True), ("T.diagonal(c, 1, 0, 2)", 0, True),
    ("T.diagonal(c, -1, 2, 1)", 0, True), ("c.diagonal(offset=0, dim1=-1, dim2=0)", 0, True),
    ("T.diagonal(x, 7)", 0, True), ("T.diagonal(x.t(), -1)", 0, True),
    ("T.diag_embed(x)", 0, True), ("T.diag_embed(x, 1, 0, 2)", 0, True), ("x.diag_embed(-1, 2, 0)", 0, True),
    ("T.diag_embed(v)", 0, True),
    ("T.trace(x)", 0, True), ("m.trace()", 0, True), ("T.trace(x.t())", 0, True),
    ("T.rot90(x)", 0, True), ("T.rot90(x, 2)", 0, True), ("T.rot90(x, 3)", 0, True), ("T.rot90(x, 4)", 0, True),
    ("T.rot90(x, -1, [1, 0])", 0, True), ("c.rot90(1, [2, 0])", 0, True), ("T.rot90(c, 5, (-1, 1))", 0, True),
    ("T.outer(v, w)", 0, False), ("T.ger(w, v)", 0, False), ("v.outer(w)", 0, False),
    ("T.inner(v, v)", 4, False), ("T.inner(x, y)", 4, False), ("T.inner(s, x)", 0, False), ("x.inner(v)", 4, False),
    ("T.kron(x, y)", 0, False), ("T.kron(v, x)", 0, False), ("T.kron(c, x)", 0, False), ("x.kron(s)", 0, False),
    ("T.tensordot(c, d)", 4, False), ("T.tensordot(c, c, 0)", 0, False),
    ("T.tensordot(c, d, dims=([1], [0]))", 4, False), ("T.tensordot(c, d, [[1, 2], [0, 1]])", 4, False),
    ("T.tensordot(c, c, dims=([0, 2], [0, 2]))", 4, False),
    ("T.addmv(v, x.t(), w[:2])", 4, False), ("T.addmv(s, x, v, beta=0.5, alpha=2)", 4, False),
    ("v.addmv(x.t(), w[:2], alpha=-1)", 4, False),
    ("T.addbmm(m, b1, b2)", 8, False), ("m.addbmm(b1, b2, beta=2, alpha=0.5)", 8, False),
    ("T.baddbmm(b1 @ b2, b1, b2)", 4, False), ("T.baddbmm(m, b1, b2, beta=0.5, alpha=3)", 4, False),
    ("T.baddbmm(b1 @ b1.transpose(1, 2), b1, b1.transpose(1, 2), beta=0)", 4, False),
    ("T.cross(c[:, :3], d[:3, :3, 0].t().unsqueeze(-1).expand(3, 3, 5))", 0, False),
    ("T.cross(x.t(), y.t(), dim=0)", 0, False), ("T.cross(p[:3], q[:3])", 0, False), ("v.cross(v * 2)", 0, False),
    ("T.dist(x, y)", 2, False), ("T.cross(x.t(), y.t())", 0, True), ("T.dist(x, v, 1)", 2, False), ("x.dist(y, float('inf'))", 0, False),
    ("T.dist(x, y, 3.5)", 2, False),
    ("T.cdist(q, p[:5])", 4, False), ("T.cdist(q, p[:5], p=1)", 4, False), ("T.cdist(q, p[:5], 0.5)", 4, False),
    ("T.cdist(q, p[:5], float('inf'))", 0, False), ("T.cdist(p, q)", 8, False),
    ("T.cdist(p, q, compute_mode='donot_use_mm_for_euclid_dist')", 4, False),
    ("T.cdist(q, p[:2], compute_mode='use_mm_for_euclid_dist')", 8, False),
    ("T.cdist(b1, b2.transpose(1, 2))", 4, False),
    ("T.cartesian_prod(v, w)", 0, True), ("T.cartesian_prod(v, w, v[:2])", 0, True), ("T.cartesian_prod(v)", 0, True),
    ("T.take_along_dim(x, T.tensor([[0, 2], [1, 0]]))", 0, True), ("T.take_along_dim(x, T.tensor([[0, 2], [1, 0]]), 1)", 0, True),
    ("x.take_along_dim(T.tensor([[1], [0]]), dim=1)", 0, True), ("T.take_along_dim(x, T.tensor([[0, 1, 0]]), 0)", 0, True),
    ("T.take_along_dim(c, T.tensor([[[0], [2], [1], [4]]]), -1)", 0, True), ("T.take_along_dim(x, T.argsort(x, 1), 1)", 0, True),
]


def run(expr, mod, env):
    return eval(expr, {"T": mod, **env})


@pytest.mark.parametrize("expr,ulps,same_node", CASES)
def test_against_torch(expr, ulps, same_node):
    t0, r0 = inputs()
    t = {k: v.clone().requires_grad_() for k, v in t0.items()}
    r = {k: v.clone().requires_grad_() for k, v in r0.items()}
    (to, te), (ro, re_) = outcome(run, expr, torch, t), outcome(run, expr, ramp, r)
    assert te is None and re_ is None, (te, re_)
    to, ro = as_tuple(to), as_tuple(ro)
    assert len(to) == len(ro)
    for a, b in zip(ro, to):
        if ulps == 0:
            assert_values(a.detach(), b.detach())
        else:  # a few ulps of the result's magnitude (float64)
            scale = float(b.detach().abs().max()) if b.numel() else 0.0
            assert_values(a.detach(), b.detach(), atol=ulps * np.spacing(max(scale, 1e-300)))
        assert (a.grad_fn is None) == (b.grad_fn is None)
        if same_node and b.grad_fn is not None:
            assert a.grad_fn.name() == b.grad_fn.name()
        if b._base is not None and b.numel() > 0:  # torch gives a view of an input: ramp's shares its memory
            for k, tv in t.items():
                if b._base is tv:
                    assert np.shares_memory(a.detach().numpy(), r[k].detach().numpy()), k
    # gradients: each output weighted by position so the elements' places matter
    tw = [torch.arange(o.numel(), dtype=torch.float64).reshape(o.shape) for o in to]
    total_t = sum(((o * w).sum() for o, w in zip(to, tw) if o.requires_grad), torch.zeros((), dtype=torch.float64))
    if not total_t.requires_grad:
        return
    total_t.backward()
    total_r = sum(((o * to_ramp(w)).sum() for o, w in zip(ro, tw) if o.requires_grad), ramp.zeros((), dtype=ramp.float64))
    total_r.backward()
    for k in t:
        if t[k].grad is None:
            assert r[k].grad is None or not r[k].grad.abs().sum().item(), k
            continue
        g = t[k].grad
        scale = float(g.abs().max()) if g.numel() else 0.0
        assert_values(r[k].grad, g, atol=max(ulps, 4) * np.spacing(max(scale, 1e-300)))


GRADCHECK = [
    ("lambda a, b: ramp.hstack([a, b])", "x", "y"), ("lambda a, b: ramp.column_stack([a.t(), b])", "x", "v"),
    ("lambda a: ramp.tensor_split(a, 2, 1)[1]", "c"), ("lambda a, b: ramp.meshgrid(a, b, indexing='xy')[0]", "v", "w"),
    ("lambda a: ramp.diag(a, 1)", "v"), ("lambda a: ramp.diag(a, -1)", "x"), ("lambda a: ramp.diagonal(a, 1, 2, 0)", "c"),
    ("lambda a: ramp.diag_embed(a, 1)", "x"), ("lambda a: ramp.trace(a)", "m"), ("lambda a: ramp.rot90(a, 3, [2, 1])", "c"),
    ("lambda a, b: ramp.kron(a, b)", "x", "v"), ("lambda a, b: ramp.tensordot(a, b, ([1], [0]))", "c", "d"),
    ("lambda a, b, c: ramp.addmv(a[:2], b, c, beta=0.5, alpha=2)", "w", "m", "w"),
    ("lambda a, b, c: ramp.addbmm(a, b, c, beta=0.5)", "m", "b1", "b2"),
    ("lambda a, b, c: ramp.baddbmm(a, b, c, alpha=2)", "m", "b1", "b2"),
    ("lambda a, b: ramp.cross(a, b, 1)", "x", "y"), ("lambda a, b: ramp.cdist(a, b)", "q", "p"),
    ("lambda a, b: ramp.cdist(a, b, 1.5)", "q", "x"),
    ("lambda a, b: ramp.dist(a, b, 3)", "x", "y"),
]


@pytest.mark.parametrize("case", GRADCHECK, ids=lambda c: c[0])
def test_gradcheck(case):
    fn, *names = case
    _, r = inputs()
    args = tuple(r[n].clone().requires_grad_() for n in names)
    assert ramp.autograd.gradcheck(eval(fn, {"ramp": ramp}), args)


@pytest.mark.parametrize("mode,rows", [("use_mm_for_euclid_dist_if_necessary", 30), ("use_mm_for_euclid_dist", 4),
                                       ("donot_use_mm_for_euclid_dist", 30)])
def test_cdist_gradient_at_zero_distance(mode, rows):
    # cdist(x, x): every diagonal distance is 0. 1.13's product form (_euclidean_dist, past 25 rows)
    # has its own backward, which gives a zero distance a zero gradient; sqrt's derivative there is
    # inf, so a gradient taken through the composition would be NaN. First order, and second for the
    # product form (1.13's CdistBackward0 of the other form is not differentiable).
    t, r = inputs()
    tx, rx = t["p"][:rows].clone().requires_grad_(), r["p"][:rows].clone().requires_grad_()
    w = torch.arange(rows * rows, dtype=torch.float64).reshape(rows, rows)
    twice = mode != "donot_use_mm_for_euclid_dist"
    (tg,) = torch.autograd.grad((torch.cdist(tx, tx, compute_mode=mode) * w).sum(), tx, create_graph=twice)
    (rg,) = ramp.autograd.grad((ramp.cdist(rx, rx, compute_mode=mode) * to_ramp(w)).sum(), rx, create_graph=twice)
    assert_values(rg.detach(), tg.detach(), atol=64 * np.spacing(float(tg.abs().max())))
    if not twice:
        return
    (tg2,) = torch.autograd.grad((tg * tg).sum(), tx)
    (rg2,) = ramp.autograd.grad((rg * rg).sum(), rx)
    assert_values(rg2, tg2, atol=64 * np.spacing(float(tg2.abs().max())))


@pytest.mark.parametrize("expr,shape", [
    ("T.diag(a)", (0,)), ("T.diag(a, 2)", (0,)), ("T.diag(a)", (0, 3)), ("T.diag(a, -1)", (3, 0)), ("T.diagonal(a)", (0, 3)),
    ("T.diagonal(a, 0, 1, 2)", (2, 0, 3)), ("T.diagonal(a, 1, 2, 0)", (0, 2, 2)), ("T.trace(a)", (0, 0)),
    ("T.trace(a)", (2, 0)), ("T.diag_embed(a)", (2, 0)), ("T.diag_embed(a, -1)", (0,)), ("T.diagonal(a, 5)", (3, 3)),
    ("T.diagonal(a, -(10 ** 15))", (3, 3)), ("T.diagonal(a, 10 ** 15, 1, 0)", (3, 3)),
])
def test_diagonals_of_empty(expr, shape):
    # nothing on the diagonal (an empty matrix, or an offset past it): the forward and the gradient
    # (zeros, of the input's shape) as 1.13's
    ta = torch.ones(shape, dtype=torch.float64, requires_grad=True)
    ra = ramp.ones(shape, dtype=ramp.float64, requires_grad=True)
    to, ro = run(expr, torch, {"a": ta}), run(expr, ramp, {"a": ra})
    assert_values(ro.detach(), to.detach())
    to.sum().backward()
    ro.sum().backward()
    assert_values(ra.grad, ta.grad)


@pytest.mark.parametrize("expr", ["T.addmv(w[:2].double(), x, v)", "T.addmv(w[:2].long(), x, v, beta=0.5)",
                                  "T.addmv(w[:2], x.double(), v.double())", "T.baddbmm(m.double(), b1, b2)",
                                  "T.baddbmm(m.long(), b1, b2, beta=0.5)", "T.baddbmm(m, b1.double(), b2.double())"])
def test_addmv_baddbmm_self_of_another_dtype(expr):
    # 1.13 reads self in the factors' dtype: the result has theirs (self's own shapes only its gradient)
    t, r = inputs(torch.float32)
    t["m"].requires_grad_(), r["m"].requires_grad_()
    to, ro = run(expr, torch, t), run(expr, ramp, r)
    atol = 8 * np.spacing(np.array(float(to.detach().abs().max()), dtype=str(to.dtype).split(".")[-1]))
    assert_values(ro.detach(), to.detach(), atol=float(atol))
    if "m.double()" in expr:  # the gradient of self comes back in self's dtype
        to.sum().backward(), ro.sum().backward()
        assert_values(r["m"].grad, t["m"].grad)


def test_create_graph_through_diagonal_nodes():
    # second derivatives of the nodes recorded here (their backwards are differentiable ops)
    t, r = inputs()
    for name, f in [("diag", lambda T, a: (T.diag(a * a) ** 2).sum()), ("trace", lambda T, a: T.trace(a * a) ** 2),
                    ("diag_embed", lambda T, a: (T.diag_embed(a * a) ** 2).sum()),
                    ("rot90", lambda T, a: (T.rot90(a * a) ** 2).sum()),
                    ("diagonal", lambda T, a: (T.diagonal(a * a, 1) ** 2).sum())]:
        src = "v" if name in ("diag",) else "m"
        tx, rx = t[src].clone().requires_grad_(), r[src].clone().requires_grad_()
        (tg,) = torch.autograd.grad(f(torch, tx), tx, create_graph=True)
        (rg,) = ramp.autograd.grad(f(ramp, rx), rx, create_graph=True)
        assert_values(rg.detach(), tg.detach())
        tg.sum().backward(), rg.sum().backward()
        assert_values(rx.grad, tx.grad)


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool", "float32", "bfloat16"])
def test_dtypes(dtype):
    base = (torch.arange(60).reshape(3, 4, 5) % 7).to(getattr(torch, dtype))
    r = to_ramp(base)
    exprs = ["T.ravel(x)", "T.hstack([x, x])", "T.vstack([x[0], x[1]])", "T.dstack([x[0], x[1]])",
             "T.column_stack([x[0, 0], x[0]])", "T.tensor_split(x, 3, 2)", "T.hsplit(x, 2)", "T.broadcast_to(x, (2, 3, 4, 5))",
             "T.meshgrid(x[0, 0], x[1, 1], indexing='ij')", "T.atleast_3d(x[0, 0])", "T.diag(x[0])", "T.diag(x[0, 0], 1)",
             "T.diagonal(x, 0, 1, 2)", "T.diag_embed(x[0])", "T.rot90(x, 1, [1, 2])", "T.cartesian_prod(x[0, 0], x[1, 1])",
             "T.take_along_dim(x, T.tensor([[[0, 4]]]), 2)"]
    if dtype != "bool":
        exprs += ["T.trace(x[0])", "T.outer(x[0, 0], x[1, 0])", "T.kron(x[0], x[1, :2])"]
    if dtype in ("int64", "int32", "uint8"):
        exprs += ["T.tensordot(x, x, 2)", "T.inner(x[0], x[1])", "T.cross(x[:, 0, :3], x[:, 1, :3], dim=0)"]
    for expr in exprs:
        (to, te), (ro, re_) = outcome(run, expr, torch, {"x": base}), outcome(run, expr, ramp, {"x": r})
        assert (te is None) == (re_ is None), (expr, te, re_)
        if te is None:
            for a, b in zip(as_tuple(ro), as_tuple(to)):
                assert_values(a, b)


def test_meshgrid_warns_without_indexing():
    with warnings.catch_warnings(record=True) as tw:
        warnings.simplefilter("always")
        torch.meshgrid(torch.arange(2), torch.arange(3))
    with warnings.catch_warnings(record=True) as rw:
        warnings.simplefilter("always")
        grids = ramp.meshgrid(ramp.arange(2), ramp.arange(3))
    assert [w.category for w in rw] == [w.category for w in tw] == [UserWarning]
    assert str(rw[0].message) in str(tw[0].message)
    assert tuple(grids[0].shape) == (2, 3)  # the default is "ij"
    with warnings.catch_warnings(record=True) as rw:
        warnings.simplefilter("always")
        ramp.meshgrid(ramp.arange(2), indexing="ij")
    assert not rw


def test_identity_cases():
    # 1.13 returns the input itself where nothing changes
    _, r = inputs()
    assert ramp.atleast_1d(r["x"]) is r["x"] and ramp.atleast_2d(r["x"]) is r["x"] and ramp.atleast_3d(r["c"]) is r["c"]
    assert ramp.broadcast_tensors(r["x"])[0] is r["x"]
    assert ramp.cartesian_prod(r["v"]) is r["v"]
    assert ramp.diagonal(r["x"]).storage_offset() == 0
    d = ramp.diagonal(r["c"], 1, 0, 2)
    d.fill_(7.0)  # a view: writes reach the base
    assert r["c"][0, :, 1].tolist() == [7.0] * 4


@pytest.mark.parametrize("args,kw", [((3, 4, 1), {}), ((4, 3, -1), {}), ((3, 3), {"dtype": "int32"}), ((0, 3), {}),
                                     ((3, 3, 10), {}), ((5, 2, -10), {}), ((1, 1), {})])
def test_triangle_indices(args, kw):
    for name in ("tril_indices", "triu_indices"):
        t = getattr(torch, name)(*args, **{k: getattr(torch, v) for k, v in kw.items()})
        r = getattr(ramp, name)(*args, **{k: getattr(ramp, v) for k, v in kw.items()})
        assert_values(r, t)


@pytest.mark.parametrize("elements,test,kw", [
    ("T.arange(10)", "T.tensor([1, 3, 9, 11])", {}), ("T.arange(10.)", "T.tensor([1, 3])", {"invert": True}),
    ("T.tensor([float('nan'), 1., -0.])", "T.tensor([float('nan'), 1., 0.])", {}),
    ("T.tensor([0.1])", "T.tensor([0.1], dtype=T.float64)", {}), ("T.arange(6).reshape(2, 3)", "T.tensor([[5], [0]])", {}),
    ("T.arange(5)", "3", {}), ("3", "T.arange(5)", {}), ("T.arange(5)", "T.tensor([1.5, 3.])", {"assume_unique": True}),
    ("T.tensor([1, 2], dtype=T.uint8)", "T.tensor([-255])", {}), ("T.arange(4)", "T.tensor([], dtype=T.int64)", {}),
    ("T.arange(4)", "T.tensor([], dtype=T.int64)", {"invert": True}),
])
def test_isin(elements, test, kw):
    t = torch.isin(eval(elements, {"T": torch}), eval(test, {"T": torch}), **kw)
    r = ramp.isin(eval(elements, {"T": ramp}), eval(test, {"T": ramp}), **kw)
    assert_values(r, t)


ERRORS = [
    "T.broadcast_to(v, (3, 2))", "T.broadcast_tensors(v, w)", "T.meshgrid(x, indexing='ij')",
    "T.meshgrid(v, w.int(), indexing='ij')", "T.meshgrid(v, indexing='ab')", "T.meshgrid([], indexing='ij')",
    "T.hstack([])", "T.vstack([])", "T.dstack([])", "T.column_stack([])", "T.hstack(v)", "T.hstack([x, c])",
    "T.column_stack([c, x])", "T.vstack([v, w])",
    "T.tensor_split(s, 2)", "T.tensor_split(v, 0)", "T.tensor_split(v, T.tensor([[1]]))", "T.tensor_split(v, T.tensor([1.]))",
    "T.tensor_split(v, 2, 1)", "T.hsplit(w, 3)", "T.hsplit(s, 1)", "T.vsplit(v, 1)", "T.dsplit(x, 1)", "T.vsplit(c, 2)",
    "T.hsplit(w, 0)",
    "T.diag(c)", "T.diag(s)", "T.diagonal(x, 0, 1, 1)", "T.diagonal(v)", "T.diagonal(x, 0, 0, 2)", "T.diag_embed(s)",
    "T.diag_embed(x, 0, 1, 1)", "T.trace(v)", "T.trace(c)",
    "T.rot90(v)", "T.rot90(x, 1, [0, 0])", "T.rot90(x, 1, [0, 1, 2])", "T.rot90(x, 1, [0, 5])", "T.rot90(x, 1, [-3, 1])",
    "T.rot90(x, 1, [0, -2])",
    "T.outer(x, v)", "T.outer(v, x)", "T.inner(x, w)", "T.tensordot(c, d, 1)", "T.tensordot(c, d, -1)",
    "T.tensordot(c, d, ([1], [0, 1]))", "T.tensordot(c, d, ([0], [0]))",
    "T.addmv(w[:2], x, v.double())", "T.baddbmm(m, b1, b2.double())", "T.addmv(v, x, v)", "T.addmv(w, x, w)", "T.addmv(v, v, v)", "T.addbmm(m, b1, b2[:4])", "T.baddbmm(b1, b1, b1)",
    "T.cross(m, m)", "T.cross(x.t(), y.t()[:1])", "T.cross(x, y, dim=0)", "T.cross(x.t(), y.t().double())",
    "T.cdist(v, q)", "T.cdist(q, m)", "T.cdist(q, q, -1.)", "T.cdist(q.long(), q.long())", "T.cdist(q, q, compute_mode='x')",
    "T.cartesian_prod(x, v)", "T.take_along_dim(x, T.tensor([0, 1]), 1)", "T.take_along_dim(x, T.tensor([[0.]]), 1)",
    "T.take_along_dim(x, T.tensor([[0, 1]]).expand(3, 2), 1)", "T.take_along_dim(x, T.tensor([[0]]).int(), 1)",
    "T.isin(T.tensor([True]), T.tensor([True]))", "T.isin(v, v.to(T.bfloat16))", "T.isin(v.to(T.bfloat16), 1.)",
    "T.tensordot(x, x, ([0, 0], [0, 0]))", "T.tensordot(c, c, ([-3, 0], [0, 1]))", "T.tensordot(x > 0, y.t() > 0, 1)",
    "T.inner(x > 0, y > 0)", "T.cross(x.t() > 0, y.t() > 0)", "T.cross(m, m, dim=-1)", "T.cross(m.t(), m.t(), dim=-2)",
    "T.tril_indices(-1, 3)", "T.triu_indices(3, -2)", "T.tril_indices(3, 3, dtype=T.float32)",
]


@pytest.mark.parametrize("expr", ERRORS)
def test_errors(expr):
    t, r = inputs(torch.float32)
    (to, te), (ro, re_) = outcome(run, expr, torch, t), outcome(run, expr, ramp, r)
    assert te is not None, f"torch accepted {expr}"
    assert re_ is not None, f"ramp accepted {expr}: {ro}"
    assert re_[0] == te[0], (re_, te)
    # the message names the same problem: 1.13's text, where it is not a printed tensor or overload list
    if "Expected 0D or 1D" not in te[1] and "invalid combination" not in te[1] and "expand" not in te[1]:
        assert re_[1] == te[1], (re_, te)


# ---- group 3: running reductions ----
NAN = float("nan")
RUNNING = [
    ("T.cummax(T.tensor([1., 3., 3., 2., nan, 5., nan, 0.]), 0)", None), ("T.cummin(T.tensor([1., 3., 3., 2., nan, 5., nan, 0.]), 0)", None),
    ("T.cummax(T.tensor([2, 1, 2, 2, 3]), 0)", None), ("T.cummin(T.tensor([True, False, True]), 0)", None),
    ("T.cummax(T.tensor(2.), 0)", None), ("T.cummin(s.detach(), 5)", None), ("T.cummin(T.ones(0, 3), 0)", None), ("x.cummax(1)", None), ("T.cummin(c, -2)", None),
    ("T.cummax(c.transpose(0, 2), 1)", None), ("T.cummax(x.to(T.bfloat16), 1)", None), ("T.cummin(x.float(), 0)", None),
    ("T.logcumsumexp(T.tensor([0., 1., -inf, inf, 2.]), 0)", None), ("T.logcumsumexp(T.tensor([-inf, -inf]), 0)", None),
    ("T.logcumsumexp(T.tensor([nan, 1.]), 0)", None), ("T.logcumsumexp(c, 1)", 2), ("x.logcumsumexp(-1)", 2),
    ("T.logcumsumexp(c.float() * 30, 2)", 2), ("T.logcumsumexp(T.tensor(3.), 0)", None),
    ("T.diff(T.tensor([1, 3, 6, 10]))", None), ("T.diff(c, n=2, dim=1)", None), ("x.diff(dim=0)", None),
    ("T.diff(T.tensor([1, 2]), prepend=T.tensor([0]), append=T.tensor([5, 9]))", None),
    ("T.diff(T.tensor([True, False, False]))", None), ("T.diff(v, n=5)", None), ("T.diff(v, n=0)", None),
    ("T.diff(T.tensor([1, 2, 4]), prepend=T.tensor([0.5]))", None), ("T.diff(x, 1, 0, x, y)", None),
]


@pytest.mark.parametrize("expr,ulps", RUNNING)
def test_running(expr, ulps):
    t0, r0 = inputs()
    env = {"nan": NAN, "inf": float("inf")}
    t = {k: v.clone().requires_grad_() for k, v in t0.items()}
    r = {k: v.clone().requires_grad_() for k, v in r0.items()}
    (to, te), (ro, re_) = outcome(run, expr, torch, {**t, **env}), outcome(run, expr, ramp, {**r, **env})
    assert te is None and re_ is None, (te, re_)
    if type(to).__name__ in ("cummax", "cummin"):
        assert type(ro).__name__ == type(to).__name__
        assert_values(ro.indices, to.indices)
        ro, to = ro.values, to.values
    if ulps:
        assert_values(ro.detach(), to.detach(), rtol=ulps * np.finfo(np.float64).eps)
    else:
        assert_values(ro.detach(), to.detach())
    assert (ro.grad_fn is None) == (to.grad_fn is None)
    if to.grad_fn is not None:
        if to.grad_fn.name() != "torch::autograd::CopyBackwards":  # diff(n=0)'s copy: ramp's is CloneBackward0
            assert ro.grad_fn.name() == to.grad_fn.name()
        w = torch.arange(to.numel(), dtype=to.dtype).reshape(to.shape)
        (to * w).sum().backward()
        (ro * to_ramp(w)).sum().backward()
        for k in t:
            if t[k].grad is not None:
                g = t[k].grad
                assert_values(r[k].grad, g, atol=8 * np.spacing(max(float(g.abs().max()), 1e-300)))


@pytest.mark.parametrize("fn,src", [("lambda a: ramp.cummax(a, 1).values", "x"), ("lambda a: ramp.cummin(a, 0)[0]", "c"),
                                    ("lambda a: ramp.logcumsumexp(a, 1)", "c"), ("lambda a: ramp.diff(a, 2, 2)", "c")])
def test_running_gradcheck(fn, src):
    _, r = inputs()
    assert ramp.autograd.gradcheck(eval(fn, {"ramp": ramp}), (r[src].clone().requires_grad_(),))


def test_logcumsumexp_double_backward_matches_torch():
    # LogcumsumexpBackward0 is twice differentiable (1.13's formula on the saved output)
    t, r = inputs(torch.float64)
    got = []
    for lib, d in ((torch, t), (ramp, r)):
        x = d["x"].clone().requires_grad_()
        g, = lib.autograd.grad((lib.logcumsumexp(x, 1) ** 2).sum(), x, create_graph=True)
        h, = lib.autograd.grad((g * g).sum(), x)
        got.append((g.detach().reshape(-1).tolist(), h.reshape(-1).tolist(), g.grad_fn.name()))
    assert got[0][2] == got[1][2]
    for a, b in zip(got[1][:2], got[0][:2]):
        scale = max(abs(v) for v in b)
        assert all(abs(u - v) <= 1e-12 * scale for u, v in zip(a, b)), (a, b)


RUNNING_ERRORS = ["T.cummax(v, 1)", "T.logcumsumexp(T.arange(3), 0)", "T.diff(s)", "T.diff(x, prepend=v)",
                  "T.diff(x, prepend=c[0], dim=0)", "T.logcumsumexp(s, 3)"]


@pytest.mark.parametrize("expr", RUNNING_ERRORS)
def test_running_errors(expr):
    t, r = inputs(torch.float32)
    (to, te), (ro, re_) = outcome(run, expr, torch, t), outcome(run, expr, ramp, r)
    assert te is not None and re_ is not None, (te, re_)
    assert re_ == te


# ---- ramp.linalg norms ----
NORMS = ["L.vector_norm(T.ones(0, 3), float('inf'), 1)", "L.vector_norm(T.ones(0, 3), 0)", "L.vector_norm(x, 1, [])",
         "L.norm(x, None, (1, 0))", "L.norm(x, 'fro', (1, 0))", "L.matrix_norm(c, 1, (-1, 0), dtype=T.float64)",
         "L.vector_norm(x)", "L.vector_norm(c, 1, (0, 2))", "L.vector_norm(c, float('inf'), 1, True)",
         "L.vector_norm(x, 0)", "L.vector_norm(c, 3.5, -1)", "L.vector_norm(x, dtype=T.float64)",
         "L.matrix_norm(x)", "L.matrix_norm(c, 'fro', (0, 2))", "L.matrix_norm(c, 1)", "L.matrix_norm(c, -1, (2, 0))",
         "L.matrix_norm(c, float('inf'), keepdim=True)", "L.matrix_norm(x, -float('inf'))",
         "L.norm(x)", "L.norm(c)", "L.norm(c, dim=1)", "L.norm(c, dim=(0, 1))", "L.norm(v, 3)", "L.norm(x, 1)",
         "L.norm(x, float('inf'))", "L.norm(c, 2, dim=-1, keepdim=True)"]


@pytest.mark.parametrize("expr", NORMS)
def test_linalg_norms(expr):
    t0, r0 = inputs()
    t = {k: v.clone().requires_grad_() for k, v in t0.items()}
    r = {k: v.clone().requires_grad_() for k, v in r0.items()}
    to = eval(expr, {"T": torch, "L": torch.linalg, **t})
    ro = eval(expr, {"T": ramp, "L": ramp.linalg, **r})
    assert_values(ro.detach(), to.detach(), rtol=4 * np.finfo(np.float64).eps)
    assert ro.requires_grad == to.requires_grad
    if not to.requires_grad:
        return
    to.sum().backward(), ro.sum().backward()
    for k in t:
        if t[k].grad is not None:
            assert_values(r[k].grad, t[k].grad, rtol=8 * np.finfo(np.float64).eps, atol=1e-15)


@pytest.mark.parametrize("expr", [
    "L.vector_norm(T.arange(3))", "L.norm(c, 2)", "L.matrix_norm(v)", "L.matrix_norm(x, 'abc')", "L.matrix_norm(x, 3)",
    # 1.13 checks these before computing anything (ramp computed some of them: a wrong dim, an int matrix)
    "L.vector_norm(T.arange(3), dtype=T.float64)", "L.vector_norm(x, dtype=T.float32)", "L.vector_norm(x, dtype=T.int64)",
    "L.vector_norm(x, 'fro')", "L.vector_norm(T.ones(0), float('inf'))", "L.vector_norm(T.ones(0, 3), -1, 0)",
    "L.vector_norm(T.ones(0, 3), -1.5, (1, -2))", "L.vector_norm(T.ones(3, 0), -float('inf'))",
    "L.matrix_norm(T.arange(6.).reshape(2, 3).long(), float('inf'))", "L.matrix_norm(T.arange(6).reshape(2, 3))",
    "L.matrix_norm(x, 1, (0, 0))", "L.matrix_norm(x, 1, (0, -2))", "L.matrix_norm(x, 1, (0, 3))",
    "L.matrix_norm(x, 1, (0, 1, 2))", "L.matrix_norm(x, 1.5)", "L.matrix_norm(x, 1, dtype=T.float32)",
    "L.norm(c, None, (0, 1, 2))", "L.norm(c, 'fro', (0, 1, 2))", "L.norm(x, 'fro', 1)", "L.norm(v, 'fro')",
    "L.norm(T.arange(6).reshape(2, 3))", "L.norm(T.arange(6).reshape(2, 3), 3)", "L.norm(c, 1)",
])
def test_linalg_norm_errors(expr):
    t, r = inputs()
    (to, te) = outcome(lambda: eval(expr, {"T": torch, "L": torch.linalg, **t}))
    (ro, re_) = outcome(lambda: eval(expr, {"T": ramp, "L": ramp.linalg, **r}))
    assert te is not None and re_ == te, (re_, te)


def test_linalg_norm_without_svd_says_so():
    _, r = inputs()
    with pytest.raises(NotImplementedError, match="singular values"):
        ramp.linalg.matrix_norm(r["x"], "nuc")
