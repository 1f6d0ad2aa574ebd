"""ramp.autograd.Function against torch 1.13 running the same Function code on the same inputs:
outputs, gradients, grad_fn names and reprs, ctx features, errors; gradcheck against finite
differences."""
import re
import warnings

import numpy as np
import pytest

import ramp
from conftest import assert_values, outcome, to_ramp


def av(r, t, **kw):
    """assert_values on the tensors' data (torch refuses .numpy() on a tensor that requires grad)."""
    assert_values(r.detach(), t.detach(), **kw)

torch = pytest.importorskip("torch")


def functions(lib):
    """The same custom Functions written against `lib` (torch or ramp), as tutorials write them."""
    F = lib.autograd.Function

    class MyReLU(F):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.clamp(min=0)

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * (x > 0).to(g.dtype)

    class Swish(F):
        @staticmethod
        def forward(ctx, x):
            s = lib.sigmoid(x)
            ctx.save_for_backward(x, s)
            return x * s

        @staticmethod
        def backward(ctx, g):
            x, s = ctx.saved_tensors
            return g * (s + x * s * (1 - s))

    class Scale(F):  # a non-tensor argument (its gradient None) and an attribute on ctx
        @staticmethod
        def forward(ctx, x, k):
            ctx.k = k
            ctx.flags = ctx.needs_input_grad
            return x * k

        @staticmethod
        def backward(ctx, g):
            return g * ctx.k, None

    class Split(F):  # two outputs, materialized zero gradients for an unused one
        @staticmethod
        def forward(ctx, x, y):
            ctx.save_for_backward(x, y)
            return x * y, x + y

        @staticmethod
        def backward(ctx, ga, gb):
            x, y = ctx.saved_tensors
            return ga * y + gb, ga * x + gb

    class NoMaterialize(F):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x.clone(), x.clone()

        @staticmethod
        def backward(ctx, g1, g2):
            ctx.seen = (g1 is None, g2 is None)
            out = lib.zeros_like(g1 if g1 is not None else g2)
            if g1 is not None:
                out = out + g1
            if g2 is not None:
                out = out + 2 * g2
            return out

    class Sort(F):  # a non-differentiable output
        @staticmethod
        def forward(ctx, x):
            idx = x.argmax()
            ctx.mark_non_differentiable(idx)
            return x * 2, idx

        @staticmethod
        def backward(ctx, g, gidx):
            ctx.gidx = gidx
            return g * 2

    class AddOne_(F):  # in-place forward
        @staticmethod
        def forward(ctx, x):
            x.copy_(x + 1)  # (add_ is another group's; copy_ is as in place)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    class Ident(F):  # returns its input unmodified
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 3

    class TooFew(F):
        @staticmethod
        def forward(ctx, x, y):
            return x + y

        @staticmethod
        def backward(ctx, g):
            return g

    class ExtraNone(F):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            return g, None, None

    class ExtraValue(F):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            return g, g

    class BadShape(F):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            return lib.ones(7)

    class Broadcast(F):  # a gradient the input broadcasts to is summed back to the input's shape
        @staticmethod
        def forward(ctx, x):
            return x.sum()

        @staticmethod
        def backward(ctx, g):
            return g * lib.ones(4, 3)

    class GradForInt(F):
        @staticmethod
        def forward(ctx, x, k):
            return x * k

        @staticmethod
        def backward(ctx, g):
            return g, g

    class Raises(F):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            raise ValueError("boom from backward")

    class GradMode(F):
        @staticmethod
        def forward(ctx, x):
            ctx.inside = lib.is_grad_enabled()
            y = x * 2
            ctx.y_requires_grad = y.requires_grad
            return y

        @staticmethod
        def backward(ctx, g):
            return g * 2

    return {k: v for k, v in locals().items() if isinstance(v, type)}


T, R = functions(torch), functions(ramp)


def pair(shape=(4, 3), seed=0, requires_grad=True, dtype=torch.float64):
    t = torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)
    r = to_ramp(t)
    return t.requires_grad_(requires_grad), r.requires_grad_(requires_grad)


def node_name(fn):
    return re.sub(r" object at 0x[0-9a-f]+>", ">", repr(fn)).replace("ramp.", "torch.")


@pytest.mark.parametrize("name", ["MyReLU", "Swish"])
def test_activation_outputs_grads_names(name):
    t, r = pair()
    yt, yr = T[name].apply(t), R[name].apply(r)
    av(yr, yt)
    assert node_name(yr.grad_fn) == node_name(yt.grad_fn)  # <torch.autograd.function.SwishBackward>
    assert yr.grad_fn.name() == yt.grad_fn.name() == name + "Backward"
    assert repr(yr).endswith(f"grad_fn=<{name}Backward>)")
    gt, gr = torch.randn(4, 3, dtype=torch.float64), None
    gr = to_ramp(gt)
    yt.backward(gt)
    yr.backward(gr)
    av(r.grad, t.grad)


