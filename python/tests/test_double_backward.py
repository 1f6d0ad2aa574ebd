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
        if u == v:  # infinities included
            continue
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
    "logsigmoid": lambda l, F, x: F.logsigmoid(x),
    "softsign": lambda l, F, x: F.softsign(x),
    "tanhshrink": lambda l, F, x: F.tanhshrink(x),
    "softshrink": lambda l, F, x: F.softshrink(x, 0.3),
    "hardshrink": lambda l, F, x: F.hardshrink(x, 1.0),
    "softmin": lambda l, F, x: F.softmin(x.reshape(1, -1) * 0.3, dim=1),
    "glu": lambda l, F, x: F.glu(x[:16].reshape(4, 4), 0),
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
                h_r, h_t = tolist(rh), tolist(th)
                close(h_r, h_t, 10 * rel, 10 * rel)
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
          "threshold", "logsigmoid", "softsign", "tanhshrink", "softmin", "glu"]


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
    with pytest.raises(RuntimeError, match=r"double backward through GeluBackwardBackward0 \(gelu's second "
                       r"derivative\) is not supported"):
        ramp.autograd.grad(g2.sum(), x2, create_graph=True)
    # softsign's second-order node is named as 1.13's last op (AddBackward0): the message names the entry
    g3, = ramp.autograd.grad(RF.softsign(x2).sum(), x2, create_graph=True)
    with pytest.raises(RuntimeError, match=r"AddBackward0 \(softsign's second derivative\) is not supported"):
        ramp.autograd.grad(g3.sum(), x2, create_graph=True)
    # piecewise-linear entries: the input's second-order gradient is a defined zero, as 1.13's zeros_like
    for name in ("relu", "hardtanh", "hardshrink", "softshrink", "leaky_relu", "relu6"):
        res = {}
        for lib, F in ((torch, TF), (ramp, RF)):
            x = lib_x(lib, [0.3, -0.2, 0.9])
            g, = lib.autograd.grad(getattr(F, name)(x).sum(), x, create_graph=True)
            h, = lib.autograd.grad(g.sum(), x)
            res[lib] = (g.grad_fn.name(), tolist(h))
        assert res[ramp] == res[torch], name


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
        # remainder's gradient for b reads floor(a / b): a DivBackward2 (zero) node, so a stays used
        "remainder": lambda x, w: (lib.remainder(x * x, w ** 3 + 2) * w).sum(),
        # label smoothing zeroes the ignored rows by a masked fill: its gradient's graph must carry the mask
        "cross_entropy_smoothed_ignored": lambda x, w: (lib.nn.functional.cross_entropy(
            x * w, lib.tensor([0, 3, 1]), label_smoothing=0.2, reduction="none", ignore_index=3) * x[:, 0] ** 2).sum(),
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


def test_create_graph_grad_takes_the_leafs_layout_as_torch():
    """1.13's clone_obey_contract: a dense leaf's first .grad in a create_graph pass has the leaf's
    strides (CopyBackwards, its gradient passed through); a non-dense leaf's is a contiguous clone."""
    for make in (lambda lib: lib.tensor([[0.5, -1.0, 2.0, 0.3], [1.5, 0.2, -0.7, 1.1], [0.9, -0.4, 0.6, -1.3]],
                                        dtype=lib.float64).t(),
                 lambda lib: lib.tensor([[0.5, -1.0, 2.0, 0.3], [1.5, 0.2, -0.7, 1.1]], dtype=lib.float64),
                 lambda lib: lib.tensor([[0.5, -1.0, 2.0, 0.3], [1.5, 0.2, -0.7, 1.1]], dtype=lib.float64)[:, ::2]):
        out = {}
        for lib in (torch, ramp):
            w = make(lib).requires_grad_()
            (w * w * w).sum().backward(create_graph=True)
            g = w.grad
            names = [None if f is None else f.name() for f, _ in g.grad_fn.next_functions]
            h, = lib.autograd.grad((g * g).sum(), w)
            out[lib] = (w.stride(), g.stride(), g.grad_fn.name(), names, tolist(g), tolist(h))
        assert out[ramp][:4] == out[torch][:4]
        close(out[ramp][4], out[torch][4], 1e-15)
        close(out[ramp][5], out[torch][5], 1e-15)


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


# ---- reductions, pow with a tensor exponent, the gathers: their first derivatives are raw loops,
# which a create_graph pass gives the graph of 1.13's formula (the same second-order nodes, the same
# derivatives at ties, zeros and kinks) ----
# Rows: generic; a tie (1.1 twice); a zero and a tie in |x| (+-1.3); a constant row (std 0, a
# four-way max tie); a zero row (norm 0, several zeros in prod).
RX = [[0.3, -1.2, 0.8, 1.1], [-0.4, 1.1, -0.9, 1.1], [1.3, -0.7, 0.0, -1.3], [0.5, 0.5, 0.5, 0.5],
      [0.0, 0.0, 0.0, 0.0]]

