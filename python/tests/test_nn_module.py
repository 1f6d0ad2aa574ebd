"""ramp.nn.Module against torch 1.13's nn.Module: the same model code run on both libraries, compared
for reprs, registration, traversal order, state_dict keys and values, load_state_dict's errors,
hooks, modes, dtype conversion and attribute errors."""
from collections import OrderedDict

import numpy as np
import pytest

import ramp
from conftest import outcome, to_numpy

torch = pytest.importorskip("torch")


def to_torch_state(sd):
    return OrderedDict((k, torch.from_numpy(v.numpy().copy())) for k, v in sd.items())


def to_ramp_state(sd):
    return OrderedDict((k, ramp.from_numpy(v.detach().numpy().copy())) for k, v in sd.items())


def torch_text(s):
    """ramp's wording of a torch message: ramp prints its own Size and dtype names."""
    return s.replace("torch.Size", "ramp.Size").replace("dtype=torch.", "dtype=ramp.")


# ---- the same model code for both libraries ----
def simple_cnn(lib):
    nn = lib.nn

    class SimpleCNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 32, kernel_size=3, padding=1)
            self.relu1 = nn.ReLU()
            self.conv2 = nn.Conv2d(32, 64, kernel_size=3, padding=1)
            self.relu2 = nn.ReLU()
            self.pool = nn.MaxPool2d(2, 2)

        def forward(self, x):
            return self.pool(self.relu2(self.conv2(self.pool(self.relu1(self.conv1(x))))))
    return SimpleCNN()


def net(lib):
    """Nested containers, a PReLU child, a BatchNorm (buffers), a non-persistent buffer and a
    module registered twice (named once)."""
    nn = lib.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
            self.acts = nn.ModuleList([nn.ReLU(), nn.Tanh()])
            self.norm = nn.BatchNorm1d(3)
            self.head = nn.Sequential(OrderedDict([("fc", nn.Linear(3, 1)), ("act", nn.PReLU())]))
            self.shared = self.body
            self.register_buffer("scale", lib.ones(1))
            self.register_buffer("cache", lib.zeros(2), persistent=False)

        def forward(self, x):
            h = self.norm(self.acts[1](self.acts[0](self.body(x))))
            return self.head(h) * self.scale
    return Net()


class Empty:
    pass


MODELS = {"simple_cnn": simple_cnn, "net": net,
          "sequential": lambda lib: lib.nn.Sequential(lib.nn.Linear(4, 4), lib.nn.ReLU(), lib.nn.Linear(4, 2)),
          "empty_sequential": lambda lib: lib.nn.Sequential(),
          "module": lambda lib: lib.nn.Module(),
          "module_list": lambda lib: lib.nn.ModuleList([lib.nn.ReLU(), lib.nn.ReLU(), lib.nn.ReLU()])}