def test_swish_gradcheck():
    x = ramp.randn(5, dtype=ramp.float64, requires_grad=True)
    assert ramp.autograd.gradcheck(R["Swish"].apply, (x,))

    class Wrong(ramp.autograd.Function):  # a backward off by 10%: gradcheck must catch it
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * 2.2 * x

    with pytest.raises(ramp.autograd.GradcheckError):
        ramp.autograd.gradcheck(Wrong.apply, (x,))


def test_non_tensor_argument_and_ctx_attributes():
    t, r = pair()
    yt, yr = T["Scale"].apply(t, 2.5), R["Scale"].apply(r, 2.5)
    av(yr, yt)
    assert yr.grad_fn.flags == yt.grad_fn.flags == (True, False)
    assert yr.grad_fn.k == 2.5
    assert len(yr.grad_fn.next_functions) == len(yt.grad_fn.next_functions) == 1  # tensor inputs only
    yt.sum().backward()
    yr.sum().backward()
    av(r.grad, t.grad)


def test_needs_input_grad_follows_requires_grad():
    t, r = pair(requires_grad=False)
    with torch.no_grad():
        T["Scale"].apply(t, 1)
    yr = R["Scale"].apply(r, 1)
    assert not yr.requires_grad and yr.grad_fn is None


def test_two_outputs_and_materialized_zeros():
    (t, r), (u, s) = pair(seed=1), pair(seed=2)
    at, bt = T["Split"].apply(t, u)
    ar, br = R["Split"].apply(r, s)
    av(ar, at)
    av(br, bt)
    assert ar.grad_fn is br.grad_fn
    assert at.grad_fn is bt.grad_fn
    (at * 3).sum().backward()  # b unused: its gradient is zeros
    (ar * 3).sum().backward()
    av(r.grad, t.grad)
    av(s.grad, u.grad)


def test_two_outputs_both_used_and_autograd_grad():
    (t, r), (u, s) = pair(seed=1), pair(seed=2)
    at, bt = T["Split"].apply(t, u)
    ar, br = R["Split"].apply(r, s)
    gt = torch.autograd.grad((at * bt).sum(), (t, u))
    gr = ramp.autograd.grad((ar * br).sum(), (r, s))
    for a, b in zip(gr, gt):
        av(a, b)
    # the gradient captured at a second output of the node
    at, bt = T["Split"].apply(t, u)
    ar, br = R["Split"].apply(r, s)
    gt = torch.autograd.grad((at * 2 + bt * 5).sum(), [bt, at])
    gr = ramp.autograd.grad((ar * 2 + br * 5).sum(), [br, ar])
    for a, b in zip(gr, gt):
        av(a, b)


def test_set_materialize_grads_false_gives_none():
    t, r = pair()
    at, _ = T["NoMaterialize"].apply(t)
    ar, _ = R["NoMaterialize"].apply(r)
    at.sum().backward()
    ar.sum().backward()
    assert ar.grad_fn.seen == at.grad_fn.seen == (False, True)
    av(r.grad, t.grad)


def test_mark_non_differentiable():
    t, r = pair()
    yt, it = T["Sort"].apply(t)
    yr, ir = R["Sort"].apply(r)
    assert not ir.requires_grad and not it.requires_grad
    assert ir.item() == it.item()
    yt.sum().backward()
    yr.sum().backward()
    av(r.grad, t.grad)
    av(yr.grad_fn.gidx, yt.grad_fn.gidx)  # a zeros gradient for the index output


def test_mark_dirty_in_place():
    t, r = pair()
    ct, cr = t * 1, r * 1
    yt, yr = T["AddOne_"].apply(ct), R["AddOne_"].apply(cr)
    assert yr is cr or yr.data_ptr() == cr.data_ptr()
    assert node_name(cr.grad_fn) == node_name(ct.grad_fn)
    av(cr, ct)
    (yt * yt).sum().backward()
    (yr * yr).sum().backward()
    av(r.grad, t.grad)


def test_mark_dirty_on_leaf_raises():
    t, r = pair()
    a = outcome(T["AddOne_"].apply, t)[1]
    b = outcome(R["AddOne_"].apply, r)[1]
    assert a == b


def test_input_returned_unmodified():
    t, r = pair()
    yt, yr = T["Ident"].apply(t), R["Ident"].apply(r)
    assert yr is not r and yr.grad_fn.name() == "IdentBackward"
    yt.sum().backward()
    yr.sum().backward()
    av(r.grad, t.grad)


@pytest.mark.parametrize("name, args", [("TooFew", 2), ("ExtraValue", 1), ("BadShape", 1), ("GradForInt", "int"),
                                        ("Raises", 1)])
def test_backward_errors(name, args):
    (t, r), (u, s) = pair(), pair(seed=3)
    at = (t, u) if args == 2 else (t, 3) if args == "int" else (t,)
    ar = (r, s) if args == 2 else (r, 3) if args == "int" else (r,)
    et = outcome(lambda: T[name].apply(*at).sum().backward())[1]
    er = outcome(lambda: R[name].apply(*ar).sum().backward())[1]
    assert et is not None and er == et


