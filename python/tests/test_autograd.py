"""Autograd's Python API against PyTorch 1.13: flags, reprs, .grad, backward, in-place and version
errors (reference §7), detach, hooks, retain_grad, grad mode, torch.autograd.grad/backward.

Most tests are scenarios written once against a library module (`lib` is torch or ramp, `F` its
functional API) and run on both: their results, or the errors they raise (type and message), must
be equal.
"""
import inspect
import operator
import threading
import warnings

import pytest

import ramp
import ramp.nn.functional as RF
from conftest import outcome

torch = pytest.importorskip("torch")
TF = torch.nn.functional
F_OF = {torch: TF, ramp: RF}


def plain(v, lib):
    """A result both libraries can be compared on: tensors as (dtype name, values), and torch's
    reprs' "dtype=torch." read as "dtype=ramp." (error texts name torch's types in both)."""
    if isinstance(v, (torch.Tensor, ramp.Tensor)):
        return (repr(v.dtype).split(".")[-1], v.tolist())
    if isinstance(v, (list, tuple)):
        return type(v)(plain(x, lib) for x in v)
    if isinstance(v, str) and lib is torch:
        return v.replace("dtype=torch.", "dtype=ramp.")
    return v


def both(scenario):
    """(torch's outcome, ramp's outcome) of scenario(lib, F)."""
    return [outcome(lambda lib=lib: plain(scenario(lib, F_OF[lib]), lib)) for lib in (torch, ramp)]


def same(scenario):
    t, r = both(scenario)
    if r != t and isinstance(r[0], list) and isinstance(t[0], list) and len(r[0]) == len(t[0]):
        diffs = [f"[{i}] ramp {a!r} torch {b!r}" for i, (a, b) in enumerate(zip(r[0], t[0])) if a != b]
        pytest.fail("ramp != torch at " + "; ".join(diffs))
    assert r == t


SCENARIOS = {}


def scenario(fn):
    SCENARIOS[fn.__name__] = fn
    return fn


# ---- flags and factories ----
FACTORIES = {
    "tensor": lambda lib, **k: lib.tensor([1.0, -2.0], **k),
    "zeros": lambda lib, **k: lib.zeros(2, 3, **k),
    "ones": lambda lib, **k: lib.ones((2,), **k),
    "empty": lambda lib, **k: lib.empty(2, **k),
    "full": lambda lib, **k: lib.full((2,), 1.5, **k),
    "rand": lambda lib, **k: lib.rand(2, **k),
    "randn": lambda lib, **k: lib.randn(2, **k),
    "arange": lambda lib, **k: lib.arange(0.0, 3.0, **k),
    "linspace": lambda lib, **k: lib.linspace(0, 1, 5, **k),
    "scalar_tensor": lambda lib, **k: lib.scalar_tensor(2.0, **k),
    "zeros_like": lambda lib, **k: lib.zeros_like(lib.ones(2), **k),
    "ones_like": lambda lib, **k: lib.ones_like(lib.ones(2), **k),
    "empty_like": lambda lib, **k: lib.empty_like(lib.ones(2), **k),
    "full_like": lambda lib, **k: lib.full_like(lib.ones(2), 3.0, **k),
}


@pytest.mark.parametrize("factory", list(FACTORIES))
def test_factory_requires_grad(factory):
    make = FACTORIES[factory]
    same(lambda lib, F: [(t.requires_grad, t.is_leaf, t.grad_fn is None, t.grad is None)
                         for t in (make(lib), make(lib, requires_grad=True), make(lib, requires_grad=False),
                                   make(lib, dtype=lib.float64, requires_grad=True))])
    # Integer dtypes cannot require grad: the factories' message ("Only ... and complex"), where
    # the factory makes integer tensors at all.
    if outcome(lambda: make(torch, dtype=torch.int64))[1] is None:
        same(lambda lib, F: make(lib, dtype=lib.int64, requires_grad=True))