REDUCTIONS = {
    "mean": lambda l, x: x.mean() * x,
    "mean_dim_keepdim": lambda l, x: x.mean(1, keepdim=True),
    "sum_dim": lambda l, x: x.sum(0),
    "var": lambda l, x: x.var(),
    "var_dim": lambda l, x: x.var(1),
    "var_dims_keepdim_biased": lambda l, x: x.var((0, 1), keepdim=True, unbiased=False),
    "std": lambda l, x: x.std(),
    "std_dim": lambda l, x: x.std(1),
    "std_dim0_keepdim": lambda l, x: x.std(0, keepdim=True),
    "var_mean": lambda l, x: l.var_mean(x, 1)[0] * l.var_mean(x, 1)[1],
    "std_mean": lambda l, x: l.std_mean(x, 0)[0] + l.std_mean(x, 0)[1] ** 2,
    "norm": lambda l, x: x.norm(),
    "norm_dim": lambda l, x: x.norm(dim=1),
    "norm_p1": lambda l, x: x.norm(1, dim=1),
    "norm_inf": lambda l, x: x.norm(float("inf"), dim=1),
    "norm_ninf": lambda l, x: x.norm(float("-inf"), dim=1),
    "norm_p3": lambda l, x: x.norm(3, dim=0),
    "norm_p1_5": lambda l, x: x.norm(1.5, dim=1),
    "norm_p0_5": lambda l, x: x.norm(0.5, dim=1),
    "norm_p0": lambda l, x: x.norm(0, dim=1),
    "norm_dtype": lambda l, x: l.norm(x, 2, dim=1, dtype=l.float64),
    "norm_fro_two_dims": lambda l, x: l.norm(x, "fro", dim=(0, 1)),
    "vector_norm": lambda l, x: l.linalg.vector_norm(x, 2, dim=1),
    "vector_norm_inf": lambda l, x: l.linalg.vector_norm(x, float("inf")),
    "linalg_norm": lambda l, x: l.linalg.norm(x),
    "logsumexp": lambda l, x: x.logsumexp(1),
    "logsumexp_all": lambda l, x: x.logsumexp((0, 1)),
    "max": lambda l, x: x.max(),
    "min": lambda l, x: x.min(),
    "max_ties": lambda l, x: x.abs().max(),
    "max_dim": lambda l, x: x.max(1)[0],
    "min_dim_keepdim": lambda l, x: x.min(0, keepdim=True)[0],
    "amax": lambda l, x: x.amax(),
    "amax_dim": lambda l, x: x.amax(1),
    "amin_dim": lambda l, x: x.amin(0),
    "prod_dim": lambda l, x: x.prod(1),
    "prod_dim0_keepdim": lambda l, x: x.prod(0, keepdim=True),
    "prod_no_zero": lambda l, x: (x[:4] + 2).prod(),
    "prod_one_zero": lambda l, x: x[2].prod(),
    "prod_zeros": lambda l, x: x.prod(),
    "cumsum": lambda l, x: x.cumsum(1) * x,
    # cumprod with zeros in rows 2 and 4: 1.13's grad-mode form (CopySlices); without: its division
    "cumprod": lambda l, x: x.cumprod(1),
    "cumprod_dim0": lambda l, x: x.cumprod(0) * x,
    "cumprod_no_zero": lambda l, x: (x[:2] + 2).cumprod(1),
    "cumprod_dtype": lambda l, x: (x[:2] + 2).cumprod(1, dtype=l.float64),
    # ties move the index (rows 1, 3, 4)
    "cummax": lambda l, x: x.cummax(1)[0],
    "cummin_dim0": lambda l, x: x.cummin(0)[0] * x,
    "logcumsumexp": lambda l, x: x.logcumsumexp(1),
    "logcumsumexp_dim0": lambda l, x: x.logcumsumexp(0),
    "pow_tensor": lambda l, x: (x * x + 0.5) ** (x * 0.7),
    "pow_broadcast": lambda l, x: (x * x + 0.5) ** (x[0] * 0.7),
    "pow_zero_base": lambda l, x: (x * (x > 0)) ** (x + 2),
    "pow_scalar_base": lambda l, x: l.pow(2.5, x),
    "pow_inplace": lambda l, x: (x * x + 0.5).pow_(x * 0.3),
    "gather": lambda l, x: x.gather(1, l.tensor([[0, 1], [2, 2], [3, 0], [1, 1], [0, 3]])),
    "index_select": lambda l, x: x.index_select(1, l.tensor([0, 2, 2])),
    "index": lambda l, x: x[l.tensor([0, 2, 2])],
    "index_pair": lambda l, x: x[l.tensor([0, 2]), l.tensor([1, 1])],
    "index_mask": lambda l, x: x[x > 0],
    "flip": lambda l, x: x.flip(0),
    # pointwise ops with kinks, in place too (1.13 differentiates the in-place forms' nodes the same)
    "clamp": lambda l, x: x.clamp(-0.5, 0.9) * x,
    "clamp_min_tensor": lambda l, x: l.clamp(x, x.detach() * 0 + 0.2, None) * x,
    "clamp_max_tensor": lambda l, x: l.clamp_max(x * x, x),
    "clamp_inplace": lambda l, x: (x * 1).clamp_(-0.5, 0.9) * x,
    "clamp_min_inplace": lambda l, x: (x * 1).clamp_min_(0.2) * x,
    "clamp_max_inplace": lambda l, x: (x * 1).clamp_max_(0.2) * x,
    "lerp": lambda l, x: l.lerp(x, x * x, 0.3),
    "lerp_inplace": lambda l, x: (x * 1).lerp_(x * x, 0.3),
    "lerp_tensor_inplace": lambda l, x: (x * 1).lerp_(x * x, x * 0.5),
    "nan_to_num_inplace": lambda l, x: (x * x).nan_to_num_() * x,
    "fmod_inplace": lambda l, x: (x * x).fmod_(0.7) * x,
    "fmod_tensor": lambda l, x: l.fmod(x * 3, x * x + 0.5),
    "remainder_inplace": lambda l, x: (x * x).remainder_(0.7) * x,
    "atan2": lambda l, x: l.atan2(x, x * x + 1),
    "hypot": lambda l, x: l.hypot(x, x * x + 1),
    "maximum": lambda l, x: l.maximum(x, x.flip(0)),
    "minimum": lambda l, x: l.minimum(x * x, x),
    "fmax": lambda l, x: l.fmax(x, x.flip(0)) * x,
    "masked_fill": lambda l, x: x.masked_fill(x > 1, 0.0) * x,
    "masked_fill_tensor": lambda l, x: x.masked_fill(x > 1, (x * x).sum()),
    "nansum_dim": lambda l, x: x.nansum(1),
    "sort": lambda l, x: x.sort(1)[0] * x,
    # rows 3 and 4 are all ties, where ramp's topk/kthvalue pick other indices than 1.13 (first order)
    "topk": lambda l, x: x[:3].topk(2, 1)[0],
    "kthvalue": lambda l, x: x[:3].kthvalue(2, 1)[0],
    "median": lambda l, x: x.median(),
    "median_dim": lambda l, x: x.median(1)[0],
    "nanmedian": lambda l, x: x.nanmedian(),
    "mode": lambda l, x: (x * x).mode(1)[0],
}


