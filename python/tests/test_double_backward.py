"""Double backward (create_graph=True) against PyTorch 1.13 on the same inputs: second derivatives
and Hessian-vector products of every activation entry (kinks included), the arithmetic,
reductions and linear algebra, grad_fn names, a gradient penalty trained a few steps, the
refusal of the nodes that are not differentiable twice; and gradgradcheck (finite differences of
the first derivatives, float64) on both libraries' formulas.
"""
import math

import pytest

import ramp
import ramp.nn.functional as RF

torch = pytest.importorskip("torch")
TF = torch.nn.functional

# Points with the kinks of every entry: 0 (relu, elu, threshold, leaky), +-1 (hardtanh), 6 (relu6),
# +-3 (hardswish, hardsigmoid), 0.1 (the threshold below), 20 (softplus's threshold), NaN-free.
KINKS = [-6.0, -3.0, -2.5, -1.0, -0.5, -0.0, 0.0, 0.1, 0.3, 1.0, 2.0, 3.0, 4.5, 6.0, 7.0, 20.0, 25.0]


def lib_x(lib, values, dtype="float64"):
    return lib.tensor(values, dtype=getattr(lib, dtype), requires_grad=True)


def tolist(t):
    return None if t is None else t.detach().double().reshape(-1).tolist()


def close(a, b, rel, abs_=0.0):
    if a is None or b is None:
        assert a is None and b is None, (a, b)
        return
    assert len(a) == len(b)
    for i, (u, v) in enumerate(zip(a, b)):
        if math.isnan(v):
            assert math.isnan(u), (i, u, v)
            continue
        assert abs(u - v) <= abs_ + rel * abs(v), (i, u, v, a, b)


# name -> f(lib, F, x); in-place forms apply to a fresh non-leaf copy
ENTRIES = {
    "relu": lambda l, F, x: F.relu(x),
    "relu_inplace": lambda l, F, x: F.relu(x * 1, inplace=True),
    "relu6": lambda l, F, x: F.relu6(x),
    "hardtanh": lambda l, F, x: F.hardtanh(x),
    "hardtanh_inplace": lambda l, F, x: F.hardtanh(x * 1, -2.0, 2.0, inplace=True),
    "leaky_relu": lambda l, F, x: F.leaky_relu(x, 0.2),
    "leaky_relu_inplace": lambda l, F, x: F.leaky_relu(x * 1, 0.2, inplace=True),
    "rrelu_eval": lambda l, F, x: F.rrelu(x, 0.1, 0.3, training=False),
    "elu": lambda l, F, x: F.elu(x, 1.3),
    "elu_inplace": lambda l, F, x: F.elu(x * 1, 0.7, inplace=True),
    "selu": lambda l, F, x: F.selu(x),
    "celu": lambda l, F, x: F.celu(x, 0.5),
    "gelu": lambda l, F, x: F.gelu(x),
    "gelu_tanh": lambda l, F, x: F.gelu(x, approximate="tanh"),
    "silu": lambda l, F, x: F.silu(x),
    "mish": lambda l, F, x: F.mish(x),
    "softplus": lambda l, F, x: F.softplus(x),
    "softplus_beta": lambda l, F, x: F.softplus(x, beta=2.0, threshold=5.0),
    "hardswish": lambda l, F, x: F.hardswish(x),
    "threshold": lambda l, F, x: F.threshold(x, 0.1, 20.0),
    "threshold_inplace": lambda l, F, x: F.threshold(x * 1, 0.1, -1.0, inplace=True),
    "sigmoid": lambda l, F, x: l.sigmoid(x),
    "sigmoid_inplace": lambda l, F, x: (x * 1).sigmoid_(),
    "tanh": lambda l, F, x: l.tanh(x),
    "tanh_inplace": lambda l, F, x: (x * 1).tanh_(),
    "softmax": lambda l, F, x: F.softmax(x.reshape(1, -1) * 0.3, dim=1),
    "log_softmax": lambda l, F, x: F.log_softmax(x.reshape(1, -1) * 0.3, dim=1),
    "softmax_dim0": lambda l, F, x: F.softmax(x[:16].reshape(4, 4) * 0.5, dim=0),
    "log_softmax_dim0": lambda l, F, x: F.log_softmax(x[:16].reshape(4, 4) * 0.5, dim=0),
}