@scenario
def requires_grad_integer(lib, F):
    """requires_grad_() and the property setter word the integer refusal differently in 1.13."""
    return [outcome(lambda: lib.tensor([1]).requires_grad_()),
            outcome(lambda: setattr(lib.tensor([1]), "requires_grad", True)),
            outcome(lambda: lib.tensor([1]).requires_grad_(False).requires_grad)]


@scenario
def requires_grad_non_leaf(lib, F):
    y = lib.tensor([1.0], requires_grad=True) * 2
    return [outcome(lambda: y.requires_grad_(False)), outcome(lambda: setattr(y, "requires_grad", False)),
            y.requires_grad_(True) is y, y.requires_grad, y.is_leaf]


@scenario
def requires_grad_toggle(lib, F):
    x = lib.tensor([1.0])
    r = [x.requires_grad, x.requires_grad_() is x, x.requires_grad, x.is_leaf]
    x.requires_grad = False
    return r + [x.requires_grad, (x * 2).requires_grad]


@scenario
def reprs(lib, F):
    """`requires_grad=True` on leaves, `grad_fn=<...>` otherwise, after the dtype, wrapped as torch."""
    x = lib.tensor([1.0, -2.0], requires_grad=True)
    return [repr(x), str(x), repr(lib.zeros(2, dtype=lib.float64, requires_grad=True)),
            repr(lib.relu(x)), repr(F.leaky_relu(x * 2)), repr(lib.zeros(0, requires_grad=True)),
            repr(F.relu(lib.ones(2, dtype=lib.bfloat16, requires_grad=True))),
            repr(F.elu(lib.zeros(4, 5, dtype=lib.float64, requires_grad=True))),
            repr(lib.scalar_tensor(3.0, requires_grad=True)), repr(x.detach()), repr(lib.relu(x).detach())]


@scenario
def grad_fn_graph(lib, F):
    """grad_fn names down the graph: next_functions pairs (node or None, 0)."""
    x = lib.tensor([1.0, -2.0], requires_grad=True)

    def names(fn):
        return None if fn is None else (fn.name(), [(names(f), i) for f, i in fn.next_functions])
    y = F.relu(x * 2)
    acc = y.grad_fn.next_functions[0][0].next_functions[0][0]
    return [names(y.grad_fn), x.grad_fn, y.grad_fn is y.grad_fn, acc.variable.data_ptr() == x.data_ptr(),
            repr(y.grad_fn).split(" object at 0x")[0], repr(acc).split(" object at 0x")[0]]


# ---- .grad ----
@scenario
def non_leaf_grad_warning(lib, F):
    """Reading .grad of a non-leaf that does not retain it warns (torch's text; its tail naming a
    source file of torch is dropped)."""
    y = lib.tensor([1.0], requires_grad=True) * 2
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        g = y.grad
    return [g, [(x.category.__name__, str(x.message).split(" (Triggered internally")[0]) for x in w]]


@scenario
def retain_grad(lib, F):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    c = x * 3
    flags = [c.retains_grad, x.retains_grad]
    c.retain_grad()
    x.retain_grad()  # a no-op on a leaf
    (c * c).sum().backward()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a retained grad does not warn
        return flags + [c.retains_grad, x.retains_grad, c.grad, x.grad,
                        outcome(lambda: lib.tensor([1.0]).retain_grad())]


@scenario
def retain_grad_and_hook_order(lib, F):
    """In 1.13 the retained grad is taken where retain_grad() was called among the hooks."""
    out = []
    for first in (True, False):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        c = x * 3
        if first:
            c.retain_grad()
        c.register_hook(lambda g: g * 2)
        if not first:
            c.retain_grad()
        (c * c).sum().backward()
        out += [c.grad, x.grad]
    return out


@scenario
def grad_setter(lib, F):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    errors = [outcome(lambda v=v: setattr(x, "grad", v))
              for v in (3, lib.zeros(3), lib.zeros(2, dtype=lib.float64))]
    x.grad = lib.ones(2)
    (x * 2).sum().backward()  # accumulates into the assigned grad
    g = x.grad
    x.grad = None
    return errors + [g, x.grad]