def reduction_second_order(lib, case, dtype="float64", vals=RX):
    """g = d(Σ w y + Σ y²)/dx with its graph and grad_fn name, and d(Σ g v + Σ g²)/dx."""
    x = lib.tensor(vals, dtype=getattr(lib, dtype), requires_grad=True)
    y = REDUCTIONS[case](lib, x)
    w = lib.linspace(-1.5, 2.0, y.numel(), dtype=x.dtype).reshape(y.shape)
    g, = lib.autograd.grad((y * w).sum() + (y * y).sum(), x, create_graph=True, allow_unused=True)
    if g is None:  # 1.13's norm(p=0): no gradient
        return None, None, None
    name = g.grad_fn.name() if g.grad_fn is not None else None
    if not g.requires_grad:
        return g, None, name
    v = lib.linspace(0.5, -1.0, g.numel(), dtype=x.dtype).reshape(g.shape)
    h, = lib.autograd.grad((g * v).sum() + (g * g).sum(), x, allow_unused=True)
    return g, h, name


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", sorted(REDUCTIONS))
def test_reduction_second_derivatives_match_torch(case, dtype):
    rg, rh, rn = reduction_second_order(ramp, case, dtype)
    tg, th, tn = reduction_second_order(torch, case, dtype)
    assert rn == tn, (rn, tn)
    rel = 1e-12 if dtype == "float64" else 4e-6
    close(tolist(rg), tolist(tg), rel, rel)
    if th is None or rh is None:
        assert th is None and rh is None
    else:
        close(tolist(rh), tolist(th), 10 * rel, 10 * rel)


def test_reduction_cases_are_twice_differentiated():
    """Every case above gives a gradient with a graph (bar 1.13's constant zeros: p = 0 and a
    product with two zeros), so the comparison above compares second derivatives."""
    for case in REDUCTIONS:
        g, h, _ = reduction_second_order(ramp, case)
        assert (h is None) == (case in ("norm_p0", "prod_zeros")), case


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", sorted(REDUCTIONS))
def test_reduction_first_order_unchanged_by_create_graph(case, dtype):
    """create_graph=True only adds the graph: the first-order values are the raw kernel's bits."""
    import struct

    def grads(create_graph):
        x = ramp.tensor(RX, dtype=getattr(ramp, dtype), requires_grad=True)
        y = REDUCTIONS[case](ramp, x)
        w = ramp.linspace(-1.5, 2.0, y.numel(), dtype=x.dtype).reshape(y.shape)
        g, = ramp.autograd.grad((y * w).sum(), x, create_graph=create_graph, allow_unused=True)
        return None if g is None else [struct.pack("<d", v) for v in tolist(g)]
    assert grads(True) == grads(False)


# away from ties, zeros and kinks, where finite differences see one branch; pow_zero_base's second
# derivative at a zero base is 1.13's NaN (0 * log(0)'s gradient), so torch's gradgradcheck fails too
GRADGRAD_REDUCTIONS = sorted(set(REDUCTIONS) - {"norm_p0", "prod_zeros", "pow_zero_base"})


@pytest.mark.parametrize("case", GRADGRAD_REDUCTIONS)
def test_reduction_gradgradcheck(case):
    gen = ramp.Generator().manual_seed(5)
    x = (ramp.rand(5, 4, generator=gen, dtype=ramp.float64) * 2 - 1)
    if case in ("prod_one_zero", "cumprod", "cumprod_dim0"):  # an exact zero: 1.13's zero-safe formulas
        x[2, 1] = 0.0
    x.requires_grad_()
    assert ramp.autograd.gradgradcheck(lambda t: REDUCTIONS[case](ramp, t), (x,))


@pytest.mark.parametrize("case", ["var_dim", "std_dim", "norm_dim", "norm_p3", "logsumexp", "prod_dim", "amax_dim",
                                  "clamp", "pow_tensor", "mean", "maximum", "cumprod_dim0"])
def test_reduction_third_derivatives_match_torch(case):
    """1.13's formulas are ops differentiable again: a third pass works and agrees (rows without
    ties or zeros)."""
    out = {}
    for lib in (torch, ramp):
        x = lib.tensor([[0.3, -1.2, 0.8, 1.1], [-0.4, 1.15, -0.9, 1.1], [1.3, -0.7, 0.2, -1.25]], dtype=lib.float64,
                       requires_grad=True)
        y = REDUCTIONS[case](lib, x)
        g, = lib.autograd.grad((y * y).sum(), x, create_graph=True)
        h, = lib.autograd.grad((g * g).sum(), x, create_graph=True)
        t, = lib.autograd.grad((h * h).sum(), x)
        out[lib] = (tolist(h), tolist(t))
    for a, b in zip(out[ramp], out[torch]):  # to the tensor's scale (terms of both signs are summed)
        close(a, b, 0.0, 1e-12 * max(abs(v) for v in b))