def first_and_hvp(lib, F, name, dtype):
    """g = d(sum(w y))/dx with its graph, its grad_fn name, and H v = d(sum(g v))/dx."""
    x = lib_x(lib, KINKS, dtype)
    y = ENTRIES[name](lib, F, x)
    w = lib.linspace(-1.5, 2.0, y.numel(), dtype=getattr(lib, dtype)).reshape(y.shape)
    g, = lib.autograd.grad((y * w).sum(), x, create_graph=True)
    v = lib.linspace(0.5, -1.0, g.numel(), dtype=getattr(lib, dtype)).reshape(g.shape)
    h, = lib.autograd.grad((g * v).sum(), x, allow_unused=True)
    return g, h


@pytest.mark.parametrize("mask", [True, False])
@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_activation_second_derivative_matches_torch(name, mask):
    if not mask and not name.startswith("relu"):
        pytest.skip("the mask switch only changes relu")
    prev = ramp.autograd.mask_backward_enabled()
    ramp.autograd.set_mask_backward(mask)
    try:
        for dtype, rel in (("float64", 1e-12), ("float32", 4e-6)):
            tg, th = first_and_hvp(torch, TF, name, dtype)
            rg, rh = first_and_hvp(ramp, RF, name, dtype)
            assert rg.requires_grad and rg.grad_fn is not None
            assert rg.grad_fn.name() == tg.grad_fn.name(), (rg.grad_fn.name(), tg.grad_fn.name())
            got, want = tolist(rg), tolist(tg)
            if name == "hardswish":
                # 1.13's first derivative at x = 3 is 1.5 dy from its scalar loop and dy from its
                # vector one (this point lands there); ramp's is 1.5 dy. The second derivative, 0
                # there, is compared below.
                i = KINKS.index(3.0)
                got, want = got[:i] + got[i + 1:], want[:i] + want[i + 1:]
            close(got, want, rel, rel)
            assert (rh is None) == (th is None) or tolist(rh if rh is not None else th) == [0.0] * len(KINKS)
            if th is not None and rh is not None:
                close(tolist(rh), tolist(th), 10 * rel, 10 * rel)
    finally:
        ramp.autograd.set_mask_backward(prev)


def test_hardsigmoid_double_backward_raises_as_torch():
    for lib, F in ((torch, TF), (ramp, RF)):
        x = lib_x(lib, KINKS)
        g, = lib.autograd.grad(F.hardsigmoid(x).sum(), x, create_graph=True)
        assert g.grad_fn.name() == "torch::autograd::NotImplemented"
        with pytest.raises(RuntimeError, match="derivative for aten::hardsigmoid_backward is not implemented"):
            g.sum().backward()


def test_relu_double_backward_edges_as_torch():
    """relu's first-derivative node reads dy and relu's result, as 1.13's threshold_backward."""
    for mask in (True, False):
        ramp.autograd.set_mask_backward(mask)
        try:
            x = lib_x(ramp, KINKS)
            y = RF.relu(x)
            g, = ramp.autograd.grad(y.sum(), x, create_graph=True)
            names = [fn.name() if fn is not None else None for fn, _ in g.grad_fn.next_functions]
            assert names == [None, "ReluBackward0"]
            assert g.grad_fn.next_functions[1][0] is y.grad_fn or g.grad_fn.next_functions[1][0].name() == "ReluBackward0"
        finally:
            ramp.autograd.set_mask_backward(True)


SMOOTH = ["elu", "selu", "celu", "gelu", "gelu_tanh", "silu", "mish", "softplus", "softplus_beta", "sigmoid", "tanh",
          "softmax", "log_softmax", "softmax_dim0", "log_softmax_dim0", "hardswish", "relu", "leaky_relu",
          "threshold"]


@pytest.mark.parametrize("name", SMOOTH)
def test_activation_gradgradcheck(name):
    # away from the kinks, where finite differences see one branch
    pts = [-2.7, -1.3, -0.45, 0.35, 0.9, 1.7, 2.6, 4.1, -4.3, 0.6, -0.8, 1.2, 2.2, -2.1, 0.15, 1.45]
    x = ramp.tensor(pts, dtype=ramp.float64, requires_grad=True)
    assert ramp.autograd.gradgradcheck(lambda t: ENTRIES[name](ramp, RF, t), (x,))


