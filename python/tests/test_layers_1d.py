"""The 1-d layers (F.conv1d, max_pool1d, avg_pool1d, adaptive_avg_pool1d and their modules) against
torch 1.13 on the same inputs and weights: values (pooling bit for bit, convolution within a few
ulps), indices, gradients of input, weight and bias, unbatched inputs, padding strings and modes,
reprs and errors; gradcheck for the convolution."""
import numpy as np
import pytest

import ramp
from conftest import outcome, to_numpy, to_ramp, ulp

torch = pytest.importorskip("torch")


def close(r, t, ulps, scale=None):
    a, b = to_numpy(r).astype(np.float64), t.detach().to(torch.float64).numpy()
    assert a.shape == b.shape and str(r.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    if ulps == 0:
        np.testing.assert_array_equal(a, b)
    else:  # a sum of products: ulps of the largest term's magnitude
        tol = ulps * ulp(scale if scale is not None else np.abs(b).max(), str(t.dtype).split(".")[-1])
        np.testing.assert_array_less(np.abs(a - b), tol + 1e-300)


CONVS = [dict(), dict(stride=2), dict(padding=2), dict(padding="same", dilation=2), dict(padding="valid"),
         dict(groups=2, padding=1), dict(stride=3, dilation=2, padding=(1,))]


@pytest.mark.parametrize("kw", CONVS)
@pytest.mark.parametrize("batched", [True, False])
def test_conv1d_as_torch(kw, batched):
    g = torch.Generator().manual_seed(0)
    x = torch.randn((2, 4, 17) if batched else (4, 17), generator=g, requires_grad=True)
    w = torch.randn(6, 4 // kw.get("groups", 1), 3, generator=g, requires_grad=True)
    b = torch.randn(6, generator=g, requires_grad=True)
    xr, wr, br = (to_ramp(v.detach()).requires_grad_() for v in (x, w, b))
    yt = torch.nn.functional.conv1d(x, w, b, **kw)
    yr = ramp.nn.functional.conv1d(xr, wr, br, **kw)
    close(yr, yt, 8)
    gy = torch.randn(yt.shape, generator=g)
    yt.backward(gy)
    yr.backward(to_ramp(gy))
    for r, t in ((xr, x), (wr, w), (br, b)):
        close(r.grad, t.grad, 8)


def test_conv1d_gradcheck_and_module():
    x = ramp.randn(2, 3, 9, dtype=ramp.float64, requires_grad=True)
    w = ramp.randn(4, 3, 3, dtype=ramp.float64, requires_grad=True)
    assert ramp.autograd.gradcheck(lambda a, b: ramp.nn.functional.conv1d(a, b, stride=2, padding=1), (x, w))
    for kw in [dict(), dict(padding=1, padding_mode="reflect"), dict(padding=2, padding_mode="circular"),
               dict(padding="same", padding_mode="replicate", bias=False)]:
        mt = torch.nn.Conv1d(3, 4, 3, **kw)
        mr = ramp.nn.Conv1d(3, 4, 3, **kw)
        assert repr(mr) == repr(mt) and tuple(mr.weight.shape) == tuple(mt.weight.shape)
        mr.load_state_dict({k: to_ramp(v) for k, v in mt.state_dict().items()})
        xt = torch.randn(2, 3, 11)
        close(mr(to_ramp(xt)), mt(xt), 8)


POOLS = [dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1), dict(kernel_size=3, stride=2, ceil_mode=True),
         dict(kernel_size=2, stride=2, dilation=2)]


@pytest.mark.parametrize("kw", POOLS)
@pytest.mark.parametrize("batched", [True, False])
def test_max_pool1d_as_torch(kw, batched):
    x = torch.randn((2, 3, 16) if batched else (3, 16), requires_grad=True)
    xr = to_ramp(x.detach()).requires_grad_()
    yt, it = torch.nn.functional.max_pool1d(x, return_indices=True, **kw)
    yr, ir = ramp.nn.functional.max_pool1d(xr, return_indices=True, **kw)
    close(yr, yt, 0)
    close(ir, it, 0)
    close(ramp.nn.MaxPool1d(**kw)(xr), torch.nn.MaxPool1d(**kw)(x), 0)
    gy = torch.randn(yt.shape)
    yt.backward(gy)
    yr.backward(to_ramp(gy))
    close(xr.grad, x.grad, 0)


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1),
                                dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
                                dict(kernel_size=4, stride=3, ceil_mode=True)])
def test_avg_pool1d_as_torch(kw):
    x = torch.randn(2, 3, 15, requires_grad=True)
    xr = to_ramp(x.detach()).requires_grad_()
    yt, yr = torch.nn.functional.avg_pool1d(x, **kw), ramp.nn.functional.avg_pool1d(xr, **kw)
    close(yr, yt, 0)
    mr, mt = ramp.nn.AvgPool1d(**kw), torch.nn.AvgPool1d(**kw)
    assert repr(mr) == repr(mt)
    close(mr(xr), mt(x), 0)
    gy = torch.randn(yt.shape)
    yt.backward(gy)
    yr.backward(to_ramp(gy))
    close(xr.grad, x.grad, 0)


@pytest.mark.parametrize("size", [1, 4, 5, 16])
def test_adaptive_avg_pool1d_as_torch(size):
    x = torch.randn(2, 3, 13, requires_grad=True)
    xr = to_ramp(x.detach()).requires_grad_()
    yt, yr = torch.nn.functional.adaptive_avg_pool1d(x, size), ramp.nn.functional.adaptive_avg_pool1d(xr, size)
    close(yr, yt, 2, scale=np.abs(x.detach().numpy()).max())
    assert repr(ramp.nn.AdaptiveAvgPool1d(size)) == repr(torch.nn.AdaptiveAvgPool1d(size))
    gy = torch.randn(yt.shape)
    yt.backward(gy)
    yr.backward(to_ramp(gy))
    close(xr.grad, x.grad, 2, scale=np.abs(gy.numpy()).max())


@pytest.mark.parametrize("call", [
    lambda lib: lib.nn.functional.conv1d(lib.ones(1, 1, 2, 5), lib.ones(1, 1, 3)),
    lambda lib: lib.nn.functional.max_pool1d(lib.ones(5), 2),
    lambda lib: lib.nn.functional.avg_pool1d(lib.ones(5), 2),
    lambda lib: lib.nn.functional.adaptive_avg_pool1d(lib.ones(5), 2),
    lambda lib: lib.nn.Conv1d(3, 4, 3, padding="full"),
    lambda lib: lib.nn.Conv1d(3, 4, 3, stride=2, padding="same"),
])
def test_errors_as_torch(call):
    r, t = outcome(lambda: call(ramp)), outcome(lambda: call(torch))
    assert t[1] is not None and r[1] == t[1]