def test_max_of_nan_shares_the_gradient_among_the_nans_as_torch():
    out = {}
    for lib in (torch, ramp):
        x = lib_x(lib, [0.5, float("nan"), 2.0, float("nan")])
        w = lib_x(lib, [1.5])
        g, = lib.autograd.grad((x.max() * w).sum(), x, create_graph=True)
        h, = lib.autograd.grad((g * lib.linspace(1, 2, 4, dtype=lib.float64)).sum(), w)
        out[lib] = (tolist(g), tolist(h), g.grad_fn.name())
    assert out[ramp][2] == out[torch][2]
    close(out[ramp][0], out[torch][0], 0.0)
    close(out[ramp][1], out[torch][1], 0.0)


# ---- what refuses ----
REFUSED = {
    # prod's gradient reads self and src (their zeros), saved detached: not differentiable again
    "ScatterReduceBackward0": lambda l, x: (x.scatter_reduce(0, l.tensor([1, 1, 4]), x[:3] * 2, "prod") ** 2).sum(),
}


@pytest.mark.parametrize("node", sorted(REFUSED))
def test_not_yet_differentiable_nodes_refuse(node):
    x = lib_x(ramp, [0.5, -1.2, 0.0, 1.5, -0.3, 0.9])
    with pytest.raises(RuntimeError, match=f"double backward through {node}.* is not supported"):
        ramp.autograd.grad(REFUSED[node](ramp, x), x, create_graph=True)
    # first order still works
    g, = ramp.autograd.grad(REFUSED[node](ramp, x), x)
    assert not g.requires_grad


def test_a_view_written_by_a_refusing_op_refuses():
    """CopySlices runs the in-place op's node on the view's part of the gradient: that node is
    checked as the engine checks every node."""
    x = lib_x(ramp, [0.5, -1.2, 0.0, 1.5, -0.3, 0.9])
    y = x * 1
    y[:4].scatter_reduce_(0, ramp.tensor([1, 1, 3]), x[3:] * 2, "prod")
    with pytest.raises(RuntimeError, match="double backward through ScatterReduceBackward0 is not supported"):
        ramp.autograd.grad((y ** 2).sum(), x, create_graph=True)
    g, = ramp.autograd.grad((y ** 2).sum(), x)  # first order still works
    assert not g.requires_grad


def test_cumprod_with_zeros_third_derivative_matches_torch():
    """1.13's zero-safe cumprod gradient writes each slot through select(k).copy_ (CopySlices), which
    is differentiable again: a third pass agrees, with one zero and with two."""
    for vals in ([[0.5, -1.2, 0.0, 1.5], [0.7, 0.0, 1.1, -0.4]], [[0.0, -1.2, 0.0, 1.5], [0.7, 0.3, 1.1, -0.4]]):
        out = {}
        for lib in (torch, ramp):
            x = lib_x(lib, vals)
            g, = lib.autograd.grad((x.cumprod(1) ** 2).sum(), x, create_graph=True)
            h, = lib.autograd.grad((g ** 3).sum(), x, create_graph=True)
            t, = lib.autograd.grad((h * h).sum(), x)
            out[lib] = (g.grad_fn.name(), h.grad_fn.name(), tolist(g), tolist(h), tolist(t))
        assert out[ramp][:2] == out[torch][:2]
        for a, b in zip(out[ramp][2:], out[torch][2:]):
            close(a, b, 1e-12, 1e-12)


def test_cumprod_saves_its_result_as_torch():
    """1.13's cumprod gradient reads the saved result: writing it in place makes backward raise."""
    for lib in (torch, ramp):
        x = lib_x(lib, [0.5, 2.0, 3.0])
        y = x.cumprod(0)
        y.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def test_norm_layers_refuse_a_third_derivative():
    """batch_norm's / layer_norm's second-derivative nodes read mean and invstd as constants (as
    1.13's save_mean / save_invstd): differentiating them again refuses instead of being wrong."""
    x = ramp.tensor([[0.5, -1.2, 0.8], [1.5, -0.3, 0.9]], dtype=ramp.float64, requires_grad=True)
    for f, node in ((lambda t: RF.batch_norm(t, None, None, training=True), "NativeBatchNormBackwardBackward0"),
                    (lambda t: RF.layer_norm(t, (3,)), "NativeLayerNormBackwardBackward0")):
        g, = ramp.autograd.grad((f(x) ** 3).sum(), x, create_graph=True)
        h, = ramp.autograd.grad((g * g).sum(), x)  # a second derivative works
        assert h.shape == x.shape
        g, = ramp.autograd.grad((f(x) ** 3).sum(), x, create_graph=True)
        with pytest.raises(RuntimeError, match=f"double backward through {node} is not supported"):
            ramp.autograd.grad((g * g).sum(), x, create_graph=True)


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


def test_inplace_pow_with_a_constant_tensor_exponent_differentiates_twice_as_torch():
    """pow_'s node (PowBackward1) with a constant exponent tensor: the gradient through the copy of
    x from before the write keeps its graph (it once came out graph-less, d2/dx2 of x ** e as 0,
    then refused); now it is 1.13's second derivative."""
    out = {}
    for lib in (torch, ramp):
        x = lib_x(lib, [0.3, 0.8, 1.5])
        e = lib.tensor([2.0, 3.0, 0.5], dtype=lib.float64)
        y = (x * 1).pow_(e) + x * x
        g, = lib.autograd.grad(y.sum(), x, create_graph=True)
        h, = lib.autograd.grad(g.sum(), x)
        out[lib] = (tolist(g), tolist(h), g.grad_fn.name())
    assert out[ramp][2] == out[torch][2]
    close(out[ramp][0], out[torch][0], 1e-15)
    close(out[ramp][1], out[torch][1], 1e-14)


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