def test_third_derivatives():
    """Through piecewise-linear entries and arithmetic a third pass works (against torch); a curved
    entry's second-derivative node is a raw loop and refuses to be differentiated again."""
    out = {}
    for lib, F in ((torch, TF), (ramp, RF)):
        x = lib_x(lib, [0.3, -0.7, 1.2])
        y = F.leaky_relu(x ** 3, 0.1) * x
        g, = lib.autograd.grad(y.sum(), x, create_graph=True)
        h, = lib.autograd.grad(g.sum(), x, create_graph=True)
        t, = lib.autograd.grad(h.sum(), x)
        out[lib] = (tolist(g), tolist(h), tolist(t))
    for a, b in zip(out[ramp], out[torch]):
        close(a, b, 1e-13, 1e-13)
    x2 = lib_x(ramp, [0.3, -0.7])
    g2, = ramp.autograd.grad(RF.gelu(x2).sum(), x2, create_graph=True)
    with pytest.raises(RuntimeError, match="double backward through GeluBackwardBackward0 is not supported"):
        ramp.autograd.grad(g2.sum(), x2, create_graph=True)


# ---- arithmetic, reductions, linear algebra ----
def arith_cases(lib):
    return {
        "mul_add_pow": lambda x, w: ((x * w + 1.5) ** 3).sum(),
        "div_sub": lambda x, w: ((x - 0.3) / (w * w + 1)).sum() + (2.0 / (x * x + 1)).sum(),
        "exp_log": lambda x, w: (lib.exp(x * 0.5) * lib.log(w * w + 2)).mean(),
        "sqrt_rsqrt": lambda x, w: (lib.sqrt(x * x + 1) + lib.rsqrt(w * w + 1) * x).sum(),
        "sin_cos": lambda x, w: (lib.sin(x) * lib.cos(w * x)).sum(),
        "sum_dim_mean": lambda x, w: ((x * w).sum(1) ** 2).mean() + (x ** 2).mean(0).sum(),
        "matmul": lambda x, w: ((x @ w.t()) ** 2).sum(),
        "linear": lambda x, w: (lib.nn.functional.linear(x, w, w[:, 0] * 1) ** 3).sum(),
        "mm_tanh_mm": lambda x, w: (lib.tanh(x.mm(w.t())).mm(w) ** 2).sum(),
        "reshape_t_expand": lambda x, w: ((x.reshape(4, 3).t() * w.reshape(3, 4)) ** 2).sum()
        + (x[:, :1].expand(3, 4) * w).sum() ** 2,
        "where_cat": lambda x, w: (lib.where(x > 0, x * w, w * w) ** 2).sum() + (lib.cat([x, w], 0) ** 3).sum(),
        "abs_clone": lambda x, w: ((x.abs() * w).clone() ** 2).sum(),
        "slice_select_split": lambda x, w: (x[1:, :3] * w[:2, 1:] ** 2).sum() + (x[0] * w[2] ** 3).sum()
        + sum((p * p * q).sum() for p, q in zip(x.split(2, 1), w.split(2, 1)))
        + sum((r ** 3).sum() * s.sum() for r, s in zip(x.unbind(0), w.unbind(0))),
        "mse": lambda x, w: lib.nn.functional.mse_loss(lib.tanh(x), w) + lib.nn.functional.mse_loss(
            x * w, w * 0.5, reduction="sum") + (lib.nn.functional.mse_loss(x, w, reduction="none") ** 2).sum(),
        # pooling's backward is linear in the gradient: its own double backward is a gather / the pool
        "max_pool": lambda x, w: (lib.nn.functional.max_pool2d((x * w).reshape(1, 3, 4), 2, 1) ** 3).sum()
        + (lib.nn.functional.max_pool2d(lib.tanh(x).reshape(1, 1, 3, 4), (2, 3), 1, 1) ** 2).sum() * w.mean(),
        "avg_pool": lambda x, w: (lib.nn.functional.avg_pool2d((x * w).reshape(1, 3, 4), 2, 1) ** 3).sum()
        + (lib.nn.functional.avg_pool2d(lib.tanh(x).reshape(1, 1, 3, 4), 3, 2, 1, ceil_mode=True, count_include_pad=False)
           * w[:2, :3].reshape(1, 1, 2, 3)).sum(),
        # nll's backward is constant in its input: only log_softmax's is differentiated
        "cross_entropy": lambda x, w: lib.nn.functional.cross_entropy(x * w, lib.tensor([0, 3, 1])),
    }