def test_extra_none_gradients_allowed_and_broadcast_summed():
    t, r = pair()
    T["ExtraNone"].apply(t).sum().backward()
    R["ExtraNone"].apply(r).sum().backward()
    av(r.grad, t.grad)
    t, r = pair(shape=(3,))
    T["Broadcast"].apply(t).backward()
    R["Broadcast"].apply(r).backward()
    av(r.grad, t.grad)


def test_saved_tensor_version_check():
    t, r = pair()
    ct, cr = t * 1, r * 1
    yt, yr = T["MyReLU"].apply(ct), R["MyReLU"].apply(cr)
    with torch.no_grad():
        ct.copy_(ct + 1)
    with ramp.no_grad():
        cr.copy_(cr + 1)
    et = outcome(lambda: yt.sum().backward())[1]
    er = outcome(lambda: yr.sum().backward())[1]
    assert et is not None
    assert er[0] == et[0] and er[1].replace("ramp", "torch") == et[1]


def test_retain_graph_and_freed_graph():
    t, r = pair()
    yt, yr = T["Swish"].apply(t), R["Swish"].apply(r)
    yt.sum().backward(retain_graph=True)
    yr.sum().backward(retain_graph=True)
    yt.sum().backward()
    yr.sum().backward()
    av(r.grad, t.grad)
    et = outcome(lambda: yt.sum().backward())[1]
    er = outcome(lambda: yr.sum().backward())[1]
    assert et is not None and er == et


def test_grad_data_zero_and_hooks():
    t, r = pair()
    seen_t, seen_r = [], []
    yt, yr = T["Swish"].apply(t), R["Swish"].apply(r)
    yt.register_hook(lambda g: seen_t.append(g.clone()) or g * 2)
    yr.register_hook(lambda g: seen_r.append(g.clone()) or g * 2)
    yt.sum().backward()
    yr.sum().backward()
    av(seen_r[0], seen_t[0])
    av(r.grad, t.grad)
    t.grad.data.zero_()
    r.grad.data.zero_()
    av(r.grad, t.grad)


def test_forward_runs_without_grad_and_no_grad_outside():
    t, r = pair()
    yt, yr = T["GradMode"].apply(t), R["GradMode"].apply(r)
    assert yr.grad_fn.inside is yt.grad_fn.inside is False
    assert yr.grad_fn.y_requires_grad is yt.grad_fn.y_requires_grad is False
    with torch.no_grad():
        zt = T["GradMode"].apply(t)
    with ramp.no_grad():
        zr = R["GradMode"].apply(r)
    assert zr.requires_grad is zt.requires_grad is False


def test_apply_rejects_keywords_and_legacy_call():
    t, r = pair()
    assert outcome(lambda: R["Scale"].apply(r, k=2))[1] == outcome(lambda: T["Scale"].apply(t, k=2))[1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        er = outcome(lambda: R["Swish"]()(r))[1]
        et = outcome(lambda: T["Swish"]()(t))[1]
    assert er == et


def test_python_exception_type_propagates():
    r = pair()[1]
    with pytest.raises(ValueError, match="boom from backward"):
        R["Raises"].apply(r).sum().backward()


def test_save_for_backward_rejects_non_tensors():
    class Bad(ramp.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x, 3)
            return x * 1

    class BadT(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x, 3)
            return x * 1

    t, r = pair()
    assert outcome(Bad.apply, r)[1] == outcome(BadT.apply, t)[1]


def test_function_module_import_path():
    from ramp.autograd.function import Function, once_differentiable  # noqa: F401
    import ramp.autograd.function as f
    assert f.Function is ramp.autograd.Function


def test_tutorial_module_trains_like_torch():
    """A Swish Function inside an nn.Module, trained by SGD: the same losses as torch."""
    def run(lib, fns):
        class Net(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = lib.nn.Linear(3, 8)
                self.fc2 = lib.nn.Linear(8, 1)

            def forward(self, x):
                return self.fc2(fns["Swish"].apply(self.fc1(x)))

        net = Net()
        return net

    xt = torch.randn(16, 3, generator=torch.Generator().manual_seed(1))
    yt = torch.randn(16, 1, generator=torch.Generator().manual_seed(2))
    nt = run(torch, T)
    nr = run(ramp, R)
    nr.load_state_dict({k: to_ramp(v) for k, v in nt.state_dict().items()})
    xr, yr = to_ramp(xt), to_ramp(yt)
    ot = torch.optim.SGD(nt.parameters(), lr=0.1)
    orr = ramp.optim.SGD(nr.parameters(), lr=0.1)
    losses_t, losses_r = [], []
    for _ in range(5):
        for net, opt, x, y, losses in ((nt, ot, xt, yt, losses_t), (nr, orr, xr, yr, losses_r)):
            opt.zero_grad()
            loss = ((net(x) - y) ** 2).mean()
            loss.backward()
            opt.step()
            losses.append(loss.item())
    np.testing.assert_allclose(losses_r, losses_t, rtol=1e-5)
    assert losses_r[-1] < losses_r[0]