# ---- layers: conv2d, batch_norm, layer_norm, adaptive pools, bce losses, prelu ----
def _bn(training, affine=True):
    def f(lib, F, x, *p):
        c = x.shape[1]
        rm = lib.linspace(-0.3, 0.4, c, dtype=x.dtype)
        rv = lib.linspace(0.5, 1.5, c, dtype=x.dtype)
        w, b = (p[0], p[1]) if affine else (None, None)
        y = F.batch_norm(x, rm, rv, w, b, training=training)
        return (y ** 3).sum() * 0.1 + (lib.tanh(y) * x).sum()
    return f


def _sig(lib, t):
    return lib.sigmoid(t)


# name -> (input shapes, f(lib, F, *inputs) -> scalar loss); inputs are uniform in [-1, 1)
LAYERS = {
    "conv": ([(2, 3, 6, 5), (4, 3, 3, 3), (4,)],
             lambda l, F, x, w, b: (l.tanh(F.conv2d(x, w, b)) * F.conv2d(x, w, b)).sum()),
    "conv_stride_pad_dilation": ([(2, 2, 7, 6), (3, 2, 2, 3), (3,)],
                                 lambda l, F, x, w, b: (F.conv2d(x, w, b, stride=2, padding=1, dilation=2) ** 3).sum()),
    "conv_groups_no_bias": ([(2, 4, 5, 6), (6, 2, 3, 2)],
                            lambda l, F, x, w: (l.tanh(F.conv2d(x, w, None, (1, 2), (2, 0), 1, 2)) ** 2).sum()),
    "conv_same_even_kernel": ([(1, 2, 5, 5), (2, 2, 2, 3), (2,)],
                              lambda l, F, x, w, b: (F.conv2d(x, w, b, padding="same") ** 3).sum()),
    "conv_unbatched_1x1": ([(3, 4, 4), (2, 3, 1, 1), (2,)],
                           lambda l, F, x, w, b: (F.conv2d(x, w, b) ** 3).mean()),
    "conv_then_conv": ([(1, 2, 6, 6), (3, 2, 3, 3), (2, 3, 2, 2)],
                       lambda l, F, x, w, v: (F.conv2d(l.tanh(F.conv2d(x, w, padding=1)), v, stride=2) ** 2).sum()),
    "batch_norm_train_4d": ([(4, 3, 2, 3), (3,), (3,)], _bn(True)),
    "batch_norm_train_2d": ([(5, 2), (2,), (2,)], _bn(True)),
    "batch_norm_train_no_affine": ([(3, 2, 4)], _bn(True, affine=False)),
    "batch_norm_eval": ([(4, 3, 2, 3), (3,), (3,)], _bn(False)),
    "batch_norm_eval_no_affine": ([(3, 2, 4)], _bn(False, affine=False)),
    "layer_norm": ([(3, 2, 3, 4), (3, 4), (3, 4)],
                   lambda l, F, x, w, b: (F.layer_norm(x, (3, 4), w, b) ** 3).sum() * 0.1
                   + (l.tanh(F.layer_norm(x, (3, 4), w, b)) * x).sum()),
    "layer_norm_no_affine": ([(4, 5)], lambda l, F, x: (F.layer_norm(x, (5,)) ** 3).sum() + (F.layer_norm(x, (5,)) * x).sum()),
    "adaptive_avg_pool2d": ([(2, 3, 7, 5)], lambda l, F, x: (F.adaptive_avg_pool2d(l.tanh(x) * x, (3, 2)) ** 3).sum()),
    "adaptive_max_pool2d": ([(2, 3, 7, 5)], lambda l, F, x: (F.adaptive_max_pool2d(l.tanh(x) * x, (3, 2)) ** 3).sum()),
    "bce": ([(3, 4), (3, 4)], lambda l, F, x, t: F.binary_cross_entropy(_sig(l, x), t * 0.5 + 0.5) ** 2),
    "bce_weight_sum": ([(3, 4), (3, 4)], lambda l, F, x, t: F.binary_cross_entropy(
        _sig(l, x * 2), t * 0.5 + 0.5, weight=l.linspace(0.5, 2.0, 4, dtype=l.float64), reduction="sum") ** 2),
    "bce_none": ([(3, 4), (3, 4)], lambda l, F, x, t: (F.binary_cross_entropy(
        _sig(l, x), t * 0.5 + 0.5, reduction="none") ** 2).sum()),
    "bce_direct": ([(3, 4), (3, 4)], lambda l, F, x, t: F.binary_cross_entropy(x * 0.4 + 0.5, t * 0.5 + 0.5) ** 2),
    "bce_with_logits": ([(3, 4), (3, 4)], lambda l, F, x, t: F.binary_cross_entropy_with_logits(x * 3, t * 0.5 + 0.5) ** 2),
    "bce_with_logits_pos_weight_sum": ([(3, 4), (3, 4)], lambda l, F, x, t: F.binary_cross_entropy_with_logits(
        x * 3, t * 0.5 + 0.5, weight=l.linspace(0.5, 2.0, 4, dtype=l.float64),
        pos_weight=l.linspace(2.0, 0.5, 4, dtype=l.float64), reduction="sum") ** 2),
    "bce_with_logits_none": ([(3, 4), (3, 4)], lambda l, F, x, t: (F.binary_cross_entropy_with_logits(
        x * 3, t * 0.5 + 0.5, pos_weight=l.linspace(2.0, 0.5, 4, dtype=l.float64), reduction="none") ** 2).sum()),
    "prelu_channels": ([(2, 3, 4), (3,)], lambda l, F, x, w: (F.prelu(x, w) ** 3).sum()),
    "prelu_one": ([(2, 3, 2, 2), (1,)], lambda l, F, x, w: (F.prelu(x, w) ** 3).sum() + (F.prelu(x, w) * w).sum()),
}