@pytest.mark.parametrize("case", sorted(arith_cases(torch)))
def test_arithmetic_hessian_vector_products_match_torch(case):
    vals_x = [[0.3, -1.2, 0.8, 1.1], [-0.4, 0.25, -0.9, 0.6], [1.3, -0.7, 0.45, -0.15]]
    vals_w = [[0.5, 0.2, -0.6, 0.9], [-1.1, 0.35, 0.7, -0.25], [0.15, -0.8, 1.05, 0.4]]
    out = {}
    for lib in (torch, ramp):
        x, w = lib_x(lib, vals_x), lib_x(lib, vals_w)
        f = arith_cases(lib)[case]
        gx, gw = lib.autograd.grad(f(x, w), (x, w), create_graph=True)
        vx = lib.linspace(-1, 1, 12, dtype=lib.float64).reshape(3, 4)
        hx, hw = lib.autograd.grad((gx * vx).sum() + (gw * vx.flip(0)).sum(), (x, w), allow_unused=True)
        out[lib] = [tolist(gx), tolist(gw), tolist(hx), tolist(hw)]
        out[lib, "names"] = (gx.grad_fn.name() if gx.grad_fn else None, gw.grad_fn.name() if gw.grad_fn else None)
    for a, b in zip(out[ramp], out[torch]):
        close(a, b, 1e-12, 1e-12)
    assert out[ramp, "names"] == out[torch, "names"]


@pytest.mark.parametrize("case", sorted(arith_cases(torch)))
def test_arithmetic_gradgradcheck(case):
    f = arith_cases(ramp)[case]
    gen = ramp.Generator().manual_seed(3)
    x = (ramp.rand(3, 4, generator=gen, dtype=ramp.float64) - 0.5).requires_grad_()
    w = (ramp.rand(3, 4, generator=gen, dtype=ramp.float64) - 0.5).requires_grad_()
    assert ramp.autograd.gradgradcheck(f, (x, w))


