"""ramp.keras against the equivalent torch 1.13 nn.Sequential on the same weights: structure, reprs,
state_dict, forward and backward, training steps; Keras's initialisers against their formulas;
summary's rows against the parameter counts; the errors."""
import math
import re
from collections import OrderedDict

import numpy as np
import pytest

import ramp
from conftest import to_numpy
from ramp.keras import Activation, Dense, Sequential

torch = pytest.importorskip("torch")
REGISTRY = ramp._generate.REGISTRY


def to_ramp_state(sd):
    return OrderedDict((k, ramp.from_numpy(v.detach().numpy().copy())) for k, v in sd.items())


def seed_model():
    return Sequential([Dense(64, activation="relu", input_shape=(784,)), Dense(10, activation="softmax")])


def torch_seed_model():
    nn = torch.nn
    return nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10), nn.Softmax(dim=-1))


def test_seed_model_matches_torch_sequential():
    """The seed's model is torch's Linear-ReLU-Linear-Softmax(dim=-1): repr, keys, outputs, gradients."""
    torch.manual_seed(0)
    r, t = seed_model(), torch_seed_model()
    assert repr(r) == repr(t)
    assert list(r.state_dict()) == list(t.state_dict())
    r.load_state_dict(to_ramp_state(t.state_dict()))
    x = torch.randn(5, 784)
    xr = ramp.from_numpy(x.numpy().copy())
    yt, yr = t(x), r(xr)
    np.testing.assert_allclose(to_numpy(yr), yt.detach().numpy(), rtol=1e-5, atol=1e-7)
    g = torch.randn(5, 10)
    yt.backward(g)
    yr.backward(ramp.from_numpy(g.numpy()))
    for (n, pr), (_, pt) in zip(r.named_parameters(), t.named_parameters()):
        np.testing.assert_allclose(to_numpy(pr.grad), pt.grad.numpy(), rtol=1e-4, atol=1e-7, err_msg=n)
    assert isinstance(r, ramp.nn.Module) and r.built


def test_unbuilt_sequential_builds_at_first_batch():
    """Keras: without an input shape a Sequential has no weights until it sees data; then it is the
    PyTorch model of the same layers."""
    m = Sequential([Dense(8, use_bias=False), Dense(3, activation="tanh"), Activation("relu")])
    assert not m.built and list(m.parameters()) == [] and m.weights == []
    with pytest.raises(ValueError, match="This model has not yet been built"):
        m.summary()
    y = m(ramp.randn(2, 5))
    assert y.shape == (2, 3) and m.built
    t = torch.nn.Sequential(torch.nn.Linear(5, 8, bias=False), torch.nn.Linear(8, 3), torch.nn.Tanh(), torch.nn.ReLU())
    assert repr(m) == repr(t) and list(m.state_dict()) == list(t.state_dict())
    assert type(m[0]) is ramp.nn.Linear


@pytest.mark.parametrize("entry", REGISTRY, ids=lambda e: e["name"])
def test_every_activation_name(entry):
    """Dense(activation=<function or class name>) appends that activation module (one with required
    parameters cannot be named alone: its constructor's TypeError)."""
    for name in (entry["name"], entry["module"]):
        if any(f["required"] for f in entry["fields"]):
            with pytest.raises(TypeError, match="missing 2 required positional arguments"):
                Dense(4, activation=name)
            continue
        m = Sequential([Dense(4, activation=name, input_shape=(3,))])
        assert len(m) == 2 and type(m[1]).__name__ == entry["module"]
        if entry["kind"] == "softmax":
            assert m[1].dim == -1
        assert m(ramp.randn(2, 3)).shape == (2, 4)