def layer_inputs(lib, case, dtype="float64", seed=0):
    gen = torch.Generator().manual_seed(seed)
    vals = [(torch.rand(s, generator=gen, dtype=torch.float64) * 2 - 1).tolist() for s in LAYERS[case][0]]
    return [lib.tensor(v, dtype=getattr(lib, dtype), requires_grad=True) for v in vals]


def layer_second_order(lib, case, dtype="float64"):
    """First-order gradients (create_graph), their grad_fn names, and the gradients of
    Σ g² + Σ g v (a gradient penalty plus a Hessian-vector product) for every input."""
    F = TF if lib is torch else RF
    ins = layer_inputs(lib, case, dtype)
    gs = lib.autograd.grad(LAYERS[case][1](lib, F, *ins), ins, create_graph=True)
    names = [g.grad_fn.name() if g.grad_fn is not None else None for g in gs]
    pen = 0
    for g in gs:
        v = lib.linspace(-1.0, 0.5, g.numel(), dtype=g.dtype).reshape(g.shape)
        pen = pen + (g * g).sum() + (g * v).sum()
    hs = lib.autograd.grad(pen, ins, allow_unused=True)
    return gs, hs, names


def close_scaled(got, want, tol):
    """Elementwise |got - want| <= tol max|want|: the scale of the tensor (a second derivative's
    entries sum terms of both signs, so the small ones carry the large ones' rounding)."""
    if got is None or want is None:
        assert got is None and want is None, (got, want)
        return
    a, b = tolist(got), tolist(want)
    scale = max(abs(v) for v in b) if b else 0.0
    assert len(a) == len(b)
    for i, (u, v) in enumerate(zip(a, b)):
        assert abs(u - v) <= tol * scale, (i, u, v, scale)


@pytest.mark.parametrize("case", sorted(LAYERS))
def test_layer_second_derivatives_match_torch(case):
    rg, rh, rn = layer_second_order(ramp, case)
    tg, th, tn = layer_second_order(torch, case)
    assert rn == tn
    for a, b in zip(rg, tg):
        close_scaled(a, b, 1e-13)
    for a, b in zip(rh, th):
        close_scaled(a, b, 1e-12)


@pytest.mark.parametrize("case", ["conv", "conv_stride_pad_dilation", "conv_groups_no_bias", "conv_then_conv"])
def test_conv2d_float32_second_derivatives_match_torch(case):
    """float32 runs on oneDNN: same values as 1.13 to float32 rounding (sums in another order)."""
    rg, rh, _ = layer_second_order(ramp, case, "float32")
    tg, th, _ = layer_second_order(torch, case, "float32")
    for a, b in zip(rg, tg):
        close_scaled(a, b, 2e-6)
    for a, b in zip(rh, th):
        close_scaled(a, b, 2e-5)


# gradgradcheck needs the inputs the finite differences see on one side of every kink
GRADGRAD_LAYERS = sorted(set(LAYERS) - {"adaptive_max_pool2d"})


@pytest.mark.parametrize("case", GRADGRAD_LAYERS)
def test_layer_gradgradcheck(case):
    ins = layer_inputs(ramp, case, seed=1)
    if case.startswith("prelu"):  # away from x = 0
        ins[0] = (ins[0].detach() + ramp.sign(ins[0].detach()) * 0.1).requires_grad_()
    assert ramp.autograd.gradgradcheck(lambda *t: LAYERS[case][1](ramp, RF, *t), tuple(ins))


def test_adaptive_max_pool2d_gradgradcheck():
    # distinct values a grid apart, so an eps step never changes a bin's argmax
    x = (ramp.randperm(2 * 7 * 5, dtype=ramp.float64).reshape(1, 2, 7, 5) * 0.05).requires_grad_()
    assert ramp.autograd.gradgradcheck(lambda t: RF.adaptive_max_pool2d(t * t, (3, 2)) ** 3, (x,))