# ---- backward ----
@scenario
def backward_errors(lib, F):
    x = lib.tensor([1.0, -2.0], requires_grad=True)
    return [outcome(lambda: F.relu(x).backward()),  # not a scalar
            outcome(lambda: lib.tensor(1.0).backward()),  # no graph
            outcome(lambda: F.relu(x).backward(lib.ones(3))),
            outcome(lambda: F.relu(x).backward(lib.ones(2, dtype=lib.float64))), x.grad]


@scenario
def backward_twice(lib, F):
    """Saved tensors are freed by the first pass (relu saves its output); retain_graph keeps them
    and the second pass accumulates."""
    x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = F.relu(x)
    y.sum().backward()
    first = outcome(lambda: y.sum().backward())
    x.grad = None
    s = F.relu(x).sum()
    s.backward(retain_graph=True)
    s.backward()
    return [first, x.grad]


@scenario
def backward_accumulates(lib, F):
    x = lib.tensor([1.0, -2.0], requires_grad=True)
    F.leaky_relu(x, 0.5).sum().backward()
    F.leaky_relu(x, 0.5).sum().backward()
    return x.grad


@scenario
def autograd_backward(lib, F):
    a, b = lib.tensor([1.0, 2.0], requires_grad=True), lib.tensor([1.0, -2.0], requires_grad=True)
    lib.autograd.backward([(a * 2).sum(), F.relu(b)], [None, lib.tensor([3.0, 3.0])])
    lib.autograd.backward((a * 2).sum())
    return [a.grad, b.grad, outcome(lambda: lib.autograd.backward([a.sum(), b.sum()], [lib.tensor(1.0)])),
            lib.autograd.grad([a.sum()], [a], [lib.tensor(2.0), lib.tensor(1.0)])]


def test_create_graph_every_entry_point():
    """Tensor.backward, autograd.backward and autograd.grad all take create_graph (the rest of double
    backward: test_double_backward.py)."""
    for lib in (torch, ramp):
        got = []
        for call in ("tensor", "backward", "grad"):
            x = lib.tensor([1.0, -2.0], requires_grad=True)
            y = (x ** 3).sum()
            if call == "tensor":
                y.backward(create_graph=True)
                g = x.grad
            elif call == "backward":
                lib.autograd.backward(y, create_graph=True)
                g = x.grad
            else:
                g, = lib.autograd.grad(y, x, create_graph=True)
            got.append((g.tolist(), g.requires_grad, lib.autograd.grad(g.sum(), x)[0].tolist()))
        if lib is torch:
            want = got
    assert got == want


# ---- in-place ops and the version counter (reference §7) ----
@scenario
def inplace_on_leaf(lib, F):
    """Every way of writing in place into a leaf that requires grad raises the same error; under
    no_grad it is allowed (and counts as a write)."""
    x = lib.tensor([-1.0, 2.0], requires_grad=True)
    errors = [outcome(f) for f in (lambda: lib.relu_(x), lambda: x.relu_(), lambda: F.relu(x, inplace=True),
                                   lambda: lib.nn.ReLU(inplace=True)(x), lambda: F.leaky_relu_(x),
                                   lambda: F.elu(x, inplace=True), lambda: x.sigmoid_())]
    with lib.no_grad():
        x.relu_()
    F.leaky_relu_(x.data, 0.5)  # through .data: no graph, allowed
    return errors + [x.detach(), x.requires_grad, x.is_leaf, x.data.requires_grad, x.data.data_ptr() == x.data_ptr()]


@scenario
def inplace_on_view_of_leaf(lib, F):
    base = lib.tensor([-1.0, 2.0, -3.0], requires_grad=True)
    return [outcome(lambda: base[:2].relu_()), outcome(lambda: F.hardtanh_(base[1:])),
            outcome(lambda: base.__setitem__(0, 1.0))]  # base[0] = 1.0