def test_keras_names_and_errors():
    assert type(Sequential([Dense(2, activation="swish", input_shape=(2,))])[1]) is ramp.nn.Swish
    assert type(Activation("hard_sigmoid").module) is ramp.nn.Hardsigmoid
    assert len(Sequential([Dense(2, activation="linear", input_shape=(2,)), Activation(None)])) == 1
    with pytest.raises(ValueError, match="Unknown activation function: 'nope'"):
        Dense(2, activation="nope")
    with pytest.raises(ValueError, match="expected a positive integer. Received: units=0"):
        Dense(0)
    with pytest.raises(ValueError, match="Unknown initializer: 'orthogonal'"):
        Sequential([Dense(2, input_shape=(2,), kernel_initializer="orthogonal")])
    with pytest.raises(TypeError, match="must be an instance of class Layer"):
        Sequential([ramp.nn.ReLU()])
    m = seed_model()
    with pytest.raises(RuntimeError, match="You must compile your model"):
        m.fit(np.zeros((2, 784), np.float32), np.zeros(2, np.int64))
    for kwargs, text in [({"optimizer": "nadamx", "loss": "mse"}, "Unknown optimizer: 'nadamx'"),
                         ({"optimizer": "sgd", "loss": "hinge"}, "Unknown loss function: 'hinge'"),
                         ({"optimizer": "sgd", "loss": "mse", "metrics": ["auc"]}, "Unknown metric function: 'auc'")]:
        with pytest.raises(ValueError, match=text):
            m.compile(**kwargs)


def uniform_ok(w, bound):
    a = to_numpy(w).astype(np.float64).ravel()
    n = a.size
    assert np.abs(a).max() <= bound and np.abs(a).max() > 0.99 * bound
    assert abs(a.mean()) < 5 * bound / math.sqrt(3 * n)
    assert abs(a.std() - bound / math.sqrt(3)) < 5 * bound / math.sqrt(3) / math.sqrt(2 * n) * 1.2


def test_initialisers():
    m = Sequential([Dense(300, input_shape=(500,)), Dense(200, kernel_initializer="he_uniform"),
                    Dense(100, kernel_initializer="lecun_uniform"), Dense(50, kernel_initializer="random_uniform"),
                    Dense(10, kernel_initializer="zeros")])
    uniform_ok(m[0].weight, math.sqrt(6 / 800))  # glorot_uniform
    uniform_ok(m[1].weight, math.sqrt(6 / 300))
    uniform_ok(m[2].weight, math.sqrt(3 / 200))
    uniform_ok(m[3].weight, 0.05)
    assert not to_numpy(m[4].weight).any()
    assert all(not to_numpy(layer.bias).any() for layer in m)  # Keras's zero biases
    lazy = Sequential([Dense(300, kernel_initializer="he_uniform")])
    lazy(ramp.zeros(1, 500))
    uniform_ok(lazy[0].weight, math.sqrt(6 / 500))
    seen = []
    m = Sequential([Dense(3, input_shape=(2,), kernel_initializer=lambda shape, dtype=None: seen.append(shape) or
                          ramp.arange(6.0).reshape(shape))])
    assert seen == [(2, 3)]  # Keras's kernel layout [in, out], copied into the Linear's [out, in]
    assert to_numpy(m[0].weight).tolist() == np.arange(6.0).reshape(2, 3).T.tolist()


def test_summary():
    lines = []
    m = Sequential([Dense(64, activation="relu", input_shape=(784,)), Dense(10), Activation("softmax")],
                   name="mnist")
    m.summary(print_fn=lines.append)
    assert lines[0] == 'Model: "mnist"' and lines[2].split() == ["Layer", "(type)", "Output", "Shape", "Param", "#"]
    rows = [line.split() for line in lines[4:-5] if line.strip()]
    names = [layer.name for layer in m.layers]
    assert [r[0] for r in rows] == names
    assert re.fullmatch(r"dense(_\d+)?", names[0]) and re.fullmatch(r"activation(_\d+)?", names[2])
    assert int(names[1].split("_")[1]) == int(names[0].split("_")[1] if "_" in names[0] else 0) + 1
    assert [r[1] for r in rows] == ["(Dense)", "(Dense)", "(Activation)"]
    assert [" ".join(r[2:4]) for r in rows] == ["(None, 64)"] * 1 + ["(None, 10)"] * 2
    assert [int(r[4]) for r in rows] == [784 * 64 + 64, 64 * 10 + 10, 0]
    total = sum(p.numel() for p in torch_seed_model().parameters())
    assert lines[-4:-1] == [f"Total params: {total:,}", f"Trainable params: {total:,}", "Non-trainable params: 0"]
    assert all(len(line) == 65 for line in lines[1:4] + [lines[-5], lines[-1]])