@pytest.mark.parametrize("case", ["conv", "conv_same_even_kernel", "batch_norm_train_4d", "batch_norm_eval",
                                  "layer_norm", "adaptive_avg_pool2d", "adaptive_max_pool2d", "prelu_channels"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_layer_first_order_unchanged_by_create_graph(case, dtype):
    """create_graph=True only adds the graph: the first-order values are the same bits."""
    def grads(create_graph):
        ins = layer_inputs(ramp, case, dtype)
        gs = ramp.autograd.grad(LAYERS[case][1](ramp, RF, *ins), ins, create_graph=create_graph)
        assert all(g.requires_grad == create_graph for g in gs)
        return [tolist(g) for g in gs]
    assert grads(True) == grads(False)


def test_conv2d_third_derivative_matches_torch():
    """Every order of conv2d is the same three kernels, recorded again."""
    out = {}
    for lib, F in ((torch, TF), (ramp, RF)):
        x, w = layer_inputs(lib, "conv_groups_no_bias")
        y = F.conv2d(x, w, None, (1, 2), (2, 0), 1, 2)
        gx, = lib.autograd.grad((y ** 3).sum(), x, create_graph=True)
        hw, = lib.autograd.grad((gx * gx).sum(), w, create_graph=True)
        assert hw.grad_fn is not None
        tx, tw = lib.autograd.grad((hw * hw).sum(), (x, w))
        out[lib] = (gx, hw, tx, tw)
    for a, b in zip(out[ramp], out[torch]):
        close_scaled(a, b, 1e-12)


def test_gradient_penalty_conv_batchnorm_training_matches_torch():
    """WGAN-GP on a conv + batch_norm (training) critic, trained a few steps: the penalty's
    gradient reaches the weights through both layers' second derivatives."""
    def run(lib):
        F = TF if lib is torch else RF
        g = torch.Generator().manual_seed(4)
        init = [torch.randn(4, 2, 3, 3, generator=g) * 0.4, torch.randn(4, generator=g) * 0.1,
                1 + torch.randn(4, generator=g) * 0.1, torch.randn(4, generator=g) * 0.1,
                torch.randn(1, 4 * 3 * 3, generator=g) * 0.3]
        data = torch.randn(6, 2, 5, 5, generator=g)
        params = [lib.tensor(t.tolist(), dtype=lib.float64, requires_grad=True) for t in init]
        x = lib.tensor(data.tolist(), dtype=lib.float64, requires_grad=True)
        opt = lib.optim.SGD(params, lr=0.02)
        for _ in range(3):
            opt.zero_grad()
            h = F.conv2d(x, params[0], params[1], stride=2, padding=1)
            h = F.batch_norm(h, None, None, params[2], params[3], training=True)
            out = F.linear(lib.tanh(h).reshape(6, -1), params[4])
            gx, = lib.autograd.grad(out.sum(), x, create_graph=True)
            penalty = ((gx.reshape(6, -1).norm(2, dim=1) - 1) ** 2).mean()
            loss = out.mean() + 10 * penalty
            loss.backward()
            opt.step()
        return params
    for a, b in zip(run(ramp), run(torch)):
        close_scaled(a, b, 1e-12)


# ---- writes and reads by index and mask: their gradients are gathers / scatters of the incoming
# gradient (linear in it), recorded as 1.13's ops in a create_graph pass ----
WX = [[0.3, -1.2, 0.8, 1.1], [-0.4, 0.25, -0.9, 0.6], [1.3, -0.7, 0.45, -0.15]]
WS = [[0.5, 0.2, -0.6, 0.9], [-1.1, 0.35, 0.7, -0.25]]
WM = [[True, False, True, True], [False, True, False, False], [True, False, False, True]]


def _view_written_in_place(l, x, s):
    y = x * 1
    v = y[1:, ::2]
    v.mul_(s[:, 1:3])
    return v * y[:2, 1:3]


def _setitem(l, x, s):
    y = x * 1
    y[l.tensor([0, 2])] = s
    return y


WRITES = {
    # (x [3, 4], s [2, 4]) -> a tensor; indices distinct where a plain write would race
    "scatter": lambda l, x, s: x.scatter(0, l.tensor([[1, 0, 2, 0], [2, 1, 0, 1]]), s),
    "scatter_dim1_narrow_src": lambda l, x, s: x.scatter(1, l.tensor([[3, 0], [1, 2]]), s[:, 1:3]),
    "scatter_value": lambda l, x, s: x.scatter(1, l.tensor([[3, 0], [1, 1], [0, 2]]), 1.5) * s.sum(),
    "scatter_inplace": lambda l, x, s: (x * 1).scatter_(0, l.tensor([[1, 0, 2, 0], [2, 1, 0, 1]]), s),
    "scatter_add": lambda l, x, s: x.scatter_add(0, l.tensor([[1, 0, 2, 0], [1, 1, 0, 0]]), s),
    "scatter_add_inplace": lambda l, x, s: (x * 1).scatter_add_(1, l.tensor([[3, 3, 0, 1], [2, 2, 2, 0]]), s),
    "index_add": lambda l, x, s: x.index_add(0, l.tensor([2, 0]), s, alpha=2.0),
    "index_add_dup_inplace": lambda l, x, s: (x * 1).index_add_(0, l.tensor([1, 1]), s),
    "index_copy": lambda l, x, s: x.index_copy(0, l.tensor([2, 0]), s),
    "index_copy_inplace": lambda l, x, s: (x * 1).index_copy_(0, l.tensor([1, 0]), s),
    "index_fill": lambda l, x, s: x.index_fill(1, l.tensor([0, 2]), 1.5) * x,
    "index_fill_inplace": lambda l, x, s: (x * s.sum()).index_fill_(0, l.tensor([1]), -0.5),
    "masked_scatter": lambda l, x, s: x.masked_scatter(l.tensor(WM), s),
    "masked_scatter_broadcast": lambda l, x, s: x.masked_scatter(l.tensor([True, False, True, False]), s),
    "masked_scatter_inplace": lambda l, x, s: (x * 1).masked_scatter_(~l.tensor(WM), s),
    "masked_select": lambda l, x, s: x.masked_select(x > 0),
    "masked_select_broadcast": lambda l, x, s: s.masked_select(l.tensor([[[True], [False]], [[True], [True]]])),
    "take": lambda l, x, s: x.take(l.tensor([[0, 5], [5, -1], [11, 3]])),
    "put": lambda l, x, s: x.put(l.tensor([1, 6, 8, 0, 2, 3, 4, 11]), s),
    "put_accumulate": lambda l, x, s: x.put(l.tensor([1, 1, 8, 0, 2, 3, 4, 1]), s, accumulate=True),
    "put_inplace": lambda l, x, s: (x * 1).put_(l.tensor([1, 6, 8, 0, 2, 3, 4, 11]), s.t()),
    "index_put": lambda l, x, s: x.index_put((l.tensor([0, 2]),), s),
    "index_put_accumulate": lambda l, x, s: x.index_put((l.tensor([0, 0]),), s, accumulate=True),
    "index_put_broadcast": lambda l, x, s: x.index_put((l.tensor([0, 2, 1]), l.tensor([1, 3, 3])), s[1, :1]),
    "index_put_accumulate_inplace": lambda l, x, s: (x * 1).index_put_(
        (l.tensor([2, 0, 2]), l.tensor([1, 1, 1])), s[0, :3] * s[1, 1:], accumulate=True),
    "setitem": _setitem,
    # reducing scatters: g shared among the ties of amax / amin, divided by the count for mean;
    # src = x's own rows ties with self where the index maps a row onto itself
    "scatter_reduce_sum": lambda l, x, s: x.scatter_reduce(0, l.tensor([[1, 0, 2, 0], [1, 1, 0, 0]]), s, "sum"),
    "scatter_reduce_mean_exclude_self": lambda l, x, s: x.scatter_reduce(
        0, l.tensor([[1, 0, 2, 0], [1, 1, 0, 0]]), s, "mean", include_self=False),
    "scatter_reduce_amax_ties": lambda l, x, s: x.scatter_reduce(
        0, l.tensor([[0, 1, 0, 0], [1, 1, 0, 1]]), x[:2] * 1 + s * 0, "amax") * s.sum(),
    "scatter_reduce_amin_exclude_self": lambda l, x, s: x.scatter_reduce(
        1, l.tensor([[3, 3, 0, 1], [2, 2, 2, 0]]), s, "amin", include_self=False),
    "index_reduce_amax": lambda l, x, s: x.index_reduce(0, l.tensor([2, 0]), s, "amax"),
    "index_reduce_mean_inplace": lambda l, x, s: (x * 1).index_reduce_(0, l.tensor([1, 1]), s, "mean"),
    # a view written in place reads its gradient through the base: an as_strided of it
    # (AsStridedBackward0, whose gradient puts g at the view's storage positions)
    "inplace_on_a_view": _view_written_in_place,
}


def write_second_order(lib, case):
    x, s = lib_x(lib, WX), lib_x(lib, WS)
    y = WRITES[case](lib, x, s)
    w = lib.linspace(-1.5, 2.0, y.numel(), dtype=x.dtype).reshape(y.shape)
    gs = lib.autograd.grad((y * w).sum() + (y * y).sum(), (x, s), create_graph=True, allow_unused=True)
    names = [None if g is None or g.grad_fn is None else g.grad_fn.name() for g in gs]
    pen = 0
    for g in gs:
        if g is not None and g.requires_grad:
            pen = pen + (g * g).sum() + (g * lib.linspace(0.5, -1.0, g.numel(), dtype=g.dtype).reshape(g.shape)).sum()
    hs = lib.autograd.grad(pen, (x, s), allow_unused=True)
    return gs, hs, names


@pytest.mark.parametrize("case", sorted(WRITES))
def test_index_write_second_derivatives_match_torch(case):
    rg, rh, rn = write_second_order(ramp, case)
    tg, th, tn = write_second_order(torch, case)
    assert rn == tn, (rn, tn)
    for a, b in zip(rg, tg):
        close(tolist(a), tolist(b), 1e-14, 1e-14)
    for a, b in zip(rh, th):
        close(tolist(a), tolist(b), 1e-13, 1e-13)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", sorted(WRITES))
def test_index_write_first_order_unchanged_by_create_graph(case, dtype):
    """create_graph=True only adds the graph: the first-order values are the same bits."""
    def grads(create_graph):
        x, s = lib_x(ramp, WX, dtype), lib_x(ramp, WS, dtype)
        y = WRITES[case](ramp, x, s)
        w = ramp.linspace(-1.5, 2.0, y.numel(), dtype=x.dtype).reshape(y.shape)
        gs = ramp.autograd.grad((y * w).sum(), (x, s), create_graph=create_graph, allow_unused=True)
        return [tolist(g) for g in gs]
    assert grads(True) == grads(False)


@pytest.mark.parametrize("case", sorted(WRITES))
def test_index_write_gradgradcheck(case):
    gen = ramp.Generator().manual_seed(7)
    x = (ramp.rand(3, 4, generator=gen, dtype=ramp.float64) - 0.5).requires_grad_()
    s = (ramp.rand(2, 4, generator=gen, dtype=ramp.float64) - 0.5).requires_grad_()
    # masks from x's values are constants in the finite differences: none is within eps of its edge
    assert ramp.autograd.gradgradcheck(lambda a, b: WRITES[case](ramp, a, b) ** 2, (x, s))


@pytest.mark.parametrize("case", ["scatter", "scatter_add", "index_add", "index_copy", "masked_scatter",
                                  "masked_select", "take", "put", "index_put", "index_put_accumulate",
                                  "inplace_on_a_view"])
def test_index_write_third_derivatives_match_torch(case):
    """Each gradient is again a write or read by the same index: a third pass works and agrees."""
    out = {}
    for lib in (torch, ramp):
        x, s = lib_x(lib, WX), lib_x(lib, WS)
        y = WRITES[case](lib, x, s)
        gx, gs = lib.autograd.grad((y ** 3).sum(), (x, s), create_graph=True, allow_unused=True)
        pen = (gx ** 3).sum() + (0 if gs is None else (gs ** 3).sum())
        hx, hs = lib.autograd.grad(pen, (x, s), create_graph=True, allow_unused=True)
        pen2 = (hx ** 2).sum() + (0 if hs is None else (hs ** 2).sum())
        tx, ts = lib.autograd.grad(pen2, (x, s), allow_unused=True)
        out[lib] = [tolist(gx), tolist(gs), tolist(hx), tolist(hs), tolist(tx), tolist(ts)]
    for a, b in zip(out[ramp], out[torch]):
        close(a, b, 1e-12, 1e-12)
