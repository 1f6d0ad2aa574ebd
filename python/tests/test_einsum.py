"""einsum against torch 1.13 on the same inputs: values (a few ulps: the contraction order may differ),
shapes, dtypes, gradients (vs torch and gradcheck) and errors."""
import pytest

import ramp
from conftest import assert_values, outcome, to_ramp

torch = pytest.importorskip("torch")

CASES = [
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("i,i->", [(6,), (6,)]),
    ("ij->ji", [(3, 4)]),
    ("ii->i", [(4, 4)]),
    ("ii", [(4, 4)]),
    ("ij", [(3, 4)]),
    ("ji", [(3, 4)]),
    ("ij->", [(3, 4)]),
    ("i,j->ij", [(3,), (4,)]),
    ("...ij,...jk->...ik", [(2, 3, 4), (4, 5)]),
    ("...ij,...jk", [(2, 1, 3, 4), (5, 4, 2)]),
    ("b...i,b...i->b...", [(2, 3, 4), (2, 3, 4)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]),
    ("iij->j", [(3, 3, 4)]),
    ("ij,ij->ij", [(3, 4), (3, 4)]),
    ("i j , j k -> i k", [(3, 4), (4, 5)]),
    ("Ab,bc->Ac", [(2, 3), (3, 4)]),
    ("ij,kl->ijkl", [(1, 2), (3, 1)]),
]


def inputs(shapes, dtype=torch.float64, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(s, generator=g, dtype=dtype) for s in shapes]


@pytest.mark.parametrize("eq,shapes", CASES)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_values(eq, shapes, dtype):
    ts = inputs(shapes, getattr(torch, dtype))
    rs = [to_ramp(t) for t in ts]
    rtol = 1e-14 if dtype == "float64" else 1e-5
    assert_values(ramp.einsum(eq, *rs), torch.einsum(eq, *ts), rtol=rtol, atol=rtol)
    assert_values(ramp.einsum(eq, rs), torch.einsum(eq, ts), rtol=rtol, atol=rtol)


@pytest.mark.parametrize("eq,shapes", CASES)
def test_grads(eq, shapes):
    ts = inputs(shapes, seed=1)
    res = []
    for L, conv in [(ramp, to_ramp), (torch, lambda t: t.clone())]:
        xs = [conv(t).requires_grad_() for t in ts]
        y = L.einsum(eq, *xs)
        w = conv(torch.arange(1.0, y.numel() + 1, dtype=torch.float64).reshape(tuple(y.shape)))
        y.backward(w)
        res.append([x.grad for x in xs])
    for gr, gt in zip(*res):
        assert_values(gr, gt, rtol=1e-13, atol=1e-13)
    assert ramp.autograd.gradcheck(lambda *a: ramp.einsum(eq, *a), tuple(to_ramp(t).requires_grad_() for t in ts))


def test_noncontiguous_and_ints():
    a, b = inputs([(4, 3), (5, 4)], seed=2)
    assert_values(ramp.einsum("ij,jk->ik", to_ramp(a).t(), to_ramp(b).t()), torch.einsum("ij,jk->ik", a.t(), b.t()),
                  rtol=1e-14)
    x = torch.arange(12).reshape(3, 4)
    assert_values(ramp.einsum("ij->j", to_ramp(x)), torch.einsum("ij->j", x))


@pytest.mark.parametrize("eq,shapes", [("ij,jk->ik", [(3, 4), (5, 6)]), ("ij->i", [(3,)]), ("ij,jk", [(3, 4)]),
                                       ("ii->i", [(3, 4)]), ("ij->k", [(3, 4)]), ("ij->ii", [(3, 4)])])
def test_errors(eq, shapes):
    ts = inputs(shapes)
    (_, er), (_, et) = outcome(lambda: ramp.einsum(eq, *[to_ramp(t) for t in ts])), outcome(lambda: torch.einsum(eq, *ts))
    assert er is not None and et is not None and er[0] == et[0]


# 1.13 multiplies instead of bmm when nothing is summed, and permutes '...' outputs last: other nodes.
NODE_DIFFERS = {"i,j->ij", "...ij,...jk", "ij,ij->ij", "ij,kl->ijkl"}


@pytest.mark.parametrize("eq,shapes", [c for c in CASES if c[0] not in NODE_DIFFERS])
def test_node_names(eq, shapes):
    ts = inputs(shapes)
    names = [repr(L.einsum(eq, *[conv(t).requires_grad_() for t in ts]).grad_fn).split()[0][1:]
             for L, conv in [(ramp, to_ramp), (torch, lambda t: t.clone())]]
    assert names[0] == names[1]