@scenario
def inplace_on_no_grad_view(lib, F):
    x = lib.tensor([-1.0, 2.0, -3.0], requires_grad=True) * 1
    with lib.no_grad():
        v = x[:2]
    return outcome(lambda: v.relu_())


@scenario
def inplace_on_overlapping(lib, F):
    return outcome(lambda: lib.zeros(1).expand(3).relu_())


def modified_then_backward(make, modify):
    """A scenario: y = make(x); modify(y); backward through y."""
    def run(lib, F):
        x = lib.tensor([-1.0, 2.0, 3.0], requires_grad=True)
        y = make(lib, F, x)
        modify(y)
        y.sum().backward()
        return x.grad
    return run


VERSION_CASES = {  # each raises torch's message naming the node whose saved output was modified
    "sigmoid_relu_": (lambda lib, F, x: x.sigmoid(), lambda y: y.relu_()),
    "tanh_relu_": (lambda lib, F, x: lib.tanh(x), lambda y: y.relu_()),
    "softmax_relu_": (lambda lib, F, x: F.softmax(x, dim=0), lambda y: F.relu_(y)),
    "relu_add_": (lambda lib, F, x: F.relu(x), lambda y: operator.iadd(y, 1)),  # y += 1
    "relu_mul_": (lambda lib, F, x: F.relu(x), lambda y: operator.imul(y, 2)),
    "relu_relu_": (lambda lib, F, x: F.relu(x), lambda y: y.relu_()),
    "sigmoid_detach_relu_": (lambda lib, F, x: x.sigmoid(), lambda y: y.detach().relu_()),  # detach shares it
    "elu_inplace_then_mul_": (lambda lib, F, x: F.elu_(x * 1), lambda y: operator.imul(y, 2)),
    # Fine in both: mul by a Python number saves no tensor, relu_ rebases onto it.
    "mul_relu_": (lambda lib, F, x: x * 2, lambda y: y.relu_()),
}


# relu's default backward reads a 1-bit mask written by its forward, not its output (ramp's
# documented difference): writing relu's output before backward is then fine, and the gradient is
# torch's for the same modified graph with relu's output not saved. With the mask off, torch's error.
RELU_OUTPUT_WRITES = {"relu_add_", "relu_mul_", "relu_relu_"}


@pytest.mark.parametrize("mask", [False, True])
@pytest.mark.parametrize("case", list(VERSION_CASES))
def test_version_counter(case, mask):
    previous = ramp._C._mask_backward_enabled()
    ramp._C._set_mask_backward(mask)
    try:
        if mask and case in RELU_OUTPUT_WRITES:
            make, modify = VERSION_CASES[case]
            # torch's gradient of the same modified graph when relu's output is not saved (a clone).
            expected, t_err = outcome(modified_then_backward(lambda lib, F, x: make(lib, F, x).clone(), modify),
                                      torch, F_OF[torch])
            got, r_err = outcome(modified_then_backward(make, modify), ramp, F_OF[ramp])
            assert t_err is None and r_err is None
            assert got.tolist() == expected.tolist()
            return
        same(modified_then_backward(*VERSION_CASES[case]))
    finally:
        ramp._C._set_mask_backward(previous)


