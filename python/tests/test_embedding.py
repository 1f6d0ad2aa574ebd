"""nn.Embedding / F.embedding (and F.normalize, F.pairwise_distance) against torch 1.13 on the same
inputs. Embedding: values, the weight's gradient (repeated indices summed, padding_idx's row none,
scale_grad_by_freq), max_norm's in-place renormalisation, dtypes, reprs, from_pretrained, errors;
and 5 SGD steps of a small embedding + ReLU model equal torch's."""
import numpy as np
import pytest

import ramp
from conftest import outcome, to_numpy, to_ramp, ulp

torch = pytest.importorskip("torch")


def close(r, t, ulps=0):
    a, b = to_numpy(r).astype(np.float64), t.detach().to(torch.float64).numpy()
    assert a.shape == b.shape and str(r.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    if ulps == 0:
        np.testing.assert_array_equal(a, b)
    else:
        np.testing.assert_array_less(np.abs(a - b), ulps * ulp(np.abs(b).max(), str(t.dtype).split(".")[-1]))


IDX = [[1, 4, 4], [0, 2, 4]]


@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16"])
@pytest.mark.parametrize("kw", [dict(), dict(padding_idx=4), dict(padding_idx=-1, scale_grad_by_freq=True),
                                dict(scale_grad_by_freq=True), dict(max_norm=1.0), dict(max_norm=0.5, norm_type=1.0)])
@pytest.mark.parametrize("index_dtype", ["int64", "int32"])
def test_embedding_as_torch(dtype, kw, index_dtype):
    wt = (torch.randn(6, 3, generator=torch.Generator().manual_seed(2)) * 2).to(getattr(torch, dtype))
    wr = to_ramp(wt).requires_grad_()
    wt.requires_grad_()
    it, ir = torch.tensor(IDX, dtype=getattr(torch, index_dtype)), ramp.tensor(IDX, dtype=getattr(ramp, index_dtype))
    yt, yr = torch.nn.functional.embedding(it, wt, **kw), ramp.nn.functional.embedding(ir, wr, **kw)
    # max_norm renormalises rows in place: bit for bit with the 2-norm, but for bfloat16's order of
    # roundings; other norms sum |x|^p in another order than 1.13
    renorm_ulps = 2 if "max_norm" in kw and (dtype == "bfloat16" or "norm_type" in kw) else 0
    close(wr.detach(), wt.detach(), renorm_ulps)
    close(yr, yt, renorm_ulps)
    g = torch.randn(yt.shape, dtype=yt.dtype)
    yt.backward(g)
    yr.backward(to_ramp(g))
    close(wr.grad, wt.grad, 2)


def test_forward_keeps_inf_and_signed_zero():
    """padding_idx / scale_grad_by_freq change the gradient only: inf and -0.0 come through."""
    for lib in (ramp, torch):
        w = lib.tensor([[float("inf"), -0.0], [1.0, 2.0]], requires_grad=True)
        y = lib.nn.functional.embedding(lib.tensor([0, 1, 0]), w, padding_idx=1, scale_grad_by_freq=True)
        vals = to_numpy(y.detach()) if lib is ramp else y.detach().numpy()
        assert np.isinf(vals[0, 0]) and np.signbit(vals[0, 1])
        y.sum().backward() if lib is ramp else y.sum().backward()
        grads = to_numpy(w.grad) if lib is ramp else w.grad.numpy()
        if lib is ramp:
            ramp_grads = grads
    np.testing.assert_array_equal(ramp_grads, grads)


def test_module_repr_init_and_from_pretrained():
    for kw in [dict(), dict(padding_idx=0), dict(max_norm=1.0), dict(max_norm=2, norm_type=3.0, scale_grad_by_freq=True),
               dict(padding_idx=-2)]:
        er, et = ramp.nn.Embedding(10, 3, **kw), torch.nn.Embedding(10, 3, **kw)
        assert repr(er) == repr(et) and er.padding_idx == et.padding_idx
        if er.padding_idx is not None:
            assert to_numpy(er.weight[er.padding_idx]).tolist() == [0.0, 0.0, 0.0]
    ramp.manual_seed(0)
    w = to_numpy(ramp.nn.Embedding(300, 200).weight).ravel()
    assert abs(w.mean()) < 0.01 and abs(w.std() - 1) < 0.01  # N(0, 1)
    pre = torch.randn(4, 2)
    er, et = ramp.nn.Embedding.from_pretrained(to_ramp(pre)), torch.nn.Embedding.from_pretrained(pre)
    assert repr(er) == repr(et) and er.weight.requires_grad == et.weight.requires_grad is False
    er = ramp.nn.Embedding.from_pretrained(to_ramp(pre), freeze=False, padding_idx=1)
    assert er.weight.requires_grad and repr(er) == repr(torch.nn.Embedding.from_pretrained(pre, freeze=False, padding_idx=1))


def test_training_steps_equal_torch():
    torch.manual_seed(0)
    mt = torch.nn.Sequential(torch.nn.Embedding(20, 8, padding_idx=0), torch.nn.Flatten(), torch.nn.Linear(32, 16),
                             torch.nn.ReLU(), torch.nn.Linear(16, 3))
    mr = ramp.nn.Sequential(ramp.nn.Embedding(20, 8, padding_idx=0), ramp.nn.Flatten(), ramp.nn.Linear(32, 16),
                            ramp.nn.ReLU(), ramp.nn.Linear(16, 3))
    mr.load_state_dict({k: to_ramp(v) for k, v in mt.state_dict().items()})
    ot, orr = torch.optim.SGD(mt.parameters(), lr=0.1), ramp.optim.SGD(mr.parameters(), lr=0.1)
    g = torch.Generator().manual_seed(1)
    for _ in range(5):
        x = torch.randint(0, 20, (16, 4), generator=g)
        y = torch.randint(0, 3, (16,), generator=g)
        for m, o, lib, xx, yy in ((mt, ot, torch, x, y), (mr, orr, ramp, to_ramp(x), to_ramp(y))):
            o.zero_grad()
            lib.nn.functional.cross_entropy(m(xx), yy).backward()
            o.step()
    for (n, pr), (_, pt) in zip(mr.named_parameters(), mt.named_parameters()):
        close(pr, pt, 4)


@pytest.mark.parametrize("call", [
    lambda lib: lib.nn.Embedding(5, 2, padding_idx=5),
    lambda lib: lib.nn.Embedding(5, 2, padding_idx=-6),
    lambda lib: lib.nn.functional.embedding(lib.tensor([5]), lib.randn(5, 2)),
    lambda lib: lib.nn.functional.embedding(lib.tensor([1.0]), lib.randn(5, 2)),
    lambda lib: lib.nn.functional.embedding(lib.tensor([1]), lib.randn(5)),
    lambda lib: lib.nn.functional.embedding(lib.tensor([1]), lib.randn(5, 2), padding_idx=7),
])
def test_errors_as_torch(call):
    r, t = outcome(lambda: call(ramp)), outcome(lambda: call(torch))
    assert t[1] is not None and r[1] == t[1]


# ---- F.normalize, F.pairwise_distance, nn.PairwiseDistance (composed as 1.13 composes them) ----
@pytest.mark.parametrize("kw", [dict(), dict(p=1.0, dim=0), dict(p=3.0, dim=-1, eps=1e-3)])
def test_normalize_as_torch(kw):
    x = torch.randn(4, 5, dtype=torch.float64)
    x[1] = 0  # the eps floor
    xt, xr = x.clone().requires_grad_(), to_ramp(x).requires_grad_()
    yt, yr = torch.nn.functional.normalize(xt, **kw), ramp.nn.functional.normalize(xr, **kw)
    close(yr, yt, 2)
    assert yr.grad_fn.name() == type(yt.grad_fn).__name__
    g = torch.randn(4, 5, dtype=torch.float64)
    yt.backward(g)
    yr.backward(to_ramp(g))
    close(xr.grad, xt.grad, 8)


@pytest.mark.parametrize("kw", [dict(), dict(p=1.0, keepdim=True), dict(p=3.0, eps=1e-3)])
@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((3, 4), (4,)), ((4,), (4,))])
def test_pairwise_distance_as_torch(kw, shapes):
    a, b = torch.randn(*shapes[0], dtype=torch.float64), torch.randn(*shapes[1], dtype=torch.float64)
    at, ar = a.clone().requires_grad_(), to_ramp(a).requires_grad_()
    yt = torch.nn.functional.pairwise_distance(at, b, **kw)
    yr = ramp.nn.functional.pairwise_distance(ar, to_ramp(b), **kw)
    close(yr, yt, 2)
    assert yr.grad_fn.name() == type(yt.grad_fn).__name__
    yt.sum().backward()
    yr.sum().backward()
    close(ar.grad, at.grad, 4)
    mod_kw = {("p" if k == "p" else k): v for k, v in kw.items()}
    assert repr(ramp.nn.PairwiseDistance(**mod_kw)) == repr(torch.nn.PairwiseDistance(**mod_kw))
    close(ramp.nn.PairwiseDistance(**mod_kw)(to_ramp(a), to_ramp(b)), torch.nn.PairwiseDistance(**mod_kw)(a, b), 2)