@pytest.mark.parametrize("name", MODELS)
def test_repr_and_traversal(name):
    r, t = MODELS[name](ramp), MODELS[name](torch)
    assert repr(r) == repr(t)
    assert [n for n, _ in r.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [tuple(p.shape) for p in r.parameters()] == [tuple(p.shape) for p in t.parameters()]
    assert [n for n, _ in r.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert [n for n, _ in r.named_modules()] == [n for n, _ in t.named_modules()]
    assert [n for n, _ in r.named_children()] == [n for n, _ in t.named_children()]
    assert [type(m).__name__ for m in r.modules()] == [type(m).__name__ for m in t.modules()]
    assert list(r.state_dict().keys()) == list(t.state_dict().keys())
    assert [n for n, _ in r.named_parameters(prefix="m", recurse=False)] == \
        [n for n, _ in t.named_parameters(prefix="m", recurse=False)]
    assert [n for n, _ in r.named_modules(remove_duplicate=False)] == \
        [n for n, _ in t.named_modules(remove_duplicate=False)]
    assert [k for k in dir(r) if not k.startswith("_")] == [k for k in dir(t) if not k.startswith("_")
                                                            and hasattr(r, k)]


def test_state_dict_round_trip_both_ways():
    """torch -> numpy -> ramp gives ramp torch's outputs; ramp -> numpy -> torch gives them back."""
    torch.manual_seed(0)
    t, r = net(torch), net(ramp)
    x = torch.randn(5, 2)
    assert repr(r.load_state_dict(to_ramp_state(t.state_dict()))) == "<All keys matched successfully>"
    for p_r, p_t in zip(r.state_dict().values(), t.state_dict().values()):
        np.testing.assert_array_equal(to_numpy(p_r), p_t.numpy())
    np.testing.assert_allclose(to_numpy(r(ramp.from_numpy(x.numpy()))), t(x).detach().numpy(), rtol=1e-5, atol=1e-6)
    # Training changed BatchNorm's running stats and num_batches_tracked in both.
    assert r.norm.num_batches_tracked.item() == t.norm.num_batches_tracked.item() == 1
    for (k, a), b in zip(r.state_dict().items(), t.state_dict().values()):  # batch statistics: rounding
        np.testing.assert_allclose(to_numpy(a), b.numpy(), rtol=1e-6, err_msg=k)
    t2 = net(torch)
    t2.load_state_dict(to_torch_state(r.state_dict()))
    for (k, a), b in zip(r.state_dict().items(), t2.state_dict().values()):
        np.testing.assert_array_equal(to_numpy(a), b.numpy(), err_msg=k)
    sd = r.state_dict()
    assert type(sd) is OrderedDict and all(not v.requires_grad for v in sd.values())
    assert sd._metadata[""] == {"version": 1} and sd._metadata["norm"] == {"version": 2}
    kept = r.state_dict(keep_vars=True)
    assert kept["body.0.weight"] is r.body[0].weight
    assert list(r.state_dict(prefix="p.").keys())[:2] == ["p.scale", "p.body.0.weight"]


def test_state_dict_shares_data():
    m = ramp.nn.Linear(2, 2)
    sd = m.state_dict()
    with ramp.no_grad():
        m.weight.fill_(3.0)
    assert sd["weight"].tolist() == [[3.0, 3.0], [3.0, 3.0]]


def errors_of(lib, make_state):
    model = net(lib)
    sd = make_state(model.state_dict(), lib)
    return outcome(lambda: model.load_state_dict(sd)), outcome(lambda: repr(model.load_state_dict(sd, strict=False)))


def drop(sd, lib):
    del sd["head.fc.bias"], sd["norm.running_var"]
    return sd


def extra(sd, lib):
    sd["head.fc.extra"] = lib.zeros(1)
    sd["other"] = lib.zeros(1)
    return sd


def resize(sd, lib):
    sd["body.0.weight"] = lib.zeros(4, 2)
    sd["head.act.weight"] = lib.zeros(3)
    return sd


def all_three(sd, lib):
    return resize(extra(drop(sd, lib), lib), lib)


@pytest.mark.parametrize("make_state", [drop, extra, resize, all_three])
def test_load_state_dict_errors(make_state):
    (r, r_err), (r_loose, r_loose_err) = errors_of(ramp, make_state)
    (t, t_err), (t_loose, t_loose_err) = errors_of(torch, make_state)
    assert r_err is not None and r_err[0] == t_err[0] == "RuntimeError"
    assert r_err[1] == torch_text(t_err[1])
    assert r_loose == t_loose and r_loose_err == (None if t_loose_err is None else
                                                   (t_loose_err[0], torch_text(t_loose_err[1])))


def test_load_state_dict_not_a_tensor_and_not_a_dict():
    m = ramp.nn.Linear(1, 1)
    with pytest.raises(RuntimeError, match='While copying the parameter named "bias", expected ramp.Tensor'):
        m.load_state_dict({"weight": ramp.zeros(1, 1), "bias": [0.0]})
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like, got <class 'list'>."):
        m.load_state_dict([])
    result = m.load_state_dict({"weight": ramp.ones(1, 1)}, strict=False)
    assert result.missing_keys == ["bias"] and result.unexpected_keys == [] and m.weight.item() == 1.0


def test_registration_errors_match_torch():
    def attempts(lib):
        nn = lib.nn
        m = nn.Linear(2, 2)
        return [outcome(lambda: setattr(m, "weight", lib.zeros(2, 2))),
                outcome(lambda: setattr(m, "weight", nn.Parameter(lib.zeros(2, 2)) * 2)),
                outcome(lambda: m.register_parameter("a.b", None)),
                outcome(lambda: m.register_parameter("", None)),
                outcome(lambda: m.register_parameter(3, None)),
                outcome(lambda: m.register_parameter("in_features", None)),
                outcome(lambda: m.register_parameter("p", lib.zeros(1))),
                outcome(lambda: m.register_buffer("weight", lib.zeros(1))),
                outcome(lambda: m.register_buffer("b", [1])),
                outcome(lambda: m.add_module("x", 3)),
                outcome(lambda: m.add_module("a.b", nn.ReLU())),
                outcome(lambda: getattr(m, "nope")),
                outcome(lambda: m.get_submodule("x.y")),
                outcome(lambda: nn.Module()(1)),
                outcome(lambda: nn.Module().train("yes"))]
    for r, t in zip(attempts(ramp), attempts(torch)):
        assert r[1] is not None
        assert r[1][0] == t[1][0] and r[1][1] == torch_text(t[1][1]).replace("torch.nn.modules.", "ramp.nn.")


def test_setattr_moves_between_kinds():
    for lib in (ramp, torch):
        m = lib.nn.Module()
        m.x = lib.nn.ReLU()
        m.x = lib.nn.Parameter(lib.zeros(1))  # a parameter replaces the module
        assert "x" in m._parameters and "x" not in m._modules
        with pytest.raises(TypeError, match="cannot assign '.*ReLU' as parameter 'x'"):
            m.x = lib.nn.ReLU()  # but not the other way round (torch's rule)
        del m.x
        m.x = lib.nn.ReLU()
        m.x = None  # keeps the slot, as None
        assert m._modules["x"] is None and m.x is None
        m.register_buffer("b", lib.zeros(1))
        m.b = lib.ones(1)
        assert m._buffers["b"].tolist() == [1.0]
        del m.b, m.x
        assert "b" not in m._buffers and "x" not in m._modules
        m.plain = 3
        assert m.__dict__["plain"] == 3


def test_parameter():
    for values in ([0.25], [[1.0, -2.0], [3.0, 4.5]]):
        r, t = ramp.nn.Parameter(ramp.tensor(values)), torch.nn.Parameter(torch.tensor(values))
        assert repr(r) == repr(t) and str(r) == str(t)
        assert isinstance(r, ramp.Tensor) and r.requires_grad and r.is_leaf
    assert repr(ramp.nn.Parameter(ramp.tensor([0.5], dtype=ramp.float64))) == \
        torch_text(repr(torch.nn.Parameter(torch.tensor([0.5], dtype=torch.float64))))
    assert repr(ramp.nn.Parameter()) == repr(torch.nn.Parameter())
    assert not ramp.nn.Parameter(ramp.zeros(1), requires_grad=False).requires_grad
    base = ramp.zeros(3)
    p = ramp.nn.Parameter(base)
    base[1] = 5.0  # shares the data
    assert p.tolist() == [0.0, 5.0, 0.0] and type(p * 2) is ramp.Tensor
    g = (ramp.nn.Parameter(ramp.ones(2)) * 3).sum()
    assert g.grad_fn.name() == "SumBackward0"
    import copy
    q = copy.deepcopy(p)
    assert type(q) is ramp.nn.Parameter and q.tolist() == p.tolist() and q.data_ptr() != p.data_ptr()


def run_hooks(lib):
    """Pre-hooks replacing the input (a single value and a tuple), forward hooks replacing the
    output, global hooks first, removal by handle and as a context manager."""
    nn, log = lib.nn, []
    m = nn.Linear(2, 2)
    with lib.no_grad():
        m.weight.copy_(lib.tensor([[1.0, 2.0], [3.0, 4.0]]))
        m.bias.zero_()
    h1 = m.register_forward_pre_hook(lambda mod, inp: log.append(("pre", type(inp).__name__)) or inp[0] * 2)
    h2 = m.register_forward_hook(lambda mod, inp, out: log.append(("fwd", inp[0].tolist())) or out + 1)
    module_py = nn.modules.module if lib is torch else nn.module
    g = module_py.register_module_forward_pre_hook(lambda mod, inp: log.append(("global", type(mod).__name__)))
    y1 = m(lib.tensor([[1.0, 1.0]])).tolist()
    g.remove()
    h1.remove()
    y2 = m(lib.tensor([[1.0, 1.0]])).tolist()
    h2.remove()
    with m.register_forward_pre_hook(lambda mod, inp: (inp[0] * 0,)):
        y3 = m(lib.tensor([[1.0, 1.0]])).tolist()
    y4 = m(lib.tensor([[1.0, 1.0]])).tolist()
    relu = nn.ReLU(inplace=True)
    same = []
    relu.register_forward_hook(lambda mod, inp, out: same.append(inp[0] is out))
    relu(lib.tensor([-1.0, 1.0]))
    return log, y1, y2, y3, y4, same


def test_hooks_match_torch():
    assert run_hooks(ramp) == run_hooks(torch)


def test_train_eval_zero_grad_requires_grad():
    r = net(ramp)
    assert r.training and all(m.training for m in r.modules())
    assert r.eval() is r and not any(m.training for m in r.modules())
    assert r.train() is r and all(m.training for m in r.modules())
    r(ramp.randn(4, 2)).sum().backward()
    grads = [p.grad for p in r.parameters()]
    assert all(g is not None for g in grads)
    r.zero_grad()  # 1.13: in place, to zero
    assert all(p.grad is not None and not p.grad.abs().sum().item() for p in r.parameters())
    r.zero_grad(set_to_none=True)
    assert all(p.grad is None for p in r.parameters())
    assert r.requires_grad_(False) is r and not any(p.requires_grad for p in r.parameters())
    r.requires_grad_()
    assert all(p.requires_grad for p in r.parameters())


def test_to_double_keeps_parameter_objects():
    r = net(ramp)
    params = list(r.parameters())
    r(ramp.randn(4, 2)).sum().backward()
    assert r.double() is r
    assert [p is q for p, q in zip(params, r.parameters())] == [True] * len(params)
    assert all(p.dtype == ramp.float64 and p.grad.dtype == ramp.float64 for p in r.parameters())
    assert r.norm.running_mean.dtype == ramp.float64 and r.norm.num_batches_tracked.dtype == ramp.int64
    y = r(ramp.randn(4, 2, dtype=ramp.float64))
    assert y.dtype == ramp.float64
    assert r.to(ramp.float32) is r and r.head.fc.weight.dtype == ramp.float32
    assert r.to(ramp.zeros(1, dtype=ramp.float64)).body[0].bias.dtype == ramp.float64
    assert r.float().body[0].weight.dtype == ramp.float32 and r.to("cpu") is r
    with pytest.raises(TypeError, match="nn.Module.to only accepts floating point or complex dtypes, but got "
                                        "desired dtype=ramp.int64"):
        r.to(ramp.int64)
    with pytest.raises(AssertionError, match="CPU only"):  # torch without CUDA: AssertionError
        r.to("cuda")


def test_apply_order_and_get_submodule():
    orders = []
    for lib in (ramp, torch):
        seen = []
        m = net(lib)
        m.apply(lambda mod: seen.append(type(mod).__name__))
        orders.append(seen)
        assert m.get_submodule("head.fc") is m.head.fc and m.get_submodule("") is m
    assert orders[0] == orders[1]


def test_forward_missing_and_call_kwargs():
    class NoForward(ramp.nn.Module):
        pass
    with pytest.raises(NotImplementedError, match=r'Module \[NoForward\] is missing the required "forward" function'):
        NoForward()(ramp.zeros(1))

    class Kw(ramp.nn.Module):
        def forward(self, x, scale=1.0):
            return x * scale
    assert Kw()(ramp.ones(1), scale=3.0).tolist() == [3.0]


def test_activation_modules_are_modules():
    """The generated activation classes register as children, run hooks, have Python attributes and
    a state_dict (PReLU's weight), and keep the C++ fields' validation."""
    seq = ramp.nn.Sequential(ramp.nn.LeakyReLU(0.2), ramp.nn.PReLU(2))
    assert [n for n, _ in seq.named_parameters()] == ["1.weight"]
    calls = []
    seq[0].register_forward_hook(lambda m, i, o: calls.append(o.tolist()))
    y = seq(ramp.tensor([[-1.0, 2.0]]))
    assert calls[0][0] == pytest.approx([-0.2, 2.0]) and y.tolist()[0] == pytest.approx([-0.05, 2.0])
    seq[0].note = "x"
    assert seq[0].note == "x" and seq[0].negative_slope == 0.2
    with pytest.raises(TypeError):
        seq[0].negative_slope = "steep"
    seq.eval()
    assert not seq[0].training and not seq[1].training
    rrelu = ramp.nn.RReLU().eval()  # eval reaches the C++ forward: negatives scaled by the mean slope
    assert rrelu(ramp.tensor([-1.0])).item() == pytest.approx(-(0.125 + 1 / 3) / 2)
    with pytest.raises(TypeError, match="cannot assign 'torch.FloatTensor' as parameter 'weight'"):
        seq[1].weight = ramp.zeros(2)


def container_ops(lib):
    """Sequential and ModuleList used as lists, recorded as (repr or outcome) per step."""
    nn, out = lib.nn, []
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    out += [len(seq), type(seq[-1]).__name__, repr(seq[1:]), repr(seq[::2]), [type(m).__name__ for m in seq]]
    out.append(outcome(lambda: seq[3])[1])
    seq.append(nn.Tanh())
    seq.insert(1, nn.Dropout())
    seq.extend(nn.Sequential(nn.Sigmoid()))
    out.append(repr(seq))
    del seq[1]
    out.append(repr(seq))
    out.append(type(seq.pop(0)).__name__)
    seq[0] = nn.ELU()
    out += [repr(seq), repr(seq + nn.Sequential(nn.ReLU())), repr(2 * nn.Sequential(nn.ReLU(), nn.Tanh()))]
    out.append(outcome(lambda: seq + [nn.ReLU()])[1])
    out.append(outcome(lambda: seq * 0)[1])
    named = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    out += [repr(named[0:1]), repr(named), [k for k in dir(named) if k in ("fc", "act", "0")]]
    ml = nn.ModuleList([nn.ReLU(), nn.Tanh()])
    ml.append(nn.Sigmoid())
    ml.extend([nn.ELU(), nn.SELU()])
    ml.insert(1, nn.Identity())
    out += [len(ml), repr(ml), repr(ml[1:3]), type(ml[-1]).__name__, [type(m).__name__ for m in ml]]
    del ml[0]
    out += [repr(ml), type(ml.pop(-1)).__name__, repr(ml + nn.ModuleList([nn.ReLU()]))]
    ml[0] = nn.GELU()
    out.append(repr(ml))
    out += [outcome(lambda: ml[10])[1], outcome(lambda: ml.extend(3))[1], outcome(lambda: ml(1))[1]]
    return out


def test_containers_behave_as_torch():
    torch_ops = [repr(v).replace("torch.nn.modules.container", "ramp.nn.container") for v in container_ops(torch)]
    assert [repr(v) for v in container_ops(ramp)] == torch_ops


def test_sequential_forward_matches_torch():
    torch.manual_seed(4)
    t = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    r = ramp.nn.Sequential(ramp.nn.Linear(3, 4), ramp.nn.ReLU(), ramp.nn.Linear(4, 2))
    r.load_state_dict(to_ramp_state(t.state_dict()))
    x = torch.randn(5, 3)
    np.testing.assert_allclose(to_numpy(r(ramp.from_numpy(x.numpy()))), t(x).detach().numpy(), rtol=1e-6, atol=1e-7)