@scenario
def inplace_rebases_grad_fn(lib, F):
    """y = x*2; y.relu_(): y's grad_fn becomes ReluBackward0 over MulBackward0, and the gradient flows."""
    x = lib.tensor([-1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    v0 = y._version
    r = y.relu_()
    names = [r is y, y.grad_fn.name(), y.grad_fn.next_functions[0][0].name(), y._version - v0, y.is_leaf]
    y.sum().backward()
    return names + [x.grad]


# ---- detach ----
@scenario
def detach_shares_data_and_version(lib, F):
    x = lib.tensor([-1.0, 2.0], requires_grad=True)
    y = F.elu(x)
    d = y.detach()
    v = y._version
    d.relu_()  # writes y's data too, and counts on y's version counter
    return [d.requires_grad, d.is_leaf, d.grad_fn, y._version - v, y.detach(), d._version == y._version]


@scenario
def detach_in_place(lib, F):
    x = lib.tensor([-1.0, 2.0], requires_grad=True)
    y = x * 2
    r = [y.detach_() is y, y.requires_grad, y.is_leaf, y.grad_fn]
    z = x * 1
    return r + [outcome(lambda: z[:1].detach_())]


@scenario
def version_counts_writes(lib, F):
    x = lib.zeros(3)
    v = [x._version]
    x += 1
    x.relu_()
    F.leaky_relu_(x)
    v.append(x._version)
    F.relu(x)  # out of place: no write
    v.append(x._version)
    return v


# ---- hooks ----
@scenario
def hooks_modify_and_remove(lib, F):
    x = lib.tensor([1.0, -2.0], requires_grad=True)
    h1 = x.register_hook(lambda g: g + 1)
    x.register_hook(lambda g: g * 10)  # runs after h1, on its result
    F.leaky_relu(x, 0.5).sum().backward()
    first = x.grad
    h1.remove()
    h1.remove()  # twice is fine
    x.grad = None
    F.leaky_relu(x, 0.5).sum().backward()
    return [first, x.grad]


@scenario
def hook_on_non_leaf(lib, F):
    x = lib.tensor([1.0, -2.0], requires_grad=True)
    y = x * 3
    seen = []
    y.register_hook(lambda g: seen.append(g.tolist()))  # returns None: the grad is kept
    h = y.register_hook(lambda g: g * 2)
    F.relu(y).sum().backward()
    g1 = x.grad
    h.remove()
    x.grad = None
    y = x * 3
    F.relu(y).sum().backward()
    return [seen, g1, x.grad]


@scenario
def hook_errors(lib, F):
    def run(hook, leaf):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x if leaf else x * 2
        y.register_hook(hook)
        (y * 2).sum().backward()

    def bad_size(g):
        return lib.zeros(3)

    def bad_dtype(g):
        return g.double()

    def raises(g):
        raise ValueError("boom")
    cases = [(bad_size, True), (bad_size, False), (bad_dtype, False), (lambda g: 3, True), (raises, False)]
    return [outcome(lambda c=c: run(*c)) for c in cases] + [
        outcome(lambda: lib.tensor([1.0]).register_hook(lambda g: g))]


def test_hook_handle_and_threads():
    """Hooks are called from the C++ engine (which runs without the GIL) in several threads at once."""
    def work(results, i):
        x = ramp.tensor([float(i), -1.0], requires_grad=True)
        x.register_hook(lambda g: g * 2)
        y = x * 1
        y.register_hook(lambda g: g + i)
        RF.relu(y).sum().backward()
        results[i] = x.grad.tolist()
    results = {}
    threads = [threading.Thread(target=work, args=(results, i)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # relu'(i) is 1 for i > 0 (0 at 0), relu'(-1) = 0; then + i, then * 2.
    assert results == {i: [2.0 * ((i > 0) + i), 2.0 * i] for i in range(8)}


# ---- grad mode ----
@scenario
def grad_mode_nesting(lib, F):
    x = lib.tensor([1.0], requires_grad=True)
    out = [lib.is_grad_enabled()]
    with lib.no_grad():
        out += [lib.is_grad_enabled(), F.relu(x).requires_grad]
        with lib.enable_grad():
            out += [lib.is_grad_enabled(), F.relu(x).requires_grad]
            with lib.set_grad_enabled(False):
                out += [lib.is_grad_enabled(), (x * 2).requires_grad]
            out.append(lib.is_grad_enabled())
        out.append(lib.is_grad_enabled())
    try:
        with lib.no_grad():
            raise KeyError
    except KeyError:
        out.append(lib.is_grad_enabled())  # restored on the way out of an exception
    return out + [F.relu(x).requires_grad]


@scenario
def grad_mode_decorators(lib, F):
    x = lib.tensor([1.0], requires_grad=True)

    @lib.no_grad()
    def off(t):
        return F.relu(t), lib.is_grad_enabled()

    @lib.enable_grad()
    def on(t):
        return F.relu(t), lib.is_grad_enabled()

    @lib.no_grad()
    def gen(t):
        yield lib.is_grad_enabled()
        yield F.relu(t).requires_grad

    out = [off(x)[0].requires_grad, off(x)[1], lib.is_grad_enabled(), off.__name__]
    with lib.no_grad():
        out += [on(x)[0].requires_grad, on(x)[1], lib.is_grad_enabled()]
    g = gen(x)
    out += [next(g), lib.is_grad_enabled(), next(g)]
    # set_grad_enabled acts when called (so it works as a plain function too) ...
    lib.set_grad_enabled(False)
    out.append(lib.is_grad_enabled())
    lib.set_grad_enabled(True)
    # ... and as a decorator it applies its mode around each call.
    dec = lib.set_grad_enabled(False)
    out.append(lib.is_grad_enabled())
    lib.set_grad_enabled(True)
    f = dec(lambda: lib.is_grad_enabled())
    return out + [f(), lib.is_grad_enabled(), lib.autograd.no_grad is lib.no_grad,
                  lib.autograd.set_grad_enabled is lib.set_grad_enabled]


def test_grad_mode_is_thread_local():
    seen = []
    with ramp.no_grad():
        t = threading.Thread(target=lambda: seen.append(ramp.is_grad_enabled()))
        t.start()
        t.join()
        assert not ramp.is_grad_enabled()
    assert seen == [True] and ramp.is_grad_enabled()


# ---- torch.autograd.grad ----
@scenario
def autograd_grad(lib, F):
    x = lib.tensor([1.0, -2.0], requires_grad=True)
    unused = lib.tensor([1.0], requires_grad=True)
    y = F.leaky_relu(x, 0.25)  # exact gradients: the scenario is about the API
    out = [lib.autograd.grad(y.sum(), x, retain_graph=True), x.grad]  # .grad untouched
    out.append(lib.autograd.grad(y, [x], lib.tensor([2.0, 3.0]), retain_graph=True))
    out.append(lib.autograd.grad([y.sum()], [x, unused], allow_unused=True, retain_graph=True))
    out.append(outcome(lambda: lib.autograd.grad(y.sum(), [x, unused], retain_graph=True)))
    out.append(outcome(lambda: lib.autograd.grad(y, x, retain_graph=True)))  # not a scalar
    out.append(outcome(lambda: lib.autograd.grad(y.sum(), lib.tensor([1.0]), retain_graph=True)))
    a, b = F.relu(x), F.hardsigmoid(x)
    out.append(lib.autograd.grad([a.sum(), b.sum()], [x]))
    z = F.relu(x).sum()
    lib.autograd.grad(z, x)
    out.append(outcome(lambda: lib.autograd.grad(z, x)))  # the graph was freed
    return out


@scenario
def autograd_grad_of_intermediate(lib, F):
    x = lib.tensor([1.0, -2.0], requires_grad=True)
    h = x * 2
    return lib.autograd.grad(F.relu(h).sum(), [h, x])


@scenario
def autograd_grad_skips_input_hooks(lib, F):
    """1.13 returns the gradient arriving at an input before that input's hooks."""
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: g * 10)
    h = x * 2
    h.register_hook(lambda g: g * 10)
    return [lib.autograd.grad((x * 2).sum(), x), lib.autograd.grad((h * 2).sum(), h)]


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenario(name):
    same(SCENARIOS[name])


@pytest.mark.parametrize("path", ["autograd.grad", "autograd.backward", "Tensor.backward", "no_grad",
                                  "set_grad_enabled"])
def test_signature(path):
    def sig(lib):
        obj = lib
        for part in path.split("."):
            obj = getattr(obj, part)
        s = inspect.signature(obj)
        return [(p.name, p.default, p.kind) for p in s.parameters.values()]
    assert sig(ramp) == sig(torch)