def test_gradgradcheck_catches_a_wrong_second_derivative():
    """A custom Function whose backward is right to first order but has the wrong curvature."""
    class Cube(ramp.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * 3 * x.detach() ** 2  # detached: no second derivative

    x = ramp.tensor([0.5, -1.2, 0.8], dtype=ramp.float64, requires_grad=True)
    assert ramp.autograd.gradcheck(Cube.apply, (x,))
    assert not ramp.autograd.gradgradcheck(Cube.apply, (x,), raise_exception=False)
    with pytest.raises(ramp.autograd.GradcheckError, match="Jacobian mismatch"):
        ramp.autograd.gradgradcheck(Cube.apply, (x,))


def test_gradgradcheck_signature_is_torchs():
    import inspect
    sig = lambda f: [(p.name, p.kind, p.default) for p in inspect.signature(f).parameters.values()]
    assert sig(ramp.autograd.gradgradcheck) == sig(torch.autograd.gradgradcheck)


# ---- the engine ----
def test_backward_create_graph_gives_grad_a_graph_and_retains():
    for lib in (torch, ramp):
        x = lib_x(lib, [0.5, -1.0, 2.0])
        y = (x ** 3).sum()
        y.backward(create_graph=True)
        assert x.grad.requires_grad
        g = x.grad
        x.grad = None
        g.sum().backward()  # 6x
        assert tolist(x.grad) == [3.0, -6.0, 12.0]
        # retain_graph defaulted to create_graph: the first graph can run again
        y.backward()
        assert tolist(x.grad) == [3.0 + 0.75, -6.0 + 3.0, 12.0 + 12.0]
    x = lib_x(ramp, [1.0])
    y = (x * x).sum()
    ramp.autograd.grad(y, x, create_graph=True, retain_graph=False)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        ramp.autograd.grad(y, x)


def test_saved_output_keeps_its_identity():
    """exp saves its output: the second pass reaches x through exp's own node."""
    for lib in (torch, ramp):
        x = lib_x(lib, [0.2, -0.3])
        g, = lib.autograd.grad(lib.exp(x).sum(), x, create_graph=True)
        h, = lib.autograd.grad(g.sum(), x)
        close(tolist(h), [math.exp(0.2), math.exp(-0.3)], 1e-15)


def test_first_order_results_have_no_graph():
    x = lib_x(ramp, [0.3, -0.2])
    g, = ramp.autograd.grad(ramp.tanh(x * 2).sum(), x)
    assert not g.requires_grad and g.grad_fn is None


# ---- what refuses ----
REFUSED = {
    "ConvolutionBackward0": lambda l, x: l.nn.functional.conv2d(x.reshape(1, 1, 2, 3), x.reshape(1, 1, 2, 3)[..., :2, :2] * 1).sum(),
    "AdaptiveAvgPool2DBackward0": lambda l, x: (l.nn.functional.adaptive_avg_pool2d(x.reshape(1, 2, 3), (2, 2)) ** 2).sum(),
    "BinaryCrossEntropyBackward0": lambda l, x: l.nn.functional.binary_cross_entropy(l.sigmoid(x), x.detach() * 0 + 0.5),
    "VarBackward0": lambda l, x: x.var(),
    "AmaxBackward0": lambda l, x: x.amax() ** 2,
    "PowBackward1": lambda l, x: ((x * x + 1) ** (x * 0.3)).sum(),
    "PreluBackward0": lambda l, x: (l.nn.functional.prelu(x, l.tensor([0.25], dtype=l.float64)) ** 2).sum(),
    "NormBackward1": lambda l, x: x.norm() ** 2,
}


@pytest.mark.parametrize("node", sorted(REFUSED))
def test_not_yet_differentiable_nodes_refuse(node):
    x = lib_x(ramp, [0.5, -1.2, 0.8, 1.5, -0.3, 0.9])
    with pytest.raises(RuntimeError, match=f"double backward through {node}.* is not supported"):
        ramp.autograd.grad(REFUSED[node](ramp, x), x, create_graph=True)
    # first order still works
    g, = ramp.autograd.grad(REFUSED[node](ramp, x), x)
    assert not g.requires_grad


def test_refusal_only_when_the_formula_needs_a_graph():
    """A node that is not differentiable twice may still run when nothing it reads needs a graph
    (here the loss's backward sees a constant gradient and a detached input: only the tanh is
    differentiated twice)."""
    for lib in (torch, ramp):
        x = lib_x(lib, [0.5, -1.2, 0.8])
        y = lib.tanh(x)
        loss = (y * y.detach()).sum()
        g, = lib.autograd.grad(loss, x, create_graph=True)
        h, = lib.autograd.grad(g.sum(), x)
        if lib is torch:
            want = tolist(h)
    close(tolist(h), want, 1e-14)


# ---- a gradient penalty trained a few steps, as WGAN-GP does ----
def test_gradient_penalty_training_matches_torch():
    def run(lib, act):
        g = torch.Generator().manual_seed(0)
        w1, b1 = torch.randn(8, 4, generator=g) * 0.5, torch.randn(8, generator=g) * 0.1
        w2, b2 = torch.randn(1, 8, generator=g) * 0.5, torch.randn(1, generator=g) * 0.1
        data = torch.randn(16, 4, generator=g)
        params = [lib.tensor(t.tolist(), dtype=lib.float64, requires_grad=True) for t in (w1, b1, w2, b2)]
        x = lib.tensor(data.tolist(), dtype=lib.float64, requires_grad=True)
        opt = lib.optim.SGD(params, lr=0.05)
        F = TF if lib is torch else RF
        for _ in range(4):
            opt.zero_grad()
            h = act(F, F.linear(x, params[0], params[1]))
            out = F.linear(h, params[2], params[3])
            gx, = lib.autograd.grad(out.sum(), x, create_graph=True)
            penalty = ((gx.norm(2, dim=1) - 1) ** 2).mean()
            loss = out.mean() + 10 * penalty
            loss.backward()
            opt.step()
        return [tolist(p) for p in params]

    for act in (lambda F, t: F.relu(t), lambda F, t: F.tanh(t), lambda F, t: F.silu(t),
                lambda F, t: F.leaky_relu(t, 0.2), lambda F, t: F.elu(t), lambda F, t: F.softplus(t)):
        want, got = run(torch, act), run(ramp, act)
        for a, b in zip(got, want):
            close(a, b, 1e-11, 1e-11)


def test_once_differentiable_raises_when_differentiated_twice():
    for lib in (torch, ramp):
        class Square(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * x

            @staticmethod
            @lib.autograd.function.once_differentiable
            def backward(ctx, g):
                x, = ctx.saved_tensors
                return 2 * x * g

        x = lib_x(lib, [0.5, -2.0])
        y = Square.apply(x * 3)
        g, = lib.autograd.grad((y * x).sum(), x, create_graph=True)
        with pytest.raises(RuntimeError, match="trying to differentiate twice a function that was marked with "
                                               "@once_differentiable"):
            g.sum().backward()


# Each library in a fresh interpreter: 1.13 warns once per process (TORCH_WARN_ONCE in its engine).
_WARN_ONCE_SCRIPT = r"""
import json, sys, warnings
lib = __import__(sys.argv[1])
out = []
for call in ("tensor", "backward", "tensor", "grad"):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = (x ** 3).sum()
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        if call == "tensor":
            y.backward(create_graph=True)
        elif call == "backward":
            lib.autograd.backward([y], create_graph=True)
        else:
            lib.autograd.grad(y, x, create_graph=True)
    out.append([(c.category.__name__, str(c.message).split(" (Triggered internally")[0]) for c in w])
print(json.dumps(out))
"""


def test_backward_create_graph_warns_once_about_the_reference_cycle():
    """backward(create_graph=True) leaves .grad holding a graph that holds the parameter: 1.13 warns
    (UserWarning, once per process; autograd.grad does not accumulate, so never warns)."""
    import json
    import os
    import subprocess
    import sys
    env = dict(os.environ)
    got = {}
    for name in ("torch", "ramp"):
        r = subprocess.run([sys.executable, "-c", _WARN_ONCE_SCRIPT, name], capture_output=True, text=True,
                           timeout=120, env=env)
        assert r.returncode == 0, r.stderr
        got[name] = json.loads(r.stdout.strip().splitlines()[-1])
    assert got["torch"][0] and got["torch"][0][0][0] == "UserWarning"
    assert "reference cycle" in got["torch"][0][0][1]
    assert got["ramp"] == got["torch"]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_silu_swish_second_derivative_far_below_zero(dtype):
    """silu''(x) = s (1 - s) (2 + x (1 - 2 s)), s = sigmoid(x), is ~x e^x for x << 0: 1.13 gives it to
    an ulp (0 once e^x underflows). The dual-number quotient (a' b - a b') / b^2 with b = 1 + e^-x
    overflowed: b^2 = inf from x = -355 (result 0), e^-x = inf from x = -709.8 (inf / inf: NaN)."""
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 50
    pts = [-1e5, -800.0, -709.0, -500.0, -400.0, -356.0, -300.0, -100.0, -30.0]

    def exact(x, beta):
        s = 1 / (1 + mp.exp(-beta * x))
        return float(beta * s * (1 - s) * (2 + beta * x * (1 - 2 * s)))

    for beta in (1.0, 1.7):
        x = ramp.tensor(pts, dtype=getattr(ramp, dtype), requires_grad=True)
        y = RF.silu(x) if beta == 1.0 else RF.swish(x, beta)
        g, = ramp.autograd.grad(y.sum(), x, create_graph=True)
        h, = ramp.autograd.grad(g.sum(), x)
        got = h.double().tolist()
        for p, v in zip(pts, got):
            # the double result rounded to the dtype: within 4 of its ulps (0 where it underflows)
            want = exact(ramp.tensor(p, dtype=getattr(ramp, dtype)).item(), beta)
            if dtype == "float32":
                want = float(ramp.tensor(want, dtype=ramp.float32).item())
            ulp = math.ulp(want) if dtype == "float64" else math.ulp(want) * 2.0 ** 29
            assert abs(v - want) <= 4 * max(ulp, 2.0 ** (-1074 if dtype == "float64" else -149)), (beta, p, v, want)
        if beta == 1.0 and dtype == "float64":  # (1.13's float32 loses the subnormal tail ramp keeps)
            tx = torch.tensor(pts, dtype=torch.float64, requires_grad=True)
            tg, = torch.autograd.grad(TF.silu(tx).sum(), tx, create_graph=True)
            th, = torch.autograd.grad(tg.sum(), tx)
            close(got, th.tolist(), 1e-15, 0.0)


# In-place ops whose gradient reads the input's value from before the write: the saved copy must keep
# that value's graph, else a create_graph pass drops every term through it (a wrong second
# derivative, or a node that should refuse running as if its gradient were constant).
INPLACE_READS_INPUT = {
    "sin_": lambda x, w: (x * w).sin_() * x,
    "cos_": lambda x, w: (x * w).cos_() * x,
    "log_": lambda x, w: (x * x + w).log_() * x,
    "log1p_log2_log10_": lambda x, w: (x * x + w).log1p_().log2_().add_(3).log10_() * x,
    "erf_erfc_": lambda x, w: (x * w).erf_() * x + (x * w).erfc_(),
    "pow_scalar_": lambda x, w: (x * w).pow_(3) * x,
    "square_": lambda x, w: (x * w).square_() * x,
    "abs_": lambda x, w: (x * w).abs_() * x,
}


@pytest.mark.parametrize("case", sorted(INPLACE_READS_INPUT))
def test_inplace_ops_reading_their_input_differentiate_twice_as_torch(case):
    out = {}
    for lib in (torch, ramp):
        x = lib_x(lib, [0.3, -1.2, 0.8, 2.0, -0.1, 0.45])
        w = lib_x(lib, [0.7, 0.2, 0.5, 1.1, 0.6, 0.35])
        gx, gw = lib.autograd.grad(INPLACE_READS_INPUT[case](x, w).sum(), (x, w), create_graph=True)
        hx, hw = lib.autograd.grad((gx * gx).sum() + (gw * x).sum(), (x, w))
        out[lib] = [tolist(gx), tolist(gw), tolist(hx), tolist(hw)]
    for a, b in zip(out[ramp], out[torch]):
        close(a, b, 1e-13, 1e-13)


def test_inplace_pow_with_a_constant_tensor_exponent_does_not_drop_the_second_derivative():
    """pow_'s node (PowBackward1) is not differentiable twice in ramp: with a constant incoming
    gradient it ran on the detached copy of x and returned a graph-less gradient, so d2/dx2 of
    x ** e came out 0. It must refuse instead (1.13 differentiates it)."""
    x = lib_x(ramp, [0.3, 0.8, 1.5])
    e = ramp.tensor([2.0, 3.0, 0.5], dtype=ramp.float64)
    y = (x * 1).pow_(e) + x * x
    with pytest.raises(RuntimeError, match="double backward through PowBackward1 is not supported"):
        ramp.autograd.grad(y.sum(), x, create_graph=True)


def test_strided_slices_differentiate_twice_as_torch():
    """x[::2], x[1:5:3], t[:, ::2]: the gradient scatters into zeros at the strided positions and its
    own gradient gathers them back (1.13's SliceBackwardBackward0); ramp refused a step other than 1."""
    out = {}
    for lib in (torch, ramp):
        x = lib_x(lib, [0.5, -1.2, 0.8, 1.5, -0.3, 0.9, 2.0])
        w = lib_x(lib, [0.7, 0.2, -0.5, -1.1, 0.6, 0.35, 1.3])
        t = (x.reshape(7, 1) * w.reshape(1, 7))
        y = (x[::2] ** 3).sum() + (x[1:5:3] * w[2:7:3] ** 2).sum() + (t[:, ::2] ** 2).sum() + (t[5:0:1]).sum()
        gx, gw = lib.autograd.grad(y, (x, w), create_graph=True)
        hx, hw = lib.autograd.grad((gx * gx).sum() + (gw * x).sum(), (x, w))
        out[lib] = [tolist(gx), tolist(gw), tolist(hx), tolist(hw), gx.grad_fn.name()]
    for a, b in zip(out[ramp][:4], out[torch][:4]):
        close(a, b, 1e-13, 1e-13)
    assert out[ramp][4] == out[torch][4]