def torch_sparse_cce(p, y):
    """Keras's sparse_categorical_crossentropy on probabilities, written out in torch."""
    return torch.nn.functional.nll_loss(p.clamp(1e-7, 1 - 1e-7).log(), y)


def test_fit_matches_torch_sgd():
    """Full-batch SGD epochs (Keras's lr 0.01) give torch's weights for the same loss and data."""
    torch.manual_seed(1)
    x = torch.randn(64, 20)
    y = torch.randint(0, 3, (64,))
    t = torch.nn.Sequential(torch.nn.Linear(20, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3), torch.nn.Softmax(dim=-1))
    m = Sequential([Dense(16, activation="relu", input_shape=(20,)), Dense(3, activation="softmax")])
    m.load_state_dict(to_ramp_state(t.state_dict()))
    m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = m.fit(x.numpy(), y.numpy(), epochs=3, batch_size=64, shuffle=False, verbose=0)
    opt = torch.optim.SGD(t.parameters(), lr=0.01)
    losses, accs = [], []
    for _ in range(3):
        opt.zero_grad()
        p = t(x)
        loss = torch_sparse_cce(p, y)
        losses.append(loss.item())
        accs.append((p.argmax(-1) == y).float().mean().item())
        loss.backward()
        opt.step()
    assert history.history["loss"] == pytest.approx(losses, rel=1e-5)
    assert history.history["accuracy"] == pytest.approx(accs)
    for (n, pr), (_, pt) in zip(m.named_parameters(), t.named_parameters()):
        np.testing.assert_allclose(to_numpy(pr), pt.detach().numpy(), rtol=1e-5, atol=1e-6, err_msg=n)
    loss, acc = m.evaluate(x.numpy(), y.numpy(), verbose=0)
    with torch.no_grad():
        p = t(x)
        assert loss == pytest.approx(torch_sparse_cce(p, y).item(), rel=1e-5)
        assert acc == pytest.approx((p.argmax(-1) == y).float().mean().item())
        np.testing.assert_allclose(m.predict(x.numpy(), batch_size=10), p.numpy(), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("loss,target", [("categorical_crossentropy", "onehot"), ("mse", "onehot"),
                                         ("binary_crossentropy", "binary")])
def test_losses_match_torch(loss, target):
    torch.manual_seed(2)
    x = torch.randn(8, 5)
    units = 1 if target == "binary" else 3
    y = torch.nn.functional.one_hot(torch.randint(0, 3, (8,)), 3).float() if target == "onehot" else \
        torch.randint(0, 2, (8, 1)).float()
    act = "sigmoid" if target == "binary" else "softmax"
    m = Sequential([Dense(units, activation=act, input_shape=(5,))])
    m.compile(optimizer="sgd", loss=loss, metrics=["accuracy"])
    got_loss, got_acc = m.evaluate(x.numpy(), y.numpy(), verbose=0)
    t = torch.nn.Sequential(torch.nn.Linear(5, units))
    t.load_state_dict({k: torch.from_numpy(to_numpy(v).copy()) for k, v in m.state_dict().items()})
    with torch.no_grad():
        z = t(x)
        p = torch.sigmoid(z) if target == "binary" else torch.softmax(z, -1)
        pc = p.clamp(1e-7, 1 - 1e-7)
        want = {"categorical_crossentropy": lambda: -(y * pc.log()).sum(-1).mean(),
                "mse": lambda: torch.nn.functional.mse_loss(p, y),
                "binary_crossentropy": lambda: torch.nn.functional.binary_cross_entropy(pc, y)}[loss]().item()
        acc = ((p > 0.5).float() == y).float().mean() if target == "binary" else (p.argmax(-1) == y.argmax(-1)).float().mean()
    assert got_loss == pytest.approx(want, rel=1e-5) and got_acc == pytest.approx(acc.item())


def test_fit_learns_and_is_reproducible():
    """Adam on a separable problem: the loss falls; the same seed gives the same history."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((256, 10)).astype(np.float32)
    y = (x @ rng.standard_normal((10, 3))).argmax(1).astype(np.int64)
    histories = []
    for _ in range(2):
        ramp.manual_seed(5)
        m = Sequential([Dense(32, activation="relu"), Dense(3, activation="softmax")])
        m.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        histories.append(m.fit(x, y, epochs=25, batch_size=32, verbose=0).history)
    assert histories[0] == histories[1]
    assert histories[0]["loss"][-1] < 0.5 * histories[0]["loss"][0] and histories[0]["accuracy"][-1] > 0.85


@pytest.mark.parametrize("loss,units,act,make_y", [
    ("sparse_categorical_crossentropy", 3, "softmax", lambda t: t.argmax(1)),
    ("binary_crossentropy", 1, "sigmoid", lambda t: t.argmax(1) > 0),
    ("mse", 1, None, lambda t: t[:, 0])])
def test_numpy_defaults_train_as_keras(loss, units, act, make_y):
    """What NumPy makes by default (float64 inputs, int32/bool/float64 labels, (N,) binary targets
    for a (N, 1) output) trains as Keras does: inputs cast to the model's float32, labels to what
    the loss takes. The oracle is torch on the float32 inputs and converted labels."""
    torch.manual_seed(3)
    x = torch.randn(48, 6, dtype=torch.float64)
    yt = make_y(x @ torch.randn(6, 3, dtype=torch.float64))
    m = Sequential([Dense(units, activation=act, input_shape=(6,))])
    m.compile(optimizer="sgd", loss=loss, metrics=["accuracy"])
    t = torch.nn.Sequential(torch.nn.Linear(6, units))
    t.load_state_dict({k: torch.from_numpy(to_numpy(v).copy()) for k, v in m.state_dict().items()})
    y_np = yt.numpy().astype(np.int32) if yt.dtype == torch.int64 else yt.numpy()
    history = m.fit(x.numpy(), y_np, epochs=2, batch_size=48, shuffle=False, verbose=0)
    opt, xf = torch.optim.SGD(t.parameters(), lr=0.01), x.float()
    y = yt if loss.startswith("sparse") else yt.float().reshape(-1, 1)
    for want in range(2):
        opt.zero_grad()
        z = t(xf)
        p = {"softmax": lambda: torch.softmax(z, -1), "sigmoid": lambda: torch.sigmoid(z), None: lambda: z}[act]()
        pc = p.clamp(1e-7, 1 - 1e-7)
        tl = {"sparse_categorical_crossentropy": lambda: torch.nn.functional.nll_loss(pc.log(), y),
              "binary_crossentropy": lambda: torch.nn.functional.binary_cross_entropy(pc, y),
              "mse": lambda: torch.nn.functional.mse_loss(p, y)}[loss]()
        acc = (p.argmax(-1) == y).float().mean() if units > 1 else ((p > 0.5).float() == y).float().mean()
        assert history.history["loss"][want] == pytest.approx(tl.item(), rel=1e-5)
        assert history.history["accuracy"][want] == pytest.approx(acc.item())
        tl.backward()
        opt.step()
    assert m.predict(x.numpy()).dtype == np.float32
